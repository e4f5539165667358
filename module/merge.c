// SPDX-License-Identifier: GPL-2.0
/* mmuscope: merge leaf entries into runs and list them one run at a time. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/hugetlb_inline.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/seq_buf.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include "compat.h"
#include "merge.h"
#include "walk.h"

/* Escape like /proc/mounts so that a name never breaks key=value parsing. */
static void mmu_vma_set_name(struct mmu_vma_info *vi, const char *name)
{
	int n;

	n = string_escape_mem(name, strlen(name), vi->name,
			      sizeof(vi->name) - 1, ESCAPE_OCTAL, " \t\n\\=");
	vi->name[min_t(int, n, sizeof(vi->name) - 1)] = '\0';
}

/**
 * mmu_vma_info_fill() - name a VMA the way /proc/PID/maps does
 * @vma:	the VMA
 * @vi:		result
 *
 * Context: mmap_read_lock held.  Bounded: d_path into @vi->path.
 */
void mmu_vma_info_fill(struct vm_area_struct *vma, struct mmu_vma_info *vi)
{
	struct mm_struct *mm = vma->vm_mm;
	struct file *file = vma->vm_file;
	const char *name = NULL;

	vi->start = vma->vm_start;
	vi->end = vma->vm_end;
	if (is_vm_hugetlb_page(vma))
		vi->backing = "hugetlb";
	else if (vma->vm_flags & (VM_PFNMAP | VM_IO))
		vi->backing = "pfnmap";
	else if (file && file_inode(file)->i_sb->s_magic == TMPFS_MAGIC)
		vi->backing = "shmem";
	else if (file)
		vi->backing = "file";
	else if (vma->vm_ops && vma->vm_ops->name)
		vi->backing = "special";	/* [vdso] and other special mappings */
	else
		vi->backing = "anon";

	if (file) {
		name = d_path(&file->f_path, vi->path, sizeof(vi->path));
		if (IS_ERR(name))
			name = "?";
	} else if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
	}
	if (!name) {
		if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
			name = "[heap]";
		else if (vma->vm_start <= mm->start_stack &&
			 vma->vm_end >= mm->start_stack)
			name = "[stack]";
		else
			name = "anon";
	}
	mmu_vma_set_name(vi, name);
}

/* Copy a VMA name (NUL-terminated within MMU_VMA_NAME_MAX): a short loop. */
static void mmu_name_copy(char *to, const char *from)
{
	char *end = to + MMU_VMA_NAME_MAX - 1;

	while (*from && to < end)
		*to++ = *from++;
	*to = '\0';
}

static void mmu_run_start(struct mmu_run *r, const struct mmu_entry *e,
			  unsigned long addr, const struct mmu_vma_info *vi)
{
	unsigned long size = mmu_level_size(e->level);

	r->start = addr;
	r->end = addr + size;
	r->pages = 1;
	r->first = *e;
	r->next = e->kind == MMU_K_SWAP ? e->swp_off + 1 :
		  e->pfn + (size >> PAGE_SHIFT);
	r->vm_start = vi->start;
	r->vm_end = vi->end;
	r->backing = vi->backing;
	r->pte_fast = e->level == MMU_PTE && e->kind == MMU_K_PRESENT;
	r->next_raw = e->raw + PAGE_SIZE;
	mmu_name_copy(r->vma, vi->name);
}

/*
 * Add one entry of @size bytes, whose raw value is @raw, to run @r; the
 * next entry must then be @step frames (or swap slots) further.
 */
static void mmu_run_grow(struct mmu_run *r, unsigned long size,
			 unsigned long step, u64 raw)
{
	r->end += size;
	r->pages++;
	r->next += step;
	r->next_raw = raw + PAGE_SIZE;
}

/* *@to = *@from, without the unused tail of the VMA name. */
static void mmu_run_copy(struct mmu_run *to, const struct mmu_run *from)
{
	memcpy(to, from, offsetof(struct mmu_run, vma));
	mmu_name_copy(to->vma, from->vma);
}

/* Does @e, at @addr in VMA @vi, extend run @r? */
static bool mmu_run_extends(const struct mmu_run *r, const struct mmu_entry *e,
			    unsigned long addr, const struct mmu_vma_info *vi)
{
	const struct mmu_entry *f = &r->first;

	if (r->end != addr || f->level != e->level || f->kind != e->kind ||
	    f->nflags != e->nflags || r->vm_start != vi->start ||
	    r->vm_end != vi->end)
		return false;
	switch (e->kind) {
	case MMU_K_PRESENT:
	case MMU_K_HWPOISON:
		return e->pfn == r->next;
	case MMU_K_MIGRATION:
	case MMU_K_DEVICE:
		return e->swp_type == f->swp_type && e->pfn == r->next;
	case MMU_K_SWAP:
		return e->swp_type == f->swp_type && e->swp_off == r->next;
	case MMU_K_MARKER:
		return e->swp_off == f->swp_off;
	default:
		return e->raw == f->raw;
	}
}

