/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: shared declarations of the module's parts.
 *
 * Pipeline:  targets (target.c) -> walker (walk.c) -> decoders (decode_*.c)
 *            -> debugfs views (views.c);
 *            fault hooks (faults.c) -> per-CPU stats/events -> debugfs views.
 */
#ifndef _MMUSCOPE_H
#define _MMUSCOPE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#define MMUSCOPE_VERSION	"0.1.0"
#define MMUSCOPE_FORMAT		1

struct dentry;
struct mmu_fault_target;
struct seq_file;
struct inode;
struct file;

/**
 * struct mmu_target - one traced process
 * @ref:	lifetime; the targets list holds one reference, every open file
 *		of the target's directory holds one (taken in ->open).
 * @node:	entry in the targets list, under target.c's lock.
 * @hnode:	entry in the RCU hash the fault probes look targets up in.
 * @pid:	the process's struct pid (tgid); a reused number is a different
 *		struct pid, so an exited target stays exited.
 * @nr:		pid number in the initial namespace (directory name, hash key).
 * @dir:	debugfs directory <nr>/.
 * @removed:	set once removed from the list; blocking readers wake up and
 *		return.
 * @followed:	adopted by follow=1 (bounded by follow_max).
 * @exited:	its last thread has exited (set by the fault hooks' exit
 *		probe); an exited followed child's place may be reclaimed.
 * @comm:	command name when added, refreshed when its last thread exits
 *		(<pid>/comm: exited targets keep a name).
 * @xlate_lock:	protects @xlate_va / @xlate_set (the last address written to
 *		translate) and the per-open-file copies of views.c.
 * @faults:	fault statistics and event buffer, owned by faults.c.
 * @free_work:	frees the target one RCU grace period after the last put.
 */
struct mmu_target {
	struct kref ref;
	struct list_head node;
	struct hlist_node hnode;
	struct pid *pid;
	pid_t nr;
	struct dentry *dir;
	bool removed;
	bool followed;
	bool exited;
	char comm[TASK_COMM_LEN];
	struct mutex xlate_lock;	/* see @xlate_lock above */
	unsigned long xlate_va;
	bool xlate_set;
	struct mmu_fault_target *faults;
	struct rcu_work free_work;
};

/**
 * struct mmu_target_part - a per-target feature, as the object layer sees it
 * @alloc:	allocate the feature's state before the target is visible.
 * @count_changed: the number of targets changed (under the targets lock);
 *		an error refuses the addition that caused it.
 * @create_files: create the feature's files in t->dir; on error the target
 *		is taken back and its directory removed with what it holds.
 * @removed:	the target left the list: wake blocked readers.
 * @release:	free the feature's state, one RCU grace period after the
 *		target left the hash (or when it never entered it).
 */
struct mmu_target_part {
	int (*alloc)(struct mmu_target *t);
	int (*count_changed)(unsigned int nr_targets);
	int (*create_files)(struct mmu_target *t);
	void (*removed)(struct mmu_target *t);
	void (*release)(struct mmu_target *t);
};

/* target.c: the object layer; knows its parts only through the table */
#define MMU_TARGET_FOLLOWED	BIT(0)

extern struct dentry *mmu_debugfs_root;

int mmu_targets_init(const struct mmu_target_part *const *parts,
		     unsigned int n);
void mmu_targets_exit(void);
struct mmu_target *mmu_target_add(pid_t nr);
struct mmu_target *mmu_target_add_pid(struct pid *pid, pid_t nr,
				      unsigned int flags);
int mmu_target_remove(pid_t nr);
struct mmu_target *mmu_target_get_nr(pid_t nr);
void mmu_targets_remove_all(void);
void mmu_targets_show(struct seq_file *m);
void mmu_targets_assert_locked(void);
struct mmu_target *mmu_target_lookup_rcu(pid_t tgid);

extern unsigned long mmu_targets_gen;

/*
 * The targets' generation, bumped each time a target leaves the hash.  A
 * probe may use what it found of a target in an earlier RCU read-side
 * section (a pointer kept across a sleeping handler) if the generation it
 * read before that lookup is still the current one: a target is freed a
 * grace period after it leaves the hash, and that grace period begins
 * after the bump.
 *
 * Context: rcu_read_lock() or preemption disabled.
 */
static inline unsigned long mmu_targets_gen_read(void)
{
	/* Pairs with the release in mmu_target_unlist(). */
	return smp_load_acquire(&mmu_targets_gen);
}

void mmu_target_get(struct mmu_target *t);
void mmu_target_put(struct mmu_target *t);

/* target_pid.c: a target's process; knows nothing of the list */
int mmu_target_ns_check(const char *what, pid_t nr);
int mmu_target_check_nr(const char *what, pid_t nr);
struct pid *mmu_target_user_pid(pid_t nr);
int mmu_target_check(pid_t nr, struct pid *pid);
void mmu_target_read_comm(struct mmu_target *t);
struct mm_struct *mmu_target_get_mm(struct mmu_target *t);
void mmu_target_exited(struct mmu_target *t, const char *comm);

/* target_file.c: a target's single_open() files hold a reference on it */
int mmu_target_single_open(struct inode *inode, struct file *file,
			   int (*show)(struct seq_file *, void *));
int mmu_target_single_release(struct inode *inode, struct file *file);

/* input.c: one bounded input helper for every writable file and parameter */
#define MMU_TARGETS_CMD_MAX	24	/* "+PID\n" and NUL, with room to spare */
ssize_t mmu_copy_input(char *buf, size_t size, const char __user *ubuf,
		       size_t count, loff_t *ppos);
ssize_t mmu_param_input(char *buf, size_t size, const char *val);
int mmu_targets_command(const char *buf);
int mmu_parse_user_addr(const char *buf, unsigned long *va);

/* params.c: control through sysfs parameters (allowed under lockdown) */
void mmu_params_set_live(bool live);

/* comm.c: <pid>/comm */
extern const struct mmu_target_part mmu_comm_part;

/* views.c: maps, translate, summary */
extern const struct mmu_target_part mmu_views_part;
void mmu_views_load_report(struct mmu_target *t, bool dump);
void mmu_target_set_xlate(struct mmu_target *t, unsigned long va);

/* vmas.c: <pid>/vmas, the per-VMA rollup */
extern const struct mmu_target_part mmu_vmas_part;

/* faults.c: hooks, per-target stats and event stream */
extern const struct mmu_target_part mmu_faults_part;
int mmu_faults_init(void);
void mmu_faults_exit(void);
int mmu_faults_reset(struct mmu_target *t);

/* module parameters shared between parts */
extern bool mmu_param_follow;
extern unsigned int mmu_param_follow_max;

#endif /* _MMUSCOPE_H */
