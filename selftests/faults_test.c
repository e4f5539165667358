// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope page-fault tracing against the kernel's own counts: perf
 * software counters (PERF_COUNT_SW_PAGE_FAULTS, _MAJ), tracefs
 * exceptions:page_fault_user (x86), /proc/PID/pagemap; classes, latency
 * plausibility, histograms, reset, the faults stream (lost events, poll,
 * blocking reader released by target removal), follow=1, and the
 * per-VMA counts of fault_vmas against pagemap and perf.
 */
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include "kselftest_harness.h"
#include "mmuscope_test.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE		((size_t)sysconf(_SC_PAGESIZE))
#define TRACEFS		"/sys/kernel/tracing"
#define PFU_EVENT	TRACEFS "/events/exceptions/page_fault_user"

/* ---- worker: a target process that runs one command at a time ---- */

enum { OP_TOUCH, OP_READ_FILE, OP_COW, OP_SWAP_OUT, OP_SWAP_IN, OP_FORK_TOUCH,
       OP_REGIONS, OP_MANY, OP_UNMAP, OP_EXIT };

/* fault_vmas workloads: pages per region, all different. */
enum { R_ANON, R_SHMEM, R_FILE, R_THREAD, R_NR };
static const long r_pages[R_NR] = { 37, 41, 43, 47 };
#define R_STACK_PAGES	24
#define MANY_REGIONS	40	/* more than fault_vmas' top N */

struct cmd {
	int op;
	long n;
	char path[200];
};

struct worker {
	pid_t pid;
	int to, from;
};

static char *w_area;
static size_t w_len;
static pid_t w_grandchild;
/* Shared with the test: where the worker's fault_vmas regions are. */
static unsigned long *w_addr;

static void touch_pages(char *p, long n, int write)
{
	volatile char *v = p;
	long i;

	for (i = 0; i < n; i++) {
		if (write)
			v[i * PAGE] = 1;
		else
			(void)v[i * PAGE];
	}
}

/*
 * n fresh pages of a mapping between two PROT_NONE guard pages, so that it
 * is a VMA of its own (no merge with a neighbour); write-touched once:
 * one fault per page (no fault-around on writes, THP off).
 */