/**
 * mmu_merge_note() - add one leaf entry to the pending run
 * @mg:		merger
 * @e:		decoded entry
 * @addr:	its address
 * @vi:		its VMA
 * @out:	receives the completed run, if any
 *
 * Return: true when @e did not extend the pending run: the pending run was
 * moved to @out and @e starts a new one.
 */
bool mmu_merge_note(struct mmu_merger *mg, const struct mmu_entry *e,
		    unsigned long addr, const struct mmu_vma_info *vi,
		    struct mmu_run *out)
{
	struct mmu_run *r = &mg->cur;
	unsigned long size;

	if (mg->have && mmu_run_extends(r, e, addr, vi)) {
		size = mmu_level_size(e->level);
		mmu_run_grow(r, size,
			     e->kind == MMU_K_SWAP ? 1 : size >> PAGE_SHIFT,
			     e->raw);
		return false;
	}
	if (mg->have)
		mmu_run_copy(out, r);
	mmu_run_start(r, e, addr, vi);
	if (mg->have)
		return true;
	mg->have = true;
	return false;
}

/* Move the pending run, if any, to @out.  Return: whether there was one. */
bool mmu_merge_flush(struct mmu_merger *mg, struct mmu_run *out)
{
	if (!mg->have)
		return false;
	mmu_run_copy(out, &mg->cur);
	mg->have = false;
	return true;
}

/**
 * mmu_run_format() - one maps line (docs/design.md), newline-terminated
 * @buf:	output, NUL-terminated when @size > 0
 * @size:	size of @buf
 * @r:		the run
 *
 * Return: the length of the line, or -1 when it did not fit (@buf then
 * holds as much of it as fits, still ending in a newline if @size > 1).
 */
int mmu_run_format(char *buf, size_t size, const struct mmu_run *r)
{
	const struct mmu_entry *e = &r->first;
	struct seq_buf s;

	seq_buf_init(&s, buf, size);
	/* One line per run: no vsnprintf() here (mmu_buf_num()). */
	mmu_buf_lit(&s, "start=");
	mmu_buf_num(&s, r->start, true);
	mmu_buf_lit(&s, " end=");
	mmu_buf_num(&s, r->end, true);
	mmu_buf_lit(&s, " pages=");
	mmu_buf_num(&s, r->pages, false);
	mmu_buf_lit(&s, " pagesize=");
	mmu_buf_puts(&s, mmu_level_size_name(e->level));
	mmu_buf_lit(&s, " level=");
	mmu_buf_puts(&s, mmu_level_names[e->level]);
	if (e->kind == MMU_K_PRESENT) {
		mmu_buf_lit(&s, " pfn=");
		mmu_buf_num(&s, e->pfn, true);
	} else {
		mmu_entry_print_nonpresent(&s, e);
	}
	mmu_nflags_print(&s, e->nflags);
	mmu_buf_lit(&s, " raw=");
	mmu_buf_num(&s, e->raw, true);
	mmu_buf_lit(&s, " vma=");
	mmu_buf_puts(&s, r->vma);
	mmu_buf_lit(&s, " backing=");
	mmu_buf_puts(&s, r->backing);
	mmu_buf_lit(&s, "\n");
	if (!seq_buf_has_overflowed(&s)) {
		buf[s.len] = '\0';	/* the appenders kept room for it */
		return s.len;
	}
	/* seq_buf leaves a truncated line unterminated: end it anyway. */
	if (size > 1)
		buf[size - 2] = '\n';
	if (size)
		buf[size - 1] = '\0';
	return -1;
}

/* Walker callbacks of the maps listing. */

static int mmu_maps_vma_enter(struct vm_area_struct *vma, struct mmu_walk *w)
{
	struct mmu_maps_cursor *c = w->private;

	if (c->vi.start != vma->vm_start || c->vi.end != vma->vm_end ||
	    !c->vi.name[0])
		mmu_vma_info_fill(vma, &c->vi);
	return 0;
}

static int mmu_maps_note(struct mmu_walk *w, const struct mmu_entry *e,
			 unsigned long addr)
{
	struct mmu_maps_cursor *c = w->private;

	if (!mmu_merge_note(&c->mg, e, addr, &c->vi, &c->q[c->qn]))
		return 0;
	/* Stop the walk when the batch is full. */
	return ++c->qn == MMU_MAPS_BATCH;
}

/*
 * The PTEs of one table.  Fast path first: a present PTE whose raw value
 * is the previous one's plus a page, and whose frame is the next one, in
 * the run's VMA, extends the pending run without being decoded.  Adding
 * PAGE_SIZE to the raw value only carries through the output-address
 * field, and a carry out of it would change the frame, so equal values
 * mean equal flags: mmu_run_extends() would say the same.
 *
 * Context: rcu_read_lock held, the table mapped (mmu_walk_pte_range()).
 */
