/*
 * unit_proctotals.c: taskacctd's upkeep of proc_totals (src/proctotals.c)
 * against the fill of sql/migrate-5.sql (procs.c's matching) on the same
 * rows.  Random multi-threaded processes, their thread rows interleaved
 * in receive order, some received up to 0.9 s after their process's end
 * (another socket), PIDs reused, a few processes idle for longer than the
 * upkeep keeps them; random transactions, one rolled back and retried (as
 * the writer does), ends whose group row comes after a failed
 * transaction, two restarts of the upkeep (processes whose first
 * threads were stored before it: summed back from the rows), and a cap of
 * a few processes (evicted ones summed from the rows at their end).  The
 * rows written must equal the fill's, every one; the counters say each
 * path was taken.  Then a prune leaves no row without its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fields.h"
#include "proctotals.h"
#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"
#include "unit.h"

#define T0		(INT64_C(1796079570) * 1000000)
#define NPROCS		400
#define MAXTHR		6
#define NEV		(NPROCS * (MAXTHR + 1))

struct ev {
	int64_t		 recv, exit_us, start_us, gstart_us;
	int		 proc, tgid, pid, end, late;
	int64_t		 utime, rss, csw, rbytes, delay;
};

static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev	*x = a, *y = b;

	if (x->recv != y->recv)
		return x->recv < y->recv ? -1 : 1;
	return x->end - y->end;		/* an end after its same-time threads */
}

/* The processes' rows: n events, in receive order. */
static size_t
make_events(struct ev *e)
{
	size_t	 n = 0;
	int64_t	 start, end, t;
	int	 i, j, k, tgid;

	for (i = 0; i < NPROCS; i++) {
		/* starts spread over 2 h; PIDs from a small pool: reused */
		start = T0 + (int64_t)(rnd() % 7200000) * 1000;
		tgid = 100 + (int)(rnd() % 60);
		k = 2 + (int)(rnd() % (MAXTHR - 1));
		/* a few live long and idle: the upkeep forgets them */
		end = start + (i % 37 == 0 ? INT64_C(900) * 1000000 :
		    (int64_t)(rnd() % 20000000) + 1000);
		for (j = 0; j < k; j++) {
			struct ev *v = &e[n++];

			memset(v, 0, sizeof(*v));
			v->proc = i;
			v->tgid = tgid;
			v->pid = j == k - 1 ? tgid : tgid + 1000 + j;
			v->end = j == k - 1;
			v->gstart_us = start;
			v->start_us = start + (j == k - 1 ? 0 : (int64_t)
			    (rnd() % 1000));
			t = j == k - 1 ? end : start + (int64_t)(rnd() %
			    (uint64_t)(end - start));
			if (i % 37 == 0 && j == 0)
				t = start + 1000;
			v->exit_us = t;
			v->recv = t + 50;
			/* another socket: received after the end */
			if (!v->end && rnd() % 5 == 0) {
				v->exit_us = end - 10;
				v->recv = end + 1000 + (int64_t)(rnd() % 900000);
				v->late = 1;
			}
			v->utime = (int64_t)(rnd() % 100000);
			v->rss = (int64_t)(rnd() % 50000);
			v->csw = (int64_t)(rnd() % 1000);
			v->rbytes = rnd() % 3 ? (int64_t)(rnd() % 100000) : -1;
			v->delay = (int64_t)(rnd() % 2000000);
		}
	}
	qsort(e, n, sizeof(*e), ev_cmp);
	return n;
}

struct fx {
	sqlite3		*db;
	sqlite3_stmt	*ins;
	struct ptot	*pt;
	int64_t		 run_id, last_end, splits;
	struct ptot_stats sum;
};

static void
set(int64_t *v, uint8_t *nul, const char *name, int64_t x)
{
	size_t	 i = (size_t)(must_find(name) - ts_fields);

	v[i] = x;
	nul[i] = 0;
}

static void exec_ok(sqlite3 *, const char *);

/*
 * Insert event e's row (and its group row) and tell the upkeep.  split:
 * the end's transaction commits before its group row, and another one
 * (a sampler's, a heartbeat's) fails between them.
 */
