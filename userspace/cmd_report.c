// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `report PID`: everything the module knows of a process
 * in one self-contained HTML file (report_html.c), or the same data as
 * JSON: the address-space map, page sizes and page-table overhead, THP
 * candidates, latency histograms, the fault heatmap, the top fault sites
 * by VMA and by symbol.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

const char *const rlevel_names[RL_COUNT] = { "pte", "pmd", "pud", "nonpresent" };

static enum rlevel run_level(const struct kv_line *l)
{
	const char *lv = kv_get(l, "level");

	if (!kv_get(l, "pfn"))
		return RL_NONPRESENT;
	if (lv && !strcmp(lv, "pmd"))
		return RL_PMD;
	if (lv && (!strcmp(lv, "pud") || !strcmp(lv, "p4d") || !strcmp(lv, "pgd")))
		return RL_PUD;
	return RL_PTE;
}

static const char *guess_backing(const char *name)
{
	if (!strcmp(name, "[vdso]") || !strcmp(name, "[vvar]") || !strcmp(name, "[vsyscall]"))
		return "special";
	if (name[0] == '/' && (strstr(name, "(deleted)") || !strncmp(name, "/dev/shm/", 9)))
		return "shmem";
	return name[0] == '/' ? "file" : "anon";
}

/* VMAs (<pid>/vmas, /proc/PID/maps or the runs) with their runs laid on. */
static void gather_vmas(struct report *r)
{
	struct maprange *v;
	struct kv_doc maps, vd;
	size_t n, i, j = 0, k;
	bool have_vd;

	n = vma_bands(r->pid, &v);
	have_vd = !mmu_read_target_raw(r->pid, "vmas", &vd);
	r->have_maps = !mmu_read_target_raw(r->pid, "maps", &maps);
	r->vmas = xmalloc((n ? n : 1) * sizeof(*r->vmas));
	r->nvmas = n;
	for (i = 0; i < n; i++) {
		struct rvma *x = &r->vmas[i];

		memset(x, 0, sizeof(*x));
		x->start = v[i].start;
		x->end = v[i].end;
		x->name = v[i].name;
		for (k = 0; have_vd && k < vd.n; k++)
			if (kv_u64_or(&vd.lines[k], "start", 1) == x->start) {
				x->backing = xstrdup(kv_get(&vd.lines[k], "backing") ?: "");
				x->perms = xstrdup(kv_get(&vd.lines[k], "perms") ?: "");
			}
	}
	free(v);
	for (i = 0; r->have_maps && i < maps.n; i++) {
		const struct kv_line *l = &maps.lines[i];
		uint64_t s = kv_u64_or(l, "start", 0), e = kv_u64_or(l, "end", 0);
		enum rlevel lv;
		struct rvma *x;

		if (!kv_is_data(l) || e <= s)
			continue;
		while (j < n && r->vmas[j].end <= s)
			j++;
		if (j == n || r->vmas[j].start > s)
			continue;	/* a run no VMA known holds: changed meanwhile */
		x = &r->vmas[j];
		lv = run_level(l);
		if (!r->pagesize[lv][0] && kv_get(l, "pagesize"))
			snprintf(r->pagesize[lv], sizeof(r->pagesize[lv]), "%s", kv_get(l, "pagesize"));
		if (!x->backing && kv_get(l, "backing"))
			x->backing = xstrdup(kv_get(l, "backing"));
		x->bytes[lv] += (e < x->end ? e : x->end) - s;
		x->runs = xrealloc(x->runs, (x->nruns + 1) * sizeof(*x->runs));
		x->runs[x->nruns].start = s;
		x->runs[x->nruns].end = e < x->end ? e : x->end;
		x->runs[x->nruns++].level = lv;
	}
	for (i = 0; i < n; i++) {
		if (!r->vmas[i].backing)
			r->vmas[i].backing = xstrdup(guess_backing(r->vmas[i].name));
		if (!r->vmas[i].perms)
			r->vmas[i].perms = xstrdup("");
	}
	if (have_vd)
		kv_doc_free(&vd);
	if (r->have_maps)
		kv_doc_free(&maps);
}

/* Power-of-two histograms of the non-empty classes, as faults --hist draws them. */
static void gather_hists(struct report *r)
{
	size_t i, j;

	r->hists = xmalloc((r->nstats ? r->nstats : 1) * sizeof(*r->hists));
	for (i = 0; i < r->nstats; i++) {
		struct rhist *h = &r->hists[r->nhists];
		struct bucket *b;
		size_t nb;

		if (!r->stats[i].count)
			continue;
		memset(h, 0, sizeof(*h));
		h->class = r->stats[i].class;
		h->first = 64;
		nb = class_buckets(&r->hist_doc, NULL, h->class, &b);
		for (j = 0; j < nb; j++) {
			int k = b[j].lo ? 63 - __builtin_clzll(b[j].lo) : 0;

			h->buckets[k] += b[j].count;
			h->count += b[j].count;
			h->first = k < h->first ? k : h->first;
			h->last = k > h->last ? k : h->last;
		}
		free(b);
		if (h->count)
			r->nhists++;
	}
}

