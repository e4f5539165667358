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
#include <poll.h>
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

/* A process of the traced tree: the command or a child the module followed. */
struct member {
	pid_t pid;
	char comm[64];
	uint64_t faults;
	bool have;		/* its fault_stats and fault_hist were read */
};

struct tree {
	struct member *m;	/* m[0]: the command itself */
	size_t n;
	struct kv_doc *stats, *hists;	/* of the members that have them */
	size_t ndocs;
	struct fstat_row *rows;	/* the tree's sum */
	size_t nrows;
};

static void report_text(FILE *out, char **cmd, const struct tree *t, bool follow,
			const struct rusage *ru, double secs, int status)
{
	const struct fstat_row *all = NULL, *minor = NULL, *major = NULL;
	size_t i, shown = 0;
	char comm[64];

	for (i = 0; i < t->nrows; i++) {
		if (!strcmp(t->rows[i].class, "all"))
			all = &t->rows[i];
		else if (!strcmp(t->rows[i].class, "minor"))
			minor = &t->rows[i];
		else if (!strcmp(t->rows[i].class, "major"))
			major = &t->rows[i];
	}
	fprintf(out, "\n Page-fault report for '");
	for (i = 0; cmd[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", cmd[i]);
	fprintf(out, "' (pid %d", t->m[0].pid);
	if (follow)
		fprintf(out, " and %zu followed child%s", t->n - 1, t->n == 2 ? "" : "ren");
	else
		fprintf(out, " only: --no-follow");
	fprintf(out, "):\n\n");
	fprintf(out, " %14" PRIu64 "      page faults (mmuscope%s)\n", all ? all->count : 0,
		follow ? ", whole tree" : ", the command's process only");
	fprintf(out, " %14" PRIu64 "      minor\n", minor ? minor->count : 0);
	fprintf(out, " %14" PRIu64 "      major\n", major ? major->count : 0);
	fprintf(out, " %14ld      minor faults (getrusage, with reaped children)\n", ru->ru_minflt);
	fprintf(out, " %14ld      major faults (getrusage, with reaped children)\n", ru->ru_majflt);
	if (all && all->count)
		fprintf(out, " %14.3f      us per fault (p50 %.3f us, p99 %.3f us, max %.3f us)\n",
			all->sum_ns / 1e3 / all->count, all->p50_ns / 1e3,
			all->p99_ns / 1e3, all->max_ns / 1e3);
	if (t->n > 1) {
		fprintf(out, " %14" PRIu64 "      in pid %d (%s), the command\n", t->m[0].faults,
			t->m[0].pid, t->m[0].comm[0] ? t->m[0].comm : "?");
		for (i = 1; i < t->n && shown < 20; i++, shown++) {
			snprintf(comm, sizeof(comm), "%s", t->m[i].comm[0] ? t->m[i].comm : "?");
			fprintf(out, " %14" PRIu64 "      in child %d (%s)\n", t->m[i].faults,
				t->m[i].pid, comm);
		}
		if (t->n - 1 > shown)
			fprintf(out, " %14s      ... and %zu more children (-j lists them all)\n", "",
				t->n - 1 - shown);
	}
	fprintf(out, "\n");
	fault_stats_table(out, t->rows, t->nrows, NULL, 0, 0);
	fprintf(out, "\n %14.6f seconds time elapsed\n", secs);
	fprintf(out, " %14.6f seconds user\n %14.6f seconds sys\n",
		ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6,
		ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6);
	if (WIFSIGNALED(status))
		fprintf(out, "\n killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
	fprintf(out, "\n");
}

static void report_json(FILE *out, char **cmd, const struct tree *t, bool follow,
			const struct rusage *ru, double secs, int status)
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
	jw_i64(w, t->m[0].pid);
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
	jw_key(w, "follow");
	jw_bool(w, follow);
	jw_key(w, "stats");	/* the whole tree with follow */
	fault_stats_json(w, t->rows, t->nrows);
	jw_key(w, "command_faults");
	jw_u64(w, t->m[0].faults);
	jw_key(w, "children");
	jw_arr_begin(w);
	for (i = 1; i < t->n; i++) {
		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, t->m[i].pid);
		jw_key(w, "comm");
		jw_str(w, t->m[i].comm);
		jw_key(w, "faults");
		jw_u64(w, t->m[i].faults);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_destroy(w);
}

static uint64_t all_count(const struct kv_doc *d)
{
	struct fstat_row *rows;
	uint64_t c = 0;
	size_t n, i;

	fault_stats_rows(d, &rows, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].class, "all"))
			c = rows[i].count;
	free(rows);
	return c;
}

static struct member *find_member(struct tree *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->m[i].pid == pid)
			return &t->m[i];
	return NULL;
}

/*
 * New targets since the start are children the module followed: note
 * them (and their comm, while they live) as they come.
 */
