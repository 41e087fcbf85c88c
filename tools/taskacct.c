/*
 * taskacct.c: the query tool.  Owns main, the global and per-command option
 * parsing, the command table (one cmd_entry per command, as in tmux) and
 * opening the recorder's database: read-only, safe beside a writing daemon
 * in WAL mode, and checked to be a taskacct database of a schema version
 * this build understands.  Output goes through output.c only.
 *
 * Errors are one line naming the problem and the fix; exit status 1 for a
 * failure, 2 for a usage error.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "ident.h"
#include "fields.h"
#include "output.h"
#include "taskacct.h"
#include "timespec.h"

#define DB_BUSY_TIMEOUT_MS	2000
#define WIDTH_MAX		100000
#define LONGOPTS_MAX		64
#define LIMIT_MAX		INT64_C(1000000000)
/* Schema versions read: 1, and 2 (prunes table, tasks_ppid index). */
#define SCHEMA_MIN		1
#define SCHEMA_MAX		(TASKACCT_SCHEMA_VERSION > 2 ? \
				    TASKACCT_SCHEMA_VERSION : 2)
/* A fixed "now" for relative times, for tests: any absolute time spec. */
#define NOW_ENV			"TASKACCT_NOW"

static int	cmd_sql_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_fields_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_help_exec(struct cmd_ctx *, struct cmd_args *);

static const struct cmd_entry cmd_sql_entry = {
	"sql", NULL, "f:", NULL, 0, 1, "[-f FILE] [--] [QUERY | -]",
	"run read-only SQL against the database",
	"Run every statement of QUERY, read from the argument, from FILE\n"
	"(-f), or from standard input (QUERY \"-\" or none); a QUERY that\n"
	"begins with \"-\" follows \"--\".  Statements that would write\n"
	"are refused before anything runs.  Each statement that returns\n"
	"columns is a result set; json prints [] when none does.  Tables:\n"
	"tasks, runs, losses (and prunes); view: task_exits (see\n"
	"`taskacct fields`).\n",
	CMD_DB, -1, cmd_sql_exec
};

static const struct cmd_entry cmd_fields_entry = {
	"fields", NULL, "", NULL, 0, 0, "",
	"list the taskstats fields: group, unit, kind, version, meaning",
	"List every taskstats field recorded as a column of the tasks\n"
	"table: its name, group, unit, kind (how it is shown), how a\n"
	"process's threads add up (agg: sum, max, min or none), the struct\n"
	"taskstats version that introduced it, and its meaning.\n",
	0, -1, cmd_fields_exec
};

/* help's listings for shell completion (see help_list). */
#define OPT_LIST_COMMANDS	(OPT_CMD + 0)
#define OPT_LIST_OPTIONS	(OPT_CMD + 1)
#define OPT_LIST_VALUES		(OPT_CMD + 2)
static const struct option help_options[] = {
	{ "commands", no_argument, NULL, OPT_LIST_COMMANDS },
	{ "options", required_argument, NULL, OPT_LIST_OPTIONS },
	{ "values", required_argument, NULL, OPT_LIST_VALUES },
	{ NULL, 0, NULL, 0 }
};

static const struct cmd_entry cmd_help_entry = {
	"help", NULL, "", help_options, 0, 1,
	"[COMMAND] | --commands | --options COMMAND | --values WHAT",
	"show help for the tool or a command",
	"Show the tool's help, or that of COMMAND.  For shell completion,\n"
	"one name a line, from the tables compiled in: --commands, the\n"
	"commands; --options COMMAND, its long options (\"\": those valid\n"
	"before a command), \"=\" after one that takes a value; --values\n"
	"WHAT, what format, signal, group or measure (top --by) take.\n",
	0, -1, cmd_help_exec
};

static const struct cmd_entry *const cmd_table[] = {
	&cmd_last_entry,
	&cmd_show_entry,
	&cmd_top_entry,
	&cmd_summary_entry,
	&cmd_short_entry,
	&cmd_tree_entry,
	&cmd_status_entry,
	&cmd_timeline_entry,
	&cmd_get_entry,
	&cmd_export_entry,
	&cmd_iotop_entry,
	&cmd_sql_entry,
	&cmd_fields_entry,
	&cmd_help_entry,
};
#define CMD_NENTRIES	(sizeof(cmd_table) / sizeof(cmd_table[0]))

