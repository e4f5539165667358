// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope module lifecycle and the top-level debugfs interface: load with
 * and without target_pid, version, targets add/remove, bad input, rmmod
 * while files are open.
 */
#include <pthread.h>
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "mmuscope_test.h"

FIXTURE(module) {
	pid_t child;
};

FIXTURE_SETUP(module)
{
	const char *why = mmu_preflight();

	self->child = -1;
	if (why)
		SKIP(return, "%s", why);
	self->child = mmu_spawn_sleeper();
	ASSERT_GT(self->child, 0);
}

FIXTURE_TEARDOWN(module)
{
	mmu_reap(self->child);
	if (mmu_is_loaded())
		EXPECT_EQ(0, mmu_unload());
}

TEST_F(module, load_without_target)
{
	char buf[4096];
	struct stat st;

	ASSERT_EQ(0, mmu_load(""));
	ASSERT_TRUE(mmu_is_loaded());
	ASSERT_EQ(0, stat(MMU_ROOT "/version", &st));
	EXPECT_EQ(0U, st.st_mode & 0077);
	ASSERT_EQ(0, stat(MMU_ROOT "/targets", &st));
	EXPECT_EQ(0U, st.st_mode & 0077);
	ASSERT_EQ(0, mmu_read_file(MMU_ROOT "/targets", buf, sizeof(buf)));
	ASSERT_EQ(0, mmu_unload());
	ASSERT_FALSE(mmu_is_loaded());
	EXPECT_NE(0, access(MMU_ROOT, F_OK));
}

TEST_F(module, version_matches_kernel)
{
	char buf[4096], want[512];
	struct utsname u;
	long psz = sysconf(_SC_PAGESIZE);

	ASSERT_EQ(0, mmu_load(""));
	ASSERT_GT(mmu_read_file(MMU_ROOT "/version", buf, sizeof(buf)), 0);
	TH_LOG("%s", buf);
	ASSERT_EQ(0, uname(&u));
	EXPECT_EQ(0, strncmp(buf, "# mmuscope", 10));
	snprintf(want, sizeof(want), " arch=%s ", u.machine);
	EXPECT_NE(NULL, strstr(buf, want));
	snprintf(want, sizeof(want), " page_size=%ld ", psz);
	EXPECT_NE(NULL, strstr(buf, want));
	snprintf(want, sizeof(want), " kernel=%s\n", u.release);
	EXPECT_NE(NULL, strstr(buf, want));
	/* The CPU's view: la57 in cpuinfo means 5 levels are enabled. */
	if (!strcmp(u.machine, "x86_64")) {
		char cpuinfo[1 << 16];
		int la57;

		ASSERT_GT(mmu_read_file("/proc/cpuinfo", cpuinfo, sizeof(cpuinfo)), 0);
		la57 = strstr(cpuinfo, " la57") != NULL;
		EXPECT_NE(NULL, strstr(buf, la57 ? " levels=5 " : " levels=4 "));
	}
}

TEST_F(module, load_with_target_pid)
{
	char params[64], dir[128];

	snprintf(params, sizeof(params), "target_pid=%d", self->child);
	ASSERT_EQ(0, mmu_load(params));
	EXPECT_EQ(1, mmu_targets_has(self->child));
	snprintf(dir, sizeof(dir), MMU_ROOT "/%d", self->child);
	EXPECT_EQ(0, access(dir, F_OK));
}

TEST_F(module, load_with_bad_target_pid)
{
	char params[64];
	pid_t gone = fork();

	ASSERT_GE(gone, 0);
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	ASSERT_NE(0, kill(gone, 0));	/* the kernel agrees it is gone */

	snprintf(params, sizeof(params), "target_pid=%d", gone);
	EXPECT_EQ(-ESRCH, mmu_load(params));
	EXPECT_FALSE(mmu_is_loaded());
	/* kthreadd: a kernel thread has no mm. */
	EXPECT_EQ(-EINVAL, mmu_load("target_pid=2"));
	EXPECT_FALSE(mmu_is_loaded());
	EXPECT_EQ(-EINVAL, mmu_load("target_pid=-5"));
	EXPECT_FALSE(mmu_is_loaded());
	EXPECT_EQ(-EINVAL, mmu_load("target_pid=abc"));
	EXPECT_FALSE(mmu_is_loaded());
}

TEST_F(module, targets_add_remove)
{
	char buf[64];

	ASSERT_EQ(0, mmu_load(""));
	EXPECT_EQ(0, mmu_targets_has(self->child));
	snprintf(buf, sizeof(buf), "%d\n", self->child);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	EXPECT_EQ(1, mmu_targets_has(self->child));
	EXPECT_EQ(-EEXIST, mmu_write_str(MMU_ROOT "/targets", buf));
	snprintf(buf, sizeof(buf), "-%d", self->child);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	EXPECT_EQ(0, mmu_targets_has(self->child));
	EXPECT_EQ(-ENOENT, mmu_write_str(MMU_ROOT "/targets", buf));
	snprintf(buf, sizeof(buf), "+%d", self->child);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	EXPECT_EQ(1, mmu_targets_has(self->child));
	snprintf(buf, sizeof(buf), MMU_ROOT "/%d", self->child);
	EXPECT_EQ(0, access(buf, F_OK));
}

