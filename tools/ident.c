/*
 * ident.c: the identity of exits in the query tool (see ident.h): the SQL
 * that joins a tasks row to its command line, executable and cgroup, the
 * output values made of them, the readable reasons of ident_src, and the
 * SQL function the --args filter matches with.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "taskacct.h"

/* Identity columns arrived with schema 3. */
#define IDENT_SCHEMA	3

const struct col ident_cols[IC__COUNT] = {
	[IC_ARGS] = { "args", NULL, CK_TEXT, 0 },
	[IC_EXE] = { "exe", NULL, CK_TEXT, 0 },
	[IC_CGROUP] = { "cgroup", NULL, CK_TEXT, 0 },
	[IC_UNIT] = { "unit", NULL, CK_TEXT, 0 },
	[IC_CONTAINER] = { "container", NULL, CK_TEXT, 0 },
	[IC_POD] = { "pod", NULL, CK_TEXT, 0 },
	[IC_SRC] = { "ident_src", NULL, CK_TEXT, 0 },
};

/*
 * Each ident_src: its name (json, show) and, for the codes that mean the
 * values are missing, the reason a table prints in their place.
 */
static const struct {
	const char	*name;
	const char	*reason;
} ident_srcs[TASKACCT_IDENT__COUNT] = {
	[TASKACCT_IDENT_EXEC] = { "exec", NULL },
	[TASKACCT_IDENT_FORK] = { "fork", NULL },
	[TASKACCT_IDENT_GONE] = { "gone", "(exited before read)" },
	[TASKACCT_IDENT_DENIED] = { "denied", "(/proc denied)" },
	[TASKACCT_IDENT_UNSEEN] = { "unseen", "(started before recording)" },
	[TASKACCT_IDENT_DROPPED] = { "dropped", "(events dropped)" },
	[TASKACCT_IDENT_REUSED] = { "reused", "(PID reused)" },
};
#define IDENT_NSRCS	(sizeof(ident_srcs) / sizeof(ident_srcs[0]))

/* 1 if the database has the identity tables and columns. */
int
ident_have(const struct cmd_ctx *ctx)
{
	return ctx->schema >= IDENT_SCHEMA;
}

/* Exit with a one-line error if it has not: what needs them. */
void
ident_require(struct cmd_ctx *ctx, const char *what)
{
	if (!ident_have(ctx))
		cli_fatal(ctx, "%s: %s has schema %d, before identity capture "
		    "(schema %d): it records no command lines, executables "
		    "or cgroups", what, ctx->db_path, ctx->schema,
		    IDENT_SCHEMA);
}

/*
 * taskacct_args(BLOB): the command line of cmdlines.args as one text, the
 * arguments joined by spaces (each argument's NUL a space, the last one
 * dropped), for --args GLOB.  SQLite's replace() cannot replace a NUL.
 */
static void
ident_args_func(sqlite3_context *sc, int argc, sqlite3_value **argv)
{
	const unsigned char	*p;
	char			*s;
	int			 len, i;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	p = sqlite3_value_blob(argv[0]);
	len = sqlite3_value_bytes(argv[0]);
	if (len > 0 && p[len - 1] == '\0')
		len--;
	if ((s = malloc((size_t)len + 1)) == NULL) {
		sqlite3_result_error_nomem(sc);
		return;
	}
	for (i = 0; i < len; i++)
		s[i] = p[i] == '\0' ? ' ' : (char)p[i];
	s[len] = '\0';
	sqlite3_result_text(sc, s, len, free);
}

/*
 * A database without identity: --exe PATH matches by the file's device
 * and inode alone, when the file is here (taskacct.c found them).
 */
void
ident_filter_schema(const struct cmd_ctx *ctx, struct filter *f)
{
	if (!ident_have(ctx) && (f->set & FILTER_EXE))
		f->set &= ~FILTER_EXE_PATH;
}

/* Before a query with identity filters: the schema, and --args' function. */
void
ident_filter_ready(struct cmd_ctx *ctx, const struct filter *f)
{
	if (!(f->set & FILTER_IDENT))
		return;
	ident_require(ctx, (f->set & FILTER_ARGS) ? "--args" :
	    (f->set & FILTER_EXE_PATH) ? "--exe PATH" :
	    (f->set & FILTER_CGROUP) ? "--cgroup" :
	    (f->set & FILTER_UNIT) ? "--unit" : "--container");
	if (sqlite3_create_function_v2(ctx->db, FILTER_ARGS_FUNC, 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	    ident_args_func, NULL, NULL, NULL) != SQLITE_OK)
		cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
}

/*
 * ", " and the IC__COUNT identity columns of the tasks row aliased t,
 * from the joins of ident_join.
 */
void
ident_select(const struct cmd_ctx *ctx, FILE *fp, const char *t)
{
	if (!ident_have(ctx)) {
		fputs(", NULL, NULL, NULL, NULL, NULL, NULL, NULL", fp);
		return;
	}
	fprintf(fp, ", ia.args, ie.path, ig.path, ig.unit, ig.container, "
	    "ig.pod, %s.ident_src", t);
}

/*
 * The joins from the tasks row aliased t to its identity; with idexpr,
 * that row is first joined as t, the one whose id is idexpr.
 */
