// SPDX-License-Identifier: GPL-2.0
/* mmuscope: x86_64 entry formats: hardware flag tables, normalized flags. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include "compat.h"
#include "decode.h"

/*
 * Entries list their bit (.val 0: all of .mask set) or a field value.
 * _PAGE_PROTNONE is _PAGE_GLOBAL without _PAGE_PRESENT; the kernel keeps
 * such (PROT_NONE, NUMA hinting) entries "present".  Zero masks (options
 * not configured) are skipped.
 */
/* Bits 0-5, the same in every level's entry. */
static const struct mmu_flag_desc mmu_x86_low[] = {
	{ .mask = _PAGE_PRESENT, .name = "present" },
	{ .mask = _PAGE_RW, .name = "rw" },
	{ .mask = _PAGE_USER, .name = "user" },
	{ .mask = _PAGE_PWT, .name = "pwt" },
	{ .mask = _PAGE_PCD, .name = "pcd" },
	{ .mask = _PAGE_ACCESSED, .name = "accessed" },
};

/* Bit 7 of a table entry, and its NX bit. */
static const struct mmu_flag_desc mmu_x86_table[] = {
	{ .mask = _PAGE_PSE, .name = "pse" },
	{ .mask = _PAGE_NX, .name = "nx" },
};

/* Bit 7 of a 4K PTE is PAT. */
static const struct mmu_flag_desc mmu_x86_page[] = {
	{ .mask = _PAGE_PAT, .name = "pat" },
};

/* 2M/1G leaves: bit 7 is PSE, PAT moves to bit 12. */
static const struct mmu_flag_desc mmu_x86_block[] = {
	{ .mask = _PAGE_PSE, .name = "pse" },
	{ .mask = _PAGE_PAT_LARGE, .name = "pat" },
};

/* The rest of every leaf: dirty, global, software bits, key, NX. */
static const struct mmu_flag_desc mmu_x86_leaf[] = {
	{ .mask = _PAGE_DIRTY, .name = "dirty" },
	{ .mask = _PAGE_PRESENT | _PAGE_GLOBAL, .name = "global" },
	{ .mask = _PAGE_PRESENT | _PAGE_PROTNONE, .val = _PAGE_PROTNONE, .name = "protnone" },
	{ .mask = _PAGE_SPECIAL, .name = "special" },
	{ .mask = MMU_X86_PAGE_UFFD_WP, .name = "uffd-wp" },
	{ .mask = _PAGE_SOFT_DIRTY, .name = "soft-dirty" },
	{ .mask = MMU_X86_PAGE_DEVMAP, .name = "devmap" },
	{ .mask = _PAGE_PKEY_MASK, .name = "pkey", .field = true },
	{ .mask = _PAGE_NX, .name = "nx" },
};

/* Non-present entries keep a few software bits next to type:offset. */
static const struct mmu_flag_desc mmu_x86_swap[] = {
#ifdef _PAGE_SWP_SOFT_DIRTY
	{ .mask = _PAGE_SWP_SOFT_DIRTY, .name = "swp-soft-dirty" },
#endif
	{ .mask = MMU_X86_PAGE_SWP_UFFD_WP, .name = "swp-uffd-wp" },
#ifdef _PAGE_SWP_EXCLUSIVE
	{ .mask = _PAGE_SWP_EXCLUSIVE, .name = "swp-exclusive" },
#endif
	{ .mask = _PAGE_PSE, .name = "pse" },
};

const struct mmu_flag_table mmu_arch_flags[MMU_NR_FMTS] = {
	[MMU_FMT_TABLE] = {
		{ mmu_x86_low, mmu_x86_table },
		{ ARRAY_SIZE(mmu_x86_low), ARRAY_SIZE(mmu_x86_table) },
	},
	[MMU_FMT_PAGE] = {
		{ mmu_x86_low, mmu_x86_page, mmu_x86_leaf },
		{ ARRAY_SIZE(mmu_x86_low), ARRAY_SIZE(mmu_x86_page), ARRAY_SIZE(mmu_x86_leaf) },
	},
	[MMU_FMT_BLOCK] = {
		{ mmu_x86_low, mmu_x86_block, mmu_x86_leaf },
		{ ARRAY_SIZE(mmu_x86_low), ARRAY_SIZE(mmu_x86_block), ARRAY_SIZE(mmu_x86_leaf) },
	},
	[MMU_FMT_SWAP] = { { mmu_x86_swap }, { ARRAY_SIZE(mmu_x86_swap) } },
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
	if (mmu_pte_uffd_wp(pte))
		n |= BIT(MMU_NF_WP);
	if (pte_special(pte))
		n |= BIT(MMU_NF_SP);
	if (mmu_pte_devmap(pte))
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
	if (mmu_pmd_uffd_wp(pmd))
		n |= BIT(MMU_NF_WP);
	if (mmu_pmd_devmap(pmd))
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
	if (mmu_pud_devmap(pud))
		n |= BIT(MMU_NF_DM);
	e->nflags = n;
}
