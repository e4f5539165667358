// SPDX-License-Identifier: GPL-2.0
/* mmuscope: per-target per-CPU fault counters and latency histograms. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "faults.h"
#include "mmuscope.h"

const char * const mmu_fault_class_names[MMU_FC_NR] = {
	[MMU_FC_ALL]		= "all",
	[MMU_FC_MINOR]		= "minor",
	[MMU_FC_MAJOR]		= "major",
	[MMU_FC_SIGSEGV]	= "sigsegv",
	[MMU_FC_SIGBUS]		= "sigbus",
	[MMU_FC_OOM]		= "oom",
	[MMU_FC_FIXUP]		= "fixup",
	[MMU_FC_INTERRUPTED]	= "interrupted",
	[MMU_FC_RETRY]		= "retry",
	[MMU_FC_READ]		= "read",
	[MMU_FC_WRITE]		= "write",
	[MMU_FC_EXEC]		= "exec",
	[MMU_FC_USER]		= "user",
	[MMU_FC_KERNEL]		= "kernel",
	[MMU_FC_NOT_PRESENT]	= "not_present",
	[MMU_FC_PROTECTION]	= "protection",
	[MMU_FC_ANON]		= "anon",
	[MMU_FC_FILE]		= "file",
	[MMU_FC_SHMEM]		= "shmem",
	[MMU_FC_HUGETLB]	= "hugetlb",
	[MMU_FC_FIRST_TOUCH]	= "first_touch",
	[MMU_FC_COW]		= "cow",
	[MMU_FC_SWAP_IN]	= "swap_in",
	[MMU_FC_WP]		= "wp",
	[MMU_FC_NUMA]		= "numa",
	[MMU_FC_MIGRATION]	= "migration",
	[MMU_FC_SPURIOUS]	= "spurious",
	[MMU_FC_HANDLER]	= "handler",
	[MMU_FC_WAIT]		= "wait",
};

static_assert(ARRAY_SIZE(mmu_fault_class_names) == MMU_FC_NR);
static_assert(MMU_FC_NR <= 32);
/* alloc_percpu() refuses more than a unit. */
static_assert(sizeof(struct mmu_fault_pcpu) <= PCPU_MIN_UNIT_SIZE);

static unsigned int mmu_hist_bucket(u64 ns)
{
	unsigned int e, idx;

	if (ns < MMU_HIST_SUB)
		return ns;
	e = ilog2(ns);
	idx = (e - MMU_HIST_SUB_BITS + 1) * MMU_HIST_SUB +
	      ((ns >> (e - MMU_HIST_SUB_BITS)) & (MMU_HIST_SUB - 1));
	return min_t(unsigned int, idx, MMU_HIST_BUCKETS - 1);
}

void mmu_fault_stats_free(struct mmu_fault_stats *s)
{
	if (!s)
		return;
	free_percpu(s->pcpu);
	kvfree(s->sink);
	mmu_fault_vtab_free(s->vtab);
	kfree(s);
}

static void mmu_ccell_init(struct mmu_fault_ccell *c)
{
	memset(c, 0, sizeof(*c));
	c->min_ns = U64_MAX;
}

static void mmu_cstat_init(struct mmu_fault_cstat *c)
{
	memset(c, 0, sizeof(*c));
	c->min_ns = U64_MAX;
}

/*
 * Context: process context, may sleep.
 */
struct mmu_fault_stats *mmu_fault_stats_alloc(void)
{
	struct mmu_fault_stats *s;
	int i, cpu;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->pcpu = alloc_percpu(struct mmu_fault_pcpu);
	s->sink = kvzalloc(sizeof(*s->sink), GFP_KERNEL);
	s->vtab = mmu_fault_vtab_alloc();
	if (!s->pcpu || !s->sink || !s->vtab) {
		mmu_fault_stats_free(s);
		return NULL;
	}
	for_each_possible_cpu(cpu) {
		struct mmu_fault_pcpu *p = per_cpu_ptr(s->pcpu, cpu);

		mmu_ccell_init(&p->handler);
		mmu_ccell_init(&p->wait);
		for (i = 0; i < MMU_FAULT_COMBOS; i++)
			mmu_ccell_init(&p->cell[i]);
	}
	raw_spin_lock_init(&s->sink->lock);
	for (i = 0; i < MMU_FC_NR; i++)
		mmu_cstat_init(&s->sink->c[i]);
	return s;
}