enum {
	OPT_DB = UCHAR_MAX + 1,
	OPT_FORMAT,
	OPT_NO_HEADER,
	OPT_WIDTH,
};

static const struct option common_options[] = {
	{ "db",		required_argument,	NULL,	OPT_DB },
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "no-header",	no_argument,		NULL,	OPT_NO_HEADER },
	{ "width",	required_argument,	NULL,	OPT_WIDTH },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static const char common_help[] =
"options (before or after the command):\n"
"  --db PATH        the database; default $" TASKACCT_DB_ENV ", else\n"
"                   " TASKACCT_DEFAULT_DB "\n"
"  --format FORMAT  table, csv, tsv, json or jsonl (default table);\n"
"                   svg for timeline\n"
"  --no-header      no header line (table, csv, tsv)\n"
"  --width N        fit tables in N columns, 0 for no limit (default:\n"
"                   the terminal's width on a terminal, else no limit)\n"
"  -h, --help       show help\n"
"  -V, --version    show the version\n";

#define usage_error cli_usage

static void
help_tool(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: taskacct [options] COMMAND [ARG ...]\n\n"
	    "Query the task exit records of taskacctd.\n\ncommands:\n");
	for (i = 0; i < CMD_NENTRIES; i++)
		fprintf(fp, "  %-8s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(fp, "\n%s\nRun `taskacct COMMAND --help` for a command's "
	    "help; see taskacct(1).\n", common_help);
}

/* The filter and --limit options of a command, for its help. */
static void
help_cmd_options(FILE *fp, const struct cmd_entry *cmd)
{
	const struct filter_option	*fo;
	char				 opt[40];
	size_t				 i;

	if (cmd->flags & CMD_FILTER) {
		fprintf(fp, "filters (combined with AND):\n");
		for (i = 0; i < filter_noptions; i++) {
			fo = &filter_options[i];
			snprintf(opt, sizeof(opt), "--%s%s%s", fo->name,
			    fo->arg != NULL ? " " : "",
			    fo->arg != NULL ? fo->arg : "");
			fprintf(fp, "  %-22s %s\n", opt, fo->help);
		}
		fprintf(fp, "TIME: 10min, 2h, \"1h30m ago\", today, yesterday, "
		    "\"2026-11-26 03:14\",\n  @SECONDS; DUR: 500ms, 2s, "
		    "10min.\n\n");
	}
	if (cmd->flags & CMD_LIMIT) {
		fprintf(fp, "  -n, --limit N          at most N rows, 0 for "
		    "all");
		if (cmd->default_limit > 0)
			fprintf(fp, " (default %" PRId64 ")", cmd->default_limit);
		fprintf(fp, "\n\n");
	}
}

static void
help_cmd(FILE *fp, const struct cmd_entry *cmd)
{
	fprintf(fp, "usage: taskacct [options] %s%s%s\n", cmd->name,
	    *cmd->usage != '\0' ? " " : "", cmd->usage);
	if (cmd->alias != NULL)
		fprintf(fp, "       (also: taskacct %s)\n", cmd->alias);
	fprintf(fp, "\n%s\n", cmd->help);
	help_cmd_options(fp, cmd);
	fprintf(fp, "%s", common_help);
}

static const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CMD_NENTRIES; i++)
		if (strcmp(cmd_table[i]->name, name) == 0 ||
		    (cmd_table[i]->alias != NULL &&
		    strcmp(cmd_table[i]->alias, name) == 0))
			return cmd_table[i];
	return NULL;
}

/* A width from 0 to WIDTH_MAX; -1 if s is not one. */
static int
width_parse(const char *s)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n > WIDTH_MAX)
		return -1;
	return n;
}

