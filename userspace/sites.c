// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: where the faults come from.  By code: the stream's ips
 * symbolized (sym.c) and added up per function; by mapping: the module's
 * <pid>/fault_vmas lines, per VMA or per file.  Tables, JSON and folded
 * stacks (faults --by, report).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

struct ipkey {
	uint64_t ip;
	bool kernel;
	size_t res;		/* index into the resolved symbols */
};

static int cmp_ipkey(const void *a, const void *b)
{
	const struct ipkey *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return (int)x->kernel - (int)y->kernel;
}

static bool ev_kernel(const struct fevent *ev)
{
	return event_has_class(ev, "kernel");
}

/* Every distinct ip resolved once: @keys sorted, each with its symbol. */
static size_t resolve_ips(const struct fevents *e, const struct symtab *st,
			  struct ipkey **keys, struct symres **res)
{
	struct ipkey *k = xmalloc((e->n ? e->n : 1) * sizeof(*k));
	size_t i, n = 0;

	for (i = 0; i < e->n; i++) {
		k[i].ip = e->ev[i].ip;
		k[i].kernel = ev_kernel(&e->ev[i]);
	}
	qsort(k, e->n, sizeof(*k), cmp_ipkey);
	for (i = 0; i < e->n; i++)
		if (!n || cmp_ipkey(&k[n - 1], &k[i]))
			k[n++] = k[i];
	*res = xmalloc((n ? n : 1) * sizeof(**res));
	for (i = 0; i < n; i++) {
		sym_resolve(st, k[i].ip, k[i].kernel, &(*res)[i]);
		k[i].res = i;
	}
	*keys = k;
	return n;
}

static const struct symres *lookup(const struct ipkey *keys, size_t n, const struct symres *res,
				   const struct fevent *ev)
{
	struct ipkey key = { .ip = ev->ip, .kernel = ev_kernel(ev) };
	const struct ipkey *k = bsearch(&key, keys, n, sizeof(*keys), cmp_ipkey);

	return &res[k->res];
}

/* The sites of the events: one per function (per module), unsorted. */
size_t sym_sites(const struct fevents *e, const struct symtab *st, struct sym_site **out)
{
	struct sym_site *s = NULL;
	struct ipkey *keys;
	struct symres *res;
	size_t nk, i, j, n = 0, *site;

	nk = resolve_ips(e, st, &keys, &res);
	/* Each distinct ip to its site once; then each event is a lookup. */
	site = xmalloc((nk ? nk : 1) * sizeof(*site));
	for (i = 0; i < nk; i++) {
		const struct symres *r = &res[i];

		for (j = 0; j < n; j++)
			if (!strcmp(s[j].func, r->func) && !strcmp(s[j].module, r->module))
				break;
		if (j == n) {
			s = xrealloc(s, (n + 1) * sizeof(*s));
			memset(&s[n], 0, sizeof(s[n]));
			s[n].func = xstrdup(r->func);
			s[n].module = xstrdup(r->module);
			s[n].build_id = xstrdup(r->build_id);
			s[n].ip = r->ip;
			s[n].rel = r->rel;
			s[n].offset = r->offset;
			s[n].symbolized = r->symbolized;
			n++;
		}
		site[i] = j;
	}
	for (i = 0; i < e->n; i++) {
		const struct fevent *ev = &e->ev[i];
		struct sym_site *x = &s[site[lookup(keys, nk, res, ev) - res]];

		x->count++;
		x->sum_ns += ev->lat;
		if (ev->lat > x->max_ns)
			x->max_ns = ev->lat;
	}
	for (i = 0; i < nk; i++)
		sym_res_free(&res[i]);
	free(site);
	free(res);
	free(keys);
	*out = s;
	return n;
}

void sym_sites_free(struct sym_site *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].func);
		free(s[i].module);
		free(s[i].build_id);
	}
	free(s);
}

static bool sort_latency;

