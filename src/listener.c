/*
 * listener.c: one generic-netlink socket listening to TASKSTATS exits.
 *
 * libnl-genl-3 resolves the family and builds the (de)registration request;
 * the socket is then drained directly with recvmmsg(), which costs a third of
 * libnl's peek-then-read per message.  Every datagram is checked (sender port
 * 0, MSG_TRUNC) before the decoder sees it.  Losses are exact: the kernel's
 * per-socket drop counter (SO_MEMINFO) is read after each drain and its
 * growth queued as a loss, as are records the full queue refused.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "listener.h"
#include "log.h"
#include "nlsock.h"
#include "sysinfo.h"
#include "taskstats_proto.h"
#include "upgrade.h"

struct listener {
	struct nl_sock		*sk;
	int			 fd;
	int			 family;
	int			 rcvbuf;	/* granted, as getsockopt says */
	char			*cpumask;
	uint32_t		 drops_raw;	/* last SO_MEMINFO drop counter */
	uint64_t		 drops_seen;	/* drops already queued */
	uint64_t		 refused_seen;	/* refusals already queued */
	uint64_t		 malformed_seen;
	uint64_t		 foreign_seen;
	const char		*last_why;	/* last decoder complaint */
	listener_ident_fn	*ident_fn;	/* NULL: no identity capture */
	void			*ident_arg;
	struct listener_stats	 stats;
	/* one limiter per kind, so that one kind cannot silence another */
	struct log_rate		 rate_drop;
	struct log_rate		 rate_refused;
	struct log_rate		 rate_malformed;
	struct log_rate		 rate_foreign;
	struct log_rate		 rate_recv;
	/* recvmmsg() buffers */
	struct mmsghdr		 msgs[LISTENER_BATCH];
	struct iovec		 iov[LISTENER_BATCH];
	struct sockaddr_nl	 from[LISTENER_BATCH];
	uint8_t			 bufs[LISTENER_BATCH][LISTENER_BUFSZ];
};

static void
listener_init_iov(struct listener *l)
{
	nlsock_batch_init(l->msgs, l->iov, l->from, &l->bufs[0][0],
	    LISTENER_BATCH, LISTENER_BUFSZ);
}

/*
 * Open a socket for the CPUs in cpumask (a kernel cpulist), resolve the
 * family and size its buffer.  Not yet registered.
 */
struct listener *
listener_open(const char *cpumask, int rcvbuf, char *err, size_t errlen)
{
	struct listener	*l;
	int		 r;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->cpumask = strdup(cpumask)) == NULL ||
	    (l->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	nl_socket_disable_seq_check(l->sk);
	/* Before connecting, or libnl shrinks the buffer to 32 KiB. */
	nl_socket_set_buffer_size(l->sk, rcvbuf, 0);
	if ((r = genl_connect(l->sk)) < 0) {
		snprintf(err, errlen, "generic netlink socket: %s",
		    nl_geterror(r));
		goto fail;
	}
	if ((l->family = genl_ctrl_resolve(l->sk, TS_FAMILY_NAME)) < 0) {
		snprintf(err, errlen, "the kernel has no TASKSTATS generic "
		    "netlink family (CONFIG_TASKSTATS off, or not in the "
		    "initial network namespace): %s", nl_geterror(l->family));
		goto fail;
	}
	l->fd = nl_socket_get_fd(l->sk);
	l->rcvbuf = nlsock_size_rcvbuf(l->fd, rcvbuf, 1);
	/* The drop counter, not ENOBUFS, tells us what was lost. */
	if (nlsock_no_enobufs(l->fd) == -1)
		log_warn("NETLINK_NO_ENOBUFS");
	if ((r = nl_socket_set_nonblocking(l->sk)) < 0) {
		snprintf(err, errlen, "non-blocking socket: %s",
		    nl_geterror(r));
		goto fail;
	}
	listener_init_iov(l);
	return l;
fail:
	listener_close(l);
	return NULL;
}

/*
 * A socket opened and registered by the image before an upgrade (see
 * src/upgrade.c), for the CPUs in cpumask: checked to be a generic
 * netlink socket, then read like one we opened.  Nothing is registered or
 * sized (no privilege is left for that): the kernel has been queueing into
 * it all along.  drops_raw: its drop counter as the old image last read
 * it, so that drops in between are counted once.  The family's id is
 * asked on a socket of its own: an answer on this one would be read
 * among the exit records.
 */