/* An option valid everywhere; 0 if ch is not one. */
static int
common_option(struct cmd_ctx *ctx, int ch, const char *arg)
{
	switch (ch) {
	case OPT_DB:
		if (*arg == '\0')
			usage_error("--db: the path is empty: give the path of "
			    "the database file");
		ctx->db_path = arg;
		return 1;
	case OPT_FORMAT:
		/* svg: a chart, drawn by timeline alone (checked in main). */
		if ((ctx->svg = strcmp(arg, "svg") == 0)) {
			ctx->format = OUTPUT_TABLE;
			return 1;
		}
		if (output_format_parse(arg, &ctx->format) == -1)
			usage_error("unknown format `%s': use one of %s", arg,
			    output_format_names());
		return 1;
	case OPT_NO_HEADER:
		ctx->out_flags |= OUTPUT_NOHEADER;
		return 1;
	case OPT_WIDTH:
		if ((ctx->width = width_parse(arg)) == -1)
			usage_error("bad --width `%s': give a number from 0 "
			    "to %d", arg, WIDTH_MAX);
		return 1;
	case 'V':
		printf("taskacct %s\n", TASKACCT_VERSION);
		exit(0);
	}
	return 0;
}

/* Unknown options and missing arguments, as reported by getopt_long. */
static void __attribute__((noreturn))
option_error(int ch, char **argv, const char *where)
{
	char	 opt[3] = { '-', (char)optopt, '\0' };
	char	*bad = argv[optind - 1];

	/* A short option, not a long one (whose optopt is its value). */
	if (optopt > 0 && optopt <= UCHAR_MAX)
		bad = opt;

	if (ch == ':')
		usage_error("option %s needs an argument: see `%s --help`",
		    bad, where);
	usage_error("unknown option %s: see `%s --help`", bad, where);
}

