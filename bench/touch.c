// SPDX-License-Identifier: GPL-2.0
/*
 * The seed workload: mmap SIZE of anonymous memory (THP off), write one byte
 * to every 4K page, munmap; repeat.  Prints the elapsed ns of each round.
 * With -w it stops before the first round until SIGUSR1, so that a script
 * can make it a target first.
 */
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

int main(int argc, char **argv)
{
	size_t size = 1ul << 30;
	int rounds = 5, wait_go = 0, opt, i;
	long psz = sysconf(_SC_PAGESIZE);
	sigset_t set;

	while ((opt = getopt(argc, argv, "s:n:wh")) != -1) {
		switch (opt) {
		case 's': size = strtoull(optarg, NULL, 0) << 20; break;
		case 'n': rounds = atoi(optarg); break;
		case 'w': wait_go = 1; break;
		default:
			fprintf(stderr, "usage: touch [-s MiB] [-n rounds] [-w]\n");
			return opt == 'h' ? 0 : 2;
		}
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
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t t0, t1;
		size_t off;

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise(p, size, MADV_NOHUGEPAGE);
		t0 = now_ns();
		for (off = 0; off < size; off += psz)
			p[off] = 1;
		t1 = now_ns();
		munmap(p, size);
		printf("round=%d faults=%zu ns=%llu\n", i, size / psz,
		       (unsigned long long)(t1 - t0));
		fflush(stdout);
	}
	return 0;
}
