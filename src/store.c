/*
 * store.c: the SQLite side of the recorder.  Opens (or creates) the database
 * and checks it is taskacct's, applies the schema from sql/schema.sql, and
 * writes runs, records and losses through prepared statements whose column
 * lists come from the field table.  One thread at a time: the main thread
 * opens it and writes the runs row before the writer thread starts and
 * after it has been joined; the writer thread uses it in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fields.h"
#include "store.h"
#include "taskacct.h"

#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_DIR_MODE		0750
#define STORE_FILE_MODE		0640

struct store {
	sqlite3		*db;
	sqlite3_stmt	*ins_task;
	sqlite3_stmt	*ins_loss;
	sqlite3_stmt	*alive;
	sqlite3_stmt	*ts_version;
	int64_t		 run_id;
	int		 lock_fd;	/* flock: one recorder per database */
};

/* Column list of the record INSERT, in bind order. */
static const char *const task_meta_cols[] = {
	"run_id", "recv_time", "kind", "task_id", "link_id", "ts_len",
};
#define TASK_META_NCOLS	(sizeof(task_meta_cols) / sizeof(task_meta_cols[0]))

static int __attribute__((format(printf, 3, 4)))
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Create the database's directory (one level) with a private mode. */
static int
store_mkdir(const char *path, char *err, size_t errlen)
{
	char	*copy, *dir;
	int	 r = 0;

	if ((copy = strdup(path)) == NULL)
		return errf(err, errlen, "out of memory");
	dir = dirname(copy);
	if (mkdir(dir, STORE_DIR_MODE) == -1 && errno != EEXIST)
		r = errf(err, errlen, "cannot create directory %s: %s", dir,
		    strerror(errno));
	free(copy);
	return r;
}

/*
 * Create the file with a mode that keeps other users out, and take an
 * exclusive flock(2) on it for as long as we record: two recorders on one
 * database would store every exit twice.  The descriptor stays open until
 * store_close(), after SQLite's own, since closing any descriptor of a file
 * drops the POSIX locks SQLite holds on it.
 */
static int
store_lock_file(struct store *st, const char *path, char *err, size_t errlen)
{
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    STORE_FILE_MODE);
	if (st->lock_fd == -1)
		return errf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == -1)
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

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
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
static int
store_check_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int64_t	 app = 0, ver = 0, ntables = 0;

	if (pragma_int(db, "PRAGMA application_id", &app) == -1 ||
	    pragma_int(db, "PRAGMA user_version", &ver) == -1 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &ntables) == -1)
		return errf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	if (app == 0 && ver == 0 && ntables == 0) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != 0 ||
		    sqlite3_exec(db, taskacct_schema_sql, NULL, NULL, NULL) != 0) {
			errf(err, errlen, "%s: creating schema: %s", path,
			    sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return errf(err, errlen, "%s: %s", path,
			    sqlite3_errmsg(db));
		return 0;
	}
	if (app != TASKACCT_APPLICATION_ID)
		return errf(err, errlen, "%s is not a taskacct database "
		    "(another program's SQLite file?)", path);
	if (ver > TASKACCT_SCHEMA_VERSION)
		return errf(err, errlen, "%s: database schema version %lld is "
		    "newer than this taskacctd's (%d): upgrade taskacct", path,
		    (long long)ver, TASKACCT_SCHEMA_VERSION);
	if (ver < TASKACCT_SCHEMA_VERSION)
		return errf(err, errlen, "%s: database schema version %lld has "
		    "no migration to %d", path, (long long)ver,
		    TASKACCT_SCHEMA_VERSION);
	return 0;
}

