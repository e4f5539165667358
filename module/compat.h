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

#endif /* _MMUSCOPE_COMPAT_H */
