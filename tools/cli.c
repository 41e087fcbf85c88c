/*
 * cli.c: helpers shared by the query tool's commands: running SQL with a
 * one-line error on failure, binding the filters' parameters, checking
 * option values, and turning result columns into output values: human
 * units (durations, sizes, local ISO times, user names, exit statuses) in
 * tables, the raw numbers in csv, tsv and json so that scripts get exact
 * values.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fields.h"
#include "ident.h"
#include "timespec.h"

#define USER_CACHE	64

/*
 * A narrow table cuts a time from the left, down to its time of day
 * ("...04:06:52"): its date is what a glance at recent exits can spare.
 */
#define TIME_OF_DAY_LEN	8

void
cli_usage(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

/*
 * End every read of the database: finalize what is left (a statement
 * stepped but not to its end holds a snapshot) and close it.  The query
 * tool's output is spooled (output.c) and reaches stdout only after this.
 */
void
cli_end_read(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;

	if (ctx->db == NULL)
		return;
	while ((stmt = sqlite3_next_stmt(ctx->db, NULL)) != NULL)
		sqlite3_finalize(stmt);
	sqlite3_close(ctx->db);
	ctx->db = NULL;
}

void
cli_fatal(struct cmd_ctx *ctx, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	/* Formatted first: the arguments may be SQLite's (errmsg). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_end_read(ctx);
	/* Whatever was made so far is printed, properly ended; then the
	   error. */
	if (ctx->out != NULL)
		output_abort(ctx->out);
	ctx->out = NULL;
	warnx("%s", msg);
	exit(1);
}

sqlite3_stmt *
cli_prepare(struct cmd_ctx *ctx, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (getenv("TASKACCT_DEBUG_SQL") != NULL)
		fprintf(stderr, "%s;\n", sql);
	if (sqlite3_prepare_v2(ctx->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		cli_fatal(ctx, "query failed: %s: is %s a taskacct database "
		    "of this version?", sqlite3_errmsg(ctx->db), ctx->db_path);
	return stmt;
}

/* 1 for a row, 0 when done; exits on an error. */
int
cli_step(struct cmd_ctx *ctx, sqlite3_stmt *stmt)
{
	int	 rc;

	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
}

void
cli_filter_sql(struct cmd_ctx *ctx, const struct filter *f, int base,
    struct filter_sql *sql)
{
	char	 e[256];

	ident_filter_ready(ctx, f);
	if (filter_sql(f, base, sql, e, sizeof(e)) == -1)
		cli_fatal(ctx, "%s", e);
}

void
cli_bind_filter(struct cmd_ctx *ctx, sqlite3_stmt *stmt,
    const struct filter_sql *sql, int base)
{
	const struct filter_param	*p;
	int				 i, rc;

	for (i = 0; i < sql->nparam; i++) {
		p = &sql->param[i];
		if (p->text)
			rc = sqlite3_bind_text(stmt, base + i, p->s, -1,
			    SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(stmt, base + i, p->i);
		if (rc != SQLITE_OK)
			cli_fatal(ctx, "query failed: %s",
			    sqlite3_errmsg(ctx->db));
	}
}

int
cli_table_exists(struct cmd_ctx *ctx, const char *name)
{
	sqlite3_stmt	*stmt;
	int		 found;

	stmt = cli_prepare(ctx, "SELECT 1 FROM sqlite_master "
	    "WHERE type = 'table' AND name = ?");
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = cli_step(ctx, stmt);
	sqlite3_finalize(stmt);
	return found;
}

/* A decimal number from min to max, or a usage error naming what. */
int64_t
cli_number(const char *what, const char *s, int64_t min, int64_t max)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n < min ||
	    n > max)
		cli_usage("bad %s `%s': give a number from %" PRId64 " to %"
		    PRId64, what, s, min, max);
	return n;
}

int64_t
cli_time(struct cmd_ctx *ctx, const char *what, const char *s)
{
	char	 e[256];
	int64_t	 t;

	if (timespec_parse(s, ctx->now, &t, e, sizeof(e)) == -1)
		cli_usage("%s: %s", what, e);
	return t;
}

int64_t
cli_duration(const char *what, const char *s)
{
	char	 e[256];
	int64_t	 d;

	if (duration_parse(s, &d, e, sizeof(e)) == -1)
		cli_usage("%s: %s", what, e);
	return d;
}

void
fmt_duration_us(char *buf, size_t len, int64_t us)
{
	const char	*sign = "";

	if (us < 0) {
		sign = "-";
		us = us == INT64_MIN ? INT64_MAX : -us;
	}
	if (us < 1000)
		snprintf(buf, len, "%s%" PRId64 "us", sign, us);
	else if (us < 1000000)
		snprintf(buf, len, "%s%" PRId64 ".%" PRId64 "ms", sign,
		    us / 1000, us % 1000 / 100);
	else if (us < INT64_C(60000000))
		snprintf(buf, len, "%s%" PRId64 ".%02" PRId64 "s", sign,
		    us / 1000000, us % 1000000 / 10000);
	else if ((us /= 1000000) < 3600)
		snprintf(buf, len, "%s%" PRId64 "m%02" PRId64 "s", sign,
		    us / 60, us % 60);
	else if (us < 86400)
		snprintf(buf, len, "%s%" PRId64 "h%02" PRId64 "m", sign,
		    us / 3600, us % 3600 / 60);
	else
		snprintf(buf, len, "%s%" PRId64 "d%02" PRId64 "h", sign,
		    us / 86400, us % 86400 / 3600);
}

static void
fmt_duration_ns(char *buf, size_t len, int64_t ns)
{
	if (ns >= 0 && ns < 1000)
		snprintf(buf, len, "%" PRId64 "ns", ns);
	else
		fmt_duration_us(buf, len, ns / 1000);
}

void
fmt_bytes(char *buf, size_t len, int64_t n)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double	 v = (double)n;
	int	 u = -1;

	if (n > -1024 && n < 1024) {
		snprintf(buf, len, "%" PRId64 "B", n);
		return;
	}
	while ((v >= 1024 || v <= -1024) && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s", v, units[u]);
}

/* Local ISO time, to the second. */
void
fmt_time_us(char *buf, size_t len, int64_t us)
{
	struct tm	 tm;
	time_t		 t = us / 1000000 - (us < 0 && us % 1000000 != 0);

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, us / 1000000);
}

/* A wait status: the exit code, or the signal's name (and "core"). */
void
fmt_status(char *buf, size_t len, int64_t w)
{
	const char	*name;
	int		 sig = w & 127;

	if (sig == 0) {
		snprintf(buf, len, "%d", (int)((w >> 8) & 255));
		return;
	}
	if ((name = signal_name(sig)) != NULL)
		snprintf(buf, len, "%s%s", name, w & 0x80 ? " core" : "");
	else
		snprintf(buf, len, "SIG%d%s", sig, w & 0x80 ? " core" : "");
}

/*
 * ac_flag as lastcomm shows it: F forked without exec, S used superuser
 * privilege, D dumped core, X killed by a signal.
 */
void
fmt_flags(char *buf, size_t len, int64_t flag)
{
	snprintf(buf, len, "%s%s%s%s%s", flag & TS_AFORK ? "F" : "",
	    flag & TS_ASU ? "S" : "", flag & TS_ACORE ? "D" : "",
	    flag & TS_AXSIG ? "X" : "",
	    (flag & (TS_AFORK | TS_ASU | TS_ACORE | TS_AXSIG)) == 0 ? "-" : "");
}

/* The user name of uid, or the uid; cached, as exits repeat users. */
const char *
user_name(int64_t uid)
{
	static struct {
		int64_t	 uid;
		char	 name[40];
	}			 cache[USER_CACHE];
	static size_t		 n, next;
	struct passwd		*pw;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (cache[i].uid == uid)
			return cache[i].name;
	i = n < USER_CACHE ? n++ : next++ % USER_CACHE;
	cache[i].uid = uid;
	if (uid >= 0 && uid <= UINT32_MAX &&
	    (pw = getpwuid((uid_t)uid)) != NULL &&
	    strlen(pw->pw_name) < sizeof(cache[i].name))
		snprintf(cache[i].name, sizeof(cache[i].name), "%s", pw->pw_name);
	else
		snprintf(cache[i].name, sizeof(cache[i].name), "%" PRId64, uid);
	return cache[i].name;
}

/* Every value zeroed: a command that fills one by hand gets the defaults. */
void
row_init(struct row *r)
{
	memset(r->v, 0, sizeof(r->v));
	r->n = 0;
}

static struct output_value *
row_next(struct row *r)
{
	if (r->n == ROW_MAX)
		errx(1, "internal error: row too wide");
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	return &r->v[r->n++];
}

void
row_null(struct row *r)
{
	row_next(r)->type = OV_NULL;
}

void
row_int(struct row *r, int64_t i)
{
	struct output_value	*v = row_next(r);

	v->type = OV_INT;
	v->i = i;
}

void
row_text(struct row *r, const char *s)
{
	struct output_value	*v = row_next(r);

	v->type = OV_TEXT;
	v->p = s;
	v->len = strlen(s);
}

/* An integer of kind k: in human units in a table, else raw. */
void
row_human(struct cmd_ctx *ctx, struct row *r, enum col_kind k, int64_t i)
{
	struct output_value	*v;
	char			*t;
	size_t			 len = sizeof(r->text[0]);
	int			 num = 1;

	if (!ctx->human || k == CK_INT) {
		row_int(r, i);
		return;
	}
	v = row_next(r);
	t = r->text[r->n - 1];
	switch (k) {
	case CK_TIME:
		fmt_time_us(t, len, i);
		v->keep = TIME_OF_DAY_LEN;
		num = 0;
		break;
	case CK_TIME_S:
		fmt_time_us(t, len, i * 1000000);
		v->keep = TIME_OF_DAY_LEN;
		num = 0;
		break;
	case CK_TIME_NS:
		fmt_time_us(t, len, i / 1000);
		v->keep = TIME_OF_DAY_LEN;
		num = 0;
		break;
	case CK_DUR_US:
		fmt_duration_us(t, len, i);
		break;
	case CK_DUR_NS:
		fmt_duration_ns(t, len, i);
		break;
	case CK_KIB:
		fmt_bytes(t, len, i > INT64_MAX / 1024 ? INT64_MAX : i * 1024);
		break;
	case CK_BYTES:
		fmt_bytes(t, len, i);
		break;
	case CK_USER:
		snprintf(t, len, "%s", user_name(i));
		num = 0;
		break;
	case CK_STATUS:
		fmt_status(t, len, i);
		break;
	case CK_FLAGS:
		fmt_flags(t, len, i);
		num = 0;
		break;
	default:
		snprintf(t, len, "%" PRId64, i);
		break;
	}
	v->type = num ? OV_NUMTEXT : OV_TEXT;
	v->p = t;
	v->len = strlen(t);
}

/* Column i of the statement's current row, as kind k. */
void
row_add(struct cmd_ctx *ctx, struct row *r, enum col_kind k,
    sqlite3_stmt *stmt, int i)
{
	struct output_value	*v;

	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_NULL:
		row_null(r);
		return;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		v = row_next(r);
		v->type = OV_TEXT;
		v->p = sqlite3_column_text(stmt, i);
		v->len = sqlite3_column_bytes(stmt, i);
		return;
	case SQLITE_FLOAT:
		if (!ctx->human) {
			v = row_next(r);
			v->type = OV_REAL;
			v->r = sqlite3_column_double(stmt, i);
			return;
		}
		break;
	}
	row_human(ctx, r, k, sqlite3_column_int64(stmt, i));
}

