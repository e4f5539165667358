// SPDX-License-Identifier: GPL-2.0
/* mmuscope: page-fault probes, per-task entry/end pairing and classification. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/hugetlb.h>
#include <linux/kfifo.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/swapops.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include "compat.h"
#include "faults.h"
#include "mmuscope.h"

/* A slot whose fault began this long ago may be taken by another task. */
#define MMU_SLOT_STALE_NS	(10ULL * NSEC_PER_SEC)

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

static struct mmu_fault_slot *mmu_slot_find(struct mmu_fault_target *f)
{
	unsigned long me = (unsigned long)current;
	unsigned int h = hash_ptr(current, ilog2(MMU_FAULT_SLOTS));
	unsigned int i;

	for (i = 0; i < MMU_FAULT_PROBES; i++) {
		struct mmu_fault_slot *s = &f->slots[(h + i) % MMU_FAULT_SLOTS];

		if (READ_ONCE(s->owner) == me)
			return s;
	}
	return NULL;
}

/*
 * Take a free slot for current, or a stale one (its task died or has been
 * in one fault for over MMU_SLOT_STALE_NS; that fault is counted unpaired).
 */
static struct mmu_fault_slot *mmu_slot_claim(struct mmu_fault_target *f,
					     u64 now)
{
	unsigned long me = (unsigned long)current;
	unsigned int h = hash_ptr(current, ilog2(MMU_FAULT_SLOTS));
	unsigned int i;

	for (i = 0; i < MMU_FAULT_PROBES; i++) {
		struct mmu_fault_slot *s = &f->slots[(h + i) % MMU_FAULT_SLOTS];
		unsigned long old = READ_ONCE(s->owner);

		if (old && now - READ_ONCE(s->t_entry) < MMU_SLOT_STALE_NS)
			continue;
		if (cmpxchg(&s->owner, old, me) != old)
			continue;
		if (old)
			mmu_fault_anomaly(f, MMU_FA_UNPAIRED);
		return s;
	}
	return NULL;
}

/*
 * Start of a probe: current's fault target, its open slot (NULL if none)
 * and the time.  Return: false if current is not traced, or is inside a
 * fault whose handler is running (a nested fault: counted, not timed).
 *
 * Context: rcu_read_lock() held.
 */
static bool mmu_fault_begin(struct mmu_fault_target **fp,
			    struct mmu_fault_slot **sp, u64 *now)
{
	struct mmu_target *t = mmu_fault_lookup();

	if (!t)
		return false;
	*fp = t->faults;
	*now = ktime_get_mono_fast_ns();
	*sp = mmu_slot_find(*fp);
	if (*sp && (*sp)->busy) {
		mmu_fault_anomaly(*fp, MMU_FA_NESTED);
		return false;
	}
	return true;
}

static void mmu_slot_open(struct mmu_fault_slot *s, u64 now, unsigned long va,
			  unsigned long ip, unsigned long err, bool has_err,
			  bool user)
{
	s->t_entry = now;
	s->handler_ns = 0;
	s->va = va;
	s->ip = ip;
	s->err = err;
	s->calls = 0;
	s->busy = 0;
	s->has_err = has_err;
	s->classes = BIT(user ? MMU_FC_USER : MMU_FC_KERNEL);
	if (has_err) {
		if (mmu_fault_err_exec(err))
			s->classes |= BIT(MMU_FC_EXEC);
		else if (mmu_fault_err_write(err))
			s->classes |= BIT(MMU_FC_WRITE);
		else
			s->classes |= BIT(MMU_FC_READ);
		s->classes |= BIT(mmu_fault_err_protection(err) ?
				  MMU_FC_PROTECTION : MMU_FC_NOT_PRESENT);
	}
}

/* Account the finished fault and free the slot. */
static void mmu_slot_close(struct mmu_fault_target *f,
			   struct mmu_fault_slot *s, unsigned int result,
			   u64 now)
{
	u64 total = now - s->t_entry;
	u32 classes = s->classes | BIT(MMU_FC_ALL) | BIT(result);

	if (s->calls) {
		classes |= BIT(MMU_FC_HANDLER);
		if (s->has_err)
			classes |= BIT(MMU_FC_WAIT);
	}
	mmu_fault_stats_record(f, classes, total, s->handler_ns);
	mmu_fault_stream_emit(&f->stream, s, classes, now, total);
	/* Our reads of the slot happen before another task may claim it. */
	smp_store_release(&s->owner, 0);
}

static unsigned int mmu_kind_of_present(struct vm_area_struct *vma,
					bool write, bool writable)
{
	if (write && !writable)
		return (vma->vm_flags & VM_SHARED) ? MMU_FC_WP : MMU_FC_COW;
	return MMU_FC_SPURIOUS;
}

