/*
 * identread.c: read one task's identity from /proc at once: its command
 * line, the target of its exe link and its cgroup path (src/cgroupname.c
 * picks the line).  The one read, used in the recorder itself or in a
 * privileged helper (which sends the result's bytes, ident_from_bytes()
 * checks them).
 *
 * The task may exit or its PID be reused while we read.  /proc/PID is
 * opened once and every file read through that directory: it stays bound
 * to the task it named, so a reused PID cannot slip in half way (reads
 * then fail with ESRCH/ENOENT).  Its start time (/proc/PID/stat) is read
 * twice, after the command line and exe (which go first: they vanish at
 * exit) and last: a change, or a start later than the event that asked
 * (the PID was reused before we opened it), is TASKACCT_IDENT_REUSED.
 * After exit the kernel shows an empty cmdline and no exe: GONE.  A task
 * we may not see (hidepid) or whose exe needs ptrace access we lack:
 * DENIED, keeping what could be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroupname.h"
#include "ident.h"
#include "taskacct.h"

#define CGROUP_TEXT_MAX		8192
#define EXE_MAX			4096

static atomic_size_t	 live_bytes;

uint64_t
ident_hash(const void *p, size_t len, uint64_t h)
{
	const uint8_t	*s = p;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

size_t
ident_size(const struct ident *id)
{
	return sizeof(*id) + id->args_len + id->exe_len + 1 +
	    id->cgroup_len + 1;
}

size_t
ident_live_bytes(void)
{
	return atomic_load(&live_bytes);
}

void
ident_ref(struct ident *id)
{
	if (id != NULL)
		atomic_fetch_add(&id->refs, 1);
}

void
ident_unref(struct ident *id)
{
	if (id != NULL && atomic_fetch_sub(&id->refs, 1) == 1) {
		atomic_fetch_sub(&live_bytes, ident_size(id));
		free(id);
	}
}

static struct ident *
ident_alloc(const char *args, size_t alen, const char *exe, size_t elen,
    const char *cg, size_t clen)
{
	struct ident	*id;

	if ((id = calloc(1, sizeof(*id) + alen + elen + clen + 2)) == NULL)
		return NULL;
	atomic_init(&id->refs, 1);
	id->args_len = (uint32_t)alen;
	id->exe_len = (uint32_t)elen;
	id->cgroup_len = (uint32_t)clen;
	memcpy(id->data, args, alen);
	memcpy(id->data + alen, exe, elen);
	memcpy(id->data + alen + elen + 1, cg, clen);
	atomic_fetch_add(&live_bytes, ident_size(id));
	return id;
}

/*
 * An identity from bytes a helper sent (ident_size() bytes of a struct
 * ident): every length checked against the size; NULL if they disagree.
 */
struct ident *
ident_from_bytes(const void *buf, size_t len)
{
	struct ident	 h, *id;
	const char	*d;

	if (len < sizeof(h))
		return NULL;
	memcpy(&h, buf, sizeof(h));
	if (h.args_len > IDENT_ARGS_MAX || h.exe_len >= EXE_MAX ||
	    h.cgroup_len >= CGROUP_TEXT_MAX || h.src > TASKACCT_IDENT_REUSED ||
	    len != sizeof(h) + h.args_len + h.exe_len + h.cgroup_len + 2)
		return NULL;
	d = (const char *)buf + sizeof(h);
	if (d[h.args_len + h.exe_len] != '\0' ||
	    d[len - sizeof(h) - 1] != '\0' ||
	    memchr(d + h.args_len, '\0', h.exe_len) != NULL ||
	    memchr(d + h.args_len + h.exe_len + 1, '\0', h.cgroup_len) != NULL)
		return NULL;
	if ((id = ident_alloc(d, h.args_len, d + h.args_len, h.exe_len,
	    d + h.args_len + h.exe_len + 1, h.cgroup_len)) == NULL)
		return NULL;
	id->src = h.src;
	id->args_cut = h.args_cut;
	id->start_ticks = h.start_ticks;
	return id;
}

