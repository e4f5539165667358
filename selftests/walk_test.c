// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope's page-table walker against the kernel's own views: a child
 * builds a known layout, and every page of every VMA of it in <pid>/maps
 * is compared with /proc/PID/pagemap (present, PFN, swap type:offset,
 * soft-dirty, file), every VMA with /proc/PID/smaps (Rss, AnonHugePages,
 * Swap, hugetlb) and summary with pagemap totals and status VmPTE.
 */
#include <pthread.h>
#include <sys/klog.h>
/* The harness's EXPECT_* compare mixed types and end in a for loop. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "mapstorm.h"
#include "walk_oracle.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << 26)
#endif

#define MB		(1UL << 20)
#define PAGE		psz()
/* A PMD leaf: one PTE table's reach (2M with 4K pages, 32M with 16K). */
#define HPMD		(PAGE / 8 * PAGE)
#define TIB		(1UL << 40)

/* What a layout child reports back. */
struct layout {
	unsigned long a[8];
	unsigned long len[8];
	long pid2;		/* a grandchild (fork layout) */
	int err;		/* errno of an optional step */
	int err2;
};

typedef void (*layout_fn)(struct layout *L, int step);

struct child {
	pid_t pid;
	int cmd;		/* parent -> child: step numbers */
	int res;		/* child -> parent: struct layout */
	struct layout L;
};

/* Fork a child that runs @fn(L, 0), reports, then runs steps on demand. */
static int child_start(struct child *c, layout_fn fn)
{
	int cmd[2], res[2];

	if (pipe(cmd) || pipe(res))
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		struct layout L;
		unsigned char step;

		close(cmd[1]);
		close(res[0]);
		memset(&L, 0, sizeof(L));
		fn(&L, 0);
		if (write(res[1], &L, sizeof(L)) != sizeof(L))
			_exit(1);
		while (read(cmd[0], &step, 1) == 1) {
			fn(&L, step);
			if (write(res[1], &L, sizeof(L)) != sizeof(L))
				_exit(1);
		}
		_exit(0);
	}
	close(cmd[0]);
	close(res[1]);
	c->cmd = cmd[1];
	c->res = res[0];
	if (read(c->res, &c->L, sizeof(c->L)) != sizeof(c->L))
		return -EIO;
	return 0;
}

static int child_step(struct child *c, int step)
{
	unsigned char s = step;

	if (write(c->cmd, &s, 1) != 1)
		return -EIO;
	if (read(c->res, &c->L, sizeof(c->L)) != sizeof(c->L))
		return -EIO;
	return 0;
}

static void child_stop(struct child *c)
{
	if (c->pid > 0) {
		if (c->L.pid2 > 0)
			kill(c->L.pid2, SIGKILL);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->cmd);
		close(c->res);
	}
	c->pid = -1;
}

/* Why the child is gone, for a failure message ("running" if it is not). */
static const char *child_fate(struct child *c, char *buf, size_t size)
{
	int st;

	if (waitpid(c->pid, &st, WNOHANG) != c->pid) {
		/* What the kernel says of it: a dying leader is State Z. */
		char path[64], status[2048], *state, *threads;

		snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
		if (mmu_read_file(path, status, sizeof(status)) < 0)
			status[0] = '\0';
		state = strstr(status, "State:");
		threads = strstr(status, "Threads:");
		if (state)
			state[strcspn(state, "\n")] = '\0';
		if (threads)
			threads[strcspn(threads, "\n")] = '\0';
		snprintf(buf, size, "running (%s, %s)", state ? state : "no State",
			 threads ? threads : "no Threads");
	} else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, size, "exited with %d", WEXITSTATUS(st));
	return buf;
}

static int target_add(pid_t pid)
{
	return mmu_writef(MMU_ROOT "/targets", "%d", pid);
}

static void *map_anon(size_t len, int prot, int extra)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* mmap @len aligned to @align. */
static char *map_aligned(size_t len, size_t align)
{
	char *p = map_anon(len + align, PROT_READ | PROT_WRITE, 0);
	char *q;

	if (!p)
		return NULL;
	q = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (q > p)
		munmap(p, q - p);
	munmap(q + len, p + align - q);
	return q;
}

static void touch(char *p, size_t len, size_t step)
{
	size_t i;

	for (i = 0; i < len; i += step)
		p[i] = (char)(i / step + 1);
}

/* Summary file as one string; keys are unique across its lines. */
static bool summary_ul(pid_t pid, const char *key, unsigned long *v)
{
	char path[128], *text;
	bool ok;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/summary", pid);
	text = slurp(path, NULL);
	if (!text)
		return false;
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	ok = kv_ul(text, key, v);
	free(text);
	return ok;
}

/*
 * Every page of every VMA (those above 4 GiB: only pages the maps list
 * plus samples) against pagemap, every VMA against smaps, summary against
 * the totals and VmPTE.  Returns the runs (caller frees) in @out if given.
 */
static void check_process_tot(struct __test_metadata *_metadata, pid_t pid,
			      struct runs *out, struct oracle_totals *totp)
{
	struct oracle_totals tot = { 0 };
	unsigned long v, pt, sum_pt = 0;
	struct vmas vs;
	struct runs r;
	size_t i, j;
	int pmfd;
	long vmpte;

	ASSERT_EQ(0, runs_load(pid, &r, NULL));
	ASSERT_EQ(0, vmas_load(pid, &vs));
	pmfd = pagemap_open(pid);
	ASSERT_LE(0, pmfd);

	/* Runs lie inside one VMA each and are sorted. */
	for (i = 0, j = 0; i < r.n; i++) {
		while (j < vs.n && vs.v[j].end <= r.v[i].start)
			j++;
		if (j == vs.n || r.v[i].start < vs.v[j].start ||
		    r.v[i].end > vs.v[j].end) {
			TH_LOG("run 0x%lx-0x%lx is not inside one VMA",
			       r.v[i].start, r.v[i].end);
			tot.mismatches++;
		}
		if (i && r.v[i].start < r.v[i - 1].end)
			tot.mismatches++;
	}

