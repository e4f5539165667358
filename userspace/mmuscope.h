/* SPDX-License-Identifier: GPL-2.0 */
/* mmuscope reader: declarations shared by the subcommands. */
#ifndef MMUSCOPE_READER_H
#define MMUSCOPE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MMU_DEFAULT_ROOT	"/sys/kernel/debug/mmuscope"
#define MMU_DEBUGFS_MNT		"/sys/kernel/debug"
#define MMU_MODNAME		"mmuscope"
#define MMU_PARAM_DIR		"/sys/module/mmuscope/parameters"
#define MMU_READER_VERSION	"0.1.0"

/* Exit codes (DESIGN.md section 3). */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Global options (main.c). */
extern bool json_output;
extern bool use_color;
extern const char *prog;

/* --- util.c: diagnostics, strict numbers, sizes, colour --- */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_u64(const char *s, uint64_t *out);	/* 0x hex or decimal */
int parse_dec_u64(const char *s, uint64_t *out);
int parse_pid(const char *s, pid_t *out);
int parse_addr(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out);
const char *human_bytes(uint64_t bytes, char *buf, size_t size);
const char *human_ns(uint64_t ns, char *buf, size_t size);
uint64_t pagesize_bytes(const char *s);	/* "4K" -> 4096, 0 if bad */
const char *col(const char *code);		/* "" when colour is off */
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
uint64_t base_page_size(void);
void install_stop_handlers(void);
int pid_arg(const char *name, int argc, char **argv, pid_t *pid);
char *proc_comm(pid_t pid, char *buf, size_t size);
bool proc_exists(pid_t pid);

/* --- kv.c: the one parser for the module's key=value lines --- */
struct kv_pair {
	char *key;
	char *val;
};

struct kv_line {
	struct kv_pair *kv;
	size_t n;
	char *comment;		/* the text of a '#' line, else NULL */
};

struct kv_doc {
	struct kv_line *lines;
	size_t n;
	char *buf;		/* storage the pairs point into */
};

int kv_parse_line(char *s, struct kv_line *line);
int kv_parse_buf(char *buf, struct kv_doc *doc);
void kv_doc_free(struct kv_doc *doc);
const char *kv_get(const struct kv_line *l, const char *key);
int kv_u64(const struct kv_line *l, const char *key, uint64_t *out);
uint64_t kv_u64_or(const struct kv_line *l, const char *key, uint64_t dflt);
bool kv_is_data(const struct kv_line *l);

/* --- dbgfs.c: the module's debugfs files, with diagnostics --- */
const char *mmu_root(void);
bool mmu_root_overridden(void);
int mmu_preflight(void);			/* 0, or -1 after p_err */
int mmu_read_path(const char *path, char **out, size_t *len);
int mmu_read_doc(const char *rel, struct kv_doc *doc);	/* p_err on error */
int mmu_read_target_raw(pid_t pid, const char *file, struct kv_doc *doc);
int mmu_read_target_doc(pid_t pid, const char *file, struct kv_doc *doc);
int mmu_write_file(const char *rel, const char *data);	/* -errno */
int mmu_target_path(pid_t pid, const char *file, char *buf, size_t size);
int mmu_target_attach(pid_t pid, bool *added);	/* 0, or -1 after p_err */
void mmu_target_detach(pid_t pid, bool added);
int mmu_targets_list(pid_t **pids, size_t *n);
bool mmu_module_loaded(void);
const char *lockdown_mode(char *buf, size_t size);

/* --- json.c: a small streaming JSON writer --- */
struct jw;
struct jw *jw_new(FILE *f, bool pretty);
void jw_destroy(struct jw *w);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_hex(struct jw *w, uint64_t v);		/* "0x..." string */
void jw_kv_value(struct jw *w, const char *val);	/* decimal -> number */
void jw_kv_line(struct jw *w, const struct kv_line *l);	/* an object */
void json_escape(FILE *f, const char *s);

/* --- commands --- */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

int do_load(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_status(int argc, char **argv);
int do_maps(int argc, char **argv);
int do_translate(int argc, char **argv);
int do_summary(int argc, char **argv);
int do_faults(int argc, char **argv);
int do_run(int argc, char **argv);
int do_prom(int argc, char **argv);
int do_check(int argc, char **argv);

/* Common option handling for subcommands (main.c). */
const struct cmd *cmd_find(const char *name);
void cmd_usage(const struct cmd *c, FILE *f, const char *extra);
int cmd_common_opt(const char *name, int opt, char **argv);
#define COMMON_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "help", no_argument, NULL, 'h' }
int cmd_usage_err(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* faults.c helpers shared with run.c and prom.c */
struct fstat_row {
	char *class;
	uint64_t count, sum_ns, min_ns, max_ns, p50_ns, p90_ns, p99_ns;
};
int fault_stats_rows(const struct kv_doc *d, struct fstat_row **rows, size_t *n);
void fault_stats_table(FILE *f, const struct fstat_row *rows, size_t n, const struct fstat_row *prev, size_t nprev, double interval);
void fault_stats_json(struct jw *w, const struct fstat_row *rows, size_t n);

#endif
