// SPDX-License-Identifier: GPL-2.0
/*
 * Timing primitives for scripts/bench, each printing key=value results:
 *   readbench file PATH N               read PATH whole, N times
 *   readbench pagemap PID START END N   read PID's pagemap over [START,END)
 *   readbench pair PATH PID START END N both, alternately (file_median_ns=,
 *                                       pagemap_median_ns=)
 *   readbench xlate PID START END M     M random pages: the module's
 *                                       translate file (one O_RDWR descriptor:
 *                                       pwrite + pread; and the shell way:
 *                                       two opens) vs one pagemap pread
 * Times are medians over the repetitions, in ns (CLOCK_MONOTONIC).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEBUGFS "/sys/kernel/debug/mmuscope"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "readbench: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Read @path whole once: ns taken, 0 on error (reported). */
static uint64_t read_file_once(const char *path, size_t *bytes)
{
	static char buf[1 << 20];
	uint64_t t0 = now_ns();
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return perror(path), 0;
	*bytes = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		*bytes += r;
	close(fd);
	if (r < 0)
		return perror(path), 0;
	return now_ns() - t0;
}

/* Read PID's pagemap over [start, end) once, counting present pages. */
static uint64_t read_pagemap_once(const char *path, uint64_t start,
				  uint64_t end, uint64_t *present)
{
	static uint64_t buf[8192];
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t t0 = now_ns(), va;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return perror(path), 0;
	*present = 0;
	for (va = start; va < end; va += sizeof(buf) / 8 * psz) {
		uint64_t pages = (end - va) / psz, j;
		ssize_t r;

		if (pages > sizeof(buf) / 8)
			pages = sizeof(buf) / 8;
		r = pread(fd, buf, pages * 8, va / psz * 8);
		if (r != (ssize_t)(pages * 8))
			return perror("pread pagemap"), close(fd), 0;
		for (j = 0; j < pages; j++)
			*present += buf[j] >> 63;
	}
	close(fd);
	return now_ns() - t0;
}

static int bench_file(const char *path, int n)
{
	uint64_t *t = calloc(n, sizeof(*t));
	size_t bytes = 0;
	int i;

	for (i = 0; i < n; i++)
		if (!(t[i] = read_file_once(path, &bytes)))
			return 1;
	printf("median_ns=%llu bytes=%zu\n", (unsigned long long)median(t, n), bytes);
	return 0;
}

static int bench_pagemap(int pid, uint64_t start, uint64_t end, int n)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t *t = calloc(n, sizeof(*t));
	uint64_t present = 0;
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	for (i = 0; i < n; i++)
		if (!(t[i] = read_pagemap_once(path, start, end, &present)))
			return 1;
	printf("median_ns=%llu pages=%llu present=%llu\n",
	       (unsigned long long)median(t, n),
	       (unsigned long long)((end - start) / psz),
	       (unsigned long long)present);
	return 0;
}

/*
 * The file and the pagemap read alternately, so that both see the same
 * moments of the guest (its first seconds after boot are the noisiest).
 */
static int bench_pair(const char *file, int pid, uint64_t start, uint64_t end,
		      int n)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t *tf = calloc(n, sizeof(*tf)), *tp = calloc(n, sizeof(*tp));
	uint64_t present = 0;
	size_t bytes = 0;
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	for (i = 0; i < n; i++) {
		tf[i] = read_file_once(file, &bytes);
		tp[i] = read_pagemap_once(path, start, end, &present);
		if (!tf[i] || !tp[i])
			return 1;
	}
	printf("file_median_ns=%llu bytes=%zu pagemap_median_ns=%llu pages=%llu present=%llu\n",
	       (unsigned long long)median(tf, n), bytes,
	       (unsigned long long)median(tp, n),
	       (unsigned long long)((end - start) / psz),
	       (unsigned long long)present);
	return 0;
}

/* One translation through the module: write the VA, read the walk back. */
/* The shell way: open, write, close; open, read, close. */
static int xlate_opens(const char *path, uint64_t va, char *out, size_t size)
{
	char cmd[32];
	int fd, len;
	ssize_t r;

	len = snprintf(cmd, sizeof(cmd), "0x%llx\n", (unsigned long long)va);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, cmd, len) != len)
		return -1;
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	r = read(fd, out, size - 1);
	close(fd);
	if (r <= 0)
		return -1;
	out[r] = '\0';
	return 0;
}

/* The program way: one O_RDWR descriptor, pwrite and pread at 0. */
static int xlate_fd(int fd, uint64_t va, char *out, size_t size)
{
	char cmd[32];
	int len;
	ssize_t r;

	len = snprintf(cmd, sizeof(cmd), "0x%llx\n", (unsigned long long)va);
	if (pwrite(fd, cmd, len, 0) != len)
		return -1;
	r = pread(fd, out, size - 1, 0);
	if (r <= 0)
		return -1;
	out[r] = '\0';
	return 0;
}

static int bench_xlate(int pid, uint64_t start, uint64_t end, int m)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t *tm = calloc(m, sizeof(*tm)), *to = calloc(m, sizeof(*to));
	uint64_t *tp = calloc(m, sizeof(*tp));
	uint64_t pages = (end - start) / psz, e;
	char path[128], out[4096], want[40];
	int i, fd, xfd;

	snprintf(path, sizeof(path), DEBUGFS "/%d/translate", pid);
	xfd = open(path, O_RDWR);
	if (xfd < 0)
		return perror(path), 1;
	snprintf(out, sizeof(out), "/proc/%d/pagemap", pid);
	fd = open(out, O_RDONLY);
	if (fd < 0)
		return perror(out), 1;
	srand(42);
	for (i = 0; i < m; i++) {
		uint64_t va = start + (uint64_t)(rand() % pages) * psz, t0;

		snprintf(want, sizeof(want), "va=0x%llx", (unsigned long long)va);
		t0 = now_ns();
		if (xlate_fd(xfd, va, out, sizeof(out)))
			return perror(path), 1;
		tm[i] = now_ns() - t0;
		if (!strstr(out, want)) {
			fprintf(stderr, "translate did not answer for %s:\n%s", want, out);
			return 1;
		}
		t0 = now_ns();
		if (xlate_opens(path, va, out, sizeof(out)))
			return perror(path), 1;
		to[i] = now_ns() - t0;
		t0 = now_ns();
		if (pread(fd, &e, 8, va / psz * 8) != 8)
			return perror("pread pagemap"), 1;
		tp[i] = now_ns() - t0;
	}
	close(fd);
	close(xfd);
	printf("translate_median_ns=%llu pagemap_median_ns=%llu opens_median_ns=%llu samples=%d\n",
	       (unsigned long long)median(tm, m),
	       (unsigned long long)median(tp, m),
	       (unsigned long long)median(to, m), m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "file"))
		return bench_file(argv[2], num(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "pagemap"))
		return bench_pagemap(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]));
	if (argc == 7 && !strcmp(argv[1], "pair"))
		return bench_pair(argv[2], num(argv[3]), num(argv[4]), num(argv[5]), num(argv[6]));
	if (argc == 6 && !strcmp(argv[1], "xlate"))
		return bench_xlate(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]));
	fprintf(stderr, "usage: readbench file PATH N | pagemap PID START END N | pair PATH PID START END N | xlate PID START END M\n");
	return 2;
}
