/*
 * writer.c: the writer thread.  It takes items off the queue in batches,
 * writes them in one transaction per batch and only then releases them
 * from the queue.
 *
 * When to commit: as soon as the queue runs dry while no records flow
 * (the draining thread found nothing and waits on its sockets again:
 * queue_set_flowing()), so an exit on a quiet machine is queryable within
 * a few milliseconds, but no sooner than WRITER_GROUP_MS after the last
 * commit (a trickle of exits, each drain finding one, shares commits).
 * While records flow (it drains every 10 ms) the batch stays open: a
 * slow flow (fewer than WRITER_FLOW_ROWS in WRITER_FLOW_MS, ~1000/s) is
 * committed once the queue is dry and the batch WRITER_FLOW_MS old, so
 * its rows are queryable within about that, for at most ~33 commits a
 * second (~365 us each, measured by tools/dev/benchcommit: ~1% of a CPU);
 * a faster one, a storm, at WRITER_FLUSH_ROWS or WRITER_FLUSH_INTERVAL_MS
 * as before, where a commit every 30 ms would cost ~25% more writer CPU
 * per record at 2000/s.  An idle writer sleeps until
 * there is work (records, a SIGHUP, the sampler's rows), except for a
 * heartbeat every WRITER_HEARTBEAT_MS that commits the run's last_alive
 * and checks retention.
 *
 * A failed transaction (disk full, database locked) is rolled back and
 * retried with back-off while the queue keeps the records; the
 * socket-draining thread never waits for any of this.
 *
 * Between batches, with no transaction open, it also does the slow
 * housekeeping in small steps: reopening the database after a SIGHUP
 * (again and again while a reader holds the old file's WAL), watching
 * that checkpoints keep the WAL short, and retention (pruning the oldest
 * rows by age or by size, then giving the freed pages back), so none of it
 * holds the queue up for long.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ident.h"
#include "log.h"
#include "rollup_def.h"
#include "sampler.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "walreaders.h"
#include "writer.h"

struct writer {
	pthread_t	 thread;
	struct store	*store;
	struct queue	*queue;
	size_t		 seen;		/* peeked, written, not committed */
	size_t		 seen_rows;	/* records among them */
	size_t		 flush_rows;	/* commit at this many items */
	int		 flush_ms;	/* or this long after the first */
	int		 flow_ms;	/* or dry and this old while flowing */
	int		 heartbeat_ms;
	int64_t		 commit_ms;	/* the last commit (mono) */
	_Atomic uint64_t commits;
	int64_t		 last_thread;	/* row id, to link a group record */
	int64_t		 committed_last_thread; /* as of the last commit */
	int64_t		 txn_start_ms;
	int64_t		 failed_since_ms; /* first failure of a streak */
	int		 retry_ms;
	int		 version_noted;
	int		 give_up;	/* closing and the database still fails */
	_Atomic uint64_t rows;
	atomic_int	 reopen;	/* set by writer_reopen() */
	struct log_rate	 rate;

	/* Rotation (SIGHUP): see writer_rotate(). */
	int		 rotating;	/* waiting for a reader of the WAL */
	int64_t		 rotate_since_ms;
	int64_t		 rotate_next_ms; /* the next try */
	int64_t		 rotate_warn_ms; /* the next warning */
	struct log_rate	 reopen_rate;

	/* A WAL held back by a reader: see writer_wal_watch(). */
	int64_t		 wal_held_ms;	/* since, 0: not held */
	int64_t		 wal_warn_ms;	/* the next warning */
	int64_t		 wal_peak;	/* bytes, while held */

	/* For a reopen: this run's description, owned copies. */
	struct run_info	 run;
	char		*run_strings[4];

	/* Live sampling: rows from the sampler, written between batches. */
	struct sacct	*acct;		/* NULL: not sampling */
	struct sacct_item *pend;	/* taken, not yet committed */
	size_t		 npend;

	/* Retention. */
	int64_t		 retain_us;
	int64_t		 max_bytes;
	int64_t		 next_check_ms;

	struct metrics	*metrics;	/* counted per committed record */
	struct prune_pass {
		const char	*reason;	/* NULL: no pass under way */
		int64_t		 before_time;
		int64_t		 rows;
		int64_t		 losses;
		int64_t		 freed;
		int		 vacuuming;
	} pass;
};

