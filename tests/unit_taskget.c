/*
 * unit_taskget.c: taskget_reply(), the live query's check of the kernel's
 * answer, on crafted datagrams (tests/nlmsg_build.h): a v16 PID reply and
 * a TGID reply decoded through the field table; the kernel's errors
 * (ESRCH, EPERM, EINVAL) as errno; a truncated datagram (MSG_TRUNC); a
 * sender other than the kernel and another request's sequence number
 * ignored; and malformed replies rejected, at every truncated length, in
 * buffers of exactly their size so ASan or valgrind see any over-read.
 */
#include <sys/socket.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "fields.h"
#include "taskacct.h"
#include "taskget.h"
#include "taskstats_proto.h"
#include "unit.h"

#include "nlmsg_build.h"

#define SEQ		7	/* nlb_init's */
#define TID		4242
#define TGID		4200
#define SEED		5
#define V16_SIZE	560

static struct nlb	 msgb;

static const struct taskget_req	 req_pid = {
	NLB_FAMILY, SEQ, TASK_KIND_THREAD, TID
};
static const struct taskget_req	 req_tgid = {
	NLB_FAMILY, SEQ, TASK_KIND_GROUP, TGID
};

/* A reply to req: one AGGR nest of a v16 struct of slen bytes. */
static size_t
build_reply(uint16_t aggr, uint32_t id, size_t slen)
{
	uint8_t	 stats[1024];

	nlb_fill_stats(stats, slen, 16, 16, SEED);
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, aggr, id, stats, slen);
	return nlb_finish(&msgb);
}

/* An NLMSG_ERROR answering seq with error (a negative errno, or 0). */
static size_t
build_error(int error, uint32_t seq, size_t len)
{
	struct nlmsghdr	 nlh = { 0 };
	struct nlmsgerr	 e = { 0 };

	memset(msgb.buf, 0, sizeof(msgb.buf));
	nlh.nlmsg_len = (uint32_t)len;
	nlh.nlmsg_type = NLMSG_ERROR;
	nlh.nlmsg_seq = seq;
	e.error = error;
	e.msg.nlmsg_seq = seq;
	memcpy(msgb.buf, &nlh, sizeof(nlh));
	memcpy(msgb.buf + NLMSG_HDRLEN, &e, sizeof(e));
	msgb.len = len;
	return len;
}

/* taskget_reply on a copy of buf in a block of exactly len bytes. */
static int
reply_exact(const struct taskget_req *req, const void *buf, size_t len,
    int flags, uint32_t sender, struct ts_record *rec, int *err)
{
	uint8_t		*copy = malloc(len > 0 ? len : 1);
	const char	*why = NULL;
	int		 r;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	errno = 0;
	r = taskget_reply(req, copy, len, flags, sender, rec, &why);
	*err = errno;
	if (r == -1 && *err == EBADMSG)
		assert_non_null(why);
	free(copy);
	return r;
}

static int64_t
field(const struct ts_record *rec, const char *name)
{
	const struct ts_field *f = must_find(name);

	assert_true(ts_field_present(f, rec->version, rec->len));
	return ts_field_int(f, rec->raw, rec->version);
}

static void
test_pid_reply(void **state)
{
	struct ts_record	 rec;
	size_t			 len = build_reply(TS_TYPE_AGGR_PID, TID,
				    V16_SIZE);
	int			 err;

	(void)state;
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0, &rec,
	    &err), 0);
	assert_int_equal(rec.kind, TASK_KIND_THREAD);
	assert_int_equal(rec.task_id, TID);
	assert_int_equal(rec.version, 16);
	assert_int_equal(rec.size, V16_SIZE);
	/* Values land where the field table says, as for exit records. */
	assert_int_equal(field(&rec, "write_bytes"),
	    (int64_t)nlb_value(exp_index("write_bytes"), SEED, 8));
	assert_int_equal(field(&rec, "ac_pid"),
	    (int64_t)(uint32_t)nlb_value(exp_index("ac_pid"), SEED, 4));
}

static void
test_tgid_reply(void **state)
{
	struct ts_record	 rec;
	size_t			 len = build_reply(TS_TYPE_AGGR_TGID, TGID,
				    V16_SIZE);
	int			 err;

	(void)state;
	assert_int_equal(reply_exact(&req_tgid, msgb.buf, len, 0, 0, &rec,
	    &err), 0);
	assert_int_equal(rec.kind, TASK_KIND_GROUP);
	assert_int_equal(rec.task_id, TGID);
	/* A TGID record is not the answer to a PID request. */
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0, &rec,
	    &err), -1);
	assert_int_equal(err, EBADMSG);
}

