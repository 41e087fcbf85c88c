/*
 * rollup.c: the window of a report read from the per-minute rollups (see
 * rollup.h).  The minutes m1 = ceil(since / 1 min) to m2 = floor(until /
 * 1 min) come from the tables; [since, m1) and [m2, until) from the view
 * rollup_rows, which SQLite flattens into a range of tasks_recv_time.  A
 * window shorter than two minutes, or one SQLite's integer division would
 * not split the same way (a time before the epoch), is read from
 * rollup_rows alone, and so is the minute of the oldest row (retention may
 * have taken part of it).  Only parameters go into the SQL; its text is
 * built from the constants here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollup.h"

/* The window's parts: minutes [m1, m2), rows [s1, e1) and [s2, e2). */
struct rollup_window {
	int64_t	 m1, m2;
	int64_t	 s1, e1;
	int64_t	 s2, e2;
};

static void
rollup_window(const struct filter *f, struct rollup_window *w)
{
	int64_t	 since, until;

	since = (f->set & FILTER_SINCE) ? f->since : INT64_MIN;
	until = (f->set & FILTER_UNTIL) ? f->until : INT64_MAX;
	if (since >= 0 && since <= INT64_MAX - 2 * ROLLUP_MINUTE_US &&
	    (until == INT64_MAX || until - since >= 2 * ROLLUP_MINUTE_US)) {
		w->m1 = (since + ROLLUP_MINUTE_US - 1) / ROLLUP_MINUTE_US;
		w->s1 = since;
		w->e1 = w->m1 * ROLLUP_MINUTE_US;
		if (until == INT64_MAX) {
			/* Open: every minute from m1 on. */
			w->m2 = INT64_MAX;
			w->s2 = w->e2 = INT64_MAX;
		} else {
			w->m2 = until / ROLLUP_MINUTE_US;
			w->s2 = w->m2 * ROLLUP_MINUTE_US;
			w->e2 = until;
		}
		return;
	}
	w->m1 = w->m2 = 0;
	w->s1 = since;
	w->e1 = until;
	w->s2 = w->e2 = 0;
}

/*
 * 1 if the database has the rollups and the filter sets no bit outside
 * allowed (a subset of ROLLUP_FILTERS).  A schema 1 database, or a schema
 * 2 one written before the rollups, has none: the caller reads the exits.
 */
int
rollup_usable(struct cmd_ctx *ctx, const struct filter *f,
    unsigned int allowed)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	if (ctx->schema < 2 || (f->set & ~(allowed & ROLLUP_FILTERS)) != 0)
		return 0;
	stmt = cli_prepare(ctx, "SELECT count(*) FROM sqlite_master WHERE "
	    "(type = 'table' AND name IN ('minutes', 'minute_parents')) OR "
	    "(type = 'view' AND name = 'rollup_rows')");
	if (cli_step(ctx, stmt))
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n == 3;
}

/* The filters on a minute group or an edge row. */
static void
rollup_where(FILE *fp, const struct filter *f)
{
	if (f->set & FILTER_COMM)
		fputs(" AND ac_comm GLOB :comm", fp);
	if (f->set & FILTER_USER)
		fputs(" AND ac_uid = :uid", fp);
}

static void
rollup_edge(FILE *fp, const struct filter *f, int parents, const char *s,
    const char *e)
{
	size_t	 i;

	fputs(" UNION ALL SELECT ", fp);
	if (parents)
		fputs("minute, ac_ppid, 1, coalesce(short_procs, 0)", fp);
	/* A flag's term is NULL when its field is: it adds nothing. */
	if (!parents)
		fputs("ac_comm, ac_uid", fp);
	for (i = 0; !parents && i < RS__COUNT; i++)
		fprintf(fp, ", coalesce(%s, 0) AS %s", rollup_cols[i].term,
		    rollup_cols[i].column);
	fprintf(fp, " FROM rollup_rows WHERE recv_time >= %s AND "
	    "recv_time < %s", s, e);
	if (parents)
		fputs(" AND procs", fp);
	rollup_where(fp, f);
}

/* "WITH r AS (...) ": the caller appends its SELECT from r. */
char *
rollup_sql(struct cmd_ctx *ctx, const struct filter *f, int parents)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0, i;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputs("WITH r AS (SELECT ", fp);
	if (parents)
		fputs("minute, ac_ppid, procs, short_procs FROM "
		    "minute_parents", fp);
	else {
		fputs("ac_comm, ac_uid", fp);
		for (i = 0; i < RS__COUNT; i++)
			fprintf(fp, ", %s", rollup_cols[i].column);
		fputs(" FROM minutes", fp);
	}
	fputs(" WHERE minute >= :m1 AND minute < :m2", fp);
	if (!parents)
		rollup_where(fp, f);
	rollup_edge(fp, f, parents, ":s1", ":e1");
	rollup_edge(fp, f, parents, ":s2", ":e2");
	fputs(") ", fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	return sql;
}

static void
bind_int(sqlite3_stmt *stmt, const char *name, int64_t v)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(stmt, name)) != 0)
		sqlite3_bind_int64(stmt, i, v);
}

/*
 * The minute of the oldest row may have lost some of its rows to retention
 * while its rollups still count them: a minute of a storm is pruned a batch
 * at a time (src/store.c), and an older taskacctd cut minutes anywhere.
 * Read that minute from its rows, whatever the tables say.
 */
static void
rollup_oldest_minute(struct cmd_ctx *ctx, struct rollup_window *w)
{
	sqlite3_stmt	*stmt;
	int64_t		 m = INT64_MIN;

	if (w->m1 >= w->m2)
		return;
	stmt = cli_prepare(ctx, "SELECT min(recv_time) FROM tasks");
	if (cli_step(ctx, stmt) && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		m = rollup_minute(sqlite3_column_int64(stmt, 0));
	sqlite3_finalize(stmt);
	if (m < w->m1 || m >= w->m2)
		return;
	if (m + 1 >= w->m2) {
		/* No whole minute left: rows up to the second edge. */
		w->m1 = w->m2;
		w->e1 = w->s2;
		return;
	}
	w->m1 = m + 1;
	w->e1 = w->m1 * ROLLUP_MINUTE_US;
}

/* Bind the window's parts, the filters, and :since and :until. */
void
rollup_bind(struct cmd_ctx *ctx, sqlite3_stmt *stmt, const struct filter *f)
{
	struct rollup_window	 w;
	int			 i;

	rollup_window(f, &w);
	rollup_oldest_minute(ctx, &w);
	bind_int(stmt, ":m1", w.m1);
	bind_int(stmt, ":m2", w.m2);
	bind_int(stmt, ":s1", w.s1);
	bind_int(stmt, ":e1", w.e1);
	bind_int(stmt, ":s2", w.s2);
	bind_int(stmt, ":e2", w.e2);
	bind_int(stmt, ":since", (f->set & FILTER_SINCE) ? f->since :
	    INT64_MIN);
	bind_int(stmt, ":until", (f->set & FILTER_UNTIL) ? f->until :
	    INT64_MAX);
	if ((f->set & FILTER_USER))
		bind_int(stmt, ":uid", f->uid);
	if ((f->set & FILTER_COMM) &&
	    (i = sqlite3_bind_parameter_index(stmt, ":comm")) != 0 &&
	    sqlite3_bind_text(stmt, i, f->comm, -1, SQLITE_STATIC) != SQLITE_OK)
		cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
}
