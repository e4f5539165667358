// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: `faults PID`, fault counts, percentiles, histograms, stream. */
#include <getopt.h>
#include <poll.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mmuscope.h"

/* --duration S: loops end by then (0: no limit). */
static double deadline;

static bool past_deadline(void)
{
	return deadline > 0 && mono_now() >= deadline;
}

/* A stream event whose class=a,b,c list holds a --class name; lost= lines pass. */
static bool event_selected(const struct kv_line *l)
{
	char buf[512], *tok, *save = NULL;
	const char *c = kv_get(l, "class");

	if (!class_filter || !c)
		return true;
	snprintf(buf, sizeof(buf), "%s", c);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (class_selected(tok, NULL))
			return true;
	return false;
}

/*
 * Every --class name must be one of the module's classes (fault_stats
 * has them all); a usage error lists them.
 */
static int check_classes(pid_t pid)
{
	char list[1024] = "", bad[128] = "", *copy, *tok, *save = NULL;
	struct fstat_row *rows;
	struct kv_doc d;
	size_t n, i, len = 0;

	if (!class_filter)
		return 0;
	if (mmu_read_target_doc(pid, "fault_stats", &d))
		return EXIT_ERR;
	fault_stats_rows(&d, &rows, &n);
	copy = xstrdup(class_filter);
	for (tok = strtok_r(copy, ",", &save); tok && !bad[0]; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n; i++)
			if (!strcmp(rows[i].class, tok))
				break;
		if (i == n)
			snprintf(bad, sizeof(bad), "%s", tok);
	}
	if (!*class_filter || class_filter[strlen(class_filter) - 1] == ',' || strstr(class_filter, ",,"))
		snprintf(bad, sizeof(bad), "%s", "(empty)");
	for (i = 0; i < n && len + 1 < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", rows[i].class);
	free(copy);
	free(rows);
	kv_doc_free(&d);
	if (!bad[0])
		return 0;
	cmd_usage_err("faults", "--class: no class '%s'; the module's classes are %s", bad, list);
	return EXIT_USAGE;
}

/*
 * bcc-style: a bar per bucket scaled to the class's largest.  By default
 * the module's log-linear buckets are summed into powers of two (every
 * one from the first to the last non-empty, as bcc prints them); --fine
 * shows them as the module gives them.
 */
static bool hist_fine;

static void print_bar_row(uint64_t lo, uint64_t hi, uint64_t c, uint64_t max)
{
	const int width = 40;
	char bar[64];
	int len = max ? (int)((c * width + max - 1) / max) : 0;

	memset(bar, '*', len);
	bar[len] = '\0';
	printf("%10" PRIu64 " -> %-10" PRIu64 " : %-10" PRIu64 " |%s%-*s%s|\n",
	       lo, hi, c, col(C_GREEN), width, bar, col(C_RESET));
}

static int log2_floor(uint64_t v)
{
	return v ? 63 - __builtin_clzll(v) : 0;
}

static void print_hist(const struct kv_doc *d)
{
	uint64_t pow2[65];
	size_t i, j, k;

	for (i = 0; i < d->n; i = k) {
		const char *class = kv_get(&d->lines[i], "class");
		uint64_t max = 0, total = 0, c;
		int b, first = 64, last = 0;

		k = i + 1;
		if (!kv_is_data(&d->lines[i]) || !class)
			continue;
		while (k < d->n && kv_get(&d->lines[k], "class") &&
		       !strcmp(kv_get(&d->lines[k], "class"), class))
			k++;
		if (!class_selected(class, "all,minor,major"))
			continue;
		memset(pow2, 0, sizeof(pow2));
		for (j = i; j < k; j++) {
			c = kv_u64_or(&d->lines[j], "count", 0);
			b = log2_floor(kv_u64_or(&d->lines[j], "lo_ns", 0));
			pow2[b] += c;
			total += c;
			if (c && b < first)
				first = b;
			if (c && b > last)
				last = b;
			if (hist_fine && c > max)
				max = c;
		}
		if (!hist_fine)
			for (b = first; b <= last; b++)
				if (pow2[b] > max)
					max = pow2[b];
		printf("\n%sclass = %s%s  (%" PRIu64 " faults)\n", col(C_BOLD), class, col(C_RESET), total);
		printf("%24s : %-10s %-42s\n", "latency (ns)", "count", "distribution");
		if (!hist_fine) {
			for (b = first; b <= last && total; b++)
				print_bar_row(b ? 1ULL << b : 0, (1ULL << (b + 1)) - 1, pow2[b], max);
			continue;
		}
		for (j = i; j < k; j++)
			print_bar_row(kv_u64_or(&d->lines[j], "lo_ns", 0),
				      kv_u64_or(&d->lines[j], "hi_ns", 0),
				      kv_u64_or(&d->lines[j], "count", 0), max);
	}
}

