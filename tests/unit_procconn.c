/*
 * unit_procconn.c: the process events connector's datagram parser
 * (procconn_parse) on well-formed events of each kind and on garbled or
 * short messages at every layer (netlink, connector, proc_event); and the
 * identity table (src/ident.c) fed events with a stub /proc reader:
 * inheritance at fork and thread creation, exec replacing it, the exit
 * record matched across a PID reused in between, misses and the bound.
 * With --seeds DIR it writes its datagrams as fuzzing seeds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "fields.h"
#include "ident.h"
#include "procconn.h"
#include "taskacct.h"

/* --- building datagrams ---------------------------------------------------- */

struct dg {
	uint8_t	 b[1024];
	size_t	 len;
};

/* Append one connector message: what, then the event's words. */
static void
put_event(struct dg *d, uint32_t what, const uint32_t *w, size_t nw,
    size_t cut)
{
	struct nlmsghdr	 nlh = { 0 };
	struct cn_msg	 cn = { 0 };
	uint8_t		 ev[PROCCONN_BUFSZ] = { 0 };
	uint64_t	 ts = 123456789;
	size_t		 elen = 16 + nw * 4, off = NLMSG_ALIGN(d->len);

	memcpy(ev, &what, 4);
	memcpy(ev + 8, &ts, 8);
	memcpy(ev + 16, w, nw * 4);
	if (cut > 0)
		elen -= cut;
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.len = (uint16_t)elen;
	nlh.nlmsg_type = NLMSG_DONE;
	nlh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(cn) + elen);
	memcpy(d->b + off, &nlh, sizeof(nlh));
	memcpy(d->b + off + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(d->b + off + NLMSG_HDRLEN + sizeof(cn), ev, elen);
	d->len = off + nlh.nlmsg_len;
}

static struct dg
one(uint32_t what, const uint32_t *w, size_t nw, size_t cut)
{
	struct dg	 d = { .len = 0 };

	put_event(&d, what, w, nw, cut);
	return d;
}

struct got {
	struct pc_event	 ev[8];
	int		 n;
};

static void
collect(void *arg, const struct pc_event *ev)
{
	struct got	*g = arg;

	if (g->n < 8)
		g->ev[g->n] = *ev;
	g->n++;
}

static struct procconn_parsed
parse(const struct dg *d, struct got *g)
{
	struct procconn_parsed	 pd;

	memset(g, 0, sizeof(*g));
	procconn_parse(d->b, d->len, &pd, collect, g);
	assert_int_equal(pd.events, (uint32_t)g->n);
	if (pd.malformed > 0)
		assert_non_null(pd.why);
	return pd;
}

static const uint32_t FORKW[] = { 100, 100, 200, 200 };
static const uint32_t EXECW[] = { 200, 200 };
static const uint32_t EXITW[] = { 200, 200, 3 << 8, 17, 100, 100 };
static uint32_t COMMW[6] = { 200, 200 };

static void
test_events(void **state)
{
	struct got	 g;
	struct dg	 d;

	(void)state;
	memcpy(&COMMW[2], "renamed\0\0\0\0\0\0\0\0\0", 16);
	d = one(PROC_EVENT_FORK, FORKW, 4, 0);
	parse(&d, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].kind, PC_FORK);
	assert_int_equal(g.ev[0].ppid, 100);
	assert_int_equal(g.ev[0].pid, 200);
	assert_int_equal(g.ev[0].ts_ns, 123456789);
	d = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	parse(&d, &g);
	assert_int_equal(g.ev[0].kind, PC_EXEC);
	assert_int_equal(g.ev[0].tgid, 200);
	d = one(PROC_EVENT_EXIT, EXITW, 6, 0);
	parse(&d, &g);
	assert_int_equal(g.ev[0].kind, PC_EXIT);
	d = one(PROC_EVENT_COMM, COMMW, 6, 0);
	parse(&d, &g);
	assert_int_equal(g.ev[0].kind, PC_COMM);
	assert_string_equal(g.ev[0].comm, "renamed");
	/* The answer to a subscription. */
	d = one(PROC_EVENT_NONE, (const uint32_t[]){ 1 }, 1, 0);
	parse(&d, &g);
	assert_int_equal(g.ev[0].kind, PC_ACK);
	assert_int_equal(g.ev[0].err, 1);
	/* uid changes and the like: valid, ignored. */
	d = one(PROC_EVENT_UID, FORKW, 4, 0);
	assert_int_equal(parse(&d, &g).ignored, 1);
	assert_int_equal(g.n, 0);
	/* Two messages in one datagram. */
	d = one(PROC_EVENT_FORK, FORKW, 4, 0);
	put_event(&d, PROC_EVENT_EXEC, EXECW, 2, 0);
	parse(&d, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[1].kind, PC_EXEC);
}

