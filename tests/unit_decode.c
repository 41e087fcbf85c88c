/*
 * unit_decode.c: ts_decode_msg() on synthesized TASKSTATS messages
 * (tests/nlmsg_build.h): every struct version the kernel has shipped, with a
 * distinctive value in every field at the kernel's offsets, read back through
 * the field table; PID+TGID messages; padding; forward compatibility; and
 * malformed input, which must be rejected with a reason and never read past
 * the buffer.  Truncated and mutated copies are made in buffers of exactly
 * their length so valgrind or ASan catch any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "fields.h"
#include "unit.h"
#include "taskacct.h"
#include "taskstats_proto.h"

#include "nlmsg_build.h"

#define SEED_PID	11
#define SEED_TGID	222
#define TEST_PID	4242
#define TEST_TGID	4200

/* Sizes on x86_64 for v16, from the design notes. */
#define MSG_PID_ONLY_V16	596
#define MSG_PID_TGID_V16	1172

static struct nlb	 msgb;		/* too big for comfort on the stack */

/* Decode a copy of buf held in a heap block of exactly len bytes. */
static int
decode_exact(const void *buf, size_t len, uint16_t family,
    struct ts_decoded *out, const char **why)
{
	uint8_t	*copy = malloc(len > 0 ? len : 1);
	int	 r;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	*why = NULL;
	r = ts_decode_msg(copy, len, family, out, why);
	free(copy);
	return r;
}

static void
expect_reject(const void *buf, size_t len, uint16_t family)
{
	struct ts_decoded	 d;
	const char		*why;

	assert_int_equal(decode_exact(buf, len, family, &d, &why), -1);
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void
expect_reject_msg(struct nlb *b)
{
	expect_reject(b->buf, b->len, NLB_FAMILY);
}

/* A message of version v: a PID record and, if tgid != 0, a TGID record. */
static size_t
build_msg(struct nlb *b, unsigned int v, uint32_t pid, uint32_t tgid)
{
	uint8_t	 st[TS_PAYLOAD_MAX];
	size_t	 len = exp_version_size(v);

	nlb_init(b, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, len, (uint16_t)v, v, SEED_PID);
	nlb_aggr(b, TS_TYPE_AGGR_PID, pid, st, len);
	if (tgid != 0) {
		nlb_fill_stats(st, len, (uint16_t)v, v, SEED_TGID);
		nlb_aggr(b, TS_TYPE_AGGR_TGID, tgid, st, len);
	}
	return nlb_finish(b);
}

/*
 * Check a decoded record made by nlb_fill_stats(.., len, v, layout, seed):
 * every field the kernel layout has is present with its value, every other
 * field absent, and raw is zero past len.
 */
static void
check_record(const struct ts_record *r, uint8_t kind, uint32_t id,
    unsigned int v, unsigned int layout, size_t len, unsigned int seed)
{
	size_t	 i;

	assert_int_equal(r->kind, kind);
	assert_int_equal(r->task_id, id);
	assert_int_equal(r->version, v);
	assert_int_equal(r->len, len);
	for (i = len; i < sizeof(r->raw); i++)
		if (r->raw[i] != 0)
			fail_msg("raw[%zu] = %#x past len %zu", i, r->raw[i],
			    len);
	for (i = 0; i < EXP_NFIELDS; i++) {
		const struct exp_field	*e = &exp_fields[i];
		const struct ts_field	*f = must_find(e->name);
		int			 want = exp_present(e, layout, len);
		int64_t			 got, exp;

		if (i == 0)
			want = 1;
		if (ts_field_present(f, r->version, r->len) != want)
			fail_msg("v%u len %zu: %s present %d, want %d", v, len,
			    e->name, !want, want);
		if (!want)
			continue;
		if (e->kind == EXP_COMM) {
			char	 comm[32];

			nlb_comm_value(seed, comm);
			assert_memory_equal(r->raw + ts_field_offset(f,
			    r->version), comm, sizeof(comm));
			continue;
		}
		got = ts_field_int(f, r->raw, r->version);
		if (i == 0)
			exp = v;
		else if (e->kind == EXP_TS) {
			int64_t	 sec, nsec;

			nlb_ts_value(i, seed, &sec, &nsec);
			exp = sec * 1000000000LL + nsec;
		} else
			exp = (int64_t)nlb_value(i, seed, e->width);
		if (got != exp)
			fail_msg("v%u %s: got %#llx, want %#llx", v, e->name,
			    (unsigned long long)got, (unsigned long long)exp);
	}
}

/* PID-only and PID+TGID messages of one version. */
static void
decode_version(unsigned int v)
{
	struct ts_decoded	 d;
	const char		*why;
	size_t			 slen = exp_version_size(v), len;

	len = build_msg(&msgb, v, TEST_PID, 0);
	/* nlmsghdr + genlmsghdr + nest{pid attr, stats attr} */
	assert_int_equal(len, 16 + 4 + 4 + 8 + 4 + NLA_ALIGN(slen));
	assert_int_equal(decode_exact(msgb.buf, len, NLB_FAMILY, &d, &why), 0);
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.unknown_attrs, 0);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, v, v, slen,
	    SEED_PID);
	assert_int_equal(ts_record_tail_len(&d.rec[0]), 0);

	len = build_msg(&msgb, v, TEST_PID, TEST_TGID);
	assert_int_equal(decode_exact(msgb.buf, len, NLB_FAMILY, &d, &why), 0);
	assert_int_equal(d.nrec, 2);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, v, v, slen,
	    SEED_PID);
	check_record(&d.rec[1], TASK_KIND_GROUP, TEST_TGID, v, v, slen,
	    SEED_TGID);
	assert_int_equal(ts_record_tail_len(&d.rec[1]), 0);
}

