// SPDX-License-Identifier: GPL-2.0
/* mmuscope: page-fault hooks, per-target statistics and event stream. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "mmuscope.h"

int mmu_faults_init(void)
{
	return 0;
}

void mmu_faults_exit(void)
{
}

int mmu_faults_target_alloc(struct mmu_target *t)
{
	return 0;
}

void mmu_faults_target_free(struct mmu_target *t)
{
}

void mmu_faults_create_files(struct mmu_target *t)
{
}

void mmu_faults_target_removed(struct mmu_target *t)
{
}

void mmu_faults_targets_changed(void)
{
}
