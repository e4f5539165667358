/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope reader: the one parser for the module's key=value lines, and
 * its numbers (decimal, or 0x hex).  A leaf: libc only.
 */
#ifndef MMUSCOPE_KV_H
#define MMUSCOPE_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_pair {
	char *key;
	char *val;
};

struct kv_line {
	struct kv_pair *kv;
	size_t n;
	char *comment;		/* the text of a '#' line, else NULL */
};

struct kv_doc {
	struct kv_line *lines;
	size_t n;
	char *buf;		/* storage the pairs point into */
};

int parse_u64(const char *s, uint64_t *out);	/* 0x hex or decimal */
int parse_dec_u64(const char *s, uint64_t *out);
int kv_parse_line(char *s, struct kv_line *line);
int kv_parse_buf(char *buf, struct kv_doc *doc);
void kv_doc_free(struct kv_doc *doc);
const char *kv_get(const struct kv_line *l, const char *key);
int kv_u64(const struct kv_line *l, const char *key, uint64_t *out);
uint64_t kv_u64_or(const struct kv_line *l, const char *key, uint64_t dflt);
bool kv_is_data(const struct kv_line *l);

#endif
