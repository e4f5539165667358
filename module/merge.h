/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: the run merger ("note_page" of mm/ptdump.c) and the maps cursor
 * that drives the walker one run at a time.
 */
#ifndef _MMUSCOPE_MERGE_H
#define _MMUSCOPE_MERGE_H

#include <linux/mm_types.h>
#include "decode.h"

#define MMU_VMA_NAME_MAX	256

/* What a run needs to know of its VMA (copied: runs outlive the lock). */
struct mmu_vma_info {
	unsigned long start;
	unsigned long end;
	const char *backing;
	char name[MMU_VMA_NAME_MAX];	/* escaped: no spaces */
	char path[MMU_VMA_NAME_MAX];	/* d_path scratch */
};

void mmu_vma_info_fill(struct vm_area_struct *vma, struct mmu_vma_info *vi);

/**
 * struct mmu_run - maximal run of leaf entries: same level, VMA, kind,
 *		    normalized flags; contiguous VA and PFN (or swap offset)
 * @start:	first address
 * @end:	end (exclusive)
 * @pages:	number of leaf entries (of the level's page size)
 * @first:	the first entry, decoded
 * @next:	PFN (or swap offset) the next entry must have to extend the run
 * @vm_start:	VMA identity
 * @vm_end:	VMA identity
 * @backing:	VMA backing name
 * @vma:	VMA name, escaped
 */
struct mmu_run {
	unsigned long start;
	unsigned long end;
	unsigned long pages;
	struct mmu_entry first;
	unsigned long next;
	unsigned long vm_start;
	unsigned long vm_end;
	const char *backing;
	u64 next_raw;		/* the raw PTE that would extend the run ... */
	bool pte_fast;		/* ... when it is a run of present PTEs */
	char vma[MMU_VMA_NAME_MAX];	/* last: mmu_run_copy() */
};

struct mmu_merger {
	struct mmu_run cur;
	bool have;
};

bool mmu_merge_note(struct mmu_merger *mg, const struct mmu_entry *e,
		    unsigned long addr, const struct mmu_vma_info *vi,
		    struct mmu_run *out);
bool mmu_merge_flush(struct mmu_merger *mg, struct mmu_run *out);

/* Longest line mmu_run_format() writes, with its newline. */
#define MMU_RUN_LINE_MAX	(MMU_VMA_NAME_MAX + 256)
int mmu_run_format(char *buf, size_t size, const struct mmu_run *r);

/**
 * struct mmu_maps_cursor - position of a maps listing between runs
 * @mm:		address space (referenced and locked by the user)
 * @resume:	next address to walk
 * @locked:	mmap_lock held (cleared when a killable retake failed)
 * @done:	the walk reached the end; only the flush is left
 * @mg:		merger state (the pending run)
 * @vi:		current VMA
 * @q:		runs completed by the last walk, in order
 * @qn:		number of runs in @q
 * @qi:		next run of @q to hand out
 * @out:	the run mmu_maps_next() produced (in @q)
 *
 * One walk completes up to MMU_MAPS_BATCH runs before it stops, so that
 * the descent from the PGD and the VMA lookup of a restart are paid once
 * per batch, not once per run.
 */
#define MMU_MAPS_BATCH	8
struct mmu_maps_cursor {
	struct mm_struct *mm;
	unsigned long resume;
	bool locked;
	bool done;
	struct mmu_merger mg;
	struct mmu_vma_info vi;
	struct mmu_run q[MMU_MAPS_BATCH];
	unsigned int qn;
	unsigned int qi;
	const struct mmu_run *out;
};

void mmu_maps_reset(struct mmu_maps_cursor *c);
int mmu_maps_next(struct mmu_maps_cursor *c);

#endif /* _MMUSCOPE_MERGE_H */