static int
col_shown(const struct cmd_ctx *ctx, const struct col *c)
{
	return ctx->human ? !(c->flags & COL_RAW) : !(c->flags & COL_TABLE);
}

/* Begin a result set of these columns, named for the output mode. */
void
cli_begin(struct cmd_ctx *ctx, const struct col *cols, int n)
{
	const char	*names[ROW_MAX] = { NULL };
	int		 i, k = 0, opt[ROW_MAX];

	for (i = 0; i < n && k < ROW_MAX; i++) {
		if (!col_shown(ctx, &cols[i]))
			continue;
		opt[k] = (cols[i].flags & COL_OPTIONAL) != 0;
		names[k++] = ctx->human || cols[i].raw == NULL ? cols[i].name :
		    cols[i].raw;
	}
	output_begin(ctx->out, k, names);
	for (i = 0; i < k; i++)
		if (opt[i])
			output_optional(ctx->out, i);
}

/* Add the statement's columns first.. (one per col) to a row. */
void
cli_row_fill(struct cmd_ctx *ctx, struct row *r, const struct col *cols,
    int n, sqlite3_stmt *stmt, int first)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (col_shown(ctx, &cols[i]))
			row_add(ctx, r, cols[i].kind, stmt, first + i);
}

/* One output row from the statement's columns first.. (one per col). */
void
cli_row_stmt(struct cmd_ctx *ctx, const struct col *cols, int n,
    sqlite3_stmt *stmt, int first)
{
	struct row	 r;

	row_init(&r);
	cli_row_fill(ctx, &r, cols, n, stmt, first);
	output_row(ctx->out, r.v);
}

