/*
 * writer.h: the SQLite writer thread, fed by the queue.
 */
#ifndef WRITER_H
#define WRITER_H

#include <stdint.h>

#include "queue.h"
#include "store.h"

/* Commit when this many rows are pending or this long after the first. */
#define WRITER_FLUSH_ROWS		8192
#define WRITER_FLUSH_INTERVAL_MS	200
/* Back-off after a failed transaction (disk full, locked), doubling. */
#define WRITER_RETRY_MIN_MS		50
#define WRITER_RETRY_MAX_MS		2000

struct writer;

struct writer	*writer_start(struct store *, struct queue *);
int		 writer_stop(struct writer *, uint64_t *);

#endif
