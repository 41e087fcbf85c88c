/*
 * unit_listener.c: the listener's datagram parser, listener_parse(), on
 * whole datagrams as recvmmsg() returns them: one exit record, PID+TGID,
 * two messages in one datagram, the kernel's ACK and errors (for our
 * request or another), NLMSG_DONE and NOOP, and every framing fault
 * (truncated header, nlmsg_len short or past the end, trailing bytes,
 * short error, error code out of range, an empty datagram).
 *
 * The same datagrams are the fuzzer's seeds in tests/corpus/listener/
 * (seed-NAME): a check fails if a file differs from what is built here, and
 * `tests/unit_listener --seeds DIR` writes them (make fuzz-seeds-listener).
 * Each is parsed from a heap block of exactly its length, so ASan or
 * valgrind see any over-read.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "listener.h"
#include "taskacct.h"

#include "nlmsg_build.h"

#define SEED_DIR	"tests/corpus/listener"
#define TEST_PID	4242
#define TEST_TGID	4200

/* A datagram being built: whole messages, each padded to NLMSG_ALIGNTO. */
struct dgram {
	uint8_t	 buf[2 * NLB_BUFSZ];
	size_t	 len;
};

static struct nlb	 msgb;
static uint8_t		 st[TS_PAYLOAD_MAX];

static void
dg_add(struct dgram *dg, const void *p, size_t len)
{
	memcpy(dg->buf + dg->len, p, len);
	dg->len += NLMSG_ALIGN(len);
}

/* An exit message, v16, with a PID and optionally a TGID record. */
static void
dg_record(struct dgram *dg, int tgid, unsigned int seed)
{
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, seed);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	if (tgid)
		nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 560);
	dg_add(dg, msgb.buf, nlb_finish(&msgb));
}

/* NLMSG_ERROR quoting a request of sequence number seq. */
static void
dg_error(struct dgram *dg, int error, uint32_t seq, uint32_t nlmsg_len)
{
	struct nlmsghdr	 nlh = { 0 };
	struct nlmsgerr	 e = { 0 };
	uint8_t		 b[NLMSG_HDRLEN + sizeof(e)];

	nlh.nlmsg_len = nlmsg_len;
	nlh.nlmsg_type = NLMSG_ERROR;
	e.error = error;
	e.msg.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	e.msg.nlmsg_type = NLB_FAMILY;
	e.msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	e.msg.nlmsg_seq = seq;
	memcpy(b, &nlh, sizeof(nlh));
	memcpy(b + NLMSG_HDRLEN, &e, sizeof(e));
	dg_add(dg, b, nlmsg_len < sizeof(b) ? nlmsg_len : sizeof(b));
}

/* A control message (NLMSG_DONE carries an int, as the kernel sends it). */
static void
dg_control(struct dgram *dg, uint16_t type)
{
	struct nlmsghdr	 nlh = { 0 };
	uint8_t		 b[NLMSG_HDRLEN + 4] = { 0 };

	nlh.nlmsg_len = sizeof(b);
	nlh.nlmsg_type = type;
	nlh.nlmsg_flags = NLM_F_MULTI;
	memcpy(b, &nlh, sizeof(nlh));
	dg_add(dg, b, sizeof(b));
}

static void
dg_set_len(struct dgram *dg, size_t at, uint32_t nlmsg_len)
{
	nlb_put32(dg->buf + at, nlmsg_len);
}

/* One seed: its datagram and what listener_parse() must make of it. */
struct seed {
	const char	*name;
	void		(*build)(struct dgram *);
	uint32_t	 messages, records, malformed, errors, control;
	int		 ack_err;	/* with ack_seq NLB_ACK_SEQ */
	const char	*why;		/* expected complaint, or NULL */
};

static void b_record(struct dgram *dg) { dg_record(dg, 0, 1); }
static void b_pid_tgid(struct dgram *dg) { dg_record(dg, 1, 2); }

