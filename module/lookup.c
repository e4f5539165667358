// SPDX-License-Identifier: GPL-2.0
/* mmuscope: one address through the page tables, locklessly (GUP-fast). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include "compat.h"
#include "walk.h"
#include "walk_levels.h"

/* The walk stopped at @level on an entry of @type. */
static int mmu_lookup_stop(struct mmu_lookup *lk, enum mmu_level level,
			   enum mmu_entry_type type)
{
	lk->level = level;
	lk->entry_level = level;
	lk->type[level] = type;
	return type;
}

/*
 * One pass over the levels, each entry read once through a live pointer.
 * Context: IRQs off (page-table pages are freed only after an IPI or an
 * RCU grace period that waits for us, as for GUP-fast) and RCU.
 */
static int mmu_lookup_once(struct mm_struct *mm, unsigned long addr,
			   struct mmu_lookup *lk)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep;
	enum mmu_entry_type type;

	pgdp = pgd_offset(mm, addr);
	pgd = mmu_pgdp_get(pgdp);
	lk->val[MMU_PGD] = pgd_val(pgd);
	if (pgd_none(pgd))
		return mmu_lookup_stop(lk, MMU_PGD, MMU_E_NONE);
	type = mmu_pgd_type(pgd);
	if (type != MMU_E_TABLE)
		return mmu_lookup_stop(lk, MMU_PGD, type);
	lk->type[MMU_PGD] = type;

	p4dp = mmu_p4d_next(pgdp, &pgd, addr);
	p4d = mmu_p4dp_get(p4dp);
	lk->val[MMU_P4D] = p4d_val(p4d);
	if (p4d_none(p4d))
		return mmu_lookup_stop(lk, MMU_P4D, MMU_E_NONE);
	type = mmu_p4d_type(p4d);
	if (type != MMU_E_TABLE)
		return mmu_lookup_stop(lk, MMU_P4D, type);
	lk->type[MMU_P4D] = type;

	pudp = mmu_pud_next(p4dp, &p4d, addr);
	pud = mmu_pudp_get(pudp);
	lk->val[MMU_PUD] = pud_val(pud);
	lk->pud = pud;
	if (pud_none(pud))
		return mmu_lookup_stop(lk, MMU_PUD, MMU_E_NONE);
	type = mmu_pud_type(pud);
	if (type != MMU_E_TABLE)
		return mmu_lookup_stop(lk, MMU_PUD, type);
	lk->type[MMU_PUD] = type;

	pmdp = mmu_pmd_next(pudp, &pud, addr);
	pmd = mmu_pmdp_get_lockless(pmdp);
	lk->val[MMU_PMD] = pmd_val(pmd);
	lk->pmd = pmd;
	if (pmd_none(pmd))
		return mmu_lookup_stop(lk, MMU_PMD, MMU_E_NONE);
	type = mmu_pmd_type(pmd);
	if (type != MMU_E_TABLE)
		return mmu_lookup_stop(lk, MMU_PMD, type);
	lk->type[MMU_PMD] = type;

	/* Reads the PMD again: it must still point to a PTE table. */
	ptep = mmu_pte_map(pmdp, addr);
	if (!ptep)
		return -EAGAIN;
	lk->pte = ptep_get_lockless(ptep);
	lk->val[MMU_PTE] = pte_val(lk->pte);
	if (pte_none(lk->pte))
		return mmu_lookup_stop(lk, MMU_PTE, MMU_E_NONE);
	return mmu_lookup_stop(lk, MMU_PTE, pte_present(lk->pte) ?
			       MMU_E_LEAF : MMU_E_NONPRESENT);
}

/*
 * Report runs of folded levels as the MMU walks them: the run's top level
 * holds the entry read at its deepest level, indexed as the table it was
 * read from is (the deepest level of the run with more than one entry),
 * and a walk that stopped inside the run stopped at its top.
 */
