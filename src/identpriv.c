/*
 * identpriv.c: the identity reader, a second privileged child of
 * taskacctd (src/privsep.c's pattern and protocol).  Once the recorder
 * has dropped its privileges it may not follow another user's
 * /proc/PID/exe link (that needs ptrace access), and under hidepid it may
 * not see another user's /proc/PID at all.  So, forked before the drop,
 * this child keeps CAP_SYS_PTRACE alone (which grants both: the exe
 * link's ptrace check and hidepid's) and, when the recorder asks, reads
 * /proc/PID/{cmdline,exe,stat,cgroup} with the recorder's own code
 * (ident_read_raw) and sends the bytes back unparsed.  The recorder
 * checks every byte (ident_raw_from_bytes) and parses them itself.
 *
 * The recorder reads each exec'd task itself first and asks the child
 * only for what it was refused (identpriv_read): the command line, which
 * races the task's exit, is read as fast as without the child, and tasks
 * the recorder may read (its own user's) cost no round trip.  A round
 * trip costs two cross-CPU wake-ups (measured here, 2 vCPUs at load 8,
 * tools/dev/benchidentread: 124-138 us a read through the child against
 * 35-50 us in-process, medians).  Kept on the recorder's CPU at nice -10
 * it took 53 us in that test but 0.9-1.3 ms under an exec storm, where it
 * waited behind the storm's tasks for its turn: so it runs at the event
 * loop's SCHED_FIFO 1 and wherever the kernel puts it.
 *
 * Why a child of its own rather than a request kind in the sampler's:
 * each then holds one capability (CAP_NET_ADMIN there, CAP_SYS_PTRACE
 * here), and a read, which races the task's exit, never waits behind a
 * sampling pass (a pass asks the kernel for every thread and takes
 * milliseconds).  The child:
 *
 *  - dies with the recorder (PR_SET_PDEATHSIG, and EOF on its socket);
 *  - keeps no descriptor but its socket and /dev/null;
 *  - runs as the recorder's user with CAP_SYS_PTRACE alone, no_new_privs,
 *    not dumpable (the recorder cannot ptrace it), at SCHED_FIFO 1;
 *  - serves one request: a PID (checked: 1 .. PID_MAX_LIMIT) and the
 *    --no-args flag; it opens /proc/PID and reads those four files
 *    through it, nothing else, and writes nothing but its socket.
 *
 * A compromised recorder can thus learn what `ps` as root would show of
 * a task (its arguments, executable path and cgroup), nothing more.  If
 * the child dies, answers nonsense or is stuck (late 3 times in a row),
 * the recorder says so once and reads /proc alone from then on (another
 * user's exe then reads as denied).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "ident.h"
#include "identpriv.h"
#include "log.h"
#include "privsep.h"

#define IDENTPRIV_HELLO_TIMEOUT_MS	5000
/*
 * An answer later than this: the child is stuck (a cmdline read waits for
 * the task's memory map lock, as `ps` can); that read is done here
 * without it, and the late answer skipped when it comes.
 */
#define IDENTPRIV_TIMEOUT_MS		200
/* This many late answers in a row: the child is stuck for good (stopped). */
#define IDENTPRIV_LATE_MAX		3
#define IDENTPRIV_RT_PRIO		1
#define IDENTPRIV_PID_MAX		4194304		/* PID_MAX_LIMIT */
/* Its socket holds the largest answer (a 256 KiB command line). */
#define IDENTPRIV_SNDBUF		(IDENT_RAW_MAX + 64 * 1024)

struct identpriv {
	pid_t		 pid;		/* the child; 0: gone */
	int		 fd;		/* -1: gone, reading alone */
	uint32_t	 seq;
	uint8_t		*buf;		/* an answer: IDENTPRIV_MSG bytes */
	uint64_t	 asked, answered, timeouts, taken;
	int		 late_run;	/* late answers in a row */
};
#define IDENTPRIV_MSG	(sizeof(struct privsep_hdr) + IDENT_RAW_MAX)

struct ident_handler {
	uint16_t	 kind;
	const char	*name;
	uint32_t	 arglen;	/* exact argument bytes */
	void		 (*fn)(int, const struct privsep_hdr *, const void *);
};

static void	child_ident(int, const struct privsep_hdr *, const void *);