static char *guarded_touch(long n, int flags, int fd)
{
	char *g, *p;

	g = mmap(NULL, (n + 2) * PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		return NULL;
	p = mmap(g + PAGE, n * PAGE, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	touch_pages(p, n, 1);
	return p;
}

static void *thread_region(void *arg)
{
	return guarded_touch(r_pages[R_THREAD], MAP_PRIVATE | MAP_ANONYMOUS, -1);
}

/* Grow the stack by about n pages, written top down. */
static __attribute__((noinline)) long stack_touch(long n)
{
	volatile char buf[n * PAGE];
	long i;

	for (i = n - 1; i >= 0; i--)
		buf[i * PAGE] = 1;
	return buf[0];
}

/* The fault_vmas regions: anon, memfd, private file, a thread's, stack. */
static long worker_regions(void)
{
	char path[] = "/tmp/mmuscope-vmas-XXXXXX";
	pthread_t th;
	void *ret;
	int fd;

	w_addr[R_ANON] = (unsigned long)guarded_touch(r_pages[R_ANON],
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	fd = memfd_create("mmuscope", 0);
	if (fd < 0 || ftruncate(fd, r_pages[R_SHMEM] * PAGE))
		return -errno;
	w_addr[R_SHMEM] = (unsigned long)guarded_touch(r_pages[R_SHMEM],
						       MAP_SHARED, fd);
	close(fd);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, r_pages[R_FILE] * PAGE))
		return -errno;
	w_addr[R_FILE] = (unsigned long)guarded_touch(r_pages[R_FILE],
						      MAP_PRIVATE, fd);
	close(fd);
	unlink(path);
	if (pthread_create(&th, NULL, thread_region, NULL) ||
	    pthread_join(th, &ret))
		return -EAGAIN;
	w_addr[R_THREAD] = (unsigned long)ret;
	stack_touch(R_STACK_PAGES);
	for (fd = 0; fd < R_NR; fd++)
		if (!w_addr[fd])
			return -ENOMEM;
	return 0;
}

static long worker_do(struct cmd *c)
{
	long n = c->n, r = 0;
	int fd;

	switch (c->op) {
	case OP_TOUCH:
		w_len = n * PAGE;
		w_area = mmap(NULL, w_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w_area == MAP_FAILED)
			return -errno;
		madvise(w_area, w_len, MADV_NOHUGEPAGE);
		touch_pages(w_area, n, 1);
		return 0;
	case OP_READ_FILE:
		fd = open(c->path, O_RDONLY);
		if (fd < 0)
			return -errno;
		w_len = n * PAGE;
		w_area = mmap(NULL, w_len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (w_area == MAP_FAILED)
			return -errno;
		madvise(w_area, w_len, MADV_RANDOM);
		touch_pages(w_area, n, 0);
		return 0;
	case OP_COW:
		/* Pages populated before (OP_TOUCH); a child now shares them. */
		w_grandchild = fork();
		if (w_grandchild == 0) {
			for (;;)
				pause();
		}
		if (w_grandchild < 0)
			return -errno;
		touch_pages(w_area, w_len / PAGE, 1);
		return 0;
	case OP_SWAP_OUT:
		if (madvise(w_area, w_len, MADV_PAGEOUT))
			return -errno;
		return 0;
	case OP_SWAP_IN:
		touch_pages(w_area, w_len / PAGE, 0);
		return 0;
	case OP_FORK_TOUCH:
		/* A child (a new process) touches n pages and reports back. */
		r = fork();
		if (r == 0) {
			char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			usleep(1500 * 1000);	/* let follow adopt us */
			if (p != MAP_FAILED) {
				madvise(p, n * PAGE, MADV_NOHUGEPAGE);
				touch_pages(p, n, 1);
			}
			pause();
			_exit(0);
		}
		w_grandchild = r;
		return r;
	case OP_REGIONS:
		return worker_regions();
	case OP_MANY:
		/* Region i has i + 1 pages: the counts order the rows. */
		for (r = 0; r < MANY_REGIONS; r++) {
			w_addr[r] = (unsigned long)guarded_touch(r + 1,
					MAP_PRIVATE | MAP_ANONYMOUS, -1);
			if (!w_addr[r])
				return -ENOMEM;
		}
		return 0;
	case OP_UNMAP:
		/* The OP_MANY region n, whole. */
		return munmap((void *)w_addr[n], (n + 1) * PAGE) ? -errno : 0;
	}
	return -EINVAL;
}

static struct worker worker_start(void)
{
	struct worker w = { -1, -1, -1 };
	int a[2], b[2];

	if (!w_addr)
		w_addr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w_addr == MAP_FAILED || pipe(a) || pipe(b))
		return w;
	w.pid = fork();
	if (w.pid == 0) {
		struct cmd c;
		long r;

		close(a[1]);
		close(b[0]);
		while (read(a[0], &c, sizeof(c)) == sizeof(c)) {
			if (c.op == OP_EXIT)
				break;
			r = worker_do(&c);
			if (write(b[1], &r, sizeof(r)) != sizeof(r))
				break;
		}
		if (w_grandchild > 0)
			kill(w_grandchild, SIGKILL);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	w.to = a[1];
	w.from = b[0];
	return w;
}

static long worker_run(struct worker *w, int op, long n, const char *path)
{
	struct cmd c = { .op = op, .n = n };
	long r;

	if (path)
		snprintf(c.path, sizeof(c.path), "%s", path);
	if (write(w->to, &c, sizeof(c)) != sizeof(c))
		return -EIO;
	if (read(w->from, &r, sizeof(r)) != sizeof(r))
		return -EIO;
	return r;
}

static void worker_stop(struct worker *w)
{
	if (w->pid > 0) {
		struct cmd c = { .op = OP_EXIT };

		if (write(w->to, &c, sizeof(c)) < 0)
			kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		close(w->to);
		close(w->from);
		w->pid = -1;
	}
}

/* ---- oracles ---- */

static int perf_open(pid_t pid, unsigned long long config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	a.exclude_hv = 1;
	return syscall(__NR_perf_event_open, &a, pid, -1, -1, 0);
}

/* Counts the threads @pid creates from now on too. */
static int perf_open_inherit(pid_t pid, unsigned long long config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	a.exclude_hv = 1;
	a.inherit = 1;
	return syscall(__NR_perf_event_open, &a, pid, -1, -1, 0);
}

static long long perf_read(int fd)
{
	long long v = -1;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

static int tracefs_ready(void)
{
	if (access(TRACEFS "/trace", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return access(PFU_EVENT "/enable", F_OK) == 0;
}

/* Count page_fault_user events of @pid recorded since tracefs_start. */
static void tracefs_start(pid_t pid)
{
	mmu_write_str(TRACEFS "/buffer_size_kb", "8192");
	mmu_writef(PFU_EVENT "/filter", "common_pid == %d", pid);
	mmu_write_str(PFU_EVENT "/enable", "1");
	mmu_write_str(TRACEFS "/trace", "");
}

static long tracefs_stop_count(void)
{
	static char buf[1 << 24];
	long n = 0;
	char *p;

	mmu_write_str(PFU_EVENT "/enable", "0");
	if (mmu_read_file(TRACEFS "/trace", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strstr(p, "page_fault_user:")); p++)
		n++;
	mmu_write_str(PFU_EVENT "/filter", "0");
	mmu_write_str(TRACEFS "/trace", "");
	return n;
}

/* ---- the module's files ---- */

struct cstat {
	long long count, sum, min, max, p50, p90, p99;
};

static int stats_get(pid_t pid, const char *cls, struct cstat *c)
{
	static char buf[1 << 16];
	char path[128], key[64], *p;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_stats", pid);
	if (mmu_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(key, sizeof(key), "class=%s ", cls);
	p = strstr(buf, key);
	if (!p)
		return -1;
	if (sscanf(p + strlen(key),
		   "count=%lld sum_ns=%lld min_ns=%lld max_ns=%lld p50_ns=%lld p90_ns=%lld p99_ns=%lld",
		   &c->count, &c->sum, &c->min, &c->max, &c->p50, &c->p90,
		   &c->p99) != 7)
		return -1;
	return 0;
}

static long long stat_count(pid_t pid, const char *cls)
{
	struct cstat c;

	return stats_get(pid, cls, &c) ? -1 : c.count;
}

static long long stats_key(pid_t pid, const char *key)
{
	static char buf[1 << 16];
	char path[128], k[64], *p;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_stats", pid);
	if (mmu_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(buf, k);
	return p ? atoll(p + strlen(k)) : -1;
}

/*
 * Sum of the histogram buckets of @cls; @lo_min and @hi_max (may be NULL):
 * where its first bucket starts and its last one ends.
 */
static long long hist_span(pid_t pid, const char *cls, long long *lo_min,
			   long long *hi_max)
{
	static char buf[1 << 20];
	char path[128], key[64], *p;
	long long sum = 0, lo, hi, n, first = -1, last = -1;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_hist", pid);
	if (mmu_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(key, sizeof(key), "class=%s lo_ns=", cls);
	for (p = buf; (p = strstr(p, key)); p++) {
		if (p != buf && p[-1] != '\n')
			continue;
		if (sscanf(p + strlen(key), "%lld hi_ns=%lld count=%lld",
			   &lo, &hi, &n) != 3)
			return -1;
		if (hi <= lo)
			return -1;
		if (first < 0)
			first = lo;
		last = hi;
		sum += n;
	}
	if (lo_min)
		*lo_min = first;
	if (hi_max)
		*hi_max = last;
	return sum;
}

static long long hist_sum(pid_t pid, const char *cls)
{
	return hist_span(pid, cls, NULL, NULL);
}

static int target_add(pid_t pid)
{
	return mmu_writef(MMU_ROOT "/targets", "%d", pid);
}

static int target_del(pid_t pid)
{
	return mmu_writef(MMU_ROOT "/targets", "-%d", pid);
}

static int within_1pct(long long a, long long b)
{
	long long d = a > b ? a - b : b - a;

	return d * 100 <= (a > b ? a : b);
}

/* ---- zram: swap and a disk-backed file system for the guest ---- */

/* zram device id -> its /dev path in @dev. */
static int zram_add(long long bytes, char *dev, size_t size)
{
	int id = mmu_zram_add(bytes);

	if (id >= 0)
		snprintf(dev, size, "/dev/zram%d", id);
	return id;
}

/* ---- fixture ---- */

FIXTURE(faults) {
	struct worker w;
	int perf_all, perf_maj, perf_min;
};

FIXTURE_SETUP(faults)
{
	const char *why = mmu_preflight();

	self->w.pid = -1;
	self->perf_all = self->perf_maj = self->perf_min = -1;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mmu_load(""));
	self->w = worker_start();
	ASSERT_GT(self->w.pid, 0);
	self->perf_all = perf_open(self->w.pid, PERF_COUNT_SW_PAGE_FAULTS);
	self->perf_maj = perf_open(self->w.pid, PERF_COUNT_SW_PAGE_FAULTS_MAJ);
	self->perf_min = perf_open(self->w.pid, PERF_COUNT_SW_PAGE_FAULTS_MIN);
	ASSERT_GE(self->perf_all, 0);
	ASSERT_GE(self->perf_maj, 0);
	ASSERT_GE(self->perf_min, 0);
	ASSERT_EQ(0, target_add(self->w.pid));
}

FIXTURE_TEARDOWN(faults)
{
	worker_stop(&self->w);
	if (self->perf_all >= 0)
		close(self->perf_all);
	if (self->perf_maj >= 0)
		close(self->perf_maj);
	if (self->perf_min >= 0)
		close(self->perf_min);
	if (mmu_is_loaded())
		EXPECT_EQ(0, mmu_unload());
}

/* Every class's histogram adds up to its count; latencies are plausible. */
static void check_plausible(struct __test_metadata *_metadata, pid_t pid,
			    const char *cls)
{
	struct cstat c, c2;
	long long h = -1, lo = -1, hi = -1;
	int i;

	/*
	 * fault_stats and fault_hist are two reads: with several CPUs the
	 * target (e.g. COW on its stack while a forked child lives) may
	 * fault in between.  Compare when the count held still around the
	 * histogram's read.
	 */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, stats_get(pid, cls, &c));
		h = hist_span(pid, cls, &lo, &hi);
		ASSERT_EQ(0, stats_get(pid, cls, &c2));
		if (c.count == c2.count)
			break;
		usleep(20000);
	}
	EXPECT_EQ(c.count, h) TH_LOG("class %s", cls);
	if (!c.count)
		return;
	EXPECT_GT(c.min, 0) TH_LOG("class %s", cls);
	/* Below a second; a TCG guest on a loaded host gets a 5 s margin. */
	EXPECT_LT(c.p99, 1000000000LL) TH_LOG("class %s", cls);
	EXPECT_LT(c.max, 5000000000LL) TH_LOG("class %s", cls);
	EXPECT_LE(c.min, c.p50);
	EXPECT_LE(c.p50, c.p90);
	EXPECT_LE(c.p90, c.p99);
	EXPECT_LE(c.p99, c.max);
	EXPECT_GE(c.sum, c.count * c.min);
	EXPECT_LE(c.sum, c.count * c.max);
	/*
	 * The buckets hold every sample: the first starts at or below min,
	 * the last (open) one ends above max, however large max is.  A
	 * build with -DMMU_HIST_MAX_LOG=12 puts most faults in the last one.
	 */
	EXPECT_LE(lo, c.min) TH_LOG("class %s: first bucket from %lld ns", cls, lo);
	EXPECT_GT(hi, c.max) TH_LOG("class %s: last bucket to %lld ns", cls, hi);
}

TEST_F(faults, anon_first_touch_matches_perf_and_tracefs)
{
	const long n = 4096;
	long long all0, min0, anon0, wr0, ft0, p0, pmin0, tp = -1;
	long long all, minor, anon, wr, ft, p, pmin;
	pid_t pid = self->w.pid;
	int have_tp = tracefs_ready();

	all0 = stat_count(pid, "all");
	min0 = stat_count(pid, "minor");
	anon0 = stat_count(pid, "anon");
	wr0 = stat_count(pid, "write");
	ft0 = stat_count(pid, "first_touch");
	p0 = perf_read(self->perf_all);
	pmin0 = perf_read(self->perf_min);
	if (have_tp)
		tracefs_start(pid);
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, n, NULL));
	if (have_tp)
		tp = tracefs_stop_count();
	p = perf_read(self->perf_all) - p0;
	pmin = perf_read(self->perf_min) - pmin0;
	all = stat_count(pid, "all") - all0;
	minor = stat_count(pid, "minor") - min0;
	anon = stat_count(pid, "anon") - anon0;
	wr = stat_count(pid, "write") - wr0;
	ft = stat_count(pid, "first_touch") - ft0;
	TH_LOG("n=%ld module all=%lld minor=%lld anon=%lld write=%lld first_touch=%lld; perf page-faults=%lld minor=%lld; tracefs page_fault_user=%lld",
	       n, all, minor, anon, wr, ft, p, pmin, tp);
	EXPECT_TRUE(within_1pct(all, p));
	EXPECT_TRUE(within_1pct(minor, pmin));
	if (have_tp) {
		EXPECT_TRUE(within_1pct(all, tp));
	} else {
		TH_LOG("no exceptions:page_fault_user tracepoint on this arch");
	}
	EXPECT_GE(minor, n);
	EXPECT_GE(anon, n);
	EXPECT_GE(wr, n);
	EXPECT_GE(ft, n);
	EXPECT_LE(ft, n + n / 100);
	check_plausible(_metadata, pid, "all");
	check_plausible(_metadata, pid, "minor");
	check_plausible(_metadata, pid, "handler");
	check_plausible(_metadata, pid, "first_touch");
	EXPECT_EQ(0, stats_key(pid, "unpaired"));
}

/* ---- fault_vmas ---- */

static char vmas_buf[1 << 20];

static int vmas_read(pid_t pid)
{
	char path[128];

	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_vmas", pid);
	return mmu_read_file(path, vmas_buf, sizeof(vmas_buf)) < 0 ? -1 : 0;
}

/* The value of " key=" (or a leading "key=") in @line, else -1. */
static long long kv_num(const char *line, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "%s=", key);
	if (strncmp(line, k, strlen(k))) {
		snprintf(k, sizeof(k), " %s=", key);
		p = strstr(line, k);
		if (!p)
			return -1;
	} else {
		p = line;
	}
	return strtoll(p + strlen(k), NULL, 0);
}

/* The line of vmas_buf starting with "start=0x<start> ", or "vma=other". */
static int vmas_line(unsigned long start, char *line, size_t size)
{
	char want[64];
	const char *p;
	size_t len;

	if (start)
		snprintf(want, sizeof(want), "start=0x%lx ", start);
	else
		snprintf(want, sizeof(want), "vma=other ");
	for (p = vmas_buf; *p; p = strchr(p, '\n') + 1) {
		len = strcspn(p, "\n");
		if (!strncmp(p, want, strlen(want))) {
			snprintf(line, size, "%.*s", (int)len, p);
			return 0;
		}
		if (!p[len])
			break;
	}
	return -1;
}

/* Rows (without other), and the sum of `all` over rows and other. */
static long long vmas_sum(int *rows, int *top)
{
	long long sum = 0;
	const char *p;
	char line[4096];
	size_t len;

	*rows = 0;
	*top = -1;
	for (p = vmas_buf; *p; p += len + 1) {
		len = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (line[0] == '#')
			*top = kv_num(line, "top");
		else if (kv_num(line, "all") < 0)
			return -1;
		else
			sum += kv_num(line, "all");
		*rows += !strncmp(line, "start=", 6);
		if (!p[len])
			break;
	}
	return sum;
}

/* Pages in [start, start + n pages) with pagemap bit @bit set, or -1. */
static long pagemap_count(pid_t pid, unsigned long start, long n, int bit)
{
	char path[64];
	uint64_t *pm;
	long i, cnt = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	pm = calloc(n, sizeof(*pm));
	if (pread(fd, pm, n * sizeof(*pm), start / PAGE * sizeof(*pm)) !=
	    (ssize_t)(n * sizeof(*pm)))
		cnt = -1;
	for (i = 0; cnt >= 0 && i < n; i++)
		if (pm[i] & (1ULL << bit))
			cnt++;
	free(pm);
	close(fd);
	return cnt;
}

/* Present pages in [start, start + n pages), from /proc/PID/pagemap. */
static long present_pages(pid_t pid, unsigned long start, long n)
{
	return pagemap_count(pid, start, n, 63);
}

/* The [stack] VMA's present pages. */
static long stack_present(pid_t pid)
{
	char path[64], line[512];
	unsigned long s, e, found = 0, end = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2) {
			found = s;
			end = e;
		}
	fclose(f);
	return found ? present_pages(pid, found, (end - found) / PAGE) : -1;
}

/*
 * Known page counts in known regions: each region's row has exactly its
 * pages (pagemap agrees), the stack's within the harness's few faults;
 * the rows and `other` add up to fault_stats' `all`, which perf agrees
 * with.  Also: the reset of fault_stats zeroes the rows.
 */
TEST_F(faults, vmas_count_known_regions)
{
	static const char *const cls[R_NR] = { "anon", "shmem", NULL, "anon" };
	pid_t pid = self->w.pid;
	long long sum, all, p0, p, stk;
	long stk0, stk1, pr;
	char path[128], line[4096];
	int i, rows, top, pin;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_stats", pid);
	stk0 = stack_present(pid);
	ASSERT_GE(stk0, 0);
	ASSERT_EQ(0, mmu_write_str(path, "reset"));
	ASSERT_EQ(0, vmas_read(pid));
	sum = vmas_sum(&rows, &top);
	EXPECT_EQ(0, sum);
	EXPECT_EQ(0, rows);
	/* The region's thread too: an inherited counter (read adds it up). */
	pin = perf_open_inherit(pid, PERF_COUNT_SW_PAGE_FAULTS);
	ASSERT_GE(pin, 0);
	p0 = perf_read(pin);
	ASSERT_EQ(0, worker_run(&self->w, OP_REGIONS, 0, NULL));
	p = perf_read(pin) - p0;
	stk1 = stack_present(pid);
	ASSERT_EQ(0, vmas_read(pid));
	all = stat_count(pid, "all");
	sum = vmas_sum(&rows, &top);
	TH_LOG("rows=%d top=%d sum=%lld fault_stats all=%lld perf=%lld",
	       rows, top, sum, all, p);
	EXPECT_EQ(all, sum);
	/* perf's rule for `all`: within 1 %, or the harness's +-2. */
	EXPECT_LE(llabs(sum - p), 2 + sum / 100);
	EXPECT_GT(top, 0);
	EXPECT_LE(rows, top);
	for (i = 0; i < R_NR; i++) {
		ASSERT_EQ(0, vmas_line(w_addr[i], line, sizeof(line)))
			TH_LOG("no row for region %d at 0x%lx", i, w_addr[i]);
		TH_LOG("%.200s", line);
		pr = present_pages(pid, w_addr[i], r_pages[i]);
		EXPECT_EQ(r_pages[i], pr);
		EXPECT_EQ(r_pages[i], kv_num(line, "all"));
		EXPECT_EQ(r_pages[i], kv_num(line, "write"));
		EXPECT_EQ(r_pages[i], kv_num(line, "first_touch"));
		if (cls[i]) {
			EXPECT_EQ(r_pages[i], kv_num(line, cls[i]));
		}
		EXPECT_EQ(1, kv_num(line, "mapped"));
		EXPECT_EQ((long long)(w_addr[i] + r_pages[i] * PAGE),
			  kv_num(line, "end"));
		EXPECT_GT(kv_num(line, "max_ns"), 0);
		EXPECT_GE(kv_num(line, "sum_ns"), kv_num(line, "max_ns"));
	}
	EXPECT_NE(NULL, strstr(vmas_buf, "vma=/memfd:mmuscope"));
	/* Overlayfs roots name the file by its upper layer: the name only. */
	EXPECT_NE(NULL, strstr(vmas_buf, "mmuscope-vmas-"));
	/* The stack: a fault per new page, give or take the harness's own. */
	line[0] = '\0';
	{
		char *st = strstr(vmas_buf, " vma=[stack] ");

		ASSERT_NE(NULL, st);
		while (st > vmas_buf && st[-1] != '\n')
			st--;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(st, "\n"), st);
	}
	stk = kv_num(line, "all");
	TH_LOG("stack: all=%lld first_touch=%lld; pagemap %ld -> %ld present",
	       stk, kv_num(line, "first_touch"), stk0, stk1);
	/*
	 * Each first touch maps one page (COW of pages shared at fork does
	 * not); the array's top pages may hold frames already.
	 */
	EXPECT_GE(stk1 - stk0, R_STACK_PAGES - 2);
	EXPECT_EQ(stk1 - stk0, kv_num(line, "first_touch"));
	EXPECT_GE(stk, stk1 - stk0);
	close(pin);
}