struct listener *
listener_adopt(const char *cpumask, int fd, uint32_t drops_raw, char *err,
    size_t errlen)
{
	struct listener	*l;
	struct nl_sock	*tmp = NULL;
	int		 r;

	if (upgrade_fd_socket(fd, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, err,
	    errlen) == -1)
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->cpumask = strdup(cpumask)) == NULL ||
	    (l->sk = nl_socket_alloc()) == NULL ||
	    (tmp = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	nl_socket_disable_seq_check(l->sk);
	if ((r = nl_socket_set_fd(l->sk, NETLINK_GENERIC, fd)) < 0) {
		snprintf(err, errlen, "handed socket %d: %s", fd,
		    nl_geterror(r));
		goto fail;
	}
	if ((r = genl_connect(tmp)) < 0 ||
	    (r = genl_ctrl_resolve(tmp, TS_FAMILY_NAME)) < 0) {
		snprintf(err, errlen, "resolving the TASKSTATS family: %s",
		    nl_geterror(r));
		goto fail;
	}
	l->family = r;
	l->fd = fd;
	if ((r = nl_socket_set_nonblocking(l->sk)) < 0) {
		snprintf(err, errlen, "non-blocking socket: %s",
		    nl_geterror(r));
		goto fail;
	}
	l->rcvbuf = nlsock_rcvbuf(fd);
	l->drops_raw = upgrade_drops_base(fd, drops_raw);
	nl_socket_free(tmp);
	listener_init_iov(l);
	return l;
fail:
	if (tmp != NULL)
		nl_socket_free(tmp);
	if (l != NULL && l->sk == NULL)
		close(fd);
	listener_close(l);
	return NULL;
}

/* The drop counter as last read: the next image goes on from it. */
uint32_t
listener_drops_raw(const struct listener *l)
{
	return l->drops_raw;
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->sk != NULL)
		nl_socket_free(l->sk);
	free(l->cpumask);
	free(l);
}

int
listener_fd(const struct listener *l)
{
	return l->fd;
}

const char *
listener_cpus(const struct listener *l)
{
	return l->cpumask;
}

int
listener_rcvbuf(const struct listener *l)
{
	return l->rcvbuf;
}

const struct listener_stats *
listener_stats(const struct listener *l)
{
	return &l->stats;
}

void
listener_set_ident(struct listener *l, listener_ident_fn *fn, void *arg)
{
	l->ident_fn = fn;
	l->ident_arg = arg;
}

static void
queue_loss(struct queue *q, int64_t now, const char *kind, int64_t records,
    const char *detail)
{
	struct qitem	*it;

	if ((it = queue_reserve(q, 0)) == NULL)
		return;
	it->type = QI_LOSS;
	it->ident = NULL;
	it->recv_time = now;
	it->loss.kind = kind;
	it->loss.records = records;
	snprintf(it->loss.detail, sizeof(it->loss.detail), "%s",
	    detail ? detail : "");
	queue_commit(q);
}

/*
 * Queue the records of one decoded message, both or neither.  A refusal
 * counts one lost message (task exit), the unit of the kernel's drop counter.
 */
static void
listener_queue_records(struct listener *l, struct queue *q,
    const struct ts_decoded *d, int64_t now)
{
	struct qitem	*it;
	struct ident	*id[TS_MSG_RECORDS_MAX] = { NULL };
	int8_t		 src[TS_MSG_RECORDS_MAX] = { -1, -1 };
	int		 i;

	if (queue_free_slots(q) < (size_t)d->nrec + LISTENER_LOSS_HEADROOM) {
		l->stats.refused++;
		return;
	}
	if (l->ident_fn != NULL)
		l->ident_fn(l->ident_arg, d, id, src);
	for (i = 0; i < d->nrec; i++) {
		it = queue_reserve(q, 0);
		it->type = QI_RECORD;
		it->ident = id[i];
		it->ident_src = src[i];
		it->recv_time = now;
		it->rec = d->rec[i];
		queue_commit(q);
	}
	l->stats.records += (uint64_t)d->nrec;
}

/*
 * One NLMSG_ERROR message: an ACK (error 0) or an error, answering the
 * request whose header it quotes.  The kernel's codes are 0 or -errno.
 */
static void
parse_error(const uint8_t *p, size_t len, uint32_t ack_seq,
    struct listener_parsed *pd)
{
	struct nlmsgerr	 e;

