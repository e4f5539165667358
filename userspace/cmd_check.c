// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `check PID`, the module's maps against the kernel's own
 * /proc/PID/pagemap, both ways: every page of every run must agree with
 * pagemap (present, PFN, swap entry, soft-dirty where the module says so),
 * and every page pagemap shows present or swapped must lie in a run of
 * that kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mmuscope.h"

#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	(1ULL << 55)
#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP_TYPE(e)	((e) & 0x1f)
#define PM_SWAP_OFF(e)	(((e) & PM_PFN_MASK) >> 5)
#define CHUNK		65536	/* pagemap entries per pread */
#define SHOW_MAX	20	/* mismatches printed in full; all are counted */

enum run_kind { RUN_PRESENT, RUN_SWAP, RUN_OTHER };

struct run {
	uint64_t start, end, pfn, swap_type, swap_off;
	enum run_kind kind;
	bool soft_dirty;
	const char *vma;
};

struct range {
	uint64_t start, end;
};

struct checker {
	pid_t pid;
	int fd;
	uint64_t ps, checked, mismatches, skipped;
	struct range *pfnmap;	/* VM_PFNMAP VMAs: pagemap reports holes */
	size_t npfnmap;
	bool pfn_visible;
	struct jw *w;
	uint64_t *buf;
};

static bool has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);
	const char *p = flags;

	while (p && *p) {
		if (!strncmp(p, f, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static void mismatch(struct checker *c, uint64_t va, const char *what, uint64_t expect,
		     uint64_t got, const char *vma)
{
	c->mismatches++;
	if (c->w) {
		if (c->mismatches > 1000)
			return;
		jw_obj_begin(c->w);
		jw_key(c->w, "va");
		jw_hex(c->w, va);
		jw_key(c->w, "what");
		jw_str(c->w, what);
		jw_key(c->w, "module");
		jw_hex(c->w, expect);
		jw_key(c->w, "pagemap");
		jw_hex(c->w, got);
		jw_key(c->w, "vma");
		jw_str(c->w, vma ? vma : "");
		jw_obj_end(c->w);
		return;
	}
	if (c->mismatches <= SHOW_MAX)
		printf("%sMISMATCH%s va 0x%016" PRIx64 " %-12s module 0x%" PRIx64
		       " pagemap 0x%" PRIx64 "  %s\n", col(C_RED), col(C_RESET), va, what,
		       expect, got, vma ? vma : "");
}

/* pagemap entries for [start, start + n pages) into c->buf. */
static int read_pagemap(struct checker *c, uint64_t start, size_t n)
{
	size_t want = n * sizeof(uint64_t), got = 0;
	ssize_t r;

	while (got < want) {
		r = pread(c->fd, (char *)c->buf + got, want - got, (off_t)(start / c->ps * 8 + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += r;
	}
	return 0;
}

/*
 * VMAs with VM_PFNMAP ("pf" in smaps' VmFlags, e.g. [vvar]) are skipped by
 * the kernel's page walk behind pagemap, which reports them as holes: there
 * is no oracle for them.
 */
static int load_pfnmap(struct checker *c)
{
	char path[64], line[4096];
	uint64_t start = 0, end = 0, s, e;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", c->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &s, &e) == 2 && strchr(line, '-') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			start = s;
			end = e;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) || !strstr(line, " pf"))
			continue;
		if (c->npfnmap == cap) {
			cap = cap ? cap * 2 : 8;
			c->pfnmap = xrealloc(c->pfnmap, cap * sizeof(*c->pfnmap));
		}
		c->pfnmap[c->npfnmap].start = start;
		c->pfnmap[c->npfnmap++].end = end;
	}
	fclose(f);
	return 0;
}

static bool in_pfnmap(const struct checker *c, uint64_t va)
{
	size_t i;

	for (i = 0; i < c->npfnmap; i++)
		if (va >= c->pfnmap[i].start && va < c->pfnmap[i].end)
			return true;
	return false;
}

static int check_run(struct checker *c, const struct run *r)
{
	uint64_t va, e, exp;
	size_t i, n;
	int ret;

	if (in_pfnmap(c, r->start)) {
		c->skipped += (r->end - r->start) / c->ps;
		return 0;
	}

	for (va = r->start; va < r->end; va += n * c->ps) {
		n = (r->end - va) / c->ps;
		if (n > CHUNK)
			n = CHUNK;
		ret = read_pagemap(c, va, n);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			uint64_t a = va + i * c->ps;

			e = c->buf[i];
			c->checked++;
			switch (r->kind) {
			case RUN_PRESENT:
				if (!(e & PM_PRESENT)) {
					mismatch(c, a, "not-present", 1, e, r->vma);
					continue;
				}
				exp = r->pfn + (a - r->start) / c->ps;
				if (c->pfn_visible && (e & PM_PFN_MASK) != exp)
					mismatch(c, a, "pfn", exp, e & PM_PFN_MASK, r->vma);
				/*
				 * pagemap ORs in the VMA's VM_SOFTDIRTY, which the
				 * entry does not carry: only the module's "s" must
				 * be confirmed.
				 */
				if (r->soft_dirty && !(e & PM_SOFT_DIRTY))
					mismatch(c, a, "soft-dirty", 1, 0, r->vma);
				break;
			case RUN_SWAP:
				if (!(e & PM_SWAP) || (e & PM_PRESENT)) {
					mismatch(c, a, "not-swapped", PM_SWAP, e, r->vma);
					continue;
				}
				if (a == r->start && (PM_SWAP_TYPE(e) != r->swap_type ||
						      PM_SWAP_OFF(e) != r->swap_off))
					mismatch(c, a, "swap-entry", (r->swap_off << 5) | r->swap_type,
						 e & PM_PFN_MASK, r->vma);
				break;
			case RUN_OTHER:
				if (e & PM_PRESENT)
					mismatch(c, a, "present", 0, e, r->vma);
				break;
			}
		}
	}
	return 0;
}

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static const struct run *find_run(const struct run *runs, size_t n, uint64_t va)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (runs[mid].end <= va)
			lo = mid + 1;
		else if (runs[mid].start > va)
			hi = mid;
		else
			return &runs[mid];
	}
	return NULL;
}

