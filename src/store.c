/*
 * store.c: the SQLite side of the recorder.  Opens (or creates) the database
 * and checks it is taskacct's, applies the schema from sql/schema.sql, and
 * writes runs, records and losses through prepared statements whose column
 * lists come from the field table.  One thread at a time: the main thread
 * opens it and writes the runs row before the writer thread starts and
 * after it has been joined; the writer thread uses it in between.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbpath.h"
#include "errf.h"
#include "fields.h"
#include "ident.h"
#include "identstore.h"
#include "rollup.h"
#include "store_levels.h"
#include "proctotals.h"
#include "ranked.h"
#include "sqlbuild.h"
#include "store.h"
#include "taskacct.h"
#include "walreaders.h"

#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_DIR_MODE		0750
#define STORE_FILE_MODE		0640
#define STORE_LOCK_WAIT_MS	200	/* a status probe holds the flock for us */
/* Largest pre-v2 database converted to incremental vacuum at migration. */
#define STORE_VACUUM_MAX_BYTES	(64LL << 20)
/*
 * SQLite's page cache (KiB): the indexes on pid and parent take new keys
 * all over their B-trees, and a cache of a few MiB keeps the hot pages of
 * a database of millions of rows (the default 2 MiB: +20% CPU per row).
 */
#define STORE_CACHE_KIB		"16384"
/*
 * Page size of a new database: ~220-byte rows and their index entries
 * make fewer page splits and B-tree levels in 16 KiB pages than in the
 * default 4 KiB (about 6-9% less CPU per insert, measured).
 */
#define STORE_PAGE_SIZE		"16384"
/* A larger file is checked at start only after an unclean stop. */
#define STORE_CHECK_MAX_BYTES	(256LL << 20)
/* Truncate the -wal file back to this after a checkpoint (bytes). */
#define STORE_STR(x)		#x
#define STORE_XSTR(x)		STORE_STR(x)
#define STORE_WAL_LIMIT		STORE_XSTR(TASKACCT_WAL_LIMIT_BYTES)
/*
 * Checkpoint after this many WAL frames (SQLite's default), fewer under
 * --max-size: the -wal file then gets at most 1/STORE_WAL_SHARE of it.
 */
#define STORE_CKPT_PAGES	1000
#define STORE_CKPT_MIN_PAGES	8
#define STORE_WAL_SHARE		8
/* How long a rotation's checkpoint waits for readers of the WAL. */
#define STORE_CKPT_BUSY_MS	100

struct store {
	sqlite3		*db;
	sqlite3_stmt	*ins_task;
	sqlite3_stmt	*ins_loss;
	sqlite3_stmt	*ins_prune;
	sqlite3_stmt	*up_minute;	/* rollups, upserted at commit */
	sqlite3_stmt	*up_parent;
	struct rollup	*rollup;
	struct ranked	*ranked;	/* top-K candidates (ranked.c) */
	struct ptot	*ptot;		/* proc_totals (proctotals.c) */
	sqlite3_stmt	*alive;
	sqlite3_stmt	*ts_version;
	struct identstore *ident;	/* cmdlines, exes, cgroups */
	struct store_levels *levels;	/* hours, days (store_levels.c) */
	int64_t		 run_id;
	int		 lock_fd;	/* flock: one recorder per database */
	dev_t		 dev;		/* of the file opened, for reopen */
	ino_t		 ino;
	char		*path;
	struct stale {
		char	*name;
		dev_t	 dev;
		ino_t	 ino;
	}		 stale[2];	/* reopen: our -wal, -shm at the path */
	struct run_info	 run;		/* reopen: the caller's, long-lived */
	char		 err[512];	/* why no database is open */
	struct ts_plan	 plan[2];	/* by record kind */
	/* The WAL: see store_wal_setup(). */
	int64_t		 max_bytes;	/* --max-size, 0: none */
	int64_t		 wal_cap;	/* its size after a checkpoint */
	int		 ckpt_pages;	/* checkpoint at this many frames */
	struct store_wal wal;		/* as of the last checkpoint */
};

static int	step_reset(sqlite3_stmt *);
static struct store *store_open_with(const char *, int, char *, size_t);

/*
 * Create the database's directory (one level) with a private mode.  One
 * that is there already is used as it is, through a symbolic link too:
 * the directories above the database's own are the administrator's.
 */
static int
store_mkdir(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;
	char		*copy, *dir;
	int		 r = 0;

	if ((copy = strdup(path)) == NULL)
		return errf(err, errlen, "out of memory");
	dir = dirname(copy);
	if (mkdir(dir, STORE_DIR_MODE) == -1) {
		if (errno != EEXIST)
			r = errf(err, errlen, "cannot create directory %s: %s",
			    dir, strerror(errno));
		else if (stat(dir, &sb) == -1)
			r = errf(err, errlen, "%s: %s", dir, strerror(errno));
		else if (!S_ISDIR(sb.st_mode))
			r = errf(err, errlen, "%s is %s, not a directory", dir,
			    dbpath_kind(sb.st_mode));
	}
	free(copy);
	return r;
}

/*
 * Take the recorder's exclusive flock.  `taskacct status` probes it with a
 * shared lock it drops at once, so a short conflict is a reader's probe,
 * not a second recorder: retry for STORE_LOCK_WAIT_MS before saying so.
 */
static int
store_flock(int fd)
{
	struct timespec	 pause = { 0, 10 * 1000 * 1000 };
	int		 waited_ms;

	for (waited_ms = 0;; waited_ms += 10) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK || waited_ms >= STORE_LOCK_WAIT_MS)
			return -1;
		nanosleep(&pause, NULL);
	}
}

/*
 * Create the file with a mode that keeps other users out, and take an
 * exclusive flock(2) on it for as long as we record: two recorders on one
 * database would store every exit twice.  The descriptor stays open until
 * store_close(), after SQLite's own, since closing any descriptor of a file
 * drops the POSIX locks SQLite holds on it.  Never through a symbolic link,
 * and only a regular file of one link, checked on the descriptor itself
 * (O_NONBLOCK: a FIFO planted after dbpath_check must not block the open).
 */
static int
store_lock_file(struct store *st, const char *path, char *err, size_t errlen)
{
	struct stat	 sb, at;

	/*
	 * Handed over by an upgrade (store_open_adopt): its flock is ours
	 * already and taken again at once (the same open file); it must be
	 * the file at the path.
	 */
	if (st->lock_fd != -1) {
		if (fstat(st->lock_fd, &sb) == -1 || stat(path, &at) == -1 ||
		    sb.st_dev != at.st_dev || sb.st_ino != at.st_ino)
			return errf(err, errlen, "%s: the handed database "
			    "descriptor %d is not this file", path,
			    st->lock_fd);
		goto locked;
	}
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, STORE_FILE_MODE);
	if (st->lock_fd == -1) {
		if (errno == ELOOP && lstat(path, &sb) == 0)
			return dbpath_check_stat(path, &sb, err, errlen);
		return errf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
	}
	if (fstat(st->lock_fd, &sb) == -1)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
