// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `prom`, the Prometheus text exposition format (0.0.4)
 * for node_exporter's textfile collector.  Latency histograms are re-binned
 * onto fixed power-of-two boundaries so every scrape has the same `le` set
 * (the module's log-linear buckets nest inside them exactly).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

#define LE_MIN_SHIFT	8	/* 256 ns */
#define LE_MAX_SHIFT	32	/* ~4.3 s */
#define NLE		(LE_MAX_SHIFT - LE_MIN_SHIFT + 1)

struct ptarget {
	pid_t pid;
	char lab[100];		/* the identifying labels and a comma: pid="1", */
	char lab1[96];		/* the same without the comma, for {lab1} */
	bool have_stats, have_hist, have_summary;
	bool shallow;		/* a group: hist lines borrowed, summary made up */
	struct kv_doc stats, hist, summary;
	struct fstat_row *rows;
	size_t nrows;
};

static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Metric names allow [a-zA-Z0-9_:]; anything else becomes '_'. */
static void metric_name(char *buf, size_t size, const char *prefix, const char *key)
{
	size_t i, n = (size_t)snprintf(buf, size, "%s%s", prefix, key);

	for (i = strlen(prefix); i < n && i < size; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		      (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '_'))
			buf[i] = '_';
}

/* "2m" -> 2 MiB: the module's lower-case size suffixes in summary keys. */
static uint64_t pagesize_bytes_lc(const char *s)
{
	char up[16];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(up); i++)
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
	up[i] = '\0';
	return pagesize_bytes(up);
}

static bool is_row(const struct kv_line *l)
{
	uint64_t v;

	return l->n > 1 && l->kv[0].key[0] && parse_u64(l->kv[0].val, &v);
}

/*
 * A class without faults has no series (the module lists all ~30 classes
 * for every target, most of them empty): it appears with its first fault.
 * "all" is always there, so a target is never without a series.
 */
static bool shown(const struct fstat_row *r)
{
	return r->count || !strcmp(r->class, "all");
}

static void emit_faults(FILE *f, struct ptarget *t, size_t nt)
{
	size_t i, j;

	family(f, "mmu_page_faults_total", "counter",
	       "Page faults of the target process by class, counted by mmuscope.");
	for (i = 0; i < nt; i++)
		for (j = 0; j < t[i].nrows; j++) {
			if (!shown(&t[i].rows[j]))
				continue;
			fprintf(f, "mmu_page_faults_total{%sclass=\"", t[i].lab);
			label_value(f, t[i].rows[j].class);
			fprintf(f, "\"} %" PRIu64 "\n", t[i].rows[j].count);
		}
	family(f, "mmu_page_fault_latency_quantile_seconds", "gauge",
	       "Page-fault latency percentiles (0.5, 0.9, 0.99) by class since tracing began.");
	for (i = 0; i < nt; i++)
		for (j = 0; j < t[i].nrows; j++) {
			const struct fstat_row *r = &t[i].rows[j];
			const uint64_t q[3] = { r->p50_ns, r->p90_ns, r->p99_ns };
			static const char *const qn[3] = { "0.5", "0.9", "0.99" };

			if (!r->count)
				continue;
			for (int k = 0; k < 3; k++) {
				fprintf(f, "mmu_page_fault_latency_quantile_seconds{%sclass=\"", t[i].lab);
				label_value(f, r->class);
				fprintf(f, "\",quantile=\"%s\"} %.9f\n", qn[k], q[k] / 1e9);
			}
		}
	family(f, "mmu_page_fault_latency_seconds", "histogram",
	       "Page-fault latency (handle_mm_fault entry to return) by class.");
	for (i = 0; i < nt; i++) {
		const struct kv_doc *h = &t[i].hist;

		for (j = 0; j < t[i].nrows; j++) {
			const struct fstat_row *r = &t[i].rows[j];
			uint64_t cum[NLE] = { 0 }, total = 0, hi, c;
			size_t k;
			int b;

			if (!t[i].have_hist)
				break;
			if (!shown(r))
				continue;
			for (k = 0; k < h->n; k++) {
				const char *cl = kv_get(&h->lines[k], "class");

				if (!cl || strcmp(cl, r->class))
					continue;
				c = kv_u64_or(&h->lines[k], "count", 0);
				hi = kv_u64_or(&h->lines[k], "hi_ns", UINT64_MAX);
				total += c;
				for (b = 0; b < NLE; b++)
					if (hi <= (1ULL << (b + LE_MIN_SHIFT)))
						cum[b] += c;
			}
			for (b = 0; b < NLE; b++) {
				fprintf(f, "mmu_page_fault_latency_seconds_bucket{%sclass=\"", t[i].lab);
				label_value(f, r->class);
				fprintf(f, "\",le=\"%.9g\"} %" PRIu64 "\n",
					(double)(1ULL << (b + LE_MIN_SHIFT)) / 1e9, cum[b]);
			}
			fprintf(f, "mmu_page_fault_latency_seconds_bucket{%sclass=\"", t[i].lab);
			label_value(f, r->class);
			fprintf(f, "\",le=\"+Inf\"} %" PRIu64 "\n", total);
			fprintf(f, "mmu_page_fault_latency_seconds_sum{%sclass=\"", t[i].lab);
			label_value(f, r->class);
			fprintf(f, "\"} %.9f\n", r->sum_ns / 1e9);
			fprintf(f, "mmu_page_fault_latency_seconds_count{%sclass=\"", t[i].lab);
			label_value(f, r->class);
			fprintf(f, "\"} %" PRIu64 "\n", total);
		}
	}
}

