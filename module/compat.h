/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: every kernel-version and architecture difference the .c files
 * need, as small inline wrappers (lttng-modules style).  Each #if names the
 * release or feature that changed; .c files call only these wrappers.
 */
#ifndef _MMUSCOPE_COMPAT_H
#define _MMUSCOPE_COMPAT_H

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/workqueue.h>

/* MMU_HAVE_*: feature tests of module/conftest.sh, run by module/Kbuild. */
#include "compat-generated.h"

/*
 * Number of paging levels the MMU walks now: PGD and PTE, and each of
 * P4D, PUD, PMD the kernel does not fold, at build time or at boot (x86
 * LA57; arm64 16K built for 52-bit VAs folds the PUD on a CPU without
 * LPA2 and walks 3).  x86 and arm64 decide per boot: no mm is passed.
 */
static inline int mmu_paging_levels(void)
{
	return 2 + !mm_p4d_folded(NULL) + !mm_pud_folded(NULL) +
	       !mm_pmd_folded(NULL);
}

/*
 * End of the 64-bit user address space on this boot.  arm64's
 * TASK_SIZE_MAX is the build's VA_BITS (52 for 16K with LPA2), but a CPU
 * without LPA2 runs with 47-bit VAs: TASK_SIZE_64 reads the boot's size.
 */
static inline unsigned long mmu_user_va_end(void)
{
#if defined(CONFIG_ARM64)
	return TASK_SIZE_64;
#else
	return TASK_SIZE_MAX;
#endif
}

/*
 * Release of the headers we build against, for the few differences no
 * feature macro reveals (version.h has had MAJOR/PATCHLEVEL since v5.14).
 */
#define MMU_KERNEL_GE(major, minor)					\
	(KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, 0) >= \
	 KERNEL_VERSION(major, minor, 0))

/*
 * Reading page-table entries once.  The pXdp_get() family (overridable by
 * arches) is complete by v6.11; before, the generic readers are READ_ONCE.
 * PTEs always go through ptep_get() (arm64 contpte folds A/D in it).
 */
#if MMU_KERNEL_GE(6, 11)
static inline pgd_t mmu_pgdp_get(pgd_t *pgdp) { return pgdp_get(pgdp); }
static inline p4d_t mmu_p4dp_get(p4d_t *p4dp) { return p4dp_get(p4dp); }
static inline pud_t mmu_pudp_get(pud_t *pudp) { return pudp_get(pudp); }
static inline pmd_t mmu_pmdp_get(pmd_t *pmdp) { return pmdp_get(pmdp); }
#else
static inline pgd_t mmu_pgdp_get(pgd_t *pgdp) { return READ_ONCE(*pgdp); }
static inline p4d_t mmu_p4dp_get(p4d_t *p4dp) { return READ_ONCE(*p4dp); }
static inline pud_t mmu_pudp_get(pud_t *pudp) { return READ_ONCE(*pudp); }
static inline pmd_t mmu_pmdp_get(pmd_t *pmdp) { return READ_ONCE(*pmdp); }
#endif

/* v6.5 replaced pmd_read_atomic() with pmdp_get_lockless(). */
#if MMU_KERNEL_GE(6, 5)
static inline pmd_t mmu_pmdp_get_lockless(pmd_t *pmdp)
{
	return pmdp_get_lockless(pmdp);
}
#else
static inline pmd_t mmu_pmdp_get_lockless(pmd_t *pmdp)
{
	return pmd_read_atomic(pmdp);
}
#endif

/*
 * ZONE_DEVICE "devmap" entries: a special bit up to 6.1x; the 7.x kernels
 * dropped the bit and pXd_devmap() with it (their DAX mappings are plain
 * pXd_leaf entries).  Conftest: MMU_HAVE_{PTE,PMD,PUD}_DEVMAP.
 */
static inline bool mmu_pte_devmap(pte_t pte)
{
#ifdef MMU_HAVE_PTE_DEVMAP
	return pte_devmap(pte);
#else
	return false;
#endif
}

