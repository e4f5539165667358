// SPDX-License-Identifier: GPL-2.0
/*
 * A process to walk: "dense" maps SIZE MiB of 4K anonymous pages (THP off)
 * and touches them all; "sparse" reserves 1 TiB PROT_NONE and makes 16
 * scattered pages writable and present.  Prints "start=0x.. end=0x.." of the
 * region, then sleeps until killed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t size, off;
	char *p;
	int i;

	if (argc < 2 || (strcmp(argv[1], "dense") && strcmp(argv[1], "sparse"))) {
		fprintf(stderr, "usage: hold dense [MiB] | hold sparse\n");
		return 2;
	}
	if (!strcmp(argv[1], "dense")) {
		size = (argc > 2 ? strtoull(argv[2], NULL, 0) : 1024) << 20;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		madvise(p, size, MADV_NOHUGEPAGE);
		for (off = 0; off < size; off += psz)
			p[off] = 1;
	} else {
		size = 1ull << 40;
		p = mmap(NULL, size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		for (i = 0; i < 16; i++) {
			char *q = p + (size / 16) * i + psz * 7 * i;

			mprotect(q, psz, PROT_READ | PROT_WRITE);
			*q = 1;
		}
	}
	printf("start=%p end=%p\n", (void *)p, (void *)(p + size));
	fflush(stdout);
	for (;;)
		pause();
}
