/*
 * rollup.c: the window of a report read from the rollups (see rollup.h),
 * the one place that splits a window into their levels.  The whole days
 * of [since, until) come from days, the whole hours at either side of them
 * from hours, the whole minutes at either side of those from minutes (the
 * tables of schema 4 and 2), and the sub-minute edges [since, m1) and [m2,
 * until) from the view rollup_rows, which SQLite flattens into a range of
 * tasks_recv_time; a database without the hour and day tables is read as
 * minutes and rows.  A window with no whole minute, and the time before
 * minute 1 (SQLite's integer division truncates: minute 0 spans both
 * sides of the epoch), are read from rollup_rows alone, and so is the
 * minute of the oldest row (retention may have taken part of it), and
 * with it its hour and day.  Only parameters go into the SQL; its text is
 * built from the constants here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollup.h"

/*
 * The window's parts, each [lo, hi): rows (us) before and after the
 * minutes; minutes, hours (minute / 60) before and after the days; days
 * (minute / 1440).  Empty parts are [0, 0).
 */
enum { RW_ROWS, RW_MINUTES, RW_HOURS, RW_DAYS, RW__COUNT };
struct rollup_window {
	int64_t	 part[RW__COUNT][2][2];		/* [level][head/tail][lo/hi] */
};

/* The parameter names of the parts, as rollup_sql writes them. */
static const char *const rollup_param[RW__COUNT][2][2] = {
	[RW_ROWS] = { { ":s1", ":e1" }, { ":s2", ":e2" } },
	[RW_MINUTES] = { { ":m1", ":m1e" }, { ":m2", ":m2e" } },
	[RW_HOURS] = { { ":h1", ":h1e" }, { ":h2", ":h2e" } },
	[RW_DAYS] = { { ":d1", ":d2" }, { NULL, NULL } },
};

#define RW_INF		INT64_MAX	/* an open end, as a level number */

static void
rw_set(struct rollup_window *w, int level, int side, int64_t lo, int64_t hi)
{
	w->part[level][side][0] = lo;
	w->part[level][side][1] = hi;
}

/* ceil(a / b) and floor(a / b) of level numbers >= 0, RW_INF kept. */
static int64_t
rw_ceil(int64_t a, int64_t b)
{
	return a == RW_INF ? RW_INF : a / b + (a % b != 0);
}

static int64_t
rw_floor(int64_t a, int64_t b)
{
	return a == RW_INF ? RW_INF : a / b;
}

/*
 * The coarser parts of the whole minutes [lo, hi) (hi RW_INF: open): the
 * whole hours, of them the whole days, each finer level taking the edges
 * the next one leaves.  A tail at an open end is empty.
 */
static void
rollup_split_minutes(struct rollup_window *w, int64_t lo, int64_t hi,
    int levels)
{
	int64_t	 h1, h2, d1, d2;

	rw_set(w, RW_MINUTES, 0, lo, hi);
	if (!levels)
		return;
	h1 = rw_ceil(lo, ROLLUP_HOUR_MINUTES);
	h2 = rw_floor(hi, ROLLUP_HOUR_MINUTES);
	if (h1 >= h2)
		return;
	rw_set(w, RW_MINUTES, 0, lo, h1 * ROLLUP_HOUR_MINUTES);
	if (h2 != RW_INF)
		rw_set(w, RW_MINUTES, 1, h2 * ROLLUP_HOUR_MINUTES, hi);
	rw_set(w, RW_HOURS, 0, h1, h2);
	d1 = rw_ceil(h1, ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES);
	d2 = rw_floor(h2, ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES);
	if (d1 >= d2)
		return;
	rw_set(w, RW_HOURS, 0, h1, d1 * 24);
	if (d2 != RW_INF)
		rw_set(w, RW_HOURS, 1, d2 * 24, h2);
	rw_set(w, RW_DAYS, 0, d1, d2);
}

/*
 * Split [since, until) (INT64_MIN, INT64_MAX: open): whole minutes from the
 * first that starts at or after since and after the oldest row's minute
 * (oldest: its minute, or INT64_MIN without rows; see
 * rollup_oldest_minute), to the last that ends by until; rows for the
 * rest.  Minute 0 spans both sides of the epoch (SQLite's division
 * truncates): the levels start at minute 1, the rows before it are read
 * as rows, and so is a window of less than a whole minute.
 */
static void
rollup_split(int64_t since, int64_t until, int64_t oldest, int levels,
    struct rollup_window *w)
{
	int64_t	 lo, hi;

