/*
 * ranked_top.c: the candidates of `top --by MEASURE` per exit record over
 * a window [since, until) (ranked_top.h), in one statement.  An hour's
 * candidates (ranked_exits) are its rows above its cut (ranked_cuts: its
 * K-th largest value; no cut: all its rows are candidates).  Let V be the
 * N-th largest among the window's candidates (rc0, with the rows before
 * the first hour kept, read from tasks).  A row of the window that is no
 * candidate is at most its hour's cut: if that cut is below V, the row is
 * behind N rows of the window and not in its top N.  Otherwise (rt: the
 * rows of the hours whose cut reaches V, or of every hour with a cut if
 * there are fewer than N candidates) a whole hour of the window holds
 * K >= N rows at least as large as its cut, so only its rows tied with it
 * can be in the top; of an hour the window cuts, every row at or below
 * the cut.  Those reads are rare but for measures where most rows are
 * equal (failed, a delay that is mostly 0), and, for a window of less
 * than a few hours, its partial hours.  The hour of the oldest row is
 * read from tasks: a prune forgets the candidates of the hours it cut
 * into (src/ranked.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "procs.h"
#include "ranked.h"
#include "ranked_top.h"

/* The measures kept: those of ranked_rows (sql/schema.sql). */
static const char *const ranked_measures[] = {
	"cpu", "io", "rss", "duration", "failed", "csw", "cpu-delay",
	"blkio-delay", "swapin-delay", "reclaim-delay", "thrashing-delay",
	"compact-delay", "wpcopy-delay", "irq-delay",
};
#define RANKED_NMEASURES \
	(sizeof(ranked_measures) / sizeof(ranked_measures[0]))

#define RT_H	"3600000000"	/* RANKED_HOUR_US */

static const char *
ranked_kept(const struct measure *m)
{
	size_t	 i;

	/* A field of the field table has no help line. */
	if (m->help == NULL)
		return NULL;
	for (i = 0; i < RANKED_NMEASURES; i++)
		if (strcmp(ranked_measures[i], m->name) == 0)
			return ranked_measures[i];
	return NULL;
}

/* m on a row of tasks g */
static void
ranked_m(FILE *fp, const struct measure *m)
{
	fputc('(', fp);
	procs_expr(fp, m->row, "g");
	fputc(')', fp);
}

void
ranked_top_with(FILE *fp, const struct measure *m)
{
	/* rc0: the candidates in the window, and the rows before h0. */
	fputs("WITH rc0 AS MATERIALIZED (SELECT id, recv_time, value AS m "
	    "FROM ranked_exits WHERE measure = :rk_m AND hour >= :rk_h0 AND "
	    "hour <= :rk_hl AND recv_time >= :rk_since AND recv_time < "
	    ":rk_until UNION ALL SELECT g.id, g.recv_time, ", fp);
	ranked_m(fp, m);
	fputs(" FROM tasks g WHERE g.recv_time >= :rk_since AND g.recv_time < "
	    ":rk_e0 AND g.kind = 0), "
	    /* rv: the N-th of them; rk: the cuts that reach it */
	    "rv AS (SELECT m FROM rc0 ORDER BY m DESC, recv_time DESC, id DESC "
	    "LIMIT 1 OFFSET :rk_n - 1), rk AS (SELECT hour, value FROM "
	    "ranked_cuts WHERE measure = :rk_m AND hour >= :rk_h0 AND hour <= "
	    ":rk_hl AND (NOT EXISTS (SELECT 1 FROM rv) OR (SELECT m FROM rv) "
	    "IS NULL OR value >= (SELECT m FROM rv))), "
	    /* rt: those hours' rows in the window */
	    "rt AS (SELECT g.id, g.recv_time, ", fp);
	ranked_m(fp, m);
	fputs(" AS m, k.value AS cut, k.hour AS hour FROM rk k JOIN tasks g ON "
	    "g.recv_time >= max(:rk_since, k.hour * " RT_H ") AND g.recv_time "
	    "< min(:rk_until, (k.hour + 1) * " RT_H ") WHERE g.kind = 0), "
	    /* rc: the top N of the candidates, the ties of a whole hour, the
	       rows at or below the cut of a partial one */
	    "rc(id) AS (SELECT id FROM (SELECT id, recv_time, m FROM rc0 "
	    "UNION ALL SELECT id, recv_time, m FROM rt WHERE CASE WHEN "
	    "hour * " RT_H " >= :rk_since AND (hour + 1) * " RT_H " <= "
	    ":rk_until THEN m IS cut ELSE NOT (m IS NOT NULL AND (cut IS NULL "
	    "OR m > cut)) END) ORDER BY m DESC, recv_time DESC, id DESC "
	    "LIMIT :rk_n) ", fp);
}

static void
bind_named(sqlite3_stmt *s, const char *name, int64_t v)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(s, name)) != 0)
		sqlite3_bind_int64(s, i, v);
}

void
ranked_top_bind(sqlite3_stmt *s, const struct ranked_top *rt)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(s, ":rk_m")) != 0)
		sqlite3_bind_text(s, i, rt->measure, -1, SQLITE_STATIC);
	bind_named(s, ":rk_h0", rt->h0);
	bind_named(s, ":rk_hl", rt->hl);
	bind_named(s, ":rk_since", rt->since);
	bind_named(s, ":rk_until", rt->until);
	bind_named(s, ":rk_e0", rt->e0);
	bind_named(s, ":rk_n", rt->n);
}

/*
 * The window's hours with candidates, h0 to hl (h0: after the oldest
 * row's), and the rows before them, [since, e0); 0 if the database has
 * no rows.
 */
static int
ranked_hours(struct cmd_ctx *ctx, const struct filter *f,
    struct ranked_top *rt)
{
	sqlite3_stmt	*s;
	int64_t		 oldest;
	int		 found;

	rt->since = f->since;
	rt->until = (f->set & FILTER_UNTIL) ? f->until : INT64_MAX;
	if (rt->since < 0 || rt->until <= rt->since)
		return 0;
	s = cli_prepare(ctx, "SELECT min(recv_time) FROM tasks");
	found = cli_step(ctx, s) && sqlite3_column_type(s, 0) != SQLITE_NULL;
	oldest = found ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	if (oldest < 0)
		return 0;
	rt->h0 = rt->since / RANKED_HOUR_US;
	if (rt->h0 < oldest / RANKED_HOUR_US + 1)
		rt->h0 = oldest / RANKED_HOUR_US + 1;
	rt->hl = (rt->until - 1) / RANKED_HOUR_US;
	rt->e0 = rt->h0 > rt->hl ? rt->until : rt->h0 * RANKED_HOUR_US;
	if (rt->e0 < rt->since)
		rt->e0 = rt->since;
	return 1;
}

int
ranked_top_plan(struct cmd_ctx *ctx, const struct filter *f,
    const struct measure *m, int64_t limit, struct ranked_top *rt)
{
	const char	*env = getenv("TASKACCT_RANKED");

	memset(rt, 0, sizeof(*rt));
	rt->n = limit;
	if ((env != NULL && strcmp(env, "0") == 0) ||
	    (rt->measure = ranked_kept(m)) == NULL || limit < 1 ||
	    limit > RANKED_K || !(f->set & FILTER_SINCE) ||
	    (f->set & ~(FILTER_SINCE | FILTER_UNTIL | FILTER_THREADS)) != 0 ||
	    ctx->schema < 4 || !cli_table_exists(ctx, "ranked_exits"))
		return 0;
	return ranked_hours(ctx, f, rt);
}
