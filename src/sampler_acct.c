/*
 * sampler_acct.c: what the live sampler knows of each thread it sampled,
 * and the arithmetic that counts every thread's activity once: samples
 * minus the previous sample while it lives, then its exit totals minus its
 * last sample.  Shared, under one mutex, by the sampler thread (passes)
 * and the writer thread (exit records, in the order it writes them).
 *
 * A thread is (tid, start).  A sample gives its start to the GET's
 * microsecond (the time of the GET minus ac_etime); an exit record only
 * within the second after it (recv_time capped into the kernel's exit
 * second, as PROCS_LSTART in tools/procs.h does, minus ac_etime), so a
 * start is kept as the interval the true start lies in, and two records
 * are the same thread when their intervals meet.  A reused tid has a
 * start later than the old thread's last sample: with PIDs cycling
 * through pid_max, a reuse within a second would take pid_max forks in a
 * second.  A process is (tgid, lstart), lstart estimated like PROCS_LSTART
 * from either kind of record, so that activity and exit rows match.
 *
 * Order.  The sampler reads a pass's replies a little after the kernel
 * gave them, and the writer reads exits a little (or, in a backlog, much)
 * after they happened, so an exit may be counted before the last sample
 * of its thread arrives.  Exits counted while a pass is open leave a
 * tombstone, and a sample that meets one is dropped (the exit already
 * counted it all).  An exited thread is forgotten only once the exit is
 * committed (sacct_committed) and a whole pass has ended since: a
 * transaction the writer rolls back and retries finds the same entry and
 * computes the same remainder.
 *
 * A thread is sampled only while it has its address space: a sample
 * taken after its exit record would hold a little more than the record.
 *
 * Counters never go back: a counter smaller than its last sample adds
 * nothing and its highest value is kept, so the sum of a thread's rows
 * never exceeds its exit totals.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sampler.h"
#include "sampler_acct.h"
#include "taskacct.h"
#include "taskstats_proto.h"

const char *const sampler_counters[SAMPLER_NCOUNTERS] = {
	"ac_utime", "ac_stime", "cpu_run_real_total", "read_bytes",
	"write_bytes", "cancelled_write_bytes", "read_char", "write_char",
	"read_syscalls", "write_syscalls", "nvcsw", "nivcsw", "ac_minflt",
	"ac_majflt", "cpu_delay_total", "blkio_delay_total",
	"swapin_delay_total", "freepages_delay_total",
	"thrashing_delay_total", "compact_delay_total", "wpcopy_delay_total",
	"irq_delay_total",
};

static const char *const id_names[ID__COUNT] = {
	[ID_ETIME] = "ac_etime", [ID_BTIME64] = "ac_btime64",
	[ID_BTIME] = "ac_btime", [ID_TGETIME] = "ac_tgetime",
	[ID_TGID] = "ac_tgid", [ID_PPID] = "ac_ppid", [ID_UID] = "ac_uid",
	[ID_FLAG] = "ac_flag", [ID_HIWATER_VM] = "hiwater_vm",
};

/* What one record says, in the table's terms. */
struct srec {
	int64_t		 v[SAMPLER_NCOUNTERS];
	int64_t		 id[ID__COUNT];
	int		 has[ID__COUNT];
	int64_t		 start_lo, start_hi, lstart;
	char		 comm[TS_COMM_LEN];
};

struct sacct *
sacct_new(size_t max_threads, int64_t start)
{
	struct sacct		*a;
	const struct ts_field	*f;
	size_t			 i;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	pthread_mutex_init(&a->mu, NULL);
	a->max_threads = max_threads;
	a->born_after = a->prev_end = start;
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		a->idx[i] = (f = ts_field_find(sampler_counters[i])) != NULL ?
		    (int)(f - ts_fields) : -1;
	for (i = 0; i < ID__COUNT; i++)
		a->id_idx[i] = (f = ts_field_find(id_names[i])) != NULL ?
		    (int)(f - ts_fields) : -1;
	a->comm_idx = (f = ts_field_find("ac_comm")) != NULL ?
	    (int)(f - ts_fields) : -1;
	return a;
}

