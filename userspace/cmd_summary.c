// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `summary PID`.  The module's summary has scalar lines
 * (key=value totals) and table lines led by a selector with a name as its
 * value (pagesize=2M ..., level=pte ...); both are shown generically so a
 * new counter in the module appears here without a reader change.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

/* A line is a table row when its first value is a name, not a number. */
static bool is_row(const struct kv_line *l)
{
	uint64_t v;

	return l->n > 1 && l->kv[0].key[0] && parse_u64(l->kv[0].val, &v);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Numbers with their unit: bytes and pages get a human size beside them. */
static void print_value(const char *key, const char *val, int width)
{
	char hb[32], txt[96];
	uint64_t v;

	if (parse_u64(val, &v)) {
		printf("%*s", width, val);
		return;
	}
	if (ends_with(key, "bytes"))
		snprintf(txt, sizeof(txt), "%s", human_bytes(v, hb, sizeof(hb)));
	else if (ends_with(key, "pages") || !strcmp(key, "present") ||
		 !strcmp(key, "swapped") || !strcmp(key, "dirty") ||
		 !strcmp(key, "accessed") || !strcmp(key, "file") || !strcmp(key, "anon"))
		snprintf(txt, sizeof(txt), "%s (%s)", val,
			 human_bytes(v * base_page_size(), hb, sizeof(hb)));
	else
		snprintf(txt, sizeof(txt), "%s", val);
	printf("%*s", width, txt);
}

static void print_text(pid_t pid, const struct kv_doc *doc)
{
	char comm[64];
	size_t i, j, k;

	printf("%spid %d (%s)%s\n", col(C_BOLD), pid,
	       proc_comm(pid, comm, sizeof(comm))[0] ? comm : "?", col(C_RESET));
	/* Scalars first, one per line. */
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];

		if (!kv_is_data(l) || is_row(l))
			continue;
		for (j = 0; j < l->n; j++) {
			printf("  %-24s ", l->kv[j].key[0] ? l->kv[j].key : "value");
			print_value(l->kv[j].key, l->kv[j].val, 0);
			printf("\n");
		}
	}
	/* Then each run of rows sharing a selector as a table. */
	for (i = 0; i < doc->n; i = k) {
		const struct kv_line *l = &doc->lines[i];

		k = i + 1;
		if (!kv_is_data(l) || !is_row(l))
			continue;
		while (k < doc->n && kv_is_data(&doc->lines[k]) && is_row(&doc->lines[k]) &&
		       !strcmp(doc->lines[k].kv[0].key, l->kv[0].key))
			k++;
		printf("\n%s  %-10s", col(C_BOLD), l->kv[0].key);
		for (j = 1; j < l->n; j++)
			printf(" %20s", l->kv[j].key);
		printf("%s\n", col(C_RESET));
		for (size_t r = i; r < k; r++) {
			const struct kv_line *row = &doc->lines[r];

			printf("  %s%-10s%s", col(C_CYAN), row->kv[0].val, col(C_RESET));
			for (j = 1; j < row->n; j++) {
				printf(" ");
				print_value(row->kv[j].key, row->kv[j].val, 20);
			}
			printf("\n");
		}
	}
}

static void print_json(pid_t pid, const struct kv_doc *doc)
{
	struct jw *w = jw_new(stdout, false);
	char name[128];
	size_t i, j, k;

	jw_obj_begin(w);
	jw_key(w, "pid");
	jw_i64(w, pid);
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];

		if (!kv_is_data(l) || is_row(l))
			continue;
		for (j = 0; j < l->n; j++) {
			jw_key(w, l->kv[j].key[0] ? l->kv[j].key : "value");
			jw_kv_value(w, l->kv[j].val);
		}
	}
	for (i = 0; i < doc->n; i = k) {
		const struct kv_line *l = &doc->lines[i];

		k = i + 1;
		if (!kv_is_data(l) || !is_row(l))
			continue;
		while (k < doc->n && kv_is_data(&doc->lines[k]) && is_row(&doc->lines[k]) &&
		       !strcmp(doc->lines[k].kv[0].key, l->kv[0].key))
			k++;
		snprintf(name, sizeof(name), "by_%s", l->kv[0].key);
		jw_key(w, name);
		jw_arr_begin(w);
		for (size_t r = i; r < k; r++)
			jw_kv_line(w, &doc->lines[r]);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_destroy(w);
}

int do_summary(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct kv_doc doc;
	bool added;
	pid_t pid;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		ret = cmd_common_opt("summary", opt, argv);
		if (ret >= 0)
			return ret;
	}
	ret = pid_arg("summary", argc, argv, &pid);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return cmd_usage_err("summary", "unexpected argument '%s'", argv[optind]);
	if (mmu_target_attach(pid, &added))
		return EXIT_ERR;
	ret = mmu_read_target_doc(pid, "summary", &doc);
	mmu_target_detach(pid, added);
	if (ret)
		return EXIT_ERR;
	if (json_output)
		print_json(pid, &doc);
	else
		print_text(pid, &doc);
	kv_doc_free(&doc);
	return EXIT_OK;
}
