// SPDX-License-Identifier: GPL-2.0
/* mmuscope: arch-independent entry decoding: non-present entries, names. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/seq_buf.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "compat.h"
#include "decode.h"

const char * const mmu_level_names[] = {
	[MMU_PGD] = "pgd",
	[MMU_P4D] = "p4d",
	[MMU_PUD] = "pud",
	[MMU_PMD] = "pmd",
	[MMU_PTE] = "pte",
};

static_assert(ARRAY_SIZE(mmu_level_names) == MMU_NR_LEVELS);

/* mmu_size_name() of each level's size, computed once for maps' lines. */
static char mmu_level_size_names[MMU_NR_LEVELS][8] __ro_after_init;

const char *mmu_level_size_name(enum mmu_level level)
{
	return mmu_level_size_names[level];
}

void __init mmu_decode_init(void)
{
	int l;

	for (l = 0; l < MMU_NR_LEVELS; l++)
		mmu_size_name(mmu_level_size_names[l],
			      sizeof(mmu_level_size_names[l]),
			      mmu_level_size(l));
}

const char * const mmu_nflag_names[] = {
	[MMU_NF_R] = "r",
	[MMU_NF_W] = "w",
	[MMU_NF_X] = "x",
	[MMU_NF_U] = "u",
	[MMU_NF_A] = "a",
	[MMU_NF_D] = "d",
	[MMU_NF_G] = "g",
	[MMU_NF_S] = "s",
	[MMU_NF_P] = "p",
	[MMU_NF_H] = "h",
	[MMU_NF_C] = "c",
	[MMU_NF_WP] = "wp",
	[MMU_NF_SP] = "sp",
	[MMU_NF_DM] = "dm",
	[MMU_NF_EX] = "ex",
};

static_assert(ARRAY_SIZE(mmu_nflag_names) == MMU_NR_NFLAGS);

const char * const mmu_kind_keys[] = {
	[MMU_K_PRESENT] = "pfn",
	[MMU_K_SWAP] = "swap",
	[MMU_K_MIGRATION] = "migration",
	[MMU_K_DEVICE] = "device",
	[MMU_K_HWPOISON] = "hwpoison",
	[MMU_K_MARKER] = "marker",
	[MMU_K_OTHER] = "nonpresent",
};

static_assert(ARRAY_SIZE(mmu_kind_keys) == MMU_NR_KINDS);

/**
 * mmu_buf_num() - append @v, in hex ("0x...") or decimal
 * @s:		buffer
 * @v:		value
 * @hex:	hex with "0x" (else decimal)
 *
 * The per-run fields of maps are formatted here rather than by
 * seq_buf_printf(): vsnprintf()'s format parsing was most of the cost of a
 * maps read (docs/benchmarks.md, "maps: formatting, batches, streaks").
 */
void mmu_buf_num(struct seq_buf *s, u64 v, bool hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int n = 1;
	u64 t;
	char *p;

	if (hex) {
		mmu_buf_lit(s, "0x");
		n = v ? DIV_ROUND_UP(fls64(v), 4) : 1;
	} else {
		for (t = v; t >= 10; t /= 10)
			n++;
	}
	/* Room for the digits and the NUL the caller adds. */
	if (s->len + n >= s->size) {
		seq_buf_set_overflow(s);
		return;
	}
	s->len += n;
	p = s->buffer + s->len;
	if (!hex) {
		do {
			*--p = '0' + v % 10;
			v /= 10;
		} while (--n);
		return;
	}
	/* Two digits a step, the low byte first. */
	for (; n >= 2; n -= 2, v >>= 8) {
		*--p = digits[v & 15];
		*--p = digits[(v >> 4) & 15];
	}
	if (n)
		*--p = digits[v & 15];
}

/* "4K", "2M", "1G", "16K", "32M", "512G": the largest exact unit. */
int mmu_size_name(char *buf, size_t size, unsigned long bytes)
{
	static const char units[] = "KMGTP";
	int i = -1;

	while (bytes >= 1024 && !(bytes & 1023) && i < 4) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		return scnprintf(buf, size, "%lu", bytes);
	return scnprintf(buf, size, "%lu%c", bytes, units[i]);
}

