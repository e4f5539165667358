// SPDX-License-Identifier: GPL-2.0
/* mmuscope: x86_64 entry formats: hardware flag tables, normalized flags. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "decode.h"

#define MMU_BIT(flag, name)	{ flag, flag, name }
#define MMU_PKEY(n)		{ _PAGE_PKEY_MASK, (u64)(n) << _PAGE_BIT_PKEY_BIT0, "pkey=" #n }

/*
 * Bits shared by every present format.  _PAGE_PROTNONE is _PAGE_GLOBAL
 * without _PAGE_PRESENT; the kernel keeps such (PROT_NONE, NUMA hinting)
 * entries "present".  Zero masks (options not configured) are skipped.
 */
#define MMU_X86_COMMON							\
	MMU_BIT(_PAGE_PRESENT, "present"),				\
	MMU_BIT(_PAGE_RW, "rw"),					\
	MMU_BIT(_PAGE_USER, "user"),					\
	MMU_BIT(_PAGE_PWT, "pwt"),					\
	MMU_BIT(_PAGE_PCD, "pcd"),					\
	MMU_BIT(_PAGE_ACCESSED, "accessed")

#define MMU_X86_LEAF							\
	MMU_BIT(_PAGE_DIRTY, "dirty"),					\
	{ _PAGE_PRESENT | _PAGE_GLOBAL, _PAGE_PRESENT | _PAGE_GLOBAL, "global" }, \
	{ _PAGE_PRESENT | _PAGE_PROTNONE, _PAGE_PROTNONE, "protnone" },	\
	MMU_BIT(_PAGE_SPECIAL, "special"),				\
	MMU_BIT(_PAGE_UFFD_WP, "uffd-wp"),				\
	MMU_BIT(_PAGE_SOFT_DIRTY, "soft-dirty"),			\
	MMU_BIT(_PAGE_DEVMAP, "devmap"),				\
	MMU_PKEY(1), MMU_PKEY(2), MMU_PKEY(3), MMU_PKEY(4), MMU_PKEY(5), \
	MMU_PKEY(6), MMU_PKEY(7), MMU_PKEY(8), MMU_PKEY(9), MMU_PKEY(10), \
	MMU_PKEY(11), MMU_PKEY(12), MMU_PKEY(13), MMU_PKEY(14), MMU_PKEY(15), \
	MMU_BIT(_PAGE_NX, "nx")

static const struct mmu_flag_desc mmu_x86_table[] = {
	MMU_X86_COMMON,
	MMU_BIT(_PAGE_PSE, "pse"),
	MMU_BIT(_PAGE_NX, "nx"),
};

/* 4K PTE: bit 7 is PAT. */
static const struct mmu_flag_desc mmu_x86_page[] = {
	MMU_X86_COMMON,
	MMU_BIT(_PAGE_PAT, "pat"),
	MMU_X86_LEAF,
};

/* 2M/1G leaves: bit 7 is PSE, PAT moves to bit 12. */
static const struct mmu_flag_desc mmu_x86_block[] = {
	MMU_X86_COMMON,
	MMU_BIT(_PAGE_PSE, "pse"),
	MMU_BIT(_PAGE_PAT_LARGE, "pat"),
	MMU_X86_LEAF,
};

/* Non-present entries keep a few software bits next to type:offset. */
static const struct mmu_flag_desc mmu_x86_swap[] = {
#ifdef _PAGE_SWP_SOFT_DIRTY
	MMU_BIT(_PAGE_SWP_SOFT_DIRTY, "swp-soft-dirty"),
#endif
#ifdef _PAGE_SWP_UFFD_WP
	MMU_BIT(_PAGE_SWP_UFFD_WP, "swp-uffd-wp"),
#endif
#ifdef _PAGE_SWP_EXCLUSIVE
	MMU_BIT(_PAGE_SWP_EXCLUSIVE, "swp-exclusive"),
#endif
	MMU_BIT(_PAGE_PSE, "pse"),
};

const struct mmu_flag_table mmu_arch_flags[MMU_NR_FMTS] = {
	[MMU_FMT_TABLE] = { mmu_x86_table, ARRAY_SIZE(mmu_x86_table) },
	[MMU_FMT_PAGE] = { mmu_x86_page, ARRAY_SIZE(mmu_x86_page) },
	[MMU_FMT_BLOCK] = { mmu_x86_block, ARRAY_SIZE(mmu_x86_block) },
	[MMU_FMT_SWAP] = { mmu_x86_swap, ARRAY_SIZE(mmu_x86_swap) },
};

/* Normalized flags from the hardware bits every x86 leaf shares. */
static unsigned int mmu_x86_nflags(u64 f)
{
	unsigned int n = 0;

	if (f & _PAGE_PRESENT) {
		n |= BIT(MMU_NF_R);
		if (!(f & _PAGE_NX))
			n |= BIT(MMU_NF_X);
		if (f & _PAGE_GLOBAL)
			n |= BIT(MMU_NF_G);
	} else if (f & _PAGE_PROTNONE) {
		n |= BIT(MMU_NF_P);
	}
	if (f & _PAGE_RW)
		n |= BIT(MMU_NF_W);
	if (f & _PAGE_USER)
		n |= BIT(MMU_NF_U);
	return n;
}

/* Present (or PROT_NONE) 4K PTE. */
void mmu_arch_decode_pte(pte_t pte, struct mmu_entry *e)
{
	unsigned int n = mmu_x86_nflags(pte_flags(pte));

	e->pfn = pte_pfn(pte);
	if (pte_young(pte))
		n |= BIT(MMU_NF_A);
	if (pte_dirty(pte))
		n |= BIT(MMU_NF_D);
	if (pte_soft_dirty(pte))
		n |= BIT(MMU_NF_S);
	if (pte_uffd_wp(pte))
		n |= BIT(MMU_NF_WP);
	if (pte_special(pte))
		n |= BIT(MMU_NF_SP);
	if (pte_devmap(pte))
		n |= BIT(MMU_NF_DM);
	e->nflags = n;
}

/* Present (or PROT_NONE) 2M leaf. */
void mmu_arch_decode_pmd(pmd_t pmd, struct mmu_entry *e)
{
	unsigned int n = mmu_x86_nflags(pmd_flags(pmd));

	e->pfn = pmd_pfn(pmd);
	if (pmd_young(pmd))
		n |= BIT(MMU_NF_A);
	if (pmd_dirty(pmd))
		n |= BIT(MMU_NF_D);
	if (pmd_soft_dirty(pmd))
		n |= BIT(MMU_NF_S);
	if (pmd_uffd_wp(pmd))
		n |= BIT(MMU_NF_WP);
	if (pmd_devmap(pmd))
		n |= BIT(MMU_NF_DM);
	e->nflags = n;
}

/* Present 1G leaf. */
void mmu_arch_decode_pud(pud_t pud, struct mmu_entry *e)
{
	unsigned int n = mmu_x86_nflags(pud_flags(pud));

	e->pfn = pud_pfn(pud);
	if (pud_young(pud))
		n |= BIT(MMU_NF_A);
	if (pud_dirty(pud))
		n |= BIT(MMU_NF_D);
	if (pud_soft_dirty(pud))
		n |= BIT(MMU_NF_S);
	if (pud_devmap(pud))
		n |= BIT(MMU_NF_DM);
	e->nflags = n;
}
