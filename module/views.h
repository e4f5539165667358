/* SPDX-License-Identifier: GPL-2.0 */
/* mmuscope: what the mapping views (maps, translate, summary) share. */
#ifndef _MMUSCOPE_VIEWS_H
#define _MMUSCOPE_VIEWS_H

#include <linux/fs.h>

struct mm_struct;
struct mmu_target;

/* views.c */
struct mm_struct *mmu_views_lock_mm(struct mmu_target *t);

/* maps.c, translate.c, summary.c: their files */
extern const struct file_operations mmu_maps_fops;
extern const struct file_operations mmu_translate_fops;
extern const struct file_operations mmu_translate_ro_fops;
extern const struct file_operations mmu_summary_fops;

/* maps.c: the bounded dump of dump_on_load */
void mmu_maps_dump(struct mmu_target *t);

#endif /* _MMUSCOPE_VIEWS_H */
