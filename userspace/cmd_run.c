// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `run -- CMD`.  The child is made a target before it
 * execs (it waits on a pipe until the parent has added it), so every
 * fault from the first instruction of CMD is counted; the report comes at
 * exit, on stderr like perf stat's, or in -o FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mmuscope.h"

#define FOLLOW_PARAM "/sys/module/" MMU_MODNAME "/parameters/follow"

static int set_follow(const char *val, char *old, size_t size)
{
	FILE *f;

	if (old) {
		old[0] = '\0';
		f = fopen(FOLLOW_PARAM, "re");
		if (!f || !fgets(old, size, f)) {
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		old[strcspn(old, "\n")] = '\0';
	}
	f = fopen(FOLLOW_PARAM, "we");
	if (!f)
		return -1;
	fputs(val, f);
	return fclose(f) ? -1 : 0;
}

/* SIGTERM/SIGHUP for us go to the command; --duration's alarm ends it. */
static volatile sig_atomic_t child_pid, alarmed;

static void forward_signal(int sig)
{
	if (sig == SIGALRM) {
		alarmed = 1;
		sig = SIGTERM;
	}
	if (child_pid > 0)
		kill(child_pid, sig);
}

static bool in_list(const pid_t *p, size_t n, pid_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == x)
			return true;
	return false;
}