static void hist_json(struct jw *w, const struct kv_doc *d)
{
	size_t i;

	jw_arr_begin(w);
	for (i = 0; i < d->n; i++)
		if (kv_is_data(&d->lines[i]) && kv_get(&d->lines[i], "class") &&
		    class_selected(kv_get(&d->lines[i], "class"), NULL))
			jw_kv_line(w, &d->lines[i]);
	jw_arr_end(w);
}

/* fault_stats' line without class=: the tracer's state. */
static const struct kv_line *tracer_line(const struct kv_doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (kv_is_data(&d->lines[i]) && !kv_get(&d->lines[i], "class"))
			return &d->lines[i];
	return NULL;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC: the events' ts_ns as wall-clock time. */
static double mono_to_real;

/* "HH:MM:SS.uuuuuu" local time of a monotonic ns stamp. */
static const char *event_time(uint64_t ts_ns, char *buf, size_t size)
{
	double t = ts_ns / 1e9 + mono_to_real;
	time_t sec = (time_t)t;
	struct tm tm;

	localtime_r(&sec, &tm);
	snprintf(buf, size, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)((t - sec) * 1e6));
	return buf;
}

/* One event line: known keys in columns, the rest as they come. */
static void print_event(const struct kv_line *l)
{
	static const char *const known[] = {
		"pid", "tid", "comm", "va", "ip", "err", "error", "class", "lat_ns",
		"latency_ns", "ts_ns", "handler_ns", "cpu",
	};
	char t[32], h[32], ts[32];
	uint64_t lat, lost, v;
	size_t j, k;

	if (!kv_u64(l, "lost", &lost) && l->n == 1) {
		printf("%s... %" PRIu64 " events lost (buffer full)%s\n", col(C_RED), lost, col(C_RESET));
		return;
	}
	lat = kv_u64_or(l, "lat_ns", kv_u64_or(l, "latency_ns", 0));
	printf("%-15s %3s %-7s %-7s %-16s %-14s %-14s %-5s %9s %9s  %s",
	       kv_u64(l, "ts_ns", &v) ? "-" : event_time(v, ts, sizeof(ts)),
	       kv_get(l, "cpu") ?: "-",
	       kv_get(l, "pid") ?: "-", kv_get(l, "tid") ?: "-", kv_get(l, "comm") ?: "-",
	       kv_get(l, "va") ?: "-", kv_get(l, "ip") ?: "-",
	       kv_get(l, "err") ?: kv_get(l, "error") ?: "-",
	       human_ns(lat, t, sizeof(t)),
	       kv_u64(l, "handler_ns", &v) ? "-" : human_ns(v, h, sizeof(h)),
	       kv_get(l, "class") ?: "-");
	for (j = 0; j < l->n; j++) {
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (!strcmp(l->kv[j].key, known[k]))
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			printf(" %s=%s", l->kv[j].key, l->kv[j].val);
	}
	printf("\n");
}

/* JSON: the module's keys, and the time as Unix seconds. */
static void event_json(const struct kv_line *l)
{
	struct jw *w = jw_new(stdout, false);
	uint64_t v;
	size_t i;

	jw_obj_begin(w);
	if (!kv_u64(l, "ts_ns", &v)) {
		jw_key(w, "time");
		jw_time(w, v / 1e9 + mono_to_real);
	}
	for (i = 0; i < l->n; i++) {
		jw_key(w, l->kv[i].key[0] ? l->kv[i].key : "value");
		jw_kv_value(w, l->kv[i].val);
	}
	jw_obj_end(w);
	jw_destroy(w);
}

/*
 * Why a stream or interval loop ended early, said once on stderr so that
 * stdout stays data.
 */
static void ended(const char *why)
{
	if (!json_output)
		fprintf(stderr, "%s: %s\n", prog, why);
}