/* Page frames with a struct page are anon or file; the rest are special. */
static enum mmu_backing mmu_pfn_backing(unsigned long pfn)
{
	if (!pfn_valid(pfn) || is_zero_pfn(pfn))
		return MMU_B_SPECIAL;
	return PageAnon(pfn_to_page(pfn)) ? MMU_B_ANON : MMU_B_FILE;
}

/* Non-present, non-none entry: swap, migration, device, marker... */
static void mmu_decode_swp(swp_entry_t entry, struct mmu_entry *e)
{
	e->swp_type = swp_type(entry);
	e->swp_off = swp_offset(entry);
	if (mmu_swp_is_marker(entry)) {
		e->kind = MMU_K_MARKER;
		e->swp_off = mmu_swp_marker(entry);
	} else if (mmu_is_swapin_error_entry(entry)) {
		e->kind = MMU_K_MARKER;
		e->swp_off = MMU_MARKER_SWAPIN_ERROR;
	} else if (mmu_swp_is_migration(entry)) {
		e->kind = MMU_K_MIGRATION;
		e->pfn = mmu_swp_pfn(entry);
		e->swp_type = mmu_swp_is_migration_write(entry) ? 2 :
			      mmu_swp_is_migration_read_exclusive(entry) ? 1 : 0;
	} else if (mmu_swp_is_device_private(entry) ||
		   mmu_swp_is_device_exclusive(entry)) {
		e->kind = MMU_K_DEVICE;
		e->pfn = mmu_swp_pfn(entry);
		e->swp_type = mmu_swp_is_device_exclusive(entry);
	} else if (mmu_swp_is_hwpoison(entry)) {
		e->kind = MMU_K_HWPOISON;
		e->pfn = mmu_swp_pfn(entry);
	} else if (mmu_swp_is_swap(entry)) {
		e->kind = MMU_K_SWAP;
	} else {
		e->kind = MMU_K_OTHER;
	}
}

/**
 * mmu_decode_pte() - decode a PTE-level entry that is not pte_none
 * @pte:	the entry, read once
 * @e:		result
 */
void mmu_decode_pte(pte_t pte, struct mmu_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->level = MMU_PTE;
	e->raw = pte_val(pte);
	if (pte_present(pte)) {
		e->kind = MMU_K_PRESENT;
		mmu_arch_decode_pte(pte, e);
		e->backing = pte_special(pte) ? MMU_B_SPECIAL :
			     mmu_pfn_backing(e->pfn);
		return;
	}
	mmu_decode_swp(mmu_pte_to_swp_entry(pte), e);
	if (pte_swp_soft_dirty(pte))
		e->nflags |= BIT(MMU_NF_S);
	if (mmu_pte_swp_uffd_wp(pte))
		e->nflags |= BIT(MMU_NF_WP);
	if (pte_swp_exclusive(pte))
		e->nflags |= BIT(MMU_NF_EX);
}

/**
 * mmu_decode_pmd() - decode a PMD leaf or non-present PMD entry
 * @pmd:	the entry, read once; not pmd_none, not a table
 * @e:		result
 */
void mmu_decode_pmd(pmd_t pmd, struct mmu_entry *e)
{
	swp_entry_t entry;
	bool soft_dirty;

	memset(e, 0, sizeof(*e));
	e->level = MMU_PMD;
	e->raw = pmd_val(pmd);
	if (pmd_present(pmd)) {
		e->kind = MMU_K_PRESENT;
		mmu_arch_decode_pmd(pmd, e);
		e->nflags |= BIT(MMU_NF_H);
		e->backing = mmu_pfn_backing(e->pfn);
		return;
	}
	if (!mmu_pmd_swp_entry(pmd, &entry, &soft_dirty)) {
		e->kind = MMU_K_OTHER;
		return;
	}
	mmu_decode_swp(entry, e);
	if (soft_dirty)
		e->nflags |= BIT(MMU_NF_S);
	e->nflags |= BIT(MMU_NF_H);
}

/**
 * mmu_decode_pud() - decode a PUD leaf or non-present PUD entry
 * @pud:	the entry, read once; not pud_none, not a table
 * @e:		result
 */