	for (i = 0; i < vs.n; i++) {
		struct vma *m = &vs.v[i];
		bool hugetlb = false, pfnmap = false;

		if (m->vsyscall)
			continue;
		for (j = 0; j < r.n; j++)
			if (r.v[j].start >= m->start && r.v[j].end <= m->end &&
			    !strcmp(r.v[j].backing, "hugetlb"))
				hugetlb = true;
		for (j = 0; j < r.n; j++)
			if (r.v[j].start >= m->start && r.v[j].end <= m->end &&
			    !strcmp(r.v[j].backing, "pfnmap"))
				pfnmap = true;
		if (pfnmap) {
			/* pagemap does not look into VM_PFNMAP: trust smaps. */
			tot.present += runs_sum_kb(&r, m->start, m->end,
						   SUM_ALL_PRESENT) / (PAGE / 1024);
		} else if (m->end - m->start <= (4UL << 30)) {
			compare_range(pmfd, &r, m->start, m->end, !m->sd, m->shared, &tot);
		} else {
			/* Pages the maps lists, then samples of the rest. */
			for (j = 0; j < r.n; j++)
				if (r.v[j].start >= m->start && r.v[j].end <= m->end)
					compare_range(pmfd, &r, r.v[j].start,
						      r.v[j].end, !m->sd, m->shared, &tot);
			for (j = 0; j < 2000; j++) {
				unsigned long va = m->start +
					((unsigned long)random() * 7919 * PAGE) %
					(m->end - m->start);

				va &= ~(PAGE - 1);
				if (!runs_find(&r, va)) {
					struct oracle_totals t2 = { 0 };

					compare_range(pmfd, &r, va, va + PAGE,
						      !m->sd, m->shared, &t2);
					tot.mismatches += t2.mismatches;
				}
			}
		}
		if (hugetlb) {
			EXPECT_EQ(m->hugetlb_kb,
				  runs_sum_kb(&r, m->start, m->end, SUM_ALL_PRESENT))
				TH_LOG("hugetlb kB of %s", m->name);
		} else {
			EXPECT_EQ(m->rss_kb, runs_sum_kb(&r, m->start, m->end, SUM_RSS))
				TH_LOG("Rss of 0x%lx %s", m->start, m->name);
		}
		EXPECT_EQ(m->anon_huge_kb,
			  runs_sum_kb(&r, m->start, m->end, SUM_ANON_HUGE))
			TH_LOG("AnonHugePages of 0x%lx %s", m->start, m->name);
		if (!strstr(m->name, "/") && !hugetlb)
			EXPECT_EQ(m->swap_kb, runs_sum_kb(&r, m->start, m->end, SUM_SWAP))
				TH_LOG("Swap of 0x%lx %s", m->start, m->name);
	}
	close(pmfd);
	EXPECT_EQ(0, tot.mismatches);

	/* summary vs the kernel's totals */
	vmpte = status_kb(pid, "VmPTE:");
	ASSERT_TRUE(summary_ul(pid, "pt_pte", &pt));
	sum_pt += pt;
	ASSERT_TRUE(summary_ul(pid, "pt_pmd", &pt));
	sum_pt += pt;
	ASSERT_TRUE(summary_ul(pid, "pt_pud", &pt));
	sum_pt += pt;
	/* Anonymous huge PMDs keep a deposited PTE table, in VmPTE too. */
	ASSERT_TRUE(summary_ul(pid, "pt_deposited", &pt));
	sum_pt += pt;
	EXPECT_EQ(vmpte, (long)(sum_pt * (PAGE / 1024))) {
		char path[128], *text;

		snprintf(path, sizeof(path), MMU_ROOT "/%d/summary", pid);
		text = slurp(path, NULL);
		TH_LOG("summary:\n%s", text);
		free(text);
	}
	if (summary_ul(pid, "present_pages", &v)) {
		bool big = false;

		for (i = 0; i < vs.n; i++)
			big |= vs.v[i].end - vs.v[i].start > (4UL << 30);
		if (!big) {
			EXPECT_EQ(tot.present, v);
			ASSERT_TRUE(summary_ul(pid, "file", &v));
			EXPECT_EQ(tot.file, v);
			ASSERT_TRUE(summary_ul(pid, "swapped", &v));
			EXPECT_EQ(tot.swapped, v);
		}
	}
	vmas_free(&vs);
	if (out)
		*out = r;
	else
		runs_free(&r);
	if (totp)
		*totp = tot;
}

static void check_process(struct __test_metadata *_metadata, pid_t pid,
			  struct runs *out)
{
	check_process_tot(_metadata, pid, out, NULL);
}

FIXTURE(walk) {
	struct child c, c2;
	char saved[8][128];
	char saved_path[8][128];
	int nsaved;
	bool swap_on;
};

/* Write a sysctl-like file, remembering its old value for teardown. */
static int set_knob(FIXTURE_DATA(walk) *self, const char *path, const char *val)
{
	char old[128];
	ssize_t n = mmu_read_file(path, old, sizeof(old));
	char *sel;

	if (n < 0)
		return n;
	/* "always [madvise] never" -> madvise */
	sel = strchr(old, '[');
	if (sel) {
		memmove(old, sel + 1, strlen(sel));
		*strchr(old, ']') = '\0';
	}
	if (self->nsaved < 8) {
		snprintf(self->saved_path[self->nsaved], 128, "%s", path);
		snprintf(self->saved[self->nsaved], 128, "%s", old);
		self->nsaved++;
	}
	return mmu_write_str(path, val);
}

FIXTURE_SETUP(walk)
{
	const char *why = mmu_preflight();

	self->c.pid = -1;
	self->c2.pid = -1;
	self->nsaved = 0;
	self->swap_on = false;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mmu_load(""));
	srandom(getpid());
}

/* The swap device of swap_pageout (each test runs in its own process). */
static int walk_zram_id = -1;

FIXTURE_TEARDOWN(walk)
{
	int i;

	child_stop(&self->c);
	child_stop(&self->c2);
	if (self->swap_on) {
		char dev[32];

		snprintf(dev, sizeof(dev), "/dev/zram%d", walk_zram_id);
		swapoff(dev);
		mmu_zram_del(walk_zram_id);
	}
	for (i = self->nsaved - 1; i >= 0; i--)
		mmu_write_str(self->saved_path[i], self->saved[i]);
	if (mmu_is_loaded())
		EXPECT_EQ(0, mmu_unload());
}

/* ----------------------------------------------------------- layouts */

static void layout_sparse(struct layout *L, int step)
{
	char *p;
	size_t i;

	if (step == 0) {
		p = map_anon(64 * MB, PROT_READ | PROT_WRITE, 0);
		L->a[0] = (unsigned long)p;
		L->len[0] = 64 * MB;
		if (!p)
			return;
		/* 4K pages in the low half; THP where the kernel likes. */
		madvise(p, 32 * MB, MADV_NOHUGEPAGE);
		/* Scattered pages, a dense run, a read-only zero-page run. */
		for (i = 0; i < 64 * MB / PAGE; i++)
			if ((i * 7919) % 13 < 3)
				p[i * PAGE] = 1;
		memset(p + 40 * MB, 7, 100 * PAGE);
		for (i = 0; i < 50; i++)
			L->err += p[48 * MB + i * PAGE];
		munmap(p + 32 * MB, MB);	/* a hole: two VMAs */
	} else if (step == 1) {
		p = (char *)L->a[0];
		for (i = 0; i < 64 * MB / PAGE; i += 17)
			if (i * PAGE < 32 * MB || i * PAGE >= 33 * MB)
				p[i * PAGE] = 2;
	}
}

static int read_small(const char *path, char **out)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 128 > cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, 97);	/* shorter than one line */
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return n < 0 ? -errno : 0;
}