locked:
	if (dbpath_check_stat(path, &sb, err, errlen) == -1)
		return -1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	if (store_flock(st->lock_fd) == -1)
		return errf(err, errlen, "%s: %s", path, errno == EWOULDBLOCK ?
		    "another taskacctd is already recording into it" :
		    strerror(errno));
	return 0;
}

static int
pragma_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt	*st;
	int		 r;

	if (db == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 0 : -1;
}

/*
 * Check the file is a taskacct database of our schema, or empty; apply the
 * schema to an empty one.  Never modifies a file that is not ours.
 */
/*
 * A database made before schema version 2 has no incremental vacuum.
 * Switching needs a full VACUUM, which rewrites the file: done only while
 * it is small (a start-up pause of well under a second).  A larger one
 * keeps its setting, and pages freed by pruning are reused by new rows
 * instead of going back to the file system.  Failure changes nothing.
 */
static void
store_enable_autovacuum(sqlite3 *db)
{
	int64_t	 mode = 0, pages = 0, pagesize = 0;

	if (pragma_int(db, "PRAGMA auto_vacuum", &mode) == -1 || mode != 0 ||
	    pragma_int(db, "PRAGMA page_count", &pages) == -1 ||
	    pragma_int(db, "PRAGMA page_size", &pagesize) == -1 ||
	    pages * pagesize > STORE_VACUUM_MAX_BYTES)
		return;
	if (sqlite3_exec(db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL,
	    NULL) == SQLITE_OK)
		sqlite3_exec(db, "VACUUM", NULL, NULL, NULL);
}

/* Apply the schema to an empty database, in one transaction. */
static int
store_create_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	/*
	 * Incremental vacuum lets pruning give pages back to the file system;
	 * SQLite takes the setting only before the first table exists and
	 * outside a transaction.
	 */
	if (sqlite3_exec(db, "PRAGMA page_size = " STORE_PAGE_SIZE "; "
	    "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return errf(err, errlen, "%s: creating schema: %s", path,
		    sqlite3_errmsg(db));
	if (sqlite3_exec(db, taskacct_schema_sql, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		errf(err, errlen, "%s: creating schema: %s", path,
		    sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return errf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	return 0;
}

/*
 * Migrate a database of an older schema version to ours, in one
 * transaction: either every step applies or the file is left as it was.
 * The version is read again under the write lock, in case another program
 * migrated it meanwhile.
 */
static int
store_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int64_t	 ver = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    pragma_int(db, "PRAGMA user_version", &ver) == -1) {
		errf(err, errlen, "%s: migrating: %s", path,
		    sqlite3_errmsg(db));
		goto fail;
	}
	for (ver++; ver <= TASKACCT_SCHEMA_VERSION; ver++) {
		if ((size_t)ver >= taskacct_nmigrations ||
		    taskacct_migrations[ver] == NULL) {
			errf(err, errlen, "%s: no migration to schema version "
			    "%lld", path, (long long)ver);
			goto fail;
		}
		if (sqlite3_exec(db, taskacct_migrations[ver], NULL, NULL,
		    NULL) != SQLITE_OK) {
			errf(err, errlen, "%s: migrating to schema version "
			    "%lld: %s", path, (long long)ver,
			    sqlite3_errmsg(db));
			goto fail;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		errf(err, errlen, "%s: migrating: %s", path,
		    sqlite3_errmsg(db));
		goto fail;
	}
	store_enable_autovacuum(db);
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * A file damaged in the middle opens without complaint, and our inserts
 * would land among (or fail forever on) the bad pages: check every page
 * before anything is written.  That reads the whole file (about 2.5 s for
 * 320 MB warm, 8 s cold, all of it a gap in the recording), so a large
 * file is checked only when its last run did not stop cleanly.
 * quick_check's message may span lines ("*** in database main ***\n..."):
 * keep the first problem, on one line.
 */
static int
store_quick_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt	*s;
	const char	*msg, *nl;
	char		 what[160];
	int64_t		 pages = 0, size = 0, clean = 1;
	size_t		 i;
	int		 r;

	if (pragma_int(db, "PRAGMA page_count", &pages) == 0 &&
	    pragma_int(db, "PRAGMA page_size", &size) == 0 &&
	    pages * size > STORE_CHECK_MAX_BYTES &&
	    pragma_int(db, "SELECT coalesce((SELECT clean FROM runs ORDER BY "
	    "id DESC LIMIT 1), 1)", &clean) == 0 && clean == 1)
		return 0;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &s, NULL) !=
	    SQLITE_OK)
		return errf(err, errlen, "%s: the database is damaged: %s",
		    path, sqlite3_errmsg(db));
	r = sqlite3_step(s);
	msg = r == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) :
	    sqlite3_errmsg(db);
	if (r == SQLITE_ROW && msg != NULL && strcmp(msg, "ok") == 0) {
		sqlite3_finalize(s);
		return 0;
	}
	if (msg == NULL)
		msg = "unknown";
	if (strncmp(msg, "*** ", 4) == 0 && (nl = strchr(msg, '\n')) != NULL)
		msg = nl + 1;
	snprintf(what, sizeof(what), "%s", msg);
	for (i = 0; what[i] != '\0'; i++)
		if (what[i] == '\n' || what[i] == '\r')
			what[i] = ' ';
	sqlite3_finalize(s);
	return errf(err, errlen, "%s: the database is damaged (%s): move it "
	    "away, or recover its rows with sqlite3's .recover", path, what);
}

/*
 * Check the file is a taskacct database of our schema (migrating an older
 * one), or empty; apply the schema to an empty one.  Never modifies a file
 * that is not ours.
 */
static int
store_check_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int64_t	 app = 0, ver = 0, ntables = 0;

	if (pragma_int(db, "PRAGMA application_id", &app) == -1 ||
	    pragma_int(db, "PRAGMA user_version", &ver) == -1 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &ntables) == -1)
		return errf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	if (app == 0 && ver == 0 && ntables == 0)
		return store_create_schema(db, path, err, errlen);
	if (app != TASKACCT_APPLICATION_ID)
		return errf(err, errlen, "%s is not a taskacct database "
		    "(another program's SQLite file?)", path);
	if (ver > TASKACCT_SCHEMA_VERSION)
		return errf(err, errlen, "%s: database schema version %lld is "
		    "newer than this taskacctd's (%d): upgrade taskacct", path,
		    (long long)ver, TASKACCT_SCHEMA_VERSION);
	if (ver < 1)
		return errf(err, errlen, "%s: taskacct database with no "
		    "schema version: not made by taskacctd?", path);
	if (store_quick_check(db, path, err, errlen) == -1)
		return -1;
	if (ver < TASKACCT_SCHEMA_VERSION)
		return store_migrate(db, path, err, errlen);
	return 0;
}

