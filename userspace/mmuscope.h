/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope reader: declarations shared by the subcommands.  The layers,
 * each using only those before it: json.h, kv.h (leaves) < util.c <
 * dbgfs.c < stream.c < fault_table.c, cmd.c < cmd_*.c < main.c.
 */
#ifndef MMUSCOPE_READER_H
#define MMUSCOPE_READER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>	/* struct option */
#include <sys/types.h>
#include "json.h"
#include "kv.h"

#define MMU_DEFAULT_ROOT	"/sys/kernel/debug/mmuscope"
#define MMU_DEBUGFS_MNT		"/sys/kernel/debug"
#define MMU_MODNAME		"mmuscope"
#define MMU_PARAM_DIR		"/sys/module/mmuscope/parameters"
#define MMU_READER_VERSION	"0.1.0"

/* Exit codes (README.md, "The mmuscope reader"). */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Global options (util.c; main.c sets them). */
extern bool json_output;
extern bool use_color;
extern const char *prog;

/* --- util.c: diagnostics, strict numbers, sizes, colour, /proc --- */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_pid(const char *s, pid_t *out);
int parse_addr(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out);
const char *human_bytes(uint64_t bytes, char *buf, size_t size);
const char *human_ns(uint64_t ns, char *buf, size_t size);
uint64_t pagesize_bytes(const char *s);	/* "4K" -> 4096, 0 if bad */
const char *col(const char *code);		/* "" when colour is off */
const char *unescape(const char *s, char *buf, size_t size);	/* \ooo */
#define C_RESET	"0"
#define C_BOLD	"1"
#define C_DIM	"2"
#define C_RED	"31"
#define C_GREEN	"32"
#define C_YELLOW "33"
#define C_BLUE	"34"
#define C_MAGENTA "35"
#define C_CYAN	"36"
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
double mono_now(void);
bool stdout_closed(void);
char *proc_comm(pid_t pid, char *buf, size_t size);
bool proc_exists(pid_t pid);
void jw_kv_value(struct jw *w, const char *val);	/* decimal -> number */
void jw_kv_line(struct jw *w, const struct kv_line *l);	/* an object */

/* --- dbgfs.c: the module's debugfs files, with diagnostics --- */
const char *mmu_root(void);
bool mmu_root_overridden(void);
int mmu_preflight(void);			/* 0, or -1 after p_err */
int mmu_read_path(const char *path, char **out, size_t *len);
int mmu_read_doc(const char *rel, struct kv_doc *doc);	/* p_err on error */
int mmu_read_target_raw(pid_t pid, const char *file, struct kv_doc *doc);
char *target_comm(pid_t pid, char *buf, size_t size);
int mmu_read_target_doc(pid_t pid, const char *file, struct kv_doc *doc);
int mmu_write_file(const char *rel, const char *data);	/* -errno */
int mmu_target_path(pid_t pid, const char *file, char *buf, size_t size);
int mmu_target_attach(pid_t pid, bool *added);	/* 0, or -1 after p_err */
void mmu_target_detach(pid_t pid, bool added);
int mmu_targets_list(pid_t **pids, size_t *n);
bool mmu_module_loaded(void);
int mmu_explain_add(pid_t pid, int err);
void mmu_temp_target(pid_t pid, bool temp);	/* taken out at any exit */
bool target_alive(pid_t pid);
void jw_targets(struct jw *w, const pid_t *pids, size_t n);
void install_stop_handlers(void);	/* first signal sets mmu_stop */
extern volatile sig_atomic_t mmu_stop;
int output_open(const char *path);	/* -o FILE: stdout to FILE.tmp.PID */
int output_finish(int rc);		/* rename on success, else drop */
const char *lockdown_mode(char *buf, size_t size);
uint64_t base_page_size(void);	/* of the data read */