/*
 * More VMAs than rows: the top N rows plus `other`, still adding up to
 * `all`; munmap keeps a row (mapped=0); reset_faults zeroes the rows.
 */
TEST_F(faults, vmas_top_n_other_unmap_reset)
{
	pid_t pid = self->w.pid;
	char line[4096], buf[32];
	long long sum, all, oth;
	int rows, top, big = MANY_REGIONS - 1;

	ASSERT_EQ(0, worker_run(&self->w, OP_MANY, 0, NULL));
	ASSERT_EQ(0, vmas_read(pid));
	all = stat_count(pid, "all");
	sum = vmas_sum(&rows, &top);
	ASSERT_EQ(0, vmas_line(0, line, sizeof(line)));
	oth = kv_num(line, "all");
	TH_LOG("rows=%d top=%d sum=%lld all=%lld other=%lld", rows, top, sum,
	       all, oth);
	ASSERT_LT(top, MANY_REGIONS);
	EXPECT_EQ(top, rows);
	EXPECT_EQ(all, sum);
	EXPECT_GT(oth, 0);
	ASSERT_EQ(0, vmas_line(w_addr[big], line, sizeof(line)));
	EXPECT_EQ(big + 1, kv_num(line, "all"));

	ASSERT_EQ(0, worker_run(&self->w, OP_UNMAP, big, NULL));
	ASSERT_EQ(0, vmas_read(pid));
	all = stat_count(pid, "all");
	sum = vmas_sum(&rows, &top);
	EXPECT_EQ(all, sum);
	EXPECT_EQ(top, rows);
	ASSERT_EQ(0, vmas_line(w_addr[big], line, sizeof(line)));
	TH_LOG("unmapped: %.160s", line);
	EXPECT_EQ(big + 1, kv_num(line, "all"));
	EXPECT_EQ(0, kv_num(line, "mapped"));
	EXPECT_NE(NULL, strstr(line, " vma=anon "));

	snprintf(buf, sizeof(buf), "%d", pid);
	ASSERT_EQ(0, mmu_write_str("/sys/module/mmuscope/parameters/reset_faults",
				   buf));
	ASSERT_EQ(0, vmas_read(pid));
	EXPECT_EQ(0, vmas_sum(&rows, &top));
	EXPECT_EQ(0, rows);
}

