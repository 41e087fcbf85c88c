/*
 * iotop_sample.c: the rounds of `taskacct iotop`: what each process
 * (tgid and leader start, so that a reused PID is another process) did
 * between two passes.
 *
 * As root (or with CAP_NET_ADMIN) each pass asks the kernel for every
 * live thread (TASKSTATS_CMD_GET per thread, src/taskget.c; threads from
 * /proc) and keeps the counters.  A live thread counts its growth since
 * the previous pass.  A thread that exited counts its exit record (the
 * recorder's row in the database) minus the last sample taken of it, or
 * the whole record if it was born and died between two passes, so that
 * nothing is counted twice and a process that lived 20 ms is seen.
 * Exit rows are read by rowid (new rows since the last read), so a row
 * committed late is still counted once; one received after the round's
 * end waits for the next round.
 *
 * Unprivileged, the kernel refuses GET: the rounds are then made of the
 * daemon's rows, its sampler's activity rows and the exit rows of the
 * threads it never sampled, as `top` sums a window (sql/schema.sql).
 */
#include <sys/time.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "decode.h"
#include "fields.h"
#include "iotop.h"
#include "procs.h"
#include "taskacct.h"
#include "taskget.h"

/* A live thread matches its exit row if their starts are this close. */
#define IOTOP_THREAD_TOL_US	(PROC_START_TOL_US + PROC_SLACK_US)

/* A thread as last read from the kernel, and its growth this round. */
struct iot_thread {
	uint32_t	 tid, tgid;
	int64_t		 uid;
	int64_t		 tstart, lstart;	/* us since the epoch */
	int64_t		 c[3];			/* read, write, cpu ns */
	int64_t		 d[3];			/* growth this round */
	int64_t		 gone_at;		/* pass that missed it */
	int		 dead;			/* its exit is counted */
	char		 comm[TS_COMM_LEN + 1];
};

/* A row of the daemon's: a thread's exit, or a process's activity. */
struct iot_row {
	int64_t		 time, span;
	uint32_t	 tid, tgid;
	int64_t		 uid, tstart, lstart;
	int64_t		 c[3];
	int		 activity, running;
	char		 comm[TS_COMM_LEN + 1];
};

struct iot_vec {
	void		*p;
	size_t		 n, size;
};

struct iotop {
	struct cmd_ctx		*ctx;
	struct taskget		*tg;
	int			 kernel;
	int			 activity;	/* the table exists */
	struct iot_vec		 cur, prev, gone, pend;
	int64_t			 t0, last_pass;
	int64_t			 last_id, last_act;
	struct iotop_round	 round;
	const struct ts_field	*f[8];
	char			 note[256];
};

enum { F_RB, F_WB, F_CPU, F_TGID, F_UID, F_ETIME, F_TGETIME, F_COMM };
static const char *const iot_fields[] = {
	[F_RB] = "read_bytes", [F_WB] = "write_bytes",
	[F_CPU] = "cpu_run_real_total", [F_TGID] = "ac_tgid",
	[F_UID] = "ac_uid", [F_ETIME] = "ac_etime",
	[F_TGETIME] = "ac_tgetime", [F_COMM] = "ac_comm",
};

const char *const iotop_sort_names[IOTOP_SORT__COUNT] = {
	[IOTOP_SORT_IO] = "io",
	[IOTOP_SORT_READ] = "read",
	[IOTOP_SORT_WRITE] = "write",
	[IOTOP_SORT_CPU] = "cpu",
};

int64_t
iotop_now(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Room for one more element of size elem; a pointer to it. */
static void *
vec_add(struct iot_vec *v, size_t elem)
{
	void	*p;

	if (v->n == v->size) {
		v->size = v->size == 0 ? 256 : v->size * 2;
		if ((p = reallocarray(v->p, v->size, elem)) == NULL)
			err(1, NULL);
		v->p = p;
	}
	p = (char *)v->p + v->n++ * elem;
	memset(p, 0, elem);
	return p;
}

static int
thread_cmp(const void *a, const void *b)
{
	const struct iot_thread	*x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->tstart > y->tstart) - (x->tstart < y->tstart);
}

/* The thread tid that started at tstart (within tol) in v, sorted. */
static struct iot_thread *
thread_find(const struct iot_vec *v, uint32_t tid, int64_t tstart,
    int64_t tol)
{
	struct iot_thread	*t = v->p;
	size_t			 lo = 0, hi = v->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->n && t[lo].tid == tid; lo++)
		if (llabs(t[lo].tstart - tstart) <= tol)
			return &t[lo];
	return NULL;
}

