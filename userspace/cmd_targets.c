// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: `targets [add|rm|prune]`, the module's target list from
 * the command line: list it, add or remove processes (a whole process
 * tree with --tree), and take out the targets whose process has exited.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

/* The parent of @pid from /proc/PID/stat, or 0. */
static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	fclose(f);
	return ppid;
}

/* @root and every process below it, @root first, parents before children. */
static size_t process_tree(pid_t root, pid_t **out)
{
	pid_t *all = NULL, *par = NULL, *tree;
	size_t nall = 0, cap = 0, n = 1, i, j;
	struct dirent *de;
	DIR *d = opendir("/proc");
	pid_t p;

	tree = xmalloc(sizeof(*tree));
	tree[0] = root;
	if (d) {
		while ((de = readdir(d))) {
			if (parse_pid(de->d_name, &p))
				continue;
			if (nall == cap) {
				cap = cap ? cap * 2 : 256;
				all = xrealloc(all, cap * sizeof(*all));
				par = xrealloc(par, cap * sizeof(*par));
			}
			all[nall] = p;
			par[nall++] = proc_ppid(p);
		}
		closedir(d);
	}
	/* Breadth first: the list grows while it is scanned. */
	for (i = 0; i < n; i++)
		for (j = 0; j < nall; j++)
			if (par[j] == tree[i] && all[j] != root) {
				tree = xrealloc(tree, (n + 1) * sizeof(*tree));
				tree[n++] = all[j];
				par[j] = 0;	/* taken */
			}
	free(all);
	free(par);
	*out = tree;
	return n;
}

static bool is_target(pid_t pid)
{
	char dir[4096];

	mmu_target_path(pid, NULL, dir, sizeof(dir));
	return access(dir, F_OK) == 0;
}

static int add_one(pid_t pid, bool quiet_exists)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "+%d\n", pid);
	ret = mmu_write_file("targets", buf);
	if (ret == -EEXIST && quiet_exists)
		return 0;
	if (ret)
		return mmu_explain_add(pid, -ret);
	if (!json_output)
		printf("added %d\n", pid);
	return 0;
}

static int rm_one(pid_t pid, bool quiet_missing)
{
	char buf[32], comm[64];
	int ret;

	if (!is_target(pid)) {
		if (quiet_missing)
			return 0;
		p_err("%d is not a target", pid);
		return -1;
	}
	proc_comm(pid, comm, sizeof(comm));
	snprintf(buf, sizeof(buf), "-%d\n", pid);
	ret = mmu_write_file("targets", buf);
	if (ret && ret != -ENOENT && ret != -ESRCH) {
		p_err("removing %d: %s", pid, strerror(-ret));
		return -1;
	}
	if (!json_output)
		printf("removed %d%s%s%s\n", pid, comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
	return 0;
}

static void list(void)
{
	pid_t *pids = NULL;
	size_t n = 0, i;
	char comm[64];

	if (mmu_targets_list(&pids, &n))
		return;
	if (json_output) {
		struct jw *w = jw_new(stdout, false);

		jw_targets(w, pids, n);
		jw_destroy(w);
	} else {
		printf("%s%-8s %-16s %s%s\n", col(C_BOLD), "PID", "COMM", "STATE", col(C_RESET));
		for (i = 0; i < n; i++)
			printf("%-8d %-16s %s\n", pids[i],
			       target_comm(pids[i], comm, sizeof(comm))[0] ? comm : "-",
			       target_alive(pids[i]) ? "running" : "exited");
	}
	free(pids);
}

int do_targets(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tree", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	pid_t *pids = NULL, tree_root = 0, *tree = NULL;
	size_t npids = 0, ntree = 0, i;
	const char *verb = NULL;
	bool all = false;
	int opt, ret, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":t:ao:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_pid(optarg, &tree_root))
				return cmd_usage_err("targets", "--tree takes a pid, not '%s'", optarg);
			break;
		case 'a':
			all = true;
			break;
		default:
			ret = cmd_common_opt("targets", opt, argv);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		verb = argv[optind++];
	if (verb && strcmp(verb, "add") && strcmp(verb, "rm") && strcmp(verb, "prune") &&
	    strcmp(verb, "list"))
		return cmd_usage_err("targets", "unknown action '%s' (add, rm, prune or list)", verb);
	for (; optind < argc; optind++) {
		pids = xrealloc(pids, (npids + 1) * sizeof(*pids));
		if (parse_pid(argv[optind], &pids[npids])) {
			free(pids);
			return cmd_usage_err("targets", "'%s' is not a pid", argv[optind]);
		}
		npids++;
	}
	if (!verb || !strcmp(verb, "list") || !strcmp(verb, "prune")) {
		if (npids || tree_root || all) {
			free(pids);
			return cmd_usage_err("targets", "%s takes no pids", verb ? verb : "list");
		}
	} else if (!npids && !tree_root && !(all && !strcmp(verb, "rm"))) {
		return cmd_usage_err("targets", "%s needs PID..., --tree PID%s", verb,
				     strcmp(verb, "rm") ? "" : " or --all");
	} else if (all && strcmp(verb, "rm")) {
		free(pids);
		return cmd_usage_err("targets", "--all goes with rm");
	}
	if (mmu_preflight()) {
		free(pids);
		return EXIT_ERR;
	}
	if (!verb || !strcmp(verb, "list")) {
		list();
		return EXIT_OK;
	}
	if (tree_root) {
		if (!proc_exists(tree_root)) {
			p_err("no such process: %d", tree_root);
			free(pids);
			return EXIT_ERR;
		}
		ntree = process_tree(tree_root, &tree);
	}
	if (!strcmp(verb, "add")) {
		for (i = 0; i < npids; i++)
			if (add_one(pids[i], false))
				rc = EXIT_ERR;
		/* A tree: some may be targets already (follow=1), or gone. */
		for (i = 0; i < ntree; i++)
			if (!is_target(tree[i]) && proc_exists(tree[i]) && add_one(tree[i], true))
				rc = EXIT_ERR;
	} else if (!strcmp(verb, "rm")) {
		for (i = 0; i < npids; i++)
			if (rm_one(pids[i], false))
				rc = EXIT_ERR;
		for (i = 0; i < ntree; i++)
			if (rm_one(tree[i], true))
				rc = EXIT_ERR;
		if (all) {
			free(pids);
			if (mmu_targets_list(&pids, &npids))
				return EXIT_ERR;
			for (i = 0; i < npids; i++)
				if (rm_one(pids[i], true))
					rc = EXIT_ERR;
		}
	} else {	/* prune */
		size_t pruned = 0;

		if (mmu_targets_list(&pids, &npids))
			return EXIT_ERR;
		for (i = 0; i < npids; i++) {
			if (target_alive(pids[i]))
				continue;
			if (rm_one(pids[i], true))
				rc = EXIT_ERR;
			else
				pruned++;
		}
		if (!json_output)
			printf("pruned %zu exited target%s, %zu left\n", pruned,
			       pruned == 1 ? "" : "s", npids - pruned);
	}
	if (json_output && rc == EXIT_OK)
		list();
	free(pids);
	free(tree);
	return rc;
}
