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

bool mmu_level_folded(enum mmu_level level);

int mmu_walk_range(struct mmu_walk *w, unsigned long start, unsigned long end);
int mmu_walk_vmas(struct mmu_walk *w, unsigned long start, unsigned long end);

#endif /* _MMUSCOPE_WALK_H */