TEST_F_TIMEOUT(walk, sparse_anon_softdirty, 300)
{
	char path[128], *text;
	struct runs r;
	unsigned long sd = 0, clean = 0;
	size_t i;

	ASSERT_EQ(0, child_start(&self->c, layout_sparse));
	ASSERT_NE(0, self->c.L.a[0]);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, NULL);

	/* The seq_file restart path: reads shorter than a line. */
	snprintf(path, sizeof(path), MMU_ROOT "/%d/maps", self->c.pid);
	ASSERT_EQ(0, read_small(path, &text));
	EXPECT_EQ(0, runs_parse(text, &r));
	{
		struct oracle_totals tot = { 0 };
		int pmfd = pagemap_open(self->c.pid);

		compare_range(pmfd, &r, self->c.L.a[0], self->c.L.a[0] + 32 * MB,
			      false, false, &tot);
		close(pmfd);
		EXPECT_EQ(0, tot.mismatches);
		EXPECT_LT(32 * MB / PAGE / 10, tot.present);
	}
	runs_free(&r);
	free(text);

	/* Soft-dirty: clear, dirty every 17th page, compare again. */
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", self->c.pid);
	ASSERT_EQ(0, mmu_write_str(path, "4"));
	ASSERT_EQ(0, child_step(&self->c, 1));
	check_process(_metadata, self->c.pid, &r);
	for (i = 0; i < r.n; i++) {
		if (r.v[i].start < self->c.L.a[0] ||
		    r.v[i].start >= self->c.L.a[0] + 64 * MB)
			continue;
		if (flag_has(r.v[i].flags, "s"))
			sd += r.v[i].pages;
		else
			clean += r.v[i].pages;
	}
	TH_LOG("soft-dirty pages %lu, clean %lu", sd, clean);
	{
		/* The kernel's view of a page written after clear_refs. */
		int pmfd = pagemap_open(self->c.pid);
		uint64_t e = pagemap_get(pmfd, self->c.L.a[0]);

		close(pmfd);
		if (e & PM_SOFT_DIRTY) {
			EXPECT_LT(0, sd);
		} else {
			TH_LOG("no soft-dirty tracking on this kernel/arch (arm64 has none)");
			EXPECT_EQ(0, sd);
		}
	}
	EXPECT_LT(0, clean);
	runs_free(&r);
}

/*
 * A PTE table replaced under a read (collapse, split, retraction) is
 * looked at again; one that keeps changing fails the read with EAGAIN
 * rather than leaving its range out.  No workload replaces tables on
 * demand: a module built with -DMMU_WALK_INJECT_EAGAIN=N fails the first
 * N looks at every table (docs/testing.md).  In any build, each view
 * either agrees with pagemap, smaps and VmPTE or says EAGAIN.
 */
TEST_F_TIMEOUT(walk, table_retries, 120)
{
	char path[128], buf[4096];
	struct runs r;
	int ret;

	ASSERT_EQ(0, child_start(&self->c, layout_sparse));
	ASSERT_NE(0, self->c.L.a[0]);
	ASSERT_EQ(0, target_add(self->c.pid));
	ret = runs_load(self->c.pid, &r, NULL);
	if (ret == -EAGAIN) {
		TH_LOG("maps: EAGAIN, every PTE table kept changing");
		snprintf(path, sizeof(path), MMU_ROOT "/%d/summary", self->c.pid);
		EXPECT_EQ(-EAGAIN, mmu_read_file(path, buf, sizeof(buf)));
		/* Page 0 of the layout: touched, in 4K pages (a PTE table). */
		snprintf(path, sizeof(path), MMU_ROOT "/%d/translate", self->c.pid);
		ASSERT_EQ(0, mmu_writef(path, "0x%lx", self->c.L.a[0]));
		EXPECT_EQ(-EAGAIN, mmu_read_file(path, buf, sizeof(buf)));
		return;
	}
	ASSERT_EQ(0, ret);
	runs_free(&r);
	check_process(_metadata, self->c.pid, NULL);
}

static void layout_mprotect(struct layout *L, int step)
{
	char *p;

	if (step)
		return;
	p = map_anon(4 * MB, PROT_READ | PROT_WRITE, 0);
	L->a[0] = (unsigned long)p;
	if (!p)
		return;
	touch(p, 4 * MB, PAGE);
	mprotect(p + 1 * MB, 512 * 1024, PROT_READ);
	mprotect(p + 2 * MB, 256 * 1024, PROT_NONE);
	mprotect(p + 3 * MB, 64 * 1024, PROT_READ | PROT_EXEC);
}

TEST_F_TIMEOUT(walk, mprotect_split, 300)
{
	unsigned long base;
	struct runs r;
	size_t i;
	int ro = 0, none = 0, ex = 0;

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);
	for (i = 0; i < r.n; i++) {
		const struct run *x = &r.v[i];

		if (x->start >= base + MB && x->end <= base + MB + 512 * 1024) {
			EXPECT_FALSE(flag_has(x->flags, "w"));
			ro += x->pages;
		}
		if (x->start >= base + 2 * MB && x->end <= base + 2 * MB + 256 * 1024) {
			/* PROT_NONE: present to the kernel, not to the MMU. */
			EXPECT_TRUE(flag_has(x->flags, "p")) TH_LOG("%s", x->flags);
			EXPECT_FALSE(flag_has(x->flags, "r"));
			none += x->pages;
		}
		if (x->start >= base + 3 * MB && x->end <= base + 3 * MB + 64 * 1024) {
			EXPECT_TRUE(flag_has(x->flags, "x"));
			ex += x->pages;
		}
		if (x->start >= base && x->end <= base + MB)
			EXPECT_TRUE(flag_has(x->flags, "w"));
	}
	EXPECT_EQ(512 * 1024 / PAGE, ro);
	EXPECT_EQ(256 * 1024 / PAGE, none);
	EXPECT_EQ(64 * 1024 / PAGE, ex);
	runs_free(&r);
}

static void layout_shared(struct layout *L, int step)
{
	char name[] = "/tmp/mmuscope-walk-XXXXXX";
	int fd;
	char *p;

	if (step)
		return;
	fd = memfd_create("mmuscope test", 0);
	if (fd >= 0 && !ftruncate(fd, MB)) {
		p = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			touch(p, MB, PAGE);
			L->a[0] = (unsigned long)p;
		}
	}
	fd = mkstemp(name);
	if (fd >= 0 && !ftruncate(fd, MB)) {
		unlink(name);
		p = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			touch(p, MB / 2, PAGE);
			L->a[1] = (unsigned long)p;
		}
	}
	p = mmap(NULL, MB / 2, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		touch(p, MB / 2, PAGE);
		L->a[2] = (unsigned long)p;
	}
	/* A private file mapping, read, with one page written (COW). */
	fd = open("/proc/self/exe", O_RDONLY);
	if (fd >= 0) {
		p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			size_t i;

			for (i = 0; i < 8; i++)
				L->err += p[i * PAGE];
			p[3 * PAGE] = 9;
			L->a[3] = (unsigned long)p;
		}
	}
}

