// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope: per-VMA fault accounting: per-CPU rows keyed by the VMA a
 * fault was taken in, and <pid>/fault_vmas, the top rows plus `other`.
 *
 * A row is keyed by what the VMA was at the fault: its start (its end for
 * a VM_GROWSDOWN stack, which grows at the start), the page offset there
 * and the struct file pointer (an identity only: no reference is taken,
 * it is never dereferenced).  So a heap grown by brk or a stack grown
 * down stays one row, and a row outlives its VMA: munmap leaves it with
 * the range it had; mremap to a new address starts a new row; a split
 * VMA's lower part keeps the row.  Names are found when the file is read,
 * under mmap_read_lock, by looking the key up again.
 *
 * Memory is bounded: MMU_FAULT_VMAS rows per possible CPU and target, in
 * the counter generation of fault_stats.c (a reset swaps both at once).  A
 * new key on a full CPU moves the row with the fewest faults into that
 * CPU's `other` row.  Each CPU's rows have a raw spinlock, taken by the
 * probes of that CPU and, one CPU at a time, by readers copying the rows:
 * raw, because the probes run with preemption disabled (PREEMPT_RT too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include "faults.h"
#include "merge.h"
#include "mmuscope.h"

/* Classes counted per VMA: all to spurious (handler and wait are times). */
#define MMU_VMA_CLASSES		(MMU_FC_SPURIOUS + 1)

/**
 * struct mmu_vma_row - the faults of one VMA key on one CPU
 * @addr:	key: vm_start, or vm_end when @down
 * @pgoff:	key: the page offset at @addr
 * @file:	key: vm_file, never dereferenced
 * @start:	lowest start seen
 * @end:	highest end seen
 * @kind:	enum mmu_vma_kind at the first fault
 * @down:	key: VM_GROWSDOWN
 * @sum_ns:	summed latency
 * @max_ns:	largest latency
 * @count:	faults per class; count[MMU_FC_ALL] == 0: unused row
 */
struct mmu_vma_row {
	unsigned long addr;
	unsigned long pgoff;
	const void *file;
	unsigned long start;
	unsigned long end;
	u8 kind;
	u8 down;
	u64 sum_ns;
	u64 max_ns;
	u64 count[MMU_VMA_CLASSES];
};

/* One CPU's rows.  @last: the row of this CPU's previous fault. */
struct mmu_fault_vtab {
	raw_spinlock_t lock;		/* the rows below */
	unsigned int last;
	unsigned int used;
	struct mmu_vma_row other;
	struct mmu_vma_row row[MMU_FAULT_VMAS];
};

/* alloc_percpu() refuses more than a unit. */
static_assert(sizeof(struct mmu_fault_vtab) <= PCPU_MIN_UNIT_SIZE);

/* Context: process context, may sleep. */
struct mmu_fault_vtab __percpu *mmu_fault_vtab_alloc(void)
{
	struct mmu_fault_vtab __percpu *vt;
	int cpu;

	vt = alloc_percpu(struct mmu_fault_vtab);
	if (!vt)
		return NULL;
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(vt, cpu)->lock);
	return vt;
}

void mmu_fault_vtab_free(struct mmu_fault_vtab __percpu *vt)
{
	free_percpu(vt);
}

/**
 * mmu_fault_vma_capture() - copy what fault_vmas needs of a fault's VMA
 * @v:		the fault slot's copy
 * @vma:	the VMA handle_mm_fault() was called with
 *
 * Context: handle_mm_fault() entry: the caller holds the mmap or VMA
 * lock, so @vma and its file are stable; preemption disabled.
 */
void mmu_fault_vma_capture(struct mmu_fault_vma *v, struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->file = vma->vm_file;
	v->down = !!(vma->vm_flags & VM_GROWSDOWN);
	/* As mmu_vma_info_fill() names them (maps), without d_path. */
	if (is_vm_hugetlb_page(vma))
		v->kind = MMU_VK_HUGETLB;
	else if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping))
		v->kind = MMU_VK_SHMEM;
	else if (vma->vm_file)
		v->kind = MMU_VK_FILE;
	else if (vma->vm_ops && vma->vm_ops->name)
		v->kind = MMU_VK_SPECIAL;
	else if (v->start <= READ_ONCE(mm->brk) &&
		 v->end >= READ_ONCE(mm->start_brk))
		v->kind = MMU_VK_HEAP;
	else if (v->start <= mm->start_stack && v->end >= mm->start_stack)
		v->kind = MMU_VK_STACK;
	else
		v->kind = MMU_VK_ANON;
}

