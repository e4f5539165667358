// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope under real conditions: CPU hotplug with unread events, pid
 * namespaces, fork storms with follow=1, a retried fault that ends on the
 * bad-area path, and a target whose reader is stuck while others change.
 * Oracles: perf software counters, /proc (meminfo, the child's own pid),
 * the kernel log, errno.
 */
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "mmuscope_test.h"

#define PAGE		((size_t)sysconf(_SC_PAGESIZE))
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define FOLLOW		"/sys/module/mmuscope/parameters/follow"
#define FOLLOW_MAX	"/sys/module/mmuscope/parameters/follow_max"

static int perf_open(pid_t pid, unsigned long long config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	return syscall(__NR_perf_event_open, &a, pid, -1, -1, 0);
}

static long long perf_read(int fd)
{
	long long v = -1;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

static int target_add(pid_t pid)
{
	return mmu_writef(MMU_ROOT "/targets", "%d", pid);
}

static int count_targets(void)
{
	char buf[1 << 16], *p;
	int n = 0;

	if (mmu_read_file(MMU_ROOT "/targets", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

/* Lines of the kernel log that mention mmuscope, read from /dev/kmsg. */
static long kmsg_lines(int fd)
{
	char rec[8192];
	long n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[r] = '\0';
		if (strstr(rec, "mmuscope:"))
			n++;
	}
	return n;
}

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static long meminfo_kb(const char *key)
{
	char buf[8192], *p;

	if (mmu_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	return p ? atol(p + strlen(key)) : -1;
}

/* Stream events of @pid in @buf; the va and lat_ns of the one at @va. */
static long stream_events(const char *buf, pid_t pid, unsigned long va,
			  long long *lat)
{
	char key[32];
	const char *p;
	long n = 0;

	snprintf(key, sizeof(key), " pid=%d ", pid);
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *eol = strchr(p, '\n'), *v, *l;

		if (!eol)
			break;
		v = strstr(p, key);
		if (!v || v > eol)
			continue;
		n++;
		v = strstr(p, " va=0x");
		l = strstr(p, " lat_ns=");
		if (va && v && l && v < eol && l < eol &&
		    (strtoul(v + 6, NULL, 16) & ~(PAGE - 1)) == va)
			*lat = atoll(l + 8);
	}
	return n;
}

FIXTURE(robust) {
	int cpu1_offlined;
};

FIXTURE_SETUP(robust)
{
	const char *why = mmu_preflight();

	self->cpu1_offlined = 0;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mmu_load(""));
}

FIXTURE_TEARDOWN(robust)
{
	if (self->cpu1_offlined)
		mmu_write_str(CPU1_ONLINE, "1");
	if (mmu_is_loaded())
		EXPECT_EQ(0, mmu_unload());
}

/* Run @fn in a new pid namespace; return its exit status. */
static int in_new_pidns(int (*fn)(void *), void *arg)
{
	int status;
	pid_t c;

	c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		pid_t g;

		if (unshare(CLONE_NEWPID))
			_exit(100);
		g = fork();
		if (g < 0)
			_exit(101);
		if (g == 0)
			_exit(fn(arg));
		if (waitpid(g, &status, 0) != g || !WIFEXITED(status))
			_exit(102);
		_exit(WEXITSTATUS(status));
	}
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* In the new namespace: every write to targets fails with EPERM. */
static int pidns_writer(void *arg)
{
	pid_t host = *(pid_t *)arg;

	if (getpid() != 1)
		return 10;
	if (mmu_writef(MMU_ROOT "/targets", "-%d", host) != -EPERM)
		return 11;
	if (mmu_writef(MMU_ROOT "/targets", "%d", host) != -EPERM)
		return 12;
	if (mmu_write_str(MMU_ROOT "/targets", "+1") != -EPERM)
		return 13;
	return 0;
}

/*
 * pids written to targets are host pids: a writer in another pid
 * namespace is refused, and nothing changes (before, "-N" there removed
 * the host's target N).
 */
TEST_F(robust, pidns_writer_refused_state_unchanged)
{
	pid_t s = mmu_spawn_sleeper();
	int before;

	ASSERT_GT(s, 0);
	ASSERT_EQ(0, target_add(s));
	before = count_targets();
	EXPECT_EQ(0, in_new_pidns(pidns_writer, &s));
	EXPECT_EQ(1, mmu_targets_has(s));
	EXPECT_EQ(before, count_targets());
	mmu_reap(s);
}

/* The pids in targets, up to @max of them; returns how many. */
static int targets_pids(pid_t *out, int max)
{
	char buf[1 << 16], *p, *end;
	int n = 0;

	if (mmu_read_file(MMU_ROOT "/targets", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; *p && n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		out[n++] = v;
		while (*end == '\n')
			end++;
	}
	return n;
}

/*
 * follow=1 and a fork storm of short-lived children: listed followed
 * children stay within follow_max, an exited one gives its place to a
 * new child (so many more are adopted over the storm), the kernel log
 * gets a bounded number of lines, and slab + per-CPU memory come back
 * once the exited children are removed.
 */
TEST_F_TIMEOUT(robust, follow_fork_storm_bounded, 300)
{
	const int storm = 400, max = 16;
	long percpu0, slab0, percpu1, slab1, lines;
	int i, j, k, peak = 0, n, go[2], kfd, nseen = 0, alive = 0;
	static pid_t seen[4096], now[1100];
	pid_t p, warm[17];

	ASSERT_EQ(0, pipe(go));
	p = fork();
	ASSERT_GE(p, 0);
	if (p == 0) {
		char c;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < storm; i++) {
			pid_t k = fork();

			if (k == 0) {
				usleep(200 * 1000);
				_exit(0);
			}
			if (k > 0 && i % 8 == 7)
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
			usleep(5000);
		}
		while (wait(NULL) > 0)
			;
		pause();
		_exit(0);
	}
	/*
	 * The per-CPU allocator keeps the pages it has populated once: have
	 * as many targets as the storm's peak (max + 1) first, then remove
	 * them, so that the baseline below holds those pages and the
	 * comparison sees what the storm leaves behind, not what the
	 * allocator keeps (in a guest where no test ran before, the storm
	 * alone populated ~1.3 MB more than the baseline, old module or new).
	 */
	for (i = 0; i <= max; i++) {
		warm[i] = fork();
		ASSERT_GE(warm[i], 0);
		if (warm[i] == 0) {
			pause();
			_exit(0);
		}
		EXPECT_EQ(0, target_add(warm[i]));
	}
	for (i = 0; i <= max; i++) {
		mmu_writef(MMU_ROOT "/targets", "-%d", warm[i]);
		kill(warm[i], SIGKILL);
		waitpid(warm[i], NULL, 0);
	}
	/* (Before follow_max existed this write failed: the storm still runs.) */
	EXPECT_EQ(0, mmu_writef(FOLLOW_MAX, "%d", max));
	ASSERT_EQ(0, mmu_write_str(FOLLOW, "1"));
	ASSERT_EQ(0, target_add(p));
	sleep(1);
	percpu0 = meminfo_kb("Percpu:");
	slab0 = meminfo_kb("Slab:");
	kfd = kmsg_open_at_end();
	ASSERT_GE(kfd, 0);
	ASSERT_EQ(1, write(go[1], "x", 1));
	for (i = 0; i < 300; i++) {
		n = targets_pids(now, 1100);
		if (n > peak)
			peak = n;
		for (j = 0; j < n; j++) {
			for (k = 0; k < nseen && seen[k] != now[j]; k++)
				;
			if (k == nseen && nseen < 4096)
				seen[nseen++] = now[j];
		}
		usleep(20 * 1000);
	}
	/* The storm is over: the children exited within 200 ms. */
	sleep(1);
	n = targets_pids(now, 1100);
	for (j = 0; j < n; j++)
		if (now[j] != p && !kill(now[j], 0))
			alive++;
	lines = kmsg_lines(kfd);
	/* Exited targets stay listed until removed: remove the children. */
	for (j = 0; j < n; j++)
		if (now[j] != p)
			mmu_writef(MMU_ROOT "/targets", "-%d", now[j]);
	/*
	 * Freeing waits for an RCU grace period and then a work item: on a
	 * loaded TCG host that can take seconds, so wait (10 s at most) for
	 * the memory to come back rather than sample it once.
	 */
	for (i = 0; i < 100; i++) {
		usleep(100 * 1000);
		percpu1 = meminfo_kb("Percpu:");
		slab1 = meminfo_kb("Slab:");
		if (percpu1 - percpu0 <= 1024 && slab1 - slab0 <= 4096)
			break;
	}
	TH_LOG("peak targets %d (follow_max %d), %d targets seen over the storm, %d after (%d alive); Percpu %ld -> %ld kB, Slab %ld -> %ld kB; %ld log lines",
	       peak, max, nseen, n, alive, percpu0, percpu1, slab0, slab1, lines);
	EXPECT_LE(peak, 1 + max);
	EXPECT_GE(peak, 2);
	/* Places of exited children went to new ones. */
	EXPECT_GT(nseen, 1 + 2 * max);
	EXPECT_LE(n, 1 + max);
	EXPECT_EQ(0, alive);
	EXPECT_EQ(1, mmu_targets_has(p));
	EXPECT_EQ(1, count_targets());
	EXPECT_LE(percpu1 - percpu0, 1024);
	EXPECT_LE(slab1 - slab0, 4096);
	/* printk's default ratelimit: 10 lines per 5 s per call site. */
	EXPECT_LE(lines, 60);
	close(kfd);
	mmu_write_str(FOLLOW, "0");
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

/* ---- a retried fault that ends on the bad-area path ---- */

static sigjmp_buf uf_jmp;
static void uf_segv(int sig)
{
	siglongjmp(uf_jmp, 1);
}

struct uf_ctx {
	char *gone;	/* registered with userfaultfd, unmapped while blocked */
	char *next;	/* a fresh page touched after the SIGSEGV */
	int segv;
};

static void *uf_thread(void *arg)
{
	struct uf_ctx *c = arg;

	if (sigsetjmp(uf_jmp, 1) == 0)
		(void)*(volatile char *)c->gone;
	else
		c->segv = 1;
	*(volatile char *)c->next = 1;
	return NULL;
}

/*
 * The target: a thread faults on a userfaultfd page and sleeps; the page
 * is unmapped and the thread woken: handle_mm_fault returned
 * VM_FAULT_RETRY, the retry finds no VMA and the thread gets SIGSEGV.
 * Its next fault must be timed from its own start.
 */
static int uf_target(int report, unsigned int wait_ms)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_range range;
	struct uffd_msg msg;
	struct pollfd pfd;
	struct uf_ctx c = { 0 };
	pthread_t th;
	long uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return 20;
	c.gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c.next = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.gone == MAP_FAILED || c.next == MAP_FAILED)
		return 21;
	reg.range.start = (unsigned long)c.gone;
	reg.range.len = PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 22;
	signal(SIGSEGV, uf_segv);
	if (write(report, &c.next, sizeof(c.next)) != sizeof(c.next))
		return 23;
	/* Wait for the parent to open the stream. */
	if (read(report, &msg, 1) != 1)
		return 24;
	if (pthread_create(&th, NULL, uf_thread, &c))
		return 25;
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return 26;
	usleep(wait_ms * 1000);
	munmap(c.gone, PAGE);
	range.start = (unsigned long)c.gone;
	range.len = PAGE;
	ioctl(uffd, UFFDIO_WAKE, &range);
	pthread_join(th, NULL);
	return c.segv ? 0 : 27;
}

/*
 * Events of @pid at least @min_ns long whose class list lacks @cls: a
 * fault that blocked and then ended in SIGSEGV must be the only long one.
 */
static long long_events_without(const char *buf, pid_t pid, long long min_ns,
				const char *cls)
{
	const char *p, *eol, *k, *l, *c;
	char key[32];
	long bad = 0;

	snprintf(key, sizeof(key), " pid=%d ", pid);
	for (p = buf; (eol = strchr(p, '\n')); p = eol + 1) {
		k = strstr(p, key);
		l = strstr(p, " lat_ns=");
		c = strstr(p, " class=");
		if (!k || !l || !c || k > eol || l > eol || c > eol)
			continue;
		if (atoll(l + 8) < min_ns)
			continue;
		if (!memmem(c, l - c, cls, strlen(cls)))
			bad++;
	}
	return bad;
}

TEST_F(robust, retry_then_bad_area_does_not_leak_into_next_fault)
{
	static char buf[1 << 20];
	const unsigned int wait_ms = 600;
	long long lat = -1;
	int sv[2], status, fd;
	unsigned long next;
	char path[128];
	long ev;
	pid_t p;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	p = fork();
	ASSERT_GE(p, 0);
	if (p == 0)
		_exit(uf_target(sv[1], wait_ms));
	ASSERT_EQ((ssize_t)sizeof(next), read(sv[0], &next, sizeof(next)));
	ASSERT_EQ(0, target_add(p));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", p);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(sv[0], "x", 1));
	ASSERT_EQ(p, waitpid(p, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 20)
		SKIP(return, "userfaultfd is not available in this kernel");
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("target status 0x%x", status);
	usleep(100 * 1000);	/* the stream wakes readers once a tick */
	mmu_read_avail(fd, buf, sizeof(buf));
	close(fd);
	ev = stream_events(buf, p, next, &lat);
	TH_LOG("%ld events; the fault at 0x%lx took %lld ns (the blocked one waited %u ms)",
	       ev, next, lat, wait_ms);
	ASSERT_GE(lat, 0) TH_LOG("no event for the fault after the SIGSEGV");
	EXPECT_LT(lat, wait_ms * 1000000LL / 2);
	/*
	 * The blocked fault's time belongs to it alone: reported as ended in
	 * SIGSEGV (x86's bad-area probe) or not at all (arm64: unpaired),
	 * never lent to the next fault (the signal frame's, on arm64).
	 */
	EXPECT_EQ(0, long_events_without(buf, p, wait_ms * 1000000LL / 2,
					 "sigsegv"));
}

/* ---- a stuck reader of one target does not block the others ---- */

struct stuck_reader {
	int fd;
	char *buf;
	ssize_t ret;
};

static void *stuck_read(void *arg)
{
	struct stuck_reader *s = arg;

	s->ret = read(s->fd, s->buf, PAGE);
	return NULL;
}

struct remover {
	pid_t pid;
	int ret;
};

static void *remove_target(void *arg)
{
	struct remover *r = arg;

	r->ret = mmu_writef(MMU_ROOT "/targets", "-%d", r->pid);
	return NULL;
}

/*
 * A reader of A's maps is stuck copying to a userfaultfd page of its own
 * buffer; removing A waits for that read, but adding B meanwhile works.
 */
TEST_F(robust, stuck_reader_does_not_block_other_targets)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zp;
	struct stuck_reader sr;
	struct remover rm;
	pthread_t th_read, th_rm;
	struct uffd_msg msg;
	struct pollfd pfd;
	pid_t a, b;
	char path[128];
	long uffd;
	int i, ret = -1;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "userfaultfd is not available in this kernel");
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	sr.buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sr.buf);
	reg.range.start = (unsigned long)sr.buf;
	reg.range.len = PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	a = mmu_spawn_sleeper();
	b = mmu_spawn_sleeper();
	ASSERT_GT(a, 0);
	ASSERT_GT(b, 0);
	ASSERT_EQ(0, target_add(a));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/maps", a);
	sr.fd = open(path, O_RDONLY);
	ASSERT_GE(sr.fd, 0);
	ASSERT_EQ(0, pthread_create(&th_read, NULL, stuck_read, &sr));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));

	/* The read is stuck in copy_to_user: remove A in the background. */
	rm.pid = a;
	rm.ret = 1;
	ASSERT_EQ(0, pthread_create(&th_rm, NULL, remove_target, &rm));
	usleep(300 * 1000);
	/* Adding B must not wait for A's removal (5 s: a TCG margin). */
	{
		pid_t c = fork();

		if (c == 0)
			_exit(-target_add(b));
		for (i = 0; i < 50; i++) {
			int st;

			if (waitpid(c, &st, WNOHANG) == c) {
				ret = WIFEXITED(st) ? WEXITSTATUS(st) : -2;
				break;
			}
			usleep(100 * 1000);
		}
		if (ret == -1) {
			/* Blocked behind A's removal: release it first. */
			zp.range.start = (unsigned long)sr.buf;
			zp.range.len = PAGE;
			zp.mode = 0;
			ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
			waitpid(c, NULL, 0);
		}
	}
	EXPECT_EQ(0, ret) TH_LOG("adding B: %s", ret == -1 ?
				 "blocked while A's reader was stuck" : strerror(ret));
	zp.range.start = (unsigned long)sr.buf;
	zp.range.len = PAGE;
	zp.mode = 0;
	ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
	pthread_join(th_read, NULL);
	pthread_join(th_rm, NULL);
	EXPECT_EQ(0, rm.ret);
	EXPECT_GT(sr.ret, 0);
	EXPECT_EQ(0, mmu_targets_has(a));
	EXPECT_EQ(1, mmu_targets_has(b));
	close(sr.fd);
	mmu_reap(a);
	mmu_reap(b);
}