TEST_F_TIMEOUT(walk, shared_file_memfd, 300)
{
	const struct run *x;
	struct runs r;

	ASSERT_EQ(0, child_start(&self->c, layout_shared));
	ASSERT_NE(0, self->c.L.a[0]);
	ASSERT_NE(0, self->c.L.a[1]);
	ASSERT_NE(0, self->c.L.a[2]);
	ASSERT_NE(0, self->c.L.a[3]);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);

	x = runs_find(&r, self->c.L.a[0]);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("shmem", x->backing);
	/* Spaces are escaped: the name stays one value. */
	EXPECT_NE(NULL, strstr(x->vma, "memfd:mmuscope\\040test")) TH_LOG("%s", x->vma);
	x = runs_find(&r, self->c.L.a[2]);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("shmem", x->backing);
	x = runs_find(&r, self->c.L.a[3]);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("file", x->backing);
	EXPECT_EQ('/', x->vma[0]);
	x = runs_find(&r, self->c.L.a[3] + 3 * PAGE);
	ASSERT_NE(NULL, x);
	EXPECT_TRUE(flag_has(x->flags, "w"));	/* the COW copy */
	runs_free(&r);
}

static void layout_fork(struct layout *L, int step)
{
	int sync[2];
	char *p, c;
	pid_t b;
	size_t i;

	if (step)
		return;
	p = map_anon(MB, PROT_READ | PROT_WRITE, 0);
	if (!p || pipe(sync))
		return;
	touch(p, MB, PAGE);
	L->a[0] = (unsigned long)p;
	b = fork();
	if (b == 0) {
		for (i = 0; i < MB / PAGE; i += 5)
			p[i * PAGE] = 3;	/* COW: a new page each */
		c = 1;
		if (write(sync[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (b > 0 && read(sync[0], &c, 1) == 1)
		L->pid2 = b;
}

TEST_F_TIMEOUT(walk, fork_cow, 300)
{
	unsigned long base;
	struct runs ra, rb;
	size_t i;
	int diverged = 0;

	ASSERT_EQ(0, child_start(&self->c, layout_fork));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_LT(0, self->c.L.pid2);
	ASSERT_EQ(0, target_add(self->c.pid));
	ASSERT_EQ(0, target_add(self->c.L.pid2));
	check_process(_metadata, self->c.pid, &ra);
	check_process(_metadata, self->c.L.pid2, &rb);
	for (i = 0; i < MB / PAGE; i++) {
		unsigned long va = base + i * PAGE;
		const struct run *a = runs_find(&ra, va);
		const struct run *b = runs_find(&rb, va);
		unsigned long pa, pb;

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		pa = a->pfn + (va - a->start) / PAGE;
		pb = b->pfn + (va - b->start) / PAGE;
		if (i % 5 == 0) {
			EXPECT_NE(pa, pb) TH_LOG("page %zu", i);
			EXPECT_TRUE(flag_has(b->flags, "w"));
			diverged++;
		} else {
			EXPECT_EQ(pa, pb) TH_LOG("page %zu", i);
			/* Shared after fork: write-protected in both. */
			EXPECT_FALSE(flag_has(a->flags, "w"));
			EXPECT_FALSE(flag_has(b->flags, "w"));
		}
	}
	EXPECT_EQ((MB / PAGE + 4) / 5, diverged);
	runs_free(&ra);
	runs_free(&rb);
}

static void layout_thp(struct layout *L, int step)
{
	char *p;

	if (step)
		return;
	p = map_aligned(4 * HPMD, HPMD);
	if (!p)
		return;
	L->a[0] = (unsigned long)p;
	madvise(p, 2 * HPMD, MADV_HUGEPAGE);
	touch(p, 2 * HPMD, PAGE);		/* THP at fault */
	madvise(p + 2 * HPMD, 2 * HPMD, MADV_NOHUGEPAGE);
	touch(p + 2 * HPMD, HPMD, PAGE);	/* a THP candidate */
	touch(p + 3 * HPMD, HPMD, PAGE);
	madvise(p + 3 * HPMD, HPMD, MADV_HUGEPAGE);
	/*
	 * EAGAIN is transient (madvise(2)): a page still in a per-CPU LRU
	 * batch, or no free block of the PMD's order (32M with 16K pages)
	 * until compaction makes one.
	 */
	for (int i = 0; i < 10; i++) {
		L->err = madvise(p + 3 * HPMD, HPMD, MADV_COLLAPSE) ? errno : 0;
		if (L->err != EAGAIN)
			break;
		mmu_write_str("/proc/sys/vm/compact_memory", "1");
		usleep(100000);
	}
}

/* PMD-sized regions fully populated with small pages, per pagemap and kpageflags. */
static unsigned long thp_candidates_oracle(pid_t pid)
{
	struct vmas vs;
	unsigned long n = 0;
	int pm = pagemap_open(pid), kpf = open("/proc/kpageflags", O_RDONLY);
	size_t i, ne = HPMD / PAGE;
	uint64_t *e = calloc(ne, sizeof(*e));

	if (!e || vmas_load(pid, &vs)) {
		free(e);
		return ~0UL;
	}
	for (i = 0; i < vs.n; i++) {
		unsigned long a = (vs.v[i].start + HPMD - 1) & ~(HPMD - 1);

		if (vs.v[i].vsyscall)
			continue;
		for (; a + HPMD <= vs.v[i].end; a += HPMD) {
			uint64_t fl = 0;
			bool full = pread(pm, e, ne * 8, a / PAGE * 8) == (ssize_t)(ne * 8);
			size_t j;

			for (j = 0; full && j < ne; j++) {
				full = e[j] & PM_PRESENT;
				if (full && pread(kpf, &fl, 8, (e[j] & PM_PFN_MASK) * 8) == 8 &&
				    (fl & ((1ULL << 22) | (1ULL << 24) | (1ULL << 23))))
					full = false;	/* THP, zero page, huge zero */
			}
			n += full;
		}
	}
	vmas_free(&vs);
	free(e);
	close(pm);
	close(kpf);
	return n;
}

TEST_F_TIMEOUT(walk, thp, 300)
{
	unsigned long base, v, want;
	const struct run *x;
	struct runs r;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK))
		SKIP(return, "kernel without transparent hugepages");
	ASSERT_EQ(0, set_knob(self, "/sys/kernel/mm/transparent_hugepage/enabled",
			      "madvise"));
	ASSERT_EQ(0, set_knob(self, "/sys/kernel/mm/transparent_hugepage/defrag",
			      "madvise"));
	ASSERT_EQ(0, child_start(&self->c, layout_thp));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);

	x = runs_find(&r, base);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("pmd", x->level);
	EXPECT_EQ(HPMD, x->psize);
	EXPECT_TRUE(flag_has(x->flags, "h"));
	x = runs_find(&r, base + 2 * HPMD);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("pte", x->level);
	x = runs_find(&r, base + 3 * HPMD);
	ASSERT_NE(NULL, x);
	if (self->c.L.err == EINVAL) {
		TH_LOG("MADV_COLLAPSE is not supported by this kernel (added in 6.1's successor): collapse part skipped");
	} else {
		EXPECT_EQ(0, self->c.L.err);
		EXPECT_STREQ("pmd", x->level);
	}
	want = thp_candidates_oracle(self->c.pid);
	ASSERT_TRUE(summary_ul(self->c.pid, "thp_candidates", &v));
	EXPECT_EQ(want, v);
	EXPECT_LE(1, v);
	ASSERT_TRUE(summary_ul(self->c.pid, "tlb_entries_saved", &v));
	EXPECT_EQ(want * (HPMD / PAGE - 1), v);
	runs_free(&r);
}

/*
 * arm64 contiguous PTEs: with 4K pages 16 entries (64K), with 16K pages
 * 128 entries (2M) mapping one naturally aligned large folio carry PTE_CONT
 * (v6.9+ CONTPTE maps mTHP folios that way; mTHP sizes exist from v6.8).
 */
static unsigned long cont_size(void)
{
	return PAGE == 4096 ? 64 * 1024 : 2 * MB;
}

static void layout_contpte(struct layout *L, int step)
{
	char *p;

	if (step)
		return;
	p = map_aligned(4 * cont_size(), cont_size());
	if (!p)
		return;
	touch(p, 4 * cont_size(), PAGE);
	L->a[0] = (unsigned long)p;
	/* The control: no large folios, so no contiguous bit. */
	p = map_aligned(2 * cont_size(), cont_size());
	if (!p)
		return;
	madvise(p, 2 * cont_size(), MADV_NOHUGEPAGE);
	touch(p, 2 * cont_size(), PAGE);
	L->a[1] = (unsigned long)p;
}

TEST_F_TIMEOUT(walk, contpte, 300)
{
	char knob[128];
	unsigned long base, va, cpages = 0, large = 0;
	struct utsname u;
	struct runs r;
	int pm, kpf;

	if (uname(&u) || strcmp(u.machine, "aarch64"))
		SKIP(return, "contiguous PTEs are an arm64 feature (this is %s)", u.machine);
	snprintf(knob, sizeof(knob),
		 "/sys/kernel/mm/transparent_hugepage/hugepages-%lukB/enabled",
		 cont_size() / 1024);
	if (access(knob, F_OK))
		SKIP(return, "no %lukB mTHP size in this kernel (mTHP came in v6.8)",
		     cont_size() / 1024);
	ASSERT_EQ(0, set_knob(self, "/sys/kernel/mm/transparent_hugepage/enabled", "always"));
	ASSERT_EQ(0, set_knob(self, knob, "always"));
	ASSERT_EQ(0, child_start(&self->c, layout_contpte));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);
	/* Every page the module marks contiguous is in a large folio. */
	pm = pagemap_open(self->c.pid);
	kpf = open("/proc/kpageflags", O_RDONLY);
	ASSERT_LE(0, pm);
	ASSERT_LE(0, kpf);
	for (va = base; va < base + 4 * cont_size(); va += PAGE) {
		const struct run *x = runs_find(&r, va);
		uint64_t e = pagemap_get(pm, va), fl = 0;
		bool in_large;

		ASSERT_NE(NULL, x);
		ASSERT_TRUE(e & PM_PRESENT);
		ASSERT_EQ(8, pread(kpf, &fl, 8, (e & PM_PFN_MASK) * 8));
		/* KPF_COMPOUND_HEAD 15, KPF_COMPOUND_TAIL 16 */
		in_large = fl & ((1ULL << 15) | (1ULL << 16));
		large += in_large;
		if (flag_has(x->flags, "c")) {
			cpages++;
			EXPECT_TRUE(in_large) TH_LOG("0x%lx: contiguous but kpageflags 0x%llx",
						     va, (unsigned long long)fl);
		}
	}
	TH_LOG("%lu pages of %lu in large folios, %lu with the contiguous bit",
	       large, 4 * cont_size() / PAGE, cpages);
	EXPECT_LT(0, cpages);
	/* Contiguous runs come in whole, aligned blocks. */
	EXPECT_EQ(0, cpages % (cont_size() / PAGE));
	ASSERT_NE(0, self->c.L.a[1]);
	for (va = self->c.L.a[1]; va < self->c.L.a[1] + 2 * cont_size(); va += PAGE) {
		const struct run *x = runs_find(&r, va);

		ASSERT_NE(NULL, x);
		EXPECT_FALSE(flag_has(x->flags, "c")) TH_LOG("0x%lx: MADV_NOHUGEPAGE page contiguous", va);
	}
	close(kpf);
	close(pm);
	runs_free(&r);
}

