// SPDX-License-Identifier: GPL-2.0
/*
 * sym_workload: faults in one known function, for reader_test's
 * `faults --by sym` cases (built with symbols; the test strips a copy).
 * Prints "pid=N"; each SIGUSR1 maps PAGES fresh pages and writes one
 * byte per page in sym_workload_fault_here(), then unmaps them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 64

static volatile sig_atomic_t rounds;

static void on_usr1(int sig)
{
	rounds++;
}

__attribute__((noinline)) void sym_workload_fault_here(volatile char *p, size_t len, long ps)
{
	size_t i;

	for (i = 0; i < len; i += ps)
		p[i] = 1;
}

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	sig_atomic_t done = 0;
	char *p;

	signal(SIGUSR1, on_usr1);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	for (;;) {
		while (done == rounds)
			pause();
		done++;
		p = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		sym_workload_fault_here(p, PAGES * ps, ps);
		munmap(p, PAGES * ps);
	}
}