TEST_F(faults, other_processes_not_counted)
{
	struct worker other = worker_start();
	pid_t pid = self->w.pid;
	long long all0;

	ASSERT_GT(other.pid, 0);
	all0 = stat_count(pid, "all");
	ASSERT_EQ(0, worker_run(&other, OP_TOUCH, 2048, NULL));
	EXPECT_EQ(all0, stat_count(pid, "all"));
	worker_stop(&other);
}

TEST_F(faults, fork_write_is_cow)
{
	const long n = 1024;
	pid_t pid = self->w.pid;
	long long cow0, cow, all0, all, p0, p;

	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, n, NULL));
	cow0 = stat_count(pid, "cow");
	all0 = stat_count(pid, "all");
	p0 = perf_read(self->perf_all);
	ASSERT_EQ(0, worker_run(&self->w, OP_COW, n, NULL));
	cow = stat_count(pid, "cow") - cow0;
	all = stat_count(pid, "all") - all0;
	p = perf_read(self->perf_all) - p0;
	TH_LOG("n=%ld cow=%lld all=%lld perf=%lld", n, cow, all, p);
	EXPECT_GE(cow, n);
	EXPECT_LE(cow, all);
	EXPECT_TRUE(within_1pct(all, p));
	EXPECT_GE(stat_count(pid, "protection"), n);
	check_plausible(_metadata, pid, "cow");
}