static int stream(pid_t pid, uint64_t count)
{
	struct fstream fs;
	uint64_t seen = 0;
	char *line;
	int ret = 0;

	if (fstream_open(&fs, pid, deadline))
		return EXIT_ERR;
	fs.stdout_ends = true;
	{
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		mono_to_real = rt.tv_sec + rt.tv_nsec / 1e9 - mono_now();
	}
	if (!json_output)
		printf("%s%-15s %3s %-7s %-7s %-16s %-14s %-14s %-5s %9s %9s  %s%s\n", col(C_BOLD),
		       "TIME", "CPU", "PID", "TID", "COMM", "VA", "IP", "ERR", "LATENCY", "HANDLER",
		       "CLASSES", col(C_RESET));
	fflush(stdout);
	while ((!count || seen < count) && (ret = fstream_next(&fs)) > 0) {
		while ((!count || seen < count) && (line = fstream_line(&fs))) {
			struct kv_line l;

			kv_parse_line(line, &l);
			if (kv_is_data(&l) && !event_selected(&l)) {
				/* not one of --class LIST */
			} else if (kv_is_data(&l)) {
				seen += !kv_get(&l, "lost");
				if (json_output) {
					event_json(&l);
				} else {
					print_event(&l);
				}
			} else if (l.comment && !json_output) {
				printf("%s%s%s\n", col(C_DIM), l.comment, col(C_RESET));
			}
			free(l.kv);
		}
		if (fflush(stdout) || stdout_closed())
			break;
	}
	if (ret < 0)
		p_err("%s: %s", fs.path, strerror(-ret));
	else if (fs.exited)
		ended("the traced process exited");
	fstream_close(&fs);
	return ret < 0 ? EXIT_ERR : EXIT_OK;
}

/* One reading of a target's counters; rows point into stats. */
struct sample {
	struct kv_doc stats, hist;
	struct fstat_row *rows;
	size_t n;
	double t;		/* mono_now() when read */
};

static void sample_free(struct sample *sm)
{
	kv_doc_free(&sm->stats);
	kv_doc_free(&sm->hist);
	free(sm->rows);
	memset(sm, 0, sizeof(*sm));
}

static int take_sample(pid_t pid, bool hist, struct sample *sm)
{
	memset(sm, 0, sizeof(*sm));
	sm->t = mono_now();
	if (mmu_read_target_doc(pid, "fault_stats", &sm->stats))
		return -1;
	if (hist && mmu_read_target_doc(pid, "fault_hist", &sm->hist)) {
		kv_doc_free(&sm->stats);
		return -1;
	}
	fault_stats_rows(&sm->stats, &sm->rows, &sm->n);
	return 0;
}

/*
 * The faults between two samples: counts and sums are differences,
 * percentiles come from the difference of the histograms, min and max are
 * exact when they changed in the interval, else the bounds of the first
 * and last non-empty bucket.
 */
static struct fstat_row *interval_rows(const struct sample *cur, const struct sample *prev)
{
	struct fstat_row *d = xmalloc((cur->n ? cur->n : 1) * sizeof(*d));
	size_t i;

	for (i = 0; i < cur->n; i++) {
		const struct fstat_row *r = &cur->rows[i];
		const struct fstat_row *p = find_row(prev->rows, prev->n, r->class);
		struct bucket *b;
		size_t nb;

		memset(&d[i], 0, sizeof(d[i]));
		d[i].class = r->class;
		if (!p || r->count < p->count) {	/* reset meanwhile */
			d[i] = *r;
			continue;
		}
		d[i].count = r->count - p->count;
		d[i].sum_ns = r->sum_ns - p->sum_ns;
		if (!d[i].count)
			continue;
		nb = class_buckets(&cur->hist, &prev->hist, r->class, &b);
		d[i].min_ns = !p->count || r->min_ns < p->min_ns ? r->min_ns :
			      nb ? (b[0].lo > r->min_ns ? b[0].lo : r->min_ns) : r->min_ns;
		d[i].max_ns = r->max_ns > p->max_ns ? r->max_ns :
			      nb ? (b[nb - 1].hi < r->max_ns ? b[nb - 1].hi : r->max_ns) : r->max_ns;
		d[i].p50_ns = bucket_percentile(b, nb, d[i].count, 50, d[i].min_ns, d[i].max_ns);
		d[i].p90_ns = bucket_percentile(b, nb, d[i].count, 90, d[i].min_ns, d[i].max_ns);
		d[i].p99_ns = bucket_percentile(b, nb, d[i].count, 99, d[i].min_ns, d[i].max_ns);
		free(b);
	}
	return d;
}