/* The long options of cmd: the common ones, its own, filters, --limit. */
static void
cmd_longopts(const struct cmd_entry *cmd, struct option *lo)
{
	const struct option	*o;
	size_t			 n = 0, i;

	for (o = common_options; o->name != NULL; o++)
		lo[n++] = *o;
	for (o = cmd->longopts; o != NULL && o->name != NULL; o++)
		lo[n++] = *o;
	if (cmd->flags & CMD_FILTER) {
		for (i = 0; i < filter_noptions; i++)
			lo[n++] = (struct option){ filter_options[i].name,
			    filter_options[i].has_arg ? required_argument :
			    no_argument, NULL, OPT_FILTER + (int)i };
	}
	if (cmd->flags & CMD_LIMIT)
		lo[n++] = (struct option){ "limit", required_argument, NULL,
		    'n' };
	if (n >= LONGOPTS_MAX)
		errx(1, "internal error: too many options");
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

/*
 * --exe PATH matches the recorded path and, if PATH exists here, the
 * file's device and inode as the kernel reports them (rows without
 * identity, a binary reached by another path).  A missing file is no
 * error: the binary may be gone, or inside a container.
 */
static void
filter_exe(struct filter *f)
{
	struct stat	 sb;

	if (!(f->set & FILTER_EXE_PATH) || stat(f->exe_path, &sb) == -1)
		return;
	f->exe_dev = (int64_t)sb.st_dev;
	f->exe_inode = (int64_t)sb.st_ino;
	f->set |= FILTER_EXE;
}

/* The filter options given, checked; a user name resolved to its uid. */
static void
cmd_filter(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct filter	*f = &args->filter;
	struct passwd	*pw;
	const char	*v;
	char		 e[256];
	size_t		 i;

	for (i = 0; i < filter_noptions; i++) {
		if ((v = args->flag[OPT_FILTER + i]) == NULL)
			continue;
		if (!filter_options[i].has_arg)
			v = NULL;
		if (filter_set(f, filter_options[i].name, v, ctx->now, e,
		    sizeof(e)) == -1)
			cli_usage("%s", e);
	}
	filter_exe(f);
	if (f->set & FILTER_USERNAME) {
		if ((pw = getpwnam(f->user)) == NULL)
			cli_usage("--user: no user `%s' here: give a uid "
			    "instead", f->user);
		f->uid = pw->pw_uid;
		f->set = (f->set & ~FILTER_USERNAME) | FILTER_USER;
	}
	if (filter_check(f, e, sizeof(e)) == -1)
		cli_usage("%s", e);
}

/*
 * Parse a command's arguments: its own options (cmd->template and
 * cmd->longopts), the filters and --limit if it takes them, and the
 * common ones, then count the positional arguments.  argv[0] is the
 * command name.
 */
static void
cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *cmd, int argc,
    char **argv, struct cmd_args *args)
{
	struct option	 lo[LONGOPTS_MAX];
	char		 optstr[32], where[64];
	int		 ch;

	/*
	 * Options may come anywhere after the command (show 42 --at 3:14,
	 * sql QUERY --format json); "--" ends them, before a QUERY that
	 * begins with "-".
	 */
	snprintf(optstr, sizeof(optstr), ":hV%s%s", cmd->template,
	    cmd->flags & CMD_LIMIT ? "n:" : "");
	snprintf(where, sizeof(where), "taskacct %s", cmd->name);
	cmd_longopts(cmd, lo);
	memset(args, 0, sizeof(*args));
	args->limit = cmd->default_limit;
	optind = 0;	/* glibc: start over on the new argv */
	while ((ch = getopt_long(argc, argv, optstr, lo, NULL)) != -1) {
		if (common_option(ctx, ch, optarg))
			continue;
		if (ch == 'h') {
			help_cmd(stdout, cmd);
			exit(0);
		}
		if (ch == '?' || ch == ':')
			option_error(ch, argv, where);
		args->flag[ch] = optarg != NULL ? optarg : "";
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	if (args->argc < cmd->lower ||
	    (cmd->upper != -1 && args->argc > cmd->upper))
		usage_error("usage: %s %s", where, cmd->usage);
	if ((cmd->flags & CMD_LIMIT) && args->flag['n'] != NULL) {
		args->limit = cli_number("--limit", args->flag['n'], 0,
		    LIMIT_MAX);
		if (args->limit == 0)
			args->limit = -1;
	}
	if (cmd->flags & CMD_FILTER)
		cmd_filter(ctx, args);
}

static const char *
db_path(const struct cmd_ctx *ctx)
{
	const char	*path;

	if (ctx->db_path != NULL)
		return ctx->db_path;
	if ((path = getenv(TASKACCT_DB_ENV)) != NULL && *path != '\0')
		return path;
	return TASKACCT_DEFAULT_DB;
}

/* What a file that is not a regular file is, for an error. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

static void __attribute__((noreturn))
db_not_regular(const char *path, mode_t mode)
{
	errx(1, "%s is %s, not a database file: pass --db with the path of "
	    "a taskacct database", path, file_kind(mode));
}

/*
 * The -wal and -shm beside the database, where SQLite looks for them
 * (beside the link's target when the path is a symbolic link): SQLite
 * refuses one that is a link or any other non-regular file, saying only
 * "unable to open database file".  Name the file instead.
 */
static void
db_side_files(const char *path)
{
	static const char *const suffix[] = { "-wal", "-shm" };
	struct stat	 sb;
	char		*real = NULL, side[PATH_MAX + 8];
	const char	*dbfile = path;
	size_t		 i;

	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		if ((real = realpath(path, NULL)) == NULL)
			err(1, "%s", path);
		dbfile = real;
	}
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (snprintf(side, sizeof(side), "%s%s", dbfile, suffix[i]) >=
		    (int)sizeof(side))
			errx(1, "%s: path too long", path);
		if (lstat(side, &sb) == -1 || S_ISREG(sb.st_mode))
			continue;
		errx(1, "cannot read %s: %s is %s, not a regular file, and "
		    "SQLite will not use it: remove it if no taskacctd "
		    "records there, or pass --db with another path", path,
		    side, file_kind(sb.st_mode));
	}
	free(real);
}

/*
 * Look at the file before SQLite does: SQLite reports a missing or
 * unreadable file only as "unable to open database file", and open(2)
 * of a FIFO waits forever for a writer (anyone who may write to the
 * directory could make every reader hang).  So: stat first, then open
 * without blocking and check again what was opened.  The descriptor is
 * returned and stays open until exit: `status` asks it whether taskacctd
 * holds its lock on this file, and closing any descriptor of the file
 * would drop the POSIX locks SQLite takes through its own.
 */