/* ---- kernel-mode faults: their ip is shown as kptr_restrict allows ---- */

/* The kernel text range from /proc/kallsyms (0 if it hides addresses). */
static int kernel_text(unsigned long *lo, unsigned long *hi)
{
	char line[256], name[128], type;
	unsigned long a;
	FILE *f = fopen("/proc/kallsyms", "r");

	*lo = *hi = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &a, &type, name) != 3)
			continue;
		if (!strcmp(name, "_stext"))
			*lo = a;
		else if (!strcmp(name, "_etext"))
			*hi = a;
	}
	fclose(f);
	return *lo && *hi > *lo ? 0 : -1;
}

/* ips of the stream's kernel-mode events of @pid: count, and how many are 0 / in text. */
static long kernel_ips(const char *buf, pid_t pid, unsigned long lo,
		       unsigned long hi, long *zero, long *text)
{
	char key[32];
	const char *p, *eol, *c, *ip;
	long n = 0;

	*zero = *text = 0;
	snprintf(key, sizeof(key), " pid=%d ", pid);
	for (p = buf; (eol = strchr(p, '\n')); p = eol + 1) {
		const char *k = strstr(p, key);

		if (!k || k > eol)
			continue;
		c = strstr(p, " class=");
		ip = strstr(p, " ip=0x");
		if (!c || !ip || c > eol || ip > eol)
			continue;
		/* The class list is comma-separated: find "kernel" in it. */
		{
			const char *e = strchr(c + 1, ' ');
			char cls[512];
			size_t len = (e && e < eol ? e : eol) - (c + 7);

			if (len >= sizeof(cls))
				continue;
			memcpy(cls, c + 7, len);
			cls[len] = '\0';
			if (!strstr(cls, "kernel"))
				continue;
		}
		n++;
		{
			unsigned long v = strtoul(ip + 6, NULL, 16);

			*zero += v == 0;
			*text += v >= lo && v < hi;
		}
	}
	return n;
}