static void mmu_lookup_fold(struct mmu_lookup *lk, unsigned long addr)
{
	enum mmu_level top, deep, idx, l;

	for (l = MMU_PGD; l < MMU_NR_LEVELS; l++) {
		lk->index[l] = mmu_level_index(l, addr);
		if (mmu_level_folded(l))
			lk->folded |= BIT(l);
	}
	for (top = MMU_PGD; top < MMU_PTE && top <= lk->level; top = deep + 1) {
		deep = top;
		idx = top;
		for (l = top + 1; l < MMU_PTE && (lk->folded & BIT(l)); l++) {
			deep = l;
			if (mmu_level_ptrs(l) > 1)
				idx = l;
		}
		if (deep == top)
			continue;
		l = min(deep, lk->level);
		lk->val[top] = lk->val[l];
		lk->type[top] = lk->type[l];
		lk->index[top] = lk->index[idx];
		if (lk->level > top && lk->level <= deep)
			lk->level = top;
	}
}

/*
 * The lookup with IRQs off and RCU, retried while the PTE table changes
 * under it.  @full: every level's value and type, from zero (a peek
 * fills only what the last entry needs: level, entry_level, the entry).
 */
static __always_inline int mmu_lookup_tries(struct mm_struct *mm,
					    unsigned long addr,
					    struct mmu_lookup *lk, bool full)
{
	unsigned long flags;
	int tries = 0, ret;

	if (addr >= mm->task_size)
		return -EFAULT;
	do {
		if (full)
			memset(lk, 0, sizeof(*lk));
		local_irq_save(flags);
		rcu_read_lock();
		ret = mmu_lookup_once(mm, addr, lk);
		if (ret >= 0 && lk->level == MMU_PTE &&
		    mmu_walk_injected_eagain(tries))
			ret = -EAGAIN;
		rcu_read_unlock();
		local_irq_restore(flags);
	} while (ret == -EAGAIN && ++tries < 3);
	return ret;
}

/**
 * mmu_walk_lookup() - walk the page tables of one address, without locks
 * @mm:		address space: current->mm, or pinned by mmget()/mmgrab()
 * @addr:	user address
 * @lk:		result: every level's entry, the last one typed
 *
 * The same accessors, next-level pointers and leaf tests as
 * mmu_walk_range() (each entry read once, lower tables found from the copy
 * and the live pointer), for callers that cannot sleep or hold no
 * mmap_lock, such as a page-fault probe.  Runs with IRQs disabled and in
 * an RCU read-side section, as GUP-fast does: page-table pages, shared
 * hugetlb PMD tables included, are freed after a TLB-flush IPI or an RCU
 * grace period (tlb_remove_table(), pte_free_defer()), which wait for us,
 * so every table read is alive, though it may be unlinked meanwhile: the
 * result is a snapshot that can be stale by the time it is used.  No
 * hugetlb_vma_lock_read(): that lock sleeps and is not exported (6.1,
 * 6.12); it only keeps the answer from going stale.
 *
 * Context: any, including atomic and IRQs disabled; never sleeps, takes
 * no lock.
 * Return: the kind of the last entry (MMU_E_LEAF, MMU_E_NONPRESENT,
 * MMU_E_BAD or MMU_E_NONE; never MMU_E_TABLE), -EFAULT when @addr is not
 * a user address of @mm, -EAGAIN when a PTE table kept changing.
 */
int mmu_walk_lookup(struct mm_struct *mm, unsigned long addr,
		    struct mmu_lookup *lk)
{
	int ret = mmu_lookup_tries(mm, addr, lk, true);

	if (ret >= 0)
		mmu_lookup_fold(lk, addr);
	return ret;
}

/**
 * mmu_walk_peek() - the last entry of one address, for the fault probe
 * @mm:		address space, pinned
 * @addr:	user address
 * @lk:		result: only @lk->level, @lk->entry_level and the entry
 *		(@lk->pud, @lk->pmd or @lk->pte) are set
 *
 * The walk of mmu_walk_lookup(), without what only a full report needs
 * (zeroing, every level's value, the folded levels): the per-fault
 * classification reads the entry alone.
 *
 * Context and return: as mmu_walk_lookup().
 */
int mmu_walk_peek(struct mm_struct *mm, unsigned long addr,
		  struct mmu_lookup *lk)
{
	return mmu_lookup_tries(mm, addr, lk, false);
}
