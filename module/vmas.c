// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope: <pid>/vmas, one line per VMA with what its page tables hold:
 * resident bytes by leaf size, accessed, dirty, swapped, no-struct-page
 * (special) bytes and the PTE tables reaching into it.  The reader's
 * default maps view, without formatting one line per run (smaps-sized
 * output, where maps can be millions of lines).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "compat.h"
#include "merge.h"
#include "mmuscope.h"
#include "walk.h"

/* Leaves at these levels, in this order in the line (rss_4k rss_2m rss_1g). */
static const enum mmu_level mmu_vmas_leaf_levels[] = { MMU_PTE, MMU_PMD, MMU_PUD };

/**
 * struct mmu_vmas - the VMA being summed up
 * @m:		output
 * @vi:		its name and backing (copied under the lock)
 * @start:	first address of the VMA
 * @end:	end of the VMA (exclusive)
 * @vm_flags:	its flags (for the permissions)
 * @open:	@vi and the counters describe a VMA not printed yet
 * @rss:	present bytes with a struct page, per mmu_vmas_leaf_levels[]
 * @accessed:	bytes of @rss whose leaf entry is young
 * @dirty:	bytes of @rss whose leaf entry is dirty
 * @swapped:	bytes whose entry is a swap entry
 * @special:	present bytes without a struct page (zero page, PFN maps)
 * @pte_tables:	PTE tables the walk met in the VMA (a table two VMAs
 *		share is counted in both)
 */
struct mmu_vmas {
	struct seq_file *m;
	struct mmu_vma_info vi;
	unsigned long start, end, vm_flags;
	bool open;
	unsigned long rss[ARRAY_SIZE(mmu_vmas_leaf_levels)];
	unsigned long accessed, dirty, swapped, special, pte_tables;
};

static void mmu_vmas_flush(struct mmu_vmas *v)
{
	char psz[16];
	int i;

	if (!v->open)
		return;
	seq_printf(v->m, "start=0x%lx end=0x%lx perms=%c%c%c%c vma=%s backing=%s",
		   v->start, v->end, v->vm_flags & VM_READ ? 'r' : '-',
		   v->vm_flags & VM_WRITE ? 'w' : '-',
		   v->vm_flags & VM_EXEC ? 'x' : '-',
		   v->vm_flags & VM_MAYSHARE ? 's' : 'p', v->vi.name,
		   v->vi.backing);
	for (i = 0; i < ARRAY_SIZE(mmu_vmas_leaf_levels); i++) {
		mmu_size_name(psz, sizeof(psz),
			      mmu_level_size(mmu_vmas_leaf_levels[i]));
		string_lower(psz, psz);
		seq_printf(v->m, " rss_%s=%lu", psz, v->rss[i]);
	}
	seq_printf(v->m, " accessed=%lu dirty=%lu swapped=%lu special=%lu pte_tables=%lu\n",
		   v->accessed, v->dirty, v->swapped, v->special,
		   v->pte_tables);
	v->open = false;
}

static void mmu_vmas_leaf(struct mmu_vmas *v, const struct mmu_entry *e)
{
	unsigned long size = mmu_level_size(e->level);
	int i;

	if (e->kind == MMU_K_SWAP) {
		v->swapped += size;
		return;
	}
	if (e->kind != MMU_K_PRESENT)
		return;
	/* No struct page (zero page, PFN maps): smaps' Rss leaves it out. */
	if (e->backing == MMU_B_SPECIAL) {
		v->special += size;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(mmu_vmas_leaf_levels); i++)
		if (mmu_vmas_leaf_levels[i] == e->level)
			v->rss[i] += size;
	if (e->nflags & BIT(MMU_NF_A))
		v->accessed += size;
	if (e->nflags & BIT(MMU_NF_D))
		v->dirty += size;
}

/* Called again for the same VMA after the walker retook mmap_lock. */
static int mmu_vmas_enter(struct vm_area_struct *vma, struct mmu_walk *w)
{
	struct mmu_vmas *v = w->private;

	if (v->open && v->start == vma->vm_start)
		return 0;
	mmu_vmas_flush(v);
	memset(v->rss, 0, sizeof(v->rss));
	v->accessed = 0;
	v->dirty = 0;
	v->swapped = 0;
	v->special = 0;
	v->pte_tables = 0;
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->vm_flags = vma->vm_flags;
	mmu_vma_info_fill(vma, &v->vi);
	v->open = true;
	return 0;
}