/* Read a whole small file under dir into buf (at most len bytes). */
static ssize_t
read_at(int dir, const char *name, char *buf, size_t len)
{
	ssize_t	 n;
	size_t	 got = 0;
	int	 fd;

	if ((fd = openat(dir, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			got = (size_t)-1;
			break;
		}
		got += (size_t)n;
	}
	if (got == (size_t)-1) {
		n = errno;
		close(fd);
		errno = (int)n;
		return -1;
	}
	close(fd);
	return (ssize_t)got;
}

/* The starttime (field 22) of /proc/PID/stat, in clock ticks since boot. */
static int
read_start(int dir, uint64_t *ticks)
{
	char		 buf[1024], *p;
	ssize_t		 n;
	int		 i;

	if ((n = read_at(dir, "stat", buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	/* The name may hold anything, ")" included: after the last one. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < 22 && p != NULL; i++)
		if ((p = strchr(p + 1, ' ')) != NULL)
			p++;
	if (p == NULL)
		return -1;
	*ticks = strtoull(p, NULL, 10);
	return 0;
}

/* The command line, into a buffer grown as needed, up to the bound. */
static ssize_t
read_cmdline(int dir, char **out, int *cut)
{
	size_t	 cap = 4096, got = 0;
	ssize_t	 n;
	char	*buf = NULL, *nb;
	int	 fd, e;

	*cut = 0;
	if ((fd = openat(dir, "cmdline", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (got == cap || buf == NULL) {
			if (buf != NULL)
				cap *= 2;
			if (cap > IDENT_ARGS_MAX + 1)
				cap = IDENT_ARGS_MAX + 1;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((n = read(fd, buf + got, cap - got)) == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		got += (size_t)n;
		if (got > IDENT_ARGS_MAX) {
			got = IDENT_ARGS_MAX;
			*cut = 1;
			break;
		}
	}
	close(fd);
	*out = buf;
	return (ssize_t)got;
fail:
	e = errno;
	close(fd);
	free(buf);
	errno = e;
	return -1;
}

/*
 * Why a read failed: the task is gone, or we may not look.  hidepid hides
 * another user's live task as ENOENT at /proc/PID itself (dir set):
 * kill(0) tells it from a reaped one (ESRCH).  Inside the directory,
 * ENOENT means the task is exiting (a zombie has no exe).
 */
static int
why_failed(int err, pid_t pid, int dir)
{
	if (err == EACCES || err == EPERM)
		return TASKACCT_IDENT_DENIED;
	if (dir && err == ENOENT && kill(pid, 0) == -1 && errno == EPERM)
		return TASKACCT_IDENT_DENIED;
	return TASKACCT_IDENT_GONE;
}

/* Start in ticks later than the event at ts_ns (CLOCK_MONOTONIC)? */
static int
started_after(uint64_t ticks, uint64_t ts_ns)
{
	struct timespec	 b, m;
	int64_t		 start_ns, off, tick_ns;
	long		 hz = sysconf(_SC_CLK_TCK);

	if (ts_ns == 0 || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &b) == -1 ||
	    clock_gettime(CLOCK_MONOTONIC, &m) == -1)
		return 0;
	tick_ns = 1000000000LL / hz;
	/* starttime counts boot time (suspend included); the event, not. */
	off = (b.tv_sec - m.tv_sec) * 1000000000LL + (b.tv_nsec - m.tv_nsec);
	start_ns = (int64_t)ticks * tick_ns - off;
	return start_ns > (int64_t)ts_ns + tick_ns;
}

/*
 * Read pid's identity now.  ts_ns: the event's time (0: do not check);
 * flags: IDENT_READ_NO_ARGS.  Returns the identity (src says how whole
 * it is) or NULL when nothing could be read, *src then saying why.
 */
struct ident *
ident_read(pid_t pid, uint64_t ts_ns, int flags, int *src)
{
	char		 path[32], exe[EXE_MAX], cgtext[CGROUP_TEXT_MAX];
	char		 cg[CGROUP_TEXT_MAX], *args = NULL;
	struct ident	*id = NULL;
	uint64_t	 t0, t1;
	ssize_t		 alen = 0, elen, clen;
	int		 dir, cut = 0, denied = 0;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if ((dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		*src = why_failed(errno, pid, 1);
		return NULL;
	}
	/*
	 * The command line and exe first: they vanish when the task exits
	 * (which it may do within a millisecond); stat and cgroup stay
	 * readable until it is reaped.
	 */
	if (!(flags & IDENT_READ_NO_ARGS)) {
		if ((alen = read_cmdline(dir, &args, &cut)) == -1) {
			*src = why_failed(errno, pid, 0);
			goto out;
		}
		if (alen == 0) {	/* exited: its memory is gone */
			*src = TASKACCT_IDENT_GONE;
			goto out;
		}
	}
	if ((elen = readlinkat(dir, "exe", exe, sizeof(exe) - 1)) == -1) {
		if (why_failed(errno, pid, 0) != TASKACCT_IDENT_DENIED) {
			*src = TASKACCT_IDENT_GONE;
			goto out;
		}
		denied = 1;
		elen = 0;
	}
	if (read_start(dir, &t0) == -1) {
		*src = why_failed(errno, pid, 0);
		goto out;
	}
	clen = read_at(dir, "cgroup", cgtext, sizeof(cgtext));
	if (clen <= 0 || cgroup_pick(cgtext, (size_t)clen, cg,
	    sizeof(cg)) == -1)
		cg[0] = '\0';
	if (read_start(dir, &t1) == -1) {
		*src = TASKACCT_IDENT_GONE;
		goto out;
	}
	if (t0 != t1 || started_after(t0, ts_ns)) {
		*src = TASKACCT_IDENT_REUSED;
		goto out;
	}
	if ((id = ident_alloc(args ? args : "", (size_t)alen, exe,
	    (size_t)elen, cg, strlen(cg))) == NULL) {
		*src = TASKACCT_IDENT_GONE;
		goto out;
	}
	id->args_cut = (uint8_t)cut;
	id->start_ticks = t0;
	id->src = denied ? TASKACCT_IDENT_DENIED : TASKACCT_IDENT_EXEC;
	*src = id->src;
out:
	free(args);
	close(dir);
	return id;
}
