/*
 * filter.c: the exit filters of the report commands (see filter.h), and
 * the names of signals.  Values are checked here and handed to SQLite only
 * as bound parameters; the SQL text written is built from constants.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errf.h"
#include "filter.h"
#include "taskstats_proto.h"
#include "timespec.h"

#define ID_MAX		INT64_C(4294967295)	/* pids and uids are u32 */
#define SIGNAL_MAX	64

/* "g" is a process end, or any thread row with --threads. */
#define SQL_PROCESS	"g.kind = 0 AND " \
	"(g.ac_flag & " TS_SQL(TS_AGROUP) " OR g.version < 12)"
#define SQL_THREAD	"g.kind = 0"
#define SQL_EXE_PATH	"g.exe_id IN (SELECT e.id FROM exes e WHERE e.path = ?)"

const struct filter_option filter_options[] = {
	{ "comm", 1, "GLOB", "command name matches GLOB (* ? [...])" },
	{ "user", 1, "USER", "real user, a name or a uid" },
	{ "pid", 1, "PID", "process id (task id with --threads)" },
	{ "ppid", 1, "PID", "parent process id" },
	{ "tgid", 1, "PID", "thread group (process) id" },
	{ "since", 1, "TIME", "exited at or after TIME" },
	{ "until", 1, "TIME", "exited before TIME" },
	{ "failed", 0, NULL, "non-zero exit status or killed by a signal" },
	{ "signal", 1, "SIG", "killed by signal SIG (KILL, SIGSEGV, 9, ...)" },
	{ "min-duration", 1, "DUR", "lived at least DUR" },
	{ "max-duration", 1, "DUR", "lived less than DUR" },
	{ "exe", 1, "PATH", "executable path (or its inode, or DEV:INODE)" },
	{ "args", 1, "GLOB", "command line (args joined by spaces) matches "
	    "GLOB" },
	{ "cgroup", 1, "GLOB", "cgroup path matches GLOB" },
	{ "unit", 1, "UNIT", "systemd unit (NAME alone: NAME.service)" },
	{ "container", 1, "ID", "container id, or its first 12 or more hex "
	    "digits" },
	{ "threads", 0, NULL, "one row per thread, not per process" },
};
const size_t filter_noptions = sizeof(filter_options) /
    sizeof(filter_options[0]);

/* Linux's numbering, shared by x86, arm and most others. */
static const char *const signal_names[SIGNAL_MAX + 1] = {
	[1] = "HUP", [2] = "INT", [3] = "QUIT", [4] = "ILL", [5] = "TRAP",
	[6] = "ABRT", [7] = "BUS", [8] = "FPE", [9] = "KILL", [10] = "USR1",
	[11] = "SEGV", [12] = "USR2", [13] = "PIPE", [14] = "ALRM",
	[15] = "TERM", [16] = "STKFLT", [17] = "CHLD", [18] = "CONT",
	[19] = "STOP", [20] = "TSTP", [21] = "TTIN", [22] = "TTOU",
	[23] = "URG", [24] = "XCPU", [25] = "XFSZ", [26] = "VTALRM",
	[27] = "PROF", [28] = "WINCH", [29] = "IO", [30] = "PWR", [31] = "SYS",
};

/* The signal's name without "SIG", or NULL for one without a name. */
const char *
signal_name(int sig)
{
	if (sig < 1 || sig > SIGNAL_MAX)
		return NULL;
	return signal_names[sig];
}

/* A signal number from 9, KILL, SIGKILL or kill; -1 if s is none. */
int
signal_parse(const char *s)
{
	const char	*name = s;
	int		 i, n = 0;

	if (*s >= '0' && *s <= '9') {
		for (; *s >= '0' && *s <= '9' && n <= SIGNAL_MAX; s++)
			n = n * 10 + (*s - '0');
		return *s == '\0' && n >= 1 && n <= SIGNAL_MAX ? n : -1;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 1; i <= SIGNAL_MAX; i++)
		if (signal_names[i] != NULL &&
		    strcasecmp(signal_names[i], name) == 0)
			return i;
	return -1;
}

