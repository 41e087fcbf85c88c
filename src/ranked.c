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
 * the rows (a test compares the two).
 *
 * Each row is first compared in memory with its hour's cuts (read from
 * ranked_cuts once per hour and kept until SQL may have moved them: a
 * commit that touched the hour, a rollback, a prune), its values computed
 * as the view ranked_rows computes them.  A row at or below every cut
 * costs no SQL; only the rows above one (or in an hour without a cut, or
 * with a value memory cannot be sure of, e.g. an overflowing sum that
 * SQLite would make a REAL) go through the statements below, and only
 * the cuts of the measures they pass are worked out again.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fields.h"
#include "ranked.h"
#include "taskacct.h"

#define RANKED_STR(x)	#x
#define RANKED_XSTR(x)	RANKED_STR(x)
#define K_SQL		RANKED_XSTR(RANKED_K)

/* "value ranks above cut", NULL lowest. */
#define RANKED_ABOVE(v, c)	"(" v " IS NOT NULL AND (" c " IS NULL OR " \
	v " > " c "))"

enum {
	RQ_INSERT,	/* ?1, ?2: the rows' ids; changes: candidates added */
	RQ_HOURS,	/* ?1, ?2: the rows' hours */
	RQ_CUT,		/* ?1, ?2: hours; new cuts */
	RQ_DROP,	/* ?1, ?2: hours; candidates at or below them */
	RQ_PRUNE_CUTS,	/* ?1: the oldest row's hour */
	RQ_PRUNE_EXITS,
	RQ_LOAD,	/* ?1: an hour; its cuts */
	RQ_CUT_ONE,	/* RQ_CUT, RQ_DROP for the measure ?3 */
	RQ_DROP_ONE,
	RQ__COUNT
};

static const char *const ranked_sql[RQ__COUNT] = {
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
	[RQ_LOAD] = "SELECT measure, value FROM ranked_cuts WHERE measure IN ("
	    RANKED_MEASURES_SQL ") AND hour = ?1",
	[RQ_CUT_ONE] = "INSERT OR REPLACE INTO ranked_cuts (measure, hour, "
	    "value) SELECT e.measure, e.hour, (SELECT x.value FROM "
	    "ranked_exits x WHERE x.measure = e.measure AND x.hour = e.hour "
	    "ORDER BY x.value DESC LIMIT 1 OFFSET " K_SQL " - 1) FROM "
	    "ranked_exits e WHERE e.measure = ?3 AND e.hour BETWEEN ?1 AND ?2 "
	    "GROUP BY e.measure, e.hour HAVING count(*) >= " K_SQL,
	[RQ_DROP_ONE] = "DELETE FROM ranked_exits AS e WHERE e.measure = ?3 "
	    "AND e.hour BETWEEN ?1 AND ?2 AND EXISTS (SELECT 1 FROM "
	    "ranked_cuts c WHERE c.measure = e.measure AND c.hour = e.hour "
	    "AND NOT " RANKED_ABOVE("e.value", "c.value") ")",
};

/* The measures, in the order of RANKED_MEASURES_SQL. */
enum {
	RM_CPU, RM_IO, RM_RSS, RM_DURATION, RM_FAILED, RM_CSW, RM_CPU_DELAY,
	RM_BLKIO_DELAY, RM_SWAPIN_DELAY, RM_RECLAIM_DELAY, RM_THRASHING_DELAY,
	RM_COMPACT_DELAY, RM_WPCOPY_DELAY, RM_IRQ_DELAY, RM__COUNT
};

static const char *const ranked_measure_names[RM__COUNT] = {
	"cpu", "io", "rss", "duration", "failed", "csw", "cpu-delay",
	"blkio-delay", "swapin-delay", "reclaim-delay", "thrashing-delay",
	"compact-delay", "wpcopy-delay", "irq-delay",
};

/* The fields the measures read (the view ranked_rows names them). */
enum {
	RF_UTIME, RF_STIME, RF_READ, RF_WRITE, RF_RSS, RF_ETIME, RF_EXITCODE,
	RF_NVCSW, RF_NIVCSW, RF_CPU_DELAY, RF_BLKIO_DELAY, RF_SWAPIN_DELAY,
	RF_FREEPAGES_DELAY, RF_THRASHING_DELAY, RF_COMPACT_DELAY,
	RF_WPCOPY_DELAY, RF_IRQ_DELAY, RF__COUNT
};

