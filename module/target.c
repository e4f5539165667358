// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the set of traced processes and their debugfs directories. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include "mmuscope.h"

#define MMU_MAX_TARGETS	1024

/* Serializes target addition and removal; protects mmu_targets. */
DEFINE_MUTEX(mmu_targets_lock);
LIST_HEAD(mmu_targets);
unsigned int mmu_nr_targets;
static DEFINE_HASHTABLE(mmu_target_hash, 7);

static void mmu_target_release(struct kref *ref)
{
	struct mmu_target *t = container_of(ref, struct mmu_target, ref);

	/*
	 * The fault probes find targets in the RCU hash and use them inside
	 * their (preemption-disabled) read-side sections; the target left the
	 * hash before its last reference went away.
	 */
	synchronize_rcu();
	mmu_faults_target_free(t);
	put_pid(t->pid);
	kfree(t);
}

void mmu_target_get(struct mmu_target *t)
{
	kref_get(&t->ref);
}

/* Context: process context, may sleep (the last put waits for RCU). */
void mmu_target_put(struct mmu_target *t)
{
	kref_put(&t->ref, mmu_target_release);
}

/**
 * mmu_target_lookup_rcu() - find the target of a thread group
 * @tgid: thread-group id in the initial pid namespace
 *
 * Context: rcu_read_lock() or preemption disabled; the result is valid
 * until the read-side section ends.  Never sleeps, usable from probes.
 */
struct mmu_target *mmu_target_lookup_rcu(pid_t tgid)
{
	struct mmu_target *t;

	hash_for_each_possible_rcu(mmu_target_hash, t, hnode, tgid)
		if (t->nr == tgid)
			return t;
	return NULL;
}

/**
 * mmu_target_get_mm() - reference the target's mm
 * @t: target
 *
 * Return: the mm with mm_users raised (drop it with mmput()), or
 * ERR_PTR(-ESRCH) when the process has exited (also after pid reuse: the
 * target holds its own struct pid).
 */
struct mm_struct *mmu_target_get_mm(struct mmu_target *t)
{
	struct task_struct *task;
	struct mm_struct *mm;

	task = get_pid_task(t->pid, PIDTYPE_TGID);
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm ? mm : ERR_PTR(-ESRCH);
}

static struct mmu_target *mmu_target_find(pid_t nr)
{
	struct mmu_target *t;

	lockdep_assert_held(&mmu_targets_lock);
	list_for_each_entry(t, &mmu_targets, node)
		if (t->nr == nr)
			return t;
	return NULL;
}

/* Check that @pid names a live user process; log why not. */
static int mmu_target_check(pid_t nr, struct pid *pid)
{
	struct task_struct *task;
	struct mm_struct *mm;
	int ret = 0;

	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		pr_warn("target %d: no such process\n", nr);
		return -ESRCH;
	}
	if (task->flags & PF_KTHREAD) {
		pr_warn("target %d: %s is a kernel thread, it has no mm\n",
			nr, task->comm);
		ret = -EINVAL;
		goto put_task;
	}
	if (!thread_group_leader(task)) {
		pr_warn("target %d: is a thread of process %d; give the process id\n",
			nr, task_tgid_nr(task));
		ret = -EINVAL;
		goto put_task;
	}
	mm = get_task_mm(task);
	if (!mm) {
		pr_warn("target %d: process is exiting\n", nr);
		ret = -ESRCH;
		goto put_task;
	}
	mmput(mm);
put_task:
	put_task_struct(task);
	return ret;
}

/**
 * mmu_target_add() - start tracing a process
 * @nr:		process id, in the caller's pid namespace
 * @quiet:	do not log the addition (children adopted by follow=1)
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: 0, or -EINVAL (bad number, kernel thread, thread id), -ESRCH (no
 * such process), -EEXIST (already a target, or an exited target with that
 * number is still listed), -ENOSPC, -ENOMEM.
 */