/*
 * A thread's exit row just written: if the sampler sampled the thread,
 * its remainder (exit minus last sample) is an activity row and the exit
 * row is marked sampled (src/sampler_acct.c).
 */
static int
write_sampled(struct writer *w, const struct ts_record *rec,
    int64_t recv_time, int64_t rowid)
{
	struct sacct_item	 it = { .is_pass = 0 };
	int			 r;

	if ((r = sacct_exit(w->acct, rec, recv_time, &it.act)) == 0)
		return 0;
	if (r == 1 && store_mark_sampled(w->store, rowid) == -1)
		return -1;
	return store_put_items(w->store, &it, 1);
}

/* A commit (with the run's last_alive) went through. */
static void
writer_committed(struct writer *w)
{
	w->commit_ms = now_mono_ms();
	atomic_fetch_add(&w->commits, 1);
}

/* The sampler's rows, in a transaction of their own; kept until it holds. */
static void
writer_samples(struct writer *w)
{
	if (w->npend == 0)
		w->npend = sacct_take(w->acct, &w->pend);
	if (w->npend == 0)
		return;
	if (store_begin(w->store) == -1 ||
	    store_put_items(w->store, w->pend, w->npend) == -1 ||
	    store_commit(w->store, now_real_us()) == -1) {
		log_rate_warnx(&w->rate, "database: writing %zu sampled rows "
		    "failed: %s; retrying", w->npend, store_errmsg(w->store));
		store_rollback(w->store);
		return;
	}
	writer_committed(w);
	sacct_committed(w->acct);
	free(w->pend);
	w->pend = NULL;
	w->npend = 0;
}

static int
write_item(struct writer *w, const struct qitem *it)
{
	const struct ts_record	*rec = &it->rec;
	int64_t			 link = 0, rowid;

	if (it->type == QI_LOSS)
		return store_put_loss(w->store, it->recv_time, it->loss.kind,
		    it->loss.records, it->loss.detail);
	if (rec->kind == TASK_KIND_GROUP)
		link = w->last_thread;
	if (store_put_task(w->store, rec, it->recv_time, link, it->ident,
	    it->ident_src, &rowid) == -1)
		return -1;
	if (w->acct != NULL && rec->kind == TASK_KIND_THREAD &&
	    write_sampled(w, rec, it->recv_time, rowid) == -1)
		return -1;
	w->seen_rows++;
	metrics_note_record(w->metrics, rec);
	w->last_thread = rec->kind == TASK_KIND_THREAD ? rowid : 0;
	if (!w->version_noted && rec->kind == TASK_KIND_THREAD) {
		if (store_set_ts_version(w->store, rec->version) == -1)
			return -1;
		w->version_noted = 1;
	}
	return 0;
}

/* Roll back the batch; its items stay queued and are retried later. */
static void
writer_fail(struct writer *w, const char *what)
{
	struct timespec	 nap = { w->retry_ms / 1000,
	    (long)(w->retry_ms % 1000) * 1000000L };

	log_rate_warnx(&w->rate, "database %s failed: %s; %zu records held "
	    "in the queue, retrying", what, store_errmsg(w->store),
	    queue_length(w->queue));
	store_rollback(w->store);
	metrics_abort(w->metrics);
	if (w->failed_since_ms == 0)
		w->failed_since_ms = now_mono_ms();
	w->seen = 0;
	w->seen_rows = 0;
	/* A group record retried first links to the committed thread row. */
	w->last_thread = w->committed_last_thread;
	w->version_noted = 0;
	nanosleep(&nap, NULL);
	if (w->retry_ms >= WRITER_RETRY_MAX_MS && queue_closed(w->queue))
		w->give_up = 1;
	w->retry_ms *= 2;
	if (w->retry_ms > WRITER_RETRY_MAX_MS)
		w->retry_ms = WRITER_RETRY_MAX_MS;
}

