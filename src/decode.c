/*
 * decode.c: validation and decoding of one TASKSTATS_CMD_NEW message.
 *
 * Every length is checked before it is used: the netlink header against the
 * buffer, the generic-netlink header against the message, each attribute
 * against what remains of its parent, and the struct against the size its
 * version claims.  TYPE_NULL padding (zero-length, at top level or inside a
 * nest) is skipped; attributes of types we do not know are skipped and
 * counted, so a kernel adding attributes does not stop the recorder.  A
 * message without a PID record is rejected.
 */
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "decode.h"
#include "taskacct.h"
#include "taskstats_proto.h"

#define NLA_HDR		((int)NLA_ALIGN(sizeof(struct nlattr)))

struct attr_iter {
	const uint8_t	*p;
	size_t		 left;
};

/*
 * Next attribute of an iteration; 1 with *type, *data and *dlen set, 0 at a
 * clean end, -1 when the remaining bytes do not hold a whole attribute.
 */
static int
attr_next(struct attr_iter *it, uint16_t *type, const uint8_t **data,
    size_t *dlen)
{
	struct nlattr	 nla;
	size_t		 step;

	if (it->left == 0)
		return 0;
	if (it->left < sizeof(nla))
		return -1;
	memcpy(&nla, it->p, sizeof(nla));
	if (nla.nla_len < sizeof(nla) || nla.nla_len > it->left)
		return -1;
	*type = nla.nla_type & NLA_TYPE_MASK;
	*data = it->p + NLA_HDR;
	*dlen = nla.nla_len - NLA_HDR;
	step = NLA_ALIGN(nla.nla_len);
	/* The last attribute's padding may be missing. */
	if (step > it->left)
		step = it->left;
	it->p += step;
	it->left -= step;
	return 1;
}

/*
 * Fill a record from one struct taskstats payload.  Rejects payloads too
 * short to hold the version field or shorter than the version claims; one
 * longer than TS_PAYLOAD_MAX is held up to that size (*cut set).
 */
int
ts_record_decode(const void *payload, size_t len, uint8_t kind,
    uint32_t task_id, struct ts_record *rec, int *cut, const char **why)
{
	uint16_t	 version;
	size_t		 held = len;

	if (len < sizeof(version)) {
		*why = "struct too short for its version field";
		return -1;
	}
	if (len > UINT16_MAX) {
		*why = "struct longer than a netlink attribute can be";
		return -1;
	}
	memcpy(&version, payload, sizeof(version));
	/*
	 * Older kernels send version 0 in the TGID aggregate; it then holds
	 * only delay sums at the usual offsets.  Otherwise the struct must be
	 * at least as long as its version says.
	 */
	if (version != 0 && len < ts_version_size(version)) {
		*why = "struct shorter than its version claims";
		return -1;
	}
	*cut = len > TS_PAYLOAD_MAX;
	if (*cut)
		held = TS_PAYLOAD_MAX;
	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->task_id = task_id;
	rec->version = version;
	rec->size = (uint16_t)len;
	rec->len = (uint16_t)held;
	memcpy(rec->raw, payload, held);
	return 0;
}

/*
 * Bytes past what the table knows, kept so a newer version loses nothing.
 * A version-0 TGID aggregate comes from an older kernel: no unknown tail.
 */
size_t
ts_record_tail_len(const struct ts_record *rec)
{
	size_t	 known = rec->version == 0 ? TS_SIZE_KNOWN :
	    ts_version_size(rec->version);

	return rec->len > known ? rec->len - known : 0;
}

/* Decode one AGGR_PID or AGGR_TGID nest. */
static int
decode_aggr(const uint8_t *data, size_t dlen, uint8_t kind,
    struct ts_decoded *out, const char **why)
{
	struct attr_iter	 it = { data, dlen };
	const uint8_t		*stats = NULL, *p;
	size_t			 slen = 0, plen;
	uint16_t		 type, id_type;
	uint32_t		 id = 0;
	int			 have_id = 0, r, cut;

