// SPDX-License-Identifier: GPL-2.0
/* mmuscope: module entry, parameters and the top-level debugfs files. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>
#include "compat.h"
#include "decode.h"
#include "mmuscope.h"

static int target_pid;
module_param(target_pid, int, 0444);
MODULE_PARM_DESC(target_pid, "process to trace from load time (0: none)");

bool mmu_param_follow;
module_param_named(follow, mmu_param_follow, bool, 0644);
MODULE_PARM_DESC(follow, "adopt children forked by a target as targets");

/* Followed children cost a target each: bounded, and pruned at exit. */
#define MMU_FOLLOW_MAX_LIMIT	512
unsigned int mmu_param_follow_max = 64;

static int follow_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > MMU_FOLLOW_MAX_LIMIT) {
		pr_warn_ratelimited("follow_max: not a number of targets between 0 and %d\n",
				    MMU_FOLLOW_MAX_LIMIT);
		return -EINVAL;
	}
	WRITE_ONCE(mmu_param_follow_max, n);
	return 0;
}

static const struct kernel_param_ops follow_max_ops = {
	.set	= follow_max_set,
	.get	= param_get_uint,
};

module_param_cb(follow_max, &follow_max_ops, &mmu_param_follow_max, 0644);
__MODULE_PARM_TYPE(follow_max, "uint");
MODULE_PARM_DESC(follow_max,
		 "most children adopted by follow=1 at once (0..512; exited ones are removed)");

static bool dump_on_load;
module_param(dump_on_load, bool, 0444);
MODULE_PARM_DESC(dump_on_load, "print target_pid's merged maps to the kernel log");

struct dentry *mmu_debugfs_root;

/* A target's features, in the order they are set up. */
static const struct mmu_target_part *const mmu_parts[] = {
	&mmu_comm_part,
	&mmu_views_part,
	&mmu_vmas_part,
	&mmu_faults_part,
};

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "# mmuscope version format=%d\n", MMUSCOPE_FORMAT);
	seq_printf(m, "version=%s arch=%s levels=%d page_size=%lu kernel=%s\n",
		   MMUSCOPE_VERSION, utsname()->machine, mmu_paging_levels(),
		   PAGE_SIZE, utsname()->release);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int targets_show(struct seq_file *m, void *v)
{
	mmu_targets_show(m);
	return 0;
}

static int targets_open(struct inode *inode, struct file *file)
{
	return single_open(file, targets_show, NULL);
}

/* "PID" or "+PID" adds a target, "-PID" removes one; nothing else. */
static ssize_t targets_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[MMU_TARGETS_CMD_MAX];
	ssize_t len;
	int ret;

	len = mmu_copy_input(buf, sizeof(buf), ubuf, count, ppos);
	if (len < 0) {
		pr_warn_ratelimited("targets: write \"PID\", \"+PID\" or \"-PID\"\n");
		return len;
	}
	ret = mmu_targets_command(buf);
	return ret ? ret : count;
}

static const struct file_operations targets_fops = {
	.owner		= THIS_MODULE,
	.open		= targets_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= targets_write,
};

/* targets without the write: the list, readable under lockdown (0400). */
static const struct file_operations targets_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= targets_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int __init mmuscope_init(void)
{
	struct mmu_target *t;
	int ret;

	mmu_decode_init();
	mmu_debugfs_root = debugfs_create_dir("mmuscope", NULL);
	if (IS_ERR(mmu_debugfs_root)) {
		pr_err("debugfs is not available (%ld); is it disabled or locked down?\n",
		       PTR_ERR(mmu_debugfs_root));
		return PTR_ERR(mmu_debugfs_root);
	}

	ret = mmu_targets_init(mmu_parts, ARRAY_SIZE(mmu_parts));
	if (ret)
		goto remove_root;
	ret = mmu_faults_init();
	if (ret)
		goto targets_exit;

	if (target_pid) {
		t = mmu_target_add(target_pid);
		ret = PTR_ERR_OR_ZERO(t);
		if (ret)
			goto faults_exit;
		mmu_views_load_report(t, dump_on_load);
		mmu_target_put(t);
	}
	/*
	 * Nothing may fail once a file exists: the kernel frees a module whose
	 * init failed even while its files are open, and closing them would
	 * then run freed code (and drop a reference on the next instance).
	 * Hence the top-level files last, and a target's files only in
	 * mmu_target_add(), after its last failure point.
	 */
	debugfs_create_file("version", 0400, mmu_debugfs_root, NULL, &version_fops);
	debugfs_create_file("targets", 0600, mmu_debugfs_root, NULL, &targets_fops);
	debugfs_create_file("targets.ro", 0400, mmu_debugfs_root, NULL, &targets_ro_fops);
	mmu_params_set_live(true);
	pr_info("loaded: version %s, %d-level paging, %lu-byte pages%s\n",
		MMUSCOPE_VERSION, mmu_paging_levels(), PAGE_SIZE,
		target_pid ? "" : ", no target");
	return 0;

faults_exit:
	mmu_faults_exit();
targets_exit:
	mmu_targets_exit();
remove_root:
	debugfs_remove_recursive(mmu_debugfs_root);
	return ret;
}

static void __exit mmuscope_exit(void)
{
	/* No parameter may add a target from here on. */
	mmu_params_set_live(false);
	/* Files first, then probes, then memory (see mmu_faults_exit). */
	mmu_targets_remove_all();
	debugfs_remove_recursive(mmu_debugfs_root);
	mmu_faults_exit();
	mmu_targets_exit();
	pr_info("unloaded\n");
}

module_init(mmuscope_init);
module_exit(mmuscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mmuscope developers");
MODULE_DESCRIPTION("Page-table walker and page-fault tracer for live processes");
MODULE_VERSION(MMUSCOPE_VERSION);
