/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmuscope reader: declarations shared by the subcommands.  The layers,
 * each using only those before it: json.h, kv.h (leaves) < util.c <
 * dbgfs.c < fault_table.c, cmd.c < cmd_*.c < main.c.
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
