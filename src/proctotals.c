/*
 * proctotals.c: taskacctd's upkeep of proc_totals (schema 5): one row per
 * process that had several threads, its threads' totals exactly as
 * tools/procs.c sums them (procs_cols, the matching of procs_th), written
 * in the transaction of the process's end so that a report per process
 * never sums threads at query time.
 *
 * In memory: the running sums of each live process's thread rows, by
 * (ac_tgid, leader start PROCS_LSTART within PROC_START_TOL_US).  A
 * process ends with its AGROUP thread row followed by its group row: then
 * its sums and the end row's go in as one INSERT, no scan of tasks.  A
 * thread row of the same process arriving up to PROC_SLACK_US later
 * (another socket) UPDATEs that row.
 *
 * What memory does not hold is read from the rows, bounded: the rows stored
 * before this upkeep began (a restart, a kill -9, an upgrade in place: the
 * rows with ids up to old_max, received up to old_recv) are summed, for a
 * process that started before old_recv only, over the range of
 * tasks_recv_time from its leader's start to old_recv; a process whose
 * sums may have been evicted (the cap, or idle for PT_IDLE_US: its end was
 * lost) is summed over its whole life.  Both are one indexed range each,
 * paid once per such process (tests/ptotals_e2e.sh, README figures).
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fields.h"
#include "log.h"
#include "proctotals.h"
#include "taskstats_proto.h"

/* As tools/cli.h: PROC_SLACK_US, PROC_START_TOL_US. */
#define PT_SLACK_US		INT64_C(1000000)
#define PT_TOL_US		INT64_C(1000000)
#define PT_TOL_SQL		"1000000"
#define PT_CAP_DEFAULT		65536
/* A live process whose last thread row is this old is forgotten. */
#define PT_IDLE_US		(INT64_C(600) * 1000000)
#define PT_EXPIRE_EVERY_US	(INT64_C(60) * 1000000)
#define PT_HASH			4096
#define PT_ENDS_MAX		4096

/* tools/procs.h's PROCS_LSTART and PROCS_DELAY on row "t." (a test compares). */
#define PT_LSTART	"(min(t.recv_time, (coalesce(t.ac_btime64, " \
	"t.ac_btime) + t.ac_etime / 1000000 + 1) * 1000000 - 1) - " \
	"t.ac_tgetime)"
#define PT_DELAY(c)	"(CASE WHEN t." c " <= t.ac_etime * 1010 + 1000000 " \
	"THEN t." c " END)"

static const char pt_sum_sql[] =
	"SELECT count(*), sum(t.ac_utime), sum(t.ac_stime), "
	"sum(t.read_bytes), sum(t.write_bytes), "
	"sum(" PT_DELAY("cpu_delay_total") "), "
	"sum(" PT_DELAY("blkio_delay_total") "), "
	"sum(coalesce(" PT_DELAY("swapin_delay_total") ", 0) + "
	"coalesce(" PT_DELAY("freepages_delay_total") ", 0) + "
	"coalesce(" PT_DELAY("thrashing_delay_total") ", 0) + "
	"coalesce(" PT_DELAY("compact_delay_total") ", 0) + "
	"coalesce(" PT_DELAY("wpcopy_delay_total") ", 0)), "
	"max(t.hiwater_rss), sum(t.nvcsw + t.nivcsw) "
	"FROM tasks t INDEXED BY tasks_recv_time WHERE t.recv_time BETWEEN "
	"?1 AND ?2 AND t.id <= ?3 AND t.ac_tgid = ?4 AND t.kind = 0 AND "
	"(t.run_id = ?5 OR (SELECT boot_id FROM runs WHERE id = t.run_id) = "
	"?6) AND " PT_LSTART " BETWEEN ?7 - " PT_TOL_SQL " AND ?7 + "
	PT_TOL_SQL;

static const char pt_ins_sql[] =
	"INSERT OR REPLACE INTO proc_totals (id, recv_time, threads, utime, "
	"stime, read_bytes, write_bytes, cpu_delay, blkio_delay, mem_delay, "
	"rss, csw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