static int cmp_site(const void *a, const void *b)
{
	const struct sym_site *x = a, *y = b;
	uint64_t vx = sort_latency ? x->sum_ns : x->count, vy = sort_latency ? y->sum_ns : y->count;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	return strcmp(x->func, y->func);
}

void sym_sites_sort(struct sym_site *s, size_t n, bool by_latency)
{
	sort_latency = by_latency;
	qsort(s, n, sizeof(*s), cmp_site);
}

void sym_sites_table(FILE *f, const struct sym_site *s, size_t n, size_t top,
		     const struct fevents *e)
{
	char a[3][32];
	size_t i;

	fprintf(f, "%s%8s %6s %9s %9s %9s  %-32s %-24s %s%s\n", col(C_BOLD), "COUNT", "%",
		"LATENCY", "AVG", "MAX", "SYMBOL", "FILE", "BUILD-ID", col(C_RESET));
	for (i = 0; i < n && (!top || i < top); i++)
		fprintf(f, "%8" PRIu64 " %5.1f%% %9s %9s %9s  %-32s %-24s %s\n", s[i].count,
			e->n ? 100.0 * s[i].count / e->n : 0.0,
			human_ns(s[i].sum_ns, a[0], sizeof(a[0])),
			human_ns(s[i].sum_ns / s[i].count, a[1], sizeof(a[1])),
			human_ns(s[i].max_ns, a[2], sizeof(a[2])), s[i].func,
			s[i].module[0] ? s[i].module : "-", s[i].build_id[0] ? s[i].build_id : "-");
	if (top && n > top)
		fprintf(f, "%s(%zu more sites: --top N)%s\n", col(C_DIM), n - top, col(C_RESET));
	fprintf(f, "%" PRIu64 " events", (uint64_t)e->n);
	if (e->lost)
		fprintf(f, ", %s%" PRIu64 " events lost%s (stream buffer full: not in the table)",
			col(C_RED), e->lost, col(C_RESET));
	fprintf(f, "\n");
}

