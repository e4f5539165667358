// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the page-table walker (PGD -> P4D -> PUD -> PMD -> PTE). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include "compat.h"
#include "walk.h"
#include "walk_levels.h"

/**
 * mmu_level_folded() - is @level folded into its parent at run time?
 * @level: level
 *
 * The kernel's own answer (mm_p4d_folded() & co.): folded at build time,
 * by x86 without LA57, or at boot by arm64 (a 16K kernel built for 52-bit
 * VAs on a CPU without LPA2 folds the PUD although PTRS_PER_PUD is 2048).
 * x86 and arm64 decide per boot, not per mm: no mm is passed.
 */
bool mmu_level_folded(enum mmu_level level)
{
	switch (level) {
	case MMU_P4D:
		return mm_p4d_folded(NULL);
	case MMU_PUD:
		return mm_pud_folded(NULL);
	case MMU_PMD:
		return mm_pmd_folded(NULL);
	default:
		return false;
	}
}

/* A hole at a folded level is a hole in the nearest real level above. */
static int mmu_walk_hole(unsigned long addr, unsigned long next,
			 enum mmu_level level, struct mmu_walk *w)
{
	int err;

	if (!w->ops->hole)
		return 0;
	while (level > MMU_PGD && mmu_level_folded(level))
		level--;
	err = w->ops->hole(addr, next, level, w);
	if (err > 0)
		w->resume = next;
	return err;
}

/* A callback stopped the walk at [addr, next): where to continue. */
static int mmu_walk_result(int err, unsigned long addr, unsigned long next,
			   struct mmu_walk *w)
{
	if (err > 0)
		w->resume = w->type == MMU_E_TABLE ? addr : next;
	return err;
}

static bool mmu_walk_should_yield(struct mmu_walk *w)
{
	return w->may_yield &&
	       (need_resched() || mmap_lock_is_contended(w->mm));
}

/*
 * Context: the PTE table is read inside one RCU read-side section (it may
 * be freed after a grace period from v6.5); -EAGAIN when the PMD no longer
 * points to a table: re-read it.
 */
static int mmu_walk_pte_range(pmd_t *pmdp, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	const struct mmu_walk_ops *ops = w->ops;
	pte_t *start, *ptep;
	int err = 0;

	rcu_read_lock();
	start = mmu_pte_map(pmdp, addr);
	if (!start) {
		rcu_read_unlock();
		return -EAGAIN;
	}
	if (ops->pte_range) {
		err = ops->pte_range(start, addr, end, w);
		rcu_read_unlock();
		return err;
	}
	for (ptep = start; ; ptep++) {
		pte_t pte = ptep_get(ptep);

		if (pte_none(pte)) {
			err = mmu_walk_hole(addr, addr + PAGE_SIZE, MMU_PTE, w);
		} else if (ops->pte_entry) {
			w->type = pte_present(pte) ? MMU_E_LEAF : MMU_E_NONPRESENT;
			w->folded = false;
			err = ops->pte_entry(pte, addr, addr + PAGE_SIZE, w);
			err = mmu_walk_result(err, addr, addr + PAGE_SIZE, w);
		}
		addr += PAGE_SIZE;
		if (err || addr >= end)
			break;
	}
	rcu_read_unlock();
	return err;
}

/*
 * Read a PMD.  In a hugetlb VMA the PMD table may be shared with other
 * processes and unshared without our mmap_lock (huge_pmd_unshare() from
 * rmap or truncation); the kernel's own walkers hold hugetlb_vma_lock_read()
 * against that (v6.2+), which sleeps and is not exported (6.1, 6.12).  We
 * do as GUP-fast instead: with IRQs off, check that the PUD still points
 * to the table, then read: a table unlinked after the check is freed only
 * after an IPI or an RCU grace period, which wait for us.  PTE tables are
 * never shared.
 * Return: false when the PUD changed: read it again.
 */
static bool mmu_walk_pmd_get(struct mmu_walk *w, pud_t *pudp, pud_t pud,
			     pmd_t *pmdp, pmd_t *pmd)
{
	unsigned long flags;
	bool same = true;

	if (!w->vma || !is_vm_hugetlb_page(w->vma)) {
		*pmd = mmu_pmdp_get(pmdp);
		return true;
	}
	local_irq_save(flags);
	if (pud_val(mmu_pudp_get(pudp)) == pud_val(pud))
		*pmd = mmu_pmdp_get(pmdp);
	else
		same = false;
	local_irq_restore(flags);
	return same;
}

/*
 * Return: as mmu_walk_range(), or -EAGAIN when mmu_walk_pmd_get() found
 * the PUD changed (@w->resume: the first address not walked), -EBUSY when
 * a PTE table kept changing.
 */
