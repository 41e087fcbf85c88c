/*
 * procconn.c: the process events connector socket.  Subscribes to
 * CN_IDX_PROC (needs CAP_NET_ADMIN in the initial namespaces, at
 * subscription only: the membership outlives a later privilege drop), and
 * reads events in batches with recvmmsg() until EAGAIN, as the TASKSTATS
 * listener does.  Every datagram is checked before a byte of it is used:
 * sender port 0, MSG_TRUNC, the netlink length against the datagram, the
 * connector header against the netlink payload, the connector id, and the
 * event's length against what its kind needs.  Losses are exact: the
 * socket's drop counter (SO_MEMINFO, one per event) is read after every
 * drain; NETLINK_NO_ENOBUFS keeps an overrun from stopping delivery.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "nlsock.h"
#include "procconn.h"
#include "sysinfo.h"
#include "upgrade.h"

/* struct proc_event: what, cpu, timestamp_ns, then the event's data. */
#define PE_HDR		16
#define PE_WHAT		0
#define PE_TS		8

struct procconn {
	int			 fd;
	int			 rcvbuf;
	uint32_t		 seq;
	uint32_t		 drops_raw;
	uint64_t		 drops_seen;
	const char		*last_why;
	struct procconn_stats	 stats;
	struct mmsghdr		 msgs[PROCCONN_BATCH];
	struct iovec		 iov[PROCCONN_BATCH];
	struct sockaddr_nl	 from[PROCCONN_BATCH];
	uint8_t			 bufs[PROCCONN_BATCH][PROCCONN_BUFSZ];
};

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t	 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The data of one event of dlen bytes: 0 and *ev filled, 1 ignored, -1 bad. */
static int
parse_event(const uint8_t *d, size_t dlen, struct pc_event *ev,
    const char **why)
{
	uint32_t	 what;
	size_t		 need;
	const uint8_t	*p = d + PE_HDR;

	if (dlen < PE_HDR) {
		*why = "process event shorter than its header";
		return -1;
	}
	what = rd32(d + PE_WHAT);
	memset(ev, 0, sizeof(*ev));
	memcpy(&ev->ts_ns, d + PE_TS, sizeof(ev->ts_ns));
	switch (what) {
	case PROC_EVENT_NONE:	ev->kind = PC_ACK; need = 4; break;
	case PROC_EVENT_FORK:	ev->kind = PC_FORK; need = 16; break;
	case PROC_EVENT_EXEC:	ev->kind = PC_EXEC; need = 8; break;
	case PROC_EVENT_EXIT:	ev->kind = PC_EXIT; need = 8; break;
	case PROC_EVENT_COMM:	ev->kind = PC_COMM; need = 24; break;
	default:
		return 1;	/* uid, gid, sid, ptrace, coredump... */
	}
	if (dlen - PE_HDR < need) {
		*why = "process event shorter than its kind needs";
		return -1;
	}
	switch (ev->kind) {
	case PC_ACK:
		ev->err = rd32(p);
		break;
	case PC_FORK:
		ev->ppid = (int32_t)rd32(p);
		ev->ptgid = (int32_t)rd32(p + 4);
		ev->pid = (int32_t)rd32(p + 8);
		ev->tgid = (int32_t)rd32(p + 12);
		break;
	case PC_COMM:
		memcpy(ev->comm, p + 8, sizeof(ev->comm) - 1);
		/* FALLTHROUGH */
	default:
		ev->pid = (int32_t)rd32(p);
		ev->tgid = (int32_t)rd32(p + 4);
	}
	if (ev->kind != PC_ACK && (ev->pid <= 0 || ev->tgid <= 0 ||
	    (ev->kind == PC_FORK && (ev->ppid < 0 || ev->ptgid < 0)))) {
		*why = "process event with a pid out of range";
		return -1;
	}
	return 0;
}