static int64_t
rec_int(const struct iotop *io, int f, const struct ts_record *rec)
{
	if (!ts_field_present(io->f[f], rec->version, rec->len))
		return -1;
	return ts_field_int(io->f[f], rec->raw, rec->version);
}

/* A thread from its GET reply, read at now. */
static void
thread_from_rec(const struct iotop *io, const struct ts_record *rec,
    uint32_t tid, int64_t now, struct iot_thread *t)
{
	int64_t	 cpu = rec_int(io, F_CPU, rec), tge;
	size_t	 off;

	t->tid = tid;
	t->tgid = (uint32_t)rec_int(io, F_TGID, rec);
	t->uid = rec_int(io, F_UID, rec);
	t->tstart = now - rec_int(io, F_ETIME, rec);
	tge = rec_int(io, F_TGETIME, rec);
	t->lstart = tge >= 0 ? now - tge : t->tstart;
	t->c[0] = rec_int(io, F_RB, rec);
	t->c[1] = rec_int(io, F_WB, rec);
	t->c[2] = cpu;
	if (ts_field_present(io->f[F_COMM], rec->version, rec->len)) {
		off = ts_field_offset(io->f[F_COMM], rec->version);
		memcpy(t->comm, rec->raw + off, TS_COMM_LEN);
		t->comm[TS_COMM_LEN] = '\0';
	}
}

/* Every live thread, asked of the kernel now, into io->cur (sorted). */
static void
pass_read(struct iotop *io)
{
	struct ts_record	 rec;
	struct iot_thread	*t;
	struct dirent		*de;
	DIR			*d;
	uint32_t		*tids, pid;
	size_t			 n, i;
	char			*end;
	unsigned long		 v;

	io->cur.n = 0;
	if ((d = opendir("/proc")) == NULL)
		err(1, "iotop: /proc");
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		v = strtoul(de->d_name, &end, 10);
		if (*de->d_name < '1' || *de->d_name > '9' || *end != '\0' ||
		    errno != 0 || v > INT32_MAX)
			continue;
		pid = (uint32_t)v;
		if (taskget_threads(pid, &tids, &n) == -1)
			continue;	/* exited since listed */
		for (i = 0; i < n; i++) {
			/* ESRCH: exited since listed; the exit row has it. */
			if (taskget_thread(io->tg, tids[i], &rec) == -1)
				continue;
			t = vec_add(&io->cur, sizeof(*t));
			thread_from_rec(io, &rec, tids[i], iotop_now(), t);
			if (t->tgid != pid)	/* a tid reused since listed */
				io->cur.n--;
		}
		free(tids);
	}
	closedir(d);
	if (io->cur.n > 0)
		qsort(io->cur.p, io->cur.n, sizeof(struct iot_thread),
		    thread_cmp);
}

static int64_t
grown(int64_t now, int64_t before)
{
	if (now < 0 || before < 0 || now < before)
		return 0;
	return now - before;
}

/*
 * The growth of each live thread since the previous pass; the threads the
 * pass did not find again wait in io->gone for their exit rows.
 */
static void
pass_kernel(struct iotop *io, int64_t t)
{
	struct iot_vec		 v;
	struct iot_thread	*c, *p, *g;
	size_t			 i, k;

	v = io->prev;
	io->prev = io->cur;
	io->cur = v;
	pass_read(io);
	for (i = 0; i < io->cur.n; i++) {
		c = (struct iot_thread *)io->cur.p + i;
		p = thread_find(&io->prev, c->tid, c->tstart, PROC_SLACK_US);
		for (k = 0; k < 3; k++) {
			if (p != NULL)
				c->d[k] = grown(c->c[k], p->c[k]);
			else if (c->tstart > io->last_pass)
				c->d[k] = grown(c->c[k], 0);	/* new */
		}
		if (p != NULL)
			c->dead = p->dead;
	}
	for (i = 0; i < io->prev.n; i++) {
		p = (struct iot_thread *)io->prev.p + i;
		if (p->dead || thread_find(&io->cur, p->tid, p->tstart,
		    PROC_SLACK_US) != NULL)
			continue;
		g = vec_add(&io->gone, sizeof(*g));
		*g = *p;
		g->gone_at = t;
	}
	/* Forget what waited too long for an exit row (none will come). */
	for (i = k = 0; i < io->gone.n; i++) {
		g = (struct iot_thread *)io->gone.p + i;
		if (!g->dead && t - g->gone_at <= IOTOP_GONE_KEEP_US)
			((struct iot_thread *)io->gone.p)[k++] = *g;
	}
	io->gone.n = k;
	if (io->gone.n > 0)
		qsort(io->gone.p, io->gone.n, sizeof(struct iot_thread),
		    thread_cmp);
	io->last_pass = t;
}