/* Forget every thread and process (the caller holds the mutex). */
void
sacct_empty(struct sacct *a)
{
	struct sthread	*t, *tn;
	struct sproc	*p, *pn;
	size_t		 i;

	for (i = 0; i < SACCT_BUCKETS; i++) {
		for (t = a->bucket[i]; t != NULL; t = tn) {
			tn = t->next;
			free(t);
		}
		for (p = a->pbucket[i]; p != NULL; p = pn) {
			pn = p->next;
			free(p);
		}
		a->bucket[i] = NULL;
		a->pbucket[i] = NULL;
	}
	a->nthreads = 0;
}

void
sacct_free(struct sacct *a)
{
	if (a == NULL)
		return;
	sacct_empty(a);
	free(a->out);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

size_t
sacct_threads(struct sacct *a)
{
	size_t	 n;

	pthread_mutex_lock(&a->mu);
	n = a->nthreads;
	pthread_mutex_unlock(&a->mu);
	return n;
}

/*
 * Read rec: the counters and identity, the thread's start interval and
 * the process's lstart, at time t (the GET's, or the exit's receipt).
 */
static void
srec_read(struct sacct *a, const struct ts_record *rec, int64_t t,
    int exact, struct srec *s)
{
	const struct ts_plan	*plan = ts_plan_get(&a->plan, rec);
	const struct ts_step	*st;
	int64_t			 btime, cap, group;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < SAMPLER_NCOUNTERS; i++) {
		if (a->idx[i] < 0)
			continue;
		st = &plan->step[a->idx[i]];
		if (st->present)
			s->v[i] = ts_value_int(st->type, rec->raw + st->offset);
		if (s->v[i] < 0)
			s->v[i] = 0;
	}
	for (i = 0; i < ID__COUNT; i++) {
		if (a->id_idx[i] < 0)
			continue;
		st = &plan->step[a->id_idx[i]];
		if ((s->has[i] = st->present))
			s->id[i] = ts_value_int(st->type, rec->raw +
			    st->offset);
		/* Times out of any real range would overflow below. */
		if (s->id[i] < 0 || s->id[i] > SACCT_ID_MAX)
			s->id[i] = 0;
	}
	if (a->comm_idx >= 0 && plan->step[a->comm_idx].present)
		memcpy(s->comm, rec->raw + plan->step[a->comm_idx].offset,
		    TS_COMM_LEN - 1);
	/* The kernel's exit second caps the instant (PROCS_LSTART). */
	btime = s->has[ID_BTIME64] ? s->id[ID_BTIME64] : s->id[ID_BTIME];
	cap = (btime + s->id[ID_ETIME] / 1000000 + 1) * 1000000 - 1;
	if (cap > t)
		cap = t;
	group = s->has[ID_TGETIME] ? s->id[ID_TGETIME] : s->id[ID_ETIME];
	s->lstart = cap - group;
	if (exact) {
		s->start_lo = t - s->id[ID_ETIME] - SACCT_SAMPLE_TOL_US;
		s->start_hi = t - s->id[ID_ETIME] + SACCT_SAMPLE_TOL_US;
	} else {
		s->start_lo = cap - s->id[ID_ETIME] - SACCT_EXIT_LATE_US -
		    SACCT_SAMPLE_TOL_US;
		s->start_hi = cap - s->id[ID_ETIME] + SACCT_SAMPLE_TOL_US;
	}
}

static struct sthread *
thread_find(struct sacct *a, uint32_t tid, const struct srec *s)
{
	struct sthread	*t;

	for (t = a->bucket[sacct_hash(tid)]; t != NULL; t = t->next)
		if (t->tid == tid && t->start_lo <= s->start_hi &&
		    s->start_lo <= t->start_hi)
			return t;
	return NULL;
}

static struct sproc *
proc_find(struct sacct *a, uint32_t tgid, int64_t lstart)
{
	struct sproc	*p;

	for (p = a->pbucket[sacct_hash(tgid)]; p != NULL; p = p->next)
		if (p->tgid == tgid && llabs(p->lstart - lstart) <=
		    SACCT_PROC_TOL_US)
			return p;
	return NULL;
}