static void json_summary(struct jw *w, const struct kv_doc *d)
{
	size_t i, k;
	uint64_t v;

	jw_obj_begin(w);
	for (i = 0; i < d->n; i++) {
		const struct kv_line *l = &d->lines[i];

		if (!kv_is_data(l) || (l->n > 1 && parse_u64(l->kv[0].val, &v)))
			continue;	/* table rows (selector=NAME ...): summary -j has them */
		for (k = 0; k < l->n; k++)
			if (l->kv[k].key[0] && !parse_dec_u64(l->kv[k].val, &v)) {
				jw_key(w, l->kv[k].key);
				jw_u64(w, v);
			}
	}
	jw_obj_end(w);
}

static void report_json(const struct report *r)
{
	struct jw *w = jw_new(stdout, true);
	size_t i, k;
	int b;

	jw_obj_begin(w);
	jw_key(w, "pid");
	jw_i64(w, r->pid);
	jw_key(w, "comm");
	jw_str(w, r->comm);
	jw_key(w, "time");
	jw_time(w, r->time);
	jw_key(w, "duration_s");
	jw_double(w, r->duration);
	jw_key(w, "version");
	if (r->version.n && kv_is_data(&r->version.lines[r->version.n - 1]))
		jw_kv_line(w, &r->version.lines[r->version.n - 1]);
	else
		jw_null(w);
	jw_key(w, "vmas");
	jw_arr_begin(w);
	for (i = 0; i < r->nvmas; i++) {
		const struct rvma *x = &r->vmas[i];

		jw_obj_begin(w);
		jw_key(w, "start");
		jw_hex(w, x->start);
		jw_key(w, "end");
		jw_hex(w, x->end);
		jw_key(w, "name");
		jw_str(w, x->name);
		jw_key(w, "backing");
		jw_str(w, x->backing);
		jw_key(w, "size_bytes");
		jw_u64(w, x->end - x->start);
		for (k = 0; k < RL_COUNT; k++) {
			char key[32];

			snprintf(key, sizeof(key), "%s_bytes", rlevel_names[k]);
			jw_key(w, key);
			jw_u64(w, x->bytes[k]);
		}
		jw_key(w, "runs");
		jw_u64(w, x->nruns);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "pagesizes");
	jw_obj_begin(w);
	for (k = 0; k < RL_COUNT; k++)
		if (r->pagesize[k][0]) {
			jw_key(w, rlevel_names[k]);
			jw_str(w, r->pagesize[k]);
		}
	jw_obj_end(w);
	jw_key(w, "summary");
	if (r->have_summary)
		json_summary(w, &r->summary);
	else
		jw_null(w);
	jw_key(w, "stats");
	fault_stats_json(w, r->stats, r->nstats);
	jw_key(w, "histograms");
	jw_arr_begin(w);
	for (i = 0; i < r->nhists; i++) {
		const struct rhist *h = &r->hists[i];

		jw_obj_begin(w);
		jw_key(w, "class");
		jw_str(w, h->class);
		jw_key(w, "count");
		jw_u64(w, h->count);
		jw_key(w, "buckets");
		jw_arr_begin(w);
		for (b = h->first; b <= h->last; b++) {
			jw_obj_begin(w);
			jw_key(w, "lo_ns");
			jw_u64(w, b ? 1ULL << b : 0);
			jw_key(w, "hi_ns");
			jw_u64(w, 1ULL << (b + 1));
			jw_key(w, "count");
			jw_u64(w, h->buckets[b]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "heatmap");
	heatmap_json(w, r->heatmap);
	jw_key(w, "by_vma");
	if (r->by_vma_absent)
		jw_null(w);
	else
		vma_rows_json(w, r->vrows, r->nvrows, r->top, false);
	jw_key(w, "by_vma_absent");
	if (r->by_vma_absent)
		jw_str(w, r->by_vma_absent);
	else
		jw_null(w);
	jw_key(w, "symbolizer");
	jw_str(w, r->symbolizer);
	jw_key(w, "events");
	jw_u64(w, r->events.n);
	jw_key(w, "lost");
	jw_u64(w, r->events.lost);
	jw_key(w, "by_sym");
	sym_sites_json(w, r->sites, r->nsites, r->top);
	jw_obj_end(w);
	jw_destroy(w);
}

struct report_opts {
	double duration;
	const char *from, *maps;
	size_t top;
};

static int report_opt(int opt, const char *arg, void *ctx)
{
	struct report_opts *o = ctx;
	uint64_t v;

	switch (opt) {
	case 'd':
		if (parse_seconds(arg, &o->duration))
			return cmd_usage_err("report", "--duration takes seconds > 0, not '%s'", arg);
		return -1;
	case 'r':
		o->from = arg;
		return -1;
	case 'm':
		o->maps = arg;
		return -1;
	case 'T':
		if (parse_dec_u64(arg, &v) || !v || v > 1000000)
			return cmd_usage_err("report", "--top takes a number > 0, not '%s'", arg);
		o->top = v;
		return -1;
	default:
		return CMD_OPT_OTHER;
	}
}

static void gather(struct report *r, const struct report_opts *o)
{
	const struct maprange *mr;
	struct maprange *v = NULL;
	struct symtab *st;
	char *header = NULL;
	size_t nv;
	int ret;

	gather_vmas(r);
	r->have_summary = !mmu_read_target_raw(r->pid, "summary", &r->summary);
	if (!mmu_read_target_raw(r->pid, "fault_stats", &r->stats_doc)) {
		r->have_stats = true;
		fault_stats_rows(&r->stats_doc, &r->stats, &r->nstats);
	}
	if (mmu_read_target_raw(r->pid, "fault_hist", &r->hist_doc))
		memset(&r->hist_doc, 0, sizeof(r->hist_doc));
	gather_hists(r);
	ret = vma_rows_read(r->pid, false, &r->vrows, &r->nvrows, &header);
	free(header);
	if (ret == -ENOENT)
		r->by_vma_absent = xstrdup("this module has no per-VMA fault accounting (<pid>/fault_vmas)");
	else if (ret)
		r->by_vma_absent = xstrdup(strerror(-ret));
	else
		vma_rows_sort(r->vrows, r->nvrows, false);
	/* The stream last: the views above are a snapshot from before it. */
	if (sites_gather(r->pid, o->from, r->duration, &r->events))
		memset(&r->events, 0, sizeof(r->events));
	st = sym_open(r->pid, o->maps);
	r->symbolizer = st ? sym_backend() : "none (no mappings)";
	r->nsites = sym_sites(&r->events, st, &r->sites);
	sym_sites_sort(r->sites, r->nsites, false);
	nv = sym_maps(st, &mr);
	if (!nv) {
		nv = vma_bands(r->pid, &v);
		mr = v;
	}
	r->heatmap = heatmap_build(&r->events, mr, nv, 0);
	vmas_free(v, v ? nv : 0);
	sym_close(st);
}

static void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nvmas; i++) {
		free(r->vmas[i].name);
		free(r->vmas[i].backing);
		free(r->vmas[i].perms);
		free(r->vmas[i].runs);
	}
	free(r->vmas);
	free(r->stats);
	free(r->hists);
	kv_doc_free(&r->version);
	kv_doc_free(&r->summary);
	kv_doc_free(&r->stats_doc);
	kv_doc_free(&r->hist_doc);
	heatmap_free(r->heatmap);
	sym_sites_free(r->sites, r->nsites);
	vma_rows_free(r->vrows, r->nvrows);
	free(r->by_vma_absent);
	events_free(&r->events);
}

