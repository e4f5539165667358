/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: decoded page-table entries: levels, normalized flags, the
 * per-arch hardware flag tables (decode_x86.c, decode_arm64.c) and the
 * generic non-present decoding (decode.c).
 */
#ifndef _MMUSCOPE_DECODE_H
#define _MMUSCOPE_DECODE_H

#include <linux/mm.h>
#include <linux/seq_buf.h>
#include <linux/string.h>
#include <linux/types.h>

enum mmu_level {
	MMU_PGD,
	MMU_P4D,
	MMU_PUD,
	MMU_PMD,
	MMU_PTE,
	MMU_NR_LEVELS
};

extern const char * const mmu_level_names[];

/*
 * Normalized flags, the same on every architecture (README lists them):
 * what the MMU will allow, not how an arch encodes it.
 */
enum mmu_nflag {
	MMU_NF_R,	/* r: readable (valid) */
	MMU_NF_W,	/* w: writable */
	MMU_NF_X,	/* x: user-executable */
	MMU_NF_U,	/* u: user-accessible */
	MMU_NF_A,	/* a: accessed (young) */
	MMU_NF_D,	/* d: dirty */
	MMU_NF_G,	/* g: global (not tagged by ASID/PCID) */
	MMU_NF_S,	/* s: soft-dirty */
	MMU_NF_P,	/* p: PROT_NONE / NUMA hinting (present to the kernel) */
	MMU_NF_H,	/* h: huge leaf (above the PTE level) */
	MMU_NF_C,	/* c: contiguous hint (arm64) */
	MMU_NF_WP,	/* wp: userfaultfd write-protected */
	MMU_NF_SP,	/* sp: special (no struct page refcounting) */
	MMU_NF_DM,	/* dm: devmap (ZONE_DEVICE) */
	MMU_NF_EX,	/* ex: swap entry of an exclusive anon page */
	MMU_NR_NFLAGS
};

extern const char * const mmu_nflag_names[];

/* What a leaf entry holds. */
enum mmu_kind {
	MMU_K_PRESENT,		/* maps a page frame (also PROT_NONE) */
	MMU_K_SWAP,		/* swap=TYPE:OFFSET */
	MMU_K_MIGRATION,	/* migration=read|read-exclusive|write:PFN */
	MMU_K_DEVICE,		/* device=private|exclusive:PFN */
	MMU_K_HWPOISON,		/* hwpoison=PFN */
	MMU_K_MARKER,		/* marker=uffd-wp|poisoned|... */
	MMU_K_OTHER,		/* nonpresent=RAW: not decodable here */
	MMU_NR_KINDS
};

extern const char * const mmu_kind_keys[];

/* Backing of a page frame, for summary's anon/file split. */
enum mmu_backing {
	MMU_B_NONE,		/* not present */
	MMU_B_ANON,		/* PageAnon */
	MMU_B_FILE,		/* page cache, shmem (pagemap's "file") */
	MMU_B_SPECIAL,		/* zero page, PFN maps: no normal page */
};

/**
 * struct mmu_entry - one decoded leaf (or non-present) entry
 * @level:	level the entry was found at
 * @kind:	what it holds
 * @raw:	raw entry value, as stored
 * @pfn:	first page frame (present, migration, device, hwpoison)
 * @swp_type:	swap type (swap) or sub-kind (migration, device)
 * @swp_off:	swap offset (swap) or marker bits (marker)
 * @nflags:	bitmask of enum mmu_nflag
 * @backing:	enum mmu_backing of the page frame
 */
struct mmu_entry {
	enum mmu_level level;
	enum mmu_kind kind;
	u64 raw;
	unsigned long pfn;
	unsigned long swp_type;
	unsigned long swp_off;
	unsigned int nflags;
	enum mmu_backing backing;
};

/*
 * One hardware bit (.val 0: all bits of .mask set), one value of a field
 * (.val), or a numeric field (.field: printed "name=N" when non-zero).
 * A zero .mask (option not configured) is skipped.
 */
