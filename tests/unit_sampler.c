/*
 * unit_sampler.c: the live sampler's arithmetic (src/sampler_acct.c) on
 * crafted records: a thread counted once (samples, then the remainder at
 * exit, the same on a retried transaction), threads older than sampling
 * as a baseline, counters that go back, an exit that overtakes its last
 * sample (tombstone), PID reuse, kernel and dying threads, the bound; and
 * the daemon's reading of the privileged child's messages
 * (src/sampler.c, src/privsep.c) on hostile ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "decode.h"
#include "fields.h"
#include "privsep.h"
#include "sampler.h"
#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"
#include "unit.h"

#include "nlmsg_build.h"

#define S		INT64_C(1000000)
#define T0		(INT64_C(1800000000) * S)	/* sampling began */
#define CPU		2	/* cpu_run_real_total's index in the counters */
#define WB		4	/* write_bytes' */

static void
put(struct ts_record *r, const char *name, int64_t v)
{
	const struct ts_field	*f = must_find(name);
	uint8_t			*p = r->raw + ts_field_offset(f, r->version);
	uint32_t		 v32 = (uint32_t)v;

	if (ts_field_width(f) == 4)
		memcpy(p, &v32, 4);
	else if (ts_field_width(f) == 8)
		memcpy(p, &v, 8);
	else
		*p = (uint8_t)v;
}

/*
 * A v17 record of thread tid (of process tgid, leader tgid) started at
 * start, as the kernel fills it at time now: cpu ns, wbytes written.
 */
static void
mkrec(struct ts_record *r, uint32_t tid, uint32_t tgid, int64_t start,
    int64_t now, int64_t cpu, int64_t wbytes, int flag)
{
	memset(r, 0, sizeof(*r));
	r->kind = TASK_KIND_THREAD;
	r->task_id = tid;
	r->version = TS_VERSION_KNOWN;
	r->size = r->len = TS_SIZE_KNOWN;
	put(r, "version", TS_VERSION_KNOWN);
	put(r, "ac_pid", tid);
	put(r, "ac_tgid", tgid);
	put(r, "ac_ppid", 100);
	put(r, "ac_uid", 1000);
	put(r, "ac_flag", flag);
	put(r, "ac_etime", now - start);
	put(r, "ac_tgetime", now - start);
	put(r, "ac_btime64", now / S - (now - start) / S);
	put(r, "hiwater_vm", 4096);
	put(r, "cpu_run_real_total", cpu);
	put(r, "write_bytes", wbytes);
	memcpy(r->raw + ts_field_offset(must_find("ac_comm"), r->version),
	    "tester", 7);
}

/* Take the writer's items; the activity rows' sum of counter c. */
static int64_t
take_sum(struct sacct *a, int c, int *rows, int *passes)
{
	struct sacct_item	*it;
	size_t			 n, i;
	int64_t			 sum = 0;

	n = sacct_take(a, &it);
	*rows = *passes = 0;
	for (i = 0; i < n; i++) {
		if (it[i].is_pass) {
			(*passes)++;
			continue;
		}
		(*rows)++;
		sum += it[i].act.v[c];
		assert_int_equal(it[i].act.state, 0);
		assert_string_equal(it[i].act.comm, "tester");
	}
	free(it);
	return sum;
}

static void
pass(struct sacct *a, int64_t t, const struct ts_record *recs, int n,
    uint32_t tgid)
{
	struct sample_pass	 p = { 0 };
	int			 i;

	sacct_pass_begin(a, t);
	for (i = 0; i < n; i++)
		sacct_sample(a, &recs[i], tgid, t);
	p.time = t + 1000;
	sacct_pass_end(a, &p);
}

