// SPDX-License-Identifier: GPL-2.0
/* mmuscope: a fault's classes from its VMA, flags and page-table entry. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include "compat.h"
#include "decode.h"
#include "faults.h"
#include "walk.h"

static unsigned int mmu_kind_of_present(struct vm_area_struct *vma,
					bool write, bool writable)
{
	if (write && !writable)
		return (vma->vm_flags & VM_SHARED) ? MMU_FC_WP : MMU_FC_COW;
	return MMU_FC_SPURIOUS;
}

/*
 * What the faulting address maps to before the handler runs: the kind
 * class (first_touch, cow, wp, swap_in, numa, migration, spurious), or 0.
 * One lockless lookup, the walker's own (mmu_walk_peek(): the same
 * accessors, next-level pointers and leaf tests as maps, and the PUD
 * rechecked before a hugetlb PMD is read, against huge_pmd_unshare()).
 *
 * Context: called at handle_mm_fault() entry with preemption disabled;
 * the caller holds the mmap_lock or the VMA lock.
 */
static unsigned int mmu_fault_kind(struct vm_area_struct *vma,
				   unsigned long addr, bool write)
{
	struct mmu_lookup lk;
	struct mmu_entry e;

	switch (mmu_walk_peek(vma->vm_mm, addr, &lk)) {
	case MMU_E_NONE:
		return MMU_FC_FIRST_TOUCH;
	case MMU_E_LEAF:
		break;
	case MMU_E_NONPRESENT:
		/* Rare: the decoder of maps says what the entry holds. */
		if (lk.entry_level == MMU_PTE)
			mmu_decode_pte(lk.pte, &e);
		else if (lk.entry_level == MMU_PMD)
			mmu_decode_pmd(lk.pmd, &e);
		else
			return 0;
		if (e.kind == MMU_K_SWAP)
			return MMU_FC_SWAP_IN;
		return e.kind == MMU_K_MIGRATION ? MMU_FC_MIGRATION : 0;
	default:
		return 0;
	}
	switch (lk.entry_level) {
	case MMU_PTE:
		if (pte_protnone(lk.pte))
			return MMU_FC_NUMA;
		return mmu_kind_of_present(vma, write, pte_write(lk.pte));
	case MMU_PMD:
		if (pmd_protnone(lk.pmd))
			return MMU_FC_NUMA;
		return mmu_kind_of_present(vma, write, pmd_write(lk.pmd));
	default:
		return MMU_FC_SPURIOUS;	/* a present PUD leaf */
	}
}

/**
 * mmu_fault_classify() - the classes a fault has before its handler runs
 * @vma:	the faulting VMA (handle_mm_fault()'s argument)
 * @addr:	the faulting address
 * @flags:	FAULT_FLAG_*
 * @has_err:	the exception entry hook gave access and cause already
 *
 * Backing and kind, and without @has_err access and cause from @flags and
 * the entry.  Called at the first handle_mm_fault() of a fault.
 *
 * Context: preemption disabled; the caller holds the mmap or VMA lock.
 * Return: a mask of BIT(MMU_FC_*).
 */
u32 mmu_fault_classify(struct vm_area_struct *vma, unsigned long addr,
		       unsigned int flags, bool has_err)
{
	bool write = flags & FAULT_FLAG_WRITE;
	unsigned int kind;
	u32 c = 0;

	if (is_vm_hugetlb_page(vma))
		c |= BIT(MMU_FC_HUGETLB);
	else if (vma_is_anonymous(vma))
		c |= BIT(MMU_FC_ANON);
	else if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping))
		c |= BIT(MMU_FC_SHMEM);
	else
		c |= BIT(MMU_FC_FILE);

	kind = mmu_fault_kind(vma, addr, write);
	if (kind)
		c |= BIT(kind);
	if (has_err)
		return c;

	/* No exception entry hook: access and cause from flags and entry. */
	if (flags & FAULT_FLAG_INSTRUCTION)
		c |= BIT(MMU_FC_EXEC);
	else if (write)
		c |= BIT(MMU_FC_WRITE);
	else
		c |= BIT(MMU_FC_READ);
	if (kind == MMU_FC_COW || kind == MMU_FC_WP || kind == MMU_FC_SPURIOUS)
		c |= BIT(MMU_FC_PROTECTION);
	else
		c |= BIT(MMU_FC_NOT_PRESENT);
	return c;
}
