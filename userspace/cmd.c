// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: what every subcommand shares: usage text, usage
 * errors, the common options (-j, -o, -h) and the preamble of the
 * commands (options, PID, nothing unexpected).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

const struct cmd *cmd_current;	/* main.c sets it before dispatching */

void cmd_usage(const struct cmd *c, FILE *f, const char *extra)
{
	if (!c)
		return;
	fprintf(f, "usage: %s %s %s\n\n%s\n", prog, c->name, c->args, c->help);
	if (extra)
		fprintf(f, "\n%s", extra);
	fprintf(f, "\ncommon options:\n");
	if (!(c->flags & CMD_NO_JSON))
		fprintf(f, "  -j, --json       JSON on stdout (errors as JSON on stderr)\n");
	if (!(c->flags & CMD_OWN_OUTPUT))
		fprintf(f, "  -o, --output FILE  write to FILE, replaced only if the command succeeds\n");
	fprintf(f, "  -h, --help       this help\n");
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
		cmd_usage(cmd_current, stdout, NULL);
		return EXIT_OK;
	case 'o':
		if (cmd_current && (cmd_current->flags & CMD_OWN_OUTPUT))
			return cmd_usage_err(name, "%s has no -o", name);
		return output_open(optarg) ? EXIT_ERR : -1;
	case ':':
		return cmd_usage_err(name, "option '%s' needs an argument", argv[optind - 1]);
	default:
		if (optopt)
			return cmd_usage_err(name, "unknown option '-%c'", optopt);
		return cmd_usage_err(name, "unknown option '%s'", argv[optind - 1]);
	}
}

/* Parse "PID" as the single positional argument of a per-process command. */
int pid_arg(const char *name, int argc, char **argv, pid_t *pid)
{
	if (optind >= argc)
		return cmd_usage_err(name, "missing PID");
	if (parse_pid(argv[optind], pid))
		return cmd_usage_err(name, "'%s' is not a pid", argv[optind]);
	optind++;
	return -1;
}

/*
 * The preamble of a per-process command: its options (@own gets each one
 * first and returns CMD_OPT_OTHER for the common ones, -1 to go on, or an
 * exit code), then PID (none when @pid is NULL), then the positional
 * arguments left in @rest and @nrest (none allowed when @rest is NULL).
 * Returns -1 to go on, else the exit code.
 */
int cmd_preamble(const char *name, int argc, char **argv, const char *optstring,
		 const struct option *opts, cmd_opt_fn own, void *ctx, pid_t *pid,
		 char ***rest, int *nrest)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		ret = own ? own(opt, optarg, ctx) : CMD_OPT_OTHER;
		if (ret == CMD_OPT_OTHER)
			ret = cmd_common_opt(name, opt, argv);
		if (ret >= 0)
			return ret;
	}
	ret = pid ? pid_arg(name, argc, argv, pid) : -1;
	if (ret >= 0)
		return ret;
	if (rest) {
		*rest = argv + optind;
		*nrest = argc - optind;
	} else if (optind < argc) {
		return cmd_usage_err(name, "unexpected argument '%s'", argv[optind]);
	}
	return -1;
}