static void
malformed(const struct dg *d, const char *why)
{
	struct got		 g;
	struct procconn_parsed	 pd = parse(d, &g);

	if (pd.malformed == 0)
		fail_msg("accepted, expected \"%s\"", why);
	assert_int_equal(g.n, 0);
	assert_string_equal(pd.why, why);
}

static void
test_garbled(void **state)
{
	struct dg	 d;
	struct cn_msg	 cn;
	uint32_t	 v;

	(void)state;
	/* Each kind cut short of what it needs. */
	d = one(PROC_EVENT_FORK, FORKW, 4, 4);
	malformed(&d, "process event shorter than its kind needs");
	d = one(PROC_EVENT_COMM, COMMW, 6, 1);
	malformed(&d, "process event shorter than its kind needs");
	d = one(PROC_EVENT_EXEC, EXECW, 2, 12);
	malformed(&d, "process event shorter than its header");
	/* The connector says more data than the message holds. */
	d = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	memcpy(&cn, d.b + NLMSG_HDRLEN, sizeof(cn));
	cn.len += 1;
	memcpy(d.b + NLMSG_HDRLEN, &cn, sizeof(cn));
	malformed(&d, "connector data length past the message");
	/* Another connector's message. */
	cn.len -= 1;
	cn.id.idx = 7;
	memcpy(d.b + NLMSG_HDRLEN, &cn, sizeof(cn));
	malformed(&d, "connector message not from the process events");
	/* A netlink length past the datagram, and a short one. */
	d = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	d.len -= 1;
	malformed(&d, "netlink message length past the datagram");
	d.len = 10;
	malformed(&d, "datagram shorter than a netlink header");
	d = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	v = NLMSG_HDRLEN + 4;	/* no room for the connector header */
	memcpy(d.b, &v, 4);
	d.len = v;
	malformed(&d, "connector message shorter than its header");
	/* A pid of 0 or below is no task. */
	d = one(PROC_EVENT_EXEC, (const uint32_t[]){ 0, 5 }, 2, 0);
	malformed(&d, "process event with a pid out of range");
	d = one(PROC_EVENT_FORK, (const uint32_t[]){ 1, 1, 0x80000000u, 9 }, 4,
	    0);
	malformed(&d, "process event with a pid out of range");
	/* Trailing bytes after a good message: the event, then the fault. */
	d = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	d.len = NLMSG_ALIGN(d.len) + 8;
	{
		struct got g;
		struct procconn_parsed pd = parse(&d, &g);

		assert_int_equal(g.n, 1);
		assert_int_equal(pd.malformed, 1);
		assert_string_equal(pd.why,
		    "bytes after the last netlink message");
	}
}

/* Every prefix of a good datagram and every single-byte change: no read
 * outside it (valgrind, ASan), and an event only from a whole one. */
static void
test_every_cut(void **state)
{
	struct dg	 d = one(PROC_EVENT_COMM, COMMW, 6, 0), e;
	struct got	 g;
	uint8_t		*heap;
	size_t		 n, i;

	(void)state;
	for (n = 0; n < d.len; n++) {
		heap = malloc(n + 1);
		memcpy(heap, d.b, n);
		memset(&g, 0, sizeof(g));
		{
			struct procconn_parsed pd;

			procconn_parse(heap, n, &pd, collect, &g);
			assert_int_equal(g.n, 0);
		}
		free(heap);
	}
	for (i = 0; i < d.len; i++) {
		e = d;
		e.b[i] ^= 0xff;
		parse(&e, &g);
		assert_true(g.n <= 1);
	}
}