/* The record INSERT, and the rollups' upserts adding to each sum. */
static int
store_prepare_task(struct store *st)
{
	if (sql_prepare_built(st->db, sql_task_insert(), &st->ins_task) == -1 ||
	    sql_prepare_built(st->db, sql_minutes_upsert(),
	    &st->up_minute) == -1)
		return -1;
	if (sqlite3_prepare_v3(st->db, "INSERT INTO minute_parents VALUES "
	    "(?, ?, ?, ?) ON CONFLICT (minute, ac_ppid) DO UPDATE SET "
	    "procs = procs + excluded.procs, short_procs = short_procs + "
	    "excluded.short_procs", -1, SQLITE_PREPARE_PERSISTENT,
	    &st->up_parent, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* Write the transaction's rollups, before its COMMIT. */
static int
store_put_rollups(struct store *st)
{
	const struct rollup_minute	*m;
	const struct rollup_parent	*p;
	size_t				 i, j, n;

	n = rollup_minutes(st->rollup, &m);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st->up_minute, 1, m[i].minute);
		sqlite3_bind_text(st->up_minute, 2, m[i].comm, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st->up_minute, 3, m[i].uid);
		for (j = 0; j < RS__COUNT; j++)
			sqlite3_bind_int64(st->up_minute, 4 + (int)j,
			    m[i].sum[j]);
		if (step_reset(st->up_minute) == -1)
			return -1;
	}
	n = rollup_parents(st->rollup, &p);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st->up_parent, 1, p[i].minute);
		sqlite3_bind_int64(st->up_parent, 2, p[i].ppid);
		sqlite3_bind_int64(st->up_parent, 3, p[i].procs);
		sqlite3_bind_int64(st->up_parent, 4, p[i].short_procs);
		if (step_reset(st->up_parent) == -1)
			return -1;
	}
	return store_levels_put(st->levels, st->rollup);
}

static int
store_prepare(struct store *st)
{
	if (store_prepare_task(st) == -1)
		return -1;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO losses (run_id, time, "
	    "kind, records, detail) VALUES (?, ?, ?, ?, ?)", -1,
	    &st->ins_loss, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO prunes (run_id, time, "
	    "reason, before_time, rows, losses, bytes_freed) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", -1, &st->ins_prune, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET last_alive = ? "
	    "WHERE id = ?", -1, &st->alive, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET ts_version = ? "
	    "WHERE id = ? AND ts_version IS NULL", -1, &st->ts_version,
	    NULL) != SQLITE_OK)
		return -1;
	if ((st->ident = identstore_new(st->db)) == NULL)
		return -1;
	if ((st->levels = store_levels_new(st->db)) == NULL)
		return -1;
	if ((st->ranked = ranked_new(st->db)) == NULL)
		return -1;
	if ((st->ptot = ptot_new(st->db, 0)) == NULL)
		return -1;
	return 0;
}

/* Close the database and its lock, keeping the struct for reuse. */
static void
store_detach(struct store *st)
{
	sqlite3_finalize(st->ins_task);
	sqlite3_finalize(st->ins_loss);
	sqlite3_finalize(st->ins_prune);
	sqlite3_finalize(st->up_minute);
	sqlite3_finalize(st->up_parent);
	sqlite3_finalize(st->alive);
	sqlite3_finalize(st->ts_version);
	identstore_free(st->ident);
	st->ident = NULL;
	store_levels_free(st->levels);
	st->levels = NULL;
	ranked_free(st->ranked);
	ptot_free(st->ptot);
	st->ptot = NULL;
	st->ranked = NULL;
	sqlite3_close(st->db);
	if (st->lock_fd != -1)
		close(st->lock_fd);
	st->ins_task = st->ins_loss = st->ins_prune = NULL;
	st->up_minute = st->up_parent = NULL;
	if (st->rollup != NULL)
		rollup_clear(st->rollup);
	st->alive = st->ts_version = NULL;
	st->db = NULL;
	st->lock_fd = -1;
	memset(st->plan, 0, sizeof(st->plan));
}

/*
 * An SQLite error while attaching: when dbpath_open refused a file (a link
 * or a FIFO planted at the -wal after dbpath_check), say which and why,
 * not "unable to open database file".
 */
static int
attach_error(struct store *st, const char *path, char *err, size_t errlen)
{
	if (dbpath_refused() != NULL)
		return errf(err, errlen, "%s", dbpath_refused());
	if (st->db != NULL && sqlite3_extended_errcode(st->db) ==
	    SQLITE_CANTOPEN_SYMLINK)
		return errf(err, errlen, "%s: a symbolic link appeared in its "
		    "path: not following it", path);
	if (*err == '\0')
		errf(err, errlen, "%s: %s", path, st->db ?
		    sqlite3_errmsg(st->db) : "cannot open");
	return -1;
}

/*
 * Lock, open, check (or create, or migrate) and prepare the database.
 * Nothing is created or written at path, or beside it, unless each name
 * is free or a regular file (dbpath.c); files are opened by the path with
 * its directory resolved, so SQLITE_OPEN_NOFOLLOW refuses a link at the
 * last name only.
 */
