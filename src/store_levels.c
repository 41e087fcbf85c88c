/*
 * store_levels.c: the hour and day levels of the rollups (schema 4:
 * hours, days, hour_parents, day_parents) in the database.  At commit the
 * store writes a transaction's levels, folded in memory from its minute
 * entries (src/rollup.c: rollup_levels), as upserts beside the minutes';
 * retention drops the hours and days before the oldest row's and sums
 * that hour and day again from the finer levels that are left, so that
 * they stay the minutes' sums (the ones the migration and gendb fill:
 * src/sqlbuild.c).  The totals of schema 5 (minute_totals, hour_totals,
 * day_totals: every command and user summed) are folded here from the
 * same entries, one upsert per minute, hour and day of the transaction,
 * and pruned the same way.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "sqlbuild.h"
#include "store_levels.h"

/* The totals' levels: minutes, then the rollup levels. */
enum { TOTALS_MINUTE, TOTALS_HOUR, TOTALS_DAY, TOTALS__COUNT };

static const char *const totals_table[TOTALS__COUNT][2] = {
	[TOTALS_MINUTE] = { "minute_totals", "minute" },
	[TOTALS_HOUR] = { "hour_totals", "hour" },
	[TOTALS_DAY] = { "day_totals", "day" },
};

/*
 * A transaction's entries of a level folded per key (minute, hour, day)
 * and, for the commands, per command.
 */
struct totals_fold {
	int64_t		 key;
	const char	*comm;
	int64_t		 sum[RS__COUNT];
};

static const char *const commands_table[ROLLUP_LEVEL__COUNT][2] = {
	[ROLLUP_LEVEL_HOUR] = { "hour_commands", "hour" },
	[ROLLUP_LEVEL_DAY] = { "day_commands", "day" },
};

struct store_levels {
	sqlite3_stmt	*up[ROLLUP_LEVEL__COUNT];	/* hours, days */
	sqlite3_stmt	*upp[ROLLUP_LEVEL__COUNT];	/* their parents */
	sqlite3_stmt	*upt[TOTALS__COUNT];		/* the totals */
	sqlite3_stmt	*upc[ROLLUP_LEVEL__COUNT];	/* the commands */
};

static const char *const level_table[ROLLUP_LEVEL__COUNT][3] = {
	[ROLLUP_LEVEL_HOUR] = { "hours", "hour_parents", "hour" },
	[ROLLUP_LEVEL_DAY] = { "days", "day_parents", "day" },
};

struct store_levels *
store_levels_new(sqlite3 *db)
{
	struct store_levels	*lv;
	size_t			 l;

	if ((lv = calloc(1, sizeof(*lv))) == NULL)
		return NULL;
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++) {
		if (sql_prepare_built(db, sql_level_upsert(level_table[l][0],
		    level_table[l][2]), &lv->up[l]) == -1 ||
		    sql_prepare_built(db, sql_level_parent_upsert(
		    level_table[l][1], level_table[l][2]), &lv->upp[l]) == -1) {
			store_levels_free(lv);
			return NULL;
		}
	}
	for (l = 0; l < TOTALS__COUNT; l++)
		if (sql_prepare_built(db, sql_totals_upsert(totals_table[l][0],
		    totals_table[l][1]), &lv->upt[l]) == -1) {
			store_levels_free(lv);
			return NULL;
		}
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++)
		if (sql_prepare_built(db, sql_commands_upsert(
		    commands_table[l][0], commands_table[l][1]),
		    &lv->upc[l]) == -1) {
			store_levels_free(lv);
			return NULL;
		}
	return lv;
}

void
store_levels_free(struct store_levels *lv)
{
	size_t	 l;

	if (lv == NULL)
		return;
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++) {
		sqlite3_finalize(lv->up[l]);
		sqlite3_finalize(lv->upp[l]);
	}
	for (l = 0; l < TOTALS__COUNT; l++)
		sqlite3_finalize(lv->upt[l]);
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++)
		sqlite3_finalize(lv->upc[l]);
	free(lv);
}