static const char *const ranked_field_names[RF__COUNT] = {
	"ac_utime", "ac_stime", "read_bytes", "write_bytes", "hiwater_rss",
	"ac_etime", "ac_exitcode", "nvcsw", "nivcsw", "cpu_delay_total",
	"blkio_delay_total", "swapin_delay_total", "freepages_delay_total",
	"thrashing_delay_total", "compact_delay_total", "wpcopy_delay_total",
	"irq_delay_total",
};

/* A value as SQL has it: NULL, an integer, or one memory cannot mirror. */
enum { RV_NULL, RV_INT, RV_UNSURE };
/* An hour's cut of a measure in memory. */
enum { RC_NONE, RC_NULL, RC_INT, RC_UNSURE };

struct ranked_hour {
	int64_t		 hour;		/* -1: the slot is empty */
	uint8_t		 kind[RM__COUNT];	/* RC_* */
	int64_t		 cut[RM__COUNT];
};

/* Hours whose cuts memory holds: rows come in hour order, late ones few. */
#define RANKED_HOURS_KEPT	4

struct ranked {
	sqlite3		*db;
	sqlite3_stmt	*q[RQ__COUNT];
	size_t		 field[RF__COUNT];	/* in ts_fields[] */
	struct ranked_hour hours[RANKED_HOURS_KEPT];
	size_t		 next_slot;		/* the slot replaced next */
	int64_t		*above;			/* the transaction's rows */
	size_t		 nabove, cap;		/* above a cut, ids rising */
	int64_t		 hmin, hmax;		/* their hours */
	uint32_t	 measures;		/* the cuts they pass */
	const char	*measure;		/* ?3 of RQ_*_ONE */
};

struct ranked *
ranked_new(sqlite3 *db)
{
	const struct ts_field	*f;
	struct ranked		*r;
	size_t			 i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->db = db;
	for (i = 0; i < RF__COUNT; i++) {
		if ((f = ts_field_find(ranked_field_names[i])) == NULL) {
			free(r);
			return NULL;
		}
		r->field[i] = (size_t)(f - ts_fields);
	}
	ranked_forget(r);
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
	free(r->above);
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
	if (n >= 3)
		sqlite3_bind_text(s, 3, r->measure, -1, SQLITE_STATIC);
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

void
ranked_forget(struct ranked *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < RANKED_HOURS_KEPT; i++)
		r->hours[i].hour = -1;
	r->nabove = 0;
}

int
ranked_begin(struct ranked *r)
{
	r->nabove = 0;
	return 0;
}

/* Forget the cuts of the hours in [h0, h1]: SQL may have moved them. */
static void
ranked_drop_hours(struct ranked *r, int64_t h0, int64_t h1)
{
	size_t	 i;

	for (i = 0; i < RANKED_HOURS_KEPT; i++)
		if (r->hours[i].hour >= h0 && r->hours[i].hour <= h1)
			r->hours[i].hour = -1;
}

