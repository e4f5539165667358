// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: access to the module's debugfs tree, with errors that
 * say what is wrong and what to do.  MMUSCOPE_DEBUGFS=DIR reads another
 * tree (a fake one in tests) and skips the module checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
 * Temporary targets: processes this reader made targets and must take out
 * again whatever happens (normal end, error, exit(), SIGINT, SIGTERM,
 * SIGHUP, SIGPIPE).  The signal path only uses open/write/close on
 * strings prepared beforehand.
 */
#define MAX_TEMP	64

static char temp_cmd[MAX_TEMP][24];	/* "-PID\n", "" when free */
static char targets_file[4096];
static volatile sig_atomic_t graceful;
volatile sig_atomic_t mmu_stop;

/* -o FILE: the temporary file stdout goes to until the command succeeded. */
static char out_tmp[4096], out_final[4096];

static void temp_cleanup_all(void)
{
	int i, fd;

	if (out_tmp[0]) {
		unlink(out_tmp);
		out_tmp[0] = '\0';
	}
	for (i = 0; i < MAX_TEMP; i++) {
		if (!temp_cmd[i][0])
			continue;
		fd = open(targets_file, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = write(fd, temp_cmd[i], strlen(temp_cmd[i]));

			(void)n;	/* nothing more to do in a signal handler */
			close(fd);
		}
		temp_cmd[i][0] = '\0';
	}
}

/*
 * The first SIGINT/SIGTERM/SIGHUP/SIGPIPE of a command that loops
 * (install_stop_handlers) ends its loop; otherwise, or at the second
 * signal, the temporary targets go and the signal takes its default
 * course (the exit status a shell expects).
 */
static void on_signal(int sig)
{
	if (graceful && !mmu_stop) {
		mmu_stop = 1;
		return;
	}
	temp_cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	static bool done;
	struct sigaction sa;
	size_t i;

	if (done)
		return;
	done = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: a blocked read returns */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(temp_cleanup_all);
}

int output_open(const char *path)
{
	int fd;

	if ((size_t)snprintf(out_final, sizeof(out_final), "%s", path) >= sizeof(out_final) ||
	    (size_t)snprintf(out_tmp, sizeof(out_tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(out_tmp)) {
		out_tmp[0] = '\0';
		p_err("%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	install_handlers();	/* the temporary file goes on any exit */
	fd = open(out_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		p_err("%s: %s", out_tmp, strerror(errno));
		out_tmp[0] = '\0';
		return -1;
	}
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return 0;
}

/* A command's end: FILE replaced by what it wrote only if all went well. */
int output_finish(int rc)
{
	if (!out_tmp[0])
		return rc;
	if (fflush(stdout) || ferror(stdout)) {
		p_err("%s: %s", out_final, strerror(errno));
		rc = EXIT_ERR;
	}
	if (rc == EXIT_OK && rename(out_tmp, out_final)) {
		p_err("%s: %s", out_final, strerror(errno));
		rc = EXIT_ERR;
	}
	if (rc != EXIT_OK) {
		unlink(out_tmp);
		p_hint("%s left as it was", out_final);
	}
	out_tmp[0] = '\0';
	return rc;
}

/* Loops stop at the first signal and clean up themselves. */
void install_stop_handlers(void)
{
	graceful = 1;
	install_handlers();
}

void mmu_temp_target(pid_t pid, bool temp)
{
	char cmd[24];
	int i, free_slot = -1;

	snprintf(cmd, sizeof(cmd), "-%d\n", pid);
	for (i = 0; i < MAX_TEMP; i++) {
		if (!strcmp(temp_cmd[i], cmd)) {
			if (!temp)
				temp_cmd[i][0] = '\0';
			return;
		}
		if (!temp_cmd[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (!temp || free_slot < 0)
		return;
	if (!targets_file[0])
		snprintf(targets_file, sizeof(targets_file), "%s/targets", mmu_root());
	install_handlers();
	memcpy(temp_cmd[free_slot], cmd, sizeof(cmd));
}

/*
 * A target's command name: /proc/PID/comm while it lives, else the name
 * the module kept (<pid>/comm: older modules have none, then "").
 */
char *target_comm(pid_t pid, char *buf, size_t size)
{
	struct kv_doc doc;
	const char *v;

	if (target_alive(pid) && proc_comm(pid, buf, size)[0])
		return buf;
	buf[0] = '\0';
	if (mmu_read_target_raw(pid, "comm", &doc))
		return buf;
	if (doc.n && (v = kv_get(&doc.lines[doc.n - 1], "comm")))
		snprintf(buf, size, "%s", v);
	kv_doc_free(&doc);
	return buf;
}

/* The targets as a JSON array of {pid, comm, alive}. */
void jw_targets(struct jw *w, const pid_t *pids, size_t n)
{
	char comm[64];
	size_t i;

	jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, pids[i]);
		jw_key(w, "comm");
		jw_str(w, target_comm(pids[i], comm, sizeof(comm)));
		jw_key(w, "alive");
		jw_bool(w, target_alive(pids[i]));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* Not gone, not a zombie: /proc/PID/stat's state.  Always for a fake tree. */
bool target_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (mmu_root_overridden())
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}

/* Explain a failed write of "+PID" to targets; -1. */
int mmu_explain_add(pid_t pid, int err)
{
	switch (err) {
	case ESRCH:
		p_err("no such process: %d", pid);
		break;
	case EEXIST:
		p_err("%d is already a target", pid);
		break;
	case EINVAL:
		p_err("%d cannot be a target (a kernel thread, or a thread id rather than a process id; see dmesg)", pid);
		break;
	case ENOSPC:
		p_err("cannot add %d: the module's target table is full", pid);
		p_hint("remove exited targets with `mmuscope targets prune`, or others with `mmuscope targets rm PID`");
		break;
	default:
		explain_access("targets", err);
	}
	return -1;
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
	/* Registered first: a signal between the write and here must not leak it. */
	mmu_temp_target(pid, true);
	snprintf(buf, sizeof(buf), "+%d\n", pid);
	ret = mmu_write_file("targets", buf);
	if (ret) {
		mmu_temp_target(pid, false);
		return mmu_explain_add(pid, -ret);
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
	mmu_temp_target(pid, false);
}

/*
 * The base page size of the data: this machine's, except for a tree read
 * through MMUSCOPE_DEBUGFS, which may come from a kernel with other pages
 * (a 4K x86 tree read on a 16K arm64 machine): its version line says.
 */
uint64_t base_page_size(void)
{
	static uint64_t ps;
	struct kv_doc doc;
	char path[4096], *buf;
	uint64_t v;
	size_t i;

	if (ps)
		return ps;
	if (mmu_root_overridden()) {
		snprintf(path, sizeof(path), "%s/version", mmu_root());
		if (!mmu_read_path(path, &buf, NULL)) {
			kv_parse_buf(buf, &doc);
			for (i = 0; i < doc.n && !ps; i++)
				if (!kv_u64(&doc.lines[i], "page_size", &v) && v)
					ps = v;
			kv_doc_free(&doc);
		}
	}
	if (!ps)
		ps = (uint64_t)sysconf(_SC_PAGESIZE);
	return ps;
}
