// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz every writable interface of mmuscope: the debugfs files (targets,
 * and the per-target translate, fault_stats and fault_hist when present)
 * and every module parameter (at load time and, for the writable ones,
 * through /sys/module/mmuscope/parameters).  Each input gets a prediction
 * from a model of the documented parser (or of the kernel's own parser for
 * module parameters); a refused input must fail with the predicted errno
 * and leave everything readable unchanged, an accepted one must have been
 * valid and have exactly its documented effect.  Inputs: random bytes,
 * huge and negative numbers, boundary numbers, oversize and empty writes,
 * embedded NULs, bad user pointers, partial writes (a second write on the
 * same descriptor, writes at an offset, writev fragments) and concurrent
 * writes from threads.
 *
 * The corpus is deterministic: MMU_FUZZ_SEED (default below) seeds it and
 * MMU_FUZZ_ITERS scales it (scripts/stress runs a long random one).
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "mmuscope_test.h"

#define FUZZ_DEFAULT_SEED	0x6d6d7573636f7065ULL	/* "mmuscope" */
#define FUZZ_DEFAULT_ITERS	150
#define FUZZ_THREADS		4
#define STATE_MAX		(1 << 16)
#define INPUT_MAX		8200
#define TARGETS_BUF		24	/* module: char buf[24] in targets_write */
#define NR_KIDS			FUZZ_THREADS
/*
 * Timeouts (s) are for the KASAN debug kernel under TCG, ~10x slower than
 * the matrix's kernels; the harness default of 30 s is far too short there.
 */

/* ------------------------------------------------------------------ */
/* deterministic random numbers (xorshift64*)                          */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned int rng_below(struct rng *r, unsigned int n)
{
	return n ? rng_next(r) % n : 0;
}

static uint64_t fuzz_seed(void)
{
	const char *s = getenv("MMU_FUZZ_SEED");

	return s && *s ? strtoull(s, NULL, 0) | 1 : FUZZ_DEFAULT_SEED;
}

static unsigned int fuzz_iters(void)
{
	const char *s = getenv("MMU_FUZZ_ITERS");
	long n = s && *s ? strtol(s, NULL, 0) : 0;

	return n > 0 ? n : FUZZ_DEFAULT_ITERS;
}

/* ------------------------------------------------------------------ */
/* models of the parsers                                                */

/* lib/kstrtox.c: kstrtoll(s, base), range-checked to int by kstrtoint. */
static int model_kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long long v = 0;
	bool neg = false, ovf = false;
	unsigned int n = 0;

	if (s[0] == '-') {
		neg = true;
		s++;
	} else if (s[0] == '+') {
		s++;
	}
	if (base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2]))
				base = 16;
			else
				base = 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	for (;; s++, n++) {
		unsigned int c = (unsigned char)*s, lc = c | 0x20, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - d) / base)
			ovf = true;
		v = v * base + d;
	}
	if (ovf)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	if (neg) {
		if (v > (unsigned long long)INT_MAX + 1)
			return -ERANGE;
		*res = (int)-(long long)v;
	} else {
		if (v > INT_MAX)
			return -ERANGE;
		*res = (int)v;
	}
	return 0;
}

/*
 * Whether the running kernel's kstrtobool takes "e"/"d" (enable/disable)
 * as a first letter: Debian's 7.3 does (measured: "follow" accepts
 * "DCE" and "eset"), 6.1 and 6.12 refuse them.  Releases in between are
 * not known: the model switches at 7.0.
 */
static bool kstrtobool_takes_enable(void)
{
	static int major = -1;
	struct utsname u;

	if (major < 0)
		major = uname(&u) ? 0 : atoi(u.release);
	return major >= 7;
}

