// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: global options and the subcommand dispatcher. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

bool json_output;
bool use_color;
const char *prog = "mmuscope";

static const struct cmd cmds[] = {
	{ "load", do_load, "[--pid PID]... [--follow] [MODULE.ko]",
	  "Load the module with libkmod, optionally tracing PIDs from the start.\n"
	  "Without MODULE.ko: $MMUSCOPE_KO if set, else ../module/mmuscope.ko next\n"
	  "to this binary (the build tree), else the installed module (modprobe's\n"
	  "search path, then updates/dkms/ and extra/ of the running kernel)." },
	{ "unload", do_unload, "", "Remove the module." },
	{ "status", do_status, "", "Module state, version, paging mode and targets." },
	{ "maps", do_maps, "PID [--raw]",
	  "Merged page-table runs of PID, grouped by VMA: page size, level, PFN\n"
	  "range, flags; totals.  --raw prints the module's lines unchanged." },
	{ "translate", do_translate, "PID ADDR",
	  "The page-table walk of one virtual address (0x hex or decimal), one\n"
	  "level per line, down to the physical address, like crash's vtop." },
	{ "summary", do_summary, "PID",
	  "Present/swapped/dirty/accessed/file/anon pages, page-table overhead per\n"
	  "level, huge pages, THP candidates and the TLB entries they would save." },
	{ "faults", do_faults, "PID [--hist [--fine]] [--stream] [--interval S] [--count N] [--class LIST]",
	  "Page-fault counts and latency percentiles of every non-empty class;\n"
	  "--hist draws latency histograms in power-of-two buckets (--fine: the\n"
	  "module's own sub-buckets), for all,minor,major unless --class LIST\n"
	  "(comma-separated) says otherwise; --stream follows the event stream (N events with\n"
	  "--count); --interval refreshes every S seconds (N times with --count,\n"
	  "else until interrupted)." },
	{ "run", do_run, "[--follow] [-o FILE] -- CMD [ARGS...]",
	  "Run CMD as a target from its first instruction (exec) to its exit and\n"
	  "print a fault report, like perf stat.  Exits with CMD's status." },
	{ "prom", do_prom, "[PID...] [-o FILE]",
	  "Prometheus text exposition of every target (or PIDs), for\n"
	  "node_exporter's textfile collector (-o writes FILE atomically)." },
	{ "check", do_check, "PID [--stop]",
	  "Cross-check the module's maps of PID against /proc/PID/pagemap (both\n"
	  "directions); exit 1 on any mismatch.  --stop freezes PID meanwhile." },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

void cmd_usage(const struct cmd *c, FILE *f, const char *extra)
{
	if (!c)
		return;
	fprintf(f, "usage: %s %s %s\n\n%s\n", prog, c->name, c->args, c->help);
	if (extra)
		fprintf(f, "\n%s", extra);
	fprintf(f, "\ncommon options:\n"
		   "  -j, --json       JSON on stdout (errors as JSON on stderr)\n"
		   "  -h, --help       this help\n");
}

/* A usage error: message, pointer to --help, exit code 2. */
int cmd_usage_err(const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p_err("%s", buf);
	if (!json_output)
		fprintf(stderr, "Try '%s %s --help'.\n", prog, name);
	return EXIT_USAGE;
}

/*
 * Options every subcommand shares.  Returns -1 to go on parsing, else the
 * exit code.  Optstrings start with ':' and opterr is 0, so unknown
 * options and missing arguments come here and are reported once, in the
 * current output mode.
 */
int cmd_common_opt(const char *name, int opt, char **argv)
{
	switch (opt) {
	case 'j':
		json_output = true;
		use_color = false;
		return -1;
	case 'h':
		cmd_usage(cmd_find(name), stdout, NULL);
		return EXIT_OK;
	case ':':
		return cmd_usage_err(name, "option '%s' needs an argument", argv[optind - 1]);
	default:
		if (optopt)
			return cmd_usage_err(name, "unknown option '-%c'", optopt);
		return cmd_usage_err(name, "unknown option '%s'", argv[optind - 1]);
	}
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [-j] [--color=auto|always|never] COMMAND [ARGS]\n\n"
		   "Show how the MMU translates a live process's memory and what its\n"
		   "page faults cost (the mmuscope kernel module's debugfs views).\n\n"
		   "commands:\n", prog);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].args);
	fprintf(f, "\n'%s COMMAND --help' describes one command.  Exit status: 0 ok,\n"
		   "1 error, 2 usage error.  MMUSCOPE_DEBUGFS=DIR reads another tree.\n",
		   prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "color", required_argument, NULL, 'C' },
		{ "colour", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *color = "auto", *term = getenv("TERM");
	const struct cmd *c;
	int opt;

	setvbuf(stdout, NULL, _IOFBF, 0);
	while ((opt = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'C':
			color = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("mmuscope %s\n", MMU_READER_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(color, "always")) {
		use_color = true;
	} else if (!strcmp(color, "auto")) {
		use_color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
			    !(term && !strcmp(term, "dumb"));
	} else if (strcmp(color, "never")) {
		p_err("--color takes auto, always or never, not '%s'", color);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = cmd_find(argv[optind]);
	if (!c) {
		p_err("unknown command '%s'", argv[optind]);
		if (!json_output)
			fprintf(stderr, "Try '%s --help'.\n", prog);
		return EXIT_USAGE;
	}
	if (json_output)
		use_color = false;
	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: restart getopt for the subcommand */
	opterr = 0;
	return c->fn(argc, argv);
}