static void
test_counted_once(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct ts_record	 r;
	struct activity		 ac, ac2;
	int64_t			 sum;
	int			 rows, passes;

	(void)state;
	/* Born after sampling began: its first sample counts it all. */
	mkrec(&r, 500, 500, T0 + S / 2, T0 + S, 10, 4096, 0);
	pass(a, T0 + S, &r, 1, 500);
	sum = take_sum(a, CPU, &rows, &passes);
	assert_int_equal(sum, 10);
	assert_int_equal(rows, 1);
	assert_int_equal(passes, 1);
	mkrec(&r, 500, 500, T0 + S / 2, T0 + 2 * S, 25, 8192, 0);
	pass(a, T0 + 2 * S, &r, 1, 500);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 15);
	/* Its exit: the remainder, and the process's end. */
	mkrec(&r, 500, 500, T0 + S / 2, T0 + 2 * S + S / 2, 40, 8192,
	    TS_AGROUP);
	assert_int_equal(sacct_exit(a, &r, T0 + 2 * S + S / 2 + 3000, &ac), 1);
	assert_int_equal(ac.v[CPU], 15);
	assert_int_equal(ac.v[WB], 0);
	assert_int_equal(ac.state, 1);
	assert_int_equal(ac.tgid, 500);
	/* A rolled-back transaction retried: the same row. */
	assert_int_equal(sacct_exit(a, &r, T0 + 2 * S + S / 2 + 3000, &ac2), 1);
	assert_memory_equal(&ac, &ac2, sizeof(ac));
	/* Once committed and a pass later, the thread is forgotten. */
	sacct_committed(a);
	pass(a, T0 + 3 * S, NULL, 0, 0);
	assert_int_equal(sacct_threads(a), 0);
	sacct_free(a);
}

static void
test_older_than_sampling(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct ts_record	 r;
	int			 rows, passes;

	(void)state;
	/* Started 10 s before sampling: the first sample is a baseline. */
	mkrec(&r, 600, 600, T0 - 10 * S, T0 + S, 1000000, 0, 0);
	pass(a, T0 + S, &r, 1, 600);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 0);
	assert_int_equal(rows, 0);
	mkrec(&r, 600, 600, T0 - 10 * S, T0 + 2 * S, 1000500, 0, 0);
	pass(a, T0 + 2 * S, &r, 1, 600);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 500);
	assert_int_equal(rows, 1);
	sacct_free(a);
}

static void
test_counter_back(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct ts_record	 r;
	struct activity		 ac;
	int			 rows, passes;

	(void)state;
	mkrec(&r, 700, 700, T0 + S / 2, T0 + S, 100, 0, 0);
	pass(a, T0 + S, &r, 1, 700);
	take_sum(a, CPU, &rows, &passes);
	mkrec(&r, 700, 700, T0 + S / 2, T0 + 2 * S, 60, 0, 0);
	pass(a, T0 + 2 * S, &r, 1, 700);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 0);
	assert_int_equal(rows, 0);
	mkrec(&r, 700, 700, T0 + S / 2, T0 + 3 * S, 130, 0, 0);
	pass(a, T0 + 3 * S, &r, 1, 700);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 30);
	/* An exit below the last sample adds nothing, never less. */
	mkrec(&r, 700, 700, T0 + S / 2, T0 + 3 * S + 10, 120, 0, TS_AGROUP);
	assert_int_equal(sacct_exit(a, &r, T0 + 3 * S + 20, &ac), 1);
	assert_int_equal(ac.v[CPU], 0);
	sacct_free(a);
}

static void
test_exit_overtakes_sample(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct ts_record	 r, x;
	struct activity		 ac;
	int			 rows, passes;

	(void)state;
	/* The pass's GET came first, but the writer read the exit first. */
	mkrec(&r, 800, 800, T0 + S / 2, T0 + S, 50, 0, 0);
	mkrec(&x, 800, 800, T0 + S / 2, T0 + S + 100, 50, 0, TS_AGROUP);
	sacct_pass_begin(a, T0 + S);
	assert_int_equal(sacct_exit(a, &x, T0 + S + 200, &ac), 0);
	assert_int_equal(sacct_sample(a, &r, 800, T0 + S), 1);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 0);
	sacct_free(a);
}

static void
test_pid_reuse(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct ts_record	 r, old_exit;
	struct activity		 ac;
	int			 rows, passes;

	(void)state;
	mkrec(&r, 900, 900, T0 + S / 2, T0 + S, 70, 0, 0);
	pass(a, T0 + S, &r, 1, 900);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 70);
	/* tid 900 again, started 3 s later: another thread, all new. */
	mkrec(&r, 900, 900, T0 + 4 * S, T0 + 5 * S, 33, 0, 0);
	pass(a, T0 + 5 * S, &r, 1, 900);
	assert_int_equal(take_sum(a, CPU, &rows, &passes), 33);
	/* The old thread's exit, late: its own remainder. */
	mkrec(&old_exit, 900, 900, T0 + S / 2, T0 + 2 * S, 90, 0, TS_AGROUP);
	assert_int_equal(sacct_exit(a, &old_exit, T0 + 2 * S + 10, &ac), 1);
	assert_int_equal(ac.v[CPU], 20);
	sacct_free(a);
}