/* --- the identity table, with a stub reader ---------------------------- */

static int	 stub_src = TASKACCT_IDENT_EXEC;
static int	 stub_reads;

/*
 * A raw read as the privileged reader sends it: the header, args, exe,
 * cgroup, and the two stat texts (start ticks start0, start1).
 */
static size_t
raw_msg(uint8_t *buf, const char *args, size_t alen, const char *exe,
    const char *cg, uint64_t start0, uint64_t start1, int exe_err)
{
	struct ident_raw_hdr	 h;
	char			 st[2][256];
	const char		*part[IDENT_PART__COUNT];
	size_t			 off = sizeof(h);
	int			 i;

	memset(&h, 0, sizeof(h));
	h.exe_err = exe_err;
	for (i = 0; i < 2; i++)
		snprintf(st[i], sizeof(st[i]), "42 (a) b) S 1 42 42 0 -1 "
		    "4194560 100 0 0 0 0 0 0 0 20 0 1 0 %llu 2375680 220",
		    (unsigned long long)(i ? start1 : start0));
	part[IDENT_PART_ARGS] = args;
	h.len[IDENT_PART_ARGS] = (uint32_t)alen;
	part[IDENT_PART_EXE] = exe;
	h.len[IDENT_PART_EXE] = (uint32_t)strlen(exe);
	part[IDENT_PART_CGROUP] = cg;
	h.len[IDENT_PART_CGROUP] = (uint32_t)strlen(cg);
	for (i = 0; i < 2; i++) {
		part[IDENT_PART_STAT0 + i] = st[i];
		h.len[IDENT_PART_STAT0 + i] = (uint32_t)strlen(st[i]);
	}
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < IDENT_PART__COUNT; i++) {
		memcpy(buf + off, part[i], h.len[i]);
		off += h.len[i];
	}
	return off;
}

static struct ident *
stub_reader(void *arg, pid_t pid, uint64_t ts, int flags, int *src)
{
	static uint8_t		 buf[4096];
	struct ident_raw	 r;
	const char		*why;
	char			 args[32];
	size_t			 n;

	(void)arg;
	(void)flags;
	stub_reads++;
	*src = stub_src;
	if (stub_src == TASKACCT_IDENT_GONE)
		return NULL;
	/* Through the privileged reader's bytes, checked and parsed. */
	n = (size_t)snprintf(args, sizeof(args), "cmd%d", (int)pid) + 1;
	n = raw_msg(buf, args, n, "", "0::/x\n", 7, 7,
	    stub_src == TASKACCT_IDENT_DENIED ? EACCES : 0);
	if (ident_raw_from_bytes(buf, n, &r, &why) == -1)
		fail_msg("raw: %s", why);
	return ident_from_raw(&r, pid, ts, src);
}

