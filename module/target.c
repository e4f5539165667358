// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the set of traced processes (pid, reference, RCU hash, list). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/hashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "mmuscope.h"

/*
 * Lock order:
 *
 *   mmu_targets_lock		(this file: the list, the hash, the counts)
 *     parts' ->count_changed	(fault hooks: register/unregister probes)
 *
 * A target's debugfs directory is created under mmu_targets_lock (so two
 * additions cannot race for one name) but removed after dropping it:
 * debugfs_remove_recursive() waits for in-flight reads, which may wait
 * for the target's mmap_lock, and one stuck target must not stall every
 * other addition, removal or the follow worker.  Target files never take
 * mmu_targets_lock.
 */
#define MMU_MAX_TARGETS	1024

static DEFINE_MUTEX(mmu_targets_lock);
static LIST_HEAD(mmu_targets);
static unsigned int mmu_nr_targets;
static unsigned int mmu_nr_followed;
static DEFINE_HASHTABLE(mmu_target_hash, 7);
/* See mmu_targets_gen_read(); written under mmu_targets_lock. */
unsigned long mmu_targets_gen;

static const struct mmu_target_part *const *mmu_parts;
static unsigned int mmu_nr_parts;
/* Frees targets after the probes' grace period; drained at unload. */
static struct workqueue_struct *mmu_release_wq;

/*
 * Free @t and the state of its first @nparts parts: a released target
 * (all of them), or one that never became visible (those allocated).
 */
static void mmu_target_free(struct mmu_target *t, unsigned int nparts)
{
	unsigned int i;

	for (i = 0; i < nparts; i++)
		if (mmu_parts[i]->release)
			mmu_parts[i]->release(t);
	put_pid(t->pid);
	kfree(t);
}

static void mmu_target_free_fn(struct work_struct *work)
{
	mmu_target_free(container_of(to_rcu_work(work), struct mmu_target,
				     free_work), mmu_nr_parts);
}

/*
 * The fault probes find targets in the RCU hash and use them inside their
 * (preemption-disabled) read-side sections: the target left the hash
 * before its last reference went away, and is freed one grace period
 * later, in process context.  One queue_rcu_work per target lets many
 * removals share a grace period (rmmod with 1024 targets waits for one).
 */
static void mmu_target_release(struct kref *ref)
{
	struct mmu_target *t = container_of(ref, struct mmu_target, ref);

	INIT_RCU_WORK(&t->free_work, mmu_target_free_fn);
	queue_rcu_work(mmu_release_wq, &t->free_work);
}

void mmu_target_get(struct mmu_target *t)
{
	kref_get(&t->ref);
}

/* Context: any; the memory is freed later from a work item. */
void mmu_target_put(struct mmu_target *t)
{
	kref_put(&t->ref, mmu_target_release);
}

