/*
 * ranked.c: taskacctd's upkeep of the per-hour top-K candidates
 * (ranked_cuts, ranked_exits: sql/schema.sql), in the transaction of the
 * rows they rank.  At commit, the transaction's thread rows above their
 * hour's cut (or in an hour without one) go in, at most K per measure and
 * hour (a row behind K better ones of its own batch is at most the cut
 * the hour then gets); where an hour now has K candidates or more, its
 * cut becomes their K-th largest value and the candidates not above it go.
 * The candidates of an hour thus always hold every row above its K-th
 * largest value, exactly what the fill of sql/migrate-4.sql computes from
 * the rows (a test compares the two).  A row at or below its hour's cut
 * costs its evaluation in one INSERT ... SELECT over the batch, no write.
 */
#include <stdlib.h>

#include "ranked.h"

#define RANKED_STR(x)	#x
#define RANKED_XSTR(x)	RANKED_STR(x)
#define K_SQL		RANKED_XSTR(RANKED_K)

/* "value ranks above cut", NULL lowest. */
#define RANKED_ABOVE(v, c)	"(" v " IS NOT NULL AND (" c " IS NULL OR " \
	v " > " c "))"

enum {
	RQ_FIRST,	/* the first row id of the transaction */
	RQ_INSERT,	/* ?1, ?2: the rows' ids; changes: candidates added */
	RQ_HOURS,	/* ?1, ?2: the rows' hours */
	RQ_CUT,		/* ?1, ?2: hours; new cuts */
	RQ_DROP,	/* ?1, ?2: hours; candidates at or below them */
	RQ_PRUNE_CUTS,	/* ?1: the oldest row's hour */
	RQ_PRUNE_EXITS,
	RQ__COUNT
};

static const char *const ranked_sql[RQ__COUNT] = {
	[RQ_FIRST] = "SELECT coalesce(max(id), 0) + 1 FROM tasks",
	[RQ_INSERT] = "INSERT INTO ranked_exits (measure, hour, id, "
	    "recv_time, value) SELECT measure, hour, id, recv_time, value "
	    "FROM (SELECT r.*, row_number() OVER (PARTITION BY r.measure, "
	    "r.hour ORDER BY r.value DESC, r.recv_time DESC, r.id DESC) AS rn "
	    "FROM ranked_rows r LEFT JOIN ranked_cuts c ON "
	    "c.measure = r.measure AND c.hour = r.hour WHERE r.id >= ?1 AND r.id < ?2 AND "
	    "(c.hour IS NULL OR " RANKED_ABOVE("r.value", "c.value") ")) "
	    "WHERE rn <= " K_SQL,
	[RQ_HOURS] = "SELECT min(recv_time) / 3600000000, "
	    "max(recv_time) / 3600000000 FROM tasks WHERE id >= ?1 AND "
	    "id < ?2",
	[RQ_CUT] = "INSERT OR REPLACE INTO ranked_cuts (measure, hour, value) "
	    "SELECT e.measure, e.hour, (SELECT x.value FROM ranked_exits x "
	    "WHERE x.measure = e.measure AND x.hour = e.hour ORDER BY "
	    "x.value DESC LIMIT 1 OFFSET " K_SQL " - 1) FROM ranked_exits e "
	    "WHERE "
	    "e.measure IN (" RANKED_MEASURES_SQL ") AND "
	    "e.hour BETWEEN ?1 AND ?2 GROUP BY e.measure, e.hour "
	    "HAVING count(*) >= " K_SQL,
	[RQ_DROP] = "DELETE FROM ranked_exits AS e WHERE e.measure IN ("
	    RANKED_MEASURES_SQL ") AND e.hour BETWEEN ?1 AND ?2 AND EXISTS (SELECT 1 FROM ranked_cuts c WHERE "
	    "c.measure = e.measure AND c.hour = e.hour AND NOT "
	    RANKED_ABOVE("e.value", "c.value") ")",
	[RQ_PRUNE_CUTS] = "DELETE FROM ranked_cuts WHERE hour <= ?1",
	[RQ_PRUNE_EXITS] = "DELETE FROM ranked_exits WHERE hour <= ?1",
};

struct ranked {
	sqlite3		*db;
	sqlite3_stmt	*q[RQ__COUNT];
	int64_t		 first;		/* the transaction's first row id */
};

struct ranked *
ranked_new(sqlite3 *db)
{
	struct ranked	*r;
	size_t		 i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->db = db;
	for (i = 0; i < RQ__COUNT; i++) {
		if (sqlite3_prepare_v3(db, ranked_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &r->q[i], NULL) != SQLITE_OK) {
			ranked_free(r);
			return NULL;
		}
	}
	return r;
}

void
ranked_free(struct ranked *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < RQ__COUNT; i++)
		sqlite3_finalize(r->q[i]);
	free(r);
}

/* Run q with up to two integer parameters; *row gets its one row. */
static int
ranked_step(struct ranked *r, int q, int64_t a, int64_t b, int64_t row[2])
{
	sqlite3_stmt	*s = r->q[q];
	int		 n = sqlite3_bind_parameter_count(s), rc;

	if (n >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (n >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && row != NULL) {
		row[0] = sqlite3_column_int64(s, 0);
		row[1] = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(s, 1);
		if (sqlite3_column_type(s, 0) == SQLITE_NULL)
			row[0] = -1;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
ranked_begin(struct ranked *r)
{
	int64_t	 row[2];

	if (ranked_step(r, RQ_FIRST, 0, 0, row) == -1)
		return -1;
	r->first = row[0];
	return 0;
}

int
ranked_commit(struct ranked *r)
{
	return ranked_fold(r, r->first, INT64_MAX);
}

int
ranked_fold(struct ranked *r, int64_t from, int64_t to)
{
	int64_t	 h[2];

	if (ranked_step(r, RQ_INSERT, from, to, NULL) == -1)
		return -1;
	/* Nothing above its cut: no cut can move. */
	if (sqlite3_changes(r->db) == 0)
		return 0;
	if (ranked_step(r, RQ_HOURS, from, to, h) == -1)
		return -1;
	if (h[0] < 0 || h[1] < 0)
		return 0;
	if (ranked_step(r, RQ_CUT, h[0], h[1], NULL) == -1)
		return -1;
	if (sqlite3_changes(r->db) == 0)
		return 0;
	return ranked_step(r, RQ_DROP, h[0], h[1], NULL);
}

int
ranked_prune(struct ranked *r, int64_t oldest)
{
	int64_t	 hour = oldest / RANKED_HOUR_US;

	if (ranked_step(r, RQ_PRUNE_CUTS, hour, 0, NULL) == -1)
		return -1;
	return ranked_step(r, RQ_PRUNE_EXITS, hour, 0, NULL);
}
