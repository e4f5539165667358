// SPDX-License-Identifier: GPL-2.0
/* mmuscope reader: load, unload and status, through libkmod. */
#include <errno.h>
#include <getopt.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "mmuscope.h"

/* libkmod's own log (ERROR ... libkmod-module.c:856) would come before ours. */
static void kmod_quiet(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data; (void)priority; (void)file; (void)line; (void)fn; (void)format; (void)args;
}

static struct kmod_ctx *kmod_ctx_quiet(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (ctx)
		kmod_set_log_fn(ctx, kmod_quiet, NULL);
	return ctx;
}

/* $MMUSCOPE_KO: the module of a build for another kernel (scripts/check). */
static bool env_module(char *buf, size_t size)
{
	const char *env = getenv("MMUSCOPE_KO");

	if (!env || !*env || (size_t)snprintf(buf, size, "%s", env) >= size)
		return false;
	return true;
}

/* ../module/mmuscope.ko relative to this binary: the build tree. */
static bool build_tree_module(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/../module/%s.ko", exe, MMU_MODNAME) >= size)
		return false;
	return access(buf, R_OK) == 0;
}

/*
 * The installed module, as modprobe would find it (modules.dep), else in
 * updates/dkms/ (the DKMS package) or extra/ (make install), compressed or not.
 */
static struct kmod_module *installed_module(struct kmod_ctx *ctx)
{
	static const char *const dirs[] = { "updates/dkms", "extra" };
	static const char *const exts[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;
	struct utsname u;
	char path[PATH_MAX];
	size_t i, j;

	if (!kmod_module_new_from_lookup(ctx, MMU_MODNAME, &list) && list) {
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);

			if (!mod && kmod_module_get_path(m))
				mod = kmod_module_ref(m);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	if (mod)
		return mod;
	/* Not in modules.dep (depmod not run yet): where DKMS and make install put it. */
	uname(&u);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		for (j = 0; j < sizeof(exts) / sizeof(exts[0]); j++) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s/%s%s", u.release,
				 dirs[i], MMU_MODNAME, exts[j]);
			if (!access(path, R_OK) && !kmod_module_new_from_path(ctx, path, &mod))
				return mod;
		}
	}
	return NULL;
}

/* The first word of the module's vermagic (its kernel release), or "". */
static void module_vermagic(struct kmod_module *mod, char *buf, size_t size)
{
	struct kmod_list *info = NULL, *l;

	buf[0] = '\0';
	if (kmod_module_get_info(mod, &info) < 0)
		return;
	kmod_list_foreach(l, info) {
		if (!strcmp(kmod_module_info_get_key(l), "vermagic")) {
			snprintf(buf, size, "%s", kmod_module_info_get_value(l));
			buf[strcspn(buf, " ")] = '\0';
		}
	}
	kmod_module_info_free_list(info);
}

static void explain_insert(int err, const char *path, const char *vermagic, pid_t pid)
{
	struct utsname u;
	char mode[32];

	uname(&u);
	switch (err) {
	case EEXIST:
		p_err("mmuscope is already loaded");
		p_hint("`mmuscope unload` first, or add a target: echo PID > %s/targets", MMU_DEFAULT_ROOT);
		break;
	case EPERM:
		if (lockdown_mode(mode, sizeof(mode)) && strcmp(mode, "none")) {
			p_err("could not load %s: kernel lockdown (%s) refuses unsigned modules", path, mode);
			p_hint("sign the module with the kernel's key, or boot without lockdown");
		} else if (geteuid()) {
			p_err("could not load %s: operation not permitted", path);
			p_hint("loading a module needs root (CAP_SYS_MODULE): run with sudo");
		} else {
			p_err("could not load %s: operation not permitted (module loading disabled? see /proc/sys/kernel/modules_disabled)", path);
		}
		break;
	case EKEYREJECTED:
	case EBADMSG:
		p_err("could not load %s: signature rejected (%s)", path, strerror(err));
		p_hint("this kernel enforces module signatures: sign mmuscope.ko or disable enforcement");
		break;
	case ENOEXEC:
		p_err("could not load %s: invalid module format (built for %s, running %s)",
		      path, vermagic[0] ? vermagic : "another kernel", u.release);
		p_hint("rebuild it for this kernel: make KDIR=/lib/modules/%s/build", u.release);
		break;
	case ENOENT:
		p_err("could not load %s: unknown symbol in module, or unknown parameter", path);
		p_hint("see dmesg; the module was probably built for another kernel configuration");
		break;
	case ESRCH:
		p_err("could not load %s: no such process %d", path, pid);
		break;
	case EINVAL:
		p_err("could not load %s: invalid argument (pid %d is a kernel thread or a thread id? see dmesg)",
		      path, pid);
		break;
	default:
		p_err("could not load %s: %s", path, strerror(err));
		p_hint("see dmesg for the module's own message");
	}
}