/* Add a contribution to the round. */
static struct iotop_proc *
round_add(struct iotop *io, uint32_t tgid, int64_t lstart, int64_t uid,
    int leader, const char *comm)
{
	struct iot_vec		 v = { io->round.p, io->round.np,
				    io->round.size };
	struct iotop_proc	*p = vec_add(&v, sizeof(*p));

	io->round.p = v.p;
	io->round.np = v.n;
	io->round.size = v.size;
	p->tgid = tgid;
	p->lstart = lstart;
	p->uid = uid;
	p->leader = leader;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return p;
}

/* One exit row in kernel mode: what iotop had not yet counted of it. */
static void
exit_kernel(struct iotop *io, const struct iot_row *r)
{
	struct iot_thread	*t;
	struct iotop_proc	*p;
	int64_t			 base[3] = { 0, 0, 0 };

	if ((t = thread_find(&io->cur, r->tid, r->tstart,
	    IOTOP_THREAD_TOL_US)) == NULL)
		t = thread_find(&io->gone, r->tid, r->tstart,
		    IOTOP_THREAD_TOL_US);
	if (t != NULL && t->dead)
		return;				/* counted already */
	if (t != NULL) {
		memcpy(base, t->c, sizeof(base));
		t->dead = 1;
	} else if (r->tstart < io->t0)
		return;	/* lived before the first pass, never seen: unknown */
	p = round_add(io, r->tgid, r->lstart, r->uid, r->tid == r->tgid,
	    r->comm);
	p->read_bytes = grown(r->c[0], base[0]);
	p->write_bytes = grown(r->c[1], base[1]);
	p->cpu_ns = grown(r->c[2], base[2]);
	p->exited = 1;
}

/* One row of the daemon's, unprivileged: taken as it is. */
static void
row_daemon(struct iotop *io, const struct iot_row *r)
{
	struct iotop_proc	*p;

	p = round_add(io, r->tgid, r->lstart, r->uid, !r->activity &&
	    r->tid == r->tgid, r->comm);
	p->read_bytes = r->c[0] > 0 ? r->c[0] : 0;
	p->write_bytes = r->c[1] > 0 ? r->c[1] : 0;
	p->cpu_ns = r->c[2] > 0 ? r->c[2] : 0;
	p->running = r->running;
	p->exited = !r->running;
	p->span_us = r->span;
}

static void
col_text(sqlite3_stmt *stmt, int i, char *buf, size_t len)
{
	const unsigned char	*s = sqlite3_column_text(stmt, i);
	size_t			 n = (size_t)sqlite3_column_bytes(stmt, i);

	if (s == NULL)
		n = 0;
	if (n >= len)
		n = len - 1;
	if (n > 0)
		memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Read the statement's rows (id, then the row's columns) into io->pend. */
static int64_t
rows_read(struct iotop *io, const char *sql, int64_t after, int activity)
{
	sqlite3_stmt	*stmt = cli_prepare(io->ctx, sql);
	struct iot_row	*r;
	int64_t		 last = after;

	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, io->t0);
	while (cli_step(io->ctx, stmt)) {
		last = sqlite3_column_int64(stmt, 0);
		r = vec_add(&io->pend, sizeof(*r));
		r->activity = activity;
		r->time = sqlite3_column_int64(stmt, 1);
		r->span = sqlite3_column_int64(stmt, 2);
		r->tid = (uint32_t)sqlite3_column_int64(stmt, 3);
		r->tgid = (uint32_t)sqlite3_column_int64(stmt, 4);
		r->tstart = sqlite3_column_int64(stmt, 5);
		r->lstart = sqlite3_column_int64(stmt, 6);
		r->running = sqlite3_column_int64(stmt, 7) == 0;
		col_text(stmt, 8, r->comm, sizeof(r->comm));
		r->uid = sqlite3_column_type(stmt, 9) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(stmt, 9);
		r->c[0] = sqlite3_column_int64(stmt, 10);
		r->c[1] = sqlite3_column_int64(stmt, 11);
		r->c[2] = sqlite3_column_int64(stmt, 12);
	}
	/* Ends the read: no snapshot is held between rounds. */
	sqlite3_finalize(stmt);
	return last;
}