static int mmu_walk_pmd_range(pud_t *pudp, pud_t pud, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	const struct mmu_walk_ops *ops = w->ops;
	unsigned long next;
	pmd_t *pmdp;
	int err = 0;

	pmdp = mmu_pmd_next(pudp, &pud, addr);
	do {
		pmd_t pmd;
		int tries = 0;
again:
		next = pmd_addr_end(addr, end);
		if (!mmu_walk_pmd_get(w, pudp, pud, pmdp, &pmd)) {
			w->resume = addr;
			return -EAGAIN;
		}
		if (pmd_none(pmd)) {
			err = mmu_walk_hole(addr, next, MMU_PMD, w);
			continue;
		}
		w->type = mmu_pmd_type(pmd);
		w->folded = mmu_level_folded(MMU_PMD);
		/*
		 * A table seen again after a retry was reported already: once
		 * per range, or summary counts it twice.  An entry that
		 * changed kind in between (collapsed) is reported.
		 */
		if (ops->pmd_entry && !(tries && w->type == MMU_E_TABLE)) {
			err = ops->pmd_entry(pmd, addr, next, w);
			err = mmu_walk_result(err, addr, next, w);
			if (err)
				break;
		}
		if (w->type != MMU_E_TABLE)
			continue;
		if (mmu_walk_injected_eagain(tries))
			err = -EAGAIN;
		else
			err = mmu_walk_pte_range(pmdp, addr, next, w);
		/* Collapsed, split or freed under us: look again. */
		if (err == -EAGAIN && ++tries < 8)
			goto again;
		/*
		 * Still changing after 8 looks: say so rather than leave the
		 * range out of the view (-EBUSY here, not the -EAGAIN the PUD
		 * level retries on; mmu_walk_range() returns -EAGAIN).
		 */
		if (err == -EAGAIN) {
			w->resume = addr;
			err = -EBUSY;
		}
		if (!err && next != end && mmu_walk_should_yield(w)) {
			w->resume = next;
			err = MMU_WALK_YIELD;
		}
	} while (pmdp++, addr = next, addr != end && !err);
	return err;
}

static int mmu_walk_pud_range(p4d_t *p4dp, p4d_t p4d, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	const struct mmu_walk_ops *ops = w->ops;
	unsigned long next;
	pud_t *pudp;
	int err = 0;

	pudp = mmu_pud_next(p4dp, &p4d, addr);
	do {
		pud_t pud = mmu_pudp_get(pudp);
		int tries = 0;

		next = pud_addr_end(addr, end);
		if (pud_none(pud)) {
			err = mmu_walk_hole(addr, next, MMU_PUD, w);
			continue;
		}
		w->type = mmu_pud_type(pud);
		w->folded = mmu_level_folded(MMU_PUD);
		if (ops->pud_entry) {
			err = ops->pud_entry(pud, addr, next, w);
			err = mmu_walk_result(err, addr, next, w);
			if (err)
				break;
		}
		if (w->type != MMU_E_TABLE)
			continue;
		err = mmu_walk_pmd_range(pudp, pud, addr, next, w);
		/* A shared hugetlb PMD table was unshared: the rest anew. */
		while (err == -EAGAIN && ++tries < 8) {
			pud = mmu_pudp_get(pudp);
			if (pud_none(pud))
				err = mmu_walk_hole(w->resume, next, MMU_PUD, w);
			else if (mmu_pud_type(pud) == MMU_E_TABLE)
				err = mmu_walk_pmd_range(pudp, pud, w->resume,
							 next, w);
			else
				err = 0;
		}
		if (err == -EAGAIN)
			err = 0;
	} while (pudp++, addr = next, addr != end && !err);
	return err;
}

static int mmu_walk_p4d_range(pgd_t *pgdp, pgd_t pgd, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	const struct mmu_walk_ops *ops = w->ops;
	unsigned long next;
	p4d_t *p4dp;
	int err = 0;

	p4dp = mmu_p4d_next(pgdp, &pgd, addr);
	do {
		p4d_t p4d = mmu_p4dp_get(p4dp);

		next = p4d_addr_end(addr, end);
		if (p4d_none(p4d)) {
			err = mmu_walk_hole(addr, next, MMU_P4D, w);
			continue;
		}
		w->type = mmu_p4d_type(p4d);
		w->folded = mmu_level_folded(MMU_P4D);
		if (ops->p4d_entry) {
			err = ops->p4d_entry(p4d, addr, next, w);
			err = mmu_walk_result(err, addr, next, w);
			if (err)
				break;
		}
		if (w->type == MMU_E_TABLE)
			err = mmu_walk_pud_range(p4dp, p4d, addr, next, w);
	} while (p4dp++, addr = next, addr != end && !err);
	return err;
}

