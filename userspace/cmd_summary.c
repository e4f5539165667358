// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `summary PID`.  The module's summary is key=value
 * totals (pages by kind, page-table pages per level, THP candidates); they
 * are laid out as pages / page tables / huge pages, and any key or table
 * (selector=NAME ... lines) this reader does not know is still shown.
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

/*
 * The next table from line @from: rows with the same selector (the first
 * key), lines [*start, *end).  False when there is none.
 */
static bool next_table(const struct kv_doc *doc, size_t from, size_t *start, size_t *end)
{
	const struct kv_line *l = doc->lines;
	size_t i = from, k;

	while (i < doc->n && (!kv_is_data(&l[i]) || !is_row(&l[i])))
		i++;
	if (i == doc->n)
		return false;
	k = i + 1;
	while (k < doc->n && kv_is_data(&l[k]) && is_row(&l[k]) &&
	       !strcmp(l[k].kv[0].key, l[i].kv[0].key))
		k++;
	*start = i;
	*end = k;
	return true;
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

/* Keys the structured view below presents; the rest are listed after it. */
static const char *const known_keys[] = {
	"levels", "vmas", "vma_bytes", "present_4k", "present_2m", "present_1g",
	"present_16k", "present_32m", "present_64k", "present_512m",
	"present_pages", "present_bytes", "swapped", "migration", "device",
	"hwpoison", "marker", "nonpresent_other", "anon", "file", "special",
	"accessed", "dirty", "softdirty", "protnone", "writable", "pt_pgd",
	"pt_p4d", "pt_pud", "pt_pmd", "pt_pte", "pt_deposited", "pt_pages", "pt_bytes",
	"thp_candidates", "tlb_entries_saved",
};

/* The summary's scalars, whatever line they are on. */
static const char *sget(const struct kv_doc *d, const char *key)
{
	const char *v;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (kv_is_data(&d->lines[i]) && !is_row(&d->lines[i]) &&
		    (v = kv_get(&d->lines[i], key)))
			return v;
	return NULL;
}

static uint64_t sval(const struct kv_doc *d, const char *key, bool *have)
{
	const char *v = sget(d, key);
	uint64_t x;

	if (!v || parse_u64(v, &x)) {
		if (have)
			*have = false;
		return 0;
	}
	if (have)
		*have = true;
	return x;
}

static void pct(uint64_t part, uint64_t whole)
{
	if (whole)
		printf("  %5.1f%%", 100.0 * part / whole);
	printf("\n");
}

/* A base-page count with its size and its share of @whole pages. */
static void page_line(const char *name, uint64_t pages, uint64_t whole)
{
	char hb[32];

	printf("  %-22s %10" PRIu64 " %9s", name, pages,
	       human_bytes(pages * base_page_size(), hb, sizeof(hb)));
	pct(pages, whole);
}

static void print_text(pid_t pid, const struct kv_doc *doc)
{
	static const char *const entry_sizes[] = { "4k", "16k", "64k", "2m", "32m", "512m", "1g" };
	static const char *const pt_levels[] = { "pgd", "p4d", "pud", "pmd", "pte" };
	static const char *const np_kinds[] = {
		"migration", "device", "hwpoison", "marker", "nonpresent_other",
	};
	uint64_t present = sval(doc, "present_pages", NULL), ps = base_page_size();
	uint64_t levels = sval(doc, "levels", NULL), ptb = sval(doc, "pt_bytes", NULL);
	uint64_t huge_pages = 0, vmpte = 0, v;
	char comm[64], hb[32], hb2[32], key[32];
	bool have, any_other = false;
	size_t i, j, k;

	printf("%spid %d (%s)%s: %" PRIu64 " VMAs, %s mapped, %s present, %" PRIu64 "-level paging\n",
	       col(C_BOLD), pid, proc_comm(pid, comm, sizeof(comm))[0] ? comm : "exited",
	       col(C_RESET), sval(doc, "vmas", NULL),
	       human_bytes(sval(doc, "vma_bytes", NULL), hb, sizeof(hb)),
	       human_bytes(present * ps, hb2, sizeof(hb2)), levels);

	printf("\n%s  %-22s %10s %9s  %6s%s\n", col(C_BOLD), "PAGES", "pages", "size",
	       "share", col(C_RESET));
	page_line("present", present, present);
	for (i = 0; i < sizeof(entry_sizes) / sizeof(entry_sizes[0]); i++) {
		char name[48], up[16];
		uint64_t psz;

		snprintf(key, sizeof(key), "present_%s", entry_sizes[i]);
		v = sval(doc, key, &have);
		if (!have || (!v && strcmp(entry_sizes[i], "4k")))
			continue;
		for (j = 0; entry_sizes[i][j] && j + 1 < sizeof(up); j++)
			up[j] = entry_sizes[i][j] >= 'a' ? entry_sizes[i][j] - 32 : entry_sizes[i][j];
		up[j] = '\0';
		psz = pagesize_bytes(up);
		snprintf(name, sizeof(name), "  in %" PRIu64 " %s entries", v, up);
		page_line(name, psz / ps * v, present);
		if (psz > ps)
			huge_pages += psz / ps * v;
	}
	page_line("anon", sval(doc, "anon", NULL), present);
	page_line("file", sval(doc, "file", NULL), present);
	page_line("special (zero, pfnmap)", sval(doc, "special", NULL), present);
	page_line("accessed", sval(doc, "accessed", NULL), present);
	page_line("dirty", sval(doc, "dirty", NULL), present);
	page_line("writable", sval(doc, "writable", NULL), present);
	page_line("soft-dirty", sval(doc, "softdirty", NULL), present);
	page_line("prot-none (NUMA hint)", sval(doc, "protnone", NULL), present);
	page_line("swapped", sval(doc, "swapped", NULL), 0);
	for (i = 0; i < sizeof(np_kinds) / sizeof(np_kinds[0]); i++)
		if ((v = sval(doc, np_kinds[i], NULL)))
			page_line(np_kinds[i], v, 0);

	printf("\n%s  %-22s %10s %9s  %6s%s\n", col(C_BOLD), "PAGE TABLES", "tables", "size",
	       "share", col(C_RESET));
	for (i = 0; i < sizeof(pt_levels) / sizeof(pt_levels[0]); i++) {
		snprintf(key, sizeof(key), "pt_%s", pt_levels[i]);
		v = sval(doc, key, &have);
		if (!have)
			continue;
		/* Folded levels: p4d below 5 levels, pud below 4. */
		if (!v && ((i == 1 && levels < 5) || (i == 2 && levels < 4))) {
			printf("  %-22s %s%10s%s\n", pt_levels[i], col(C_DIM), "folded", col(C_RESET));
			continue;
		}
		printf("  %-22s %10" PRIu64 " %9s\n", pt_levels[i], v,
		       human_bytes(v * ps, hb, sizeof(hb)));
		if (i >= 2)
			vmpte += v;
	}
	/*
	 * An anonymous huge PMD keeps a PTE table deposited for its split:
	 * no entry points to it, but the mm pays for it (VmPTE counts it).
	 */
	v = sval(doc, "pt_deposited", &have);
	if (have) {
		printf("  %-22s %10" PRIu64 " %9s  %s(PTE tables kept for THP splits)%s\n",
		       "pte, deposited", v, human_bytes(v * ps, hb, sizeof(hb)),
		       col(C_DIM), col(C_RESET));
		vmpte += v;
	}
	printf("  %-22s %10" PRIu64 " %9s", "total", sval(doc, "pt_pages", NULL),
	       human_bytes(ptb, hb, sizeof(hb)));
	if (present)
		printf("  %5.2f%% of present memory", 100.0 * ptb / (present * ps));
	printf("\n");
	printf("  %s%-22s %10s %9s  (pud + pmd + pte + deposited; the pgd is not in it)%s\n",
	       col(C_DIM), "as VmPTE counts", "", human_bytes(vmpte * ps, hb, sizeof(hb)),
	       col(C_RESET));

	printf("\n%s  HUGE PAGES%s\n", col(C_BOLD), col(C_RESET));
	printf("  %s of %s present is mapped by huge entries",
	       human_bytes(huge_pages * ps, hb, sizeof(hb)), human_bytes(present * ps, hb2, sizeof(hb2)));
	pct(huge_pages, present);
	v = sval(doc, "thp_candidates", NULL);
	printf("  THP candidates: %" PRIu64 " PMD-sized region%s fully populated with 4K PTEs\n",
	       v, v == 1 ? "" : "s");
	if (v) {
		uint64_t per = sval(doc, "tlb_entries_saved", NULL) / v + 1;	/* PTEs per table */

		printf("  %scollapsing them (MADV_COLLAPSE, khugepaged) would map them with %" PRIu64
		       " PMD entr%s instead of %" PRIu64 " PTEs%s\n", col(C_GREEN), v,
		       v == 1 ? "y" : "ies", v * per, col(C_RESET));
		printf("  (%" PRIu64 " fewer leaf entries: each huge TLB entry covers what %" PRIu64
		       " base-page entries would)\n", sval(doc, "tlb_entries_saved", NULL), per);
	}

	/* Whatever this reader does not know yet, as the module printed it. */
	for (i = 0; i < doc->n; i++) {
		const struct kv_line *l = &doc->lines[i];

		if (!kv_is_data(l) || is_row(l))
			continue;
		for (j = 0; j < l->n; j++) {
			for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
				if (!strcmp(l->kv[j].key, known_keys[k]))
					break;
			if (k < sizeof(known_keys) / sizeof(known_keys[0]))
				continue;
			if (!any_other)
				printf("\n%s  OTHER%s\n", col(C_BOLD), col(C_RESET));
			any_other = true;
			printf("  %-22s ", l->kv[j].key[0] ? l->kv[j].key : "value");
			print_value(l->kv[j].key, l->kv[j].val, 10);
			printf("\n");
		}
	}
	/* Tables a later module version may add (selector=NAME ...). */
	for (k = 0; next_table(doc, k, &i, &k);) {
		const struct kv_line *l = &doc->lines[i];

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
	for (k = 0; next_table(doc, k, &i, &k);) {
		const struct kv_line *l = &doc->lines[i];

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
	int ret;

	ret = cmd_preamble("summary", argc, argv, ":o:jh", opts, NULL, NULL, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
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
