// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: a heatmap of faults over address x time, drawn as SVG.
 * The sparse address space is compressed into bands, one per VMA that
 * took faults (events outside every known VMA are clustered), each band a
 * few rows high whatever its size (2 + log2 of its pages, at most 16); time runs left to right in equal
 * columns; a column where the stream lost events is marked in red.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

#define HM_ROW_PX	7
#define HM_COL_PX	6
#define HM_LEFT		280
#define HM_TOP		36
#define HM_MAX_ROWS	16
#define HM_CLUSTER_GAP	(16ULL << 20)

struct band {
	uint64_t start, end;
	char *name;
	unsigned int rows, row0;	/* rows of the band, first row index */
	uint64_t events;
};

struct heatmap {
	struct band *b;
	size_t nb;
	unsigned int rows, cols;
	uint64_t *cell;		/* rows x cols, row 0 = the top (highest addresses) */
	uint64_t *lost;		/* per column */
	uint64_t t0, t1, events, total_lost, max;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_band(const void *a, const void *b)
{
	const struct band *x = a, *y = b;

	return x->start < y->start ? 1 : x->start > y->start ? -1 : 0;	/* high first */
}

static struct band *find_band(struct heatmap *h, uint64_t va)
{
	size_t i;

	for (i = 0; i < h->nb; i++)
		if (va >= h->b[i].start && va < h->b[i].end)
			return &h->b[i];
	return NULL;
}

static void add_band(struct heatmap *h, uint64_t start, uint64_t end, const char *name)
{
	h->b = xrealloc(h->b, (h->nb + 1) * sizeof(*h->b));
	memset(&h->b[h->nb], 0, sizeof(h->b[h->nb]));
	h->b[h->nb].start = start;
	h->b[h->nb].end = end;
	h->b[h->nb++].name = xstrdup(name);
}

struct heatmap *heatmap_build(const struct fevents *e, const struct maprange *vmas, size_t nvmas,
			      unsigned int cols)
{
	struct heatmap *h = xmalloc(sizeof(*h));
	uint64_t *out = xmalloc((e->n ? e->n : 1) * sizeof(*out)), span;
	size_t i, j, nout = 0, k;
	struct band *b;

	memset(h, 0, sizeof(*h));
	h->cols = cols ? cols : 120;
	/* Bands: the VMAs that took faults, then clusters of the rest. */
	for (i = 0; i < nvmas; i++) {
		for (j = 0; j < e->n; j++)
			if (e->ev[j].va >= vmas[i].start && e->ev[j].va < vmas[i].end)
				break;
		if (j < e->n)
			add_band(h, vmas[i].start, vmas[i].end, vmas[i].name);
	}
	for (j = 0; j < e->n; j++)
		if (!find_band(h, e->ev[j].va))
			out[nout++] = e->ev[j].va & ~4095ULL;
	qsort(out, nout, sizeof(*out), cmp_u64);
	for (i = 0; i < nout; i = k) {
		for (k = i + 1; k < nout && out[k] - out[k - 1] <= HM_CLUSTER_GAP; k++)
			;
		add_band(h, out[i], out[k - 1] + 4096, "(no VMA known)");
	}
	free(out);
	qsort(h->b, h->nb, sizeof(*h->b), cmp_band);
	for (i = 0; i < h->nb; i++) {
		span = (h->b[i].end - h->b[i].start) >> 12;
		/* Two rows at least: the label's height. */
		h->b[i].rows = span > 1 ? (unsigned int)(63 - __builtin_clzll(span)) + 2 : 2;
		if (h->b[i].rows > HM_MAX_ROWS)
			h->b[i].rows = HM_MAX_ROWS;
		h->b[i].row0 = h->rows;
		h->rows += h->b[i].rows;
	}
	h->cell = calloc((size_t)(h->rows ? h->rows : 1) * h->cols, sizeof(*h->cell));
	h->lost = calloc(h->cols, sizeof(*h->lost));
	if (!h->cell || !h->lost) {
		p_err("out of memory");
		exit(EXIT_ERR);
	}
	h->t0 = UINT64_MAX;
	for (j = 0; j < e->n; j++) {
		if (e->ev[j].ts < h->t0)
			h->t0 = e->ev[j].ts;
		if (e->ev[j].ts > h->t1)
			h->t1 = e->ev[j].ts;
	}
	if (!e->n)
		h->t0 = 0;
	for (j = 0; j < e->n; j++) {
		const struct fevent *ev = &e->ev[j];
		unsigned int c, r;

		b = find_band(h, ev->va);
		if (!b)
			continue;
		c = (unsigned int)((double)(ev->ts - h->t0) * h->cols / (h->t1 - h->t0 + 1));
		/* Rows top-down: the band's highest addresses first. */
		r = (unsigned int)((double)(b->end - 1 - ev->va) * b->rows / (b->end - b->start));
		h->cell[(size_t)(b->row0 + r) * h->cols + c]++;
		if (h->cell[(size_t)(b->row0 + r) * h->cols + c] > h->max)
			h->max = h->cell[(size_t)(b->row0 + r) * h->cols + c];
		b->events++;
		h->events++;
	}
	for (i = 0; i < e->nmarks; i++) {
		size_t at = e->lost_marks[i].before;
		uint64_t ts = !e->n ? 0 : at < e->n ? e->ev[at].ts : e->ev[e->n - 1].ts;
		unsigned int c = e->n ? (unsigned int)((double)(ts - h->t0) * h->cols / (h->t1 - h->t0 + 1)) : 0;

		h->lost[c] += e->lost_marks[i].count;
		h->total_lost += e->lost_marks[i].count;
	}
	return h;
}

void heatmap_free(struct heatmap *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nb; i++)
		free(h->b[i].name);
	free(h->b);
	free(h->cell);
	free(h->lost);
	free(h);
}

