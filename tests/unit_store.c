/*
 * unit_store.c: records written through the recorder's own path
 * (store_put_record, the in-memory rollups of src/rollup.c, store_commit
 * and store_rollback) into a real database file, then read back: every
 * row holds exactly the values put, and the minutes and minute_parents
 * tables equal the sums of their SQL definition, the view rollup_rows,
 * both as sql/migrate-2.sql's hand-written fill and as src/sqlbuild.c's.
 * The synthetic set has several struct versions and layouts (fields
 * missing are NULL), threads of multi-threaded processes with their
 * group records, failures, short and long lives, empty, 32-byte and
 * non-ASCII names, times on and around minute boundaries, and many
 * transactions, one of them rolled back.  Then retention cuts inside a
 * minute (store_prune) must leave rows and rollups agreeing, also when a
 * minute too large for one batch goes a batch at a time.
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

/* A Tuesday in 2026, 1 s before a minute ends. */
#define T0		(INT64_C(1796000000) * 1000000 + 59000000)
#define NPROCS		700
#define TXN_RECORDS	97

/* What one record put should read back as. */
struct expect {
	int64_t		 recv_time;
	int		 kind;
	uint32_t	 task_id;
	int64_t		 link_id;	/* 0: NULL */
	uint16_t	 version;
	uint16_t	 size;
	char		 comm[TS_COMM_LEN + 1];
	int64_t		 uid, flag, exitcode, utime, tgetime, read_bytes;
	int		 has_tgetime, has_read;
};

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
	sqlite3		*db;		/* a second connection, to read */
	struct expect	*exp;
	size_t		 nexp;
};

static const char *const comms[] = {
	"make", "cc1", "", "sh", "x\033]0;pwned\007y \xc3\xa9",
	"0123456789abcdef0123456789abcdef",	/* 32 bytes: no NUL */
	"java",
};
/* Struct versions: all fields, the v15 layout, no tgetime, no I/O bytes. */
static const uint16_t versions[] = { 17, 15, 11, 2, 14 };

static void
put_field(struct ts_record *r, const char *name, uint64_t v)
{
	const struct ts_field	*f = must_find(name);
	size_t			 off = ts_field_offset(f, r->version);
	size_t			 w = ts_field_width(f);

	if (!ts_field_present(f, r->version, r->len))
		return;
	if (f->type == FT_COMM) {
		fail_msg("use put_comm for %s", name);
		return;
	}
	/* Host byte order, as the kernel sends it. */
	switch (w) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(r->raw + off, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(r->raw + off, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(r->raw + off, &x, 4); break; }
	default: memcpy(r->raw + off, &v, 8); break;
	}
}

static void
put_comm(struct ts_record *r, const char *comm)
{
	const struct ts_field	*f = must_find("ac_comm");

	memcpy(r->raw + ts_field_offset(f, r->version), comm,
	    strnlen(comm, TS_COMM_LEN));
}

static int
present(const struct ts_record *r, const char *name)
{
	return ts_field_present(must_find(name), r->version, r->len);
}

static void
rec_init(struct ts_record *r, int kind, uint32_t id, uint16_t version)
{
	memset(r, 0, sizeof(*r));
	r->kind = (uint8_t)kind;
	r->task_id = id;
	r->version = version;
	r->size = r->len = (uint16_t)ts_version_size(version);
	put_field(r, "version", version);
}

