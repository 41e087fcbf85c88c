/*
 * floor.c: the benchmark's floor, the cheapest TASKSTATS listener there is.
 *
 * It resolves the family with libnl-genl, registers a CPU list (all
 * possible CPUs by default), sizes its receive buffer as taskacctd does
 * (32 MiB, SO_RCVBUFFORCE) and then only counts messages: a blocking recv()
 * per message, or with -b a drain with recvmmsg() every 10 ms after poll()
 * says data waits.  No decoding, no storage: what any listener must pay.
 * On SIGTERM or SIGINT it deregisters, counts what the kernel had queued up
 * to its answer, and prints one line of key=value: messages received, the
 * socket's drop counter (SO_MEMINFO) and its own CPU time (getrusage).
 *
 * With -p it also writes the pid of every message (the AGGR_PID nest's
 * PID), a witness the storm test compares with what taskacctd stored; that
 * parsing is off the floor's measured path unless asked for.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "taskstats_proto.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO	55
#endif
#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif

#define FLOOR_RCVBUF		(32 << 20)	/* taskacctd's default */
#define FLOOR_BUFSZ		8192		/* one datagram */
#define FLOOR_BATCH		64		/* datagrams per recvmmsg */
#define FLOOR_DRAIN_MS		10		/* -b: sleep between drains */
#define FLOOR_WAKE_MS		100		/* to notice a signal */
#define FLOOR_ACK_TIMEOUT_MS	2000
#define FLOOR_CPULIST_MAX	4096

struct floor {
	struct nl_sock	*sk;
	int		 fd;
	int		 family;
	int		 rcvbuf;
	const char	*cpus;
	FILE		*pids;		/* -p, or NULL */
	uint64_t	 messages;	/* TASKSTATS messages */
	uint64_t	 other;		/* acks and anything else */
	uint64_t	 errors;	/* failed receives other than EAGAIN */
	uint32_t	 ack_seq;	/* awaited answer, or 0 */
	int		 ack_err;	/* its error, -1 until it came */
	struct mmsghdr	 msgs[FLOOR_BATCH];
	struct iovec	 iov[FLOOR_BATCH];
	uint8_t		 bufs[FLOOR_BATCH][FLOOR_BUFSZ];
};

static volatile sig_atomic_t	 stopping;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: floor [-b] [-c CPULIST] [-p PIDFILE]\n"
	    "Counts TASKSTATS exit messages until SIGTERM or SIGINT, then "
	    "prints\nmessages, drops and its own CPU time as key=value.\n\n"
	    "  -b          batched: poll, then recvmmsg until empty, every "
	    "%d ms\n"
	    "  -c CPULIST  CPUs to register (default: all possible)\n"
	    "  -p PIDFILE  write each message's pid, one per line\n",
	    FLOOR_DRAIN_MS);
	exit(status);
}

static void __attribute__((noreturn))
fatalx(const char *what, const char *why)
{
	fprintf(stderr, "floor: %s: %s\n", what, why);
	exit(1);
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The message's first AGGR_PID nest's PID, or -1. */
static long
msg_pid(const uint8_t *p, size_t len)
{
	const struct nlattr	*a, *n;
	size_t			 off, noff;
	uint32_t		 pid;

	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= len;
	    off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(p + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return -1;
		if ((a->nla_type & NLA_TYPE_MASK) != TS_TYPE_AGGR_PID)
			continue;
		for (noff = NLA_HDRLEN; noff + NLA_HDRLEN <= a->nla_len;
		    noff += NLA_ALIGN(n->nla_len)) {
			n = (const struct nlattr *)((const uint8_t *)a + noff);
			if (n->nla_len < NLA_HDRLEN ||
			    n->nla_len > a->nla_len - noff)
				return -1;
			if (n->nla_type == TS_TYPE_PID &&
			    n->nla_len >= NLA_HDRLEN + sizeof(pid)) {
				memcpy(&pid, (const uint8_t *)n + NLA_HDRLEN,
				    sizeof(pid));
				return (long)pid;
			}
		}
		return -1;
	}
	return -1;
}

/* Count one datagram: a TASKSTATS message, an answer, or other. */
static void
floor_datagram(struct floor *f, const uint8_t *p, size_t len)
{
	struct nlmsghdr	 h;
	struct nlmsgerr	 e;

	if (len < sizeof(h)) {
		f->other++;
		return;
	}
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_type == f->family) {
		f->messages++;
		if (f->pids != NULL)
			fprintf(f->pids, "%ld\n", msg_pid(p, len));
		return;
	}
	f->other++;
	if (h.nlmsg_type == NLMSG_ERROR && len >= NLMSG_LENGTH(sizeof(e))) {
		memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
		if (f->ack_seq != 0 && e.msg.nlmsg_seq == f->ack_seq)
			f->ack_err = -e.error;
	}
}