static void layout_hugetlb(struct layout *L, int step)
{
	char *p;

	if (step)
		return;
	p = map_anon(2 * HPMD, PROT_READ | PROT_WRITE, MAP_HUGETLB);
	if (p) {
		touch(p, 2 * HPMD, PAGE);
		L->a[0] = (unsigned long)p;
	} else {
		L->err = errno;
	}
	p = mmap(NULL, HPMD, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED) {
		touch(p, HPMD, PAGE);
		L->a[1] = (unsigned long)p;
	}
	p = map_anon(1UL << 30, PROT_READ | PROT_WRITE, MAP_HUGETLB | MAP_HUGE_1GB);
	if (p) {
		p[0] = 1;
		L->a[2] = (unsigned long)p;
	} else {
		L->err2 = errno;
	}
}

TEST_F_TIMEOUT(walk, hugetlb, 300)
{
	const char *g1 = "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
	const struct run *x;
	struct runs r;

	if (access("/proc/sys/vm/nr_hugepages", F_OK))
		SKIP(return, "kernel without hugetlbfs");
	/* The default huge page size is the PMD leaf (2M, 32M with 16K pages). */
	ASSERT_EQ(0, set_knob(self, "/proc/sys/vm/nr_hugepages", PAGE == 4096 ? "8" : "4"));
	if (!access(g1, F_OK))
		set_knob(self, g1, "1");	/* may fail: fragmentation */
	ASSERT_EQ(0, child_start(&self->c, layout_hugetlb));
	ASSERT_NE(0, self->c.L.a[0]) TH_LOG("MAP_HUGETLB: %s", strerror(self->c.L.err));
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);
	x = runs_find(&r, self->c.L.a[0]);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("pmd", x->level);
	EXPECT_EQ(HPMD, x->psize);
	EXPECT_STREQ("hugetlb", x->backing);
	x = runs_find(&r, self->c.L.a[1]);
	ASSERT_NE(NULL, x);
	EXPECT_STREQ("pmd", x->level);
	if (self->c.L.a[2]) {
		x = runs_find(&r, self->c.L.a[2]);
		ASSERT_NE(NULL, x);
		EXPECT_STREQ("pud", x->level);
		EXPECT_EQ(1UL << 30, x->psize);
	} else {
		TH_LOG("no 1G huge page in this guest (%s): pud leaves not checked",
		       strerror(self->c.L.err2));
	}
	runs_free(&r);
}

static void layout_mlock(struct layout *L, int step)
{
	char *p;

	if (step)
		return;
	p = map_anon(2 * MB, PROT_READ | PROT_WRITE, 0);
	if (!p)
		return;
	L->err = mlock(p, MB) ? errno : 0;
	L->a[0] = (unsigned long)p;
}

