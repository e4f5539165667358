// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope reader: a target's fault stream (<pid>/faults), read as it
 * comes, in complete lines, until the target has exited and its last
 * events are read, a deadline passes, stdout closes (when asked), or a
 * signal.  `faults --stream` prints the lines, the events of an analysis
 * (events.c) collect them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmuscope.h"

/*
 * Open @pid's stream, to end at @deadline (a mono_now() time; 0: no
 * limit).  Returns 0, or -1 after p_err.
 */
int fstream_open(struct fstream *s, pid_t pid, double deadline)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->deadline = deadline;
	mmu_target_path(pid, "faults", s->path, sizeof(s->path));
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0) {
		if (errno == EBUSY)
			p_err("%s: another reader has the stream open (one at a time)", s->path);
		else if (errno == ENOENT)
			p_err("%s: no fault stream (module without fault tracing?)", s->path);
		else
			p_err("%s: %s", s->path, strerror(errno));
		return -1;
	}
	s->cap = 65536;
	s->buf = xmalloc(s->cap);
	return 0;
}

/*
 * Read what comes next, waiting for it in 200 ms polls; fstream_line()
 * then gives its complete lines.  Returns 1 after a read, 0 at the end
 * (s->exited when the target exited: its last events were read), or
 * -errno of a failed read.
 */
int fstream_next(struct fstream *s)
{
	ssize_t n;

	/* Keep what the caller did not take: a line not complete yet. */
	s->len -= s->pos;
	memmove(s->buf, s->buf + s->pos, s->len);
	s->pos = 0;
	while (!mmu_stop) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

		if (s->len + 1 >= s->cap) {
			s->cap *= 2;
			s->buf = xrealloc(s->buf, s->cap);
		}
		n = read(s->fd, s->buf + s->len, s->cap - 1 - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* Nothing queued: has the process, the reader or the time gone? */
			if (s->draining) {
				s->exited = true;
				return 0;
			}
			if (s->stdout_ends && stdout_closed())
				return 0;
			if (s->deadline > 0 && mono_now() >= s->deadline)
				return 0;
			if (!target_alive(s->pid)) {
				s->draining = true;	/* one more read for its last events */
				continue;
			}
			poll(&pfd, 1, 200);
			continue;
		}
		if (n < 0)
			return errno == ESRCH ? 0 : -errno;	/* ESRCH: the target exited */
		if (n == 0)
			return 0;	/* end of file: the target was removed */
		s->len += n;
		return 1;
	}
	return 0;
}

/* The next complete line read (its '\n' cut off), NULL when there is none. */
char *fstream_line(struct fstream *s)
{
	char *line = s->buf + s->pos, *nl;

	nl = memchr(line, '\n', s->len - s->pos);
	if (!nl)
		return NULL;
	*nl = '\0';
	s->pos = nl + 1 - s->buf;
	return line;
}

void fstream_close(struct fstream *s)
{
	free(s->buf);
	close(s->fd);
	s->buf = NULL;
	s->fd = -1;
}