int mmu_target_add(pid_t nr, bool quiet)
{
	struct mmu_target *t;
	struct pid *pid;
	char name[16];
	int ret;

	if (nr <= 0) {
		pr_warn("target %d: not a valid pid\n", nr);
		return -EINVAL;
	}
	pid = find_get_pid(nr);
	if (!pid) {
		pr_warn("target %d: no such process\n", nr);
		return -ESRCH;
	}
	ret = mmu_target_check(nr, pid);
	if (ret)
		goto put_pid;

	mutex_lock(&mmu_targets_lock);
	t = mmu_target_find(pid_nr(pid));
	if (t) {
		if (t->pid == pid)
			pr_warn("target %d: already a target\n", nr);
		else
			pr_warn("target %d: an exited target with this number is still listed; remove it first\n",
				nr);
		ret = -EEXIST;
		goto unlock;
	}
	if (mmu_nr_targets >= MMU_MAX_TARGETS) {
		pr_warn("target %d: too many targets (%d)\n", nr, MMU_MAX_TARGETS);
		ret = -ENOSPC;
		goto unlock;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		ret = -ENOMEM;
		goto unlock;
	}
	kref_init(&t->ref);
	mutex_init(&t->xlate_lock);
	t->pid = pid;
	t->nr = pid_nr(pid);
	ret = mmu_faults_target_alloc(t);
	if (ret)
		goto free_target;

	snprintf(name, sizeof(name), "%d", t->nr);
	t->dir = debugfs_create_dir(name, mmu_debugfs_root);
	mmu_views_create(t);
	mmu_faults_create_files(t);

	list_add_tail(&t->node, &mmu_targets);
	hash_add_rcu(mmu_target_hash, &t->hnode, t->nr);
	mmu_nr_targets++;
	mmu_faults_targets_changed();
	mutex_unlock(&mmu_targets_lock);
	if (!quiet)
		pr_info("target %d added\n", t->nr);
	return 0;

free_target:
	kfree(t);
unlock:
	mutex_unlock(&mmu_targets_lock);
put_pid:
	put_pid(pid);
	return ret;
}

/* Context: mmu_targets_lock held; drops the list's reference. */
static void mmu_target_unlist(struct mmu_target *t)
{
	lockdep_assert_held(&mmu_targets_lock);
	list_del(&t->node);
	hash_del_rcu(&t->hnode);
	mmu_nr_targets--;
	WRITE_ONCE(t->removed, true);
	mmu_faults_targets_changed();
	/* Blocked readers must return before debugfs_remove waits for them. */
	mmu_faults_target_removed(t);
	/*
	 * Under mmu_targets_lock so that a re-added pid cannot race the old
	 * directory's removal; target files never take mmu_targets_lock.
	 */
	debugfs_remove_recursive(t->dir);
	t->dir = NULL;
	mmu_target_put(t);
}

/**
 * mmu_target_remove() - stop tracing a process
 * @nr: pid number as listed in targets
 *
 * Files of the target that are still open keep working on the detached
 * target until closed (they hold a reference).
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: 0 or -ENOENT (not a target), -EINVAL (bad number).
 */
int mmu_target_remove(pid_t nr)
{
	struct mmu_target *t;

	if (nr <= 0) {
		pr_warn("remove %d: not a valid pid\n", nr);
		return -EINVAL;
	}
	mutex_lock(&mmu_targets_lock);
	t = mmu_target_find(nr);
	if (!t) {
		mutex_unlock(&mmu_targets_lock);
		pr_warn("remove %d: not a target\n", nr);
		return -ENOENT;
	}
	mmu_target_unlist(t);
	mutex_unlock(&mmu_targets_lock);
	pr_info("target %d removed\n", nr);
	return 0;
}

void mmu_targets_remove_all(void)
{
	struct mmu_target *t, *tmp;

	mutex_lock(&mmu_targets_lock);
	list_for_each_entry_safe(t, tmp, &mmu_targets, node)
		mmu_target_unlist(t);
	mutex_unlock(&mmu_targets_lock);
}