/* Add @c to @d.  Context: d's sink lock held (or @d private). */
static void mmu_cstat_fold(struct mmu_fault_cstat *d,
			   const struct mmu_fault_ccell *c)
{
	unsigned int b;

	if (!READ_ONCE(c->count))
		return;
	d->count += READ_ONCE(c->count);
	d->sum_ns += READ_ONCE(c->sum_ns);
	d->min_ns = min(d->min_ns, READ_ONCE(c->min_ns));
	d->max_ns = max(d->max_ns, READ_ONCE(c->max_ns));
	for (b = 0; b < MMU_HIST_BUCKETS; b++)
		d->hist[b] += READ_ONCE(c->hist[b]);
}

/*
 * Move cell @c into the sink classes of @mask and empty it.
 *
 * Context: probe context on the cell's CPU (recursion guard held).
 */
static void mmu_ccell_flush(struct mmu_fault_sink *sink,
			    struct mmu_fault_ccell *c, unsigned long mask)
{
	unsigned int i;

	raw_spin_lock(&sink->lock);
	for_each_set_bit(i, &mask, MMU_FC_NR)
		mmu_cstat_fold(&sink->c[i], c);
	mmu_ccell_init(c);
	raw_spin_unlock(&sink->lock);
}

/*
 * The cell of class set @mask on this CPU: the previous fault's, another
 * one holding @mask, a free one, or the least used one, emptied.
 */
static unsigned int mmu_cell_of(struct mmu_fault_stats *s,
				struct mmu_fault_pcpu *p, u32 mask)
{
	unsigned int i, victim = 0;

	for (i = 0; i < MMU_FAULT_COMBOS; i++)
		if (p->mask[i] == mask)
			return i;
	for (i = 0; i < MMU_FAULT_COMBOS; i++) {
		if (!p->mask[i])
			goto take;
		if (p->cell[i].count < p->cell[victim].count)
			victim = i;
	}
	i = victim;
	mmu_ccell_flush(s->sink, &p->cell[i], p->mask[i]);
take:
	WRITE_ONCE(p->mask[i], mask);
	return i;
}

static void mmu_ccell_add(struct mmu_fault_sink *sink,
			  struct mmu_fault_ccell *c, unsigned long mask, u64 ns)
{
	unsigned int b = mmu_hist_bucket(ns);

	c->count++;
	c->sum_ns += ns;
	if (ns < c->min_ns)
		c->min_ns = ns;
	if (ns > c->max_ns)
		c->max_ns = ns;
	if (unlikely(++c->hist[b] >= MMU_CELL_BUCKET_MAX))
		mmu_ccell_flush(sink, c, mask);
}

/**
 * mmu_fault_stats_record() - account one finished fault
 * @f:		the target's fault state
 * @classes:	class mask (MMU_FC_ALL included by the caller)
 * @total_ns:	entry-to-end latency
 * @handler_ns:	time inside handle_mm_fault (0: the handler never ran)
 * @vma:	the fault's VMA, for fault_vmas
 *
 * One cell for the class set, plus `handler` and `wait` when they apply:
 * three cells at most, whatever the number of classes; and the VMA's row
 * of the same generation, so that a reset zeroes both together.
 *
 * Context: probe context, preemption disabled, inside rcu_read_lock();
 * the per-CPU recursion guard is held, so plain per-CPU updates are safe.
 */