TEST_F(robust, kernel_mode_fault_ip_follows_kptr_restrict)
{
	static const char *const modes[] = { "2", "1" };
	static char buf[1 << 20];
	char old[16] = "", path[128];
	int go[2], done[2], fd, i;
	unsigned long lo, hi;
	long n, zero, text;
	pid_t c;

	ASSERT_LT(0, mmu_read_file("/proc/sys/kernel/kptr_restrict", old, sizeof(old)));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int z = open("/dev/zero", O_RDONLY);
		char x;

		close(go[1]);
		close(done[0]);
		/* Each round: /dev/zero's clear_user faults on fresh pages. */
		while (read(go[0], &x, 1) == 1) {
			char *p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED || read(z, p, 16 * PAGE) < 0)
				_exit(1);
			if (write(done[1], "x", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(0, target_add(c));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", c);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mmu_write_str("/proc/sys/kernel/kptr_restrict", modes[i]));
		ASSERT_EQ(1, write(go[1], "x", 1));
		ASSERT_EQ(1, read(done[0], buf, 1));
		usleep(100 * 1000);	/* the stream wakes readers once a tick */
		mmu_read_avail(fd, buf, sizeof(buf));
		kernel_text(&lo, &hi);
		n = kernel_ips(buf, c, lo, hi, &zero, &text);
		TH_LOG("kptr_restrict=%s: %ld kernel-mode faults, ip 0: %ld, in kernel text [0x%lx, 0x%lx): %ld",
		       modes[i], n, zero, lo, hi, text);
		EXPECT_GE(n, 1);
		if (i == 0) {
			EXPECT_EQ(n, zero);
		} else {
			/* Root has CAP_SYSLOG: kallsyms and the stream show them. */
			EXPECT_NE(0UL, lo);
			EXPECT_EQ(n, text);
		}
	}
	mmu_write_str("/proc/sys/kernel/kptr_restrict", old);
	close(fd);
	close(go[1]);
	waitpid(c, NULL, 0);
}

/*
 * Events recorded on CPU 1, which then goes offline, are still read, and
 * the next read sleeps (here until an alarm) instead of spinning without
 * end with the reader's lock held.
 */
TEST_F(robust, hotplug_offline_cpu_keeps_events_and_reader_sleeps)
{
	static char buf[1 << 20];
	int go[2], done[2], status, fd, pfd, i;
	const long n = 200;
	long long faults;
	cpu_set_t set;
	char path[128];
	pid_t w, r;
	long ev;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || access(CPU1_ONLINE, W_OK))
		SKIP(return, "needs a second CPU that can go offline (2-vCPU guests)");
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	w = fork();
	ASSERT_GE(w, 0);
	if (w == 0) {
		char c, *p;

		CPU_ZERO(&set);
		CPU_SET(1, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(1);
		p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < n; i++)
			p[i * PAGE] = 1;
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	pfd = perf_open(w, PERF_COUNT_SW_PAGE_FAULTS);
	ASSERT_GE(pfd, 0);
	ASSERT_EQ(0, target_add(w));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/faults", w);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(1, read(done[0], buf, 1));
	faults = perf_read(pfd);
	ASSERT_EQ(0, mmu_write_str(CPU1_ONLINE, "0"));
	self->cpu1_offlined = 1;

	/* The reader: a child, so that a spinning read cannot hang us. */
	r = fork();
	ASSERT_GE(r, 0);
	if (r == 0) {
		size_t len = 0;
		ssize_t got;

		alarm(4);
		for (;;) {
			got = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (got <= 0)
				_exit(3);
			len += got;
			buf[len] = '\0';
			/* Report each time: the alarm ends us in a read. */
			ev = stream_events(buf, w, 0, NULL);
			if (write(done[1], &ev, sizeof(ev)) != sizeof(ev))
				_exit(4);
		}
	}
	for (i = 0; i < 100; i++) {
		if (waitpid(r, &status, WNOHANG) == r)
			break;
		usleep(100 * 1000);
	}
	ev = 0;
	{
		int fl = fcntl(done[0], F_GETFL);
		long e;

		fcntl(done[0], F_SETFL, fl | O_NONBLOCK);
		while (read(done[0], &e, sizeof(e)) == sizeof(e))
			ev = e;
	}
	if (i == 100) {
		/* Still in read() after 10 s: it spins (the bug). */
		mmu_write_str(CPU1_ONLINE, "1");
		self->cpu1_offlined = 0;
		kill(r, SIGKILL);
		waitpid(r, &status, 0);
		ASSERT_TRUE(0) TH_LOG("faults read did not return 10 s after CPU 1 went offline");
	}
	TH_LOG("perf faults=%lld stream events=%ld", faults, ev);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		TH_LOG("reader status 0x%x", status);
	EXPECT_GE(ev, n);
	EXPECT_EQ(faults, ev);
	close(fd);
	close(pfd);
	kill(w, SIGKILL);
	waitpid(w, NULL, 0);
}

TEST_HARNESS_MAIN