/* A decimal number from 0 to max, nothing else. */
static int
number_parse(const char *s, int64_t max, int64_t *v)
{
	char		*end;
	long long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || n > max)
		return -1;
	*v = n;
	return 0;
}

/* A number in any base strtoull knows (0x...), up to max. */
static int
any_number_parse(const char *s, const char **end, int64_t max, int64_t *v)
{
	char			*e;
	unsigned long long	 n;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoull(s, &e, 0);
	if (errno != 0 || n > (unsigned long long)max)
		return -1;
	*end = e;
	*v = (int64_t)n;
	return 0;
}

/*
 * DEV:INODE, DEV either st_dev as a number or MAJOR,MINOR, encoded as the
 * kernel's huge_encode_dev does (= glibc's makedev below 2^32).
 */
static int
exe_parse(const char *s, int64_t *dev, int64_t *inode)
{
	const char	*p = s;
	int64_t		 major, minor;

	if (any_number_parse(p, &p, INT64_MAX, dev) == -1)
		return -1;
	if (*p == ',') {
		major = *dev;
		if (major > 0xfff || any_number_parse(p + 1, &p, 0xfffff,
		    &minor) == -1)
			return -1;
		*dev = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
	}
	if (*p != ':' || any_number_parse(p + 1, &p, INT64_MAX, inode) == -1)
		return -1;
	return *p == '\0' ? 0 : -1;
}

static int
text_copy_max(char *dst, const char *src, size_t size, const char *what,
    char *err, size_t errlen)
{
	size_t	 len = strnlen(src, size);

	if (len == size)
		return errf(err, errlen, "--%s: too long (at most %zu bytes)",
		    what, size - 1);
	memcpy(dst, src, len + 1);
	return 0;
}

static int
text_copy(char *dst, const char *src, const char *what, char *err,
    size_t errlen)
{
	return text_copy_max(dst, src, FILTER_TEXT_MAX, what, err, errlen);
}

/* A path or pattern (at most FILTER_PATH_MAX - 1 bytes, not empty). */
static int
path_copy(char *dst, const char *src, const char *what, char *err,
    size_t errlen)
{
	size_t	 len = strnlen(src, FILTER_PATH_MAX);

	if (len == FILTER_PATH_MAX)
		return errf(err, errlen, "--%s: too long (at most %d bytes)",
		    what, FILTER_PATH_MAX - 1);
	if (len == 0)
		return errf(err, errlen, "--%s: empty", what);
	memcpy(dst, src, len + 1);
	return 0;
}

/* --unit: a unit name; one without a suffix is a service, as systemctl. */
static int
unit_set(struct filter *f, const char *v, char *err, size_t errlen)
{
	const char	*suffix = strchr(v, '.') == NULL ? ".service" : "";
	size_t		 len = strlen(v), slen = strlen(suffix);

	if (len == 0)
		return errf(err, errlen, "--unit: empty: give a unit name such "
		    "as cron.service");
	if (len + slen >= sizeof(f->unit))
		return errf(err, errlen, "--unit: too long (at most %zu "
		    "bytes)", sizeof(f->unit) - 1 - slen);
	memcpy(f->unit, v, len);
	memcpy(f->unit + len, suffix, slen + 1);
	return 0;
}

/*
 * --container: a container id or a prefix of it, as docker's short ids:
 * FILTER_CONTAINER_MIN to FILTER_CONTAINER_MAX hex digits, kept in lower
 * case with a "*" for GLOB (hex digits alone: nothing else to quote).
 */
static int
container_set(struct filter *f, const char *v, char *err, size_t errlen)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len && isxdigit((unsigned char)v[i]); i++)
		;
	if (i != len || len < FILTER_CONTAINER_MIN ||
	    len > FILTER_CONTAINER_MAX)
		return errf(err, errlen, "bad --container `%.80s': give a "
		    "container id, or its first %d to %d hex digits",
		    v, FILTER_CONTAINER_MIN, FILTER_CONTAINER_MAX);
	for (i = 0; i < len; i++)
		f->container[i] = (char)tolower((unsigned char)v[i]);
	f->container[len] = '*';
	f->container[len + 1] = '\0';
	return 0;
}

