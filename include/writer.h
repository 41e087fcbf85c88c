/*
 * writer.h: the SQLite writer thread, fed by the queue.
 */
#ifndef WRITER_H
#define WRITER_H

#include <stdint.h>

#include "metrics.h"
#include "queue.h"
#include "store.h"

/*
 * When a batch is committed (see the top of src/writer.c): when the queue
 * runs dry, no sooner than WRITER_GROUP_MS after the last commit if no
 * records flow, or once the batch is WRITER_FLOW_MS old if they flow
 * slower than WRITER_FLOW_ROWS in that time; and at the latest
 * WRITER_FLUSH_INTERVAL_MS after its first row or at this many rows.
 */
#define WRITER_FLUSH_ROWS		8192
#define WRITER_FLUSH_INTERVAL_MS	200
#define WRITER_GROUP_MS			20
#define WRITER_FLOW_MS			30
#define WRITER_FLOW_ROWS		32
/*
 * An idle writer sleeps until there is work, but commits the run's
 * last_alive this often (the bound on the gap a crash leaves unmarked),
 * and checks retention then.
 */
#define WRITER_HEARTBEAT_MS		60000
/* Back-off after a failed transaction (disk full, locked), doubling. */
#define WRITER_RETRY_MIN_MS		50
#define WRITER_RETRY_MAX_MS		2000

/*
 * Retention: look at the oldest row and the size this often (at a commit:
 * when idle, at the heartbeat); prune at most
 * this many rows per transaction, and give back at most this many free
 * pages per incremental vacuum step, between the batches of inserts.
 */
#define WRITER_PRUNE_CHECK_MS		10000
#define WRITER_PRUNE_BATCH_ROWS		2000
#define WRITER_VACUUM_STEP_PAGES	1024
/* A size-limit pass prunes down to this share of the limit (percent). */
#define WRITER_PRUNE_TARGET_PCT		90

/*
 * A reopen waiting for a reader of the old file's WAL tries again this
 * often; that wait, and a WAL held back by a reader, are logged at once and
 * then at most this often.
 */
#define WRITER_ROTATE_RETRY_MS		500
#define WRITER_WARN_MS			60000

#define WRITER_THREAD_NAME		"taskacctd-write"

struct writer_opts {
	const struct run_info	*run;		/* copied: for a reopen */
	int64_t			 retain_us;	/* 0: keep rows forever */
	int64_t			 max_bytes;	/* 0: no size limit */
	struct sacct		*acct;		/* live sampling, or NULL */
	struct metrics		*metrics;	/* NULL: no --metrics */
	/* Tests only: 0 is the default. */
	int			 flush_ms;	/* 0: WRITER_FLUSH_INTERVAL_MS */
	int			 flow_ms;	/* 0: WRITER_FLOW_MS */
	int			 heartbeat_ms;	/* 0: WRITER_HEARTBEAT_MS */
};

struct writer;

struct writer	*writer_start(struct store *, struct queue *,
		    const struct writer_opts *);
void		 writer_reopen(struct writer *);
uint64_t	 writer_commits(struct writer *);
int		 writer_stop(struct writer *, uint64_t *);

#endif