/* lib/kstrtox.c: kstrtobool. */
static int model_kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'e': case 'E':
		if (!kstrtobool_takes_enable())
			break;
		*res = true;
		return 0;
	case 'd': case 'D':
		if (!kstrtobool_takes_enable())
			break;
		*res = false;
		return 0;
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if ((s[1] | 0x20) == 'n') {
			*res = true;
			return 0;
		}
		if ((s[1] | 0x20) == 'f') {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * What mmu_target_add() says about process @nr, from the kernel's own
 * view in /proc: -ESRCH (none, or exiting/zombie), -EINVAL (not positive,
 * kernel thread, or a thread that is not the group leader), else 0.
 */
static int model_target_check(int nr)
{
	char path[64], buf[4096], *p;
	unsigned long flags = 0;
	int tgid = -1, i;

	if (nr <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/status", nr);
	if (mmu_read_file(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	p = strstr(buf, "\nTgid:");
	if (p)
		tgid = atoi(p + 6);
	snprintf(path, sizeof(path), "/proc/%d/stat", nr);
	if (mmu_read_file(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	p = strrchr(buf, ')');
	if (!p)
		return -ESRCH;
	/* ") S ppid pgrp session tty tpgid flags" */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	if (flags & 0x00200000)		/* PF_KTHREAD */
		return -EINVAL;
	if (tgid != nr)
		return -EINVAL;
	if (strstr(buf, ") Z ") || strstr(buf, ") X "))
		return -ESRCH;
	return 0;
}

/* ------------------------------------------------------------------ */
/* state and the fuzzed files                                          */

enum ffile {
	F_TARGETS,
	F_TRANSLATE,
	F_FAULT_STATS,
	F_FAULT_HIST,
	F_FOLLOW,		/* /sys/module/mmuscope/parameters/follow */
	F_NR,
};

static const char *const ffile_name[F_NR] = {
	"targets", "translate", "fault_stats", "fault_hist", "follow",
};

struct fuzz_ctx {
	pid_t target;			/* fixture's target (a child) */
	pid_t kids[NR_KIDS];		/* private pids for concurrent add/remove */
	pid_t zombie;
	pid_t tid;			/* a thread of ours (not a leader) */
	int kid_pipe[2];
	char path[F_NR][PATH_MAX];
	bool present[F_NR];
	unsigned long target_va;	/* a mapped address in the target */
};

/* Everything the writable interfaces could change, as one string. */
static void snapshot(struct fuzz_ctx *c, char *out, size_t size)
{
	static const enum ffile order[] = {
		F_TARGETS, F_FOLLOW, F_TRANSLATE, F_FAULT_STATS, F_FAULT_HIST,
	};
	size_t len = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum ffile f = order[i];
		ssize_t n;

		if (!c->present[f] || len + 64 >= size)
			continue;
		len += snprintf(out + len, size - len, "== %s\n", ffile_name[f]);
		n = mmu_read_file(c->path[f], out + len, size - len);
		if (n < 0)
			len += snprintf(out + len, size - len, "errno %d\n", (int)-n);
		else
			len += n;
	}
}

static bool is_target(pid_t pid)
{
	return mmu_targets_has(pid) == 1;
}

/*
 * Predict a whole write of @len bytes at offset 0: 0 or -errno, or 1 for
 * "either 0 or -EINVAL" (translate's exact number syntax is its author's
 * choice; an accepted input must still look like a user address).
 * Also returns the parsed command in @nr / @remove / @bval.
 */
struct pred {
	int ret;
	int nr;
	bool remove;
	bool bval;
	unsigned long long vas[3];	/* translate: the possible readings */
};

static bool has_nul(const char *buf, size_t len)
{
	return memchr(buf, '\0', len) != NULL;
}

/* mmu_copy_input(): the C string, or -EINVAL. */
static int model_copy_input(const char *buf, size_t len, size_t size,
			    char *out)
{
	if (len == 0 || len >= size || has_nul(buf, len))
		return -EINVAL;
	memcpy(out, buf, len);
	out[len] = '\0';
	if (out[len - 1] == '\n')
		out[--len] = '\0';
	/* One trailing newline only: kstrto* would take a second. */
	return len && !strchr(out, '\n') ? 0 : -EINVAL;
}

static struct pred predict_targets(struct fuzz_ctx *c, const char *buf, size_t len)
{
	struct pred p = { .ret = -EINVAL };
	char s[TARGETS_BUF + 1], *q;

	if (model_copy_input(buf, len, TARGETS_BUF, s))
		return p;
	q = s;
	if (*q == '+' || *q == '-') {
		p.remove = *q == '-';
		q++;
	}
	if (*q < '0' || *q > '9' || model_kstrtoint(q, 10, &p.nr))
		return p;
	if (p.remove) {
		p.ret = p.nr <= 0 ? -EINVAL : is_target(p.nr) ? 0 : -ENOENT;
		return p;
	}
	p.ret = model_target_check(p.nr);
	if (!p.ret && is_target(p.nr))
		p.ret = -EEXIST;
	return p;
}

/*
 * Lowest address that is never a user address (TASK_SIZE_MAX, rounded up
 * to a power of two): asked of the kernel, not of the arch.  The highest
 * 2^k - 2 pages where MAP_FIXED_NOREPLACE succeeds is just below the limit:
 * 2^47 / 2^56 on x86_64 (4/5 levels), 2^48 on arm64 VA_BITS=48, 2^52 with
 * 52-bit VAs.
 */
static unsigned long long user_va;

static void user_va_probe(void)
{
	unsigned long long pg = (unsigned long long)sysconf(_SC_PAGESIZE);
	unsigned long long limit = 1ULL << 47;
	unsigned int k;

	for (k = 39; k <= 57; k++) {
		void *want = (void *)(uintptr_t)((1ULL << k) - 2 * pg);
		void *p = mmap(want, pg, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED) {
			if (errno == EEXIST)	/* taken, so it is a user address */
				limit = 1ULL << k;
			continue;
		}
		if (p == want)
			limit = 1ULL << k;
		munmap(p, pg);
	}
	user_va = limit;
}

static unsigned long long user_va_limit(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	/*
	 * Once per test process: concurrent_writes' threads ask together, and
	 * one that saw a half-done probe would model 2^51 as refused.
	 */
	pthread_once(&once, user_va_probe);
	return user_va;
}

/*
 * translate: the number syntax (0x prefix optional?) is its author's; a
 * refused input is always fine, an accepted one must be one hex or
 * decimal number below the user limit, and the read-back must show it.
 */
static struct pred predict_translate(const char *buf, size_t len)
{
	struct pred p = { .ret = -EINVAL };
	unsigned long long v[3];
	unsigned int i, base[3] = { 0, 16, 10 }, ok = 0;
	char s[256], *end;

	if (len >= sizeof(s) || model_copy_input(buf, len, sizeof(s), s))
		return p;
	if (!isxdigit((unsigned char)s[0]))
		return p;		/* sign, space, junk first: refused */
	for (i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtoull(s, &end, base[i]);
		p.vas[i] = ~0ULL;
		if (!errno && !*end && v[i] < user_va_limit()) {
			p.vas[i] = v[i];
			ok++;
		}
	}
	if (ok)
		p.ret = 1;
	return p;
}

static struct pred predict_reset(const char *buf, size_t len)
{
	struct pred p = { .ret = -EINVAL };
	char s[64];

	if (model_copy_input(buf, len, sizeof(s), s))
		return p;
	if (!strcmp(s, "reset"))
		p.ret = 0;
	return p;
}

/* sysfs: kernfs truncates to a page, param_set_bool -> kstrtobool. */
static struct pred predict_follow(const char *buf, size_t len)
{
	struct pred p = { .ret = -EINVAL };
	char s[8] = "";

	if (len == 0) {
		p.ret = 1;	/* sysfs_kf_write: 0 bytes is a no-op */
		return p;
	}
	memcpy(s, buf, len < 2 ? len : 2);
	p.ret = model_kstrtobool(s, &p.bval);
	return p;
}

static struct pred predict(struct fuzz_ctx *c, enum ffile f, const char *buf,
			   size_t len)
{
	switch (f) {
	case F_TARGETS:
		return predict_targets(c, buf, len);
	case F_TRANSLATE:
		return predict_translate(buf, len);
	case F_FAULT_STATS:
	case F_FAULT_HIST:
		return predict_reset(buf, len);
	default:
		return predict_follow(buf, len);
	}
}

/* ------------------------------------------------------------------ */
/* input generation                                                     */

static const char *const boundary[] = {
	"0", "-0", "+0", "00", "-1", "1", "2", "2147483647", "2147483648",
	"-2147483648", "-2147483649", "4294967295", "4294967296",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999999", "0x7fffffff", "0xffffffff",
	"0xffffffffffffffff", "0x1ffffffffffffffff", "-0x1", "0x", "0x-1",
	"0b101", "1e9", "1.0", "NaN", "inf", "0x8000000000000000",
	"0xffff888000000000", "0xffffffff81000000", "0x0000800000000000",
	"0x0100000000000000", "0xffffffffffffffffffffffffffff", "-4096",
	"0xfffffffffffff000", "reset", "RESET", "reset\n\n", "rese", "resetx",
	" reset", "y", "n", "Y", "N", "on", "off", "of", "o", "yes", "no",
	"true", "false", "t", "f", "\n", "\n\n", " ", "\t1", "+", "-", "--1",
	"+-1", "-+1", "++1", "1 2", "1\n2", "%d%s%n", "../../etc/passwd",
};

static const char nasty[] = "0123456789+-xX abcdefABCDEF\n\t.yYnNoO";

static size_t gen_input_any(struct rng *r, struct fuzz_ctx *c, char *buf);

/*
 * One input for @f.  sysfs (follow) takes at most a page per write and
 * reports the rest as not written: that is the kernel's business, so
 * inputs for it stop at a page.
 */
static size_t gen_input(struct rng *r, struct fuzz_ctx *c, enum ffile f,
			char *buf)
{
	size_t len = gen_input_any(r, c, buf);

	if (f == F_FOLLOW && len > 4096)
		len = 4096;
	return len;
}

static size_t gen_input_any(struct rng *r, struct fuzz_ctx *c, char *buf)
{
	size_t len, i;
	const char *s;
	pid_t pid;

	switch (rng_below(r, 8)) {
	case 0:			/* random bytes */
		len = rng_below(r, 40);
		for (i = 0; i < len; i++)
			buf[i] = rng_next(r);
		return len;
	case 1:			/* nasty alphabet */
		len = rng_below(r, 30);
		for (i = 0; i < len; i++)
			buf[i] = nasty[rng_below(r, sizeof(nasty) - 1)];
		return len;
	case 2:			/* huge number, either sign */
		s = rng_below(r, 3) == 0 ? "-" : rng_below(r, 2) ? "+" : "";
		len = sprintf(buf, "%s", s);
		for (i = 10 + rng_below(r, 30); i > 0; i--)
			buf[len++] = '0' + rng_below(r, 10);
		if (rng_below(r, 2))
			buf[len++] = '\n';
		return len;
	case 3:			/* boundary values, maybe signed/newline */
		s = boundary[rng_below(r, sizeof(boundary) / sizeof(boundary[0]))];
		len = sprintf(buf, "%s%s%s", rng_below(r, 4) ? "" : "-", s,
			      rng_below(r, 2) ? "\n" : "");
		return len;
	case 4:			/* oversize */
		len = (size_t[]){ 23, 24, 25, 63, 64, 255, 256, 4095, 4096,
				  4097, 8191 }[rng_below(r, 11)];
		for (i = 0; i < len; i++)
			buf[i] = '0' + rng_below(r, 10);
		if (rng_below(r, 2))
			buf[0] = "+-yr"[rng_below(r, 4)];
		return len;
	case 5:			/* plausible pid, target or not */
		pid = (pid_t[]){ c->target, 1, 2, getpid(), c->zombie, c->tid,
				 4194304, 32768, c->kids[0] }[rng_below(r, 9)];
		len = sprintf(buf, "%s%d%s", (const char *[]){ "", "+", "-",
			      "--", " ", "0" }[rng_below(r, 6)], pid,
			      (const char *[]){ "", "\n", "\n\n", " ", "x",
			      "\0", "0" }[rng_below(r, 7)]);
		if (buf[len - 1] == '\0' || rng_below(r, 8) == 0)
			len++;	/* embedded/trailing NUL */
		return len;
	case 6:			/* plausible address */
		len = sprintf(buf, (const char *[]){ "0x%llx", "%llx", "%llu",
			      "0X%llX", "0x%llx\n", "-0x%llx", "0x%llx0",
			      " 0x%llx" }[rng_below(r, 8)],
			      (unsigned long long)((unsigned long long[]){
			      c->target_va, 0x1000, 0, 0x7ffffffff000ULL,
			      0x800000000000ULL, 0xffff800000000000ULL,
			      rng_next(r), rng_next(r) >> 16 }[rng_below(r, 8)]));
		return len;
	default:		/* mutated valid command */
		len = sprintf(buf, "%s", (const char *[]){ "reset", "1", "0",
			      "+1", "-1", "0x1000", "Y" }[rng_below(r, 7)]);
		i = rng_below(r, len + 1);
		switch (rng_below(r, 3)) {
		case 0:
			buf[i] ^= 1 << rng_below(r, 8);
			if (i == len)
				len++;
			break;
		case 1:
			memmove(buf + i + 1, buf + i, len - i);
			buf[i] = rng_next(r);
			len++;
			break;
		default:
			if (len) {
				memmove(buf + i, buf + i + 1, len - i);
				len -= i < len;
			}
		}
		return len;
	}
}

/* ------------------------------------------------------------------ */
/* applying one write and judging it                                   */

/* Undo an accepted write so the next input starts from the same state. */
static int undo(struct fuzz_ctx *c, enum ffile f, const struct pred *p,
		const char *follow_before)
{
	char buf[64];

	switch (f) {
	case F_TARGETS:
		snprintf(buf, sizeof(buf), "%s%d", p->remove ? "+" : "-", p->nr);
		return mmu_write_str(c->path[F_TARGETS], buf);
	case F_FOLLOW:
		return mmu_write_str(c->path[F_FOLLOW], follow_before);
	default:
		return 0;	/* translate / reset: the new state is the point */
	}
}

/*
 * Check the effect of an accepted write against the kernel's view.
 * Returns NULL or a reason.
 */
static const char *check_effect(struct fuzz_ctx *c, enum ffile f,
				const struct pred *p)
{
	static char why[128];
	char buf[STATE_MAX];
	unsigned int i;

	switch (f) {
	case F_TARGETS:
		if (is_target(p->nr) == p->remove) {
			snprintf(why, sizeof(why), "pid %d %s listed", p->nr,
				 p->remove ? "still" : "not");
			return why;
		}
		return NULL;
	case F_FOLLOW:
		if (mmu_read_file(c->path[F_FOLLOW], buf, sizeof(buf)) < 0)
			return "follow unreadable";
		if (buf[0] != (p->bval ? 'Y' : 'N'))
			return "follow has the wrong value";
		return NULL;
	case F_TRANSLATE:
		if (mmu_read_file(c->path[F_TRANSLATE], buf, sizeof(buf)) < 0)
			return "translate unreadable after a valid address";
		for (i = 0; i < 3; i++) {
			if (p->vas[i] == ~0ULL)
				continue;
			snprintf(why, sizeof(why), "va=0x%llx", p->vas[i]);
			if (strstr(buf, why))
				return NULL;
		}
		return "translate does not show the address written";
	default:
		return NULL;
	}
}

/* Up to @size-1 bytes of @buf, escaped, for messages. */
static const char *show(const char *buf, size_t len)
{
	static __thread char out[216];
	size_t i, o = 0;

	for (i = 0; i < len && o + 24 < sizeof(out); i++) {
		unsigned char ch = buf[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = ch;
		else
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
	}
	out[o] = '\0';
	if (i < len)
		snprintf(out + o, sizeof(out) - o, "...(%zu)", len);
	return out;
}

static int write_once(const char *path, const void *buf, size_t len)
{
	return mmu_write_buf(path, buf, len);
}

/* ------------------------------------------------------------------ */
/* fixture                                                              */

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/*
 * The target: maps and touches 64 pages when told (so that it has faults
 * to count after it became a target), then sleeps.
 */
static pid_t spawn_target(int go_fd, int done_fd, unsigned long *va)
{
	size_t sz = 64 * 4096;
	char *mem = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (mem == MAP_FAILED)
		return -1;
	*va = (unsigned long)mem;
	pid = fork();
	if (pid == 0) {
		char ch;

		if (read(go_fd, &ch, 1) == 1) {
			for (size_t i = 0; i < sz; i += 4096)
				mem[i] = 1;
			if (write(done_fd, "k", 1) != 1)
				_exit(1);
		}
		for (;;)
			pause();
	}
	munmap(mem, sz);
	return pid;
}

FIXTURE(fuzz) {
	struct fuzz_ctx c;
	pthread_t thread;
	bool have_thread;
};

FIXTURE_SETUP(fuzz)
{
	const char *why = mmu_preflight();
	struct fuzz_ctx *c = &self->c;
	int go[2], done[2], i;
	char ch, buf[64];

	memset(c, 0, sizeof(*c));
	c->target = c->zombie = -1;
	for (i = 0; i < NR_KIDS; i++)
		c->kids[i] = -1;
	self->have_thread = false;
	if (why)
		SKIP(return, "%s", why);

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	c->target = spawn_target(go[0], done[1], &c->target_va);
	ASSERT_GT(c->target, 0);
	for (i = 0; i < NR_KIDS; i++) {
		c->kids[i] = mmu_spawn_sleeper();
		ASSERT_GT(c->kids[i], 0);
	}
	c->zombie = fork();
	ASSERT_GE(c->zombie, 0);
	if (c->zombie == 0)
		_exit(0);
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, idle_thread, NULL));
	self->have_thread = true;
	for (i = 0; i < 200 && c->tid <= 0; i++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		ASSERT_NE(NULL, d);
		while ((e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid())
				c->tid = atoi(e->d_name);
		closedir(d);
		if (c->tid <= 0)
			usleep(5000);
	}
	ASSERT_GT(c->tid, 0);
	/* The zombie stays a zombie: we never wait for it during the test. */
	for (i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "/proc/%d/stat", c->zombie);
		if (mmu_read_file(buf, buf, sizeof(buf)) > 0 && strstr(buf, ") Z "))
			break;
		usleep(5000);
	}

	ASSERT_EQ(0, mmu_load(""));
	snprintf(buf, sizeof(buf), "%d", c->target);
	ASSERT_EQ(0, mmu_write_str(MMU_ROOT "/targets", buf));
	/* Now let it fault, so that its fault counters are not all zero. */
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(done[0], &ch, 1));
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);

	snprintf(c->path[F_TARGETS], PATH_MAX, MMU_ROOT "/targets");
	for (i = F_TRANSLATE; i <= F_FAULT_HIST; i++)
		snprintf(c->path[i], PATH_MAX, MMU_ROOT "/%d/%s", c->target,
			 ffile_name[i]);
	snprintf(c->path[F_FOLLOW], PATH_MAX,
		 "/sys/module/mmuscope/parameters/follow");
	for (i = 0; i < F_NR; i++) {
		c->present[i] = access(c->path[i], F_OK) == 0;
		if (!c->present[i])
			TH_LOG("%s: not in this module version, not fuzzed",
			       c->path[i]);
	}
	/* translate starts from a known address. */
	if (c->present[F_TRANSLATE]) {
		snprintf(buf, sizeof(buf), "0x%lx", c->target_va);
		ASSERT_EQ(0, mmu_write_str(c->path[F_TRANSLATE], buf));
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	struct fuzz_ctx *c = &self->c;
	int i;

	if (self->have_thread) {
		pthread_cancel(self->thread);
		pthread_join(self->thread, NULL);
	}
	mmu_reap(c->target);
	for (i = 0; i < NR_KIDS; i++)
		mmu_reap(c->kids[i]);
	if (c->zombie > 0)
		waitpid(c->zombie, NULL, 0);
	if (mmu_is_loaded())
		EXPECT_EQ(0, mmu_unload());
}

/* ------------------------------------------------------------------ */
/* tests                                                                */

/*
 * Nothing writable escapes the fuzzer: every writable debugfs file and
 * every parameter the module declares must be one this test knows.  Also
 * checks the security contract: every file is root-only.
 */
TEST_F_TIMEOUT(fuzz, inventory, 120)
{
	static const char *const known_params[] = {
		"target_pid", "follow", "dump_on_load",
		"fault_buffer_kb", "follow_max",	/* numeric_params */
		"targets", "translate", "reset_faults",	/* param_commands */
	};
	char dirs[2][256], *ko, *p;
	size_t kolen = 0;
	unsigned int d, i;
	ssize_t n;
	int fd;

	snprintf(dirs[0], sizeof(dirs[0]), MMU_ROOT);
	snprintf(dirs[1], sizeof(dirs[1]), MMU_ROOT "/%d", self->c.target);
	for (d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		ASSERT_NE(NULL, dir);
		while ((e = readdir(dir))) {
			char path[PATH_MAX];
			struct stat st;
			bool known = false;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			ASSERT_EQ(0, stat(path, &st));
			if (!S_ISREG(st.st_mode))
				continue;
			EXPECT_EQ(0U, st.st_mode & 0077) TH_LOG("%s is not root-only", path);
			if (!(st.st_mode & 0200))
				continue;
			for (i = 0; i < F_FOLLOW; i++)
				if (!strcmp(path, self->c.path[i]))
					known = true;
			EXPECT_TRUE(known) TH_LOG("writable %s is not fuzzed: add it to fuzz_test.c", path);
		}
		closedir(dir);
	}

	/* Parameters: every "parmtype=NAME:" in the module's .modinfo. */
	ko = malloc(8 << 20);
	ASSERT_NE(NULL, ko);
	fd = open(mmu_ko_path(), O_RDONLY);
	ASSERT_GE(fd, 0);
	while ((n = read(fd, ko + kolen, (8 << 20) - 1 - kolen)) > 0)
		kolen += n;
	close(fd);
	ko[kolen] = '\0';
	for (p = ko; (p = memmem(p, ko + kolen - p, "parmtype=", 9)); p += 9) {
		char name[64];
		bool known = false;

		if (sscanf(p + 9, "%63[^:]", name) != 1)
			continue;
		for (i = 0; i < sizeof(known_params) / sizeof(known_params[0]); i++)
			if (!strcmp(name, known_params[i]))
				known = true;
		EXPECT_TRUE(known) TH_LOG("parameter %s is not fuzzed: add it to fuzz_test.c", name);
	}
	free(ko);
}

/* Seeded random inputs, one file after another, judged one by one. */
TEST_F_TIMEOUT(fuzz, random_writes, 900)
{
	struct fuzz_ctx *c = &self->c;
	static char before[STATE_MAX], after[STATE_MAX], follow[8];
	char *buf = malloc(INPUT_MAX);
	unsigned int iters = fuzz_iters(), i, refused = 0, accepted = 0;
	struct rng r = { fuzz_seed() };
	enum ffile f;

	ASSERT_NE(NULL, buf);
	for (f = 0; f < F_NR; f++) {
		if (!c->present[f])
			continue;
		for (i = 0; i < iters; i++) {
			size_t len = gen_input(&r, c, f, buf);
			struct pred p;
			const char *why;
			int ret;

			snapshot(c, before, sizeof(before));
			mmu_read_file(c->path[F_FOLLOW], follow, sizeof(follow));
			p = predict(c, f, buf, len);
			ret = write_once(c->path[f], buf, len);
			if (ret) {
				refused++;
				EXPECT_EQ(p.ret == 1 ? -EINVAL : p.ret, ret)
					TH_LOG("%s \"%s\"", ffile_name[f], show(buf, len));
				snapshot(c, after, sizeof(after));
				EXPECT_STREQ(before, after) TH_LOG("%s \"%s\" (%d) changed state",
								   ffile_name[f], show(buf, len), ret);
				continue;
			}
			accepted++;
			EXPECT_GE(p.ret, 0) TH_LOG("%s accepted \"%s\", expected %d",
						   ffile_name[f], show(buf, len), p.ret);
			if (p.ret < 0)
				continue;
			why = check_effect(c, f, &p);
			EXPECT_EQ(NULL, why) TH_LOG("%s \"%s\": %s", ffile_name[f], show(buf, len), why);
			EXPECT_EQ(0, undo(c, f, &p, follow));
		}
	}
	TH_LOG("seed 0x%llx: %u writes refused, %u accepted",
	       (unsigned long long)fuzz_seed(), refused, accepted);
	free(buf);
}

/*
 * The numeric run-time parameters: kstrtouint (base 0), then the module's
 * range; anything else is -EINVAL and leaves the value as it was.
 */
TEST_F_TIMEOUT(fuzz, numeric_params, 300)
{
	static const struct {
		const char *name;
		unsigned int lo, hi;
	} prm[] = {
		{ "fault_buffer_kb", 16, 65536 },
		{ "follow_max", 0, 512 },
	};
	struct fuzz_ctx *c = &self->c;
	struct rng r = { fuzz_seed() ^ 0x7777 };
	char *buf = malloc(INPUT_MAX);
	unsigned int i, k, iters = fuzz_iters(), refused = 0, accepted = 0;
	char path[128], before[32], after[32], s[4097];

	ASSERT_NE(NULL, buf);
	for (k = 0; k < sizeof(prm) / sizeof(prm[0]); k++) {
		snprintf(path, sizeof(path), "/sys/module/mmuscope/parameters/%s",
			 prm[k].name);
		if (access(path, F_OK)) {
			TH_LOG("%s: not in this module version, not fuzzed", path);
			continue;
		}
		for (i = 0; i < iters; i++) {
			size_t len = gen_input(&r, c, F_FOLLOW, buf);
			int v = -1, want, ret;

			ASSERT_GT(mmu_read_file(path, before, sizeof(before)), 0);
			/* sysfs hands the parameter a string: up to a NUL. */
			memcpy(s, buf, len);
			s[len] = '\0';
			if (len == 0)
				want = 0;	/* a no-op for sysfs */
			else if (s[0] == '-' || model_kstrtoint(s, 0, &v) ||
				 v < (int)prm[k].lo || v > (int)prm[k].hi)
				want = -EINVAL;
			else
				want = 0;
			ret = write_once(path, buf, len);
			EXPECT_EQ(want, ret) TH_LOG("%s \"%s\"", prm[k].name, show(buf, len));
			ASSERT_GT(mmu_read_file(path, after, sizeof(after)), 0);
			if (ret || len == 0) {
				refused += ret != 0;
				EXPECT_STREQ(before, after) TH_LOG("%s \"%s\" changed it",
								   prm[k].name, show(buf, len));
				continue;
			}
			accepted++;
			EXPECT_EQ(v, atoi(after)) TH_LOG("%s \"%s\"", prm[k].name, show(buf, len));
			EXPECT_EQ(0, mmu_write_str(path, before));
		}
	}
	TH_LOG("%u writes refused, %u accepted", refused, accepted);
	free(buf);
}

/* Bad user pointers: -EFAULT and no change. */
TEST_F_TIMEOUT(fuzz, bad_pointers, 120)
{
	struct fuzz_ctx *c = &self->c;
	static char before[STATE_MAX], after[STATE_MAX];
	long psz = sysconf(_SC_PAGESIZE);
	void *volatile nullp = NULL;
	char *pages;
	enum ffile f;

	pages = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages + psz, psz, PROT_NONE));
	/* A valid-looking prefix, then the unreadable page. */
	memcpy(pages + psz - 2, "1", 2);
	for (f = 0; f < F_NR; f++) {
		int fd;

		if (!c->present[f])
			continue;
		snapshot(c, before, sizeof(before));
		fd = open(c->path[f], O_WRONLY);
		ASSERT_GE(fd, 0);
		EXPECT_EQ(-1, write(fd, nullp, 4));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s NULL", ffile_name[f]);
		EXPECT_EQ(-1, write(fd, pages + psz, 4));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s PROT_NONE", ffile_name[f]);
		EXPECT_EQ(-1, write(fd, pages + psz - 2, 8));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s straddling", ffile_name[f]);
		EXPECT_EQ(-1, write(fd, (void *)0xffff888000000000UL, 4));
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s kernel pointer", ffile_name[f]);
		close(fd);
		snapshot(c, after, sizeof(after));
		EXPECT_STREQ(before, after) TH_LOG("%s", ffile_name[f]);
	}
	munmap(pages, 2 * psz);
}

/* A valid command for @f that changes nothing worth undoing. */
static size_t valid_cmd(struct fuzz_ctx *c, enum ffile f, char *buf, size_t n)
{
	switch (f) {
	case F_TARGETS:
		return snprintf(buf, n, "+%d", c->kids[0]);
	case F_TRANSLATE:
		return snprintf(buf, n, "0x%lx", c->target_va + 4096);
	case F_FAULT_STATS:
	case F_FAULT_HIST:
		return snprintf(buf, n, "reset");
	default:
		return snprintf(buf, n, "N");
	}
}

/*
 * Partial writes: a second write on the same descriptor, a write at an
 * offset and writev fragments are refused as fragments (debugfs files);
 * sysfs takes each write as a whole value.
 */
TEST_F_TIMEOUT(fuzz, partial_writes, 120)
{
	struct fuzz_ctx *c = &self->c;
	static char before[STATE_MAX], after[STATE_MAX];
	char cmd[64], tail[64];
	struct iovec iov[2];
	enum ffile f;
	size_t n;

	for (f = 0; f < F_NR; f++) {
		bool sysfs = f == F_FOLLOW;
		int fd;

		if (!c->present[f])
			continue;
		n = valid_cmd(c, f, cmd, sizeof(cmd));

		/* Write at an offset. */
		snapshot(c, before, sizeof(before));
		fd = open(c->path[f], O_WRONLY);
		ASSERT_GE(fd, 0);
		if (!sysfs) {
			/* seq_file files refuse pwrite (ESPIPE); seek, then write. */
			EXPECT_EQ(-1, pwrite(fd, cmd, n, 3));
			EXPECT_TRUE(errno == EINVAL || errno == ESPIPE)
				TH_LOG("%s pwrite: %s", ffile_name[f], strerror(errno));
			if (lseek(fd, 3, SEEK_SET) == 3) {
				EXPECT_EQ(-1, write(fd, cmd, n));
				EXPECT_EQ(EINVAL, errno) TH_LOG("%s write at 3", ffile_name[f]);
			}
			lseek(fd, 0, SEEK_SET);
			snapshot(c, after, sizeof(after));
			EXPECT_STREQ(before, after) TH_LOG("%s pwrite", ffile_name[f]);
		}

		/* Valid, then a second write on the same descriptor. */
		EXPECT_EQ((ssize_t)n, write(fd, cmd, n)) TH_LOG("%s \"%s\"", ffile_name[f], cmd);
		snapshot(c, before, sizeof(before));
		snprintf(tail, sizeof(tail), "%d", c->kids[1]);
		if (!sysfs) {
			EXPECT_EQ(-1, write(fd, tail, strlen(tail)));
			EXPECT_EQ(EINVAL, errno) TH_LOG("%s second write", ffile_name[f]);
			EXPECT_EQ(-1, write(fd, cmd, n));
			EXPECT_EQ(EINVAL, errno) TH_LOG("%s second write", ffile_name[f]);
		} else {
			EXPECT_EQ(-1, write(fd, "x", 1));
			EXPECT_EQ(EINVAL, errno);
		}
		snapshot(c, after, sizeof(after));
		EXPECT_STREQ(before, after) TH_LOG("%s second write", ffile_name[f]);
		close(fd);

		/* writev: a lone sign, then the number: refused whole. */
		if (!sysfs) {
			fd = open(c->path[f], O_WRONLY);
			ASSERT_GE(fd, 0);
			iov[0].iov_base = "-";
			iov[0].iov_len = 1;
			iov[1].iov_base = tail;
			iov[1].iov_len = strlen(tail);
			snapshot(c, before, sizeof(before));
			EXPECT_EQ(-1, writev(fd, iov, 2));
			EXPECT_EQ(EINVAL, errno) TH_LOG("%s writev", ffile_name[f]);
			snapshot(c, after, sizeof(after));
			EXPECT_STREQ(before, after) TH_LOG("%s writev", ffile_name[f]);
			close(fd);
		}
		if (f == F_TARGETS) {
			snprintf(cmd, sizeof(cmd), "-%d", c->kids[0]);
			EXPECT_EQ(0, mmu_write_str(c->path[f], cmd));
		}
	}
}

/* Read-only files stay read-only, even for root. */
TEST_F_TIMEOUT(fuzz, readonly_files, 120)
{
	char dirs[2][256];
	unsigned int d;

	snprintf(dirs[0], sizeof(dirs[0]), MMU_ROOT);
	snprintf(dirs[1], sizeof(dirs[1]), MMU_ROOT "/%d", self->c.target);
	for (d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		ASSERT_NE(NULL, dir);
		while ((e = readdir(dir))) {
			char path[PATH_MAX];
			struct stat st;
			int fd;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 0200))
				continue;
			fd = open(path, O_WRONLY);
			if (fd < 0) {
				EXPECT_EQ(EACCES, errno) TH_LOG("%s", path);
				continue;
			}
			EXPECT_EQ(-1, write(fd, "1", 1)) TH_LOG("%s accepted a write", path);
			EXPECT_EQ(EINVAL, errno) TH_LOG("%s", path);
			close(fd);
		}
		closedir(dir);
	}
	/* Load-time-only parameters are not writable through sysfs. */
	EXPECT_EQ(-1, open("/sys/module/mmuscope/parameters/target_pid", O_WRONLY));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, open("/sys/module/mmuscope/parameters/dump_on_load", O_WRONLY));
	EXPECT_EQ(EACCES, errno);
}

