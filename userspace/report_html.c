// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `report`'s HTML: one self-contained file (inline CSS and
 * SVG, no script, nothing fetched).  Every section has a stable id and
 * every number a data-k attribute naming its path in `report --json` and
 * a data-v with its value, so a test can hold the page against the JSON.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

#define MAP_LABEL	330
#define MAP_BAR		620
#define MAP_ROW		14
#define MAP_MAX_VMAS	400

static const char *const level_colour[RL_COUNT] = {
	"#4e79a7", "#f28e2b", "#e15759", "#b07aa1",
};

static const char *backing_colour(const char *b)
{
	if (!strcmp(b, "file"))
		return "#dcefd6";
	if (!strcmp(b, "shmem"))
		return "#dcdcf5";
	if (!strcmp(b, "hugetlb"))
		return "#f7dada";
	if (!strcmp(b, "anon"))
		return "#e6e6e6";
	return "#f2efcf";	/* special, pfnmap */
}

/* <td> with a number and its JSON path. */
static void td_num(FILE *f, const char *path, uint64_t v)
{
	fprintf(f, "<td class=\"n\" data-k=\"%s\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>", path, v, v);
}

static void td_bytes(FILE *f, const char *path, uint64_t v)
{
	char hb[32];

	fprintf(f, "<td class=\"n\" data-k=\"%s\" data-v=\"%" PRIu64 "\">%s</td>", path, v,
		human_bytes(v, hb, sizeof(hb)));
}

static void td_ns(FILE *f, const char *path, uint64_t v)
{
	char hb[32];

	fprintf(f, "<td class=\"n\" data-k=\"%s\" data-v=\"%" PRIu64 "\">%s</td>", path, v,
		human_ns(v, hb, sizeof(hb)));
}

static void td_text(FILE *f, const char *path, const char *s)
{
	fprintf(f, "<td data-k=\"%s\" data-v=\"", path);
	html_escape(f, s);
	fprintf(f, "\">");
	html_escape(f, s);
	fprintf(f, "</td>");
}

/* One VMA as a bar: every pixel the colour of the largest leaf in it. */
static void map_row(FILE *f, const struct rvma *x, unsigned int y)
{
	signed char px[MAP_BAR];
	uint64_t size = x->end - x->start;
	unsigned int a, b, i;
	char hb[32];
	size_t k;

	memset(px, -1, sizeof(px));
	for (k = 0; k < x->nruns; k++) {
		const struct rrun *rn = &x->runs[k];

		a = (unsigned int)((double)(rn->start - x->start) * MAP_BAR / size);
		b = (unsigned int)((double)(rn->end - x->start) * MAP_BAR / size);
		if (b == a)
			b = a + 1;
		for (i = a; i < b && i < MAP_BAR; i++)
			if (px[i] < 0 || (rn->level != RL_NONPRESENT &&
					  (px[i] == RL_NONPRESENT || (int)rn->level > px[i])))
				px[i] = (signed char)rn->level;
	}
	fprintf(f, "<g class=\"vma\"><title>");
	html_escape(f, x->name);
	fprintf(f, " %s %s</title><text x=\"2\" y=\"%u\">%012" PRIx64 " %7s ", x->perms,
		x->backing, y + 10, x->start, human_bytes(size, hb, sizeof(hb)));
	html_escape(f, strlen(x->name) > 34 ? x->name + strlen(x->name) - 34 : x->name);
	fprintf(f, "</text><rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\"/>",
		MAP_LABEL, y + 1, MAP_BAR, MAP_ROW - 2, backing_colour(x->backing));
	for (a = 0; a < MAP_BAR; a = b) {
		for (b = a + 1; b < MAP_BAR && px[b] == px[a]; b++)
			;
		if (px[a] >= 0)
			fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\"/>",
				MAP_LABEL + a, y + 3, b - a, MAP_ROW - 6, level_colour[(int)px[a]]);
	}
	fprintf(f, "</g>\n");
}

