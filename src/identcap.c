/*
 * identcap.c: identity capture wired into the daemon.  Subscribes to the
 * process events connector while still privileged, reads its events on
 * the libevent loop as soon as they come (an exec's /proc read cannot
 * wait for the coalesced TASKSTATS drain: the task may be gone), and gives
 * the listeners the identity table to take each exit record's identity
 * from.  The daemon drains this socket before the TASKSTATS sockets (see
 * src/ident.c for why the order matters).  Losses are queued as rows of
 * the losses table: connector_drop (the socket's exact drop counter, in
 * events) and ident_evicted (the table's bound).
 *
 * The loop thread runs at the lowest real-time priority (SCHED_FIFO 1),
 * set while privileged: a `sh -c 'exit 3'` is gone about half a
 * millisecond after its exec, and on a busy machine a normal thread
 * loses that race often.  Measured here (2 CPUs at load 3-4.5, 300 execs
 * of sh -c 'exit 3'): 4-17% missed at nice 0, 1-2% at nice -15, 0-1% at
 * SCHED_FIFO 1.  The work it does at that priority is bounded by the
 * event rate (a few /proc reads per exec), and the kernel's real-time
 * throttling caps it.  SCHED_RESET_ON_FORK: the writer thread, created
 * later, runs at the normal priority.  Without the privilege (or when
 * refused) it falls back to nice IDENT_NICE.  auditd boosts itself the
 * same way (priority_boost).
 */
#define IDENT_RT_PRIO	1
/*
 * A drain that found this many events means a storm: read on a timer
 * every IDENT_POLL_US instead of waking for each event (a wake-up per
 * event cost ~15 us each at SCHED_FIFO in a 15k threads/s storm), until a
 * drain finds fewer.  An exec then waits up to that long to be read.
 */
#define IDENT_STORM_EVENTS	16
#define IDENT_POLL_US		1000
#define IDENT_NICE	(-10)
#include <sys/resource.h>

#include <sched.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identcap.h"
#include "log.h"
#include "procconn.h"

struct identcap {
	struct procconn		*pc;
	struct ident_table	*table;
	struct queue		*queue;
	struct event		*ev;
	struct event		*poll_ev;
	int			 polling;	/* on the timer, not on read */
	uint64_t		 malformed_seen;
	struct log_rate		 rate;
};

/* Raise the calling (loop) thread's priority: see the top of the file. */
static void
identcap_priority(void)
{
	struct sched_param	 sp = { .sched_priority = IDENT_RT_PRIO };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0)
		return;
	log_debug("SCHED_FIFO for the event loop: %s; nice %d instead",
	    strerror(errno), IDENT_NICE);
	sp.sched_priority = 0;
	if (setpriority(PRIO_PROCESS, 0, IDENT_NICE) == -1 ||
	    sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp) == -1)
		log_debug("nice %d for the event loop: %s", IDENT_NICE,
		    strerror(errno));
}