#define LSTART_SQL	PROCS_LSTART
/* Exit rows of threads (kind 0) newer than ?1, received after ?2. */
#define EXITS_SQL(cond) "SELECT id, recv_time, 0, ac_pid, " \
	"coalesce(ac_tgid, ac_pid), recv_time - ac_etime, " \
	"coalesce(" LSTART_SQL ", recv_time - ac_etime), 1, ac_comm, " \
	"ac_uid, coalesce(read_bytes, 0), coalesce(write_bytes, 0), " \
	"coalesce(cpu_run_real_total, (ac_utime + ac_stime) * 1000, 0) " \
	"FROM tasks AS X WHERE id > ?1 AND recv_time > ?2 AND kind = 0 " \
	cond " ORDER BY id"

/* The daemon's new rows since the last read, into io->pend. */
static void
rows_new(struct iotop *io)
{
	if (io->kernel || io->ctx->schema < 3)
		io->last_id = rows_read(io, EXITS_SQL(""), io->last_id, 0);
	else
		io->last_id = rows_read(io, EXITS_SQL("AND sampled IS NULL"),
		    io->last_id, 0);
	if (!io->kernel && io->activity)
		io->last_act = rows_read(io, "SELECT rowid, time, span, "
		    "tgid, tgid, lstart, lstart, state, ac_comm, ac_uid, "
		    "coalesce(read_bytes, 0), coalesce(write_bytes, 0), "
		    "coalesce(cpu_run_real_total, (ac_utime + ac_stime) * "
		    "1000, 0) FROM activity WHERE rowid > ?1 AND time > ?2 "
		    "ORDER BY rowid", io->last_act, 1);
}

static int
proc_cmp(const void *a, const void *b)
{
	const struct iotop_proc	*x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return (x->lstart > y->lstart) - (x->lstart < y->lstart);
}

/* Merge the contributions of each process (tgid, leader start). */
static void
round_merge(struct iotop_round *r)
{
	struct iotop_proc	*p = r->p, *m = NULL;
	int64_t			 first = 0;
	size_t			 i, k = 0;

	if (r->np > 0)
		qsort(p, r->np, sizeof(*p), proc_cmp);
	for (i = 0; i < r->np; i++) {
		if (m != NULL && m->tgid == p[i].tgid &&
		    p[i].lstart - first <= PROC_START_TOL_US) {
			m->read_bytes += p[i].read_bytes;
			m->write_bytes += p[i].write_bytes;
			m->cpu_ns += p[i].cpu_ns;
			m->running |= p[i].running;
			m->exited |= p[i].exited;
			if (p[i].span_us > m->span_us)
				m->span_us = p[i].span_us;
			if (p[i].leader && !m->leader) {
				m->leader = 1;
				m->uid = p[i].uid;
				memcpy(m->comm, p[i].comm, sizeof(m->comm));
			}
			continue;
		}
		m = &p[k++];
		*m = p[i];
		first = m->lstart;
	}
	r->np = k;
}

struct iotop_round *
iotop_round(struct iotop *io)
{
	struct iot_thread	*t;
	struct iot_row		*r;
	struct iotop_proc	*p;
	size_t			 i, k;

	io->round.np = 0;
	rows_new(io);
	for (i = k = 0; i < io->pend.n; i++) {
		r = (struct iot_row *)io->pend.p + i;
		if (r->time > io->round.end) {
			/* Received after the round: the next one's. */
			((struct iot_row *)io->pend.p)[k++] = *r;
			continue;
		}
		if (io->kernel)
			exit_kernel(io, r);
		else
			row_daemon(io, r);
	}
	io->pend.n = k;
	for (i = 0; io->kernel && i < io->cur.n; i++) {
		t = (struct iot_thread *)io->cur.p + i;
		p = round_add(io, t->tgid, t->lstart, t->uid,
		    t->tid == t->tgid, t->comm);
		p->read_bytes = t->d[0];
		p->write_bytes = t->d[1];
		p->cpu_ns = t->d[2];
		p->running = !t->dead;
	}
	round_merge(&io->round);
	return &io->round;
}

void
iotop_pass(struct iotop *io, int64_t t)
{
	io->round.n++;
	io->round.start = io->round.end;
	io->round.end = t;
	if (io->kernel)
		pass_kernel(io, t);
}

