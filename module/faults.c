// SPDX-License-Identifier: GPL-2.0
/* mmuscope: page-fault tracing glue: per-target state and hook lifetime. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "faults.h"
#include "mmuscope.h"

/* Context: module load. */
int mmu_faults_init(void)
{
	return mmu_fault_hooks_init();
}

/* Context: module unload, after every target is removed. */
void mmu_faults_exit(void)
{
	mmu_fault_hooks_exit();
}

/* Context: process context, before the target is visible to probes. */
static int mmu_faults_target_alloc(struct mmu_target *t)
{
	struct mmu_fault_target *f;
	struct mmu_fault_stats *stats;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->reset_lock);
	stats = mmu_fault_stats_alloc();
	if (!stats)
		goto free_f;
	RCU_INIT_POINTER(f->stats, stats);
	f->slots = kvcalloc(MMU_FAULT_SLOTS, sizeof(*f->slots), GFP_KERNEL);
	if (!f->slots)
		goto free_stats;
	mmu_fault_stream_init(&f->stream);
	t->faults = f;
	return 0;

free_stats:
	mmu_fault_stats_free(stats);
free_f:
	kfree(f);
	return -ENOMEM;
}

/* Context: after an RCU grace period since the target left the hash. */
static void mmu_faults_target_free(struct mmu_target *t)
{
	struct mmu_fault_target *f = t->faults;

	if (!f)
		return;
	mmu_fault_stream_destroy(&f->stream);
	mmu_fault_stats_free(rcu_dereference_protected(f->stats, true));
	kvfree(f->slots);
	mutex_destroy(&f->reset_lock);
	kfree(f);
	t->faults = NULL;
}

static int mmu_faults_create_files(struct mmu_target *t)
{
	int ret = mmu_fault_stats_create_files(t);

	if (!ret)
		ret = mmu_fault_vmas_create_file(t);
	return ret ? ret : mmu_fault_stream_create_file(t);
}

/* Context: targets lock held, t->removed set. */
static void mmu_faults_target_removed(struct mmu_target *t)
{
	mmu_fault_stream_wake(&t->faults->stream);
}

/*
 * Hooks are attached while at least one target exists: no target, no
 * probe, no cost.  A failure to attach refuses the target that needed
 * them: tracing is never silently off.
 *
 * Context: targets lock held.
 */
static int mmu_faults_count_changed(unsigned int nr_targets)
{
	if (nr_targets && !mmu_fault_hooks_attached())
		return mmu_fault_hooks_attach();
	if (!nr_targets && mmu_fault_hooks_attached())
		mmu_fault_hooks_detach();
	return 0;
}

const struct mmu_target_part mmu_faults_part = {
	.alloc		= mmu_faults_target_alloc,
	.count_changed	= mmu_faults_count_changed,
	.create_files	= mmu_faults_create_files,
	.removed	= mmu_faults_target_removed,
	.release	= mmu_faults_target_free,
};