/*
 * A file on ext4 on a zram disk (the guest's / is 9p + tmpfs overlay; a
 * zram block device gives a real disk-backed file system).
 */
TEST_F(faults, file_read_after_drop_caches_is_major)
{
	const long n = 512;
	char dev[64], cmd[256], dir[] = "/tmp/mmuscope-faults-XXXXXX";
	char path[128];
	pid_t pid = self->w.pid;
	long long maj0, pmaj0, maj, pmaj, file0, file, all0, all, p0, p;
	int id, fd;

	id = zram_add(64 << 20, dev, sizeof(dev));
	ASSERT_GE(id, 0) TH_LOG("zram not available");
	/*
	 * zram's logical block is 4K: ext4 refuses smaller fs blocks (busybox
	 * mke2fs picks 1K for a small disk, and cannot make 16K ones).
	 */
	snprintf(cmd, sizeof(cmd),
		 "(mkfs.ext4 -q -F -b 4096 %s || mke2fs -q -b 4096 %s) >/dev/null 2>&1",
		 dev, dev);
	ASSERT_EQ(0, system(cmd));
	ASSERT_NE(NULL, mkdtemp(dir));
	system("modprobe ext4 >/dev/null 2>&1");
	if (mount(dev, dir, "ext4", 0, NULL)) {
		ASSERT_EQ(0, mount(dev, dir, "ext2", 0, NULL));
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ASSERT_GE(fd, 0) TH_LOG("create %s: %s", path, strerror(errno));
	{
		char *buf = malloc(n * PAGE);

		memset(buf, 0x5a, n * PAGE);
		ASSERT_EQ((ssize_t)(n * PAGE), write(fd, buf, n * PAGE));
		free(buf);
	}
	fsync(fd);
	close(fd);
	sync();
	ASSERT_EQ(0, mmu_write_str("/proc/sys/vm/drop_caches", "3"));

	maj0 = stat_count(pid, "major");
	file0 = stat_count(pid, "file");
	all0 = stat_count(pid, "all");
	pmaj0 = perf_read(self->perf_maj);
	p0 = perf_read(self->perf_all);
	EXPECT_EQ(0, worker_run(&self->w, OP_READ_FILE, n, path));
	maj = stat_count(pid, "major") - maj0;
	file = stat_count(pid, "file") - file0;
	all = stat_count(pid, "all") - all0;
	pmaj = perf_read(self->perf_maj) - pmaj0;
	p = perf_read(self->perf_all) - p0;
	TH_LOG("n=%ld module major=%lld file=%lld all=%lld retry=%lld; perf major=%lld page-faults=%lld",
	       n, maj, file, all, stat_count(pid, "retry"), pmaj, p);
	EXPECT_GT(pmaj, 0);
	EXPECT_TRUE(within_1pct(maj, pmaj));
	EXPECT_TRUE(within_1pct(all, p));
	EXPECT_GE(file, maj);
	check_plausible(_metadata, pid, "major");

	worker_stop(&self->w);
	umount(dir);
	rmdir(dir);
	mmu_zram_del(id);
}

/* Pages the process has swapped out, from /proc/PID/pagemap (bit 62). */
static long swapped_pages(pid_t pid, unsigned long start, long n)
{
	return pagemap_count(pid, start, n, 62);
}

/* The worker's area: the last anonymous mapping of n pages in its maps. */
static unsigned long worker_area(pid_t pid, long n)
{
	char path[64], line[512];
	unsigned long s, e, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    (long)((e - s) / PAGE) == n)
			found = s;
	fclose(f);
	return found;
}

