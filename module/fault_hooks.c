// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the page-fault probes and their attachment. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include "compat.h"
#include "faults.h"
#include "mmuscope.h"

/* Per-CPU recursion guard shared by every probe of this file. */
static DEFINE_PER_CPU(int, mmu_fault_guard);

static bool mmu_guard_enter(void)
{
	if (this_cpu_inc_return(mmu_fault_guard) != 1) {
		this_cpu_dec(mmu_fault_guard);
		return false;
	}
	return true;
}

static void mmu_guard_exit(void)
{
	this_cpu_dec(mmu_fault_guard);
}

/*
 * The target of the current thread group.  A fault belongs to the target
 * whose thread takes it; GUP on its mm from other processes does not.
 *
 * Context: rcu_read_lock() held.
 */
static struct mmu_target *mmu_fault_lookup(void)
{
	struct mmu_target *t = mmu_target_lookup_rcu(current->tgid);

	/* A reused pid number is not the target (it holds its struct pid). */
	if (!t || t->pid != task_tgid(current))
		return NULL;
	return t;
}

/*
 * Start of a probe: current's fault target and its open slot (NULL if
 * none).  Return: false if current is not traced, or is inside a fault
 * whose handler is running (a nested fault: counted, not timed).
 *
 * Context: rcu_read_lock() held.
 */
static bool mmu_fault_begin(struct mmu_fault_target **fp,
			    struct mmu_fault_slot **sp)
{
	struct mmu_target *t = mmu_fault_lookup();

	if (!t)
		return false;
	*fp = t->faults;
	*sp = mmu_slot_find(*fp);
	if (*sp && (*sp)->busy) {
		mmu_fault_anomaly(*fp, MMU_FA_NESTED);
		return false;
	}
	return true;
}

/*
 * The fault a thread just opened at the exception tracepoint, for its
 * handle_mm_fault() entry, which normally follows on the same CPU before
 * anything else faults there: the entry then skips the target and slot
 * lookups.  Valid while @gen is the targets' generation and the slot is
 * still @task's (mmu_fault_opened_get()).
 */
struct mmu_fault_opened {
	struct task_struct *task;
	struct mmu_fault_target *f;
	struct mmu_fault_slot *s;
	unsigned long gen;
};

static DEFINE_PER_CPU(struct mmu_fault_opened, mmu_fault_opened);

/*
 * Context: IRQs off (the tracepoint), or preemption disabled; under
 * rcu_read_lock() with @gen read before the lookup that found @f.
 */
static void mmu_fault_opened_set(struct mmu_fault_target *f,
				 struct mmu_fault_slot *s, unsigned long gen)
{
	struct mmu_fault_opened *o = this_cpu_ptr(&mmu_fault_opened);

	o->task = current;
	o->f = f;
	o->s = s;
	o->gen = gen;
}

/*
 * The fault current opened on this CPU, if it is still current's and no
 * target has left since (then @f is alive: mmu_targets_gen_read()).
 *
 * Context: preemption disabled, rcu_read_lock() held, @gen read in it.
 */
static bool mmu_fault_opened_get(struct mmu_fault_target **fp,
				 struct mmu_fault_slot **sp,
				 unsigned long gen)
{
	struct mmu_fault_opened *o = this_cpu_ptr(&mmu_fault_opened);

	if (o->task != current || o->gen != gen ||
	    READ_ONCE(o->s->owner) != (unsigned long)current)
		return false;
	*fp = o->f;
	*sp = o->s;
	return true;
}

/*
 * Bench builds: -DMMU_FAULT_PROBE_FLOOR=1 attaches every hook but does
 * nothing in them (the entry handler still arms the return probe): traced
 * through it, a workload pays only for the attachment itself.  =2 also
 * finds the target at the tracepoint and the entry (the entry: the slot
 * too) and stops there; the return, whose ri->data the entry left
 * unset, stops before it touches a slot.
 * (docs/benchmarks.md, "the floor").  0 in every normal build.
 */
#ifndef MMU_FAULT_PROBE_FLOOR
#define MMU_FAULT_PROBE_FLOOR	0
#endif

/*
 * ri->data of the handle_mm_fault kretprobe: what the return handler
 * needs, the fault's target and slot included, which stay valid while
 * @gen is the targets' generation (mmu_targets_gen_read()).
 */
struct mmu_hmf_data {
	u64 start;
	struct pt_regs *fregs;
	struct mmu_fault_target *f;
	struct mmu_fault_slot *s;
	unsigned long gen;
	unsigned int flags;
};

/*
 * handle_mm_fault(vma, address, flags, regs) entry.  Returning non-zero
 * skips the return handler for this call.
 *
 * Context: kprobe handler, preemption disabled; the caller holds the mmap
 * or VMA lock.
 */
