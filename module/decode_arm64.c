// SPDX-License-Identifier: GPL-2.0
/* mmuscope: arm64 (VMSAv8-64) entry formats: flag tables, normalized flags. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "compat.h"
#include "decode.h"

/* Entries list their bit (.val 0: all of .mask set) or a field value. */
/* Stage-1 table descriptor: bits 59-63 limit everything below. */
static const struct mmu_flag_desc mmu_arm64_table[] = {
	{ .mask = PTE_VALID, .name = "valid" },
	{ .mask = PTE_TYPE_MASK, .val = PMD_TYPE_TABLE, .name = "table" },
	{ .mask = BIT_ULL(59), .name = "pxntable" },
	{ .mask = BIT_ULL(60), .name = "uxntable" },
	{ .mask = BIT_ULL(61), .name = "ap1table" },
	{ .mask = BIT_ULL(62), .name = "ap2table" },
	{ .mask = BIT_ULL(63), .name = "nstable" },
};

/* Page descriptor. */
static const struct mmu_flag_desc mmu_arm64_page[] = {
	{ .mask = PTE_VALID, .name = "valid" },
	{ .mask = PTE_TYPE_MASK, .val = PTE_TYPE_PAGE, .name = "page" },
};

/* Block descriptor (PMD or PUD leaf). */
static const struct mmu_flag_desc mmu_arm64_block[] = {
	{ .mask = PTE_VALID, .name = "valid" },
	{ .mask = PTE_TYPE_MASK, .val = PMD_TYPE_SECT, .name = "block" },
};

/*
 * The attributes, the same bits in page and block descriptors; attrindx
 * 0 (normal memory) is not listed.
 */
static const struct mmu_flag_desc mmu_arm64_leaf[] = {
	{ .mask = PTE_USER, .name = "user" },
	{ .mask = PTE_RDONLY, .name = "ro" },
	{ .mask = PTE_SHARED, .val = PTE_SHARED, .name = "sh=inner" },
	{ .mask = PTE_SHARED, .val = BIT_ULL(9), .name = "sh=outer" },
	{ .mask = PTE_AF, .name = "af" },
	{ .mask = PTE_NG, .name = "ng" },
	{ .mask = PTE_GP, .name = "gp" },
	{ .mask = PTE_DBM, .name = "dbm" },
	{ .mask = PTE_CONT, .name = "contiguous" },
	{ .mask = PTE_PXN, .name = "pxn" },
	{ .mask = PTE_UXN, .name = "uxn" },
	{ .mask = PTE_DIRTY, .name = "sw-dirty" },
	{ .mask = PTE_SPECIAL, .name = "special" },
	{ .mask = MMU_ARM64_PTE_DEVMAP, .name = "devmap" },
	{ .mask = MMU_ARM64_PTE_UFFD_WP, .name = "uffd-wp" },
	{ .mask = PTE_VALID | MMU_ARM64_PRESENT_INVALID, .val = MMU_ARM64_PRESENT_INVALID,
	  .name = "present-invalid" },
	{ .mask = PTE_ATTRINDX_MASK, .name = "attrindx", .field = true },
};

static const struct mmu_flag_desc mmu_arm64_swap[] = {
	{ .mask = PTE_SWP_EXCLUSIVE, .name = "swp-exclusive" },
};

const struct mmu_flag_table mmu_arch_flags[MMU_NR_FMTS] = {
	[MMU_FMT_TABLE] = { { mmu_arm64_table }, { ARRAY_SIZE(mmu_arm64_table) } },
	[MMU_FMT_PAGE] = {
		{ mmu_arm64_page, mmu_arm64_leaf },
		{ ARRAY_SIZE(mmu_arm64_page), ARRAY_SIZE(mmu_arm64_leaf) },
	},
	[MMU_FMT_BLOCK] = {
		{ mmu_arm64_block, mmu_arm64_leaf },
		{ ARRAY_SIZE(mmu_arm64_block), ARRAY_SIZE(mmu_arm64_leaf) },
	},
	[MMU_FMT_SWAP] = { { mmu_arm64_swap }, { ARRAY_SIZE(mmu_arm64_swap) } },
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
	if (mmu_pte_devmap(pte))
		n |= BIT(MMU_NF_DM);
	if (mmu_pte_uffd_wp(pte))
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