/* The requests the identity reader serves: nothing else. */
static const struct ident_handler ident_handlers[] = {
	{ PRIVSEP_REQ_IDENT, "ident", sizeof(struct privsep_ident_req),
	    child_ident },
};

/* ---- the child ---- */

static void
child_error(int fd, uint32_t seq, int e)
{
	struct privsep_error	 pe = { e, 0 };

	if (privsep_request(fd, PRIVSEP_ERROR, seq, &pe, sizeof(pe)) == -1)
		_exit(0);
}

/* Read one task's files and send them back as they are. */
static void
child_ident(int fd, const struct privsep_hdr *req, const void *arg)
{
	static struct ident_raw		 r;
	struct privsep_ident_req	 q;
	struct privsep_hdr		 h = { PRIVSEP_IDENT, 0, req->seq, 0, 0 };
	struct iovec			 iov[2 + IDENT_PART__COUNT];
	struct msghdr			 mh = { .msg_iov = iov,
					    .msg_iovlen = 2 + IDENT_PART__COUNT };
	ssize_t				 n;
	int				 i;

	memcpy(&q, arg, sizeof(q));
	if (q.pid < 1 || q.pid > IDENTPRIV_PID_MAX ||
	    (q.flags & ~(uint32_t)IDENT_READ_NO_ARGS) != 0) {
		child_error(fd, req->seq, EINVAL);
		return;
	}
	ident_read_raw(q.pid, (int)q.flags, &r);
	h.len = sizeof(r.h);
	iov[1].iov_base = &r.h;
	iov[1].iov_len = sizeof(r.h);
	for (i = 0; i < IDENT_PART__COUNT; i++) {
		iov[2 + i].iov_base = (void *)(uintptr_t)r.part[i];
		iov[2 + i].iov_len = r.h.len[i];
		h.len += r.h.len[i];
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	ident_raw_free(&r);
	if (n == -1 && errno == EMSGSIZE)
		child_error(fd, req->seq, EMSGSIZE);
	else if (n != (ssize_t)(sizeof(h) + h.len))
		_exit(0);	/* the recorder is gone */
}

static const struct ident_handler *
child_handler(uint16_t kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(ident_handlers) / sizeof(ident_handlers[0]);
	    i++)
		if (ident_handlers[i].kind == kind)
			return &ident_handlers[i];
	return NULL;
}

/* The event loop's priority, set while still privileged (identcap.c). */
static void
child_priority(void)
{
	struct sched_param	 sp = { .sched_priority = IDENTPRIV_RT_PRIO };

	sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
}

static void __attribute__((noreturn))
child_main(int sock, pid_t daemon, const struct privdrop_user *pu)
{
	struct privsep_hello	 hello;
	struct privsep_hdr	 h;
	const struct ident_handler *hd;
	uint8_t			 buf[256];
	ssize_t			 n;
	int			 fd;

	memset(&hello, 0, sizeof(hello));
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != daemon)
		_exit(1);
	prctl(PR_SET_NAME, "taskacctd-ident", 0, 0, 0);
	if ((fd = privsep_child_fds(sock)) == -1)
		_exit(1);
	child_priority();
	if (privsep_child_drop(pu, CAP_SYS_PTRACE, hello.why,
	    sizeof(hello.why)) == -1)
		hello.error = errno != 0 ? errno : EPERM;
	if (privsep_request(fd, PRIVSEP_HELLO, 0, &hello,
	    sizeof(hello)) == -1 || hello.error != 0)
		_exit(1);
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n == -1 && errno != EINTR))
			_exit(0);	/* the recorder is gone */
		if (n == -1)
			continue;
		if ((size_t)n < sizeof(h))
			_exit(1);
		memcpy(&h, buf, sizeof(h));
		if (h.len != (size_t)n - sizeof(h) || h.flags != 0 ||
		    (hd = child_handler(h.kind)) == NULL ||
		    h.len != hd->arglen) {
			child_error(fd, h.seq, EINVAL);
			continue;
		}
		hd->fn(fd, &h, buf + sizeof(h));
	}
}

/* ---- the recorder's side ---- */

/*
 * Fork the identity reader; called privileged (root, or holding
 * CAP_SYS_PTRACE) with no other thread running, before the recorder drops
 * its privileges.  pu: the user it becomes (NULL: stays who it is, with
 * CAP_SYS_PTRACE alone).  NULL and err when it could not start.
 */
