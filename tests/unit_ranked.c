/*
 * unit_ranked.c: the per-hour top-K candidates (ranked_cuts, ranked_exits)
 * as the recorder keeps them (store_put_record, src/ranked.c's cuts held in
 * memory, SQL only for the rows above a cut) equal the fill of
 * sql/migrate-4.sql computed from the rows, after every commit of random
 * transactions: rows in time order with some arriving late into older
 * hours (past the hours memory holds), ties, NULLs (older struct versions
 * without the delay fields), values SQLite sums into a REAL, impossible
 * delays; transactions rolled back; the
 * store closed and opened again (memory empty, the cuts read back); and
 * retention passes (store_prune) forgetting the oldest hours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "decode.h"
#include "fields.h"
#include "ranked.h"
#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"
#include "unit.h"

/* 2026-11-30 20:00:00 UTC, an hour's start. */
#define T0		(INT64_C(1796068800) * 1000000)
#define HOUR_US		RANKED_HOUR_US
#define NTXN		400

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
	sqlite3		*db;		/* a second connection, to compare */
	uint64_t	 rng;
	char		*fill;		/* the fill of migrate-4.sql */
	unsigned int	 task;
	int		 huge;		/* values past int64 (no retention) */
};

static uint64_t
rnd(struct fixture *fx)
{
	fx->rng ^= fx->rng << 13;
	fx->rng ^= fx->rng >> 7;
	fx->rng ^= fx->rng << 17;
	return fx->rng;
}

static void
put_field(struct ts_record *r, const char *name, uint64_t v)
{
	const struct ts_field	*f = must_find(name);
	size_t			 off = ts_field_offset(f, r->version);

	if (!ts_field_present(f, r->version, r->len))
		return;
	switch (ts_field_width(f)) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(r->raw + off, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(r->raw + off, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(r->raw + off, &x, 4); break; }
	default: memcpy(r->raw + off, &v, 8); break;
	}
}

/* A value: mostly few distinct (ties), some large, a few past int64. */
static uint64_t
val(struct fixture *fx, uint64_t range)
{
	uint64_t	 x = rnd(fx);

	switch (fx->huge ? x % 50 : 2 + x % 48) {
	case 0:
		return UINT64_MAX - x % 3;	/* a negative int64 */
	case 1:
		return INT64_MAX - x % 2;	/* sums overflow */
	case 2:
	case 3:
		return (x >> 8) % (range * 1000 + 1);
	default:
		return (x >> 8) % (range + 1);
	}
}

/* The fields the measures read, and the range of their common values. */
static const struct {
	const char	*name;
	uint64_t	 range;
} rank_fields[] = {
	{ "ac_etime", 40 }, { "ac_utime", 30 }, { "ac_stime", 5 },
	{ "hiwater_rss", 60 }, { "read_bytes", 20 }, { "write_bytes", 3 },
	{ "nvcsw", 10 }, { "nivcsw", 10 },
	/* some beyond ac_etime * 1010 + 1000000: impossible, NULL */
	{ "cpu_delay_total", 2000000 }, { "blkio_delay_total", 8 },
	{ "swapin_delay_total", 1 }, { "freepages_delay_total", 4 },
	{ "thrashing_delay_total", 2 }, { "compact_delay_total", 1 },
	{ "wpcopy_delay_total", 3 }, { "irq_delay_total", 6 },
};
#define NRANK_FIELDS	(sizeof(rank_fields) / sizeof(rank_fields[0]))

/*
 * Half the rows are quiet: one field varies, the others are 0, so that
 * a row passes one cut alone (a row passing any goes through SQL for
 * every measure, which would hide a measure compared wrong in memory).
 */
static void
rec_make(struct fixture *fx, struct ts_record *r)
{
	static const uint16_t	 versions[] = { 17, 15, 11, 8 };
	const struct ts_field	*f = must_find("ac_comm");
	uint16_t		 v = versions[rnd(fx) % 4];
	size_t			 i, one = rnd(fx) % (NRANK_FIELDS * 2);

	memset(r, 0, sizeof(*r));
	r->kind = rnd(fx) % 8 ? TASK_KIND_THREAD : TASK_KIND_GROUP;
	r->task_id = ++fx->task;
	r->version = v;
	r->size = r->len = (uint16_t)ts_version_size(v);
	put_field(r, "version", v);
	memcpy(r->raw + ts_field_offset(f, v), "w", 1);
	put_field(r, "ac_pid", r->task_id);
	put_field(r, "ac_exitcode", rnd(fx) % 9 == 0 ? 256 : 0);
	for (i = 0; i < NRANK_FIELDS; i++)
		if (one >= NRANK_FIELDS || one == i)
			put_field(r, rank_fields[i].name,
			    val(fx, rank_fields[i].range));
}

static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char	*e = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
		fail_msg("%s: %s", sql, e);
}

/*
 * The rows of the tables differing from the fill's, hours after `after`:
 * the fill runs in a savepoint of the second connection, rolled back.
 */