static int
step_reset(sqlite3_stmt *s)
{
	int	 r = sqlite3_step(s);

	sqlite3_reset(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/*
 * Fold n entries into one sum per key (and per command, if bycomm): a
 * transaction touches few minutes and commands, so the folds are a short
 * array searched backwards (the entries of a key mostly follow each
 * other).  *nf: how many; NULL: out of memory.
 */
static struct totals_fold *
totals_fold(const struct rollup_minute *m, size_t n, int bycomm,
    size_t *nf)
{
	struct totals_fold	*f, *t;
	size_t			 i, j, k;

	*nf = 0;
	if ((f = calloc(n + 1, sizeof(*f))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		for (k = *nf; k > 0 && (f[k - 1].key != m[i].minute ||
		    (bycomm && strcmp(f[k - 1].comm, m[i].comm) != 0)); k--)
			;
		if (k == 0) {
			t = &f[(*nf)++];
			t->key = m[i].minute;
			t->comm = m[i].comm;
			memcpy(t->sum, m[i].sum, sizeof(t->sum));
			continue;
		}
		t = &f[k - 1];
		for (j = 0; j < RS__COUNT; j++)
			if (rollup_cols[j].agg == ROLLUP_AGG_MAX)
				t->sum[j] = t->sum[j] > m[i].sum[j] ?
				    t->sum[j] : m[i].sum[j];
			else
				t->sum[j] = rollup_sum_add(t->sum[j],
				    m[i].sum[j]);
	}
	return f;
}

/* The totals of n entries, upserted. */
static int
totals_put(sqlite3_stmt *s, const struct rollup_minute *m, size_t n)
{
	struct totals_fold	*f;
	size_t			 nf, i, j;
	int			 r = 0;

	if ((f = totals_fold(m, n, 0, &nf)) == NULL)
		return -1;
	for (i = 0; r == 0 && i < nf; i++) {
		sqlite3_bind_int64(s, 1, f[i].key);
		for (j = 0; j < RS__COUNT; j++)
			sqlite3_bind_int64(s, 2 + (int)j, f[i].sum[j]);
		r = step_reset(s);
	}
	free(f);
	return r;
}

/* The process ends and short ones per command of n entries, upserted. */
static int
commands_put(sqlite3_stmt *s, const struct rollup_minute *m, size_t n)
{
	struct totals_fold	*f;
	size_t			 nf, i;
	int			 r = 0;

	if ((f = totals_fold(m, n, 1, &nf)) == NULL)
		return -1;
	for (i = 0; r == 0 && i < nf; i++) {
		sqlite3_bind_int64(s, 1, f[i].key);
		sqlite3_bind_text(s, 2, f[i].comm, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, f[i].sum[RS_PROCS]);
		sqlite3_bind_int64(s, 4, f[i].sum[RS_SHORT]);
		r = step_reset(s);
	}
	free(f);
	return r;
}

/* Write the transaction's hour and day entries, before its COMMIT. */
int
store_levels_put(struct store_levels *lv, struct rollup *r)
{
	const struct rollup_minute	*m;
	const struct rollup_parent	*p;
	sqlite3_stmt			*s;
	size_t				 l, i, j, n;

	if (rollup_levels(r) == -1)
		return -1;
	n = rollup_minutes(r, &m);
	if (totals_put(lv->upt[TOTALS_MINUTE], m, n) == -1)
		return -1;
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++) {
		s = lv->up[l];
		n = rollup_level_minutes(r, l, &m);
		if (totals_put(lv->upt[l == ROLLUP_LEVEL_HOUR ? TOTALS_HOUR :
		    TOTALS_DAY], m, n) == -1 || commands_put(lv->upc[l], m,
		    n) == -1)
			return -1;
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(s, 1, m[i].minute);
			sqlite3_bind_text(s, 2, m[i].comm, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, m[i].uid);
			for (j = 0; j < RS__COUNT; j++)
				sqlite3_bind_int64(s, 4 + (int)j, m[i].sum[j]);
			if (step_reset(s) == -1)
				return -1;
		}
		s = lv->upp[l];
		n = rollup_level_parents(r, l, &p);
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(s, 1, p[i].minute);
			sqlite3_bind_int64(s, 2, p[i].ppid);
			sqlite3_bind_int64(s, 3, p[i].procs);
			sqlite3_bind_int64(s, 4, p[i].short_procs);
			sqlite3_bind_int64(s, 5, p[i].first);
			sqlite3_bind_int64(s, 6, p[i].last);
			if (step_reset(s) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * Inside retention's transaction, once the minutes before the oldest
 * row's minute are gone: the hour and day of that minute summed again
 * from the finer levels left, the earlier ones dropped.  Cheap: one
 * hour's minutes and one day's hours.
 */
static int
levels_prune_sql(sqlite3 *db, char *sql, int64_t minute)
{
	sqlite3_stmt	*s;
	const char	*p, *tail;
	int		 r = 0, i;

	if (sql == NULL)
		return -1;
	for (p = sql; r == 0 && *p != '\0'; p = tail) {
		if (sqlite3_prepare_v2(db, p, -1, &s, &tail) != SQLITE_OK) {
			r = -1;
			break;
		}
		if (s == NULL)		/* white space at the end */
			break;
		/* ?1 the hour, ?2 the day, ?3 the minute, as far as used */
		for (i = sqlite3_bind_parameter_count(s); i > 0; i--)
			sqlite3_bind_int64(s, i, i == 1 ? minute /
			    ROLLUP_HOUR_MINUTES : i == 2 ? minute /
			    ROLLUP_DAY_MINUTES : minute);
		if (sqlite3_step(s) != SQLITE_DONE)
			r = -1;
		sqlite3_finalize(s);
	}
	free(sql);
	return r;
}

int
store_levels_prune(sqlite3 *db, int64_t minute)
{
	if (levels_prune_sql(db, sql_levels_prune(), minute) == -1)
		return -1;
	return levels_prune_sql(db, sql_totals_prune(), minute);
}
