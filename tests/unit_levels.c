/*
 * unit_levels.c: the hour and day levels of the rollups (hours, days,
 * hour_parents, day_parents) as the recorder keeps them (store_put_record,
 * src/rollup.c's fold at commit, src/store_levels.c), written into a real
 * database file through random transactions across three days: they equal
 * the sums of the view rollup_rows by hour and day, and the fills of
 * sql/migrate-4.sql (by hand) and src/sqlbuild.c (gendb's) from the
 * minutes.  Then retention (store_prune) cuts inside hours and days, in
 * whole minutes and a storm's minute a batch at a time, and the levels
 * must stay those sums: every hour and day after the oldest row's exactly
 * the view's, that one the sum of the minutes kept.
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
#include "rollup_def.h"
#include "sqlbuild.h"
#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"
#include "unit.h"

/* 2026-11-30 22:59:30 UTC: a day's last hour, 30 s before it ends. */
#define T0		(INT64_C(1796079570) * 1000000)
#define SPAN_US		(INT64_C(3) * 86400 * 1000000)
#define NRECORDS	6000
/* A storm: 300 records in 20 s of one minute, this long after T0. */
#define BURST_US	((INT64_C(49) * 3600 + 1800) * 1000000)
#define BURST_N		300

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
	sqlite3		*db;		/* a second connection, to read */
	uint64_t	 rng;
};

