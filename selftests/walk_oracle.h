/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of walk_test: parse mmuscope's maps/summary/translate lines and
 * read the kernel's own views (/proc/PID/pagemap, smaps, status, maps) to
 * compare them page by page.
 */
#ifndef _WALK_ORACLE_H
#define _WALK_ORACLE_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include "mmuscope_test.h"

#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	(1ULL << 55)
#define PM_EXCLUSIVE	(1ULL << 56)
#define PM_FILE		(1ULL << 61)
#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)
#define PM_SWP_TYPE(e)	((e) & 0x1f)
#define PM_SWP_OFF(e)	(((e) & PM_PFN_MASK) >> 5)

/* Base page size of the running kernel (4K x86; 4K/16K/64K arm64). */
static inline unsigned long psz(void)
{
	static unsigned long ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

/* The kernel's own view of the user VA size: mmuscope_test.h. */
#define oracle_va_bits()	mmu_user_va_bits()
#define oracle_levels()		mmu_user_levels()

struct run {
	unsigned long start, end, pages, psize, pfn;
	unsigned long swp_type, swp_off;
	unsigned long long raw;
	char level[8];
	bool present, swap, nonpresent;
	char flags[96];
	char vma[260];
	char backing[16];
};

struct runs {
	struct run *v;
	size_t n;
};

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole (possibly large) file into a malloc'd string. */
static inline char *slurp(const char *path, ssize_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (lenp)
			*lenp = -errno;
		free(buf);
		return NULL;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf) {
				close(fd);
				return NULL;
			}
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			n = -errno;
			close(fd);
			free(buf);
			if (lenp)
				*lenp = n;
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* Value of " key=" in a key=value line, copied into @out. */
static inline bool kv_get(const char *line, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t n = strcspn(v, " \n");

			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p += kl;
	}
	return false;
}

static inline bool kv_ul(const char *line, const char *key, unsigned long *v)
{
	char buf[64];

	if (!kv_get(line, key, buf, sizeof(buf)))
		return false;
	*v = strtoul(buf, NULL, 0);
	return true;
}

static inline unsigned long psize_parse(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	default: return v;
	}
}

/* Parse mmuscope's maps text. Returns the number of bad lines. */
static inline int runs_parse(char *text, struct runs *r)
{
	size_t cap = 256;
	char *line, *save = NULL, buf[64];
	int bad = 0;

	r->n = 0;
	r->v = malloc(cap * sizeof(*r->v));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct run *x;

		if (line[0] == '#')
			continue;
		if (r->n == cap) {
			cap *= 2;
			r->v = realloc(r->v, cap * sizeof(*r->v));
		}
		x = &r->v[r->n];
		memset(x, 0, sizeof(*x));
		if (!kv_ul(line, "start", &x->start) || !kv_ul(line, "end", &x->end) ||
		    !kv_ul(line, "pages", &x->pages) ||
		    !kv_get(line, "pagesize", buf, sizeof(buf)) ||
		    !kv_get(line, "level", x->level, sizeof(x->level)) ||
		    !kv_get(line, "flags", x->flags, sizeof(x->flags)) ||
		    !kv_get(line, "vma", x->vma, sizeof(x->vma)) ||
		    !kv_get(line, "backing", x->backing, sizeof(x->backing))) {
			bad++;
			continue;
		}
		x->psize = psize_parse(buf);
		if (kv_get(line, "raw", buf, sizeof(buf)))
			x->raw = strtoull(buf, NULL, 0);
		if (kv_ul(line, "pfn", &x->pfn)) {
			x->present = true;
		} else if (kv_get(line, "swap", buf, sizeof(buf))) {
			char *colon = strchr(buf, ':');

			x->swap = true;
			x->swp_type = strtoul(buf, NULL, 0);
			x->swp_off = colon ? strtoul(colon + 1, NULL, 0) : 0;
		} else {
			x->nonpresent = true;
		}
		if (x->end - x->start != x->pages * x->psize)
			bad++;
		r->n++;
	}
	return bad;
}