static void
test_kernel_errors(void **state)
{
	static const int	 errs[] = { ESRCH, EPERM, EINVAL };
	struct ts_record	 rec;
	size_t			 i, len;
	int			 err;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		len = build_error(-errs[i], SEQ,
		    NLMSG_LENGTH(sizeof(struct nlmsgerr)));
		assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0,
		    &rec, &err), -1);
		assert_int_equal(err, errs[i]);
	}
	/* An ack is no record; a short error is malformed. */
	len = build_error(0, SEQ, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0, &rec,
	    &err), -1);
	assert_int_equal(err, EBADMSG);
	len = build_error(-ESRCH, SEQ, NLMSG_LENGTH(sizeof(int)));
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0, &rec,
	    &err), -1);
	assert_int_equal(err, EBADMSG);
	/* Another request's error is not ours. */
	len = build_error(-ESRCH, SEQ + 1,
	    NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 0, &rec,
	    &err), 1);
}

static void
test_truncated_datagram(void **state)
{
	struct ts_record	 rec;
	size_t			 len = build_reply(TS_TYPE_AGGR_PID, TID,
				    V16_SIZE);
	int			 err;

	(void)state;
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, MSG_TRUNC, 0,
	    &rec, &err), -1);
	assert_int_equal(err, EMSGSIZE);
}

static void
test_not_ours(void **state)
{
	struct ts_record	 rec;
	struct taskget_req	 other = req_pid;
	size_t			 len = build_reply(TS_TYPE_AGGR_PID, TID,
				    V16_SIZE);
	int			 err;

	(void)state;
	/* From a user-space port: never the kernel's answer. */
	assert_int_equal(reply_exact(&req_pid, msgb.buf, len, 0, 4321, &rec,
	    &err), 1);
	other.seq = SEQ + 1;
	assert_int_equal(reply_exact(&other, msgb.buf, len, 0, 0, &rec,
	    &err), 1);
}

static void
expect_bad(const struct taskget_req *req, size_t len)
{
	struct ts_record	 rec;
	int			 err;

	assert_int_equal(reply_exact(req, msgb.buf, len, 0, 0, &rec, &err),
	    -1);
	assert_int_equal(err, EBADMSG);
}

static void
test_malformed(void **state)
{
	struct taskget_req	 other = req_pid;
	size_t			 len;

	(void)state;
	/* Another task's record, another family, a short struct. */
	other.id = TID + 1;
	expect_bad(&other, build_reply(TS_TYPE_AGGR_PID, TID, V16_SIZE));
	other = req_pid;
	other.family = NLB_FAMILY + 1;
	expect_bad(&other, build_reply(TS_TYPE_AGGR_PID, TID, V16_SIZE));
	expect_bad(&req_pid, build_reply(TS_TYPE_AGGR_PID, TID, V16_SIZE - 8));
	/* nlmsg_len past the datagram. */
	len = build_reply(TS_TYPE_AGGR_PID, TID, V16_SIZE);
	nlb_put32(msgb.buf, (uint32_t)len + 8);
	expect_bad(&req_pid, len);
	/* A nest longer than the message. */
	len = build_reply(TS_TYPE_AGGR_PID, TID, V16_SIZE);
	nlb_put16(msgb.buf + NLMSG_HDRLEN + GENL_HDRLEN, (uint16_t)len);
	expect_bad(&req_pid, len);
	/* A pid attribute of two bytes. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	{
		size_t		 at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
		uint16_t	 id = TID;
		uint8_t		 stats[V16_SIZE];

		nlb_attr(&msgb, TS_TYPE_PID, &id, sizeof(id));
		nlb_fill_stats(stats, sizeof(stats), 16, 16, SEED);
		nlb_attr(&msgb, TS_TYPE_STATS, stats, sizeof(stats));
		nlb_nest_end(&msgb, at);
	}
	expect_bad(&req_pid, nlb_finish(&msgb));
	/* A command other than NEW. */
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_GET);
	expect_bad(&req_pid, nlb_finish(&msgb));
}

/* Every cut of a good reply is refused, never read past its end. */
static void
test_truncations(void **state)
{
	struct ts_record	 rec;
	uint8_t			 full[NLB_BUFSZ];
	size_t			 len = build_reply(TS_TYPE_AGGR_PID, TID,
				    V16_SIZE), cut;
	int			 err, r;

	(void)state;
	memcpy(full, msgb.buf, len);
	for (cut = 0; cut < len; cut++) {
		r = reply_exact(&req_pid, full, cut, 0, 0, &rec, &err);
		assert_int_equal(r, -1);
		assert_int_equal(err, EBADMSG);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_reply),
		cmocka_unit_test(test_tgid_reply),
		cmocka_unit_test(test_kernel_errors),
		cmocka_unit_test(test_truncated_datagram),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests_name("unit_taskget", tests, NULL, NULL);
}