static void
put(struct fx *f, const struct ev *e, int64_t *id, int split)
{
	int64_t		 v[TS_FIELDS_MAX];
	uint8_t		 nul[TS_FIELDS_MAX];
	int64_t		 etime = e->exit_us - e->start_us;
	struct pt_row	 r;
	sqlite3_stmt	*s = f->ins;

	memset(nul, 1, sizeof(nul));
	set(v, nul, "ac_pid", e->pid);
	set(v, nul, "ac_tgid", e->tgid);
	set(v, nul, "ac_flag", e->end ? TS_AGROUP : 0);
	set(v, nul, "ac_btime64", e->start_us / 1000000);
	set(v, nul, "ac_etime", etime);
	set(v, nul, "ac_tgetime", e->exit_us - e->gstart_us);
	set(v, nul, "ac_utime", e->utime);
	set(v, nul, "ac_stime", e->utime / 7);
	if (e->rbytes >= 0)
		set(v, nul, "read_bytes", e->rbytes);
	set(v, nul, "write_bytes", 4096);
	set(v, nul, "cpu_delay_total", e->delay);
	/* sometimes more than its lifetime allows: left out */
	set(v, nul, "blkio_delay_total", e->delay * 3);
	set(v, nul, "swapin_delay_total", e->delay / 3);
	set(v, nul, "hiwater_rss", e->rss);
	set(v, nul, "nvcsw", e->csw);
	set(v, nul, "nivcsw", e->csw / 2);
	++*id;
	sqlite3_bind_int64(s, 1, *id);
	sqlite3_bind_int64(s, 2, f->run_id);
	sqlite3_bind_int64(s, 3, e->recv);
	sqlite3_bind_int(s, 4, 0);
	sqlite3_bind_null(s, 5);
	sqlite3_bind_int(s, 6, e->pid);
	sqlite3_bind_int(s, 7, e->tgid);
	sqlite3_bind_int(s, 8, e->end ? TS_AGROUP : 0);
	sqlite3_bind_int64(s, 9, e->start_us / 1000000);
	sqlite3_bind_int64(s, 10, etime);
	sqlite3_bind_int64(s, 11, e->exit_us - e->gstart_us);
	sqlite3_bind_int64(s, 12, e->utime);
	sqlite3_bind_int64(s, 13, e->utime / 7);
	if (e->rbytes >= 0)
		sqlite3_bind_int64(s, 14, e->rbytes);
	else
		sqlite3_bind_null(s, 14);
	sqlite3_bind_int64(s, 15, 4096);
	sqlite3_bind_int64(s, 16, e->delay);
	sqlite3_bind_int64(s, 17, e->delay * 3);
	sqlite3_bind_int64(s, 18, e->delay / 3);
	sqlite3_bind_int64(s, 19, e->rss);
	sqlite3_bind_int64(s, 20, e->csw);
	sqlite3_bind_int64(s, 21, e->csw / 2);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	ptot_row_cols(&r, v, nul, *id, f->run_id, e->recv);
	assert_int_equal(ptot_thread(f->pt, &r), 0);
	if (!e->end)
		return;
	if (split) {
		exec_ok(f->db, "COMMIT");
		exec_ok(f->db, "BEGIN");
		exec_ok(f->db, "ROLLBACK");
		ptot_rollback(f->pt);
		exec_ok(f->db, "BEGIN");
		f->splits++;
	}
	++*id;
	sqlite3_bind_int64(s, 1, *id);
	sqlite3_bind_int(s, 4, 1);
	sqlite3_bind_int64(s, 5, *id - 1);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	assert_int_equal(ptot_group(f->pt, *id - 1), 0);
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int64_t
int_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The rows that differ, for the log. */
static void
diff_rows(sqlite3 *db)
{
	sqlite3_stmt	*s;
	int		 i;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 'upkeep', * FROM "
	    "(SELECT * FROM daemon EXCEPT SELECT * FROM proc_totals) UNION "
	    "ALL SELECT 'fill', * FROM (SELECT * FROM proc_totals EXCEPT "
	    "SELECT * FROM daemon) ORDER BY 2 LIMIT 10", -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(s); i++)
			print_message("%s%s", i ? "|" : "# ",
			    (const char *)sqlite3_column_text(s, i) ?
			    (const char *)sqlite3_column_text(s, i) : "NULL");
		print_message("\n");
	}
	sqlite3_finalize(s);
}

static void
restart(struct fx *f, size_t cap)
{
	struct ptot_stats st;

	if (f->pt != NULL) {
		ptot_stats(f->pt, &st);
		f->sum.written += st.written;
		f->sum.updated += st.updated;
		f->sum.fallbacks += st.fallbacks;
		f->sum.evicted += st.evicted;
		ptot_free(f->pt);
	}
	assert_non_null(f->pt = ptot_new(f->db, cap));
}

