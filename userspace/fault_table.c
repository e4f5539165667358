// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: fault_stats rows and fault_hist buckets, the table and
 * JSON they print as, and sums over several targets (faults, run, prom).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

int fault_stats_rows(const struct kv_doc *d, struct fstat_row **rows, size_t *n)
{
	size_t i;

	*rows = xmalloc((d->n ? d->n : 1) * sizeof(**rows));
	*n = 0;
	for (i = 0; i < d->n; i++) {
		const struct kv_line *l = &d->lines[i];
		struct fstat_row *r = &(*rows)[*n];
		const char *c = kv_get(l, "class");

		if (!kv_is_data(l) || !c)
			continue;
		memset(r, 0, sizeof(*r));
		r->class = (char *)c;
		if (kv_u64(l, "count", &r->count))
			continue;
		r->sum_ns = kv_u64_or(l, "sum_ns", 0);
		r->min_ns = kv_u64_or(l, "min_ns", 0);
		r->max_ns = kv_u64_or(l, "max_ns", 0);
		r->p50_ns = kv_u64_or(l, "p50_ns", 0);
		r->p90_ns = kv_u64_or(l, "p90_ns", 0);
		r->p99_ns = kv_u64_or(l, "p99_ns", 0);
		(*n)++;
	}
	return 0;
}

/* --class LIST: comma-separated class names; NULL selects every class. */
const char *class_filter;

bool class_selected(const char *class, const char *dflt)
{
	const char *list = class_filter ? class_filter : dflt;
	size_t n = strlen(class);
	const char *p;

	if (!list)
		return true;
	for (p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, class, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

const struct fstat_row *find_row(const struct fstat_row *rows, size_t n, const char *class)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].class, class))
			return &rows[i];
	return NULL;
}

/* With @prev and @interval, a rate column shows faults/s since @prev. */
void fault_stats_table(FILE *f, const struct fstat_row *rows, size_t n,
		       const struct fstat_row *prev, size_t nprev, double interval)
{
	char a[6][32];
	size_t i;

	fprintf(f, "%s%-14s %10s", col(C_BOLD), "CLASS", "COUNT");
	if (interval > 0)
		fprintf(f, " %10s", "PER-SEC");
	fprintf(f, " %9s %9s %9s %9s %9s %9s%s\n", "AVG", "MIN", "P50", "P90", "P99", "MAX", col(C_RESET));
	for (i = 0; i < n; i++) {
		const struct fstat_row *r = &rows[i];
		bool all = !strcmp(r->class, "all");

		/* The module lists every class, also empty: named ones are shown. */
		if (!all && !r->count && !class_filter)
			continue;
		if (!class_selected(r->class, NULL))
			continue;
		fprintf(f, "%s%-14s%s %10" PRIu64, all ? col(C_BOLD) : "", r->class,
		       all ? col(C_RESET) : "", r->count);
		if (interval > 0) {
			const struct fstat_row *p = prev ? find_row(prev, nprev, r->class) : NULL;
			uint64_t d = p && r->count >= p->count ? r->count - p->count : r->count;

			fprintf(f, " %10.0f", d / interval);
		}
		if (!r->count) {
			fprintf(f, " %9s %9s %9s %9s %9s %9s\n", "-", "-", "-", "-", "-", "-");
			continue;
		}
		fprintf(f, " %9s %9s %9s %9s %9s %9s\n",
		       human_ns(r->sum_ns / r->count, a[0], sizeof(a[0])),
		       human_ns(r->min_ns, a[1], sizeof(a[1])),
		       human_ns(r->p50_ns, a[2], sizeof(a[2])),
		       human_ns(r->p90_ns, a[3], sizeof(a[3])),
		       human_ns(r->p99_ns, a[4], sizeof(a[4])),
		       human_ns(r->max_ns, a[5], sizeof(a[5])));
	}
}

