// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `faults PID --by sym|vma|file [--folded]` and
 * `faults PID --heatmap FILE`: where the faults come from, by code (the
 * stream's ips, symbolized) and by mapping (the module's fault_vmas), and
 * the faults over address x time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

/* The events: from --from FILE, else the live stream for @duration s. */
int sites_gather(pid_t pid, const char *from, double duration, struct fevents *e)
{
	if (from)
		return events_read_file(from, e);
	if (!json_output)
		fprintf(stderr, "%s: reading the fault stream of %d for %.3g s (^C ends it)\n",
			prog, pid, duration);
	return events_collect(pid, duration, e);
}

static int by_vma(pid_t pid, const struct sites_opts *o)
{
	bool by_file = !strcmp(o->by, "file");
	struct vrow *rows;
	char *header;
	size_t n;
	int ret;

	ret = vma_rows_read(pid, by_file, &rows, &n, &header);
	if (ret)
		return vma_rows_explain(pid, ret);
	vma_rows_sort(rows, n, o->sort_latency);
	if (json_output) {
		struct jw *w = jw_new(stdout, true);

		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, pid);
		jw_key(w, "format");
		jw_str(w, header ? header : "");
		jw_key(w, by_file ? "files" : "vmas");
		vma_rows_json(w, rows, n, o->top, by_file);
		jw_obj_end(w);
		jw_destroy(w);
	} else {
		vma_rows_table(stdout, rows, n, o->top, by_file);
	}
	free(header);
	vma_rows_free(rows, n);
	return EXIT_OK;
}

static int write_heatmap(pid_t pid, const struct sites_opts *o, const struct fevents *e,
			 const struct symtab *st)
{
	const struct maprange *mr;
	struct maprange *v = NULL;
	struct heatmap *h;
	size_t nv;
	FILE *f;

	nv = sym_maps(st, &mr);
	if (!nv) {
		nv = vma_bands(pid, &v);
		mr = v;
	}
	h = heatmap_build(e, mr, nv, 0);
	vmas_free(v, v ? nv : 0);
	f = fopen(o->heatmap, "we");
	if (!f) {
		p_err("%s: %s", o->heatmap, strerror(errno));
		heatmap_free(h);
		return EXIT_ERR;
	}
	heatmap_svg(f, h);
	if (fclose(f)) {
		p_err("%s: %s", o->heatmap, strerror(errno));
		heatmap_free(h);
		return EXIT_ERR;
	}
	if (json_output && !o->by) {
		struct jw *w = jw_new(stdout, false);

		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, pid);
		jw_key(w, "svg");
		jw_str(w, o->heatmap);
		jw_key(w, "heatmap");
		heatmap_json(w, h);
		jw_obj_end(w);
		jw_destroy(w);
	} else if (!json_output) {
		fprintf(stderr, "%s: heatmap of %" PRIu64 " events (%" PRIu64 " lost) in %s\n",
			prog, (uint64_t)e->n, e->lost, o->heatmap);
	}
	heatmap_free(h);
	return EXIT_OK;
}

int faults_sites(pid_t pid, const struct sites_opts *o)
{
	struct symtab *st = NULL;
	struct sym_site *s;
	struct fevents e;
	size_t n;
	int rc = EXIT_OK;

	if (o->by && strcmp(o->by, "sym"))
		return by_vma(pid, o);
	if (sites_gather(pid, o->from, o->duration, &e))
		return EXIT_ERR;
	if (o->by || o->maps)
		st = sym_open(pid, o->maps);
	if (o->heatmap)
		rc = write_heatmap(pid, o, &e, st);
	if (rc || !o->by)
		goto out;
	if (o->folded) {
		sym_folded(stdout, &e, st);
		goto out;
	}
	n = sym_sites(&e, st, &s);
	sym_sites_sort(s, n, o->sort_latency);
	if (json_output) {
		struct jw *w = jw_new(stdout, true);

		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_i64(w, pid);
		jw_key(w, "events");
		jw_u64(w, e.n);
		jw_key(w, "lost");
		jw_u64(w, e.lost);
		jw_key(w, "symbolizer");
		jw_str(w, st ? sym_backend() : "none (no mappings)");
		jw_key(w, "sites");
		sym_sites_json(w, s, n, o->top);
		jw_obj_end(w);
		jw_destroy(w);
	} else {
		sym_sites_table(stdout, s, n, o->top, &e);
	}
	sym_sites_free(s, n);
out:
	sym_close(st);
	events_free(&e);
	return rc;
}

/* The options of --by and --heatmap (faults_opt passes them on). */
int sites_opt(int opt, const char *arg, struct sites_opts *s)
{
	switch (opt) {
	case 'b':
		if (strcmp(arg, "sym") && strcmp(arg, "vma") && strcmp(arg, "file"))
			return cmd_usage_err("faults", "--by takes sym, vma or file, not '%s'", arg);
		s->by = arg;
		return -1;
	case 'T': {
		uint64_t v;

		if (parse_dec_u64(arg, &v) || !v || v > 1000000)
			return cmd_usage_err("faults", "--top takes a number > 0, not '%s'", arg);
		s->top = v;
		return -1;
	}
	case 'S':
		if (strcmp(arg, "count") && strcmp(arg, "latency"))
			return cmd_usage_err("faults", "--sort takes count or latency, not '%s'", arg);
		s->sort_latency = !strcmp(arg, "latency");
		return -1;
	case 'f':
		s->folded = true;
		return -1;
	case 'r':
		s->from = arg;
		return -1;
	case 'm':
		s->maps = arg;
		return -1;
	case 'M':
		s->heatmap = arg;
		return -1;
	default:
		return CMD_OPT_OTHER;
	}
}

/* --by, --heatmap: checks, then the target for the stream's duration. */
int faults_sites_cmd(pid_t pid, struct sites_opts *s, bool other_modes, double duration)
{
	bool added = false, live;
	int rc;

	if (!s->by && !s->heatmap)
		return cmd_usage_err("faults", "--top, --sort, --folded, --from and --maps go with --by or --heatmap");
	if (other_modes)
		return cmd_usage_err("faults", "--by and --heatmap go without --stream, --hist, --interval, --count and --class");
	if (s->folded && (!s->by || strcmp(s->by, "sym") || json_output))
		return cmd_usage_err("faults", "--folded goes with --by sym, without --json");
	live = (s->by && strcmp(s->by, "sym")) || !s->from;
	if (s->by && strcmp(s->by, "sym") && (s->from || s->maps || s->heatmap))
		return cmd_usage_err("faults", "--by %s reads the module's fault_vmas: no --from, --maps or --heatmap", s->by);
	if (duration > 0 && (s->from || (s->by && strcmp(s->by, "sym"))))
		return cmd_usage_err("faults", "--duration is for the live stream (not --from, not --by vma|file)");
	if (s->maps && !s->from)
		return cmd_usage_err("faults", "--maps goes with --from (a live process has its own)");
	if (!s->top)
		s->top = SITES_DEFAULT_TOP;
	s->duration = duration > 0 ? duration : SITES_DEFAULT_DURATION;
	if (!live)
		return faults_sites(pid, s);
	if (mmu_preflight())
		return EXIT_ERR;
	if (s->by && strcmp(s->by, "sym"))
		return faults_sites(pid, s);
	if (mmu_target_attach(pid, &added))
		return EXIT_ERR;
	install_stop_handlers();
	rc = faults_sites(pid, s);
	mmu_target_detach(pid, added);
	return rc;
}