/*
 * Summary rows: level=... lines give mmu_pagetable_bytes{level},
 * pagesize=... lines mmu_present_pages{pagesize}; every scalar becomes
 * a gauge mmu_summary_KEY{pid}.
 */
static void emit_summary(FILE *f, struct ptarget *t, size_t nt)
{
	char name[128];
	size_t i, j, k, m;
	bool done;

	family(f, "mmu_pagetable_bytes", "gauge", "Page-table memory of the target by level.");
	for (i = 0; i < nt; i++)
		for (j = 0; t[i].have_summary && j < t[i].summary.n; j++) {
			const struct kv_line *l = &t[i].summary.lines[j];
			const char *lv = kv_get(l, "level");
			uint64_t v;

			if (!kv_is_data(l) || !lv || !is_row(l))
				continue;
			for (k = 0; k < l->n; k++)
				if (strstr(l->kv[k].key, "bytes") && !parse_u64(l->kv[k].val, &v))
					break;
			if (k == l->n)
				continue;
			fprintf(f, "mmu_pagetable_bytes{%slevel=\"", t[i].lab);
			label_value(f, lv);
			fprintf(f, "\"} %" PRIu64 "\n", v);
		}
	/* The module's scalars pt_LEVEL (tables) and present_SIZE (entries). */
	for (i = 0; i < nt; i++)
		for (j = 0; t[i].have_summary && j < t[i].summary.n; j++) {
			const struct kv_line *l = &t[i].summary.lines[j];

			for (k = 0; kv_is_data(l) && !is_row(l) && k < l->n; k++) {
				const char *key = l->kv[k].key;
				uint64_t v;

				if (strncmp(key, "pt_", 3) || !strcmp(key, "pt_pages") ||
				    !strcmp(key, "pt_bytes") || parse_u64(l->kv[k].val, &v))
					continue;
				fprintf(f, "mmu_pagetable_bytes{%slevel=\"", t[i].lab);
				label_value(f, key + 3);
				fprintf(f, "\"} %" PRIu64 "\n", v * base_page_size());
			}
		}
	family(f, "mmu_present_pages", "gauge",
	       "Present leaf entries (pages of that size) of the target by page size.");
	for (i = 0; i < nt; i++)
		for (j = 0; t[i].have_summary && j < t[i].summary.n; j++) {
			const struct kv_line *l = &t[i].summary.lines[j];

			for (k = 0; kv_is_data(l) && !is_row(l) && k < l->n; k++) {
				const char *key = l->kv[k].key;
				char up[16];
				uint64_t v;
				size_t c;

				if (strncmp(key, "present_", 8) || !pagesize_bytes_lc(key + 8) ||
				    parse_u64(l->kv[k].val, &v))
					continue;
				for (c = 0; key[8 + c] && c + 1 < sizeof(up); c++)
					up[c] = key[8 + c] >= 'a' && key[8 + c] <= 'z' ? key[8 + c] - 32 : key[8 + c];
				up[c] = '\0';
				fprintf(f, "mmu_present_pages{%spagesize=\"%s\"} %" PRIu64 "\n",
					t[i].lab, up, v);
			}
		}
	for (i = 0; i < nt; i++)
		for (j = 0; t[i].have_summary && j < t[i].summary.n; j++) {
			const struct kv_line *l = &t[i].summary.lines[j];
			const char *ps = kv_get(l, "pagesize");
			uint64_t v;

			if (!kv_is_data(l) || !ps || !is_row(l) ||
			    (kv_u64(l, "present", &v) && kv_u64(l, "pages", &v)))
				continue;
			fprintf(f, "mmu_present_pages{%spagesize=\"", t[i].lab);
			label_value(f, ps);
			fprintf(f, "\"} %" PRIu64 "\n", v);
		}
	/* Scalars: one family per key, over all targets. */
	for (i = 0; i < nt; i++)
		for (j = 0; t[i].have_summary && j < t[i].summary.n; j++) {
			const struct kv_line *l = &t[i].summary.lines[j];

			if (!kv_is_data(l) || is_row(l))
				continue;
			for (k = 0; k < l->n; k++) {
				uint64_t v;

				if (!l->kv[k].key[0] || parse_u64(l->kv[k].val, &v))
					continue;
				/* Emitted already for an earlier target? */
				done = false;
				for (m = 0; m < i && !done; m++)
					for (size_t jj = 0; t[m].have_summary && jj < t[m].summary.n; jj++)
						if (!is_row(&t[m].summary.lines[jj]) &&
						    kv_get(&t[m].summary.lines[jj], l->kv[k].key))
							done = true;
				if (done)
					continue;
				metric_name(name, sizeof(name), "mmu_summary_", l->kv[k].key);
				family(f, name, "gauge", "mmuscope summary value (see README).");
				for (m = i; m < nt; m++)
					for (size_t jj = 0; t[m].have_summary && jj < t[m].summary.n; jj++) {
						const struct kv_line *ll = &t[m].summary.lines[jj];
						uint64_t vv;

						if (!kv_is_data(ll) || is_row(ll) ||
						    kv_u64(ll, l->kv[k].key, &vv))
							continue;
						fprintf(f, "%s%s%s%s %" PRIu64 "\n", name, t[m].lab1[0] ? "{" : "",
							t[m].lab1, t[m].lab1[0] ? "}" : "", vv);
					}
			}
		}
}

