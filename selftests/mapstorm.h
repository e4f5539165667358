/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remapping load of walk.munmap_mremap_stress, shared with
 * bench/mapstorm (which runs it without mmuscope): a thread that maps,
 * touches, mremaps, mprotects, partly unmaps, MADV_DONTNEEDs and unmaps
 * small anonymous regions of its own, forever.  Nothing in it may fault.
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
			munmap(p + len / 2, page);
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
