// SPDX-License-Identifier: GPL-2.0
/* mmuscope: per-target mapping views (maps, translate, summary, dmesg). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
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
#include "walk.h"

/* dump_on_load prints at most this many runs. */
#define MMU_DUMP_MAX_RUNS	256

/* Reference and read-lock the target's mm; ERR_PTR(-ESRCH) once exited. */
static struct mm_struct *mmu_views_lock_mm(struct mmu_target *t)
{
	struct mm_struct *mm = mmu_target_get_mm(t);

	if (IS_ERR(mm))
		return mm;
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return ERR_PTR(-EINTR);
	}
	return mm;
}

/* ------------------------------------------------------------------ maps */

/**
 * struct mmu_maps_priv - an open maps file
 * @t:		target (referenced by ->open)
 * @c:		listing cursor; its mm is referenced and locked from ->start
 *		to ->stop only
 * @out_pos:	seq_file index of @c.out
 * @next_pos:	index of the run mmu_maps_next() produces next
 * @have_out:	@c.out is valid
 * @line:	formatting buffer
 */
struct mmu_maps_priv {
	struct mmu_target *t;
	struct mmu_maps_cursor c;
	loff_t out_pos;
	loff_t next_pos;
	bool have_out;
	char line[MMU_RUN_LINE_MAX];
};

/* Make @p->c.out the run at index @pos: NULL at the end, or ERR_PTR. */
static void *mmu_maps_seek(struct mmu_maps_priv *p, loff_t pos)
{
	int ret;

	if (p->have_out && p->out_pos == pos)
		return &p->c.out;
	if (pos < p->next_pos) {
		/* A new read from the start (or a seek back): walk again. */
		mmu_maps_reset(&p->c);
		p->next_pos = 0;
		p->have_out = false;
	}
	while (p->next_pos <= pos) {
		ret = mmu_maps_next(&p->c);
		if (ret <= 0) {
			p->have_out = false;
			return ret ? ERR_PTR(ret) : NULL;
		}
		p->out_pos = p->next_pos++;
		p->have_out = true;
	}
	return &p->c.out;
}

/* Context: takes a reference on the mm and mmap_read_lock until ->stop. */
static void *mmu_maps_start(struct seq_file *m, loff_t *pos)
{
	struct mmu_maps_priv *p = m->private;
	struct mm_struct *mm;

	mm = mmu_views_lock_mm(p->t);
	if (IS_ERR(mm))
		return ERR_CAST(mm);
	p->c.mm = mm;
	p->c.locked = true;
	return mmu_maps_seek(p, *pos);
}

static void *mmu_maps_next_op(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return mmu_maps_seek(m->private, *pos);
}

static void mmu_maps_stop(struct seq_file *m, void *v)
{
	struct mmu_maps_priv *p = m->private;

	if (!p->c.mm)
		return;
	if (p->c.locked)
		mmap_read_unlock(p->c.mm);
	p->c.locked = false;
	mmput(p->c.mm);
	p->c.mm = NULL;
}

static int mmu_maps_show(struct seq_file *m, void *v)
{
	struct mmu_maps_priv *p = m->private;

	if (p->out_pos == 0)
		seq_printf(m, "# mmuscope maps format=%d\n", MMUSCOPE_FORMAT);
	mmu_run_format(p->line, sizeof(p->line), v);
	seq_puts(m, p->line);
	return 0;
}

static const struct seq_operations mmu_maps_sops = {
	.start	= mmu_maps_start,
	.next	= mmu_maps_next_op,
	.stop	= mmu_maps_stop,
	.show	= mmu_maps_show,
};

static int mmu_maps_open(struct inode *inode, struct file *file)
{
	struct mmu_target *t = inode->i_private;
	struct mmu_maps_priv *p;

	p = __seq_open_private(file, &mmu_maps_sops, sizeof(*p));
	if (!p)
		return -ENOMEM;
	mmu_target_get(t);
	p->t = t;
	return 0;
}

static int mmu_maps_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct mmu_maps_priv *p = m->private;

	mmu_target_put(p->t);
	return seq_release_private(inode, file);
}

