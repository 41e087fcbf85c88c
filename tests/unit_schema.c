/*
 * unit_schema.c: sql/schema.sql (embedded as taskacct_schema_sql) applied to
 * an in-memory database and checked against the field table and the shared
 * constants: the tasks columns between ts_len and tail are exactly
 * ts_fields[] in order, with the right types; the PRAGMA markers; the runs
 * and losses tables; and the generated exit_code/exit_signal/core_dumped.
 * Also that the oldest schema (tests/schema_v1.sql, as released) plus every
 * migration in sql/migrate-N.sql gives exactly sql/schema.sql.
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

#include "fields.h"
#include "store.h"
#include "taskacct.h"

#define MAX_COLS	256

struct col {
	char	 name[64];
	char	 type[32];
	int	 notnull;
	int	 pk;
	int	 hidden;	/* table_xinfo: 2, 3 = generated */
};

static int
setup_db(void **state)
{
	sqlite3	*db;
	char	*err = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(db, taskacct_schema_sql, NULL, NULL, &err) !=
	    SQLITE_OK) {
		print_error("schema: %s\n", err != NULL ? err : "?");
		sqlite3_free(err);
		sqlite3_close(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int
teardown_db(void **state)
{
	sqlite3_close(*state);
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

/* The columns of a table, generated ones included (table_xinfo). */
static size_t
get_cols(sqlite3 *db, const char *table, struct col *cols)
{
	sqlite3_stmt	*s;
	char		 sql[128];
	size_t		 n = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_xinfo(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);
		const char *type = (const char *)sqlite3_column_text(s, 2);

		assert_true(n < MAX_COLS);
		snprintf(cols[n].name, sizeof(cols[n].name), "%s",
		    name != NULL ? name : "");
		snprintf(cols[n].type, sizeof(cols[n].type), "%s",
		    type != NULL ? type : "");
		cols[n].notnull = sqlite3_column_int(s, 3);
		cols[n].pk = sqlite3_column_int(s, 5);
		cols[n].hidden = sqlite3_column_int(s, 6);
		n++;
	}
	sqlite3_finalize(s);
	return n;
}

static size_t
col_index(const struct col *cols, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return i;
	fail_msg("no column %s", name);
	return 0;
}

/* Exactly these plain columns, in this order (generated ones ignored). */
static void
check_plain_cols(sqlite3 *db, const char *table, const char *const *want,
    size_t nwant)
{
	static struct col	 cols[MAX_COLS];
	size_t			 n, i, j = 0;

	n = get_cols(db, table, cols);
	for (i = 0; i < n; i++) {
		if (cols[i].hidden != 0)
			continue;
		if (j >= nwant)
			fail_msg("%s: unexpected column %s", table,
			    cols[i].name);
		assert_string_equal(cols[i].name, want[j]);
		j++;
	}
	assert_int_equal(j, nwant);
}

static void
test_pragmas(void **state)
{
	sqlite3	*db = *state;

	assert_int_equal(query_int(db, "PRAGMA user_version"),
	    TASKACCT_SCHEMA_VERSION);
	assert_int_equal(query_int(db, "PRAGMA application_id"),
	    TASKACCT_APPLICATION_ID);
	/* 'TACT' */
	assert_int_equal(TASKACCT_APPLICATION_ID, 0x54414354);
}

/* Between ts_len and tail: ts_fields[] names in order, typed by field. */
static void
test_tasks_columns(void **state)
{
	static const char *const head[] = { "id", "run_id", "recv_time",
	    "kind", "task_id", "link_id", "ts_len" };
	static const char *const added[] = { "sampled", "args_id", "exe_id",
	    "cgroup_id", "ident_src" };
	static struct col	 cols[MAX_COLS];
	sqlite3			*db = *state;
	size_t			 n, i, j, first, tail;

	n = get_cols(db, "tasks", cols);
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		assert_string_equal(cols[i].name, head[i]);
		assert_string_equal(cols[i].type, "INTEGER");
		assert_int_equal(cols[i].hidden, 0);
	}
	assert_int_equal(cols[0].pk, 1);
	for (i = 1; i < 5; i++)			/* run_id .. task_id */
		assert_int_equal(cols[i].notnull, 1);
	assert_int_equal(cols[6].notnull, 1);	/* ts_len */

	first = col_index(cols, n, "ts_len") + 1;
	tail = col_index(cols, n, "tail");
	assert_int_equal(tail - first, ts_nfields);
	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field	*f = &ts_fields[i];
		const struct col	*c = &cols[first + i];

		if (strcmp(c->name, f->name) != 0)
			fail_msg("column %zu is %s, field table says %s",
			    first + i, c->name, f->name);
		assert_string_equal(c->type,
		    f->type == FT_COMM ? "TEXT" : "INTEGER");
		/* Absent fields are NULL: no NOT NULL, no hidden default. */
		assert_int_equal(c->notnull, 0);
		assert_int_equal(c->hidden, 0);
	}
	assert_string_equal(cols[tail].type, "BLOB");
	/*
	 * After tail: the generated columns, then the plain ones version 3
	 * added (ALTER TABLE appends), in this order.
	 */
	for (i = tail + 1; i < n && (cols[i].hidden == 2 ||
	    cols[i].hidden == 3); i++)
		;
	for (j = 0; j < sizeof(added) / sizeof(added[0]); j++, i++) {
		assert_true(i < n);
		assert_string_equal(cols[i].name, added[j]);
		assert_string_equal(cols[i].type, "INTEGER");
		assert_int_equal(cols[i].hidden, 0);
	}
	if (i != n)
		fail_msg("unexpected column %s after tail", cols[i].name);
}