static int
store_attach(struct store *st, const char *path, char *err, size_t errlen)
{
	char		 real[PATH_MAX];
	int		 one = 1;

	*err = '\0';
	dbpath_refused_clear();
	if (dbpath_check(path, err, errlen) == -1 ||
	    store_mkdir(path, err, errlen) == -1 ||
	    dbpath_real(path, real, sizeof(real), err, errlen) == -1 ||
	    store_lock_file(st, real, err, errlen) == -1)
		return -1;
	if (sqlite3_open_v2(real, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		return attach_error(st, path, err, errlen);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (store_check_schema(st->db, path, err, errlen) == -1)
		return attach_error(st, path, err, errlen);
	if (sqlite3_exec(st->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; "
	    "PRAGMA cache_size = -" STORE_CACHE_KIB "; "
	    "PRAGMA journal_size_limit = " STORE_WAL_LIMIT ";", NULL, NULL,
	    NULL) != SQLITE_OK)
		return attach_error(st, path, err, errlen);
	/*
	 * Keep the -wal and -shm files after we close: without them a reader
	 * who cannot write the directory cannot open a WAL database at all.
	 */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	if (store_prepare(st) == -1) {
		errf(err, errlen, "%s: preparing statements: %s", path,
		    sqlite3_errmsg(st->db));
		return attach_error(st, path, err, errlen);
	}
	/* SQLite falls back to reading a file it could not open to write. */
	if (dbpath_refused() != NULL)
		return attach_error(st, path, err, errlen);
	if (sqlite3_db_readonly(st->db, "main") != 0)
		return errf(err, errlen, "%s: cannot be opened for writing",
		    path);
	return 0;
}

/*
 * SQLite's auto-checkpoint, as its own hook does it (PASSIVE: it never
 * waits), keeping the result: a reader's snapshot holds the checkpoint
 * back to it, and the WAL grows as long as that read lasts.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store	*st = arg;
	int		 nlog = -1, nckpt = -1;

	st->wal.frames = frames;
	if (frames < st->ckpt_pages) {
		st->wal.held = 0;
		return SQLITE_OK;
	}
	sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &nlog,
	    &nckpt);
	if (nlog >= 0 && nckpt >= 0) {
		st->wal.frames = nlog;
		st->wal.backfilled = nckpt;
		st->wal.held = nlog - nckpt >= st->ckpt_pages;
	}
	return SQLITE_OK;
}

/*
 * The WAL's bounds, on a database just attached.  By default SQLite's
 * (checkpoint every 1000 frames) and the -wal file truncated back to what
 * store_attach() set after a checkpoint; under --max-size, whose total
 * counts the -wal file up to that size, an eighth of the limit.
 */
static void
store_wal_setup(struct store *st)
{
	char	 sql[64];
	int64_t	 cap = 0, pagesize = 0;

	memset(&st->wal, 0, sizeof(st->wal));
	if (pragma_int(st->db, "PRAGMA journal_size_limit", &cap) == -1 ||
	    cap < 0)
		cap = 0;
	if (st->max_bytes > 0 && (cap == 0 ||
	    st->max_bytes / STORE_WAL_SHARE < cap))
		cap = st->max_bytes / STORE_WAL_SHARE;
	st->wal_cap = cap;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld",
	    (long long)cap);
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	st->ckpt_pages = STORE_CKPT_PAGES;
	if (cap > 0 && pragma_int(st->db, "PRAGMA page_size", &pagesize) == 0 &&
	    pagesize > 0 && cap / pagesize < st->ckpt_pages)
		st->ckpt_pages = cap / pagesize < STORE_CKPT_MIN_PAGES ?
		    STORE_CKPT_MIN_PAGES : (int)(cap / pagesize);
	sqlite3_wal_hook(st->db, store_wal_hook, st);
}

/* Attach the file at path and set its WAL up. */
static int
store_use(struct store *st, const char *path, char *err, size_t errlen)
{
	if (store_attach(st, path, err, errlen) == -1)
		return -1;
	store_wal_setup(st);
	return 0;
}

/* --max-size (0: none): the WAL's share of it, now and after a reopen. */
void
store_set_max_size(struct store *st, int64_t bytes)
{
	st->max_bytes = bytes;
	if (st->db != NULL)
		store_wal_setup(st);
}

/* The WAL now: its file's size and the last checkpoint's result. */
int
store_wal(struct store *st, struct store_wal *wal)
{
	sqlite3_file	*f = NULL;
	sqlite3_int64	 size = 0;

	if (st->db == NULL)
		return -1;
	*wal = st->wal;
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &f) == SQLITE_OK && f != NULL && f->pMethods != NULL &&
	    f->pMethods->xFileSize(f, &size) == SQLITE_OK)
		wal->bytes = size;
	return 0;
}

/*
 * Open the database at path for recording, creating it (and its directory)
 * if missing.  On error returns NULL with a one-line message in err.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_with(path, -1, err, errlen);
}

static struct store *
store_open_with(const char *path, int lock_fd, char *err, size_t errlen)
{
	struct store	*st;

	/*
	 * Before SQLite's first use: no global memory statistics, whose
	 * mutex every allocation would take (a few percent of the CPU per
	 * record).  Later calls fail harmlessly.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (dbpath_guard_sqlite() == -1) {
		errf(err, errlen, "cannot route SQLite's file opens through "
		    "taskacctd's checks (unexpected SQLite VFS)");
		return NULL;
	}

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL ||
	    (st->rollup = rollup_new()) == NULL) {
		if (st != NULL)
			free(st->path);
		free(st);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	st->lock_fd = lock_fd;
	if (store_use(st, path, err, errlen) == -1) {
		store_close(st);
		return NULL;
	}
	return st;
}

/*
 * store_open() for a new image after an upgrade: lock_fd is the database,
 * flock'ed by the previous image (see src/upgrade.c).  An older schema is
 * migrated here, as at any start.
 */
struct store *
store_open_adopt(const char *path, int lock_fd, char *err, size_t errlen)
{
	return store_open_with(path, lock_fd, err, errlen);
}

/*
 * Close the database for an upgrade, all but its locked descriptor, which
 * is returned for the next image: the lock is never free in between.
 * No transaction may be open.
 */
int
store_release(struct store *st)
{
	int	 fd = st->lock_fd;

	st->lock_fd = -1;
	store_close(st);
	return fd;
}

/* Whether the file recorded into is the one at the path (not rotated). */
int
store_at_path(struct store *st)
{
	struct stat	 sb, at;

	return st->lock_fd != -1 && fstat(st->lock_fd, &sb) == 0 &&
	    stat(st->path, &at) == 0 && sb.st_dev == at.st_dev &&
	    sb.st_ino == at.st_ino;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_detach(st);
	rollup_free(st->rollup);
	free(st->stale[0].name);
	free(st->stale[1].name);
	free(st->path);
	free(st);
}

/*
 * The name a file we hold open has now, wherever it was moved; -1 when it
 * has none we could open again (deleted, or unreachable).
 */
static int
fd_path(int fd, char *buf, size_t len)
{
	static const char deleted[] = " (deleted)";
	char	 link[64];
	ssize_t	 n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, len - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	if (buf[0] != '/' || ((size_t)n >= sizeof(deleted) - 1 &&
	    strcmp(buf + n - (sizeof(deleted) - 1), deleted) == 0))
		return -1;
	return 0;
}

/* Whether this process has the file sb describes open. */
static int
fd_open_on(const struct stat *sb)
{
	struct dirent	*de;
	struct stat	 fsb;
	DIR		*d;
	char		 link[32 + sizeof(de->d_name)];
	int		 found = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		found = de->d_name[0] != '.' && stat(link, &fsb) == 0 &&
		    fsb.st_dev == sb->st_dev && fsb.st_ino == sb->st_ino;
	}
	closedir(d);
	return found;
}

/*
 * Our own -wal and -shm, found still under the path's names: moving only
 * the main file (as logrotate does) leaves them behind.  They are the old
 * database's, and a new database at the path must not adopt them.
 */
static void
left_behind(struct store *st)
{
	static const char *const suffix[2] = { "-wal", "-shm" };
	char		 name[PATH_MAX + 8];
	struct stat	 sb;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		free(st->stale[i].name);
		st->stale[i].name = NULL;
		snprintf(name, sizeof(name), "%s%s", st->path, suffix[i]);
		if (stat(name, &sb) == 0 && fd_open_on(&sb)) {
			st->stale[i].name = strdup(name);
			st->stale[i].dev = sb.st_dev;
			st->stale[i].ino = sb.st_ino;
		}
	}
}

/*
 * Remove the files left_behind() found, once the old database is closed,
 * if they are still the same files.  Fails with err set when one stays.
 */
static int
remove_left_behind(struct store *st, char *err, size_t errlen)
{
	struct stat	 sb;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		if (st->stale[i].name == NULL)
			continue;
		if (stat(st->stale[i].name, &sb) == 0 &&
		    sb.st_dev == st->stale[i].dev &&
		    sb.st_ino == st->stale[i].ino &&
		    unlink(st->stale[i].name) == -1 && errno != ENOENT)
			return errf(err, errlen, "cannot remove %s, the moved "
			    "database's: %s", st->stale[i].name,
			    strerror(errno));
		free(st->stale[i].name);
		st->stale[i].name = NULL;
	}
	return 0;
}