static inline bool mmu_pmd_devmap(pmd_t pmd)
{
#ifdef MMU_HAVE_PMD_DEVMAP
	return pmd_devmap(pmd);
#else
	return false;
#endif
}

static inline bool mmu_pud_devmap(pud_t pud)
{
#ifdef MMU_HAVE_PUD_DEVMAP
	return pud_devmap(pud);
#else
	return false;
#endif
}

/*
 * userfaultfd write-protect bits: the 7.x kernels dropped "_wp" from
 * pte_uffd_wp(), pmd_uffd_wp() and pte_swp_uffd_wp().  Conftest:
 * MMU_HAVE_PTE_UFFD.
 */
#if !defined(MMU_HAVE_PTE_UFFD) && !defined(MMU_HAVE_PTE_UFFD_WP)
#error "mmuscope: unsupported kernel: no pte_uffd() nor pte_uffd_wp()"
#endif
#ifdef MMU_HAVE_PTE_UFFD
static inline bool mmu_pte_uffd_wp(pte_t pte) { return pte_uffd(pte); }
static inline bool mmu_pmd_uffd_wp(pmd_t pmd) { return pmd_uffd(pmd); }
static inline bool mmu_pte_swp_uffd_wp(pte_t pte) { return pte_swp_uffd(pte); }
#else
static inline bool mmu_pte_uffd_wp(pte_t pte) { return pte_uffd_wp(pte); }
static inline bool mmu_pmd_uffd_wp(pmd_t pmd) { return pmd_uffd_wp(pmd); }
static inline bool mmu_pte_swp_uffd_wp(pte_t pte) { return pte_swp_uffd_wp(pte); }
#endif

/* A PMD that maps memory itself (THP, hugetlb, devmap), not a PTE table. */
static inline bool mmu_pmd_is_leaf(pmd_t pmd)
{
	return pmd_leaf(pmd) || pmd_trans_huge(pmd) || mmu_pmd_devmap(pmd);
}

static inline bool mmu_pud_is_leaf(pud_t pud)
{
	return pud_leaf(pud) || pud_trans_huge(pud) || mmu_pud_devmap(pud);
}

/**
 * mmu_pte_map() - find the PTE table under a PMD for reading
 * @pmdp:	the PMD entry (in its table)
 * @addr:	address whose PTE is wanted
 *
 * From v6.5 khugepaged frees PTE tables of file THPs without the mmap lock
 * (retract_page_tables -> pte_free_defer, after an RCU grace period), and
 * __pte_offset_map() which handles that is not exported.  So the caller
 * holds rcu_read_lock; here the PMD is read once, we give up unless it
 * still points to a PTE table, and index the table through the local
 * copy.  On v6.1 the table cannot go away under mmap_read_lock; the same
 * shape costs nothing.  64-bit only: no HIGHPTE, the table is in the
 * linear map.  The caller keeps rcu_read_lock until done with the PTEs.
 *
 * Context: mmap_read_lock and rcu_read_lock held.
 * Return: the PTE of @addr, or NULL (the PMD changed: none, leaf, bad).
 */
static inline pte_t *mmu_pte_map(pmd_t *pmdp, unsigned long addr)
{
	pmd_t pmdval;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "PTE table read outside RCU");
	pmdval = mmu_pmdp_get_lockless(pmdp);
	if (pmd_none(pmdval) || !pmd_present(pmdval) ||
	    mmu_pmd_is_leaf(pmdval) || pmd_bad(pmdval))
		return NULL;
	return pte_offset_kernel(&pmdval, addr);
}

/*
 * Non-present, non-none entries (swap, migration, device, hwpoison,
 * marker).  The 7.x kernels call them "softleaf" entries
 * (linux/leafops.h) and removed pte_to_swp_entry(), is_swap_pte(),
 * non_swap_entry(), is_migration_entry(), is_pte_marker_entry() ...;
 * softleaf_t is still swp_entry_t there, so mmuscope keeps swp_entry_t
 * and asks these wrappers.  Conftest: MMU_HAVE_SOFTLEAF.
 */