/* One blocking recv(): the floor.  Returns -1 on EAGAIN (the wake-up). */
static int
floor_recv_one(struct floor *f)
{
	ssize_t	 n;

	if ((n = recv(f->fd, f->bufs[0], FLOOR_BUFSZ, 0)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			f->errors++;
		return -1;
	}
	if (f->pids == NULL && n >= (ssize_t)sizeof(struct nlmsghdr) &&
	    ((struct nlmsghdr *)f->bufs[0])->nlmsg_type == f->family)
		f->messages++;	/* the bare path: no call, no copy */
	else
		floor_datagram(f, f->bufs[0], (size_t)n);
	return 0;
}

/* recvmmsg() until the socket is empty; returns datagrams read. */
static uint64_t
floor_drain(struct floor *f)
{
	uint64_t	 total = 0;
	int		 i, n;

	for (;;) {
		n = recvmmsg(f->fd, f->msgs, FLOOR_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				f->errors++;
			return total;
		}
		for (i = 0; i < n; i++)
			floor_datagram(f, f->bufs[i], f->msgs[i].msg_len);
		total += (uint64_t)n;
	}
}

static void
floor_loop_bare(struct floor *f)
{
	while (!stopping)
		floor_recv_one(f);
}

static void
floor_loop_batched(struct floor *f)
{
	struct pollfd	 pfd = { .fd = f->fd, .events = POLLIN };
	struct timespec	 nap = { 0, FLOOR_DRAIN_MS * 1000000L };

	while (!stopping) {
		if (poll(&pfd, 1, FLOOR_WAKE_MS) <= 0)
			continue;
		/* Wait while more arrive, then take them all at once. */
		while (floor_drain(f) > 0 && !stopping)
			nanosleep(&nap, NULL);
	}
}

/* Send a cpumask (de)registration asking for an answer. */
static void
floor_send(struct floor *f, int attr)
{
	struct nl_msg	*msg;
	int		 r;

	if ((msg = nlmsg_alloc()) == NULL)
		fatalx("nlmsg_alloc", "out of memory");
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, f->family, 0,
	    NLM_F_ACK, TS_CMD_GET, TS_GENL_VERSION) == NULL ||
	    nla_put_string(msg, attr, f->cpus) < 0)
		fatalx("building the request", "message too small");
	if ((r = nl_send_auto(f->sk, msg)) < 0)
		fatalx("send", nl_geterror(r));
	f->ack_seq = nlmsg_hdr(msg)->nlmsg_seq;
	f->ack_err = -1;
	nlmsg_free(msg);
}

/* Read (and count) until the kernel's answer; its error, or -1. */
static int
floor_await_ack(struct floor *f)
{
	struct pollfd	 pfd = { .fd = f->fd, .events = POLLIN };
	int		 waited = 0;

	while (f->ack_err == -1 && waited < FLOOR_ACK_TIMEOUT_MS) {
		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		floor_drain(f);
	}
	return f->ack_err;
}

