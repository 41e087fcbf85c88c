/*
 * fuzz_decode.c: libFuzzer harness for the netlink decoder, ts_decode_msg().
 *
 * Each input is one netlink message as the listener hands it over: any
 * bytes at all, in a heap block of exactly their length (libFuzzer's, or
 * fuzz_replay.c's), so ASan sees any over-read.  The family id is the one
 * tests/nlmsg_build.h uses, so the seeds are well-formed messages the
 * mutations start from.  An accepted message is then read the way the store
 * binds it (every present field, the comm, the unknown tail), and the
 * decoder's promises are checked: the store must never read a byte the
 * kernel did not send, so a broken promise aborts like a crash does.
 *
 * Built with -DFUZZ_SEEDS instead, main() writes the seed corpus (every
 * struct version, PID+TGID, padding, version 0, newer and oversized
 * structs, and a few malformed messages) into the directory it is given:
 * see `make fuzz-seeds` in mk/fuzz.mk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fields.h"
#include "taskacct.h"

#ifdef FUZZ_SEEDS
#include "nlmsg_build.h"
#else
#define NLB_FAMILY	0x1d	/* the same as tests/nlmsg_build.h */
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Where the values read go, so no compiler drops the reads. */
volatile uint64_t	 fuzz_decode_sink;

/* A broken promise: report it and abort, which libFuzzer keeps as a crash. */
static void
promise_broken(const char *what, const struct ts_record *r)
{
	fprintf(stderr, "fuzz_decode: %s (kind %u version %u size %u len %u)\n",
	    what, r->kind, r->version, r->size, r->len);
	abort();
}

/* Read a record the way store_put_record() binds it. */
static uint64_t
record_read(const struct ts_record *r)
{
	const struct ts_field	*f;
	uint64_t		 sum = 0;
	size_t			 i, off, tail;

	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		if (!ts_field_present(f, r->version, r->len))
			continue;
		off = ts_field_offset(f, r->version);
		if (off + ts_field_width(f) > r->len)
			promise_broken("a present field lies past the payload",
			    r);
		if (f->type == FT_COMM)
			sum += strnlen((const char *)r->raw + off, TS_COMM_LEN);
		else
			sum += (uint64_t)ts_field_int(f, r->raw, r->version);
	}
	tail = ts_record_tail_len(r);
	if (tail > r->len)
		promise_broken("unknown tail longer than the payload", r);
	if (tail > 0)
		sum += r->raw[r->len - tail] + r->raw[r->len - 1];
	return sum;
}

static void
record_check(const struct ts_record *r, int i)
{
	size_t	 k;

	if (r->kind != (i == 0 ? TASK_KIND_THREAD : TASK_KIND_GROUP))
		promise_broken("records not in PID, TGID order", r);
	if (r->len > TS_PAYLOAD_MAX || r->len > r->size ||
	    (r->len < r->size && r->len != TS_PAYLOAD_MAX))
		promise_broken("held length inconsistent with the size", r);
	if (r->len < sizeof(r->version))
		promise_broken("record without its version field", r);
	if (r->version != 0 && r->size < ts_version_size(r->version))
		promise_broken("struct shorter than its version claims", r);
	for (k = r->len; k < sizeof(r->raw); k++)
		if (r->raw[k] != 0)
			promise_broken("stale bytes past the payload", r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_decoded d;	/* 2 KiB: keep it off the stack */
	const char		*why = NULL;
	int			 i;

	if (ts_decode_msg(data, size, NLB_FAMILY, &d, &why) == -1) {
		if (why == NULL || why[0] == '\0')
			abort();	/* a rejection must say why */
		return 0;
	}
	if (d.nrec < 1 || d.nrec > TS_MSG_RECORDS_MAX || d.unknown_attrs < 0 ||
	    d.cut_tails < 0 || d.cut_tails > d.nrec)
		abort();
	for (i = 0; i < d.nrec; i++) {
		record_check(&d.rec[i], i);
		fuzz_decode_sink += record_read(&d.rec[i]);
	}
	return 0;
}

#ifdef FUZZ_SEEDS
/*
 * The seed writer.  Messages are built with tests/nlmsg_build.h exactly as
 * tests/unit_decode.c builds them, so the corpus starts from every shape
 * the unit tests know to be valid or tellingly invalid.
 */
#define SEED_PID	11
#define SEED_TGID	222
#define TEST_PID	4242
#define TEST_TGID	4200

static struct nlb	 msgb;
static uint8_t		 st[TS_PAYLOAD_MAX + 512];
static const char	*seed_dir;
static int		 seed_err;

static void
seed_write(const char *name)
{
	char	 path[4096];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/seed-%s", seed_dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(msgb.buf, 1, msgb.len, fp) != msgb.len || fclose(fp) != 0) {
		perror(path);
		seed_err = 1;
	}
}