static struct sproc *
proc_get(struct sacct *a, uint32_t tgid, const struct srec *s)
{
	struct sproc	*p;
	size_t		 h;

	if ((p = proc_find(a, tgid, s->lstart)) != NULL)
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->tgid = tgid;
	p->lstart = s->lstart;
	p->uid = p->ppid = -1;
	h = sacct_hash(tgid);
	p->next = a->pbucket[h];
	a->pbucket[h] = p;
	return p;
}

static struct sthread *
thread_new(struct sacct *a, uint32_t tid, const struct srec *s,
    struct sproc *p)
{
	struct sthread	*t;
	size_t		 h;

	if (a->nthreads >= a->max_threads) {
		if (!a->full_logged)
			log_warnx("sampler: %zu threads remembered, the "
			    "bound: threads beyond it are accounted by their "
			    "exit records alone", a->max_threads);
		a->full_logged = 1;
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->tid = tid;
	t->start_lo = s->start_lo;
	t->start_hi = s->start_hi;
	t->proc = p;
	p->refs++;
	h = sacct_hash(tid);
	t->next = a->bucket[h];
	a->bucket[h] = t;
	a->nthreads++;
	return t;
}

/* New minus old, counter by counter, never negative. */
static int
minus(const int64_t *old, const int64_t *new, int64_t *delta)
{
	size_t	 i;
	int	 back = 0;

	for (i = 0; i < SAMPLER_NCOUNTERS; i++) {
		delta[i] = new[i] >= old[i] ? new[i] - old[i] : 0;
		back |= new[i] < old[i];
	}
	return back;
}

/* New minus old, counter by counter, never negative; old keeps the max. */
static int
grow(int64_t *old, const int64_t *new, int64_t *delta)
{
	size_t	 i;
	int	 back = 0;

	for (i = 0; i < SAMPLER_NCOUNTERS; i++) {
		if (new[i] >= old[i]) {
			delta[i] = new[i] - old[i];
			old[i] = new[i];
		} else {
			delta[i] = 0;
			back = 1;
		}
	}
	return back;
}

static void
proc_describe(struct sproc *p, uint32_t tid, const struct srec *s)
{
	if (tid == p->tgid || (!p->leader_comm && p->comm[0] == '\0')) {
		memcpy(p->comm, s->comm, sizeof(p->comm));
		p->leader_comm = tid == p->tgid;
	}
	if (s->has[ID_UID])
		p->uid = s->id[ID_UID];
	if (s->has[ID_PPID] && (tid == p->tgid || p->ppid == -1))
		p->ppid = s->id[ID_PPID];
}

void
sacct_pass_begin(struct sacct *a, int64_t time)
{
	pthread_mutex_lock(&a->mu);
	a->pass++;
	a->in_pass = 1;
	a->pass_time = time;
	pthread_mutex_unlock(&a->mu);
}

/*
 * One thread's sample, taken at time (us) by a GET: 0 counted, 1 not (a
 * kernel thread, or its exit already counted), -1 not remembered (the
 * bound, or no memory).  Kernel threads are not sampled: they have no
 * process to charge, their I/O is charged to the tasks that dirtied the
 * pages, and the exit path records them if they ever end.
 */
int
sacct_sample(struct sacct *a, const struct ts_record *rec, uint32_t tgid,
    int64_t time)
{
	struct srec	 s;
	struct sthread	*t;
	struct sproc	*p;
	int64_t		 d[SAMPLER_NCOUNTERS];
	size_t		 i;
	int		 r = 0;

	pthread_mutex_lock(&a->mu);
	srec_read(a, rec, time, 1, &s);
	if (tgid == KTHREADD_PID || (s.has[ID_PPID] &&
	    s.id[ID_PPID] == KTHREADD_PID)) {
		r = 1;
		goto out;
	}
	/*
	 * No address space: the thread is past exit_mm(), which do_exit()
	 * calls right after taskstats_exit(), so its exit record is made and
	 * this sample (of a dying thread or a zombie) may hold a little more
	 * than it (the last context switch, a tick): the exit counts it.
	 */
	if (s.has[ID_HIWATER_VM] && s.id[ID_HIWATER_VM] == 0) {
		r = 1;
		goto out;
	}
	if ((t = thread_find(a, rec->task_id, &s)) != NULL) {
		if (t->exited || t->proc->ended) {
			r = 1;
			goto out;
		}
		if (grow(t->v, s.v, d))
			log_debug("sampler: thread %u: a counter went back; "
			    "kept its highest value", rec->task_id);
	} else {
		if ((p = proc_get(a, tgid, &s)) != NULL && p->ended) {
			r = 1;
			goto out;
		}
		if (p == NULL || (t = thread_new(a, rec->task_id, &s, p)) == NULL) {
			r = -1;	/* an empty process is collected at pass end */
			goto out;
		}
		/*
		 * Born since the last pass began: all it did is new.  Older:
		 * this sample is its baseline (what it did before sampling
		 * began is not in any window sampled).
		 */
		for (i = 0; i < SAMPLER_NCOUNTERS; i++)
			d[i] = s.start_lo + SACCT_SAMPLE_TOL_US >= a->born_after ?
			    s.v[i] : 0;
		memcpy(t->v, s.v, sizeof(t->v));
		t->sampled = 1;
	}
	p = t->proc;
	t->last_time = time;
	if (p->acc_pass != a->pass) {
		memset(p->acc, 0, sizeof(p->acc));
		p->acc_threads = 0;
		p->acc_pass = a->pass;
	}
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)	/* saturating */
		p->acc[i] = p->acc[i] > INT64_MAX - d[i] ? INT64_MAX :
		    p->acc[i] + d[i];
	p->acc_threads++;
	p->last_time = time;
	proc_describe(p, rec->task_id, &s);
out:
	pthread_mutex_unlock(&a->mu);
	return r;
}