/* The values of one thread (or group) record; i varies everything. */
static void
rec_fill(struct ts_record *r, struct expect *e, unsigned int i, int end,
    const char *comm, uint32_t ppid)
{
	static const int64_t	 etimes[] = { 5, 999999, 1000000, 1000001,
				    3600000000LL, 0 };
	int64_t			 etime = etimes[i % 6];

	e->uid = i % 3 == 0 ? 0 : 1000 + i % 4;
	e->flag = (end ? TS_AGROUP : 0) | (i % 5 == 0 ? TS_AFORK : 0);
	e->exitcode = i % 4 == 0 ? (i % 8 == 0 ? 9 : 256) : 0;
	e->utime = 17 * i;
	/* The group's life differs from the thread's: tgetime wins. */
	e->tgetime = etimes[(i + 1) % 6];
	e->read_bytes = 4096LL * i;
	put_comm(r, comm);
	put_field(r, "ac_uid", (uint64_t)e->uid);
	put_field(r, "ac_pid", r->task_id);
	put_field(r, "ac_ppid", ppid);
	put_field(r, "ac_flag", (uint64_t)e->flag);
	put_field(r, "ac_exitcode", (uint64_t)e->exitcode);
	put_field(r, "ac_etime", (uint64_t)etime);
	put_field(r, "ac_tgetime", (uint64_t)e->tgetime);
	put_field(r, "ac_utime", (uint64_t)e->utime);
	put_field(r, "ac_stime", 3 * i);
	put_field(r, "hiwater_rss", 100 + (i * 37) % 5000);
	put_field(r, "read_bytes", (uint64_t)e->read_bytes);
	put_field(r, "write_bytes", 512 * i);
	put_field(r, "cpu_delay_total", 1000 * i);
	put_field(r, "blkio_delay_total", 7 * i);
	put_field(r, "swapin_delay_total", i % 2);
	put_field(r, "freepages_delay_total", 11 * i);
	put_field(r, "thrashing_delay_total", 13 * i);
	put_field(r, "compact_delay_total", 19 * i);
	put_field(r, "wpcopy_delay_total", 23 * i);
	put_field(r, "irq_delay_total", 29 * i);
	snprintf(e->comm, sizeof(e->comm), "%.*s", TS_COMM_LEN, comm);
	e->has_tgetime = present(r, "ac_tgetime");
	e->has_read = present(r, "read_bytes");
}

