// SPDX-License-Identifier: GPL-2.0
/*
 * mmustress: the workloads of `make stress` (scripts/stress), one binary
 * with three roles, each printing one "key=value" summary line at the end:
 *
 *   mmustress target SECONDS SEED
 *	a process that keeps changing its address space: mmap/munmap,
 *	mremap, mprotect, fork+exit, THP collapse (MADV_COLLAPSE) and split
 *	(MADV_DONTNEED on part of a huge page), MADV_PAGEOUT to swap and
 *	touching it back, plus a thread faulting in parallel.
 *   mmustress reader SECONDS SEED walk|faults|hold
 *	reads every file of every target directory in loops (writes a VA to
 *	translate first); "faults" and "hold" also drain the fault streams
 *	(the "walk" readers leave them unread: lost events); "hold" keeps
 *	a file open for a while so that rmmod finds the module busy.  A
 *	directory listing decides what is read, so files that other parts
 *	of the module add later are read as soon as they exist.
 *   mmustress ctl SECONDS SEED MODULE.ko NTARGETS
 *	spawns and restarts targets, adds, removes and prunes them, toggles
 *	follow, loads and unloads the module (EWOULDBLOCK from rmmod while
 *	readers hold files is counted as correct, not as an error).
 *   mmustress inject SECONDS SEED MODULE.ko
 *	the only process changing the module's state during the injection
 *	phase: with its own targets, it repeats every operation of the
 *	interface (add, remove, open and read of every file, translate,
 *	"reset", parameter writes, insmod, rmmod) while allocation failures
 *	are injected into that one syscall (failslab and fail_page_alloc:
 *	/proc/thread-self/fail-nth for one failure at a chosen call, or
 *	make-it-fail with task-filter for random ones) and checks that each
 *	one works or fails with ENOMEM (or its documented errno) and leaves
 *	the state as it was; one line per operation with its errnos.
 *
 * An errno that the interface does not document for the situation is
 * counted in "unexpected="; scripts/stress fails the run unless it is 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define ROOT		"/sys/kernel/debug/mmuscope"
#define PAGE		4096UL
#define HPAGE		(2UL << 20)

static volatile sig_atomic_t stop;
static unsigned long unexpected;

/* Exists while the controller wants readers to stop opening files. */
#define QUIET	"/tmp/mmustress.quiet"

static void on_term(int sig)
{
	stop = 1;
}

static void on_alarm(int sig)
{
}

static uint64_t rng_s;

static uint64_t rnd(void)
{
	rng_s ^= rng_s >> 12;
	rng_s ^= rng_s << 25;
	rng_s ^= rng_s >> 27;
	return rng_s * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bad(const char *what, int err)
{
	unexpected++;
	if (unexpected <= 20)
		fprintf(stderr, "mmustress[%d]: unexpected: %s: %s\n", getpid(),
			what, strerror(err));
}

/* ------------------------------------------------------------------ */
/* target                                                               */

struct region {
	char *p;
	size_t len;
};

#define NREG 24

static struct {
	unsigned long mmaps, munmaps, mremaps, mprotects, forks, collapses,
		      splits, pageouts, touches, thread_faults;
} tc;

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PAGE)
		p[i]++;
	tc.touches++;
}

static void *fault_thread(void *arg)
{
	while (!stop) {
		size_t len = (1 + below(16)) * PAGE;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			continue;
		for (size_t i = 0; i < len; i += PAGE)
			p[i] = 1;
		munmap(p, len);
		__atomic_add_fetch(&tc.thread_faults, len / PAGE, __ATOMIC_RELAXED);
		usleep(1000);
	}
	return arg;
}

/* A 2M-aligned anonymous region of @n huge pages. */
static char *thp_alloc(size_t n)
{
	char *p = mmap(NULL, (n + 1) * HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + n * HPAGE, p + (n + 1) * HPAGE - (a + n * HPAGE));
	madvise(a, n * HPAGE, MADV_HUGEPAGE);
	return a;
}