void
ident_join(const struct cmd_ctx *ctx, FILE *fp, const char *idexpr,
    const char *t)
{
	if (!ident_have(ctx))
		return;
	if (idexpr != NULL)
		fprintf(fp, " LEFT JOIN tasks %s ON %s.id = %s", t, t, idexpr);
	fprintf(fp, " LEFT JOIN cmdlines ia ON ia.id = %s.args_id LEFT JOIN "
	    "exes ie ON ie.id = %s.exe_id LEFT JOIN cgroups ig ON "
	    "ig.id = %s.cgroup_id", t, t, t);
}

/* 1 if the row has identity: ident_src, or a value, in columns first.. */
int
ident_known(sqlite3_stmt *stmt, int first)
{
	int	 i;

	for (i = 0; i < IC__COUNT; i++)
		if (sqlite3_column_type(stmt, first + i) != SQLITE_NULL)
			return 1;
	return 0;
}

const char *
ident_src_name(int64_t src)
{
	if (src >= 0 && (uint64_t)src < IDENT_NSRCS)
		return ident_srcs[src].name;
	return "unknown";
}

/* What a table prints for a value missing with this ident_src. */
const char *
ident_reason(int64_t src)
{
	if (src >= 0 && (uint64_t)src < IDENT_NSRCS &&
	    ident_srcs[src].reason != NULL)
		return ident_srcs[src].reason;
	return "(none)";
}

static struct output_value *
ident_value(struct row *r, enum output_type type, const void *p, size_t len)
{
	struct output_value	*v;

	row_null(r);
	v = &r->v[r->n - 1];
	v->type = type;
	v->p = p;
	v->len = len;
	return v;
}

/*
 * The identity columns of a listing (last, tree): in a table the unit,
 * the container and, last, the command line (the widest, cut first to
 * the width), each left out when no row has it; in the machine formats
 * all of them, always.
 */
static const enum ident_col ident_table_cols[] = {
	IC_UNIT, IC_CONTAINER, IC_ARGS
};
static const enum ident_col ident_raw_cols[] = {
	IC_ARGS, IC_EXE, IC_CGROUP, IC_UNIT, IC_CONTAINER, IC_POD, IC_SRC
};

static const enum ident_col *
ident_list(const struct cmd_ctx *ctx, int *n)
{
	if (ctx->human) {
		*n = sizeof(ident_table_cols) / sizeof(ident_table_cols[0]);
		return ident_table_cols;
	}
	*n = sizeof(ident_raw_cols) / sizeof(ident_raw_cols[0]);
	return ident_raw_cols;
}

/* Append the listing's identity columns to cols (*n of them so far). */
void
ident_cols_for(const struct cmd_ctx *ctx, struct col *cols, int *n)
{
	const enum ident_col	*which;
	int			 i, k;

	which = ident_list(ctx, &k);
	for (i = 0; i < k; i++) {
		cols[*n] = ident_cols[which[i]];
		cols[(*n)++].flags = COL_OPTIONAL;
	}
}

/* Value c of the identity in columns first.. of the statement. */
static void
ident_add_one(struct cmd_ctx *ctx, struct row *r, sqlite3_stmt *stmt,
    int first, enum ident_col c, int64_t src, int known, int shorten)
{
	const void	*p;
	size_t		 len;
	int		 col = first + (int)c;

	if (c == IC_SRC) {
		if (src == -1)
			row_null(r);
		else
			row_text(r, ident_src_name(src));
		return;
	}
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
		if (ctx->human && known && c <= IC_CGROUP)
			row_text(r, ident_reason(src));
		else
			row_null(r);
		return;
	}
	if (c == IC_ARGS) {
		p = sqlite3_column_blob(stmt, col);
		len = (size_t)sqlite3_column_bytes(stmt, col);
		ident_value(r, OV_ARGS, p, len);
		return;
	}
	p = sqlite3_column_text(stmt, col);
	len = (size_t)sqlite3_column_bytes(stmt, col);
	if (c == IC_CONTAINER && shorten && len > IDENT_SHORT_ID)
		len = IDENT_SHORT_ID;
	ident_value(r, OV_TEXT, p, len);
}

/* Value c alone (a whole container id), from columns first.. */
void
ident_add_col(struct cmd_ctx *ctx, struct row *r, sqlite3_stmt *stmt,
    int first, enum ident_col c)
{
	int64_t	 src = -1;

	if (sqlite3_column_type(stmt, first + IC_SRC) == SQLITE_INTEGER)
		src = sqlite3_column_int64(stmt, first + IC_SRC);
	ident_add_one(ctx, r, stmt, first, c, src, ident_known(stmt, first),
	    0);
}

/*
 * The listing's identity values, from columns first.. of the statement
 * (ident_select's).  In a table: the reason in place of a missing command
 * line, executable or cgroup; a container's short id.
 */
void
ident_add(struct cmd_ctx *ctx, struct row *r, sqlite3_stmt *stmt, int first)
{
	const enum ident_col	*which;
	int64_t			 src = -1;
	int			 i, k, known = ident_known(stmt, first);

	if (sqlite3_column_type(stmt, first + IC_SRC) == SQLITE_INTEGER)
		src = sqlite3_column_int64(stmt, first + IC_SRC);
	which = ident_list(ctx, &k);
	for (i = 0; i < k; i++)
		ident_add_one(ctx, r, stmt, first, which[i], src, known,
		    ctx->human);
}

/* The listing's identity columns, all NULL: a line without a row. */
void
ident_add_null(const struct cmd_ctx *ctx, struct row *r)
{
	int	 i, k;

	(void)ident_list(ctx, &k);
	for (i = 0; i < k; i++)
		row_null(r);
}
