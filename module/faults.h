/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope: internal declarations of the page-fault tracer (hooks ->
 * per-task pairing -> per-CPU statistics and event stream -> debugfs).
 */
#ifndef _MMUSCOPE_FAULTS_H
#define _MMUSCOPE_FAULTS_H

#include <linux/bits.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct mmu_target;
struct trace_buffer;
struct vm_area_struct;

/*
 * Fault classes.  A fault is counted once in `all` and once in every class
 * whose bit is set in its class mask.  The order is the output order.
 */
enum mmu_fault_class {
	MMU_FC_ALL,
	/* result: exactly one per fault */
	MMU_FC_MINOR,
	MMU_FC_MAJOR,
	MMU_FC_SIGSEGV,
	MMU_FC_SIGBUS,
	MMU_FC_OOM,
	MMU_FC_FIXUP,
	MMU_FC_INTERRUPTED,
	/* handle_mm_fault returned VM_FAULT_RETRY at least once */
	MMU_FC_RETRY,
	/* access */
	MMU_FC_READ,
	MMU_FC_WRITE,
	MMU_FC_EXEC,
	/* mode of the faulting context */
	MMU_FC_USER,
	MMU_FC_KERNEL,
	/* cause */
	MMU_FC_NOT_PRESENT,
	MMU_FC_PROTECTION,
	/* backing of the VMA */
	MMU_FC_ANON,
	MMU_FC_FILE,
	MMU_FC_SHMEM,
	MMU_FC_HUGETLB,
	/* kind, from the page-table entry found at handler entry */
	MMU_FC_FIRST_TOUCH,
	MMU_FC_COW,
	MMU_FC_SWAP_IN,
	MMU_FC_WP,
	MMU_FC_NUMA,
	MMU_FC_MIGRATION,
	MMU_FC_SPURIOUS,
	/* latency splits: handler time only, and total minus handler time */
	MMU_FC_HANDLER,
	MMU_FC_WAIT,
	MMU_FC_NR,
};

extern const char * const mmu_fault_class_names[MMU_FC_NR];

/* Classes that describe a fault (listed in stream lines). */
#define MMU_FC_DESCRIBE_MASK \
	(GENMASK(MMU_FC_SPURIOUS, MMU_FC_MINOR))

/*
 * Latency histogram: log2 buckets with 8 linear sub-buckets each (values
 * below 8 ns get one bucket per ns), so a bucket is at most 1/8 of its lower
 * bound wide.  The last bucket, from 15 * 2^37 ns, is open: it also takes
 * everything at and above 2^41 ns, and fault_hist ends it at max_ns + 1.
 */
#define MMU_HIST_SUB_BITS	3
#define MMU_HIST_SUB		BIT(MMU_HIST_SUB_BITS)
#ifndef MMU_HIST_MAX_LOG	/* tests build with less to fill the last bucket */
#define MMU_HIST_MAX_LOG	40
#endif
#define MMU_HIST_BUCKETS	((MMU_HIST_MAX_LOG - MMU_HIST_SUB_BITS + 2) * MMU_HIST_SUB)

/* One class's counters, summed (the sink, and snapshots for readers). */
struct mmu_fault_cstat {
	u64 count;
	u64 sum_ns;
	u64 min_ns;
	u64 max_ns;
	u64 hist[MMU_HIST_BUCKETS];
};

/*
 * The counters of one class set on one CPU: 32-bit buckets, moved to the
 * sink before one can wrap, so every count stays exact.
 */
struct mmu_fault_ccell {
	u64 count;
	u64 sum_ns;
	u64 min_ns;
	u64 max_ns;
	u32 hist[MMU_HIST_BUCKETS];
};

/* Pairing anomalies, per CPU. */
enum mmu_fault_anomaly {
	MMU_FA_UNPAIRED,	/* entry seen, end never seen */
	MMU_FA_NESTED,		/* fault while handling a fault: ignored */
	MMU_FA_OVERFLOW,	/* no free pairing slot: ignored */
	MMU_FA_NR,
};

/*
 * A fault is recorded once, in the cell of its class set (its class mask
 * without `handler` and `wait`, which time other intervals and have their
 * own cells); readers fold the cells into classes.  A CPU keeps the
 * MMU_FAULT_COMBOS sets it saw last; a further set moves the least used
 * cell into the per-class sink first.
 */