struct worker {
	struct fuzz_ctx *c;
	unsigned int id;
	unsigned int iters;
	unsigned int fails, writes, valid;
	bool kid_listed;	/* expected final state of kids[id] */
	bool follow;		/* worker 0 toggles follow; its last value */
	char msg[256];
};

/*
 * Each worker mixes refused inputs on every file with valid add/remove of
 * its own child (and worker 0 with valid follow toggles), so the final
 * state is known whatever the interleaving.
 */
static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct fuzz_ctx *c = w->c;
	struct rng r = { fuzz_seed() + 0x9e3779b97f4a7c15ULL * (w->id + 1) };
	char *buf = malloc(INPUT_MAX);
	unsigned int i;

	for (i = 0; buf && i < w->iters; i++) {
		enum ffile f = rng_below(&r, F_NR);
		size_t len;
		int ret, want;

		if (!c->present[f])
			continue;
		if (rng_below(&r, 4) == 0 && (f == F_TARGETS || (f == F_FOLLOW && w->id == 0))) {
			if (f == F_TARGETS) {
				w->kid_listed = !w->kid_listed;
				len = sprintf(buf, "%c%d", w->kid_listed ? '+' : '-',
					      c->kids[w->id]);
			} else {
				w->follow = !w->follow;
				len = sprintf(buf, "%c", w->follow ? 'Y' : 'N');
			}
			want = 0;
		} else {
			struct pred p;

			/* Only inputs refused whatever the others do. */
			do {
				len = gen_input(&r, c, f, buf);
				p = predict(c, f, buf, len);
			} while (p.ret >= 0 || p.ret == -EEXIST || p.ret == -ENOENT ||
				 (f == F_TARGETS && len && memchr(buf, '-', len)) ||
				 (f == F_TARGETS && p.ret == -ESRCH && p.nr == c->target));
			want = p.ret;
		}
		ret = write_once(c->path[f], buf, len);
		w->writes++;
		if (ret != want) {
			if (!w->fails++)
				snprintf(w->msg, sizeof(w->msg), "%s \"%s\": %d, expected %d",
					 ffile_name[f], show(buf, len), ret, want);
		}
		if (!want)
			w->valid++;
	}
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(fuzz, concurrent_writes, 600)
{
	struct fuzz_ctx *c = &self->c;
	struct worker w[FUZZ_THREADS];
	pthread_t th[FUZZ_THREADS];
	static char before[STATE_MAX];
	char buf[STATE_MAX];
	unsigned int i, writes = 0;

	ASSERT_EQ(0, mmu_write_str(c->path[F_FOLLOW], "N"));
	snapshot(c, before, sizeof(before));
	for (i = 0; i < FUZZ_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = c;
		w[i].id = i;
		w[i].iters = fuzz_iters() * 2;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < FUZZ_THREADS; i++) {
		pthread_join(th[i], NULL);
		writes += w[i].writes;
		EXPECT_EQ(0U, w[i].fails) TH_LOG("worker %u: %u bad results, first: %s",
						 i, w[i].fails, w[i].msg);
		EXPECT_EQ(w[i].kid_listed, is_target(c->kids[i]));
		if (w[i].kid_listed) {
			snprintf(buf, sizeof(buf), "-%d", c->kids[i]);
			EXPECT_EQ(0, mmu_write_str(c->path[F_TARGETS], buf));
		}
	}
	ASSERT_GT(mmu_read_file(c->path[F_FOLLOW], buf, sizeof(buf)), 0);
	EXPECT_EQ(w[0].follow ? 'Y' : 'N', buf[0]);
	ASSERT_EQ(0, mmu_write_str(c->path[F_FOLLOW], "N"));
	snapshot(c, buf, sizeof(buf));
	EXPECT_STREQ(before, buf);
	TH_LOG("%u concurrent writes from %d threads", writes, FUZZ_THREADS);
}