struct mmu_flag_desc {
	u64 mask;
	u64 val;
	const char *name;
	bool field;
};

/* Entry formats an arch describes with a flag table. */
enum mmu_fmt {
	MMU_FMT_TABLE,		/* points to a lower-level table */
	MMU_FMT_PAGE,		/* PTE-level leaf */
	MMU_FMT_BLOCK,		/* leaf above the PTE level */
	MMU_FMT_SWAP,		/* non-present, non-none */
	MMU_NR_FMTS
};

/* A format's flags: up to three descriptor lists, printed in order. */
#define MMU_FLAG_PARTS	3
struct mmu_flag_table {
	const struct mmu_flag_desc *part[MMU_FLAG_PARTS];
	unsigned int nr[MMU_FLAG_PARTS];
};

/* decode_<arch>.c */
extern const struct mmu_flag_table mmu_arch_flags[MMU_NR_FMTS];
void mmu_arch_decode_pte(pte_t pte, struct mmu_entry *e);
void mmu_arch_decode_pmd(pmd_t pmd, struct mmu_entry *e);
void mmu_arch_decode_pud(pud_t pud, struct mmu_entry *e);

/* decode.c */
void mmu_decode_pte(pte_t pte, struct mmu_entry *e);
void mmu_decode_pmd(pmd_t pmd, struct mmu_entry *e);
void mmu_decode_pud(pud_t pud, struct mmu_entry *e);

/* Bytes mapped by one entry at @level (inline: the walk's hot path). */
static inline unsigned long mmu_level_size(enum mmu_level level)
{
	switch (level) {
	case MMU_PGD:
		return PGDIR_SIZE;
	case MMU_P4D:
		return P4D_SIZE;
	case MMU_PUD:
		return PUD_SIZE;
	case MMU_PMD:
		return PMD_SIZE;
	default:
		return PAGE_SIZE;
	}
}

int mmu_size_name(char *buf, size_t size, unsigned long bytes);
const char *mmu_level_size_name(enum mmu_level level);
void mmu_decode_init(void);

/*
 * Appenders of the per-line formatters (maps has one line per run, and
 * seq_buf_printf() was most of its cost).  seq_buf_puts() is not exported
 * on every kernel of the matrix; these append the same way, keeping room
 * for a NUL, and a full buffer marks the seq_buf overflowed.
 */
static inline void mmu_buf_puts(struct seq_buf *s, const char *str)
{
	char *p, *end;

	if (s->len >= s->size) {	/* overflowed, or no buffer */
		seq_buf_set_overflow(s);
		return;
	}
	/*
	 * Byte by byte, through locals: the strings are a few characters
	 * long, and the stores through a char pointer would otherwise make
	 * the compiler reload and store s->len for each one.
	 */
	p = s->buffer + s->len;
	end = s->buffer + s->size - 1;	/* room for the NUL */
	while (*str && p < end)
		*p++ = *str++;
	if (*str)
		seq_buf_set_overflow(s);
	else
		s->len = p - s->buffer;
}

/* Append @len bytes; with a constant @len the copy is a few moves. */
static __always_inline void mmu_buf_mem(struct seq_buf *s, const char *mem,
					size_t len)
{
	if (s->len + len < s->size) {	/* room for the NUL too */
		memcpy(s->buffer + s->len, mem, len);
		s->len += len;
	} else {
		seq_buf_set_overflow(s);
	}
}

/* Append a string literal. */
#define mmu_buf_lit(s, lit)	mmu_buf_mem(s, "" lit, sizeof(lit) - 1)

void mmu_buf_num(struct seq_buf *s, u64 v, bool hex);
void mmu_nflags_print(struct seq_buf *s, unsigned int nflags);
void mmu_hwflags_print(struct seq_buf *s, enum mmu_fmt fmt, u64 raw);
void mmu_entry_print_nonpresent(struct seq_buf *s, const struct mmu_entry *e);

#endif /* _MMUSCOPE_DECODE_H */