struct identpriv *
identpriv_start(const struct privdrop_user *pu, char *err, size_t errlen)
{
	struct identpriv	*ip;
	struct privsep_hello	 hello;
	struct privsep_hdr	 h;
	struct pollfd		 pfd;
	const char		*why;
	pid_t			 self = getpid();
	ssize_t			 n;
	int			 sv[2], sz = IDENTPRIV_SNDBUF;

	if ((ip = calloc(1, sizeof(*ip))) == NULL ||
	    (ip->buf = malloc(IDENTPRIV_MSG)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ip);
		return NULL;
	}
	ip->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto fail;
	}
	/* Beyond net.core.wmem_max while privileged; else as big as it goes. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz,
	    sizeof(sz)) == -1)
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if ((ip->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (ip->pid == 0)
		child_main(sv[1], self, pu);
	close(sv[1]);
	ip->fd = sv[0];
	pfd.fd = ip->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, IDENTPRIV_HELLO_TIMEOUT_MS) != 1 ||
	    (n = recv(ip->fd, ip->buf, IDENTPRIV_MSG, 0)) <= 0) {
		snprintf(err, errlen, "the identity reader did not start");
		goto fail;
	}
	if (privsep_check(ip->buf, (size_t)n, &h, &why) == -1 ||
	    h.kind != PRIVSEP_HELLO) {
		snprintf(err, errlen, "identity reader: %s",
		    h.kind != PRIVSEP_HELLO ? "no hello" : why);
		goto fail;
	}
	memcpy(&hello, ip->buf + sizeof(h), sizeof(hello));
	hello.why[sizeof(hello.why) - 1] = '\0';
	for (n = 0; hello.why[n] != '\0'; n++)
		if (hello.why[n] < ' ' || hello.why[n] > '~')
			hello.why[n] = '?';	/* for the log */
	if (hello.error != 0) {
		snprintf(err, errlen, "identity reader: %.*s", 100, hello.why);
		goto fail;
	}
	return ip;
fail:
	identpriv_close(ip);
	return NULL;
}

/* The child is gone (or talks nonsense): say so once, read alone now. */
static void
identpriv_dead(struct identpriv *ip, const char *why)
{
	int	 status = 0;
	pid_t	 r;

	close(ip->fd);
	ip->fd = -1;
	kill(ip->pid, SIGKILL);
	r = waitpid(ip->pid, &status, 0);
	log_warnx("identity reader: the privileged child (pid %d) is gone "
	    "(%s; %s %d); reading /proc in the recorder from now on: other "
	    "users' executables read as denied, and under hidepid their "
	    "tasks too", (int)ip->pid, why, r == ip->pid &&
	    WIFSIGNALED(status) ? "killed by signal" : "exit status",
	    r != ip->pid ? -1 : WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status));
	ip->pid = 0;
}

/*
 * Wait for the answer to request seq: its payload length, or -1 (no
 * answer in time: *gone 0; the child gone or lying: *gone 1, *why).
 */
static ssize_t
identpriv_answer(struct identpriv *ip, uint32_t seq, int *gone,
    const char **why)
{
	struct pollfd		 pfd = { .fd = ip->fd, .events = POLLIN };
	struct privsep_hdr	 h;
	ssize_t			 n;

	*gone = 0;
	for (;;) {
		if ((n = poll(&pfd, 1, IDENTPRIV_TIMEOUT_MS)) == 0)
			return -1;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (n = recv(ip->fd, ip->buf, IDENTPRIV_MSG,
		    MSG_DONTWAIT)) <= 0) {
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			*why = n == 0 ? "its socket closed" : strerror(errno);
			break;
		}
		if (privsep_check(ip->buf, (size_t)n, &h, why) == -1)
			break;
		if (h.kind != PRIVSEP_IDENT && h.kind != PRIVSEP_ERROR) {
			*why = "an answer of a kind it may not send";
			break;
		}
		if (h.seq == seq)
			return h.kind == PRIVSEP_IDENT ? (ssize_t)h.len : -1;
		if (h.seq > seq) {
			*why = "an answer to a request not asked";
			break;
		}
		/* Else a late answer to a request that timed out. */
	}
	*gone = 1;
	return -1;
}

/*
 * Ask the child to read pid (flags: IDENT_READ_*): 0 with *cr pointing
 * into ip->buf, -1 if it could not answer (and if it is gone or stuck,
 * it is given up).
 */