/* Every page pagemap reports present or swapped must be in a run of that kind. */
static int check_reverse(struct checker *c, const struct run *runs, size_t nruns)
{
	char path[64], line[4096];
	uint64_t start, end, va, e;
	size_t i, n;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", c->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
			continue;
		if (start >> 63)	/* [vsyscall]: not in the mm's page tables */
			continue;
		for (va = start; va < end; va += n * c->ps) {
			n = (end - va) / c->ps;
			if (n > CHUNK)
				n = CHUNK;
			ret = read_pagemap(c, va, n);
			if (ret)
				goto out;
			for (i = 0; i < n; i++) {
				uint64_t a = va + i * c->ps;
				const struct run *r;

				e = c->buf[i];
				if (!(e & (PM_PRESENT | PM_SWAP)))
					continue;
				r = find_run(runs, nruns, a);
				if (e & PM_PRESENT) {
					if (!r || r->kind != RUN_PRESENT)
						mismatch(c, a, "missing-run", 0, e, r ? r->vma : NULL);
				} else if (!r || r->kind == RUN_PRESENT) {
					mismatch(c, a, "missing-swap", 0, e, r ? r->vma : NULL);
				}
			}
		}
	}
out:
	fclose(f);
	return ret;
}

static void stop_target(pid_t pid)
{
	char path[64], buf[512], *p;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	kill(pid, SIGSTOP);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 100; i++) {
		FILE *f = fopen(path, "re");

		if (!f)
			return;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && (p[2] == 'T' || p[2] == 't'))
			return;
		nanosleep(&ts, NULL);
	}
}

static int check_opt(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt != 's')
		return CMD_OPT_OTHER;
	*(bool *)ctx = true;	/* --stop */
	return -1;
}