#if !defined(MMU_HAVE_SOFTLEAF) && !defined(MMU_HAVE_SWP_ENTRY)
#error "mmuscope: unsupported kernel: no softleaf_from_pte() nor pte_to_swp_entry()"
#endif
#ifdef MMU_HAVE_SOFTLEAF
#include <linux/leafops.h>

/* Whether @pte holds a software entry (not none, not present). */
static inline bool mmu_pte_is_swp(pte_t pte)
{
	return !pte_none(pte) && !pte_present(pte);
}

static inline swp_entry_t mmu_pte_to_swp_entry(pte_t pte)
{
	return softleaf_from_pte(pte);
}

/* A swap-device entry (not migration, device, hwpoison or marker). */
static inline bool mmu_swp_is_swap(swp_entry_t e) { return softleaf_is_swap(e); }
static inline bool mmu_swp_is_marker(swp_entry_t e) { return softleaf_is_marker(e); }
static inline unsigned long mmu_swp_marker(swp_entry_t e) { return softleaf_to_marker(e); }
static inline bool mmu_swp_is_migration(swp_entry_t e) { return softleaf_is_migration(e); }
static inline bool mmu_swp_is_migration_write(swp_entry_t e)
{
	return softleaf_is_migration_write(e);
}

static inline bool mmu_swp_is_migration_read_exclusive(swp_entry_t e)
{
	return softleaf_is_migration_read_exclusive(e);
}

static inline bool mmu_swp_is_device_private(swp_entry_t e)
{
	return softleaf_is_device_private(e);
}

static inline bool mmu_swp_is_device_exclusive(swp_entry_t e)
{
	return softleaf_is_device_exclusive(e);
}

static inline bool mmu_swp_is_hwpoison(swp_entry_t e) { return softleaf_is_hwpoison(e); }
/* PFN of a migration, device or hwpoison entry. */
static inline unsigned long mmu_swp_pfn(swp_entry_t e) { return softleaf_to_pfn(e); }
static inline bool mmu_pmd_is_migration(pmd_t pmd) { return pmd_is_migration_entry(pmd); }
#else /* !MMU_HAVE_SOFTLEAF */
static inline bool mmu_pte_is_swp(pte_t pte) { return is_swap_pte(pte); }
static inline swp_entry_t mmu_pte_to_swp_entry(pte_t pte) { return pte_to_swp_entry(pte); }
static inline bool mmu_swp_is_swap(swp_entry_t e) { return !non_swap_entry(e); }
static inline bool mmu_swp_is_marker(swp_entry_t e) { return is_pte_marker_entry(e); }
static inline unsigned long mmu_swp_marker(swp_entry_t e) { return pte_marker_get(e); }
static inline bool mmu_swp_is_migration(swp_entry_t e) { return is_migration_entry(e); }
static inline bool mmu_swp_is_migration_write(swp_entry_t e)
{
	return is_writable_migration_entry(e);
}

static inline bool mmu_swp_is_migration_read_exclusive(swp_entry_t e)
{
	return is_readable_exclusive_migration_entry(e);
}

static inline bool mmu_swp_is_device_private(swp_entry_t e)
{
	return is_device_private_entry(e);
}

static inline bool mmu_swp_is_device_exclusive(swp_entry_t e)
{
	return is_device_exclusive_entry(e);
}

static inline bool mmu_swp_is_hwpoison(swp_entry_t e) { return is_hwpoison_entry(e); }
static inline unsigned long mmu_swp_pfn(swp_entry_t e) { return swp_offset_pfn(e); }
static inline bool mmu_pmd_is_migration(pmd_t pmd) { return is_pmd_migration_entry(pmd); }
#endif /* MMU_HAVE_SOFTLEAF */

/*
 * v6.1 has a swap type for swap-in errors; v6.2 made it the marker
 * PTE_MARKER_SWAPIN_ERROR, v6.5 renamed it PTE_MARKER_POISONED.  All are
 * reported as markers; v6.1's gets a bit of its own above the kernel's.
 */
