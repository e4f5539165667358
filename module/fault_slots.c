// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the per-task slots that pair a fault's entry with its end. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include "compat.h"
#include "faults.h"

/*
 * Every function here runs in a probe of fault_hooks.c, in the faulting
 * task, under rcu_read_lock() and the probes' per-CPU recursion guard.
 */

/* The slot current owns in @f's table, or NULL. */
struct mmu_fault_slot *mmu_slot_find(struct mmu_fault_target *f)
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
 * Take a free slot for current.  A slot is never taken from another task:
 * its owner frees it when its fault ends, when it faults again after a
 * fault that ended on a path we do not hook (counted unpaired), or when
 * it exits (fault_hooks.c's mmu_tp_exit).  So a live fault keeps its
 * slot, whatever the clocks of two CPUs say.
 */
struct mmu_fault_slot *mmu_slot_claim(struct mmu_fault_target *f)
{
	unsigned long me = (unsigned long)current;
	unsigned int h = hash_ptr(current, ilog2(MMU_FAULT_SLOTS));
	unsigned int i;

	for (i = 0; i < MMU_FAULT_PROBES; i++) {
		struct mmu_fault_slot *s = &f->slots[(h + i) % MMU_FAULT_SLOTS];

		if (!READ_ONCE(s->owner) && !cmpxchg(&s->owner, 0, me))
			return s;
	}
	return NULL;
}

/*
 * At a fault's entry: the slot current still owns (*@fresh false: its
 * previous fault ended on a path we do not hook, or this is a nested
 * fault), else a free slot now claimed (*@fresh true), else NULL.  One
 * pass over current's probe sequence for both, where a find and then a
 * claim would walk it twice on every fault.
 */
struct mmu_fault_slot *mmu_slot_find_or_claim(struct mmu_fault_target *f,
					      bool *fresh)
{
	unsigned long me = (unsigned long)current, owner;
	unsigned int h = hash_ptr(current, ilog2(MMU_FAULT_SLOTS));
	struct mmu_fault_slot *s, *free = NULL;
	unsigned int i;

	for (i = 0; i < MMU_FAULT_PROBES; i++) {
		s = &f->slots[(h + i) % MMU_FAULT_SLOTS];
		owner = READ_ONCE(s->owner);
		if (owner == me) {
			*fresh = false;
			return s;
		}
		if (!owner && !free)
			free = s;
	}
	*fresh = true;
	/* Another thread of the target may take it first. */
	if (free && !cmpxchg(&free->owner, 0, me))
		return free;
	return mmu_slot_claim(f);
}

/* Start a fault in @s: its entry time, address and the error code's classes. */
void mmu_slot_open(struct mmu_fault_slot *s, u64 now, unsigned long va,
		   unsigned long ip, unsigned long err, bool has_err, bool user)
{
	s->t_entry = now;
	s->handler_ns = 0;
	s->va = va;
	s->ip = ip;
	s->err = err;
	s->calls = 0;
	s->busy = 0;
	s->has_err = has_err;
	s->vma.kind = MMU_VK_NONE;
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
void mmu_slot_close(struct mmu_fault_target *f, struct mmu_fault_slot *s,
		    unsigned int result, u64 now)
{
	u64 total = now - s->t_entry;
	u32 classes = s->classes | BIT(MMU_FC_ALL) | BIT(result);

	if (s->calls) {
		classes |= BIT(MMU_FC_HANDLER);
		if (s->has_err)
			classes |= BIT(MMU_FC_WAIT);
	}
	mmu_fault_stats_record(f, classes, total, s->handler_ns, &s->vma);
	mmu_fault_stream_emit(&f->stream, s, classes, now, total);
	/* Our reads of the slot happen before another task may claim it. */
	smp_store_release(&s->owner, 0);
}
