// SPDX-License-Identifier: GPL-2.0
/* mmuscope: arm64 (VMSAv8-64) entry formats: flag tables, normalized flags. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "compat.h"
#include "decode.h"

#define MMU_BIT(flag, name)	{ flag, flag, name }
#define MMU_ATTR(n)		{ PTE_ATTRINDX_MASK, PTE_ATTRINDX(n), "attrindx=" #n }

/* Stage-1 table descriptor: bits 59-63 limit everything below. */
static const struct mmu_flag_desc mmu_arm64_table[] = {
	MMU_BIT(PTE_VALID, "valid"),
	{ PTE_TYPE_MASK, PMD_TYPE_TABLE, "table" },
	MMU_BIT(BIT_ULL(59), "pxntable"),
	MMU_BIT(BIT_ULL(60), "uxntable"),
	MMU_BIT(BIT_ULL(61), "ap1table"),
	MMU_BIT(BIT_ULL(62), "ap2table"),
	MMU_BIT(BIT_ULL(63), "nstable"),
};

/* Lower and upper attributes shared by page and block descriptors. */
#define MMU_ARM64_LEAF							\
	MMU_BIT(PTE_USER, "user"),					\
	MMU_BIT(PTE_RDONLY, "ro"),					\
	{ PTE_SHARED, PTE_SHARED, "sh=inner" },				\
	{ PTE_SHARED, BIT_ULL(9), "sh=outer" },				\
	MMU_BIT(PTE_AF, "af"),						\
	MMU_BIT(PTE_NG, "ng"),						\
	MMU_BIT(PTE_GP, "gp"),						\
	MMU_BIT(PTE_DBM, "dbm"),					\
	MMU_BIT(PTE_CONT, "contiguous"),				\
	MMU_BIT(PTE_PXN, "pxn"),					\
	MMU_BIT(PTE_UXN, "uxn"),					\
	MMU_BIT(PTE_DIRTY, "sw-dirty"),					\
	MMU_BIT(PTE_SPECIAL, "special"),				\
	MMU_BIT(PTE_DEVMAP, "devmap"),					\
	MMU_BIT(MMU_ARM64_PTE_UFFD_WP, "uffd-wp"),			\
	{ PTE_VALID | MMU_ARM64_PRESENT_INVALID, MMU_ARM64_PRESENT_INVALID, \
	  "present-invalid" },						\
	MMU_ATTR(0), MMU_ATTR(1), MMU_ATTR(2), MMU_ATTR(3),		\
	MMU_ATTR(4), MMU_ATTR(5), MMU_ATTR(6), MMU_ATTR(7)

static const struct mmu_flag_desc mmu_arm64_page[] = {
	MMU_BIT(PTE_VALID, "valid"),
	{ PTE_TYPE_MASK, PTE_TYPE_PAGE, "page" },
	MMU_ARM64_LEAF,
};

static const struct mmu_flag_desc mmu_arm64_block[] = {
	MMU_BIT(PTE_VALID, "valid"),
	{ PTE_TYPE_MASK, PMD_TYPE_SECT, "block" },
	MMU_ARM64_LEAF,
};

static const struct mmu_flag_desc mmu_arm64_swap[] = {
	MMU_BIT(PTE_SWP_EXCLUSIVE, "swp-exclusive"),
};

const struct mmu_flag_table mmu_arch_flags[MMU_NR_FMTS] = {
	[MMU_FMT_TABLE] = { mmu_arm64_table, ARRAY_SIZE(mmu_arm64_table) },
	[MMU_FMT_PAGE] = { mmu_arm64_page, ARRAY_SIZE(mmu_arm64_page) },
	[MMU_FMT_BLOCK] = { mmu_arm64_block, ARRAY_SIZE(mmu_arm64_block) },
	[MMU_FMT_SWAP] = { mmu_arm64_swap, ARRAY_SIZE(mmu_arm64_swap) },
};

/*
 * Normalized flags of a present leaf seen as a PTE (pmd_pte/pud_pte give
 * that view of blocks).  Always through the accessors: with CONTPTE
 * (6.12) ptep_get() already folded A/D over the contiguous block.
 */
static unsigned int mmu_arm64_nflags(pte_t pte)
{
	unsigned int n = 0;

	if (pte_valid(pte)) {
		n |= BIT(MMU_NF_R);
		if (!(pte_val(pte) & PTE_NG))
			n |= BIT(MMU_NF_G);
	} else if (pte_protnone(pte)) {
		n |= BIT(MMU_NF_P);
	}
	if (pte_write(pte))
		n |= BIT(MMU_NF_W);
	if (pte_user_exec(pte))
		n |= BIT(MMU_NF_X);
	if (pte_user(pte))
		n |= BIT(MMU_NF_U);
	if (pte_young(pte))
		n |= BIT(MMU_NF_A);
	if (pte_dirty(pte))
		n |= BIT(MMU_NF_D);
	if (pte_cont(pte))
		n |= BIT(MMU_NF_C);
	if (pte_special(pte))
		n |= BIT(MMU_NF_SP);
	if (pte_devmap(pte))
		n |= BIT(MMU_NF_DM);
	if (pte_uffd_wp(pte))
		n |= BIT(MMU_NF_WP);
	return n;
}

void mmu_arch_decode_pte(pte_t pte, struct mmu_entry *e)
{
	e->pfn = pte_pfn(pte);
	e->nflags = mmu_arm64_nflags(pte);
}

void mmu_arch_decode_pmd(pmd_t pmd, struct mmu_entry *e)
{
	e->pfn = pmd_pfn(pmd);
	e->nflags = mmu_arm64_nflags(pmd_pte(pmd));
}

void mmu_arch_decode_pud(pud_t pud, struct mmu_entry *e)
{
	e->pfn = pud_pfn(pud);
	e->nflags = mmu_arm64_nflags(pud_pte(pud));
}