TEST_F_TIMEOUT(walk, mlock, 300)
{
	unsigned long base;
	struct vmas vs;
	struct runs r;
	size_t i;

	ASSERT_EQ(0, child_start(&self->c, layout_mlock));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_EQ(0, self->c.L.err);
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);
	/* mlock populated the locked half: all present, none of the rest. */
	EXPECT_EQ(MB / 1024, runs_sum_kb(&r, base, base + MB, SUM_RSS));
	EXPECT_EQ(0, runs_sum_kb(&r, base + MB, base + 2 * MB, SUM_RSS));
	ASSERT_EQ(0, vmas_load(self->c.pid, &vs));
	for (i = 0; i < vs.n; i++)
		if (vs.v[i].start == base)
			EXPECT_EQ(vs.v[i].locked_kb,
				  runs_sum_kb(&r, base, base + MB, SUM_RSS));
	vmas_free(&vs);
	runs_free(&r);
}

static void layout_swap(struct layout *L, int step)
{
	char *p;
	size_t i;

	if (step)
		return;
	p = map_anon(8 * MB, PROT_READ | PROT_WRITE, 0);
	if (!p)
		return;
	for (i = 0; i < 8 * MB; i += 8)
		*(unsigned long *)(p + i) = i * 2654435761UL;
	L->a[0] = (unsigned long)p;
	L->err = madvise(p, 8 * MB, MADV_PAGEOUT) ? errno : 0;
}

static int zram_swap_on(void)
{
	char cmd[64];

	walk_zram_id = mmu_zram_add(256 << 20);
	if (walk_zram_id < 0)
		return -ENOENT;
	snprintf(cmd, sizeof(cmd), "mkswap /dev/zram%d >/dev/null 2>&1", walk_zram_id);
	if (system(cmd)) {
		mmu_zram_del(walk_zram_id);
		return -ENOEXEC;
	}
	snprintf(cmd, sizeof(cmd), "/dev/zram%d", walk_zram_id);
	if (swapon(cmd, 0)) {
		int ret = -errno;

		mmu_zram_del(walk_zram_id);
		return ret;
	}
	return 0;
}

TEST_F_TIMEOUT(walk, swap_pageout, 300)
{
	unsigned long base, sw;
	struct runs r;
	int ret;

	ret = zram_swap_on();
	if (ret == -ENOENT || ret == -ENOEXEC)
		SKIP(return, "no zram module or mkswap in this guest (%d)", ret);
	ASSERT_EQ(0, ret);
	self->swap_on = true;
	ASSERT_EQ(0, child_start(&self->c, layout_swap));
	base = self->c.L.a[0];
	ASSERT_NE(0, base);
	ASSERT_EQ(0, self->c.L.err) TH_LOG("MADV_PAGEOUT: %s", strerror(self->c.L.err));
	ASSERT_EQ(0, target_add(self->c.pid));
	check_process(_metadata, self->c.pid, &r);
	sw = runs_sum_kb(&r, base, base + 8 * MB, SUM_SWAP);
	TH_LOG("swapped out: %lu kB of 8192", sw);
	EXPECT_LT(4096, sw);
	runs_free(&r);
}

/* ------------------------------------------------------------ stress */

/*
 * The storm's threads must never fault; if one does, say where before
 * dying (the parent then reads ESRCH): the address tells a race of the
 * workload from a lost mapping.
 */
static void stress_fatal(int sig, siginfo_t *si, void *ctx)
{
	char buf[128];
	int n;

	(void)ctx;
	n = snprintf(buf, sizeof(buf), "# storm thread: signal %d code %d at %p\n",
		     sig, si->si_code, si->si_addr);
	n = write(STDERR_FILENO, buf, n);
	_exit(128 + sig);
}

static void layout_stress(struct layout *L, int step)
{
	struct sigaction sa = { .sa_sigaction = stress_fatal, .sa_flags = SA_SIGINFO };
	pthread_t th[2];
	int i;

	if (step)
		return;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, mapstorm_thread, (void *)(long)(i + 1));
	/* Threads run until the child is killed. */
}

TEST_F_TIMEOUT(walk, munmap_mremap_stress, 300)
{
	char maps[128], sum[128], xl[128];
	double t0 = now_s();
	int reads = 0, i;

	ASSERT_EQ(0, child_start(&self->c, layout_stress));
	ASSERT_EQ(0, target_add(self->c.pid));
	snprintf(maps, sizeof(maps), MMU_ROOT "/%d/maps", self->c.pid);
	snprintf(sum, sizeof(sum), MMU_ROOT "/%d/summary", self->c.pid);
	snprintf(xl, sizeof(xl), MMU_ROOT "/%d/translate", self->c.pid);
	while (now_s() - t0 < 8) {
		struct runs r;
		char buf[4096];
		int ret = runs_load(self->c.pid, &r, NULL);

		ASSERT_EQ(0, ret)
			TH_LOG("target %s", child_fate(&self->c, buf, sizeof(buf)));
		for (i = 1; i < (int)r.n; i++)
			EXPECT_LE(r.v[i - 1].end, r.v[i].start);
		if (r.n) {
			ASSERT_EQ(0, mmu_writef(xl, "0x%lx", r.v[random() % r.n].start));
			ASSERT_LT(0, mmu_read_file(xl, buf, sizeof(buf)));
		}
		runs_free(&r);
		ASSERT_LT(0, mmu_read_file(sum, buf, sizeof(buf)))
			TH_LOG("target %s", child_fate(&self->c, buf, sizeof(buf)));
		reads++;
	}
	TH_LOG("%d maps+summary+translate reads during munmap/mremap/mprotect", reads);
	/* The target exits while a reader holds the file open. */
	{
		int fd = open(maps, O_RDONLY);
		char buf[256];

		ASSERT_LE(0, fd);
		child_stop(&self->c);
		EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
		EXPECT_EQ(ESRCH, errno);
		close(fd);
	}
}

/* --------------------------------------------------------- translate */

static int xlate(pid_t pid, unsigned long va, char *out, size_t size)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/translate", pid);
	ret = mmu_writef(path, "0x%lx", va);
	if (ret)
		return ret;
	return mmu_read_file(path, out, size) < 0 ? -EIO : 0;
}

static bool la57(void)
{
	char *cpuinfo = slurp("/proc/cpuinfo", NULL);
	bool yes = cpuinfo && strstr(cpuinfo, " la57");

	free(cpuinfo);
	return yes;
}