/**
 * mmu_walk_range() - walk the page tables of [@start, @end)
 * @w:		walk state: @w->ops, @w->mm set by the caller
 * @start:	first address, page aligned
 * @end:	end (exclusive), page aligned, > @start
 *
 * Visits only populated entries: an empty entry at any level skips its
 * whole span (one hole callback), so the cost is proportional to the
 * populated tables, not to the size of the range.  Each entry is read once
 * (ptep_get / pXdp_get) and classified from that copy, in the order none,
 * leaf, non-present, bad; lower tables are found from the copy and the
 * live pointer (mmu_pud_next() & co.), right where a level is folded at
 * boot.
 *
 * Context: mmap_read_lock(@w->mm) held, and [@start, @end) inside one
 * VMA found under that lock: page tables under a live VMA are not freed
 * while the lock is held, except PTE tables on v6.5+, which are freed
 * after an RCU grace period and mapped here under RCU (mmu_pte_map()).
 * Never sleeps; may be called from a caller that holds no other locks.
 * Return: 0 when the range is done; > 0 when a callback stopped the walk,
 * or MMU_WALK_YIELD (@w->may_yield) when the lock should be dropped, with
 * @w->resume set; < 0 on error: -EAGAIN when a PTE table was replaced
 * under the walk eight times in a row (the range is not left out).
 */
int mmu_walk_range(struct mmu_walk *w, unsigned long start, unsigned long end)
{
	const struct mmu_walk_ops *ops = w->ops;
	unsigned long addr = start, next;
	pgd_t *pgdp;
	int err = 0;

	mmu_mmap_assert_locked(w->mm);
	pgdp = pgd_offset(w->mm, addr);
	do {
		pgd_t pgd = mmu_pgdp_get(pgdp);

		next = pgd_addr_end(addr, end);
		if (pgd_none(pgd)) {
			err = mmu_walk_hole(addr, next, MMU_PGD, w);
			continue;
		}
		w->type = mmu_pgd_type(pgd);
		w->folded = false;
		if (ops->pgd_entry) {
			err = ops->pgd_entry(pgd, addr, next, w);
			err = mmu_walk_result(err, addr, next, w);
			if (err)
				break;
		}
		if (w->type == MMU_E_TABLE)
			err = mmu_walk_p4d_range(pgdp, pgd, addr, next, w);
	} while (pgdp++, addr = next, addr != end && !err);
	/* A PTE table that kept changing: the reader may try again. */
	return err == -EBUSY ? -EAGAIN : err;
}

/**
 * mmu_walk_vmas() - walk the page tables under every VMA in [@start, @end)
 * @w:		walk state; @w->locked must be true
 * @start:	first address
 * @end:	end (exclusive)
 *
 * Walks only inside VMAs found under mmap_lock (tables outside VMAs may be
 * freed by a concurrent munmap that downgraded its lock).  With
 * @w->may_yield, when the target's mmap_lock is contended or we should
 * reschedule, the lock is dropped between PTE tables and the walk resumes
 * at the next address under the VMAs found after retaking it, calling
 * @vma_enter again.
 *
 * Context: process context, mmap_read_lock(@w->mm) held on entry; held on
 * return unless the return value is -EINTR (@w->locked is then false).
 * Return: 0 at the end, > 0 from a stopping callback (@w->resume is where
 * to continue), -EINTR when killed while retaking the lock, < 0 error.
 */
int mmu_walk_vmas(struct mmu_walk *w, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	int err = 0;

	mmu_mmap_assert_locked(w->mm);
	vma_iter_init(&vmi, w->mm, start);
	for_each_vma_range(vmi, vma, end) {
		unsigned long lo = max(start, vma->vm_start);
		unsigned long hi = min(end, vma->vm_end);

		w->vma = vma;
		if (w->ops->vma_enter) {
			err = w->ops->vma_enter(vma, w);
			if (err) {
				if (err > 0)
					w->resume = lo;
				break;
			}
		}
		err = mmu_walk_range(w, lo, hi);
		if (err != MMU_WALK_YIELD) {
			if (err)
				break;
			continue;
		}
		err = 0;
		start = w->resume;
		w->vma = NULL;
		mmap_read_unlock(w->mm);
		cond_resched();
		if (mmap_read_lock_killable(w->mm)) {
			w->locked = false;
			return -EINTR;
		}
		vma_iter_init(&vmi, w->mm, start);
	}
	w->vma = NULL;
	return err;
}
