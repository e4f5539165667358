// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: access to the module's debugfs tree, with errors that
 * say what is wrong and what to do.  MMUSCOPE_DEBUGFS=DIR reads another
 * tree (a fake one in tests) and skips the module checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "mmuscope.h"

#define DEBUGFS_MAGIC	0x64626720

const char *mmu_root(void)
{
	const char *env = getenv("MMUSCOPE_DEBUGFS");

	return env && *env ? env : MMU_DEFAULT_ROOT;
}

bool mmu_root_overridden(void)
{
	const char *env = getenv("MMUSCOPE_DEBUGFS");

	return env && *env;
}

bool mmu_module_loaded(void)
{
	return access("/sys/module/" MMU_MODNAME, F_OK) == 0;
}

/* The bracketed word of /sys/kernel/security/lockdown, or NULL. */
const char *lockdown_mode(char *buf, size_t size)
{
	char line[128], *a, *b;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return NULL;
	*b = '\0';
	snprintf(buf, size, "%s", a + 1);
	return buf;
}

static bool debugfs_mounted(void)
{
	struct statfs sfs;

	return !statfs(MMU_DEBUGFS_MNT, &sfs) && sfs.f_type == DEBUGFS_MAGIC;
}

/* Explain a failure to reach @path (errno @err) and say what to do. */
static void explain_access(const char *path, int err)
{
	char mode[32];

	if (err == EACCES) {
		p_err("%s: permission denied", path);
		p_hint("the module's files are root-only: run mmuscope as root");
		return;
	}
	if (err == EPERM && lockdown_mode(mode, sizeof(mode)) && strcmp(mode, "none")) {
		p_err("%s: kernel lockdown (%s) blocks debugfs", path, mode);
		p_hint("this module has no lockdown interface (%s, NAME.ro files): install a newer mmuscope, or boot with lockdown=none",
		       MMU_PARAM_DIR);
		return;
	}
	p_err("%s: %s", path, strerror(err));
}

int mmu_preflight(void)
{
	const char *root = mmu_root();
	struct stat st;

	if (!stat(root, &st) && S_ISDIR(st.st_mode))
		return 0;
	if (mmu_root_overridden()) {
		p_err("MMUSCOPE_DEBUGFS=%s: %s", root, strerror(errno ? errno : ENOTDIR));
		return -1;
	}
	if (errno == EACCES || errno == EPERM) {
		explain_access(root, errno);
		return -1;
	}
	if (!mmu_module_loaded()) {
		p_err("the mmuscope module is not loaded");
		p_hint("load it with `mmuscope load [--pid PID]` (as root)");
		return -1;
	}
	if (!debugfs_mounted()) {
		p_err("debugfs is not mounted on %s", MMU_DEBUGFS_MNT);
		p_hint("mount it: mount -t debugfs none %s", MMU_DEBUGFS_MNT);
		return -1;
	}
	p_err("%s is missing although the module is loaded", root);
	p_hint("is debugfs restricted (debugfs= boot option, lockdown)? see dmesg");
	return -1;
}

/*
 * Open @path for reading.  Under kernel lockdown debugfs refuses to open a
 * file with a write bit (EPERM), even read-only; the module has a 0400
 * twin NAME.ro of each such file, which is then read instead.
 */
