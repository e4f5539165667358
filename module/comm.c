// SPDX-License-Identifier: GPL-2.0
/* mmuscope: <pid>/comm, the target's command name, also after it exited. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include "mmuscope.h"

/* <pid>/comm: "comm=NAME", spaces and '=' as '_' (the stream's rule). */
static int mmu_comm_show(struct seq_file *m, void *v)
{
	struct mmu_target *t = m->private;
	char comm[TASK_COMM_LEN];
	int i;

	memcpy(comm, t->comm, sizeof(comm));
	comm[sizeof(comm) - 1] = '\0';
	for (i = 0; comm[i]; i++)
		if (!isgraph(comm[i]) || comm[i] == '=')
			comm[i] = '_';
	seq_printf(m, "comm=%s\n", comm);
	return 0;
}

static int mmu_comm_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, mmu_comm_show);
}

static const struct file_operations mmu_comm_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_comm_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

static int mmu_comm_create(struct mmu_target *t)
{
	return PTR_ERR_OR_ZERO(debugfs_create_file("comm", 0400, t->dir, t,
						   &mmu_comm_fops));
}

const struct mmu_target_part mmu_comm_part = {
	.create_files	= mmu_comm_create,
};