/*
 * Whether a new database can be made at path: its directory (or, if that
 * is missing, its parent, for store_mkdir) must let us create the file and
 * SQLite's -wal and -shm beside it.  Checked before the old file is let
 * go, so that failing leaves recording where it was.
 */
static int
can_create(const char *path, char *err, size_t errlen)
{
	char	*copy, *dir;
	int	 r = 0;

	if ((copy = strdup(path)) == NULL)
		return errf(err, errlen, "out of memory");
	dir = dirname(copy);
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == -1 &&
	    (errno != ENOENT || faccessat(AT_FDCWD, dirname(dir),
	    W_OK | X_OK, AT_EACCESS) == -1))
		r = errf(err, errlen, "cannot create a database in %s: %s",
		    dir, strerror(errno));
	else if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) == -1 &&
	    errno != ENOENT)
		r = errf(err, errlen, "%s: %s", path, strerror(errno));
	free(copy);
	return r;
}

/*
 * Checkpoint in mode; 0 when the whole WAL was copied back (and, for
 * TRUNCATE, emptied).  Readers make TRUNCATE wait up to busy_ms.
 */
static int
store_checkpoint(struct store *st, int mode, int busy_ms)
{
	int	 nlog = -1, nckpt = -1, r;

	sqlite3_busy_timeout(st->db, busy_ms);
	r = sqlite3_wal_checkpoint_v2(st->db, "main", mode, &nlog, &nckpt);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (nlog >= 0 && nckpt >= 0) {
		st->wal.frames = nlog;
		st->wal.backfilled = nckpt;
	}
	return r == SQLITE_OK && nlog == nckpt ? 0 : -1;
}

