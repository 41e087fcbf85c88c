/*
 * store_levels.c: the hour and day levels of the rollups (schema 4:
 * hours, days, hour_parents, day_parents) in the database.  At commit the
 * store writes a transaction's levels, folded in memory from its minute
 * entries (src/rollup.c: rollup_levels), as upserts beside the minutes';
 * retention drops the hours and days before the oldest row's and sums
 * that hour and day again from the finer levels that are left, so that
 * they stay the minutes' sums (the ones the migration and gendb fill:
 * src/sqlbuild.c).
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "rollup.h"
#include "sqlbuild.h"
#include "store_levels.h"

struct store_levels {
	sqlite3_stmt	*up[ROLLUP_LEVEL__COUNT];	/* hours, days */
	sqlite3_stmt	*upp[ROLLUP_LEVEL__COUNT];	/* their parents */
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
	free(lv);
}

static int
step_reset(sqlite3_stmt *s)
{
	int	 r = sqlite3_step(s);

	sqlite3_reset(s);
	return r == SQLITE_DONE ? 0 : -1;
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
	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++) {
		s = lv->up[l];
		n = rollup_level_minutes(r, l, &m);
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
int
store_levels_prune(sqlite3 *db, int64_t minute)
{
	sqlite3_stmt	*s;
	const char	*p, *tail;
	char		*sql;
	int		 r = 0;

	if ((sql = sql_levels_prune()) == NULL)
		return -1;
	for (p = sql; r == 0 && *p != '\0'; p = tail) {
		if (sqlite3_prepare_v2(db, p, -1, &s, &tail) != SQLITE_OK) {
			r = -1;
			break;
		}
		if (s == NULL)		/* white space at the end */
			break;
		sqlite3_bind_int64(s, 1, minute / ROLLUP_HOUR_MINUTES);
		if (sqlite3_bind_parameter_count(s) > 1)
			sqlite3_bind_int64(s, 2, minute / ROLLUP_DAY_MINUTES);
		if (sqlite3_step(s) != SQLITE_DONE)
			r = -1;
		sqlite3_finalize(s);
	}
	free(sql);
	return r;
}