static int
out_push(struct sacct *a, const struct sacct_item *it)
{
	struct sacct_item	*n;

	if (a->nout == a->out_size) {
		a->out_size = a->out_size == 0 ? 64 : a->out_size * 2;
		if ((n = reallocarray(a->out, a->out_size,
		    sizeof(*n))) == NULL)
			return -1;
		a->out = n;
	}
	a->out[a->nout++] = *it;
	return 0;
}

static void
activity_fill(struct activity *ac, const struct sproc *p, int64_t time,
    int64_t span, int state, int threads, const int64_t *v)
{
	memset(ac, 0, sizeof(*ac));
	ac->time = time;
	ac->span = span > 0 ? span : 0;
	ac->lstart = p->lstart;
	ac->tgid = p->tgid;
	ac->state = state;
	ac->threads = threads;
	ac->uid = p->uid;
	ac->ppid = p->ppid;
	memcpy(ac->comm, p->comm, sizeof(ac->comm));
	if (v != NULL)
		memcpy(ac->v, v, sizeof(ac->v));
}

static int
nonzero(const int64_t *v)
{
	size_t	 i;

	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		if (v[i] != 0)
			return 1;
	return 0;
}

/* Forget exited threads whose exit is committed, and lost ones. */
static void
collect(struct sacct *a, int64_t now)
{
	struct sthread	**tp, *t;
	struct sproc	**pp, *p;
	size_t		 i;

	for (i = 0; i < SACCT_BUCKETS; i++) {
		for (tp = &a->bucket[i]; (t = *tp) != NULL;) {
			if ((t->exited && t->exit_gen < a->gen &&
			    t->exit_pass < a->pass) || (!t->exited &&
			    now - t->last_time > SACCT_FORGET_US)) {
				*tp = t->next;
				t->proc->refs--;
				a->nthreads--;
				free(t);
			} else
				tp = &t->next;
		}
	}
	for (i = 0; i < SACCT_BUCKETS; i++) {
		for (pp = &a->pbucket[i]; (p = *pp) != NULL;) {
			if (p->refs == 0 && (!p->ended || (p->end_gen < a->gen &&
			    p->end_pass < a->pass))) {
				*pp = p->next;
				free(p);
			} else
				pp = &p->next;
		}
	}
}

/*
 * Close the pass: an activity row for each process that did something,
 * and the pass row (pass->time set by the caller, procs filled here), for
 * the writer.  Returns the rows made.
 */
