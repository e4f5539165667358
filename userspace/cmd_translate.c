// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: `translate PID ADDR`, one address's walk drawn as a tree. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

static void indent(int depth)
{
	int i;

	for (i = 1; i < depth; i++)
		printf("   ");
	if (depth)
		printf("%s└─%s ", col(C_DIM), col(C_RESET));
}

/* The result line's other keys (flags, vma, backing, swap=...), as given. */
static void print_extra(const struct kv_line *l)
{
	static const char *const shown[] = { "va", "pa", "pagesize", "unmapped_at", "level" };
	size_t j, k;

	for (j = 0; j < l->n; j++) {
		for (k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			if (!strcmp(l->kv[j].key, shown[k]))
				break;
		if (k < sizeof(shown) / sizeof(shown[0]))
			continue;
		char name[512];

		if (!strcmp(l->kv[j].key, "flags"))
			printf("  %s[%s]%s", col(C_YELLOW), l->kv[j].val, col(C_RESET));
		else if (!strcmp(l->kv[j].key, "vma"))
			printf("  vma=%s", unescape(l->kv[j].val, name, sizeof(name)));
		else
			printf("  %s=%s", l->kv[j].key, l->kv[j].val);
	}
	printf("\n");
}

static void print_tree(pid_t pid, uint64_t va, const struct kv_doc *doc)
{
	char comm[64];
	int depth = 0;
	size_t i;

	printf("%spid %d (%s)  va 0x%016" PRIx64 "%s\n", col(C_BOLD), pid,
	       proc_comm(pid, comm, sizeof(comm))[0] ? comm : "?", va, col(C_RESET));
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];
		const char *level = kv_get(l, "va") ? NULL : kv_get(l, "level"), *v;
		uint64_t x;

		if (!kv_is_data(l))
			continue;
		if (level) {
			indent(depth++);
			printf("%s%-4s%s", col(C_CYAN), level, col(C_RESET));
			if (kv_u64_or(l, "folded", 0)) {
				printf(" %s(folded)%s\n", col(C_DIM), col(C_RESET));
				continue;
			}
			if ((v = kv_get(l, "index")))
				printf(" index %-4s", v);
			if (!kv_u64(l, "entry", &x))
				printf(" entry 0x%016" PRIx64, x);
			if ((v = kv_get(l, "flags")) && *v)
				printf("  %s[%s]%s", col(C_YELLOW), v, col(C_RESET));
			for (size_t j = 0; j < l->n; j++) {
				const char *k = l->kv[j].key;

				if (strcmp(k, "level") && strcmp(k, "index") &&
				    strcmp(k, "entry") && strcmp(k, "flags"))
					printf("  %s=%s", k, l->kv[j].val);
			}
			printf("\n");
			continue;
		}
		indent(depth);
		if ((v = kv_get(l, "unmapped_at"))) {
			if (!strcmp(v, "vma"))
				printf("%snot mapped%s: no VMA of the process covers this address",
				       col(C_RED), col(C_RESET));
			else if (kv_get(l, "pagesize"))
				printf("%snot present%s: the %s entry holds no page", col(C_RED),
				       col(C_RESET), v);
			else
				printf("%snot mapped%s: the %s entry is empty%s", col(C_RED),
				       col(C_RESET), v, kv_get(l, "vma") ? " (the VMA exists: not touched yet)" : "");
			print_extra(l);
			continue;
		}
		if (!kv_u64(l, "pa", &x)) {
			uint64_t psz = pagesize_bytes(kv_get(l, "pagesize"));

			printf("%spa 0x%016" PRIx64 "%s", col(C_GREEN), x, col(C_RESET));
			if (kv_get(l, "pagesize"))
				printf("  (%s page", kv_get(l, "pagesize"));
			if (psz)
				printf(", offset 0x%" PRIx64, va & (psz - 1));
			if (kv_get(l, "pagesize"))
				printf(")");
			print_extra(l);
			continue;
		}
		/* A final line in a form this reader does not know: show it. */
		for (size_t j = 0; j < l->n; j++)
			printf("%s%s=%s", j ? " " : "", l->kv[j].key, l->kv[j].val);
		printf("\n");
	}
}