static void
test_decode_v8(void **state)
{
	(void)state;
	decode_version(8);
}

static void
test_decode_v13(void **state)
{
	(void)state;
	decode_version(13);
}

static void
test_decode_v14(void **state)
{
	(void)state;
	decode_version(14);
}

/* v15 (Linux 6.14): the max/min fields sit after each _delay_total. */
static void
test_decode_v15(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	size_t			 len;

	(void)state;
	decode_version(15);
	/* Spot check at the raw v15 offsets, independent of any table. */
	len = build_msg(&msgb, 15, TEST_PID, 0);
	assert_int_equal(decode_exact(msgb.buf, len, NLB_FAMILY, &d, &why), 0);
	assert_int_equal(ts_field_int(must_find("cpu_delay_max"), d.rec[0].raw,
	    15), (int64_t)nlb_value(exp_index("cpu_delay_max"), SEED_PID, 8));
	assert_memory_equal(d.rec[0].raw + 128, "comm-11", 8);
	assert_int_equal(ts_field_present(must_find("cpu_delay_max_ts"), 15,
	    d.rec[0].len), 0);
}

static void
test_decode_v16(void **state)
{
	(void)state;
	decode_version(16);
}

static void
test_decode_v17(void **state)
{
	(void)state;
	decode_version(17);
}

/* The x86_64 v16 sizes from the design notes; kinds and ids of the two. */
static void
test_pid_tgid_v16(void **state)
{
	struct ts_decoded	 d;
	const char		*why;

	(void)state;
	assert_int_equal(build_msg(&msgb, 16, TEST_PID, 0), MSG_PID_ONLY_V16);
	assert_int_equal(build_msg(&msgb, 16, TEST_PID, TEST_TGID),
	    MSG_PID_TGID_V16);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 2);
	assert_int_equal(d.rec[0].kind, TASK_KIND_THREAD);
	assert_int_equal(d.rec[0].task_id, TEST_PID);
	assert_int_equal(d.rec[1].kind, TASK_KIND_GROUP);
	assert_int_equal(d.rec[1].task_id, TEST_TGID);
	assert_int_equal(d.rec[0].len, 560);
	assert_int_equal(d.rec[1].len, 560);
	assert_memory_equal(d.rec[0].raw + 80, "comm-11", 8);
	assert_memory_equal(d.rec[1].raw + 80, "comm-222", 9);
}