static int mmu_vmas_pud(pud_t pud, unsigned long addr, unsigned long next,
			struct mmu_walk *w)
{
	struct mmu_entry e;

	if (w->type == MMU_E_LEAF || w->type == MMU_E_NONPRESENT) {
		mmu_decode_pud(pud, &e);
		mmu_vmas_leaf(w->private, &e);
	}
	return 0;
}

static int mmu_vmas_pmd(pmd_t pmd, unsigned long addr, unsigned long next,
			struct mmu_walk *w)
{
	struct mmu_vmas *v = w->private;
	struct mmu_entry e;

	if (w->type == MMU_E_TABLE) {
		v->pte_tables++;
	} else if (w->type == MMU_E_LEAF || w->type == MMU_E_NONPRESENT) {
		mmu_decode_pmd(pmd, &e);
		mmu_vmas_leaf(v, &e);
	}
	return 0;
}

/*
 * The PTEs of one table, in one call.  A present PTE is counted with the
 * accessors mmu_decode_pte() uses (special as mmu_pfn_backing() decides),
 * without decoding it; the rest are decoded.
 *
 * Context: rcu_read_lock held, the table mapped (mmu_walk_pte_range()).
 */
static int mmu_vmas_pte_range(pte_t *ptep, unsigned long addr,
			      unsigned long end, struct mmu_walk *w)
{
	struct mmu_vmas *v = w->private;
	struct mmu_entry e;

	for (; addr < end; ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get(ptep);
		unsigned long pfn;

		if (pte_none(pte))
			continue;
		if (!pte_present(pte)) {
			mmu_decode_pte(pte, &e);
			mmu_vmas_leaf(v, &e);
			continue;
		}
		pfn = pte_pfn(pte);
		if (pte_special(pte) || !pfn_valid(pfn) || is_zero_pfn(pfn)) {
			v->special += PAGE_SIZE;
			continue;
		}
		v->rss[0] += PAGE_SIZE;
		if (pte_young(pte))
			v->accessed += PAGE_SIZE;
		if (pte_dirty(pte))
			v->dirty += PAGE_SIZE;
	}
	return 0;
}

static const struct mmu_walk_ops mmu_vmas_ops = {
	.vma_enter	= mmu_vmas_enter,
	.pud_entry	= mmu_vmas_pud,
	.pmd_entry	= mmu_vmas_pmd,
	.pte_range	= mmu_vmas_pte_range,
};

static int mmu_vmas_show(struct seq_file *m, void *unused)
{
	struct mmu_target *t = m->private;
	struct mmu_walk w = {
		.ops = &mmu_vmas_ops,
		.may_yield = true,
		.locked = true,
	};
	struct mm_struct *mm;
	struct mmu_vmas *v;
	int err;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	mm = mmu_target_get_mm(t);
	if (IS_ERR(mm)) {
		kfree(v);
		return PTR_ERR(mm);
	}
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		kfree(v);
		return -EINTR;
	}
	v->m = m;
	w.mm = mm;
	w.private = v;
	seq_printf(m, "# mmuscope vmas format=%d\n", MMUSCOPE_FORMAT);
	err = mmu_walk_vmas(&w, 0, TASK_SIZE_MAX);
	if (w.locked)
		mmap_read_unlock(mm);
	mmu_vmas_flush(v);
	mmput(mm);
	kfree(v);
	return err < 0 ? err : 0;
}

static int mmu_vmas_open(struct inode *inode, struct file *file)
{
	return mmu_target_single_open(inode, file, mmu_vmas_show);
}

static const struct file_operations mmu_vmas_fops = {
	.owner		= THIS_MODULE,
	.open		= mmu_vmas_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmu_target_single_release,
};

/* Add <pid>/vmas to a target's directory. */
static int mmu_vmas_create(struct mmu_target *t)
{
	return PTR_ERR_OR_ZERO(debugfs_create_file("vmas", 0400, t->dir, t,
						   &mmu_vmas_fops));
}

const struct mmu_target_part mmu_vmas_part = {
	.create_files	= mmu_vmas_create,
};