	pd->errors++;
	if (len < NLMSG_LENGTH(sizeof(e))) {
		pd->malformed++;
		pd->why = "netlink error message too short";
		return;
	}
	memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
	if (e.error > 0 || e.error < -LISTENER_ERRNO_MAX) {
		pd->malformed++;
		pd->why = "netlink error code out of range";
		return;
	}
	if (ack_seq != 0 && e.msg.nlmsg_seq == ack_seq)
		pd->ack_err = -e.error;
}

/* One netlink message of len bytes (a whole nlmsg_len) at p. */
static void
parse_message(const uint8_t *p, size_t len, uint16_t family,
    uint32_t ack_seq, struct listener_parsed *pd, listener_records_fn *fn,
    void *arg)
{
	struct nlmsghdr		 nlh;
	struct ts_decoded	 d;
	const char		*why = NULL;

	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_type == NLMSG_ERROR) {
		parse_error(p, len, ack_seq, pd);
		return;
	}
	if (nlh.nlmsg_type < NLMSG_MIN_TYPE) {
		pd->control++;	/* NOOP, DONE, OVERRUN: nothing to keep */
		return;
	}
	pd->messages++;
	if (ts_decode_msg(p, len, family, &d, &why) == -1) {
		pd->malformed++;
		pd->why = why;
		return;
	}
	pd->unknown_attrs += (uint32_t)d.unknown_attrs;
	pd->cut_tails += (uint32_t)d.cut_tails;
	pd->records += (uint32_t)d.nrec;
	fn(arg, &d);
}

struct parse_ctx {
	uint16_t		 family;
	uint32_t		 ack_seq;
	struct listener_parsed	*pd;
	listener_records_fn	*fn;
	void			*arg;
};

static void
parse_walked(void *arg, const uint8_t *p, size_t len)
{
	struct parse_ctx	*c = arg;

	parse_message(p, len, c->family, c->ack_seq, c->pd, c->fn, c->arg);
}

/*
 * Parse one datagram as read from the socket: every netlink message in
 * it, each bounded by the datagram (nlsock_walk()).  Decoded exit records
 * go to fn, one call per message; an ACK or error answering ack_seq (when
 * non-zero) sets pd->ack_err; the rest is counted in pd.  Reads nothing
 * outside buf[0..len).
 */
void
listener_parse(const uint8_t *buf, size_t len, uint16_t family,
    uint32_t ack_seq, struct listener_parsed *pd, listener_records_fn *fn,
    void *arg)
{
	struct parse_ctx	 c = { family, ack_seq, pd, fn, arg };
	const char		*why;

	memset(pd, 0, sizeof(*pd));
	pd->ack_err = -1;
	if ((why = nlsock_walk(buf, len, parse_walked, &c)) != NULL) {
		pd->malformed++;
		pd->why = why;
	}
}

struct datagram_ctx {
	struct listener	*l;
	struct queue	*q;
	int64_t		 now;
};

static void
datagram_records(void *arg, const struct ts_decoded *d)
{
	struct datagram_ctx	*c = arg;

	if (d->cut_tails > 0)
		log_rate_warnx(&c->l->rate_malformed, "struct taskstats "
		    "version %u is longer than %d bytes: its unknown tail is "
		    "cut", d->rec[0].version, TS_PAYLOAD_MAX);
	listener_queue_records(c->l, c->q, d, c->now);
}

/* Parse one datagram, queue its records and count the rest. */
static void
listener_datagram(struct listener *l, struct queue *q, const uint8_t *buf,
    size_t len, int64_t now, uint32_t ack_seq, int *ack_err)
{
	struct datagram_ctx	 c = { l, q, now };
	struct listener_parsed	 pd;

	listener_parse(buf, len, (uint16_t)l->family, ack_seq, &pd,
	    datagram_records, &c);
	l->stats.messages += pd.messages;
	l->stats.unknown_attrs += pd.unknown_attrs;
	if (pd.ack_err != -1)
		*ack_err = pd.ack_err;
	if (pd.malformed > 0) {
		l->stats.malformed += pd.malformed;
		l->last_why = pd.why;
		log_rate_warnx(&l->rate_malformed, "malformed netlink "
		    "datagram (%zu bytes): %s", len, pd.why);
	}
}