static int run_target(double secs)
{
	struct region r[NREG] = { 0 };
	double end = now() + secs;
	pthread_t th;
	char *thp;
	int kids = 0;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	thp = thp_alloc(2);
	if (thp)
		touch(thp, 2 * HPAGE);
	pthread_create(&th, NULL, fault_thread, NULL);
	while (!stop && now() < end) {
		unsigned int i = below(NREG), op = below(12);
		struct region *g = &r[i];
		pid_t pid;

		switch (op) {
		case 0: case 1:		/* map (or remap over) and touch */
			if (g->p)
				munmap(g->p, g->len);
			g->len = (1 + below(64)) * PAGE;
			g->p = mmap(NULL, g->len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (g->p == MAP_FAILED) {
				g->p = NULL;
				break;
			}
			tc.mmaps++;
			touch(g->p, g->len);
			break;
		case 2:			/* punch a hole, or unmap */
			if (!g->p)
				break;
			if (g->len > 2 * PAGE && below(2))
				munmap(g->p + PAGE, PAGE);
			munmap(g->p, g->len);
			g->p = NULL;
			tc.munmaps++;
			break;
		case 3: {		/* grow, shrink or move */
			size_t nl = (1 + below(128)) * PAGE;
			char *np;

			if (!g->p)
				break;
			np = mremap(g->p, g->len, nl, MREMAP_MAYMOVE);
			if (np == MAP_FAILED)
				break;
			g->p = np;
			g->len = nl;
			tc.mremaps++;
			mprotect(g->p, g->len, PROT_READ | PROT_WRITE);
			touch(g->p, g->len);
			break;
		}
		case 4:			/* protections, maybe back */
			if (!g->p)
				break;
			mprotect(g->p, g->len, (int[]){ PROT_NONE, PROT_READ,
				 PROT_READ | PROT_EXEC }[below(3)]);
			tc.mprotects++;
			if (below(2))
				mprotect(g->p, g->len, PROT_READ | PROT_WRITE);
			break;
		case 5:			/* fork: COW faults in the child, exit */
			if (kids >= 4)
				break;
			pid = fork();
			if (pid == 0) {
				for (int k = 0; k < NREG; k++)
					if (r[k].p && !mprotect(r[k].p, r[k].len,
								PROT_READ | PROT_WRITE))
						touch(r[k].p, r[k].len);
				usleep(below(20000));
				_exit(0);
			}
			if (pid > 0) {
				kids++;
				tc.forks++;
			}
			break;
		case 6:			/* collapse into THPs */
			if (!thp)
				break;
			touch(thp, 2 * HPAGE);
			if (!madvise(thp, 2 * HPAGE, MADV_COLLAPSE))
				tc.collapses++;
			break;
		case 7:			/* split: zap part of a huge page */
			if (!thp)
				break;
			madvise(thp + below(2) * HPAGE + below(512) * PAGE,
				(1 + below(16)) * PAGE, MADV_DONTNEED);
			tc.splits++;
			break;
		case 8:			/* swap out and back in */
			if (g->p && !madvise(g->p, g->len, MADV_PAGEOUT)) {
				tc.pageouts++;
				if (!mprotect(g->p, g->len, PROT_READ | PROT_WRITE))
					touch(g->p, g->len);
			}
			if (thp && below(4) == 0 &&
			    !madvise(thp, 2 * HPAGE, MADV_PAGEOUT)) {
				tc.pageouts++;
				touch(thp, 2 * HPAGE);
			}
			break;
		default:		/* touch what is there */
			if (g->p && !mprotect(g->p, g->len, PROT_READ | PROT_WRITE))
				touch(g->p, g->len);
			break;
		}
		while (kids && waitpid(-1, NULL, WNOHANG) > 0)
			kids--;
		if (below(8) == 0)
			usleep(1000);
	}
	stop = 1;
	pthread_join(th, NULL);
	while (kids && waitpid(-1, NULL, 0) > 0)
		kids--;
	printf("target pid=%d mmaps=%lu munmaps=%lu mremaps=%lu mprotects=%lu forks=%lu collapses=%lu splits=%lu pageouts=%lu touches=%lu thread_faults=%lu\n",
	       getpid(), tc.mmaps, tc.munmaps, tc.mremaps, tc.mprotects,
	       tc.forks, tc.collapses, tc.splits, tc.pageouts, tc.touches,
	       tc.thread_faults);
	return 0;
}

/* ------------------------------------------------------------------ */
/* reader                                                               */

static struct {
	unsigned long reads, bytes, writes, gone, esrch, holds, fault_reads,
		      opens, stream_busy;
} rc;

/*
 * Errors a reader may see while targets and the module come and go
 * (ENXIO: debugfs refuses opens while the owning module is going).
 */
static bool expected_errno(int err)
{
	return err == ENOENT || err == ESRCH || err == ENODEV || err == EIO ||
	       err == ENXIO || err == EINVAL || err == EAGAIN || err == EINTR;
}

static void count_err(const char *what, int err)
{
	if (err == ESRCH)
		rc.esrch++;
	else if (err == ENOENT || err == ENODEV || err == EIO || err == ENXIO)
		rc.gone++;
	if (!expected_errno(err))
		bad(what, err);
}

/* Read to EOF (or @max bytes) into @buf; bytes or -errno. */
static long read_all(int fd, char *buf, long size, long max)
{
	long total = 0, n;

	while (total < max) {
		n = read(fd, buf, size);
		if (n < 0)
			return total ? total : -errno;
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* A user address of @pid to translate: from its /proc maps, or random. */
static unsigned long pick_va(const char *pid)
{
	char path[64], line[512];
	unsigned long lo, hi, va = below(2) ? rnd() & 0x7ffffffff000UL : 0x400000;
	unsigned int n = 0, want = below(32);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return va;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi > lo) {
			va = lo + (rnd() % (hi - lo));
			if (n++ >= want)
				break;
		}
	}
	fclose(f);
	return va;
}

static void read_file(const char *dir, const char *pid, const char *name,
		      const char *mode, int *held)
{
	static char buf[1 << 16];
	bool faults = !strcmp(name, "faults");
	bool xlate = !strcmp(name, "translate");
	int fd, flags = O_RDONLY;
	char path[512], va[32];
	long n;

	if (faults && !strcmp(mode, "walk"))
		return;		/* the walkers leave the stream unread */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (xlate)
		flags = O_RDWR;
	if (faults)
		flags |= O_NONBLOCK;
	fd = open(path, flags);
	if (fd < 0) {
		/* The stream has one reader at a time: EBUSY is its answer. */
		if (faults && errno == EBUSY)
			rc.stream_busy++;
		else
			count_err(path, errno);
		return;
	}
	rc.opens++;
	if (xlate) {
		snprintf(va, sizeof(va), "0x%lx", pick_va(pid));
		if (write(fd, va, strlen(va)) < 0)
			count_err("translate write", errno);
		else
			rc.writes++;
		lseek(fd, 0, SEEK_SET);
	}
	if (faults) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double end = now() + 0.2;

		/* Should O_NONBLOCK be ignored, a signal still ends a read. */
		alarm(2);
		while (!stop && now() < end) {
			int r = poll(&p, 1, 50);

			if (r < 0) {
				count_err("poll", errno);
				break;
			}
			if (r == 0)
				continue;
			n = read_all(fd, buf, sizeof(buf), 1 << 20);
			if (n < 0 && n != -EAGAIN) {
				count_err("faults read", -n);
				break;
			}
			if (n > 0) {
				rc.bytes += n;
				rc.fault_reads++;
			}
			if (p.revents & (POLLHUP | POLLERR))
				break;
		}
		alarm(0);
	} else {
		n = read_all(fd, buf, sizeof(buf), 8 << 20);
		if (n < 0)
			count_err(path, -n);
		else
			rc.bytes += n;
	}
	rc.reads++;
	if (!strcmp(mode, "hold") && *held < 0) {
		*held = fd;	/* keep it open: the module is pinned */
		return;
	}
	close(fd);
}

