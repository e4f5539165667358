// SPDX-License-Identifier: GPL-2.0
/* mmuscope: open and release of a target's files, which hold a reference. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/seq_file.h>
#include "mmuscope.h"

/**
 * mmu_target_single_open() - open a target's single_open() file
 * @inode:	the file's inode; i_private is the target
 * @file:	the file
 * @show:	its show function, called with the target as m->private
 *
 * The open file holds a reference on the target: ->release must not trust
 * i_private (debugfs may be gone), only the reference.
 */
int mmu_target_single_open(struct inode *inode, struct file *file,
			   int (*show)(struct seq_file *, void *))
{
	struct mmu_target *t = inode->i_private;
	int ret;

	mmu_target_get(t);
	ret = single_open(file, show, t);
	if (ret)
		mmu_target_put(t);
	return ret;
}

/* ->release of a file opened with mmu_target_single_open(). */
int mmu_target_single_release(struct inode *inode, struct file *file)
{
	struct mmu_target *t = ((struct seq_file *)file->private_data)->private;

	single_release(inode, file);
	mmu_target_put(t);
	return 0;
}