void mmu_targets_assert_locked(void)
{
	lockdep_assert_held(&mmu_targets_lock);
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

static struct mmu_target *mmu_target_find(pid_t nr)
{
	struct mmu_target *t;

	lockdep_assert_held(&mmu_targets_lock);
	list_for_each_entry(t, &mmu_targets, node)
		if (t->nr == nr)
			return t;
	return NULL;
}

static void mmu_target_unlist(struct mmu_target *t);
static void mmu_target_bury(struct mmu_target *t);

/*
 * The oldest followed child that has exited, taken off the list to make
 * room for a new one; the caller buries it after dropping the lock.
 *
 * Context: mmu_targets_lock held.
 */
static struct mmu_target *mmu_target_reclaim_followed(void)
{
	struct mmu_target *t;

	lockdep_assert_held(&mmu_targets_lock);
	list_for_each_entry(t, &mmu_targets, node) {
		if (t->followed && READ_ONCE(t->exited)) {
			mmu_target_unlist(t);
			return t;
		}
	}
	return NULL;
}

/**
 * mmu_target_add_pid() - start tracing a process
 * @pid:	the process (thread-group leader); the caller keeps its reference
 * @nr:		the number the caller used, for messages
 * @flags:	MMU_TARGET_FOLLOWED for children adopted by follow=1 (not
 *		logged, bounded by follow_max, removed when they exit)
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: the target (a reference the caller must put), or ERR_PTR of
 * -EINVAL (kernel thread, thread id), -ESRCH (no such process), -EEXIST
 * (already a target, or an exited target with that number is still
 * listed), -EBUSY (the directory of a target just removed with this
 * number is still being removed), -ENOSPC, -ENOMEM, or a part's error.
 */
struct mmu_target *mmu_target_add_pid(struct pid *pid, pid_t nr,
				      unsigned int flags)
{
	bool followed = flags & MMU_TARGET_FOLLOWED;
	struct mmu_target *t, *old = NULL;
	const struct mmu_target_part *p;
	unsigned int i;
	char name[16];
	int ret;

	ret = mmu_target_check(nr, pid);
	if (ret)
		return ERR_PTR(ret);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	kref_init(&t->ref);
	t->pid = get_pid(pid);
	t->nr = pid_nr(pid);
	t->followed = followed;
	mmu_target_read_comm(t);
	for (i = 0; i < mmu_nr_parts; i++) {
		p = mmu_parts[i];
		ret = p->alloc ? p->alloc(t) : 0;
		if (ret) {
			mmu_target_free(t, i);
			return ERR_PTR(ret);
		}
	}

	mutex_lock(&mmu_targets_lock);
	ret = -EEXIST;
	if (mmu_target_find(t->nr)) {
		if (!followed)
			pr_warn_ratelimited("target %d: already a target, or an exited target with this number is still listed (remove it first)\n",
					    nr);
		goto unlock;
	}
	ret = -ENOSPC;
	if (mmu_nr_targets >= MMU_MAX_TARGETS) {
		pr_warn_ratelimited("target %d: too many targets (%d)\n",
				    nr, MMU_MAX_TARGETS);
		goto unlock;
	}
	/* At follow_max, an exited child gives its place to a live one. */
	if (followed && mmu_nr_followed >= READ_ONCE(mmu_param_follow_max)) {
		old = mmu_target_reclaim_followed();
		if (!old) {
			pr_warn_ratelimited("follow: %u live children already followed (follow_max), child %d not adopted\n",
					    mmu_nr_followed, t->nr);
			goto unlock;
		}
	}
	snprintf(name, sizeof(name), "%d", t->nr);
	t->dir = debugfs_create_dir(name, mmu_debugfs_root);
	if (IS_ERR(t->dir)) {
		ret = PTR_ERR(t->dir) == -EEXIST ? -EBUSY : PTR_ERR(t->dir);
		pr_warn_ratelimited("target %d: cannot create its directory (%d)%s\n",
				    nr, ret, ret == -EBUSY ?
				    ": the previous one is still being removed, try again" : "");
		t->dir = NULL;
		goto unlock;
	}
	list_add_tail(&t->node, &mmu_targets);
	hash_add_rcu(mmu_target_hash, &t->hnode, t->nr);
	mmu_nr_targets++;
	mmu_nr_followed += followed;
	/*
	 * A file that cannot be created (no memory) takes the target back:
	 * a target is listed with all its files or not at all.  Files made
	 * already may be open by now; as after a removal, they hold a
	 * reference and read -EIO.
	 */
	for (i = 0; i < mmu_nr_parts; i++) {
		p = mmu_parts[i];
		ret = p->create_files ? p->create_files(t) : 0;
		if (ret) {
			pr_warn_ratelimited("target %d: cannot create its files (%d)\n",
					    nr, ret);
			goto unlist;
		}
	}
	/*
	 * Hooks last: a failed attach has registered nothing, so taking the
	 * target back never unregisters probes, which can fail without
	 * memory (the kernel then warns and keeps a probe that points into
	 * this module).
	 */
	for (i = 0; i < mmu_nr_parts; i++) {
		p = mmu_parts[i];
		ret = p->count_changed ? p->count_changed(mmu_nr_targets) : 0;
		if (ret)
			goto unlist;
	}
	mmu_target_get(t);
	mutex_unlock(&mmu_targets_lock);
	if (old)
		mmu_target_bury(old);
	if (!followed)
		pr_info("target %d added\n", t->nr);
	return t;

unlist:
	mmu_target_unlist(t);
	mutex_unlock(&mmu_targets_lock);
	if (old)
		mmu_target_bury(old);
	debugfs_remove_recursive(t->dir);
	mmu_target_put(t);
	return ERR_PTR(ret);

unlock:
	mutex_unlock(&mmu_targets_lock);
	if (old)
		mmu_target_bury(old);
	mmu_target_free(t, mmu_nr_parts);
	return ERR_PTR(ret);
}

/**
 * mmu_target_add() - start tracing a process named by a user
 * @nr: process id (initial pid namespace: see mmu_target_ns_check())
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: the target (put it), or ERR_PTR: -EPERM from another pid
 * namespace, -EINVAL for a number that is not a pid, else as
 * mmu_target_add_pid().
 */
struct mmu_target *mmu_target_add(pid_t nr)
{
	struct mmu_target *t;
	struct pid *pid;

	pid = mmu_target_user_pid(nr);
	if (IS_ERR(pid))
		return ERR_CAST(pid);
	t = mmu_target_add_pid(pid, nr, 0);
	put_pid(pid);
	return t;
}

/*
 * Take @t off the list and the hash; the caller then removes its
 * directory (outside the lock) and drops the list's reference.
 *
 * Context: mmu_targets_lock held.
 */
static void mmu_target_unlist(struct mmu_target *t)
{
	const struct mmu_target_part *p;
	unsigned int i;

	lockdep_assert_held(&mmu_targets_lock);
	list_del(&t->node);
	hash_del_rcu(&t->hnode);
	/* After the unhashing: a probe that reads the new value misses @t. */
	smp_store_release(&mmu_targets_gen, mmu_targets_gen + 1);
	mmu_nr_targets--;
	mmu_nr_followed -= t->followed;
	WRITE_ONCE(t->removed, true);
	for (i = 0; i < mmu_nr_parts; i++) {
		p = mmu_parts[i];
		/* Detaching cannot fail; attaching is not asked for here. */
		if (p->count_changed)
			p->count_changed(mmu_nr_targets);
		/* Blocked readers must return before debugfs_remove waits. */
		if (p->removed)
			p->removed(t);
	}
}

/* Context: process context, mmu_targets_lock not held. */
static void mmu_target_bury(struct mmu_target *t)
{
	debugfs_remove_recursive(t->dir);
	mmu_target_put(t);
}

static int mmu_target_remove_locked(struct mmu_target *t, pid_t nr)
{
	if (!t) {
		mutex_unlock(&mmu_targets_lock);
		pr_warn_ratelimited("remove %d: not a target\n", nr);
		return -ENOENT;
	}
	mmu_target_unlist(t);
	mutex_unlock(&mmu_targets_lock);
	mmu_target_bury(t);
	return 0;
}

/**
 * mmu_target_remove() - stop tracing a process
 * @nr: pid number as listed in targets
 *
 * Files of the target that are still open keep working on the detached
 * target until closed (they hold a reference).
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: 0 or -ENOENT (not a target), -EINVAL (bad number), -EPERM (from
 * another pid namespace).
 */
int mmu_target_remove(pid_t nr)
{
	int ret;

	ret = mmu_target_check_nr("remove", nr);
	if (ret)
		return ret;
	mutex_lock(&mmu_targets_lock);
	ret = mmu_target_remove_locked(mmu_target_find(nr), nr);
	if (!ret)
		pr_info("target %d removed\n", nr);
	return ret;
}

/**
 * mmu_target_get_nr() - the target listed as @nr, referenced
 * @nr: pid number as listed in targets
 *
 * Context: process context; takes mmu_targets_lock.
 * Return: the target (put it), or ERR_PTR(-ENOENT) when @nr is not one,
 * -EPERM from another pid namespace (mmu_target_ns_check()).
 */
struct mmu_target *mmu_target_get_nr(pid_t nr)
{
	struct mmu_target *t;
	int ret;

	ret = mmu_target_ns_check("target", nr);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&mmu_targets_lock);
	t = mmu_target_find(nr);
	if (t)
		mmu_target_get(t);
	mutex_unlock(&mmu_targets_lock);
	return t ? t : ERR_PTR(-ENOENT);
}