int do_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'r' },
		{ "maps", required_argument, NULL, 'm' },
		{ "top", required_argument, NULL, 'T' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct report_opts o = { 0 };
	struct report r;
	struct timespec rt;
	bool added = false;
	pid_t pid;
	int ret;

	ret = cmd_preamble("report", argc, argv, ":d:r:m:T:o:jh", opts, report_opt, &o, &pid,
			   NULL, NULL);
	if (ret >= 0)
		return ret;
	if (o.maps && !o.from)
		return cmd_usage_err("report", "--maps goes with --from (a live process has its own)");
	if (o.from && o.duration > 0)
		return cmd_usage_err("report", "--duration is for the live stream, not --from");
	if (mmu_preflight() || mmu_target_attach(pid, &added))
		return EXIT_ERR;
	install_stop_handlers();
	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.top = o.top ? o.top : SITES_DEFAULT_TOP;
	r.duration = o.from ? 0 : o.duration > 0 ? o.duration : SITES_DEFAULT_DURATION;
	clock_gettime(CLOCK_REALTIME, &rt);
	r.time = rt.tv_sec + rt.tv_nsec / 1e9;
	target_comm(pid, r.comm, sizeof(r.comm));
	if (mmu_read_doc("version", &r.version))
		memset(&r.version, 0, sizeof(r.version));
	gather(&r, &o);
	mmu_target_detach(pid, added);
	if (json_output)
		report_json(&r);
	else
		report_html(stdout, &r);
	report_free(&r);
	return EXIT_OK;
}