struct loader {
	const char *params;
	int ret;
};

static void *load_fn(void *arg)
{
	struct loader *l = arg;

	l->ret = mmu_load(l->params);
	return NULL;
}

static void *unload_fn(void *arg)
{
	struct loader *l = arg;

	l->ret = mmu_unload();
	return NULL;
}

/*
 * Concurrent loads with different (valid) parameters: exactly one wins,
 * the others are refused; concurrent unloads: exactly one wins.  (Only
 * valid ones: since "module: Don't wait for GOING modules" a failing
 * first load makes the concurrent ones fail with -EBUSY too.)
 */
TEST_F_TIMEOUT(fuzz, concurrent_loads, 300)
{
	struct loader l[FUZZ_THREADS];
	pthread_t th[FUZZ_THREADS];
	char pidparam[64];
	unsigned int i, round, ok;

	snprintf(pidparam, sizeof(pidparam), "target_pid=%d", self->c.kids[0]);
	ASSERT_EQ(0, mmu_unload());
	for (round = 0; round < 5; round++) {
		l[0].params = "";
		l[1].params = "follow=1";
		l[2].params = pidparam;
		l[3].params = "dump_on_load=0 target_pid=0";
		for (i = 0; i < FUZZ_THREADS; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, load_fn, &l[i]));
		for (i = 0, ok = 0; i < FUZZ_THREADS; i++) {
			pthread_join(th[i], NULL);
			if (!l[i].ret) {
				ok++;
				continue;
			}
			EXPECT_TRUE(l[i].ret == -EEXIST || l[i].ret == -EBUSY)
				TH_LOG("load \"%s\": %d", l[i].params, l[i].ret);
		}
		/*
		 * One load wins; since v6.5 (idempotent finit_module) loads of
		 * the same file racing the winner share its result (0) instead
		 * of failing with EEXIST.  Either way exactly one module.
		 */
		EXPECT_TRUE(ok == 1U || ok == FUZZ_THREADS)
			TH_LOG("loads: %d %d %d %d", l[0].ret, l[1].ret,
			       l[2].ret, l[3].ret);
		EXPECT_TRUE(mmu_is_loaded());
		for (i = 0; i < FUZZ_THREADS; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, unload_fn, &l[i]));
		for (i = 0, ok = 0; i < FUZZ_THREADS; i++) {
			pthread_join(th[i], NULL);
			if (!l[i].ret) {
				ok++;
				continue;
			}
			EXPECT_TRUE(l[i].ret == -ENOENT || l[i].ret == -EBUSY)
				TH_LOG("unload: %d", l[i].ret);
		}
		EXPECT_EQ(1U, ok);
		EXPECT_FALSE(mmu_is_loaded());
	}
}