TEST_F_TIMEOUT(walk, translate_vs_pagemap, 300)
{
	char path[128], buf[8192], *last, want[32];
	struct vmas vs;
	int pmfd, i, checked = 0, present = 0, levels, folded;
	int real = oracle_levels();
	bool five = real == 5;	/* x86 LA57, arm64 4K LPA2 */

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	ASSERT_EQ(0, target_add(self->c.pid));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/translate", self->c.pid);

	/* Before any write: a comment, no walk. */
	ASSERT_LT(0, mmu_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "# no address yet"));

	ASSERT_EQ(0, vmas_load(self->c.pid, &vs));
	pmfd = pagemap_open(self->c.pid);
	ASSERT_LE(0, pmfd);
	for (i = 0; i < 300; i++) {
		struct vma *m = &vs.v[random() % vs.n];
		unsigned long va, pa = 0;
		uint64_t e;
		char *p;

		if (m->vsyscall)
			continue;
		va = m->start + (unsigned long)random() % (m->end - m->start);
		if (i % 10 == 0)	/* just below the VMA: often a hole */
			va = m->start - 1 - random() % (64 * PAGE);
		ASSERT_EQ(0, xlate(self->c.pid, va, buf, sizeof(buf)));
		e = pagemap_get(pmfd, va);
		last = strstr(buf, "va=");
		ASSERT_NE(NULL, last) TH_LOG("%s", buf);
		if (e & PM_PRESENT) {
			present++;
			ASSERT_TRUE(kv_ul(last, "pa", &pa)) TH_LOG("0x%lx:\n%s", va, buf);
			EXPECT_EQ((e & PM_PFN_MASK) * PAGE + (va & (PAGE - 1)), pa)
				TH_LOG("0x%lx:\n%s", va, buf);
			levels = 0;
			for (p = buf; (p = strstr(p, "level=")); p++)
				if (p == buf || p[-1] == '\n')
					levels++;
			folded = 0;
			for (p = buf; (p = strstr(p, " folded=1\n")); p++)
				folded++;
			/* What the MMU walks (oracle_levels): the others fold. */
			snprintf(want, sizeof(want), " levels=%d\n", real);
			EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
			if (strstr(last, "level=pte")) {
				EXPECT_EQ(5, levels) TH_LOG("%s", buf);
				EXPECT_EQ(5 - real, folded)
					TH_LOG("%d-bit VAs:\n%s", oracle_va_bits(), buf);
				EXPECT_EQ(!five, strstr(buf, "level=p4d folded=1") != NULL)
					TH_LOG("%s", buf);
			}
		} else if (!(e & PM_SWAP)) {
			EXPECT_NE(NULL, strstr(last, "unmapped_at=")) TH_LOG("0x%lx:\n%s", va, buf);
		}
		checked++;
	}
	TH_LOG("%d addresses, %d present; %d-bit VAs, %d levels", checked,
	       present, oracle_va_bits(), real);
	EXPECT_LT(10, present);
	close(pmfd);
	vmas_free(&vs);
}

/*
 * levels= of version and summary is what the MMU walks, from the size of
 * the user address space the kernel grants (oracle_levels): 3 on a 16K
 * arm64 kernel built for 52-bit VAs running with 47 (no LPA2).
 */
TEST_F(walk, levels_vs_va_size)
{
	char buf[4096];
	unsigned long v;
	int real = oracle_levels();

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	ASSERT_EQ(0, target_add(self->c.pid));
	TH_LOG("%d-bit user VAs, %ld-byte pages: %d levels", oracle_va_bits(),
	       (long)psz(), real);
	ASSERT_LT(0, mmu_read_file(MMU_ROOT "/version", buf, sizeof(buf)));
	ASSERT_TRUE(kv_ul(buf, "levels", &v)) TH_LOG("%s", buf);
	EXPECT_EQ((unsigned long)real, v) TH_LOG("%s", buf);
	ASSERT_TRUE(summary_ul(self->c.pid, "levels", &v));
	EXPECT_EQ((unsigned long)real, v);
	/* Three levels: PGD, PMD, PTE; there are no PUD tables to count. */
	if (real == 3) {
		ASSERT_TRUE(summary_ul(self->c.pid, "pt_pud", &v));
		EXPECT_EQ(0, v);
	}
}

TEST_F(walk, translate_bad_input)
{
	char path[128], buf[4096];
	struct utsname u;
	unsigned long va;

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	ASSERT_EQ(0, target_add(self->c.pid));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/translate", self->c.pid);
	ASSERT_EQ(0, mmu_writef(path, "0x%lx", self->c.L.a[0]));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "0xffff888000000000"));	/* kernel */
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "0xffffffffff600000"));	/* vsyscall */
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "0x4000000000000000"));	/* non-canonical */
	/* x86 4-level: the first address above the 47-bit user half. */
	if (!uname(&u) && !strcmp(u.machine, "x86_64") && !la57())
		EXPECT_EQ(-EINVAL, mmu_write_str(path, "0x0000800000000000"));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "hello"));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "0x"));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "12 34"));
	EXPECT_EQ(-EINVAL, mmu_write_buf(path, "", 0));
	/* Nothing changed. */
	ASSERT_LT(0, mmu_read_file(path, buf, sizeof(buf)));
	ASSERT_TRUE(kv_ul(strstr(buf, "va="), "va", &va));
	EXPECT_EQ(self->c.L.a[0], va);
}

/*
 * An address written through a descriptor is that descriptor's: another
 * user writing in between does not change what it reads back (pwrite and
 * pread at offset 0, one descriptor: the two-syscall way to translate),
 * while a fresh open reads the last address anyone wrote.
 */
TEST_F(walk, translate_per_descriptor)
{
	char path[128], buf[4096], cmd[40];
	unsigned long va1, va2, va, pa;
	uint64_t e;
	int fd, pmfd, i, len;

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	ASSERT_EQ(0, target_add(self->c.pid));
	va1 = self->c.L.a[0] + 5 * PAGE + 0x123;
	va2 = self->c.L.a[0] + 3 * MB + 7;
	snprintf(path, sizeof(path), MMU_ROOT "/%d/translate", self->c.pid);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	pmfd = pagemap_open(self->c.pid);
	ASSERT_LE(0, pmfd);
	for (i = 0; i < 3; i++) {
		len = snprintf(cmd, sizeof(cmd), "0x%lx\n", va1);
		ASSERT_EQ(len, pwrite(fd, cmd, len, 0));
		/* Another user's address, through its own open. */
		ASSERT_EQ(0, mmu_writef(path, "0x%lx", va2));
		len = pread(fd, buf, sizeof(buf) - 1, 0);
		ASSERT_LT(0, len);
		buf[len] = '\0';
		ASSERT_TRUE(kv_ul(strstr(buf, "va="), "va", &va)) TH_LOG("%s", buf);
		EXPECT_EQ(va1, va);
		ASSERT_TRUE(kv_ul(strstr(buf, "va="), "pa", &pa)) TH_LOG("%s", buf);
		e = pagemap_get(pmfd, va1);
		ASSERT_TRUE(e & PM_PRESENT);
		EXPECT_EQ((e & PM_PFN_MASK) * PAGE + (va1 & (PAGE - 1)), pa);
		/* A fresh open reads the last address written. */
		ASSERT_LT(0, mmu_read_file(path, buf, sizeof(buf)));
		ASSERT_TRUE(kv_ul(strstr(buf, "va="), "va", &va));
		EXPECT_EQ(va2, va);
	}
	close(pmfd);
	close(fd);
}

/* ------------------------------------------------------- 1 TiB sparse */