/* One netlink message of len bytes at p (len already checked). */
static void
parse_message(const uint8_t *p, size_t len, struct procconn_parsed *pd,
    procconn_event_fn *fn, void *arg)
{
	struct nlmsghdr	 nlh;
	struct cn_msg	 cn;
	struct pc_event	 ev;
	const char	*why = NULL;
	size_t		 plen = len - NLMSG_HDRLEN;
	int		 r;

	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_type != NLMSG_DONE) {
		pd->ignored++;	/* NOOP, OVERRUN: nothing to keep */
		return;
	}
	if (len < NLMSG_HDRLEN || plen < sizeof(cn)) {
		pd->malformed++;
		pd->why = "connector message shorter than its header";
		return;
	}
	memcpy(&cn, p + NLMSG_HDRLEN, sizeof(cn));
	if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC) {
		pd->malformed++;
		pd->why = "connector message not from the process events";
		return;
	}
	if (cn.len > plen - sizeof(cn)) {
		pd->malformed++;
		pd->why = "connector data length past the message";
		return;
	}
	r = parse_event(p + NLMSG_HDRLEN + sizeof(cn), cn.len, &ev, &why);
	if (r == -1) {
		pd->malformed++;
		pd->why = why;
	} else if (r == 1)
		pd->ignored++;
	else {
		pd->events++;
		fn(arg, &ev);
	}
}

struct parse_ctx {
	struct procconn_parsed	*pd;
	procconn_event_fn	*fn;
	void			*arg;
};

static void
parse_walked(void *arg, const uint8_t *p, size_t len)
{
	struct parse_ctx	*c = arg;

	parse_message(p, len, c->pd, c->fn, c->arg);
}

/*
 * Parse one datagram as read from the socket: every netlink message in
 * it, each bounded by the datagram (nlsock_walk()); events go to fn in
 * order.  Reads nothing outside buf[0..len).
 */
void
procconn_parse(const uint8_t *buf, size_t len, struct procconn_parsed *pd,
    procconn_event_fn *fn, void *arg)
{
	struct parse_ctx	 c = { pd, fn, arg };
	const char		*why;

	memset(pd, 0, sizeof(*pd));
	if ((why = nlsock_walk(buf, len, parse_walked, &c)) != NULL) {
		pd->malformed++;
		pd->why = why;
	}
}

static void
procconn_init_iov(struct procconn *pc)
{
	nlsock_batch_init(pc->msgs, pc->iov, pc->from, &pc->bufs[0][0],
	    PROCCONN_BATCH, PROCCONN_BUFSZ);
}

/* Open and bind the socket to the process events group; not subscribed. */
struct procconn *
procconn_open(int rcvbuf, char *err, size_t errlen)
{
	struct sockaddr_nl	 sa = { .nl_family = AF_NETLINK,
				    .nl_groups = CN_IDX_PROC };
	struct procconn		*pc;

	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_CONNECTOR);
	if (pc->fd == -1) {
		snprintf(err, errlen, "process events connector socket: %s "
		    "(CONFIG_PROC_EVENTS off?)", strerror(errno));
		free(pc);
		return NULL;
	}
	pc->rcvbuf = nlsock_size_rcvbuf(pc->fd, rcvbuf, 0);
	(void)nlsock_no_enobufs(pc->fd);
	if (bind(pc->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "binding the process events connector: "
		    "%s", strerror(errno));
		procconn_close(pc);
		return NULL;
	}
	procconn_init_iov(pc);
	return pc;
}

/*
 * The socket the image before an upgrade opened and subscribed (see
 * src/upgrade.c): checked to be a connector socket, read as our own.
 * drops_raw: its drop counter as last read there.
 */
struct procconn *
procconn_adopt(int fd, uint32_t drops_raw, char *err, size_t errlen)
{
	struct procconn	*pc;

	if (upgrade_fd_socket(fd, AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR,
	    err, errlen) == -1)
		return NULL;
	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc->fd = fd;
	pc->drops_raw = upgrade_drops_base(fd, drops_raw);
	pc->rcvbuf = nlsock_rcvbuf(fd);
	procconn_init_iov(pc);
	return pc;
}

uint32_t
procconn_drops_raw(const struct procconn *pc)
{
	return pc->drops_raw;
}

void
procconn_close(struct procconn *pc)
{
	if (pc == NULL)
		return;
	close(pc->fd);
	free(pc);
}

int
procconn_fd(const struct procconn *pc)
{
	return pc->fd;
}

int
procconn_rcvbuf(const struct procconn *pc)
{
	return pc->rcvbuf;
}

const struct procconn_stats *
procconn_stats(const struct procconn *pc)
{
	return &pc->stats;
}

const char *
procconn_last_why(const struct procconn *pc)
{
	return pc->last_why;
}

