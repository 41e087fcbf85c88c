/*
 * writer.c: the writer thread.  It takes items off the queue in batches,
 * writes them in one transaction per batch (flushed by row count or after a
 * short interval, whichever comes first) and only then releases them from
 * the queue.  A failed transaction (disk full, database locked) is rolled
 * back and retried with back-off while the queue keeps the records; the
 * socket-draining thread never waits for any of this.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "writer.h"

struct writer {
	pthread_t	 thread;
	struct store	*store;
	struct queue	*queue;
	size_t		 seen;		/* peeked, written, not committed */
	size_t		 seen_rows;	/* records among them */
	size_t		 flush_rows;	/* commit at this many items */
	int64_t		 last_thread;	/* row id, to link a group record */
	int64_t		 committed_last_thread; /* as of the last commit */
	int64_t		 txn_start_ms;
	int		 retry_ms;
	int		 version_noted;
	int		 give_up;	/* closing and the database still fails */
	_Atomic uint64_t rows;
	struct log_rate	 rate;
};



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
	if (store_put_record(w->store, rec, it->recv_time, link, &rowid) == -1)
		return -1;
	w->seen_rows++;
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

static int
writer_flush(struct writer *w)
{
	if (w->seen == 0)
		return 0;
	if (store_commit(w->store, now_real_us()) == -1) {
		writer_fail(w, "commit");
		return -1;
	}
	atomic_fetch_add(&w->rows, w->seen_rows);
	queue_release(w->queue, w->seen);
	w->seen = 0;
	w->seen_rows = 0;
	w->committed_last_thread = w->last_thread;
	w->retry_ms = WRITER_RETRY_MIN_MS;
	return 0;
}

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	int64_t		 wait_ms;
	int		 r = 1;

	while (!w->give_up) {
		if (writer_batch(w) == -1)
			continue;
		wait_ms = WRITER_FLUSH_INTERVAL_MS;
		if (w->seen > 0) {
			wait_ms -= now_mono_ms() - w->txn_start_ms;
			if (w->seen >= w->flush_rows || wait_ms <= 0 ||
			    r == -1) {
				writer_flush(w);
				continue;
			}
		} else if (r == -1)
			break;
		r = queue_wait(w->queue, w->seen, (int)wait_ms);
	}
	return NULL;
}

struct writer *
writer_start(struct store *store, struct queue *queue)
{
	struct writer	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->store = store;
	w->queue = queue;
	w->retry_ms = WRITER_RETRY_MIN_MS;
	/*
	 * A small queue must not wait out the flush interval full while the
	 * kernel drops: commit when half of it is waiting.
	 */
	w->flush_rows = queue_capacity(queue) / 2;
	if (w->flush_rows > WRITER_FLUSH_ROWS)
		w->flush_rows = WRITER_FLUSH_ROWS;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
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
	free(w);
	return left ? -1 : 0;
}