static void emit_info(FILE *f, size_t ntargets)
{
	struct kv_doc v;
	size_t i, j;

	family(f, "mmu_targets", "gauge", "Processes mmuscope traces.");
	fprintf(f, "mmu_targets %zu\n", ntargets);
	if (mmu_read_doc("version", &v))
		return;
	family(f, "mmu_info", "gauge", "mmuscope module version, arch and paging mode.");
	for (i = 0; i < v.n; i++) {
		const struct kv_line *l = &v.lines[i];

		if (!kv_is_data(l))
			continue;
		fprintf(f, "mmu_info{");
		for (j = 0; j < l->n; j++) {
			char key[64];

			metric_name(key, sizeof(key), "", l->kv[j].key[0] ? l->kv[j].key : "value");
			fprintf(f, "%s%s=\"", j ? "," : "", key);
			label_value(f, l->kv[j].val);
			fprintf(f, "\"");
		}
		fprintf(f, "} 1\n");
	}
	kv_doc_free(&v);
}

static void set_labels(struct ptarget *t, const char *name, const char *value)
{
	char v[64];
	size_t i, o = 0;

	/* Label values escape \ " and newline. */
	for (i = 0; value[i] && o + 3 < sizeof(v); i++) {
		if (value[i] == '\\' || value[i] == '"' || value[i] == '\n')
			v[o++] = '\\';
		v[o++] = value[i] == '\n' ? 'n' : value[i];
	}
	v[o] = '\0';
	if (!name) {
		t->lab[0] = t->lab1[0] = '\0';
		return;
	}
	snprintf(t->lab1, sizeof(t->lab1), "%s=\"%s\"", name, v);
	snprintf(t->lab, sizeof(t->lab), "%s,", t->lab1);
}

