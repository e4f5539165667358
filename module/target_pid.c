// SPDX-License-Identifier: GPL-2.0
/* mmuscope: a target's process: pid checks, its mm and its command name. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include "mmuscope.h"

/*
 * Pid numbers written by users are numbers of the initial pid namespace,
 * the namespace of the directory names and of the stream's pid/tid: a
 * writer in another pid namespace would name other processes than it
 * means, so it is refused (debugfs and module parameters are host-wide).
 */
int mmu_target_ns_check(const char *what, pid_t nr)
{
	if (task_active_pid_ns(current) == &init_pid_ns)
		return 0;
	pr_warn_ratelimited("%s %d: refused from a pid namespace other than the initial one (pids here are host pids)\n",
			    what, nr);
	return -EPERM;
}

/*
 * A pid number a user wrote for @what ("target", "remove"): from the
 * initial pid namespace and positive.  Return: 0, -EPERM or -EINVAL.
 */
int mmu_target_check_nr(const char *what, pid_t nr)
{
	int ret;

	ret = mmu_target_ns_check(what, nr);
	if (ret)
		return ret;
	if (nr <= 0) {
		pr_warn_ratelimited("%s %d: not a valid pid\n", what, nr);
		return -EINVAL;
	}
	return 0;
}

/*
 * The struct pid of the process a user named to add (put_pid() it).
 * Return: it, or ERR_PTR of mmu_target_check_nr()'s errors or -ESRCH.
 */
struct pid *mmu_target_user_pid(pid_t nr)
{
	struct pid *pid;
	int ret;

	ret = mmu_target_check_nr("target", nr);
	if (ret)
		return ERR_PTR(ret);
	pid = find_get_pid(nr);
	if (!pid) {
		pr_warn_ratelimited("target %d: no such process\n", nr);
		return ERR_PTR(-ESRCH);
	}
	return pid;
}

/* Check that @pid names a live user process; log why not. */
int mmu_target_check(pid_t nr, struct pid *pid)
{
	struct task_struct *task;
	struct mm_struct *mm;
	int ret = 0;

	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		pr_warn_ratelimited("target %d: no such process\n", nr);
		return -ESRCH;
	}
	if (task->flags & PF_KTHREAD) {
		pr_warn_ratelimited("target %d: %s is a kernel thread, it has no mm\n",
				    nr, task->comm);
		ret = -EINVAL;
		goto put_task;
	}
	if (!thread_group_leader(task)) {
		pr_warn_ratelimited("target %d: is a thread of process %d; give the process id\n",
				    nr, task_tgid_nr(task));
		ret = -EINVAL;
		goto put_task;
	}
	mm = get_task_mm(task);
	if (!mm) {
		pr_warn_ratelimited("target %d: process is exiting\n", nr);
		ret = -ESRCH;
		goto put_task;
	}
	mmput(mm);
put_task:
	put_task_struct(task);
	return ret;
}

/* The command name of a process being added (it lives: just checked). */
void mmu_target_read_comm(struct mmu_target *t)
{
	struct task_struct *task = get_pid_task(t->pid, PIDTYPE_PID);

	if (task) {
		get_task_comm(t->comm, task);
		put_task_struct(task);
	}
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

/**
 * mmu_target_exited() - the target's last thread is exiting
 * @t:		the target
 * @comm:	its command name now (the exiting task's own)
 *
 * Context: any, also probes: a plain copy, no lock (a reader of <pid>/comm
 * racing with it may see a mix of the old and new name).
 */
void mmu_target_exited(struct mmu_target *t, const char *comm)
{
	strscpy(t->comm, comm, sizeof(t->comm));
	WRITE_ONCE(t->exited, true);
}