static int
db_precheck(const char *path)
{
	struct stat	 sb;
	size_t		 len = strlen(path);
	int		 fd;

	if (len > 0 && path[len - 1] == '/')
		errx(1, "%s ends in \"/\", which names a directory: pass --db "
		    "with the path of the database file", path);
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		db_not_regular(path, sb.st_mode);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			errx(1, "no database at %s: start the recorder with "
			    "`taskacctd` or pass --db", path);
		if (errno == EACCES)
			errx(1, "cannot read %s: permission denied: run as a "
			    "user who may read it or pass --db", path);
		err(1, "cannot open %s", path);
	}
	if (fstat(fd, &sb) == -1)
		err(1, "%s", path);
	if (!S_ISREG(sb.st_mode))
		db_not_regular(path, sb.st_mode);
	db_side_files(path);
	return fd;
}

/* A PRAGMA's integer value; the SQLite result code on failure. */
static int
db_pragma_int(sqlite3 *db, const char *sql, long long *v)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Have SQLite read the schema now: a damaged schema page would otherwise
 * show only in the first query that names a table (or never, for
 * `SELECT 1`).  Preparing is enough; nothing is read from the table.
 */
static void
db_schema_check(sqlite3 *db, const char *path)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(db, "SELECT id FROM tasks LIMIT 0", -1, &stmt,
	    NULL) != SQLITE_OK)
		errx(1, "cannot read %s: %s: it is damaged or not a taskacct "
		    "database; pass --db with another path", path,
		    sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
}

/* Refuse anything that is not a taskacct database this build can read. */
static void
db_check(sqlite3 *db, const char *path)
{
	long long	 id = 0, version = 0;
	int		 rc;

	rc = db_pragma_int(db, "PRAGMA application_id", &id);
	if (rc == SQLITE_OK)
		rc = db_pragma_int(db, "PRAGMA user_version", &version);
	if ((rc & 0xff) == SQLITE_NOTADB)
		errx(1, "%s is not an SQLite database: pass --db with the "
		    "path of a taskacct database", path);
	if (rc == SQLITE_READONLY_DIRECTORY)
		errx(1, "cannot read %s: it is in WAL mode and its -shm file "
		    "is missing, which only a user who may write to its "
		    "directory can create: start `taskacctd` or run as such "
		    "a user", path);
	if (rc != SQLITE_OK)
		errx(1, "cannot read %s: %s", path, sqlite3_errmsg(db));
	if (id != TASKACCT_APPLICATION_ID)
		errx(1, "%s is not a taskacct database (application_id %lld): "
		    "pass --db with the path of a taskacct database", path, id);
	if (version > SCHEMA_MAX)
		errx(1, "database schema version %lld is newer than this "
		    "taskacct (%d); upgrade taskacct", version, SCHEMA_MAX);
	if (version < SCHEMA_MIN)
		errx(1, "%s has no taskacct schema (version %lld): pass --db "
		    "with the path of a database taskacctd wrote", path,
		    version);
	db_schema_check(db, path);
}

/*
 * Open read-only: no URI, so the path is taken literally.  In WAL mode a
 * reader never blocks the daemon's writes; the busy timeout only covers
 * the moments a checkpoint or recovery holds the lock.
 */
