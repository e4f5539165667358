// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: `maps PID`, the merged page-table runs grouped by VMA. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

/* Non-present kinds a run may carry instead of pfn= (README.md, PID/maps). */
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

/* ------------------------------------------------------------ per VMA */

/* --addr A[-B] and --vma NAME: what to show (runs and VMAs alike). */
struct maps_filter {
	uint64_t lo, hi;	/* [lo, hi); hi == 0: no address filter */
	const char *name;	/* substring of the VMA name, or NULL */
};

static bool filter_addr(const struct maps_filter *f, uint64_t start, uint64_t end)
{
	return !f->hi || (start < f->hi && end > f->lo);
}

static bool filter_name(const struct maps_filter *f, const char *name)
{
	return !f->name || (name && strstr(name, f->name));
}

struct vma_row {
	uint64_t start, end, offset;
	char perms[8];
	char *name;			/* as /proc/PID/maps spells it */
	uint64_t rss[NSIZES];		/* bytes by page size, as t->size[] */
	uint64_t accessed, dirty, swapped, huge, special, other_np;
	uint64_t pte_tables, last_slot;	/* PTE tables reaching into the VMA */
	bool seen;
};

struct vma_set {
	struct vma_row *v;
	size_t n;
	char size_name[NSIZES][16];	/* page sizes seen, in order */
	size_t nsize;
	uint64_t unmatched;		/* runs no VMA took (changed meanwhile) */
	bool from_proc;
};

/* The VMAs of /proc/PID/maps: boundaries, permissions, names. */
static int proc_vmas(pid_t pid, struct vma_set *vs)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct vma_row r = { 0 };
		unsigned long long s, e, off;
		char perms[8];
		int n = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &s, &e, perms, &off, &n) < 4)
			continue;
		line[strcspn(line, "\n")] = '\0';
		r.start = s;
		r.end = e;
		r.offset = off;
		snprintf(r.perms, sizeof(r.perms), "%s", perms);
		r.name = xstrdup(n ? line + n : "");
		r.last_slot = UINT64_MAX;
		vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
		vs->v[vs->n++] = r;
	}
	free(line);
	fclose(f);
	vs->from_proc = true;
	return 0;
}

static size_t size_index(struct vma_set *vs, const char *name)
{
	size_t i;

	for (i = 0; i < vs->nsize; i++)
		if (!strcmp(vs->size_name[i], name))
			return i;
	if (vs->nsize == NSIZES)
		return NSIZES - 1;
	snprintf(vs->size_name[vs->nsize], sizeof(vs->size_name[0]), "%s", name);
	return vs->nsize++;
}

/* One run's fields, found in place (no allocation: maps can be millions of lines). */
struct run_fields {
	uint64_t start, end;
	const char *pagesize, *level, *flags, *vma;
	bool present, swap;
};

static bool has_nflag(const char *flags, size_t len, const char *f)
{
	size_t n = strlen(f), i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && flags[j] != ',')
			j++;
		if (j - i == n && !strncmp(flags + i, f, n))
			return true;
		i = j + 1;
	}
	return false;
}

static bool parse_run(char *s, struct run_fields *r)
{
	bool have_start = false, have_end = false;
	char *tok = s, *end;

	memset(r, 0, sizeof(*r));
	if (*s == '#')
		return false;
	while (*tok) {
		end = tok;
		while (*end && *end != ' ')
			end++;
		if (*end)
			*end++ = '\0';
		if (!strncmp(tok, "start=", 6))
			have_start = !parse_u64(tok + 6, &r->start);
		else if (!strncmp(tok, "end=", 4))
			have_end = !parse_u64(tok + 4, &r->end);
		else if (!strncmp(tok, "pagesize=", 9))
			r->pagesize = tok + 9;
		else if (!strncmp(tok, "level=", 6))
			r->level = tok + 6;
		else if (!strncmp(tok, "pfn=", 4))
			r->present = true;
		else if (!strncmp(tok, "swap=", 5))
			r->swap = true;
		else if (!strncmp(tok, "flags=", 6))
			r->flags = tok + 6;
		else if (!strncmp(tok, "vma=", 4))
			r->vma = tok + 4;
		tok = end;
	}
	return have_start && have_end && r->end > r->start;
}