static struct expect *
expect_add(struct fixture *fx)
{
	struct expect	*e;

	if ((fx->nexp & 1023) == 0) {
		e = realloc(fx->exp, (fx->nexp + 1024) * sizeof(*e));
		assert_non_null(e);
		fx->exp = e;
	}
	e = &fx->exp[fx->nexp++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int64_t
put(struct fixture *fx, struct ts_record *r, struct expect *e,
    int64_t recv_time, int64_t link)
{
	int64_t	 rowid = 0;

	e->recv_time = recv_time;
	e->kind = r->kind;
	e->task_id = r->task_id;
	e->link_id = link;
	e->version = r->version;
	e->size = r->size;
	assert_int_equal(store_put_record(fx->st, r, recv_time, link, &rowid),
	    0);
	return rowid;
}

/*
 * NPROCS processes, every third with threads (the last one ending the
 * group, then the group record linked to it), received 250 ms apart from
 * T0 on, across minutes; a few land exactly on a minute's first and last
 * microsecond.  A transaction every TXN_RECORDS records; one is rolled
 * back and its records forgotten.
 */
static void
write_set(struct fixture *fx)
{
	struct ts_record	 r;
	struct expect		*e;
	int64_t			 t, rowid;
	unsigned int		 p, k, nthr, i = 0;
	size_t			 txn_start = 0;
	uint16_t		 v;
	const char		*comm;
	int			 n = 0, rolled = 0;

	assert_int_equal(store_begin(fx->st), 0);
	for (p = 0; p < NPROCS; p++) {
		v = versions[p % (sizeof(versions) / sizeof(versions[0]))];
		comm = comms[p % (sizeof(comms) / sizeof(comms[0]))];
		nthr = p % 3 == 0 ? 1 + p % 4 : 1;
		t = T0 + (int64_t)p * 250000;
		if (p % 50 == 7)
			t = rollup_minute_start(rollup_minute(t) + 1) -
			    (p % 100 == 7);
		for (k = 0; k < nthr; k++, i++) {
			rec_init(&r, TASK_KIND_THREAD, 10000 + p * 8 + k, v);
			e = expect_add(fx);
			rec_fill(&r, e, i, k == nthr - 1, comm, 1 + p % 9);
			rowid = put(fx, &r, e, t, 0);
			n++;
		}
		if (nthr > 1 && v >= 12) {
			rec_init(&r, TASK_KIND_GROUP, 10000 + p * 8, v);
			e = expect_add(fx);
			rec_fill(&r, e, i, 1, comm, 1 + p % 9);
			put(fx, &r, e, t, rowid);
			n++;
		}
		if (n < TXN_RECORDS)
			continue;
		n = 0;
		if (!rolled && p > NPROCS / 2) {
			assert_int_equal(store_rollback(fx->st), 0);
			fx->nexp = txn_start;
			rolled = 1;
		} else
			assert_int_equal(store_commit(fx->st, t), 0);
		txn_start = fx->nexp;
		assert_int_equal(store_begin(fx->st), 0);
	}
	assert_int_equal(store_commit(fx->st, t), 0);
	assert_true(rolled);
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
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/unit_store.XXXXXX");
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
	free(fx->exp);
	free(fx);
	return 0;
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 v;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err != NULL ? err : "?");
}

static void
col_int(sqlite3_stmt *s, int i, int has, int64_t want, size_t row,
    const char *what)
{
	if (!has) {
		if (sqlite3_column_type(s, i) != SQLITE_NULL)
			fail_msg("row %zu: %s should be NULL", row, what);
		return;
	}
	if (sqlite3_column_type(s, i) == SQLITE_NULL ||
	    sqlite3_column_int64(s, i) != want)
		fail_msg("row %zu: %s is %lld, put %lld", row, what,
		    (long long)sqlite3_column_int64(s, i), (long long)want);
}

/* Every row, in id order, holds what was put (and no more rows). */
static void
check_rows(struct fixture *fx)
{
	sqlite3_stmt	*s;
	struct expect	*e;
	const char	*comm;
	size_t		 n = 0;

	if (sqlite3_prepare_v2(fx->db, "SELECT recv_time, kind, task_id, "
	    "link_id, ts_len, version, ac_comm, ac_uid, ac_flag, ac_exitcode, "
	    "ac_utime, ac_tgetime, read_bytes, (SELECT recv_time FROM tasks "
	    "l WHERE l.id = t.link_id) FROM tasks t ORDER BY id", -1, &s,
	    NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(fx->db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_true(n < fx->nexp);
		e = &fx->exp[n];
		col_int(s, 0, 1, e->recv_time, n, "recv_time");
		col_int(s, 1, 1, e->kind, n, "kind");
		col_int(s, 2, 1, e->task_id, n, "task_id");
		/* A group row links to a thread row of the same time. */
		col_int(s, 13, e->link_id != 0, e->recv_time, n, "link");
		col_int(s, 4, 1, e->size, n, "ts_len");
		col_int(s, 5, 1, e->version, n, "version");
		comm = (const char *)sqlite3_column_text(s, 6);
		assert_non_null(comm);
		assert_string_equal(comm, e->comm);
		col_int(s, 7, 1, e->uid, n, "ac_uid");
		col_int(s, 8, 1, e->flag, n, "ac_flag");
		col_int(s, 9, 1, e->exitcode, n, "ac_exitcode");
		col_int(s, 10, 1, e->utime, n, "ac_utime");
		col_int(s, 11, e->has_tgetime, e->tgetime, n, "ac_tgetime");
		col_int(s, 12, e->has_read, e->read_bytes, n, "read_bytes");
		n++;
	}
	sqlite3_finalize(s);
	assert_int_equal(n, fx->nexp);
}

/* The fill statements of sql/migrate-2.sql, written by hand. */
static char *
migrate2_fill(void)
{
	const char	*m, *a, *b;
	char		*sql;

	assert_true(taskacct_nmigrations > 2);
	m = taskacct_migrations[2];
	assert_non_null(a = strstr(m, "-- The rollups of the rows already"));
	assert_non_null(b = strstr(a, "PRAGMA user_version"));
	assert_non_null(sql = strndup(a, (size_t)(b - a)));
	return sql;
}

/*
 * Rows of the daemon's rollups that the fill's differ from, both ways: the
 * fill runs on copies of the tables emptied (in a rolled-back transaction,
 * on the reading connection).
 */
static int64_t
rollup_diff(sqlite3 *db, const char *fill, int64_t from)
{
	char	 sql[1024];
	int64_t	 d;

	exec_ok(db, "BEGIN; CREATE TEMP TABLE dm AS SELECT * FROM minutes; "
	    "CREATE TEMP TABLE dp AS SELECT * FROM minute_parents; "
	    "DELETE FROM minutes; DELETE FROM minute_parents;");
	exec_ok(db, fill);
	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM (SELECT * "
	    "FROM minutes WHERE minute >= %1$lld EXCEPT SELECT * FROM dm)) + "
	    "(SELECT count(*) FROM (SELECT * FROM dm WHERE minute >= %1$lld "
	    "EXCEPT SELECT * FROM minutes)) + (SELECT count(*) FROM (SELECT * "
	    "FROM minute_parents WHERE minute >= %1$lld EXCEPT SELECT * FROM "
	    "dp)) + (SELECT count(*) FROM (SELECT * FROM dp WHERE minute >= "
	    "%1$lld EXCEPT SELECT * FROM minute_parents))", (long long)from);
	d = query_int(db, sql);
	exec_ok(db, "ROLLBACK");	/* the temp tables too */
	return d;
}

/* The rollups of the minutes from "from" on equal their definition. */
static void
check_rollups_from(struct fixture *fx, const char *when, int64_t from)
{
	char	*hand = migrate2_fill(), *built = sql_rollup_fill();

	assert_non_null(built);
	if (rollup_diff(fx->db, hand, from) != 0)
		fail_msg("%s: rollups differ from sql/migrate-2.sql's fill",
		    when);
	if (rollup_diff(fx->db, built, from) != 0)
		fail_msg("%s: rollups differ from sql_rollup_fill()", when);
	free(hand);
	free(built);
}

static void
check_rollups(struct fixture *fx, const char *when)
{
	check_rollups_from(fx, when, INT64_MIN);
}

static void
test_rows_and_rollups(void **state)
{
	struct fixture	*fx = *state;

	write_set(fx);
	check_rows(fx);
	/* The set is what it should be: several minutes, every case. */
	assert_true(query_int(fx->db, "SELECT count(DISTINCT minute) FROM "
	    "minutes") >= 3);
	assert_true(query_int(fx->db, "SELECT count(*) FROM tasks WHERE "
	    "kind = 1") > 10);
	assert_int_equal(query_int(fx->db, "SELECT sum(failed) > 0 AND "
	    "sum(short_procs) > 0 AND sum(procs) < sum(tasks) AND "
	    "count(DISTINCT ac_uid) > 2 AND count(DISTINCT ac_comm) > 5 "
	    "FROM minutes"), 1);
	check_rollups(fx, "after writing");
}

/* The view's minute and short-lived threshold are rollup_def.h's. */
static void
test_constants(void **state)
{
	struct fixture	*fx = *state;
	sqlite3_stmt	*s;
	char		 sql[512];

	/* The text the view and the built statements use. */
	assert_int_equal(strtoll(ROLLUP_MINUTE_SQL, NULL, 10),
	    ROLLUP_MINUTE_US);
	assert_non_null(strstr(taskacct_schema_sql,
	    "recv_time / " ROLLUP_MINUTE_SQL " AS minute"));
	write_set(fx);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM rollup_rows WHERE "
	    "minute <> recv_time / %lld", (long long)ROLLUP_MINUTE_US);
	assert_int_equal(query_int(fx->db, sql), 0);
	/* Each row's minute in C is the view's. */
	assert_int_equal(sqlite3_prepare_v2(fx->db, "SELECT recv_time, minute "
	    "FROM rollup_rows", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		assert_int_equal(rollup_minute(sqlite3_column_int64(s, 0)),
		    sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	snprintf(sql, sizeof(sql), "SELECT (SELECT sum(short_procs) FROM "
	    "rollup_rows) = (SELECT count(*) FROM tasks WHERE kind = 0 AND "
	    "ac_flag & %d AND coalesce(ac_tgetime, ac_etime) < %lld)",
	    TS_AGROUP, (long long)ROLLUP_SHORT_US);
	assert_int_equal(query_int(fx->db, sql), 1);
	/* The set has process ends on both sides of the threshold. */
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT coalesce(ac_tgetime, "
	    "ac_etime)) FROM tasks WHERE kind = 0 AND ac_flag & %d AND "
	    "coalesce(ac_tgetime, ac_etime) IN (%lld, %lld)", TS_AGROUP,
	    (long long)ROLLUP_SHORT_US - 1, (long long)ROLLUP_SHORT_US);
	assert_int_equal(query_int(fx->db, sql), 2);
	assert_true(query_int(fx->db, "SELECT count(*) FROM tasks WHERE "
	    "recv_time % 60000000 IN (0, 59999999)") > 0);
}

/*
 * Retention cuts inside minutes, in small batches: rows go in whole
 * minutes and the rollups left are exactly those of the rows left.
 */
static void
test_prune_mid_minute(void **state)
{
	struct fixture	*fx = *state;
	int64_t		 rows, losses, total = 0, cut, left, oldest;
	int		 i;

	write_set(fx);
	left = query_int(fx->db, "SELECT count(*) FROM tasks");
	for (i = 1; i <= 3; i++) {
		cut = T0 + i * INT64_C(70123457);	/* inside a minute */
		do {
			assert_int_equal(store_prune(fx->st, cut, 50, &rows,
			    &losses), 0);
			total += rows;
		} while (rows >= 50);
		check_rollups(fx, "after a prune");
		assert_int_equal(store_oldest(fx->st, &oldest), 0);
		/* What is left starts at the cut's minute, not at the cut. */
		assert_true(oldest >= rollup_minute_floor(cut));
		assert_true(query_int(fx->db, "SELECT count(*) FROM tasks") ==
		    left - total);
	}
	assert_true(total > 0);
	assert_true(oldest < cut);
	assert_int_equal(store_prune(fx->st, INT64_MAX, 1000000, &rows,
	    &losses), 0);
	assert_int_equal(query_int(fx->db, "SELECT (SELECT count(*) FROM "
	    "tasks) + (SELECT count(*) FROM minutes) + (SELECT count(*) FROM "
	    "minute_parents)"), 0);
}

/*
 * A minute of more than ten batches (a storm) goes a batch at a time: each
 * transaction is bounded, every minute but the oldest row's stays exact
 * all along, and once the pass is through, all of them.
 */
static void
test_prune_storm_minute(void **state)
{
	struct fixture	*fx = *state;
	int64_t		 rows, losses, cut, oldest, calls = 0, left;

	write_set(fx);
	/* About 240 rows a minute: batches of 5 split every minute. */
	cut = T0 + INT64_C(150123457);
	left = query_int(fx->db, "SELECT count(*) FROM tasks");
	do {
		assert_int_equal(store_prune(fx->st, cut, 5, &rows, &losses),
		    0);
		assert_true(rows <= 5 * 10);
		left -= rows;
		calls++;
		assert_int_equal(store_oldest(fx->st, &oldest), 0);
		check_rollups_from(fx, "while a storm minute goes",
		    rollup_minute(oldest) + 1);
	} while (rows >= 5);
	assert_true(calls > 20);
	assert_int_equal(query_int(fx->db, "SELECT count(*) FROM tasks"),
	    left);
	assert_true(oldest >= rollup_minute_floor(cut) && oldest < cut);
	check_rollups(fx, "after a storm minute went");
}

/* The builders' statements fit the schema: the INSERT's columns. */
static void
test_builders(void **state)
{
	struct fixture	*fx = *state;
	sqlite3_stmt	*s;
	char		*sql;

	assert_non_null(sql = sql_task_insert());
	assert_int_equal(sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_parameter_count(s),
	    TM__COUNT + ts_nfields + 1 + TI__COUNT);
	sqlite3_finalize(s);
	free(sql);
	assert_non_null(sql = sql_minutes_upsert());
	assert_int_equal(sqlite3_prepare_v2(fx->db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_parameter_count(s), 3 + RS__COUNT);
	sqlite3_finalize(s);
	free(sql);
	/* minutes: the key, then exactly ROLLUP_SUMS in order. */
	assert_int_equal(query_int(fx->db, "SELECT count(*) FROM "
	    "pragma_table_info('minutes')"), 3 + RS__COUNT);
	assert_int_equal(sqlite3_prepare_v2(fx->db, "SELECT name FROM "
	    "pragma_table_info('minutes') ORDER BY cid LIMIT -1 OFFSET 3", -1,
	    &s, NULL), SQLITE_OK);
	for (size_t i = 0; sqlite3_step(s) == SQLITE_ROW; i++)
		assert_string_equal((const char *)sqlite3_column_text(s, 0),
		    rollup_cols[i].column);
	sqlite3_finalize(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_and_rollups, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_constants, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_mid_minute, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_storm_minute, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_builders, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