static const char *const comms[] = {
	"make", "cc1", "", "sh", "x\033]0;y \xc3\xa9", "java",
	"0123456789abcdef0123456789abcdef",
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

/* A thread record of varied values; about half end their process. */
static void
rec_make(struct fixture *fx, struct ts_record *r, unsigned int i)
{
	static const uint16_t	 versions[] = { 17, 15, 11 };
	const struct ts_field	*f = must_find("ac_comm");
	const char		*comm = comms[rnd(fx) % 7];
	uint16_t		 v = versions[i % 3];
	uint64_t		 x = rnd(fx);

	memset(r, 0, sizeof(*r));
	r->kind = TASK_KIND_THREAD;
	r->task_id = 1000 + i;
	r->version = v;
	r->size = r->len = (uint16_t)ts_version_size(v);
	put_field(r, "version", v);
	memcpy(r->raw + ts_field_offset(f, v), comm, strnlen(comm,
	    TS_COMM_LEN));
	put_field(r, "ac_uid", x % 3 == 0 ? 0 : 1000 + x % 4);
	put_field(r, "ac_pid", r->task_id);
	put_field(r, "ac_ppid", 1 + (x >> 8) % 23);
	put_field(r, "ac_flag", (x >> 16) % 2 ? TS_AGROUP : 0);
	put_field(r, "ac_exitcode", (x >> 17) % 5 == 0 ? 256 : 0);
	put_field(r, "ac_etime", (x >> 20) % 3000000);
	put_field(r, "ac_tgetime", (x >> 24) % 3000000);
	put_field(r, "ac_utime", (x >> 28) % 100000);
	put_field(r, "ac_stime", (x >> 32) % 1000);
	put_field(r, "hiwater_rss", (x >> 36) % 50000);
	put_field(r, "read_bytes", (x >> 40) % 1000000);
	put_field(r, "write_bytes", (x >> 44) % 1000);
	put_field(r, "cpu_delay_total", (x >> 10) % 2000000000);
	put_field(r, "blkio_delay_total", (x >> 12) % 100000);
	put_field(r, "irq_delay_total", (x >> 14) % 100);
}

/*
 * NRECORDS thread records at random times over three days, in time order
 * (as received), a few exactly on a minute's, hour's or day's first or
 * last microsecond, BURST_N in one minute; transactions of 1 to 400 records, so that some span
 * hour and day boundaries.
 */
static void
write_set(struct fixture *fx)
{
	struct ts_record	 r;
	int64_t			*t, rowid, x;
	unsigned int		 i, n = 0, txn = 1;

	assert_non_null(t = calloc(NRECORDS, sizeof(*t)));
	for (i = 0; i < NRECORDS; i++)
		t[i] = T0 + (int64_t)(rnd(fx) % (uint64_t)SPAN_US);
	for (i = NRECORDS / 2; i < NRECORDS / 2 + BURST_N; i++)
		t[i] = T0 + BURST_US + (int64_t)(i % 20) * 1000000;
	for (i = 0; i < NRECORDS; i += 97) {
		x = t[i] / (3600 * INT64_C(1000000)) * 3600 * 1000000;
		t[i] = i % 2 ? x : x - 1;
		if (i % 3 == 0)
			t[i] = t[i] / (86400 * INT64_C(1000000)) * 86400 *
			    1000000 - (i % 2);
	}
	for (i = 1; i < NRECORDS; i++)		/* insertion sort: small */
		for (n = i; n > 0 && t[n - 1] > t[n]; n--) {
			x = t[n];
			t[n] = t[n - 1];
			t[n - 1] = x;
		}
	assert_int_equal(store_begin(fx->st), 0);
	for (i = 0, n = 0; i < NRECORDS; i++) {
		rec_make(fx, &r, i);
		assert_int_equal(store_put_record(fx->st, &r, t[i], 0, &rowid),
		    0);
		if (++n < txn)
			continue;
		assert_int_equal(store_commit(fx->st, t[i]), 0);
		assert_int_equal(store_begin(fx->st), 0);
		n = 0;
		txn = 1 + rnd(fx) % 400;
	}
	assert_int_equal(store_commit(fx->st, t[NRECORDS - 1]), 0);
	free(t);
}

static int
setup(void **state)
{
	struct fixture	*fx;
	struct run_info	 ri = { "boot", "host", "6.18", "0-1", 1 << 20, 1,
			    T0 };
	char		 err[256];

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->rng = 0x9e3779b97f4a7c15ULL;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/unit_levels.XXXXXX");
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
	free(fx);
	return 0;
}

static int64_t
query_int(sqlite3 *db, const char *sql)
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
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* The levels' fill of sql/migrate-4.sql, written by hand. */
static char *
migrate4_fill(void)
{
	const char	*m, *a, *b;
	char		*sql, *t;

	assert_true(taskacct_nmigrations > 4);
	m = taskacct_migrations[4];
	assert_non_null(a = strstr(m, "-- levels: the hours and days of the "
	    "rollups already there"));
	assert_non_null(b = strstr(a, "\n\n"));
	assert_non_null(sql = strndup(a, (size_t)(b - a)));
	/* and the totals, as sql/migrate-5.sql fills them (levels2) */
	assert_true(taskacct_nmigrations > 5);
	m = taskacct_migrations[5];
	assert_non_null(a = strstr(m, "-- levels2: fill."));
	assert_non_null(b = strstr(a, "-- levels2: end."));
	assert_true(asprintf(&t, "%s;\n%.*s", sql, (int)(b - a), a) != -1);
	free(sql);
	return t;
}

static const char *const level_tables[] = {
	"hours", "days", "hour_parents", "day_parents",
	"minute_totals", "hour_totals", "day_totals", "hour_commands",
	"day_commands",
};
#define NLEVEL_TABLES	(sizeof(level_tables) / sizeof(level_tables[0]))

/*
 * Rows of the daemon's levels that differ from the fill's, both ways: the
 * fill runs on the tables emptied, in a rolled-back transaction.
 */
static int64_t
fill_diff(sqlite3 *db, const char *fill)
{
	char	 sql[512];
	int64_t	 d = 0;
	size_t	 i;

	exec_ok(db, "BEGIN");
	for (i = 0; i < NLEVEL_TABLES; i++) {
		snprintf(sql, sizeof(sql), "CREATE TEMP TABLE d%zu AS SELECT * "
		    "FROM %s; DELETE FROM %s", i, level_tables[i],
		    level_tables[i]);
		exec_ok(db, sql);
	}
	exec_ok(db, fill);
	for (i = 0; i < NLEVEL_TABLES; i++) {
		snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM "
		    "(SELECT * FROM %1$s EXCEPT SELECT * FROM d%2$zu)) + "
		    "(SELECT count(*) FROM (SELECT * FROM d%2$zu EXCEPT "
		    "SELECT * FROM %1$s))", level_tables[i], i);
		d += query_int(db, sql);
	}
	exec_ok(db, "ROLLBACK");
	return d;
}