static void
test_runs_losses_columns(void **state)
{
	static const char *const runs[] = { "id", "boot_id", "start_time",
	    "stop_time", "last_alive", "clean", "hostname", "kernel_release",
	    "ts_version", "cpumask", "rcvbuf", "sockets", "daemon_pid",
	    "taskacct_version" };
	static const char *const losses[] = { "id", "run_id", "time", "kind",
	    "records", "detail" };
	sqlite3		*db = *state;

	check_plain_cols(db, "runs", runs, sizeof(runs) / sizeof(runs[0]));
	check_plain_cols(db, "losses", losses,
	    sizeof(losses) / sizeof(losses[0]));
	/* Not-null and default constraints the daemon relies on. */
	exec_ok(db, "INSERT INTO runs(boot_id, start_time) VALUES ('b', 1)");
	assert_int_equal(query_int(db, "SELECT clean FROM runs"), 0);
	assert_int_not_equal(sqlite3_exec(db,
	    "INSERT INTO runs(start_time) VALUES (1)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db,
	    "INSERT INTO losses(run_id, time) VALUES (1, 1)", NULL, NULL,
	    NULL), SQLITE_OK);
	exec_ok(db, "INSERT INTO losses(run_id, time, kind, records) "
	    "VALUES (1, 2, 'kernel_drop', 5)");
	assert_int_equal(query_int(db, "SELECT records FROM losses"), 5);
	exec_ok(db, "DELETE FROM losses; DELETE FROM runs");
}

/* Every field-table name is an insertable column (as the store's INSERT). */
static void
test_insert_all_fields(void **state)
{
	sqlite3		*db = *state;
	sqlite3_stmt	*s;
	char		*sql, *p;
	size_t		 i, sz = 4096;

	sql = p = malloc(sz);
	assert_non_null(sql);
	p += sprintf(p, "INSERT INTO tasks(run_id, recv_time, kind, task_id, "
	    "ts_len");
	for (i = 0; i < ts_nfields; i++)
		p += sprintf(p, ", %s", ts_fields[i].name);
	p += sprintf(p, ", tail) VALUES (1, 2, 0, 3, 4");
	for (i = 0; i < ts_nfields; i++)
		p += sprintf(p, ", ?");
	sprintf(p, ", NULL)");
	assert_true(strlen(sql) < sz);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	assert_int_equal(sqlite3_bind_parameter_count(s), ts_nfields);
	for (i = 0; i < ts_nfields; i++)
		if (ts_fields[i].type == FT_COMM)
			sqlite3_bind_text(s, (int)i + 1, "sh", -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, (int)i + 1, (int64_t)i + 100);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(sql);
	assert_int_equal(query_int(db, "SELECT ac_etime FROM tasks"),
	    (int64_t)(ts_field_find("ac_etime") - ts_fields) + 100);
	assert_int_equal(query_int(db,
	    "SELECT ac_comm = 'sh' AND typeof(cpu_delay_max_ts) = 'integer' "
	    "FROM tasks"), 1);
	exec_ok(db, "DELETE FROM tasks");
}