/* TYPE_NULL padding at top level and inside both nests is skipped. */
static void
test_null_padding(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	uint8_t			 st[560];
	size_t			 at;

	(void)state;
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_TGID);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_attr_u32(&msgb, TS_TYPE_TGID, TEST_TGID);
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_TGID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_finish(&msgb);

	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 2);
	assert_int_equal(d.unknown_attrs, 0);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, 16, 16, 560,
	    SEED_PID);
	check_record(&d.rec[1], TASK_KIND_GROUP, TEST_TGID, 16, 16, 560,
	    SEED_TGID);
}

/*
 * Older kernels send version 0 in the TGID aggregate, holding only the delay
 * sums.  Accepted; only the delay counts and totals are present.
 */
static void
test_tgid_version0(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	uint8_t			 st[560];
	const size_t		 old = 328;	/* a v8-era struct */

	(void)state;
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_fill_stats(st, old, 0, 8, SEED_TGID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, old);
	nlb_finish(&msgb);

	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 2);
	assert_int_equal(d.rec[1].kind, TASK_KIND_GROUP);
	assert_int_equal(d.rec[1].task_id, TEST_TGID);
	assert_int_equal(d.rec[1].version, 0);
	assert_int_equal(d.rec[1].len, old);
	assert_true(ts_field_present(must_find("cpu_count"), 0, old));
	assert_int_equal(ts_field_int(must_find("cpu_count"), d.rec[1].raw, 0),
	    (int64_t)nlb_value(exp_index("cpu_count"), SEED_TGID, 8));
	assert_int_equal(ts_field_int(must_find("freepages_delay_total"),
	    d.rec[1].raw, 0),
	    (int64_t)nlb_value(exp_index("freepages_delay_total"), SEED_TGID,
	    8));
	assert_false(ts_field_present(must_find("ac_comm"), 0, old));
	assert_false(ts_field_present(must_find("ac_pid"), 0, old));
	assert_false(ts_field_present(must_find("ac_etime"), 0, old));
	/* Nothing of a known-size struct is an unknown tail. */
	assert_int_equal(ts_record_tail_len(&d.rec[1]), 0);

	/* A minimal version-0 struct (just the version field) is accepted. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	memset(st, 0, 2);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 2);
	nlb_finish(&msgb);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.rec[1].version, 0);
	assert_false(ts_field_present(must_find("cpu_count"), 0, 2));
}

/* A version newer than the table: known fields decode, the tail is kept. */
static void
test_newer_version(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	uint8_t			 st[TS_PAYLOAD_MAX];
	size_t			 i;

	(void)state;
	nlb_fill_stats(st, 720, 18, 17, SEED_PID);
	for (i = 688; i < 720; i++)
		st[i] = (uint8_t)(0x30 + i - 688);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 720);
	nlb_finish(&msgb);

	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 1);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, 18, 17, 720,
	    SEED_PID);
	assert_int_equal(ts_record_tail_len(&d.rec[0]), 32);
	assert_memory_equal(d.rec[0].raw + 688, st + 688, 32);
	assert_memory_equal(d.rec[0].raw + d.rec[0].len -
	    ts_record_tail_len(&d.rec[0]), st + 688, 32);

	/* The largest accepted payload. */
	nlb_fill_stats(st, TS_PAYLOAD_MAX, 40, 17, SEED_PID);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, TS_PAYLOAD_MAX);
	nlb_finish(&msgb);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(ts_record_tail_len(&d.rec[0]), TS_PAYLOAD_MAX - 688);

	/* A newer version may not be shorter than the known struct. */
	nlb_fill_stats(st, 560, 18, 17, SEED_PID);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

