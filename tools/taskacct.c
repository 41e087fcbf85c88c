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

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fields.h"
#include "output.h"
#include "taskacct.h"

#define DB_BUSY_TIMEOUT_MS	2000
#define EXIT_USAGE		2
#define WIDTH_MAX		100000

struct cmd_ctx {
	const char		*db_path;
	sqlite3			*db;
	struct output		*out;
	enum output_format	 format;
	int			 out_flags;
	int			 width;		/* -1: not given */
};

/* A command's own options (by short letter) and positional arguments. */
struct cmd_args {
	const char	*flag[UCHAR_MAX + 1];	/* optarg, or "" if none */
	int		 argc;
	char		**argv;
};

struct cmd_entry {
	const char	*name;
	const char	*template;	/* getopt letters of its own options */
	int		 lower;		/* positional arguments, at least */
	int		 upper;		/* at most; -1 for no limit */
	const char	*usage;
	const char	*summary;	/* one line, for the command list */
	const char	*help;		/* paragraph for `taskacct CMD --help` */
	int		 flags;
#define CMD_DB		0x1		/* opens the database */
	int		(*exec)(struct cmd_ctx *, struct cmd_args *);
};

static int	cmd_sql_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_fields_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_help_exec(struct cmd_ctx *, struct cmd_args *);

static const struct cmd_entry cmd_table[] = {
	{ "sql", "f:", 0, 1, "[-f FILE] [QUERY | -]",
	  "run read-only SQL against the database",
	  "Run every statement of QUERY, read from the argument, from FILE\n"
	  "(-f), or from standard input (QUERY \"-\" or none).  Statements\n"
	  "that would write are refused before anything runs.  Each\n"
	  "statement that returns columns is a result set.  Tables: tasks,\n"
	  "runs, losses; view: task_exits (see `taskacct fields`).\n",
	  CMD_DB, cmd_sql_exec },
	{ "fields", "", 0, 0, "",
	  "list the taskstats fields: group, unit, version, meaning",
	  "List every taskstats field recorded as a column of the tasks\n"
	  "table: its name, group, unit, the struct taskstats version that\n"
	  "introduced it, and its meaning.\n",
	  0, cmd_fields_exec },
	{ "help", "", 0, 1, "[COMMAND]",
	  "show help for the tool or a command",
	  "Show the tool's help, or that of COMMAND.\n",
	  0, cmd_help_exec },
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
"  --format FORMAT  table, csv, tsv, json or jsonl (default table)\n"
"  --no-header      no header line (table, csv, tsv)\n"
"  --width N        fit tables in N columns, 0 for no limit (default:\n"
"                   the terminal's width on a terminal, else no limit)\n"
"  -h, --help       show help\n"
"  -V, --version    show the version\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

static void
help_tool(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: taskacct [options] COMMAND [ARG ...]\n\n"
	    "Query the task exit records of taskacctd.\n\ncommands:\n");
	for (i = 0; i < CMD_NENTRIES; i++)
		fprintf(fp, "  %-8s %s\n", cmd_table[i].name,
		    cmd_table[i].summary);
	fprintf(fp, "\n%s\nRun `taskacct COMMAND --help` for a command's "
	    "help; see taskacct(1).\n", common_help);
}

static void
help_cmd(FILE *fp, const struct cmd_entry *cmd)
{
	fprintf(fp, "usage: taskacct [options] %s%s%s\n\n%s\n%s", cmd->name,
	    *cmd->usage != '\0' ? " " : "", cmd->usage, cmd->help,
	    common_help);
}

static const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CMD_NENTRIES; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
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
		ctx->db_path = arg;
		return 1;
	case OPT_FORMAT:
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

/*
 * Parse a command's arguments: its own options (cmd->template) and the
 * common ones, then count the positional arguments.  argv[0] is the
 * command name.
 */