static void
floor_open(struct floor *f)
{
	struct timeval	 tv = { 0, FLOOR_WAKE_MS * 1000 };
	socklen_t	 len = sizeof(f->rcvbuf);
	int		 r, want = FLOOR_RCVBUF, one = 1, i;

	if ((f->sk = nl_socket_alloc()) == NULL)
		fatalx("nl_socket_alloc", "out of memory");
	nl_socket_disable_seq_check(f->sk);
	/* Before connecting, or libnl shrinks the buffer to 32 KiB. */
	nl_socket_set_buffer_size(f->sk, want, 0);
	if ((r = genl_connect(f->sk)) < 0)
		fatalx("generic netlink socket", nl_geterror(r));
	if ((f->family = genl_ctrl_resolve(f->sk, TS_FAMILY_NAME)) < 0)
		fatalx("resolving " TS_FAMILY_NAME, nl_geterror(f->family));
	f->fd = nl_socket_get_fd(f->sk);
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
	    sizeof(want)) == -1)
		fatalx("SO_RCVBUFFORCE", strerror(errno));
	if (getsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &f->rcvbuf, &len) == -1)
		f->rcvbuf = 0;
	/* As taskacctd: drop only what does not fit; the counter says. */
	if (setsockopt(f->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one,
	    sizeof(one)) == -1)
		fatalx("NETLINK_NO_ENOBUFS", strerror(errno));
	/* A blocked recv() returns now and then to see a stop signal. */
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		fatalx("SO_RCVTIMEO", strerror(errno));
	for (i = 0; i < FLOOR_BATCH; i++) {
		f->iov[i].iov_base = f->bufs[i];
		f->iov[i].iov_len = FLOOR_BUFSZ;
		f->msgs[i].msg_hdr.msg_iov = &f->iov[i];
		f->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

static uint32_t
floor_drops(struct floor *f)
{
	uint32_t	 mem[SK_MEMINFO_VARS];
	socklen_t	 len = sizeof(mem);

	if (getsockopt(f->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == -1 ||
	    len < sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1))
		return UINT32_MAX;
	return mem[SK_MEMINFO_DROPS];
}

static long long
tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

static void
floor_report(struct floor *f, int batched)
{
	struct rusage	 ru;
	long long	 user, sys;

	getrusage(RUSAGE_SELF, &ru);
	user = tv_us(&ru.ru_utime);
	sys = tv_us(&ru.ru_stime);
	printf("floor=%s messages=%llu drops=%lu user_us=%lld sys_us=%lld "
	    "cpu_us=%lld cpu_us_per_msg=%.3f rcvbuf=%d errors=%llu\n",
	    batched ? "floor-batched" : "floor",
	    (unsigned long long)f->messages, (unsigned long)floor_drops(f),
	    user, sys, user + sys, f->messages ? (double)(user + sys) /
	    f->messages : 0.0, f->rcvbuf, (unsigned long long)f->errors);
}

/* All possible CPUs, as sysfs lists them. */
static const char *
cpus_possible(void)
{
	static char	 buf[FLOOR_CPULIST_MAX];
	FILE		*fp;

	if ((fp = fopen("/sys/devices/system/cpu/possible", "r")) == NULL ||
	    fgets(buf, sizeof(buf), fp) == NULL)
		fatalx("/sys/devices/system/cpu/possible", strerror(errno));
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int
main(int argc, char **argv)
{
	static struct floor	 f;
	struct sigaction	 sa;
	const char		*pidfile = NULL;
	int			 ch, batched = 0, r;

	while ((ch = getopt(argc, argv, "bc:p:h")) != -1) {
		switch (ch) {
		case 'b': batched = 1; break;
		case 'c': f.cpus = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (f.cpus == NULL)
		f.cpus = cpus_possible();
	if (pidfile != NULL && (f.pids = fopen(pidfile, "w")) == NULL)
		fatalx(pidfile, strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: recv() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	floor_open(&f);
	floor_send(&f, TS_CMD_ATTR_REGISTER_CPUMASK);
	if ((r = floor_await_ack(&f)) != 0)
		fatalx("registering with taskstats", r == -1 ?
		    "no answer from the kernel" : strerror(r));
	/* Ready: the caller may start its storm. */
	fprintf(stderr, "floor: listening on cpus %s\n", f.cpus);
	if (batched)
		floor_loop_batched(&f);
	else
		floor_loop_bare(&f);
	/* Everything sent before the kernel's answer is counted. */
	floor_send(&f, TS_CMD_ATTR_DEREGISTER_CPUMASK);
	if ((r = floor_await_ack(&f)) != 0)
		fprintf(stderr, "floor: deregistering: %s\n", r == -1 ?
		    "no answer from the kernel" : strerror(r));
	floor_drain(&f);
	if (f.pids != NULL && fclose(f.pids) == EOF)
		fatalx(pidfile, strerror(errno));
	floor_report(&f, batched);
	nl_socket_free(f.sk);
	return fflush(stdout) == EOF;
}