/*
 * A last attribute whose alignment padding is missing (odd-length struct
 * of a newer version, the message ending without padding) is accepted, at
 * the end of a nest and at the end of the message, and no byte is lost.
 */
static void
test_unpadded_last_attr(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	uint8_t			 st[725];
	size_t			 at, i, nlen;

	(void)state;
	nlb_fill_stats(st, sizeof(st), 18, 17, SEED_PID);
	for (i = 688; i < sizeof(st); i++)
		st[i] = (uint8_t)(0x40 + i - 688);
	nlen = NLA_HDRLEN + 8 + NLA_HDRLEN + sizeof(st);	/* 741 */

	/* The only nest, at the end of an unpadded message. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_put16(msgb.buf + at, (uint16_t)nlen);
	msgb.len = at + nlen;
	nlb_finish(&msgb);
	assert_int_equal(msgb.len, 20 + 741);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 1);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, 18, 17,
	    sizeof(st), SEED_PID);
	assert_int_equal(ts_record_tail_len(&d.rec[0]), sizeof(st) - 688);
	assert_memory_equal(d.rec[0].raw + 688, st + 688, sizeof(st) - 688);

	/* An unpadded stats attribute ending a nest that another follows. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_put16(msgb.buf + at, (uint16_t)nlen);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, sizeof(st));
	nlb_finish(&msgb);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 2);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, 18, 17,
	    sizeof(st), SEED_PID);
	check_record(&d.rec[1], TASK_KIND_GROUP, TEST_TGID, 18, 17,
	    sizeof(st), SEED_PID);
}

/*
 * Forward compatibility (a design choice): attribute types this decoder
 * does not know, at top level or inside a nest, are skipped and counted in
 * unknown_attrs rather than failing the message, so a kernel that adds an
 * attribute does not stop the recorder; the counter makes it visible.
 */
static void
test_unknown_attrs(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	uint8_t			 st[560];
	size_t			 at;

	(void)state;
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_attr_u32(&msgb, 99, 0xdeadbeef);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, 77, "abc", 3);
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, 0, NULL, 0);		/* TYPE_UNSPEC */
	nlb_finish(&msgb);

	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.unknown_attrs, 3);
	check_record(&d.rec[0], TASK_KIND_THREAD, TEST_PID, 16, 16, 560,
	    SEED_PID);

	/* A nest flagged NLA_F_NESTED is still the same attribute type. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID | NLA_F_NESTED);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	assert_int_equal(decode_exact(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.unknown_attrs, 0);
}

/* --- malformed messages: each rejected with a reason --- */

static void
test_bad_short_buffer(void **state)
{
	size_t	 len;

	(void)state;
	build_msg(&msgb, 16, TEST_PID, 0);
	for (len = 0; len < sizeof(struct nlmsghdr); len++)
		expect_reject(msgb.buf, len, NLB_FAMILY);
	/* A header alone, or without room for the generic-netlink header. */
	for (len = 16; len < 20; len++) {
		nlb_put32(msgb.buf, (uint32_t)len);
		expect_reject(msgb.buf, len, NLB_FAMILY);
	}
}

static void
test_bad_nlmsg_len(void **state)
{
	(void)state;
	build_msg(&msgb, 16, TEST_PID, 0);
	nlb_put32(msgb.buf, (uint32_t)msgb.len + 4);
	expect_reject_msg(&msgb);
	nlb_put32(msgb.buf, 0xffffffffu);
	expect_reject_msg(&msgb);
	nlb_put32(msgb.buf, 0);
	expect_reject_msg(&msgb);
}

static void
test_bad_family(void **state)
{
	(void)state;
	build_msg(&msgb, 16, TEST_PID, 0);
	expect_reject(msgb.buf, msgb.len, NLB_FAMILY + 1);
	expect_reject(msgb.buf, msgb.len, GENL_ID_CTRL);
	nlb_init(&msgb, NLMSG_ERROR, TS_CMD_NEW);
	nlb_finish(&msgb);
	expect_reject(msgb.buf, msgb.len, NLB_FAMILY);
}