#define MMU_MARKER_SWAPIN_ERROR	BIT(30)
#if defined(PTE_MARKER_POISONED)
#define MMU_MARKER_POISONED	PTE_MARKER_POISONED
#elif defined(PTE_MARKER_SWAPIN_ERROR)
#define MMU_MARKER_POISONED	PTE_MARKER_SWAPIN_ERROR
#else
#define MMU_MARKER_POISONED	0
#endif
#if defined(SWP_SWAPIN_ERROR_NUM) && !defined(PTE_MARKER_SWAPIN_ERROR)
static inline bool mmu_is_swapin_error_entry(swp_entry_t entry)
{
	return is_swapin_error_entry(entry);
}
#else
static inline bool mmu_is_swapin_error_entry(swp_entry_t entry)
{
	return false;
}
#endif

/* p4d_index() only exists where the P4D is not folded at build time. */
static inline unsigned long mmu_p4d_index(unsigned long va)
{
	return (va >> P4D_SHIFT) & (PTRS_PER_P4D - 1);
}

#ifdef CONFIG_ARM64
/*
 * arm64 marks PROT_NONE (present to the kernel, invalid to the MMU) with
 * bit 58 PTE_PROT_NONE up to v6.9; v6.10 moved it to PTE_PRESENT_INVALID
 * (nG while !PTE_VALID) and gave bit 58 to uffd-wp.
 */
#ifdef PTE_PRESENT_INVALID
#define MMU_ARM64_PRESENT_INVALID	PTE_PRESENT_INVALID
#else
#define MMU_ARM64_PRESENT_INVALID	PTE_PROT_NONE
#endif
#ifdef PTE_UFFD_WP
#define MMU_ARM64_PTE_UFFD_WP		PTE_UFFD_WP
#elif defined(PTE_UFFD)			/* 7.x name */
#define MMU_ARM64_PTE_UFFD_WP		PTE_UFFD
#else
#define MMU_ARM64_PTE_UFFD_WP		0
#endif
/* The devmap bit is gone in the 7.x kernels (see mmu_pte_devmap()). */
#ifdef PTE_DEVMAP
#define MMU_ARM64_PTE_DEVMAP		PTE_DEVMAP
#else
#define MMU_ARM64_PTE_DEVMAP		0
#endif
#endif /* CONFIG_ARM64 */
#ifdef CONFIG_X86_64
/* The 7.x kernels call the uffd-wp bits _PAGE_UFFD and _PAGE_SWP_UFFD. */
#ifdef _PAGE_UFFD_WP
#define MMU_X86_PAGE_UFFD_WP		_PAGE_UFFD_WP
#else
#define MMU_X86_PAGE_UFFD_WP		_PAGE_UFFD
#endif
#if defined(_PAGE_SWP_UFFD_WP)
#define MMU_X86_PAGE_SWP_UFFD_WP	_PAGE_SWP_UFFD_WP
#elif defined(_PAGE_SWP_UFFD)
#define MMU_X86_PAGE_SWP_UFFD_WP	_PAGE_SWP_UFFD
#else
#define MMU_X86_PAGE_SWP_UFFD_WP	0
#endif
/* The devmap bit is gone in the 7.x kernels (see mmu_pte_devmap()). */
#ifdef _PAGE_DEVMAP
#define MMU_X86_PAGE_DEVMAP		_PAGE_DEVMAP
#else
#define MMU_X86_PAGE_DEVMAP		0
#endif
#endif /* CONFIG_X86_64 */

/* ---- page-fault tracer (fault_hooks.c, fault_stream.c) ---- */
#if defined(CONFIG_X86)
#include <asm/trap_pf.h>
#endif

/*
 * mmap_assert_locked() calls dump_mm() under CONFIG_DEBUG_VM, and 6.1 does
 * not export dump_mm (a DEBUG_VM kernel refuses the module): the same
 * checks without it.
 */
static inline void mmu_mmap_assert_locked(struct mm_struct *mm)
{
	lockdep_assert_held(&mm->mmap_lock);
	VM_WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_lock));
}