/* Write the items not yet seen, in the open transaction. */
static int
writer_batch(struct writer *w)
{
	struct qitem	*items;
	size_t		 i, n;

	while ((n = queue_peek(w->queue, w->seen, &items,
	    w->flush_rows - w->seen)) > 0) {
		if (w->seen == 0) {
			if (store_begin(w->store) == -1) {
				writer_fail(w, "transaction start");
				return -1;
			}
			w->txn_start_ms = now_mono_ms();
		}
		for (i = 0; i < n; i++) {
			if (write_item(w, &items[i]) == -1) {
				writer_fail(w, "insert");
				return -1;
			}
		}
		w->seen += n;
		if (w->seen >= w->flush_rows)
			break;
	}
	return 0;
}

/* Drop the identities of n committed items, before they are released. */
static void
writer_unref_idents(struct writer *w, size_t n)
{
	struct qitem	*items;
	size_t		 i, k, done = 0;

	while (done < n && (k = queue_peek(w->queue, done, &items,
	    n - done)) > 0) {
		for (i = 0; i < k; i++)
			if (items[i].type == QI_RECORD)
				ident_unref(items[i].ident);
		done += k;
	}
}

static int
writer_flush(struct writer *w)
{
	if (w->seen == 0)
		return 0;
	if (store_commit(w->store, now_real_us()) == -1) {
		writer_fail(w, "commit");
		return -1;
	}
	writer_committed(w);
	atomic_fetch_add(&w->rows, w->seen_rows);
	if (w->acct != NULL)
		sacct_committed(w->acct);
	metrics_commit(w->metrics, now_real_us());
	if (w->failed_since_ms != 0) {
		log_info("database writes resumed after %.1f s: the %zu "
		    "records held are written", (now_mono_ms() -
		    w->failed_since_ms) / 1000.0, w->seen);
		w->failed_since_ms = 0;
	}
	writer_unref_idents(w, w->seen);
	queue_release(w->queue, w->seen);
	w->seen = 0;
	w->seen_rows = 0;
	w->committed_last_thread = w->last_thread;
	w->retry_ms = WRITER_RETRY_MIN_MS;
	return 0;
}

/*
 * Open a new database file if the old one was moved away (SIGHUP), or try
 * again while a reader holds the old file's WAL (store_reopen() says which
 * file is written next).  Every line but the first one about waiting is
 * rate-limited: a SIGHUP flood must not flood the log.
 */
static void
writer_rotate(struct writer *w)
{
	char			 err[1024] = "";
	int64_t			 now = now_mono_ms(), waited;
	enum store_reopen	 r;

	w->run.start_time = now_real_us();
	r = store_reopen(w->store, &w->run, w->run.start_time, err,
	    sizeof(err));
	if (r == STORE_REOPEN_WAIT) {
		if (!w->rotating) {
			w->rotating = 1;
			w->rotate_since_ms = now;
			w->rotate_warn_ms = now;
		}
		if (now >= w->rotate_warn_ms) {
			log_warnx("reopen: %s; still recording into it until it "
			    "can be, trying again every %d ms", err,
			    WRITER_ROTATE_RETRY_MS);
			w->rotate_warn_ms = now + WRITER_WARN_MS;
		}
		w->rotate_next_ms = now + WRITER_ROTATE_RETRY_MS;
		return;
	}
	waited = w->rotating ? now - w->rotate_since_ms : 0;
	w->rotating = 0;
	if (r == STORE_REOPEN_SAME) {
		log_rate_info(&w->reopen_rate, "reopen: the database was not "
		    "moved; still recording into it");
		return;
	}
	if (r == STORE_REOPEN_KEPT) {
		log_rate_warnx(&w->reopen_rate, "reopen failed: %s", err);
		return;
	}
	/*
	 * A new runs row is written next (now, or when a file can be
	 * made): no link to a thread row of the old run, and its struct
	 * version to note.
	 */
	w->last_thread = w->committed_last_thread = 0;
	w->version_noted = 0;
	if (r == STORE_REOPEN_NONE) {
		log_rate_warnx(&w->reopen_rate, "reopen failed, no database "
		    "file to record into: %s; records wait in the queue "
		    "(counted as lost if it fills) and the path is tried "
		    "again at each batch", err);
		return;
	}
	memset(&w->pass, 0, sizeof(w->pass));
	w->next_check_ms = 0;
	if (waited > 0)
		log_info("reopen: recording into a new database file, after "
		    "waiting %.1f s for the old file's WAL", waited / 1000.0);
	else
		log_rate_info(&w->reopen_rate, "reopen: recording into a new "
		    "database file");
}

