// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: `maps PID`, the merged page-table runs grouped by VMA. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

/* The non-present kinds a run may carry instead of pfn= (DESIGN 2.2). */
static const char *const nonpresent_keys[] = {
	"swap", "migration", "marker", "device", "hwpoison", "nonpresent",
};

#define NSIZES 16

struct size_total {
	char name[16];
	uint64_t pages;
	uint64_t bytes;
};

struct maps_totals {
	struct size_total size[NSIZES];
	size_t nsize;
	uint64_t runs, present_bytes, nonpresent_bytes, swapped_bytes, vmas;
};

static const char *nonpresent_of(const struct kv_line *l, const char **kind)
{
	size_t i;
	const char *v;

	for (i = 0; i < sizeof(nonpresent_keys) / sizeof(nonpresent_keys[0]); i++) {
		v = kv_get(l, nonpresent_keys[i]);
		if (v) {
			*kind = nonpresent_keys[i];
			return v;
		}
	}
	return NULL;
}

static void add_size(struct maps_totals *t, const char *name, uint64_t pages, uint64_t bytes)
{
	size_t i;

	for (i = 0; i < t->nsize; i++)
		if (!strcmp(t->size[i].name, name))
			break;
	if (i == t->nsize) {
		if (t->nsize == NSIZES)
			return;
		snprintf(t->size[i].name, sizeof(t->size[i].name), "%s", name);
		t->nsize++;
	}
	t->size[i].pages += pages;
	t->size[i].bytes += bytes;
}

/* Colour the flags one by one: writable yellow, executable red. */
static void print_flags(const char *flags)
{
	char buf[256], *tok, *save = NULL;
	bool first = true;

	if (!use_color) {
		printf("%s", flags);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *c = !strcmp(tok, "w") ? C_YELLOW : !strcmp(tok, "x") ? C_RED :
				!strcmp(tok, "d") ? C_MAGENTA : NULL;

		printf("%s%s%s%s", first ? "" : ",", c ? col(c) : "", tok, c ? col(C_RESET) : "");
		first = false;
	}
}

static void print_raw(const struct kv_doc *doc)
{
	size_t i, j;

	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];

		if (l->comment) {
			printf("%s\n", l->comment);
			continue;
		}
		for (j = 0; j < l->n; j++)
			printf("%s%s%s%s", j ? " " : "", l->kv[j].key,
			       l->kv[j].key[0] ? "=" : "", l->kv[j].val);
		printf("\n");
	}
}

static void tally(const struct kv_doc *doc, struct maps_totals *t)
{
	const char *prev_vma = NULL, *kind;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];
		uint64_t start, end, pages;
		const char *vma = kv_get(l, "vma") ?: "?";

		if (!kv_is_data(l) || kv_u64(l, "start", &start) || kv_u64(l, "end", &end))
			continue;
		t->runs++;
		if (!prev_vma || strcmp(prev_vma, vma))
			t->vmas++;
		prev_vma = vma;
		pages = kv_u64_or(l, "pages", 0);
		if (kv_get(l, "pfn")) {
			t->present_bytes += end - start;
			add_size(t, kv_get(l, "pagesize") ?: "?", pages, end - start);
		} else {
			t->nonpresent_bytes += end - start;
			if (nonpresent_of(l, &kind) && !strcmp(kind, "swap"))
				t->swapped_bytes += end - start;
		}
	}
}

/*
 * How many runs after @i repeat its single page: adjacent, same PFN, level,
 * flags and VMA (the merger must split them, PFNs not being contiguous).
 */
static size_t same_page_runs(const struct kv_doc *doc, size_t i, uint64_t end)
{
	const struct kv_line *a = &doc->lines[i];
	const char *keys[] = { "pfn", "level", "flags", "vma", "pagesize" };
	uint64_t s, e;
	size_t j, k;

	if (!kv_get(a, "pfn") || kv_u64_or(a, "pages", 0) != 1)
		return 0;
	for (j = i + 1; j < doc->n; j++, end = e) {
		const struct kv_line *b = &doc->lines[j];

		if (!kv_is_data(b) || kv_u64(b, "start", &s) || kv_u64(b, "end", &e) ||
		    s != end || kv_u64_or(b, "pages", 0) != 1)
			break;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!kv_get(b, keys[k]) || strcmp(kv_get(a, keys[k]) ?: "", kv_get(b, keys[k])))
				break;
		if (k < sizeof(keys) / sizeof(keys[0]))
			break;
	}
	return j - i - 1;
}