static void
test_not_sampled(void **state)
{
	struct sacct		*a = sacct_new(1, T0);
	struct ts_record	 r;
	struct activity		 ac;

	(void)state;
	/* Never sampled: the exit row alone, no activity row. */
	mkrec(&r, 1000, 1000, T0 + S, T0 + S + 10, 5, 0, TS_AGROUP);
	assert_int_equal(sacct_exit(a, &r, T0 + S + 20, &ac), 0);
	sacct_pass_begin(a, T0 + 2 * S);
	/* Kernel threads, and threads past exit_mm(), are not sampled. */
	mkrec(&r, 2, 2, T0 - S, T0 + 2 * S, 5, 0, 0);
	assert_int_equal(sacct_sample(a, &r, 2, T0 + 2 * S), 1);
	mkrec(&r, 1100, 1100, T0 + S, T0 + 2 * S, 5, 0, 0);
	put(&r, "hiwater_vm", 0);
	assert_int_equal(sacct_sample(a, &r, 1100, T0 + 2 * S), 1);
	/* The bound: one thread remembered, the next refused. */
	mkrec(&r, 1200, 1200, T0 + S, T0 + 2 * S, 5, 0, 0);
	assert_int_equal(sacct_sample(a, &r, 1200, T0 + 2 * S), 0);
	mkrec(&r, 1201, 1200, T0 + S, T0 + 2 * S, 5, 0, 0);
	assert_int_equal(sacct_sample(a, &r, 1200, T0 + 2 * S), -1);
	sacct_free(a);
}

/* --- the child's messages ------------------------------------------------ */

#define SEQ	7		/* nlb_init's netlink sequence number */
#define PSEQ	42		/* the pass request's */

static uint8_t	 msg[PRIVSEP_MSG_MAX] __attribute__((aligned(8)));

/* A PASS_DATA message with one entry: the netlink reply in nl. */
static size_t
data_msg(uint32_t tid, const void *nl, size_t nllen, uint32_t claim)
{
	struct privsep_hdr	 h = { PRIVSEP_PASS_DATA, 0, PSEQ, 0, 0 };
	struct privsep_sample	 s = { tid, tid, T0, SEQ, claim };
	size_t			 len = sizeof(s) + PRIVSEP_ALIGN(nllen);

	memset(msg, 0, sizeof(msg));
	h.len = (uint32_t)len;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &s, sizeof(s));
	memcpy(msg + sizeof(h) + sizeof(s), nl, nllen);
	return sizeof(h) + len;
}

static size_t
reply(uint32_t id)
{
	static struct nlb	 b;
	uint8_t			 stats[1024];

	nlb_fill_stats(stats, 560, 16, 16, 5);
	nlb_init(&b, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&b, TS_TYPE_AGGR_PID, id, stats, 560);
	nlb_finish(&b);
	memcpy(msg + sizeof(msg) / 2, b.buf, b.len);
	return b.len;
}

