// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: global options and the subcommand dispatcher. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

static const struct cmd cmds[] = {
	{ "load", do_load, "[--pid PID]... [--follow] [MODULE.ko]",
	  "Load the module with libkmod, optionally tracing PIDs from the start.\n"
	  "Without MODULE.ko: $MMUSCOPE_KO if set, else ../module/mmuscope.ko next\n"
	  "to this binary (the build tree), else the installed module (modprobe's\n"
	  "search path, then updates/dkms/ and extra/ of the running kernel).", CMD_OWN_OUTPUT },
	{ "unload", do_unload, "", "Remove the module.", CMD_OWN_OUTPUT },
	{ "status", do_status, "", "Module state, version, paging mode and targets.", 0 },
	{ "targets", do_targets, "[list | add PID... | rm PID... | rm --all | prune] [--tree PID]",
	  "The module's targets: list them (pid, comm, running or exited), add or\n"
	  "remove processes (--tree PID: PID and every process below it), prune\n"
	  "the targets whose process has exited (the module keeps their counts\n"
	  "until they are removed, and has a limited number of slots).", 0 },
	{ "maps", do_maps, "PID [--runs | --raw] [--addr A[-B]] [--vma NAME]",
	  "One row per VMA of PID (boundaries and permissions from /proc/PID/maps):\n"
	  "size, RSS and its split by page size (4K/2M/1G, as mapped), accessed,\n"
	  "dirty and swapped bytes, the share mapped by huge entries, and the PTE\n"
	  "tables reaching into the VMA.  RSS leaves out entries without a struct\n"
	  "page (zero page, PFN maps), as smaps' Rss does.\n"
	  "--runs: the module's merged runs instead (page size, level, PFN range,\n"
	  "flags), grouped by VMA name; --raw prints the module's lines unchanged.\n"
	  "--addr A or A-B (0x hex or decimal; B exclusive) keeps the VMAs (runs)\n"
	  "meeting that range, --vma NAME those whose name contains NAME.", 0 },
	{ "translate", do_translate, "PID ADDR",
	  "The page-table walk of one virtual address (0x hex or decimal), one\n"
	  "level per line, down to the physical address, like crash's vtop.", 0 },
	{ "summary", do_summary, "PID",
	  "Present/swapped/dirty/accessed/file/anon pages, page-table overhead per\n"
	  "level (with the PTE tables deposited for THP splits, and the sum VmPTE\n"
	  "counts), huge pages, THP candidates and the leaf entries collapsing them\n"
	  "would replace.", 0 },
	{ "faults", do_faults, "PID [--hist [--fine]] [--stream] [--interval S] [--count N] [--duration S] [--cumulative] [--class LIST]\n"
	  "       mmuscope faults PID --by sym|vma|file [--top N] [--sort count|latency] [--folded] [--heatmap FILE.svg] [--from FILE [--maps FILE]] [--duration S]",
	  "Page-fault counts and latency percentiles of every non-empty class.\n"
	  "--hist draws latency histograms in power-of-two buckets (--fine: the\n"
	  "module's own sub-buckets), for all,minor,major unless --class says\n"
	  "otherwise.  --stream follows the event stream (N events with --count).\n"
	  "--interval S prints a sample every S seconds (N with --count): the\n"
	  "faults of the interval before it, percentiles from the difference of\n"
	  "the histograms, with the time; --cumulative: the counts since PID\n"
	  "became a target instead.  --stream and --interval end when PID exits,\n"
	  "after --duration S seconds, or when the reader of their output goes\n"
	  "(`| head`); a PID made a target for them is taken out again however\n"
	  "they end.\n"
	  "--class LIST (comma-separated) keeps these classes, shown even when\n"
	  "empty; on --stream, the events with one of them.  The classes (the\n"
	  "module's fault_stats has the authoritative list):\n"
	  "  all minor major sigsegv sigbus oom fixup interrupted retry\n"
	  "  read write exec user kernel not_present protection\n"
	  "  anon file shmem hugetlb first_touch cow swap_in wp numa migration\n"
	  "  spurious handler wait\n"
	  "--by sym reads the stream for --duration S (default 5) or the saved\n"
	  "stream lines of --from FILE, symbolizes the user ips through PID's\n"
	  "mappings (--maps FILE: a saved /proc/PID/maps for --from) with\n"
	  "elfutils' libdwfl and prints a table per function (file, build-id),\n"
	  "--top N (default 20) sorted by --sort count|latency; a stripped file\n"
	  "shows as file+0xADDR, kernel-mode faults as [kernel], lost events are\n"
	  "counted.  --folded prints `comm;symbol;class count` lines for flame\n"
	  "graphs.  --by vma and --by file read the module's per-VMA accounting\n"
	  "(<pid>/fault_vmas), per VMA or added up per file.  --heatmap FILE.svg\n"
	  "draws the stream's faults over address (one band per VMA) and time.", 0 },
	{ "run", do_run, "[--no-follow] [-o FILE] [--duration S] -- CMD [ARGS...]",
	  "Run CMD as a target from its first instruction (exec) to its exit and\n"
	  "print a fault report on stderr (-o FILE: there), like perf stat.\n"
	  "Exits with CMD's status.  The whole process tree is counted, as perf\n"
	  "stat and getrusage do: the module's follow=1 is on meanwhile (for every\n"
	  "target) and each child is listed with its command name; --no-follow\n"
	  "counts CMD's own process only, with a warning when getrusage (children\n"
	  "included) counts more.  --duration S sends CMD SIGTERM after S seconds;\n"
	  "SIGTERM and SIGHUP sent to mmuscope are passed on to CMD.", CMD_OWN_OUTPUT },
	{ "prom", do_prom, "[PID...] [--by pid|comm|none] [-o FILE]",
	  "Prometheus text exposition of every target (or PIDs), for\n"
	  "node_exporter's textfile collector (-o writes FILE atomically).\n"
	  "Classes without faults have no series.  Every pid is a label value,\n"
	  "so with many (followed) targets the series multiply: --by comm adds\n"
	  "the targets up by command name, --by none into one set of series.", CMD_NO_JSON },
	{ "report", do_report, "PID [-o report.html] [--duration S] [--top N] [--from FILE [--maps FILE]]",
	  "One self-contained HTML page (inline CSS and SVG, nothing fetched) on\n"
	  "PID: the address-space map (VMAs coloured by backing, their page-table\n"
	  "leaves by size), page sizes and page-table overhead, THP candidates,\n"
	  "latency histograms per class, the fault heatmap and the top fault\n"
	  "sites by VMA and by symbol, from the fault stream read for --duration S\n"
	  "(default 5) or from --from FILE.  --json gives the same data; each\n"
	  "number in the page carries data-k (its path in the JSON) and data-v.", 0 },
	{ "check", do_check, "PID [--stop]",
	  "Cross-check the module's maps of PID against /proc/PID/pagemap (both\n"
	  "directions); exit 1 on any mismatch.  --stop freezes PID meanwhile.", 0 },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
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
	cmd_current = c;
	return output_finish(c->fn(argc, argv));
}