static int
store_prepare_task(struct store *st)
{
	char	*sql, *p;
	size_t	 i, len = 256;
	int	 r;

	for (i = 0; i < ts_nfields; i++)
		len += strlen(ts_fields[i].name) + 4;
	len += (TASK_META_NCOLS + 1) * 16;
	if ((sql = p = malloc(len)) == NULL)
		return -1;
	p += sprintf(p, "INSERT INTO tasks (");
	for (i = 0; i < TASK_META_NCOLS; i++)
		p += sprintf(p, "%s, ", task_meta_cols[i]);
	for (i = 0; i < ts_nfields; i++)
		p += sprintf(p, "%s, ", ts_fields[i].name);
	p += sprintf(p, "tail) VALUES (");
	for (i = 0; i < TASK_META_NCOLS + ts_nfields; i++)
		p += sprintf(p, "?, ");
	sprintf(p, "?)");
	r = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->ins_task, NULL);
	free(sql);
	return r == SQLITE_OK ? 0 : -1;
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
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET last_alive = ? "
	    "WHERE id = ?", -1, &st->alive, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET ts_version = ? "
	    "WHERE id = ? AND ts_version IS NULL", -1, &st->ts_version,
	    NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * Open the database at path for recording, creating it (and its directory)
 * if missing.  On error returns NULL with a one-line message in err.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*st;
	int		 one = 1;

	if (store_mkdir(path, err, errlen) == -1)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	st->lock_fd = -1;
	if (store_lock_file(st, path, err, errlen) == -1)
		goto fail;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		errf(err, errlen, "%s: %s", path, st->db ?
		    sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (store_check_schema(st->db, path, err, errlen) == -1)
		goto fail;
	if (sqlite3_exec(st->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
		errf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	/*
	 * Keep the -wal and -shm files after we close: without them a reader
	 * who cannot write the directory cannot open a WAL database at all.
	 */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	if (store_prepare(st) == -1) {
		errf(err, errlen, "%s: preparing statements: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->ins_task);
	sqlite3_finalize(st->ins_loss);
	sqlite3_finalize(st->alive);
	sqlite3_finalize(st->ts_version);
	sqlite3_close(st->db);
	if (st->lock_fd != -1)
		close(st->lock_fd);
	free(st);
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

static int
exec(struct store *st, const char *sql)
{
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

/* Mark the run stopped; clean is 1 for an orderly stop. */
int
store_run_end(struct store *st, int64_t now, int clean)
{
	sqlite3_stmt	*s;
	int		 r;

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
	return !sqlite3_get_autocommit(st->db);
}

int
store_begin(struct store *st)
{
	if (store_in_txn(st))
		return 0;
	return exec(st, "BEGIN IMMEDIATE");
}

/* Commit the open transaction, with the run's heartbeat in it. */
int
store_commit(struct store *st, int64_t now)
{
	if (!store_in_txn(st))
		return 0;
	sqlite3_bind_int64(st->alive, 1, now);
	sqlite3_bind_int64(st->alive, 2, st->run_id);
	if (step_reset(st->alive) == -1 || exec(st, "COMMIT") == -1)
		return -1;
	return 0;
}

/* Roll back; a failed COMMIT may have rolled back already. */
int
store_rollback(struct store *st)
{
	if (!store_in_txn(st))
		return 0;
	return exec(st, "ROLLBACK");
}

static void
bind_field(sqlite3_stmt *s, int col, const struct ts_field *f,
    const struct ts_record *rec)
{
	const char	*comm;

	if (!ts_field_present(f, rec->version, rec->len)) {
		sqlite3_bind_null(s, col);
		return;
	}
	if (f->type == FT_COMM) {
		comm = (const char *)rec->raw + ts_field_offset(f, rec->version);
		sqlite3_bind_text(s, col, comm, (int)strnlen(comm, TS_COMM_LEN),
		    SQLITE_STATIC);
		return;
	}
	sqlite3_bind_int64(s, col, ts_field_int(f, rec->raw, rec->version));
}

/*
 * Insert one record inside the open transaction.  link_id (0: none) is the
 * row id of the thread record a group record came with; *rowid gets the new
 * row's id.
 */
int
store_put_record(struct store *st, const struct ts_record *rec,
    int64_t recv_time, int64_t link_id, int64_t *rowid)
{
	sqlite3_stmt	*s = st->ins_task;
	size_t		 i, tail = ts_record_tail_len(rec);
	int		 col = 1;

	sqlite3_bind_int64(s, col++, st->run_id);
	sqlite3_bind_int64(s, col++, recv_time);
	sqlite3_bind_int(s, col++, rec->kind);
	sqlite3_bind_int64(s, col++, rec->task_id);
	if (link_id > 0)
		sqlite3_bind_int64(s, col++, link_id);
	else
		sqlite3_bind_null(s, col++);
	sqlite3_bind_int(s, col++, rec->size);
	for (i = 0; i < ts_nfields; i++)
		bind_field(s, col++, &ts_fields[i], rec);
	if (tail > 0)
		sqlite3_bind_blob(s, col, rec->raw + rec->len - tail,
		    (int)tail, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
	if (step_reset(s) == -1)
		return -1;
	*rowid = sqlite3_last_insert_rowid(st->db);
	return 0;
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