static void mmu_vma_key(const struct mmu_fault_vma *v, unsigned long *addr,
			unsigned long *pgoff)
{
	*addr = v->down ? v->end : v->start;
	*pgoff = v->pgoff + (v->down ? (v->end - v->start) >> PAGE_SHIFT : 0);
}

static void mmu_vma_row_add(struct mmu_vma_row *d, const struct mmu_vma_row *r)
{
	unsigned int i;

	for (i = 0; i < MMU_VMA_CLASSES; i++)
		d->count[i] += r->count[i];
	d->sum_ns += r->sum_ns;
	d->max_ns = max(d->max_ns, r->max_ns);
}

/*
 * The row of @v's key on this CPU: the previous fault's, a matching one,
 * a free one, or the one with the fewest faults, moved to `other` first.
 */
static struct mmu_vma_row *mmu_vtab_row(struct mmu_fault_vtab *vt,
					const struct mmu_fault_vma *v)
{
	unsigned long addr, pgoff;
	struct mmu_vma_row *r;
	unsigned int i, victim = 0;

	mmu_vma_key(v, &addr, &pgoff);
	r = &vt->row[vt->last];
	if (likely(r->addr == addr && r->file == v->file && r->pgoff == pgoff &&
		   r->down == v->down && r->count[MMU_FC_ALL]))
		goto widen;
	for (i = 0; i < vt->used; i++) {
		r = &vt->row[i];
		if (r->addr == addr && r->file == v->file &&
		    r->pgoff == pgoff && r->down == v->down)
			goto found;
		if (r->count[MMU_FC_ALL] < vt->row[victim].count[MMU_FC_ALL])
			victim = i;
	}
	if (vt->used < MMU_FAULT_VMAS) {
		i = vt->used++;
	} else {
		i = victim;
		mmu_vma_row_add(&vt->other, &vt->row[i]);
	}
	r = &vt->row[i];
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	r->pgoff = pgoff;
	r->file = v->file;
	r->down = v->down;
	r->kind = v->kind;
	r->start = v->start;
	r->end = v->end;
found:
	vt->last = i;
widen:
	r->start = min(r->start, v->start);
	r->end = max(r->end, v->end);
	return r;
}

/**
 * mmu_fault_vmas_record() - count one finished fault in its VMA's row
 * @vt:		the per-CPU rows of the current counter generation
 * @v:		the fault's VMA (kind MMU_VK_NONE: none, counted in `other`)
 * @classes:	class mask
 * @ns:		entry-to-end latency
 *
 * Context: probe context, preemption disabled, per-CPU recursion guard
 * held; never in IRQ context (the probes refuse it).
 */
void mmu_fault_vmas_record(struct mmu_fault_vtab __percpu *vt,
			   const struct mmu_fault_vma *v, u32 classes, u64 ns)
{
	struct mmu_fault_vtab *t = this_cpu_ptr(vt);
	unsigned long mask = classes & GENMASK(MMU_VMA_CLASSES - 1, 0);
	struct mmu_vma_row *r;

	raw_spin_lock(&t->lock);
	r = v->kind == MMU_VK_NONE ? &t->other : mmu_vtab_row(t, v);
	/* Inline, not for_each_set_bit(): a call per class on every fault. */
	for (; mask; mask &= mask - 1)
		r->count[__ffs(mask)]++;
	r->sum_ns += ns;
	r->max_ns = max(r->max_ns, ns);
	raw_spin_unlock(&t->lock);
}

static int mmu_vma_row_cmp_key(const void *a, const void *b)
{
	const struct mmu_vma_row *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->pgoff != y->pgoff)
		return x->pgoff < y->pgoff ? -1 : 1;
	if (x->file != y->file)
		return (unsigned long)x->file < (unsigned long)y->file ? -1 : 1;
	return (int)x->down - (int)y->down;
}