static void print_table(pid_t pid, const struct kv_doc *doc, const struct maps_totals *t)
{
	const char *prev_vma = NULL, *kind;
	char comm[64], hs[32], hb[32];
	size_t i;

	printf("%spid %d (%s)%s: %" PRIu64 " runs in %" PRIu64 " VMA groups\n",
	       col(C_BOLD), pid, proc_comm(pid, comm, sizeof(comm))[0] ? comm : "?",
	       col(C_RESET), t->runs, t->vmas);
	printf("%s  %-16s %-16s %7s %10s %-4s %-27s %s%s\n", col(C_BOLD),
	       "START", "END", "SIZE", "PAGES", "LVL", "PFN / ENTRY", "FLAGS", col(C_RESET));
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];
		uint64_t start, end, pfn, pages;
		const char *vma = kv_get(l, "vma") ?: "?", *np;
		char what[64], pg[32];
		size_t same;

		if (!kv_is_data(l) || kv_u64(l, "start", &start) || kv_u64(l, "end", &end))
			continue;
		if (!prev_vma || strcmp(prev_vma, vma)) {
			const char *b = kv_get(l, "backing");
			char name[512];

			printf("%s%s%s", col(C_CYAN), unescape(vma, name, sizeof(name)), col(C_RESET));
			if (b && strcmp(b, vma))
				printf("  %s(%s)%s", col(C_DIM), b, col(C_RESET));
			printf("\n");
		}
		prev_vma = vma;
		pages = kv_u64_or(l, "pages", 0);
		snprintf(pg, sizeof(pg), "%" PRIu64 "x%s", pages, kv_get(l, "pagesize") ?: "?");
		np = nonpresent_of(l, &kind);
		same = same_page_runs(doc, i, end);
		if (same) {
			/* One page mapped again and again (the zero page): one line. */
			kv_u64(&doc->lines[i + same], "end", &end);
			pages += same;
			snprintf(pg, sizeof(pg), "%" PRIu64 "x%s", pages, kv_get(l, "pagesize") ?: "?");
			kv_u64(l, "pfn", &pfn);
			snprintf(what, sizeof(what), "0x%" PRIx64 " (same page)", pfn);
			i += same;
		} else if (!kv_u64(l, "pfn", &pfn)) {
			/* PFNs count base pages; the run maps end - start bytes. */
			uint64_t last = pfn + (end - start) / base_page_size() - 1;

			if (last == pfn)
				snprintf(what, sizeof(what), "0x%" PRIx64, pfn);
			else
				snprintf(what, sizeof(what), "0x%" PRIx64 "-0x%" PRIx64, pfn, last);
		} else if (np) {
			snprintf(what, sizeof(what), "%s %s", kind, np);
		} else {
			snprintf(what, sizeof(what), "-");
		}
		printf("  %016" PRIx64 " %016" PRIx64 " %7s %10s %-4s %s%-27s%s ",
		       start, end, human_bytes(end - start, hs, sizeof(hs)), pg,
		       kv_get(l, "level") ?: "?", np ? col(C_DIM) : "", what,
		       np ? col(C_RESET) : "");
		print_flags(kv_get(l, "flags") ?: "");
		printf("\n");
	}
	printf("%stotal%s: present %s", col(C_BOLD), col(C_RESET),
	       human_bytes(t->present_bytes, hb, sizeof(hb)));
	if (t->nsize) {
		printf(" (");
		for (i = 0; i < t->nsize; i++)
			printf("%s%" PRIu64 "x%s", i ? " + " : "", t->size[i].pages, t->size[i].name);
		printf(")");
	}
	printf(", not present %s", human_bytes(t->nonpresent_bytes, hb, sizeof(hb)));
	if (t->swapped_bytes)
		printf(" (swapped %s)", human_bytes(t->swapped_bytes, hb, sizeof(hb)));
	printf("\n");
}

static void print_json(pid_t pid, const struct kv_doc *doc, const struct maps_totals *t, bool raw)
{
	struct jw *w = jw_new(stdout, false);
	size_t i;

	jw_obj_begin(w);
	jw_key(w, "pid");
	jw_i64(w, pid);
	jw_key(w, "runs");
	jw_arr_begin(w);
	for (i = 0; i < doc->n; i++)
		if (kv_is_data(&doc->lines[i]))
			jw_kv_line(w, &doc->lines[i]);
	jw_arr_end(w);
	if (!raw) {
		jw_key(w, "totals");
		jw_obj_begin(w);
		jw_key(w, "runs");
		jw_u64(w, t->runs);
		jw_key(w, "present_bytes");
		jw_u64(w, t->present_bytes);
		jw_key(w, "not_present_bytes");
		jw_u64(w, t->nonpresent_bytes);
		jw_key(w, "swapped_bytes");
		jw_u64(w, t->swapped_bytes);
		jw_key(w, "present_pages");
		jw_obj_begin(w);
		for (i = 0; i < t->nsize; i++) {
			jw_key(w, t->size[i].name);
			jw_u64(w, t->size[i].pages);
		}
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_destroy(w);
}

/* Parse "PID" as the single positional argument of a per-process command. */
int pid_arg(const char *name, int argc, char **argv, pid_t *pid)
{
	if (optind >= argc)
		return cmd_usage_err(name, "missing PID");
	if (parse_pid(argv[optind], pid))
		return cmd_usage_err(name, "'%s' is not a pid", argv[optind]);
	optind++;
	return -1;
}

int do_maps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct maps_totals t;
	struct kv_doc doc;
	bool raw = false, added;
	pid_t pid;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":ro:jh", opts, NULL)) != -1) {
		if (opt == 'r') {
			raw = true;
			continue;
		}
		ret = cmd_common_opt("maps", opt, argv);
		if (ret >= 0)
			return ret;
	}
	ret = pid_arg("maps", argc, argv, &pid);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return cmd_usage_err("maps", "unexpected argument '%s'", argv[optind]);
	if (mmu_target_attach(pid, &added))
		return EXIT_ERR;
	ret = mmu_read_target_doc(pid, "maps", &doc);
	mmu_target_detach(pid, added);
	if (ret)
		return EXIT_ERR;
	tally(&doc, &t);
	if (json_output)
		print_json(pid, &doc, &t, raw);
	else if (raw)
		print_raw(&doc);
	else
		print_table(pid, &doc, &t);
	kv_doc_free(&doc);
	return EXIT_OK;
}