void sym_sites_json(struct jw *w, const struct sym_site *s, size_t n, size_t top)
{
	size_t i;

	jw_arr_begin(w);
	for (i = 0; i < n && (!top || i < top); i++) {
		jw_obj_begin(w);
		jw_key(w, "symbol");
		jw_str(w, s[i].func);
		jw_key(w, "symbolized");
		jw_bool(w, s[i].symbolized);
		jw_key(w, "file");
		jw_str(w, s[i].module);
		jw_key(w, "build_id");
		jw_str(w, s[i].build_id);
		jw_key(w, "count");
		jw_u64(w, s[i].count);
		jw_key(w, "sum_ns");
		jw_u64(w, s[i].sum_ns);
		jw_key(w, "max_ns");
		jw_u64(w, s[i].max_ns);
		/* One ip of the site, for addr2line -f -e FILE ADDR. */
		jw_key(w, "ip");
		jw_hex(w, s[i].ip);
		jw_key(w, "addr");
		jw_hex(w, s[i].rel);
		jw_key(w, "offset");
		jw_hex(w, s[i].offset);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "comm;symbol;class count" lines (flamegraph.pl, inferno, speedscope). */
void sym_folded(FILE *f, const struct fevents *e, const struct symtab *st)
{
	struct ipkey *keys;
	struct symres *res;
	char **lines = xmalloc((e->n ? e->n : 1) * sizeof(*lines));
	size_t nk, i, j, len;

	nk = resolve_ips(e, st, &keys, &res);
	for (i = 0; i < e->n; i++) {
		const struct fevent *ev = &e->ev[i];
		const char *fn = lookup(keys, nk, res, ev)->func;

		len = strlen(ev->comm) + strlen(fn) + 32;
		lines[i] = xmalloc(len);
		snprintf(lines[i], len, "%s;%s;%s", ev->comm, fn, event_result(ev));
		for (j = 0; lines[i][j]; j++)
			if (lines[i][j] == ' ')
				lines[i][j] = '_';
	}
	qsort(lines, e->n, sizeof(*lines), cmp_str);
	for (i = 0; i < e->n; i = j) {
		for (j = i + 1; j < e->n && !strcmp(lines[i], lines[j]); j++)
			;
		fprintf(f, "%s %zu\n", lines[i], j - i);
	}
	if (e->lost)
		fprintf(f, "%s;[lost];lost %" PRIu64 "\n", e->n ? e->ev[0].comm : "?", e->lost);
	for (i = 0; i < e->n; i++)
		free(lines[i]);
	free(lines);
	for (i = 0; i < nk; i++)
		sym_res_free(&res[i]);
	free(res);
	free(keys);
}

/* ---- by mapping: <pid>/fault_vmas ---- */

uint64_t vrow_get(const struct vrow *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nk; i++)
		if (!strcmp(r->k[i].key, key))
			return r->k[i].v;
	return 0;
}

static void vrow_add(struct vrow *r, const char *key, uint64_t v)
{
	size_t i;
	bool is_max = strstr(key, "max") != NULL;

	for (i = 0; i < r->nk; i++)
		if (!strcmp(r->k[i].key, key))
			break;
	if (i == r->nk) {
		r->k = xrealloc(r->k, (r->nk + 1) * sizeof(*r->k));
		r->k[r->nk].key = xstrdup(key);
		r->k[r->nk++].v = 0;
	}
	if (is_max)
		r->k[i].v = v > r->k[i].v ? v : r->k[i].v;
	else
		r->k[i].v += v;
}

/*
 * The module's per-VMA lines: every numeric key but start/end/pgoff is a
 * counter (max_* keep the largest when rows are merged).  @by_file merges
 * the lines of one vma= name.  Returns 0, or -errno (-ENOENT: this module
 * has no fault_vmas).
 */
int vma_rows_read(pid_t pid, bool by_file, struct vrow **out, size_t *nout, char **header)
{
	struct kv_doc d;
	struct vrow *rows = NULL;
	size_t i, j, n = 0;
	int ret;

	*header = NULL;
	ret = mmu_read_target_raw(pid, "fault_vmas", &d);
	if (ret)
		return ret;
	for (i = 0; i < d.n; i++) {
		const struct kv_line *l = &d.lines[i];
		const char *name = kv_get(l, "vma");
		char nb[4096];
		uint64_t v;

		if (l->comment && !*header)
			*header = xstrdup(l->comment);
		if (!kv_is_data(l) || !name)
			continue;
		name = unescape(name, nb, sizeof(nb));
		for (j = 0; by_file && j < n; j++)
			if (!strcmp(rows[j].name, name))
				break;
		if (!by_file || j == n) {
			rows = xrealloc(rows, (n + 1) * sizeof(*rows));
			j = n++;
			memset(&rows[j], 0, sizeof(rows[j]));
			rows[j].name = xstrdup(name);
			rows[j].other = !strcmp(name, "other") && !kv_get(l, "start");
			rows[j].start = kv_u64_or(l, "start", 0);
			rows[j].end = kv_u64_or(l, "end", 0);
		}
		rows[j].nranges++;
		for (size_t k = 0; k < l->n; k++) {
			const char *key = l->kv[k].key;

			if (!strcmp(key, "start") || !strcmp(key, "end") || !strcmp(key, "pgoff") ||
			    !*key || parse_u64(l->kv[k].val, &v))
				continue;
			vrow_add(&rows[j], key, v);
		}
	}
	kv_doc_free(&d);
	*out = rows;
	*nout = n;
	return 0;
}

void vma_rows_free(struct vrow *r, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < r[i].nk; k++)
			free(r[i].k[k].key);
		free(r[i].k);
		free(r[i].name);
	}
	free(r);
}