/* A hostile reader's bytes: every cut and flip is refused or parsed. */
static void
test_raw(void **state)
{
	uint8_t			 buf[4096], bad[4096];
	struct ident_raw	 r;
	struct ident_raw_hdr	 h;
	struct ident		*id;
	const char		*why;
	size_t			 n, i;
	int			 src;

	(void)state;
	n = raw_msg(buf, "/bin/sh\0-c\0exit 3\0", 18, "/usr/bin/dash",
	    "12:pids:/a\n0::/system.slice/x.service\n", 5, 5, 0);
	assert_int_equal(ident_raw_from_bytes(buf, n, &r, &why), 0);
	id = ident_from_raw(&r, 42, 0, &src);
	assert_non_null(id);
	assert_int_equal(src, TASKACCT_IDENT_EXEC);
	assert_int_equal(id->args_len, 18);
	assert_memory_equal(ident_args(id), "/bin/sh\0-c\0exit 3\0", 18);
	assert_string_equal(ident_exe(id), "/usr/bin/dash");
	assert_string_equal(ident_cgroup(id), "/system.slice/x.service");
	assert_int_equal(id->start_ticks, 5);
	ident_unref(id);
	/* The start changed between the reads: a reused PID. */
	n = raw_msg(buf, "a\0", 2, "/x", "", 5, 6, 0);
	assert_int_equal(ident_raw_from_bytes(buf, n, &r, &why), 0);
	assert_null(ident_from_raw(&r, 42, 0, &src));
	assert_int_equal(src, TASKACCT_IDENT_REUSED);
	/* The exe refused: the rest kept, DENIED. */
	n = raw_msg(buf, "a\0", 2, "", "", 5, 5, EACCES);
	assert_int_equal(ident_raw_from_bytes(buf, n, &r, &why), 0);
	assert_non_null(id = ident_from_raw(&r, 42, 0, &src));
	assert_int_equal(src, TASKACCT_IDENT_DENIED);
	ident_unref(id);
	/* Lengths that do not add up, a NUL in the exe, a bad step. */
	n = raw_msg(buf, "a\0", 2, "/x", "", 5, 5, 0);
	assert_int_equal(ident_raw_from_bytes(buf, n - 1, &r, &why), -1);
	assert_int_equal(ident_raw_from_bytes(buf, n + 1, &r, &why), -1);
	memcpy(bad, buf, n);
	bad[sizeof(h) + 2] = '\0';
	assert_int_equal(ident_raw_from_bytes(bad, n, &r, &why), -1);
	memcpy(&h, buf, sizeof(h));
	h.step = IDENT_STEP__COUNT;
	memcpy(bad, &h, sizeof(h));
	assert_int_equal(ident_raw_from_bytes(bad, n, &r, &why), -1);
	memcpy(&h, buf, sizeof(h));
	h.len[IDENT_PART_ARGS] = IDENT_ARGS_MAX + 1;
	memcpy(bad, &h, sizeof(h));
	assert_int_equal(ident_raw_from_bytes(bad, n, &r, &why), -1);
	/* Every cut and every byte flipped: no crash, no leak. */
	for (i = 0; i < n; i++)
		ident_raw_from_bytes(buf, i, &r, &why);
	for (i = 0; i < n; i++) {
		memcpy(bad, buf, n);
		bad[i] ^= 0xff;
		if (ident_raw_from_bytes(bad, n, &r, &why) == 0 &&
		    (id = ident_from_raw(&r, 42, 0, &src)) != NULL)
			ident_unref(id);
	}
	assert_int_equal(ident_live_bytes(), 0);
}

static void
ev(struct ident_table *t, int kind, int pid, int tgid, int ppid)
{
	struct pc_event	 e = { .kind = (uint8_t)kind, .pid = pid, .tgid = tgid,
	    .ppid = ppid, .ptgid = ppid };

	ident_event(t, &e);
}

/*
 * The identity an exit record of thread tid of process tgid gets: its
 * args ("" none) and src.
 */
static int
exit_tg(struct ident_table *t, int tid, int tgid, char *args, size_t len)
{
	const struct ts_field	*f = ts_field_find("ac_tgid");
	struct ts_decoded	 d;
	struct ident		*id[2];
	int8_t			 src[2];
	uint32_t		 v = (uint32_t)tgid;

	memset(&d, 0, sizeof(d));
	d.nrec = 2;
	d.rec[0].kind = 0;
	d.rec[0].task_id = (uint32_t)tid;
	d.rec[0].version = 16;
	d.rec[0].len = d.rec[0].size = TS_PAYLOAD_MAX;
	assert_non_null(f);
	memcpy(d.rec[0].raw + f->offset, &v, sizeof(v));
	d.rec[1].kind = 1;
	d.rec[1].task_id = (uint32_t)tgid;
	ident_for_exit(t, &d, id, src);
	assert_ptr_equal(id[0], id[1]);
	assert_int_equal(src[0], src[1]);
	snprintf(args, len, "%s", id[0] != NULL ? ident_args(id[0]) : "");
	ident_unref(id[0]);
	ident_unref(id[1]);
	return src[0];
}

static int
exit_of(struct ident_table *t, int tid, char *args, size_t len)
{
	return exit_tg(t, tid, tid, args, len);
}

