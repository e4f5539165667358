// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope: control through module parameters.
 *
 * Under kernel lockdown (integrity and up) debugfs refuses every open of a
 * file with a write bit, so the targets, translate and fault_stats writes
 * cannot be made.  Module parameters in sysfs are not restricted by lockdown
 * (only hardware parameters are), so each command also has a write-only
 * parameter in /sys/module/mmuscope/parameters, which takes the same input
 * through the same helpers:
 *
 *   targets       "PID" or "+PID" adds a target, "-PID" removes one
 *   translate     "PID ADDR" sets the address that PID's translate.ro shows
 *                 (the target's last address: last writer wins, as for a
 *                 write to translate followed by a new open)
 *   reset_faults  "PID" zeroes that target's fault counters
 *
 * and every 0600 file has a 0400 twin NAME.ro to read the result.  They are
 * commands, not settings: refused at load time (target_pid= is for that),
 * and taken only while the module is live (set by mmu_params_set_live()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "mmuscope.h"

/* Under kernel_param_lock(THIS_MODULE), which sysfs holds around ->set. */
static bool mmu_params_live;

/**
 * mmu_params_set_live() - accept or refuse commands through parameters
 * @live:	true once the module's files exist, false before it tears down
 *
 * Context: process context; takes kernel_param_lock, so a command that is
 * being applied finishes before this returns.
 */
void mmu_params_set_live(bool live)
{
	kernel_param_lock(THIS_MODULE);
	mmu_params_live = live;
	kernel_param_unlock(THIS_MODULE);
}

static int mmu_param_check_live(const struct kernel_param *kp)
{
	if (mmu_params_live)
		return 0;
	pr_warn_ratelimited("%s: a command for the loaded module, not a load-time setting (see target_pid=)\n",
			    kp->name);
	return -EINVAL;
}

/*
 * "PID": the pid of a target, with a reference (none if it is not one).
 * Context: process context; takes the targets lock.
 */
static int mmu_param_target(const char *name, const char *s,
			    struct mmu_target **tp)
{
	struct mmu_target *t;
	int nr;

	if (*s < '0' || *s > '9' || kstrtoint(s, 10, &nr) || nr <= 0) {
		pr_warn_ratelimited("%s: \"%s\" is not a pid\n", name, s);
		return -EINVAL;
	}
	t = mmu_target_get_nr(nr);
	if (!IS_ERR(t)) {
		*tp = t;
		return 0;
	}
	if (PTR_ERR(t) != -ENOENT)
		return PTR_ERR(t);
	pr_warn_ratelimited("%s: %d is not a target\n", name, nr);
	return -ENOENT;
}

static int mmu_param_targets_set(const char *val, const struct kernel_param *kp)
{
	char buf[MMU_TARGETS_CMD_MAX];
	int ret;

	ret = mmu_param_check_live(kp);
	if (ret)
		return ret;
	if (mmu_param_input(buf, sizeof(buf), val) < 0) {
		pr_warn_ratelimited("targets: write \"PID\", \"+PID\" or \"-PID\"\n");
		return -EINVAL;
	}
	return mmu_targets_command(buf);
}

static int mmu_param_translate_set(const char *val, const struct kernel_param *kp)
{
	struct mmu_target *t;
	unsigned long va;
	char buf[64], *addr;
	int ret;

	ret = mmu_param_check_live(kp);
	if (ret)
		return ret;
	addr = mmu_param_input(buf, sizeof(buf), val) < 0 ? NULL :
	       strchr(buf, ' ');
	if (!addr) {
		pr_warn_ratelimited("translate: write \"PID ADDR\", e.g. \"1234 0x7f0000001000\"\n");
		return -EINVAL;
	}
	*addr++ = '\0';
	/* Check the address first: a bad one must not depend on the pid. */
	if (mmu_parse_user_addr(addr, &va))
		return -EINVAL;
	ret = mmu_param_target("translate", buf, &t);
	if (ret)
		return ret;
	mmu_target_set_xlate(t, va);
	mmu_target_put(t);
	return 0;
}

static int mmu_param_reset_set(const char *val, const struct kernel_param *kp)
{
	struct mmu_target *t;
	char buf[MMU_TARGETS_CMD_MAX];
	int ret;

	ret = mmu_param_check_live(kp);
	if (ret)
		return ret;
	if (mmu_param_input(buf, sizeof(buf), val) < 0) {
		pr_warn_ratelimited("reset_faults: write the pid of a target\n");
		return -EINVAL;
	}
	ret = mmu_param_target("reset_faults", buf, &t);
	if (ret)
		return ret;
	ret = mmu_faults_reset(t);
	mmu_target_put(t);
	return ret;
}

static const struct kernel_param_ops mmu_targets_ops = {
	.set = mmu_param_targets_set,
};

static const struct kernel_param_ops mmu_translate_ops = {
	.set = mmu_param_translate_set,
};

static const struct kernel_param_ops mmu_reset_ops = {
	.set = mmu_param_reset_set,
};

/* Write-only: the results are read from debugfs (targets.ro, NAME.ro). */
module_param_cb(targets, &mmu_targets_ops, NULL, 0200);
MODULE_PARM_DESC(targets, "command: \"PID\"/\"+PID\" adds a target, \"-PID\" removes one (works under lockdown)");
module_param_cb(translate, &mmu_translate_ops, NULL, 0200);
MODULE_PARM_DESC(translate, "command: \"PID ADDR\" sets the address PID/translate.ro shows (works under lockdown)");
module_param_cb(reset_faults, &mmu_reset_ops, NULL, 0200);
MODULE_PARM_DESC(reset_faults, "command: \"PID\" zeroes that target's fault counters (works under lockdown)");