static void section_map(FILE *f, const struct report *r)
{
	size_t n = r->nvmas < MAP_MAX_VMAS ? r->nvmas : MAP_MAX_VMAS, i, k;
	unsigned int h = (unsigned int)n * MAP_ROW + 4;
	char path[64];

	fprintf(f, "<section id=\"vma-map\"><h2>Address space</h2>\n<p>One row per VMA "
		"(<span data-k=\"vmas.length\" data-v=\"%zu\">%zu</span> VMAs), each bar the whole VMA: "
		"the background is reserved address space, coloured by backing; the marks are "
		"what the page tables map, coloured by leaf size.</p>\n<p class=\"legend\">", r->nvmas, r->nvmas);
	for (k = 0; k < RL_COUNT; k++)
		fprintf(f, "<span><i style=\"background:%s\"></i>%s%s%s%s</span>", level_colour[k],
			k == RL_NONPRESENT ? "not present (swap, migration, marker)" : rlevel_names[k],
			r->pagesize[k][0] && k != RL_NONPRESENT ? " (" : "", k != RL_NONPRESENT ? r->pagesize[k] : "",
			r->pagesize[k][0] && k != RL_NONPRESENT ? ")" : "");
	fprintf(f, " &nbsp; reserved: ");
	for (k = 0; k < 5; k++) {
		static const char *const b[] = { "anon", "file", "shmem", "hugetlb", "special" };

		fprintf(f, "<span><i style=\"background:%s\"></i>%s</span>", backing_colour(b[k]), b[k]);
	}
	fprintf(f, "</p>\n");
	if (!r->have_maps)
		fprintf(f, "<p class=\"absent\">No <code>maps</code> from the module: VMAs only.</p>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"font-family=\"monospace\" font-size=\"10\">\n", MAP_LABEL + MAP_BAR + 4, h);
	for (i = 0; i < n; i++)
		map_row(f, &r->vmas[i], 2 + (unsigned int)i * MAP_ROW);
	fprintf(f, "</svg>\n");
	if (n < r->nvmas)
		fprintf(f, "<p>%zu more VMAs not drawn (in the table).</p>\n", r->nvmas - n);
	fprintf(f, "<details><summary>VMA table</summary><table><tr><th>start</th><th>end</th>"
		"<th>name</th><th>backing</th><th>size</th>");
	for (k = 0; k < RL_COUNT; k++)
		fprintf(f, "<th>%s</th>", rlevel_names[k]);
	fprintf(f, "</tr>\n");
	for (i = 0; i < r->nvmas; i++) {
		const struct rvma *x = &r->vmas[i];

		fprintf(f, "<tr><td>0x%" PRIx64 "</td><td>0x%" PRIx64 "</td>", x->start, x->end);
		snprintf(path, sizeof(path), "vmas.%zu.name", i);
		td_text(f, path, x->name);
		fprintf(f, "<td>%s</td>", x->backing);
		snprintf(path, sizeof(path), "vmas.%zu.size_bytes", i);
		td_bytes(f, path, x->end - x->start);
		for (k = 0; k < RL_COUNT; k++) {
			snprintf(path, sizeof(path), "vmas.%zu.%s_bytes", i, rlevel_names[k]);
			td_bytes(f, path, x->bytes[k]);
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table></details></section>\n");
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Scalars of the summary whose key passes @want, as rows. */
static void summary_rows(FILE *f, const struct kv_doc *d, bool (*want)(const char *))
{
	char path[128];
	size_t i, k;
	uint64_t v;

	for (i = 0; i < d->n; i++) {
		const struct kv_line *l = &d->lines[i];

		if (!kv_is_data(l) || (l->n > 1 && parse_u64(l->kv[0].val, &v)))
			continue;
		for (k = 0; k < l->n; k++) {
			const char *key = l->kv[k].key;
			size_t len = strlen(key);

			if (!*key || parse_dec_u64(l->kv[k].val, &v) || !want(key))
				continue;
			snprintf(path, sizeof(path), "summary.%s", key);
			fprintf(f, "<tr><th>%s</th>", key);
			if (len > 6 && !strcmp(key + len - 6, "_bytes"))
				td_bytes(f, path, v);
			else
				td_num(f, path, v);
			fprintf(f, "</tr>\n");
		}
	}
}

static bool k_present(const char *k) { return starts(k, "present") || starts(k, "swapped"); }
static bool k_pt(const char *k) { return starts(k, "pt_"); }
static bool k_thp(const char *k) { return starts(k, "thp") || strstr(k, "saved"); }
static bool k_other(const char *k) { return !k_present(k) && !k_pt(k) && !k_thp(k); }

static void section_summary(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"summary\"><h2>Page sizes and page-table overhead</h2>\n");
	if (!r->have_summary) {
		fprintf(f, "<p class=\"absent\">No summary from the module.</p></section>\n");
		fprintf(f, "<section id=\"thp\"><h2>THP candidates</h2><p class=\"absent\">No summary.</p></section>\n");
		return;
	}
	fprintf(f, "<div class=\"cols\"><table><caption>present pages</caption>\n");
	summary_rows(f, &r->summary, k_present);
	fprintf(f, "</table><table><caption>page tables</caption>\n");
	summary_rows(f, &r->summary, k_pt);
	fprintf(f, "</table><table><caption>other</caption>\n");
	summary_rows(f, &r->summary, k_other);
	fprintf(f, "</table></div></section>\n<section id=\"thp\"><h2>THP candidates</h2>\n"
		"<p>2M-aligned regions fully populated with base pages: one huge leaf each would "
		"replace that many PTEs.</p><table>\n");
	summary_rows(f, &r->summary, k_thp);
	fprintf(f, "</table></section>\n");
}

static void section_hist(FILE *f, const struct report *r)
{
	char path[96], a[32];
	size_t i;
	int b;

	fprintf(f, "<section id=\"histograms\"><h2>Fault latency per class</h2>\n");
	if (!r->have_stats) {
		fprintf(f, "<p class=\"absent\">No fault_stats from the module.</p></section>\n");
		return;
	}
	fprintf(f, "<table><tr><th>class</th><th>count</th><th>total</th><th>min</th><th>p50</th>"
		"<th>p90</th><th>p99</th><th>max</th></tr>\n");
	for (i = 0; i < r->nstats; i++) {
		const struct fstat_row *s = &r->stats[i];

		if (!s->count && strcmp(s->class, "all"))
			continue;
		fprintf(f, "<tr><th>%s</th>", s->class);
#define STAT(field, fn) snprintf(path, sizeof(path), "stats.%zu." #field, i); fn(f, path, s->field)
		STAT(count, td_num);
		STAT(sum_ns, td_ns);
		STAT(min_ns, td_ns);
		STAT(p50_ns, td_ns);
		STAT(p90_ns, td_ns);
		STAT(p99_ns, td_ns);
		STAT(max_ns, td_ns);
#undef STAT
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n<div class=\"hists\">\n");
	for (i = 0; i < r->nhists; i++) {
		const struct rhist *h = &r->hists[i];
		int nb = h->last - h->first + 1, bw = nb > 0 ? 360 / nb : 360;
		uint64_t max = 1;

		for (b = h->first; b <= h->last; b++)
			max = h->buckets[b] > max ? h->buckets[b] : max;
		fprintf(f, "<figure><figcaption>%s: <span data-k=\"histograms.%zu.count\" data-v=\"%" PRIu64
			"\">%" PRIu64 "</span> faults</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
			"width=\"380\" height=\"130\" font-family=\"monospace\" font-size=\"9\">"
			"<line x1=\"10\" x2=\"370\" y1=\"100\" y2=\"100\" stroke=\"#888\"/>\n",
			h->class, i, h->count, h->count);
		for (b = h->first; b <= h->last; b++) {
			unsigned int bh = (unsigned int)(h->buckets[b] * 90 / max), x = 10 + (b - h->first) * bw;

			fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%d\" height=\"%u\" fill=\"#4e79a7\" "
				"data-k=\"histograms.%zu.buckets.%d.count\" data-v=\"%" PRIu64 "\"><title>%"
				PRIu64 " in [%s, 2x)</title></rect>", x, 100 - bh, bw > 2 ? bw - 1 : 1, bh, i,
				b - h->first, h->buckets[b], h->buckets[b],
				human_ns(b ? 1ULL << b : 0, a, sizeof(a)));
			if ((b - h->first) % (nb > 8 ? 3 : 1) == 0)
				fprintf(f, "<text x=\"%u\" y=\"112\">%s</text>", x, a);
		}
		fprintf(f, "<text x=\"10\" y=\"126\">latency (power-of-two buckets)</text></svg></figure>\n");
	}
	fprintf(f, "</div></section>\n");
}

static void section_sites(FILE *f, const struct report *r)
{
	char path[96];
	size_t i, shown = 0;

	fprintf(f, "<section id=\"heatmap\"><h2>Faults over address and time</h2>\n<p>"
		"<span data-k=\"heatmap.events\" data-v=\"%" PRIu64 "\">%" PRIu64 "</span> events, "
		"<span data-k=\"heatmap.lost\" data-v=\"%" PRIu64 "\" class=\"%s\">%" PRIu64 "</span> lost "
		"(columns where the stream lost events are marked red).</p>\n",
		(uint64_t)r->events.n, (uint64_t)r->events.n, r->events.lost,
		r->events.lost ? "lost" : "", r->events.lost);
	heatmap_svg(f, r->heatmap);
	fprintf(f, "</section>\n<section id=\"by-vma\"><h2>Top fault sites by VMA</h2>\n");
	if (r->by_vma_absent) {
		fprintf(f, "<p class=\"absent\" data-k=\"by_vma_absent\" data-v=\"");
		html_escape(f, r->by_vma_absent);
		fprintf(f, "\">Absent: ");
		html_escape(f, r->by_vma_absent);
		fprintf(f, "</p>\n");
	} else {
		fprintf(f, "<table><tr><th>vma</th><th>start</th><th>all</th><th>minor</th><th>major</th>"
			"<th>total latency</th><th>max</th></tr>\n");
		for (i = 0; i < r->nvrows; i++) {
			const struct vrow *v = &r->vrows[i];

			if (!vma_row_shown(r->vrows, i, r->top))
				continue;
			fprintf(f, "<tr>");
			snprintf(path, sizeof(path), "by_vma.%zu.vma", shown);
			td_text(f, path, v->name);
			if (v->other)
				fprintf(f, "<td>-</td>");
			else
				fprintf(f, "<td>0x%" PRIx64 "</td>", v->start);
#define VCOL(key, fn) snprintf(path, sizeof(path), "by_vma.%zu." key, shown); fn(f, path, vrow_get(v, key))
			VCOL("all", td_num);
			VCOL("minor", td_num);
			VCOL("major", td_num);
			VCOL("sum_ns", td_ns);
			VCOL("max_ns", td_ns);
#undef VCOL
			fprintf(f, "</tr>\n");
			shown++;
		}
		fprintf(f, "</table>\n");
	}
	fprintf(f, "</section>\n<section id=\"by-sym\"><h2>Top fault sites by symbol</h2>\n"
		"<p>From the stream's user ips (symbolizer: %s); faults taken in kernel mode are "
		"[kernel].</p>\n<table><tr><th>symbol</th><th>count</th><th>total latency</th>"
		"<th>max</th><th>file</th><th>build-id</th></tr>\n", r->symbolizer);
	for (i = 0; i < r->nsites && i < r->top; i++) {
		const struct sym_site *s = &r->sites[i];

		fprintf(f, "<tr>");
		snprintf(path, sizeof(path), "by_sym.%zu.symbol", i);
		td_text(f, path, s->func);
		snprintf(path, sizeof(path), "by_sym.%zu.count", i);
		td_num(f, path, s->count);
		snprintf(path, sizeof(path), "by_sym.%zu.sum_ns", i);
		td_ns(f, path, s->sum_ns);
		snprintf(path, sizeof(path), "by_sym.%zu.max_ns", i);
		td_ns(f, path, s->max_ns);
		fprintf(f, "<td>");
		html_escape(f, s->module);
		fprintf(f, "</td><td class=\"bid\">%s</td></tr>\n", s->build_id);
	}
	fprintf(f, "</table></section>\n");
}

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
	"h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 1.5em .5em 0}td,th{padding:2px 8px;"
	"border-bottom:1px solid #eee;text-align:left}td.n{text-align:right;font-variant-numeric:"
	"tabular-nums}caption{font-weight:bold;text-align:left}.cols{display:flex;flex-wrap:wrap;align-items:flex-start}"
	".legend span{margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;"
	"margin-right:4px;vertical-align:middle;border:1px solid #999}.absent{color:#a00}"
	".lost{color:#d00;font-weight:bold}.hists{display:flex;flex-wrap:wrap}figure{margin:.5em}"
	".bid{font-family:monospace;font-size:11px}nav a{margin-right:1em}svg{max-width:100%;height:auto}";

void report_html(FILE *f, const struct report *r)
{
	const struct kv_line *ver = r->version.n ? &r->version.lines[r->version.n - 1] : NULL;
	time_t t = (time_t)r->time;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; img-src data:\">\n<title>mmuscope report: pid %d (", r->pid);
	html_escape(f, r->comm);
	fprintf(f, ")</title>\n<style>%s</style></head><body>\n<header id=\"report\"><h1>mmuscope "
		"report: pid <span data-k=\"pid\" data-v=\"%d\">%d</span> (", css, r->pid, r->pid);
	html_escape(f, r->comm);
	fprintf(f, ")</h1>\n<p>%s; fault stream %s; kernel %s, %s-level paging, %s-byte pages</p>\n",
		when, r->duration > 0 ? "read live" : "from a file",
		ver && kv_get(ver, "kernel") ? kv_get(ver, "kernel") : "?",
		ver && kv_get(ver, "levels") ? kv_get(ver, "levels") : "?",
		ver && kv_get(ver, "page_size") ? kv_get(ver, "page_size") : "?");
	fprintf(f, "<nav><a href=\"#vma-map\">address space</a><a href=\"#summary\">page tables</a>"
		"<a href=\"#thp\">THP</a><a href=\"#histograms\">latency</a><a href=\"#heatmap\">heatmap"
		"</a><a href=\"#by-vma\">by VMA</a><a href=\"#by-sym\">by symbol</a></nav></header>\n");
	section_map(f, r);
	section_summary(f, r);
	section_hist(f, r);
	section_sites(f, r);
	fprintf(f, "<footer><p>mmuscope %s</p></footer>\n</body></html>\n", MMU_READER_VERSION);
}