static void
test_child_messages(void **state)
{
	struct sacct		*a = sacct_new(100, T0);
	struct sampler_pass	 sp = { a, NLB_FAMILY, PSEQ, 0, 0, 0, 0, 0,
				    NULL };
	uint8_t			 nl[NLB_BUFSZ];
	struct privsep_hdr	 h;
	struct privsep_pass_end	 e = { 3, 1, 100 };
	size_t			 nllen, n, i, k;

	(void)state;
	nllen = reply(4242);
	memcpy(nl, msg + sizeof(msg) / 2, nllen);
	/* A good entry. */
	n = data_msg(4242, nl, nllen, (uint32_t)nllen);
	assert_int_equal(sampler_msg(&sp, msg, n), 0);
	assert_int_equal(sp.listed, 1);
	assert_int_equal(sp.errors, 0);
	/* Framing refused: every cut, a wrong length, kind, seq. */
	for (i = 0; i < n; i++)
		assert_int_equal(sampler_msg(&sp, msg, i), -1);
	n = data_msg(4242, nl, nllen, (uint32_t)nllen + 8);
	assert_int_equal(sampler_msg(&sp, msg, n), -1);	/* past the end */
	n = data_msg(4242, nl, nllen, 0);
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	n = data_msg(4242, nl, nllen, UINT32_MAX - 3);	/* overflow */
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	n = data_msg(4242, nl, nllen, (uint32_t)nllen);
	memcpy(&h, msg, sizeof(h));
	h.seq = PSEQ + 1;
	memcpy(msg, &h, sizeof(h));
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	h.seq = PSEQ;
	h.kind = PRIVSEP_HELLO;
	memcpy(msg, &h, sizeof(h));
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	h.kind = 999;
	memcpy(msg, &h, sizeof(h));
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	h.kind = PRIVSEP_PASS_DATA;
	h.len += 8;
	memcpy(msg, &h, sizeof(h));
	assert_int_equal(sampler_msg(&sp, msg, n), -1);
	/* A reply for another thread than the entry says: refused. */
	n = data_msg(4243, nl, nllen, (uint32_t)nllen);
	k = (size_t)sp.errors;
	assert_int_equal(sampler_msg(&sp, msg, n), 0);
	assert_int_equal(sp.errors, k + 1);
	/* Garbage in the reply: refused by taskget_reply, no crash. */
	for (i = NLMSG_HDRLEN; i < nllen; i += 3) {
		uint8_t bad[NLB_BUFSZ];

		memcpy(bad, nl, nllen);
		bad[i] ^= 0xff;
		n = data_msg(4242, bad, nllen, (uint32_t)nllen);
		sampler_msg(&sp, msg, n);
	}
	/* The end of the pass, checked too. */
	memset(msg, 0, sizeof(msg));
	h = (struct privsep_hdr){ PRIVSEP_PASS_END, 0, PSEQ, sizeof(e), 0 };
	e.failed = 4;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &e, sizeof(e));
	assert_int_equal(sampler_msg(&sp, msg, sizeof(h) + sizeof(e)), -1);
	e.failed = 1;
	memcpy(msg + sizeof(h), &e, sizeof(e));
	assert_int_equal(sampler_msg(&sp, msg, sizeof(h) + sizeof(e)), 0);
	assert_int_equal(sp.done, 1);
	assert_int_equal(sp.child_cpu_us, 100);
	/* Random bytes: refused or counted, never a crash. */
	srand(1);
	for (k = 0; k < 2000; k++) {
		n = (size_t)rand() % 2048;
		for (i = 0; i < n; i++)
			msg[i] = (uint8_t)rand();
		if (k % 2 == 0 && n >= sizeof(h)) {
			h = (struct privsep_hdr){ PRIVSEP_PASS_DATA, 0, PSEQ,
			    (uint32_t)(n - sizeof(h)), 0 };
			memcpy(msg, &h, sizeof(h));
		}
		sampler_msg(&sp, msg, n);
	}
	sacct_free(a);
}

static int64_t
count(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 n = -1;

	if (sqlite3_prepare_v2(store_handle(st), sql, -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Stored, and pruned by retention with the exit rows of their time. */
static void
test_store_and_prune(void **state)
{
	struct run_info		 ri = { "boot", "host", "6.18", "0-1",
				    1 << 20, 1, T0 };
	struct sacct_item	 it[3];
	struct store		*st;
	char			 dir[] = "/tmp/unit_sampler.XXXXXX", path[64],
				 err[256], p[80];
	int64_t			 rows, losses;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_non_null(st = store_open(path, err, sizeof(err)));
	assert_int_equal(store_run_begin(st, &ri), 0);
	memset(it, 0, sizeof(it));
	it[0].act.time = T0;
	it[0].act.tgid = 5;
	memcpy(it[0].act.comm, "x\ny", 4);	/* bound, not pasted */
	it[0].act.v[WB] = 4096;
	it[1].act.time = T0 + 3600 * S;
	it[1].act.tgid = 5;
	it[2].is_pass = 1;
	it[2].pass.time = T0;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_put_items(st, it, 3), 0);
	assert_int_equal(store_commit(st, T0), 0);
	assert_int_equal(count(st, "SELECT sum(write_bytes) FROM activity"),
	    4096);
	assert_int_equal(count(st, "SELECT count(*) FROM activity WHERE "
	    "ac_comm = 'x' || char(10) || 'y'"), 1);
	assert_int_equal(store_prune(st, T0 + 60 * S, 100, &rows, &losses), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM activity"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM sample_passes"), 0);
	store_close(st);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counted_once),
		cmocka_unit_test(test_older_than_sampling),
		cmocka_unit_test(test_counter_back),
		cmocka_unit_test(test_exit_overtakes_sample),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_not_sampled),
		cmocka_unit_test(test_child_messages),
		cmocka_unit_test(test_store_and_prune),
	};

	return cmocka_run_group_tests_name("unit_sampler", tests, NULL, NULL);
}
