// SPDX-License-Identifier: GPL-2.0
/* mmuscope: <pid>/summary, totals of one walk, and the load report. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/seq_buf.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "compat.h"
#include "merge.h"
#include "mmuscope.h"
#include "views.h"
#include "walk.h"

/*
 * Totals of one walk: base pages unless counted per page size (present[]),
 * page-table pages per level with the last table seen (adjacent VMAs share
 * tables), and the PMD-sized region whose PTEs are being counted for THP
 * candidates.
 */
struct mmu_summary {
	unsigned long vmas, vma_bytes, last_vm_start;
	unsigned long present[3];		/* leaves at pte, pmd, pud */
	unsigned long nonpresent[MMU_NR_KINDS];	/* base pages */
	unsigned long anon, file, special;
	unsigned long accessed, dirty, softdirty, protnone, writable;
	unsigned long pt[MMU_NR_LEVELS];
	unsigned long pt_key[MMU_NR_LEVELS];
	unsigned long pt_deposited;
	unsigned long thp_key, thp_vma, thp_count, thp_candidates;
};

static void mmu_sum_leaf(struct mmu_summary *sum, const struct mmu_entry *e)
{
	unsigned long n = mmu_level_size(e->level) >> PAGE_SHIFT;

	if (e->kind != MMU_K_PRESENT) {
		sum->nonpresent[e->kind] += n;
		return;
	}
	sum->present[MMU_PTE - e->level]++;
	if (e->backing == MMU_B_ANON)
		sum->anon += n;
	else if (e->backing == MMU_B_FILE)
		sum->file += n;
	else
		sum->special += n;
	if (e->nflags & BIT(MMU_NF_A))
		sum->accessed += n;
	if (e->nflags & BIT(MMU_NF_D))
		sum->dirty += n;
	if (e->nflags & BIT(MMU_NF_S))
		sum->softdirty += n;
	if (e->nflags & BIT(MMU_NF_P))
		sum->protnone += n;
	if (e->nflags & BIT(MMU_NF_W))
		sum->writable += n;
}

/* A table entry at @level: one table of the next real level. */
static void mmu_sum_table(struct mmu_walk *w, enum mmu_level level,
			  unsigned long addr)
{
	struct mmu_summary *sum = w->private;
	unsigned long key = addr & ~(mmu_level_size(level) - 1);

	if (w->type != MMU_E_TABLE || level == MMU_PTE ||
	    mmu_level_folded(level + 1))
		return;
	/* Adjacent VMAs share tables: the walk is in address order. */
	if (sum->pt_key[level + 1] == key)
		return;
	sum->pt_key[level + 1] = key;
	sum->pt[level + 1]++;
}

/* A 2M (PMD-sized) region is a THP candidate once all its PTEs are seen. */
static void mmu_sum_thp_flush(struct mmu_summary *sum)
{
	if (sum->thp_count == PTRS_PER_PTE)
		sum->thp_candidates++;
	sum->thp_count = 0;
}

static int mmu_sum_vma(struct vm_area_struct *vma, struct mmu_walk *w)
{
	struct mmu_summary *sum = w->private;

	if (sum->last_vm_start != vma->vm_start || !sum->vmas) {
		sum->vmas++;
		sum->vma_bytes += vma->vm_end - vma->vm_start;
		sum->last_vm_start = vma->vm_start;
	}
	return 0;
}

static int mmu_sum_pgd(pgd_t pgd, unsigned long addr, unsigned long next,
		       struct mmu_walk *w)
{
	mmu_sum_table(w, MMU_PGD, addr);
	return 0;
}

static int mmu_sum_p4d(p4d_t p4d, unsigned long addr, unsigned long next,
		       struct mmu_walk *w)
{
	mmu_sum_table(w, MMU_P4D, addr);
	return 0;
}

static int mmu_sum_pud(pud_t pud, unsigned long addr, unsigned long next,
		       struct mmu_walk *w)
{
	struct mmu_entry e;

	if (w->type == MMU_E_LEAF || w->type == MMU_E_NONPRESENT) {
		mmu_decode_pud(pud, &e);
		mmu_sum_leaf(w->private, &e);
	}
	mmu_sum_table(w, MMU_PUD, addr);
	return 0;
}

static int mmu_sum_pmd(pmd_t pmd, unsigned long addr, unsigned long next,
		       struct mmu_walk *w)
{
	struct mmu_summary *sum = w->private;
	struct mmu_entry e;

	if (w->type == MMU_E_LEAF || w->type == MMU_E_NONPRESENT) {
		mmu_decode_pmd(pmd, &e);
		mmu_sum_leaf(sum, &e);
		/*
		 * An anonymous huge PMD (THP or huge zero page) keeps a PTE
		 * table deposited for its split (pgtable_trans_huge_deposit):
		 * page-table memory the mm pays for, counted in VmPTE.
		 */
		if (vma_is_anonymous(w->vma))
			sum->pt_deposited++;
	}
	mmu_sum_table(w, MMU_PMD, addr);
	return 0;
}

static int mmu_sum_pte(pte_t pte, unsigned long addr, unsigned long next,
		       struct mmu_walk *w)
{
	struct mmu_summary *sum = w->private;
	unsigned long key = addr & PMD_MASK;
	struct mmu_entry e;

	mmu_decode_pte(pte, &e);
	mmu_sum_leaf(sum, &e);
	if (e.kind != MMU_K_PRESENT || e.backing == MMU_B_SPECIAL)
		return 0;
	if (key != sum->thp_key || w->vma->vm_start != sum->thp_vma) {
		mmu_sum_thp_flush(sum);
		sum->thp_key = key;
		sum->thp_vma = w->vma->vm_start;
	}
	sum->thp_count++;
	return 0;
}

