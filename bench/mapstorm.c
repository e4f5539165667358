// SPDX-License-Identifier: GPL-2.0
/*
 * mapstorm - the remapping load of walk.munmap_mremap_stress, alone.
 *
 * Each round forks a child whose two threads map, touch, mremap, mprotect,
 * partly unmap, MADV_DONTNEED and unmap small anonymous regions, each only
 * its own, as fast as they can: the load of walk.munmap_mremap_stress,
 * from selftests/mapstorm.h.  mmuscope is not involved.
 * Nothing in it may fault: a child that dies before the round ends means
 * a race in the load (as the one fixed in mapstorm.h on 2026-12-01) or a
 * defect of the machine (docs/testing.md "Known limits of the test setup").
 *
 * usage: mapstorm [ROUNDS [SECONDS]]   (default 10 rounds of 8 s)
 * Exit status: 0 when no child died, 1 otherwise, 2 on bad usage.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "mapstorm.h"

int main(int argc, char **argv)
{
	int rounds = 10, secs = 8, died = 0, r;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s [ROUNDS [SECONDS]]\n", argv[0]);
		return 0;
	}
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		secs = atoi(argv[2]);
	if (rounds <= 0 || secs <= 0 || argc > 3) {
		fprintf(stderr, "usage: %s [ROUNDS [SECONDS]]\n", argv[0]);
		return 2;
	}
	for (r = 0; r < rounds; r++) {
		pid_t pid = fork();
		int st = 0, t;

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (!pid) {
			pthread_t th[2];

			for (t = 0; t < 2; t++)
				pthread_create(&th[t], NULL, mapstorm_thread,
					       (void *)(long)(2 * r + t + 1));
			pause();
			_exit(0);
		}
		for (t = 0; t < secs * 10; t++) {
			usleep(100000);
			if (waitpid(pid, &st, WNOHANG) == pid)
				break;
		}
		if (t < secs * 10) {
			died++;
			if (WIFSIGNALED(st))
				printf("round %d: child killed by signal %d (%s) after %.1f s\n",
				       r, WTERMSIG(st), strsignal(WTERMSIG(st)),
				       t / 10.0);
			else
				printf("round %d: child exited with %d\n", r,
				       WEXITSTATUS(st));
		} else {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
	}
	printf("mapstorm: %d rounds of %d s, %d children died\n", rounds, secs,
	       died);
	return died ? 1 : 0;
}