TEST_F(faults, pageout_then_touch_is_swap_in)
{
	const long n = 1024;
	char dev[64], cmd[128];
	pid_t pid = self->w.pid;
	long long si0, si, maj0, maj;
	unsigned long area;
	long sw;
	int id;

	id = zram_add(64 << 20, dev, sizeof(dev));
	ASSERT_GE(id, 0) TH_LOG("zram not available");
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1", dev);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, swapon(dev, 0));

	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, n, NULL));
	area = worker_area(pid, n);
	ASSERT_NE(0UL, area);
	ASSERT_EQ(0, worker_run(&self->w, OP_SWAP_OUT, n, NULL));
	sw = swapped_pages(pid, area, n);
	TH_LOG("pagemap: %ld of %ld pages swapped out", sw, n);
	ASSERT_GT(sw, n / 2);
	si0 = stat_count(pid, "swap_in");
	maj0 = stat_count(pid, "major");
	ASSERT_EQ(0, worker_run(&self->w, OP_SWAP_IN, n, NULL));
	si = stat_count(pid, "swap_in") - si0;
	maj = stat_count(pid, "major") - maj0;
	TH_LOG("module swap_in=%lld major=%lld", si, maj);
	EXPECT_TRUE(within_1pct(si, sw));
	check_plausible(_metadata, pid, "swap_in");

	worker_stop(&self->w);
	swapoff(dev);
	mmu_zram_del(id);
}

