/*
 * export_watch.c: waiting for the recorder's next commit, for `export
 * --follow` and `last --follow`, without polling.  inotify on the
 * database's directory: a commit writes the -wal (or the file itself,
 * out of WAL mode, and at checkpoints), a rotation moves the file and
 * creates a new one.  Only those two names wake a follower: its own
 * reads touch the -shm, which would wake it for nothing.  Not
 * IN_CLOSE_WRITE either: SQLite opens the -wal read-write even for a
 * read-only connection, so every read would end with a close that wakes
 * the reader itself (10 rounds a second through the recheck, for ever);
 * a commit's writes are IN_MODIFY.  A long timeout covers what inotify
 * cannot see (a file system that does not report, a watch queue
 * overflow).
 *
 * A follower may also have the wait end when its output is closed (a
 * pipe whose reader went away: `| head -1` must end it while no row
 * comes), and signals blocked outside the wait (so that they never cut a
 * line in half) delivered during it.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

#define WATCH_MASK	(IN_MODIFY | IN_CREATE | \
			    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE)

struct export_watch {
	int		 fd;
	int		 out;		/* the output, or -1 */
	const sigset_t	*mask;		/* the signal mask while waiting */
	char		 name[NAME_MAX + 1];	/* the database's file name */
	char		 wal[NAME_MAX + 8];	/* its -wal */
};

struct export_watch *
export_watch_new(const char *path, char *err, size_t errlen)
{
	struct export_watch	*w;
	char			*d, *b;

	if ((w = calloc(1, sizeof(*w))) == NULL || (d = strdup(path)) ==
	    NULL || (b = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->out = -1;
	snprintf(w->name, sizeof(w->name), "%s", basename(b));
	snprintf(w->wal, sizeof(w->wal), "%s-wal", w->name);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(w->fd, dirname(d), WATCH_MASK) == -1) {
		snprintf(err, errlen, "cannot watch %s: %s", path,
		    strerror(errno));
		if (w->fd != -1)
			close(w->fd);
		free(w);
		w = NULL;
	}
	free(d);
	free(b);
	return w;
}

void
export_watch_free(struct export_watch *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w);
}

/* Whether the queued events name the database or its -wal. */
static int
watch_drain(struct export_watch *w)
{
	char				 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p;
	int				 hit = 0;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 &&
			    (strcmp(ev->name, w->name) == 0 ||
			    strcmp(ev->name, w->wal) == 0)))
				hit = 1;
		}
	}
	return hit;
}

/*
 * Also end a wait when fd, the follower's output, is closed by its
 * reader or hung up (POLLERR, POLLHUP: asked for by no event at all, so
 * a terminal or a file that can be written wakes nothing); and wait with
 * the signal mask mask (ppoll), or NULL for the caller's.
 */
void
export_watch_output(struct export_watch *w, int fd, const sigset_t *mask)
{
	w->out = fd;
	w->mask = mask;
}

/*
 * Wait until the database may have changed, or timeout_ms (-1: for ever).
 * 1 on a change, 0 on the timeout, -1 when interrupted by a signal, 2
 * when the output was closed (export_watch_output).
 */
int
export_watch_wait(struct export_watch *w, int timeout_ms)
{
	struct pollfd	 p[2] = { { w->fd, POLLIN, 0 }, { w->out, 0, 0 } };
	struct timespec	 ts, *tp = NULL;
	int		 r;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	for (;;) {
		if ((r = ppoll(p, w->out != -1 ? 2 : 1, tp, w->mask)) == -1)
			return errno == EINTR ? -1 : 0;
		if (r == 0)
			return 0;
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			return 2;
		if (watch_drain(w))
			return 1;
		/* Only other files changed: wait again (the timeout
		   restarts; it is a fallback, not a schedule). */
	}
}