void mmu_decode_pud(pud_t pud, struct mmu_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->level = MMU_PUD;
	e->raw = pud_val(pud);
	if (pud_present(pud)) {
		e->kind = MMU_K_PRESENT;
		mmu_arch_decode_pud(pud, e);
		e->nflags |= BIT(MMU_NF_H);
		e->backing = mmu_pfn_backing(e->pfn);
		return;
	}
	e->kind = MMU_K_OTHER;
}

/* "flags=r,w,u" or "flags=-" (comma-separated, README order). */
void mmu_nflags_print(struct seq_buf *s, unsigned int nflags)
{
	bool first = true;
	int i;

	mmu_buf_lit(s, " flags=");
	if (!nflags) {
		mmu_buf_lit(s, "-");
		return;
	}
	for (i = 0; i < MMU_NR_NFLAGS; i++) {
		if (nflags & BIT(i)) {
			if (!first)
				mmu_buf_lit(s, ",");
			mmu_buf_puts(s, mmu_nflag_names[i]);
			first = false;
		}
	}
}

/* Hardware flag names of @raw in format @fmt, from the arch's table. */
void mmu_hwflags_print(struct seq_buf *s, enum mmu_fmt fmt, u64 raw)
{
	const struct mmu_flag_table *tbl = &mmu_arch_flags[fmt];
	const char *sep = "";
	unsigned int p, i;

	seq_buf_printf(s, " flags=");
	for (p = 0; p < MMU_FLAG_PARTS; p++) {
		for (i = 0; i < tbl->nr[p]; i++) {
			const struct mmu_flag_desc *d = &tbl->part[p][i];
			u64 v = raw & d->mask;

			/* A field shows when non-zero, a bit when it matches. */
			if (!d->mask ||
			    (d->field ? !v : v != (d->val ? d->val : d->mask)))
				continue;
			seq_buf_printf(s, "%s%s", sep, d->name);
			if (d->field)
				seq_buf_printf(s, "=%llu", v >> __ffs64(d->mask));
			sep = ",";
		}
	}
	if (!*sep)
		seq_buf_printf(s, "-");
}

/* PTE marker bits by name; unknown bits in hex. */
static void mmu_marker_print(struct seq_buf *s, unsigned long bits)
{
	static const struct { unsigned long bit; const char *name; } names[] = {
		{ PTE_MARKER_UFFD_WP, "uffd-wp" },
		{ MMU_MARKER_POISONED, "poisoned" },
		{ MMU_MARKER_SWAPIN_ERROR, "swapin-error" },
	};
	const char *sep = "=";
	unsigned int i;

	seq_buf_printf(s, " marker");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].bit && (bits & names[i].bit)) {
			seq_buf_printf(s, "%s%s", sep, names[i].name);
			sep = ",";
			bits &= ~names[i].bit;
		}
	}
	if (bits || *sep == '=')
		seq_buf_printf(s, "%s0x%lx", sep, bits);
}

static const char * const mmu_migration_names[] = { "read", "read-exclusive", "write" };
static const char * const mmu_device_names[] = { "private", "exclusive" };

/* The key that replaces pfn= for a non-present entry. */
void mmu_entry_print_nonpresent(struct seq_buf *s, const struct mmu_entry *e)
{
	switch (e->kind) {
	case MMU_K_SWAP:
		seq_buf_printf(s, " swap=%lu:0x%lx", e->swp_type, e->swp_off);
		break;
	case MMU_K_MIGRATION:
		seq_buf_printf(s, " migration=%s:0x%lx",
			       mmu_migration_names[e->swp_type % 3], e->pfn);
		break;
	case MMU_K_DEVICE:
		seq_buf_printf(s, " device=%s:0x%lx",
			       mmu_device_names[e->swp_type & 1], e->pfn);
		break;
	case MMU_K_HWPOISON:
		seq_buf_printf(s, " hwpoison=0x%lx", e->pfn);
		break;
	case MMU_K_MARKER:
		mmu_marker_print(s, e->swp_off);
		break;
	default:
		seq_buf_printf(s, " nonpresent=0x%llx", e->raw);
		break;
	}
}