/* Without /proc (a fake tree, an exited process): VMAs from the runs' names. */
static struct vma_row *vma_from_run(struct vma_set *vs, const struct run_fields *r)
{
	struct vma_row *last = vs->n ? &vs->v[vs->n - 1] : NULL;
	char buf[512];
	const char *name = unescape(r->vma ?: "?", buf, sizeof(buf));

	if (last && !strcmp(last->name, name)) {
		last->end = r->end;
		return last;
	}
	vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
	last = &vs->v[vs->n++];
	memset(last, 0, sizeof(*last));
	last->start = r->start;
	last->end = r->end;
	snprintf(last->perms, sizeof(last->perms), "?");
	last->name = xstrdup(name);
	last->last_slot = UINT64_MAX;
	return last;
}

static void add_run(struct vma_set *vs, size_t *cur, const struct run_fields *r,
		    uint64_t pte_span)
{
	struct vma_row *v = NULL;
	uint64_t len = r->end - r->start, slot, last;
	size_t flen = r->flags ? strlen(r->flags) : 0;

	if (vs->from_proc) {
		while (*cur < vs->n && vs->v[*cur].end <= r->start)
			(*cur)++;
		if (*cur < vs->n && vs->v[*cur].start <= r->start && r->end <= vs->v[*cur].end)
			v = &vs->v[*cur];
	} else {
		v = vma_from_run(vs, r);
	}
	if (!v) {
		vs->unmatched++;
		return;
	}
	v->seen = true;
	if (r->level && !strcmp(r->level, "pte")) {
		/* The PTE tables this run lies in, each counted once per VMA. */
		slot = r->start / pte_span;
		last = (r->end - 1) / pte_span;
		if (v->last_slot != UINT64_MAX && slot <= v->last_slot)
			slot = v->last_slot + 1;
		if (slot <= last)
			v->pte_tables += last - slot + 1;
		if (v->last_slot == UINT64_MAX || last > v->last_slot)
			v->last_slot = last;
	}
	if (r->swap) {
		v->swapped += len;
		return;
	}
	if (!r->present) {
		v->other_np += len;
		return;
	}
	/* No struct page behind it (zero page, PFN maps): smaps' Rss skips them too. */
	if (has_nflag(r->flags ?: "", flen, "sp")) {
		v->special += len;
		return;
	}
	v->rss[size_index(vs, r->pagesize ?: "?")] += len;
	if (has_nflag(r->flags, flen, "a"))
		v->accessed += len;
	if (has_nflag(r->flags, flen, "d"))
		v->dirty += len;
	if (r->level && strcmp(r->level, "pte"))
		v->huge += len;
}