static int add_target(pid_t pid)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "+%d\n", pid);
	ret = mmu_write_file("targets", buf);
	return ret ? mmu_explain_add(pid, -ret) : 0;
}

int do_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "follow", no_argument, NULL, 'f' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	char path[PATH_MAX], params[64], vermagic[128];
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	pid_t *pids = NULL;
	size_t npids = 0, i;
	bool follow = false;
	int opt, ret, rc = EXIT_ERR;

	while ((opt = getopt_long(argc, argv, ":p:fjh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pids = xrealloc(pids, (npids + 1) * sizeof(*pids));
			if (parse_pid(optarg, &pids[npids])) {
				free(pids);
				return cmd_usage_err("load", "'%s' is not a pid", optarg);
			}
			npids++;
			break;
		case 'f':
			follow = true;
			break;
		default:
			ret = cmd_common_opt("load", opt, argv);
			if (ret >= 0) {
				free(pids);
				return ret;
			}
		}
	}
	if (argc - optind > 1) {
		free(pids);
		return cmd_usage_err("load", "one module path at most");
	}
	ctx = kmod_ctx_quiet();
	if (!ctx) {
		p_err("libkmod: cannot create a context");
		free(pids);
		return EXIT_ERR;
	}
	if (optind < argc) {
		snprintf(path, sizeof(path), "%s", argv[optind]);
		if (access(path, R_OK)) {
			p_err("%s: %s", path, strerror(errno));
			goto out;
		}
		ret = kmod_module_new_from_path(ctx, path, &mod);
	} else if (env_module(path, sizeof(path))) {
		ret = kmod_module_new_from_path(ctx, path, &mod);
	} else if (build_tree_module(path, sizeof(path))) {
		ret = kmod_module_new_from_path(ctx, path, &mod);
	} else {
		mod = installed_module(ctx);
		ret = mod ? 0 : -ENOENT;
		if (mod)
			snprintf(path, sizeof(path), "%s", kmod_module_get_path(mod));
	}
	if (ret < 0 || !mod) {
		if (optind < argc)
			p_err("%s: %s", path, strerror(-ret));
		else
			p_err("cannot find %s.ko (not in the build tree nor installed)", MMU_MODNAME);
		p_hint("build it with `make`, or give its path: mmuscope load PATH/mmuscope.ko");
		goto out;
	}
	if (mmu_module_loaded()) {
		explain_insert(EEXIST, path, "", 0);
		goto out;
	}
	module_vermagic(mod, vermagic, sizeof(vermagic));
	params[0] = '\0';
	if (npids)
		snprintf(params, sizeof(params), "target_pid=%d", pids[0]);
	if (follow)
		strcat(params, npids ? " follow=1" : "follow=1");
	ret = kmod_module_insert_module(mod, 0, params);
	if (ret < 0) {
		explain_insert(-ret, path, vermagic, npids ? pids[0] : 0);
		goto out;
	}
	rc = EXIT_OK;
	if (mmu_preflight()) {
		p_warn("the module is loaded, but its files are not reachable");
		rc = EXIT_ERR;
		goto report;
	}
	for (i = 1; i < npids; i++)
		if (add_target(pids[i]))
			rc = EXIT_ERR;
report:
	if (json_output) {
		struct jw *w = jw_new(stdout, false);

		jw_obj_begin(w);
		jw_key(w, "loaded");
		jw_bool(w, true);
		jw_key(w, "module");
		jw_str(w, path);
		jw_key(w, "params");
		jw_str(w, params);
		jw_obj_end(w);
		jw_destroy(w);
	} else {
		printf("loaded %s%s%s\n", path, params[0] ? " " : "", params);
	}
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	free(pids);
	return rc;
}

