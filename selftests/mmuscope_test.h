/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by mmuscope's selftests: module load/unload through the
 * raw syscalls (no libkmod needed), debugfs file I/O, /proc readers.
 */
#ifndef _MMUSCOPE_TEST_H
#define _MMUSCOPE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define MMU_DEBUGFS	"/sys/kernel/debug"
#define MMU_ROOT	MMU_DEBUGFS "/mmuscope"
#define DEBUGFS_MAGIC_NR 0x64626720

/* The module under test: $MMUSCOPE_KO, else ../module/mmuscope.ko. */
/*
 * Bits of the user address space the kernel grants: the highest hint a
 * MAP_FIXED_NOREPLACE probe of 2^k - 2 pages (k = 39..57) gets, or finds
 * taken.  x86_64: 47, 56 with LA57; arm64: 48, 52 with LPA2, 47 for a
 * 16K kernel built for 52-bit VAs on a CPU without LPA2.
 */
static inline int mmu_user_va_bits(void)
{
	unsigned long pg = (unsigned long)sysconf(_SC_PAGESIZE);
	static int bits;
	unsigned int k;

	if (bits)
		return bits;
	bits = 47;
	for (k = 39; k <= 57; k++) {
		void *want = (void *)((1UL << k) - 2 * pg);
		void *p = mmap(want, pg, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED) {
			if (errno == EEXIST)	/* taken: a user address */
				bits = k;
			continue;
		}
		if (p == want)
			bits = k;
		munmap(p, pg);
	}
	return bits;
}

/*
 * Paging levels the MMU walks for user addresses, each level resolving
 * PAGE_SHIFT - 3 bits: x86_64 4 or 5; arm64 4K 4 (5 with LPA2); 16K 3 on
 * 47 bits, 4 on 48 or 52; 64K 3.
 */
static inline int mmu_user_levels(void)
{
	unsigned int shift = __builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));

	return (mmu_user_va_bits() - shift + (shift - 3) - 1) / (shift - 3);
}

static inline const char *mmu_ko_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("MMUSCOPE_KO");
	char exe[PATH_MAX - 32];
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "../module/mmuscope.ko";
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../module/mmuscope.ko", exe);
	return path;
}

static inline int mmu_is_loaded(void)
{
	return access("/sys/module/mmuscope", F_OK) == 0;
}

/*
 * Remove the module as rmmod(8) does (O_NONBLOCK): -EWOULDBLOCK while a
 * file or a probe pins it.  Returns 0 or -errno.
 */
static inline int mmu_unload(void)
{
	if (syscall(__NR_delete_module, "mmuscope", O_NONBLOCK) == 0)
		return 0;
	return -errno;
}

/* Load the module with @params ("" for none). Returns 0 or -errno. */
static inline int mmu_load(const char *params)
{
	int fd, ret;

	fd = open(mmu_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Why the tests cannot run here, or NULL.  Leaves the module unloaded.
 */
static inline const char *mmu_preflight(void)
{
	static char why[256];
	struct statfs sfs;

	if (geteuid() != 0)
		return "not root: loading a module and debugfs need root";
	if (statfs(MMU_DEBUGFS, &sfs) || sfs.f_type != DEBUGFS_MAGIC_NR)
		return "debugfs is not mounted on " MMU_DEBUGFS;
	if (access(mmu_ko_path(), R_OK)) {
		snprintf(why, sizeof(why), "module %s not built (run make)",
			 mmu_ko_path());
		return why;
	}
	if (mmu_is_loaded() && mmu_unload()) {
		snprintf(why, sizeof(why), "mmuscope is loaded and busy: %s",
			 strerror(errno));
		return why;
	}
	return NULL;
}

/* Read a whole file into @buf (NUL-terminated). Returns length or -errno. */
static inline ssize_t mmu_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

/* What an open (O_NONBLOCK) descriptor has now, NUL-terminated: its length. */
static inline ssize_t mmu_read_avail(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;

	while (len + 1 < size) {
		r = read(fd, buf + len, size - 1 - len);
		if (r <= 0)
			break;
		len += r;
	}
	buf[len] = '\0';
	return len;
}

/* One write(2) of @len bytes of @data to @path. Returns 0 or -errno. */
static inline int mmu_write_buf(const char *path, const void *data, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	n = n < 0 ? -errno : (n == (ssize_t)len ? 0 : -EIO);
	close(fd);
	return n;
}

static inline int mmu_write_str(const char *path, const char *s)
{
	return mmu_write_buf(path, s, strlen(s));
}

static inline int mmu_writef(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int mmu_writef(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return mmu_write_str(path, buf);
}

/* A child that sleeps until killed; returns its pid. */
static inline pid_t mmu_spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static inline void mmu_reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Does "PID\n" appear as a line of the targets file? */
static inline int mmu_targets_has(pid_t pid)
{
	char buf[65536], line[32], *p;
	size_t n;

	if (mmu_read_file(MMU_ROOT "/targets", buf, sizeof(buf)) < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%d\n", pid);
	for (p = buf; *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, line, n))
			return 1;
		if (!strchr(p, '\n'))
			break;
	}
	return 0;
}

/*
 * A zram device of its own for a test (swap, or a disk-backed file system:
 * the guest's / is 9p + tmpfs).  Returns its id (the device is
 * /dev/zramID) or -1; remove it with mmu_zram_del().
 */
static inline int mmu_zram_add(long long bytes)
{
	char buf[64];
	int id;

	if (access("/sys/class/zram-control", F_OK) &&
	    system("modprobe zram num_devices=0 >/dev/null 2>&1"))
		return -1;
	if (mmu_read_file("/sys/class/zram-control/hot_add", buf, sizeof(buf)) <= 0)
		return -1;
	id = atoi(buf);
	snprintf(buf, sizeof(buf), "/sys/block/zram%d/disksize", id);
	if (mmu_writef(buf, "%lld", bytes)) {
		mmu_writef("/sys/class/zram-control/hot_remove", "%d", id);
		return -1;
	}
	return id;
}

static inline void mmu_zram_del(int id)
{
	if (id >= 0)
		mmu_writef("/sys/class/zram-control/hot_remove", "%d", id);
}

#endif /* _MMUSCOPE_TEST_H */
