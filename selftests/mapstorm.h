/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remapping load of walk.munmap_mremap_stress, shared with
 * bench/mapstorm (which runs it without mmuscope): a thread that maps,
 * touches, mremaps, mprotects, partly unmaps, MADV_DONTNEEDs and unmaps
 * small anonymous regions of its own, forever.  Nothing in it may fault:
 * a thread never unmaps an address it gave back (another thread may hold
 * it by then).
 * @arg is the thread's rand_r seed.
 */
#ifndef MMUSCOPE_MAPSTORM_H
#define MMUSCOPE_MAPSTORM_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void mapstorm_touch(char *p, size_t len, size_t page)
{
	size_t i;

	for (i = 0; i < len; i += page)
		p[i] = (char)(i / page + 1);
}

static void *mapstorm_thread(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (;;) {
		size_t len = (rand_r(&seed) % 64 + 1) * page;
		char *p, *q;

		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		mapstorm_touch(p, len, page);
		switch (rand_r(&seed) % 4) {
		case 0:
			q = mremap(p, len, len * 2, MREMAP_MAYMOVE);
			if (q != MAP_FAILED) {
				mapstorm_touch(q, len * 2, page);
				p = q;
				len *= 2;
			}
			break;
		case 1:
			mprotect(p, len / 2, PROT_READ);
			break;
		case 2:
			/*
			 * Punch a hole, then unmap only what is left: the
			 * hole is free address space at once, the other
			 * thread's next mmap() may get it, and unmapping
			 * [p, p + len) whole would take that mapping away
			 * under the other thread (a SIGSEGV in its touch).
			 */
			if (len > page) {
				size_t half = len / page / 2 * page;

				munmap(p + half, page);
				munmap(p, half);
				munmap(p + half + page, len - half - page);
				continue;
			}
			break;
		default:
			madvise(p, len, MADV_DONTNEED);
			break;
		}
		munmap(p, len);
	}
	return NULL;
}

#endif