/* Build a parameter value: printable, no space or quote (parse_args). */
static void gen_param_value(struct rng *r, struct fuzz_ctx *c, char *out,
			    size_t size)
{
	char *buf = malloc(INPUT_MAX);
	size_t len, i, o = 0;

	len = buf ? gen_input(r, c, F_TARGETS, buf) : 0;
	for (i = 0; i < len && o + 1 < size && o < 60; i++) {
		unsigned char ch = buf[i];

		if (ch > 0x20 && ch < 0x7f && ch != '"')
			out[o++] = ch;
	}
	out[o] = '\0';
	free(buf);
}

#define PARAMS	"/sys/module/mmuscope/parameters"

/* One sysfs write of @s to control parameter @name: 0 or -errno. */
static int param_cmd(const char *name, const char *s)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "/%s", name);
	return mmu_write_str(path, s);
}

/*
 * The control parameters (for kernels in lockdown, where debugfs takes no
 * write): targets takes the debugfs file's commands through the same
 * parser, so the same model predicts it, on what sysfs hands the module
 * (the value up to its first NUL; at most a page).  translate "PID ADDR"
 * and reset_faults "PID" act on targets only.  A refused command fails
 * with the predicted errno and changes nothing; all are refused at load
 * time (they are commands, target_pid= is the load-time setting).
 */