size_t
sacct_pass_end(struct sacct *a, struct sample_pass *pass)
{
	struct sacct_item	 it;
	struct sproc		*p;
	size_t			 i, rows = 0;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < SACCT_BUCKETS; i++)
		for (p = a->pbucket[i]; p != NULL; p = p->next) {
			if (p->acc_pass != a->pass || !nonzero(p->acc))
				continue;
			memset(&it, 0, sizeof(it));
			activity_fill(&it.act, p, pass->time, pass->time -
			    a->prev_end, 0, p->acc_threads, p->acc);
			if (out_push(a, &it) == 0)
				rows++;
		}
	pass->procs = (int64_t)rows;
	memset(&it, 0, sizeof(it));
	it.is_pass = 1;
	it.pass = *pass;
	out_push(a, &it);
	a->prev_end = pass->time;
	a->born_after = a->pass_time;
	a->in_pass = 0;
	collect(a, pass->time);
	pthread_mutex_unlock(&a->mu);
	return rows;
}

/*
 * A thread's exit record, as the writer stores it (recv_time: its
 * receipt).  Returns 0: never sampled, its row alone accounts for it, no
 * activity row; 1: sampled, *ac is the remainder (exit totals minus the
 * last sample) to store and its tasks row is marked sampled; 2: never
 * sampled but the end of a sampled process, *ac is its final (empty)
 * row, state 1.
 */
int
sacct_exit(struct sacct *a, const struct ts_record *rec, int64_t recv_time,
    struct activity *ac)
{
	struct srec	 s;
	struct sthread	*t;
	struct sproc	*p = NULL;
	int64_t		 d[SAMPLER_NCOUNTERS];
	uint32_t	 tgid;
	int		 r = 0, end;

	pthread_mutex_lock(&a->mu);
	if (a->nthreads == 0 && !a->in_pass)
		goto out;
	srec_read(a, rec, recv_time, 0, &s);
	tgid = s.has[ID_TGID] && s.id[ID_TGID] > 0 ? (uint32_t)s.id[ID_TGID] :
	    rec->task_id;
	end = s.has[ID_FLAG] && (s.id[ID_FLAG] & TS_AGROUP);
	if ((t = thread_find(a, rec->task_id, &s)) != NULL && t->sampled) {
		/*
		 * t->v stays the last sample: a retried transaction finds t
		 * exited and computes the same remainder.
		 */
		if (minus(t->v, s.v, d))
			log_debug("sampler: thread %u: an exit counter below "
			    "its last sample", rec->task_id);
		p = t->proc;
		t->exited = 1;
		t->exit_gen = a->gen;
		t->exit_pass = a->pass;
		activity_fill(ac, p, recv_time, recv_time - t->last_time, 0, 1,
		    d);
		r = 1;
	} else {
		if (t == NULL && a->in_pass && (p = proc_get(a, tgid,
		    &s)) != NULL && (t = thread_new(a, rec->task_id, &s,
		    p)) != NULL) {
			t->exited = 1;		/* a tombstone */
			t->exit_gen = a->gen;
			t->exit_pass = a->pass;
		}
		if (!end || (p = proc_find(a, tgid, s.lstart)) == NULL ||
		    p->acc_pass == 0)
			goto out;
		activity_fill(ac, p, recv_time, recv_time - p->last_time, 0, 0,
		    NULL);
		r = 2;
	}
	if (end && p->acc_pass != 0) {
		ac->state = 1;
		p->ended = 1;
		p->end_gen = a->gen;
		p->end_pass = a->pass;
	}
out:
	pthread_mutex_unlock(&a->mu);
	return r;
}

/* The writer committed everything it handed over so far. */
void
sacct_committed(struct sacct *a)
{
	pthread_mutex_lock(&a->mu);
	a->gen++;
	pthread_mutex_unlock(&a->mu);
}

/* The rows for the writer, now its own (free them). */
size_t
sacct_take(struct sacct *a, struct sacct_item **items)
{
	size_t	 n;

	pthread_mutex_lock(&a->mu);
	*items = a->out;
	n = a->nout;
	a->out = NULL;
	a->nout = a->out_size = 0;
	pthread_mutex_unlock(&a->mu);
	return n;
}