int do_unload(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret, rc = EXIT_ERR;

	ret = cmd_preamble("unload", argc, argv, ":jh", opts, NULL, NULL, NULL, NULL, NULL);
	if (ret >= 0)
		return ret;
	ctx = kmod_ctx_quiet();
	if (!ctx || kmod_module_new_from_name(ctx, MMU_MODNAME, &mod) < 0) {
		p_err("libkmod: cannot create a context");
		goto out;
	}
	if (kmod_module_get_initstate(mod) < 0) {
		p_err("mmuscope is not loaded");
		goto out;
	}
	ret = kmod_module_remove_module(mod, 0);
	switch (-ret) {
	case 0:
		rc = EXIT_OK;
		if (json_output)
			printf("{\"unloaded\":true}\n");
		else
			printf("unloaded mmuscope\n");
		break;
	case EWOULDBLOCK:
		p_err("mmuscope is in use: a process holds one of its files open");
		p_hint("stop the readers (e.g. `faults --stream`) first; see lsof %s", MMU_DEFAULT_ROOT);
		break;
	case EPERM:
		p_err("unloading needs root (CAP_SYS_MODULE)");
		break;
	case ENOENT:
		p_err("mmuscope is not loaded");
		break;
	default:
		p_err("could not unload mmuscope: %s", strerror(-ret));
	}
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

static const char *state_name(int st)
{
	switch (st) {
	case KMOD_MODULE_LIVE: return "live";
	case KMOD_MODULE_COMING: return "coming";
	case KMOD_MODULE_GOING: return "going";
	case KMOD_MODULE_BUILTIN: return "builtin";
	default: return "not loaded";
	}
}

static char *read_param(const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", MMU_MODNAME, name);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, size, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int do_status(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	struct kv_doc ver = { 0 };
	const struct kv_line *vl = NULL;
	pid_t *pids = NULL;
	size_t npids = 0, i;
	char follow[16], comm[64];
	int ret, st = -ENOENT, refcnt = -1;
	bool reachable;

	ret = cmd_preamble("status", argc, argv, ":o:jh", opts, NULL, NULL, NULL, NULL, NULL);
	if (ret >= 0)
		return ret;
	ctx = kmod_ctx_quiet();
	if (ctx && !kmod_module_new_from_name(ctx, MMU_MODNAME, &mod)) {
		st = kmod_module_get_initstate(mod);
		refcnt = st >= 0 ? kmod_module_get_refcnt(mod) : -1;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);

	if (st < 0 && !mmu_root_overridden()) {
		if (json_output) {
			printf("{\"loaded\":false}\n");
		} else {
			printf("mmuscope: not loaded\n");
			p_hint("load it with `mmuscope load [--pid PID]`");
		}
		return EXIT_ERR;
	}
	reachable = !mmu_preflight();
	if (reachable && !mmu_read_doc("version", &ver)) {
		for (i = 0; i < ver.n; i++)
			if (kv_is_data(&ver.lines[i]))
				vl = &ver.lines[i];
		if (mmu_targets_list(&pids, &npids))
			npids = 0;
	}
	read_param("follow", follow, sizeof(follow));
	if (json_output) {
		struct jw *w = jw_new(stdout, false);

		jw_obj_begin(w);
		jw_key(w, "loaded");
		jw_bool(w, true);
		jw_key(w, "state");
		jw_str(w, st < 0 ? "unknown" : state_name(st));
		jw_key(w, "refcnt");
		jw_i64(w, refcnt);
		jw_key(w, "follow");
		jw_bool(w, follow[0] == 'Y' || follow[0] == '1');
		if (vl) {
			jw_key(w, "version");
			jw_kv_line(w, vl);
		}
		jw_key(w, "targets");
		if (reachable)
			jw_targets(w, pids, npids);
		else
			jw_null(w);
		jw_obj_end(w);
		jw_destroy(w);
	} else {
		printf("%smmuscope%s: %s", col(C_BOLD), col(C_RESET),
		       st < 0 ? "(tree from MMUSCOPE_DEBUGFS)" : state_name(st));
		if (refcnt >= 0)
			printf(", %d open file%s", refcnt, refcnt == 1 ? "" : "s");
		printf("\n");
		if (vl)
			printf("  version %s, %s, %s-level paging, %s-byte pages, kernel %s\n",
			       kv_get(vl, "version") ?: "?", kv_get(vl, "arch") ?: "?",
			       kv_get(vl, "levels") ?: "?", kv_get(vl, "page_size") ?: "?",
			       kv_get(vl, "kernel") ?: "?");
		printf("  follow forks: %s\n", follow[0] == 'Y' || follow[0] == '1' ? "yes" : "no");
		if (reachable)	/* else the error above says why there is no list */
			printf("  targets: %zu\n", npids);
		for (i = 0; i < npids; i++) {
			bool alive = target_alive(pids[i]);

			printf("    %-8d %-16s %s\n", pids[i],
			       target_comm(pids[i], comm, sizeof(comm))[0] ? comm : "-",
			       alive ? "" : "(exited: `mmuscope targets prune` removes it)");
		}
	}
	kv_doc_free(&ver);
	free(pids);
	return reachable ? EXIT_OK : EXIT_ERR;
}