TEST_F(faults, reset_and_bad_writes)
{
	pid_t pid = self->w.pid;
	char path[128];
	long long before;

	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 256, NULL));
	before = stat_count(pid, "all");
	ASSERT_GE(before, 256);
	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_stats", pid);
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "resett"));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, ""));
	EXPECT_EQ(-EINVAL, mmu_write_buf(path, "reset\0x", 7));
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "reset\n\n"));
	EXPECT_EQ(before, stat_count(pid, "all"));
	EXPECT_EQ(0, mmu_write_str(path, "reset\n"));
	EXPECT_EQ(0, stat_count(pid, "all"));
	EXPECT_EQ(0, hist_sum(pid, "all"));
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 128, NULL));
	EXPECT_GE(stat_count(pid, "all"), 128);
	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_hist", pid);
	EXPECT_EQ(-EINVAL, mmu_write_str(path, "0"));
	EXPECT_GE(stat_count(pid, "all"), 128);
	EXPECT_EQ(0, mmu_write_str(path, "reset"));
	EXPECT_EQ(0, stat_count(pid, "all")) TH_LOG("all after reset");

	/* The stream's buffer size parameter refuses what it cannot use. */
	{
		const char *prm = "/sys/module/mmuscope/parameters/fault_buffer_kb";
		char v[32];

		EXPECT_EQ(-EINVAL, mmu_write_str(prm, "15"));
		EXPECT_EQ(-EINVAL, mmu_write_str(prm, "65537"));
		EXPECT_EQ(-EINVAL, mmu_write_str(prm, "12k"));
		EXPECT_EQ(-EINVAL, mmu_write_str(prm, "-1"));
		ASSERT_GT(mmu_read_file(prm, v, sizeof(v)), 0);
		EXPECT_STREQ("256\n", v);
		EXPECT_EQ(0, mmu_write_str(prm, "64"));
		ASSERT_GT(mmu_read_file(prm, v, sizeof(v)), 0);
		EXPECT_STREQ("64\n", v);
	}
}

/* Parse the stream; count event lines of @pid and the lost= total. */
static void stream_count(const char *buf, pid_t pid, long *events,
			 long *lost, long *bad)
{
	const char *p = buf;
	char want[32];

	snprintf(want, sizeof(want), " pid=%d ", pid);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (!strncmp(line, "lost=", 5))
			*lost += atol(line + 5);
		else if (!strncmp(line, "ts_ns=", 6) && strstr(line, want) &&
			 strstr(line, " va=0x") && strstr(line, " class=") &&
			 strstr(line, " lat_ns=") && strstr(line, " comm="))
			(*events)++;
		else
			(*bad)++;
		if (!nl)
			break;
		p = nl + 1;
	}
}

TEST_F(faults, stream_lines_and_lost_events)
{
	static char buf[1 << 24];
	pid_t pid = self->w.pid;
	long ev = 0, lost = 0, bad = 0;
	char path[128];
	long long all0, all;
	struct pollfd pfd;
	int fd, fd2;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", pid);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	fd2 = open(path, O_RDONLY);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	/* Small workload: every event arrives, poll says so. */
	all0 = stat_count(pid, "all");
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 200, NULL));
	all = stat_count(pid, "all") - all0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 2000));
	EXPECT_TRUE(pfd.revents & POLLIN);
	mmu_read_avail(fd, buf, sizeof(buf));
	stream_count(buf, pid, &ev, &lost, &bad);
	TH_LOG("small: all=%lld events=%ld lost=%ld bad=%ld", all, ev, lost, bad);
	{
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		TH_LOG("first line: %s", buf);
	}
	EXPECT_EQ(all, ev);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, bad);

	/* Unread: the per-CPU buffers (fault_buffer_kb) overflow. */
	ev = lost = bad = 0;
	all0 = stat_count(pid, "all");
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 40000, NULL));
	all = stat_count(pid, "all") - all0;
	mmu_read_avail(fd, buf, sizeof(buf));
	stream_count(buf, pid, &ev, &lost, &bad);
	TH_LOG("big: all=%lld events=%ld lost=%ld bad=%ld stats lost=%lld",
	       all, ev, lost, bad, stats_key(pid, "lost"));
	EXPECT_GT(lost, 0);
	EXPECT_EQ(all, ev + lost);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(lost, stats_key(pid, "lost"));
	close(fd);
}