static int mmu_hmf_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)regs_get_kernel_argument(regs, 0);
	unsigned long address = regs_get_kernel_argument(regs, 1);
	unsigned int flags = regs_get_kernel_argument(regs, 2);
	struct pt_regs *fregs = (void *)regs_get_kernel_argument(regs, 3);
	struct mmu_hmf_data *d = (void *)ri->data;
	struct mmu_fault_target *f;
	struct mmu_fault_slot *s;
	unsigned long gen;
	int skip = 1;

	if (MMU_FAULT_PROBE_FLOOR == 1)
		return 0;
	/* No regs: GUP on behalf of a syscall, not a page fault. */
	if (!fregs || !in_task())
		return 1;
	if (!mmu_guard_enter())
		return 1;
	rcu_read_lock();
	gen = mmu_targets_gen_read();
	if (mmu_fault_opened_get(&f, &s, gen)) {
		if (s->busy) {
			mmu_fault_anomaly(f, MMU_FA_NESTED);
			goto out;
		}
	} else if (!mmu_fault_begin(&f, &s)) {
		goto out;
	}
	if (MMU_FAULT_PROBE_FLOOR == 2) {
		skip = 0;
		goto out;
	}
	if (s && s->calls && !s->has_err &&
	    (s->va != address || s->ip != instruction_pointer(fregs))) {
		/*
		 * Without an exception hook a slot left open by a retried
		 * fault that then ended elsewhere (arm64: the VMA vanished
		 * before the retry, bad area) must not lend its start time
		 * to this new fault.  A retry repeats the address and ip.
		 */
		mmu_fault_anomaly(f, MMU_FA_UNPAIRED);
		mmu_slot_open(s, ktime_get_mono_fast_ns(), address,
			      instruction_pointer(fregs), 0, false,
			      user_mode(fregs));
	}
	if (!s) {
		/* No exception hook on this arch, or it missed the entry. */
		s = mmu_slot_claim(f);
		if (!s) {
			mmu_fault_anomaly(f, MMU_FA_OVERFLOW);
			goto out;
		}
		mmu_slot_open(s, ktime_get_mono_fast_ns(), address,
			      instruction_pointer(fregs), 0, false,
			      user_mode(fregs));
	}
	if (!s->calls) {
		s->classes |= mmu_fault_classify(vma, address, flags, s->has_err);
		mmu_fault_vma_capture(&s->vma, vma);
	}
	s->busy = 1;
	d->start = ktime_get_mono_fast_ns();
	d->fregs = fregs;
	d->f = f;
	d->s = s;
	d->gen = gen;
	d->flags = flags;
	skip = 0;
out:
	rcu_read_unlock();
	mmu_guard_exit();
	return skip;
}

/*
 * handle_mm_fault() return: a VM_FAULT_RETRY keeps the fault open for the
 * retry (counted once), unless the arch handler gives up on a signal.
 *
 * Context: kretprobe handler, preemption disabled.
 */
static int mmu_hmf_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct mmu_hmf_data *d = (void *)ri->data;
	struct mmu_fault_target *f = d->f;
	struct mmu_fault_slot *s = d->s;
	unsigned int result;
	u64 now;

	if (MMU_FAULT_PROBE_FLOOR == 1 || !mmu_guard_enter())
		return 0;
	rcu_read_lock();
	/*
	 * The entry's target and slot, unless a target left the hash while
	 * the handler ran: then the target may be gone, look again.
	 */
	if (d->gen != mmu_targets_gen_read()) {
		struct mmu_target *t = mmu_fault_lookup();

		if (!t)
			goto out;
		f = t->faults;
		s = mmu_slot_find(f);
	}
	if (MMU_FAULT_PROBE_FLOOR == 2 || !s ||
	    READ_ONCE(s->owner) != (unsigned long)current || !s->busy)
		goto out;
	now = ktime_get_mono_fast_ns();
	s->handler_ns += now - d->start;
	s->calls++;
	s->busy = 0;
	if (ret & VM_FAULT_RETRY) {
		s->classes |= BIT(MMU_FC_RETRY);
		if (!fault_signal_pending(ret, d->fregs))
			goto out;
		result = MMU_FC_INTERRUPTED;
	} else if (ret & VM_FAULT_OOM) {
		result = MMU_FC_OOM;
	} else if (ret & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON |
			  VM_FAULT_HWPOISON_LARGE)) {
		result = MMU_FC_SIGBUS;
	} else if (ret & VM_FAULT_SIGSEGV) {
		result = MMU_FC_SIGSEGV;
	} else if ((ret & VM_FAULT_MAJOR) || (d->flags & FAULT_FLAG_TRIED)) {
		/* As mm_account_fault() counts major faults for perf. */
		result = MMU_FC_MAJOR;
	} else {
		result = MMU_FC_MINOR;
	}
	mmu_slot_close(f, s, result, now);
