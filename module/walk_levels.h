/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: what the range walker (walk.c) and the one-address lookup
 * (lookup.c) share: a level's size and index, the classification of an
 * entry read once, and the next level's entry from a copy.
 */
#ifndef _MMUSCOPE_WALK_LEVELS_H
#define _MMUSCOPE_WALK_LEVELS_H

#include <linux/mm.h>
#include <linux/pgtable.h>
#include "compat.h"
#include "walk.h"

/*
 * A test build (-DMMU_WALK_INJECT_EAGAIN=N) makes the first N looks at
 * every PTE table fail as if the table had been replaced under the walk
 * (collapse, split, retraction), which no workload does on demand: N below
 * the retry limits (8 in the range walker, 3 in the lookup) exercises the
 * retries, N at or above them the "kept changing" error.
 */
#ifndef MMU_WALK_INJECT_EAGAIN
#define MMU_WALK_INJECT_EAGAIN	0
#endif

static inline bool mmu_walk_injected_eagain(int tries)
{
	/* Folds to false in normal builds: nothing on the probes' path. */
	return MMU_WALK_INJECT_EAGAIN && tries < MMU_WALK_INJECT_EAGAIN;
}

/* Entries in one table of @level (1 where it is folded at build time). */
static inline unsigned long mmu_level_ptrs(enum mmu_level level)
{
	switch (level) {
	case MMU_PGD:
		return PTRS_PER_PGD;
	case MMU_P4D:
		return PTRS_PER_P4D;
	case MMU_PUD:
		return PTRS_PER_PUD;
	case MMU_PMD:
		return PTRS_PER_PMD;
	default:
		return PTRS_PER_PTE;
	}
}

static inline unsigned long mmu_level_index(enum mmu_level level, unsigned long va)
{
	switch (level) {
	case MMU_PGD:
		return pgd_index(va);
	case MMU_P4D:
		return mmu_p4d_index(va);
	case MMU_PUD:
		return pud_index(va);
	case MMU_PMD:
		return pmd_index(va);
	default:
		return pte_index(va);
	}
}

/*
 * Classifying an entry read once (none is tested by the caller first).
 * Leaf before bad: pXd_bad is true for leaves.  P4D and PGD entries are
 * never leaves on x86 or arm64.
 */
static inline enum mmu_entry_type mmu_pgd_type(pgd_t pgd)
{
	return pgd_bad(pgd) ? MMU_E_BAD : MMU_E_TABLE;
}

static inline enum mmu_entry_type mmu_p4d_type(p4d_t p4d)
{
	return p4d_bad(p4d) ? MMU_E_BAD : MMU_E_TABLE;
}

static inline enum mmu_entry_type mmu_pud_type(pud_t pud)
{
	if (!pud_present(pud))
		return MMU_E_NONPRESENT;
	if (mmu_pud_is_leaf(pud))
		return MMU_E_LEAF;
	if (pud_bad(pud))
		return MMU_E_BAD;
	return MMU_E_TABLE;
}

static inline enum mmu_entry_type mmu_pmd_type(pmd_t pmd)
{
	if (!pmd_present(pmd))
		return MMU_E_NONPRESENT;
	if (mmu_pmd_is_leaf(pmd))
		return MMU_E_LEAF;
	if (pmd_bad(pmd))
		return MMU_E_BAD;
	return MMU_E_TABLE;
}

/*
 * The next level's entry: from the pointer an entry was read through
 * together with the value read, as the kernel's GUP-fast walker does
 * (mm/gup.c).  pXd_offset(&copy, addr) is right only where the next level
 * is not folded at boot: arm64's p4d_to_folded_pud() aligns the pointer
 * down to its table page, so a pointer to a copy on our stack indexes the
 * stack.  The *_offset_lockless() helpers take the value where the level
 * is real and the live pointer where it is folded (the folded level then
 * reads the same live entry once more, in its own right).  The copy is
 * passed by address and must outlive the result: the generic helpers
 * (6.1) expand to pXd_offset(&copy, addr), and where the level is folded
 * at build time that returns &copy itself -- a copy in these helpers'
 * own frame would be a dangling pointer (arm64 6.1 4K read garbage).
 */
static inline p4d_t *mmu_p4d_next(pgd_t *pgdp, pgd_t *pgd, unsigned long addr)
{
	return p4d_offset_lockless(pgdp, *pgd, addr);
}

static inline pud_t *mmu_pud_next(p4d_t *p4dp, p4d_t *p4d, unsigned long addr)
{
	return pud_offset_lockless(p4dp, *p4d, addr);
}

static inline pmd_t *mmu_pmd_next(pud_t *pudp, pud_t *pud, unsigned long addr)
{
	return pmd_offset_lockless(pudp, *pud, addr);
}

#endif /* _MMUSCOPE_WALK_LEVELS_H */