static void layout_sparse_tib(struct layout *L, int step)
{
	char *p;
	int i;

	if (step)
		return;
	p = mmap(NULL, TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		L->err = errno;
		return;
	}
	L->a[0] = (unsigned long)p;
	for (i = 0; i < 8; i++) {
		char *q = p + (TIB / 8) * i + (i + 1) * 3 * MB;

		mprotect(q, PAGE, PROT_READ | PROT_WRITE);
		*q = 1;
	}
}

TEST_F_TIMEOUT(walk, sparse_1tib_reservation, 300)
{
	unsigned long base;
	double secs, t0;
	struct runs r;
	char path[128], buf[4096];
	size_t i;
	int in = 0;

	ASSERT_EQ(0, child_start(&self->c, layout_sparse_tib));
	base = self->c.L.a[0];
	ASSERT_NE(0, base) TH_LOG("mmap 1 TiB: %s", strerror(self->c.L.err));
	ASSERT_EQ(0, target_add(self->c.pid));
	ASSERT_EQ(0, runs_load(self->c.pid, &r, &secs));
	TH_LOG("maps of a 1 TiB PROT_NONE reservation with 8 touched pages: %.3f s, %zu runs",
	       secs, r.n);
	snprintf(path, sizeof(path), MMU_ROOT "/%d/summary", self->c.pid);
	t0 = now_s();
	ASSERT_LT(0, mmu_read_file(path, buf, sizeof(buf)));
	TH_LOG("summary of the same: %.3f s", now_s() - t0);
	for (i = 0; i < r.n; i++)
		if (r.v[i].start >= base && r.v[i].end <= base + TIB)
			in++;
	EXPECT_EQ(8, in);
	runs_free(&r);
	check_process(_metadata, self->c.pid, NULL);
}

/* ----------------------------------------------------- real processes */

/*
 * A process the test did not build: python3 where the guest has it (many
 * shared libraries), else the arm64 guests' static busybox sleeping.
 */
TEST_F_TIMEOUT(walk, real_process, 300)
{
	static const char *const progs[][4] = {
		{ "/usr/bin/python3", "-c", "import time, json, collections\ntime.sleep(1000)", "python" },
		{ "/bin/busybox", "sleep", "1000", "busybox" },
	};
	char exe[256] = "", path[64];
	const char *const *prog = NULL;
	struct runs r;
	double secs;
	size_t i;
	int tries;

	for (i = 0; i < ARRAY_SIZE(progs) && !prog; i++)
		if (!access(progs[i][0], X_OK))
			prog = progs[i];
	if (!prog)
		SKIP(return, "neither python3 nor busybox in this guest");
	self->c.pid = fork();
	ASSERT_LE(0, self->c.pid);
	if (self->c.pid == 0) {
		execl(prog[0], prog[0], prog[1], prog[2], (char *)NULL);
		_exit(127);
	}
	self->c.cmd = open("/dev/null", O_RDONLY);
	self->c.res = open("/dev/null", O_RDONLY);
	/* Wait until it sleeps: its state is S with the program mapped. */
	snprintf(path, sizeof(path), "/proc/%d/exe", self->c.pid);
	for (tries = 0; tries < 600; tries++) {
		char st[512];
		ssize_t n = readlink(path, exe, sizeof(exe) - 1);

		snprintf(st, sizeof(st), "/proc/%d/wchan", self->c.pid);
		if (n > 0) {
			exe[n] = '\0';
			if (strstr(exe, prog[3]) &&
			    mmu_read_file(st, st, sizeof(st)) > 0 &&
			    strstr(st, "hrtimer_nanosleep"))
				break;
		}
		usleep(100000);
	}
	ASSERT_EQ(0, target_add(self->c.pid));
	ASSERT_EQ(0, runs_load(self->c.pid, &r, &secs));
	TH_LOG("maps of %s: %zu runs in %.3f s", exe, r.n, secs);
	runs_free(&r);
	check_process(_metadata, self->c.pid, NULL);
}

TEST_F(walk, exited_and_removed_targets)
{
	char maps[128], buf[4096];
	pid_t pid;
	int fd;

	ASSERT_EQ(0, child_start(&self->c, layout_mprotect));
	ASSERT_EQ(0, target_add(self->c.pid));
	snprintf(maps, sizeof(maps), MMU_ROOT "/%d/maps", self->c.pid);
	/* Removed while open: the open file keeps working. */
	fd = open(maps, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmu_writef(MMU_ROOT "/targets", "-%d", self->c.pid));
	EXPECT_NE(0, access(maps, F_OK));
	/* debugfs cuts removed files off: -EIO, safely. */
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	close(fd);
	/* Exited: -ESRCH from every view. */
	ASSERT_EQ(0, target_add(self->c.pid));
	pid = self->c.pid;
	child_stop(&self->c);
	EXPECT_EQ(-ESRCH, mmu_read_file(maps, buf, sizeof(buf)));
	snprintf(maps, sizeof(maps), MMU_ROOT "/%d/summary", pid);
	EXPECT_EQ(-ESRCH, mmu_read_file(maps, buf, sizeof(buf)));
	snprintf(maps, sizeof(maps), MMU_ROOT "/%d/translate", pid);
	EXPECT_EQ(0, mmu_write_str(maps, "0x1000"));
	EXPECT_EQ(-ESRCH, mmu_read_file(maps, buf, sizeof(buf)));
}

TEST_F_TIMEOUT(walk, load_report_and_dump, 300)
{
	char params[96], *log, *p, needle[64];
	unsigned long present = 0, levels = 0;
	int len, lines = 0;
	struct oracle_totals tot = { 0 };

	ASSERT_EQ(0, child_start(&self->c, layout_sparse));
	ASSERT_EQ(0, mmu_unload());
	klogctl(5, NULL, 0);	/* SYSLOG_ACTION_CLEAR */
	snprintf(params, sizeof(params), "target_pid=%d dump_on_load=1", self->c.pid);
	ASSERT_EQ(0, mmu_load(params));
	len = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	ASSERT_LT(0, len);
	log = malloc(len + 1);
	len = klogctl(3, log, len);	/* SYSLOG_ACTION_READ_ALL */
	ASSERT_LT(0, len);
	log[len] = '\0';
	snprintf(needle, sizeof(needle), "target %d: levels=", self->c.pid);
	p = strstr(log, needle);
	ASSERT_NE(NULL, p) TH_LOG("no load summary in the kernel log");
	ASSERT_TRUE(kv_ul(p, "present_pages", &present));
	ASSERT_TRUE(kv_ul(p, "levels", &levels));
	EXPECT_EQ((unsigned long)oracle_levels(), levels)
		TH_LOG("%d-bit VAs", oracle_va_bits());
	snprintf(needle, sizeof(needle), "target %d: start=", self->c.pid);
	for (p = log; (p = strstr(p, needle)); p++)
		lines++;
	TH_LOG("load report: %d dump lines", lines);
	EXPECT_LT(0, lines);
	EXPECT_GE(256, lines);

	/* The report's totals are the kernel's. */
	check_process_tot(_metadata, self->c.pid, NULL, &tot);
	EXPECT_EQ(tot.present, present);
	free(log);
}

TEST_HARNESS_MAIN
