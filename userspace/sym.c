// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: user instruction pointers to symbols through the
 * target's mappings, with elfutils' libdwfl (the ELF and DWARF reading is
 * theirs).  Built without libdw (NO_LIBDW=1: the arm64 guests' reader when
 * its sysroot has no libdw) it names file+offset from /proc/PID/maps only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

#ifndef NO_LIBDW
#include <elfutils/libdwfl.h>
#endif

struct symtab {
#ifndef NO_LIBDW
	Dwfl *dwfl;
#endif
	struct maprange *maps;	/* the fallback: ranges and file offsets */
	size_t nmaps;
	uint64_t kernel_start;
};

/* The lowest kernel address: x86_64's and arm64's upper half. */
#define KERNEL_START	0x8000000000000000ULL

static void read_maps(struct symtab *st, FILE *f)
{
	char line[4352], path[4096];
	unsigned long long s, e, off;

	while (fgets(line, sizeof(line), f)) {
		struct maprange *m;

		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095[^\n]", &s, &e, &off, path) < 3)
			continue;
		st->maps = xrealloc(st->maps, (st->nmaps + 1) * sizeof(*st->maps));
		m = &st->maps[st->nmaps++];
		m->start = s;
		m->end = e;
		m->pgoff = off;
		m->name = xstrdup(path[0] ? path + strspn(path, " ") : "anon");
	}
}

const char *sym_backend(void)
{
#ifndef NO_LIBDW
	return "libdw";
#else
	return "none (built without libdw: file+offset only)";
#endif
}

#ifndef NO_LIBDW
static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};
#endif

/*
 * The mappings of @pid (live), or of a saved /proc/PID/maps @maps_file.
 * NULL, after p_warn, when neither can be read: every ip is then shown
 * as a number.
 */
struct symtab *sym_open(pid_t pid, const char *maps_file)
{
	struct symtab *st = calloc(1, sizeof(*st));
	char path[64];
	FILE *f;

	if (!st)
		return NULL;
	if (maps_file) {
		f = fopen(maps_file, "re");
	} else {
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
		f = fopen(path, "re");
	}
	if (!f) {
		p_warn("%s: %s: user ips are shown as numbers", maps_file ?: path, strerror(errno));
		free(st);
		return NULL;
	}
	read_maps(st, f);
#ifndef NO_LIBDW
	rewind(f);
	st->dwfl = dwfl_begin(&proc_callbacks);
	if (st->dwfl) {
		int ret;

		dwfl_report_begin(st->dwfl);
		ret = dwfl_linux_proc_maps_report(st->dwfl, f);
		dwfl_report_end(st->dwfl, NULL, NULL);
		if (ret) {
			p_warn("libdwfl: %s: symbols unavailable",
			       ret > 0 ? strerror(ret) : dwfl_errmsg(-1));
			dwfl_end(st->dwfl);
			st->dwfl = NULL;
		}
	}
#endif
	fclose(f);
	return st;
}

/* The mappings read (for the heatmap's bands); none without a symtab. */
size_t sym_maps(const struct symtab *st, const struct maprange **out)
{
	*out = st ? st->maps : NULL;
	return st ? st->nmaps : 0;
}

void sym_close(struct symtab *st)
{
	size_t i;

	if (!st)
		return;
#ifndef NO_LIBDW
	if (st->dwfl)
		dwfl_end(st->dwfl);
#endif
	for (i = 0; i < st->nmaps; i++)
		free(st->maps[i].name);
	free(st->maps);
	free(st);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* file+0xOFFSET from the mappings alone (file offset). */
static void resolve_maps(const struct symtab *st, uint64_t ip, struct symres *r)
{
	char buf[4200];
	size_t i;

	for (i = 0; st && i < st->nmaps; i++) {
		const struct maprange *m = &st->maps[i];

		if (ip < m->start || ip >= m->end)
			continue;
		r->rel = ip - m->start + m->pgoff;
		r->module = xstrdup(m->name);
		snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base_name(m->name), r->rel);
		r->func = xstrdup(buf);
		return;
	}
	snprintf(buf, sizeof(buf), "[unknown] 0x%" PRIx64, ip);
	r->func = xstrdup(buf);
	r->module = xstrdup("");
}

/*
 * One ip.  @kernel: the event says the fault was taken in kernel mode
 * (its ip, if any, is a kernel address).  Fills @r with strings the
 * caller frees (sym_res_free).
 */
void sym_resolve(const struct symtab *st, uint64_t ip, bool kernel, struct symres *r)
{
	memset(r, 0, sizeof(*r));
	r->ip = ip;
	r->build_id = xstrdup("");
	if (kernel || ip >= KERNEL_START) {
		r->func = xstrdup("[kernel]");
		r->module = xstrdup("[kernel]");
		return;
	}
#ifndef NO_LIBDW
	if (st && st->dwfl) {
		Dwfl_Module *m = dwfl_addrmodule(st->dwfl, ip);
		const unsigned char *bits;
		const char *name, *mod;
		GElf_Addr bid_va;
		Dwarf_Addr bias = 0;
		GElf_Off off = 0;
		GElf_Sym sym;
		char buf[4200];
		int len, i;

		if (m && dwfl_module_getelf(m, &bias)) {
			mod = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
			r->rel = ip - bias;
			len = dwfl_module_build_id(m, &bits, &bid_va);
			if (len > 0) {
				free(r->build_id);
				r->build_id = xmalloc(2 * len + 1);
				for (i = 0; i < len; i++)
					sprintf(r->build_id + 2 * i, "%02x", bits[i]);
			}
			r->module = xstrdup(mod ?: "");
			name = dwfl_module_addrinfo(m, ip, &off, &sym, NULL, NULL, NULL);
			if (name) {
				r->func = xstrdup(name);
				r->offset = off;
				r->symbolized = true;
				return;
			}
			/* Stripped: the address addr2line -e FILE would take. */
			snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, base_name(r->module), r->rel);
			r->func = xstrdup(buf);
			return;
		}
	}
#endif
	resolve_maps(st, ip, r);
}

void sym_res_free(struct symres *r)
{
	free(r->func);
	free(r->module);
	free(r->build_id);
	memset(r, 0, sizeof(*r));
}