static sqlite3 *
db_open(const char *path, int *schema, int *fd)
{
	long long	 v = 0;

	sqlite3	*db;
	int	 rc;

	*fd = db_precheck(path);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		errx(1, "cannot open %s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	db_check(db, path);
	db_pragma_int(db, "PRAGMA user_version", &v);
	*schema = (int)v;
	return db;
}

/* All of fp, NUL-terminated. */
static char *
read_all(FILE *fp, const char *name)
{
	char	*p = NULL;
	size_t	 len = 0, size = 0, n;

	do {
		if (size - len < BUFSIZ) {
			size = size == 0 ? BUFSIZ * 4 : size * 2;
			if ((p = realloc(p, size)) == NULL)
				err(1, NULL);
		}
		n = fread(p + len, 1, size - len - 1, fp);
		len += n;
	} while (n != 0);
	if (ferror(fp))
		err(1, "sql: %s", name);
	p[len] = '\0';
	return p;
}

/* The query: the argument, -f FILE, or standard input. */
static char *
sql_query(struct cmd_args *args)
{
	const char	*file = args->flag['f'];
	FILE		*fp;
	char		*q;

	if (file != NULL && args->argc > 0)
		usage_error("sql: give the query as an argument or with -f, "
		    "not both");
	if (file == NULL && args->argc > 0 && strcmp(args->argv[0], "-") != 0)
		return strdup(args->argv[0]);
	if (file == NULL || strcmp(file, "-") == 0)
		return read_all(stdin, "standard input");
	if ((fp = fopen(file, "r")) == NULL)
		err(1, "sql: %s", file);
	q = read_all(fp, file);
	fclose(fp);
	return q;
}

/*
 * What the authorizer saw while one statement was prepared: PRAGMAs that
 * only read (no value given: PRAGMA journal_mode), and anything else.
 */
struct sql_seen {
	int	 pragma_reads;
	int	 other;
};

static int
sql_authorize(void *arg, int action, const char *a1, const char *a2,
    const char *schema, const char *trigger)
{
	struct sql_seen	*seen = arg;

	(void)a1, (void)schema, (void)trigger;
	if (seen == NULL)
		return SQLITE_OK;
	if (action == SQLITE_PRAGMA && a2 == NULL)
		seen->pragma_reads++;
	else
		seen->other++;
	return SQLITE_OK;
}

/*
 * Whether stmt may run.  sqlite3_stmt_readonly() decides, except that it
 * calls every PRAGMA that could change something a write, even one that
 * only asks (PRAGMA journal_mode, wal_checkpoint): a PRAGMA given no value
 * runs on the read-only connection, which SQLite keeps from writing.
 */
static int
sql_allowed(sqlite3_stmt *stmt, const struct sql_seen *seen)
{
	if (sqlite3_stmt_readonly(stmt))
		return 1;
	return seen->pragma_reads == 1 && seen->other == 0;
}

/*
 * Prepare every statement before running any, so that a syntax error or a
 * writing statement anywhere in the query stops it with nothing done.
 */
static sqlite3_stmt **
sql_prepare_all(sqlite3 *db, const char *query, size_t *nstmt)
{
	sqlite3_stmt	**stmts = NULL, *stmt;
	struct sql_seen	  seen;
	const char	 *tail = query;
	size_t		  n = 0;
	int		  rc;

	while (*tail != '\0') {
		memset(&seen, 0, sizeof(seen));
		sqlite3_set_authorizer(db, sql_authorize, &seen);
		rc = sqlite3_prepare_v2(db, tail, -1, &stmt, &tail);
		sqlite3_set_authorizer(db, NULL, NULL);
		if (rc != SQLITE_OK)
			errx(1, "sql: %s", sqlite3_errmsg(db));
		if (stmt == NULL)
			continue;	/* only a comment or white space */
		if (!sql_allowed(stmt, &seen))
			errx(1, "sql: only read-only statements are allowed");
		if ((stmts = reallocarray(stmts, n + 1, sizeof(*stmts))) == NULL)
			err(1, NULL);
		stmts[n++] = stmt;
	}
	if (n == 0)
		errx(1, "sql: the query holds no statement");
	*nstmt = n;
	return stmts;
}

static void
sql_value(sqlite3_stmt *stmt, int i, struct output_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		v->type = OV_INT;
		v->i = sqlite3_column_int64(stmt, i);
		break;
	case SQLITE_FLOAT:
		v->type = OV_REAL;
		v->r = sqlite3_column_double(stmt, i);
		break;
	case SQLITE_TEXT:
		v->type = OV_TEXT;
		v->p = sqlite3_column_text(stmt, i);
		v->len = sqlite3_column_bytes(stmt, i);
		break;
	case SQLITE_BLOB:
		v->type = OV_BLOB;
		v->p = sqlite3_column_blob(stmt, i);
		v->len = sqlite3_column_bytes(stmt, i);
		break;
	default:
		v->type = OV_NULL;
		break;
	}
}

/*
 * Run one statement; one that returns columns is a result set (1).  A
 * failure midway ends the output properly (json's array closed) before
 * the error.
 */
