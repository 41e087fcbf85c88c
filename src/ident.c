/*
 * ident.c: the identities of live tasks, fed by the process events
 * connector, until their exit records take them.
 *
 * Keyed by thread id.  At exec the task's identity is read from /proc at
 * once (the race is with its own exit); at fork a process inherits its
 * parent's (FORK); a thread has no entry and its exit record takes its
 * process's (ac_tgid); a forking task started before the recorder
 * listened is read then (UNSEEN, with data).  An exit
 * event only marks the task exited: its exit record comes on the TASKSTATS
 * socket, later.  The kernel sends that record before the exit event
 * (do_exit calls taskstats_exit before proc_exit_connector), and the daemon
 * drains the connector before the TASKSTATS sockets, so when a record is
 * drained every event of its task's life has been seen: the task's entry
 * is its oldest exited one for that thread id (a PID reused since has a
 * newer entry), else its live one.
 *
 * Bounded: at most IDENT_TASKS_MAX tasks and IDENT_BYTES_MAX bytes of
 * identities (counted with those of records still queued for the writer);
 * past either the oldest exited task, else the oldest live one, is
 * forgotten (counted: "evicted"; its exit record then says DROPPED).  An exited task whose record never came (a TASKSTATS drop,
 * CPUs not listened to) is forgotten after IDENT_EXITED_KEEP_MS.
 * Main thread only, but for the identities' reference counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "ident.h"
#include "log.h"
#include "sysinfo.h"
#include "taskacct.h"

#define IDENT_BUCKETS	65536	/* power of two */
/*
 * Over the byte bound, forget at most this many tasks per new one: the
 * bytes may be held by records waiting for the writer, not by the table,
 * and emptying the table would not give them back.
 */
#define IDENT_EVICT_STEP	4

struct ient {
	struct ient	*hnext;		/* hash chain */
	struct ient	*prev, *next;	/* the live or the exited list */
	int32_t		 tid;
	uint8_t		 exited;
	uint8_t		 src;		/* TASKACCT_IDENT_* for this task */
	uint64_t	 drops_at;	/* connector drops when it began */
	int64_t		 exit_ms;
	struct ident	*id;		/* NULL: nothing could be read */
};

struct ilist {
	struct ient	*head, *tail;	/* oldest first */
};

struct ident_table {
	struct ient		*bucket[IDENT_BUCKETS];
	struct ilist		 live, dead;
	size_t			 ntasks;
	int			 flags;		/* IDENT_READ_* */
	int64_t			 start_s;	/* listening since (epoch s) */
	ident_reader_fn		*reader;
	void			*reader_arg;
	struct ts_plan		 plan;
	size_t			 btime_field, btime64_field, tgid_field;
	struct ident_stats	 st;
	uint64_t		 evicted_seen;
	uint64_t		 drops_seen;
	struct log_rate		 rate;
};

static struct ident *
read_here(void *arg, pid_t pid, uint64_t ts, int flags, int *src)
{
	(void)arg;
	return ident_read(pid, ts, flags, src);
}

struct ident_table *
ident_table_new(int flags, int64_t start_s)
{
	struct ident_table	*t;
	const struct ts_field	*f;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->flags = flags;
	t->start_s = start_s;
	t->reader = read_here;
	f = ts_field_find("ac_btime");
	t->btime_field = f != NULL ? (size_t)(f - ts_fields) : ts_nfields;
	f = ts_field_find("ac_btime64");
	t->btime64_field = f != NULL ? (size_t)(f - ts_fields) : ts_nfields;
	f = ts_field_find("ac_tgid");
	t->tgid_field = f != NULL ? (size_t)(f - ts_fields) : ts_nfields;
	return t;
}

void
ident_set_reader(struct ident_table *t, ident_reader_fn *fn, void *arg)
{
	t->reader = fn;
	t->reader_arg = arg;
}