static void print_json(pid_t pid, uint64_t va, const struct kv_doc *doc)
{
	struct jw *w = jw_new(stdout, false);
	const struct kv_line *last = NULL;
	size_t i, j;

	jw_obj_begin(w);
	jw_key(w, "pid");
	jw_i64(w, pid);
	jw_key(w, "va");
	jw_hex(w, va);
	jw_key(w, "levels");
	jw_arr_begin(w);
	for (i = 0; i < doc->n; i++) {
		if (!kv_is_data(&doc->lines[i]))
			continue;
		if (kv_get(&doc->lines[i], "level") && !kv_get(&doc->lines[i], "va"))
			jw_kv_line(w, &doc->lines[i]);
		else
			last = &doc->lines[i];
	}
	jw_arr_end(w);
	if (last) {
		for (j = 0; j < last->n; j++) {
			if (!strcmp(last->kv[j].key, "va") || !last->kv[j].key[0])
				continue;
			jw_key(w, last->kv[j].key);
			jw_kv_value(w, last->kv[j].val);
		}
	}
	jw_obj_end(w);
	jw_destroy(w);
}

/* Whether @doc is the translation of @va (its last line has va=). */
static bool shows_va(const struct kv_doc *doc, uint64_t va)
{
	uint64_t v;
	size_t i;

	for (i = doc->n; i > 0; i--)
		if (kv_is_data(&doc->lines[i - 1]) && !kv_u64(&doc->lines[i - 1], "va", &v))
			return v == va;
	return true;	/* nothing to compare (a "no address" doc): as read */
}

int do_translate(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	char rel[64], buf[64];
	struct kv_doc doc;
	bool added;
	uint64_t va;
	pid_t pid;
	int ret, nrest, tries = 0, rc = EXIT_ERR;
	char **rest;

	ret = cmd_preamble("translate", argc, argv, ":o:jh", opts, NULL, NULL, &pid, &rest, &nrest);
	if (ret >= 0)
		return ret;
	if (nrest < 1)
		return cmd_usage_err("translate", "missing ADDR");
	if (parse_addr(rest[0], &va))
		return cmd_usage_err("translate", "'%s' is not an address (use 0x for hex)", rest[0]);
	if (nrest > 1)
		return cmd_usage_err("translate", "unexpected argument '%s'", rest[1]);
	if (mmu_target_attach(pid, &added))
		return EXIT_ERR;
	snprintf(rel, sizeof(rel), "%d/translate", pid);
	snprintf(buf, sizeof(buf), "0x%" PRIx64 "\n", va);
again:
	ret = mmu_write_file(rel, buf);
	if (ret == -EINVAL) {
		p_err("0x%" PRIx64 " is not a user address of process %d (non-canonical or kernel address)",
		      va, pid);
		goto out;
	} else if (ret == -ESRCH) {
		p_err("process %d has exited", pid);
		goto out;
	} else if (ret) {
		p_err("%s/%s: %s", mmu_root(), rel, strerror(-ret));
		goto out;
	}
	if (mmu_read_target_doc(pid, "translate", &doc))
		goto out;
	/*
	 * The read shows the target's last address: another user may have
	 * asked for one in between (last writer wins).  Ask again.
	 */
	if (!mmu_root_overridden() && !shows_va(&doc, va) && tries++ < 8) {
		kv_doc_free(&doc);
		goto again;
	}
	if (json_output)
		print_json(pid, va, &doc);
	else
		print_tree(pid, va, &doc);
	kv_doc_free(&doc);
	rc = EXIT_OK;
out:
	mmu_target_detach(pid, added);
	return rc;
}