/*
 * Rows of a level (hours or days, per minutes a unit) after unit "after"
 * that differ from the view's sums, both ways.
 */
static int64_t
view_diff(sqlite3 *db, const char *table, const char *key, int per,
    int64_t after)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0, i;
	int64_t	 d;

	assert_non_null(fp = open_memstream(&sql, &len));
	fprintf(fp, "WITH v AS (SELECT minute / %d AS k, ac_comm, ac_uid", per);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(fp, ", %s(coalesce(%s, 0))",
		    rollup_cols[i].agg == ROLLUP_AGG_MAX ? "max" : "sum",
		    rollup_cols[i].term);
	fprintf(fp, " FROM rollup_rows GROUP BY 1, 2, 3), d AS (SELECT * FROM "
	    "%s WHERE %s > %lld) SELECT (SELECT count(*) FROM (SELECT * FROM "
	    "v WHERE k > %lld EXCEPT SELECT * FROM d)) + (SELECT count(*) "
	    "FROM (SELECT * FROM d EXCEPT SELECT * FROM v))", table, key,
	    (long long)after, (long long)after);
	assert_int_equal(fclose(fp), 0);
	d = query_int(db, sql);
	free(sql);
	/* And the parents: procs, short_procs, first and last minute. */
	assert_non_null(fp = open_memstream(&sql, &len));
	fprintf(fp, "WITH v AS (SELECT minute / %1$d AS k, ac_ppid, count(*), "
	    "sum(coalesce(short_procs, 0)), min(minute), max(minute) FROM "
	    "rollup_rows WHERE procs GROUP BY 1, 2), d AS (SELECT * FROM "
	    "%2$s_parents WHERE %3$s > %4$lld) SELECT (SELECT count(*) FROM "
	    "(SELECT * FROM v WHERE k > %4$lld EXCEPT SELECT * FROM d)) + "
	    "(SELECT count(*) FROM (SELECT * FROM d EXCEPT SELECT * FROM v))",
	    per, key, key, (long long)after);
	assert_int_equal(fclose(fp), 0);
	d += query_int(db, sql);
	free(sql);
	return d;
}

/*
 * Rows of a totals table (per minutes a unit) after unit "after" that
 * differ from the view's sums over every command and user, both ways.
 */
static int64_t
totals_diff(sqlite3 *db, const char *table, const char *key, int per,
    int64_t after)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0, i;
	int64_t	 d;

	assert_non_null(fp = open_memstream(&sql, &len));
	fprintf(fp, "WITH v AS (SELECT minute / %d AS k", per);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(fp, ", %s(coalesce(%s, 0))",
		    rollup_cols[i].agg == ROLLUP_AGG_MAX ? "max" : "sum",
		    rollup_cols[i].term);
	fprintf(fp, " FROM rollup_rows GROUP BY 1), d AS (SELECT * FROM "
	    "%s WHERE %s > %lld) SELECT (SELECT count(*) FROM (SELECT * FROM "
	    "v WHERE k > %lld EXCEPT SELECT * FROM d)) + (SELECT count(*) "
	    "FROM (SELECT * FROM d EXCEPT SELECT * FROM v))", table, key,
	    (long long)after, (long long)after);
	assert_int_equal(fclose(fp), 0);
	d = query_int(db, sql);
	free(sql);
	return d;
}

