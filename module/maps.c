// SPDX-License-Identifier: GPL-2.0
/* mmuscope: <pid>/maps, the merged runs, and their bounded dump at load. */
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

/* dump_on_load prints at most this many runs. */
#define MMU_DUMP_MAX_RUNS	256

/**
 * struct mmu_maps_priv - an open maps file
 * @t:		target (referenced by ->open)
 * @c:		listing cursor; its mm is referenced and locked from ->start
 *		to ->stop only
 * @out_pos:	seq_file index of *@c.out
 * @next_pos:	index of the run mmu_maps_next() produces next
 * @have_out:	@c.out is valid (until the next mmu_maps_next())
 */
struct mmu_maps_priv {
	struct mmu_target *t;
	struct mmu_maps_cursor c;
	loff_t out_pos;
	loff_t next_pos;
	bool have_out;
};

/* Make *@p->c.out the run at index @pos: NULL at the end, or ERR_PTR. */
static void *mmu_maps_seek(struct mmu_maps_priv *p, loff_t pos)
{
	int ret;

	if (p->have_out && p->out_pos == pos)
		return (void *)p->c.out;
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
	return (void *)p->c.out;
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
	size_t size;
	char *buf;

	if (p->out_pos == 0)
		seq_printf(m, "# mmuscope maps format=%d\n", MMUSCOPE_FORMAT);
	/*
	 * Format in place: a line that does not fit marks the buffer
	 * overflowed, and seq_read_iter() shows the run again in a flushed
	 * (or larger) buffer.
	 */
	size = seq_get_buf(m, &buf);
	seq_commit(m, mmu_run_format(buf, size, v));
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

const struct file_operations mmu_maps_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_maps_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_maps_release,
};

/* Print up to MMU_DUMP_MAX_RUNS runs of the target's maps. */
void mmu_maps_dump(struct mmu_target *t)
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
		pr_warn("target %d: cannot dump maps (%ld)\n", t->nr,
			PTR_ERR(c->mm));
		goto free;
	}
	c->locked = true;
	mmu_maps_reset(c);
	while ((ret = mmu_maps_next(c)) > 0) {
		if (runs++ >= MMU_DUMP_MAX_RUNS)
			continue;	/* count the rest */
		mmu_run_format(line, MMU_RUN_LINE_MAX, c->out);
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