#define PT_ADD(c, n)	c " = coalesce(" c " + ?" n ", " c ", ?" n ")"
static const char pt_upd_sql[] =
	"UPDATE proc_totals SET threads = threads + 1, "
	PT_ADD("utime", "2") ", " PT_ADD("stime", "3") ", "
	PT_ADD("read_bytes", "4") ", " PT_ADD("write_bytes", "5") ", "
	PT_ADD("cpu_delay", "6") ", " PT_ADD("blkio_delay", "7") ", "
	PT_ADD("mem_delay", "8") ", rss = CASE WHEN ?9 IS NULL THEN rss "
	"WHEN rss IS NULL OR ?9 > rss THEN ?9 ELSE rss END, "
	PT_ADD("csw", "10") " WHERE id = ?1";

struct pt_ent {
	struct pt_ent	*next;
	int64_t		 tgid, lstart, last_recv, threads;
	unsigned	 has;
	int64_t		 v[PT__COUNT];
};

struct pt_end {
	int64_t		 id, tgid, lstart, recv_time;
};

struct ptot {
	sqlite3		*db;
	sqlite3_stmt	*sum, *ins, *upd;
	struct pt_ent	*hash[PT_HASH];
	size_t		 n, cap;
	struct pt_end	 ends[PT_ENDS_MAX];	/* recent ends, a ring */
	size_t		 nends, ends_at;
	struct pt_row	 pend;			/* an AGROUP row, its group next */
	int		 has_pend, init, cap_logged;
	int64_t		 old_max, old_recv;	/* before the upkeep began */
	int64_t		 ev_lstart;		/* latest start evicted */
	int64_t		 run_id;
	char		*boot;
	int64_t		 expired_at;
	struct ptot_stats st;
};

/* Field indexes, looked up once. */
enum { F_UTIME, F_STIME, F_READ, F_WRITE, F_CPU_D, F_BLKIO_D, F_SWAPIN_D,
	F_FREEPAGES_D, F_THRASHING_D, F_COMPACT_D, F_WPCOPY_D, F_RSS,
	F_NVCSW, F_NIVCSW, F_TGID, F_FLAG, F_ETIME, F_TGETIME, F_BTIME,
	F_BTIME64, F__COUNT };
static const char *const pt_names[F__COUNT] = {
	"ac_utime", "ac_stime", "read_bytes", "write_bytes",
	"cpu_delay_total", "blkio_delay_total", "swapin_delay_total",
	"freepages_delay_total", "thrashing_delay_total",
	"compact_delay_total", "wpcopy_delay_total", "hiwater_rss", "nvcsw",
	"nivcsw", "ac_tgid", "ac_flag", "ac_etime", "ac_tgetime", "ac_btime",
	"ac_btime64",
};
static size_t	pt_idx[F__COUNT];
static int	pt_idx_done;

static void
pt_index(void)
{
	const struct ts_field	*f;
	size_t			 i;

	if (pt_idx_done)
		return;
	for (i = 0; i < F__COUNT; i++) {
		f = ts_field_find(pt_names[i]);
		pt_idx[i] = f != NULL ? (size_t)(f - ts_fields) : SIZE_MAX;
	}
	pt_idx_done = 1;
}

struct ptot *
ptot_new(sqlite3 *db, size_t cap)
{
	struct ptot	*p;

	pt_index();
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->db = db;
	p->cap = cap > 0 ? cap : PT_CAP_DEFAULT;
	p->ev_lstart = INT64_MIN;
	if (sqlite3_prepare_v3(db, pt_sum_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &p->sum, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, pt_ins_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &p->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, pt_upd_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &p->upd, NULL) != SQLITE_OK) {
		ptot_free(p);
		return NULL;
	}
	return p;
}