/* The same for hour_commands or day_commands: per command. */
static int64_t
commands_diff(sqlite3 *db, const char *table, const char *key, int per,
    int64_t after)
{
	char	 sql[1024];

	snprintf(sql, sizeof(sql), "WITH v AS (SELECT minute / %d AS k, "
	    "ac_comm, count(*) FILTER (WHERE procs), "
	    "sum(coalesce(short_procs, 0)) FROM rollup_rows GROUP BY 1, 2), "
	    "d AS (SELECT * FROM %s WHERE %s > %lld) SELECT (SELECT count(*) "
	    "FROM (SELECT * FROM v WHERE k > %lld EXCEPT SELECT * FROM d)) + "
	    "(SELECT count(*) FROM (SELECT * FROM d EXCEPT SELECT * FROM v))",
	    per, table, key, (long long)after, (long long)after);
	return query_int(db, sql);
}

/*
 * The levels equal the fills from the minutes, and every hour and day
 * after the oldest row's the view's sums (that one: the minutes kept,
 * which a storm's minute pruned a batch at a time still counts whole).
 */
static void
check_levels(struct fixture *fx, const char *when)
{
	char	*hand = migrate4_fill(), *built = sql_levels_fill();
	int64_t	 oldest, m;

	assert_non_null(built);
	if (fill_diff(fx->db, hand) != 0)
		fail_msg("%s: levels differ from the migrations' fills",
		    when);
	if (fill_diff(fx->db, built) != 0)
		fail_msg("%s: levels differ from sql_levels_fill()", when);
	free(hand);
	free(built);
	assert_int_equal(store_oldest(fx->st, &oldest), 0);
	m = oldest < 0 ? -1 : rollup_minute(oldest);
	if (view_diff(fx->db, "hours", "hour", ROLLUP_HOUR_MINUTES,
	    m < 0 ? -1 : m / ROLLUP_HOUR_MINUTES) != 0)
		fail_msg("%s: hours differ from the view's sums", when);
	if (view_diff(fx->db, "days", "day", ROLLUP_DAY_MINUTES,
	    m < 0 ? -1 : m / ROLLUP_DAY_MINUTES) != 0)
		fail_msg("%s: days differ from the view's sums", when);
	if (totals_diff(fx->db, "minute_totals", "minute", 1, m) != 0)
		fail_msg("%s: minute_totals differ from the view's sums", when);
	if (totals_diff(fx->db, "hour_totals", "hour", ROLLUP_HOUR_MINUTES,
	    m < 0 ? -1 : m / ROLLUP_HOUR_MINUTES) != 0)
		fail_msg("%s: hour_totals differ from the view's sums", when);
	if (totals_diff(fx->db, "day_totals", "day", ROLLUP_DAY_MINUTES,
	    m < 0 ? -1 : m / ROLLUP_DAY_MINUTES) != 0)
		fail_msg("%s: day_totals differ from the view's sums", when);
	if (commands_diff(fx->db, "hour_commands", "hour",
	    ROLLUP_HOUR_MINUTES, m < 0 ? -1 : m / ROLLUP_HOUR_MINUTES) != 0)
		fail_msg("%s: hour_commands differ from the view's sums", when);
	if (commands_diff(fx->db, "day_commands", "day", ROLLUP_DAY_MINUTES,
	    m < 0 ? -1 : m / ROLLUP_DAY_MINUTES) != 0)
		fail_msg("%s: day_commands differ from the view's sums", when);
}

static void
test_levels_exact(void **state)
{
	struct fixture	*fx = *state;

	write_set(fx);
	/* The set spans what it should: days, hours, every case. */
	assert_int_equal(query_int(fx->db, "SELECT count(*) FROM days"), 0 +
	    query_int(fx->db, "SELECT count(*) FROM (SELECT DISTINCT day, "
	    "ac_comm, ac_uid FROM days)"));
	assert_true(query_int(fx->db, "SELECT count(DISTINCT day) FROM days")
	    >= 3);
	assert_true(query_int(fx->db, "SELECT count(DISTINCT hour) FROM "
	    "hours") >= 60);
	assert_true(query_int(fx->db, "SELECT sum(failed) FROM days") > 0);
	assert_true(query_int(fx->db, "SELECT count(*) FROM hours WHERE "
	    "rss_max > 0 AND rss_max < rss_sum") > 0);
	/* Whole: every thread row once, at each level. */
	assert_int_equal(query_int(fx->db, "SELECT sum(tasks) FROM days"),
	    NRECORDS);
	assert_int_equal(query_int(fx->db, "SELECT sum(tasks) FROM hours"),
	    NRECORDS);
	assert_int_equal(query_int(fx->db, "SELECT (SELECT sum(procs) FROM "
	    "day_parents) = (SELECT sum(procs) FROM days)"), 1);
	check_levels(fx, "after writing");
}

