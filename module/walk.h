/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: the page-table walker's interface, shaped like
 * include/linux/pagewalk.h: typed per-level callbacks, a hole callback,
 * mutable state in struct mmu_walk.
 */
#ifndef _MMUSCOPE_WALK_H
#define _MMUSCOPE_WALK_H

#include <linux/mm.h>
#include "decode.h"

struct mmu_walk;

/* What the entry handed to a callback is (set in mmu_walk::type). */
enum mmu_entry_type {
	MMU_E_TABLE,		/* points to the next level's table */
	MMU_E_LEAF,		/* present leaf: maps memory */
	MMU_E_NONPRESENT,	/* not none, not present: swap, migration... */
	MMU_E_BAD,		/* pXd_bad: reported, not followed */
	MMU_E_NONE,		/* pXd_none (mmu_walk_lookup() only) */
};

/**
 * struct mmu_walk_ops - callbacks of mmu_walk_range() / mmu_walk_vmas()
 * @vma_enter:	a VMA's range is about to be walked (again after the
 *		walker dropped and retook mmap_lock).
 * @pgd_entry:	a populated entry of that level; mmu_walk::type says what
 * @p4d_entry:	it is and mmu_walk::folded whether the level is folded
 * @pud_entry:	(mmu_level_folded()).  A level folded at build time, or
 * @pmd_entry:	by x86 without LA57, shows its parent's entry; one folded
 *		at boot by arm64 (the PUD of a 16K kernel built for 52-bit
 *		VAs on a CPU without LPA2) shows the real entries of the top
 *		table, and its parents then show pass-through values (their
 *		pXd_none/pXd_bad are false).  Tables are reported before the
 *		walker descends into them.
 * @pte_entry:	Called with rcu_read_lock held: must not sleep.
 * @pte_range:	if set, called once per PTE table instead of @pte_entry and
 *		of @hole at the PTE level, with the table mapped at @ptep
 *		(the entry of @addr) under rcu_read_lock, for [addr, end):
 *		saves an indirect call per entry (as mm/pagewalk.c users do
 *		in a pmd_entry).  Reads entries with ptep_get(); when it
 *		returns > 0 it must set mmu_walk::resume itself.
 * @hole:	[addr, next) has no entry at @level (pXd_none).
 *
 * Each callback returns 0 to continue, > 0 to stop the walk (the walk
 * returns that value and mmu_walk::resume is where to continue), < 0 to
 * abort with that error.
 */
struct mmu_walk_ops {
	int (*vma_enter)(struct vm_area_struct *vma, struct mmu_walk *w);
	int (*pgd_entry)(pgd_t pgd, unsigned long addr, unsigned long next,
			 struct mmu_walk *w);
	int (*p4d_entry)(p4d_t p4d, unsigned long addr, unsigned long next,
			 struct mmu_walk *w);
	int (*pud_entry)(pud_t pud, unsigned long addr, unsigned long next,
			 struct mmu_walk *w);
	int (*pmd_entry)(pmd_t pmd, unsigned long addr, unsigned long next,
			 struct mmu_walk *w);
	int (*pte_entry)(pte_t pte, unsigned long addr, unsigned long next,
			 struct mmu_walk *w);
	int (*pte_range)(pte_t *ptep, unsigned long addr, unsigned long end,
			 struct mmu_walk *w);
	int (*hole)(unsigned long addr, unsigned long next,
		    enum mmu_level level, struct mmu_walk *w);
};

/**
 * struct mmu_walk - state of one walk
 * @ops:	callbacks
 * @mm:		address space (referenced by the caller)
 * @vma:	VMA being walked (valid in callbacks only)
 * @private:	caller's data
 * @type:	kind of the entry handed to the current callback
 * @folded:	the current callback's level is folded into its parent
 * @may_yield:	mmu_walk_vmas() may drop mmap_lock on contention/resched
 * @locked:	mmap_lock is held (false after a failed killable retake)
 * @resume:	first address not yet walked when the walk stopped
 */
struct mmu_walk {
	const struct mmu_walk_ops *ops;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	void *private;
	enum mmu_entry_type type;
	bool folded;
	bool may_yield;
	bool locked;
	unsigned long resume;
};

/* Returned by the level loops when mmu_walk_vmas() should yield the lock. */
#define MMU_WALK_YIELD	INT_MAX

/**
 * struct mmu_lookup - the walk of one address, level by level
 * @val:	raw entry read at each level (0 where the walk stopped
 *		above).  The top level of a run of folded levels holds the
 *		entry the MMU reads there: the one read at the run's deepest
 *		level (on arm64 16K without LPA2 the PGD holds the entry
 *		read through the folded PUD), as arm64's ptdump shows it.
 * @index:	index of @val[level] in the table the MMU reads it from
 * @type:	kind of @val[level], for levels down to @level
 * @folded:	bit per level folded at build or boot time (BIT(MMU_P4D)...)
 * @level:	level where the walk stopped: a leaf, a non-present, bad or
 *		none entry.  A none entry at a folded level is reported at
 *		the real level above it.
 * @entry_level: level whose entry is in @pud / @pmd / @pte: where the
 *		walk stopped, before a stop at a folded level was lifted
 * @pud:	copy of the last entry when @entry_level is MMU_PUD (P4D and
 *		PGD entries are never leaves on x86 or arm64)
 * @pmd:	... when @entry_level is MMU_PMD
 * @pte:	... when @entry_level is MMU_PTE
 */
struct mmu_lookup {
	u64 val[MMU_NR_LEVELS];
	unsigned long index[MMU_NR_LEVELS];
	enum mmu_entry_type type[MMU_NR_LEVELS];
	unsigned int folded;
	enum mmu_level level;
	enum mmu_level entry_level;
	pud_t pud;
	pmd_t pmd;
	pte_t pte;
};

bool mmu_level_folded(enum mmu_level level);

/*
 * mmu_walk_lookup(): one address, no lock, never sleeps (IRQs off and RCU
 * inside, as GUP-fast), callable from a page-fault probe with @mm pinned
 * (current->mm there).  Same accessors, next-level pointers and leaf tests
 * as mmu_walk_range().  Returns the kind of the last entry (MMU_E_LEAF,
 * MMU_E_NONPRESENT, MMU_E_BAD, MMU_E_NONE), -EFAULT (not a user address)
 * or -EAGAIN (a PTE table kept changing).  For a leaf or non-present
 * entry, @lk->entry_level says which of @lk->pud/pmd/pte holds it, e.g.:
 *
 *	struct mmu_lookup lk;
 *
 *	if (mmu_walk_lookup(current->mm, addr, &lk) == MMU_E_LEAF &&
 *	    lk.entry_level == MMU_PTE && pte_write(lk.pte))
 *		...
 *
 * struct mmu_lookup is about 140 bytes (64-bit): fine on a probe's stack.
 * mmu_walk_peek() is the same walk for a caller that reads only the last
 * entry (level, entry_level, pud/pmd/pte): no zeroing, no folded levels.
 */
int mmu_walk_lookup(struct mm_struct *mm, unsigned long addr,
		    struct mmu_lookup *lk);
int mmu_walk_peek(struct mm_struct *mm, unsigned long addr,
		  struct mmu_lookup *lk);
int mmu_walk_range(struct mmu_walk *w, unsigned long start, unsigned long end);
int mmu_walk_vmas(struct mmu_walk *w, unsigned long start, unsigned long end);

#endif /* _MMUSCOPE_WALK_H */
