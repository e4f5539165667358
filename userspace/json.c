// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: a small streaming JSON writer (commas, nesting, escapes). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

#define JW_MAX_DEPTH	32

struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* nothing written yet at this depth */
	bool after_key;
};

struct jw *jw_new(FILE *f, bool pretty)
{
	struct jw *w = calloc(1, sizeof(*w));

	if (!w) {
		fputs("mmuscope: out of memory\n", stderr);
		exit(1);
	}
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jw_destroy(struct jw *w)
{
	if (!w)
		return;
	fputc('\n', w->f);
	fflush(w->f);
	free(w);
}

void json_escape(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
}

static void jw_indent(struct jw *w)
{
	int i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before a value or key at the current depth. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->depth)
		jw_indent(w);
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	fputc(c, w->f);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		jw_indent(w);
	fputc(c, w->f);
}

void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	fputc('"', w->f);
	json_escape(w->f, key);
	fputs(w->pretty ? "\": " : "\":", w->f);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	fputc('"', w->f);
	json_escape(w->f, s);
	fputc('"', w->f);
}

void jw_u64(struct jw *w, uint64_t v)
{
	jw_sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, int64_t v)
{
	jw_sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void jw_double(struct jw *w, double v)
{
	jw_sep(w);
	if (isfinite(v))
		fprintf(w->f, "%.9g", v);
	else
		fputs("null", w->f);
}

/* Unix time in seconds, to the microsecond. */
void jw_time(struct jw *w, double secs)
{
	jw_sep(w);
	fprintf(w->f, "%.6f", secs);
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	fputs("null", w->f);
}

/* Addresses, PFNs and raw entries stay hex strings: exact, and as printed. */
void jw_hex(struct jw *w, uint64_t v)
{
	jw_sep(w);
	fprintf(w->f, "\"0x%" PRIx64 "\"", v);
}