void mmu_fault_stats_record(struct mmu_fault_target *f, u32 classes,
			    u64 total_ns, u64 handler_ns,
			    const struct mmu_fault_vma *vma)
{
	struct mmu_fault_stats *s = rcu_dereference(f->stats);
	struct mmu_fault_pcpu *p = this_cpu_ptr(s->pcpu);
	u32 mask = classes & ~(BIT(MMU_FC_HANDLER) | BIT(MMU_FC_WAIT));
	unsigned int i = p->last;

	if (unlikely(p->mask[i] != mask)) {
		i = mmu_cell_of(s, p, mask);
		p->last = i;
	}
	mmu_ccell_add(s->sink, &p->cell[i], mask, total_ns);
	if (classes & BIT(MMU_FC_HANDLER))
		mmu_ccell_add(s->sink, &p->handler, BIT(MMU_FC_HANDLER),
			      handler_ns);
	if (classes & BIT(MMU_FC_WAIT))
		mmu_ccell_add(s->sink, &p->wait, BIT(MMU_FC_WAIT),
			      total_ns - min(total_ns, handler_ns));
	mmu_fault_vmas_record(s->vtab, vma, classes, total_ns);
}

/* Context: as mmu_fault_stats_record(). */
void mmu_fault_anomaly(struct mmu_fault_target *f, enum mmu_fault_anomaly a)
{
	struct mmu_fault_stats *s = rcu_dereference(f->stats);

	this_cpu_inc(s->pcpu->anomaly[a]);
}

/*
 * Fold the sink and every CPU's cells into classes.  The sink lock keeps
 * a cell from moving to the sink while it is read (counted twice or not
 * at all); updates in place race as single counters always did.
 *
 * Context: process context.
 * Return: the snapshot (kvfree() it), or NULL without memory.
 */
struct mmu_fault_sum *mmu_fault_sum(struct mmu_target *t)
{
	struct mmu_fault_target *f = t->faults;
	struct mmu_fault_stats *s;
	struct mmu_fault_sum *sum;
	unsigned long mask;
	int i, j, cpu;

	sum = kvzalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return NULL;
	rcu_read_lock();
	s = rcu_dereference(f->stats);
	raw_spin_lock(&s->sink->lock);
	memcpy(sum->c, s->sink->c, sizeof(sum->c));
	for_each_possible_cpu(cpu) {
		struct mmu_fault_pcpu *p = per_cpu_ptr(s->pcpu, cpu);

		mmu_cstat_fold(&sum->c[MMU_FC_HANDLER], &p->handler);
		mmu_cstat_fold(&sum->c[MMU_FC_WAIT], &p->wait);
		for (j = 0; j < MMU_FAULT_COMBOS; j++) {
			mask = READ_ONCE(p->mask[j]);
			for_each_set_bit(i, &mask, MMU_FC_NR)
				mmu_cstat_fold(&sum->c[i], &p->cell[j]);
		}
		for (i = 0; i < MMU_FA_NR; i++)
			sum->anomaly[i] += READ_ONCE(p->anomaly[i]);
	}
	raw_spin_unlock(&s->sink->lock);
	rcu_read_unlock();
	for (i = 0; i < MMU_FC_NR; i++)
		if (!sum->c[i].count)
			sum->c[i].min_ns = 0;
	return sum;
}

/*
 * Replace the counters with a fresh generation.  Probes still updating the
 * old one finish within their RCU read-side sections.
 *
 * Context: process context; takes f->reset_lock.
 */
int mmu_fault_stats_reset(struct mmu_fault_target *f)
{
	struct mmu_fault_stats *new, *old;

	new = mmu_fault_stats_alloc();
	if (!new)
		return -ENOMEM;
	mutex_lock(&f->reset_lock);
	old = rcu_replace_pointer(f->stats, new,
				  lockdep_is_held(&f->reset_lock));
	mutex_unlock(&f->reset_lock);
	synchronize_rcu();
	mmu_fault_stats_free(old);
	return 0;
}

/* Zero @t's counters: the reset_faults parameter. */
int mmu_faults_reset(struct mmu_target *t)
{
	return mmu_fault_stats_reset(t->faults);
}