/* Read one batch; returns messages read, 0 on EAGAIN, -1 on error. */
static int
listener_read(struct listener *l, struct queue *q, uint32_t ack_seq,
    int *ack_err)
{
	int64_t		 now;
	int		 i, n;

	n = nlsock_recv(l->fd, l->msgs, l->from, LISTENER_BATCH);
	if (n == -1) {
		if (errno == ENOBUFS) {
			/* Overrun; the drop counter has the exact count. */
			l->stats.enobufs++;
			queue_loss(q, now_real_us(), "enobufs", -1,
			    "receive buffer overrun reported");
			return 1;
		}
		return -1;
	}
	now = now_real_us();
	for (i = 0; i < n; i++) {
		struct msghdr *mh = &l->msgs[i].msg_hdr;

		if (mh->msg_flags & MSG_TRUNC) {
			l->stats.truncated++;
			l->stats.malformed++;
			l->last_why = "datagram truncated";
			log_rate_warnx(&l->rate_malformed, "netlink datagram "
			    "larger than %d bytes, truncated", LISTENER_BUFSZ);
			continue;
		}
		if (!nlsock_from_kernel(mh, &l->from[i])) {
			l->stats.foreign++;
			log_rate_warnx(&l->rate_foreign, "ignored a netlink "
			    "message from port %u, not the kernel",
			    l->from[i].nl_pid);
			continue;
		}
		listener_datagram(l, q, l->bufs[i], l->msgs[i].msg_len, now,
		    ack_seq, ack_err);
	}
	return n;
}

/* Room in the queue for a whole batch of PID+TGID messages, and losses. */
static int
queue_has_room(struct queue *q)
{
	return queue_free_slots(q) >= 2 * LISTENER_BATCH +
	    LISTENER_LOSS_HEADROOM;
}

/*
 * Read until EAGAIN, or until the queue has no room for a whole batch
 * (DRAIN_BLOCKED: the kernel's buffer holds the rest, and anything it must
 * drop is counted).  *records gets how many records were queued.
 */
enum drain_result
listener_drain(struct listener *l, struct queue *q, size_t *records)
{
	uint64_t		 before = l->stats.records;
	enum drain_result	 res = DRAIN_EMPTY;
	int			 n, dummy = 0;

	for (;;) {
		if (!queue_has_room(q)) {
			res = DRAIN_BLOCKED;
			break;
		}
		if ((n = listener_read(l, q, 0, &dummy)) == 0)
			break;
		if (n == -1) {
			log_rate_warnx(&l->rate_recv, "netlink receive: %s",
			    strerror(errno));
			res = DRAIN_ERROR;
			break;
		}
	}
	listener_note_losses(l, q);
	queue_publish(q);
	*records = (size_t)(l->stats.records - before);
	return res;
}

static void
note_counter(struct queue *q, int64_t now, uint64_t total, uint64_t *seen,
    const char *kind, const char *detail)
{
	if (total == *seen || queue_free_slots(q) == 0)
		return;
	queue_loss(q, now, kind, (int64_t)(total - *seen), detail);
	*seen = total;
}

/*
 * Queue a loss for each counter that grew since the last call: the kernel's
 * exact drop counter, queue refusals, malformed and foreign messages.
 */
void
listener_note_losses(struct listener *l, struct queue *q)
{
	int64_t		 now = now_real_us();
	char		 detail[64];

	l->stats.drops += nlsock_new_drops(l->fd, &l->drops_raw);
	if (l->stats.drops != l->drops_seen) {
		snprintf(detail, sizeof(detail), "socket drop counter, cpus %s",
		    l->cpumask);
		log_rate_warnx(&l->rate_drop, "the kernel dropped %llu exit "
		    "messages "
		    "(receive buffer full)",
		    (unsigned long long)(l->stats.drops - l->drops_seen));
		note_counter(q, now, l->stats.drops, &l->drops_seen,
		    "kernel_drop", detail);
	}
	if (l->stats.refused != l->refused_seen)
		log_rate_warnx(&l->rate_refused, "queue full: %llu exit "
		    "messages refused",
		    (unsigned long long)(l->stats.refused - l->refused_seen));
	note_counter(q, now, l->stats.refused, &l->refused_seen, "queue_full",
	    "writer queue full");
	note_counter(q, now, l->stats.malformed, &l->malformed_seen,
	    "malformed", l->last_why);
	note_counter(q, now, l->stats.foreign, &l->foreign_seen, "foreign",
	    "messages not from the kernel, ignored");
}