static int run_reader(double secs, const char *mode)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	double end = now() + secs, hold_until = 0;
	static char buf[1 << 16];
	int held = -1;

	sigaction(SIGALRM, &sa, NULL);
	signal(SIGTERM, on_term);
	while (!stop && now() < end) {
		DIR *root;
		struct dirent *e;
		char pids[64][NAME_MAX + 1];
		unsigned int np = 0, i;

		/* The controller asks for a gap to unload: close, no opens. */
		if (!access(QUIET, F_OK)) {
			if (held >= 0) {
				close(held);
				held = -1;
				hold_until = 0;
				rc.holds++;
			}
			usleep(20000);
			continue;
		}
		root = opendir(ROOT);
		if (!root) {
			usleep(20000);	/* module not loaded right now */
			continue;
		}
		while ((e = readdir(root)) && np < 64)
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
				snprintf(pids[np++], sizeof(pids[0]), "%s", e->d_name);
		closedir(root);
		read_file(ROOT, "0", below(2) ? "targets" : "version", mode, &held);
		for (i = 0; i < np && !stop; i++) {
			char dir[NAME_MAX + 64];
			DIR *d;

			snprintf(dir, sizeof(dir), ROOT "/%.255s", pids[i]);
			d = opendir(dir);
			if (!d) {
				count_err(dir, errno);
				continue;
			}
			while ((e = readdir(d)) && !stop)
				if (e->d_name[0] != '.')
					read_file(dir, pids[i], e->d_name, mode, &held);
			closedir(d);
		}
		if (held >= 0 && !hold_until)
			hold_until = now() + 0.05 + below(500) / 1000.0;
		if (held >= 0 && now() > hold_until) {
			/* Use it once more: its target may be gone by now. */
			long n;

			lseek(held, 0, SEEK_SET);
			n = read_all(held, buf, sizeof(buf), 1 << 16);
			if (n < 0 && !expected_errno(-n))
				bad("held read", -n);
			close(held);
			held = -1;
			hold_until = 0;
			rc.holds++;
			usleep(below(300000));	/* a window without holds */
		}
		/* Leave rmmod some windows in which nothing is open. */
		if (np == 0 || below(2))
			usleep(below(50000));
	}
	if (held >= 0)
		close(held);
	printf("reader mode=%s reads=%lu opens=%lu bytes=%lu translate_writes=%lu fault_reads=%lu stream_busy=%lu gone=%lu esrch=%lu holds=%lu unexpected=%lu\n",
	       mode, rc.reads, rc.opens, rc.bytes, rc.writes, rc.fault_reads,
	       rc.stream_busy, rc.gone, rc.esrch, rc.holds, unexpected);
	return 0;
}

/* ------------------------------------------------------------------ */
/* controller                                                           */

static struct {
	unsigned long loads, unloads, busy_unloads, adds, removes, add_refused,
		      restarts, follow_toggles, faults_traced, pruned;
} cc;

static const char *self_exe = "/proc/self/exe";