int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stop", no_argument, NULL, 's' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct checker c = { 0 };
	struct run *runs = NULL;
	struct kv_doc doc = { 0 };
	size_t nruns = 0, i;
	bool added = false, stop = false, any_pfn = false;
	char path[64];
	pid_t pid;
	int ret, rc = EXIT_ERR;

	ret = cmd_preamble("check", argc, argv, ":so:jh", opts, check_opt, &stop, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	c.pid = pid;
	c.ps = base_page_size();
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	c.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		int err = errno;

		p_err("%s: %s", path, strerror(err));
		if (err == ENOENT)
			p_hint("no such process: %d", pid);
		else if (err == EACCES || err == EPERM)
			p_hint("check reads the process's pagemap and the module's root-only files: run mmuscope as root");
		return EXIT_ERR;
	}
	if (mmu_target_attach(pid, &added))
		goto out;
	if (stop)
		stop_target(pid);
	if (mmu_read_target_doc(pid, "maps", &doc))
		goto out;
	ret = load_pfnmap(&c);
	if (ret) {
		p_err("/proc/%d/smaps: %s", pid, strerror(-ret));
		goto out;
	}
	runs = xmalloc((doc.n ? doc.n : 1) * sizeof(*runs));
	for (i = 0; i < doc.n; i++) {
		const struct kv_line *l = &doc.lines[i];
		struct run *r = &runs[nruns];
		const char *sw = kv_get(l, "swap"), *colon;

		if (!kv_is_data(l) || kv_u64(l, "start", &r->start) || kv_u64(l, "end", &r->end) ||
		    r->end <= r->start)
			continue;
		r->vma = kv_get(l, "vma");
		r->soft_dirty = has_flag(kv_get(l, "flags") ?: "", "s");
		if (!kv_u64(l, "pfn", &r->pfn)) {
			r->kind = RUN_PRESENT;
			any_pfn |= r->pfn != 0;
		} else if (sw && (colon = strchr(sw, ':'))) {
			char type[32];

			snprintf(type, sizeof(type), "%.*s", (int)(colon - sw), sw);
			if (parse_u64(type, &r->swap_type) || parse_u64(colon + 1, &r->swap_off)) {
				p_err("maps line %zu: bad swap=%s", i + 1, sw);
				goto out;
			}
			r->kind = RUN_SWAP;
		} else {
			r->kind = RUN_OTHER;
		}
		nruns++;
	}
	qsort(runs, nruns, sizeof(*runs), cmp_run);
	c.buf = xmalloc(CHUNK * sizeof(uint64_t));
	/* pagemap hides PFNs (reads 0) without CAP_SYS_ADMIN. */
	c.pfn_visible = geteuid() == 0;
	if (!c.pfn_visible && !json_output)
		p_warn("not root: pagemap hides PFNs, checking presence only");
	if (json_output) {
		c.w = jw_new(stdout, false);
		jw_obj_begin(c.w);
		jw_key(c.w, "pid");
		jw_i64(c.w, pid);
		jw_key(c.w, "details");
		jw_arr_begin(c.w);
	}
	for (i = 0; i < nruns; i++) {
		ret = check_run(&c, &runs[i]);
		if (ret) {
			p_err("%s: %s", path, strerror(-ret));
			goto out_json;
		}
	}
	ret = check_reverse(&c, runs, nruns);
	if (ret) {
		p_err("/proc/%d: %s", pid, strerror(-ret));
		goto out_json;
	}
	rc = c.mismatches ? EXIT_ERR : EXIT_OK;
out_json:
	if (c.w) {
		jw_arr_end(c.w);
		jw_key(c.w, "runs");
		jw_u64(c.w, nruns);
		jw_key(c.w, "pages_checked");
		jw_u64(c.w, c.checked);
		jw_key(c.w, "pages_skipped_pfnmap");
		jw_u64(c.w, c.skipped);
		jw_key(c.w, "mismatches");
		jw_u64(c.w, c.mismatches);
		jw_key(c.w, "ok");
		jw_bool(c.w, rc == EXIT_OK);
		jw_obj_end(c.w);
		jw_destroy(c.w);
	} else if (rc == EXIT_OK) {
		printf("%sOK%s pid %d: %zu runs, %" PRIu64 " pages agree with /proc/%d/pagemap%s\n",
		       col(C_GREEN), col(C_RESET), pid, nruns, c.checked, pid,
		       any_pfn || !c.pfn_visible ? "" : " (no PFNs seen)");
		if (c.skipped)
			printf("   %" PRIu64 " pages in VM_PFNMAP VMAs not checked (pagemap shows them as holes)\n",
			       c.skipped);
	} else if (c.mismatches) {
		if (c.mismatches > SHOW_MAX)
			printf("... and %" PRIu64 " more\n", c.mismatches - SHOW_MAX);
		printf("%sFAIL%s pid %d: %" PRIu64 " mismatches in %" PRIu64 " pages checked (%zu runs)\n",
		       col(C_RED), col(C_RESET), pid, c.mismatches, c.checked, nruns);
	}
out:
	if (stop)
		kill(pid, SIGCONT);
	mmu_target_detach(pid, added);
	kv_doc_free(&doc);
	free(runs);
	free(c.buf);
	free(c.pfnmap);
	close(c.fd);
	return rc;
}