/* Stream the module's maps through add_run, in chunks. */
static int rollup(pid_t pid, struct vma_set *vs)
{
	uint64_t ps = base_page_size(), pte_span = ps * (ps / 8);
	size_t len = 0, cap = 1 << 20, cur = 0;
	char path[4096], *buf, *s, *nl;
	struct run_fields r;
	ssize_t n;
	int fd, err = 0;

	mmu_target_path(pid, "maps", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap + 1);
	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		len += n;
		buf[len] = '\0';
		s = buf;
		while ((nl = memchr(s, '\n', buf + len - s)) || (n == 0 && s < buf + len)) {
			if (nl)
				*nl = '\0';
			if (parse_run(s, &r))
				add_run(vs, &cur, &r, pte_span);
			s = nl ? nl + 1 : buf + len;
		}
		len -= s - buf;
		memmove(buf, s, len);
		if (n == 0)
			break;
		if (len == cap) {	/* a line longer than the buffer */
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	free(buf);
	close(fd);
	return err;
}

/*
 * The module's own per-VMA rollup (<pid>/vmas, one line per VMA): the
 * fast path, no run is formatted.  -ENOENT from a module without it.
 */
static int rollup_vmas(pid_t pid, struct vma_set *vs)
{
	struct kv_doc doc;
	size_t i, j, k, cur = 0;
	int ret;

	ret = mmu_read_target_raw(pid, "vmas", &doc);
	if (ret)
		return ret;
	for (i = 0; i < doc.n; i++) {
		const struct kv_line *l = &doc.lines[i];
		struct vma_row *v = NULL;
		uint64_t s, e;

		if (!kv_is_data(l) || kv_u64(l, "start", &s) || kv_u64(l, "end", &e))
			continue;
		if (vs->from_proc) {
			while (cur < vs->n && vs->v[cur].end <= s)
				cur++;
			if (cur < vs->n && vs->v[cur].start == s && vs->v[cur].end == e)
				v = &vs->v[cur];
		} else {
			char buf[512];

			vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
			v = &vs->v[vs->n++];
			memset(v, 0, sizeof(*v));
			v->start = s;
			v->end = e;
			snprintf(v->perms, sizeof(v->perms), "%s", kv_get(l, "perms") ?: "?");
			v->name = xstrdup(unescape(kv_get(l, "vma") ?: "?", buf, sizeof(buf)));
		}
		if (!v) {
			vs->unmatched++;
			continue;
		}
		for (j = 0; j < l->n; j++) {
			char up[16];
			uint64_t x;

			if (strncmp(l->kv[j].key, "rss_", 4) || parse_u64(l->kv[j].val, &x))
				continue;
			for (k = 0; l->kv[j].key[4 + k] && k + 1 < sizeof(up); k++)
				up[k] = (char)toupper((unsigned char)l->kv[j].key[4 + k]);
			up[k] = '\0';
			k = size_index(vs, up);
			v->rss[k] += x;
			if (k)	/* the first size is the base page's */
				v->huge += x;
		}
		v->accessed = kv_u64_or(l, "accessed", 0);
		v->dirty = kv_u64_or(l, "dirty", 0);
		v->swapped = kv_u64_or(l, "swapped", 0);
		v->special = kv_u64_or(l, "special", 0);
		v->pte_tables = kv_u64_or(l, "pte_tables", 0);
		v->seen = true;
	}
	kv_doc_free(&doc);
	return 0;
}

static uint64_t rss_total(const struct vma_set *vs, const struct vma_row *v)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < vs->nsize; i++)
		t += v->rss[i];
	return t;
}