static const struct mmu_walk_ops mmu_sum_ops = {
	.vma_enter	= mmu_sum_vma,
	.pgd_entry	= mmu_sum_pgd,
	.p4d_entry	= mmu_sum_p4d,
	.pud_entry	= mmu_sum_pud,
	.pmd_entry	= mmu_sum_pmd,
	.pte_entry	= mmu_sum_pte,
};

/* Context: process context; takes and drops the target's mmap_lock. */
static int mmu_summary_collect(struct mmu_target *t, struct mmu_summary *sum)
{
	struct mm_struct *mm;
	struct mmu_walk w = {
		.ops = &mmu_sum_ops,
		.private = sum,
		.may_yield = true,
		.locked = true,
	};
	int i, err;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < MMU_NR_LEVELS; i++)
		sum->pt_key[i] = ~0UL;
	sum->thp_key = ~0UL;
	sum->pt[MMU_PGD] = 1;
	mm = mmu_views_lock_mm(t);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	w.mm = mm;
	err = mmu_walk_vmas(&w, 0, TASK_SIZE_MAX);
	mmu_sum_thp_flush(sum);
	if (w.locked)
		mmap_read_unlock(mm);
	mmput(mm);
	return err;
}

static void mmu_summary_print(struct seq_buf *s, const struct mmu_summary *sum,
			      const char *sep)
{
	static const enum mmu_level leaf_levels[] = { MMU_PTE, MMU_PMD, MMU_PUD };
	unsigned long pages = 0, pt_pages = 0;
	char psz[16];
	int i;

	seq_buf_printf(s, "levels=%d vmas=%lu vma_bytes=%lu%s", mmu_paging_levels(),
		       sum->vmas, sum->vma_bytes, sep);
	for (i = 0; i < ARRAY_SIZE(leaf_levels); i++) {
		unsigned long size = mmu_level_size(leaf_levels[i]);

		mmu_size_name(psz, sizeof(psz), size);
		string_lower(psz, psz);
		seq_buf_printf(s, "present_%s=%lu ", psz, sum->present[i]);
		pages += sum->present[i] * (size >> PAGE_SHIFT);
	}
	seq_buf_printf(s, "present_pages=%lu present_bytes=%lu%s", pages,
		       pages << PAGE_SHIFT, sep);
	seq_buf_printf(s, "swapped=%lu migration=%lu device=%lu ",
		       sum->nonpresent[MMU_K_SWAP], sum->nonpresent[MMU_K_MIGRATION],
		       sum->nonpresent[MMU_K_DEVICE]);
	seq_buf_printf(s, "hwpoison=%lu marker=%lu nonpresent_other=%lu%s",
		       sum->nonpresent[MMU_K_HWPOISON], sum->nonpresent[MMU_K_MARKER],
		       sum->nonpresent[MMU_K_OTHER], sep);
	seq_buf_printf(s, "anon=%lu file=%lu special=%lu accessed=%lu dirty=%lu ",
		       sum->anon, sum->file, sum->special, sum->accessed, sum->dirty);
	seq_buf_printf(s, "softdirty=%lu protnone=%lu writable=%lu%s",
		       sum->softdirty, sum->protnone, sum->writable, sep);
	for (i = 0; i < MMU_NR_LEVELS; i++) {
		seq_buf_printf(s, "pt_%s=%lu ", mmu_level_names[i], sum->pt[i]);
		pt_pages += sum->pt[i];
	}
	pt_pages += sum->pt_deposited;
	seq_buf_printf(s, "pt_deposited=%lu pt_pages=%lu pt_bytes=%lu%s",
		       sum->pt_deposited, pt_pages, pt_pages << PAGE_SHIFT, sep);
	seq_buf_printf(s, "thp_candidates=%lu tlb_entries_saved=%lu\n",
		       sum->thp_candidates,
		       sum->thp_candidates * (PTRS_PER_PTE - 1));
}

static int mmu_summary_show(struct seq_file *m, void *v)
{
	struct mmu_target *t = m->private;
	struct mmu_summary *sum;
	struct seq_buf s;
	char *buf;
	int err;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!sum || !buf) {
		err = -ENOMEM;
		goto free;
	}
	err = mmu_summary_collect(t, sum);
	if (err)
		goto free;
	seq_buf_init(&s, buf, PAGE_SIZE);
	mmu_summary_print(&s, sum, "\n");
	seq_printf(m, "# mmuscope summary format=%d\n", MMUSCOPE_FORMAT);
	seq_write(m, buf, min_t(size_t, s.len, PAGE_SIZE));
free:
	kfree(buf);
	kfree(sum);
	return err;
}

static int mmu_summary_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, mmu_summary_show);
}

const struct file_operations mmu_summary_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_summary_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

/**
 * mmu_views_load_report() - log a target's mapping summary at load time
 * @t:		target (referenced by the caller)
 * @dump:	also print its merged maps (dump_on_load=1), bounded
 *
 * Context: process context; takes the target's mmap_lock for reading.
 */
void mmu_views_load_report(struct mmu_target *t, bool dump)
{
	struct mmu_summary *sum;
	struct seq_buf s;
	char *buf;
	int err;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!sum || !buf)
		goto free;
	err = mmu_summary_collect(t, sum);
	if (err) {
		pr_warn("target %d: cannot walk its page tables (%d)\n", t->nr, err);
		goto free;
	}
	seq_buf_init(&s, buf, PAGE_SIZE);
	mmu_summary_print(&s, sum, " ");
	buf[min_t(size_t, s.len, PAGE_SIZE - 1)] = '\0';
	pr_info("target %d: %s", t->nr, buf);
	if (dump)
		mmu_maps_dump(t);
free:
	kfree(buf);
	kfree(sum);
}