static int cmp_vrow(const void *a, const void *b)
{
	const struct vrow *x = a, *y = b;
	const char *key = sort_latency ? "sum_ns" : "all";
	uint64_t vx = vrow_get(x, key), vy = vrow_get(y, key);

	if (x->other != y->other)
		return x->other ? 1 : -1;	/* "other" last */
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

void vma_rows_sort(struct vrow *r, size_t n, bool by_latency)
{
	sort_latency = by_latency;
	qsort(r, n, sizeof(*r), cmp_vrow);
}

/* The rows shown under --top N: the first N, and "other" always. */
bool vma_row_shown(const struct vrow *r, size_t i, size_t top)
{
	return !top || i < top || r[i].other;
}

void vma_rows_table(FILE *f, const struct vrow *r, size_t n, size_t top, bool by_file)
{
	uint64_t total = 0, all, sum;
	char a[3][32], range[64];
	size_t i, hidden = 0;

	for (i = 0; i < n; i++)
		total += vrow_get(&r[i], "all");
	fprintf(f, "%s%-33s %8s %6s %8s %8s %9s %9s %9s  %s%s\n", col(C_BOLD),
		by_file ? "VMAS" : "RANGE", "ALL", "%", "MINOR", "MAJOR", "LATENCY", "AVG", "MAX",
		by_file ? "FILE" : "VMA", col(C_RESET));
	for (i = 0; i < n; i++) {
		if (!vma_row_shown(r, i, top)) {
			hidden++;
			continue;
		}
		all = vrow_get(&r[i], "all");
		sum = vrow_get(&r[i], "sum_ns");
		if (by_file || r[i].other)
			snprintf(range, sizeof(range), "%zu", r[i].nranges);
		else
			snprintf(range, sizeof(range), "%016" PRIx64 "-%016" PRIx64, r[i].start, r[i].end);
		fprintf(f, "%-33s %8" PRIu64 " %5.1f%% %8" PRIu64 " %8" PRIu64 " %9s %9s %9s  %s\n",
			r[i].other ? "-" : range, all, total ? 100.0 * all / total : 0.0,
			vrow_get(&r[i], "minor"), vrow_get(&r[i], "major"),
			human_ns(sum, a[0], sizeof(a[0])), human_ns(all ? sum / all : 0, a[1], sizeof(a[1])),
			human_ns(vrow_get(&r[i], "max_ns"), a[2], sizeof(a[2])),
			r[i].other ? "(other: VMAs beyond the module's top N, or gone)" : r[i].name);
	}
	if (hidden)
		fprintf(f, "%s(%zu more: --top N)%s\n", col(C_DIM), hidden, col(C_RESET));
}

void vma_rows_json(struct jw *w, const struct vrow *r, size_t n, size_t top, bool by_file)
{
	size_t i, k;

	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		if (!vma_row_shown(r, i, top))
			continue;
		jw_obj_begin(w);
		jw_key(w, by_file ? "file" : "vma");
		jw_str(w, r[i].name);
		if (!by_file && !r[i].other) {
			jw_key(w, "start");
			jw_hex(w, r[i].start);
			jw_key(w, "end");
			jw_hex(w, r[i].end);
		}
		if (by_file) {
			jw_key(w, "vmas");
			jw_u64(w, r[i].nranges);
		}
		for (k = 0; k < r[i].nk; k++) {
			jw_key(w, r[i].k[k].key);
			jw_u64(w, r[i].k[k].v);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* Explain a failed read of fault_vmas; returns EXIT_ERR. */
int vma_rows_explain(pid_t pid, int err)
{
	char path[4096], dir[4096];

	mmu_target_path(pid, "fault_vmas", path, sizeof(path));
	mmu_target_path(pid, NULL, dir, sizeof(dir));
	if (err == -ENOENT && access(dir, F_OK)) {
		p_err("process %d is not a target", pid);
	} else if (err == -ENOENT) {
		p_err("%s: this module has no per-VMA fault accounting (an older module)", path);
		p_hint("--by sym works from the stream with any module; load a newer mmuscope.ko for --by vma|file");
	} else if (err == -ESRCH) {
		p_err("process %d has exited: its fault_vmas is gone", pid);
	} else {
		p_err("%s: %s", path, strerror(-err));
	}
	return EXIT_ERR;
}