static void scan_children(struct tree *t, const pid_t *before, size_t nbefore)
{
	char comm[sizeof(t->m[0].comm)];
	pid_t *now = NULL;
	size_t n = 0, i;

	if (mmu_targets_list(&now, &n))
		return;
	for (i = 0; i < n; i++) {
		struct member *m = find_member(t, now[i]);

		if (in_list(before, nbefore, now[i]))
			continue;
		if (!m) {
			t->m = xrealloc(t->m, (t->n + 1) * sizeof(*t->m));
			m = &t->m[t->n++];
			memset(m, 0, sizeof(*m));
			m->pid = now[i];
		}
		if (!m->comm[0])
			mmu_temp_target(m->pid, true);	/* out again if we die */
		/* Again while it lives: a child seen before its exec is "sh". */
		if (proc_comm(m->pid, comm, sizeof(comm))[0])
			memcpy(m->comm, comm, sizeof(comm));
	}
	free(now);
}

static void tree_collect(struct tree *t)
{
	size_t i;

	t->stats = xmalloc(t->n * sizeof(*t->stats));
	t->hists = xmalloc(t->n * sizeof(*t->hists));
	for (i = 0; i < t->n; i++) {
		struct kv_doc *s = &t->stats[t->ndocs], *h = &t->hists[t->ndocs];

		if (i == 0 ? mmu_read_target_doc(t->m[i].pid, "fault_stats", s) :
			     mmu_read_target_raw(t->m[i].pid, "fault_stats", s))
			continue;
		if (mmu_read_target_raw(t->m[i].pid, "fault_hist", h))
			memset(h, 0, sizeof(*h));
		t->m[i].faults = all_count(s);
		t->m[i].have = true;
		t->ndocs++;
	}
	if (t->ndocs && t->m[0].have)
		t->rows = fault_rows_sum(t->stats, t->hists, t->ndocs, &t->nrows);
}

static void tree_free(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->ndocs; i++) {
		kv_doc_free(&t->stats[i]);
		kv_doc_free(&t->hists[i]);
	}
	free(t->stats);
	free(t->hists);
	free(t->rows);
	free(t->m);
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "no-follow", no_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *outpath = NULL;
	char buf[32], old_follow[16] = "";
	pid_t *before = NULL, pid;
	size_t nbefore = 0, i;
	struct tree t = { 0 };
	struct timespec t0, t1;
	struct sigaction ign, fwd, old_int, old_quit;
	double duration = 0, last_scan = 0;
	struct rusage ru;
	bool follow = true;
	int opt, ret, pipefd[2], status = 0, rc = EXIT_ERR;
	FILE *out = stderr;
	char **cmd;

	while ((opt = getopt_long(argc, argv, "+:fo:d:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 'F':
			follow = false;
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
		p_hint("count the command's own process only with --no-follow");
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
	t.m = xmalloc(sizeof(*t.m));
	memset(t.m, 0, sizeof(*t.m));
	t.m[0].pid = pid;
	t.n = 1;
	snprintf(t.m[0].comm, sizeof(t.m[0].comm), "%s", strrchr(cmd[0], '/') ? strrchr(cmd[0], '/') + 1 : cmd[0]);
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
	/* With follow, look for new children (and their names) meanwhile. */
	for (;;) {
		pid_t w = wait4(pid, &status, follow ? WNOHANG : 0, &ru);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			p_err("wait: %s", strerror(errno));
			break;
		}
		if (follow && mono_now() - last_scan >= 0.1) {
			scan_children(&t, before, nbefore);
			last_scan = mono_now();
		}
		if (follow)
			poll(NULL, 0, 20);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	child_pid = 0;
	if (alarmed)
		p_warn("--duration %g s reached: the command was sent SIGTERM", duration);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (follow)
		scan_children(&t, before, nbefore);
	tree_collect(&t);
	if (t.rows) {
		uint64_t tot = 0, rus = ru.ru_minflt + ru.ru_majflt;
		double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		use_color = use_color && isatty(fileno(out));
		for (i = 0; i < t.nrows; i++)
			if (!strcmp(t.rows[i].class, "all"))
				tot = t.rows[i].count;
		if (json_output)
			report_json(out, cmd, &t, follow, &ru, secs, status);
		else
			report_text(out, cmd, &t, follow, &ru, secs, status);
		/*
		 * getrusage counts the faults of the command and of the children
		 * reaped under it; ours can be a little lower (faults before the
		 * exec, in a fork before the child was adopted) or higher
		 * (children nobody waited for).  More than that is worth a word.
		 */
		if (!follow && rus > tot + tot / 20 + 50)
			p_warn("counted %" PRIu64 " faults of pid %d alone; getrusage has %" PRIu64
			       " with its children: drop --no-follow to count the whole tree",
			       tot, pid, rus);
		else if (follow && (tot + tot / 20 + 50 < rus || rus + rus / 5 + 200 < tot))
			p_warn("counted %" PRIu64 " faults in the tree, getrusage %" PRIu64
			       ": children that were not followed (follow off meanwhile) or not waited for?",
			       tot, rus);
	}
	mmu_target_detach(pid, true);
	for (i = 1; i < t.n; i++)
		mmu_target_detach(t.m[i].pid, true);
out:
	if (old_follow[0])
		set_follow(old_follow, NULL, 0);
	if (out != stderr)
		fclose(out);
	tree_free(&t);
	free(before);
	return rc;
}