static const char *clock_time(char *buf, size_t size)
{
	struct timespec rt;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &rt);
	localtime_r(&rt.tv_sec, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
	return buf;
}

/*
 * Print a sample: @rows are cumulative (@prev, when given, for the rate
 * column) or per interval (@dt seconds, @per_interval).
 */
static void show(pid_t pid, const struct sample *cur, const struct fstat_row *rows,
		 const struct sample *prev, double dt, bool per_interval, bool hist)
{
	const struct fstat_row *all = find_row(cur->rows, cur->n, "all");
	const struct fstat_row *iall = find_row(rows, cur->n, "all");
	const struct kv_line *tl = tracer_line(&cur->stats);
	char comm[64], tbuf[32];
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	if (json_output) {
		struct jw *w = jw_new(stdout, false);

		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, pid);
		if (dt > 0) {
			jw_key(w, "time");
			jw_time(w, rt.tv_sec + rt.tv_nsec / 1e9);
			jw_key(w, "interval_s");
			jw_double(w, dt);
			jw_key(w, "cumulative");
			jw_bool(w, !per_interval);
		}
		jw_key(w, "stats");
		fault_stats_json(w, rows, cur->n);
		if (tl) {
			jw_key(w, "tracer");
			jw_kv_line(w, tl);
		}
		if (hist) {
			jw_key(w, "hist");
			hist_json(w, &cur->hist);
		}
		jw_obj_end(w);
		jw_destroy(w);
		return;
	}
	proc_comm(pid, comm, sizeof(comm));
	if (per_interval)
		printf("%s%s  pid %d (%s)%s: %" PRIu64 " page faults in %.2f s (%" PRIu64
		       " since it became a target)\n", col(C_BOLD), clock_time(tbuf, sizeof(tbuf)),
		       pid, comm[0] ? comm : "exited", col(C_RESET), iall ? iall->count : 0, dt,
		       all ? all->count : 0);
	else if (dt > 0)
		printf("%s%s  pid %d (%s)%s: %" PRIu64 " page faults since it became a target\n",
		       col(C_BOLD), clock_time(tbuf, sizeof(tbuf)), pid, comm[0] ? comm : "exited",
		       col(C_RESET), all ? all->count : 0);
	else
		printf("%spid %d (%s)%s: %" PRIu64 " page faults\n", col(C_BOLD), pid,
		       comm[0] ? comm : "exited", col(C_RESET), all ? all->count : 0);
	if (per_interval)
		fault_stats_table(stdout, rows, cur->n, NULL, 0, dt);
	else
		fault_stats_table(stdout, rows, cur->n, prev ? prev->rows : NULL,
				  prev ? prev->n : 0, dt);
	if (tl) {
		printf("%stracer:", col(C_DIM));
		for (size_t j = 0; j < tl->n; j++)
			printf(" %s=%s", tl->kv[j].key, tl->kv[j].val);
		printf("%s\n", col(C_RESET));
	}
	if (hist)
		print_hist(&cur->hist);
}

/* Sleep @interval in slices: the process may exit, the reader may go. */
static void wait_interval(pid_t pid, double interval)
{
	for (double end = mono_now() + interval; !mmu_stop;) {
		double left = end - mono_now();

		if (deadline > 0 && deadline < end)
			left = deadline - mono_now();
		if (left <= 0 || stdout_closed() || !target_alive(pid))
			break;
		poll(NULL, 0, left > 0.2 ? 200 : (int)(left * 1000) + 1);
	}
}

struct faults_opts {
	bool hist, stream, cumulative;
	double interval, duration;
	uint64_t count;
	struct sites_opts sites;	/* --by, --heatmap and theirs */
};


static int faults_opt(int opt, const char *arg, void *ctx)
{
	struct faults_opts *o = ctx;
	int ret;

	ret = sites_opt(opt, arg, &o->sites);
	if (ret != CMD_OPT_OTHER)
		return ret;
	switch (opt) {
	case 'H':
		o->hist = true;
		return -1;
	case 's':
		o->stream = true;
		return -1;
	case 'i':
		if (parse_seconds(arg, &o->interval))
			return cmd_usage_err("faults", "--interval takes seconds > 0, not '%s'", arg);
		return -1;
	case 'C':
		class_filter = arg;
		return -1;
	case 'F':
		hist_fine = true;
		return -1;
	case 'U':
		o->cumulative = true;
		return -1;
	case 'd':
		if (parse_seconds(arg, &o->duration))
			return cmd_usage_err("faults", "--duration takes seconds > 0, not '%s'", arg);
		return -1;
	case 'c':
		if (parse_dec_u64(arg, &o->count) || !o->count)
			return cmd_usage_err("faults", "--count takes a number > 0, not '%s'", arg);
		return -1;
	default:
		return CMD_OPT_OTHER;
	}
}

