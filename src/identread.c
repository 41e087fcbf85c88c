/*
 * identread.c: read one task's identity from /proc at once: its command
 * line, the target of its exe link and its cgroup path (src/cgroupname.c
 * picks the line).  The one read, in two halves: ident_read_raw() opens
 * and reads, parsing nothing; ident_from_raw() makes an identity of what
 * it read.  Both run in the recorder, or the first in the privileged
 * reader (src/identpriv.c), whose bytes ident_raw_from_bytes() checks
 * before the recorder parses them: the privileged side parses no byte
 * that a task can choose (its name in stat, its cgroup's name).
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
 * The raw read a helper sent (struct ident_raw_hdr and its parts): every
 * length and code checked against the size and the bounds.  0 with r's
 * parts pointing into buf, or -1 and *why.
 */
int
ident_raw_from_bytes(const void *buf, size_t len, struct ident_raw *r,
    const char **why)
{
	static const uint32_t	 max[IDENT_PART__COUNT] = {
		[IDENT_PART_ARGS] = IDENT_ARGS_MAX,
		[IDENT_PART_EXE] = IDENT_EXE_MAX - 1,
		[IDENT_PART_CGROUP] = IDENT_CGROUP_TEXT_MAX,
		[IDENT_PART_STAT0] = IDENT_STAT_MAX - 1,
		[IDENT_PART_STAT1] = IDENT_STAT_MAX - 1,
	};
	const char	*d;
	size_t		 sum = sizeof(r->h);
	int		 i;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(r->h)) {
		*why = "shorter than its header";
		return -1;
	}
	memcpy(&r->h, buf, sizeof(r->h));
	if (r->h.step >= IDENT_STEP__COUNT || r->h.args_cut > 1 ||
	    r->h.pad != 0 || r->h.err < 0 || r->h.err > 4095 ||
	    r->h.exe_err < 0 || r->h.exe_err > 4095) {
		*why = "bad step or error code";
		return -1;
	}
	for (i = 0; i < IDENT_PART__COUNT; i++) {
		if (r->h.len[i] > max[i]) {
			*why = "a part longer than its bound";
			return -1;
		}
		sum += r->h.len[i];
	}
	if (sum != len) {
		*why = "parts do not add up to its length";
		return -1;
	}
	d = (const char *)buf + sizeof(r->h);
	for (i = 0; i < IDENT_PART__COUNT; i++) {
		r->part[i] = d;
		d += r->h.len[i];
	}
	/* A link's target holds no NUL; the stat texts are parsed as C. */
	if (memchr(r->part[IDENT_PART_EXE], '\0',
	    r->h.len[IDENT_PART_EXE]) != NULL ||
	    memchr(r->part[IDENT_PART_STAT0], '\0',
	    r->h.len[IDENT_PART_STAT0]) != NULL ||
	    memchr(r->part[IDENT_PART_STAT1], '\0',
	    r->h.len[IDENT_PART_STAT1]) != NULL) {
		*why = "a NUL inside the exe or stat text";
		return -1;
	}
	return 0;
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