static void
list_add(struct ilist *l, struct ient *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

static void
list_del(struct ilist *l, struct ient *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
}

static struct ient **
bucket(struct ident_table *t, int32_t tid)
{
	return &t->bucket[((uint32_t)tid * 2654435761u) & (IDENT_BUCKETS - 1)];
}

static void
ient_free(struct ident_table *t, struct ient *e)
{
	struct ient	**pp;

	for (pp = bucket(t, e->tid); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	list_del(e->exited ? &t->dead : &t->live, e);
	ident_unref(e->id);
	free(e);
	t->ntasks--;
}

void
ident_table_free(struct ident_table *t)
{
	if (t == NULL)
		return;
	while (t->live.head != NULL)
		ient_free(t, t->live.head);
	while (t->dead.head != NULL)
		ient_free(t, t->dead.head);
	free(t);
}

/* The live entry of tid, if any. */
static struct ient *
find_live(struct ident_table *t, int32_t tid)
{
	struct ient	*e;

	for (e = *bucket(t, tid); e != NULL; e = e->hnext)
		if (e->tid == tid && !e->exited)
			return e;
	return NULL;
}

/* Forget the oldest tasks while over a bound (the exited ones first). */
static void
ident_bound(struct ident_table *t)
{
	struct ient	*e;
	int64_t		 now = now_mono_ms();
	int		 n;

	while ((e = t->dead.head) != NULL &&
	    now - e->exit_ms > IDENT_EXITED_KEEP_MS) {
		t->st.expired++;
		ient_free(t, e);
	}
	for (n = 0; t->ntasks >= IDENT_TASKS_MAX ||
	    (ident_live_bytes() > IDENT_BYTES_MAX && n < IDENT_EVICT_STEP);
	    n++) {
		if ((e = t->dead.head) == NULL && (e = t->live.head) == NULL)
			break;
		t->st.evicted++;
		ient_free(t, e);
	}
}

/* A new live entry for tid (replacing a live one: its exit was lost). */
static struct ient *
ient_new(struct ident_table *t, int32_t tid, struct ident *id, int src)
{
	struct ient	*e, **b;

	if ((e = find_live(t, tid)) != NULL) {
		t->st.stale++;
		ient_free(t, e);
	}
	ident_bound(t);
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		ident_unref(id);
		return NULL;
	}
	e->tid = tid;
	e->id = id;
	e->src = (uint8_t)src;
	e->drops_at = t->st.conn_drops;
	b = bucket(t, tid);
	e->hnext = *b;
	*b = e;
	list_add(&t->live, e);
	t->ntasks++;
	return e;
}

/* Read pid now; a new live entry for it with what was read. */
static struct ient *
ident_read_into(struct ident_table *t, int32_t pid, uint64_t ts, int late)
{
	struct ident	*id;
	struct timespec	 a, b;
	int		 src;

	clock_gettime(CLOCK_MONOTONIC, &a);
	id = t->reader(t->reader_arg, pid, ts, t->flags, &src);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t->st.read_ns += (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000LL +
	    (b.tv_nsec - a.tv_nsec));
	switch (src) {
	case TASKACCT_IDENT_EXEC:	t->st.read_ok++; break;
	case TASKACCT_IDENT_DENIED:	t->st.read_denied++; break;
	case TASKACCT_IDENT_REUSED:	t->st.read_reused++; break;
	default:			t->st.read_gone++; break;
	}
	if (late && src == TASKACCT_IDENT_EXEC)
		src = TASKACCT_IDENT_UNSEEN;
	return ient_new(t, pid, id, src);
}

static void
on_task_exec(struct ident_table *t, const struct pc_event *ev)
{
	struct ient	*e;

	t->st.execs++;
	/* Its fork's entry gives way to what it runs now. */
	if ((e = find_live(t, ev->pid)) != NULL)
		ient_free(t, e);
	ident_read_into(t, ev->pid, ev->ts_ns, 0);
}

/*
 * A process inherits its parent's identity.  A thread gets no entry of its
 * own: its exit record takes its process's (ident_for_exit), which saves
 * the table a task per thread in thread storms.
 */
static void
on_task_fork(struct ident_table *t, const struct pc_event *ev)
{
	struct ient	*from;
	int		 src;
	int32_t		 owner = ev->ptgid;

	if (ev->pid != ev->tgid) {
		/* Its process, if started before we listened: read it once. */
		t->st.threads++;
		if (find_live(t, ev->tgid) == NULL) {
			t->st.late_reads++;
			ident_read_into(t, ev->tgid, 0, 1);
		}
		return;
	}
	t->st.forks++;
	if ((from = find_live(t, owner)) == NULL && owner > 0) {
		/* Started before we listened: read it now, once. */
		t->st.late_reads++;
		from = ident_read_into(t, owner, 0, 1);
	}
	if (from == NULL) {
		ient_new(t, ev->pid, NULL, TASKACCT_IDENT_UNSEEN);
		return;
	}
	src = from->src;
	if (from->id != NULL)
		src = TASKACCT_IDENT_FORK;
	ident_ref(from->id);
	ient_new(t, ev->pid, from->id, src);
}

static void
on_task_exit(struct ident_table *t, const struct pc_event *ev)
{
	struct ient	*e;

	t->st.exits++;
	if ((e = find_live(t, ev->pid)) == NULL)
		return;
	list_del(&t->live, e);
	e->exited = 1;
	e->exit_ms = now_mono_ms();
	list_add(&t->dead, e);
}

/* One connector event (a procconn_event_fn). */
void
ident_event(void *arg, const struct pc_event *ev)
{
	struct ident_table	*t = arg;

	switch (ev->kind) {
	case PC_FORK:
		on_task_fork(t, ev);
		break;
	case PC_EXEC:
		on_task_exec(t, ev);
		break;
	case PC_EXIT:
		on_task_exit(t, ev);
		break;
	case PC_COMM:
		/* The identity stays; the name comes with the exit record. */
		t->st.comms++;
		break;
	}
}

/* Events the connector dropped: tasks alive now may miss some. */
void
ident_note_drops(struct ident_table *t, uint64_t n)
{
	t->st.conn_drops += n;
}

/* Field f of a record (-1: not in its struct version). */
static int64_t
rec_field(struct ident_table *t, const struct ts_record *rec, size_t f)
{
	const struct ts_plan	*p = ts_plan_get(&t->plan, rec);

	if (f >= ts_nfields || !p->step[f].present)
		return -1;
	return ts_value_int(p->step[f].type, rec->raw + p->step[f].offset);
}

/* The start of a record's task, in epoch seconds (-1: unknown). */
static int64_t
rec_btime(struct ident_table *t, const struct ts_record *rec)
{
	int64_t	 v = rec_field(t, rec, t->btime64_field);

	return v != -1 ? v : rec_field(t, rec, t->btime_field);
}

/*
 * The identity of the task of an exit message (its thread record; a group
 * record with it shares it): out[i] and src[i] for each record, with a
 * reference each.  The task's entry is consumed.  A listener_ident_fn.
 */
void
ident_for_exit(void *arg, const struct ts_decoded *d, struct ident **out,
    int8_t *src)
{
	struct ident_table *t = arg;
	struct ient	*e, *pick = NULL;
	int32_t		 tid = (int32_t)d->rec[0].task_id, tgid;
	int64_t		 bt;
	int		 s, i, own = 1;

	for (e = *bucket(t, tid); e != NULL; e = e->hnext)
		if (e->tid == tid && (pick == NULL || (e->exited &&
		    (!pick->exited || e->exit_ms <= pick->exit_ms))))
			pick = e;
	/* A thread: its process's identity, which stays for the others. */
	if (pick == NULL && (tgid = (int32_t)rec_field(t, &d->rec[0],
	    t->tgid_field)) > 0 && tgid != tid) {
		pick = find_live(t, tgid);
		own = 0;
	}
	if (pick != NULL) {
		t->st.matched++;
		s = pick->src;
		if (pick->drops_at != t->st.conn_drops)
			s = TASKACCT_IDENT_DROPPED;
	} else {
		t->st.unmatched++;
		/*
		 * Started after we listened (btime is whole seconds, and may
		 * be rounded either way: a second of margin) and never seen:
		 * its events were lost, or it was evicted.
		 */
		bt = rec_btime(t, &d->rec[0]);
		s = bt > t->start_s + 1 && (t->st.conn_drops > 0 ||
		    t->st.evicted > 0) ? TASKACCT_IDENT_DROPPED :
		    TASKACCT_IDENT_UNSEEN;
	}
	for (i = 0; i < d->nrec; i++) {
		out[i] = pick != NULL ? pick->id : NULL;
		ident_ref(out[i]);
		src[i] = (int8_t)s;
	}
	if (pick != NULL && own)
		ient_free(t, pick);
	ident_bound(t);
}

static void
queue_loss(struct queue *q, const char *kind, uint64_t n, const char *detail)
{
	struct qitem	*it;

	if ((it = queue_reserve(q, 0)) == NULL)
		return;
	it->type = QI_LOSS;
	it->recv_time = now_real_us();
	it->ident = NULL;
	it->loss.kind = kind;
	it->loss.records = (int64_t)n;
	snprintf(it->loss.detail, sizeof(it->loss.detail), "%s", detail);
	queue_commit(q);
}

/* Queue a loss row for connector drops and evictions since the last. */
void
ident_note_losses(struct ident_table *t, struct queue *q)
{
	if (t->st.conn_drops != t->drops_seen && queue_free_slots(q) > 0) {
		log_rate_warnx(&t->rate, "process events: the kernel dropped "
		    "%llu events (receive buffer full): command lines of "
		    "tasks alive then may be missing",
		    (unsigned long long)(t->st.conn_drops - t->drops_seen));
		queue_loss(q, "connector_drop", t->st.conn_drops -
		    t->drops_seen, "process events socket drop counter");
		t->drops_seen = t->st.conn_drops;
	}
	if (t->st.evicted != t->evicted_seen && queue_free_slots(q) > 0) {
		queue_loss(q, "ident_evicted", t->st.evicted - t->evicted_seen,
		    "identities forgotten: table full");
		t->evicted_seen = t->st.evicted;
	}
	queue_publish(q);
}

size_t
ident_tasks(const struct ident_table *t)
{
	return t->ntasks;
}

const struct ident_stats *
ident_stats(const struct ident_table *t)
{
	return &t->st;
}