/* A whole result set: every row of stmt, one column per col. */
void
cli_print(struct cmd_ctx *ctx, const struct col *cols, int n,
    sqlite3_stmt *stmt)
{
	cli_begin(ctx, cols, n);
	while (cli_step(ctx, stmt))
		cli_row_stmt(ctx, cols, n, stmt, 0);
}

/* The column kind of each field kind (fields.h): how a field is shown. */
static const enum col_kind field_col_kinds[FK__COUNT] = {
	[FK_COUNT] = CK_INT,
	[FK_ID] = CK_INT,
	[FK_TEXT] = CK_TEXT,
	[FK_UID] = CK_USER,
	[FK_STATUS] = CK_STATUS,
	[FK_FLAGS] = CK_FLAGS,
	[FK_BYTES] = CK_BYTES,
	[FK_KIB] = CK_KIB,
	[FK_US] = CK_DUR_US,
	[FK_NS] = CK_DUR_NS,
	[FK_TIME_S] = CK_TIME_S,
	[FK_TIME_NS] = CK_TIME_NS,
};

enum col_kind
cli_field_kind(const struct ts_field *f)
{
	return field_col_kinds[f->kind];
}

/*
 * The SQL aggregate that adds a field up over a process's threads, from
 * the field table; NULL for a field that does not add up.
 */
const char *
cli_field_agg(const struct ts_field *f)
{
	return f->agg == FA_NONE ? NULL : field_agg_names[f->agg];
}