/* The cuts of hour h, read from ranked_cuts if memory lacks them. */
static struct ranked_hour *
ranked_hour(struct ranked *r, int64_t h)
{
	struct ranked_hour	*rh;
	sqlite3_stmt		*s = r->q[RQ_LOAD];
	const char		*name;
	size_t			 i;
	int			 rc;

	for (i = 0; i < RANKED_HOURS_KEPT; i++)
		if (r->hours[i].hour == h)
			return &r->hours[i];
	rh = &r->hours[r->next_slot];
	r->next_slot = (r->next_slot + 1) % RANKED_HOURS_KEPT;
	rh->hour = -1;
	memset(rh->kind, RC_NONE, sizeof(rh->kind));
	sqlite3_bind_int64(s, 1, h);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(s, 0);
		for (i = 0; name != NULL && i < RM__COUNT; i++)
			if (strcmp(name, ranked_measure_names[i]) == 0)
				break;
		if (name == NULL || i == RM__COUNT)
			continue;
		switch (sqlite3_column_type(s, 1)) {
		case SQLITE_NULL:
			rh->kind[i] = RC_NULL;
			break;
		case SQLITE_INTEGER:
			rh->kind[i] = RC_INT;
			rh->cut[i] = sqlite3_column_int64(s, 1);
			break;
		default:
			rh->kind[i] = RC_UNSURE;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return NULL;
	rh->hour = h;
	return rh;
}

/* a + b as SQLite adds integers: past int64, a REAL (unsure). */
static int
ranked_sum(int ka, int64_t a, int kb, int64_t b, int64_t *v)
{
	if (ka == RV_NULL || kb == RV_NULL)
		return RV_NULL;
	if (ka == RV_UNSURE || kb == RV_UNSURE ||
	    __builtin_add_overflow(a, b, v))
		return RV_UNSURE;
	return RV_INT;
}

/*
 * The measures of a thread row from its fields (kf[i]: RV_NULL or RV_INT),
 * as the view ranked_rows computes them.
 */
static void
ranked_values(const int *kf, const int64_t *f, int *k, int64_t *v)
{
	int64_t	 bound = 0;
	int	 kb;
	size_t	 i;

	k[RM_CPU] = ranked_sum(kf[RF_UTIME], f[RF_UTIME], kf[RF_STIME],
	    f[RF_STIME], &v[RM_CPU]);
	k[RM_IO] = ranked_sum(RV_INT, kf[RF_READ] == RV_INT ? f[RF_READ] : 0,
	    RV_INT, kf[RF_WRITE] == RV_INT ? f[RF_WRITE] : 0, &v[RM_IO]);
	k[RM_RSS] = kf[RF_RSS];
	v[RM_RSS] = f[RF_RSS];
	k[RM_DURATION] = kf[RF_ETIME];
	v[RM_DURATION] = f[RF_ETIME];
	k[RM_FAILED] = kf[RF_EXITCODE];
	v[RM_FAILED] = f[RF_EXITCODE] != 0;
	k[RM_CSW] = ranked_sum(kf[RF_NVCSW], f[RF_NVCSW], kf[RF_NIVCSW],
	    f[RF_NIVCSW], &v[RM_CSW]);
	/* CASE WHEN d <= ac_etime * 1010 + 1000000 THEN d END */
	kb = kf[RF_ETIME];
	if (kb == RV_INT && (__builtin_mul_overflow(f[RF_ETIME], 1010,
	    &bound) || __builtin_add_overflow(bound, 1000000, &bound)))
		kb = RV_UNSURE;
	for (i = 0; i <= RM_IRQ_DELAY - RM_CPU_DELAY; i++) {
		k[RM_CPU_DELAY + i] = kf[RF_CPU_DELAY + i];
		v[RM_CPU_DELAY + i] = f[RF_CPU_DELAY + i];
		if (k[RM_CPU_DELAY + i] != RV_INT)
			continue;
		if (kb != RV_INT)
			k[RM_CPU_DELAY + i] = kb;
		else if (v[RM_CPU_DELAY + i] > bound)
			k[RM_CPU_DELAY + i] = RV_NULL;
	}
}

/* Whether a value may rank above an hour's cut (NULL lowest). */
static int
ranked_may_pass(int kc, int64_t cut, int kv, int64_t v)
{
	switch (kc) {
	case RC_NONE:
	case RC_UNSURE:
		return 1;
	case RC_NULL:
		return kv != RV_NULL;
	default:
		return kv == RV_UNSURE || (kv == RV_INT && v > cut);
	}
}

/* A thread row's fields: keep its id if a measure may pass its cut. */
static int
ranked_add(struct ranked *r, int64_t recv_time, int64_t id, const int *kf,
    const int64_t *f)
{
	struct ranked_hour	*rh;
	int64_t			 v[RM__COUNT], *n, h = recv_time / RANKED_HOUR_US;
	uint32_t		 pass = 0;
	int			 k[RM__COUNT];
	size_t			 i;

	if ((rh = ranked_hour(r, h)) == NULL)
		return -1;
	ranked_values(kf, f, k, v);
	for (i = 0; i < RM__COUNT; i++)
		if (ranked_may_pass(rh->kind[i], rh->cut[i], k[i], v[i]))
			pass |= UINT32_C(1) << i;
	if (pass == 0)
		return 0;
	if (r->nabove == r->cap) {
		if ((n = reallocarray(r->above, r->cap ? r->cap * 2 : 64,
		    sizeof(*n))) == NULL)
			return -1;
		r->above = n;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	if (r->nabove == 0 || h < r->hmin)
		r->hmin = h;
	if (r->nabove == 0 || h > r->hmax)
		r->hmax = h;
	r->measures = (r->nabove == 0 ? 0 : r->measures) | pass;
	r->above[r->nabove++] = id;
	return 0;
}

int
ranked_add_record(struct ranked *r, const struct ts_record *rec,
    const struct ts_plan *plan, int64_t recv_time, int64_t id)
{
	const struct ts_step	*s;
	int64_t			 f[RF__COUNT];
	int			 kf[RF__COUNT];
	size_t			 i;

	if (rec->kind != TASK_KIND_THREAD)
		return 0;
	for (i = 0; i < RF__COUNT; i++) {
		s = &plan->step[r->field[i]];
		kf[i] = s->present ? RV_INT : RV_NULL;
		f[i] = s->present ? ts_value_int(s->type, rec->raw +
		    s->offset) : 0;
	}
	return ranked_add(r, recv_time, id, kf, f);
}

int
ranked_add_cols(struct ranked *r, int kind, int64_t recv_time, int64_t id,
    const int64_t *v, const uint8_t *isnull)
{
	int64_t	 f[RF__COUNT];
	int	 kf[RF__COUNT];
	size_t	 i;

	if (kind != TASK_KIND_THREAD)
		return 0;
	for (i = 0; i < RF__COUNT; i++) {
		kf[i] = isnull[r->field[i]] ? RV_NULL : RV_INT;
		f[i] = isnull[r->field[i]] ? 0 : v[r->field[i]];
	}
	return ranked_add(r, recv_time, id, kf, f);
}

/* Move the cuts of hours [h0, h1] after candidates went in; drop below. */
static int
ranked_cut(struct ranked *r, int64_t h0, int64_t h1)
{
	ranked_drop_hours(r, h0, h1);
	if (ranked_step(r, RQ_CUT, h0, h1, NULL) == -1)
		return -1;
	if (sqlite3_changes(r->db) == 0)
		return 0;
	return ranked_step(r, RQ_DROP, h0, h1, NULL);
}

/*
 * The rows kept (ids rising) go in one statement over their span when
 * they are most of it (a new hour's first rows), else one by one.
 */
int
ranked_commit(struct ranked *r)
{
	int64_t	 first, last, added = 0;
	size_t	 i, n = r->nabove;

	r->nabove = 0;
	if (n == 0)
		return 0;
	first = r->above[0];
	last = r->above[n - 1];
	if ((int64_t)n * 4 >= last - first + 1) {
		if (ranked_step(r, RQ_INSERT, first, last + 1, NULL) == -1)
			goto fail;
		added = sqlite3_changes(r->db);
	} else
		for (i = 0; i < n; i++) {
			if (ranked_step(r, RQ_INSERT, r->above[i],
			    r->above[i] + 1, NULL) == -1)
				goto fail;
			added += sqlite3_changes(r->db);
		}
	/* Nothing above its cut: no cut can move. */
	if (added == 0)
		return 0;
	/* Only the measures a row passed can have taken candidates. */
	ranked_drop_hours(r, r->hmin, r->hmax);
	for (i = 0; i < RM__COUNT; i++) {
		if (!(r->measures & (UINT32_C(1) << i)))
			continue;
		r->measure = ranked_measure_names[i];
		if (ranked_step(r, RQ_CUT_ONE, r->hmin, r->hmax, NULL) == -1)
			goto fail;
		if (sqlite3_changes(r->db) > 0 && ranked_step(r, RQ_DROP_ONE,
		    r->hmin, r->hmax, NULL) == -1)
			goto fail;
	}
	return 0;
fail:
	ranked_forget(r);
	return -1;
}

int
ranked_fold(struct ranked *r, int64_t from, int64_t to)
{
	int64_t	 h[2];

	ranked_forget(r);
	if (ranked_step(r, RQ_INSERT, from, to, NULL) == -1)
		return -1;
	/* Nothing above its cut: no cut can move. */
	if (sqlite3_changes(r->db) == 0)
		return 0;
	if (ranked_step(r, RQ_HOURS, from, to, h) == -1)
		return -1;
	if (h[0] < 0 || h[1] < 0)
		return 0;
	return ranked_cut(r, h[0], h[1]);
}

int
ranked_prune(struct ranked *r, int64_t oldest)
{
	int64_t	 hour = oldest / RANKED_HOUR_US;

	ranked_forget(r);
	if (ranked_step(r, RQ_PRUNE_CUTS, hour, 0, NULL) == -1)
		return -1;
	return ranked_step(r, RQ_PRUNE_EXITS, hour, 0, NULL);
}
