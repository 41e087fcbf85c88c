/*
 * filter.h: the exit filters shared by last, top, summary and short, from
 * command-line text to an SQL condition with bound parameters.  A pure API
 * for the CLI and for fuzzing: nothing is printed, nothing exits, nothing
 * is allocated; errors come back as one line in err (NUL-terminated when
 * errlen > 0) with -1.
 *
 *	struct filter f = FILTER_INIT;
 *	filter_set(&f, "since", "2h", now_us, err, sizeof(err));
 *	filter_set(&f, "failed", NULL, now_us, err, sizeof(err));
 *	filter_check(&f, err, sizeof(err));
 *	filter_sql(&f, 1, &sql, err, sizeof(err));
 *
 * filter_set takes an option name from filter_options[] (without "--")
 * and its value (NULL for a flag); filter_check cross-checks the whole set
 * (--since before --until, ...).  A user given by name is left in f.user
 * for the caller to resolve (getpwnam is not pure): filter_sql refuses a
 * filter whose user is unresolved.  filter_sql writes a condition on the
 * tasks row aliased "g" with numbered parameters ?base, ?base+1, ...; the
 * caller binds sql.param[i] at base + i (filter_bind does that).
 *
 * --exe takes DEV:INODE, or a path (any value with a "/"): kept in
 * f.exe_path, matched against the recorded executable path; the caller
 * may also set FILTER_EXE with the path's device and inode (stat is not
 * pure either), and then either matches.  --args, --exe PATH, --cgroup,
 * --unit and --container read the identity tables of schema 3 (cmdlines,
 * exes, cgroups); --args calls the SQL function FILTER_ARGS_FUNC, which
 * the caller registers (ident.c).
 *
 * Rows selected: one per process end (the thread row with AGROUP set; for
 * struct versions before 12, which have no AGROUP, every thread row), or
 * one per thread row with "threads".  --pid is then the process id
 * (ac_tgid), else the task id; durations the process's or the task's life.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>
#include <stdint.h>

#define FILTER_TEXT_MAX		256
#define FILTER_SQL_MAX		2048
#define FILTER_PARAMS_MAX	16

/* Bits of filter.set: which filters were given. */
#define FILTER_COMM		0x0001
#define FILTER_USER		0x0002	/* uid set */
#define FILTER_USERNAME		0x0004	/* user holds a name to resolve */
#define FILTER_PID		0x0008
#define FILTER_PPID		0x0010
#define FILTER_TGID		0x0020
#define FILTER_SINCE		0x0040
#define FILTER_UNTIL		0x0080
#define FILTER_FAILED		0x0100
#define FILTER_SIGNAL		0x0200
#define FILTER_MIN_DURATION	0x0400
#define FILTER_MAX_DURATION	0x0800
#define FILTER_EXE		0x1000
#define FILTER_THREADS		0x2000
#define FILTER_ARGS		0x4000	/* identity (schema 3): */
#define FILTER_EXE_PATH		0x8000
#define FILTER_CGROUP		0x10000
#define FILTER_UNIT		0x20000
#define FILTER_CONTAINER	0x40000
#define FILTER_IDENT		(FILTER_ARGS | FILTER_EXE_PATH | \
				    FILTER_CGROUP | FILTER_UNIT | \
				    FILTER_CONTAINER)

/* Paths and cgroup patterns may be longer than names. */
#define FILTER_PATH_MAX		4096
/* --container: docker's short id at least, the full id at most. */
#define FILTER_CONTAINER_MIN	12
#define FILTER_CONTAINER_MAX	64
/* The SQL function that joins a cmdlines.args blob with spaces (ident.c). */
#define FILTER_ARGS_FUNC	"taskacct_args"

struct filter {
	unsigned int	 set;
	char		 comm[FILTER_TEXT_MAX];	/* GLOB pattern */
	char		 user[FILTER_TEXT_MAX];	/* name, FILTER_USERNAME */
	int64_t		 uid;
	int64_t		 pid;
	int64_t		 ppid;
	int64_t		 tgid;
	int64_t		 since;			/* us since the epoch */
	int64_t		 until;
	int64_t		 min_duration;		/* us */
	int64_t		 max_duration;
	int64_t		 exe_dev;		/* kernel dev_t */
	int64_t		 exe_inode;
	int		 signal;
	char		 args[FILTER_PATH_MAX];	/* GLOB, joined argv */
	char		 exe_path[FILTER_PATH_MAX];
	char		 cgroup[FILTER_PATH_MAX];	/* GLOB */
	char		 unit[FILTER_TEXT_MAX];
	char		 container[FILTER_CONTAINER_MAX + 2]; /* hex, "*" */
};
#define FILTER_INIT	{ .set = 0 }

struct filter_option {
	const char	*name;
	int		 has_arg;
	const char	*arg;		/* for help: "GLOB", "TIME", ... */
	const char	*help;
};
extern const struct filter_option	filter_options[];
extern const size_t			filter_noptions;

struct filter_param {
	int		 text;		/* 1: s, 0: i */
	int64_t		 i;
	const char	*s;		/* points into the filter */
};

struct filter_sql {
	char			text[FILTER_SQL_MAX];
	struct filter_param	param[FILTER_PARAMS_MAX];
	int			nparam;
};

int		 filter_set(struct filter *, const char *, const char *,
		    int64_t, char *, size_t);
int		 filter_check(const struct filter *, char *, size_t);
int		 filter_sql(const struct filter *, int, struct filter_sql *,
		    char *, size_t);

int		 signal_parse(const char *);
const char	*signal_name(int);

#endif