static pid_t spawn(double secs)
{
	char s[32], seed[32];
	pid_t pid;

	snprintf(s, sizeof(s), "%.0f", secs);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rnd());
	pid = fork();
	if (pid == 0) {
		execl(self_exe, self_exe, "target", s, seed, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static bool loaded(void)
{
	return access("/sys/module/mmuscope", F_OK) == 0;
}

/* Faults the module counted for @pid (class=all), if it counts them. */
static void harvest_faults(pid_t pid)
{
	char path[128], buf[8192], *p;
	int fd;
	long n;

	snprintf(path, sizeof(path), ROOT "/%d/fault_stats", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strstr(buf, "class=all ");
	if (p && (p = strstr(p, " count=")))
		cc.faults_traced += strtoul(p + 7, NULL, 10);
}

static void harvest_all(pid_t *t, int nt)
{
	for (int i = 0; i < nt; i++)
		if (t[i] > 0)
			harvest_faults(t[i]);
}

/* Remove listed targets that are not ours (exited, or adopted children). */
static void prune(pid_t *t, int nt)
{
	char buf[65536], cmd[32], *p, *save;
	int fd = open(ROOT "/targets", O_RDONLY), i, ret;
	long n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		pid_t pid = atoi(p);
		bool ours = false;

		for (i = 0; i < nt; i++)
			ours |= t[i] == pid;
		if (ours && kill(pid, 0) == 0)
			continue;
		harvest_faults(pid);
		snprintf(cmd, sizeof(cmd), "-%d", pid);
		ret = write_str(ROOT "/targets", cmd);
		if (!ret)
			cc.pruned++;
		else if (ret != -ENOENT && ret != -ENODEV)
			bad("prune", -ret);
	}
}

static int run_ctl(double secs, const char *ko, int nt)
{
	double end = now() + secs;
	pid_t t[16];
	char buf[64];
	int i, ret;

	if (nt > 16)
		nt = 16;
	unlink(QUIET);		/* left over by a killed run */
	signal(SIGTERM, on_term);
	for (i = 0; i < nt; i++)
		t[i] = spawn(5 + below(30));
	while (!stop && now() < end) {
		unsigned int op = below(16);
		pid_t pid;

		/* Restart targets that exited. */
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
			for (i = 0; i < nt; i++)
				if (t[i] == pid)
					t[i] = spawn(5 + below(30));
			cc.restarts++;
		}
		i = below(nt);
		if (!loaded()) {
			int fd = open(ko, O_RDONLY);

			if (fd < 0) {
				bad(ko, errno);
				return 1;
			}
			switch (below(4)) {
			case 0:
				snprintf(buf, sizeof(buf), "target_pid=%d", t[i]);
				break;
			case 1:
				snprintf(buf, sizeof(buf), "target_pid=%d follow=1", t[i]);
				break;
			default:
				snprintf(buf, sizeof(buf), "follow=%u", below(2));
			}
			ret = syscall(SYS_finit_module, fd, buf, 0);
			close(fd);
			if (ret == 0)
				cc.loads++;
			else if (errno != ESRCH)	/* ESRCH: target just exited */
				bad("finit_module", errno);
			continue;
		}
		if (op < 6) {
			snprintf(buf, sizeof(buf), "%d", t[i]);
			ret = write_str(ROOT "/targets", buf);
			if (!ret)
				cc.adds++;
			else if (ret == -EEXIST || ret == -ESRCH || ret == -ENOENT ||
				 ret == -ENODEV)
				cc.add_refused++;
			else
				bad("add target", -ret);
		} else if (op < 10) {
			harvest_faults(t[i]);
			snprintf(buf, sizeof(buf), "-%d", t[i]);
			ret = write_str(ROOT "/targets", buf);
			if (!ret)
				cc.removes++;
			else if (ret != -ENOENT && ret != -ENODEV)
				bad("remove target", -ret);
		} else if (op == 10) {
			prune(t, nt);
		} else if (op == 11) {
			ret = write_str("/sys/module/mmuscope/parameters/follow",
					below(2) ? "1" : "0");
			if (!ret)
				cc.follow_toggles++;
			else if (ret != -ENOENT)
				bad("follow", -ret);
		} else if (op < 14) {
			/*
			 * Readers hold files most of the time: the first
			 * EWOULDBLOCK is counted (correct), then keep trying
			 * for a gap for up to half a second, or (every other
			 * time) ask the readers for one and try for a second:
			 * a real unload with readers that just closed, and a
			 * reload under them, are the point.
			 */
			bool quiet = below(2);
			int tries = quiet ? 500 : 250, qfd = -1;

			if (quiet)
				qfd = open(QUIET, O_CREAT | O_WRONLY, 0600);
			harvest_all(t, nt);
			for (int k = 0; k < tries; k++) {
				ret = syscall(SYS_delete_module, "mmuscope", O_NONBLOCK);
				if (ret == 0) {
					cc.unloads++;
					break;
				}
				if (errno != EWOULDBLOCK) {
					if (errno != ENOENT)
						bad("delete_module", errno);
					break;
				}
				if (!k)
					cc.busy_unloads++;	/* correct */
				usleep(2000);
			}
			if (qfd >= 0) {
				close(qfd);
				unlink(QUIET);
			}
		} else {
			usleep(below(20000));
		}
		if (below(4) == 0)
			usleep(2000);
	}
	harvest_all(t, nt);
	for (i = 0; i < nt; i++)
		if (t[i] > 0)
			kill(t[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0)
		;
	printf("ctl loads=%lu unloads=%lu busy_unloads=%lu adds=%lu add_refused=%lu removes=%lu pruned=%lu restarts=%lu follow_toggles=%lu faults_traced=%lu unexpected=%lu\n",
	       cc.loads, cc.unloads, cc.busy_unloads, cc.adds, cc.add_refused,
	       cc.removes, cc.pruned, cc.restarts, cc.follow_toggles,
	       cc.faults_traced, unexpected);
	return 0;
}

/* ------------------------------------------------------------------ */
/* inject                                                               */

#define FI		"/sys/kernel/debug/"
#define FI_TIMES	1000000000L
#define PARAMS		"/sys/module/mmuscope/parameters/"

enum {
	OP_ADD, OP_REMOVE, OP_TARGETS, OP_VERSION, OP_MAPS, OP_SUMMARY,
	OP_TRANSLATE, OP_STATS, OP_HIST, OP_STATS_RESET, OP_HIST_RESET,
	OP_FAULTS, OP_FOLLOW, OP_FOLLOW_MAX, OP_BUFFER_KB, OP_INSMOD, OP_RMMOD,
	OP_NR
};

static const char *const op_name[OP_NR] = {
	"add", "remove", "read_targets", "read_version", "read_maps",
	"read_summary", "translate", "read_fault_stats", "read_fault_hist",
	"reset_fault_stats", "reset_fault_hist", "read_faults",
	"param_follow", "param_follow_max", "param_fault_buffer_kb",
	"insmod", "rmmod",
};

/* Files a target directory has (all of them, or the add was not whole). */
static const char *const target_files[] = {
	"maps", "translate", "translate.ro", "summary", "vmas", "fault_stats",
	"fault_hist", "fault_stats.ro", "fault_hist.ro", "faults", "comm",
};

#define NERR	134

static struct {
	unsigned long tries, ok, injected, counted, points, sweep;
	unsigned long err[NERR];
} ops[OP_NR];

static struct {
	unsigned long nth_ops, nth_injected, random_ops, random_injected,
		      count_ops, violations;
} ic;

enum { M_COUNT, M_NTH, M_RANDOM };

/* /proc/thread-self/{fail-nth,make-it-fail}, kept open. */
static int fd_nth = -1, fd_mif = -1;

static const char *errname(int err)
{
	static char num[16];

	switch (err) {
	case 0: return "0";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case EFAULT: return "EFAULT";
	case ENOSPC: return "ENOSPC";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOEXEC: return "ENOEXEC";
	case ERANGE: return "ERANGE";
	case EBADF: return "EBADF";
	}
	snprintf(num, sizeof(num), "E%d", err);
	return num;
}

static void fi_write(const char *path, const char *val)
{
	if (write_str(path, val)) {
		fprintf(stderr, "mmustress: inject: cannot write %s to %s\n",
			val, path);
		exit(3);
	}
}

static void fd_put(int fd, unsigned long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%lu", v), tries = 0;
	bool ok;

	/* Armed, this very write could meet an injected failure: retry. */
	while (!(ok = write(fd, b, n) == n) && errno == ENOMEM &&
	       ++tries < 100)
		;
	if (!ok) {
		fprintf(stderr, "mmustress: inject: control write: %s\n",
			strerror(errno));
		exit(3);
	}
}

static long fd_get(int fd)
{
	char b[32];
	ssize_t n;
	int tries = 0;

	while ((n = read(fd, b, sizeof(b) - 1)) < 0 && errno == ENOMEM &&
	       ++tries < 100)
		;

	if (n <= 0) {
		fprintf(stderr, "mmustress: inject: control read: %s\n",
			n < 0 ? strerror(errno) : "empty");
		exit(3);
	}
	b[n] = '\0';
	return strtol(b, NULL, 10);
}

/* Failures both attrs injected so far (read when not armed). */
static long fi_injected(void)
{
	/* debugfs attributes are not seekable: a fresh open each time. */
	int fd[2] = { open(FI "failslab/times", O_RDONLY),
		      open(FI "fail_page_alloc/times", O_RDONLY) };
	long n;

	if (fd[0] < 0 || fd[1] < 0) {
		fprintf(stderr, "mmustress: inject: no fault injection in this kernel\n");
		exit(3);
	}
	n = 2 * FI_TIMES - fd_get(fd[0]) - fd_get(fd[1]);
	close(fd[0]);
	close(fd[1]);
	return n;
}

/*
 * failslab and fail_page_alloc: every allocation may fail (sleeping ones
 * and order 0 too), but only in tasks with make-it-fail set (this one,
 * around one operation) or through fail-nth (this thread's own counter).
 * verbose=2 with a rate limit: a sample of the failing call stacks.
 */
static void fi_setup(void)
{
	static const char *const attr[] = { "failslab", "fail_page_alloc" };
	char path[128];

	for (int i = 0; i < 2; i++) {
#define A(f, v) do { snprintf(path, sizeof(path), FI "%s/" f, attr[i]); fi_write(path, v); } while (0)
		A("probability", "0");
		A("ignore-gfp-wait", "N");
		A("task-filter", "Y");
		A("interval", "1");
		A("space", "0");
		A("times", "1000000000");
		A("verbose", "2");
		A("verbose_ratelimit_interval_ms", "2000");
		A("verbose_ratelimit_burst", "2");
		if (i == 1) {
			A("ignore-gfp-highmem", "N");
			A("min-order", "0");
		}
#undef A
	}
	fd_nth = open("/proc/thread-self/fail-nth", O_WRONLY);
	fd_mif = open("/proc/thread-self/make-it-fail", O_WRONLY);
	if (fd_nth < 0 || fd_mif < 0) {
		fprintf(stderr, "mmustress: inject: no fault injection in this kernel\n");
		exit(3);
	}
}

static void fi_probability(unsigned int pct)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", pct);
	fi_write(FI "failslab/probability", v);
	fi_write(FI "fail_page_alloc/probability", v);
}

static void fi_teardown(void)
{
	fi_probability(0);
	fd_put(fd_nth, 0);
	fd_put(fd_mif, 0);
}

static int inj_mode, fd_nth_rd = -1;
static long inj_before;

/* Arm the injection: nothing but the operation's syscalls may follow. */
static void inj_begin(int mode, unsigned long nth)
{
	inj_mode = mode;
	inj_before = fi_injected();
	/* Not seekable: a fresh descriptor, opened before arming, to read. */
	fd_nth_rd = open("/proc/thread-self/fail-nth", O_RDONLY);
	if (fd_nth_rd < 0) {
		fprintf(stderr, "mmustress: inject: fail-nth: %s\n", strerror(errno));
		exit(3);
	}
	if (mode == M_COUNT)
		fd_put(fd_nth, FI_TIMES);
	else if (mode == M_NTH)
		fd_put(fd_nth, nth);
	else
		fd_put(fd_mif, 1);
}

/* Disarm; returns the injection points passed (M_COUNT) or failures. */
static long inj_end(void)
{
	long left;

	if (inj_mode == M_RANDOM) {
		fd_put(fd_mif, 0);
		close(fd_nth_rd);
		return fi_injected() - inj_before;
	}
	left = fd_get(fd_nth_rd);
	fd_put(fd_nth, 0);
	close(fd_nth_rd);
	if (inj_mode == M_COUNT)
		return FI_TIMES - left;
	return left == 0;
}

/* ---- state, read without injection ---- */

static bool is_listed(pid_t pid)
{
	char buf[65536], *p, *save;
	int fd = open(ROOT "/targets", O_RDONLY);
	long n;

	if (fd < 0)
		return false;
	n = read_all(fd, buf, sizeof(buf) - 1, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		if (atoi(p) == pid)
			return true;
	return false;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool has_dir(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), ROOT "/%d", pid);
	return exists(path);
}

/* The name of the first file missing from @pid's directory, or NULL. */
static const char *missing_file(pid_t pid)
{
	char path[128];

	for (size_t i = 0; i < sizeof(target_files) / sizeof(target_files[0]); i++) {
		snprintf(path, sizeof(path), ROOT "/%d/%s", pid, target_files[i]);
		if (!exists(path))
			return target_files[i];
	}
	return NULL;
}

static bool root_whole(void)
{
	return exists(ROOT "/targets") && exists(ROOT "/version");
}

static void violation(int op, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(int op, const char *fmt, ...)
{
	va_list ap;

	ic.violations++;
	unexpected++;
	if (ic.violations > 40)
		return;
	fprintf(stderr, "mmustress[%d]: inject: %s: ", getpid(), op_name[op]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the operations ---- */

static int op_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

static int op_read(const char *path, int flags, const char *first)
{
	static char buf[1 << 16];
	int fd = open(path, flags), err = 0;
	long n;

	if (fd < 0)
		return errno;
	if (first) {
		if (write(fd, first, strlen(first)) < 0)
			err = errno;
		lseek(fd, 0, SEEK_SET);
	}
	if (!err) {
		if (flags & O_NONBLOCK) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno != EAGAIN)
				err = errno;
		} else {
			n = read_all(fd, buf, sizeof(buf), 8 << 20);
			if (n < 0)
				err = -n;
		}
	}
	close(fd);
	return err;
}

/* Errnos an operation may return besides ENOMEM when injected. */
static bool situational(int op, int err, bool was_listed, bool alive)
{
	switch (op) {
	case OP_ADD:
		return (err == EEXIST && was_listed) || (err == ESRCH && !alive);
	case OP_REMOVE:
		return err == ENOENT && !was_listed;
	case OP_FAULTS:
		return err == EBUSY;		/* a reader holds the stream */
	case OP_INSMOD:
		return err == ESRCH && !alive;
	case OP_RMMOD:
		return err == EWOULDBLOCK;	/* a reader holds a file */
	case OP_MAPS: case OP_SUMMARY: case OP_TRANSLATE:
		return err == ESRCH && !alive;
	}
	return false;
}

/* translate refuses kernel addresses: [vsyscall] is in /proc/PID/maps. */
static bool refused_va(int op, int err, const char *arg)
{
	return op == OP_TRANSLATE && err == EINVAL &&
	       strtoull(arg, NULL, 0) >= 0x800000000000ULL;
}

static int inject_one(int op, pid_t pid, const char *ko, int mode,
		      unsigned long nth)
{
	char dir[64], path[128], arg[96], val[32], before[32] = "", after[32] = "";
	bool was_listed = false, was_dir = false, was_loaded = loaded();
	const char *param = NULL, *miss;
	int err = 0, kofd = -1;
	long res;

	snprintf(dir, sizeof(dir), ROOT "/%d", pid);
	if (op != OP_INSMOD && op != OP_RMMOD) {
		was_listed = is_listed(pid);
		was_dir = has_dir(pid);
	}
	switch (op) {
	case OP_ADD:
		snprintf(arg, sizeof(arg), below(2) ? "+%d" : "%d", pid);
		break;
	case OP_REMOVE:
		snprintf(arg, sizeof(arg), "-%d", pid);
		break;
	case OP_TRANSLATE:
		snprintf(arg, sizeof(arg), "0x%lx", pick_va(dir + sizeof(ROOT)));
		break;
	case OP_FOLLOW:
		param = "follow";
		snprintf(arg, sizeof(arg), "%c", below(2) ? 'Y' : 'N');
		break;
	case OP_FOLLOW_MAX:
		param = "follow_max";
		snprintf(arg, sizeof(arg), "%u", below(513));
		break;
	case OP_BUFFER_KB:
		param = "fault_buffer_kb";
		snprintf(arg, sizeof(arg), "%u", 16 << below(6));
		break;
	case OP_INSMOD:
		kofd = open(ko, O_RDONLY);
		if (kofd < 0) {
			bad(ko, errno);
			return -1;
		}
		arg[0] = '\0';
		if (below(2))
			snprintf(arg, sizeof(arg), "target_pid=%d", pid);
		if (below(3) == 0)
			strcat(arg, " follow=1");
		if (below(3) == 0)
			strcat(arg, " fault_buffer_kb=32");
		break;
	}
	if (param) {
		snprintf(path, sizeof(path), PARAMS "%s", param);
		int fd = open(path, O_RDONLY);
		long n = fd < 0 ? -1 : read(fd, before, sizeof(before) - 1);

		if (fd >= 0)
			close(fd);
		before[n > 0 ? n : 0] = '\0';
	}

	inj_begin(mode, nth);
	switch (op) {
	case OP_ADD: case OP_REMOVE:
		err = op_write(ROOT "/targets", arg);
		break;
	case OP_TARGETS:
		err = op_read(ROOT "/targets", O_RDONLY, NULL);
		break;
	case OP_VERSION:
		err = op_read(ROOT "/version", O_RDONLY, NULL);
		break;
	case OP_MAPS: case OP_SUMMARY: case OP_STATS: case OP_HIST:
		snprintf(path, sizeof(path), "%s/%s", dir,
			 op == OP_MAPS ? "maps" : op == OP_SUMMARY ? "summary" :
			 op == OP_STATS ? "fault_stats" : "fault_hist");
		err = op_read(path, O_RDONLY, NULL);
		break;
	case OP_TRANSLATE:
		snprintf(path, sizeof(path), "%s/translate", dir);
		err = op_read(path, O_RDWR, arg);
		break;
	case OP_STATS_RESET: case OP_HIST_RESET:
		snprintf(path, sizeof(path), "%s/%s", dir,
			 op == OP_STATS_RESET ? "fault_stats" : "fault_hist");
		err = op_write(path, "reset");
		break;
	case OP_FAULTS:
		snprintf(path, sizeof(path), "%s/faults", dir);
		err = op_read(path, O_RDONLY | O_NONBLOCK, NULL);
		break;
	case OP_FOLLOW: case OP_FOLLOW_MAX: case OP_BUFFER_KB:
		err = op_write(path, arg);
		break;
	case OP_INSMOD:
		if (syscall(SYS_finit_module, kofd, arg, 0))
			err = errno;
		break;
	case OP_RMMOD:
		if (syscall(SYS_delete_module, "mmuscope", O_NONBLOCK))
			err = errno;
		break;
	}
	res = inj_end();
	if (kofd >= 0)
		close(kofd);

	/* ---- bookkeeping ---- */
	if (mode == M_COUNT) {
		ic.count_ops++;
		ops[op].counted++;
		if (res > 0)
			ops[op].points = res;
	} else if (mode == M_NTH) {
		ic.nth_ops++;
		ic.nth_injected += res;
		ops[op].injected += res;
	} else {
		ic.random_ops++;
		ic.random_injected += res;
		ops[op].injected += res;
	}
	if (op == OP_RMMOD && err == EWOULDBLOCK)
		return err;	/* counted by the caller, once per attempt */
	ops[op].tries++;
	ops[op].err[err < NERR ? err : NERR - 1]++;
	if (!err)
		ops[op].ok++;

	/* ---- the errno ---- */
	if (err && !situational(op, err, was_listed, kill(pid, 0) == 0) &&
	    !refused_va(op, err, arg) &&
	    (err != ENOMEM || mode == M_COUNT))
		violation(op, "%s %s (mode %s, nth %lu, injected %ld)",
			  arg[0] ? arg : "", errname(err),
			  mode == M_COUNT ? "none" : mode == M_NTH ? "nth" : "random",
			  nth, mode == M_COUNT ? 0 : res);

	/* ---- the state ---- */
	switch (op) {
	case OP_ADD:
		if (!err) {
			if (!is_listed(pid) || !has_dir(pid))
				violation(op, "%s succeeded: listed %d, directory %d",
					  arg, is_listed(pid), has_dir(pid));
			else if ((miss = missing_file(pid)))
				violation(op, "%s succeeded without file %s", arg, miss);
		} else if (is_listed(pid) != was_listed || has_dir(pid) != was_dir) {
			violation(op, "%s failed (%s) but changed the state: listed %d->%d, directory %d->%d",
				  arg, errname(err), was_listed, is_listed(pid),
				  was_dir, has_dir(pid));
		}
		break;
	case OP_REMOVE:
		if (!err && (is_listed(pid) || has_dir(pid)))
			violation(op, "%s succeeded: listed %d, directory %d",
				  arg, is_listed(pid), has_dir(pid));
		else if (err && (is_listed(pid) != was_listed || has_dir(pid) != was_dir))
			violation(op, "%s failed (%s) but changed the state: listed %d->%d, directory %d->%d",
				  arg, errname(err), was_listed, is_listed(pid),
				  was_dir, has_dir(pid));
		break;
	case OP_INSMOD:
		if (!err) {
			if (!loaded() || !root_whole())
				violation(op, "\"%s\" succeeded: loaded %d, targets+version %d",
					  arg, loaded(), root_whole());
			else if (strstr(arg, "target_pid") &&
				 (!is_listed(pid) || (miss = missing_file(pid))))
				violation(op, "\"%s\" succeeded: target listed %d, files whole %d",
					  arg, is_listed(pid), !missing_file(pid));
		} else if (loaded() || exists(ROOT)) {
			violation(op, "\"%s\" failed (%s) but the module is there: loaded %d, %s %d",
				  arg, errname(err), loaded(), ROOT, exists(ROOT));
		}
		break;
	case OP_RMMOD:
		if (!err && (loaded() || exists(ROOT)))
			violation(op, "succeeded but loaded %d, %s %d", loaded(),
				  ROOT, exists(ROOT));
		else if (err && was_loaded && (!loaded() || !root_whole()))
			violation(op, "failed (%s) but loaded %d, targets+version %d",
				  errname(err), loaded(), root_whole());
		break;
	case OP_FOLLOW: case OP_FOLLOW_MAX: case OP_BUFFER_KB: {
		int fd = open(path, O_RDONLY);
		long n = fd < 0 ? -1 : read(fd, after, sizeof(after) - 1);

		if (fd >= 0)
			close(fd);
		after[n > 0 ? n : 0] = '\0';
		snprintf(val, sizeof(val), "%s\n", arg);
		if (!err && strcmp(after, val))
			violation(op, "wrote %s, reads %s", arg, after);
		else if (err && strcmp(after, before))
			violation(op, "write of %s failed (%s) but the value changed: %s -> %s",
				  arg, errname(err), before, after);
		break;
	}
	default:
		/* Reading (or resetting) changes no target. */
		if (is_listed(pid) != was_listed || has_dir(pid) != was_dir)
			violation(op, "%d: listed %d->%d, directory %d->%d", pid,
				  was_listed, is_listed(pid), was_dir, has_dir(pid));
		else if (was_dir && (miss = missing_file(pid)))
			violation(op, "%d: file %s gone", pid, miss);
	}
	return err;
}

static int run_inject(double secs, const char *ko)
{
	double end = now() + secs;
	pid_t t[3];
	int nt = 3, i;
	long start;

	unlink(QUIET);
	signal(SIGTERM, on_term);
	fi_setup();
	for (i = 0; i < nt; i++)
		t[i] = spawn(secs + 60);
	start = fi_injected();
	while (!stop && now() < end) {
		unsigned int r = below(10);
		char cmd[32];
		int mode, op;
		unsigned long nth = 0, k;
		pid_t pid;

		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (i = 0; i < nt; i++)
				if (t[i] == pid)
					t[i] = spawn(secs + 60);
		/*
		 * t[0] stays listed, never touched under injection: removing
		 * the last target unregisters the fault probes, and the
		 * kernel's unregister_kprobe() cannot fail cleanly (without
		 * memory it warns and keeps the probe, which then points into
		 * the module).  Adding the first target (attach) is tested
		 * through insmod with target_pid.
		 */
		if (loaded() && !is_listed(t[0])) {
			snprintf(cmd, sizeof(cmd), "+%d", t[0]);
			write_str(ROOT "/targets", cmd);
		}
		pid = t[1 + below(nt - 1)];
		if (!loaded())
			op = OP_INSMOD;
		else if (below(40) == 0)
			op = OP_RMMOD;
		else
			op = below(OP_INSMOD);
		/* Targets are mostly listed: reads need one. */
		if (op >= OP_MAPS && op <= OP_FAULTS && !is_listed(pid))
			op = OP_ADD;
		k = ops[op].points;
		mode = !k || r < 2 ? M_COUNT : r < 8 ? M_NTH : M_RANDOM;
		if (mode == M_NTH) {
			/* Sweep short paths; sample long ones, often their end. */
			if (k <= 64)
				nth = 1 + ops[op].sweep++ % k;
			else if (below(2))
				nth = 1 + below(k);
			else
				nth = k - below(k / 4);
		} else if (mode == M_RANDOM) {
			/* About one or two failures per operation. */
			unsigned int pct = 150 / k;

			fi_probability(pct < 1 ? 1 : pct > 50 ? 50 : pct);
		}
		if (op == OP_RMMOD) {
			/* Ask the readers for a gap; retry while they hold files. */
			int qfd = open(QUIET, O_CREAT | O_WRONLY, 0600), k2;

			/* No probes to unregister inside the injected rmmod. */
			write_str(PARAMS "follow", "N");
			for (i = 0; i < nt; i++) {
				snprintf(cmd, sizeof(cmd), "-%d", t[i]);
				write_str(ROOT "/targets", cmd);
			}
			prune(t, 0);

			for (k2 = 0; k2 < 300; k2++) {
				if (inject_one(op, pid, ko, mode, nth) != EWOULDBLOCK)
					break;
				usleep(5000);
			}
			if (k2 == 300)
				ops[op].err[EWOULDBLOCK]++, ops[op].tries++;
			if (qfd >= 0)
				close(qfd);
			unlink(QUIET);
		} else {
			inject_one(op, pid, ko, mode, nth);
		}
		if (mode == M_RANDOM)
			fi_probability(0);
	}
	fi_teardown();
	for (i = 0; i < nt; i++) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "-%d", t[i]);
		write_str(ROOT "/targets", cmd);
		kill(t[i], SIGTERM);
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	for (int op = 0; op < OP_NR; op++) {
		char errs[512] = "";
		size_t o = 0;

		for (int e = 1; e < NERR; e++)
			if (ops[op].err[e] && o < sizeof(errs) - 32)
				o += snprintf(errs + o, sizeof(errs) - o, "%s%s:%lu",
					      o ? "," : "", errname(e), ops[op].err[e]);
		printf("inject op=%s tries=%lu ok=%lu injected=%lu points=%lu errnos=%s\n",
		       op_name[op], ops[op].tries, ops[op].ok, ops[op].injected,
		       ops[op].points, o ? errs : "none");
	}
	printf("inject ops=%lu counted=%lu nth=%lu nth_injected=%lu random=%lu random_injected=%lu injected_total=%ld violations=%lu unexpected=%lu\n",
	       ic.count_ops + ic.nth_ops + ic.random_ops, ic.count_ops,
	       ic.nth_ops, ic.nth_injected, ic.random_ops, ic.random_injected,
	       fi_injected() - start, ic.violations, unexpected);
	return 0;
}

int main(int argc, char **argv)
{
	char exe[4096];
	ssize_t n;
	double secs;

	if (argc < 4) {
		fprintf(stderr, "usage: mmustress target|reader|ctl|inject SECONDS SEED [ARGS]\n");
		return 2;
	}
	secs = atof(argv[2]);
	rng_s = strtoull(argv[3], NULL, 0) * 2654435761ULL + getpid();
	if (!rng_s)
		rng_s = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "target"))
		return run_target(secs);
	if (!strcmp(argv[1], "reader") && argc >= 5)
		return run_reader(secs, argv[4]) || unexpected != 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		self_exe = exe;
	}
	if (!strcmp(argv[1], "ctl") && argc >= 6)
		return run_ctl(secs, argv[4], atoi(argv[5])) || unexpected != 0;
	if (!strcmp(argv[1], "inject") && argc >= 5)
		return run_inject(secs, argv[4]) || unexpected != 0;
	fprintf(stderr, "mmustress: bad arguments\n");
	return 2;
}
