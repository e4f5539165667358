/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope reader: the data of `mmuscope report`, gathered once
 * (cmd_report.c) and written as JSON (cmd_report.c) or as one
 * self-contained HTML page (report_html.c) from the same structures.
 */
#ifndef MMUSCOPE_REPORT_H
#define MMUSCOPE_REPORT_H

#include "mmuscope.h"

/* Leaf levels a VMA's runs sit at, and "not present" (swap, migration...). */
enum rlevel { RL_PTE, RL_PMD, RL_PUD, RL_NONPRESENT, RL_COUNT };
extern const char *const rlevel_names[RL_COUNT];

struct rrun {
	uint64_t start, end;
	enum rlevel level;
};

struct rvma {
	uint64_t start, end;
	char *name, *backing, *perms;
	uint64_t bytes[RL_COUNT];	/* by level; RL_NONPRESENT: swapped & co */
	struct rrun *runs;
	size_t nruns;
};

struct rhist {
	const char *class;
	uint64_t count, buckets[64];	/* power-of-two buckets: [2^i, 2^(i+1)) */
	int first, last;
};

struct report {
	pid_t pid;
	char comm[64];
	double time;			/* Unix seconds */
	struct kv_doc version, summary, stats_doc, hist_doc;
	bool have_summary, have_stats, have_maps;
	char pagesize[RL_COUNT][16];	/* "4K", "2M", ... as the runs name them */
	struct rvma *vmas;
	size_t nvmas;
	struct fstat_row *stats;
	size_t nstats;
	struct rhist *hists;
	size_t nhists;
	struct fevents events;
	double duration;
	struct heatmap *heatmap;
	struct sym_site *sites;
	size_t nsites, top;
	const char *symbolizer;
	struct vrow *vrows;
	size_t nvrows;
	char *by_vma_absent;		/* why there is no per-VMA table */
};

void report_html(FILE *f, const struct report *r);

#endif
