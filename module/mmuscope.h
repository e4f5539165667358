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
#include <linux/types.h>

#define MMUSCOPE_VERSION	"0.1.0"
#define MMUSCOPE_FORMAT		1

struct dentry;
struct mmu_fault_target;

/**
 * struct mmu_target - one traced process
 * @ref:	lifetime; the targets list holds one reference, every open file
 *		of the target's directory holds one (taken in ->open).
 * @node:	entry in the targets list, under mmu_targets_lock.
 * @hnode:	entry in the RCU hash the fault probes look targets up in.
 * @pid:	the process's struct pid (tgid); a reused number is a different
 *		struct pid, so an exited target stays exited.
 * @nr:		pid number in the initial namespace (directory name, hash key).
 * @dir:	debugfs directory <nr>/.
 * @removed:	set (under mmu_targets_lock) once removed from the list;
 *		blocking readers wake up and return.
 * @xlate_lock:	protects @xlate_va / @xlate_set (the last address written to
 *		translate) and the per-open-file copies of views.c.
 * @faults:	fault statistics and event buffer, owned by faults.c.
 * @rcu:	deferred free, after the probes' read-side sections.
 */
struct mmu_target {
	struct kref ref;
	struct list_head node;
	struct hlist_node hnode;
	struct pid *pid;
	pid_t nr;
	struct dentry *dir;
	bool removed;
	struct mutex xlate_lock;	/* see @xlate_lock above */
	unsigned long xlate_va;
	bool xlate_set;
	struct mmu_fault_target *faults;
	struct rcu_head rcu;
};

/* target.c */
extern struct dentry *mmu_debugfs_root;
extern struct mutex mmu_targets_lock;
extern struct list_head mmu_targets;
extern unsigned int mmu_nr_targets;

int mmu_target_add(pid_t nr, bool quiet);
int mmu_target_remove(pid_t nr);
void mmu_targets_remove_all(void);
struct mmu_target *mmu_target_lookup_rcu(pid_t tgid);
void mmu_target_get(struct mmu_target *t);
void mmu_target_put(struct mmu_target *t);
struct mm_struct *mmu_target_get_mm(struct mmu_target *t);

/* input.c: one bounded input helper for every writable file and parameter */
#define MMU_TARGETS_CMD_MAX	24	/* "+PID\n" and NUL, with room to spare */
ssize_t mmu_copy_input(char *buf, size_t size, const char __user *ubuf,
		       size_t count, loff_t *ppos);
ssize_t mmu_param_input(char *buf, size_t size, const char *val);
int mmu_targets_command(const char *buf);
int mmu_parse_user_addr(const char *buf, unsigned long *va);

/* params.c: control through sysfs parameters (allowed under lockdown) */
void mmu_params_set_live(bool live);

/* views.c: maps, translate, summary */
void mmu_views_create(struct mmu_target *t);
void mmu_views_load_report(struct mmu_target *t, bool dump);
void mmu_target_set_xlate(struct mmu_target *t, unsigned long va);

/* faults.c: hooks, per-target stats and event stream */
int mmu_faults_init(void);
void mmu_faults_exit(void);
int mmu_faults_target_alloc(struct mmu_target *t);
void mmu_faults_target_free(struct mmu_target *t);
void mmu_faults_create_files(struct mmu_target *t);
void mmu_faults_target_removed(struct mmu_target *t);
void mmu_faults_targets_changed(void);
int mmu_faults_reset(struct mmu_target *t);

/* module parameters shared between parts */
extern bool mmu_param_follow;

#endif /* _MMUSCOPE_H */