static const struct file_operations mmu_maps_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_maps_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_maps_release,
};

/* ------------------------------------------------------------- translate */

/* One "level=... index=... entry=... flags=..." line, or "... folded=1". */
static void mmu_xlate_line(struct seq_file *m, const struct mmu_lookup *lk,
			   enum mmu_level level)
{
	enum mmu_fmt fmt;
	struct seq_buf s;
	char buf[256];

	if (lk->folded & BIT(level)) {
		seq_printf(m, "level=%s folded=1\n", mmu_level_names[level]);
		return;
	}
	seq_buf_init(&s, buf, sizeof(buf));
	seq_buf_printf(&s, "level=%s index=%lu entry=0x%llx",
		       mmu_level_names[level], lk->index[level], lk->val[level]);
	switch (lk->type[level]) {
	case MMU_E_LEAF:
		fmt = level == MMU_PTE ? MMU_FMT_PAGE : MMU_FMT_BLOCK;
		break;
	case MMU_E_NONPRESENT:
	case MMU_E_BAD:
		fmt = MMU_FMT_SWAP;
		break;
	default:
		fmt = MMU_FMT_TABLE;
		break;
	}
	mmu_hwflags_print(&s, fmt, lk->val[level]);
	if (lk->type[level] == MMU_E_BAD)
		seq_buf_printf(&s, " bad=1");
	seq_printf(m, "%.*s\n", (int)min_t(size_t, s.len, sizeof(buf)), buf);
}

/**
 * struct mmu_xlate - one translate walk
 * @m:		output
 * @va:		address
 * @leaf:	the leaf entry, when one was found
 * @have_leaf:	@leaf is valid
 * @unmapped:	level where the walk stopped without a leaf
 * @have_hole:	@unmapped is valid
 */
struct mmu_xlate {
	struct seq_file *m;
	unsigned long va;
	struct mmu_entry leaf;
	bool have_leaf;
	enum mmu_level unmapped;
	bool have_hole;
};

/*
 * The lines of every level down to where the walk stopped (and the folded
 * levels just below it), and the leaf or hole for the last line.
 */
static void mmu_xlate_walk(struct mmu_xlate *x, const struct mmu_lookup *lk,
			   int type)
{
	enum mmu_level l;

	for (l = MMU_PGD; l < MMU_NR_LEVELS; l++) {
		if (l > lk->level && !(lk->folded & BIT(l)))
			break;
		mmu_xlate_line(x->m, lk, l);
	}
	if (type == MMU_E_LEAF || type == MMU_E_NONPRESENT) {
		switch (lk->entry_level) {
		case MMU_PUD:
			mmu_decode_pud(lk->pud, &x->leaf);
			break;
		case MMU_PMD:
			mmu_decode_pmd(lk->pmd, &x->leaf);
			break;
		default:
			mmu_decode_pte(lk->pte, &x->leaf);
			break;
		}
		x->have_leaf = true;
	} else {
		x->unmapped = lk->level;
		x->have_hole = true;
	}
}

/* The last line: va= pa= pagesize=, or va= unmapped_at=. */
static void mmu_xlate_result(struct mmu_xlate *x, struct mmu_vma_info *vi)
{
	const struct mmu_entry *e = &x->leaf;
	struct seq_buf s;
	char buf[MMU_RUN_LINE_MAX], psz[16];
	unsigned long size;

	seq_buf_init(&s, buf, sizeof(buf));
	seq_buf_printf(&s, "va=0x%lx", x->va);
	if (!x->have_leaf) {
		seq_buf_printf(&s, " unmapped_at=%s",
			       x->have_hole ? mmu_level_names[x->unmapped] : "vma");
	} else {
		size = mmu_level_size(e->level);
		mmu_size_name(psz, sizeof(psz), size);
		if (e->kind == MMU_K_PRESENT) {
			seq_buf_printf(&s, " pa=0x%llx pagesize=%s level=%s",
				       ((u64)e->pfn << PAGE_SHIFT) + (x->va & (size - 1)),
				       psz, mmu_level_names[e->level]);
		} else {
			seq_buf_printf(&s, " unmapped_at=%s pagesize=%s",
				       mmu_level_names[e->level], psz);
			mmu_entry_print_nonpresent(&s, e);
		}
		mmu_nflags_print(&s, e->nflags);
	}
	if (vi)
		seq_buf_printf(&s, " vma=%s backing=%s", vi->name, vi->backing);
	seq_printf(x->m, "%.*s\n", (int)min_t(size_t, s.len, sizeof(buf)), buf);
}