int do_faults(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hist", no_argument, NULL, 'H' },
		{ "stream", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "class", required_argument, NULL, 'C' },
		{ "fine", no_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "cumulative", no_argument, NULL, 'U' },
		{ "by", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 'T' },
		{ "sort", required_argument, NULL, 'S' },
		{ "folded", no_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'r' },
		{ "maps", required_argument, NULL, 'm' },
		{ "heatmap", required_argument, NULL, 'M' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct sample cur = { 0 }, prev = { 0 };
	struct faults_opts o = { 0 };
	bool added = false, per_interval, have_prev = false;
	uint64_t iter;
	char dir[4096];
	pid_t pid;
	int ret, rc = EXIT_OK;

	ret = cmd_preamble("faults", argc, argv, ":Hsi:c:C:Fd:Uo:jhb:T:S:fr:m:M:", opts, faults_opt, &o,
			   &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	if (o.sites.by || o.sites.heatmap || o.sites.folded || o.sites.from || o.sites.maps ||
	    o.sites.top || o.sites.sort_latency)
		return faults_sites_cmd(pid, &o.sites, o.stream || o.hist || o.interval > 0 ||
					o.count || class_filter, o.duration);
	if (o.stream && (o.hist || o.interval > 0))
		return cmd_usage_err("faults", "--stream goes alone (not with --hist or --interval)");
	if (o.count && !o.stream && o.interval <= 0)
		return cmd_usage_err("faults", "--count needs --stream or --interval");
	if (o.duration > 0 && !o.stream && o.interval <= 0)
		return cmd_usage_err("faults", "--duration needs --stream or --interval");
	if (mmu_preflight())
		return EXIT_ERR;
	mmu_target_path(pid, NULL, dir, sizeof(dir));
	if (access(dir, F_OK)) {
		/* Counting starts when a process becomes a target. */
		if (!o.stream && o.interval <= 0) {
			p_err("process %d is not a target: no faults were counted", pid);
			p_hint("trace it from now with `mmuscope faults %d --interval 1`, or from exec with `mmuscope run -- CMD`", pid);
			return EXIT_ERR;
		}
		if (mmu_target_attach(pid, &added))
			return EXIT_ERR;
	}
	rc = check_classes(pid);
	if (rc)
		goto out;
	install_stop_handlers();
	if (o.duration > 0)
		deadline = mono_now() + o.duration;
	if (o.stream) {
		rc = stream(pid, o.count);
		goto out;
	}
	/*
	 * --interval: each sample covers the interval before it (a baseline
	 * first), unless --cumulative asks for the counts since the start.
	 */
	per_interval = o.interval > 0 && !o.cumulative;
	if (per_interval) {
		if (take_sample(pid, true, &prev)) {
			rc = EXIT_ERR;
			goto out;
		}
		have_prev = true;
		wait_interval(pid, o.interval);
	}
	for (iter = 0; !mmu_stop; iter++) {
		struct fstat_row *irows = NULL;
		bool last = false;

		if (o.interval > 0 && !target_alive(pid))
			last = true;	/* this sample has its final counts */
		if (take_sample(pid, o.hist || per_interval, &cur)) {
			rc = EXIT_ERR;
			break;
		}
		if (o.interval > 0 && !json_output && use_color)
			printf("\033[H\033[2J");
		if (per_interval)
			irows = interval_rows(&cur, &prev);
		show(pid, &cur, irows ? irows : cur.rows, have_prev ? &prev : NULL,
		     have_prev ? cur.t - prev.t : o.interval, per_interval, o.hist);
		free(irows);
		sample_free(&prev);
		prev = cur;
		have_prev = true;
		memset(&cur, 0, sizeof(cur));
		if (fflush(stdout) || stdout_closed())
			break;
		if (last) {
			ended("the traced process exited");
			break;
		}
		if (o.interval <= 0 || (o.count && iter + 1 >= o.count) || past_deadline())
			break;
		if (!json_output && !use_color)
			printf("\n");
		wait_interval(pid, o.interval);
	}
	sample_free(&prev);
out:
	mmu_target_detach(pid, added);
	return rc;
}