/* More faults first; equal counts by address, so the order is stable. */
static int mmu_vma_row_cmp_all(const void *a, const void *b)
{
	const struct mmu_vma_row *x = a, *y = b;

	if (x->count[MMU_FC_ALL] != y->count[MMU_FC_ALL])
		return x->count[MMU_FC_ALL] > y->count[MMU_FC_ALL] ? -1 : 1;
	return mmu_vma_row_cmp_key(a, b);
}

/* Every CPU's rows of the target's current generation, merged by key. */
struct mmu_vma_snap {
	struct mmu_vma_row other;
	unsigned int n;
	struct mmu_vma_row row[];
};

/* Context: process context; sleeps (allocation). */
static struct mmu_vma_snap *mmu_vmas_snapshot(struct mmu_target *t)
{
	struct mmu_fault_vtab *tmp;
	struct mmu_vma_snap *sn;
	struct mmu_fault_stats *s;
	unsigned int i, j;
	int cpu;

	tmp = kmalloc(sizeof(*tmp), GFP_KERNEL);
	sn = kvzalloc(struct_size(sn, row, nr_cpu_ids * MMU_FAULT_VMAS),
		      GFP_KERNEL);
	if (!tmp || !sn)
		goto fail;
	rcu_read_lock();
	s = rcu_dereference(t->faults->stats);
	for_each_possible_cpu(cpu) {
		struct mmu_fault_vtab *vt = per_cpu_ptr(s->vtab, cpu);

		/* Copy under the lock, merge outside it. */
		raw_spin_lock(&vt->lock);
		memcpy(tmp, vt, sizeof(*tmp));
		raw_spin_unlock(&vt->lock);
		mmu_vma_row_add(&sn->other, &tmp->other);
		memcpy(&sn->row[sn->n], tmp->row, tmp->used * sizeof(tmp->row[0]));
		sn->n += tmp->used;
	}
	rcu_read_unlock();
	kfree(tmp);

	sort(sn->row, sn->n, sizeof(sn->row[0]), mmu_vma_row_cmp_key, NULL);
	for (i = 0, j = 0; i < sn->n; i++) {
		if (j && !mmu_vma_row_cmp_key(&sn->row[j - 1], &sn->row[i])) {
			struct mmu_vma_row *d = &sn->row[j - 1];

			mmu_vma_row_add(d, &sn->row[i]);
			d->start = min(d->start, sn->row[i].start);
			d->end = max(d->end, sn->row[i].end);
			continue;
		}
		if (j != i)
			sn->row[j] = sn->row[i];
		j++;
	}
	sn->n = j;
	sort(sn->row, sn->n, sizeof(sn->row[0]), mmu_vma_row_cmp_all, NULL);
	/* Beyond the top rows: `other`. */
	for (i = MMU_FAULT_VMAS; i < sn->n; i++)
		mmu_vma_row_add(&sn->other, &sn->row[i]);
	sn->n = min_t(unsigned int, sn->n, MMU_FAULT_VMAS);
	return sn;
fail:
	kfree(tmp);
	kvfree(sn);
	return NULL;
}

/*
 * The VMA that holds @r's key now, with the same file and page offset
 * there: @r's VMA or what it became by growing, shrinking or splitting.
 *
 * Context: mmap_read_lock held.
 */
static struct vm_area_struct *mmu_vma_row_live(struct mm_struct *mm,
					       const struct mmu_vma_row *r)
{
	struct vm_area_struct *vma;

	vma = vma_lookup(mm, r->down ? r->addr - 1 : r->addr);
	if (!vma || (const void *)vma->vm_file != r->file ||
	    !!(vma->vm_flags & VM_GROWSDOWN) != r->down ||
	    vma->vm_pgoff + ((r->addr - vma->vm_start) >> PAGE_SHIFT) != r->pgoff)
		return NULL;
	return vma;
}