/*
 * An open translate file: the address written through it, if any, else
 * the target's last one (so that `echo ADDR > translate; cat translate`
 * works, and a program that writes and reads on one descriptor is not
 * disturbed by other users).
 */
struct mmu_xlate_file {
	struct mmu_target *t;
	unsigned long va;
	bool set;
};

static int mmu_translate_show(struct seq_file *m, void *v)
{
	struct mmu_xlate_file *xf = m->private;
	struct mmu_target *t = xf->t;
	struct mmu_xlate x = { .m = m };
	struct mmu_vma_info *vi;
	struct vm_area_struct *vma;
	struct mmu_lookup *lk;
	struct mm_struct *mm;
	int type = 0;
	bool set;

	mutex_lock(&t->xlate_lock);
	x.va = xf->set ? xf->va : t->xlate_va;
	set = xf->set || t->xlate_set;
	mutex_unlock(&t->xlate_lock);
	mm = mmu_views_lock_mm(t);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	seq_printf(m, "# mmuscope translate format=%d levels=%d\n",
		   MMUSCOPE_FORMAT, mmu_paging_levels());
	if (!set) {
		seq_puts(m, "# no address yet: write one first (echo 0xADDR > translate)\n");
		goto unlock;
	}
	vi = kmalloc(sizeof(*vi), GFP_KERNEL);
	lk = kmalloc(sizeof(*lk), GFP_KERNEL);
	if (!vi || !lk) {
		type = -ENOMEM;
		goto free;
	}
	vma = vma_lookup(mm, x.va);
	if (vma) {
		mmu_vma_info_fill(vma, vi);
		/* Under mmap_lock and inside a VMA: the lookup sees its tables. */
		type = mmu_walk_lookup(mm, x.va, lk);
		if (type < 0)
			goto free;
		mmu_xlate_walk(&x, lk, type);
	}
	mmu_xlate_result(&x, vma ? vi : NULL);
	type = 0;
free:
	kfree(lk);
	kfree(vi);
	if (type < 0) {
		mmap_read_unlock(mm);
		mmput(mm);
		return type;
	}
unlock:
	mmap_read_unlock(mm);
	mmput(mm);
	return 0;
}

static int mmu_translate_open(struct inode *inode, struct file *file)
{
	struct mmu_xlate_file *xf;
	int ret;

	xf = kzalloc(sizeof(*xf), GFP_KERNEL);
	if (!xf)
		return -ENOMEM;
	xf->t = inode->i_private;
	mmu_target_get(xf->t);
	ret = single_open(file, mmu_translate_show, xf);
	if (ret) {
		mmu_target_put(xf->t);
		kfree(xf);
		return ret;
	}
	/*
	 * seq_open() clears FMODE_PWRITE since seq_file has no write; ours
	 * takes a whole command at offset 0 (mmu_copy_input()), so pwrite()
	 * at 0 is one command: with pread() at 0, a translation costs two
	 * syscalls on one descriptor.
	 */
	file->f_mode |= FMODE_PWRITE;
	return 0;
}

static int mmu_translate_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct mmu_xlate_file *xf = m->private;

	single_release(inode, file);
	mmu_target_put(xf->t);
	kfree(xf);
	return 0;
}

/* One user address: see mmu_parse_user_addr(). */
static ssize_t mmu_translate_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct mmu_xlate_file *xf = m->private;
	struct mmu_target *t = xf->t;
	unsigned long va;
	char buf[40];
	ssize_t len;

	len = mmu_copy_input(buf, sizeof(buf), ubuf, count, ppos);
	if (len < 0) {
		pr_warn_ratelimited("translate: write one address in one write, e.g. 0x7f0000001000\n");
		return len;
	}
	if (mmu_parse_user_addr(buf, &va))
		return -EINVAL;
	mutex_lock(&t->xlate_lock);
	xf->va = va;
	xf->set = true;
	mutex_unlock(&t->xlate_lock);
	mmu_target_set_xlate(t, va);
	return count;
}

