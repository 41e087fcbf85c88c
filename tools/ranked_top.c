/*
 * ranked_top.c: the candidates of `top --by MEASURE` per exit record over
 * a window (ranked_top.h).  A window [since, until) is its whole hours
 * h0 <= h < h1 and its edges, [since, h0) and [h1, until), read from the
 * rows.  An hour's candidates (ranked_exits) are its rows above its cut
 * (ranked_cuts: its K-th largest value; no cut: all its rows are there),
 * so a row of a whole hour that is not one is at most its hour's cut,
 * and that hour has K >= N rows at least as large.  The top N of the
 * window then lies among the candidates, the edges, and the rows tied
 * with a cut of at least the N-th value among those: a first query finds
 * that value, a second whether any cut reaches it (then those hours' ties
 * are read from the rows; rare but for measures where most rows are
 * equal).  The oldest row's hour is an edge: a prune forgets its
 * candidates (src/ranked.c).
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

void
ranked_top_with(FILE *fp, const struct measure *m)
{
	fputs("WITH rc(id) AS (SELECT id FROM ranked_exits WHERE measure = "
	    ":rk_m AND hour >= :rk_h0 AND hour < :rk_h1 UNION ALL SELECT g.id "
	    "FROM tasks g WHERE g.recv_time >= :rk_since AND g.recv_time < "
	    ":rk_e0 AND g.kind = 0 UNION ALL SELECT g.id FROM tasks g WHERE "
	    "g.recv_time >= :rk_e1 AND g.recv_time < :rk_until AND g.kind = 0 "
	    "UNION ALL SELECT g.id FROM ranked_cuts k JOIN tasks g ON "
	    "g.recv_time >= k.hour * " RT_H " AND g.recv_time < (k.hour + 1) * "
	    RT_H " WHERE :rk_ties AND k.measure = :rk_m AND k.hour >= :rk_h0 "
	    "AND k.hour < :rk_h1 AND (:rk_all OR :rk_v IS NULL OR k.value >= "
	    ":rk_v) AND g.kind = 0 AND ", fp);
	procs_expr(fp, m->row, "g");
	fputs(" IS k.value) ", fp);
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
	bind_named(s, ":rk_h1", rt->h1);
	bind_named(s, ":rk_since", rt->since);
	bind_named(s, ":rk_until", rt->until);
	bind_named(s, ":rk_e0", rt->h0 * RANKED_HOUR_US);
	bind_named(s, ":rk_e1", rt->h1 * RANKED_HOUR_US);
	bind_named(s, ":rk_ties", rt->ties);
	bind_named(s, ":rk_all", rt->all);
	if ((i = sqlite3_bind_parameter_index(s, ":rk_v")) != 0) {
		if (rt->vnull)
			sqlite3_bind_null(s, i);
		else
			sqlite3_bind_int64(s, i, rt->v);
	}
}

/* One integer of a query on the candidates; -1: no row (or NULL). */
static int
ranked_query(struct cmd_ctx *ctx, const char *sql, const struct ranked_top *rt,
    int64_t limit, int64_t *v, int *isnull)
{
	sqlite3_stmt	*s;
	int		 found;

	s = cli_prepare(ctx, sql);
	ranked_top_bind(s, rt);
	bind_named(s, ":rk_off", limit - 1);
	found = cli_step(ctx, s);
	if (found) {
		*isnull = sqlite3_column_type(s, 0) == SQLITE_NULL;
		*v = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return found;
}

/* The window's whole hours with candidates: 0 if there are none. */
static int
ranked_hours(struct cmd_ctx *ctx, const struct filter *f,
    struct ranked_top *rt)
{
	int64_t	 oldest;
	int	 isnull;

	rt->since = f->since;
	rt->until = (f->set & FILTER_UNTIL) ? f->until : INT64_MAX;
	if (rt->since < 0 || rt->until <= rt->since)
		return 0;
	if (!ranked_query(ctx, "SELECT min(recv_time) FROM tasks", rt, 1,
	    &oldest, &isnull) || isnull || oldest < 0)
		return 0;
	/* ceil(since / H); the oldest row's hour is read from the rows. */
	rt->h0 = rt->since / RANKED_HOUR_US +
	    (rt->since % RANKED_HOUR_US != 0);
	if (rt->h0 < oldest / RANKED_HOUR_US + 1)
		rt->h0 = oldest / RANKED_HOUR_US + 1;
	rt->h1 = rt->until / RANKED_HOUR_US;
	return rt->h1 > rt->h0;
}

int
ranked_top_plan(struct cmd_ctx *ctx, const struct filter *f,
    const struct measure *m, int64_t limit, struct ranked_top *rt)
{
	const char	*env = getenv("TASKACCT_RANKED");
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0;
	int64_t		 one;
	int		 isnull;

	memset(rt, 0, sizeof(*rt));
	if ((env != NULL && strcmp(env, "0") == 0) ||
	    (rt->measure = ranked_kept(m)) == NULL || limit < 1 ||
	    limit > RANKED_K || !(f->set & FILTER_SINCE) ||
	    (f->set & ~(FILTER_SINCE | FILTER_UNTIL | FILTER_THREADS)) != 0 ||
	    ctx->schema < 4 || !cli_table_exists(ctx, "ranked_exits") ||
	    !ranked_hours(ctx, f, rt))
		return 0;
	/* The N-th value among the candidates without the ties. */
	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	ranked_top_with(fp, m);
	fputs("SELECT ", fp);
	procs_expr(fp, m->row, "g");
	fputs(" AS m FROM tasks g WHERE g.id IN rc ORDER BY m DESC, "
	    "g.recv_time DESC, g.id DESC LIMIT 1 OFFSET :rk_off", fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	if (!ranked_query(ctx, sql, rt, limit, &rt->v, &rt->vnull))
		rt->all = 1;
	free(sql);
	/* Does a cut reach it? */
	if (ranked_query(ctx, "SELECT 1 FROM ranked_cuts k WHERE k.measure = "
	    ":rk_m AND k.hour >= :rk_h0 AND k.hour < :rk_h1 AND (:rk_all OR "
	    ":rk_v IS NULL OR k.value >= :rk_v) LIMIT 1", rt, limit, &one,
	    &isnull))
		rt->ties = 1;
	return 1;
}
