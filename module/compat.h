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
#include <linux/version.h>

/* Number of paging levels the MMU walks now (x86 LA57 is a boot choice). */
static inline int mmu_paging_levels(void)
{
#if defined(CONFIG_X86_64)
	return pgtable_l5_enabled() ? 5 : 4;
#else
	return CONFIG_PGTABLE_LEVELS;
#endif
}

/* ---- page-fault tracer (fault_hooks.c, fault_stream.c) ---- */
#if defined(CONFIG_X86)
#include <asm/trap_pf.h>
#endif

/*
 * A PMD read without the page-table lock.  6.12 has a generic
 * pmdp_get_lockless() (6.1 only for 32-bit PAE); on the 64-bit arches we
 * build for, one READ_ONCE() load is what both versions do.
 */
static inline pmd_t mmu_fault_pmd_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}

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

#endif /* _MMUSCOPE_COMPAT_H */