static inline void runs_free(struct runs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Read and parse <pid>/maps. Returns 0, -errno, or -EPROTO on bad lines. */
static inline int runs_load(pid_t pid, struct runs *r, double *secs)
{
	char path[128];
	ssize_t len = 0;
	double t0 = now_s();
	char *text;
	int bad;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/maps", pid);
	text = slurp(path, &len);
	if (secs)
		*secs = now_s() - t0;
	if (!text)
		return len < 0 ? (int)len : -ENOMEM;
	bad = runs_parse(text, r);
	free(text);
	return bad ? -EPROTO : 0;
}

static inline const struct run *runs_find(const struct runs *r, unsigned long va)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (va < r->v[mid].start)
			hi = mid;
		else if (va >= r->v[mid].end)
			lo = mid + 1;
		else
			return &r->v[mid];
	}
	return NULL;
}

static inline bool flag_has(const char *flags, const char *f)
{
	size_t fl = strlen(f);
	const char *p = flags;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == fl && !strncmp(p, f, n))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* One VMA of /proc/PID/smaps. */
struct vma {
	unsigned long start, end;
	unsigned long rss_kb, anon_huge_kb, swap_kb, hugetlb_kb, locked_kb;
	bool sd;		/* VmFlags has sd: pagemap reports soft-dirty */
	bool vsyscall;
	bool shared;		/* MAP_SHARED ("s" in the permissions) */
	char name[256];
};

struct vmas {
	struct vma *v;
	size_t n;
};

static inline int vmas_load(pid_t pid, struct vmas *vs)
{
	char path[64], *text, *line, *save = NULL;
	size_t cap = 64;
	struct vma *cur = NULL;
	unsigned long v;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	text = slurp(path, NULL);
	if (!text)
		return -errno;
	vs->n = 0;
	vs->v = calloc(cap, sizeof(*vs->v));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		char perms[8] = "";
		int off = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &off) == 3 &&
		    off) {
			if (vs->n == cap) {
				cap *= 2;
				vs->v = realloc(vs->v, cap * sizeof(*vs->v));
			}
			cur = &vs->v[vs->n++];
			memset(cur, 0, sizeof(*cur));
			cur->start = s;
			cur->end = e;
			snprintf(cur->name, sizeof(cur->name), "%s", line + off);
			cur->vsyscall = strstr(line, "[vsyscall]") != NULL;
			cur->shared = perms[3] == 's';
			continue;
		}
		if (!cur)
			continue;
		if (sscanf(line, "Rss: %lu kB", &v) == 1)
			cur->rss_kb = v;
		else if (sscanf(line, "AnonHugePages: %lu kB", &v) == 1)
			cur->anon_huge_kb = v;
		else if (sscanf(line, "Swap: %lu kB", &v) == 1)
			cur->swap_kb = v;
		else if (sscanf(line, "Private_Hugetlb: %lu kB", &v) == 1)
			cur->hugetlb_kb += v;
		else if (sscanf(line, "Shared_Hugetlb: %lu kB", &v) == 1)
			cur->hugetlb_kb += v;
		else if (sscanf(line, "Locked: %lu kB", &v) == 1)
			cur->locked_kb = v;
		else if (!strncmp(line, "VmFlags:", 8))
			cur->sd = strstr(line, " sd") != NULL;
	}
	free(text);
	return 0;
}

static inline void vmas_free(struct vmas *vs)
{
	free(vs->v);
	vs->v = NULL;
}

/* Page @va's pagemap entry via an open /proc/PID/pagemap. */
static inline uint64_t pagemap_get(int fd, unsigned long va)
{
	uint64_t e = 0;

	if (pread(fd, &e, sizeof(e), (va / psz()) * 8) != sizeof(e))
		return 0;
	return e;
}