/* Send a cpumask (de)registration asking for an answer; *seq gets its seq. */
static int
listener_send(struct listener *l, int attr, uint32_t *seq, char *err,
    size_t errlen)
{
	struct nl_msg	*msg;
	int		 r;

	if ((msg = nlmsg_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, l->family, 0,
	    NLM_F_ACK, TS_CMD_GET, TS_GENL_VERSION) == NULL ||
	    nla_put_string(msg, attr, l->cpumask) < 0) {
		nlmsg_free(msg);
		snprintf(err, errlen, "cannot build the request");
		return -1;
	}
	r = nl_send_auto(l->sk, msg);
	*seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (r < 0) {
		snprintf(err, errlen, "send: %s", nl_geterror(r));
		return -1;
	}
	return 0;
}

/*
 * Register and wait for the kernel's answer.  Exit records may arrive
 * before it: they are queued like any other.
 */
int
listener_register(struct listener *l, struct queue *q, char *err,
    size_t errlen)
{
	struct pollfd	 pfd = { .fd = l->fd, .events = POLLIN };
	uint32_t	 seq;
	int		 ack = -1, waited = 0;

	if (listener_send(l, TS_CMD_ATTR_REGISTER_CPUMASK, &seq, err,
	    errlen) == -1)
		return -1;
	while (ack == -1 && waited < LISTENER_ACK_TIMEOUT_MS) {
		if (poll(&pfd, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		if (listener_read(l, q, seq, &ack) == -1) {
			snprintf(err, errlen, "receive: %s", strerror(errno));
			return -1;
		}
	}
	queue_publish(q);
	if (ack == -1) {
		snprintf(err, errlen, "no answer from the kernel");
		return -1;
	}
	if (ack != 0) {
		snprintf(err, errlen, "%s", strerror(ack));
		errno = ack;
		return -1;
	}
	return 0;
}

/*
 * The orderly stop: read what the kernel has queued, deregister, and read
 * on past the kernel's answer to EAGAIN.  While the queue has no room the
 * writer is given time, until deadline_ms (monotonic); after it, what is
 * still in the socket is read and counted as refused, never dropped
 * silently.  Draining before deregistering also leaves room in the receive
 * buffer for the answer.
 */
void
listener_stop(struct listener *l, struct queue *q, int64_t deadline_ms)
{
	struct pollfd	 pfd = { .fd = l->fd, .events = POLLIN };
	struct timespec	 nap = { 0, 5 * 1000000L };
	char		 err[128];
	uint32_t	 seq = 0;
	int		 n, ack = -1, sent = 0, late;

	for (;;) {
		late = now_mono_ms() >= deadline_ms;
		if (!late && !queue_has_room(q)) {
			queue_publish(q);
			nanosleep(&nap, NULL);
			continue;
		}
		if ((n = listener_read(l, q, seq, &ack)) == -1) {
			log_warn("netlink receive while stopping");
			break;
		}
		queue_publish(q);
		if (!sent && (n == 0 || late)) {
			if (listener_send(l, TS_CMD_ATTR_DEREGISTER_CPUMASK,
			    &seq, err, sizeof(err)) == -1) {
				log_warnx("deregistering cpus %s: %s",
				    l->cpumask, err);
				break;
			}
			sent = 1;
			continue;
		}
		if (n > 0)
			continue;
		if (ack != -1)
			break;
		if (late) {
			log_warnx("deregistering cpus %s: no answer from the "
			    "kernel", l->cpumask);
			break;
		}
		poll(&pfd, 1, 10);
	}
	/*
	 * Without CAP_NET_ADMIN (the daemon dropped root) the kernel refuses
	 * to deregister; closing the socket does it instead: the kernel drops
	 * a listener whose socket is gone at its next exit on those CPUs.  The
	 * drain above still ended at the first EAGAIN after the answer.
	 */
	if (ack == EPERM)
		log_debug("deregistering cpus %s: %s (no privilege left); "
		    "closing the socket deregisters it", l->cpumask,
		    strerror(ack));
	else if (ack > 0)
		log_warnx("deregistering cpus %s: %s", l->cpumask,
		    strerror(ack));
	if (l->stats.refused > l->refused_seen)
		log_warnx("stopped before the writer caught up: %llu exit "
		    "messages refused", (unsigned long long)
		    (l->stats.refused - l->refused_seen));
	listener_note_losses(l, q);
	queue_publish(q);
}

/* Log what the rate limiters held back. */
void
listener_flush_logs(struct listener *l)
{
	log_rate_flush(&l->rate_drop);
	log_rate_flush(&l->rate_refused);
	log_rate_flush(&l->rate_malformed);
	log_rate_flush(&l->rate_foreign);
	log_rate_flush(&l->rate_recv);
}