/*
 * What the faulting address maps to before the handler runs: the kind
 * class (first_touch, cow, wp, swap_in, numa, migration, spurious), or 0.
 *
 * Context: called at handle_mm_fault() entry, so the caller holds the
 * mmap_lock or the VMA lock: upper tables of @vma cannot be freed; PTE
 * tables retracted by khugepaged (6.5+) are freed after an RCU grace
 * period and we run with preemption disabled.  Each entry is read once.
 */
static unsigned int mmu_fault_kind(struct vm_area_struct *vma,
				   unsigned long addr, bool write)
{
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	pgdp = pgd_offset(vma->vm_mm, addr);
	if (pgd_none(READ_ONCE(*pgdp)))
		return MMU_FC_FIRST_TOUCH;
	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)))
		return MMU_FC_FIRST_TOUCH;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		return MMU_FC_FIRST_TOUCH;
	if (pud_leaf(pud))
		return pud_present(pud) ? MMU_FC_SPURIOUS : 0;
	if (pud_bad(pud))
		return 0;
	pmdp = pmd_offset(pudp, addr);
	pmd = mmu_pmdp_get_lockless(pmdp);
	if (pmd_none(pmd))
		return MMU_FC_FIRST_TOUCH;
	if (pmd_protnone(pmd))
		return MMU_FC_NUMA;
	if (pmd_leaf(pmd) || pmd_trans_huge(pmd)) {
		if (!pmd_present(pmd))
			return 0;
		return mmu_kind_of_present(vma, write, pmd_write(pmd));
	}
	if (!pmd_present(pmd))
		return mmu_pmd_is_migration(pmd) ? MMU_FC_MIGRATION : 0;
	if (pmd_bad(pmd))
		return 0;
	/* The local copy: the PMD may change under us, its old table not. */
	pte = ptep_get(pte_offset_kernel(&pmd, addr));
	if (pte_none(pte))
		return MMU_FC_FIRST_TOUCH;
	if (pte_protnone(pte))
		return MMU_FC_NUMA;
	if (!pte_present(pte)) {
		swp_entry_t entry;

		if (!mmu_pte_is_swp(pte))
			return 0;
		entry = mmu_pte_to_swp_entry(pte);
		if (mmu_swp_is_swap(entry))
			return MMU_FC_SWAP_IN;
		if (mmu_swp_is_migration(entry))
			return MMU_FC_MIGRATION;
		return 0;
	}
	return mmu_kind_of_present(vma, write, pte_write(pte));
}

/* Backing and kind classes, at the first handle_mm_fault() of a fault. */
static u32 mmu_fault_classify(struct mmu_fault_slot *s,
			      struct vm_area_struct *vma, unsigned long addr,
			      unsigned int flags)
{
	bool write = flags & FAULT_FLAG_WRITE;
	unsigned int kind;
	u32 c = 0;

	if (is_vm_hugetlb_page(vma))
		c |= BIT(MMU_FC_HUGETLB);
	else if (vma_is_anonymous(vma))
		c |= BIT(MMU_FC_ANON);
	else if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping))
		c |= BIT(MMU_FC_SHMEM);
	else
		c |= BIT(MMU_FC_FILE);

	kind = mmu_fault_kind(vma, addr, write);
	if (kind)
		c |= BIT(kind);
	if (s->has_err)
		return c;

	/* No exception entry hook: access and cause from flags and entry. */
	if (flags & FAULT_FLAG_INSTRUCTION)
		c |= BIT(MMU_FC_EXEC);
	else if (write)
		c |= BIT(MMU_FC_WRITE);
	else
		c |= BIT(MMU_FC_READ);
	if (kind == MMU_FC_COW || kind == MMU_FC_WP || kind == MMU_FC_SPURIOUS)
		c |= BIT(MMU_FC_PROTECTION);
	else
		c |= BIT(MMU_FC_NOT_PRESENT);
	return c;
}

/* ri->data of the handle_mm_fault kretprobe. */
struct mmu_hmf_data {
	u64 start;
	struct pt_regs *fregs;
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
	int skip = 1;
	u64 now;