static void
test_table(void **state)
{
	struct ident_table	*t = ident_table_new(0, 0);
	char			 a[64];

	(void)state;
	ident_set_reader(t, stub_reader, NULL);
	stub_src = TASKACCT_IDENT_EXEC;
	/* 10 forks 11 (10 unknown: read late), 11 execs, forks 12. */
	ev(t, PC_FORK, 11, 11, 10);
	ev(t, PC_EXEC, 11, 11, 0);
	ev(t, PC_FORK, 12, 12, 11);
	ev(t, PC_FORK, 13, 11, 10);	/* a thread of 11 */
	ev(t, PC_COMM, 11, 11, 0);
	assert_int_equal(exit_of(t, 12, a, sizeof(a)), TASKACCT_IDENT_FORK);
	assert_string_equal(a, "cmd11");
	/* The thread takes its process's, which stays for the others. */
	assert_int_equal(exit_tg(t, 13, 11, a, sizeof(a)),
	    TASKACCT_IDENT_EXEC);
	assert_string_equal(a, "cmd11");
	assert_int_equal(exit_tg(t, 14, 11, a, sizeof(a)),
	    TASKACCT_IDENT_EXEC);
	/* 11 exits, its pid is reused by a new child of 10, which execs; the
	 * old 11's record comes after: it gets the old identity. */
	ev(t, PC_EXIT, 11, 11, 0);
	ev(t, PC_FORK, 11, 11, 10);
	stub_src = TASKACCT_IDENT_GONE;
	ev(t, PC_EXEC, 11, 11, 0);
	assert_int_equal(exit_of(t, 11, a, sizeof(a)), TASKACCT_IDENT_EXEC);
	assert_string_equal(a, "cmd11");
	/* ... and then the new 11's: it exited before it could be read. */
	ev(t, PC_EXIT, 11, 11, 0);
	assert_int_equal(exit_of(t, 11, a, sizeof(a)), TASKACCT_IDENT_GONE);
	assert_string_equal(a, "");
	/* Never seen: started before the recorder. */
	assert_int_equal(exit_of(t, 99, a, sizeof(a)), TASKACCT_IDENT_UNSEEN);
	/* Events lost in a task's life. */
	stub_src = TASKACCT_IDENT_EXEC;
	ev(t, PC_FORK, 20, 20, 10);
	ident_note_drops(t, 3);
	assert_int_equal(exit_of(t, 20, a, sizeof(a)),
	    TASKACCT_IDENT_DROPPED);
	/* Everything was consumed but 10, read late. */
	if (ident_tasks(t) != 1)
		fail_msg("%zu tasks left", ident_tasks(t));
	assert_int_equal(ident_stats(t)->late_reads, 1);
	ident_table_free(t);
}

static void
test_bound(void **state)
{
	struct ident_table	*t = ident_table_new(0, 0);
	int			 i;

	(void)state;
	ident_set_reader(t, stub_reader, NULL);
	stub_src = TASKACCT_IDENT_EXEC;
	ev(t, PC_EXEC, 1, 1, 0);
	for (i = 2; i < IDENT_TASKS_MAX + 100; i++)
		ev(t, PC_FORK, i, i, 1);
	assert_true(ident_tasks(t) <= IDENT_TASKS_MAX);
	assert_true(ident_stats(t)->evicted >= 100);
	/* The leak check is valgrind's (tests/valgrind.sh). */
	ident_table_free(t);
	assert_int_equal(ident_live_bytes(), 0);
}

/* Write the datagrams above as fuzzing seeds into dir. */
static int
write_seeds(const char *dir)
{
	struct dg	 s[4];
	char		 path[4096];
	FILE		*fp;
	size_t		 i;

	s[0] = one(PROC_EVENT_FORK, FORKW, 4, 0);
	s[1] = one(PROC_EVENT_EXEC, EXECW, 2, 0);
	put_event(&s[1], PROC_EVENT_EXIT, EXITW, 6, 0);
	s[2] = one(PROC_EVENT_COMM, COMMW, 6, 0);
	s[3] = one(PROC_EVENT_NONE, (const uint32_t[]){ 0 }, 1, 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/seed-%zu", dir, i);
		if ((fp = fopen(path, "w")) == NULL ||
		    fwrite(s[i].b, 1, s[i].len, fp) != s[i].len ||
		    fclose(fp) != 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_bound),
	};

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