static inline int pagemap_open(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Totals the kernel itself reports, for comparison with summary. */
struct oracle_totals {
	unsigned long present, swapped, file;
	unsigned long mismatches;
};

/*
 * Compare every page of [lo, hi) with pagemap.  @sd_valid: the VMA's
 * soft-dirty bits are meaningful (no VM_SOFTDIRTY).  @shared: the VMA is
 * MAP_SHARED (a private mapping of a tmpfs file has anon COW pages).
 * Logs the first few mismatches to stderr.  Adds to @tot.
 */
static inline void compare_range(int pmfd, const struct runs *r, unsigned long lo,
				 unsigned long hi, bool sd_valid, bool shared,
				 struct oracle_totals *tot)
{
	size_t n = (hi - lo) / psz(), i, chunk = 8192;
	uint64_t *pm = malloc(chunk * 8);

	for (i = 0; i < n; i += chunk) {
		size_t m = n - i < chunk ? n - i : chunk, j;
		ssize_t got = pread(pmfd, pm, m * 8, ((lo / psz()) + i) * 8);

		if (got != (ssize_t)(m * 8)) {
			tot->mismatches++;
			fprintf(stderr, "# pagemap read at 0x%lx failed\n", lo + i * psz());
			break;
		}
		for (j = 0; j < m; j++) {
			unsigned long va = lo + (i + j) * psz();
			const struct run *x = runs_find(r, va);
			uint64_t e = pm[j];
			const char *why = NULL;
			unsigned long idx = x ? (va - x->start) / psz() : 0;

			if (e & PM_PRESENT) {
				tot->present++;
				if (e & PM_FILE)
					tot->file++;
				if (!x || !x->present)
					why = "present in pagemap, not in maps";
				else if ((e & PM_PFN_MASK) != x->pfn + idx)
					why = "pfn differs";
				else if (!strcmp(x->backing, "shmem") && shared &&
					 !(e & PM_FILE))
					why = "shmem page not file in pagemap";
				else if (!strcmp(x->backing, "anon") &&
					 !flag_has(x->flags, "sp") && (e & PM_FILE))
					why = "anon page is file in pagemap";
			} else if (e & PM_SWAP) {
				if (!x || x->present)
					why = "swapped in pagemap, not in maps";
				else if (x->swap) {
					tot->swapped++;
					if (PM_SWP_TYPE(e) != x->swp_type ||
					    PM_SWP_OFF(e) != x->swp_off + idx)
						why = "swap type:offset differs";
				}
			} else if (x) {
				why = "absent in pagemap, in maps";
			}
			if (!why && x && sd_valid &&
			    !!(e & PM_SOFT_DIRTY) != flag_has(x->flags, "s"))
				why = "soft-dirty differs";
			if (why) {
				if (tot->mismatches++ < 10)
					fprintf(stderr, "# 0x%lx: %s (pagemap 0x%llx; run 0x%lx-0x%lx pfn=0x%lx swap=%lu:0x%lx flags=%s vma=%s)\n",
						va, why, (unsigned long long)e,
						x ? x->start : 0, x ? x->end : 0,
						x ? x->pfn : 0, x ? x->swp_type : 0,
						x ? x->swp_off : 0, x ? x->flags : "",
						x ? x->vma : "");
			}
		}
	}
	free(pm);
}

/* Kilobytes of @what in the runs inside [lo, hi). */
enum run_sum { SUM_RSS, SUM_ANON_HUGE, SUM_SWAP, SUM_ALL_PRESENT };

static inline unsigned long runs_sum_kb(const struct runs *r, unsigned long lo,
					unsigned long hi, enum run_sum what)
{
	unsigned long kb = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct run *x = &r->v[i];

		if (x->end <= lo || x->start >= hi)
			continue;
		switch (what) {
		case SUM_RSS:
			if (x->present && !flag_has(x->flags, "sp"))
				kb += (x->end - x->start) >> 10;
			break;
		case SUM_ALL_PRESENT:
			if (x->present)
				kb += (x->end - x->start) >> 10;
			break;
		case SUM_ANON_HUGE:
			if (x->present && !strcmp(x->level, "pmd") &&
			    !strcmp(x->backing, "anon"))
				kb += (x->end - x->start) >> 10;
			break;
		case SUM_SWAP:
			if (x->swap)
				kb += (x->end - x->start) >> 10;
			break;
		}
	}
	return kb;
}

/* Value of "Key:" in /proc/PID/status (kB). */
static inline long status_kb(pid_t pid, const char *key)
{
	char path[64], *text, *p;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = slurp(path, NULL);
	if (!text)
		return -1;
	p = strstr(text, key);
	if (p)
		v = strtol(p + strlen(key) + 1, NULL, 10);
	free(text);
	return v;
}

#endif /* _WALK_ORACLE_H */