static int64_t
differing(struct fixture *fx, int64_t after)
{
	char	 sql[1024];
	int64_t	 n;

	exec_ok(fx->db, "SAVEPOINT f; CREATE TEMP TABLE gc AS SELECT * FROM "
	    "ranked_cuts; CREATE TEMP TABLE ge AS SELECT * FROM ranked_exits; "
	    "DELETE FROM ranked_cuts; DELETE FROM ranked_exits");
	exec_ok(fx->db, fx->fill);
	snprintf(sql, sizeof(sql), "SELECT "
	    "(SELECT count(*) FROM (SELECT * FROM gc WHERE hour > %1$lld "
	    "EXCEPT SELECT * FROM ranked_cuts)) + "
	    "(SELECT count(*) FROM (SELECT * FROM ranked_cuts WHERE hour > "
	    "%1$lld EXCEPT SELECT * FROM gc)) + "
	    "(SELECT count(*) FROM (SELECT * FROM ge WHERE hour > %1$lld "
	    "EXCEPT SELECT * FROM ranked_exits)) + "
	    "(SELECT count(*) FROM (SELECT * FROM ranked_exits WHERE hour > "
	    "%1$lld EXCEPT SELECT * FROM ge))", (long long)after);
	n = q_int(fx->db, sql);
	exec_ok(fx->db, "ROLLBACK TO f; RELEASE f");
	return n;
}

static int
setup(void **state)
{
	struct fixture	*fx;
	struct run_info	 ri = { "boot", "host", "6.18", "0-1", 1 << 20, 1,
			    T0 };
	const char	*m = taskacct_migrations[4], *a, *b;
	char		 err[256];

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->rng = 0x2545f4914f6cdd1dULL;
	if ((a = strstr(m, "-- ranked: fill.")) == NULL ||
	    (b = strstr(a, "-- ranked: end.")) == NULL ||
	    (fx->fill = strndup(a, (size_t)(b - a))) == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/unit_ranked.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	if ((fx->st = store_open(fx->path, err, sizeof(err))) == NULL) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	if (store_run_begin(fx->st, &ri) == -1 ||
	    sqlite3_open_v2(fx->path, &fx->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 p[128];

	sqlite3_close(fx->db);
	store_close(fx->st);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx->fill);
	free(fx);
	return 0;
}

/*
 * NTXN transactions of 1 to 60 rows (a few of 600), the clock moving a
 * quarter of an hour every 40 or so; one row in 12 from 1 to 7 hours back.
 * Every 50th rolls back; every 90th, the store is closed and opened again;
 * every 130th, a retention pass (not with values past int64: the rollups'
 * sums of them overflow).  Every 25th is compared with the fill.
 */
static void
ranked_exact(struct fixture *fx)
{
	struct ts_record r;
	struct run_info	 ri = { "boot", "host", "6.18", "0-1", 1 << 20, 1,
			    T0 };
	int64_t		 now = T0, t, rowid, rows, losses, after = -1, oldest, d;
	unsigned int	 i, j, n;
	char		 err[256];

	for (i = 1; i <= NTXN; i++) {
		n = 1 + (unsigned int)(rnd(fx) % (i % 17 == 0 ? 600 : 60));
		assert_int_equal(store_begin(fx->st), 0);
		for (j = 0; j < n; j++) {
			now += (int64_t)(rnd(fx) % 40000000);
			t = now;
			if (rnd(fx) % 12 == 0)
				t -= (int64_t)(1 + rnd(fx) % 7) * HOUR_US;
			rec_make(fx, &r);
			assert_int_equal(store_put_record(fx->st, &r, t, 0,
			    &rowid), 0);
		}
		if (i % 50 == 0)	/* lost: memory must forget them */
			assert_int_equal(store_rollback(fx->st), 0);
		else
			assert_int_equal(store_commit(fx->st, now), 0);
		if (i % 90 == 0) {
			store_close(fx->st);
			assert_non_null(fx->st = store_open(fx->path, err,
			    sizeof(err)));
			assert_int_equal(store_run_begin(fx->st, &ri), 0);
		}
		if (i % 130 == 0 && !fx->huge) {
			if (store_prune(fx->st, now - 5 * HOUR_US, 1000,
			    &rows, &losses) != 0)
				fail_msg("store_prune: %s",
				    store_errmsg(fx->st));
			assert_int_equal(store_oldest(fx->st, &oldest), 0);
			after = (now - 5 * HOUR_US) / HOUR_US;
			if (oldest / HOUR_US < after)
				after = oldest / HOUR_US;
			assert_int_equal(q_int(fx->db, "SELECT count(*) FROM "
			    "ranked_cuts") > 0, 1);
		}
		if ((i % 25 == 0 || i == NTXN) &&
		    (d = differing(fx, after)) != 0)
			fail_msg("after transaction %u: %lld rows differ from "
			    "the fill", i, (long long)d);
	}
	/* Cuts above 0 and cuts tied at 0 (most measures of quiet rows). */
	assert_true(q_int(fx->db, "SELECT count(*) FROM ranked_cuts WHERE "
	    "value > 0") > 0);
	assert_true(q_int(fx->db, "SELECT count(*) FROM ranked_cuts WHERE "
	    "value = 0") > 10);
}

static void
test_ranked_exact(void **state)
{
	ranked_exact(*state);
}

static void
test_ranked_huge(void **state)
{
	struct fixture	*fx = *state;

	fx->huge = 1;
	ranked_exact(fx);
	assert_true(q_int(fx->db, "SELECT count(*) FROM ranked_exits WHERE "
	    "typeof(value) = 'real'") > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ranked_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ranked_huge, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