static void vma_text(pid_t pid, const struct vma_set *vs, const struct maps_filter *f)
{
	uint64_t ps = base_page_size(), tot[NSIZES] = { 0 }, size = 0, rss = 0, acc = 0;
	uint64_t dirty = 0, swp = 0, huge = 0, pt = 0;
	char comm[64], h[8][32];
	size_t i, k, shown = 0;

	printf("%spid %d (%s)%s\n", col(C_BOLD), pid,
	       proc_comm(pid, comm, sizeof(comm))[0] ? comm : "?", col(C_RESET));
	printf("%s%-16s %-16s %-4s %7s %7s", col(C_BOLD), "START", "END", "PERM", "SIZE", "RSS");
	for (k = 0; k < vs->nsize; k++)
		printf(" %7s", vs->size_name[k]);
	printf(" %7s %7s %7s %5s %7s  %s%s\n", "ACCESSD", "DIRTY", "SWAP", "HUGE", "PTE-TBL",
	       "NAME", col(C_RESET));
	for (i = 0; i < vs->n; i++) {
		const struct vma_row *v = &vs->v[i];
		uint64_t r = rss_total(vs, v);

		if (!filter_addr(f, v->start, v->end) || !filter_name(f, v->name))
			continue;
		shown++;
		printf("%016" PRIx64 " %016" PRIx64 " %-4s %7s %7s", v->start, v->end, v->perms,
		       human_bytes(v->end - v->start, h[0], sizeof(h[0])),
		       human_bytes(r, h[1], sizeof(h[1])));
		for (k = 0; k < vs->nsize; k++) {
			printf(" %7s", v->rss[k] ? human_bytes(v->rss[k], h[2], sizeof(h[2])) : "-");
			tot[k] += v->rss[k];
		}
		snprintf(h[6], sizeof(h[6]), "%.0f%%", r ? 100.0 * v->huge / r : 0.0);
		printf(" %7s %7s %7s %5s %7s  %s%s%s\n",
		       v->accessed ? human_bytes(v->accessed, h[3], sizeof(h[3])) : "-",
		       v->dirty ? human_bytes(v->dirty, h[4], sizeof(h[4])) : "-",
		       v->swapped ? human_bytes(v->swapped, h[5], sizeof(h[5])) : "-",
		       v->huge ? h[6] : "-",
		       v->pte_tables ? human_bytes(v->pte_tables * ps, h[7], sizeof(h[7])) : "-",
		       col(C_CYAN), v->name[0] ? v->name : "[anon]", col(C_RESET));
		size += v->end - v->start;
		rss += r;
		acc += v->accessed;
		dirty += v->dirty;
		swp += v->swapped;
		huge += v->huge;
		pt += v->pte_tables;
	}
	printf("%s%-16s %-16s %-4s %7s %7s", col(C_BOLD), "total", "", "",
	       human_bytes(size, h[0], sizeof(h[0])), human_bytes(rss, h[1], sizeof(h[1])));
	for (k = 0; k < vs->nsize; k++)
		printf(" %7s", human_bytes(tot[k], h[2], sizeof(h[2])));
	snprintf(h[6], sizeof(h[6]), "%.0f%%", rss ? 100.0 * huge / rss : 0.0);
	printf(" %7s %7s %7s %5s %7s  %zu VMA%s%s\n", human_bytes(acc, h[3], sizeof(h[3])),
	       human_bytes(dirty, h[4], sizeof(h[4])), human_bytes(swp, h[5], sizeof(h[5])), h[6],
	       human_bytes(pt * ps, h[7], sizeof(h[7])), shown, shown == 1 ? "" : "s",
	       col(C_RESET));
	if (vs->unmatched)
		printf("%s(%" PRIu64 " runs in no VMA of /proc/%d/maps: the process remapped meanwhile)%s\n",
		       col(C_DIM), vs->unmatched, pid, col(C_RESET));
}

static void vma_json(pid_t pid, const struct vma_set *vs, const struct maps_filter *f)
{
	struct jw *w = jw_new(stdout, false);
	uint64_t ps = base_page_size();
	size_t i, k;

	jw_obj_begin(w);
	jw_key(w, "pid");
	jw_i64(w, pid);
	jw_key(w, "vmas");
	jw_arr_begin(w);
	for (i = 0; i < vs->n; i++) {
		const struct vma_row *v = &vs->v[i];

		if (!filter_addr(f, v->start, v->end) || !filter_name(f, v->name))
			continue;
		jw_obj_begin(w);
		jw_key(w, "start");
		jw_hex(w, v->start);
		jw_key(w, "end");
		jw_hex(w, v->end);
		jw_key(w, "perms");
		jw_str(w, v->perms);
		jw_key(w, "name");
		jw_str(w, v->name);
		jw_key(w, "size_bytes");
		jw_u64(w, v->end - v->start);
		jw_key(w, "rss_bytes");
		jw_u64(w, rss_total(vs, v));
		jw_key(w, "rss_by_pagesize");
		jw_obj_begin(w);
		for (k = 0; k < vs->nsize; k++) {
			jw_key(w, vs->size_name[k]);
			jw_u64(w, v->rss[k]);
		}
		jw_obj_end(w);
		jw_key(w, "accessed_bytes");
		jw_u64(w, v->accessed);
		jw_key(w, "dirty_bytes");
		jw_u64(w, v->dirty);
		jw_key(w, "swapped_bytes");
		jw_u64(w, v->swapped);
		jw_key(w, "huge_bytes");
		jw_u64(w, v->huge);
		jw_key(w, "special_bytes");
		jw_u64(w, v->special);
		jw_key(w, "pte_tables");
		jw_u64(w, v->pte_tables);
		jw_key(w, "pte_table_bytes");
		jw_u64(w, v->pte_tables * ps);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "unmatched_runs");
	jw_u64(w, vs->unmatched);
	jw_obj_end(w);
	jw_destroy(w);
}

static void vma_set_free(struct vma_set *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i].name);
	free(vs->v);
}