TEST_F_TIMEOUT(fuzz, param_commands, 900)
{
	struct fuzz_ctx *c = &self->c;
	static char before[STATE_MAX], after[STATE_MAX];
	char *buf = malloc(INPUT_MAX), cmd[160], path[PATH_MAX];
	struct rng r = { fuzz_seed() ^ 0x70617261 };
	unsigned int iters = fuzz_iters(), i, refused = 0, accepted = 0;
	const char *why;
	struct {
		const char *name;
		char val[96];
		int want;
	} cases[32];
	unsigned int n = 0;

	ASSERT_NE(NULL, buf);
	if (access(PARAMS "/targets", F_OK))
		SKIP(free(buf); return, "module has no control parameters");
	snprintf(path, sizeof(path), PARAMS "/targets");
	for (i = 0; i < iters; i++) {
		size_t len = gen_input(&r, c, F_TARGETS, buf);
		struct pred p;
		int ret;

		if (len > 4096)
			len = 4096;
		if (!len)
			continue;	/* sysfs: an empty write reaches no one */
		p = predict_targets(c, buf, strnlen(buf, len));
		snapshot(c, before, sizeof(before));
		ret = write_once(path, buf, len);
		if (ret) {
			refused++;
			EXPECT_EQ(p.ret, ret) TH_LOG("targets param \"%s\"", show(buf, len));
			snapshot(c, after, sizeof(after));
			EXPECT_STREQ(before, after) TH_LOG("targets param \"%s\" (%d) changed state",
							   show(buf, len), ret);
			continue;
		}
		accepted++;
		EXPECT_EQ(0, p.ret) TH_LOG("targets param accepted \"%s\"", show(buf, len));
		if (p.ret)
			continue;
		why = check_effect(c, F_TARGETS, &p);
		EXPECT_EQ(NULL, why) TH_LOG("targets param \"%s\": %s", show(buf, len), why);
		EXPECT_EQ(0, undo(c, F_TARGETS, &p, NULL));
	}
	TH_LOG("targets param: %u refused, %u accepted", refused, accepted);

#define CASE(nm, w, ...) do {							\
		cases[n].name = nm;						\
		cases[n].want = w;						\
		snprintf(cases[n].val, sizeof(cases[n].val), __VA_ARGS__);	\
		n++;								\
	} while (0)
	CASE("translate", -EINVAL, "%d", c->target);
	CASE("translate", -EINVAL, "x 0x%lx", c->target_va);
	CASE("translate", -EINVAL, "+%d 0x%lx", c->target, c->target_va);
	CASE("translate", -EINVAL, "%d  0x%lx", c->target, c->target_va);
	CASE("translate", -EINVAL, "%d 0x%lx x", c->target, c->target_va);
	CASE("translate", -EINVAL, "%d -0x%lx", c->target, c->target_va);
	CASE("translate", -EINVAL, "%d 0x%lx\n\n", c->target, c->target_va);
	CASE("translate", -EINVAL, "%d 0xffffffffff600000", c->target);
	CASE("translate", -EINVAL, "%d 0x%llx", c->target, user_va_limit());
	CASE("translate", -EINVAL, "%d 0x1%070d", c->target, 0);
	CASE("translate", -ENOENT, "1 0x%lx", c->target_va);
	CASE("translate", -ENOENT, "2 0x1000");		/* kthreadd */
	CASE("translate", -ENOENT, "%d 0x1000", c->tid);
	CASE("translate", -ENOENT, "%d 0x1000", c->kids[0]);
	CASE("translate", -EINVAL, "0 0x1000");
	CASE("reset_faults", -EINVAL, "reset");
	CASE("reset_faults", -EINVAL, "0");
	CASE("reset_faults", -EINVAL, "-%d", c->target);
	CASE("reset_faults", -EINVAL, "%dx", c->target);
	CASE("reset_faults", -EINVAL, "%d\n\n", c->target);
	CASE("reset_faults", -EINVAL, "%d %d", c->target, c->target);
	CASE("reset_faults", -ENOENT, "1");
	CASE("reset_faults", -ENOENT, "%d", c->zombie);
	CASE("reset_faults", -ENOENT, "2");