static int
identpriv_ask(struct identpriv *ip, pid_t pid, int flags,
    struct ident_raw *cr)
{
	struct privsep_ident_req	 q = { pid, (uint32_t)flags };
	const char			*why = "a request could not be sent";
	ssize_t				 n;
	int				 gone = 1;

	ip->asked++;
	if (privsep_request(ip->fd, PRIVSEP_REQ_IDENT, ++ip->seq, &q,
	    sizeof(q)) == -1 ||
	    (n = identpriv_answer(ip, ip->seq, &gone, &why)) == -1) {
		if (!gone) {
			ip->timeouts++;
			if (++ip->late_run >= IDENTPRIV_LATE_MAX)
				identpriv_dead(ip, "stuck: answers late 3 "
				    "times in a row");
		} else
			identpriv_dead(ip, why);
		return -1;
	}
	ip->late_run = 0;
	if (ident_raw_from_bytes(ip->buf + sizeof(struct privsep_hdr),
	    (size_t)n, cr, &why) == -1) {
		identpriv_dead(ip, why);
		return -1;
	}
	ip->answered++;
	return 0;
}

/*
 * An ident_reader_fn.  pid is read here first, as fast as without the
 * child: the command line races the task's exit, and most of what the
 * recorder needs is world-readable.  Only what it was refused goes to
 * the child: the exe link of another user's task (its command line kept
 * from the read here, its exe taken from the child's if the child saw the
 * same task), or everything when /proc hides the task (hidepid).
 */
struct ident *
identpriv_read(void *arg, pid_t pid, uint64_t ts, int flags, int *src)
{
	struct identpriv	*ip = arg;
	struct ident_raw	 r, cr;
	struct ident		*id;
	const struct ident_raw	*use = &r;

	ident_read_raw(pid, flags, &r);
	if (ip->fd != -1) {
		switch (ident_raw_ask(&r, pid)) {
		case IDENT_ASK_EXE:
			if (identpriv_ask(ip, pid, flags | IDENT_READ_NO_ARGS,
			    &cr) == 0 && ident_raw_take_exe(&r, &cr) == 0)
				ip->taken++;
			break;
		case IDENT_ASK_ALL:
			if (identpriv_ask(ip, pid, flags, &cr) == 0) {
				use = &cr;
				ip->taken++;
			}
			break;
		}
	}
	id = ident_from_raw(use, pid, ts, src);
	ident_raw_free(&r);
	return id;
}

pid_t
identpriv_pid(const struct identpriv *ip)
{
	return ip != NULL ? ip->pid : 0;
}

void
identpriv_log_totals(const struct identpriv *ip)
{
	if (ip == NULL)
		return;
	log_info("identity reader: %llu reads asked, %llu answered (%llu "
	    "used), %llu late", (unsigned long long)ip->asked,
	    (unsigned long long)ip->answered, (unsigned long long)ip->taken,
	    (unsigned long long)ip->timeouts);
}

/*
 * The reader the image before an upgrade started (src/upgrade.c): an exec
 * in place keeps the PID, so it is still our child, its socketpair end
 * handed over as fd.  Both are checked (privsep_adopt) before use.
 */
struct identpriv *
identpriv_adopt(int fd, pid_t pid, char *err, size_t errlen)
{
	struct identpriv	*ip;
	struct privsep_child	 pc;

	if (privsep_adopt(fd, pid, 0, &pc, err, errlen) == -1)
		return NULL;
	if ((ip = calloc(1, sizeof(*ip))) == NULL ||
	    (ip->buf = malloc(IDENTPRIV_MSG)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ip);
		return NULL;
	}
	ip->pid = pc.pid;
	ip->fd = pc.fd;
	return ip;
}

/* Its socket, for an upgrade's hand-over; -1 once it is gone. */
int
identpriv_fd(const struct identpriv *ip)
{
	return ip == NULL || ip->pid <= 0 ? -1 : ip->fd;
}

void
identpriv_close(struct identpriv *ip)
{
	if (ip == NULL)
		return;
	if (ip->fd != -1)
		close(ip->fd);
	if (ip->pid > 0) {
		/* It holds nothing to clean up; it may be stopped. */
		kill(ip->pid, SIGKILL);
		waitpid(ip->pid, NULL, 0);
	}
	free(ip->buf);
	free(ip);
}