static void
cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *cmd, int argc,
    char **argv, struct cmd_args *args)
{
	char	 optstr[32], where[64];
	int	 ch;

	snprintf(optstr, sizeof(optstr), "+:hV%s", cmd->template);
	snprintf(where, sizeof(where), "taskacct %s", cmd->name);
	memset(args, 0, sizeof(*args));
	optind = 0;	/* glibc: start over on the new argv */
	while ((ch = getopt_long(argc, argv, optstr, common_options,
	    NULL)) != -1) {
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

/*
 * Look at the file before SQLite does: SQLite reports a missing or
 * unreadable file only as "unable to open database file".
 */
static void
db_precheck(const char *path)
{
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
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
	close(fd);
	if (!S_ISREG(sb.st_mode))
		errx(1, "%s is not a regular file: pass --db with the path "
		    "of a taskacct database", path);
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
	if (version > TASKACCT_SCHEMA_VERSION)
		errx(1, "database schema version %lld is newer than this "
		    "taskacct (%d); upgrade taskacct", version,
		    TASKACCT_SCHEMA_VERSION);
}

/*
 * Open read-only: no URI, so the path is taken literally.  In WAL mode a
 * reader never blocks the daemon's writes; the busy timeout only covers
 * the moments a checkpoint or recovery holds the lock.
 */
static sqlite3 *
db_open(const char *path)
{
	sqlite3	*db;
	int	 rc;

	db_precheck(path);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		errx(1, "cannot open %s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	db_check(db, path);
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
 * Prepare every statement before running any, so that a syntax error or a
 * writing statement anywhere in the query stops it with nothing done.
 */
static sqlite3_stmt **
sql_prepare_all(sqlite3 *db, const char *query, size_t *nstmt)
{
	sqlite3_stmt	**stmts = NULL, *stmt;
	const char	 *tail = query;
	size_t		  n = 0;

	while (*tail != '\0') {
		if (sqlite3_prepare_v2(db, tail, -1, &stmt, &tail) != SQLITE_OK)
			errx(1, "sql: %s", sqlite3_errmsg(db));
		if (stmt == NULL)
			continue;	/* only a comment or white space */
		if (!sqlite3_stmt_readonly(stmt))
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

/* Run one statement; one that returns columns is a result set. */
static void
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
		errx(1, "sql: %s", sqlite3_errmsg(ctx->db));
}

static int
cmd_sql_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	sqlite3_stmt	**stmts;
	char		 *query;
	size_t		  i, n;

	if ((query = sql_query(args)) == NULL)
		err(1, NULL);
	stmts = sql_prepare_all(ctx->db, query, &n);
	for (i = 0; i < n; i++) {
		sql_run(ctx, stmts[i]);
		sqlite3_finalize(stmts[i]);
	}
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
	    "name", "group", "unit", "since", "help"
	};
	struct output_value	 v[5];
	const struct ts_field	*f;
	size_t			 i;

	output_begin(ctx->out, 5, names);
	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		v[0] = text_value(f->name);
		v[1] = text_value(field_group_names[f->group]);
		v[2] = text_value(f->unit);
		v[3] = (struct output_value){ .type = OV_INT, .i = f->since };
		v[4] = text_value(f->help);
		output_row(ctx->out, v);
	}
	return 0;
}

static int
cmd_help_exec(__attribute__((unused)) struct cmd_ctx *ctx,
    struct cmd_args *args)
{
	const struct cmd_entry	*cmd;

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

/* The table width: --width, else the terminal's, else no limit. */
static unsigned int
output_width(const struct cmd_ctx *ctx)
{
	struct winsize	 ws;

	if (ctx->width != -1)
		return ctx->width;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col != 0)
		return ws.ws_col;
	return 80;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx		 ctx = { .format = OUTPUT_TABLE, .width = -1 };
	const struct cmd_entry	*cmd;
	struct cmd_args		 args;
	int			 ch;

	setlocale(LC_CTYPE, "");
	opterr = 0;
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

	if (cmd->flags & CMD_DB)
		ctx.db = db_open(db_path(&ctx));
	ctx.out = output_open(stdout, ctx.format, ctx.out_flags,
	    output_width(&ctx));
	if (cmd->exec(&ctx, &args) != 0)
		exit(1);
	if (output_close(ctx.out) == -1)
		err(1, "stdout");
	if (ctx.db != NULL)
		sqlite3_close(ctx.db);
	return 0;
}