static int mmu_maps_pte_range(pte_t *ptep, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	struct mmu_maps_cursor *c = w->private;
	struct mmu_run *r = &c->mg.cur;
	struct mmu_entry e;
	bool fast;

	/* The whole table lies in VMA c->vi: compare the run's VMA once. */
	fast = c->mg.have && r->pte_fast && r->vm_start == c->vi.start &&
	       r->vm_end == c->vi.end;
	for (; addr < end; ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get(ptep);

		if (pte_none(pte))
			continue;
		if (fast && r->end == addr && pte_val(pte) == r->next_raw &&
		    pte_pfn(pte) == r->next) {
			u64 raw = pte_val(pte);
			unsigned long pfn = r->next, n = 0;

			/*
			 * The whole streak in locals, stored once: most of
			 * a dense table extends one run.  The PTE that ends
			 * the streak is read again by the outer loop.
			 */
			do {
				n++;
				raw += PAGE_SIZE;
				pfn++;
				if (addr + n * PAGE_SIZE >= end)
					break;
				pte = ptep_get(ptep + n);
			} while (pte_val(pte) == raw && pte_pfn(pte) == pfn);
			r->end += n * PAGE_SIZE;
			r->pages += n;
			r->next = pfn;
			r->next_raw = raw;
			ptep += n - 1;
			addr += (n - 1) * PAGE_SIZE;
			continue;
		}
		mmu_decode_pte(pte, &e);
		if (mmu_maps_note(w, &e, addr)) {
			w->resume = addr + PAGE_SIZE;
			return 1;
		}
		/* The pending run now holds @e, in this VMA. */
		fast = r->pte_fast;
	}
	return 0;
}

static int mmu_maps_pmd(pmd_t pmd, unsigned long addr, unsigned long next,
			struct mmu_walk *w)
{
	struct mmu_entry e;

	if (w->type != MMU_E_LEAF && w->type != MMU_E_NONPRESENT)
		return 0;
	mmu_decode_pmd(pmd, &e);
	return mmu_maps_note(w, &e, addr);
}

static int mmu_maps_pud(pud_t pud, unsigned long addr, unsigned long next,
			struct mmu_walk *w)
{
	struct mmu_entry e;

	if (w->type != MMU_E_LEAF && w->type != MMU_E_NONPRESENT)
		return 0;
	mmu_decode_pud(pud, &e);
	return mmu_maps_note(w, &e, addr);
}

static const struct mmu_walk_ops mmu_maps_ops = {
	.vma_enter	= mmu_maps_vma_enter,
	.pud_entry	= mmu_maps_pud,
	.pmd_entry	= mmu_maps_pmd,
	.pte_range	= mmu_maps_pte_range,
};

/* Start a listing over (the mm and lock state are kept). */
void mmu_maps_reset(struct mmu_maps_cursor *c)
{
	c->resume = 0;
	c->done = false;
	c->mg.have = false;
	c->vi.start = 0;
	c->vi.end = 0;
	c->vi.name[0] = '\0';
	c->qn = 0;
	c->qi = 0;
	c->out = NULL;
}

/**
 * mmu_maps_next() - produce the next run of a maps listing
 * @c:	cursor; @c->mm referenced and read-locked (@c->locked)
 *
 * Hands out the runs of the last walk one per call; when they are used up,
 * walks from @c->resume until the merger completes MMU_MAPS_BATCH runs (or
 * the address space ends).  State between calls is a few KiB whatever the
 * size of the target.  Between calls the
 * caller may drop mmap_lock: the listing then continues at @c->resume
 * under the VMAs found after retaking it.
 *
 * Context: process context; may drop and retake mmap_lock (see
 * mmu_walk_vmas()).
 * Return: 1 with the run in *@c->out, 0 at the end, -EINTR (lock lost:
 * @c->locked is false) or another negative error.
 */
int mmu_maps_next(struct mmu_maps_cursor *c)
{
	struct mmu_walk w = {
		.ops = &mmu_maps_ops,
		.mm = c->mm,
		.private = c,
		.may_yield = true,
		.locked = true,
	};
	int err;

	for (;;) {
		if (c->qi < c->qn) {
			c->out = &c->q[c->qi++];
			return 1;
		}
		c->qn = 0;
		c->qi = 0;
		if (c->done)
			return 0;
		err = mmu_walk_vmas(&w, c->resume, TASK_SIZE_MAX);
		c->locked = w.locked;
		if (err < 0) {
			c->qn = 0;	/* the listing fails as a whole */
			return err;
		}
		if (err > 0) {
			c->resume = w.resume;
			continue;
		}
		/* A walk that ends stopped short of a full batch. */
		c->done = true;
		if (mmu_merge_flush(&c->mg, &c->q[c->qn]))
			c->qn++;
	}
}
