// SPDX-License-Identifier: GPL-2.0
/*
 * demo-workload: a process with anon, file-backed, THP and forked-COW
 * memory for `make demo` and the reader's tests.  It prints its layout
 * as key=value, then waits; each SIGUSR1 runs one round of faults
 * (first touch, zero page, COW after a fork, file page-cache hits) and
 * prints "round=N".  SIGTERM/SIGINT end it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define MiB		(1UL << 20)
#define ANON_LEN	(4 * MiB)
#define FILE_LEN	(1 * MiB)
#define COW_LEN		(1 * MiB)

static volatile sig_atomic_t rounds_wanted, done;
static long ps;

static void on_usr1(int sig) { (void)sig; rounds_wanted++; }
static void on_term(int sig) { (void)sig; done = 1; }

static void touch(char *p, size_t len, int val)
{
	for (size_t i = 0; i < len; i += ps)
		p[i] = (char)val;
}

static unsigned long read_all(const char *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i += ps)
		sum += ((const volatile char *)p)[i];
	return sum;
}

/* A child sharing every private page copy-on-write until it is killed. */
static pid_t cow_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static void die(const char *what)
{
	fprintf(stderr, "demo-workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/mmuscope-demo-XXXXXX";
	char *anon, *thp_raw, *thp, *file, *cow, *zero;
	unsigned long pmd, thp_len;
	struct sigaction sa;
	unsigned long sum;
	pid_t child;
	int fd, round = 0;

	(void)argc;
	(void)argv;
	ps = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Anon, 4K pages, touched. */
	anon = mmap(NULL, ANON_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap anon");
	madvise(anon, ANON_LEN, MADV_NOHUGEPAGE);
	touch(anon, ANON_LEN, 1);

	/*
	 * THP: four PMD-aligned PMD leaves' worth (2M with 4K pages, 32M
	 * with 16K) in a larger reservation; MADV_COLLAPSE where the fault
	 * path found no huge page.  With 64K pages a PMD maps 512M: the
	 * window stays 8M and holds no PMD leaf.
	 */
	pmd = ps * (ps / 8);
	if (pmd > 32 * MiB)
		pmd = 2 * MiB;
	thp_len = 4 * pmd;
	thp_raw = mmap(NULL, thp_len + pmd, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (thp_raw == MAP_FAILED)
		die("mmap thp");
	thp = (char *)(((uintptr_t)thp_raw + pmd - 1) & ~(pmd - 1));
	madvise(thp, thp_len, MADV_HUGEPAGE);
	touch(thp, thp_len, 2);
	madvise(thp, thp_len, MADV_COLLAPSE);

	/* Read-only zero-page mappings: present, not writable, same PFN. */
	zero = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (zero == MAP_FAILED)
		die("mmap zero");
	madvise(zero, 64 * ps, MADV_NOHUGEPAGE);
	sum = read_all(zero, 64 * ps);

	/* A shared file mapping, read then partly written. */
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, FILE_LEN))
		die("temporary file");
	unlink(path);
	file = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (file == MAP_FAILED)
		die("mmap file");
	sum += read_all(file, FILE_LEN);
	touch(file, FILE_LEN / 2, 3);

	/* Private pages shared copy-on-write with a child. */
	cow = mmap(NULL, COW_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cow == MAP_FAILED)
		die("mmap cow");
	madvise(cow, COW_LEN, MADV_NOHUGEPAGE);
	touch(cow, COW_LEN, 4);
	child = cow_child();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	printf("pid=%d anon=%p anon_len=%lu thp=%p thp_len=%lu file=%p file_len=%lu "
	       "cow=%p cow_len=%lu zero=%p child=%d sum=%lu\n", getpid(), anon, ANON_LEN,
	       thp, thp_len, file, FILE_LEN, cow, COW_LEN, zero, child, sum);

	while (!done) {
		if (rounds_wanted == round) {
			pause();
			continue;
		}
		round++;
		/* First touch again: zero page on read, a new page on write. */
		madvise(anon, ANON_LEN, MADV_DONTNEED);
		sum = read_all(anon, ANON_LEN);
		touch(anon, ANON_LEN, round);
		/* Page-cache hits: the file's pages stay cached. */
		madvise(file, FILE_LEN, MADV_DONTNEED);
		sum += read_all(file, FILE_LEN);
		/* COW: the child shares the half we write. */
		touch(cow, COW_LEN / 2, round);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = cow_child();
		printf("round=%d child=%d sum=%lu\n", round, child, sum);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