/* exit_code, exit_signal, core_dumped, start_time from a wait status. */
static void
test_generated_columns(void **state)
{
	static const struct {
		int	 wstatus, code, sig, core;
	} cases[] = {
		{ 0x0000, 0, 0, 0 },
		{ 0x0300, 3, 0, 0 },		/* exit(3) */
		{ 0xff00, 255, 0, 0 },		/* exit(255) */
		{ 0x008b, 0, 11, 1 },		/* SIGSEGV, core dumped */
		{ 0x0009, 0, 9, 0 },		/* SIGKILL */
		{ 0x000f, 0, 15, 0 },		/* SIGTERM */
		{ 0x0086, 0, 6, 1 },		/* SIGABRT, core dumped */
	};
	static struct col	 cols[MAX_COLS];
	static const char *const gen[] = { "exit_time", "start_time",
	    "exit_code", "exit_signal", "core_dumped" };
	sqlite3			*db = *state;
	sqlite3_stmt		*s;
	size_t			 i, n;

	n = get_cols(db, "tasks", cols);
	for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++)
		assert_int_equal(cols[col_index(cols, n, gen[i])].hidden, 2);

	exec_ok(db, "INSERT INTO runs(id, boot_id, start_time) "
	    "VALUES (1, 'boot-1', 0)");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	 sql[256];

		snprintf(sql, sizeof(sql), "INSERT INTO tasks(run_id, "
		    "recv_time, kind, task_id, ts_len, ac_exitcode, ac_etime) "
		    "VALUES (1, 5000000, 0, %zu, 560, %d, 1500000)", i + 1,
		    cases[i].wstatus);
		exec_ok(db, sql);
	}
	if (sqlite3_prepare_v2(db, "SELECT task_id, exit_code, exit_signal, "
	    "core_dumped, exit_time, start_time FROM tasks ORDER BY task_id",
	    -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), i + 1);
		assert_int_equal(sqlite3_column_int(s, 1), cases[i].code);
		assert_int_equal(sqlite3_column_int(s, 2), cases[i].sig);
		assert_int_equal(sqlite3_column_int(s, 3), cases[i].core);
		assert_int_equal(sqlite3_column_int64(s, 4), 5000000);
		assert_int_equal(sqlite3_column_int64(s, 5), 3500000);
	}
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	/* A row without the fields yields NULL, not 0. */
	exec_ok(db, "INSERT INTO tasks(run_id, recv_time, kind, task_id, "
	    "ts_len) VALUES (1, 1, 1, 99, 2)");
	assert_int_equal(query_int(db, "SELECT exit_code IS NULL AND "
	    "exit_signal IS NULL AND core_dumped IS NULL AND "
	    "start_time IS NULL FROM tasks WHERE task_id = 99"), 1);

	/* A group aggregate has no start time of its own. */
	exec_ok(db, "INSERT INTO tasks(run_id, recv_time, kind, task_id, "
	    "ts_len, ac_etime) VALUES (1, 5000000, 1, 98, 560, 1500000)");
	assert_int_equal(query_int(db, "SELECT start_time IS NULL FROM tasks "
	    "WHERE task_id = 98"), 1);

	/* The view attaches the boot id of the row's run. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM task_exits "
	    "WHERE boot_id = 'boot-1'"), sizeof(cases) / sizeof(cases[0]) + 2);
	assert_int_equal(query_int(db, "SELECT exit_signal FROM task_exits "
	    "WHERE task_id = 4"), 11);
	exec_ok(db, "DELETE FROM tasks; DELETE FROM runs");
}

/* Every schema object as "type name: sql", white space collapsed. */
static char *
schema_dump(sqlite3 *db)
{
	sqlite3_stmt	*s;
	char		*out;
	size_t		 len = 0, size = 1 << 16;
	const char	*p;
	int		 space = 0;

	if ((out = malloc(size)) == NULL)
		fail_msg("out of memory");
	if (sqlite3_prepare_v2(db, "SELECT type || ' ' || name || ': ' || "
	    "coalesce(sql, '') FROM sqlite_master ORDER BY type, name", -1, &s,
	    NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (p = (const char *)sqlite3_column_text(s, 0); *p; p++) {
			if (len + 3 >= size &&
			    (out = realloc(out, size *= 2)) == NULL)
				fail_msg("out of memory");
			if (*p == ' ' || *p == '\t' || *p == '\n') {
				space = 1;
				continue;
			}
			if (space)
				out[len++] = ' ';
			space = 0;
			out[len++] = *p;
		}
		out[len++] = '\n';
	}
	out[len] = '\0';
	sqlite3_finalize(s);
	return out;
}

static char *
read_file(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open (run from the repository)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, n + 1)) == NULL ||
	    fread(buf, 1, n, fp) != (size_t)n)
		fail_msg("%s: cannot read", path);
	fclose(fp);
	return buf;
}