	memset(w, 0, sizeof(*w));
	rw_set(w, RW_ROWS, 0, since, until);
	if (since > INT64_MAX - 2 * ROLLUP_MINUTE_US || until <= since)
		return;
	lo = since <= ROLLUP_MINUTE_US ? 1 : rw_ceil(since, ROLLUP_MINUTE_US);
	if (oldest != INT64_MIN && oldest >= lo)
		lo = oldest + 1;
	hi = until == INT64_MAX ? RW_INF : until < ROLLUP_MINUTE_US ? 0 :
	    until / ROLLUP_MINUTE_US;
	if (lo >= hi)
		return;
	rw_set(w, RW_ROWS, 0, since, lo * ROLLUP_MINUTE_US);
	if (hi != RW_INF)
		rw_set(w, RW_ROWS, 1, hi * ROLLUP_MINUTE_US, until);
	rollup_split_minutes(w, lo, hi, levels);
}

static void
rollup_window(const struct filter *f, int64_t oldest, int levels,
    struct rollup_window *w)
{
	rollup_split((f->set & FILTER_SINCE) ? f->since : INT64_MIN,
	    (f->set & FILTER_UNTIL) ? f->until : INT64_MAX, oldest, levels, w);
}

/* 1 if the database has the hour and day levels (schema 4). */
static int
rollup_levels_exist(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	if (ctx->schema < 4)
		return 0;
	stmt = cli_prepare(ctx, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('hours', 'days', 'hour_parents', "
	    "'day_parents')");
	if (cli_step(ctx, stmt))
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n == 4;
}

/* 1 if the database has hour_commands and day_commands (schema 5). */
static int
rollup_commands_exist(struct cmd_ctx *ctx)
{
	return ctx->schema >= 5 && cli_table_exists(ctx, "hour_commands") &&
	    cli_table_exists(ctx, "day_commands");
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

/* The rows of [s, e) from the view. */
static void
rollup_edge(FILE *fp, const struct filter *f, int parents, const char *s,
    const char *e)
{
	size_t	 i;

	if (parents == ROLLUP_R_COMMANDS)
		fputs("ac_comm, coalesce(procs, 0) AS procs, "
		    "coalesce(short_procs, 0) AS short_procs", fp);
	else if (parents)
		fputs("minute AS minute_first, minute AS minute_last, "
		    "ac_ppid, 1 AS procs, coalesce(short_procs, 0) AS "
		    "short_procs", fp);
	/* A flag's term is NULL when its field is: it adds nothing. */
	if (!parents)
		fputs("ac_comm, ac_uid", fp);
	for (i = 0; !parents && i < RS__COUNT; i++)
		fprintf(fp, ", coalesce(%s, 0) AS %s", rollup_cols[i].term,
		    rollup_cols[i].column);
	fprintf(fp, " FROM rollup_rows WHERE recv_time >= %s AND "
	    "recv_time < %s", s, e);
	if (parents == ROLLUP_R_PARENTS)
		fputs(" AND procs", fp);
	rollup_where(fp, f);
}

/* The commands of each level (schema 5, levels2), for short. */
static const char *const rollup_commands[RW__COUNT] = {
	[RW_HOURS] = "hour_commands",
	[RW_DAYS] = "day_commands",
};

/* The tables of each level: sums, parents, key column. */
static const char *const rollup_table[RW__COUNT][3] = {
	[RW_MINUTES] = { "minutes", "minute_parents", "minute" },
	[RW_HOURS] = { "hours", "hour_parents", "hour" },
	[RW_DAYS] = { "days", "day_parents", "day" },
};

/* The rows of a level's table with key in [s, e). */
static void
rollup_level(FILE *fp, const struct filter *f, int parents, int level,
    const char *s, const char *e)
{
	const char	*key = rollup_table[level][2];
	size_t		 i;

	if (parents == ROLLUP_R_COMMANDS) {
		fprintf(fp, "ac_comm, procs, short_procs FROM %s WHERE %s >= "
		    "%s AND %s < %s", level == RW_MINUTES ? "minutes" :
		    rollup_commands[level], key, s, key, e);
		rollup_where(fp, f);
		return;
	}
	if (parents && level == RW_MINUTES)
		fputs("minute AS minute_first, minute AS minute_last", fp);
	else if (parents)
		fputs("minute_first, minute_last", fp);
	if (parents)
		fprintf(fp, ", ac_ppid, procs, short_procs FROM %s",
		    rollup_table[level][1]);
	else {
		fputs("ac_comm, ac_uid", fp);
		for (i = 0; i < RS__COUNT; i++)
			fprintf(fp, ", %s", rollup_cols[i].column);
		fprintf(fp, " FROM %s", rollup_table[level][0]);
	}
	fprintf(fp, " WHERE %s >= %s AND %s < %s", key, s, key, e);
	if (!parents)
		rollup_where(fp, f);
}

/*
 * "WITH r AS (...) ": the caller appends its SELECT from r.  One term per
 * part of the window (rollup_window), each a range of its table's key or
 * of tasks_recv_time; the hours and days only where the database has them.
 */
char *
rollup_sql(struct cmd_ctx *ctx, const struct filter *f, int parents)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0;
	int	 level, side, top, n = 0;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	top = rollup_levels_exist(ctx) ? RW_DAYS : RW_MINUTES;
	if (parents == ROLLUP_R_COMMANDS && (top != RW_DAYS ||
	    (f->set & FILTER_USER) || !rollup_commands_exist(ctx)))
		parents = ROLLUP_R_SUMS;
	fputs("WITH r AS (", fp);
	for (level = top; level >= RW_ROWS; level--) {
		for (side = 0; side < 2; side++) {
			if (rollup_param[level][side][0] == NULL)
				continue;
			fputs(n++ ? " UNION ALL SELECT " : "SELECT ", fp);
			if (level == RW_ROWS)
				rollup_edge(fp, f, parents,
				    rollup_param[level][side][0],
				    rollup_param[level][side][1]);
			else
				rollup_level(fp, f, parents, level,
				    rollup_param[level][side][0],
				    rollup_param[level][side][1]);
		}
	}
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
 * Its minute (and so its hour and day) is read from its rows, whatever the
 * tables say.  INT64_MIN: no rows.
 */
static int64_t
rollup_oldest_minute(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;
	int64_t		 m = INT64_MIN;

	stmt = cli_prepare(ctx, "SELECT min(recv_time) FROM tasks");
	if (cli_step(ctx, stmt) && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		m = rollup_minute(sqlite3_column_int64(stmt, 0));
	sqlite3_finalize(stmt);
	return m;
}

/* Bind the window's parts, the filters, and :since and :until. */
void
rollup_bind(struct cmd_ctx *ctx, sqlite3_stmt *stmt, const struct filter *f)
{
	struct rollup_window	 w;
	int			 i, level, side;

	rollup_window(f, rollup_oldest_minute(ctx), rollup_levels_exist(ctx),
	    &w);
	for (level = 0; level < RW__COUNT; level++)
		for (side = 0; side < 2; side++) {
			if (rollup_param[level][side][0] == NULL)
				continue;
			bind_int(stmt, rollup_param[level][side][0],
			    w.part[level][side][0]);
			bind_int(stmt, rollup_param[level][side][1],
			    w.part[level][side][1]);
		}
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

/*
 * The window's parts, non-empty ones only, coarsest first: up to
 * ROLLUP_PARTS_MAX of them.
 */
size_t
rollup_parts(struct cmd_ctx *ctx, const struct filter *f,
    struct rollup_part *out)
{
	struct rollup_window	 w;
	size_t			 n = 0;
	int			 level, side;

	rollup_window(f, rollup_oldest_minute(ctx), rollup_levels_exist(ctx),
	    &w);
	for (level = RW__COUNT - 1; level >= 0; level--)
		for (side = 0; side < 2; side++) {
			if (w.part[level][side][0] >= w.part[level][side][1])
				continue;
			out[n].level = level;
			out[n].lo = w.part[level][side][0];
			out[n].hi = w.part[level][side][1];
			n++;
		}
	return n;
}

/*
 * 1 if the buckets can be read from the totals (schema 5: minute_totals,
 * hour_totals, day_totals, every command and user summed): wanted, no
 * filter on command or user, the tables there.
 */
static int
rollup_totals_usable(struct cmd_ctx *ctx, const struct filter *f)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	if (ctx->schema < 5 || (f->set & (FILTER_COMM | FILTER_USER)))
		return 0;
	stmt = cli_prepare(ctx, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('minute_totals', 'hour_totals', "
	    "'day_totals')");
	if (cli_step(ctx, stmt))
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n == 3;
}

/* The totals of each level (levels2). */
static const char *const rollup_totals[RW__COUNT] = {
	[RW_MINUTES] = "minute_totals",
	[RW_HOURS] = "hour_totals",
	[RW_DAYS] = "day_totals",
};

/*
 * Buckets (timeline): "WITH p AS (...), r AS (...) ", where p holds the
 * parts of each bucket as rollup_split cuts it, [lo, hi) of a level l (0:
 * rows, 1: minutes, 2: hours, 3: days) for bucket b, bound as one JSON
 * array (:parts), and r is rollup_sql's r with the bucket b first: each
 * part is a range of its table's key (or of tasks_recv_time) joined to p,
 * p the outer loop (CROSS JOIN: else SQLite scans tasks for the rows).
 */
char *
rollup_buckets_sql(struct cmd_ctx *ctx, const struct filter *f, int totals)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0, i;
	int	 level, top;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	top = rollup_levels_exist(ctx) ? RW_DAYS : RW_MINUTES;
	totals = totals && top == RW_DAYS && rollup_totals_usable(ctx, f);
	/* Not materialized: each term reads it, and SQLite then uses the
	   key's (or tasks_recv_time's) range, not an automatic index. */
	fputs("WITH p AS NOT MATERIALIZED (SELECT value ->> 0 AS b, "
	    "value ->> 1 AS l, value ->> 2 AS lo, value ->> 3 AS hi FROM "
	    "json_each(:parts)), r AS (", fp);
	for (level = top; level >= RW_ROWS; level--) {
		fprintf(fp, "%sSELECT p.b AS b, %s",
		    level < top ? " UNION ALL " : "", totals ?
		    "NULL AS ac_comm, NULL AS ac_uid" : "ac_comm, ac_uid");
		for (i = 0; i < RS__COUNT; i++)
			if (level == RW_ROWS)
				fprintf(fp, ", coalesce(%s, 0) AS %s",
				    rollup_cols[i].term, rollup_cols[i].column);
			else
				fprintf(fp, ", %s", rollup_cols[i].column);
		if (level == RW_ROWS)
			fputs(" FROM p CROSS JOIN rollup_rows ON recv_time >= "
			    "p.lo AND recv_time < p.hi", fp);
		else
			fprintf(fp, " FROM p CROSS JOIN %1$s ON %2$s >= p.lo "
			    "AND %2$s < p.hi", totals ? rollup_totals[level] :
			    rollup_table[level][0], rollup_table[level][2]);
		fprintf(fp, " WHERE p.l = %d", level);
		rollup_where(fp, f);
	}
	fputs(") ", fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	return sql;
}

/*
 * Bind the parts of n buckets of width bucket from since (the last cut at
 * f's until), and the filters.
 */
void
rollup_buckets_bind(struct cmd_ctx *ctx, sqlite3_stmt *stmt,
    const struct filter *f, int64_t since, int64_t bucket, size_t n)
{
	struct rollup_window	 w;
	FILE			*fp;
	char			*json = NULL;
	size_t			 len = 0, b;
	int64_t			 oldest, until, lo, hi;
	int			 levels, level, side, i, first = 1;

	until = (f->set & FILTER_UNTIL) ? f->until : INT64_MAX;
	oldest = rollup_oldest_minute(ctx);
	levels = rollup_levels_exist(ctx);
	if ((fp = open_memstream(&json, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputc('[', fp);
	for (b = 0; b < n; b++) {
		lo = since + (int64_t)b * bucket;
		hi = b + 1 == n || lo + bucket > until ? until : lo + bucket;
		/* The first bucket may start before the window (timeline
		   aligns its buckets to whole minutes). */
		if ((f->set & FILTER_SINCE) && lo < f->since)
			lo = f->since;
		rollup_split(lo, hi, oldest, levels, &w);
		for (level = 0; level < RW__COUNT; level++)
			for (side = 0; side < 2; side++) {
				if (w.part[level][side][0] >=
				    w.part[level][side][1])
					continue;
				fprintf(fp, "%s[%zu,%d,%lld,%lld]", first ? "" :
				    ",", b, level,
				    (long long)w.part[level][side][0],
				    (long long)w.part[level][side][1]);
				first = 0;
			}
	}
	fputc(']', fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	if ((i = sqlite3_bind_parameter_index(stmt, ":parts")) == 0 ||
	    sqlite3_bind_text(stmt, i, json, -1, free) != SQLITE_OK)
		cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
	if ((f->set & FILTER_USER))
		bind_int(stmt, ":uid", f->uid);
	if ((f->set & FILTER_COMM) &&
	    (i = sqlite3_bind_parameter_index(stmt, ":comm")) != 0 &&
	    sqlite3_bind_text(stmt, i, f->comm, -1, SQLITE_STATIC) != SQLITE_OK)
		cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
}