static void report_text(FILE *out, char **cmd, pid_t pid, const struct fstat_row *rows,
			size_t n, const struct rusage *ru, double secs, int status,
			const pid_t *kids, const uint64_t *kid_faults, size_t nkids)
{
	const struct fstat_row *all = NULL, *minor = NULL, *major = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(rows[i].class, "all"))
			all = &rows[i];
		else if (!strcmp(rows[i].class, "minor"))
			minor = &rows[i];
		else if (!strcmp(rows[i].class, "major"))
			major = &rows[i];
	}
	fprintf(out, "\n Page-fault report for '");
	for (i = 0; cmd[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", cmd[i]);
	fprintf(out, "' (pid %d):\n\n", pid);
	fprintf(out, " %14" PRIu64 "      page faults (mmuscope)\n", all ? all->count : 0);
	fprintf(out, " %14" PRIu64 "      minor\n", minor ? minor->count : 0);
	fprintf(out, " %14" PRIu64 "      major\n", major ? major->count : 0);
	fprintf(out, " %14ld      minor faults (getrusage, with reaped children)\n", ru->ru_minflt);
	fprintf(out, " %14ld      major faults (getrusage, with reaped children)\n", ru->ru_majflt);
	if (all && all->count)
		fprintf(out, " %14.3f      us per fault (p50 %.3f us, p99 %.3f us, max %.3f us)\n",
			all->sum_ns / 1e3 / all->count, all->p50_ns / 1e3,
			all->p99_ns / 1e3, all->max_ns / 1e3);
	for (i = 0; i < nkids; i++)
		fprintf(out, " %14" PRIu64 "      page faults in child %d (followed)\n",
			kid_faults[i], kids[i]);
	fprintf(out, "\n");
	fault_stats_table(out, rows, n, NULL, 0, 0);
	fprintf(out, "\n %14.6f seconds time elapsed\n", secs);
	fprintf(out, " %14.6f seconds user\n %14.6f seconds sys\n",
		ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6,
		ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6);
	if (WIFSIGNALED(status))
		fprintf(out, "\n killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
	fprintf(out, "\n");
}

static void report_json(FILE *out, char **cmd, pid_t pid, const struct fstat_row *rows,
			size_t n, const struct rusage *ru, double secs, int status,
			const pid_t *kids, const uint64_t *kid_faults, size_t nkids)
{
	struct jw *w = jw_new(out, false);
	size_t i;

	jw_obj_begin(w);
	jw_key(w, "command");
	jw_arr_begin(w);
	for (i = 0; cmd[i]; i++)
		jw_str(w, cmd[i]);
	jw_arr_end(w);
	jw_key(w, "pid");
	jw_i64(w, pid);
	if (WIFEXITED(status)) {
		jw_key(w, "exit_status");
		jw_i64(w, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		jw_key(w, "signal");
		jw_i64(w, WTERMSIG(status));
	}
	jw_key(w, "elapsed_s");
	jw_double(w, secs);
	jw_key(w, "rusage");
	jw_obj_begin(w);
	jw_key(w, "minflt");
	jw_i64(w, ru->ru_minflt);
	jw_key(w, "majflt");
	jw_i64(w, ru->ru_majflt);
	jw_obj_end(w);
	jw_key(w, "stats");
	fault_stats_json(w, rows, n);
	jw_key(w, "children");
	jw_arr_begin(w);
	for (i = 0; i < nkids; i++) {
		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, kids[i]);
		jw_key(w, "faults");
		jw_u64(w, kid_faults[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_destroy(w);
}

static uint64_t all_count(pid_t pid)
{
	struct fstat_row *rows;
	struct kv_doc d;
	uint64_t c = 0;
	size_t n, i;

	if (mmu_read_target_doc(pid, "fault_stats", &d))
		return 0;
	fault_stats_rows(&d, &rows, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].class, "all"))
			c = rows[i].count;
	free(rows);
	kv_doc_free(&d);
	return c;
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *outpath = NULL;
	char buf[32], old_follow[16] = "";
	pid_t *before = NULL, *after = NULL, *kids = NULL, pid;
	size_t nbefore = 0, nafter = 0, nkids = 0, i, n = 0;
	uint64_t *kid_faults = NULL;
	struct fstat_row *rows = NULL;
	struct timespec t0, t1;
	struct kv_doc stats = { 0 };
	struct sigaction ign, fwd, old_int, old_quit;
	double duration = 0;
	struct rusage ru;
	bool follow = false;
	int opt, ret, pipefd[2], status = 0, rc = EXIT_ERR;
	FILE *out = stderr;
	char **cmd;

	while ((opt = getopt_long(argc, argv, "+:fo:d:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, &duration))
				return cmd_usage_err("run", "--duration takes seconds > 0, not '%s'", optarg);
			break;
		default:
			ret = cmd_common_opt("run", opt, argv);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc)
		return cmd_usage_err("run", "missing command (mmuscope run -- CMD ARGS)");
	cmd = argv + optind;
	if (mmu_preflight())
		return EXIT_ERR;
	if (mmu_targets_list(&before, &nbefore))
		return EXIT_ERR;
	if (follow && set_follow("1", old_follow, sizeof(old_follow))) {
		p_err("cannot enable follow in %s: %s", FOLLOW_PARAM, strerror(errno));
		goto out;
	}
	if (outpath) {
		out = fopen(outpath, "we");
		if (!out) {
			p_err("%s: %s", outpath, strerror(errno));
			out = stderr;
			goto out;
		}
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		p_err("pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		p_err("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		char go;

		close(pipefd[1]);
		/* Until the parent made us a target; EOF means it gave up. */
		if (read(pipefd[0], &go, 1) != 1)
			_exit(127);
		close(pipefd[0]);
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(pipefd[0]);
	mmu_temp_target(pid, true);	/* out again at any exit of ours */
	snprintf(buf, sizeof(buf), "+%d\n", pid);
	ret = mmu_write_file("targets", buf);
	if (ret) {
		mmu_temp_target(pid, false);
		mmu_explain_add(pid, -ret);
		close(pipefd[1]);
		waitpid(pid, NULL, 0);
		goto out;
	}
	/* Like time(1): ^C is for the command; we stay to report. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGPIPE, &ign, NULL);
	memset(&fwd, 0, sizeof(fwd));
	fwd.sa_handler = forward_signal;
	child_pid = pid;
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	sigaction(SIGALRM, &fwd, NULL);
	if (duration > 0) {
		struct itimerval it = { .it_value = {
			.tv_sec = (time_t)duration,
			.tv_usec = (suseconds_t)((duration - (time_t)duration) * 1e6) } };

		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(pipefd[1], "g", 1) != 1)
		p_warn("could not start the command: %s", strerror(errno));
	close(pipefd[1]);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	child_pid = 0;
	if (alarmed)
		p_warn("--duration %g s reached: the command was sent SIGTERM", duration);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);

	if (!mmu_read_target_doc(pid, "fault_stats", &stats)) {
		fault_stats_rows(&stats, &rows, &n);
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (follow && !mmu_targets_list(&after, &nafter)) {
		kids = xmalloc((nafter ? nafter : 1) * sizeof(*kids));
		kid_faults = xmalloc((nafter ? nafter : 1) * sizeof(*kid_faults));
		for (i = 0; i < nafter; i++) {
			if (after[i] == pid || in_list(before, nbefore, after[i]))
				continue;
			kids[nkids] = after[i];
			kid_faults[nkids++] = all_count(after[i]);
		}
	}
	if (rows) {
		use_color = use_color && isatty(fileno(out));
		double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

		if (json_output)
			report_json(out, cmd, pid, rows, n, &ru, secs, status, kids, kid_faults, nkids);
		else
			report_text(out, cmd, pid, rows, n, &ru, secs, status, kids, kid_faults, nkids);
	}
	mmu_target_detach(pid, true);
	for (i = 0; i < nkids; i++)
		mmu_target_detach(kids[i], true);
out:
	if (old_follow[0])
		set_follow(old_follow, NULL, 0);
	if (out != stderr)
		fclose(out);
	kv_doc_free(&stats);
	free(rows);
	free(before);
	free(after);
	free(kids);
	free(kid_faults);
	return rc;
}
