/*
 * fuzz_listener.c: libFuzzer harness for the listener's datagram parser,
 * listener_parse(): each input is one datagram as recvmmsg() returns it,
 * any bytes at all, in a heap block of exactly its length.  The seeds
 * (tests/corpus/listener/seed-*) are the datagrams of tests/unit_listener.c:
 * exit records, ACKs and errors answering sequence number NLB_ACK_SEQ,
 * control messages and framing faults.
 *
 * Each datagram is parsed twice, as the daemon does it: while waiting for
 * the kernel's answer to a request (ack_seq NLB_ACK_SEQ) and while draining
 * (no request out).  Promises checked, a broken one aborting like a crash:
 * the framing agrees with libnl's own walk (nlmsg_ok/nlmsg_next), so every
 * well-framed message is counted once and leftover bytes are reported;
 * records come one or two per message, PID first, within the decoder's
 * bounds; an answer is only ever 0 or an errno, and only for our request;
 * whatever is malformed says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>

#include "listener.h"
#include "taskacct.h"

#define NLB_FAMILY	0x1d	/* the same as tests/nlmsg_build.h */
#define NLB_ACK_SEQ	0x2a

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const framing_why[] = {
	"netlink message length past the datagram",
	"datagram shorter than a netlink header",
	"bytes after the last netlink message",
};

struct seen {
	uint32_t	 calls;
	uint32_t	 records;
	uint64_t	 sum;
};

static void
broken(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_listener: %s (datagram of %zu bytes)\n", what,
	    size);
	abort();
}

static void
take_records(void *arg, const struct ts_decoded *d)
{
	struct seen	*s = arg;
	int		 i;

	s->calls++;
	if (d->nrec < 1 || d->nrec > TS_MSG_RECORDS_MAX)
		broken("a message handed over with no or too many records", 0);
	for (i = 0; i < d->nrec; i++) {
		if (d->rec[i].kind != (i == 0 ? TASK_KIND_THREAD :
		    TASK_KIND_GROUP))
			broken("records not in PID, TGID order", 0);
		if (d->rec[i].len > TS_PAYLOAD_MAX)
			broken("record longer than its buffer", 0);
		s->sum += d->rec[i].task_id + d->rec[i].raw[d->rec[i].len -
		    (d->rec[i].len > 0)];
	}
	s->records += (uint32_t)d->nrec;
}

/*
 * libnl's walk over the same bytes: how many messages it frames, and
 * whether bytes are left that it could not frame.
 */
static uint32_t
libnl_walk(const uint8_t *data, size_t size, int *leftover)
{
	struct nlmsghdr	*nlh;
	uint32_t	 n = 0;
	int		 rem;

	if (size > INT32_MAX)
		return 0;
	rem = (int)size;
	/* libnl casts: walk an aligned copy. */
	for (nlh = (struct nlmsghdr *)(void *)data; nlmsg_ok(nlh, rem);
	    nlh = nlmsg_next(nlh, &rem))
		n++;
	*leftover = rem > 0;
	return n;
}

static int
is_framing(const char *why)
{
	size_t	 i;

	for (i = 0; i < sizeof(framing_why) / sizeof(framing_why[0]); i++)
		if (why != NULL && strcmp(why, framing_why[i]) == 0)
			return 1;
	return 0;
}

static void
check(const uint8_t *data, size_t size, const struct listener_parsed *pd,
    const struct seen *s, uint32_t framed, int leftover)
{
	if (pd->messages + pd->errors + pd->control != framed)
		broken("framing differs from libnl's", size);
	if (leftover != is_framing(pd->why))
		broken("leftover bytes not reported, or reported wrongly",
		    size);
	if (pd->malformed > pd->messages + pd->errors + 1)
		broken("more faults than messages", size);
	if ((pd->malformed > 0) != (pd->why != NULL) ||
	    (pd->why != NULL && pd->why[0] == '\0'))
		broken("a fault without a reason, or a reason without one",
		    size);
	if (s->records != pd->records || s->calls > pd->messages ||
	    s->records > 2 * s->calls)
		broken("records counted wrongly", size);
	if (pd->ack_err < -1 || pd->ack_err > LISTENER_ERRNO_MAX)
		broken("an answer that is not an errno", size);
	(void)data;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		*aligned;
	static size_t		 cap;
	struct listener_parsed	 pd, pd0;
	struct seen		 s, s0;
	uint32_t		 framed;
	int			 leftover = 0;

	memset(&s, 0, sizeof(s));
	memset(&s0, 0, sizeof(s0));
	listener_parse(data, size, NLB_FAMILY, NLB_ACK_SEQ, &pd, take_records,
	    &s);
	listener_parse(data, size, NLB_FAMILY, 0, &pd0, take_records, &s0);
	/* libnl reads through struct pointers: give it an aligned copy. */
	if (size > cap) {
		free(aligned);
		if ((aligned = malloc(size)) == NULL)
			abort();
		cap = size;
	}
	if (size > 0)
		memcpy(aligned, data, size);
	framed = libnl_walk(aligned, size, &leftover);
	check(data, size, &pd, &s, framed, leftover);
	check(data, size, &pd0, &s0, framed, leftover);
	if (pd0.ack_err != -1)
		broken("an answer while no request is out", size);
	if (pd.records != pd0.records || pd.malformed != pd0.malformed ||
	    s.sum != s0.sum)
		broken("the records depend on the request's seq", size);
	return 0;
}