static int64_t
db_int(struct cmd_ctx *ctx, const char *sql, int64_t dflt)
{
	sqlite3_stmt	*stmt = cli_prepare(ctx, sql);
	int64_t		 v = dflt;

	if (cli_step(ctx, stmt) && sqlite3_column_type(stmt, 0) !=
	    SQLITE_NULL)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

void
iotop_begin(struct iotop *io, int64_t t)
{
	io->t0 = t;
	io->round.end = t;
	io->last_pass = INT64_MIN;
	io->last_id = db_int(io->ctx, "SELECT max(id) FROM tasks", 0);
	if (io->activity)
		io->last_act = db_int(io->ctx, "SELECT max(rowid) FROM "
		    "activity", 0);
	if (io->kernel)
		pass_kernel(io, t);
	io->gone.n = 0;
}

/* Is the daemon sampling?  The note for the unprivileged fallback. */
static void
daemon_note(struct iotop *io)
{
	char	 every[32];
	int64_t	 last = -1, before = -1;

	if (io->ctx->schema >= 3 && cli_table_exists(io->ctx,
	    "sample_passes")) {
		last = db_int(io->ctx, "SELECT max(time) FROM sample_passes",
		    -1);
		before = db_int(io->ctx, "SELECT time FROM sample_passes "
		    "ORDER BY time DESC LIMIT 1 OFFSET 1", -1);
	}
	if (last < 0 || iotop_now() - last > IOTOP_SAMPLING_AGE_US) {
		snprintf(io->note, sizeof(io->note), "not root nor "
		    "CAP_NET_ADMIN, and taskacctd is not sampling (start it "
		    "with --sample-interval): only processes that exited are "
		    "shown, from their exit records");
		return;
	}
	/* The interval, once two passes show it. */
	every[0] = '\0';
	if (before >= 0) {
		memcpy(every, " (every ", 8);
		fmt_duration_us(every + 8, sizeof(every) - 9, last - before);
		strcat(every, ")");
	}
	snprintf(io->note, sizeof(io->note), "not root nor CAP_NET_ADMIN: "
	    "showing taskacctd's samples%s and exit records, not the "
	    "kernel's live counters", every);
}

struct iotop *
iotop_open(struct cmd_ctx *ctx, const char **note)
{
	struct ts_record	 rec;
	struct iotop		*io;
	char			 e[256];
	size_t			 i;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		err(1, NULL);
	io->ctx = ctx;
	for (i = 0; i < sizeof(iot_fields) / sizeof(iot_fields[0]); i++)
		if ((io->f[i] = ts_field_find(iot_fields[i])) == NULL)
			errx(1, "internal error: no field %s", iot_fields[i]);
	io->activity = ctx->schema >= 3 && cli_table_exists(ctx, "activity");
	*note = NULL;
	/* Ask for ourselves: EPERM says the kernel will refuse us. */
	if ((io->tg = taskget_open(e, sizeof(e))) == NULL)
		errx(1, "iotop: %s", e);
	if (taskget_thread(io->tg, (uint32_t)gettid(), &rec) == 0)
		io->kernel = 1;
	else if (errno == EPERM) {
		daemon_note(io);
		*note = io->note;
	} else
		err(1, "iotop: asking the kernel for our own counters");
	return io;
}

int
iotop_kernel(const struct iotop *io)
{
	return io->kernel;
}

void
iotop_close(struct iotop *io)
{
	if (io == NULL)
		return;
	taskget_close(io->tg);
	free(io->cur.p);
	free(io->prev.p);
	free(io->gone.p);
	free(io->pend.p);
	free(io->round.p);
	free(io);
}

static int64_t
sort_key(const struct iotop_proc *p, enum iotop_sort s)
{
	switch (s) {
	case IOTOP_SORT_READ:
		return p->read_bytes;
	case IOTOP_SORT_WRITE:
		return p->write_bytes;
	case IOTOP_SORT_CPU:
		return p->cpu_ns;
	default:
		return p->read_bytes + p->write_bytes;
	}
}

static enum iotop_sort	 sort_by;

static int
rank_cmp(const void *a, const void *b)
{
	const struct iotop_proc	*x = a, *y = b;
	int64_t			 kx = sort_key(x, sort_by),
				 ky = sort_key(y, sort_by);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	return proc_cmp(a, b);
}

void
iotop_sort(struct iotop_round *r, enum iotop_sort s)
{
	sort_by = s;
	if (r->np > 0)
		qsort(r->p, r->np, sizeof(*r->p), rank_cmp);
}

int
iotop_shown(const struct iotop_proc *p, int only)
{
	if (p->read_bytes > 0 || p->write_bytes > 0)
		return 1;
	return !only && p->cpu_ns > 0;
}