static const char * const mmu_vma_kind_name[MMU_VK_NR] = {
	[MMU_VK_NONE]		= "other",
	[MMU_VK_ANON]		= "anon",
	[MMU_VK_HEAP]		= "[heap]",
	[MMU_VK_STACK]		= "[stack]",
	[MMU_VK_FILE]		= "[unmapped]",
	[MMU_VK_SHMEM]		= "[unmapped]",
	[MMU_VK_HUGETLB]	= "[unmapped]",
	[MMU_VK_SPECIAL]	= "[unmapped]",
};

static const char * const mmu_vma_kind_backing[MMU_VK_NR] = {
	[MMU_VK_NONE]		= "none",
	[MMU_VK_ANON]		= "anon",
	[MMU_VK_HEAP]		= "anon",
	[MMU_VK_STACK]		= "anon",
	[MMU_VK_FILE]		= "file",
	[MMU_VK_SHMEM]		= "shmem",
	[MMU_VK_HUGETLB]	= "hugetlb",
	[MMU_VK_SPECIAL]	= "special",
};

static_assert(ARRAY_SIZE(mmu_vma_kind_name) == MMU_VK_NR);
static_assert(ARRAY_SIZE(mmu_vma_kind_backing) == MMU_VK_NR);

static void mmu_vma_row_counts(struct seq_file *m, const struct mmu_vma_row *r)
{
	unsigned int i;

	for (i = 0; i < MMU_VMA_CLASSES; i++)
		seq_printf(m, " %s=%llu", mmu_fault_class_names[i], r->count[i]);
	seq_printf(m, " sum_ns=%llu max_ns=%llu", r->sum_ns, r->max_ns);
}

static int fault_vmas_show(struct seq_file *m, void *unused)
{
	struct mmu_target *t = m->private;
	struct mmu_vma_info *vi;
	struct mmu_vma_snap *sn;
	struct mm_struct *mm;
	unsigned int i;

	vi = kmalloc(sizeof(*vi), GFP_KERNEL);
	sn = mmu_vmas_snapshot(t);
	if (!vi || !sn) {
		kfree(vi);
		kvfree(sn);
		return -ENOMEM;
	}
	/* An exited target's rows are all unmapped. */
	mm = mmu_target_get_mm(t);
	if (!IS_ERR(mm) && mmap_read_lock_killable(mm)) {
		mmput(mm);
		kfree(vi);
		kvfree(sn);
		return -EINTR;
	}
	seq_printf(m, "# mmuscope fault_vmas v%d top=%d\n", MMUSCOPE_FORMAT,
		   MMU_FAULT_VMAS);
	for (i = 0; i < sn->n; i++) {
		const struct mmu_vma_row *r = &sn->row[i];
		struct vm_area_struct *vma = NULL;
		unsigned long pgoff;

		if (!IS_ERR(mm))
			vma = mmu_vma_row_live(mm, r);
		if (vma)
			mmu_vma_info_fill(vma, vi);
		pgoff = r->pgoff - ((r->addr - r->start) >> PAGE_SHIFT);
		seq_printf(m, "start=0x%lx end=0x%lx pgoff=0x%lx vma=%s",
			   r->start, r->end, pgoff,
			   vma ? vi->name : mmu_vma_kind_name[r->kind]);
		mmu_vma_row_counts(m, r);
		seq_printf(m, " backing=%s mapped=%d\n",
			   vma ? vi->backing : mmu_vma_kind_backing[r->kind],
			   !!vma);
	}
	if (!IS_ERR(mm)) {
		mmap_read_unlock(mm);
		mmput(mm);
	}
	seq_puts(m, "vma=other");
	mmu_vma_row_counts(m, &sn->other);
	seq_putc(m, '\n');
	kfree(vi);
	kvfree(sn);
	return 0;
}

static int fault_vmas_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, fault_vmas_show);
}

static const struct file_operations fault_vmas_fops = {
	.owner		= THIS_MODULE,
	.open		= fault_vmas_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

int mmu_fault_vmas_create_file(struct mmu_target *t)
{
	return PTR_ERR_OR_ZERO(debugfs_create_file("fault_vmas", 0400, t->dir,
						   t, &fault_vmas_fops));
}
