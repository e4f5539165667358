// SPDX-License-Identifier: GPL-2.0
/* mmuscope: per-target mapping views (maps, translate, summary). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "mmuscope.h"

void mmu_views_create(struct mmu_target *t)
{
}

void mmu_views_load_report(struct mmu_target *t, bool dump)
{
}