/*
 * Retention at cuts inside an hour and inside a day, in small batches,
 * then a storm's minute a batch at a time (batches of 2 split minutes).
 */
static void
test_levels_prune(void **state)
{
	struct fixture	*fx = *state;
	static const int64_t cuts[] = {
		INT64_C(1234567890),		/* inside the first day */
		INT64_C(30) * 3600 * 1000000 + 7,	/* the second day */
	};
	int64_t		 rows, losses, cut, oldest;
	size_t		 i;

	write_set(fx);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cut = T0 + cuts[i];
		do
			assert_int_equal(store_prune(fx->st, cut, 40, &rows,
			    &losses), 0);
		while (rows > 0);
		check_levels(fx, "after a prune");
	}
	/* Into the storm's minute, until part of its rows are gone. */
	cut = T0 + BURST_US + 40 * INT64_C(1000000);
	do {
		assert_int_equal(store_prune(fx->st, cut, 2, &rows, &losses),
		    0);
		assert_int_equal(store_oldest(fx->st, &oldest), 0);
	} while (rows > 0 && oldest < T0 + BURST_US);
	assert_int_equal(store_prune(fx->st, cut, 2, &rows, &losses), 0);
	assert_int_equal(store_oldest(fx->st, &oldest), 0);
	assert_true(rows > 0 &&
	    rollup_minute(oldest) == rollup_minute(T0 + BURST_US));
	/* Its minute's rollups count rows that are gone. */
	assert_true(query_int(fx->db, "SELECT (SELECT sum(tasks) FROM minutes "
	    "WHERE minute = (SELECT min(minute) FROM minutes)) > (SELECT "
	    "count(*) FROM tasks WHERE recv_time / 60000000 = (SELECT "
	    "min(minute) FROM minutes))") == 1);
	check_levels(fx, "while a storm minute goes");
	do
		assert_int_equal(store_prune(fx->st, cut, 2, &rows, &losses),
		    0);
	while (rows > 0);
	check_levels(fx, "after a storm minute went");
	assert_int_equal(store_prune(fx->st, INT64_MAX, 1000000, &rows,
	    &losses), 0);
	assert_int_equal(query_int(fx->db, "SELECT (SELECT count(*) FROM "
	    "hours) + (SELECT count(*) FROM days) + (SELECT count(*) FROM "
	    "hour_parents) + (SELECT count(*) FROM day_parents) + (SELECT "
	    "count(*) FROM minute_totals) + (SELECT count(*) FROM "
	    "hour_totals) + (SELECT count(*) FROM day_totals) + (SELECT "
	    "count(*) FROM hour_commands) + (SELECT count(*) FROM "
	    "day_commands)"), 0);
}

/* The builders' statements fit the tables. */
static void
test_level_builders(void **state)
{
	struct fixture	*fx = *state;
	sqlite3_stmt	*s;
	char		*sql;

	assert_non_null(sql = sql_level_upsert("hours", "hour"));
	assert_int_equal(sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_parameter_count(s), 3 + RS__COUNT);
	sqlite3_finalize(s);
	free(sql);
	assert_int_equal(query_int(fx->db, "SELECT count(*) FROM "
	    "pragma_table_info('days')"), 3 + RS__COUNT);
	assert_int_equal(query_int(fx->db, "SELECT count(*) FROM (SELECT name "
	    "FROM pragma_table_info('minutes') WHERE cid >= 3 EXCEPT SELECT "
	    "name FROM pragma_table_info('hours'))"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_levels_prune, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_level_builders, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
