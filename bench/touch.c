// SPDX-License-Identifier: GPL-2.0
/*
 * The seed workload: mmap SIZE of anonymous memory (THP off), write one byte
 * to every 4K page, munmap; repeat.  Prints the elapsed ns of each round.
 * With -w it stops before the first round until SIGUSR1, so that a script
 * can make it a target first.  -t N splits each round's pages between N
 * threads (timed from the first thread's start to the last one's end);
 * -f FILE maps FILE (SIZE long, filled once, so its pages stay in the page
 * cache) shared and reads one byte per page: minor file faults, each
 * mapping up to fault_around_bytes of neighbours.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct slice {
	volatile char *p;
	size_t len;
	long psz;
	int write;
	pthread_t th;
};

static void *touch_slice(void *arg)
{
	struct slice *s = arg;
	size_t off;
	char sum = 0;

	for (off = 0; off < s->len; off += s->psz) {
		if (s->write)
			s->p[off] = 1;
		else
			sum += s->p[off];
	}
	return (void *)(long)sum;
}

/* A file of @size bytes, every page written once (in the page cache). */
static int fill_file(const char *path, size_t size, long psz)
{
	char *buf = calloc(1, psz);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	size_t off;

	if (fd < 0 || !buf) {
		perror(path);
		return -1;
	}
	buf[0] = 1;
	for (off = 0; off < size; off += psz)
		if (write(fd, buf, psz) != psz) {
			perror("write");
			return -1;
		}
	free(buf);
	return fd;
}

int main(int argc, char **argv)
{
	size_t size = 1ul << 30;
	int rounds = 5, wait_go = 0, nthreads = 1, fd = -1, opt, i, t;
	long psz = sysconf(_SC_PAGESIZE);
	const char *file = NULL;
	struct slice sl[64];
	sigset_t set;

	while ((opt = getopt(argc, argv, "s:n:t:f:wh")) != -1) {
		switch (opt) {
		case 's': size = strtoull(optarg, NULL, 0) << 20; break;
		case 'n': rounds = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'w': wait_go = 1; break;
		default:
			fprintf(stderr, "usage: touch [-s MiB] [-n rounds] [-t threads] [-f FILE] [-w]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nthreads < 1 || nthreads > 64) {
		fprintf(stderr, "touch: -t takes 1 to 64 threads\n");
		return 2;
	}
	if (file) {
		fd = fill_file(file, size, psz);
		if (fd < 0)
			return 1;
	}
	if (wait_go) {
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready pid=%d\n", getpid());
		fflush(stdout);
		sigwait(&set, &sig);
	}
	for (i = 0; i < rounds; i++) {
		char *p = fd >= 0 ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) :
			mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t chunk = size / nthreads / psz * psz;
		uint64_t t0, t1;

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise(p, size, MADV_NOHUGEPAGE);
		for (t = 0; t < nthreads; t++) {
			sl[t].p = p + t * chunk;
			sl[t].len = t == nthreads - 1 ? size - t * chunk : chunk;
			sl[t].psz = psz;
			sl[t].write = fd < 0;
		}
		t0 = now_ns();
		for (t = 1; t < nthreads; t++)
			if (pthread_create(&sl[t].th, NULL, touch_slice, &sl[t])) {
				perror("pthread_create");
				return 1;
			}
		touch_slice(&sl[0]);
		for (t = 1; t < nthreads; t++)
			pthread_join(sl[t].th, NULL);
		t1 = now_ns();
		munmap(p, size);
		printf("round=%d faults=%zu ns=%llu\n", i, size / psz,
		       (unsigned long long)(t1 - t0));
		fflush(stdout);
	}
	if (file)
		unlink(file);
	return 0;
}