static void
test_upkeep_equals_fill(void **state)
{
	struct fx	 f = { 0 };
	struct ev	*e;
	const char	*a, *b;
	char		*fill;
	size_t		 n, i, j, txn = 0, redo = 0;
	int64_t		 id = 0, id0 = 0;

	(void)state;
	assert_non_null(e = calloc(NEV, sizeof(*e)));
	n = make_events(e);
	assert_int_equal(sqlite3_open(":memory:", &f.db), SQLITE_OK);
	exec_ok(f.db, taskacct_schema_sql);
	exec_ok(f.db, "INSERT INTO runs (id, boot_id, start_time) VALUES "
	    "(1, 'b', 0), (2, 'b', 1), (3, 'b', 2), (4, 'other', 3)");
	assert_int_equal(sqlite3_prepare_v2(f.db, "INSERT INTO tasks (id, "
	    "run_id, recv_time, kind, link_id, task_id, ts_len, version, "
	    "ac_pid, ac_tgid, ac_flag, ac_btime64, ac_etime, ac_tgetime, "
	    "ac_utime, ac_stime, read_bytes, write_bytes, cpu_delay_total, "
	    "blkio_delay_total, swapin_delay_total, hiwater_rss, nvcsw, "
	    "nivcsw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 400, 17, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)", -1,
	    &f.ins, NULL), SQLITE_OK);
	f.run_id = 1;
	restart(&f, 0);
	exec_ok(f.db, "BEGIN");
	for (i = 0; i < n; i++) {
		/* two restarts of the recorder (same boot), the second capped */
		if (i == n / 3 || i == 2 * n / 3) {
			exec_ok(f.db, "COMMIT");
			f.run_id++;
			restart(&f, i == n / 3 ? 0 : 5);
			exec_ok(f.db, "BEGIN");
		}
		/* a batch rolled back, then written again */
		if (i == n / 2 && !redo) {
			exec_ok(f.db, "COMMIT");
			exec_ok(f.db, "BEGIN");
			id0 = id;
			for (j = i; j < i + 40 && j < n; j++)
				put(&f, &e[j], &id, 0);
			exec_ok(f.db, "ROLLBACK");
			ptot_rollback(f.pt);
			id = id0;
			redo = 1;
			exec_ok(f.db, "BEGIN");
		}
		put(&f, &e[i], &id, i % 97 == 0);
		if (++txn >= 1 + rnd() % 50) {
			exec_ok(f.db, "COMMIT");
			exec_ok(f.db, "BEGIN");
			txn = 0;
		}
	}
	exec_ok(f.db, "COMMIT");
	restart(&f, 0);
	print_message("# %lld written, %lld corrected by a late thread, "
	    "%lld summed from the rows, %lld evicted\n",
	    (long long)f.sum.written, (long long)f.sum.updated,
	    (long long)f.sum.fallbacks, (long long)f.sum.evicted);
	assert_true(f.sum.updated > 0);
	assert_true(f.sum.fallbacks > 0);
	assert_true(f.sum.evicted > 0);
	assert_true(f.splits > 0);
	assert_int_equal(int_of(f.db, "SELECT count(*) FROM proc_totals"),
	    NPROCS);

	/* The fill of sql/migrate-5.sql on the same rows. */
	a = strstr(taskacct_migrations[5], "-- ptotals: fill.");
	assert_non_null(a);
	b = strstr(a, "-- ptotals: end.");
	assert_non_null(b);
	assert_non_null(fill = strndup(a, (size_t)(b - a)));
	exec_ok(f.db, "CREATE TABLE daemon AS SELECT * FROM proc_totals; "
	    "DELETE FROM proc_totals");
	exec_ok(f.db, fill);
	free(fill);
	diff_rows(f.db);
	assert_int_equal(int_of(f.db, "SELECT count(*) FROM (SELECT * FROM "
	    "daemon EXCEPT SELECT * FROM proc_totals)"), 0);
	assert_int_equal(int_of(f.db, "SELECT count(*) FROM (SELECT * FROM "
	    "proc_totals EXCEPT SELECT * FROM daemon)"), 0);

	/* A prune: the rows of ends gone go, the others stay. */
	exec_ok(f.db, "DELETE FROM tasks WHERE recv_time < "
	    "(SELECT min(recv_time) + 3600000000 FROM tasks)");
	assert_int_equal(ptot_prune(f.db, int_of(f.db, "SELECT "
	    "min(recv_time) FROM tasks")), 0);
	assert_int_equal(int_of(f.db, "SELECT count(*) FROM proc_totals p "
	    "WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p.id)"), 0);
	assert_int_equal(int_of(f.db, "SELECT count(*) FROM proc_totals"),
	    int_of(f.db, "SELECT count(*) FROM tasks WHERE kind = 1"));
	ptot_free(f.pt);
	sqlite3_finalize(f.ins);
	sqlite3_close(f.db);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upkeep_equals_fill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