/*
 * v6.2 renamed del_timer_sync() to timer_delete_sync() (6.1.y stable has
 * both; the old name goes away later).
 */
#if MMU_KERNEL_GE(6, 2)
static inline void mmu_timer_delete_sync(struct timer_list *t)
{
	timer_delete_sync(t);
}
#else
static inline void mmu_timer_delete_sync(struct timer_list *t)
{
	del_timer_sync(t);
}
#endif

/* v6.16 renamed from_timer() to timer_container_of(). */
#ifdef timer_container_of
#define mmu_timer_container_of(var, t, field) timer_container_of(var, t, field)
#else
#define mmu_timer_container_of(var, t, field) from_timer(var, t, field)
#endif

/*
 * The hardware error code of the x86 exception tracepoints; other arches
 * have no such tracepoint, and their faults are classified from the
 * FAULT_FLAG_* argument of handle_mm_fault and the page-table entry.
 */
#if defined(CONFIG_X86)
static inline bool mmu_fault_err_write(unsigned long err)
{
	return err & X86_PF_WRITE;
}

static inline bool mmu_fault_err_exec(unsigned long err)
{
	return err & X86_PF_INSTR;
}

static inline bool mmu_fault_err_protection(unsigned long err)
{
	return err & X86_PF_PROT;
}
#else
static inline bool mmu_fault_err_write(unsigned long err) { return false; }
static inline bool mmu_fault_err_exec(unsigned long err) { return false; }
static inline bool mmu_fault_err_protection(unsigned long err) { return false; }
#endif

/*
 * Where a fault ends without handle_mm_fault() (no VMA, access error,
 * faults with the handler disabled): on x86 two noinline functions that
 * take the fault's pt_regs first.  arm64's equivalents are on the kprobe
 * blacklist or inlined: none (their faults count as unpaired).
 */
#if defined(CONFIG_X86)
#define MMU_BAD_AREA_SYMS { "bad_area_nosemaphore", "bad_area_access_error" }
#else
#define MMU_BAD_AREA_SYMS { }
#endif

/*
 * A non-present PMD can hold a swap-format entry (a THP under migration)
 * only with CONFIG_ARCH_ENABLE_THP_MIGRATION; pmd_to_swp_entry() exists
 * only then (7.x: softleaf_from_pmd() with CONFIG_ARCH_HAS_PMD_SOFTLEAVES).
 * Return: whether @pmd was decoded into @entry.
 */
#if defined(MMU_HAVE_SOFTLEAF) && defined(CONFIG_ARCH_HAS_PMD_SOFTLEAVES)
static inline bool mmu_pmd_swp_entry(pmd_t pmd, swp_entry_t *entry,
				     bool *soft_dirty)
{
	*entry = softleaf_from_pmd(pmd);
	*soft_dirty = pmd_swp_soft_dirty(pmd);
	return true;
}
#elif !defined(MMU_HAVE_SOFTLEAF) && defined(CONFIG_ARCH_ENABLE_THP_MIGRATION)
static inline bool mmu_pmd_swp_entry(pmd_t pmd, swp_entry_t *entry,
				     bool *soft_dirty)
{
	*entry = pmd_to_swp_entry(pmd);
	*soft_dirty = pmd_swp_soft_dirty(pmd);
	return true;
}
#else
static inline bool mmu_pmd_swp_entry(pmd_t pmd, swp_entry_t *entry,
				     bool *soft_dirty)
{
	return false;
}
#endif

/*
 * The shared unbound workqueue, for work that may run on any CPU.  6.18
 * (and Debian's 6.12 by backport) names it system_dfl_wq, and 7.x warns
 * about work queued on the old system_wq.  Conftest: MMU_HAVE_SYSTEM_DFL_WQ.
 */
static inline struct workqueue_struct *mmu_unbound_wq(void)
{
#ifdef MMU_HAVE_SYSTEM_DFL_WQ
	return system_dfl_wq;
#else
	return system_unbound_wq;
#endif
}

#endif /* _MMUSCOPE_COMPAT_H */