/* --- stream.c: a target's fault stream, read in complete lines --- */
struct fstream {
	char path[4096];	/* <pid>/faults, for messages */
	double deadline;	/* mono_now() to end at; 0: none */
	bool stdout_ends;	/* end when stdout is closed, too */
	bool exited;		/* ended: the target exited, its last events read */
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap, pos;	/* bytes read, the next line at pos */
	bool draining;		/* the target has exited: one more read */
};
int fstream_open(struct fstream *s, pid_t pid, double deadline);	/* 0, or -1 after p_err */
int fstream_next(struct fstream *s);	/* 1: read some, 0: the end, or -errno */
char *fstream_line(struct fstream *s);	/* a complete line; NULL: none left */
void fstream_close(struct fstream *s);

/* --- fault_table.c: fault_stats rows, fault_hist buckets (faults, run, prom) --- */
struct fstat_row {
	char *class;
	uint64_t count, sum_ns, min_ns, max_ns, p50_ns, p90_ns, p99_ns;
};
int fault_stats_rows(const struct kv_doc *d, struct fstat_row **rows, size_t *n);
void fault_stats_table(FILE *f, const struct fstat_row *rows, size_t n,
		       const struct fstat_row *prev, size_t nprev, double interval);
void fault_stats_json(struct jw *w, const struct fstat_row *rows, size_t n);
struct fstat_row *fault_rows_sum(const struct kv_doc *stats, const struct kv_doc *hists,
				 size_t ndocs, size_t *nrows);
extern const char *class_filter;	/* --class LIST; NULL: every class */
bool class_selected(const char *class, const char *dflt);
const struct fstat_row *find_row(const struct fstat_row *rows, size_t n, const char *class);
struct bucket {
	uint64_t lo, hi, count;
};
size_t class_buckets(const struct kv_doc *cur, const struct kv_doc *prev,
		     const char *class, struct bucket **out);
uint64_t bucket_percentile(const struct bucket *b, size_t n, uint64_t total,
			   unsigned int pct, uint64_t min, uint64_t max);

/* --- events.c: fault events for an analysis (stream or --from FILE) --- */
struct fevent {
	uint64_t ts, va, ip, lat;
	pid_t pid, tid;
	char *comm, *class;
};
struct lost_mark {
	size_t before;		/* index of the event after the lost= line */
	uint64_t count;
};
struct fevents {
	struct fevent *ev;
	size_t n, cap;
	uint64_t lost;		/* sum of the lost= lines */
	struct lost_mark *lost_marks;
	size_t nmarks;
};
int events_read_file(const char *path, struct fevents *e);
int events_collect(pid_t pid, double duration, struct fevents *e);
void events_free(struct fevents *e);
bool event_has_class(const struct fevent *ev, const char *class);
const char *event_result(const struct fevent *ev);

/* --- sym.c: user ips to symbols (libdwfl), file+offset without --- */
struct maprange {
	uint64_t start, end, pgoff;
	char *name;
};
struct symres {
	uint64_t ip;
	char *func;		/* symbol, file+0xOFF, [kernel] or [unknown] 0xIP */
	char *module;		/* the mapped file, "" if none */
	char *build_id;		/* hex, "" if none */
	uint64_t offset;	/* ip - symbol (symbolized only) */
	uint64_t rel;		/* ip as the file's own address (addr2line -e) */
	bool symbolized;
};
struct symtab;
const char *sym_backend(void);
struct symtab *sym_open(pid_t pid, const char *maps_file);
void sym_close(struct symtab *st);
void sym_resolve(const struct symtab *st, uint64_t ip, bool kernel, struct symres *r);
void sym_res_free(struct symres *r);
size_t sym_maps(const struct symtab *st, const struct maprange **out);

/* --- sites.c: faults by code (symbols) and by mapping (fault_vmas) --- */
struct sym_site {
	char *func, *module, *build_id;
	uint64_t count, sum_ns, max_ns;
	uint64_t ip, rel, offset;	/* one ip of the site */
	bool symbolized;
};
size_t sym_sites(const struct fevents *e, const struct symtab *st, struct sym_site **out);
void sym_sites_free(struct sym_site *s, size_t n);
void sym_sites_sort(struct sym_site *s, size_t n, bool by_latency);
void sym_sites_table(FILE *f, const struct sym_site *s, size_t n, size_t top,
		     const struct fevents *e);