static int
sql_run(struct cmd_ctx *ctx, sqlite3_stmt *stmt)
{
	struct output_value	 *v;
	const char		**names;
	int			  i, ncol, rc;

	ncol = sqlite3_column_count(stmt);
	names = reallocarray(NULL, ncol + 1, sizeof(*names));
	v = reallocarray(NULL, ncol + 1, sizeof(*v));
	if (names == NULL || v == NULL)
		err(1, NULL);
	for (i = 0; i < ncol; i++)
		if ((names[i] = sqlite3_column_name(stmt, i)) == NULL)
			errx(1, "sql: out of memory");
	if (ncol > 0)
		output_begin(ctx->out, ncol, names);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			sql_value(stmt, i, &v[i]);
		output_row(ctx->out, v);
	}
	free(v);
	free(names);
	if (rc != SQLITE_DONE)
		cli_fatal(ctx, "sql: %s", sqlite3_errmsg(ctx->db));
	return ncol > 0;
}

static int
cmd_sql_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	sqlite3_stmt	**stmts;
	char		 *query;
	size_t		  i, n, sets = 0;

	if ((query = sql_query(args)) == NULL)
		err(1, NULL);
	stmts = sql_prepare_all(ctx->db, query, &n);
	for (i = 0; i < n; i++) {
		sets += sql_run(ctx, stmts[i]);
		sqlite3_finalize(stmts[i]);
	}
	if (sets == 0)
		output_empty(ctx->out);
	free(stmts);
	free(query);
	return 0;
}

static struct output_value
text_value(const char *s)
{
	return (struct output_value){ .type = OV_TEXT, .p = s,
	    .len = strlen(s) };
}

/* The field table, as it is compiled in: nothing re-declared here. */
static int
cmd_fields_exec(struct cmd_ctx *ctx, __attribute__((unused))
    struct cmd_args *args)
{
	static const char *const names[] = {
	    "name", "group", "unit", "kind", "agg", "since", "help"
	};
	struct output_value	 v[7];
	const struct ts_field	*f;
	size_t			 i;

	output_begin(ctx->out, 7, names);
	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		v[0] = text_value(f->name);
		v[1] = text_value(field_group_names[f->group]);
		v[2] = text_value(f->unit);
		v[3] = text_value(field_kind_names[f->kind]);
		v[4] = text_value(field_agg_names[f->agg]);
		v[5] = (struct output_value){ .type = OV_INT, .i = f->since };
		v[6] = text_value(f->help);
		output_row(ctx->out, v);
	}
	return 0;
}

/* --values WHAT: the names an option's value may be. */
static void
help_list_values(const char *what)
{
	const char	*s, *name;
	size_t		 i, n;

	if (strcmp(what, "format") == 0) {
		for (s = output_format_names(); *s != '\0'; s += n) {
			s += strspn(s, ", ");
			if ((n = strcspn(s, ", ")) > 0)
				printf("%.*s\n", (int)n, s);
		}
	} else if (strcmp(what, "signal") == 0) {
		/* NULL for a signal without a name, and past the last. */
		for (i = 1; i < 128; i++)
			if ((name = signal_name((int)i)) != NULL)
				printf("%s\n", name);
	} else if (strcmp(what, "group") == 0) {
		for (i = 0; (name = top_group_name(i)) != NULL; i++)
			printf("%s\n", name);
	} else if (strcmp(what, "measure") == 0) {
		for (i = 0; (name = top_measure_name(i)) != NULL; i++)
			printf("%s\n", name);
	} else
		usage_error("--values: unknown `%s': use format, signal, group "
		    "or measure", what);
}

/* help --commands, --options, --values: 1 if one was given. */
static int
help_list(struct cmd_args *args)
{
	struct option		 lo[LONGOPTS_MAX];
	const struct option	*o = lo;
	const struct cmd_entry	*cmd;
	const char		*name;
	size_t			 i;

	if (args->flag[OPT_LIST_COMMANDS] != NULL) {
		for (i = 0; i < CMD_NENTRIES; i++)
			printf("%s\n", cmd_table[i]->name);
	} else if ((name = args->flag[OPT_LIST_OPTIONS]) != NULL) {
		if (*name == '\0')
			o = common_options;
		else if ((cmd = cmd_find(name)) == NULL)
			usage_error("unknown command `%s': see `taskacct "
			    "--help`", name);
		else
			cmd_longopts(cmd, lo);
		for (; o->name != NULL; o++)
			printf("--%s%s\n", o->name,
			    o->has_arg != no_argument ? "=" : "");
	} else if (args->flag[OPT_LIST_VALUES] != NULL)
		help_list_values(args->flag[OPT_LIST_VALUES]);
	else
		return 0;
	return 1;
}