#undef CASE
	for (i = 0; i < n; i++) {
		snapshot(c, before, sizeof(before));
		EXPECT_EQ(cases[i].want, param_cmd(cases[i].name, cases[i].val))
			TH_LOG("%s \"%s\"", cases[i].name, show(cases[i].val, strlen(cases[i].val)));
		snapshot(c, after, sizeof(after));
		EXPECT_STREQ(before, after) TH_LOG("%s \"%s\" changed state", cases[i].name,
						   show(cases[i].val, strlen(cases[i].val)));
	}

	/* Valid commands have their documented effect. */
	snprintf(cmd, sizeof(cmd), "%d 0x%lx\n", c->target, c->target_va + 4096);
	EXPECT_EQ(0, param_cmd("translate", cmd));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/translate.ro", c->target);
	ASSERT_GT(mmu_read_file(path, buf, INPUT_MAX), 0);
	snprintf(cmd, sizeof(cmd), "va=0x%lx", c->target_va + 4096);
	EXPECT_NE(NULL, strstr(buf, cmd)) TH_LOG("translate.ro: %s", buf);
	snprintf(cmd, sizeof(cmd), "%d", c->target);
	EXPECT_EQ(0, param_cmd("reset_faults", cmd));
	snprintf(path, sizeof(path), MMU_ROOT "/%d/fault_stats.ro", c->target);
	ASSERT_GT(mmu_read_file(path, buf, INPUT_MAX), 0);
	EXPECT_NE(NULL, strstr(buf, "class=all count=0 ")) TH_LOG("after reset: %s", buf);

	/* Not at load time. */
	ASSERT_EQ(0, mmu_unload());
	snprintf(cmd, sizeof(cmd), "targets=%d", c->kids[0]);
	EXPECT_EQ(-EINVAL, mmu_load(cmd));
	EXPECT_FALSE(mmu_is_loaded());
	snprintf(cmd, sizeof(cmd), "reset_faults=%d", c->target);
	EXPECT_EQ(-EINVAL, mmu_load(cmd));
	EXPECT_FALSE(mmu_is_loaded());
	free(buf);
}

