/*
 * unit_dbpath.c: src/dbpath.c, in particular the guard it puts on SQLite's
 * own open(2) for a file planted after taskacctd checked the names (so
 * these tests open the database with SQLite directly, as if
 * dbpath_check had passed): a symbolic link, a hard link or a FIFO at the
 * -wal or -shm is refused, its target keeps its bytes, and
 * dbpath_refused() names the file; an ordinary WAL database still works.
 * SQLite 3.40 itself refuses the link but writes its log into the hard
 * link (another name for any file).  Also dbpath_check, dbpath_real.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "dbpath.h"

static char	 dir[] = "/tmp/unit_dbpath.XXXXXX";
static char	 db[64], side[80], other[80];

static void
put_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
assert_file_is(const char *path, const char *text)
{
	char	 buf[256];
	FILE	*f = fopen(path, "r");
	size_t	 n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

/* Run sql on the database through SQLite alone; its result code. */
static int
sql(const char *text)
{
	sqlite3	*h = NULL;
	int	 r;

	dbpath_refused_clear();
	r = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL);
	if (r == SQLITE_OK)
		r = sqlite3_exec(h, text, NULL, NULL, NULL);
	if (r == SQLITE_OK && sqlite3_db_readonly(h, "main") == 1)
		r = SQLITE_READONLY;
	sqlite3_close(h);
	return r;
}

/* A WAL database whose -wal and -shm stay after closing. */
static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || dbpath_guard_sqlite() == -1)
		return -1;
	snprintf(db, sizeof(db), "%s/t.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_ordinary(void **state)
{
	(void)state;
	assert_int_equal(sql("PRAGMA journal_mode = WAL; CREATE TABLE t(a); "
	    "INSERT INTO t VALUES (1)"), SQLITE_OK);
	assert_int_equal(sql("INSERT INTO t VALUES (2)"), SQLITE_OK);
	assert_null(dbpath_refused());
}

/* Plant kind ("symlink", "hardlink", "fifo") at the database's suffix. */
static void
plant(const char *suffix, const char *kind)
{
	snprintf(side, sizeof(side), "%s%s", db, suffix);
	snprintf(other, sizeof(other), "%s/other%s", dir, suffix);
	unlink(side);
	unlink(other);
	put_file(other, "not SQLite's");
	if (strcmp(kind, "symlink") == 0)
		assert_int_equal(symlink(other, side), 0);
	else if (strcmp(kind, "hardlink") == 0)
		assert_int_equal(link(other, side), 0);
	else
		assert_int_equal(mkfifo(side, 0600), 0);
}

static void
refused(const char *suffix, const char *kind, const char *why)
{
	const char	*note;

	plant(suffix, kind);
	assert_int_not_equal(sql("INSERT INTO t VALUES (3)"), SQLITE_OK);
	assert_file_is(other, "not SQLite's");
	note = dbpath_refused();
	assert_non_null(note);
	assert_non_null(strstr(note, side));
	assert_non_null(strstr(note, why));
	unlink(side);
}

static void
test_wal(void **state)
{
	(void)state;
	refused("-wal", "hardlink", "has 2 hard links");
	refused("-wal", "symlink", "is a symbolic link");
	refused("-wal", "fifo", "is a FIFO");
	assert_int_equal(sql("INSERT INTO t VALUES (4)"), SQLITE_OK);
}

static void
test_shm(void **state)
{
	(void)state;
	refused("-shm", "hardlink", "has 2 hard links");
	refused("-shm", "symlink", "is a symbolic link");
	refused("-shm", "fifo", "is a FIFO");
	assert_int_equal(sql("INSERT INTO t VALUES (5)"), SQLITE_OK);
}

static void
test_check(void **state)
{
	char	 err[512];

	(void)state;
	assert_int_equal(dbpath_check(db, err, sizeof(err)), 0);
	assert_int_equal(dbpath_check("/dev/null", err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/null is a character device, not a "
	    "regular file: not writing to it");
	assert_int_equal(dbpath_check(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is a directory: give the database "
	    "file's path"));
	plant("-journal", "symlink");
	assert_int_equal(dbpath_check(db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-journal is a symbolic link"));
	unlink(side);
}

static void
test_real(void **state)
{
	char	 via[80], path[96], real[4096], exp[4096], err[512];

	(void)state;
	snprintf(via, sizeof(via), "%s/via", dir);
	assert_int_equal(symlink(dir, via), 0);
	snprintf(path, sizeof(path), "%s/x.db", via);
	assert_int_equal(dbpath_real(path, real, sizeof(real), err,
	    sizeof(err)), 0);
	assert_non_null(realpath(dir, exp));
	strcat(exp, "/x.db");
	assert_string_equal(real, exp);
	/* The last name is kept as it is, a link or not. */
	snprintf(path, sizeof(path), "%s/via", dir);
	assert_int_equal(dbpath_real(path, real, sizeof(real), err,
	    sizeof(err)), 0);
	assert_non_null(strstr(real, "/via"));
	assert_int_equal(dbpath_real("/x.db", real, sizeof(real), err,
	    sizeof(err)), 0);
	assert_string_equal(real, "/x.db");
	assert_int_equal(dbpath_real("/tmp/", real, sizeof(real), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "ends in /"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary),
		cmocka_unit_test(test_wal),
		cmocka_unit_test(test_shm),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests_name("unit_dbpath", tests, setup,
	    teardown);
}