void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Light yellow to dark red on a log scale of the count. */
static void cell_colour(uint64_t c, uint64_t max, char *buf, size_t size)
{
	double t = max > 1 ? log1p((double)c) / log1p((double)max) : 1.0;
	int r = (int)(255 - t * (255 - 127)), g = (int)(237 - t * (237 - 0)), b = (int)(160 - t * 160);

	snprintf(buf, size, "#%02x%02x%02x", r, g, b);
}

void heatmap_svg(FILE *f, const struct heatmap *h)
{
	unsigned int w = HM_LEFT + h->cols * HM_COL_PX + 20;
	unsigned int ht = HM_TOP + h->rows * HM_ROW_PX + 40;
	double secs = (h->t1 - h->t0) / 1e9;
	char colour[16], sz[32];
	unsigned int r, c, i;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"10\" "
		"data-events=\"%" PRIu64 "\" data-lost=\"%" PRIu64 "\" data-bands=\"%zu\">\n",
		w, ht, w, ht, h->events, h->total_lost, h->nb);
	fprintf(f, "<title>page faults over address and time: %" PRIu64 " events, %" PRIu64
		" lost</title>\n<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n",
		h->events, h->total_lost, w, ht);
	fprintf(f, "<text x=\"4\" y=\"12\">%" PRIu64 " faults in %.3f s, %zu address bands "
		"(one per VMA with faults, high addresses on top)</text>\n", h->events, secs, h->nb);
	for (i = 0; i < h->nb; i++) {
		const struct band *b = &h->b[i];
		unsigned int y = HM_TOP + b->row0 * HM_ROW_PX;

		fprintf(f, "<g class=\"band\" data-start=\"0x%" PRIx64 "\" data-events=\"%" PRIu64 "\">"
			"<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\"/>",
			b->start, b->events, HM_LEFT, y, h->cols * HM_COL_PX, b->rows * HM_ROW_PX,
			i % 2 ? "#f4f4f4" : "#fafafa");
		fprintf(f, "<text x=\"4\" y=\"%u\">%012" PRIx64 " %6s ", y + 8, b->start,
			human_bytes(b->end - b->start, sz, sizeof(sz)));
		html_escape(f, strlen(b->name) > 24 ? b->name + strlen(b->name) - 24 : b->name);
		fprintf(f, "</text><line x1=\"0\" x2=\"%u\" y1=\"%u\" y2=\"%u\" stroke=\"#999\" "
			"stroke-width=\"0.5\"/></g>\n", w, y, y);
	}
	for (r = 0; r < h->rows; r++)
		for (c = 0; c < h->cols; c++) {
			uint64_t n = h->cell[(size_t)r * h->cols + c];

			if (!n)
				continue;
			cell_colour(n, h->max, colour, sizeof(colour));
			fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\">"
				"<title>%" PRIu64 "</title></rect>\n", HM_LEFT + c * HM_COL_PX,
				HM_TOP + r * HM_ROW_PX, HM_COL_PX, HM_ROW_PX, colour, n);
		}
	for (c = 0; c < h->cols; c++) {
		if (!h->lost[c])
			continue;
		fprintf(f, "<g class=\"lost\" data-lost=\"%" PRIu64 "\"><rect x=\"%u\" y=\"%u\" width=\"%u\" "
			"height=\"%u\" fill=\"#d00000\" fill-opacity=\"0.25\" stroke=\"#d00000\"/>"
			"<text x=\"%u\" y=\"%u\" fill=\"#d00000\">%" PRIu64 " lost</text></g>\n",
			h->lost[c], HM_LEFT + c * HM_COL_PX, HM_TOP - 8, HM_COL_PX,
			h->rows * HM_ROW_PX + 8, HM_LEFT + c * HM_COL_PX, HM_TOP - 12, h->lost[c]);
	}
	for (i = 0; i <= 4; i++)
		fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">%.3gs</text>\n",
			HM_LEFT + i * h->cols * HM_COL_PX / 4, HM_TOP + h->rows * HM_ROW_PX + 14,
			secs * i / 4);
	fprintf(f, "<text x=\"%u\" y=\"%u\">time since the first event &#8594;  "
		"(colour: faults per cell, log scale, max %" PRIu64 ")</text>\n</svg>\n",
		HM_LEFT, HM_TOP + h->rows * HM_ROW_PX + 30, h->max);
}