/*
 * Load-time parameters: the kernel parses them (kstrtoint base 0 for
 * target_pid, kstrtobool for the flags), then the module checks the pid.
 * A refused load leaves no module and no debugfs directory behind.
 */
TEST_F_TIMEOUT(fuzz, load_params, 900)
{
	static const char *const names[] = { "target_pid", "follow", "dump_on_load" };
	struct fuzz_ctx *c = &self->c;
	struct rng r = { fuzz_seed() ^ 0x5555 };
	unsigned int i, iters = fuzz_iters() / 3 + 10, loaded = 0, refused = 0;
	char val[64], params[160], path[128], buf[64];

	ASSERT_EQ(0, mmu_unload());
	for (i = 0; i < iters; i++) {
		unsigned int which = rng_below(&r, 3);
		bool bare = rng_below(&r, 12) == 0, bval = false;
		int want, nr = 0, ret;

		gen_param_value(&r, c, val, sizeof(val));
		if (bare)
			snprintf(params, sizeof(params), "%s", names[which]);
		else
			snprintf(params, sizeof(params), "%s=%s", names[which], val);
		if (which == 0) {
			want = bare ? -EINVAL : model_kstrtoint(val, 0, &nr);
			if (!want && nr)
				want = model_target_check(nr);
		} else {
			bval = true;
			want = bare ? 0 : model_kstrtobool(val, &bval);
		}
		ret = mmu_load(params);
		EXPECT_EQ(want, ret) TH_LOG("load \"%s\"", show(params, strlen(params)));
		if (ret) {
			refused++;
			EXPECT_FALSE(mmu_is_loaded()) TH_LOG("\"%s\"", params);
			EXPECT_NE(0, access(MMU_ROOT, F_OK));
			if (mmu_is_loaded())
				mmu_unload();
			continue;
		}
		loaded++;
		snprintf(path, sizeof(path), "/sys/module/mmuscope/parameters/%s",
			 names[which]);
		ASSERT_GT(mmu_read_file(path, buf, sizeof(buf)), 0);
		if (which == 0) {
			EXPECT_EQ(nr, atoi(buf)) TH_LOG("\"%s\"", params);
			EXPECT_EQ(nr ? 1 : 0, nr ? mmu_targets_has(nr) : 0);
		} else {
			EXPECT_EQ(bval ? 'Y' : 'N', buf[0]) TH_LOG("\"%s\"", params);
		}
		EXPECT_EQ(0, mmu_unload());
	}
	/* Unknown parameters are the kernel's business: ignored, logged. */
	EXPECT_EQ(0, mmu_load("no_such_param=1"));
	EXPECT_EQ(0, mmu_unload());
	TH_LOG("%u loads accepted, %u refused", loaded, refused);
}

struct opener {
	volatile bool stop;
	unsigned long opens;
};

static volatile bool openers_paused;

static void *opener_fn(void *arg)
{
	struct opener *o = arg;
	char buf[256];

	while (!o->stop) {
		int fd;

		if (openers_paused) {
			usleep(1000);
			continue;
		}
		fd = open(MMU_ROOT "/version", O_RDONLY);
		if (fd < 0) {
			/*
			 * Not there: a tight loop of three threads would starve
			 * the loader (8 s a load in a 2-vCPU TCG arm64 guest).
			 */
			usleep(500);
			continue;
		}
		o->opens++;
		if (read(fd, buf, sizeof(buf)) < 0)
			o->opens += 0;
		usleep(o->opens % 4 * 3000);	/* hold it over the next load */
		close(fd);
	}
	return NULL;
}

/* Unload, waiting out the openers' references (up to ~5 s). */
static int unload_patiently(void)
{
	int ret = -EWOULDBLOCK;

	for (int i = 0; i < 2500 && ret == -EWOULDBLOCK; i++) {
		ret = mmu_unload();
		if (ret == -EWOULDBLOCK)
			usleep(2000);
	}
	return ret;
}

/*
 * Loads that fail (target_pid of an exited process) while other threads
 * open the files they create: the kernel frees a module whose init failed
 * at once, whatever its reference count, so a file still open then would
 * be closed through freed memory and drop a reference on whatever module
 * instance is loaded next (found by `make stress`: refcount underflow, BUG
 * in delete_module).  Every tenth load is a good one, which must show no
 * negative count of users and unload cleanly.
 */
TEST_F_TIMEOUT(fuzz, open_during_failed_init, 900)
{
	struct opener o[3];
	pthread_t th[3];
	char params[64], buf[64];
	pid_t gone = fork();
	unsigned int i, loads = 0, opens = 0;

	ASSERT_GE(gone, 0);
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	snprintf(params, sizeof(params), "target_pid=%d", gone);
	ASSERT_EQ(0, mmu_unload());
	for (i = 0; i < 3; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		ASSERT_EQ(0, pthread_create(&th[i], NULL, opener_fn, &o[i]));
	}
	for (i = 1; i <= fuzz_iters(); i++) {
		if (i % 10) {
			EXPECT_EQ(-ESRCH, mmu_load(params));
			loads++;
			continue;
		}
		if (mmu_load("")) {
			EXPECT_EQ(0, mmu_load(""));
			break;
		}
		usleep(30000);	/* stale closes, if any, land now */
		ASSERT_GT(mmu_read_file("/sys/module/mmuscope/refcnt", buf, sizeof(buf)), 0);
		EXPECT_LE(0, atoi(buf)) TH_LOG("refcnt %d after %u failed loads", atoi(buf), loads);
		if (atoi(buf) < 0)
			break;	/* unloading now would hit BUG_ON in delete_module */
		openers_paused = true;
		EXPECT_EQ(0, unload_patiently());
		openers_paused = false;
	}
	for (i = 0; i < 3; i++) {
		o[i].stop = true;
		pthread_join(th[i], NULL);
		opens += o[i].opens;
	}
	openers_paused = false;
	if (mmu_is_loaded() && mmu_read_file("/sys/module/mmuscope/refcnt", buf, sizeof(buf)) > 0 &&
	    atoi(buf) >= 0)
		EXPECT_EQ(0, unload_patiently());
	TH_LOG("%u failed loads, %u opens", loads, opens);
}

TEST_HARNESS_MAIN
