// SPDX-License-Identifier: GPL-2.0
/* mmuscope: follow=1, the children a target forks become targets. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kfifo.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "compat.h"
#include "faults.h"
#include "mmuscope.h"

/*
 * follow=1: children forked by a target are added from a work item.  The
 * queue carries struct pid references, never numbers: a recycled number
 * is another process.
 */
#define MMU_FOLLOW_QUEUE	256

/*
 * Many producers (the fork probe, preemption disabled: a raw lock, also
 * on PREEMPT_RT), one consumer (the work item, or the drain after it is
 * cancelled): kfifo needs only the producers serialized.
 */
static DEFINE_RAW_SPINLOCK(mmu_follow_lock);
static DEFINE_KFIFO(mmu_follow_add, struct pid *, MMU_FOLLOW_QUEUE);

static void mmu_follow_fn(struct work_struct *work)
{
	struct mmu_target *t;
	struct pid *pid;

	/* Fails once rmmod has begun: no target may appear after that. */
	if (!try_module_get(THIS_MODULE))
		return;
	while (kfifo_out(&mmu_follow_add, &pid, 1)) {
		t = mmu_target_add_pid(pid, pid_nr(pid), MMU_TARGET_FOLLOWED);
		if (!IS_ERR(t))
			mmu_target_put(t);
		put_pid(pid);
	}
	module_put(THIS_MODULE);
}

static DECLARE_WORK(mmu_follow_work, mmu_follow_fn);

/*
 * Queue @pid for the worker to add.
 *
 * Context: any but NMI; takes a reference on @pid for the worker.
 */
static bool mmu_follow_queue(struct pid *pid)
{
	struct pid *ref = get_pid(pid);
	unsigned long flags;
	unsigned int n;

	raw_spin_lock_irqsave(&mmu_follow_lock, flags);
	n = kfifo_in(&mmu_follow_add, &ref, 1);
	raw_spin_unlock_irqrestore(&mmu_follow_lock, flags);
	if (!n) {
		put_pid(ref);
		return false;
	}
	queue_work(mmu_unbound_wq(), &mmu_follow_work);
	return true;
}

/* Context: module unload, hooks detached: drop what was never handled. */
void mmu_follow_drain(void)
{
	struct pid *pid;

	cancel_work_sync(&mmu_follow_work);
	while (kfifo_out(&mmu_follow_add, &pid, 1))
		put_pid(pid);
}

/*
 * sched_process_fork: a new process (not a thread) forked by a target.
 * Adding a target sleeps, so only queue the child's pid here.
 *
 * Context: process context of the parent, may not sleep.
 */
void mmu_follow_tp_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct mmu_target *t;
	bool ours;

	if (!READ_ONCE(mmu_param_follow) || child->tgid == parent->tgid)
		return;
	rcu_read_lock();
	t = mmu_target_lookup_rcu(parent->tgid);
	ours = t && t->pid == task_tgid(parent);
	rcu_read_unlock();
	if (ours && !mmu_follow_queue(task_tgid(child)))
		pr_warn_ratelimited("follow: too many forks pending, child %d not adopted\n",
				    child->tgid);
}