#ifndef MMU_FAULT_COMBOS	/* tests build with fewer to force moves */
#define MMU_FAULT_COMBOS	16
#endif
/* A cell moves to the sink when a bucket reaches this (tests: lower). */
#ifndef MMU_CELL_BUCKET_MAX
#define MMU_CELL_BUCKET_MAX	U32_MAX
#endif

struct mmu_fault_pcpu {
	u32 mask[MMU_FAULT_COMBOS];	/* a cell's class set; 0: free */
	unsigned int last;		/* cell of the previous fault */
	u64 anomaly[MMU_FA_NR];
	struct mmu_fault_ccell handler;
	struct mmu_fault_ccell wait;
	struct mmu_fault_ccell cell[MMU_FAULT_COMBOS];
};

/* Per class: what evicted or nearly full cells held. */
struct mmu_fault_sink {
	raw_spinlock_t lock;	/* also held by readers of all cells */
	struct mmu_fault_cstat c[MMU_FC_NR];
};

/* A snapshot of all classes summed over CPUs. */
struct mmu_fault_sum {
	struct mmu_fault_cstat c[MMU_FC_NR];
	u64 anomaly[MMU_FA_NR];
};

/*
 * A generation of counters; `reset` swaps in a fresh one under RCU, so a
 * reader never sees a half-zeroed set.
 */
struct mmu_fault_stats {
	struct mmu_fault_pcpu __percpu *pcpu;
	struct mmu_fault_sink *sink;
	struct mmu_fault_vtab __percpu *vtab;	/* per-VMA rows (fault_vmas.c) */
	struct rcu_head rcu;
};

/* Per-VMA accounting (fault_vmas.c): rows per CPU (tests: fewer). */
#ifndef MMU_FAULT_VMAS
#define MMU_FAULT_VMAS		32
#endif

/* What the VMA of a fault was, as fault_vmas keys and names it. */
enum mmu_vma_kind {
	MMU_VK_NONE,		/* no VMA: the fault never reached the handler */
	MMU_VK_ANON,
	MMU_VK_HEAP,
	MMU_VK_STACK,
	MMU_VK_FILE,
	MMU_VK_SHMEM,
	MMU_VK_HUGETLB,
	MMU_VK_SPECIAL,		/* [vdso] and other special mappings */
	MMU_VK_NR,
};

/*
 * The VMA of a fault, copied at its first handle_mm_fault() call, the
 * only time the VMA pointer is valid.  @file is an identity, never
 * dereferenced afterwards (no reference is taken).
 */
struct mmu_fault_vma {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	const void *file;
	u8 kind;			/* enum mmu_vma_kind */
	u8 down;			/* VM_GROWSDOWN: keyed by its end */
};

struct mmu_fault_vtab;

/*
 * One fault in flight for one task: opened by the exception tracepoint (or
 * the first handle_mm_fault call where the arch has none), closed by the
 * last handle_mm_fault return or by the arch's bad-area path.  Only the
 * owning task touches an owned slot (eviction of stale slots aside).
 */
struct mmu_fault_slot {
	unsigned long owner;		/* task_struct pointer; 0: free */
	u64 t_entry;			/* fault entry, mono ns */
	u64 handler_ns;			/* summed over retries */
	unsigned long va;
	unsigned long ip;
	unsigned long err;		/* arch error code, if has_err */
	u32 classes;
	u16 calls;			/* handle_mm_fault calls so far */
	u8 busy;			/* inside handle_mm_fault */
	u8 has_err;			/* opened by the exception tracepoint */
	struct mmu_fault_vma vma;	/* kind MMU_VK_NONE until the handler */
};

#define MMU_FAULT_SLOTS		256
#define MMU_FAULT_PROBES	8

/* Stream: a ring_buffer per target, read through `faults`. */
struct mmu_fault_stream {
	struct trace_buffer __rcu *rb;	/* while `faults` is open, else NULL */
	atomic_t readers;		/* 0 or 1: the file is exclusive */
	atomic64_t lost;		/* events that did not fit */
	wait_queue_head_t wq;
	struct irq_work wake;		/* probes cannot wake directly */
	struct timer_list wake_timer;	/* batches wakeups: one per tick */
	unsigned long wake_armed;	/* bit 0: wake queued or pending */
};

/* One event as stored in the ring buffer. */
struct mmu_fault_event {
	u64 ts;
	u64 lat_ns;
	u64 handler_ns;
	unsigned long va;
	unsigned long ip;
	unsigned long err;
	u32 classes;
	pid_t pid;
	pid_t tid;
	u16 cpu;
	u8 has_err;
	char comm[TASK_COMM_LEN];
};

