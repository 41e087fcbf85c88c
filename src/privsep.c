/*
 * privsep.c: the privileged child, OpenBSD privsep style.  TASKSTATS_CMD_GET
 * needs CAP_NET_ADMIN at each request, but the daemon that parses kernel
 * data and writes SQLite must hold no capability once set up.  So, before
 * the daemon drops its privileges, it forks this child, which:
 *
 *  - dies with the daemon (PR_SET_PDEATHSIG, and EOF on its socket);
 *  - keeps no descriptor but its end of the socketpair, its netlink
 *    socket and /dev/null (close_range: not the database, not the exit
 *    sockets);
 *  - becomes the daemon's user (PR_SET_KEEPCAPS across setresuid), keeps
 *    CAP_NET_ADMIN alone (bounding, permitted and effective sets; no
 *    ambient, no inheritable), sets no_new_privs and is not dumpable, so
 *    the daemon (same uid) cannot ptrace it;
 *  - does only what the request table below allows: list the live
 *    threads from /proc and ask the kernel for each.
 *
 * What crosses back is the kernel's raw netlink reply per thread, not a
 * decoded struct: the child parses nothing of it (it checks only that the
 * datagram came whole from the kernel and answers its request), and the
 * unprivileged daemon validates every byte with taskget_reply() and the
 * shared decoder, the code `taskacct get` uses.  A compromised daemon can
 * at most ask for passes; a compromised kernel reply meets the daemon's
 * validation, not the privileged process.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ident.h"
#include "privsep.h"
#include "taskget.h"
#include "taskstats_proto.h"
#include "upgrade.h"

#define CHILD_HELLO_TIMEOUT_MS	5000
#define CHILD_GET_TIMEOUT_MS	1000
/*
 * A pass's messages are sent this many at a time, in one sendmmsg(2), the
 * last batch with the pass's end: the sampler thread wakes once a batch
 * (once a pass for up to ~500 threads), not once a message.  The socket's
 * send buffer is raised to hold a batch.
 */
#define CHILD_BATCH		4
#define CHILD_SNDBUF		(2 * CHILD_BATCH * PRIVSEP_MSG_MAX)

/* What the daemon accepts from the child, by kind. */
const struct privsep_reply_def privsep_replies[PRIVSEP__COUNT] = {
	[PRIVSEP_HELLO] = { "hello", sizeof(struct privsep_hello),
	    sizeof(struct privsep_hello) },
	[PRIVSEP_PASS_DATA] = { "pass data", sizeof(struct privsep_sample),
	    PRIVSEP_MSG_MAX - sizeof(struct privsep_hdr) },
	[PRIVSEP_PASS_END] = { "pass end", sizeof(struct privsep_pass_end),
	    sizeof(struct privsep_pass_end) },
	[PRIVSEP_ERROR] = { "error", sizeof(struct privsep_error),
	    sizeof(struct privsep_error) },
	[PRIVSEP_IDENT] = { "identity", sizeof(struct ident_raw_hdr),
	    IDENT_RAW_MAX },
};

struct child {
	int		 fd;		/* to the daemon */
	struct nl_sock	*sk;
	int		 nlfd;
	uint16_t	 family;
	uint32_t	 nl_seq;
	int		 nout;		/* messages full in out[] */
	size_t		 full[CHILD_BATCH]; /* their lengths */
	size_t		 outlen;	/* bytes in out[nout] */
	struct privsep_hdr hdr[CHILD_BATCH + 1];
	uint8_t		 out[CHILD_BATCH][PRIVSEP_MSG_MAX - sizeof(struct privsep_hdr)]
			    __attribute__((aligned(8)));
	uint8_t		 nlbuf[TASKGET_BUFSZ] __attribute__((aligned(8)));
};

struct child_handler {
	uint16_t	 kind;
	const char	*name;
	uint32_t	 arglen;	/* exact argument bytes */
	int		 (*fn)(struct child *, const struct privsep_hdr *,
			    const void *);
};

static int	child_pass(struct child *, const struct privsep_hdr *,
		    const void *);

/* The requests the child serves: nothing else. */
static const struct child_handler child_handlers[] = {
	{ PRIVSEP_REQ_PASS, "pass", 0, child_pass },
};

