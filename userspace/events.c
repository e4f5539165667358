// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: fault events gathered for an analysis (faults --by sym,
 * --heatmap, report): read from the live stream for a while, or from a
 * file of saved stream lines (--from FILE), with the lost= lines kept in
 * their place.
 */
#include <stdlib.h>
#include <string.h>
#include "mmuscope.h"

static void events_add_line(struct fevents *e, struct kv_line *l)
{
	struct fevent *ev;
	uint64_t lost;

	if (!kv_is_data(l))
		return;
	if (!kv_u64(l, "lost", &lost)) {
		e->lost += lost;
		/* A lost line has no time: it sits between its neighbours. */
		e->lost_marks = xrealloc(e->lost_marks, (e->nmarks + 1) * sizeof(*e->lost_marks));
		e->lost_marks[e->nmarks].before = e->n;
		e->lost_marks[e->nmarks++].count = lost;
		return;
	}
	if (!kv_get(l, "va") && !kv_get(l, "ip"))
		return;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 1024;
		e->ev = xrealloc(e->ev, e->cap * sizeof(*e->ev));
	}
	ev = &e->ev[e->n++];
	memset(ev, 0, sizeof(*ev));
	ev->ts = kv_u64_or(l, "ts_ns", 0);
	ev->va = kv_u64_or(l, "va", 0);
	ev->ip = kv_u64_or(l, "ip", 0);
	ev->lat = kv_u64_or(l, "lat_ns", kv_u64_or(l, "latency_ns", 0));
	ev->pid = (pid_t)kv_u64_or(l, "pid", 0);
	ev->tid = (pid_t)kv_u64_or(l, "tid", 0);
	ev->comm = xstrdup(kv_get(l, "comm") ?: "?");
	ev->class = xstrdup(kv_get(l, "class") ?: "all");
}

/* One line of the stream, its '\n' cut off. */
static void events_add_text(struct fevents *e, char *text)
{
	struct kv_line l;

	kv_parse_line(text, &l);
	events_add_line(e, &l);
	free(l.kv);
}

/* Split @buf into lines; returns how much of it was consumed. */
static size_t events_add_buf(struct fevents *e, char *buf, size_t len)
{
	char *s = buf, *nl;

	while ((size_t)(s - buf) < len && (nl = memchr(s, '\n', len - (s - buf)))) {
		*nl = '\0';
		events_add_text(e, s);
		s = nl + 1;
	}
	return s - buf;
}

int events_read_file(const char *path, struct fevents *e)
{
	char *buf;
	size_t len;
	int ret;

	memset(e, 0, sizeof(*e));
	ret = mmu_read_path(path, &buf, &len);
	if (ret) {
		p_err("%s: %s", path, strerror(-ret));
		return -1;
	}
	if (len && buf[len - 1] != '\n') {
		buf = xrealloc(buf, len + 2);
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	events_add_buf(e, buf, len);
	free(buf);
	return 0;
}

/*
 * The live stream of @pid for @duration seconds (or until the process
 * exits, or a signal); the caller made it a target.
 */
int events_collect(pid_t pid, double duration, struct fevents *e)
{
	struct fstream fs;
	char *line;

	memset(e, 0, sizeof(*e));
	if (fstream_open(&fs, pid, mono_now() + duration))
		return -1;
	while (fstream_next(&fs) > 0)	/* a failed read ends it, too */
		while ((line = fstream_line(&fs)))
			events_add_text(e, line);
	fstream_close(&fs);
	return 0;
}

void events_free(struct fevents *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->ev[i].comm);
		free(e->ev[i].class);
	}
	free(e->ev);
	free(e->lost_marks);
	memset(e, 0, sizeof(*e));
}

/* One of @ev's comma-separated classes is @class. */
bool event_has_class(const struct fevent *ev, const char *class)
{
	size_t n = strlen(class);
	const char *p;

	for (p = ev->class; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, class, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* The result class of an event (minor, major, sigsegv, ...). */
const char *event_result(const struct fevent *ev)
{
	static const char *const res[] = {
		"minor", "major", "sigsegv", "sigbus", "oom", "fixup", "interrupted",
	};
	size_t i;

	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++)
		if (event_has_class(ev, res[i]))
			return res[i];
	return "all";
}
