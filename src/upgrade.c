/*
 * upgrade.c: upgrade in place.  On SIGUSR2 taskacctd re-executes the
 * binary it was started from (its path as resolved at start, so a package
 * upgrade that replaced the file runs the new one), and the new image
 * adopts the descriptors the kernel keeps queueing into: the registered
 * TASKSTATS sockets, the process events connector, the privileged
 * sampler child's socketpair, the metrics listener, and the database's
 * flock, so that no second recorder can take the database in between;
 * and the sampler's table, as a sealed memfd (src/upgrade_blob.c).
 * They are named in one environment variable (UPGRADE_ENV), with the runs
 * row to go on recording into and each socket's last drop counter; the
 * new image checks every descriptor's kind before it uses it.
 *
 * Why exec in place, after a check, rather than fork, exec and confirm:
 * the PID must stay.  systemd (Type=simple) follows MainPID, which a
 * forked successor would leave; the privileged sampler child dies with
 * its parent (PR_SET_PDEATHSIG) and could not be made again without the
 * privilege the daemon dropped; the TASKSTATS registrations and the
 * connector subscription belong to the sockets, which an exec keeps.  So
 * the new binary is first run with --upgrade-check (it parses the same
 * arguments, reads the database's schema version and says whether it can
 * migrate it) while this image goes on recording, and only on its exit 0
 * does this image stop reading, commit and exec.  A binary that passes
 * the check but dies after the exec is not caught: the check runs the
 * same file, moments before.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include <sqlite3.h>

#include "store.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "upgrade.h"

#define UPGRADE_TICK_MS		10	/* the caller records meanwhile */
#ifndef SO_MEMINFO
#define SO_MEMINFO		55
#endif

extern char **environ;

void
upgrade_state_init(struct upgrade_state *s)
{
	memset(s, 0, sizeof(*s));
	s->lock_fd = s->conn.fd = s->priv_fd = s->ident_fd = -1;
	s->metrics_fd = s->sacct_fd = -1;
}