/*
 * The stream's ring buffer is allocated at open, with the fault_buffer_kb
 * of that moment: 16 KiB per CPU cannot hold 2000 events, 256 KiB can;
 * events + lost equal the `all` count either way.
 */
TEST_F(faults, stream_buffer_sized_at_open)
{
	static const char *const kb[] = { "16", "256" };
	const char *prm = "/sys/module/mmuscope/parameters/fault_buffer_kb";
	static char buf[1 << 22];
	pid_t pid = self->w.pid;
	char path[128];
	int i;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", pid);
	for (i = 0; i < 2; i++) {
		long ev = 0, lost = 0, bad = 0;
		long long all0, all;
		int fd;

		ASSERT_EQ(0, mmu_write_str(prm, kb[i]));
		fd = open(path, O_RDONLY | O_NONBLOCK);
		ASSERT_GE(fd, 0);
		all0 = stat_count(pid, "all");
		ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 2000, NULL));
		all = stat_count(pid, "all") - all0;
		mmu_read_avail(fd, buf, sizeof(buf));
		close(fd);
		stream_count(buf, pid, &ev, &lost, &bad);
		TH_LOG("fault_buffer_kb=%s: all=%lld events=%ld lost=%ld",
		       kb[i], all, ev, lost);
		EXPECT_EQ(all, ev + lost);
		EXPECT_EQ(0, bad);
		if (i == 0) {
			EXPECT_GT(lost, 0);
		} else {
			EXPECT_EQ(0, lost);
		}
	}
}

static void *blocked_reader(void *arg)
{
	char buf[4096];
	int fd = *(int *)arg;
	ssize_t n, last;

	do {
		last = n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	return (void *)(intptr_t)last;
}

TEST_F(faults, blocked_reader_released_by_target_removal)
{
	pid_t pid = self->w.pid;
	char path[128];
	pthread_t th;
	void *ret;
	int fd;

	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", pid);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_reader, &fd));
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, 64, NULL));
	usleep(300 * 1000);
	/* The open file pins the module. */
	EXPECT_EQ(-EWOULDBLOCK, mmu_unload());
	ASSERT_EQ(0, target_del(pid));
	ASSERT_EQ(0, pthread_join(th, &ret));
	EXPECT_EQ(0, (intptr_t)ret);
	close(fd);
	EXPECT_EQ(0, mmu_unload());
}

TEST_F(faults, follow_adopts_children)
{
	pid_t pid = self->w.pid, child;
	long long all = -1;
	int i;

	ASSERT_EQ(0, mmu_write_str("/sys/module/mmuscope/parameters/follow", "1"));
	child = worker_run(&self->w, OP_FORK_TOUCH, 300, NULL);
	ASSERT_GT(child, 0);
	for (i = 0; i < 50 && mmu_targets_has(child) != 1; i++)
		usleep(20 * 1000);
	EXPECT_EQ(1, mmu_targets_has(child));
	/* The child touches its pages 1.5 s after the fork. */
	for (i = 0; i < 100; i++) {
		all = stat_count(child, "all");
		if (all >= 300)
			break;
		usleep(50 * 1000);
	}
	TH_LOG("child %d: all=%lld", child, all);
	EXPECT_GE(all, 300);
	EXPECT_GE(stat_count(child, "first_touch"), 300);
	mmu_write_str("/sys/module/mmuscope/parameters/follow", "0");
	EXPECT_EQ(1, mmu_targets_has(pid));
}

/* The seed article's workload: touch 1 GiB of fresh 4K pages. */
TEST_F_TIMEOUT(faults, seed_touch_1gib, 400)
{
	long n = (1L << 30) / PAGE;
	pid_t pid = self->w.pid;
	long long p0, p;
	struct cstat all, minor, c0;

	ASSERT_EQ(0, stats_get(pid, "all", &c0));
	p0 = perf_read(self->perf_all);
	ASSERT_EQ(0, worker_run(&self->w, OP_TOUCH, n, NULL));
	p = perf_read(self->perf_all) - p0;
	ASSERT_EQ(0, stats_get(pid, "all", &all));
	ASSERT_EQ(0, stats_get(pid, "minor", &minor));
	TH_LOG("pages=%ld perf=%lld all=%lld minor=%lld p50=%lld p90=%lld p99=%lld min=%lld max=%lld mean=%lld ns",
	       n, p, all.count - c0.count, minor.count, all.p50, all.p90,
	       all.p99, all.min, all.max, all.count ? all.sum / all.count : 0);
	EXPECT_TRUE(within_1pct(all.count - c0.count, p));
	EXPECT_GE(minor.count, n);
	EXPECT_LE(minor.count, n + n / 100);
	check_plausible(_metadata, pid, "all");
	check_plausible(_metadata, pid, "wait");
}

TEST_HARNESS_MAIN
