// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the fault_stats and fault_hist files and their reset writes. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "faults.h"
#include "mmuscope.h"

static const char * const mmu_fault_anomaly_names[MMU_FA_NR] = {
	[MMU_FA_UNPAIRED]	= "unpaired",
	[MMU_FA_NESTED]		= "nested",
	[MMU_FA_OVERFLOW]	= "slot_overflow",
};

static_assert(ARRAY_SIZE(mmu_fault_anomaly_names) == MMU_FA_NR);

/* [lo, hi) of bucket @idx in ns: the inverse of mmu_hist_bucket(). */
static void mmu_hist_range(unsigned int idx, u64 *lo, u64 *hi)
{
	unsigned int e, sub;

	if (idx < MMU_HIST_SUB) {
		*lo = idx;
		*hi = idx + 1;
		return;
	}
	e = idx / MMU_HIST_SUB + MMU_HIST_SUB_BITS - 1;
	sub = idx % MMU_HIST_SUB;
	*lo = (u64)(MMU_HIST_SUB + sub) << (e - MMU_HIST_SUB_BITS);
	*hi = *lo + (1ULL << (e - MMU_HIST_SUB_BITS));
}

/*
 * The value at percentile @pct: the middle of the bucket holding the
 * ceil(pct% * count)-th sample, clamped to [min, max].
 */
static u64 mmu_percentile(const struct mmu_fault_cstat *c, unsigned int pct)
{
	u64 rank, seen = 0, lo, hi;
	unsigned int b;

	if (!c->count)
		return 0;
	rank = div_u64(c->count * pct + 99, 100);
	for (b = 0; b < MMU_HIST_BUCKETS; b++) {
		seen += c->hist[b];
		if (seen >= rank)
			break;
	}
	if (b == MMU_HIST_BUCKETS)
		return c->max_ns;
	mmu_hist_range(b, &lo, &hi);
	return clamp(lo + (hi - lo) / 2, c->min_ns, c->max_ns);
}

static int fault_stats_show(struct seq_file *m, void *v)
{
	struct mmu_target *t = m->private;
	struct mmu_fault_sum *sum;
	int i;

	sum = mmu_fault_sum(t);
	if (!sum)
		return -ENOMEM;
	seq_printf(m, "# mmuscope fault_stats format=%d\n", MMUSCOPE_FORMAT);
	for (i = 0; i < MMU_FC_NR; i++) {
		const struct mmu_fault_cstat *c = &sum->c[i];

		seq_printf(m, "class=%s count=%llu sum_ns=%llu min_ns=%llu max_ns=%llu p50_ns=%llu p90_ns=%llu p99_ns=%llu\n",
			   mmu_fault_class_names[i], c->count, c->sum_ns,
			   c->min_ns, c->max_ns, mmu_percentile(c, 50),
			   mmu_percentile(c, 90), mmu_percentile(c, 99));
	}
	seq_printf(m, "tracing=%s entry=%s lost=%lld nmissed=%lu",
		   mmu_fault_hooks_attached() ? "on" : "off",
		   mmu_fault_entry_hook(),
		   (long long)atomic64_read(&t->faults->stream.lost),
		   mmu_fault_hooks_nmissed());
	for (i = 0; i < MMU_FA_NR; i++)
		seq_printf(m, " %s=%llu", mmu_fault_anomaly_names[i],
			   sum->anomaly[i]);
	seq_putc(m, '\n');
	kvfree(sum);
	return 0;
}

static int fault_hist_show(struct seq_file *m, void *v)
{
	struct mmu_target *t = m->private;
	struct mmu_fault_sum *sum;
	u64 lo, hi;
	int i, b;

	sum = mmu_fault_sum(t);
	if (!sum)
		return -ENOMEM;
	seq_printf(m, "# mmuscope fault_hist format=%d\n", MMUSCOPE_FORMAT);
	for (i = 0; i < MMU_FC_NR; i++) {
		for (b = 0; b < MMU_HIST_BUCKETS; b++) {
			if (!sum->c[i].hist[b])
				continue;
			mmu_hist_range(b, &lo, &hi);
			/* The last bucket is open: it ends after the max. */
			if (b == MMU_HIST_BUCKETS - 1)
				hi = max(hi, sum->c[i].max_ns + 1);
			seq_printf(m, "class=%s lo_ns=%llu hi_ns=%llu count=%llu\n",
				   mmu_fault_class_names[i], lo, hi,
				   sum->c[i].hist[b]);
		}
	}
	kvfree(sum);
	return 0;
}

static ssize_t fault_stats_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct mmu_target *t = ((struct seq_file *)file->private_data)->private;
	char buf[16];
	ssize_t len;
	int ret;

	len = mmu_copy_input(buf, sizeof(buf), ubuf, count, ppos);
	if (len < 0 || strcmp(buf, "reset")) {
		pr_warn_ratelimited("%d: fault counters: write \"reset\" to zero them\n",
				    t->nr);
		return len < 0 ? len : -EINVAL;
	}
	ret = mmu_fault_stats_reset(t->faults);
	return ret ? ret : count;
}

/* ->open and ->release hold a target reference for the seq_file. */
static int fault_stats_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, fault_stats_show);
}

static int fault_hist_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, fault_hist_show);
}

static const struct file_operations fault_stats_fops = {
	.owner		= THIS_MODULE,
	.open		= fault_stats_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.write		= fault_stats_write,
	.release	= mmu_target_single_release,
};

/* The same views without the write: readable under lockdown (0400). */
static const struct file_operations fault_stats_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= fault_stats_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

static const struct file_operations fault_hist_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= fault_hist_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

static const struct file_operations fault_hist_fops = {
	.owner		= THIS_MODULE,
	.open		= fault_hist_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.write		= fault_stats_write,
	.release	= mmu_target_single_release,
};

int mmu_fault_stats_create_files(struct mmu_target *t)
{
	struct dentry *d;

	d = debugfs_create_file("fault_stats", 0600, t->dir, t, &fault_stats_fops);
	if (!IS_ERR(d))
		d = debugfs_create_file("fault_hist", 0600, t->dir, t,
					&fault_hist_fops);
	/* Read-only twins: what kernel lockdown lets root open. */
	if (!IS_ERR(d))
		d = debugfs_create_file("fault_stats.ro", 0400, t->dir, t,
					&fault_stats_ro_fops);
	if (!IS_ERR(d))
		d = debugfs_create_file("fault_hist.ro", 0400, t->dir, t,
					&fault_hist_ro_fops);
	return PTR_ERR_OR_ZERO(d);
}