/* `targets`: one pid per line (initial namespace, the directory names). */
void mmu_targets_show(struct seq_file *m)
{
	struct mmu_target *t;

	mutex_lock(&mmu_targets_lock);
	list_for_each_entry(t, &mmu_targets, node)
		seq_printf(m, "%d\n", t->nr);
	mutex_unlock(&mmu_targets_lock);
}

/* Context: module unload; every target's grace period is waited once. */
void mmu_targets_remove_all(void)
{
	struct mmu_target *t, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&mmu_targets_lock);
	list_for_each_entry_safe(t, tmp, &mmu_targets, node) {
		mmu_target_unlist(t);
		list_add_tail(&t->node, &dead);
	}
	mutex_unlock(&mmu_targets_lock);
	list_for_each_entry_safe(t, tmp, &dead, node)
		mmu_target_bury(t);
}

/**
 * mmu_targets_init() - give the object layer its parts
 * @parts:	per-target features, called in order (released in order too)
 * @n:		number of parts
 *
 * Context: module load, before any target exists.
 */
int mmu_targets_init(const struct mmu_target_part *const *parts,
		     unsigned int n)
{
	/* Unbound: 7.x warns about a workqueue that names neither kind. */
	mmu_release_wq = alloc_workqueue("mmuscope_release", WQ_UNBOUND, 0);
	if (!mmu_release_wq)
		return -ENOMEM;
	mmu_parts = parts;
	mmu_nr_parts = n;
	return 0;
}

/* Context: module unload, after mmu_targets_remove_all(). */
void mmu_targets_exit(void)
{
	/* queue_rcu_work() queues from an RCU callback: wait for those. */
	rcu_barrier();
	destroy_workqueue(mmu_release_wq);
}