/* --runs: keep the lines of the runs the filters select. */
static void filter_doc(struct kv_doc *doc, const struct maps_filter *f)
{
	size_t i, o = 0;

	if (!f->hi && !f->name)
		return;
	for (i = 0; i < doc->n; i++) {
		struct kv_line *l = &doc->lines[i];
		uint64_t s, e;
		char name[512];

		if (kv_is_data(l) && !kv_u64(l, "start", &s) && !kv_u64(l, "end", &e) &&
		    (!filter_addr(f, s, e) ||
		     !filter_name(f, unescape(kv_get(l, "vma") ?: "", name, sizeof(name))))) {
			free(l->kv);
			continue;
		}
		doc->lines[o++] = *l;
	}
	doc->n = o;
}

static int parse_range(const char *s, struct maps_filter *f)
{
	char a[64];
	const char *dash = strchr(s, '-');

	if (!dash)
		return parse_addr(s, &f->lo) || (f->hi = f->lo + 1, 0);
	if ((size_t)(dash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, dash - s);
	a[dash - s] = '\0';
	return parse_addr(a, &f->lo) || parse_addr(dash + 1, &f->hi) || f->hi <= f->lo ? -1 : 0;
}

struct maps_opts {
	bool raw, runs;
	struct maps_filter f;
};

static int maps_opt(int opt, const char *arg, void *ctx)
{
	struct maps_opts *o = ctx;

	switch (opt) {
	case 'r':
		o->raw = true;
		return -1;
	case 'R':
		o->runs = true;
		return -1;
	case 'a':
		if (parse_range(arg, &o->f))
			return cmd_usage_err("maps", "--addr takes ADDR or START-END (0x hex or decimal), not '%s'", arg);
		return -1;
	case 'v':
		o->f.name = arg;
		return -1;
	default:
		return CMD_OPT_OTHER;
	}
}

int do_maps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "runs", no_argument, NULL, 'R' },
		{ "addr", required_argument, NULL, 'a' },
		{ "vma", required_argument, NULL, 'v' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct maps_opts o = { 0 };
	struct maps_filter *f = &o.f;
	struct vma_set vs = { 0 };
	struct maps_totals t;
	struct kv_doc doc;
	bool added;
	pid_t pid;
	int ret;

	ret = cmd_preamble("maps", argc, argv, ":rRa:v:o:jh", opts, maps_opt, &o, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	if (o.raw && (f->hi || f->name))
		return cmd_usage_err("maps", "--raw is the module's text unchanged: no filters");
	if (mmu_target_attach(pid, &added))
		return EXIT_ERR;
	if (!o.runs && !o.raw) {
		/* /proc first: the runs are then placed in VMAs as they stream by. */
		if (mmu_root_overridden() || proc_vmas(pid, &vs))
			vs.from_proc = false;
		/* MMUSCOPE_NO_VMAS=1: sum the runs up even so (the tests compare). */
		ret = getenv("MMUSCOPE_NO_VMAS") ? -ENOENT : rollup_vmas(pid, &vs);
		if (ret == -ENOENT)	/* a module without vmas: sum up its runs */
			ret = rollup(pid, &vs);
		mmu_target_detach(pid, added);
		if (ret) {
			struct kv_doc d;

			/* The same diagnostics as every other view. */
			if (!mmu_read_target_doc(pid, "maps", &d)) {
				kv_doc_free(&d);
				p_err("%d/maps: %s", pid, strerror(-ret));
			}
			vma_set_free(&vs);
			return EXIT_ERR;
		}
		if (json_output)
			vma_json(pid, &vs, f);
		else
			vma_text(pid, &vs, f);
		vma_set_free(&vs);
		return EXIT_OK;
	}
	ret = mmu_read_target_doc(pid, "maps", &doc);
	mmu_target_detach(pid, added);
	if (ret)
		return EXIT_ERR;
	filter_doc(&doc, f);
	tally(&doc, &t);
	if (json_output)
		print_json(pid, &doc, &t, o.raw);
	else if (o.raw)
		print_raw(&doc);
	else
		print_table(pid, &doc, &t);
	kv_doc_free(&doc);
	return EXIT_OK;
}