static int	put(char **, size_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
put(char **p, size_t *left, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(*p, *left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= *left)
		return -1;
	*p += n;
	*left -= (size_t)n;
	return 0;
}

/* The variable's value, e.g. "v=1 run=3 start=... lock=5 tasks=6:0". */
int
upgrade_encode(const struct upgrade_state *s, char *buf, size_t len)
{
	char	*p = buf;
	size_t	 left = len;
	int	 i, r;

	r = put(&p, &left, "v=%d run=%lld start=%lld lock=%d",
	    UPGRADE_VERSION, (long long)s->run_id, (long long)s->start_time,
	    s->lock_fd);
	for (i = 0; i < s->nsock; i++)
		r |= put(&p, &left, "%s%d:%u", i == 0 ? " tasks=" : ",",
		    s->sock[i].fd, s->sock[i].drops_raw);
	if (s->conn.fd != -1)
		r |= put(&p, &left, " conn=%d:%u", s->conn.fd,
		    s->conn.drops_raw);
	if (s->priv_fd != -1)
		r |= put(&p, &left, " priv=%d:%d:%u", s->priv_fd,
		    (int)s->priv_pid, (unsigned)s->priv_family);
	if (s->ident_fd != -1)
		r |= put(&p, &left, " ident=%d:%d", s->ident_fd,
		    (int)s->ident_pid);
	if (s->metrics_fd != -1)
		r |= put(&p, &left, " metrics=%d", s->metrics_fd);
	if (s->sacct_fd != -1)
		r |= put(&p, &left, " sacct=%d", s->sacct_fd);
	if (s->paused_ms > 0)
		r |= put(&p, &left, " paused=%lld", (long long)s->paused_ms);
	return r == 0 ? 0 : -1;
}

/* One decimal number in [min, max], ending at a char of stop (or NUL). */
static int
num(const char **p, long long min, long long max, const char *stop,
    long long *v)
{
	char	*end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoll(*p, &end, 10);
	if (errno != 0 || *v < min || *v > max ||
	    (*end != '\0' && strchr(stop, *end) == NULL))
		return -1;
	*p = end;
	return 0;
}

static int
fd_num(const char **p, const char *stop, int *fd)
{
	long long	 v;

	/* 0-2 are stdio, never handed over. */
	if (num(p, 3, INT_MAX, stop, &v) == -1)
		return -1;
	*fd = (int)v;
	return 0;
}

static int
sock_pair(const char **p, const char *stop, struct upgrade_sock *s)
{
	long long	 v;

	if (fd_num(p, ":", &s->fd) == -1 || *(*p)++ != ':' ||
	    num(p, 0, UINT32_MAX, stop, &v) == -1)
		return -1;
	s->drops_raw = (uint32_t)v;
	return 0;
}

static int
decode_field(const char *key, size_t klen, const char **p,
    struct upgrade_state *s)
{
	long long	 v, pid, fam;

#define KEY(k)	(klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY("v"))
		return num(p, UPGRADE_VERSION, UPGRADE_VERSION, " ", &v);
	if (KEY("run")) {
		if (s->run_id != 0 || num(p, 1, INT64_MAX, " ", &v) == -1)
			return -1;
		s->run_id = v;
		return 0;
	}
	if (KEY("start")) {
		if (s->start_time != 0 || num(p, 1, INT64_MAX, " ", &v) == -1)
			return -1;
		s->start_time = v;
		return 0;
	}
	if (KEY("lock"))
		return s->lock_fd != -1 ? -1 : fd_num(p, " ", &s->lock_fd);
	if (KEY("tasks")) {
		if (s->nsock != 0)
			return -1;
		do {
			if (s->nsock == UPGRADE_MAX_SOCKETS ||
			    sock_pair(p, ", ", &s->sock[s->nsock++]) == -1)
				return -1;
		} while (**p == ',' && (*p)++);
		return 0;
	}
	if (KEY("conn"))
		return s->conn.fd != -1 ? -1 : sock_pair(p, " ", &s->conn);
	if (KEY("priv")) {
		if (s->priv_fd != -1 || fd_num(p, ":", &s->priv_fd) == -1 || *(*p)++ != ':' ||
		    num(p, 2, INT_MAX, ":", &pid) == -1 || *(*p)++ != ':' ||
		    num(p, 1, UINT16_MAX, " ", &fam) == -1)
			return -1;
		s->priv_pid = (pid_t)pid;
		s->priv_family = (uint16_t)fam;
		return 0;
	}
	if (KEY("ident")) {
		if (s->ident_fd != -1 || fd_num(p, ":", &s->ident_fd) == -1 ||
		    *(*p)++ != ':' || num(p, 2, INT_MAX, " ", &pid) == -1)
			return -1;
		s->ident_pid = (pid_t)pid;
		return 0;
	}
	if (KEY("paused")) {
		if (s->paused_ms != 0 || num(p, 1, INT64_MAX, " ", &v) == -1)
			return -1;
		s->paused_ms = v;
		return 0;
	}
	if (KEY("metrics"))
		return s->metrics_fd != -1 ? -1 : fd_num(p, " ", &s->metrics_fd);
	if (KEY("sacct"))
		return s->sacct_fd != -1 ? -1 : fd_num(p, " ", &s->sacct_fd);
#undef KEY
	return -1;
}

/* No descriptor named twice. */
static int
fds_distinct(const struct upgrade_state *s)
{
	int	 fds[UPGRADE_MAX_SOCKETS + 6], n = 0, i, j;

	fds[n++] = s->lock_fd;
	for (i = 0; i < s->nsock; i++)
		fds[n++] = s->sock[i].fd;
	if (s->conn.fd != -1)
		fds[n++] = s->conn.fd;
	if (s->priv_fd != -1)
		fds[n++] = s->priv_fd;
	if (s->ident_fd != -1)
		fds[n++] = s->ident_fd;
	if (s->metrics_fd != -1)
		fds[n++] = s->metrics_fd;
	if (s->sacct_fd != -1)
		fds[n++] = s->sacct_fd;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (fds[i] == fds[j])
				return 0;
	return 1;
}

/* Parse the variable's value strictly: every key known, once each. */
int
upgrade_decode(const char *str, struct upgrade_state *s, char *err,
    size_t errlen)
{
	const char	*p = str, *eq, *q;
	int		 seen_v = 0;

	upgrade_state_init(s);
	while (*p != '\0') {
		if ((eq = strchr(p, '=')) == NULL || eq == p)
			goto bad;
		if (eq - p == 1 && *p == 'v')
			seen_v++;
		q = eq + 1;
		if (decode_field(p, (size_t)(eq - p), &q, s) == -1 ||
		    (*q != ' ' && *q != '\0'))
			goto bad;
		if (*q == ' ' && q[1] == '\0')
			goto bad;
		p = *q == ' ' ? q + 1 : q;
	}
	if (seen_v != 1 || s->run_id == 0 || s->start_time == 0 ||
	    s->lock_fd == -1 || s->nsock == 0 || !fds_distinct(s))
		goto bad;
	return 0;
bad:
	/* Printable only: the value may be anything. */
	snprintf(err, errlen, "%s: not the state of an upgrade (\"",
	    UPGRADE_ENV);
	for (p = str; *p != '\0' && p - str < 80; p++) {
		size_t	 n = strlen(err);

		if (n + 3 >= errlen)
			break;
		err[n] = *p >= ' ' && *p <= '~' ? *p : '?';
		err[n + 1] = '\0';
	}
	if (strlen(err) + 3 < errlen)
		strcat(err, "\")");
	return -1;
}

/*
 * The state the previous image handed over, if any: 1 and s filled, 0
 * when this is a plain start, -1 and err when it is malformed.  The
 * variable is removed either way: children must not see it.
 */
int
upgrade_take(struct upgrade_state *s, char *err, size_t errlen)
{
	const char	*v = getenv(UPGRADE_ENV);
	char		*copy;
	int		 r;

	upgrade_state_init(s);
	if (v == NULL)
		return 0;
	if ((copy = strdup(v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	unsetenv(UPGRADE_ENV);
	r = upgrade_decode(copy, s, err, errlen) == -1 ? -1 : 1;
	free(copy);
	return r;
}

/*
 * Check that fd is a socket of this domain, type and protocol (-1: any),
 * and close it on any later exec.
 */
int
upgrade_fd_socket(int fd, int domain, int type, int protocol, char *err,
    size_t errlen)
{
	struct stat	 sb;
	socklen_t	 len;
	int		 v[3], i;
	static const int opt[3] = { SO_DOMAIN, SO_TYPE, SO_PROTOCOL };

	if (fstat(fd, &sb) == -1 || !S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "handed descriptor %d is not a socket%s",
		    fd, errno == EBADF ? " (not open)" : "");
		return -1;
	}
	for (i = 0; i < 3; i++) {
		len = sizeof(v[i]);
		if (getsockopt(fd, SOL_SOCKET, opt[i], &v[i], &len) == -1) {
			snprintf(err, errlen, "handed descriptor %d: %s", fd,
			    strerror(errno));
			return -1;
		}
	}
	if (v[0] != domain || v[1] != type || (protocol != -1 &&
	    v[2] != protocol)) {
		snprintf(err, errlen, "handed descriptor %d is a socket of "
		    "domain %d, type %d, protocol %d: expected %d, %d, %d", fd,
		    v[0], v[1], v[2], domain, type, protocol);
		return -1;
	}
	return upgrade_fd_cloexec(fd, 1) == -1 ? errno = EBADF, -1 : 0;
}

/*
 * The drop counter to count on from on an adopted netlink socket: the one
 * the old image last read, unless the socket's own is behind it (a wrong
 * hand-over; wrapping past 2^32 drops during an exec is not plausible),
 * which would count 4 billion drops.
 */
uint32_t
upgrade_drops_base(int fd, uint32_t handed)
{
	uint32_t	 mem[SK_MEMINFO_VARS];
	socklen_t	 len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
	    len >= sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1) &&
	    mem[SK_MEMINFO_DROPS] < handed)
		return mem[SK_MEMINFO_DROPS];
	return handed;
}

int
upgrade_fd_cloexec(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/*
 * The path this process was executed from, at start: a later package
 * upgrade replaces the file, and the link then reads "... (deleted)".
 */
int
upgrade_self_path(char *buf, size_t len)
{
	static const char deleted[] = " (deleted)";
	ssize_t		 n;
	size_t		 dl = sizeof(deleted) - 1;

	if ((n = readlink("/proc/self/exe", buf, len - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
		buf[n - dl] = '\0';
	return buf[0] == '/' ? 0 : -1;
}

/* The child: run the new binary's check, its output to fd out. */
static void __attribute__((noreturn))
check_child(const char *path, char *const *argv, int out)
{
	char		*args[256 + 2];
	sigset_t	 none;
	int		 i, null;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((null = open("/dev/null", O_RDONLY)) != -1)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	/* UPGRADE_ENV is not set here: only for the exec in place. */
	args[0] = argv[0];
	args[1] = (char *)UPGRADE_CHECK_OPTION;
	for (i = 1; argv[i] != NULL && i < 256; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	execv(path, args);
	dprintf(STDERR_FILENO, "cannot execute it: %s\n", strerror(errno));
	_exit(127);
}

/* The check's first line of output, printable, for the log. */
static void
check_reason(char *out, size_t n, char *why, size_t whylen)
{
	size_t	 i;

	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] < ' ' || out[i] > '~')
			out[i] = '?';
	snprintf(why, whylen, "%s", out[0] != '\0' ? out : "no message");
}

/*
 * Run path with UPGRADE_CHECK_OPTION and argv's options, calling tick
 * every few milliseconds meanwhile (the daemon goes on recording); 0 when
 * it exited 0, else -1 and err.
 */
int
upgrade_check_binary(const char *path, char *const *argv,
    upgrade_tick_fn *tick, void *arg, char *err, size_t errlen)
{
	struct pollfd	 pfd;
	char		 out[200], why[256];
	size_t		 n = 0;
	ssize_t		 r;
	int64_t		 deadline = now_mono_ms() + UPGRADE_CHECK_TIMEOUT_MS;
	int		 p[2], status, timeout = 0;
	pid_t		 pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "cannot run the check: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0)
		check_child(path, argv, p[1]);
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if (now_mono_ms() > deadline) {
			kill(pid, SIGKILL);
			timeout = 1;
			break;
		}
		if (poll(&pfd, 1, UPGRADE_TICK_MS) == 1) {
			r = read(p[0], out + n, n < sizeof(out) - 1 ?
			    sizeof(out) - 1 - n : 0);
			if (r == 0 || (r == -1 && errno != EINTR))
				break;
			if (r > 0)
				n += (size_t)r;
			if (n == sizeof(out) - 1)
				n = sizeof(out) - 2;	/* keep reading */
		}
		tick(arg);
	}
	close(p[0]);
	/* Its output closed; it may linger (a hostile binary): bounded. */
	while (!timeout && waitpid(pid, &status, WNOHANG) == 0) {
		if (now_mono_ms() > deadline) {
			kill(pid, SIGKILL);
			timeout = 1;
			break;
		}
		poll(NULL, 0, UPGRADE_TICK_MS);
		tick(arg);
	}
	if (timeout)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	if (!timeout && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	check_reason(out, n, why, sizeof(why));
	if (timeout)
		snprintf(err, errlen, "%s %s took more than %d s", path,
		    UPGRADE_CHECK_OPTION, UPGRADE_CHECK_TIMEOUT_MS / 1000);
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "%s %s was killed by signal %d: %s",
		    path, UPGRADE_CHECK_OPTION, WTERMSIG(status), why);
	else
		snprintf(err, errlen, "%s %s failed (exit %d): %s", path,
		    UPGRADE_CHECK_OPTION, WEXITSTATUS(status), why);
	return -1;
}

/*
 * The new binary's side of the check: the database at path is a taskacct
 * database whose schema this binary records into or can migrate.  Opened
 * read-only: the old image still records into it.
 */
int
upgrade_check_db(const char *path, char *err, size_t errlen)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	int64_t		 app = -1, ver = -1;
	int		 r = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM "
	    "pragma_application_id), (SELECT user_version FROM "
	    "pragma_user_version), (SELECT count(*) FROM runs)", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	app = sqlite3_column_int64(st, 0);
	ver = sqlite3_column_int64(st, 1);
	if (app != TASKACCT_APPLICATION_ID)
		snprintf(err, errlen, "%s is not a taskacct database", path);
	else if (ver < 1 || ver > TASKACCT_SCHEMA_VERSION)
		snprintf(err, errlen, "%s: schema version %lld, this binary "
		    "records version %d and migrates from 1", path,
		    (long long)ver, TASKACCT_SCHEMA_VERSION);
	else if (ver < TASKACCT_SCHEMA_VERSION &&
	    (size_t)TASKACCT_SCHEMA_VERSION >= taskacct_nmigrations)
		snprintf(err, errlen, "%s: no migration to schema version %d",
		    path, TASKACCT_SCHEMA_VERSION);
	else
		r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

/* Each handed descriptor's close-on-exec flag, on or off. */
static void
state_cloexec(const struct upgrade_state *s, int on)
{
	int	 i;

	upgrade_fd_cloexec(s->lock_fd, on);
	for (i = 0; i < s->nsock; i++)
		upgrade_fd_cloexec(s->sock[i].fd, on);
	if (s->conn.fd != -1)
		upgrade_fd_cloexec(s->conn.fd, on);
	if (s->priv_fd != -1)
		upgrade_fd_cloexec(s->priv_fd, on);
	if (s->ident_fd != -1)
		upgrade_fd_cloexec(s->ident_fd, on);
	if (s->metrics_fd != -1)
		upgrade_fd_cloexec(s->metrics_fd, on);
	if (s->sacct_fd != -1)
		upgrade_fd_cloexec(s->sacct_fd, on);
}

/*
 * Execute path with argv, handing s over.  Returns only on failure, with
 * every descriptor as it was and err set.
 */
int
upgrade_exec(const char *path, char *const *argv,
    const struct upgrade_state *s, char *err, size_t errlen)
{
	char	 val[UPGRADE_MAX_SOCKETS * 24 + 256];
	int	 e;

	if (upgrade_encode(s, val, sizeof(val)) == -1 ||
	    setenv(UPGRADE_ENV, val, 1) == -1) {
		snprintf(err, errlen, "cannot describe the state to hand over");
		return -1;
	}
	state_cloexec(s, 0);
	execve(path, argv, environ);
	e = errno;
	state_cloexec(s, 1);
	unsetenv(UPGRADE_ENV);
	snprintf(err, errlen, "execve %s: %s", path, strerror(e));
	errno = e;
	return -1;
}