/* Send one message: header and payload in one datagram. */
int
privsep_request(int fd, uint16_t kind, uint32_t seq, const void *p,
    uint32_t len)
{
	struct privsep_hdr	 h = { kind, 0, seq, len, 0 };
	struct iovec		 iov[2] = { { &h, sizeof(h) },
				    { (void *)(uintptr_t)p, len } };
	struct msghdr		 mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t			 n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)(sizeof(h) + len))
		return -1;
	return 0;
}

/*
 * Check one message received from the child: its header, and the length
 * of its payload against its kind.  0 with *h filled, or -1 and *why.
 */
int
privsep_check(const void *buf, size_t n, struct privsep_hdr *h,
    const char **why)
{
	const struct privsep_reply_def	*d;

	if (n < sizeof(*h)) {
		*why = "message shorter than its header";
		return -1;
	}
	memcpy(h, buf, sizeof(*h));
	if (h->len != n - sizeof(*h) || h->flags != 0 || h->pad != 0) {
		*why = "message header does not match its length";
		return -1;
	}
	if (h->kind >= PRIVSEP__COUNT ||
	    (d = &privsep_replies[h->kind])->name == NULL) {
		*why = "message of an unknown kind";
		return -1;
	}
	if (h->len < d->min || h->len > d->max) {
		*why = "message payload of a wrong length for its kind";
		return -1;
	}
	return 0;
}

/* ---- the child ---- */

static void
child_send_error(struct child *c, const struct privsep_hdr *req, int e)
{
	struct privsep_error	 pe = { e, 0 };

	if (privsep_request(c->fd, PRIVSEP_ERROR, req->seq, &pe,
	    sizeof(pe)) == -1)
		_exit(0);
}

/*
 * Send the messages in out[] (nout full ones, then the one being filled
 * if it holds anything), and the pass's end e if not NULL, in one
 * sendmmsg(2).
 */
