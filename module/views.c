// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the mapping views' target part and what they share. */
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
#include "mmuscope.h"
#include "views.h"

/* Reference and read-lock the target's mm; ERR_PTR(-ESRCH) once exited. */
struct mm_struct *mmu_views_lock_mm(struct mmu_target *t)
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