/* The target's last address (translate.ro: readable under lockdown). */
void mmu_target_set_xlate(struct mmu_target *t, unsigned long va)
{
	mutex_lock(&t->xlate_lock);
	t->xlate_va = va;
	t->xlate_set = true;
	mutex_unlock(&t->xlate_lock);
}

static const struct file_operations mmu_translate_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_translate_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_translate_release,
	.write		= mmu_translate_write,
};

/* translate without the write: the target's last address, under lockdown too. */
static const struct file_operations mmu_translate_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_translate_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_translate_release,
};

/* --------------------------------------------------------------- summary */

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
	struct mmu_target *t = inode->i_private;
	int ret;

	mmu_target_get(t);
	ret = single_open(file, mmu_summary_show, t);
	if (ret)
		mmu_target_put(t);
	return ret;
}

static int mmu_summary_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct mmu_target *t = m->private;

	single_release(inode, file);
	mmu_target_put(t);
	return 0;
}

static const struct file_operations mmu_summary_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_summary_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_summary_release,
};

/* ------------------------------------------------------------ hook-ups */

static int mmu_views_alloc(struct mmu_target *t)
{
	mutex_init(&t->xlate_lock);
	return 0;
}

static int mmu_views_create(struct mmu_target *t)
{
	struct dentry *d;

	d = debugfs_create_file("maps", 0400, t->dir, t, &mmu_maps_fops);
	if (!IS_ERR(d))
		d = debugfs_create_file("translate", 0600, t->dir, t,
					&mmu_translate_fops);
	if (!IS_ERR(d))
		d = debugfs_create_file("translate.ro", 0400, t->dir, t,
					&mmu_translate_ro_fops);
	if (!IS_ERR(d))
		d = debugfs_create_file("summary", 0400, t->dir, t,
					&mmu_summary_fops);
	return PTR_ERR_OR_ZERO(d);
}

static void mmu_views_release(struct mmu_target *t)
{
	mutex_destroy(&t->xlate_lock);
}

const struct mmu_target_part mmu_views_part = {
	.alloc		= mmu_views_alloc,
	.create_files	= mmu_views_create,
	.release	= mmu_views_release,
};

/* Print up to MMU_DUMP_MAX_RUNS runs of the target's maps. */
static void mmu_views_dump(struct mmu_target *t)
{
	struct mmu_maps_cursor *c;
	char *line;
	unsigned long runs = 0;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	line = kmalloc(MMU_RUN_LINE_MAX, GFP_KERNEL);
	if (!c || !line)
		goto free;
	c->mm = mmu_views_lock_mm(t);
	if (IS_ERR(c->mm)) {
		pr_warn("target %d: cannot dump maps (%ld)\n", t->nr, PTR_ERR(c->mm));
		goto free;
	}
	c->locked = true;
	mmu_maps_reset(c);
	while ((ret = mmu_maps_next(c)) > 0) {
		if (runs++ >= MMU_DUMP_MAX_RUNS)
			continue;	/* count the rest */
		mmu_run_format(line, MMU_RUN_LINE_MAX, &c->out);
		pr_info("target %d: %s", t->nr, line);
	}
	if (runs > MMU_DUMP_MAX_RUNS)
		pr_info("target %d: %lu more runs not printed (read %d/maps)\n",
			t->nr, runs - MMU_DUMP_MAX_RUNS, t->nr);
	if (ret < 0)
		pr_warn("target %d: maps dump stopped (%d)\n", t->nr, ret);
	if (c->locked)
		mmap_read_unlock(c->mm);
	mmput(c->mm);
free:
	kfree(line);
	kfree(c);
}

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
		mmu_views_dump(t);
free:
	kfree(buf);
	kfree(sum);
}