TEST_F(module, targets_bad_input)
{
	static const char *const garbage[] = {
		"", "\n", "abc", "12abc", "+-5", "--5", "-+5", "0", "-0", " 5",
		"5 6", "99999999999999999999", "0x10", "-", "+", "1.5", "\x01\x02",
	};
	char before[4096], after[4096], buf[64];
	unsigned int i;

	ASSERT_EQ(0, mmu_load(""));
	snprintf(buf, sizeof(buf), "%d", self->child);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	ASSERT_GT(mmu_read_file(MMU_ROOT "/targets", before, sizeof(before)), 0);

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		int ret = mmu_write_str(MMU_ROOT "/targets", garbage[i]);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("input \"%s\"", garbage[i]);
	}
	/* Embedded NUL. */
	EXPECT_EQ(-EINVAL, mmu_write_buf(MMU_ROOT "/targets", "1\0" "2", 3));
	/* No such process: a pid above pid_max. */
	EXPECT_EQ(-ESRCH, mmu_write_str(MMU_ROOT "/targets", "4194304"));
	/* kthreadd has no mm. */
	EXPECT_EQ(-EINVAL, mmu_write_str(MMU_ROOT "/targets", "2"));
	EXPECT_EQ(-EINVAL, mmu_write_str(MMU_ROOT "/targets", "-2a"));
	EXPECT_EQ(-ENOENT, mmu_write_str(MMU_ROOT "/targets", "-1"));

	ASSERT_GT(mmu_read_file(MMU_ROOT "/targets", after, sizeof(after)), 0);
	EXPECT_STREQ(before, after);
	/* Read-only files have no write method (root passes the mode check). */
	EXPECT_EQ(-EINVAL, mmu_write_str(MMU_ROOT "/version", "1"));
}

TEST_F(module, targets_partial_write)
{
	char buf[64];
	int fd;

	ASSERT_EQ(0, mmu_load(""));
	snprintf(buf, sizeof(buf), "%d", self->child);
	fd = open(MMU_ROOT "/targets", O_WRONLY);
	ASSERT_GE(fd, 0);
	/* A command must arrive whole, in one write at offset 0: a second
	 * write on the same descriptor is a fragment, not a new command.
	 */
	ASSERT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
	EXPECT_EQ(1, mmu_targets_has(self->child));
	snprintf(buf, sizeof(buf), "-%d", self->child);
	EXPECT_EQ(-1, write(fd, buf, strlen(buf)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	EXPECT_EQ(1, mmu_targets_has(self->child));
}

static void *thread_idle(void *arg)
{
	pause();
	return arg;
}

TEST_F(module, thread_id_refused)
{
	pthread_t th;
	pid_t tid = -1;
	char path[128], line[256], buf[64];
	FILE *f;

	ASSERT_EQ(0, mmu_load(""));
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_idle, NULL));
	/* The kernel's list of our threads: the one that is not us. */
	snprintf(path, sizeof(path), "/proc/%d/task", getpid());
	for (int i = 0; i < 100 && tid < 0; i++) {
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "ls %s", path);
		f = popen(cmd, "r");
		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f))
			if (atoi(line) != getpid())
				tid = atoi(line);
		pclose(f);
		usleep(10000);
	}
	ASSERT_GT(tid, 0);
	snprintf(buf, sizeof(buf), "%d", tid);
	EXPECT_EQ(-EINVAL, mmu_write_str(MMU_ROOT "/targets", buf));
	EXPECT_EQ(0, mmu_targets_has(tid));
}

TEST_F(module, target_exit_keeps_entry)
{
	char buf[64], dir[128], comm[32] = "", want[64], path[160];

	ASSERT_EQ(0, mmu_load(""));
	snprintf(buf, sizeof(buf), "%d", self->child);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	/* The kernel's name for it, while it lives. */
	snprintf(path, sizeof(path), "/proc/%d/comm", self->child);
	ASSERT_LT(0, mmu_read_file(path, comm, sizeof(comm)));
	comm[strcspn(comm, "\n")] = '\0';
	mmu_reap(self->child);
	ASSERT_NE(0, kill(self->child, 0));
	/* Stats stay readable until the target is removed. */
	EXPECT_EQ(1, mmu_targets_has(self->child));
	snprintf(dir, sizeof(dir), MMU_ROOT "/%d", self->child);
	EXPECT_EQ(0, access(dir, F_OK));
	/* An exited target keeps its name: the reader can tell them apart. */
	snprintf(path, sizeof(path), "%s/comm", dir);
	snprintf(want, sizeof(want), "comm=%s\n", comm);
	EXPECT_LT(0, mmu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	snprintf(buf, sizeof(buf), "-%d", self->child);
	EXPECT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	EXPECT_NE(0, access(dir, F_OK));
	self->child = -1;
}

TEST_F(module, rmmod_with_open_file)
{
	char buf[4096];
	int fd;

	ASSERT_EQ(0, mmu_load(""));
	fd = open(MMU_ROOT "/version", O_RDONLY);
	ASSERT_GE(fd, 0);
	/* An open file pins the module: rmmod refuses ("in use"). */
	EXPECT_EQ(-EWOULDBLOCK, mmu_unload());
	EXPECT_TRUE(mmu_is_loaded());
	EXPECT_GT(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	EXPECT_EQ(0, mmu_unload());
	EXPECT_FALSE(mmu_is_loaded());
}

TEST_F(module, reload_cycles)
{
	char params[64];

	snprintf(params, sizeof(params), "target_pid=%d", self->child);
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, mmu_load(i & 1 ? "" : params));
		ASSERT_EQ(0, mmu_unload());
	}
}

TEST_HARNESS_MAIN