/* The sum of the members' summary scalars, as one made-up line. */
static void sum_summaries(struct ptarget *g, struct ptarget **m, size_t nm)
{
	struct kv_line *l = xmalloc(sizeof(*l));
	char *buf = NULL;
	size_t len = 0, i, j, k, p;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < nm; i++)
		for (j = 0; m[i]->have_summary && j < m[i]->summary.n; j++) {
			const struct kv_line *ml = &m[i]->summary.lines[j];

			if (!kv_is_data(ml) || is_row(ml))
				continue;
			for (k = 0; k < ml->n; k++) {
				uint64_t v, sum = 0;

				/* levels is the paging mode, not an amount. */
				if (!ml->kv[k].key[0] || parse_u64(ml->kv[k].val, &v) ||
				    !strcmp(ml->kv[k].key, "levels"))
					continue;
				for (p = 0; p < l->n && strcmp(l->kv[p].key, ml->kv[k].key); p++)
					;
				if (p < l->n)
					continue;	/* summed already */
				for (size_t a = 0; a < nm; a++)
					for (size_t b = 0; m[a]->have_summary && b < m[a]->summary.n; b++)
						if (!is_row(&m[a]->summary.lines[b]) &&
						    !kv_u64(&m[a]->summary.lines[b], ml->kv[k].key, &v))
							sum += v;
				l->kv = xrealloc(l->kv, (l->n + 1) * sizeof(*l->kv));
				l->kv[l->n].key = ml->kv[k].key;
				l->kv[l->n].val = (char *)(uintptr_t)len;	/* offset, fixed below */
				buf = xrealloc(buf, len + 24);
				len += snprintf(buf + len, 24, "%" PRIu64, sum) + 1;
				l->n++;
			}
		}
	for (i = 0; i < l->n; i++)
		l->kv[i].val = buf + (uintptr_t)l->kv[i].val;
	g->summary.lines = l;
	g->summary.n = l->n ? 1 : 0;
	g->summary.buf = buf;
	g->have_summary = l->n > 0;
	if (!l->n) {
		free(l->kv);
		free(l);
		g->summary.lines = NULL;
	}
}

/*
 * --by comm|none: one series per command name, or one in all, instead of
 * one per pid (whose label grows without bound with followed children).
 */
static size_t group_targets(struct ptarget *t, size_t n, const char *by, struct ptarget **out)
{
	struct ptarget *g = NULL, **mem = xmalloc((n ? n : 1) * sizeof(*mem));
	struct kv_doc *st = xmalloc((n ? n : 1) * sizeof(*st));
	struct kv_doc *hi = xmalloc((n ? n : 1) * sizeof(*hi));
	char (*key)[64] = xmalloc((n ? n : 1) * sizeof(*key));
	bool *done = xmalloc((n ? n : 1) * sizeof(*done));
	size_t ng = 0, i, j, nm, ns, nl;

	for (i = 0; i < n; i++) {
		done[i] = false;
		if (!strcmp(by, "none"))
			key[i][0] = '\0';
		else if (!proc_comm(t[i].pid, key[i], sizeof(key[i]))[0])
			snprintf(key[i], sizeof(key[i]), "(exited)");
	}
	for (i = 0; i < n; i++) {
		struct ptarget *p;

		if (done[i])
			continue;
		g = xrealloc(g, (ng + 1) * sizeof(*g));
		p = &g[ng++];
		memset(p, 0, sizeof(*p));
		p->shallow = true;
		set_labels(p, strcmp(by, "none") ? "comm" : NULL, key[i]);
		for (nm = ns = nl = 0, j = i; j < n; j++) {
			if (done[j] || strcmp(key[i], key[j]))
				continue;
			done[j] = true;
			mem[nm++] = &t[j];
			if (t[j].have_stats) {
				st[ns] = t[j].stats;
				hi[ns++] = t[j].hist;
			}
			if (t[j].have_hist) {
				p->hist.lines = xrealloc(p->hist.lines,
							 (nl + t[j].hist.n + 1) * sizeof(*p->hist.lines));
				memcpy(p->hist.lines + nl, t[j].hist.lines,
				       t[j].hist.n * sizeof(*p->hist.lines));
				nl += t[j].hist.n;
				p->have_hist = true;
			}
		}
		p->hist.n = nl;
		if (ns) {
			p->rows = fault_rows_sum(st, hi, ns, &p->nrows);
			p->have_stats = true;
		}
		sum_summaries(p, mem, nm);
	}
	free(mem);
	free(st);
	free(hi);
	free(key);
	free(done);
	*out = g;
	return ng;
}