static void
child_send(struct child *c, uint32_t seq, const struct privsep_pass_end *e)
{
	struct iovec	 iov[CHILD_BATCH + 1][2];
	struct mmsghdr	 mm[CHILD_BATCH + 1];
	size_t		 len;
	int		 i, n = 0, sent = 0, r;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i <= c->nout && i < CHILD_BATCH; i++) {
		if ((len = i < c->nout ? c->full[i] : c->outlen) == 0)
			continue;
		c->hdr[n] = (struct privsep_hdr){ PRIVSEP_PASS_DATA, 0, seq,
		    (uint32_t)len, 0 };
		iov[n][0] = (struct iovec){ &c->hdr[n], sizeof(c->hdr[n]) };
		iov[n][1] = (struct iovec){ c->out[i], len };
		n++;
	}
	if (e != NULL) {
		c->hdr[n] = (struct privsep_hdr){ PRIVSEP_PASS_END, 0, seq,
		    sizeof(*e), 0 };
		iov[n][0] = (struct iovec){ &c->hdr[n], sizeof(c->hdr[n]) };
		iov[n][1] = (struct iovec){ (void *)(uintptr_t)e, sizeof(*e) };
		n++;
	}
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 2;
	}
	while (sent < n) {
		if ((r = sendmmsg(c->fd, &mm[sent], (unsigned)(n - sent),
		    MSG_NOSIGNAL)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(0);	/* the daemon is gone */
		sent += r;
	}
	c->nout = 0;
	c->outlen = 0;
}

/*
 * Ask the kernel for thread tid and read its answer: 0 with the datagram
 * in c->nlbuf (*len bytes), -1 if none came whole.  The request is built
 * by hand: four fixed headers, no parsing.
 */
static int
child_get(struct child *c, uint32_t tid, size_t *len)
{
	struct {
		struct nlmsghdr		 n;
		struct genlmsghdr	 g;
		struct nlattr		 a;
		uint32_t		 pid;
	} req;
	struct pollfd		 pfd = { .fd = c->nlfd, .events = POLLIN };
	struct sockaddr_nl	 from;
	struct iovec		 iov = { c->nlbuf, sizeof(c->nlbuf) };
	struct msghdr		 mh;
	struct nlmsghdr		 nh;
	ssize_t			 n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = c->family;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = ++c->nl_seq;
	req.g.cmd = TS_CMD_GET;
	req.g.version = TS_GENL_VERSION;
	req.a.nla_len = NLA_HDRLEN + sizeof(uint32_t);
	req.a.nla_type = TS_CMD_ATTR_PID;
	req.pid = tid;
	if (send(c->nlfd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(c->nlfd, &mh, MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			if (poll(&pfd, 1, CHILD_GET_TIMEOUT_MS) == 0)
				return -1;
			continue;
		}
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0 ||
		    (mh.msg_flags & MSG_TRUNC) || (size_t)n < sizeof(nh))
			continue;
		memcpy(&nh, c->nlbuf, sizeof(nh));
		if (nh.nlmsg_seq != c->nl_seq)
			continue;	/* a late answer to an earlier GET */
		*len = (size_t)n;
		return 0;
	}
}

/* Ask for one thread and append the answer to the message being built. */
static int
child_sample(struct child *c, uint32_t seq, uint32_t tgid, uint32_t tid)
{
	struct privsep_sample	 s;
	struct timespec		 ts;
	uint8_t			*o;
	size_t			 len, need;

	if (child_get(c, tid, &len) == -1)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	need = sizeof(s) + PRIVSEP_ALIGN(len);
	if (c->outlen + need > sizeof(c->out[0])) {
		c->full[c->nout++] = c->outlen;
		c->outlen = 0;
		if (c->nout == CHILD_BATCH)
			child_send(c, seq, NULL);
	}
	o = c->out[c->nout] + c->outlen;
	s.tid = tid;
	s.tgid = tgid;
	s.time = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	s.nl_seq = c->nl_seq;
	s.nl_len = (uint32_t)len;
	memcpy(o, &s, sizeof(s));
	memcpy(o + sizeof(s), c->nlbuf, len);
	memset(o + sizeof(s) + len, 0, PRIVSEP_ALIGN(len) - len);
	c->outlen += need;
	return 0;
}

static uint32_t
name_id(const char *s)
{
	char		*end;
	unsigned long	 v;

	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' || v > INT_MAX ? 0 : (uint32_t)v;
}

static int64_t
self_cpu_us(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/*
 * A pass: every thread of every process in /proc, asked one by one.  A
 * thread that is gone by its GET gets the kernel's ESRCH forwarded like
 * any answer; the daemon counts it.
 */
static int
child_pass(struct child *c, const struct privsep_hdr *req, const void *arg)
{
	struct privsep_pass_end	 end = { 0, 0, 0 };
	struct dirent		*de, *te;
	DIR			*proc, *task;
	char			 path[32];
	int64_t			 cpu0 = self_cpu_us();
	uint32_t		 tgid, tid;
	int			 fd;

	(void)arg;
	if ((proc = opendir("/proc")) == NULL) {
		child_send_error(c, req, errno);
		return 0;
	}
	c->nout = 0;
	c->outlen = 0;
	while ((de = readdir(proc)) != NULL) {
		if ((tgid = name_id(de->d_name)) == 0)
			continue;
		snprintf(path, sizeof(path), "%u/task", tgid);
		if ((fd = openat(dirfd(proc), path, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			continue;	/* gone */
		if ((task = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		while ((te = readdir(task)) != NULL) {
			if ((tid = name_id(te->d_name)) == 0)
				continue;
			end.listed++;
			if (child_sample(c, req->seq, tgid, tid) == -1)
				end.failed++;
		}
		closedir(task);
	}
	closedir(proc);
	end.cpu_us = self_cpu_us() - cpu0;
	child_send(c, req->seq, &end);
	return 0;
}

static int
cap_last(void)
{
	FILE	*fp;
	int	 v = CAP_LAST_CAP;

	if ((fp = fopen("/proc/sys/kernel/cap_last_cap", "re")) != NULL) {
		if (fscanf(fp, "%d", &v) != 1 || v < 0 || v > 63)
			v = CAP_LAST_CAP;
		fclose(fp);
	}
	return v;
}

/*
 * Keep capability keep alone, as the daemon's user (a privileged child:
 * this one, or src/identpriv.c's).  Started as another user with ambient
 * capabilities, the bounding set cannot be lowered (no CAP_SETPCAP): the
 * effective and permitted sets still are.
 */
int
privsep_child_drop(const struct privdrop_user *pu, int keep, char *why,
    size_t whylen)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	int				cap, last = cap_last(), i;

	for (cap = 0; cap <= last; cap++)
		if (cap != keep &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL && errno != EPERM) {
			snprintf(why, whylen, "PR_CAPBSET_DROP: %s",
			    strerror(errno));
			return -1;
		}
	if (pu != NULL && pu->uid != 0) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
		    setgroups(1, &pu->gid) == -1 ||
		    setresgid(pu->gid, pu->gid, pu->gid) == -1 ||
		    setresuid(pu->uid, pu->uid, pu->uid) == -1) {
			snprintf(why, whylen, "becoming user %s: %s", pu->name,
			    strerror(errno));
			return -1;
		}
	}
	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(keep)].effective =
	    data[CAP_TO_INDEX(keep)].permitted = CAP_TO_MASK(keep);
	if (syscall(SYS_capset, &hdr, data) == -1) {
		snprintf(why, whylen, "capset %d: %s", keep, strerror(errno));
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		snprintf(why, whylen, "prctl: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_capget, &hdr, data) == -1) {
		snprintf(why, whylen, "capget: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		uint32_t want = i == CAP_TO_INDEX(keep) ?
		    CAP_TO_MASK(keep) : 0;

		if (data[i].effective != want || data[i].permitted != want ||
		    data[i].inheritable != 0) {
			snprintf(why, whylen, "capabilities other than "
			    "%d left", keep);
			return -1;
		}
	}
	return 0;
}

/* Descriptors: the socket to the daemon as 3, /dev/null as 0-2, no more. */
int
privsep_child_fds(int sock)
{
	int	 null;
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((null = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(null, 2) == -1)
		return -1;
	if (sock != 3 && dup2(sock, 3) == -1)
		return -1;
	if (syscall(SYS_close_range, 4U, ~0U, 0) == -1)
		return -1;
	return 3;
}

static int
child_open(struct child *c, char *why, size_t whylen)
{
	int	 fam;

	if ((c->sk = nl_socket_alloc()) == NULL ||
	    genl_connect(c->sk) < 0) {
		snprintf(why, whylen, "generic netlink socket");
		return -1;
	}
	if ((fam = genl_ctrl_resolve(c->sk, TS_FAMILY_NAME)) < 0) {
		snprintf(why, whylen, "no TASKSTATS generic netlink family");
		return -1;
	}
	c->family = (uint16_t)fam;
	c->nlfd = nl_socket_get_fd(c->sk);
	return 0;
}

static const struct child_handler *
child_handler(uint16_t kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(child_handlers) / sizeof(child_handlers[0]);
	    i++)
		if (child_handlers[i].kind == kind)
			return &child_handlers[i];
	return NULL;
}

/* Serve requests until the daemon closes its end (or dies). */
static void __attribute__((noreturn))
child_main(int sock, pid_t daemon, const struct privdrop_user *pu)
{
	static struct child	 c;
	struct privsep_hello	 hello;
	struct privsep_hdr	 h;
	const struct child_handler *hd;
	uint8_t			 buf[256];
	ssize_t			 n;

	memset(&hello, 0, sizeof(hello));
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != daemon)
		_exit(1);
	prctl(PR_SET_NAME, "taskacctd-priv", 0, 0, 0);
	if ((c.fd = privsep_child_fds(sock)) == -1)
		_exit(1);
	/* Room for a batch (CAP_NET_ADMIN passes wmem_max); else it waits. */
	if (setsockopt(c.fd, SOL_SOCKET, SO_SNDBUFFORCE, &(int){ CHILD_SNDBUF },
	    sizeof(int)) == -1)
		(void)setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF,
		    &(int){ CHILD_SNDBUF }, sizeof(int));
	if (child_open(&c, hello.why, sizeof(hello.why)) == -1 ||
	    privsep_child_drop(pu, CAP_NET_ADMIN, hello.why,
	    sizeof(hello.why)) == -1)
		hello.error = errno != 0 ? errno : EPERM;
	hello.family = c.family;
	if (privsep_request(c.fd, PRIVSEP_HELLO, 0, &hello,
	    sizeof(hello)) == -1 || hello.error != 0)
		_exit(1);
	for (;;) {
		n = recv(c.fd, buf, sizeof(buf), 0);
		if (n == 0 || (n == -1 && errno != EINTR))
			_exit(0);	/* the daemon is gone */
		if (n == -1)
			continue;
		if ((size_t)n < sizeof(h))
			_exit(1);
		memcpy(&h, buf, sizeof(h));
		if (h.len != (size_t)n - sizeof(h) ||
		    (hd = child_handler(h.kind)) == NULL ||
		    h.len != hd->arglen) {
			child_send_error(&c, &h, EINVAL);
			continue;
		}
		hd->fn(&c, &h, buf + sizeof(h));
	}
}

/*
 * Fork the child; called as root (or with CAP_NET_ADMIN) before the
 * daemon drops its privileges, with no other thread running.  pu: the
 * user the child becomes (NULL or root: stays root, still with
 * CAP_NET_ADMIN alone).  Waits for the child's hello.
 */
int
privsep_start(const struct privdrop_user *pu, struct privsep_child *pc,
    char *err, size_t errlen)
{
	struct privsep_hello	 hello;
	struct privsep_hdr	 h;
	struct pollfd		 pfd;
	uint8_t			 buf[sizeof(h) + sizeof(hello)];
	const char		*why;
	pid_t			 self = getpid();
	ssize_t			 n;
	int			 sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((pc->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pc->pid == 0)
		child_main(sv[1], self, pu);
	close(sv[1]);
	pc->fd = sv[0];
	pfd.fd = pc->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, CHILD_HELLO_TIMEOUT_MS) != 1 ||
	    (n = recv(pc->fd, buf, sizeof(buf), 0)) <= 0) {
		snprintf(err, errlen, "the privileged child did not start");
		goto fail;
	}
	if (privsep_check(buf, (size_t)n, &h, &why) == -1 ||
	    h.kind != PRIVSEP_HELLO) {
		snprintf(err, errlen, "privileged child: %s",
		    h.kind != PRIVSEP_HELLO ? "no hello" : why);
		goto fail;
	}
	memcpy(&hello, buf + sizeof(h), sizeof(hello));
	hello.why[sizeof(hello.why) - 1] = '\0';
	for (n = 0; hello.why[n] != '\0'; n++)
		if (hello.why[n] < ' ' || hello.why[n] > '~')
			hello.why[n] = '?';	/* for the log */
	if (hello.error != 0) {
		snprintf(err, errlen, "privileged child: %.*s", 100,
		    hello.why);
		goto fail;
	}
	pc->family = hello.family;
	return 0;
fail:
	close(pc->fd);
	pc->fd = -1;
	return -1;
}

/* The parent of pid, from /proc/PID/stat; -1 if unknown. */
static pid_t
parent_of(pid_t pid)
{
	char	 path[64], buf[512], *p;
	long	 ppid;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid": comm may hold anything but ends at ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/*
 * The child the image before an upgrade started (src/upgrade.c): an exec
 * in place keeps the PID, so it is still our child, its socketpair end
 * handed over as fd.  Both are checked before use.
 */
int
privsep_adopt(int fd, pid_t pid, uint16_t family, struct privsep_child *pc,
    char *err, size_t errlen)
{
	if (upgrade_fd_socket(fd, AF_UNIX, SOCK_SEQPACKET, -1, err,
	    errlen) == -1)
		return -1;
	if (pid <= 1 || parent_of(pid) != getpid()) {
		snprintf(err, errlen, "the privileged child %d is not ours "
		    "(gone?)", (int)pid);
		return -1;
	}
	pc->pid = pid;
	pc->fd = fd;
	pc->family = family;
	return 0;
}

/*
 * Before an upgrade: read and discard what the child still sends for
 * request seq (a pass the sampler left), up to its end or timeout_ms, so
 * that the next image starts on a quiet socket.  -1 if it did not end.
 */
int
privsep_settle(int fd, uint32_t seq, int timeout_ms)
{
	static uint8_t		 buf[PRIVSEP_MSG_MAX];
	struct pollfd		 pfd = { .fd = fd, .events = POLLIN };
	struct privsep_hdr	 h;
	const char		*why;
	ssize_t			 n;
	int			 waited = 0;

	while (waited < timeout_ms) {
		if (poll(&pfd, 1, 10) != 1) {
			waited += 10;
			continue;
		}
		if ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) <= 0)
			return n == -1 && errno == EAGAIN ? 0 : -1;
		if (privsep_check(buf, (size_t)n, &h, &why) == 0 &&
		    h.seq == seq && (h.kind == PRIVSEP_PASS_END ||
		    h.kind == PRIVSEP_ERROR))
			return 0;
	}
	return -1;
}