static void
test_migrations_give_schema(void **state)
{
	sqlite3		*old;
	char		*v1, *want, *got;
	size_t		 v;

	want = schema_dump(*state);
	v1 = read_file("tests/schema_v1.sql");
	assert_int_equal(sqlite3_open(":memory:", &old), SQLITE_OK);
	exec_ok(old, v1);
	assert_int_equal(query_int(old, "PRAGMA user_version"), 1);
	for (v = 2; v <= TASKACCT_SCHEMA_VERSION; v++) {
		assert_true(v < taskacct_nmigrations);
		assert_non_null(taskacct_migrations[v]);
		exec_ok(old, taskacct_migrations[v]);
		assert_int_equal(query_int(old, "PRAGMA user_version"), v);
	}
	got = schema_dump(old);
	assert_string_equal(got, want);
	assert_int_equal(query_int(old, "PRAGMA application_id"),
	    TASKACCT_APPLICATION_ID);
	sqlite3_close(old);
	free(got);
	free(want);
	free(v1);
}

/*
 * Version 4 fills each identity value's last_used from the rows already
 * there: the newest recv_time of a row pointing at it, 0 for none.
 */
static void
test_migrate4_last_used(void **state)
{
	sqlite3		*old;
	char		*v1;
	size_t		 v;

	(void)state;
	v1 = read_file("tests/schema_v1.sql");
	assert_int_equal(sqlite3_open(":memory:", &old), SQLITE_OK);
	exec_ok(old, v1);
	for (v = 2; v < 4; v++)
		exec_ok(old, taskacct_migrations[v]);
	exec_ok(old, "INSERT INTO cmdlines (id, hash, args) VALUES "
	    "(1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c');"
	    "INSERT INTO exes (id, path) VALUES (1, '/x'), (2, '/y');"
	    "INSERT INTO cgroups (id, path) VALUES (1, '/g'), (2, '/h');"
	    "INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, "
	    "args_id, exe_id, cgroup_id) VALUES (1, 100, 0, 1, 0, 1, 1, 1), "
	    "(1, 300, 0, 2, 0, 1, NULL, 2), (1, 200, 0, 3, 0, 2, 1, NULL)");
	exec_ok(old, taskacct_migrations[4]);
	assert_int_equal(query_int(old, "SELECT count(*) FROM cmdlines WHERE "
	    "last_used = CASE id WHEN 1 THEN 300 WHEN 2 THEN 200 ELSE 0 END"),
	    3);
	assert_int_equal(query_int(old, "SELECT count(*) FROM exes WHERE "
	    "last_used = CASE id WHEN 1 THEN 200 ELSE 0 END"), 2);
	assert_int_equal(query_int(old, "SELECT count(*) FROM cgroups WHERE "
	    "last_used = CASE id WHEN 1 THEN 100 ELSE 300 END"), 2);
	sqlite3_close(old);
	free(v1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pragmas),
		cmocka_unit_test(test_tasks_columns),
		cmocka_unit_test(test_runs_losses_columns),
		cmocka_unit_test(test_insert_all_fields),
		cmocka_unit_test(test_generated_columns),
		cmocka_unit_test(test_migrations_give_schema),
		cmocka_unit_test(test_migrate4_last_used),
	};

	return cmocka_run_group_tests_name("unit_schema", tests, setup_db,
	    teardown_db);
}
