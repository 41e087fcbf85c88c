/*
 * unit_writer.c: the writer thread (src/writer.c) through its public API,
 * against a store whose writes fail and then succeed again.
 *
 * The failures come from a SQLite VFS registered as the default before the
 * store opens: it forwards everything to the real one, except that while
 * fault_on is set every write returns SQLITE_FULL, as a full disk does (the
 * WAL frames of a commit, or a cache spill in the middle of a batch).  The
 * writer must roll back, keep the records queued, back off and retry:
 * afterwards every record is stored exactly once (thread rows, group rows
 * linked to their thread row, loss rows, the per-minute rollups), and when
 * the queue is closed while the database still fails, writer_stop() says
 * so and exactly the unwritten items are left in the queue, none half
 * written.  (tests/locked.sh runs the daemon through a held write lock,
 * tests/fulldisk.sh through a real full filesystem.)
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "queue.h"
#include "store.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "writer.h"

#include "nlmsg_build.h"

/* Group records get task ids this far above their thread's. */
#define GROUP_ID_OFFSET	1000000

/* --- a VFS that fails writes on demand ----------------------------------- */

static sqlite3_vfs		*real_vfs;
static sqlite3_vfs		 fault_vfs;
static atomic_int		 fault_on;
static atomic_int		 fault_hits;	/* writes refused */

struct fault_file {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* follows this struct */
};

#define REAL(f)	(((struct fault_file *)(void *)(f))->real)

static int
ff_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int
ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (atomic_load(&fault_on)) {
		atomic_fetch_add(&fault_hits, 1);
		return SQLITE_FULL;
	}
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int
ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
ff_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
ff_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
ff_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
ff_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
ff_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
ff_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
ff_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2 (no memory mapping): every page goes through ff_write. */
static const sqlite3_io_methods fault_io = {
	.iVersion = 2,
	.xClose = ff_close,
	.xRead = ff_read,
	.xWrite = ff_write,
	.xTruncate = ff_truncate,
	.xSync = ff_sync,
	.xFileSize = ff_size,
	.xLock = ff_lock,
	.xUnlock = ff_unlock,
	.xCheckReservedLock = ff_check_lock,
	.xFileControl = ff_fcntl,
	.xSectorSize = ff_sector,
	.xDeviceCharacteristics = ff_devchar,
	.xShmMap = ff_shm_map,
	.xShmLock = ff_shm_lock,
	.xShmBarrier = ff_shm_barrier,
	.xShmUnmap = ff_shm_unmap,
};

static int
fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct fault_file	*ff = (struct fault_file *)(void *)f;
	int			 r;

	(void)vfs;
	ff->real = (sqlite3_file *)(void *)(ff + 1);
	r = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	/* A failed open must leave pMethods NULL: nothing to close. */
	f->pMethods = r == SQLITE_OK && ff->real->pMethods != NULL ?
	    &fault_io : NULL;
	return r;
}

static int
fault_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync);
}

static int
fault_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
fault_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int
fault_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
fault_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
fault_time(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

static int
fault_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

/*
 * The system calls are the real VFS's: store_open() routes its "open"
 * through the daemon's path checks (dbpath_guard_sqlite), which the files
 * this shim opens through the real VFS then go through too.
 */
static int
fault_set_syscall(sqlite3_vfs *vfs, const char *name,
    sqlite3_syscall_ptr fn)
{
	(void)vfs;
	return real_vfs->xSetSystemCall(real_vfs, name, fn);
}

static sqlite3_syscall_ptr
fault_get_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xGetSystemCall(real_vfs, name);
}

static const char *
fault_next_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xNextSystemCall(real_vfs, name);
}

static void
fault_vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	assert_true(real_vfs->iVersion >= 3);
	fault_vfs.iVersion = 3;
	fault_vfs.xSetSystemCall = fault_set_syscall;
	fault_vfs.xGetSystemCall = fault_get_syscall;
	fault_vfs.xNextSystemCall = fault_next_syscall;
	fault_vfs.szOsFile = (int)sizeof(struct fault_file) +
	    real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	fault_vfs.zName = "taskacct-fault";
	fault_vfs.xOpen = fault_open;
	fault_vfs.xDelete = fault_delete;
	fault_vfs.xAccess = fault_access;
	fault_vfs.xFullPathname = fault_fullpath;
	fault_vfs.xRandomness = fault_random;
	fault_vfs.xSleep = fault_sleep;
	fault_vfs.xCurrentTimeInt64 = fault_time;
	fault_vfs.xGetLastError = fault_last_error;
	assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
}