static int
id_set(const char *name, const char *v, int64_t *out, char *err,
    size_t errlen)
{
	if (number_parse(v, ID_MAX, out) == -1)
		return errf(err, errlen, "bad --%s `%s': give a number from "
		    "0 to %lld", name, v, (long long)ID_MAX);
	return 0;
}

static int
filter_set_user(struct filter *f, const char *v, char *err, size_t errlen)
{
	f->set &= ~(FILTER_USER | FILTER_USERNAME);
	if (number_parse(v, ID_MAX, &f->uid) == 0) {
		f->set |= FILTER_USER;
		return 0;
	}
	if (*v == '\0')
		return errf(err, errlen, "bad --user: give a user name or uid");
	if (text_copy(f->user, v, "user", err, errlen) == -1)
		return -1;
	f->set |= FILTER_USERNAME;
	return 0;
}

static int
filter_set_time(int64_t *out, const char *name, const char *v,
    int64_t now_us, char *err, size_t errlen)
{
	char	 e[160];

	if (timespec_parse(v, now_us, out, e, sizeof(e)) == -1)
		return errf(err, errlen, "--%s: %s", name, e);
	return 0;
}

static int
filter_set_duration(int64_t *out, const char *name, const char *v,
    char *err, size_t errlen)
{
	char	 e[160];

	if (duration_parse(v, out, e, sizeof(e)) == -1)
		return errf(err, errlen, "--%s: %s", name, e);
	return 0;
}

/* Set the filter name (filter_options[]) to value, checked. */
int
filter_set(struct filter *f, const char *name, const char *v,
    int64_t now_us, char *err, size_t errlen)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < filter_noptions; i++)
		if (strcmp(filter_options[i].name, name) == 0)
			break;
	if (i == filter_noptions)
		return errf(err, errlen, "unknown filter `%s'", name);
	if (filter_options[i].has_arg && v == NULL)
		return errf(err, errlen, "--%s needs a value", name);
	if (!filter_options[i].has_arg && v != NULL)
		return errf(err, errlen, "--%s takes no value", name);

	if (strcmp(name, "comm") == 0) {
		rc = text_copy(f->comm, v, name, err, errlen);
		f->set |= FILTER_COMM;
	} else if (strcmp(name, "user") == 0)
		rc = filter_set_user(f, v, err, errlen);
	else if (strcmp(name, "pid") == 0) {
		rc = id_set(name, v, &f->pid, err, errlen);
		f->set |= FILTER_PID;
	} else if (strcmp(name, "ppid") == 0) {
		rc = id_set(name, v, &f->ppid, err, errlen);
		f->set |= FILTER_PPID;
	} else if (strcmp(name, "tgid") == 0) {
		rc = id_set(name, v, &f->tgid, err, errlen);
		f->set |= FILTER_TGID;
	} else if (strcmp(name, "since") == 0) {
		rc = filter_set_time(&f->since, name, v, now_us, err, errlen);
		f->set |= FILTER_SINCE;
	} else if (strcmp(name, "until") == 0) {
		rc = filter_set_time(&f->until, name, v, now_us, err, errlen);
		f->set |= FILTER_UNTIL;
	} else if (strcmp(name, "failed") == 0)
		f->set |= FILTER_FAILED;
	else if (strcmp(name, "signal") == 0) {
		if ((f->signal = signal_parse(v)) == -1)
			rc = errf(err, errlen, "bad --signal `%s': give a "
			    "name such as KILL or SIGSEGV, or a number from 1 "
			    "to %d", v, SIGNAL_MAX);
		f->set |= FILTER_SIGNAL;
	} else if (strcmp(name, "min-duration") == 0) {
		rc = filter_set_duration(&f->min_duration, name, v, err,
		    errlen);
		f->set |= FILTER_MIN_DURATION;
	} else if (strcmp(name, "max-duration") == 0) {
		rc = filter_set_duration(&f->max_duration, name, v, err,
		    errlen);
		f->set |= FILTER_MAX_DURATION;
	} else if (strcmp(name, "exe") == 0 && strchr(v, '/') != NULL) {
		rc = path_copy(f->exe_path, v, name, err, errlen);
		f->set |= FILTER_EXE_PATH;
	} else if (strcmp(name, "exe") == 0) {
		if (exe_parse(v, &f->exe_dev, &f->exe_inode) == -1)
			rc = errf(err, errlen, "bad --exe `%s': give DEV:INODE "
			    "(st_dev as from stat -c %%d, or MAJOR,MINOR) or a "
			    "path", v);
		f->set |= FILTER_EXE;
	} else if (strcmp(name, "args") == 0) {
		rc = text_copy_max(f->args, v, sizeof(f->args), name, err,
		    errlen);
		f->set |= FILTER_ARGS;
	} else if (strcmp(name, "cgroup") == 0) {
		rc = path_copy(f->cgroup, v, name, err, errlen);
		f->set |= FILTER_CGROUP;
	} else if (strcmp(name, "unit") == 0) {
		rc = unit_set(f, v, err, errlen);
		f->set |= FILTER_UNIT;
	} else if (strcmp(name, "container") == 0) {
		rc = container_set(f, v, err, errlen);
		f->set |= FILTER_CONTAINER;
	} else if (strcmp(name, "threads") == 0)
		f->set |= FILTER_THREADS;
	return rc;
}