void sym_sites_json(struct jw *w, const struct sym_site *s, size_t n, size_t top);
void sym_folded(FILE *f, const struct fevents *e, const struct symtab *st);
struct vrow {
	char *name;		/* vma= (unescaped); "other" */
	uint64_t start, end;	/* of the first line merged */
	size_t nranges;		/* lines merged (--by file) */
	bool other;
	struct { char *key; uint64_t v; } *k;
	size_t nk;
};
uint64_t vrow_get(const struct vrow *r, const char *key);
int vma_rows_read(pid_t pid, bool by_file, struct vrow **out, size_t *nout, char **header);
void vma_rows_free(struct vrow *r, size_t n);
void vma_rows_sort(struct vrow *r, size_t n, bool by_latency);
bool vma_row_shown(const struct vrow *r, size_t i, size_t top);
void vma_rows_table(FILE *f, const struct vrow *r, size_t n, size_t top, bool by_file);
void vma_rows_json(struct jw *w, const struct vrow *r, size_t n, size_t top, bool by_file);
int vma_rows_explain(pid_t pid, int err);

/* --- heatmap.c: faults over address x time as SVG --- */
struct heatmap;
struct heatmap *heatmap_build(const struct fevents *e, const struct maprange *vmas, size_t nvmas,
			      unsigned int cols);
void heatmap_svg(FILE *f, const struct heatmap *h);
void heatmap_json(struct jw *w, const struct heatmap *h);
void heatmap_free(struct heatmap *h);
size_t vma_bands(pid_t pid, struct maprange **out);	/* <pid>/vmas, /proc/PID/maps, runs */
void vmas_free(struct maprange *v, size_t n);
void html_escape(FILE *f, const char *s);

/* --- cmd_faults_by.c: faults --by, --folded, --heatmap --- */
struct sites_opts {
	const char *by;		/* sym, vma, file; NULL: none */
	const char *from;	/* saved stream lines instead of the live stream */
	const char *maps;	/* a saved /proc/PID/maps for --from */
	const char *heatmap;	/* SVG file */
	size_t top;
	bool sort_latency, folded;
	double duration;
};
#define SITES_DEFAULT_DURATION	5.0
#define SITES_DEFAULT_TOP	20
int faults_sites(pid_t pid, const struct sites_opts *o);
int sites_opt(int opt, const char *arg, struct sites_opts *s);
int faults_sites_cmd(pid_t pid, struct sites_opts *s, bool other_modes, double duration);
int sites_gather(pid_t pid, const char *from, double duration, struct fevents *e);

/* --- commands --- */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
	unsigned int flags;
};

int do_load(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_status(int argc, char **argv);
int do_targets(int argc, char **argv);
int do_maps(int argc, char **argv);
int do_translate(int argc, char **argv);
int do_summary(int argc, char **argv);
int do_faults(int argc, char **argv);
int do_run(int argc, char **argv);
int do_prom(int argc, char **argv);
int do_check(int argc, char **argv);
int do_report(int argc, char **argv);

/* --- cmd.c: what the subcommands share --- */
extern const struct cmd *cmd_current;	/* the one running */
void cmd_usage(const struct cmd *c, FILE *f, const char *extra);
int cmd_common_opt(const char *name, int opt, char **argv);
int pid_arg(const char *name, int argc, char **argv, pid_t *pid);
#define COMMON_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "help", no_argument, NULL, 'h' }
/* cmd.flags */
#define CMD_NO_JSON	1	/* prom: its format is fixed */
#define CMD_OWN_OUTPUT	2	/* no common -o (run has its own, load/unload none) */
int cmd_usage_err(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define CMD_OPT_OTHER	(-2)	/* cmd_opt_fn: not the command's own option */
typedef int (*cmd_opt_fn)(int opt, const char *arg, void *ctx);
int cmd_preamble(const char *name, int argc, char **argv, const char *optstring,
		 const struct option *opts, cmd_opt_fn own, void *ctx, pid_t *pid,
		 char ***rest, int *nrest);


#endif
