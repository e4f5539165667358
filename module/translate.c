// SPDX-License-Identifier: GPL-2.0
/* mmuscope: <pid>/translate, the walk of one address level by level. */
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
#include "views.h"
#include "walk.h"

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

const struct file_operations mmu_translate_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_translate_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_translate_release,
	.write		= mmu_translate_write,
};

/* translate without the write: the target's last address, under lockdown too. */
const struct file_operations mmu_translate_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_translate_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_translate_release,
};
