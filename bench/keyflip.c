// SPDX-License-Identifier: GPL-2.0
/*
 * keyflip: flip the kernel's page-fault static keys while other threads
 * take page faults, to tell whether an SMP guest survives live text
 * patching (scripts/smp-check).  Module-independent on purpose: it is the
 * control experiment for "is the int3 livelock ours or the emulator's?".
 *
 *   keyflip [-s SECONDS] [-t FAULTERS] [-m perf|trace|both|kprobe] [-p]
 *
 * perf:  open and close a PERF_COUNT_SW_PAGE_FAULTS event in a loop; the
 *        0 <-> 1 transitions of perf_swevent_enabled[] patch the jump in
 *        the fault path (static_key_slow_inc/dec -> text_poke_bp -> int3).
 * trace: write 1/0 to tracefs exceptions/page_fault_user/enable (x86):
 *        the tracepoint's static key, patched the same way.
 * kprobe: add, enable, disable and remove a tracefs kretprobe event on
 *        handle_mm_fault: the kernel's own kprobe (on ftrace) and rethook
 *        patching of the function mmuscope probes, without mmuscope.
 * Prints one progress line a second; a stall of the counters, an RCU
 * stall or a hung guest is the failure.  -p prints the pid and waits for
 * a newline on stdin before starting (to make it a target first).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_ulong faults, flips;
static atomic_int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *faulter(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = 64 * pg, i;

	(void)arg;
	while (!atomic_load(&stop)) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			continue;
		for (i = 0; i < len; i += pg)
			p[i] = 1;
		munmap(p, len);
		atomic_fetch_add(&faults, len / pg);
	}
	return NULL;
}

static int flip_perf(void)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_PAGE_FAULTS;
	a.disabled = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return -errno;
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	close(fd);
	return 0;
}

static int flip_trace(void)
{
	static const char *path =
		"/sys/kernel/tracing/events/exceptions/page_fault_user/enable";
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1 || lseek(fd, 0, SEEK_SET) || write(fd, "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_str(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | flags), ret = 0;
	ssize_t len = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int flip_kprobe(void)
{
	static const char *ev = "/sys/kernel/tracing/kprobe_events";
	static const char *en = "/sys/kernel/tracing/events/keyflip/hmf/enable";
	int ret;

	ret = write_str(ev, "r:keyflip/hmf handle_mm_fault\n", O_APPEND);
	if (ret)
		return ret;
	ret = write_str(en, "1", 0);
	if (!ret)
		ret = write_str(en, "0", 0);
	write_str(ev, "-:keyflip/hmf\n", O_APPEND);
	return ret;
}

int main(int argc, char **argv)
{
	int secs = 30, nthreads = 1, mode = 3, wait_go = 0, c, i, err;
	double t0, last;
	pthread_t th[16];

	while ((c = getopt(argc, argv, "s:t:m:ph")) != -1) {
		switch (c) {
		case 's': secs = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 'm':
			mode = !strcmp(optarg, "perf") ? 1 : !strcmp(optarg, "trace") ? 2 :
			       !strcmp(optarg, "kprobe") ? 4 : 3;
			break;
		case 'p': wait_go = 1; break;
		default:
			fprintf(stderr, "usage: keyflip [-s SECONDS] [-t FAULTERS] [-m perf|trace|both|kprobe] [-p]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (nthreads < 1 || nthreads > 16)
		nthreads = 1;
	if (wait_go) {
		char line[8];

		printf("pid=%d\n", getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, faulter, NULL);
	t0 = last = now();
	while (now() - t0 < secs) {
		if (mode & 1) {
			err = flip_perf();
			if (err) {
				fprintf(stderr, "perf_event_open: %s\n", strerror(-err));
				return 1;
			}
		}
		if (mode & 2) {
			err = flip_trace();
			if (err) {
				fprintf(stderr, "tracefs page_fault_user: %s\n", strerror(-err));
				return 1;
			}
		}
		if (mode & 4) {
			err = flip_kprobe();
			if (err) {
				fprintf(stderr, "tracefs kretprobe on handle_mm_fault: %s\n",
					strerror(-err));
				return 1;
			}
		}
		atomic_fetch_add(&flips, 1);
		if (now() - last >= 1) {
			last = now();
			printf("t=%.0f flips=%lu faults=%lu\n", last - t0,
			       atomic_load(&flips), atomic_load(&faults));
			fflush(stdout);
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("done flips=%lu faults=%lu\n", atomic_load(&flips), atomic_load(&faults));
	return 0;
}