/* --- the store, the queue and the records -------------------------------- */

struct rig {
	char		 dir[64];
	char		 path[96];
	struct store	*store;
	struct queue	*queue;
	struct writer	*writer;
	uint32_t	 next_id;	/* task ids 1.. */
	uint32_t	 threads, groups, losses;
	int64_t		 loss_records;
};

static uint8_t	 st_buf[560];

static void	 rig_open_opts(struct rig *, size_t, const struct writer_opts *);

static void
rig_open(struct rig *r, size_t qcap)
{
	rig_open_opts(r, qcap, &(struct writer_opts){ .run = NULL });
}

static void
rig_open_opts(struct rig *r, size_t qcap, const struct writer_opts *o)
{
	struct writer_opts	 opts = *o;
	struct run_info	 ri = {
		.boot_id = "unit-writer", .hostname = "h",
		.kernel_release = "k", .cpumask = "0", .rcvbuf = 1,
		.sockets = 1, .start_time = now_real_us(),
	};
	char		 err[256];

	memset(r, 0, sizeof(*r));
	atomic_store(&fault_on, 0);
	snprintf(r->dir, sizeof(r->dir), "/tmp/unit-writer.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->path, sizeof(r->path), "%s/w.db", r->dir);
	if ((r->store = store_open(r->path, err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(store_run_begin(r->store, &ri), 0);
	assert_non_null(r->queue = queue_new(qcap));
	opts.run = &ri;
	r->writer = writer_start(r->store, r->queue, &opts);
	assert_non_null(r->writer);
	r->next_id = 1;
}

static void
rig_remove(struct rig *r)
{
	struct dirent	*de;
	char		 p[512];
	DIR		*d;

	if ((d = opendir(r->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", r->dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(r->dir);
}

/* Commit pending items; wait while the ring has no room for n. */
static void
room_for(struct rig *r, size_t n)
{
	struct timespec	 nap = { 0, 1000000 };

	while (queue_free_slots(r->queue) < n) {
		queue_publish(r->queue);
		nanosleep(&nap, NULL);
	}
}

static void
put_record(struct rig *r, uint8_t kind, uint32_t id)
{
	struct qitem	*it = queue_reserve(r->queue, 0);

	assert_non_null(it);
	memset(it, 0, sizeof(*it));
	it->type = QI_RECORD;
	it->recv_time = now_real_us();
	it->rec.kind = kind;
	it->rec.task_id = id;
	it->rec.version = 16;
	it->rec.size = it->rec.len = sizeof(st_buf);
	nlb_fill_stats(st_buf, sizeof(st_buf), 16, 16, id);
	memcpy(it->rec.raw, st_buf, sizeof(st_buf));
	queue_commit(r->queue);
}

static void
put_thread(struct rig *r)
{
	put_record(r, TASK_KIND_THREAD, r->next_id++);
	r->threads++;
}

/* The group record of the last thread put. */
static void
put_group(struct rig *r)
{
	put_record(r, TASK_KIND_GROUP, r->next_id - 1 + GROUP_ID_OFFSET);
	r->groups++;
}

/* One process end: its thread record, every third one with a group one. */
static void
push_exit(struct rig *r)
{
	room_for(r, 2);
	put_thread(r);
	if ((r->next_id - 1) % 3 == 0)
		put_group(r);
	queue_publish(r->queue);
}

static void
push_loss(struct rig *r, int64_t records)
{
	struct qitem	*it;

	room_for(r, 1);
	it = queue_reserve(r->queue, 0);
	assert_non_null(it);
	memset(it, 0, sizeof(*it));
	it->type = QI_LOSS;
	it->recv_time = now_real_us();
	it->loss.kind = "queue_full";
	it->loss.records = records;
	snprintf(it->loss.detail, sizeof(it->loss.detail), "unit %lld",
	    (long long)records);
	queue_commit(r->queue);
	queue_publish(r->queue);
	r->losses++;
	r->loss_records += records;
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

static sqlite3 *
db_reader(const struct rig *r)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open_v2(r->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Wait until the writer refused at least n writes. */
static void
wait_hits(int n)
{
	struct timespec	 nap = { 0, 5000000 };
	int		 i;

	for (i = 0; i < 2000 && atomic_load(&fault_hits) < n; i++)
		nanosleep(&nap, NULL);
	assert_true(atomic_load(&fault_hits) >= n);
}

/* Every record once, groups linked to their thread, losses once. */
static void
check_stored(const struct rig *r)
{
	sqlite3	*db = db_reader(r);

	assert_int_equal(query_int(db, "SELECT count(*) FROM tasks "
	    "WHERE kind = 0"), r->threads);
	assert_int_equal(query_int(db, "SELECT count(DISTINCT task_id) "
	    "FROM tasks WHERE kind = 0"), r->threads);
	assert_int_equal(query_int(db, "SELECT min(task_id) FROM tasks "
	    "WHERE kind = 0"), 1);
	assert_int_equal(query_int(db, "SELECT max(task_id) FROM tasks "
	    "WHERE kind = 0"), r->threads);
	assert_int_equal(query_int(db, "SELECT count(*) FROM tasks "
	    "WHERE kind = 1"), r->groups);
	/* Each group row links to the thread row it came with. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM tasks g "
	    "JOIN tasks t ON t.id = g.link_id WHERE g.kind = 1 AND "
	    "t.kind = 0 AND t.task_id + 1000000 = g.task_id"), r->groups);
	/* The payload is the one queued (comm-ID, as nlb_fill_stats). */
	assert_int_equal(query_int(db, "SELECT count(*) FROM tasks WHERE "
	    "kind = 0 AND ac_comm <> 'comm-' || task_id"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM losses "
	    "WHERE kind = 'queue_full'"), r->losses);
	assert_int_equal(query_int(db, "SELECT coalesce(sum(records), 0) "
	    "FROM losses WHERE kind = 'queue_full'"), r->loss_records);
	/* The rollups count each thread row once, retries or not. */
	assert_int_equal(query_int(db, "SELECT coalesce(sum(tasks), 0) "
	    "FROM minutes"), r->threads);
	assert_int_equal(query_int(db, "SELECT coalesce(sum(tasks), 0) "
	    "FROM rollup_rows"), r->threads);
	sqlite3_close(db);
}

/* Close the queue, stop the writer; returns the items left unwritten. */
static size_t
rig_finish(struct rig *r, int expect_left)
{
	uint64_t	 rows = 0;
	size_t		 left;

	queue_close(r->queue);
	assert_int_equal(writer_stop(r->writer, &rows), expect_left ? -1 : 0);
	left = queue_length(r->queue);
	atomic_store(&fault_on, 0);
	if (!expect_left) {
		assert_int_equal(left, 0);
		assert_int_equal(rows, r->threads + r->groups);
	}
	store_close(r->store);
	queue_free(r->queue);
	return left;
}

/* --- the tests ----------------------------------------------------------- */

static int64_t	 stored_threads(const struct rig *, int64_t);

/* No faults: the baseline the other tests are measured by. */
static void
test_plain(void **state)
{
	struct rig	 r;
	int		 i;

	(void)state;
	rig_open(&r, 64);
	for (i = 0; i < 500; i++)
		push_exit(&r);
	push_loss(&r, 3);
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

/*
 * A full disk after some rows are committed: the held batch is rolled
 * back and retried with back-off until the disk has room again; nothing
 * is lost and nothing written twice.
 */
static void
test_full_then_resumes(void **state)
{
	struct rig	 r;
	int		 i, hits;

	(void)state;
	rig_open(&r, 64);
	for (i = 0; i < 100; i++)
		push_exit(&r);
	assert_int_equal(stored_threads(&r, 100), 100);
	atomic_store(&fault_hits, 0);
	atomic_store(&fault_on, 1);
	push_loss(&r, 7);
	for (i = 0; i < 20; i++)
		push_exit(&r);
	/* Three failed attempts: 50, 100, 200 ms of back-off. */
	wait_hits(3);
	hits = atomic_load(&fault_hits);
	atomic_store(&fault_on, 0);
	for (i = 0; i < 200; i++)
		push_exit(&r);
	rig_finish(&r, 0);
	check_stored(&r);
	print_message("# %d writes refused, %u records stored\n", hits,
	    r.threads + r.groups);
	rig_remove(&r);
}

static int64_t
stored_threads(const struct rig *r, int64_t want)
{
	struct timespec	 nap = { 0, 10000000 };
	sqlite3		*db = db_reader(r);
	int64_t		 n;
	int		 i;

	for (i = 0; i < 500 && (n = query_int(db, "SELECT count(*) FROM "
	    "tasks WHERE kind = 0")) < want; i++)
		nanosleep(&nap, NULL);
	sqlite3_close(db);
	return n;
}

/*
 * A batch ends between a thread record and its group record; the next
 * batch, starting with that group record and ending with a thread record,
 * fails.  Retried, the group record must still link to the committed
 * thread row, not to a row of the batch rolled back.
 */
static void
test_split_pair_retried(void **state)
{
	struct rig	 r;
	int		 i;

	(void)state;
	rig_open(&r, 64);	/* a batch is 32 items */
	for (i = 0; i < 32; i++)
		put_thread(&r);
	queue_publish(r.queue);
	assert_int_equal(stored_threads(&r, 32), 32);
	atomic_store(&fault_hits, 0);
	atomic_store(&fault_on, 1);
	put_group(&r);
	for (i = 0; i < 9; i++)
		put_thread(&r);
	queue_publish(r.queue);
	wait_hits(2);
	atomic_store(&fault_on, 0);
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

struct feeder {
	struct rig	*r;
	int		 exits;
};

static void *
feed(void *arg)
{
	struct feeder	*f = arg;
	int		 i;

	for (i = 0; i < f->exits; i++) {
		push_exit(f->r);
		if (i % 997 == 0)
			push_loss(f->r, i);
	}
	return NULL;
}

/*
 * The disk fills and frees again and again while a producer keeps the
 * small queue full (batches end mid-process: a thread record committed,
 * its group record retried).
 */
static void
test_flapping(void **state)
{
	struct rig	 r;
	struct feeder	 f = { &r, 8000 };
	struct timespec	 on = { 0, 30000000 }, off = { 0, 60000000 };
	pthread_t	 t;
	int		 i;

	(void)state;
	rig_open(&r, 257);
	atomic_store(&fault_hits, 0);
	assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
	for (i = 0; i < 8; i++) {
		atomic_store(&fault_on, 1);
		nanosleep(&on, NULL);
		atomic_store(&fault_on, 0);
		nanosleep(&off, NULL);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(atomic_load(&fault_hits) > 0);
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

/*
 * Closed while the disk stays full: after the longest back-off the writer
 * gives up, writer_stop() reports it, and every item is still in the
 * queue (the caller logs that count); the database holds none of them.
 */
static void
test_gives_up(void **state)
{
	struct rig	 r;
	sqlite3		*db;
	size_t		 queued;
	int		 i;

	(void)state;
	rig_open(&r, 64);
	atomic_store(&fault_on, 1);
	for (i = 0; i < 10; i++)
		push_exit(&r);
	push_loss(&r, 2);
	queued = queue_length(r.queue);
	assert_int_equal(queued, r.threads + r.groups + r.losses);
	assert_int_equal(rig_finish(&r, 1), queued);
	db = db_reader(&r);
	assert_int_equal(query_int(db, "SELECT count(*) FROM tasks"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM losses"), 0);
	sqlite3_close(db);
	rig_remove(&r);
}

/* --- when the writer commits, and how often it wakes when idle ---------- */

/* Milliseconds to wait for n committed thread rows: long, for loaded CIs. */
#define COMMIT_WAIT_MS	10000
#define NEVER_MS	(3600 * 1000)	/* a flush interval never reached */

static int64_t
rows_within(const struct rig *r, int64_t want, int ms)
{
	struct timespec	 nap = { 0, 5000000 };
	sqlite3		*db = db_reader(r);
	int64_t		 n, t0 = now_mono_ms();

	while ((n = query_int(db, "SELECT count(*) FROM tasks WHERE "
	    "kind = 0")) < want && now_mono_ms() - t0 < ms)
		nanosleep(&nap, NULL);
	sqlite3_close(db);
	return n;
}

/*
 * The queue runs dry with nothing flowing: the batch is committed at once,
 * not at the flush interval (here an hour).
 */
static void
test_dry_commits(void **state)
{
	struct rig	 r;
	int		 i;

	(void)state;
	rig_open_opts(&r, 64, &(struct writer_opts){ .flush_ms = NEVER_MS,
	    .flow_ms = NEVER_MS });
	push_exit(&r);
	assert_int_equal(rows_within(&r, 1, COMMIT_WAIT_MS), 1);
	/* And again, later: each exit on an idle queue is committed. */
	for (i = 2; i <= 4; i++) {
		push_exit(&r);
		assert_int_equal(rows_within(&r, i, COMMIT_WAIT_MS), i);
	}
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

/*
 * While records flow the batch stays open although the queue is dry (the
 * next drain is due), and is committed, as one, when the flow stops.
 */
static void
test_flowing_holds(void **state)
{
	struct timespec	 wait = { 0, 300000000 };
	struct rig	 r;
	uint64_t	 c0;
	int		 i;

	(void)state;
	rig_open_opts(&r, 256, &(struct writer_opts){ .flush_ms = NEVER_MS,
	    .flow_ms = NEVER_MS });
	queue_set_flowing(r.queue, 1);
	c0 = writer_commits(r.writer);
	for (i = 0; i < 10; i++)
		push_exit(&r);
	nanosleep(&wait, NULL);
	assert_int_equal(rows_within(&r, 1, 0), 0);
	assert_int_equal(writer_commits(r.writer), c0);
	queue_set_flowing(r.queue, 0);
	assert_int_equal(rows_within(&r, 10, COMMIT_WAIT_MS), 10);
	assert_int_equal(writer_commits(r.writer), c0 + 1);
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

/*
 * Context switches of the writer thread (by its name: under TSan, the
 * sanitizer's own thread wakes too).
 */
static long
writer_switches(void)
{
	struct dirent	*de;
	char		 p[300], line[256];
	long		 n = 0, v;
	FILE		*f;
	DIR		*d;
	int		 found = 0;

	assert_non_null(d = opendir("/proc/self/task"));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/task/%s/status", de->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL ||
		    strcmp(line, "Name:\t" WRITER_THREAD_NAME "\n") != 0) {
			fclose(f);
			continue;
		}
		found++;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "voluntary_ctxt_switches: %ld",
			    &v) == 1 || sscanf(line,
			    "nonvoluntary_ctxt_switches: %ld", &v) == 1)
				n += v;
		fclose(f);
	}
	closedir(d);
	assert_int_equal(found, 1);
	return n;
}

/*
 * An idle writer sleeps until there is work: over 2 s with nothing queued
 * it wakes at most twice (with the old 200 ms timer: 10 times).
 */
static void
test_idle_sleeps(void **state)
{
	struct timespec	 idle = { 2, 0 };
	struct rig	 r;
	long		 s0, s1;

	(void)state;
	rig_open(&r, 64);
	push_exit(&r);
	assert_int_equal(rows_within(&r, 1, COMMIT_WAIT_MS), 1);
	s0 = writer_switches();
	nanosleep(&idle, NULL);
	s1 = writer_switches();
	print_message("# idle writer: %ld context switches in 2 s\n", s1 - s0);
	assert_true(s1 - s0 <= 2);
	rig_finish(&r, 0);
	check_stored(&r);
	rig_remove(&r);
}

/*
 * With nothing to write, the heartbeat still commits the run's last_alive
 * (the bound on the gap a crash leaves), again and again.
 */
static void
test_heartbeat(void **state)
{
	struct timespec	 nap = { 0, 20000000 };
	struct rig	 r;
	sqlite3		*db;
	int64_t		 a0, a, t0;
	int		 beats = 0;

	(void)state;
	rig_open_opts(&r, 64, &(struct writer_opts){ .heartbeat_ms = 100 });
	db = db_reader(&r);
	a0 = query_int(db, "SELECT coalesce(last_alive, 0) FROM runs");
	t0 = now_mono_ms();
	while (beats < 3 && now_mono_ms() - t0 < COMMIT_WAIT_MS) {
		a = query_int(db, "SELECT coalesce(last_alive, 0) FROM runs");
		if (a > a0) {
			beats++;
			a0 = a;
		}
		nanosleep(&nap, NULL);
	}
	sqlite3_close(db);
	assert_int_equal(beats, 3);
	assert_true(writer_commits(r.writer) >= 3);
	rig_finish(&r, 0);
	rig_remove(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_full_then_resumes),
		cmocka_unit_test(test_split_pair_retried),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_gives_up),
		cmocka_unit_test(test_dry_commits),
		cmocka_unit_test(test_flowing_holds),
		cmocka_unit_test(test_idle_sleeps),
		cmocka_unit_test(test_heartbeat),
	};

	fault_vfs_register();
	return cmocka_run_group_tests_name("unit_writer", tests, NULL, NULL);
}