out:
	rcu_read_unlock();
	mmu_guard_exit();
	return 0;
}

static struct kretprobe mmu_hmf_probe;
static unsigned long mmu_hmf_nmissed;	/* of earlier attachments */

static void mmu_hmf_probe_init(void)
{
	memset(&mmu_hmf_probe, 0, sizeof(mmu_hmf_probe));
	mmu_hmf_probe.kp.symbol_name = "handle_mm_fault";
	mmu_hmf_probe.entry_handler = mmu_hmf_entry;
	mmu_hmf_probe.handler = mmu_hmf_return;
	mmu_hmf_probe.data_size = sizeof(struct mmu_hmf_data);
	/* Faults sleep (I/O, locks): too few instances drop the slow ones. */
	mmu_hmf_probe.maxactive = max_t(int, 256, 32 * num_possible_cpus());
}

/*
 * Exception entry tracepoint (x86 exceptions:page_fault_user/_kernel):
 * opens the fault's slot with the hardware error code.
 *
 * Context: IRQs off, may be NMI (ignored), before any fault handling.
 */
static void mmu_tp_page_fault(void *data, unsigned long address,
			      struct pt_regs *regs, unsigned long error_code)
{
	struct mmu_fault_target *f;
	struct mmu_fault_slot *s;
	struct mmu_target *t;
	unsigned long gen;
	bool fresh;

	/* Atomic-context faults never reach handle_mm_fault for current. */
	if (MMU_FAULT_PROBE_FLOOR == 1 || in_nmi() || !in_task() ||
	    address >= TASK_SIZE_MAX)
		return;
	if (!mmu_guard_enter())
		return;
	rcu_read_lock();
	gen = mmu_targets_gen_read();
	t = mmu_fault_lookup();
	if (!t || MMU_FAULT_PROBE_FLOOR == 2)
		goto out;
	f = t->faults;
	s = mmu_slot_find_or_claim(f, &fresh);
	if (!s) {
		mmu_fault_anomaly(f, MMU_FA_OVERFLOW);
		goto out;
	}
	if (!fresh) {
		if (s->busy) {
			mmu_fault_anomaly(f, MMU_FA_NESTED);
			goto out;
		}
		/* The previous fault ended on a path we do not hook. */
		mmu_fault_anomaly(f, MMU_FA_UNPAIRED);
	}
	mmu_slot_open(s, ktime_get_mono_fast_ns(), address,
		      instruction_pointer(regs), error_code, true,
		      user_mode(regs));
	mmu_fault_opened_set(f, s, gen);
out:
	rcu_read_unlock();
	mmu_guard_exit();
}

/* Where a fault ends without handle_mm_fault(): see compat.h. */
static const char * const mmu_bad_area_syms[] = MMU_BAD_AREA_SYMS;

/* Context: kprobe handler, preemption disabled. */
static int mmu_bad_area_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct pt_regs *fregs = (void *)regs_get_kernel_argument(regs, 0);
	struct mmu_fault_slot *s;
	struct mmu_target *t;

	if (!in_task() || !mmu_guard_enter())
		return 0;
	rcu_read_lock();
	t = mmu_fault_lookup();
	if (!t)
		goto out;
	s = mmu_slot_find(t->faults);
	if (s && !s->busy)
		mmu_slot_close(t->faults, s,
			       user_mode(fregs) ? MMU_FC_SIGSEGV : MMU_FC_FIXUP,
			       ktime_get_mono_fast_ns());
out:
	rcu_read_unlock();
	mmu_guard_exit();
	return 0;
}

static struct kprobe mmu_bad_area_probes[ARRAY_SIZE(mmu_bad_area_syms)];
static bool mmu_bad_area_on[ARRAY_SIZE(mmu_bad_area_syms)];

/*
 * sched_process_exit, in the exiting task: a slot it still owns belongs
 * to a fault that ended on a path we do not hook (counted unpaired); when
 * the last thread exits, the target layer learns it (its name is kept, a
 * followed child's place can be reclaimed).  Newer kernels pass more
 * arguments after @p: only @p is read.
 *
 * Context: current == @p, may not sleep.
 */
static void mmu_tp_exit(void *data, struct task_struct *p)
{
	struct mmu_fault_slot *s;
	struct mmu_target *t;

	if (!mmu_guard_enter())
		return;
	rcu_read_lock();
	t = mmu_fault_lookup();
	if (!t)
		goto out;
	s = mmu_slot_find(t->faults);
	if (s) {
		mmu_fault_anomaly(t->faults, MMU_FA_UNPAIRED);
		/* As mmu_slot_close(): our reads before another's claim. */
		smp_store_release(&s->owner, 0);
	}
	if (!atomic_read(&p->signal->live))
		mmu_target_exited(t, p->comm);
out:
	rcu_read_unlock();
	mmu_guard_exit();
}

