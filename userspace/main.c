// SPDX-License-Identifier: GPL-2.0
/* mmuscope: userspace reader of the mmuscope module's debugfs files. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: mmuscope COMMAND [OPTIONS]\n"
		   "commands: load unload status maps translate summary faults run prom check\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