static void ptargets_free(struct ptarget *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].rows);
		if (t[i].shallow) {
			free(t[i].hist.lines);	/* the members own the lines' pairs */
			if (t[i].summary.lines)
				free(t[i].summary.lines[0].kv);
			free(t[i].summary.lines);
			free(t[i].summary.buf);
			continue;
		}
		kv_doc_free(&t[i].stats);
		kv_doc_free(&t[i].hist);
		kv_doc_free(&t[i].summary);
	}
	free(t);
}

int do_prom(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct ptarget *t, *g = NULL;
	const char *by = "pid";
	pid_t *pids = NULL;
	size_t n = 0, ng = 0, i;
	int opt, ret, rc = EXIT_OK;
	FILE *f = stdout;

	while ((opt = getopt_long(argc, argv, ":b:o:jh", opts, NULL)) != -1) {
		if (opt == 'b') {
			by = optarg;
			if (strcmp(by, "pid") && strcmp(by, "comm") && strcmp(by, "none"))
				return cmd_usage_err("prom", "--by takes pid, comm or none, not '%s'", by);
			continue;
		}
		ret = cmd_common_opt("prom", opt, argv);
		if (ret >= 0)
			return ret;
	}
	if (json_output)
		return cmd_usage_err("prom", "prom writes the Prometheus text format; use faults/summary --json for JSON");
	if (optind < argc) {
		n = argc - optind;
		pids = xmalloc(n * sizeof(*pids));
		for (i = 0; i < n; i++)
			if (parse_pid(argv[optind + i], &pids[i])) {
				free(pids);
				return cmd_usage_err("prom", "'%s' is not a pid", argv[optind + i]);
			}
	}
	if (mmu_preflight() || (!pids && mmu_targets_list(&pids, &n))) {
		free(pids);
		return EXIT_ERR;
	}
	t = xmalloc((n ? n : 1) * sizeof(*t));
	memset(t, 0, (n ? n : 1) * sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].pid = pids[i];
		snprintf(t[i].lab1, sizeof(t[i].lab1), "pid=\"%d\"", pids[i]);
		snprintf(t[i].lab, sizeof(t[i].lab), "%s,", t[i].lab1);
		ret = mmu_read_target_raw(pids[i], "fault_stats", &t[i].stats);
		if (ret == -ENOENT && optind < argc) {
			p_err("process %d is not a target", pids[i]);
			rc = EXIT_ERR;
		}
		t[i].have_stats = !ret;
		if (t[i].have_stats)
			fault_stats_rows(&t[i].stats, &t[i].rows, &t[i].nrows);
		t[i].have_hist = !mmu_read_target_raw(pids[i], "fault_hist", &t[i].hist);
		/* An exited target keeps its statistics but has no summary. */
		t[i].have_summary = !mmu_read_target_raw(pids[i], "summary", &t[i].summary);
	}
	/* -o FILE (main.c) is replaced only when all went well. */
	emit_info(f, n);
	if (strcmp(by, "pid")) {
		ng = group_targets(t, n, by, &g);
		emit_faults(f, g, ng);
		emit_summary(f, g, ng);
		ptargets_free(g, ng);
	} else {
		emit_faults(f, t, n);
		emit_summary(f, t, n);
	}
	ptargets_free(t, n);
	free(pids);
	return rc;
}
