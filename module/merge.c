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
	strscpy(r->vma, vi->name, sizeof(r->vma));
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
		*out = *r;
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
	*out = mg->cur;
	mg->have = false;
	return true;
}

/* One maps line (README.md, "PID/maps"), newline-terminated. */
void mmu_run_format(char *buf, size_t size, const struct mmu_run *r)
{
	const struct mmu_entry *e = &r->first;
	struct seq_buf s;
	char psz[16];

	seq_buf_init(&s, buf, size);
	mmu_size_name(psz, sizeof(psz), mmu_level_size(e->level));
	seq_buf_printf(&s, "start=0x%lx end=0x%lx pages=%lu pagesize=%s level=%s",
		       r->start, r->end, r->pages, psz,
		       mmu_level_names[e->level]);
	if (e->kind == MMU_K_PRESENT)
		seq_buf_printf(&s, " pfn=0x%lx", e->pfn);
	else
		mmu_entry_print_nonpresent(&s, e);
	mmu_nflags_print(&s, e->nflags);
	seq_buf_printf(&s, " raw=0x%llx vma=%s backing=%s\n", e->raw, r->vma,
		       r->backing);
	/* seq_buf leaves a truncated line unterminated: end it anyway. */
	if (seq_buf_has_overflowed(&s) && size > 1) {
		buf[size - 2] = '\n';
		buf[size - 1] = '\0';
	} else {
		buf[min_t(size_t, s.len, size - 1)] = '\0';
	}
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

	return mmu_merge_note(&c->mg, e, addr, &c->vi, &c->out) ? 1 : 0;
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
			mmu_run_grow(r, PAGE_SIZE, 1, pte_val(pte));
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
}

/**
 * mmu_maps_next() - produce the next run of a maps listing
 * @c:	cursor; @c->mm referenced and read-locked (@c->locked)
 *
 * Walks from @c->resume until the merger completes a run, so one call
 * costs the tables up to the next run boundary, and state between calls is
 * a few hundred bytes whatever the size of the target.  Between calls the
 * caller may drop mmap_lock: the listing then continues at @c->resume
 * under the VMAs found after retaking it.
 *
 * Context: process context; may drop and retake mmap_lock (see
 * mmu_walk_vmas()).
 * Return: 1 with the run in @c->out, 0 at the end, -EINTR (lock lost:
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

	if (c->done)
		return 0;
	err = mmu_walk_vmas(&w, c->resume, TASK_SIZE_MAX);
	c->locked = w.locked;
	if (err > 0) {
		c->resume = w.resume;
		return 1;
	}
	if (err < 0)
		return err;
	c->done = true;
	return mmu_merge_flush(&c->mg, &c->out) ? 1 : 0;
}