/*
 * Warn while a reader holds the WAL back: checkpoints cannot copy it into
 * the database past that reader's snapshot, so it grows for as long as
 * the read lasts.  At once, then every WRITER_WARN_MS, naming the readers;
 * and once more when it is over.
 */
static void
writer_wal_watch(struct writer *w)
{
	struct store_wal	 wal;
	char			 who[256];
	int64_t			 now;

	if (store_wal(w->store, &wal) == -1)
		return;
	if (!wal.held) {
		if (w->wal_held_ms != 0)
			log_info("database: checkpoints copy the WAL back "
			    "again, after %.1f s (it reached %.1f MiB)",
			    (now_mono_ms() - w->wal_held_ms) / 1000.0,
			    w->wal_peak / 1048576.0);
		w->wal_held_ms = 0;
		w->wal_peak = 0;
		return;
	}
	now = now_mono_ms();
	if (wal.bytes > w->wal_peak)
		w->wal_peak = wal.bytes;
	if (w->wal_held_ms == 0) {
		w->wal_held_ms = now;
		w->wal_warn_ms = now;
	}
	if (now < w->wal_warn_ms)
		return;
	wal_readers(who, sizeof(who));
	log_warnx("database: the WAL is %.1f MiB and checkpoints cannot copy "
	    "it back (%lld of %lld frames copied): held by %s; it grows until "
	    "that read ends%s", wal.bytes / 1048576.0,
	    (long long)wal.backfilled, (long long)wal.frames, who,
	    w->max_bytes > 0 ? ", and --max-size cannot prune it away" : "");
	w->wal_warn_ms = now + WRITER_WARN_MS;
}

/* Start a pruning pass if a limit is exceeded; 0 if none is needed. */
static int
writer_prune_start(struct writer *w)
{
	int64_t	 now = now_real_us(), oldest, used, before;

	/* Retention drops whole minutes (store_prune): up to this one's. */
	before = rollup_minute_floor(now - w->retain_us);
	if (w->retain_us > 0 && store_oldest(w->store, &oldest) == 0 &&
	    oldest != -1 && oldest < before) {
		w->pass.reason = "retain";
		w->pass.before_time = before;
		return 1;
	}
	if (w->max_bytes > 0 && store_used_bytes(w->store, &used) == 0 &&
	    used > w->max_bytes) {
		w->pass.reason = "max_size";
		w->pass.before_time = INT64_MAX;
		return 1;
	}
	return 0;
}

/* Whether the pass has pruned enough, after a batch of n rows. */
static int
writer_prune_done(struct writer *w, int64_t n)
{
	int64_t	 used;

	if (n < WRITER_PRUNE_BATCH_ROWS)
		return 1;
	if (w->pass.before_time != INT64_MAX)
		return 0;
	return store_used_bytes(w->store, &used) == -1 ||
	    used <= w->max_bytes / 100 * WRITER_PRUNE_TARGET_PCT;
}

/* Close the pass: give pages back, step by step, then record it. */
static void
writer_prune_finish(struct writer *w)
{
	struct prune_pass	*p = &w->pass;
	int64_t			 freed, oldest;

	if (store_vacuum(w->store, WRITER_VACUUM_STEP_PAGES, &freed) == 0 &&
	    freed > 0) {
		p->freed += freed;
		return;		/* more next time */
	}
	if (p->before_time == INT64_MAX)
		p->before_time = store_oldest(w->store, &oldest) == 0 &&
		    oldest != -1 ? oldest : now_real_us();
	if (store_put_prune(w->store, now_real_us(), p->reason,
	    p->before_time, p->rows, p->losses, p->freed) == -1)
		log_rate_warnx(&w->rate, "database: recording a prune "
		    "failed: %s", store_errmsg(w->store));
	log_info("retention (%s): pruned %lld rows and %lld loss rows, "
	    "%lld bytes given back", p->reason, (long long)p->rows,
	    (long long)p->losses, (long long)p->freed);
	memset(p, 0, sizeof(*p));
	w->next_check_ms = now_mono_ms() + WRITER_PRUNE_CHECK_MS;
}