/* A message of version v (layout v) with a PID and optionally a TGID. */
static void
seed_version(unsigned int v, int tgid)
{
	char	 name[64];
	size_t	 len = exp_version_size(v);

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, len, (uint16_t)v, v, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, len);
	if (tgid) {
		nlb_fill_stats(st, len, (uint16_t)v, v, SEED_TGID);
		nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, len);
	}
	nlb_finish(&msgb);
	snprintf(name, sizeof(name), "v%u-%s", v, tgid ? "pid-tgid" : "pid");
	seed_write(name);
}

/* PID v16 with a struct of slen bytes carrying version v (layout 17). */
static void
seed_struct(const char *name, uint16_t v, size_t slen)
{
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, slen, v, 17, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, slen);
	nlb_finish(&msgb);
	seed_write(name);
}

static void
seed_null_padding(void)
{
	size_t	 at;

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, 560);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_TGID);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_attr_u32(&msgb, TS_TYPE_TGID, TEST_TGID);
	nlb_fill_stats(st, 560, 16, 16, SEED_TGID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, 560);
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, TS_TYPE_NULL, NULL, 0);
	nlb_finish(&msgb);
	seed_write("null-padding");
}

/* Older kernels: version 0 in a v8-sized TGID aggregate. */
static void
seed_tgid_version0(void)
{
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_fill_stats(st, 328, 0, 8, SEED_TGID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 328);
	nlb_finish(&msgb);
	seed_write("tgid-version0");
}

/* Unknown attributes at both levels, and an NLA_F_NESTED nest. */
static void
seed_unknown_attrs(void)
{
	size_t	 at;

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_attr_u32(&msgb, 99, 0xdeadbeef);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID | NLA_F_NESTED);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, 77, "abc", 3);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, 560);
	nlb_nest_end(&msgb, at);
	nlb_attr(&msgb, TS_TYPE_UNSPEC, NULL, 0);
	nlb_finish(&msgb);
	seed_write("unknown-attrs");
}

/* A 725-byte struct, the message ending without its padding. */
static void
seed_unpadded(void)
{
	size_t	 at, nlen = NLA_HDRLEN + 8 + NLA_HDRLEN + 725;

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 725, 18, 17, SEED_PID);
	at = nlb_nest_begin(&msgb, TS_TYPE_AGGR_PID);
	nlb_attr_u32(&msgb, TS_TYPE_PID, TEST_PID);
	nlb_attr(&msgb, TS_TYPE_STATS, st, 725);
	nlb_put16(msgb.buf + at, (uint16_t)nlen);
	msgb.len = at + nlen;
	nlb_finish(&msgb);
	seed_write("unpadded-last-attr");
}

/* Malformed: each is rejected, and a short mutation away from valid. */
static void
seed_bad(void)
{
	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_fill_stats(st, 560, 16, 16, SEED_PID);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 560);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_finish(&msgb);
	seed_write("bad-tgid-first");

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 560);
	nlb_aggr(&msgb, TS_TYPE_AGGR_TGID, TEST_TGID, st, 560);
	nlb_finish(&msgb);
	seed_write("bad-two-tgids");

	seed_struct("bad-short-struct", 17, 600);

	nlb_init(&msgb, NLB_FAMILY, TS_CMD_NEW);
	nlb_aggr(&msgb, TS_TYPE_AGGR_PID, TEST_PID, st, 560);
	msgb.len += 2;
	nlb_finish(&msgb);
	seed_write("bad-trailing-bytes");
}

int
main(int argc, char *argv[])
{
	static const unsigned int versions[] = { 8, 13, 14, 15, 16, 17 };
	size_t	 i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s directory\n", argv[0]);
		return 2;
	}
	seed_dir = argv[1];
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		seed_version(versions[i], 0);
		seed_version(versions[i], 1);
	}
	seed_null_padding();
	seed_tgid_version0();
	seed_unknown_attrs();
	seed_unpadded();
	seed_struct("newer-v18", 18, 720);
	seed_struct("oversize-v40", 40, TS_PAYLOAD_MAX + 200);
	seed_bad();
	return seed_err;
}
#endif