static void
test_bad_cmd(void **state)
{
	uint8_t	 st[560];

	(void)state;
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_GET);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_UNSPEC);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

/* nla_len below the attribute header: at top level and inside a nest. */
static void
test_bad_short_attr(void **state)
{
	uint16_t	 l;
	size_t		 at;

	(void)state;
	for (l = 0; l < 4; l++) {
		build_msg(&msgb, 16, TEST_PID, 0);
		nlb_attr_hdr(&msgb, TS_TYPE_NULL, l);
		nlb_finish(&msgb);
		expect_reject_msg(&msgb);

		nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
		at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
		nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
		nlb_attr_hdr(&msgb, TS_TYPE_STATS, l);
		nlb_nest_end(&msgb, at);
		nlb_finish(&msgb);
		expect_reject_msg(&msgb);
	}
	/* Fewer than 4 bytes left for an attribute header. */
	build_msg(&msgb, 16, TEST_PID, 0);
	msgb.len += 2;
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_attr_past_end(void **state)
{
	size_t	 at;

	(void)state;
	/* Top-level attribute claiming more than the message holds. */
	build_msg(&msgb, 16, TEST_PID, 0);
	at = nlb_attr_u32(&msgb, TS_TYPE_NULL, 0);
	nlb_put16(msgb.buf + at, 12);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);

	/* Attribute inside a nest running past the end of the nest. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr_hdr(&msgb, TS_TYPE_STATS, 4 + 560);
	msgb.len += 100;			/* stats cut short */
	nlb_nest_end(&msgb, at);
	msgb.len += 600;			/* bytes after the nest */
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_nest_past_end(void **state)
{
	(void)state;
	build_msg(&msgb, 16, TEST_PID, 0);
	/* The nest is the first attribute; make it 4 bytes too long. */
	nlb_put16(msgb.buf + 20, (uint16_t)(msgb.len - 20 + 4));
	expect_reject_msg(&msgb);
	/* Also when the buffer does hold the bytes but nlmsg_len does not. */
	build_msg(&msgb, 16, TEST_PID, TEST_TGID);
	nlb_put32(msgb.buf, MSG_PID_TGID_V16 - 8);
	expect_reject_msg(&msgb);
}

/* A struct shorter than its version claims. */
static void
test_bad_short_struct(void **state)
{
	struct {
		unsigned int	 v;
		size_t		 len;
	} cases[] = {
		{ 16, 432 }, { 16, 559 }, { 17, 560 }, { 17, 687 },
		{ 15, 559 }, { 14, 424 }, { 8, 320 }, { 12, 368 },
		{ 16, 1 }, { 16, 0 },
	};
	uint8_t	 st[TS_PAYLOAD_MAX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nlb_fill_stats(st, cases[i].len, (uint16_t)cases[i].v,
		    cases[i].v, SEED_PID);
		nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
		nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, cases[i].len);
		nlb_finish(&msgb);
		expect_reject_msg(&msgb);
	}
	/* Also in the TGID nest. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 432);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_pid_len(void **state)
{
	uint8_t		 st[560], id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t		 at, l;

	(void)state;
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	for (l = 0; l <= 8; l++) {
		if (l == 4)
			continue;
		nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
		at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
		nlb_attr(&msgb, TS_TYPE_PID, id, l);
		nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
		nlb_nest_end(&msgb, at);
		nlb_finish(&msgb);
		expect_reject_msg(&msgb);
	}
	/* A TGID attribute of the wrong length. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_TGID);
	nlb_attr(&msgb, TS_TYPE_TGID, id, 2);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_nest_contents(void **state)
{
	uint8_t	 st[560];
	size_t	 at;

	(void)state;
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	/* Without stats. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* Without the id. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* An empty nest. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* A PID nest carrying a TGID id instead. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_TGID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* A TGID nest without stats, after a good PID nest. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_TGID);
	nlb_attr_u32(&msgb, TS_TYPE_TGID, TEST_TGID);
	nlb_nest_end(&msgb, at);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_no_pid(void **state)
{
	uint8_t	 st[560];

	(void)state;
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	/* No attributes at all. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* Only padding. */
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* Only a TGID record. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* A bare STATS attribute at top level is not a record. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_attr(&msgb, TS_TYPE_STATS, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

static void
test_bad_two_pids(void **state)
{
	uint8_t	 st[560];

	(void)state;
	nlb_fill_stats(st, sizeof(st), 16, 16, SEED_PID);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID + 1, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
	/* More records than a message carries: PID, TGID, TGID. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, sizeof(st));
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, sizeof(st));
	nlb_finish(&msgb);
	expect_reject_msg(&msgb);
}

/*
 * A payload longer than TS_PAYLOAD_MAX (a far newer kernel) still decodes:
 * the known fields are read, the tail is held up to TS_PAYLOAD_MAX, and the
 * size the kernel sent is kept.
 */
static void
test_payload_too_big_is_cut(void **state)
{
	static uint8_t		 st[TS_PAYLOAD_MAX + 8];
	struct ts_decoded	 d;
	const char		*why = NULL;

	(void)state;
	nlb_fill_stats(st, sizeof(st), 18, 17, SEED_PID);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, sizeof(st));
	nlb_finish(&msgb);
	assert_int_equal(ts_decode_msg(msgb.buf, msgb.len, NLB_FAMILY, &d,
	    &why), 0);
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.cut_tails, 1);
	assert_int_equal(d.rec[0].size, sizeof(st));
	assert_int_equal(d.rec[0].len, TS_PAYLOAD_MAX);
	assert_int_equal(ts_record_tail_len(&d.rec[0]),
	    TS_PAYLOAD_MAX - TS_SIZE_KNOWN);
	assert_memory_equal(d.rec[0].raw, st, TS_PAYLOAD_MAX);
	assert_int_equal(ts_field_int(must_find("ac_pid"), d.rec[0].raw, 18),
	    ts_field_int(must_find("ac_pid"), st, 18));
}

/* --- truncation and mutation: no crash, no over-read, right verdict --- */

/* Every prefix of a PID+TGID message; nlmsg_len keeps the full length. */
static void
test_truncations(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	size_t			 full, len;
	int			 r;

	(void)state;
	full = build_msg(&msgb, 16, TEST_PID, TEST_TGID);
	assert_int_equal(full, MSG_PID_TGID_V16);
	for (len = 0; len <= full; len++) {
		r = decode_exact(msgb.buf, len, NLB_FAMILY, &d, &why);
		if (len == full) {
			assert_int_equal(r, 0);
			assert_int_equal(d.nrec, 2);
		} else {
			if (r != -1)
				fail_msg("truncated to %zu: accepted", len);
			assert_non_null(why);
		}
	}
}

/*
 * Every prefix again, but with nlmsg_len saying the prefix is the whole
 * message: only the full message and the one that ends right after the PID
 * nest (a valid PID-only message) are accepted.
 */
static void
test_truncations_consistent(void **state)
{
	struct ts_decoded	 d;
	const char		*why;
	static struct nlb	 cut;
	size_t			 full, len;
	int			 r;

	(void)state;
	full = build_msg(&msgb, 16, TEST_PID, TEST_TGID);
	for (len = 0; len <= full; len++) {
		memcpy(cut.buf, msgb.buf, full);
		if (len >= 4)
			nlb_put32(cut.buf, (uint32_t)len);
		r = decode_exact(cut.buf, len, NLB_FAMILY, &d, &why);
		if (len == full) {
			assert_int_equal(r, 0);
			assert_int_equal(d.nrec, 2);
		} else if (len == MSG_PID_ONLY_V16) {
			assert_int_equal(r, 0);
			assert_int_equal(d.nrec, 1);
			assert_int_equal(d.rec[0].task_id, TEST_PID);
		} else {
			if (r != -1)
				fail_msg("nlmsg_len %zu: accepted", len);
			assert_non_null(why);
		}
		/* Same with the whole buffer behind a short nlmsg_len. */
		if (len >= 4) {
			r = decode_exact(cut.buf, full, NLB_FAMILY, &d, &why);
			assert_int_equal(r, len == full ||
			    len == MSG_PID_ONLY_V16 ? 0 : -1);
		}
	}
}

/*
 * Overwrite each byte of the headers and attribute headers with values
 * likely to matter; whatever is decoded stays within bounds and consistent.
 * (Bytes inside the struct payloads only change field values.)
 */
static void
test_mutations(void **state)
{
	static const uint8_t	 vals[] = { 0x00, 0x01, 0x02, 0x03, 0x04,
	    0x05, 0x06, 0x07, 0x08, 0x10, 0x7f, 0x80, 0xfe, 0xff };
	static struct nlb	 mut;
	struct ts_decoded	 d;
	const char		*why;
	size_t			 full, pos, k;
	int			 r, i;

	(void)state;
	full = build_msg(&msgb, 16, TEST_PID, TEST_TGID);
	for (pos = 0; pos < full; pos++) {
		/* Skip the struct bodies but keep their first bytes. */
		if ((pos >= 36 + 8 && pos < 36 + 560) ||
		    (pos >= 596 + 16 + 8 && pos < 596 + 16 + 560))
			continue;
		for (k = 0; k < sizeof(vals); k++) {
			memcpy(mut.buf, msgb.buf, full);
			mut.buf[pos] = vals[k];
			r = decode_exact(mut.buf, full, NLB_FAMILY, &d, &why);
			if (r == -1) {
				assert_non_null(why);
				continue;
			}
			assert_int_equal(r, 0);
			assert_in_range(d.nrec, 1, TS_MSG_RECORDS_MAX);
			assert_int_equal(d.rec[0].kind, TASK_KIND_THREAD);
			for (i = 0; i < d.nrec; i++) {
				assert_true(d.rec[i].len <= TS_PAYLOAD_MAX);
				assert_true(d.rec[i].version == 0 ||
				    d.rec[i].len >=
				    ts_version_size(d.rec[i].version));
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_v8),
		cmocka_unit_test(test_decode_v13),
		cmocka_unit_test(test_decode_v14),
		cmocka_unit_test(test_decode_v15),
		cmocka_unit_test(test_decode_v16),
		cmocka_unit_test(test_decode_v17),
		cmocka_unit_test(test_pid_tgid_v16),
		cmocka_unit_test(test_null_padding),
		cmocka_unit_test(test_tgid_version0),
		cmocka_unit_test(test_newer_version),
		cmocka_unit_test(test_unpadded_last_attr),
		cmocka_unit_test(test_unknown_attrs),
		cmocka_unit_test(test_bad_short_buffer),
		cmocka_unit_test(test_bad_nlmsg_len),
		cmocka_unit_test(test_bad_family),
		cmocka_unit_test(test_bad_cmd),
		cmocka_unit_test(test_bad_short_attr),
		cmocka_unit_test(test_bad_attr_past_end),
		cmocka_unit_test(test_bad_nest_past_end),
		cmocka_unit_test(test_bad_short_struct),
		cmocka_unit_test(test_bad_pid_len),
		cmocka_unit_test(test_bad_nest_contents),
		cmocka_unit_test(test_bad_no_pid),
		cmocka_unit_test(test_bad_two_pids),
		cmocka_unit_test(test_payload_too_big_is_cut),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_truncations_consistent),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests_name("unit_decode", tests, NULL, NULL);
}
