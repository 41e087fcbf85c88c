/*
 * unit_acflag.c: the ac_flag bits of include/taskstats_proto.h and their
 * use in the SQL the build embeds (the files in sql/, where they are written
 * @TS_AGROUP@): a thread row is a process end in the view rollup_rows, and
 * in the rollups the migration to schema 2 fills, exactly when its ac_flag
 * has TS_AGROUP, whatever its other bits.  Run on the schema and on the
 * oldest schema (tests/schema_v1.sql) plus every migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"

#define ALL_BUT_GROUP	(TS_AFORK | TS_ASU | TS_ACORE | TS_AXSIG)

/* Flags of the rows inserted: every bit alone, and mixes. */
static const int64_t flags[] = {
	0, TS_AFORK, TS_ASU, TS_ACORE, TS_AXSIG, ALL_BUT_GROUP, 0x40, 0x80,
	TS_AGROUP, TS_AGROUP | TS_AFORK, TS_AGROUP | TS_AXSIG | TS_ACORE,
	0xff,
};
#define NFLAGS	(sizeof(flags) / sizeof(flags[0]))

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s", err != NULL ? err : sqlite3_errmsg(db));
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

static char *
read_file(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open (run from the repository root)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("%s: cannot read", path);
	fclose(fp);
	return buf;
}

/*
 * One thread row per flag value, row i in minute i, each failed (status
 * 1 << 8), short (0.5 s) and with an RSS, so that every term of the view
 * that depends on AGROUP shows it.
 */
static void
insert_rows(sqlite3 *db)
{
	sqlite3_stmt	*s;
	size_t		 i;

	exec_ok(db, "INSERT INTO runs (id, boot_id, start_time) "
	    "VALUES (1, 'b', 0)");
	if (sqlite3_prepare_v2(db, "INSERT INTO tasks (run_id, recv_time, "
	    "kind, task_id, ts_len, version, ac_flag, ac_exitcode, ac_comm, "
	    "ac_uid, ac_ppid, ac_etime, hiwater_rss) VALUES (1, ?1, 0, ?2, "
	    "560, 16, ?3, 256, 'x', 0, 1, 500000, 100)", -1, &s, NULL) !=
	    SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	for (i = 0; i < NFLAGS; i++) {
		sqlite3_bind_int64(s, 1, (int64_t)i * 60000000 + 1);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_int64(s, 3, flags[i]);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

/* Each row's terms in rollup_rows (and minutes, if filled) by its flag. */
static void
check_rows(sqlite3 *db, int minutes)
{
	char	 sql[256];
	size_t	 i;
	int	 end;

	for (i = 0; i < NFLAGS; i++) {
		end = (flags[i] & TS_AGROUP) != 0;
		snprintf(sql, sizeof(sql), "SELECT procs || failed || "
		    "short_procs || ',' || etime || ',' || rss = '%s' FROM "
		    "rollup_rows WHERE minute = %zu", end ? "111,500000,100" :
		    "000,0,0", i);
		if (query_int(db, sql) != 1)
			fail_msg("rollup_rows: ac_flag 0x%02llx %s a process "
			    "end", (long long)flags[i], end ? "is" : "is not");
		if (!minutes)
			continue;
		snprintf(sql, sizeof(sql), "SELECT procs || failed || "
		    "short_procs || ',' || etime || ',' || rss_sum = '%s' "
		    "FROM minutes WHERE minute = %zu", end ? "111,500000,100" :
		    "000,0,0", i);
		if (query_int(db, sql) != 1)
			fail_msg("minutes: ac_flag 0x%02llx %s a process end",
			    (long long)flags[i], end ? "is" : "is not");
	}
}

static void
test_schema(void **state)
{
	sqlite3	*db;

	(void)state;
	assert_null(strchr(taskacct_schema_sql, '@'));
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec_ok(db, taskacct_schema_sql);
	insert_rows(db);
	check_rows(db, 0);
	sqlite3_close(db);
}

/* Rows of a version 1 database, then the migrations: view and fill. */
static void
test_migrations(void **state)
{
	sqlite3	*db;
	char	*v1;
	size_t	 v;

	(void)state;
	v1 = read_file("tests/schema_v1.sql");
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec_ok(db, v1);
	insert_rows(db);
	for (v = 2; v <= TASKACCT_SCHEMA_VERSION; v++) {
		assert_true(v < taskacct_nmigrations);
		assert_null(strchr(taskacct_migrations[v], '@'));
		exec_ok(db, taskacct_migrations[v]);
	}
	check_rows(db, 1);
	sqlite3_close(db);
	free(v1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_migrations),
	};

	return cmocka_run_group_tests_name("unit_acflag", tests, NULL, NULL);
}