void fault_stats_json(struct jw *w, const struct fstat_row *rows, size_t n)
{
	size_t i;

	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		if (!class_selected(rows[i].class, NULL))
			continue;
		jw_obj_begin(w);
		jw_key(w, "class");
		jw_str(w, rows[i].class);
		jw_key(w, "count");
		jw_u64(w, rows[i].count);
		jw_key(w, "sum_ns");
		jw_u64(w, rows[i].sum_ns);
		jw_key(w, "min_ns");
		jw_u64(w, rows[i].min_ns);
		jw_key(w, "max_ns");
		jw_u64(w, rows[i].max_ns);
		jw_key(w, "p50_ns");
		jw_u64(w, rows[i].p50_ns);
		jw_key(w, "p90_ns");
		jw_u64(w, rows[i].p90_ns);
		jw_key(w, "p99_ns");
		jw_u64(w, rows[i].p99_ns);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* @class's buckets of a fault_hist document, less those of @prev. */
size_t class_buckets(const struct kv_doc *cur, const struct kv_doc *prev,
			    const char *class, struct bucket **out)
{
	struct bucket *b = NULL;
	size_t n = 0, i, j;

	for (i = 0; i < cur->n; i++) {
		const struct kv_line *l = &cur->lines[i];
		const char *c = kv_get(l, "class");
		uint64_t lo = kv_u64_or(l, "lo_ns", 0), cnt = kv_u64_or(l, "count", 0), pc = 0;

		if (!kv_is_data(l) || !c || strcmp(c, class))
			continue;
		for (j = 0; prev && j < prev->n; j++) {
			const struct kv_line *pl = &prev->lines[j];
			const char *q = kv_get(pl, "class");

			if (q && !strcmp(q, class) && kv_u64_or(pl, "lo_ns", 1) == lo) {
				pc = kv_u64_or(pl, "count", 0);
				break;
			}
		}
		if (cnt <= pc)
			continue;
		b = xrealloc(b, (n + 1) * sizeof(*b));
		b[n].lo = lo;
		b[n].hi = kv_u64_or(l, "hi_ns", lo);
		b[n++].count = cnt - pc;
	}
	*out = b;
	return n;
}

/* As the module computes them: the middle of the bucket holding the rank. */
uint64_t bucket_percentile(const struct bucket *b, size_t n, uint64_t total,
				  unsigned int pct, uint64_t min, uint64_t max)
{
	uint64_t rank = (total * pct + 99) / 100, seen = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		seen += b[i].count;
		if (seen >= rank)
			break;
	}
	if (i == n)
		return max;
	v = b[i].lo + (b[i].hi - b[i].lo) / 2;
	return v < min ? min : v > max ? max : v;
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The rows of several targets added up (a process tree): counts, sums,
 * min and max; percentiles from the sum of their histograms.  Class
 * names point into stats[0].
 */
struct fstat_row *fault_rows_sum(const struct kv_doc *stats, const struct kv_doc *hists,
				 size_t ndocs, size_t *nrows)
{
	struct fstat_row *out, *rows;
	size_t n, i, d, k, j, nr;

	fault_stats_rows(&stats[0], &out, nrows);
	for (i = 0; i < *nrows; i++) {
		struct fstat_row *o = &out[i];
		struct bucket *all = NULL, *b;
		size_t nall = 0, nb;

		o->count = o->sum_ns = o->max_ns = 0;
		o->min_ns = UINT64_MAX;
		for (d = 0; d < ndocs; d++) {
			fault_stats_rows(&stats[d], &rows, &nr);
			for (k = 0; k < nr; k++) {
				if (strcmp(rows[k].class, o->class) || !rows[k].count)
					continue;
				o->count += rows[k].count;
				o->sum_ns += rows[k].sum_ns;
				if (rows[k].min_ns < o->min_ns)
					o->min_ns = rows[k].min_ns;
				if (rows[k].max_ns > o->max_ns)
					o->max_ns = rows[k].max_ns;
			}
			free(rows);
			nb = class_buckets(&hists[d], NULL, o->class, &b);
			for (k = 0; k < nb; k++) {
				for (j = 0; j < nall && all[j].lo != b[k].lo; j++)
					;
				if (j == nall) {
					all = xrealloc(all, (nall + 1) * sizeof(*all));
					all[nall++] = b[k];
				} else {
					all[j].count += b[k].count;
				}
			}
			free(b);
		}
		if (!o->count) {
			o->min_ns = 0;
			o->p50_ns = o->p90_ns = o->p99_ns = 0;
			free(all);
			continue;
		}
		qsort(all, nall, sizeof(*all), cmp_bucket);
		n = nall;
		o->p50_ns = bucket_percentile(all, n, o->count, 50, o->min_ns, o->max_ns);
		o->p90_ns = bucket_percentile(all, n, o->count, 90, o->min_ns, o->max_ns);
		o->p99_ns = bucket_percentile(all, n, o->count, 99, o->min_ns, o->max_ns);
		free(all);
	}
	return out;
}