/* The state both identcap_open() and identcap_adopt() start from. */
static struct identcap *
identcap_new(int flags, int64_t start_s, struct queue *q, char *err,
    size_t errlen)
{
	struct identcap	*ic;

	if ((ic = calloc(1, sizeof(*ic))) == NULL ||
	    (ic->table = ident_table_new(flags, start_s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ic);
		return NULL;
	}
	ic->queue = q;
	return ic;
}

/*
 * Open the connector and subscribe (needs CAP_NET_ADMIN now, not later):
 * NULL and err when capture cannot run.  flags: IDENT_READ_*; start_s:
 * when the recorder began listening (epoch seconds).
 */
struct identcap *
identcap_open(int rcvbuf, int flags, int64_t start_s, struct queue *q,
    char *err, size_t errlen)
{
	struct identcap	*ic;

	if ((ic = identcap_new(flags, start_s, q, err, errlen)) == NULL)
		return NULL;
	identcap_priority();
	if ((ic->pc = procconn_open(rcvbuf, err, errlen)) == NULL ||
	    procconn_subscribe(ic->pc, ident_event, ic->table, err,
	    errlen) == -1) {
		identcap_close(ic);
		return NULL;
	}
	return ic;
}

/*
 * identcap_open() for the image after an upgrade: the connector socket
 * the previous image subscribed (no privilege needed).  The loop thread
 * keeps the real-time priority set at the first start (an exec keeps the
 * scheduling policy).  The identities of tasks that exec'd before the
 * upgrade are not carried over: their exits are matched as for tasks older
 * than the recorder.
 */
struct identcap *
identcap_adopt(int fd, uint32_t drops_raw, int flags, int64_t start_s,
    struct queue *q, char *err, size_t errlen)
{
	struct identcap	*ic;

	if ((ic = identcap_new(flags, start_s, q, err, errlen)) == NULL)
		return NULL;
	if ((ic->pc = procconn_adopt(fd, drops_raw, err, errlen)) == NULL) {
		identcap_close(ic);
		return NULL;
	}
	return ic;
}

/* The connector socket and its drop counter, for the next image. */
int
identcap_handover(struct identcap *ic, uint32_t *drops_raw)
{
	*drops_raw = procconn_drops_raw(ic->pc);
	return procconn_fd(ic->pc);
}

void
identcap_set_reader(struct identcap *ic, ident_reader_fn *fn, void *arg)
{
	ident_set_reader(ic->table, fn, arg);
}

/*
 * Read every event the socket holds, and queue what was lost.  Returns
 * the number of events read.
 */
static int
identcap_read(struct identcap *ic)
{
	const struct procconn_stats *s;
	int			 n;

	if ((n = procconn_drain(ic->pc, ident_event, ic->table)) == -1)
		log_rate_warnx(&ic->rate, "process events receive: %s",
		    strerror(errno));
	ident_note_drops(ic->table, procconn_new_drops(ic->pc));
	s = procconn_stats(ic->pc);
	if (s->malformed != ic->malformed_seen) {
		log_rate_warnx(&ic->rate, "process events: %llu malformed "
		    "messages ignored (%s)", (unsigned long long)
		    (s->malformed - ic->malformed_seen),
		    procconn_last_why(ic->pc));
		ic->malformed_seen = s->malformed;
	}
	ident_note_losses(ic->table, ic->queue);
	return n;
}

/* Read on each event (storm 0), or on the timer (storm 1). */
static void
identcap_mode(struct identcap *ic, int storm)
{
	struct timeval	 tv = { 0, IDENT_POLL_US };

	if (ic->ev == NULL)
		return;		/* not on the loop (yet, or any more) */
	if (storm) {
		if (!ic->polling)
			event_del(ic->ev);
		evtimer_add(ic->poll_ev, &tv);
	} else if (ic->polling) {
		evtimer_del(ic->poll_ev);
		event_add(ic->ev, NULL);
	}
	ic->polling = storm;
}

/* Drain the connector (the daemon does before each TASKSTATS drain). */
void
identcap_drain(struct identcap *ic)
{
	if (ic != NULL)
		identcap_read(ic);
}

static void
on_events(evutil_socket_t fd, short ev, void *arg)
{
	struct identcap	*ic = arg;

	(void)fd;
	(void)ev;
	identcap_mode(ic, identcap_read(ic) >= IDENT_STORM_EVENTS);
}

/* Read events on the loop; the listeners take identities at exits. */
int
identcap_loop(struct identcap *ic, struct event_base *base,
    struct listener **ls, int n)
{
	int	 i;

	if ((ic->ev = event_new(base, procconn_fd(ic->pc),
	    EV_READ | EV_PERSIST, on_events, ic)) == NULL ||
	    (ic->poll_ev = evtimer_new(base, on_events, ic)) == NULL ||
	    event_add(ic->ev, NULL) == -1)
		return -1;
	for (i = 0; i < n; i++)
		listener_set_ident(ls[i], ident_for_exit, ic->table);
	return 0;
}

void
identcap_log_totals(struct identcap *ic)
{
	const struct ident_stats	*s;
	const struct procconn_stats	*p;

	if (ic == NULL)
		return;
	s = ident_stats(ic->table);
	p = procconn_stats(ic->pc);
	log_rate_flush(&ic->rate);
	log_info("identities: %llu execs read (%llu whole, %llu gone, %llu "
	    "denied, %llu pid reused), %llu forks, %llu threads, %llu late "
	    "reads; %llu exit records matched, %llu not; %llu connector "
	    "events dropped, %llu malformed; %llu forgotten (table full), "
	    "%llu expired, %llu stale; %.1f us per read",
	    (unsigned long long)s->execs, (unsigned long long)s->read_ok,
	    (unsigned long long)s->read_gone,
	    (unsigned long long)s->read_denied,
	    (unsigned long long)s->read_reused, (unsigned long long)s->forks,
	    (unsigned long long)s->threads, (unsigned long long)s->late_reads,
	    (unsigned long long)s->matched, (unsigned long long)s->unmatched,
	    (unsigned long long)s->conn_drops,
	    (unsigned long long)p->malformed, (unsigned long long)s->evicted,
	    (unsigned long long)s->expired, (unsigned long long)s->stale,
	    s->execs + s->late_reads > 0 ? s->read_ns / 1e3 /
	    (double)(s->execs + s->late_reads) : 0.0);
}

void
identcap_close(struct identcap *ic)
{
	if (ic == NULL)
		return;
	if (ic->ev != NULL)
		event_free(ic->ev);
	if (ic->poll_ev != NULL)
		event_free(ic->poll_ev);
	procconn_close(ic->pc);
	ident_table_free(ic->table);
	free(ic);
}
