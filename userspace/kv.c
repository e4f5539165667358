// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: the one parser for the module's debugfs lines
 * ("key=value key=value ...", '#' lines name the format), used by every
 * subcommand.  Pairs point into the caller's buffer; no fixed limits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kv.h"

static void *kv_realloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("mmuscope: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* Decimal only, the whole string, no sign, no overflow. */
int parse_dec_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "0x..." hex or plain decimal (never octal), the whole string. */
int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
		errno = 0;
		v = strtoull(s + 2, &end, 16);
		if (errno || *end)
			return -EINVAL;
		*out = v;
		return 0;
	}
	return parse_dec_u64(s, out);
}

/*
 * Split one line (modified in place) into pairs.  A token without '=' is
 * kept with an empty key, so "one pid per line" files parse too.
 */
int kv_parse_line(char *s, struct kv_line *line)
{
	size_t cap = 0;
	char *tok, *save = NULL, *eq;

	memset(line, 0, sizeof(*line));
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#') {
		line->comment = s;
		return 0;
	}
	for (tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (line->n == cap) {
			cap = cap ? cap * 2 : 16;
			line->kv = kv_realloc(line->kv, cap * sizeof(*line->kv));
		}
		eq = strchr(tok, '=');
		if (eq) {
			*eq = '\0';
			line->kv[line->n].key = tok;
			line->kv[line->n].val = eq + 1;
		} else {
			line->kv[line->n].key = "";
			line->kv[line->n].val = tok;
		}
		line->n++;
	}
	return 0;
}

/* Parse a whole file's text; @doc takes ownership of @buf. */
int kv_parse_buf(char *buf, struct kv_doc *doc)
{
	size_t cap = 0;
	char *s = buf, *nl;

	memset(doc, 0, sizeof(*doc));
	doc->buf = buf;
	while (*s) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (*s) {
			if (doc->n == cap) {
				cap = cap ? cap * 2 : 64;
				doc->lines = kv_realloc(doc->lines, cap * sizeof(*doc->lines));
			}
			kv_parse_line(s, &doc->lines[doc->n]);
			if (doc->lines[doc->n].n || doc->lines[doc->n].comment)
				doc->n++;
			else
				free(doc->lines[doc->n].kv);
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

void kv_doc_free(struct kv_doc *doc)
{
	size_t i;

	for (i = 0; i < doc->n; i++)
		free(doc->lines[i].kv);
	free(doc->lines);
	free(doc->buf);
	memset(doc, 0, sizeof(*doc));
}

const char *kv_get(const struct kv_line *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->kv[i].key, key))
			return l->kv[i].val;
	return NULL;
}

/* -ENOENT when absent, -EINVAL when not a whole number. */
int kv_u64(const struct kv_line *l, const char *key, uint64_t *out)
{
	const char *v = kv_get(l, key);

	if (!v)
		return -ENOENT;
	return parse_u64(v, out);
}

uint64_t kv_u64_or(const struct kv_line *l, const char *key, uint64_t dflt)
{
	uint64_t v;

	return kv_u64(l, key, &v) ? dflt : v;
}

bool kv_is_data(const struct kv_line *l)
{
	return !l->comment && l->n;
}