static void
pt_clear(struct ptot *p)
{
	struct pt_ent	*e, *next;
	size_t		 i;

	for (i = 0; i < PT_HASH; i++) {
		for (e = p->hash[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		p->hash[i] = NULL;
	}
	p->n = 0;
	p->nends = p->ends_at = 0;
	p->has_pend = 0;
}

void
ptot_free(struct ptot *p)
{
	if (p == NULL)
		return;
	pt_clear(p);
	sqlite3_finalize(p->sum);
	sqlite3_finalize(p->ins);
	sqlite3_finalize(p->upd);
	free(p->boot);
	free(p);
}

/* Where a row's fields are: a record and its plan, or a column array. */
struct pt_src {
	const struct ts_record	*rec;
	const struct ts_plan	*plan;
	const int64_t		*v;	/* field i at v[i], NULL if nul[i] */
	const uint8_t		*nul;
};

/* Field i of the row, 0 if absent. */
static int
pt_get(const struct pt_src *src, int i, int64_t *v)
{
	const struct ts_step	*s;

	if (pt_idx[i] == SIZE_MAX)
		return 0;
	if (src->v != NULL) {
		if (src->nul[pt_idx[i]])
			return 0;
		*v = src->v[pt_idx[i]];
		return 1;
	}
	s = &src->plan->step[pt_idx[i]];
	if (!s->present)
		return 0;
	*v = ts_value_int(s->type, src->rec->raw + s->offset);
	return 1;
}

/*
 * Wrapping int64 arithmetic: a hostile record's counters near 2^63 must not
 * be undefined behaviour (SQLite would go on in floating point; the totals
 * of such a process are meaningless either way, the writer must not crash).
 */
static inline int64_t
pt_wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t
pt_wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* A delay where possible (TS_DELAY_MAX_NS), as PROCS_DELAY. */
static int
pt_delay(const struct pt_src *src, int i, int64_t *v)
{
	int64_t	 etime;

	return pt_get(src, i, v) && pt_get(src, F_ETIME, &etime) &&
	    ts_delay_possible(*v, etime);
}

static void
pt_fill(struct pt_row *r, const struct pt_src *src, int64_t id,
    int64_t run_id, int64_t recv)
{
	static const int sums[] = { F_UTIME, F_STIME, F_READ, F_WRITE };
	int64_t	 a, b, btime, etime, tgetime, flag;
	size_t	 i;
	int	 d;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->run_id = run_id;
	r->recv_time = recv;
	for (i = 0; i < 4; i++)
		if (pt_get(src, sums[i], &r->v[i]))
			r->has |= 1u << i;
	if (pt_delay(src, F_CPU_D, &r->v[PT_CPU_DELAY]))
		r->has |= 1u << PT_CPU_DELAY;
	if (pt_delay(src, F_BLKIO_D, &r->v[PT_BLKIO_DELAY]))
		r->has |= 1u << PT_BLKIO_DELAY;
	for (d = F_SWAPIN_D; d <= F_WPCOPY_D; d++)
		if (pt_delay(src, d, &a))
			r->v[PT_MEM_DELAY] = pt_wadd(r->v[PT_MEM_DELAY], a);
	r->has |= 1u << PT_MEM_DELAY;
	if (pt_get(src, F_RSS, &r->v[PT_RSS]))
		r->has |= 1u << PT_RSS;
	if (pt_get(src, F_NVCSW, &a) && pt_get(src, F_NIVCSW, &b)) {
		r->v[PT_CSW] = pt_wadd(a, b);
		r->has |= 1u << PT_CSW;
	}
	r->has_tgid = pt_get(src, F_TGID, &r->tgid);
	r->agroup = pt_get(src, F_FLAG, &flag) && (flag & TS_AGROUP);
	if (!pt_get(src, F_BTIME64, &btime) && !pt_get(src, F_BTIME, &btime))
		return;
	if (!pt_get(src, F_ETIME, &etime) || !pt_get(src, F_TGETIME, &tgetime))
		return;
	a = pt_wsub((int64_t)((uint64_t)pt_wadd(pt_wadd(btime, etime / 1000000),
	    1) * 1000000u), 1);
	r->lstart = pt_wsub(recv < a ? recv : a, tgetime);
	r->has_lstart = 1;
}

void
ptot_row(struct pt_row *r, const struct ts_record *rec,
    const struct ts_plan *plan, int64_t id, int64_t run_id, int64_t recv)
{
	struct pt_src	 src = { rec, plan, NULL, NULL };

	pt_fill(r, &src, id, run_id, recv);
}

void
ptot_row_cols(struct pt_row *r, const int64_t *v, const uint8_t *nul,
    int64_t id, int64_t run_id, int64_t recv)
{
	struct pt_src	 src = { NULL, NULL, v, nul };

	pt_index();
	pt_fill(r, &src, id, run_id, recv);
}

/* Add sums (SQL's sum: NULL adds nothing; max for rss). */
static void
pt_add(int64_t *v, unsigned *has, const int64_t *sv, unsigned shas)
{
	int	 i;

	for (i = 0; i < PT__COUNT; i++) {
		if (!(shas & (1u << i)))
			continue;
		if (!(*has & (1u << i)))
			v[i] = sv[i];
		else if (i == PT_RSS)
			v[i] = sv[i] > v[i] ? sv[i] : v[i];
		else
			v[i] = pt_wadd(v[i], sv[i]);
		*has |= 1u << i;
	}
}

static int
pt_near(int64_t a, int64_t b)
{
	return pt_wsub(a, b) <= PT_TOL_US && pt_wsub(b, a) <= PT_TOL_US;
}

static struct pt_ent **
pt_find(struct ptot *p, int64_t tgid, int64_t lstart)
{
	struct pt_ent	**ep;

	ep = &p->hash[(uint64_t)tgid % PT_HASH];
	for (; *ep != NULL; ep = &(*ep)->next)
		if ((*ep)->tgid == tgid && pt_near((*ep)->lstart, lstart))
			return ep;
	return ep;
}

/* Drop the entries last fed before t; what they held is read back later. */
static void
pt_drop_before(struct ptot *p, int64_t t)
{
	struct pt_ent	**ep, *e;
	size_t		 i;

	for (i = 0; i < PT_HASH; i++) {
		for (ep = &p->hash[i]; (e = *ep) != NULL; ) {
			if (e->last_recv >= t) {
				ep = &e->next;
				continue;
			}
			if (e->lstart > p->ev_lstart)
				p->ev_lstart = e->lstart;
			*ep = e->next;
			free(e);
			p->n--;
			p->st.evicted++;
		}
	}
}

/* At the cap: the quarter least recently fed go. */
static void
pt_evict(struct ptot *p)
{
	struct pt_ent	*e;
	int64_t		 lo = INT64_MAX, hi = INT64_MIN;
	size_t		 i;

	if (!p->cap_logged) {
		log_warnx("process totals: %zu processes' thread sums held, "
		    "the cap: the least recently fed are summed from the rows "
		    "at their end instead", p->n);
		p->cap_logged = 1;
	}
	for (i = 0; i < PT_HASH; i++)
		for (e = p->hash[i]; e != NULL; e = e->next) {
			lo = e->last_recv < lo ? e->last_recv : lo;
			hi = e->last_recv > hi ? e->last_recv : hi;
		}
	pt_drop_before(p, lo + (hi - lo) / 4 + 1);
}

/* PT_LSTART on the end row t of a proc_totals row. */
static const char pt_ends_sql[] =
	"SELECT p.id, t.ac_tgid, " PT_LSTART ", p.recv_time FROM proc_totals "
	"p JOIN tasks t ON t.id = p.id WHERE p.id >= (SELECT coalesce(min(id), "
	"0) FROM tasks WHERE recv_time >= ?1) AND p.recv_time >= ?1 AND "
	"t.ac_tgid IS NOT NULL AND " PT_LSTART " IS NOT NULL ORDER BY p.id";

/* The ends of the last PROC_SLACK_US stored: their late threads may come. */
static int
pt_load_ends(struct ptot *p)
{
	sqlite3_stmt	*s;
	struct pt_end	*e;
	int		 rc;

	if (p->old_recv == INT64_MIN)
		return 0;
	if (sqlite3_prepare_v2(p->db, pt_ends_sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, p->old_recv - PT_SLACK_US);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		e = &p->ends[p->ends_at];
		*e = (struct pt_end){ sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
		    sqlite3_column_int64(s, 3) };
		p->ends_at = (p->ends_at + 1) % PT_ENDS_MAX;
		if (p->nends < PT_ENDS_MAX)
			p->nends++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The upkeep begins (again): what is stored already is read back. */
static int
pt_init(struct ptot *p, const struct pt_row *r)
{
	sqlite3_stmt	*s;
	int		 rc;

	p->old_max = r->id - 1;
	p->old_recv = INT64_MIN;
	p->run_id = r->run_id;
	free(p->boot);
	p->boot = NULL;
	if (sqlite3_prepare_v2(p->db, "SELECT recv_time FROM tasks WHERE "
	    "id < ?1 ORDER BY recv_time DESC LIMIT 1", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, r->id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		p->old_recv = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (sqlite3_prepare_v2(p->db, "SELECT boot_id FROM runs WHERE id = ?1",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, r->run_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    sqlite3_column_text(s, 0) != NULL)
		p->boot = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	p->expired_at = r->recv_time;
	if (pt_load_ends(p) == -1)
		return -1;
	p->init = 1;
	return 0;
}

/* Sum the stored rows of process g in [lo, hi] with ids up to max_id. */
static int
pt_sum_rows(struct ptot *p, const struct pt_row *g, int64_t lo, int64_t hi,
    int64_t max_id, int64_t *threads, int64_t *v, unsigned *has)
{
	sqlite3_stmt	*s = p->sum;
	int64_t		 sv[PT__COUNT];
	unsigned	 shas = 0;
	int		 i, rc;

	p->st.fallbacks++;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	sqlite3_bind_int64(s, 3, max_id);
	sqlite3_bind_int64(s, 4, g->tgid);
	sqlite3_bind_int64(s, 5, p->run_id);
	if (p->boot != NULL)
		sqlite3_bind_text(s, 6, p->boot, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, g->lstart);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*threads += sqlite3_column_int64(s, 0);
		for (i = 0; i < PT__COUNT; i++)
			if (sqlite3_column_type(s, i + 1) != SQLITE_NULL) {
				sv[i] = sqlite3_column_int64(s, i + 1);
				shas |= 1u << i;
			}
		pt_add(v, has, sv, shas);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
pt_bind_vals(sqlite3_stmt *s, int col, const int64_t *v, unsigned has)
{
	int	 i;

	for (i = 0; i < PT__COUNT; i++)
		if (has & (1u << i))
			sqlite3_bind_int64(s, col + i, v[i]);
		else
			sqlite3_bind_null(s, col + i);
}

static int
pt_step(sqlite3_stmt *s)
{
	int	 rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Process g ended (its group row is in): its totals go in. */
static int
pt_finish(struct ptot *p, const struct pt_row *g)
{
	struct pt_ent	**ep, *e;
	struct pt_end	*end;
	int64_t		 v[PT__COUNT], threads = 0;
	unsigned	 has = 0;

	/* As procs.c: no leader start or no tgid, no threads matched. */
	if (!g->has_lstart || !g->has_tgid)
		return 0;
	ep = pt_find(p, g->tgid, g->lstart);
	e = *ep;
	if (e != NULL) {
		*ep = e->next;
		p->n--;
	}
	if (g->lstart <= pt_wadd(p->ev_lstart, PT_TOL_US)) {
		/* Its sums may have been evicted: all its rows, stored. */
		if (pt_sum_rows(p, g, pt_wsub(g->lstart, PT_TOL_US),
		    g->recv_time + PT_SLACK_US, INT64_MAX, &threads, v,
		    &has) == -1)
			goto fail;
	} else {
		threads = 1;
		memcpy(v, g->v, sizeof(v));
		has = g->has;
		if (e != NULL) {
			threads += e->threads;
			pt_add(v, &has, e->v, e->has);
		}
		if (pt_wsub(g->lstart, PT_TOL_US) <= p->old_recv &&
		    pt_sum_rows(p, g, pt_wsub(g->lstart, PT_TOL_US),
		    g->recv_time + PT_SLACK_US < p->old_recv ?
		    g->recv_time + PT_SLACK_US : p->old_recv, p->old_max,
		    &threads, v, &has) == -1)
			goto fail;
	}
	free(e);
	if (threads == 0)
		return 0;
	sqlite3_bind_int64(p->ins, 1, g->id);
	sqlite3_bind_int64(p->ins, 2, g->recv_time);
	sqlite3_bind_int64(p->ins, 3, threads);
	pt_bind_vals(p->ins, 4, v, has);
	if (pt_step(p->ins) == -1)
		return -1;
	p->st.written++;
	end = &p->ends[p->ends_at];
	*end = (struct pt_end){ g->id, g->tgid, g->lstart, g->recv_time };
	p->ends_at = (p->ends_at + 1) % PT_ENDS_MAX;
	if (p->nends < PT_ENDS_MAX)
		p->nends++;
	return 0;
fail:
	free(e);
	return -1;
}

/* A thread row of a process that ended up to PROC_SLACK_US ago: 1. */
static int
pt_late(struct ptot *p, const struct pt_row *r)
{
	const struct pt_end	*e;
	size_t			 i;

	for (i = 0; i < p->nends; i++) {
		e = &p->ends[(p->ends_at + PT_ENDS_MAX - 1 - i) % PT_ENDS_MAX];
		if (r->recv_time > e->recv_time + PT_SLACK_US)
			break;		/* older ends are older still */
		if (e->tgid != r->tgid || !pt_near(e->lstart, r->lstart))
			continue;
		sqlite3_bind_int64(p->upd, 1, e->id);
		pt_bind_vals(p->upd, 2, r->v, r->has);
		if (pt_step(p->upd) == -1)
			return -1;
		p->st.updated++;
		return 1;
	}
	return 0;
}

int
ptot_thread(struct ptot *p, const struct pt_row *r)
{
	struct pt_ent	**ep, *e;
	int		 late;

	if (!p->init && pt_init(p, r) == -1)
		return -1;
	p->has_pend = 0;
	if (!r->has_tgid || !r->has_lstart)
		return 0;
	/* An end is a process's own (as the fill: sql/migrate-5.sql). */
	if (r->agroup) {
		p->pend = *r;
		p->has_pend = 1;
		return 0;
	}
	if ((late = pt_late(p, r)) != 0)
		return late < 0 ? -1 : 0;
	if (r->recv_time - p->expired_at > PT_EXPIRE_EVERY_US) {
		pt_drop_before(p, r->recv_time - PT_IDLE_US);
		p->expired_at = r->recv_time;
	}
	ep = pt_find(p, r->tgid, r->lstart);
	if ((e = *ep) == NULL) {
		if (p->n >= p->cap) {
			pt_evict(p);
			ep = pt_find(p, r->tgid, r->lstart);
		}
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		e->tgid = r->tgid;
		e->lstart = r->lstart;
		*ep = e;
		p->n++;
	}
	e->last_recv = r->recv_time;
	e->threads++;
	pt_add(e->v, &e->has, r->v, r->has);
	return 0;
}

int
ptot_group(struct ptot *p, int64_t link_id)
{
	int	 had = p->has_pend;

	p->has_pend = 0;
	if (!had || p->pend.id != link_id)
		return 0;
	/* After a rollback, the end (committed before it) comes first. */
	if (!p->init && pt_init(p, &p->pend) == -1)
		return -1;
	return pt_finish(p, &p->pend);
}

/*
 * What memory held may include rows that are gone: forget it all and read
 * the rows back as after a restart.  An end committed before the rollback
 * whose group row was not stays pending: that row is retried first.
 */
void
ptot_rollback(struct ptot *p)
{
	sqlite3_stmt	*s;
	struct pt_row	 pend = p != NULL ? p->pend : (struct pt_row){ 0 };
	int		 keep = 0;

	if (p == NULL)
		return;
	if (p->has_pend && sqlite3_prepare_v2(p->db, "SELECT 1 FROM tasks "
	    "WHERE id = ?1", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, pend.id);
		keep = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
	}
	pt_clear(p);
	p->init = 0;
	if (keep) {
		p->pend = pend;
		p->has_pend = 1;
	}
}

int
ptot_prune(sqlite3 *db, int64_t cut)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "DELETE FROM proc_totals WHERE recv_time < "
	    "?1 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = "
	    "proc_totals.id)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, cut);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
ptot_stats(const struct ptot *p, struct ptot_stats *st)
{
	*st = p->st;
	st->entries = (int64_t)p->n;
}
