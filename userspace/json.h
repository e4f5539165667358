/* SPDX-License-Identifier: GPL-2.0 */
/* mmuscope reader: a small streaming JSON writer.  A leaf: libc only. */
#ifndef MMUSCOPE_JSON_H
#define MMUSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jw;
struct jw *jw_new(FILE *f, bool pretty);
void jw_destroy(struct jw *w);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_time(struct jw *w, double secs);	/* Unix seconds, to the us */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_hex(struct jw *w, uint64_t v);		/* "0x..." string */
void json_escape(FILE *f, const char *s);

#endif