void heatmap_json(struct jw *w, const struct heatmap *h)
{
	unsigned int r, c;
	size_t i;

	jw_obj_begin(w);
	jw_key(w, "events");
	jw_u64(w, h->events);
	jw_key(w, "lost");
	jw_u64(w, h->total_lost);
	jw_key(w, "t0_ns");
	jw_u64(w, h->t0);
	jw_key(w, "t1_ns");
	jw_u64(w, h->t1);
	jw_key(w, "columns");
	jw_u64(w, h->cols);
	jw_key(w, "bands");
	jw_arr_begin(w);
	for (i = 0; i < h->nb; i++) {
		jw_obj_begin(w);
		jw_key(w, "start");
		jw_hex(w, h->b[i].start);
		jw_key(w, "end");
		jw_hex(w, h->b[i].end);
		jw_key(w, "name");
		jw_str(w, h->b[i].name);
		jw_key(w, "rows");
		jw_u64(w, h->b[i].rows);
		jw_key(w, "events");
		jw_u64(w, h->b[i].events);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "lost_columns");
	jw_arr_begin(w);
	for (c = 0; c < h->cols; c++)
		if (h->lost[c]) {
			jw_arr_begin(w);
			jw_u64(w, c);
			jw_u64(w, h->lost[c]);
			jw_arr_end(w);
		}
	jw_arr_end(w);
	jw_key(w, "cells");	/* [row, column, count], the non-empty ones */
	jw_arr_begin(w);
	for (r = 0; r < h->rows; r++)
		for (c = 0; c < h->cols; c++)
			if (h->cell[(size_t)r * h->cols + c]) {
				jw_arr_begin(w);
				jw_u64(w, r);
				jw_u64(w, c);
				jw_u64(w, h->cell[(size_t)r * h->cols + c]);
				jw_arr_end(w);
			}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void vma_add(struct maprange **v, size_t *n, uint64_t s, uint64_t e, const char *name)
{
	char buf[4096];

	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].start = s;
	(*v)[*n].end = e;
	(*v)[*n].pgoff = 0;
	(*v)[(*n)++].name = xstrdup(unescape(name, buf, sizeof(buf)));
}

/*
 * The VMAs of @pid for the address bands: the module's <pid>/vmas, else
 * /proc/PID/maps (not for a MMUSCOPE_DEBUGFS tree), else the module's
 * runs joined per VMA name.
 */
size_t vma_bands(pid_t pid, struct maprange **out)
{
	struct maprange *v = NULL;
	struct kv_doc d;
	size_t n = 0, i;
	char path[64], line[4352], name[4096];
	unsigned long long s, e;
	FILE *f;

	if (!mmu_read_target_raw(pid, "vmas", &d)) {
		for (i = 0; i < d.n; i++)
			if (kv_is_data(&d.lines[i]) && kv_get(&d.lines[i], "start"))
				vma_add(&v, &n, kv_u64_or(&d.lines[i], "start", 0),
					kv_u64_or(&d.lines[i], "end", 0),
					kv_get(&d.lines[i], "vma") ?: "?");
		kv_doc_free(&d);
		*out = v;
		return n;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!mmu_root_overridden() && (f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f)) {
			name[0] = '\0';
			if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %4095[^\n]", &s, &e, name) >= 2)
				vma_add(&v, &n, s, e, name[0] ? name + strspn(name, " ") : "anon");
		}
		fclose(f);
		*out = v;
		return n;
	}
	if (!mmu_read_target_raw(pid, "maps", &d)) {
		for (i = 0; i < d.n; i++) {
			const struct kv_line *l = &d.lines[i];
			const char *vn = kv_get(l, "vma");

			if (!kv_is_data(l) || !vn)
				continue;
			if (n && !strcmp(v[n - 1].name, unescape(vn, name, sizeof(name))))
				v[n - 1].end = kv_u64_or(l, "end", v[n - 1].end);
			else
				vma_add(&v, &n, kv_u64_or(l, "start", 0), kv_u64_or(l, "end", 0), vn);
		}
		kv_doc_free(&d);
	}
	*out = v;
	return n;
}

void vmas_free(struct maprange *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