/* Checks that need the whole filter. */
int
filter_check(const struct filter *f, char *err, size_t errlen)
{
	if ((f->set & FILTER_SINCE) && (f->set & FILTER_UNTIL) &&
	    f->since >= f->until)
		return errf(err, errlen, "--since must be before --until");
	if ((f->set & FILTER_MIN_DURATION) && (f->set & FILTER_MAX_DURATION) &&
	    f->min_duration >= f->max_duration)
		return errf(err, errlen, "--min-duration must be less than "
		    "--max-duration");
	return 0;
}

struct sqlbuf {
	struct filter_sql	*out;
	size_t			 len;
	int			 base;
	int			 overflow;
};

/*
 * Append " AND " cond, where its k "?" become the numbers of the last k
 * parameters added, in order.
 */
static void
sql_cond(struct sqlbuf *b, const char *cond)
{
	char		*p = b->out->text;
	size_t		 size = sizeof(b->out->text);
	const char	*q;
	int		 n, next = b->out->nparam;

	for (q = cond; (q = strchr(q, '?')) != NULL; q++)
		next--;

	if (b->overflow)
		return;
	if (b->len > 0) {
		n = snprintf(p + b->len, size - b->len, " AND ");
		if (n < 0 || (size_t)n >= size - b->len) {
			b->overflow = 1;
			b->len = size - 1;
			return;
		}
		b->len += n;
	}
	for (; *cond != '\0' && b->len < size - 1; cond++) {
		if (*cond != '?') {
			p[b->len++] = *cond;
			continue;
		}
		n = snprintf(p + b->len, size - b->len, "?%d",
		    b->base + next++);
		if (n < 0 || (size_t)n >= size - b->len)
			break;
		b->len += n;
	}
	if (b->len >= size - 1)
		b->overflow = 1;
	p[b->len < size ? b->len : size - 1] = '\0';
}

static void
param_int(struct sqlbuf *b, int64_t v)
{
	if (b->out->nparam == FILTER_PARAMS_MAX) {
		b->overflow = 1;
		return;
	}
	b->out->param[b->out->nparam++] = (struct filter_param){ .i = v };
}

static void
param_text(struct sqlbuf *b, const char *s)
{
	if (b->out->nparam == FILTER_PARAMS_MAX) {
		b->overflow = 1;
		return;
	}
	b->out->param[b->out->nparam++] = (struct filter_param){ .text = 1,
	    .s = s };
}

/* One condition with one integer parameter. */
static void
cond_int(struct sqlbuf *b, const char *cond, int64_t v)
{
	param_int(b, v);
	sql_cond(b, cond);
}

/*
 * The identity filters: each a lookup in its small table of distinct
 * values (a command line is stored once however often it ran), then the
 * rows that point at one of those.
 */