	/* No regs: GUP on behalf of a syscall, not a page fault. */
	if (!fregs || !in_task())
		return 1;
	if (!mmu_guard_enter())
		return 1;
	rcu_read_lock();
	if (!mmu_fault_begin(&f, &s, &now))
		goto out;
	if (!s) {
		/* No exception hook on this arch, or it missed the entry. */
		s = mmu_slot_claim(f, now);
		if (!s) {
			mmu_fault_anomaly(f, MMU_FA_OVERFLOW);
			goto out;
		}
		mmu_slot_open(s, now, address, instruction_pointer(fregs), 0,
			      false, user_mode(fregs));
	}
	if (!s->calls)
		s->classes |= mmu_fault_classify(s, vma, address, flags);
	s->busy = 1;
	d->start = ktime_get_mono_fast_ns();
	d->fregs = fregs;
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
	struct mmu_fault_target *f;
	struct mmu_fault_slot *s;
	struct mmu_target *t;
	unsigned int result;
	u64 now;

	if (!mmu_guard_enter())
		return 0;
	rcu_read_lock();
	t = mmu_fault_lookup();
	if (!t)
		goto out;
	f = t->faults;
	s = mmu_slot_find(f);
	if (!s || !s->busy)
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
	u64 now;

	/* Atomic-context faults never reach handle_mm_fault for current. */
	if (in_nmi() || !in_task() || address >= TASK_SIZE_MAX)
		return;
	if (!mmu_guard_enter())
		return;
	rcu_read_lock();
	if (!mmu_fault_begin(&f, &s, &now))
		goto out;
	if (s) {
		/* The previous fault ended on a path we do not hook. */
		mmu_fault_anomaly(f, MMU_FA_UNPAIRED);
	} else {
		s = mmu_slot_claim(f, now);
		if (!s) {
			mmu_fault_anomaly(f, MMU_FA_OVERFLOW);
			goto out;
		}
	}
	mmu_slot_open(s, now, address, instruction_pointer(regs), error_code,
		      true, user_mode(regs));
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

/* follow=1: children forked by a target are added from a work item. */
static DEFINE_SPINLOCK(mmu_follow_lock);
static DEFINE_KFIFO(mmu_follow_fifo, pid_t, 256);

static void mmu_follow_fn(struct work_struct *work)
{
	pid_t nr;

	/* Fails once rmmod has begun: no target may appear after that. */
	if (!try_module_get(THIS_MODULE))
		return;
	while (kfifo_out_spinlocked(&mmu_follow_fifo, &nr, 1, &mmu_follow_lock))
		mmu_target_add(nr, true);
	module_put(THIS_MODULE);
}

static DECLARE_WORK(mmu_follow_work, mmu_follow_fn);

/*
 * sched_process_fork: a new process (not a thread) forked by a target.
 * Adding a target sleeps, so only queue its pid here.
 *
 * Context: process context of the parent, may not sleep.
 */
static void mmu_tp_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct mmu_target *t;
	bool ours;
	pid_t nr;

	if (!READ_ONCE(mmu_param_follow) || child->tgid == parent->tgid)
		return;
	rcu_read_lock();
	t = mmu_target_lookup_rcu(parent->tgid);
	ours = t && t->pid == task_tgid(parent);
	rcu_read_unlock();
	if (!ours)
		return;
	nr = child->tgid;
	if (kfifo_in_spinlocked(&mmu_follow_fifo, &nr, 1, &mmu_follow_lock))
		queue_work(system_wq, &mmu_follow_work);
	else
		pr_warn_ratelimited("follow: too many forks pending, child %d not adopted\n",
				    nr);
}

struct mmu_tp_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool on;
};

static struct mmu_tp_hook mmu_tp_hooks[] = {
	{ .name = "page_fault_user", .probe = mmu_tp_page_fault },
	{ .name = "page_fault_kernel", .probe = mmu_tp_page_fault },
	{ .name = "sched_process_fork", .probe = mmu_tp_fork },
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
	if (!mmu_tp_hooks[0].tp)
		pr_info("no page_fault_user tracepoint: faults are timed from handle_mm_fault entry\n");
	return 0;
}

/* Context: module unload, after every target is gone (hooks detached). */
void mmu_fault_hooks_exit(void)
{
	cancel_work_sync(&mmu_follow_work);
}

bool mmu_fault_hooks_attached(void)
{
	return READ_ONCE(mmu_hooks_on);
}

const char *mmu_fault_entry_hook(void)
{
	return READ_ONCE(mmu_tp_hooks[0].on) ? "tracepoint" : "kretprobe";
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
 * Context: mmu_targets_lock held; sleeps.
 * Return: 0 or the kretprobe's registration error.
 */
int mmu_fault_hooks_attach(void)
{
	int i, ret;

	lockdep_assert_held(&mmu_targets_lock);
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
 * Context: mmu_targets_lock held; sleeps.  When it returns no probe of
 * ours runs any more.
 */
void mmu_fault_hooks_detach(void)
{
	int i;

	lockdep_assert_held(&mmu_targets_lock);
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