static void
b_two_messages(struct dgram *dg)
{
	dg_record(dg, 0, 3);
	dg_record(dg, 1, 4);
}

static void
b_record_then_ack(struct dgram *dg)
{
	dg_record(dg, 1, 5);
	dg_error(dg, 0, NLB_ACK_SEQ, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

static void
b_ack(struct dgram *dg)
{
	dg_error(dg, 0, NLB_ACK_SEQ, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

static void
b_error_eperm(struct dgram *dg)
{
	dg_error(dg, -EPERM, NLB_ACK_SEQ,
	    NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

static void
b_error_other_seq(struct dgram *dg)
{
	dg_error(dg, -EINVAL, NLB_ACK_SEQ + 1,
	    NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

/* -INT_MIN would overflow: only 0 and -1..-4095 are the kernel's. */
static void
b_error_int_min(struct dgram *dg)
{
	dg_error(dg, INT_MIN, NLB_ACK_SEQ,
	    NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

static void
b_error_positive(struct dgram *dg)
{
	dg_error(dg, 1, NLB_ACK_SEQ, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
}

static void
b_error_short(struct dgram *dg)
{
	dg_error(dg, 0, NLB_ACK_SEQ, NLMSG_HDRLEN + 4);
}

static void b_done(struct dgram *dg) { dg_control(dg, NLMSG_DONE); }

static void
b_noop_then_record(struct dgram *dg)
{
	dg_control(dg, NLMSG_NOOP);
	dg_record(dg, 0, 6);
}

static void
b_truncated_header(struct dgram *dg)
{
	dg_record(dg, 0, 7);
	dg->len = 10;
}

static void
b_len_past_end(struct dgram *dg)
{
	dg_record(dg, 0, 8);
	dg_set_len(dg, 0, (uint32_t)dg->len + 4);
}

static void
b_len_short(struct dgram *dg)
{
	dg_record(dg, 0, 9);
	dg_set_len(dg, 0, 8);
}

/* The second message's length runs past the end: the first is kept. */
static void
b_second_past_end(struct dgram *dg)
{
	size_t	 at;

	dg_record(dg, 0, 10);
	at = dg->len;
	dg_record(dg, 0, 11);
	dg_set_len(dg, at, 0xffffffffu);
}

static void
b_trailing_bytes(struct dgram *dg)
{
	dg_record(dg, 0, 12);
	memset(dg->buf + dg->len, 0x5a, 8);
	dg->len += 8;
}

static void
b_foreign_family(struct dgram *dg)
{
	dg_record(dg, 0, 13);
	nlb_put16(dg->buf + offsetof(struct nlmsghdr, nlmsg_type),
	    NLB_FAMILY + 1);
}

/* A 725-byte struct: the message (and the datagram) ends unpadded. */
static void
b_unpadded_last(struct dgram *dg)
{
	size_t	 at, nlen = NLA_HDRLEN + 8 + NLA_HDRLEN + 725;

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 725, 18, 17, 14);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, 725);
	nlb_put16(msgb.buf + at, (uint16_t)nlen);
	msgb.len = at + nlen;
	memcpy(dg->buf, msgb.buf, msgb.len);
	dg->len = nlb_finish(&msgb);
	nlb_put32(dg->buf, (uint32_t)dg->len);
}

static void b_empty(struct dgram *dg) { dg->len = 0; }

static const struct seed seeds[] = {
	{ "record", b_record, 1, 1, 0, 0, 0, -1, NULL },
	{ "pid-tgid", b_pid_tgid, 1, 2, 0, 0, 0, -1, NULL },
	{ "two-messages", b_two_messages, 2, 3, 0, 0, 0, -1, NULL },
	{ "record-then-ack", b_record_then_ack, 1, 2, 0, 1, 0, 0, NULL },
	{ "ack", b_ack, 0, 0, 0, 1, 0, 0, NULL },
	{ "error-eperm", b_error_eperm, 0, 0, 0, 1, 0, EPERM, NULL },
	{ "error-other-seq", b_error_other_seq, 0, 0, 0, 1, 0, -1, NULL },
	{ "error-int-min", b_error_int_min, 0, 0, 1, 1, 0, -1,
	    "netlink error code out of range" },
	{ "error-positive", b_error_positive, 0, 0, 1, 1, 0, -1,
	    "netlink error code out of range" },
	{ "error-short", b_error_short, 0, 0, 1, 1, 0, -1,
	    "netlink error message too short" },
	{ "done", b_done, 0, 0, 0, 0, 1, -1, NULL },
	{ "noop-then-record", b_noop_then_record, 1, 1, 0, 0, 1, -1, NULL },
	{ "truncated-header", b_truncated_header, 0, 0, 1, 0, 0, -1,
	    "datagram shorter than a netlink header" },
	{ "len-past-end", b_len_past_end, 0, 0, 1, 0, 0, -1,
	    "netlink message length past the datagram" },
	{ "len-short", b_len_short, 0, 0, 1, 0, 0, -1,
	    "netlink message length past the datagram" },
	{ "second-past-end", b_second_past_end, 1, 1, 1, 0, 0, -1,
	    "netlink message length past the datagram" },
	{ "trailing-bytes", b_trailing_bytes, 1, 1, 1, 0, 0, -1,
	    "bytes after the last netlink message" },
	{ "foreign-family", b_foreign_family, 1, 0, 1, 0, 0, -1, "" },
	{ "unpadded-last", b_unpadded_last, 1, 1, 0, 0, 0, -1, NULL },
	{ "empty", b_empty, 0, 0, 0, 0, 0, -1, NULL },
};
#define NSEEDS	(sizeof(seeds) / sizeof(seeds[0]))

static void
seed_build(const struct seed *s, struct dgram *dg)
{
	memset(dg, 0, sizeof(*dg));
	s->build(dg);
}

struct got {
	uint32_t	 calls, records;
	uint32_t	 pids[8];
};

static void
count_records(void *arg, const struct ts_decoded *d)
{
	struct got	*g = arg;
	int		 i;

	g->calls++;
	for (i = 0; i < d->nrec; i++) {
		if (g->records < 8)
			g->pids[g->records] = d->rec[i].task_id;
		g->records++;
	}
}

/* Parse a copy of the datagram held in a heap block of exactly its size. */
static void
parse_exact(const struct dgram *dg, uint32_t ack_seq,
    struct listener_parsed *pd, struct got *g)
{
	uint8_t	*copy = malloc(dg->len > 0 ? dg->len : 1);

	assert_non_null(copy);
	memcpy(copy, dg->buf, dg->len);
	memset(g, 0, sizeof(*g));
	listener_parse(copy, dg->len, NLB_FAMILY, ack_seq, pd, count_records,
	    g);
	free(copy);
}

static void
test_seeds(void **state)
{
	static struct dgram	 dg;
	struct listener_parsed	 pd, pd0;
	struct got		 g, g0;
	const struct seed	*s;
	size_t			 i;

	(void)state;
	for (i = 0; i < NSEEDS; i++) {
		s = &seeds[i];
		seed_build(s, &dg);
		parse_exact(&dg, NLB_ACK_SEQ, &pd, &g);
		print_message("# %s: %zu bytes, %u messages, %u records, "
		    "%u malformed (%s)\n", s->name, dg.len, pd.messages,
		    pd.records, pd.malformed, pd.why ? pd.why : "-");
		assert_int_equal(pd.messages, s->messages);
		assert_int_equal(pd.records, s->records);
		assert_int_equal(g.records, s->records);
		assert_int_equal(pd.malformed, s->malformed);
		assert_int_equal(pd.errors, s->errors);
		assert_int_equal(pd.control, s->control);
		assert_int_equal(pd.ack_err, s->ack_err);
		if (s->malformed == 0)
			assert_null(pd.why);
		else if (s->why[0] != '\0')
			assert_string_equal(pd.why, s->why);
		else
			assert_non_null(pd.why);
		/* While draining (no request out), nothing is an answer. */
		parse_exact(&dg, 0, &pd0, &g0);
		assert_int_equal(pd0.ack_err, -1);
		assert_int_equal(pd0.records, pd.records);
		assert_int_equal(pd0.malformed, pd.malformed);
	}
}

/* Records come out in datagram order, PID before TGID. */
static void
test_order(void **state)
{
	static struct dgram	 dg;
	struct listener_parsed	 pd;
	struct got		 g;

	(void)state;
	memset(&dg, 0, sizeof(dg));
	b_two_messages(&dg);
	parse_exact(&dg, 0, &pd, &g);
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.records, 3);
	assert_int_equal(g.pids[0], TEST_PID);
	assert_int_equal(g.pids[1], TEST_PID);
	assert_int_equal(g.pids[2], TEST_TGID);
}

/*
 * Every prefix of every seed: a cut message never yields a record, and a
 * cut single-message datagram is always reported malformed.
 */
static void
test_prefixes(void **state)
{
	static struct dgram	 dg, cut;
	struct listener_parsed	 pd;
	struct got		 g;
	const struct seed	*s;
	size_t			 i, n;
	int			 single;

	(void)state;
	for (i = 0; i < NSEEDS; i++) {
		s = &seeds[i];
		seed_build(s, &dg);
		single = s->messages + s->errors + s->control == 1 &&
		    s->malformed == 0;
		for (n = 0; n < dg.len; n++) {
			memset(&cut, 0, sizeof(cut));
			memcpy(cut.buf, dg.buf, n);
			cut.len = n;
			parse_exact(&cut, NLB_ACK_SEQ, &pd, &g);
			assert_true(pd.records <= s->records);
			assert_int_equal(g.records, pd.records);
			if (n > 0 && n < NLMSG_HDRLEN)
				assert_int_equal(pd.malformed, 1);
			if (single && n > 0 && (pd.malformed != 1 ||
			    pd.records != 0 || pd.ack_err != -1))
				fail_msg("%s cut to %zu bytes: %u malformed, "
				    "%u records", s->name, n, pd.malformed,
				    pd.records);
		}
	}
}

/* The corpus files are the datagrams built here, byte for byte. */
static void
test_corpus_matches(void **state)
{
	static struct dgram	 dg;
	static uint8_t		 file[sizeof(dg.buf) + 1];
	char			 path[256];
	size_t			 i, n;
	FILE			*fp;

	(void)state;
	for (i = 0; i < NSEEDS; i++) {
		seed_build(&seeds[i], &dg);
		snprintf(path, sizeof(path), "%s/seed-%s", SEED_DIR,
		    seeds[i].name);
		if ((fp = fopen(path, "rb")) == NULL)
			fail_msg("%s: missing (tests/unit_listener --seeds %s)",
			    path, SEED_DIR);
		n = fread(file, 1, sizeof(file), fp);
		fclose(fp);
		if (n != dg.len || memcmp(file, dg.buf, n) != 0)
			fail_msg("%s differs from the datagram built here", path);
	}
}

static int
write_seeds(const char *dir)
{
	static struct dgram	 dg;
	char			 path[4096];
	size_t			 i;
	FILE			*fp;
	int			 err = 0;

	for (i = 0; i < NSEEDS; i++) {
		seed_build(&seeds[i], &dg);
		snprintf(path, sizeof(path), "%s/seed-%s", dir, seeds[i].name);
		if ((fp = fopen(path, "wb")) == NULL ||
		    fwrite(dg.buf, 1, dg.len, fp) != dg.len ||
		    fclose(fp) != 0) {
			perror(path);
			err = 1;
		}
	}
	return err;
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_corpus_matches),
	};

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests_name("unit_listener", tests, NULL, NULL);
}