/* Undo store_run_end(): the run goes on after all. */
static int
store_run_resume(struct store *st)
{
	sqlite3_stmt	*s;
	int		 r;

	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET stop_time = NULL, "
	    "clean = 0 WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, st->run_id);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/*
 * Make the moved file stand alone: with every WAL frame copied into it,
 * close its run as a clean stop and empty the WAL.  A reader whose
 * snapshot predates the end of the WAL prevents that (and so, for a
 * moment, does any reader of the WAL): then the run goes on, and err says
 * who holds the WAL.
 */
static int
store_stand_alone(struct store *st, int64_t now, const char *old, char *err,
    size_t errlen)
{
	char	 who[256];

	if (store_checkpoint(st, SQLITE_CHECKPOINT_PASSIVE, 0) == 0) {
		if (store_run_end(st, now, 1) == -1)
			return errf(err, errlen, "%s: closing its run: %s", old,
			    sqlite3_errmsg(st->db));
		if (store_checkpoint(st, SQLITE_CHECKPOINT_TRUNCATE,
		    STORE_CKPT_BUSY_MS) == 0)
			return 0;
		if (store_run_resume(st) == -1)
			return errf(err, errlen, "%s: reopening its run: %s",
			    old, sqlite3_errmsg(st->db));
	}
	wal_readers(who, sizeof(who));
	return errf(err, errlen, "the WAL of %s cannot be copied into it yet "
	    "(%lld of %lld frames copied): held by %s", old,
	    (long long)st->wal.backfilled, (long long)st->wal.frames, who);
}

/* Start recording into the file at path: attach and open a run. */
static int
store_start(struct store *st, const char *path, const struct run_info *ri,
    char *err, size_t errlen)
{
	if (store_use(st, path, err, errlen) == -1)
		return -1;
	if (store_run_begin(st, ri) == -1)
		return errf(err, errlen, "%s: %s", path,
		    sqlite3_errmsg(st->db));
	return 0;
}

/*
 * Start recording at the path (a new file), the files the old database
 * left there removed first.  On failure nothing is open and st->err says
 * why: store_begin() calls this again at each batch.
 */
static int
store_retry(struct store *st)
{
	if (remove_left_behind(st, st->err, sizeof(st->err)) == 0 &&
	    store_start(st, st->path, &st->run, st->err,
	    sizeof(st->err)) == 0)
		return 0;
	store_detach(st);
	return -1;
}

/* Back to the moved file and its run, after the new file failed. */
static int
store_resume(struct store *st, const char *old, int64_t run_id, char *err,
    size_t errlen)
{
	if (*old == '\0')
		return errf(err, errlen, "the moved file has no name to open "
		    "it by");
	if (store_use(st, old, err, errlen) == -1)
		return -1;
	st->run_id = run_id;
	if (store_run_resume(st) == -1)
		return errf(err, errlen, "%s: %s", old, sqlite3_errmsg(st->db));
	return 0;
}

/*
 * After the file was moved away (log rotation) start a new database at the
 * same path and continue there.  No transaction may be open.  In order:
 *
 * - The path still names the file in use: nothing to do (SAME).
 * - The new file could not be created there (the directory is not
 *   writable): recording goes on in the old file, under its new name, and
 *   in the same run (KEPT).
 * - The old file must stand alone wherever it was moved: its WAL copied
 *   into it, its run closed as a clean stop.  While a reader's snapshot
 *   prevents that and the WAL is still at the old path (only the main file
 *   was moved), deleting it would lose every record since the last
 *   checkpoint: recording goes on in the old file, and the caller tries
 *   again later (WAIT).  A WAL moved along with the file stays beside it.
 * - Then the new file at the path gets a runs row of its own (NEW).  If
 *   that fails, recording goes back to the old file and its run (KEPT),
 *   or, if even that fails or the old file was deleted, nothing is open
 *   (NONE): store_begin() tries the path again at each batch while the
 *   queue holds the records.
 *
 * err says why for every result but SAME and NEW.
 */
enum store_reopen
store_reopen(struct store *st, const struct run_info *ri, int64_t now,
    char *err, size_t errlen)
{
	char		 old[PATH_MAX] = "";
	struct stat	 sb;
	int64_t		 run_id;
	int		 gone;

	*err = '\0';
	st->run = *ri;
	if (st->db == NULL) {
		if (store_retry(st) == 0)
			return STORE_REOPEN_NEW;
		errf(err, errlen, "%s", st->err);
		return STORE_REOPEN_NONE;
	}
	if (stat(st->path, &sb) == 0 && sb.st_dev == st->dev &&
	    sb.st_ino == st->ino)
		return STORE_REOPEN_SAME;
	/* Deleted, not moved: its records are gone with it. */
	gone = fstat(st->lock_fd, &sb) == 0 && sb.st_nlink == 0;
	if (fd_path(st->lock_fd, old, sizeof(old)) == -1)
		old[0] = '\0';
	if (!gone && can_create(st->path, err, errlen) == -1) {
		snprintf(err + strlen(err), errlen - strlen(err), "; still "
		    "recording into %s", *old != '\0' ? old : "the moved file");
		return STORE_REOPEN_KEPT;
	}
	left_behind(st);
	if (!gone && store_stand_alone(st, now, *old != '\0' ? old :
	    "the moved file", err, errlen) == -1) {
		if (st->stale[0].name != NULL)
			return STORE_REOPEN_WAIT;
		store_run_end(st, now, 1);
	}
	run_id = st->run_id;
	store_detach(st);
	if (store_retry(st) == 0)
		return STORE_REOPEN_NEW;
	if (!gone && store_resume(st, old, run_id, err, errlen) == 0) {
		errf(err, errlen, "%s; still recording into %s", st->err, old);
		return STORE_REOPEN_KEPT;
	}
	store_detach(st);
	errf(err, errlen, "%s", st->err);
	return STORE_REOPEN_NONE;
}

/*
 * Before the last close.  SQLite does not checkpoint a moved file when it
 * closes it, so a file moved away while we recorded into it (a reopen that
 * kept or waited for it) gets its WAL copied in here, to stand alone under
 * its new name.  If a reader prevents that, the WAL and -shm left at the
 * old path go beside the moved file instead: a new database at the path
 * must never adopt them.  Returns 1 with err saying so when they were
 * moved, -1 with err set when neither worked.
 */
int
store_settle(struct store *st, char *err, size_t errlen)
{
	static const char *const suffix[2] = { "-wal", "-shm" };
	char		 old[PATH_MAX], side[PATH_MAX + 8];
	struct stat	 sb;
	size_t		 i;

	*err = '\0';
	if (st->db == NULL || (stat(st->path, &sb) == 0 &&
	    sb.st_dev == st->dev && sb.st_ino == st->ino) ||
	    store_checkpoint(st, SQLITE_CHECKPOINT_TRUNCATE,
	    STORE_BUSY_TIMEOUT_MS) == 0)
		return 0;
	left_behind(st);
	if (st->stale[0].name == NULL && st->stale[1].name == NULL)
		return 0;
	if (fd_path(st->lock_fd, old, sizeof(old)) == -1)
		return errf(err, errlen, "the moved database's WAL %s could "
		    "not be copied into it, and its new name is unknown",
		    st->stale[0].name != NULL ? st->stale[0].name : "");
	for (i = 0; i < 2; i++) {
		if (st->stale[i].name == NULL)
			continue;
		snprintf(side, sizeof(side), "%s%s", old, suffix[i]);
		if (renameat2(AT_FDCWD, st->stale[i].name, AT_FDCWD, side,
		    RENAME_NOREPLACE) == -1)
			return errf(err, errlen, "cannot move %s beside %s "
			    "(a reader keeps it from being copied in): %s",
			    st->stale[i].name, old, strerror(errno));
	}
	snprintf(err, errlen, "a reader kept the WAL from being copied into "
	    "%s: it is beside it now, as %s-wal", old, old);
	return 1;
}

const char *
store_errmsg(struct store *st)
{
	if (st->db == NULL)
		return st->err;
	return sqlite3_errmsg(st->db);
}

static int
exec(struct store *st, const char *sql)
{
	if (st->db == NULL)
		return -1;
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

static int
step_reset(sqlite3_stmt *s)
{
	int	 r = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Insert this daemon life's runs row and commit it at once. */
int
store_run_begin(struct store *st, const struct run_info *ri)
{
	sqlite3_stmt	*s;
	int		 r;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO runs (boot_id, "
	    "start_time, last_alive, hostname, kernel_release, cpumask, "
	    "rcvbuf, sockets, daemon_pid, taskacct_version) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, ri->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ri->start_time);
	sqlite3_bind_int64(s, 3, ri->start_time);
	sqlite3_bind_text(s, 4, ri->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ri->kernel_release, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, ri->cpumask, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, ri->rcvbuf);
	sqlite3_bind_int(s, 8, ri->sockets);
	sqlite3_bind_int64(s, 9, (int64_t)getpid());
	sqlite3_bind_text(s, 10, TASKACCT_VERSION, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return -1;
	st->run_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/*
 * Go on recording into the run of the image before an upgrade: the row
 * must be open, of this process and this boot (the PID is kept by an exec
 * in place).  Its taskacct_version becomes this binary's.  One run, one
 * row: `taskacct status` shows no gap (taskacctd(8), UPGRADE).
 */
int
store_run_adopt(struct store *st, int64_t run_id, const struct run_info *ri,
    int64_t now)
{
	sqlite3_stmt	*s;
	int		 r;

	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET taskacct_version = ?, "
	    "last_alive = ? WHERE id = ? AND stop_time IS NULL AND "
	    "daemon_pid = ? AND boot_id = ?", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, TASKACCT_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, run_id);
	sqlite3_bind_int64(s, 4, (int64_t)getpid());
	sqlite3_bind_text(s, 5, ri->boot_id, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(st->db) != 1) {
		errf(st->err, sizeof(st->err), "run %lld is not this "
		    "process's open run", (long long)run_id);
		return 0;
	}
	st->run_id = run_id;
	return 1;
}

/* Mark the run stopped; clean is 1 for an orderly stop. */
int
store_run_end(struct store *st, int64_t now, int clean)
{
	sqlite3_stmt	*s;
	int		 r;

	if (st->db == NULL)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET stop_time = ?, "
	    "last_alive = ?, clean = ? WHERE id = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, clean);
	sqlite3_bind_int64(s, 4, st->run_id);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/* SQLite's own state decides whether a transaction is open. */
static int
store_in_txn(struct store *st)
{
	return st->db != NULL && !sqlite3_get_autocommit(st->db);
}

/*
 * Open a transaction.  With no database open (a reopen failed), first try
 * to start recording at the path again (store_retry()).
 */
int
store_begin(struct store *st)
{
	if (st->db == NULL && store_retry(st) == -1)
		return -1;
	if (store_in_txn(st))
		return 0;
	if (exec(st, "BEGIN IMMEDIATE") == -1)
		return -1;
	return ranked_begin(st->ranked);
}

/* Commit the open transaction, with its rollups and the run's heartbeat. */
int
store_commit(struct store *st, int64_t now)
{
	if (!store_in_txn(st))
		return 0;
	sqlite3_bind_int64(st->alive, 1, now);
	sqlite3_bind_int64(st->alive, 2, st->run_id);
	if (store_put_rollups(st) == -1 || ranked_commit(st->ranked) == -1 ||
	    step_reset(st->alive) == -1 ||
	    exec(st, "COMMIT") == -1)
		return -1;
	rollup_clear(st->rollup);
	return 0;
}

/* Roll back; a failed COMMIT may have rolled back already. */
int
store_rollback(struct store *st)
{
	rollup_clear(st->rollup);
	/* Ids cached in the transaction are gone with it. */
	identstore_forget(st->ident);
	ptot_rollback(st->ptot);
	ranked_forget(st->ranked);
	if (!store_in_txn(st))
		return 0;
	return exec(st, "ROLLBACK");
}

/*
 * Insert one record inside the open transaction.  link_id (0: none) is the
 * row id of the thread record a group record came with; *rowid gets the new
 * row's id.  Every parameter is bound on every call, so the bindings need
 * no clearing: this is the recorder's hottest path.
 */
int
store_put_record(struct store *st, const struct ts_record *rec,
    int64_t recv_time, int64_t link_id, int64_t *rowid)
{
	return store_put_task(st, rec, recv_time, link_id, NULL, -1, rowid);
}

/* Bind a row's identity (ident_src -1: capture off, all NULL). */
static int
bind_ident(struct store *st, int col, const struct ident *id, int src)
{
	struct ident_ids ids;
	sqlite3_stmt	*s = st->ins_task;
	int64_t		 v[TI__COUNT];
	int		 i;

	if (identstore_ids(st->ident, id, &ids) == -1)
		return -1;
	v[TI_ARGS_ID] = ids.args;
	v[TI_EXE_ID] = ids.exe;
	v[TI_CGROUP_ID] = ids.cgroup;
	v[TI_SRC] = src;
	for (i = 0; i < TI__COUNT; i++)
		if (i == TI_SRC ? src >= 0 : v[i] > 0)
			sqlite3_bind_int64(s, col + i, v[i]);
		else
			sqlite3_bind_null(s, col + i);
	return 0;
}

/* The process totals' upkeep (proctotals.c) of a row just inserted. */
static int
store_put_ptot(struct store *st, const struct ts_record *rec,
    const struct ts_plan *plan, int64_t recv_time, int64_t link_id,
    int64_t rowid)
{
	struct pt_row	 r;

	if (rec->kind != 0)
		return ptot_group(st->ptot, link_id);
	ptot_row(&r, rec, plan, rowid, st->run_id, recv_time);
	return ptot_thread(st->ptot, &r);
}

/*
 * store_put_record with the task's identity: id (NULL: none) and its
 * ident_src (-1: identity capture off).
 *
 * Where a row's bytes go (issue 13, measured with dbstat on 1.38M rows of
 * thread storms, 16 KiB pages; tools/dev/bench-storm.sh prints the split):
 * 229 B a row = the tasks row 163 B (its record header alone ~93 B: one
 * serial-type byte per stored column, 36 of them the delay groups the
 * kernel leaves 0 without delayacct and the *_max_ts NULLs; the values
 * ~62 B: ac_comm 9, recv_time 8, ac_btime and ac_btime64 4 each, ...; a
 * 0 or NULL costs its header byte only) + tasks_recv_time 19 B + tasks_pid
 * 22 B + tasks_ppid 23 B (recv_time's 8 bytes in each key).  The bind loop
 * below is ~3% of taskacctd's CPU and this thread (SQLite, its WAL
 * writes) about a quarter; the rest is the listener thread (wake-ups,
 * recvmmsg, the process-events connector).
 */
int
store_put_task(struct store *st, const struct ts_record *rec,
    int64_t recv_time, int64_t link_id, const struct ident *id, int src,
    int64_t *rowid)
{
	const struct ts_plan	*plan = ts_plan_get(&st->plan[rec->kind != 0],
				    rec);
	const struct ts_step	*bs;
	sqlite3_stmt		*s = st->ins_task;
	const char		*comm;
	size_t			 i, tail = ts_record_tail_len(rec);
	int			 col = TM__COUNT + 1, r;

	/* Parameters count from 1: a meta column's is its index + 1. */
	sqlite3_bind_int64(s, TM_RUN_ID + 1, st->run_id);
	sqlite3_bind_int64(s, TM_RECV_TIME + 1, recv_time);
	sqlite3_bind_int(s, TM_KIND + 1, rec->kind);
	sqlite3_bind_int64(s, TM_TASK_ID + 1, rec->task_id);
	if (link_id > 0)
		sqlite3_bind_int64(s, TM_LINK_ID + 1, link_id);
	else
		sqlite3_bind_null(s, TM_LINK_ID + 1);
	sqlite3_bind_int(s, TM_TS_LEN + 1, rec->size);
	for (i = 0; i < ts_nfields; i++, col++) {
		bs = &plan->step[i];
		if (!bs->present)
			sqlite3_bind_null(s, col);
		else if (bs->type == FT_COMM) {
			comm = (const char *)rec->raw + bs->offset;
			sqlite3_bind_text(s, col, comm,
			    (int)strnlen(comm, TS_COMM_LEN), SQLITE_STATIC);
		} else
			sqlite3_bind_int64(s, col,
			    ts_value_int(bs->type, rec->raw + bs->offset));
	}
	if (tail > 0)
		sqlite3_bind_blob(s, col, rec->raw + rec->len - tail,
		    (int)tail, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
	if (bind_ident(st, col + 1, id, src) == -1)
		return -1;
	r = sqlite3_step(s);
	sqlite3_reset(s);
	if (r != SQLITE_DONE || rollup_add(st->rollup, rec, plan, recv_time) == -1)
		return -1;
	*rowid = sqlite3_last_insert_rowid(st->db);
	if (store_put_ptot(st, rec, plan, recv_time, link_id, *rowid) == -1)
		return -1;
	return ranked_add_record(st->ranked, rec, plan, recv_time, *rowid);
}

/* Insert one loss inside the open transaction; records -1 is unknown. */
int
store_put_loss(struct store *st, int64_t time, const char *kind,
    int64_t records, const char *detail)
{
	sqlite3_stmt	*s = st->ins_loss;

	sqlite3_bind_int64(s, 1, st->run_id);
	sqlite3_bind_int64(s, 2, time);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	if (records >= 0)
		sqlite3_bind_int64(s, 4, records);
	else
		sqlite3_bind_null(s, 4);
	if (detail != NULL && *detail != '\0')
		sqlite3_bind_text(s, 5, detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 5);
	return step_reset(s);
}

/* Record the struct version the kernel speaks (first one seen wins). */
int
store_set_ts_version(struct store *st, int version)
{
	sqlite3_bind_int(st->ts_version, 1, version);
	sqlite3_bind_int64(st->ts_version, 2, st->run_id);
	return step_reset(st->ts_version);
}

/*
 * Retention.  Rows go oldest first, in whole minutes, a bounded batch per
 * call, each call its own transaction: the writer interleaves them with its
 * inserts so that a large prune never holds the queue up for long.  A
 * minute cut in two would leave its rollups counting rows that are gone
 * (max(rss) cannot be taken back out of them), so a batch ends at a
 * minute's end, but for a minute of a storm: deleting 100000 rows took
 * about 3 s here, too long for one transaction (see store_prune_cut).
 */
/* A batch of whole minutes holds at most this many batches' rows. */
#define STORE_PRUNE_MINUTE_BATCHES	10

/*
 * Delete the rollups of the minutes before this one; then the hour and day
 * levels follow (store_levels.c), if any minute went.
 */
static int
store_prune_minutes(struct store *st, int64_t minute)
{
	static const char *const sql[] = {
		"DELETE FROM minutes WHERE minute < ?",
		"DELETE FROM minute_parents WHERE minute < ?",
	};
	sqlite3_stmt	*s;
	int64_t		 gone = 0;
	size_t		 i;
	int		 r;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL) !=
		    SQLITE_OK)
			return -1;
		sqlite3_bind_int64(s, 1, minute);
		r = sqlite3_step(s);
		sqlite3_finalize(s);
		if (r != SQLITE_DONE)
			return -1;
		gone += sqlite3_changes(st->db);
	}
	return gone > 0 ? store_levels_prune(st->db, minute) : 0;
}

/* One integer from a query with one or two integer parameters. */
static int
query_int2(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t *v,
    int *found)
{
	sqlite3_stmt	*s;
	int		 r;

	*found = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, b);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(s, 0);
		*found = 1;
	}
	sqlite3_finalize(s);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : -1;
}

/*
 * Where this batch cuts: rows received before *cut go, all of them, or
 * with *limit > 0 only the *limit oldest.  A cut is the start of a minute,
 * so that a minute's rows and its rollups go together and the minutes kept
 * stay exact: before_time is rounded down to its minute, and the batch
 * ends with the minute of its batch-th row.  Fewer than batch rows go only
 * when no more are due.  A minute of a storm (whole minutes of more than
 * STORE_PRUNE_MINUTE_BATCHES batches) goes a batch at a time instead, so
 * that no transaction holds the writer up for long; its rollups go with
 * its last row, and until then the query tool reads that oldest minute
 * from the rows (tools/rollup.c).
 */
static int
store_prune_cut(struct store *st, int64_t before_time, int batch,
    int64_t *cut, int *limit)
{
	int64_t	 t;
	int	 found;

	*limit = 0;
	if (batch < 1)
		batch = 1;
	*cut = rollup_minute_floor(before_time);
	if (query_int2(st->db, "SELECT recv_time FROM tasks WHERE recv_time "
	    "< ? ORDER BY recv_time LIMIT 1 OFFSET ?", *cut, batch - 1, &t,
	    &found) == -1)
		return -1;
	if (!found)
		return 0;
	if (rollup_minute_start(rollup_minute(t) + 1) < *cut)
		*cut = rollup_minute_start(rollup_minute(t) + 1);
	if (query_int2(st->db, "SELECT recv_time FROM tasks WHERE recv_time "
	    "< ? ORDER BY recv_time LIMIT 1 OFFSET ?", *cut,
	    (int64_t)batch * STORE_PRUNE_MINUTE_BATCHES - 1, &t, &found) == -1)
		return -1;
	if (found)
		*limit = batch;
	return 0;
}

/*
 * Delete a batch of the oldest task rows received before before_time, in
 * whole minutes (see store_prune_cut), with their rollups, the loss
 * rows older than the oldest task row left, and the identity values no
 * row points at any more (identstore_prune).  *rows and *losses get the
 * numbers deleted.
 */
int
store_prune(struct store *st, int64_t before_time, int batch, int64_t *rows,
    int64_t *losses)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 oldest, cut, values;
	int		 r, limit;

	*rows = *losses = 0;
	if (exec(st, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (store_prune_cut(st, before_time, batch, &cut, &limit) == -1)
		goto fail;
	if (sqlite3_prepare_v2(st->db, limit > 0 ? "DELETE FROM tasks WHERE "
	    "id IN (SELECT id FROM tasks WHERE recv_time < ?1 ORDER BY "
	    "recv_time LIMIT ?2)" : "DELETE FROM tasks WHERE recv_time < ?1",
	    -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(s, 1, cut);
	if (limit > 0)
		sqlite3_bind_int(s, 2, limit);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		goto fail;
	*rows = sqlite3_changes(st->db);
	if (store_oldest(st, &oldest) == -1)
		goto fail;
	if (oldest == -1 || oldest > cut)
		oldest = cut;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM losses WHERE time < ?",
	    -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(s, 1, oldest);
	r = sqlite3_step(s);
	sqlite3_finalize(s);
	if (r != SQLITE_DONE)
		goto fail;
	*losses = sqlite3_changes(st->db);
	/* Live samples (activity, sample_passes) go with the exits. */
	if (store_prune_activity(st, oldest) == -1)
		goto fail;
	/* Command lines, exes and cgroups no row points at any more. */
	if (identstore_prune(st->ident, oldest, &values) == -1)
		goto fail;
	/* The minutes before the oldest row's (or the cut's): all gone. */
	if (store_prune_minutes(st, rollup_minute(oldest)) == -1 ||
	    ranked_prune(st->ranked, oldest) == -1 ||
	    ptot_prune(st->db, cut) == -1)
		goto fail;
	if (exec(st, "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	*rows = *losses = 0;
	return -1;
}

/* The connection, for the modules with tables of their own. */
sqlite3 *
store_handle(struct store *st)
{
	return st->db;
}

int64_t
store_run_id(struct store *st)
{
	return st->run_id;
}

/* The receive time of the oldest task row, -1 if there is none. */
int
store_oldest(struct store *st, int64_t *oldest)
{
	*oldest = -1;
	if (pragma_int(st->db, "SELECT coalesce(min(recv_time), -1) FROM tasks",
	    oldest) == -1)
		return -1;
	return 0;
}

/*
 * Bytes of the database's pages in use (free pages not counted), plus the
 * -wal file up to the size a checkpoint truncates it back to.  Beyond
 * that it grows only while a reader holds it back, and pruning rows
 * would not shrink it (the writer warns instead).
 */
int
store_used_bytes(struct store *st, int64_t *bytes)
{
	struct store_wal	 wal;
	int64_t			 pages, freel, size;

	if (pragma_int(st->db, "PRAGMA page_count", &pages) == -1 ||
	    pragma_int(st->db, "PRAGMA freelist_count", &freel) == -1 ||
	    pragma_int(st->db, "PRAGMA page_size", &size) == -1)
		return -1;
	*bytes = (pages - freel) * size;
	if (store_wal(st, &wal) == 0)
		*bytes += st->wal_cap > 0 && wal.bytes > st->wal_cap ?
		    st->wal_cap : wal.bytes;
	return 0;
}

/*
 * Give up to maxpages free pages back to the file system (incremental
 * vacuum; a database created before schema version 2 may not have it, and
 * then keeps its free pages for new rows).  *freed gets the bytes the file
 * shrank by: 0 when there is nothing (more) to give back.
 */
int
store_vacuum(struct store *st, int maxpages, int64_t *freed)
{
	char	 sql[64];
	int64_t	 before, after, size;

	*freed = 0;
	snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", maxpages);
	if (pragma_int(st->db, "PRAGMA page_count", &before) == -1 ||
	    pragma_int(st->db, "PRAGMA page_size", &size) == -1 ||
	    exec(st, sql) == -1 ||
	    pragma_int(st->db, "PRAGMA page_count", &after) == -1)
		return -1;
	*freed = (before - after) * size;
	return 0;
}

/* Record one pruning pass, in a transaction of its own. */
int
store_put_prune(struct store *st, int64_t time, const char *reason,
    int64_t before_time, int64_t rows, int64_t losses, int64_t freed)
{
	sqlite3_stmt	*s = st->ins_prune;

	sqlite3_bind_int64(s, 1, st->run_id);
	sqlite3_bind_int64(s, 2, time);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, before_time);
	sqlite3_bind_int64(s, 5, rows);
	sqlite3_bind_int64(s, 6, losses);
	sqlite3_bind_int64(s, 7, freed);
	return step_reset(s);
}