static int
cmd_help_exec(__attribute__((unused)) struct cmd_ctx *ctx,
    struct cmd_args *args)
{
	const struct cmd_entry	*cmd;

	if (help_list(args))
		return 0;
	if (args->argc == 0) {
		help_tool(stdout);
		return 0;
	}
	if ((cmd = cmd_find(args->argv[0])) == NULL)
		usage_error("unknown command `%s': see `taskacct --help`",
		    args->argv[0]);
	help_cmd(stdout, cmd);
	return 0;
}

/* Now, or TASKACCT_NOW: tests fix it to get the same relative times. */
static int64_t
cli_now(void)
{
	struct timeval	 tv;
	const char	*env;
	char		 e[256];
	int64_t		 now, t;

	gettimeofday(&tv, NULL);
	now = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	if ((env = getenv(NOW_ENV)) == NULL || *env == '\0')
		return now;
	if (timespec_parse(env, now, &t, e, sizeof(e)) == -1)
		usage_error("$%s: %s", NOW_ENV, e);
	return t;
}

/*
 * The table width: --width, else on a terminal $COLUMNS (as ls) or the
 * terminal's, else (a pipe, a file) no limit.
 */
static unsigned int
output_width(const struct cmd_ctx *ctx)
{
	struct winsize	 ws;
	const char	*cols = getenv("COLUMNS");
	int		 w;

	if (ctx->width != -1)
		return ctx->width;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (cols != NULL && (w = width_parse(cols)) > 0)
		return w;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col != 0)
		return ws.ws_col;
	return 80;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx		 ctx = { .format = OUTPUT_TABLE, .width = -1,
				    .db_fd = -1 };
	const struct cmd_entry	*cmd;
	struct cmd_args		 args;
	int			 ch;

	setlocale(LC_CTYPE, "");
	opterr = 0;
	ctx.now = cli_now();
	while ((ch = getopt_long(argc, argv, "+:hV", common_options,
	    NULL)) != -1) {
		if (common_option(&ctx, ch, optarg))
			continue;
		if (ch == 'h') {
			help_tool(stdout);
			exit(0);
		}
		option_error(ch, argv, "taskacct");
	}
	if (optind == argc)
		usage_error("no command: see `taskacct --help`");
	if ((cmd = cmd_find(argv[optind])) == NULL)
		usage_error("unknown command `%s': see `taskacct --help`",
		    argv[optind]);
	cmd_parse(&ctx, cmd, argc - optind, argv + optind, &args);
	if (ctx.svg && cmd != &cmd_timeline_entry)
		usage_error("--format svg draws a chart: only `timeline` takes "
		    "it; use table, csv, tsv, json or jsonl");

	ctx.human = ctx.format == OUTPUT_TABLE;
	ctx.db_path = db_path(&ctx);
	if ((cmd->flags & CMD_DB) &&
	    !((cmd->flags & CMD_FOLLOW) && args.flag['f'] != NULL))
		ctx.db = db_open(ctx.db_path, &ctx.schema, &ctx.db_fd);
	if (ctx.db != NULL)
		ident_filter_schema(&ctx, &args.filter);
	ctx.out = output_open(stdout, ctx.format, ctx.out_flags,
	    output_width(&ctx));
	if (cmd->exec(&ctx, &args) != 0)
		exit(1);
	/*
	 * The output was spooled (output.c): the read ends here, before a
	 * byte goes to stdout, so a slow or stopped reader of our output
	 * never holds a snapshot that keeps taskacctd's WAL from being
	 * checkpointed.
	 */
	cli_end_read(&ctx);
	if (output_close(ctx.out) == -1)
		err(1, "stdout");
	return 0;
}