static int open_read(const char *path)
{
	char ro[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || errno != EPERM)
		return fd;
	if (snprintf(ro, sizeof(ro), "%s.ro", path) >= (int)sizeof(ro))
		return -1;
	fd = open(ro, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		errno = EPERM;	/* no twin: report the original refusal */
	return fd;
}

/* Read a whole file, no size limit.  Returns 0 or -errno. */
int mmu_read_path(const char *path, char **out, size_t *lenp)
{
	size_t len = 0, cap = 8192;
	char *buf;
	ssize_t n;
	int fd, err;

	fd = open_read(path);
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			free(buf);
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

int mmu_read_doc(const char *rel, struct kv_doc *doc)
{
	char path[4096], *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", mmu_root(), rel);
	ret = mmu_read_path(path, &buf, NULL);
	if (ret) {
		explain_access(path, -ret);
		return -1;
	}
	return kv_parse_buf(buf, doc);
}

int mmu_target_path(pid_t pid, const char *file, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%d%s%s", mmu_root(), pid,
			 file ? "/" : "", file ? file : "");

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Quiet: returns 0 or -errno, for callers that skip what is missing. */
int mmu_read_target_raw(pid_t pid, const char *file, struct kv_doc *doc)
{
	char path[4096], *buf;
	int ret;

	mmu_target_path(pid, file, path, sizeof(path));
	ret = mmu_read_path(path, &buf, NULL);
	if (ret)
		return ret;
	return kv_parse_buf(buf, doc);
}

int mmu_read_target_doc(pid_t pid, const char *file, struct kv_doc *doc)
{
	char path[4096];
	int ret;

	mmu_target_path(pid, file, path, sizeof(path));
	ret = mmu_read_target_raw(pid, file, doc);
	if (!ret)
		return 0;
	if (ret == -ESRCH) {
		p_err("process %d has exited: its %s is gone", pid, file);
		return -1;
	}
	if (ret == -ENOENT) {
		char dir[4096];

		mmu_target_path(pid, NULL, dir, sizeof(dir));
		if (access(dir, F_OK))
			p_err("process %d is not a target", pid);
		else
			p_err("%s: not provided by this module version", path);
		return -1;
	}
	explain_access(path, -ret);
	return -1;
}

/* One whole write(2) of @data to @path.  Returns 0 or -errno. */
static int write_path(const char *path, const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	n = n < 0 ? -errno : ((size_t)n == len ? 0 : -EIO);
	close(fd);
	return (int)n;
}

/*
 * The module parameter that takes the command @data for debugfs file @rel
 * (written when lockdown refuses the debugfs write): targets takes the
 * same command, PID/translate "PID ADDR", PID/fault_stats and fault_hist
 * "reset" become reset_faults "PID".  Returns 0 or -errno (-EPERM if
 * there is no such parameter).
 */
static int write_param(const char *rel, const char *data)
{
	char path[256], cmd[128], file[32];
	pid_t pid;

	if (!strcmp(rel, "targets")) {
		snprintf(cmd, sizeof(cmd), "%s", data);
		snprintf(path, sizeof(path), "%s/targets", MMU_PARAM_DIR);
	} else if (sscanf(rel, "%d/%31s", &pid, file) == 2 && !strcmp(file, "translate")) {
		snprintf(cmd, sizeof(cmd), "%d %s", pid, data);
		snprintf(path, sizeof(path), "%s/translate", MMU_PARAM_DIR);
	} else if (sscanf(rel, "%d/%31s", &pid, file) == 2 &&
		   (!strcmp(file, "fault_stats") || !strcmp(file, "fault_hist")) &&
		   !strncmp(data, "reset", 5) && (!data[5] || !strcmp(data + 5, "\n"))) {
		snprintf(cmd, sizeof(cmd), "%d\n", pid);
		snprintf(path, sizeof(path), "%s/reset_faults", MMU_PARAM_DIR);
	} else {
		return -EPERM;
	}
	if (access(path, F_OK))
		return -EPERM;	/* an older module: nothing to fall back to */
	return write_path(path, cmd);
}

/*
 * One whole write(2), as the module requires.  Under kernel lockdown
 * (EPERM from debugfs) the command goes to the module parameter that
 * takes it instead.  Returns 0 or -errno.
 */
int mmu_write_file(const char *rel, const char *data)
{
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", mmu_root(), rel);
	ret = write_path(path, data);
	if (ret == -EPERM && !mmu_root_overridden())
		ret = write_param(rel, data);
	return ret;
}

int mmu_targets_list(pid_t **pids, size_t *n)
{
	struct kv_doc doc;
	size_t i;
	pid_t p;

	if (mmu_read_doc("targets", &doc))
		return -1;
	*pids = xmalloc(doc.n * sizeof(**pids));
	*n = 0;
	for (i = 0; i < doc.n; i++) {
		if (!kv_is_data(&doc.lines[i]) || parse_pid(doc.lines[i].kv[0].val, &p))
			continue;
		(*pids)[(*n)++] = p;
	}
	kv_doc_free(&doc);
	return 0;
}

/*
 * Make @pid a target if it is not one yet (the walker views need nothing
 * more), remembering in @added whether to take it out again afterwards.
 */
int mmu_target_attach(pid_t pid, bool *added)
{
	char dir[4096], buf[32];
	int ret;

	*added = false;
	if (mmu_preflight())
		return -1;
	mmu_target_path(pid, NULL, dir, sizeof(dir));
	if (!access(dir, F_OK))
		return 0;
	if (mmu_root_overridden()) {
		p_err("process %d is not a target (no %s)", pid, dir);
		return -1;
	}
	snprintf(buf, sizeof(buf), "+%d\n", pid);
	ret = mmu_write_file("targets", buf);
	if (ret == -ESRCH) {
		p_err("no such process: %d", pid);
		return -1;
	}
	if (ret == -EINVAL) {
		p_err("%d cannot be a target (a kernel thread, or a thread id rather than a process id; see dmesg)", pid);
		return -1;
	}
	if (ret) {
		explain_access("targets", -ret);
		return -1;
	}
	*added = true;
	return 0;
}

void mmu_target_detach(pid_t pid, bool added)
{
	char buf[32];

	if (!added)
		return;
	snprintf(buf, sizeof(buf), "-%d\n", pid);
	mmu_write_file("targets", buf);
}
