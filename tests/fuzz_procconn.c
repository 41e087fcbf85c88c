/*
 * fuzz_procconn.c: libFuzzer harness for the process events connector's
 * datagram parser, procconn_parse(): each input is one datagram as
 * recvmmsg() returns it, in a heap block of exactly its length.  Seeds
 * (tests/corpus/procconn/seed-*) are the datagrams of tests/unit_procconn.c.
 * Promises checked, a broken one aborting like a crash: every event is a
 * known kind with positive pids (a fork's parent may be 0: the idle task),
 * no more events than whole netlink messages fit, and whatever is
 * malformed says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "procconn.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	uint32_t	 n;
};

static void
broken(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_procconn: %s (datagram of %zu bytes)\n", what,
	    size);
	abort();
}

static void
on_event(void *arg, const struct pc_event *ev)
{
	struct seen	*s = arg;

	s->n++;
	if (ev->kind > PC_ACK)
		broken("unknown event kind", 0);
	if (ev->kind != PC_ACK && (ev->pid <= 0 || ev->tgid <= 0 ||
	    ev->ppid < 0 || ev->ptgid < 0))
		broken("event with a bad pid", 0);
	if (ev->kind == PC_COMM && memchr(ev->comm, '\0',
	    sizeof(ev->comm)) == NULL)
		broken("comm not terminated", 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procconn_parsed	 pd;
	struct seen		 s = { 0 };
	uint8_t			*buf;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	procconn_parse(buf, size, &pd, on_event, &s);
	if (s.n != pd.events)
		broken("events counted and handed over differ", size);
	if (pd.events > size / (NLMSG_HDRLEN + 16 + 16))
		broken("more events than messages fit", size);
	if (pd.malformed > 0 && pd.why == NULL)
		broken("malformed without a reason", size);
	free(buf);
	return 0;
}