/* Send PROC_CN_MCAST_LISTEN or _IGNORE to the kernel. */
static int
procconn_send(struct procconn *pc, uint32_t op)
{
	uint8_t			 m[NLMSG_HDRLEN + sizeof(struct cn_msg) +
				    sizeof(op)];
	struct nlmsghdr		 nlh = { 0 };
	struct cn_msg		 cn = { 0 };
	struct sockaddr_nl	 to = { .nl_family = AF_NETLINK };

	nlh.nlmsg_len = sizeof(m);
	nlh.nlmsg_type = NLMSG_DONE;
	nlh.nlmsg_seq = ++pc->seq;
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.seq = pc->seq;
	cn.len = sizeof(op);
	memset(m, 0, sizeof(m));
	memcpy(m, &nlh, sizeof(nlh));
	memcpy(m + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(m + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
	return sendto(pc->fd, m, sizeof(m), 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)sizeof(m) ? 0 : -1;
}

struct sub_ctx {
	procconn_event_fn	*fn;
	void			*arg;
	int			 ack;	/* -1: none yet, else its errno */
};

static void
sub_event(void *arg, const struct pc_event *ev)
{
	struct sub_ctx	*c = arg;

	if (ev->kind == PC_ACK)
		c->ack = (int)ev->err;
	else
		c->fn(c->arg, ev);
}

/* Read one batch; events to fn.  Messages read, 0 on EAGAIN, -1 error. */
static int
procconn_read(struct procconn *pc, procconn_event_fn *fn, void *arg)
{
	struct procconn_parsed	 pd;
	struct msghdr		*mh;
	int			 i, n;

	n = nlsock_recv(pc->fd, pc->msgs, pc->from, PROCCONN_BATCH);
	if (n == -1) {
		if (errno == ENOBUFS) {
			pc->stats.enobufs++;
			return 1;
		}
		return -1;
	}
	for (i = 0; i < n; i++) {
		mh = &pc->msgs[i].msg_hdr;
		if (mh->msg_flags & MSG_TRUNC) {
			pc->stats.truncated++;
			pc->stats.malformed++;
			pc->last_why = "datagram truncated";
			continue;
		}
		if (!nlsock_from_kernel(mh, &pc->from[i])) {
			pc->stats.foreign++;
			continue;
		}
		procconn_parse(pc->bufs[i], pc->msgs[i].msg_len, &pd, fn, arg);
		pc->stats.events += pd.events;
		pc->stats.ignored += pd.ignored;
		if (pd.malformed > 0) {
			pc->stats.malformed += pd.malformed;
			pc->last_why = pd.why;
		}
	}
	return n;
}

/*
 * Subscribe and wait for the kernel's answer; events that come before it
 * go to fn like any other.  -1 and errno (EPERM: no CAP_NET_ADMIN).
 */
int
procconn_subscribe(struct procconn *pc, procconn_event_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct pollfd	 pfd = { .fd = pc->fd, .events = POLLIN };
	struct sub_ctx	 c = { fn, arg, -1 };
	int		 waited = 0;

	if (procconn_send(pc, PROC_CN_MCAST_LISTEN) == -1) {
		snprintf(err, errlen, "subscribing to process events: %s",
		    strerror(errno));
		return -1;
	}
	while (c.ack == -1 && waited < PROCCONN_ACK_TIMEOUT_MS) {
		if (poll(&pfd, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		if (procconn_read(pc, sub_event, &c) == -1) {
			snprintf(err, errlen, "process events: receive: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (c.ack == -1) {
		snprintf(err, errlen, "process events: no answer from the "
		    "kernel to the subscription");
		errno = ETIMEDOUT;
		return -1;
	}
	if (c.ack != 0) {
		errno = c.ack;
		snprintf(err, errlen, "subscribing to process events: %s",
		    strerror(c.ack));
		return -1;
	}
	return 0;
}

/*
 * Read until EAGAIN, events to fn in order; the number of events, or -1
 * if the socket failed (errno).  An ACK seen here (none is asked for) is
 * passed on as any event.
 */
int
procconn_drain(struct procconn *pc, procconn_event_fn *fn, void *arg)
{
	uint64_t	 before = pc->stats.events;
	int		 n;

	while ((n = procconn_read(pc, fn, arg)) > 0)
		;
	if (n == -1)
		return -1;
	return (int)(pc->stats.events - before);
}

/*
 * Events the kernel dropped since the last call: the growth of the
 * socket's drop counter (each drop is one event's datagram).
 */
uint64_t
procconn_new_drops(struct procconn *pc)
{
	uint64_t	 n;

	pc->stats.drops += nlsock_new_drops(pc->fd, &pc->drops_raw);
	n = pc->stats.drops - pc->drops_seen;
	pc->drops_seen = pc->stats.drops;
	return n;
}