/* One step of retention, if one is due; no transaction may be open. */
static void
writer_prune_step(struct writer *w)
{
	struct prune_pass	*p = &w->pass;
	int64_t			 rows, losses;

	if (p->reason == NULL) {
		if (now_mono_ms() < w->next_check_ms)
			return;
		if (!writer_prune_start(w)) {
			w->next_check_ms = now_mono_ms() +
			    WRITER_PRUNE_CHECK_MS;
			return;
		}
	}
	if (p->vacuuming) {
		writer_prune_finish(w);
		return;
	}
	if (store_prune(w->store, p->before_time, WRITER_PRUNE_BATCH_ROWS,
	    &rows, &losses) == -1) {
		log_rate_warnx(&w->rate, "database: pruning failed: %s; "
		    "trying again later", store_errmsg(w->store));
		memset(p, 0, sizeof(*p));
		w->next_check_ms = now_mono_ms() + WRITER_PRUNE_CHECK_MS;
		return;
	}
	p->rows += rows;
	p->losses += losses;
	if (writer_prune_done(w, rows))
		p->vacuuming = 1;
}

/*
 * Idle for a heartbeat: commit the run's last_alive, so that a crash now
 * leaves a gap in `taskacct status` that starts at most this long before
 * it.  A failure is retried at the next one (or the next batch).
 */
static void
writer_heartbeat(struct writer *w)
{
	if (store_begin(w->store) == -1 ||
	    store_commit(w->store, now_real_us()) == -1) {
		log_rate_warnx(&w->rate, "database: the heartbeat commit "
		    "failed: %s", store_errmsg(w->store));
		store_rollback(w->store);
		w->commit_ms = now_mono_ms();
		return;
	}
	writer_committed(w);
}

/* Housekeeping between batches: only while no transaction is open. */
static void
writer_housekeep(struct writer *w)
{
	if (w->seen > 0)
		return;
	if (w->run.boot_id != NULL && (atomic_exchange(&w->reopen, 0) ||
	    (w->rotating && now_mono_ms() >= w->rotate_next_ms)))
		writer_rotate(w);
	writer_wal_watch(w);
	if (w->acct != NULL)
		writer_samples(w);
	if (now_mono_ms() - w->commit_ms >= w->heartbeat_ms) {
		writer_heartbeat(w);
		w->next_check_ms = 0;	/* retention rides on it */
	}
	if (w->retain_us > 0 || w->max_bytes > 0)
		writer_prune_step(w);
}

/*
 * With a batch open: milliseconds until it is due (<= 0: now).  It is due
 * at the flush interval, or once the queue has run dry and no records are
 * flowing (no more are due within a drain), WRITER_GROUP_MS after the last
 * commit.
 */
static int64_t
writer_due(struct writer *w, int64_t now)
{
	int64_t	 due = w->txn_start_ms + w->flush_ms, dry;

	if (w->seen >= w->flush_rows)
		return 0;
	if (queue_length(w->queue) > w->seen)
		return due - now;
	if (!queue_flowing(w->queue))
		dry = w->commit_ms + WRITER_GROUP_MS;
	else if (w->seen < WRITER_FLOW_ROWS)
		dry = w->txn_start_ms + w->flow_ms;
	else
		return due - now;	/* a storm: large batches */
	if (dry < due)
		due = dry;
	return due - now;
}

/*
 * With no batch open: milliseconds to sleep (-1: until woken), until the
 * next rotation try or the heartbeat; 0 while housekeeping is under way.
 */