struct mmu_tp_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool on;
};

enum { MMU_TP_FAULT_USER, MMU_TP_FAULT_KERNEL, MMU_TP_FORK, MMU_TP_EXIT };

static struct mmu_tp_hook mmu_tp_hooks[] = {
	[MMU_TP_FAULT_USER]	= { "page_fault_user", mmu_tp_page_fault },
	[MMU_TP_FAULT_KERNEL]	= { "page_fault_kernel", mmu_tp_page_fault },
	[MMU_TP_FORK]		= { "sched_process_fork", mmu_follow_tp_fork },
	[MMU_TP_EXIT]		= { "sched_process_exit", mmu_tp_exit },
};

static bool mmu_hooks_on;

static void mmu_tp_find(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mmu_tp_hooks); i++)
		if (!strcmp(tp->name, mmu_tp_hooks[i].name))
			mmu_tp_hooks[i].tp = tp;
}

/* Context: module load. */
int mmu_fault_hooks_init(void)
{
	for_each_kernel_tracepoint(mmu_tp_find, NULL);
	if (!mmu_tp_hooks[MMU_TP_FAULT_USER].tp)
		pr_info("no page_fault_user tracepoint: faults are timed from handle_mm_fault entry\n");
	return 0;
}

/* Context: module unload, after every target is gone (hooks detached). */
void mmu_fault_hooks_exit(void)
{
	mmu_follow_drain();
}

bool mmu_fault_hooks_attached(void)
{
	return READ_ONCE(mmu_hooks_on);
}

const char *mmu_fault_entry_hook(void)
{
	return READ_ONCE(mmu_tp_hooks[MMU_TP_FAULT_USER].on) ?
	       "tracepoint" : "kretprobe";
}

unsigned long mmu_fault_hooks_nmissed(void)
{
	return READ_ONCE(mmu_hmf_nmissed) +
	       (mmu_fault_hooks_attached() ? READ_ONCE(mmu_hmf_probe.nmissed) : 0);
}

/**
 * mmu_fault_hooks_attach() - start tracing faults
 *
 * The handle_mm_fault kretprobe goes first, so that no entry is opened
 * that nothing would close.  Missing optional hooks are logged.
 *
 * Context: the targets lock held; sleeps.
 * Return: 0 or the kretprobe's registration error.
 */
int mmu_fault_hooks_attach(void)
{
	int i, ret;

	mmu_targets_assert_locked();
	mmu_hmf_probe_init();
	ret = register_kretprobe(&mmu_hmf_probe);
	if (ret) {
		pr_err("cannot probe handle_mm_fault (%d): fault tracing is off\n",
		       ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(mmu_bad_area_probes); i++) {
		struct kprobe *kp = &mmu_bad_area_probes[i];

		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = mmu_bad_area_syms[i];
		kp->pre_handler = mmu_bad_area_pre;
		ret = register_kprobe(kp);
		mmu_bad_area_on[i] = !ret;
		if (ret)
			pr_info("cannot probe %s (%d): its faults count as unpaired\n",
				mmu_bad_area_syms[i], ret);
	}
	for (i = 0; i < ARRAY_SIZE(mmu_tp_hooks); i++) {
		struct mmu_tp_hook *h = &mmu_tp_hooks[i];

		if (!h->tp)
			continue;
		ret = tracepoint_probe_register(h->tp, h->probe, NULL);
		WRITE_ONCE(h->on, !ret);
		if (ret)
			pr_warn("cannot attach to tracepoint %s (%d)\n",
				h->name, ret);
	}
	WRITE_ONCE(mmu_hooks_on, true);
	return 0;
}

/*
 * Context: the targets lock held; sleeps.  When it returns no probe of
 * ours runs any more.
 */
void mmu_fault_hooks_detach(void)
{
	int i;

	mmu_targets_assert_locked();
	for (i = 0; i < ARRAY_SIZE(mmu_tp_hooks); i++) {
		struct mmu_tp_hook *h = &mmu_tp_hooks[i];

		if (h->on)
			tracepoint_probe_unregister(h->tp, h->probe, NULL);
		WRITE_ONCE(h->on, false);
	}
	tracepoint_synchronize_unregister();
	for (i = 0; i < ARRAY_SIZE(mmu_bad_area_probes); i++) {
		if (mmu_bad_area_on[i])
			unregister_kprobe(&mmu_bad_area_probes[i]);
		mmu_bad_area_on[i] = false;
	}
	unregister_kretprobe(&mmu_hmf_probe);
	WRITE_ONCE(mmu_hooks_on, false);
	WRITE_ONCE(mmu_hmf_nmissed, mmu_hmf_nmissed + mmu_hmf_probe.nmissed);
}
