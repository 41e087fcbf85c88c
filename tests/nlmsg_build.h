/*
 * nlmsg_build.h: builds synthesized TASKSTATS netlink messages for the unit
 * tests: a netlink header, a generic-netlink header and attributes (nests
 * included), written byte by byte the way the kernel lays them out, plus
 * struct taskstats payloads with a distinctive value in every field, written
 * at the hand-computed offsets of tests/ts_expect.h.
 */
#ifndef NLMSG_BUILD_H
#define NLMSG_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "taskstats_proto.h"
#include "ts_expect.h"

/* Family id used by the tests; any value works, the decoder compares it. */
#define NLB_FAMILY	0x1d
#define NLB_BUFSZ	8192
/* Sequence number of the request an ACK or error answers (listener tests). */
#define NLB_ACK_SEQ	0x2a

struct nlb {
	uint8_t	 buf[NLB_BUFSZ];
	size_t	 len;
};

static inline void
nlb_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
nlb_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Start a message: nlmsghdr (length set by nlb_finish) and genlmsghdr. */
static inline void
nlb_init(struct nlb *b, uint16_t family, uint8_t cmd)
{
	struct nlmsghdr		 nlh;
	struct genlmsghdr	 gnl;

	memset(b->buf, 0, sizeof(b->buf));
	memset(&nlh, 0, sizeof(nlh));
	memset(&gnl, 0, sizeof(gnl));
	nlh.nlmsg_type = family;
	nlh.nlmsg_seq = 7;
	gnl.cmd = cmd;
	gnl.version = TS_GENL_VERSION;
	memcpy(b->buf, &nlh, sizeof(nlh));
	memcpy(b->buf + NLMSG_HDRLEN, &gnl, sizeof(gnl));
	b->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Set nlmsg_len to the bytes written so far; returns it. */
static inline size_t
nlb_finish(struct nlb *b)
{
	nlb_put32(b->buf + offsetof(struct nlmsghdr, nlmsg_len),
	    (uint32_t)b->len);
	return b->len;
}

/* Write an attribute header with an arbitrary nla_len (may be bogus). */
static inline size_t
nlb_attr_hdr(struct nlb *b, uint16_t type, uint16_t nla_len)
{
	size_t	 at = b->len;

	nlb_put16(b->buf + at, nla_len);
	nlb_put16(b->buf + at + 2, type);
	b->len += NLA_HDRLEN;
	return at;
}

/* A whole attribute, padded to NLA_ALIGNTO. */
static inline size_t
nlb_attr(struct nlb *b, uint16_t type, const void *data, size_t dlen)
{
	size_t	 at = nlb_attr_hdr(b, type, (uint16_t)(NLA_HDRLEN + dlen));

	if (dlen > 0)
		memcpy(b->buf + b->len, data, dlen);
	b->len += NLA_ALIGN(dlen);
	return at;
}

static inline size_t
nlb_attr_u32(struct nlb *b, uint16_t type, uint32_t v)
{
	return nlb_attr(b, type, &v, sizeof(v));
}

static inline size_t
nlb_nest_begin(struct nlb *b, uint16_t type)
{
	return nlb_attr_hdr(b, type, 0);
}

static inline void
nlb_nest_end(struct nlb *b, size_t at)
{
	nlb_put16(b->buf + at, (uint16_t)(b->len - at));
}

/* An AGGR_PID or AGGR_TGID nest holding the id and the struct. */
static inline void
nlb_aggr(struct nlb *b, uint16_t aggr, uint32_t id, const void *stats,
    size_t slen)
{
	size_t	 at = nlb_nest_begin(b, aggr);

	nlb_attr_u32(b, aggr == TS_TYPE_AGGR_PID ? TS_TYPE_PID : TS_TYPE_TGID,
	    id);
	nlb_attr(b, TS_TYPE_STATS, stats, slen);
	nlb_nest_end(b, at);
}

/*
 * The distinctive value of field index i (in exp_fields) for a record made
 * with this seed.  u32 values have bit 31 set and u64 values bits above 32,
 * so reading with the wrong width or sign shows.
 */
static inline uint64_t
nlb_value(size_t i, unsigned int seed, unsigned int width)
{
	switch (width) {
	case 1:
		return 0x80u | ((i * 3 + seed) & 0x7f);
	case 4:
		return 0x80000000u | ((uint32_t)i << 16) | (seed & 0xffff);
	default:
		return 0x0102030400000000ull | ((uint64_t)i << 20) |
		    ((uint64_t)seed << 8) | (i & 0xff);
	}
}

static inline void
nlb_ts_value(size_t i, unsigned int seed, int64_t *sec, int64_t *nsec)
{
	*sec = 1700000000 + (int64_t)i * 1000 + seed;
	*nsec = 100000000 + (int64_t)i * 7 + seed;
}

static inline void
nlb_comm_value(unsigned int seed, char comm[32])
{
	memset(comm, 0, 32);
	snprintf(comm, 32, "comm-%u", seed);
}

/*
 * Fill a struct taskstats of version v and length len: filler 0xa5 in every
 * byte (so padding is never zero), then each field the version carries at
 * its hand-computed offset.  version is written as given (0 allowed); layout
 * is the version whose offsets are used.
 */
static inline void
nlb_fill_stats(uint8_t *p, size_t len, uint16_t version, unsigned int layout,
    unsigned int seed)
{
	size_t	 i;

	memset(p, 0xa5, len);
	for (i = 0; i < EXP_NFIELDS; i++) {
		const struct exp_field *e = &exp_fields[i];
		uint8_t		*q;
		uint64_t	 v;

		if (i == 0 || !exp_present(e, layout, len))
			continue;
		q = p + exp_offset(e, layout);
		if (e->kind == EXP_COMM) {
			char	 comm[32];

			nlb_comm_value(seed, comm);
			memcpy(q, comm, sizeof(comm));
		} else if (e->kind == EXP_TS) {
			int64_t	 ts[2];

			nlb_ts_value(i, seed, &ts[0], &ts[1]);
			memcpy(q, ts, sizeof(ts));
		} else {
			v = nlb_value(i, seed, e->width);
			if (e->width == 1)
				*q = (uint8_t)v;
			else if (e->width == 4)
				nlb_put32(q, (uint32_t)v);
			else
				memcpy(q, &v, sizeof(v));
		}
	}
	if (len >= 2)
		nlb_put16(p, version);
}

#endif