	id_type = kind == TASK_KIND_THREAD ? TS_TYPE_PID : TS_TYPE_TGID;
	while ((r = attr_next(&it, &type, &p, &plen)) == 1) {
		if (type == TS_TYPE_NULL)
			continue;
		if (type == id_type) {
			if (plen != sizeof(id)) {
				*why = "pid/tgid attribute of wrong length";
				return -1;
			}
			memcpy(&id, p, sizeof(id));
			have_id = 1;
		} else if (type == TS_TYPE_STATS) {
			stats = p;
			slen = plen;
		} else
			out->unknown_attrs++;
	}
	if (r < 0) {
		*why = "attribute length past the end of its nest";
		return -1;
	}
	if (!have_id || stats == NULL) {
		*why = "nest without its id or stats attribute";
		return -1;
	}
	if (out->nrec >= TS_MSG_RECORDS_MAX) {
		*why = "more records in one message than the protocol allows";
		return -1;
	}
	if (ts_record_decode(stats, slen, kind, id, &out->rec[out->nrec],
	    &cut, why) == -1)
		return -1;
	out->cut_tails += cut;
	out->nrec++;
	return 0;
}

static int
decode_attrs(const uint8_t *p, size_t len, struct ts_decoded *out,
    const char **why)
{
	struct attr_iter	 it = { p, len };
	const uint8_t		*data;
	size_t			 dlen;
	uint16_t		 type;
	int			 r, have_pid = 0;

	while ((r = attr_next(&it, &type, &data, &dlen)) == 1) {
		switch (type) {
		case TS_TYPE_NULL:
			break;
		case TS_TYPE_AGGR_PID:
			if (have_pid) {
				*why = "two PID records in one message";
				return -1;
			}
			if (decode_aggr(data, dlen, TASK_KIND_THREAD, out,
			    why) == -1)
				return -1;
			have_pid = 1;
			break;
		case TS_TYPE_AGGR_TGID:
			/* The group record belongs to the thread before it. */
			if (!have_pid) {
				*why = "TGID record before the PID record";
				return -1;
			}
			if (decode_aggr(data, dlen, TASK_KIND_GROUP, out,
			    why) == -1)
				return -1;
			break;
		default:
			out->unknown_attrs++;
			break;
		}
	}
	if (r < 0) {
		*why = "attribute length past the end of the message";
		return -1;
	}
	if (!have_pid) {
		*why = "message without a PID record";
		return -1;
	}
	return 0;
}

/*
 * Decode one netlink message (header included) of at most len bytes, sent by
 * the family whose id is family.  Returns 0 with out filled (the PID record
 * first), or -1 with *why naming what was wrong.
 */
int
ts_decode_msg(const void *buf, size_t len, uint16_t family,
    struct ts_decoded *out, const char **why)
{
	struct nlmsghdr		 nlh;
	struct genlmsghdr	 gnl;
	const uint8_t		*p = buf;
	size_t			 hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	out->nrec = 0;
	out->unknown_attrs = 0;
	out->cut_tails = 0;
	if (len < sizeof(nlh)) {
		*why = "message shorter than a netlink header";
		return -1;
	}
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < hdr || nlh.nlmsg_len > len) {
		*why = "netlink length out of bounds";
		return -1;
	}
	if (nlh.nlmsg_type != family) {
		*why = "message not from the TASKSTATS family";
		return -1;
	}
	memcpy(&gnl, p + NLMSG_HDRLEN, sizeof(gnl));
	if (gnl.cmd != TS_CMD_NEW) {
		*why = "not a TASKSTATS_CMD_NEW message";
		return -1;
	}
	return decode_attrs(p + hdr, nlh.nlmsg_len - hdr, out, why);
}

/* The plan for rec's shape: plan itself, refreshed if it was another's. */
const struct ts_plan *
ts_plan_get(struct ts_plan *plan, const struct ts_record *rec)
{
	const struct ts_field	*f;
	size_t			 i;

	if (plan->valid && plan->version == rec->version &&
	    plan->len == rec->len)
		return plan;
	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		plan->step[i].present = ts_field_present(f, rec->version,
		    rec->len);
		plan->step[i].offset = ts_field_offset(f, rec->version);
		plan->step[i].type = f->type;
	}
	plan->version = rec->version;
	plan->len = rec->len;
	plan->valid = 1;
	return plan;
}