/* The starttime (field 22) of a /proc/PID/stat text (n bytes, no NUL). */
static int
parse_start(const char *text, size_t n, uint64_t *ticks)
{
	char		 buf[IDENT_STAT_MAX], *p, *end;
	int		 i;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	/* The name may hold anything, ")" included: after the last one. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < 22 && p != NULL; i++)
		if ((p = strchr(p + 1, ' ')) != NULL)
			p++;
	if (p == NULL || *p < '0' || *p > '9')
		return -1;
	errno = 0;
	*ticks = strtoull(p, &end, 10);
	return errno != 0 || (*end != ' ' && *end != '\0') ? -1 : 0;
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

/* Stop the raw read at step, with errno e. */
static void
raw_stop(struct ident_raw *r, int step, int e)
{
	r->h.step = (uint8_t)step;
	r->h.err = e > 0 && e <= 4095 ? e : (e == 0 ? 0 : EIO);
}

/*
 * Read pid's /proc files now, parsing nothing: r's parts point at what
 * was read, r->h.step says where it stopped.  flags: IDENT_READ_NO_ARGS.
 * ident_raw_free(r) after.
 */
void
ident_read_raw(pid_t pid, int flags, struct ident_raw *r)
{
	char		 path[32];
	ssize_t		 n;
	int		 dir, cut = 0, i;

	memset(&r->h, 0, sizeof(r->h));
	r->args_buf = NULL;
	r->part[IDENT_PART_ARGS] = "";
	r->part[IDENT_PART_EXE] = r->exe;
	r->part[IDENT_PART_CGROUP] = r->cgroup;
	for (i = 0; i < 2; i++)
		r->part[IDENT_PART_STAT0 + i] = r->stat[i];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if ((dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		raw_stop(r, IDENT_STEP_DIR, errno);
		return;
	}
	/*
	 * The command line and exe first: they vanish when the task exits
	 * (which it may do within a millisecond); stat and cgroup stay
	 * readable until it is reaped.
	 */
	if (!(flags & IDENT_READ_NO_ARGS)) {
		if ((n = read_cmdline(dir, &r->args_buf, &cut)) <= 0) {
			raw_stop(r, IDENT_STEP_ARGS, n == 0 ? 0 : errno);
			goto out;
		}
		r->part[IDENT_PART_ARGS] = r->args_buf;
		r->h.len[IDENT_PART_ARGS] = (uint32_t)n;
		r->h.args_cut = (uint8_t)cut;
	}
	if ((n = readlinkat(dir, "exe", r->exe, sizeof(r->exe) - 1)) == -1) {
		/* Refused: the rest still tells what it can. */
		if (errno != EACCES && errno != EPERM) {
			raw_stop(r, IDENT_STEP_EXE, errno);
			goto out;
		}
		r->h.exe_err = errno;
		n = 0;
	}
	r->h.len[IDENT_PART_EXE] = (uint32_t)n;
	if ((n = read_at(dir, "stat", r->stat[0], IDENT_STAT_MAX - 1)) <= 0) {
		raw_stop(r, IDENT_STEP_STAT0, n == 0 ? 0 : errno);
		goto out;
	}
	r->h.len[IDENT_PART_STAT0] = (uint32_t)n;
	n = read_at(dir, "cgroup", r->cgroup, sizeof(r->cgroup));
	r->h.len[IDENT_PART_CGROUP] = n > 0 ? (uint32_t)n : 0;
	if ((n = read_at(dir, "stat", r->stat[1], IDENT_STAT_MAX - 1)) <= 0) {
		raw_stop(r, IDENT_STEP_STAT1, n == 0 ? 0 : errno);
		goto out;
	}
	r->h.len[IDENT_PART_STAT1] = (uint32_t)n;
out:
	close(dir);
}

void
ident_raw_free(struct ident_raw *r)
{
	free(r->args_buf);
	r->args_buf = NULL;
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
 * The identity a raw read of pid makes.  ts_ns: the event's time (0: do
 * not check).  Returns it (src says how whole it is) or NULL when nothing
 * could be read, *src then saying why.
 */
struct ident *
ident_from_raw(const struct ident_raw *r, pid_t pid, uint64_t ts_ns, int *src)
{
	char		 cg[IDENT_CGROUP_TEXT_MAX];
	const uint32_t	*len = r->h.len;
	struct ident	*id;
	uint64_t	 t0, t1;

	switch (r->h.step) {
	case IDENT_STEP_DIR:
		*src = why_failed(r->h.err, pid, 1);
		return NULL;
	case IDENT_STEP_ARGS:	/* empty: exited, its memory is gone */
	case IDENT_STEP_STAT0:
		*src = r->h.err != 0 ? why_failed(r->h.err, pid, 0) :
		    TASKACCT_IDENT_GONE;
		return NULL;
	case IDENT_STEP_DONE:
		break;
	default:
		*src = TASKACCT_IDENT_GONE;
		return NULL;
	}
	if (parse_start(r->part[IDENT_PART_STAT0], len[IDENT_PART_STAT0],
	    &t0) == -1 || parse_start(r->part[IDENT_PART_STAT1],
	    len[IDENT_PART_STAT1], &t1) == -1) {
		*src = TASKACCT_IDENT_GONE;
		return NULL;
	}
	if (t0 != t1 || started_after(t0, ts_ns)) {
		*src = TASKACCT_IDENT_REUSED;
		return NULL;
	}
	if (len[IDENT_PART_CGROUP] == 0 || cgroup_pick(r->part[IDENT_PART_CGROUP],
	    len[IDENT_PART_CGROUP], cg, sizeof(cg)) == -1)
		cg[0] = '\0';
	if ((id = ident_alloc(r->part[IDENT_PART_ARGS], len[IDENT_PART_ARGS],
	    r->part[IDENT_PART_EXE], len[IDENT_PART_EXE], cg,
	    strlen(cg))) == NULL) {
		*src = TASKACCT_IDENT_GONE;
		return NULL;
	}
	id->args_cut = r->h.args_cut;
	id->start_ticks = t0;
	id->src = r->h.exe_err != 0 ? TASKACCT_IDENT_DENIED :
	    TASKACCT_IDENT_EXEC;
	*src = id->src;
	return id;
}

/*
 * What a read in this process could not see for lack of privilege, for
 * the privileged reader to read: IDENT_ASK_ALL (/proc/PID hidden or its
 * files refused: hidepid), IDENT_ASK_EXE (the exe link refused: another
 * user's task), or IDENT_ASK_NONE (read whole, or the task is gone).
 */
int
ident_raw_ask(const struct ident_raw *r, pid_t pid)
{
	switch (r->h.step) {
	case IDENT_STEP_DONE:
		return r->h.exe_err != 0 ? IDENT_ASK_EXE : IDENT_ASK_NONE;
	case IDENT_STEP_DIR:
	case IDENT_STEP_ARGS:
	case IDENT_STEP_STAT0:
		return why_failed(r->h.err, pid, r->h.step == IDENT_STEP_DIR) ==
		    TASKACCT_IDENT_DENIED ? IDENT_ASK_ALL : IDENT_ASK_NONE;
	default:
		return IDENT_ASK_NONE;
	}
}

/*
 * Take the exe link from another read of the same task (the privileged
 * reader's, made with IDENT_READ_NO_ARGS): only if it read it and saw the
 * same start time (else it read a PID reused since).  0 if taken.
 */
int
ident_raw_take_exe(struct ident_raw *r, const struct ident_raw *from)
{
	uint64_t	 t0, t1;

	if (r->h.step != IDENT_STEP_DONE || from->h.step != IDENT_STEP_DONE ||
	    from->h.exe_err != 0 || from->h.len[IDENT_PART_EXE] == 0 ||
	    parse_start(r->part[IDENT_PART_STAT0], r->h.len[IDENT_PART_STAT0],
	    &t0) == -1 || parse_start(from->part[IDENT_PART_STAT0],
	    from->h.len[IDENT_PART_STAT0], &t1) == -1 || t0 != t1)
		return -1;
	r->part[IDENT_PART_EXE] = from->part[IDENT_PART_EXE];
	r->h.len[IDENT_PART_EXE] = from->h.len[IDENT_PART_EXE];
	r->h.exe_err = 0;
	return 0;
}

/*
 * Read pid's identity now, in this process.  ts_ns: the event's time (0:
 * do not check); flags: IDENT_READ_NO_ARGS.  Returns the identity (src
 * says how whole it is) or NULL when nothing could be read, *src then
 * saying why.
 */
struct ident *
ident_read(pid_t pid, uint64_t ts_ns, int flags, int *src)
{
	struct ident_raw	 r;
	struct ident		*id;

	ident_read_raw(pid, flags, &r);
	id = ident_from_raw(&r, pid, ts_ns, src);
	ident_raw_free(&r);
	return id;
}
