// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: diagnostics, strict number parsing, human units, colour. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mmuscope.h"

/* Global options (main.c sets them). */
bool json_output;
bool use_color;
const char *prog = "mmuscope";

/*
 * The one error helper: plain text on stderr, or one JSON object per line
 * on stderr in --json mode, so stdout stays pure data either way.
 */
static void p_msg(const char *level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (json_output) {
		fprintf(stderr, "{\"%s\": \"", level);
		json_escape(stderr, buf);
		fprintf(stderr, "\"}\n");
		return;
	}
	if (!strcmp(level, "hint"))
		fprintf(stderr, "%s: %s\n", prog, buf);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, level, buf);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_msg("error", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_msg("warning", fmt, ap);
	va_end(ap);
}

/* A line that tells the user what to do after an error. */
void p_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p_msg("hint", fmt, ap);
	va_end(ap);
}

int parse_pid(const char *s, pid_t *out)
{
	uint64_t v;

	if (parse_dec_u64(s, &v) || v == 0 || v > 0x3fffffff)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

/* Addresses: 0x-prefixed hex, or decimal. Bare hex is refused, not guessed. */
int parse_addr(const char *s, uint64_t *out)
{
	return parse_u64(s, out);
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "K", "M", "G", "T", "P", "E" };
	double v = (double)bytes;
	unsigned int i = 0;

	while (v >= 1024 && i + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%lluB", (unsigned long long)bytes);
	else if (v == floor(v))
		snprintf(buf, size, "%.0f%s", v, unit[i]);
	else
		snprintf(buf, size, "%.1f%s", v, unit[i]);
	return buf;
}

const char *human_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
	return buf;
}

/* The module's page-size names: decimal and a K/M/G suffix. */
uint64_t pagesize_bytes(const char *s)
{
	uint64_t v;
	char num[32];
	size_t n;
	int shift;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 2 || n >= sizeof(num))
		return 0;
	switch (s[n - 1]) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: return parse_dec_u64(s, &v) ? 0 : v;
	}
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	if (parse_dec_u64(num, &v) || v > (UINT64_MAX >> shift))
		return 0;
	return v << shift;
}

const char *col(const char *code)
{
	static char buf[4][16];
	static int i;

	if (!use_color)
		return "";
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "\033[%sm", code);
	return buf[i];
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		p_err("out of memory");
		exit(EXIT_ERR);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		p_err("out of memory");
		exit(EXIT_ERR);
	}
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		p_err("out of memory");
		exit(EXIT_ERR);
	}
	return p;
}

char *proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return buf;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

bool proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}


double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The reader of our stdout pipe has gone (`| head`), or a write failed. */
bool stdout_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	if (ferror(stdout))
		return true;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/*
 * The module escapes ' ', '\t', '\n', '\\' and '=' in VMA names as \ooo
 * (as /proc/mounts does); names are shown as the kernel spells them.
 */
const char *unescape(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (!s || !strchr(s, '\\'))
		return s;
	while (*s && o + 1 < size) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			buf[o++] = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			buf[o++] = *s++;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* JSON of the module's lines.  A module value: whole decimal numbers become JSON numbers, rest strings. */
void jw_kv_value(struct jw *w, const char *val)
{
	uint64_t v;

	if (!parse_dec_u64(val, &v) && (val[0] != '0' || !val[1]))
		jw_u64(w, v);
	else
		jw_str(w, val);
}

void jw_kv_line(struct jw *w, const struct kv_line *l)
{
	size_t i;

	jw_obj_begin(w);
	for (i = 0; i < l->n; i++) {
		char name[512];

		jw_key(w, l->kv[i].key[0] ? l->kv[i].key : "value");
		if (!strcmp(l->kv[i].key, "vma"))
			jw_str(w, unescape(l->kv[i].val, name, sizeof(name)));
		else
			jw_kv_value(w, l->kv[i].val);
	}
	jw_obj_end(w);
}
