/*
 * metrics.h: the Prometheus metrics of taskacctd (--metrics ADDR:PORT):
 * counters the writer thread fills per committed record, the health the
 * loop thread reads from its own listeners and queue, the text exposition,
 * and the evhttp server on the daemon's libevent loop.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "decode.h"

#define METRICS_TOP_DEFAULT	100	/* --metrics-top */
#define METRICS_TOP_MAX		10000
/* The label value of everything beyond the first --metrics-top names. */
#define METRICS_OTHER		"_other"

/* HTTP limits: a hostile client holds at most this much, this long. */
#define METRICS_MAX_CONNS	64
#define METRICS_MAX_HEADERS	8192	/* bytes */
#define METRICS_MAX_BODY	1024	/* bytes; GET has none */
#define METRICS_IO_TIMEOUT_S	5	/* no byte in or out for this long */
#define METRICS_DEADLINE_S	10	/* a connection's whole life */
#define METRICS_BACKLOG		64
#define METRICS_ACCEPT_PAUSE_MS	1000	/* after accept fails (EMFILE) */

/* The values counted per command and per user, in struct metrics_top. */
enum metrics_val {
	MV_EXITS,
	MV_UTIME_US,
	MV_STIME_US,
	MV_READ_BYTES,
	MV_WRITE_BYTES,
	MV__COUNT
};

/*
 * A table of at most cap named rows plus METRICS_OTHER: the first cap
 * distinct keys get a row each, for the daemon's life; every later key is
 * counted in the other row.  One writer thread adds (pending until
 * metrics_top_commit), any thread reads the committed values.
 */
#define METRICS_KEY_MAX		32	/* bytes: ac_comm is char[32] */
struct metrics_top;

struct metrics_top *metrics_top_new(size_t);
void		 metrics_top_free(struct metrics_top *);
size_t		 metrics_top_add(struct metrics_top *, const char *, size_t,
		    const uint64_t *);
void		 metrics_top_commit(struct metrics_top *);
void		 metrics_top_abort(struct metrics_top *);
size_t		 metrics_top_rows(const struct metrics_top *);
size_t		 metrics_top_cap(const struct metrics_top *);
const char	*metrics_top_key(const struct metrics_top *, size_t, size_t *);
uint64_t	 metrics_top_value(const struct metrics_top *, size_t,
		    enum metrics_val);

/* A label value, escaped (metrics_text.c); returns the length written. */
size_t		 metrics_label_escape(const char *, size_t, char *, size_t);
#define METRICS_LABEL_MAX	(METRICS_KEY_MAX * 8 + 1)

/*
 * Live sampling (branch h/sampler) fills this: the sampler thread calls
 * metrics_sample_pass() after each pass; taskacct_sample_passes_total and
 * taskacct_sampled_tasks_total appear from the first pass on.
 */
struct metrics_sampler {
	_Atomic uint64_t	 passes;
	_Atomic uint64_t	 tasks;
};

struct metrics;
struct queue;
struct listener;
struct event_base;

/* What the scrape reads besides the writer's counters (loop thread). */
struct metrics_sources {
	struct listener	**listeners;
	const int	 *nlisteners;
	struct queue	 *queue;
	const char	 *db_path;
	int64_t		  start_time;	/* us since the epoch */
};

int		 metrics_parse_addr(const char *, struct sockaddr_storage *,
		    socklen_t *, char *, size_t);
struct metrics	*metrics_new(size_t);
int		 metrics_bind(struct metrics *, const char *, char *, size_t);
int		 metrics_adopt(struct metrics *, const char *, int, char *,
		    size_t);
int		 metrics_handover(struct metrics *);
int		 metrics_start(struct metrics *, struct event_base *,
		    const struct metrics_sources *, char *, size_t);
void		 metrics_free(struct metrics *);

/* Writer thread: per record written, at commit, at rollback. */
void		 metrics_note_record(struct metrics *, const struct ts_record *);
void		 metrics_commit(struct metrics *, int64_t);
void		 metrics_abort(struct metrics *);

void		 metrics_sample_pass(struct metrics *, uint64_t);

/* The exposition text (tests): appended to an evbuffer. */
struct evbuffer;
void		 metrics_render(struct metrics *, struct evbuffer *);

#endif