/**
 * struct mmu_fault_target - a target's fault-tracing state
 * @stats:	current counter generation (RCU; replaced by reset).
 * @reset_lock:	serializes @stats replacement.
 * @slots:	per-task pairing of fault entry and end.
 * @stream:	event stream.
 */
struct mmu_fault_target {
	struct mmu_fault_stats __rcu *stats;
	struct mutex reset_lock;	/* see @reset_lock above */
	struct mmu_fault_slot *slots;
	struct mmu_fault_stream stream;
};

/* fault_stats.c */
struct mmu_fault_stats *mmu_fault_stats_alloc(void);
void mmu_fault_stats_free(struct mmu_fault_stats *s);
void mmu_fault_stats_record(struct mmu_fault_target *f, u32 classes,
			    u64 total_ns, u64 handler_ns,
			    const struct mmu_fault_vma *vma);
void mmu_fault_anomaly(struct mmu_fault_target *f, enum mmu_fault_anomaly a);
struct mmu_fault_sum *mmu_fault_sum(struct mmu_target *t);
int mmu_fault_stats_reset(struct mmu_fault_target *f);

/* fault_stats_files.c: fault_stats, fault_hist and their .ro twins */
int mmu_fault_stats_create_files(struct mmu_target *t);

/* fault_vmas.c */
struct mmu_fault_vtab __percpu *mmu_fault_vtab_alloc(void);
void mmu_fault_vtab_free(struct mmu_fault_vtab __percpu *vt);
void mmu_fault_vma_capture(struct mmu_fault_vma *v, struct vm_area_struct *vma);
void mmu_fault_vmas_record(struct mmu_fault_vtab __percpu *vt,
			   const struct mmu_fault_vma *v, u32 classes, u64 ns);
int mmu_fault_vmas_create_file(struct mmu_target *t);

/* fault_stream.c */
void mmu_fault_stream_init(struct mmu_fault_stream *s);
void mmu_fault_stream_destroy(struct mmu_fault_stream *s);
void mmu_fault_stream_write(struct mmu_fault_stream *s,
			    const struct mmu_fault_slot *slot, u32 classes,
			    u64 now, u64 total_ns);

/*
 * One finished fault for the stream, if its file is open: inline, as no
 * reader is the common case and the fault path pays for every call.
 */
static inline void mmu_fault_stream_emit(struct mmu_fault_stream *s,
					 const struct mmu_fault_slot *slot,
					 u32 classes, u64 now, u64 total_ns)
{
	if (rcu_access_pointer(s->rb))
		mmu_fault_stream_write(s, slot, classes, now, total_ns);
}

int mmu_fault_stream_create_file(struct mmu_target *t);
void mmu_fault_stream_wake(struct mmu_fault_stream *s);
int mmu_fault_format_classes(char *buf, size_t size, u32 classes);

/* fault_classify.c */
u32 mmu_fault_classify(struct vm_area_struct *vma, unsigned long addr,
		       unsigned int flags, bool has_err);

/* fault_follow.c: follow=1 (the sched_process_fork probe and its worker) */
void mmu_follow_tp_fork(void *data, struct task_struct *parent,
			struct task_struct *child);
void mmu_follow_drain(void);

/* fault_slots.c: the per-task pairing of entry and end, in probes */
struct mmu_fault_slot *mmu_slot_find(struct mmu_fault_target *f);
struct mmu_fault_slot *mmu_slot_claim(struct mmu_fault_target *f);
struct mmu_fault_slot *mmu_slot_find_or_claim(struct mmu_fault_target *f,
					      bool *fresh);
void mmu_slot_open(struct mmu_fault_slot *s, u64 now, unsigned long va,
		   unsigned long ip, unsigned long err, bool has_err, bool user);
void mmu_slot_close(struct mmu_fault_target *f, struct mmu_fault_slot *s,
		    unsigned int result, u64 now);

/* fault_hooks.c */
int mmu_fault_hooks_init(void);
void mmu_fault_hooks_exit(void);
int mmu_fault_hooks_attach(void);
void mmu_fault_hooks_detach(void);
bool mmu_fault_hooks_attached(void);
const char *mmu_fault_entry_hook(void);
unsigned long mmu_fault_hooks_nmissed(void);

#endif /* _MMUSCOPE_FAULTS_H */