static void
filter_sql_ident(struct sqlbuf *b, const struct filter *f)
{
	if (f->set & FILTER_ARGS) {
		param_text(b, f->args);
		sql_cond(b, "g.args_id IN (SELECT c.id FROM cmdlines c WHERE "
		    FILTER_ARGS_FUNC "(c.args) GLOB ?)");
	}
	if (f->set & FILTER_CGROUP) {
		param_text(b, f->cgroup);
		sql_cond(b, "g.cgroup_id IN (SELECT c.id FROM cgroups c WHERE "
		    "c.path GLOB ?)");
	}
	if (f->set & FILTER_UNIT) {
		param_text(b, f->unit);
		sql_cond(b, "g.cgroup_id IN (SELECT c.id FROM cgroups c WHERE "
		    "c.unit = ?)");
	}
	if (f->set & FILTER_CONTAINER) {
		param_text(b, f->container);
		sql_cond(b, "g.cgroup_id IN (SELECT c.id FROM cgroups c WHERE "
		    "c.container GLOB ?)");
	}
}

/*
 * The condition on "g"; parameters numbered from base.  Each condition's
 * "?" refers to the parameter added just before it.
 */
int
filter_sql(const struct filter *f, int base, struct filter_sql *out,
    char *err, size_t errlen)
{
	struct sqlbuf	 b = { out, 0, base, 0 };
	int		 threads = (f->set & FILTER_THREADS) != 0;

	memset(out, 0, sizeof(*out));
	if (f->set & FILTER_USERNAME)
		return errf(err, errlen, "--user `%s' is not resolved to a uid",
		    f->user);
	if (base < 1 || base > 900)
		return errf(err, errlen, "bad parameter base %d", base);
	sql_cond(&b, threads ? SQL_THREAD : SQL_PROCESS);
	if (f->set & FILTER_SINCE)
		cond_int(&b, "g.recv_time >= ?", f->since);
	if (f->set & FILTER_UNTIL)
		cond_int(&b, "g.recv_time < ?", f->until);
	if (f->set & FILTER_COMM) {
		param_text(&b, f->comm);
		sql_cond(&b, "g.ac_comm GLOB ?");
	}
	if (f->set & FILTER_USER)
		cond_int(&b, "g.ac_uid = ?", f->uid);
	if ((f->set & FILTER_PID) && threads)
		cond_int(&b, "g.ac_pid = ?", f->pid);
	else if (f->set & FILTER_PID)
		cond_int(&b, "coalesce(g.ac_tgid, g.ac_pid) = ?", f->pid);
	if (f->set & FILTER_PPID)
		cond_int(&b, "g.ac_ppid = ?", f->ppid);
	if (f->set & FILTER_TGID)
		cond_int(&b, "g.ac_tgid = ?", f->tgid);
	if (f->set & FILTER_FAILED)
		sql_cond(&b, "g.ac_exitcode != 0");
	if (f->set & FILTER_SIGNAL)
		cond_int(&b, "g.ac_exitcode & 127 = ?", f->signal);
	if ((f->set & FILTER_MIN_DURATION) && threads)
		cond_int(&b, "g.ac_etime >= ?", f->min_duration);
	else if (f->set & FILTER_MIN_DURATION)
		cond_int(&b, "coalesce(g.ac_tgetime, g.ac_etime) >= ?",
		    f->min_duration);
	if ((f->set & FILTER_MAX_DURATION) && threads)
		cond_int(&b, "g.ac_etime < ?", f->max_duration);
	else if (f->set & FILTER_MAX_DURATION)
		cond_int(&b, "coalesce(g.ac_tgetime, g.ac_etime) < ?",
		    f->max_duration);
	if ((f->set & FILTER_EXE) && (f->set & FILTER_EXE_PATH)) {
		param_text(&b, f->exe_path);
		param_int(&b, f->exe_dev);
		param_int(&b, f->exe_inode);
		sql_cond(&b, "(" SQL_EXE_PATH " OR (g.ac_exe_dev = ? AND "
		    "g.ac_exe_inode = ?))");
	} else if (f->set & FILTER_EXE) {
		cond_int(&b, "g.ac_exe_dev = ?", f->exe_dev);
		cond_int(&b, "g.ac_exe_inode = ?", f->exe_inode);
	} else if (f->set & FILTER_EXE_PATH) {
		param_text(&b, f->exe_path);
		sql_cond(&b, SQL_EXE_PATH);
	}
	filter_sql_ident(&b, f);
	if (b.overflow)
		return errf(err, errlen, "filter too large");
	return 0;
}