static int64_t
writer_idle_wait(struct writer *w, int64_t now)
{
	int64_t	 due = w->commit_ms + w->heartbeat_ms;

	if (w->pass.reason != NULL || atomic_load(&w->reopen))
		return 0;
	if (w->rotating && w->rotate_next_ms < due)
		due = w->rotate_next_ms;
	return due > now ? due - now : 0;
}

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	int64_t		 wait_ms;
	int		 r = 1;

	/* Named for ps(1) -L and for tests counting its wake-ups. */
	pthread_setname_np(pthread_self(), WRITER_THREAD_NAME);
	while (!w->give_up) {
		writer_housekeep(w);
		if (writer_batch(w) == -1)
			continue;
		if (w->seen > 0) {
			wait_ms = writer_due(w, now_mono_ms());
			if (wait_ms <= 0 || r == -1) {
				writer_flush(w);
				continue;
			}
		} else if (r == -1)
			break;
		else
			wait_ms = writer_idle_wait(w, now_mono_ms());
		if (wait_ms > INT32_MAX)
			wait_ms = INT32_MAX;
		r = queue_wait(w->queue, w->seen, (int)wait_ms);
	}
	return NULL;
}

/* Keep our own copy of the run's description, for a reopen. */
static int
writer_copy_run(struct writer *w, const struct run_info *ri)
{
	const char	*src[4];
	size_t		 i;

	if (ri == NULL)
		return 0;
	src[0] = ri->boot_id;
	src[1] = ri->hostname;
	src[2] = ri->kernel_release;
	src[3] = ri->cpumask;
	w->run = *ri;
	for (i = 0; i < 4; i++)
		if (src[i] != NULL &&
		    (w->run_strings[i] = strdup(src[i])) == NULL)
			return -1;
	w->run.boot_id = w->run_strings[0];
	w->run.hostname = w->run_strings[1];
	w->run.kernel_release = w->run_strings[2];
	w->run.cpumask = w->run_strings[3];
	return 0;
}

static void
writer_free(struct writer *w)
{
	size_t	 i;

	for (i = 0; i < 4; i++)
		free(w->run_strings[i]);
	free(w->pend);
	free(w);
}

struct writer *
writer_start(struct store *store, struct queue *queue,
    const struct writer_opts *opts)
{
	struct writer	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->store = store;
	w->queue = queue;
	w->retry_ms = WRITER_RETRY_MIN_MS;
	w->retain_us = opts->retain_us;
	w->max_bytes = opts->max_bytes;
	w->acct = opts->acct;
	w->metrics = opts->metrics;
	w->flush_ms = opts->flush_ms > 0 ? opts->flush_ms :
	    WRITER_FLUSH_INTERVAL_MS;
	w->flow_ms = opts->flow_ms > 0 ? opts->flow_ms : WRITER_FLOW_MS;
	w->heartbeat_ms = opts->heartbeat_ms > 0 ? opts->heartbeat_ms :
	    WRITER_HEARTBEAT_MS;
	/* The runs row was just committed: the first heartbeat is due. */
	w->commit_ms = now_mono_ms();
	store_set_max_size(store, opts->max_bytes);
	if (writer_copy_run(w, opts->run) == -1) {
		writer_free(w);
		return NULL;
	}
	/*
	 * A small queue must not wait out the flush interval full while the
	 * kernel drops: commit when half of it is waiting.
	 */
	w->flush_rows = queue_capacity(queue) / 2;
	if (w->flush_rows > WRITER_FLUSH_ROWS)
		w->flush_rows = WRITER_FLUSH_ROWS;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		writer_free(w);
		return NULL;
	}
	return w;
}

/*
 * Ask the writer to open a new database file at the same path if the old
 * one was moved away (SIGHUP).  It does so at once when idle, else at its
 * next commit boundary; records keep queueing meanwhile.
 */
void
writer_reopen(struct writer *w)
{
	atomic_store(&w->reopen, 1);
	queue_wake(w->queue);
}

/* Transactions committed so far (batches, sampled rows, heartbeats). */
uint64_t
writer_commits(struct writer *w)
{
	return atomic_load(&w->commits);
}

/*
 * Wait for the writer to commit everything queued; the queue must be closed
 * first.  Returns 0 when all was written.
 */
int
writer_stop(struct writer *w, uint64_t *rows)
{
	int	 left;

	pthread_join(w->thread, NULL);
	*rows = atomic_load(&w->rows);
	left = queue_length(w->queue) > 0;
	writer_free(w);
	return left ? -1 : 0;
}
