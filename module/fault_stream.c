// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the per-target fault event stream (ring_buffer + `faults`). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/ring_buffer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include "compat.h"
#include "faults.h"
#include "mmuscope.h"

#define MMU_BUFFER_KB_MIN	16
#define MMU_BUFFER_KB_MAX	65536

static unsigned int fault_buffer_kb = 256;

/* Out-of-range sizes are refused, not clamped. */
static int fault_buffer_kb_set(const char *val, const struct kernel_param *kp)
{
	unsigned int kb;

	if (kstrtouint(val, 0, &kb) || kb < MMU_BUFFER_KB_MIN ||
	    kb > MMU_BUFFER_KB_MAX) {
		pr_warn_ratelimited("fault_buffer_kb: \"%s\" is not a size in KiB between %d and %d\n",
				    val, MMU_BUFFER_KB_MIN, MMU_BUFFER_KB_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(fault_buffer_kb, kb);
	return 0;
}

static const struct kernel_param_ops fault_buffer_kb_ops = {
	.set	= fault_buffer_kb_set,
	.get	= param_get_uint,
};

module_param_cb(fault_buffer_kb, &fault_buffer_kb_ops, &fault_buffer_kb, 0644);
__MODULE_PARM_TYPE(fault_buffer_kb, "uint");
MODULE_PARM_DESC(fault_buffer_kb,
		 "per-CPU event buffer of a target's faults stream, KiB (16..65536; allocated when faults is opened)");

/*
 * Wakeups are batched: the first event that finds a reader asleep arms a
 * one-tick timer (through irq_work: probes may run with IRQs off), and
 * the timer wakes the reader once for everything that arrived meanwhile.
 * Waking per event would cost the traced task an IPI and two context
 * switches per fault (8x the fault time on one TCG vCPU).  The price is
 * at most a tick of delay before a blocked reader sees an event.
 */
#define MMU_STREAM_WAKE_DELAY	1	/* jiffies */

static void mmu_stream_wake_timer_fn(struct timer_list *timer)
{
	struct mmu_fault_stream *s = mmu_timer_container_of(s, timer, wake_timer);

	/* Cleared first: an event after the wakeup arms the next one. */
	clear_bit(0, &s->wake_armed);
	wake_up_interruptible(&s->wq);
}

static void mmu_stream_wake_fn(struct irq_work *work)
{
	struct mmu_fault_stream *s = container_of(work, struct mmu_fault_stream,
						  wake);

	mod_timer(&s->wake_timer, jiffies + MMU_STREAM_WAKE_DELAY);
}

/*
 * The ring buffer exists only while `faults` is open (events are recorded
 * only then): a target nobody streams costs no buffer memory.
 *
 * Context: process context.
 */
void mmu_fault_stream_init(struct mmu_fault_stream *s)
{
	RCU_INIT_POINTER(s->rb, NULL);
	atomic_set(&s->readers, 0);
	atomic64_set(&s->lost, 0);
	init_waitqueue_head(&s->wq);
	init_irq_work(&s->wake, mmu_stream_wake_fn);
	timer_setup(&s->wake_timer, mmu_stream_wake_timer_fn, 0);
	s->wake_armed = 0;
}

/*
 * Context: after the probes' RCU grace period (nothing queues the
 * irq_work any more, and only it arms the timer) and with `faults` closed
 * (its reference pins the target); may sleep.
 */
void mmu_fault_stream_destroy(struct mmu_fault_stream *s)
{
	irq_work_sync(&s->wake);
	mmu_timer_delete_sync(&s->wake_timer);
	WARN_ON_ONCE(rcu_access_pointer(s->rb));
}

/* Wake a reader blocked in read() or poll() (process context). */
void mmu_fault_stream_wake(struct mmu_fault_stream *s)
{
	wake_up_interruptible_all(&s->wq);
}

/**
 * mmu_fault_stream_write() - queue one finished fault for the reader
 * @s:		the target's stream
 * @slot:	the fault's pairing slot (still owned by current)
 * @classes:	class mask
 * @now:	end time, mono ns
 * @total_ns:	entry-to-end latency
 *
 * Called by mmu_fault_stream_emit() while the `faults` file is open (its
 * ring buffer exists).  A full per-CPU buffer drops the event and counts
 * it as lost.
 *
 * Context: probe context (preemption disabled, rcu_read_lock held): the
 * buffer is freed only after a grace period (faults_release).
 */
void mmu_fault_stream_write(struct mmu_fault_stream *s,
			    const struct mmu_fault_slot *slot, u32 classes,
			    u64 now, u64 total_ns)
{
	struct trace_buffer *rb = rcu_dereference(s->rb);
	struct mmu_fault_event e;

	if (!rb)
		return;
	e.ts = now;
	e.lat_ns = total_ns;
	e.handler_ns = slot->handler_ns;
	e.va = slot->va;
	e.ip = slot->ip;
	e.err = slot->err;
	e.classes = classes;
	e.pid = current->tgid;
	e.tid = current->pid;
	e.cpu = raw_smp_processor_id();
	e.has_err = slot->has_err;
	memcpy(e.comm, current->comm, TASK_COMM_LEN);
	e.comm[TASK_COMM_LEN - 1] = '\0';
	/* Non-overwriting buffer: a full CPU buffer refuses the event. */
	if (ring_buffer_write(rb, sizeof(e), &e))
		atomic64_inc(&s->lost);
	if (wq_has_sleeper(&s->wq) && !test_and_set_bit(0, &s->wake_armed))
		irq_work_queue(&s->wake);
}

int mmu_fault_format_classes(char *buf, size_t size, u32 classes)
{
	unsigned long mask = classes & MMU_FC_DESCRIBE_MASK;
	unsigned int i;
	int len = 0;

	buf[0] = '\0';
	for_each_set_bit(i, &mask, MMU_FC_NR)
		len += scnprintf(buf + len, size - len, "%s%s", len ? "," : "",
				 mmu_fault_class_names[i]);
	return len;
}

/* Longest line: bounded by the fixed fields and every class name. */
#define MMU_STREAM_LINE	512

struct mmu_stream_reader {
	struct mmu_target *t;
	struct trace_buffer *rb;	/* the stream's buffer, ours until release */
	struct mutex lock;		/* serializes read() on one file */
	size_t len;			/* formatted bytes in buf */
	size_t pos;			/* bytes of buf already read */
	s64 lost_seen;
	/* The previous event's class list and command, formatted. */
	u32 cls_mask;
	char cls[320];
	char comm_raw[TASK_COMM_LEN];
	char comm[TASK_COMM_LEN];
	char buf[PAGE_SIZE];
};

/*
 * A kernel-mode fault's ip is a kernel text address: shown to the reader
 * only as kptr_restrict lets %pK show it, else 0 (formatting runs in read(), with
 * the reader's credentials); user ips are the target's own addresses.
 */
static unsigned long mmu_stream_ip(const struct mmu_fault_event *e)
{
	char buf[24];
	unsigned long ip;

	if (e->classes & BIT(MMU_FC_USER))
		return e->ip;
	snprintf(buf, sizeof(buf), "%pK", (void *)e->ip);
	if (kstrtoul(buf, 16, &ip) || ip != e->ip)
		return 0;
	return e->ip;
}

/*
 * One line into the reader's buffer.  Consecutive events mostly share
 * their classes and command: those are formatted again only on a change.
 */
static int mmu_stream_format(struct mmu_stream_reader *r,
			     const struct mmu_fault_event *e)
{
	u32 mask = e->classes & MMU_FC_DESCRIBE_MASK;
	int i;

	if (memcmp(r->comm_raw, e->comm, TASK_COMM_LEN)) {
		memcpy(r->comm_raw, e->comm, TASK_COMM_LEN);
		/* Keep the line key=value: no spaces or '=' in the name. */
		for (i = 0; i < TASK_COMM_LEN - 1 && e->comm[i]; i++)
			r->comm[i] = (isgraph(e->comm[i]) &&
				      e->comm[i] != '=') ? e->comm[i] : '_';
		r->comm[i] = '\0';
	}
	if (mask != r->cls_mask) {
		mmu_fault_format_classes(r->cls, sizeof(r->cls), mask);
		r->cls_mask = mask;
	}
	return scnprintf(r->buf + r->len, sizeof(r->buf) - r->len,
			 "ts_ns=%llu cpu=%u pid=%d tid=%d comm=%s va=0x%lx ip=0x%lx err=0x%lx class=%s lat_ns=%llu handler_ns=%llu\n",
			 e->ts, e->cpu, e->pid, e->tid, r->comm, e->va,
			 mmu_stream_ip(e), e->err, r->cls, e->lat_ns,
			 e->handler_ns);
}

/*
 * Move the oldest events of all CPUs into the reader's text buffer, oldest
 * first, as trace_pipe merges per-CPU buffers.
 *
 * Context: process context, the reader owns r.
 */
static void mmu_stream_fill(struct mmu_stream_reader *r)
{
	struct mmu_fault_stream *s = &r->t->faults->stream;
	struct trace_buffer *rb = r->rb;
	struct ring_buffer_event *rbe;
	struct mmu_fault_event *e;
	s64 lost = atomic64_read(&s->lost);
	int cpu, best;
	u64 best_ts;

	r->len = 0;
	r->pos = 0;
	if (lost != r->lost_seen) {
		r->len += scnprintf(r->buf, sizeof(r->buf), "lost=%lld\n",
				    (long long)(lost - r->lost_seen));
		r->lost_seen = lost;
	}
	while (r->len + MMU_STREAM_LINE <= sizeof(r->buf)) {
		best = -1;
		best_ts = U64_MAX;
		/*
		 * Every possible CPU, as ring_buffer_empty() sees them: an
		 * offline CPU keeps its buffer and its unread events.
		 */
		for_each_possible_cpu(cpu) {
			rbe = ring_buffer_peek(rb, cpu, NULL, NULL);
			if (!rbe)
				continue;
			e = ring_buffer_event_data(rbe);
			if (e->ts < best_ts) {
				best_ts = e->ts;
				best = cpu;
			}
		}
		if (best < 0)
			break;
		rbe = ring_buffer_consume(rb, best, NULL, NULL);
		if (!rbe)
			continue;
		r->len += mmu_stream_format(r, ring_buffer_event_data(rbe));
	}
}

static bool mmu_stream_ready(struct mmu_stream_reader *r)
{
	struct mmu_fault_stream *s = &r->t->faults->stream;

	return r->pos < r->len || !ring_buffer_empty(r->rb) ||
	       atomic64_read(&s->lost) != r->lost_seen ||
	       READ_ONCE(r->t->removed);
}

/*
 * Blocking, consuming read: waits for events unless O_NONBLOCK; returns 0
 * (end of file) once the target is removed and the buffer is drained.
 */
static ssize_t faults_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct mmu_stream_reader *r = file->private_data;
	struct mmu_fault_stream *s = &r->t->faults->stream;
	ssize_t ret;
	size_t n;

	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	while (r->pos >= r->len) {
		mmu_stream_fill(r);
		if (r->len)
			break;
		ret = 0;
		if (READ_ONCE(r->t->removed))
			goto unlock;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			goto unlock;
		ret = wait_event_interruptible(s->wq, mmu_stream_ready(r));
		if (ret)
			goto unlock;
		/* Never spin unkillably should ready and fill disagree. */
		ret = -ERESTARTSYS;
		if (signal_pending(current))
			goto unlock;
		cond_resched();
	}
	n = min(count, r->len - r->pos);
	ret = -EFAULT;
	if (copy_to_user(ubuf, r->buf + r->pos, n))
		goto unlock;
	r->pos += n;
	ret = n;
unlock:
	mutex_unlock(&r->lock);
	return ret;
}

static __poll_t faults_poll(struct file *file, poll_table *wait)
{
	struct mmu_stream_reader *r = file->private_data;

	poll_wait(file, &r->t->faults->stream.wq, wait);
	if (mmu_stream_ready(r))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/*
 * The one reader gets a fresh ring buffer of fault_buffer_kb KiB per CPU;
 * publishing it starts recording.
 *
 * Context: process context, may sleep.
 */
static int faults_open(struct inode *inode, struct file *file)
{
	struct mmu_target *t = inode->i_private;
	struct mmu_fault_stream *s = &t->faults->stream;
	unsigned int kb = READ_ONCE(fault_buffer_kb);
	struct mmu_stream_reader *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	if (atomic_cmpxchg(&s->readers, 0, 1)) {
		kfree(r);
		pr_warn_ratelimited("%d: faults is already open (one reader at a time)\n",
				    t->nr);
		return -EBUSY;
	}
	r->rb = ring_buffer_alloc((unsigned long)kb << 10, 0);
	if (!r->rb) {
		atomic_set(&s->readers, 0);
		kfree(r);
		pr_warn_ratelimited("%d: no memory for the %u KiB per-CPU event buffer (fault_buffer_kb)\n",
				    t->nr, kb);
		return -ENOMEM;
	}
	mmu_target_get(t);
	mutex_init(&r->lock);
	r->t = t;
	r->lost_seen = atomic64_read(&s->lost);
	file->private_data = r;
	rcu_assign_pointer(s->rb, r->rb);
	return nonseekable_open(inode, file);
}

static int faults_release(struct inode *inode, struct file *file)
{
	struct mmu_stream_reader *r = file->private_data;
	struct mmu_target *t = r->t;
	struct mmu_fault_stream *s = &t->faults->stream;

	/* Stop recording and wait out writing probes before freeing. */
	RCU_INIT_POINTER(s->rb, NULL);
	synchronize_rcu();
	ring_buffer_free(r->rb);
	atomic_set(&s->readers, 0);
	mutex_destroy(&r->lock);
	kfree(r);
	mmu_target_put(t);
	return 0;
}

static const struct file_operations faults_fops = {
	.owner		= THIS_MODULE,
	.open		= faults_open,
	.read		= faults_read,
	.poll		= faults_poll,
	.release	= faults_release,
};

int mmu_fault_stream_create_file(struct mmu_target *t)
{
	return PTR_ERR_OR_ZERO(debugfs_create_file("faults", 0400, t->dir, t,
						   &faults_fops));
}
