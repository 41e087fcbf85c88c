/*
 * taskget.c: the live query.  One generic-netlink socket asks the kernel
 * for a live task's counters (TASKSTATS_CMD_GET with TASKSTATS_CMD_ATTR_PID
 * for a thread or _TGID for a thread group) and reads the one reply.
 *
 * libnl-genl-3 resolves the family, builds the request and parses the
 * reply's attributes against a policy; the struct itself goes through the
 * project's decoder (ts_record_decode) and field table, as exit records
 * do.  The datagram is checked first, as the listener checks exits: the
 * whole of it received (MSG_TRUNC), sent by the kernel (port 0), answering
 * this request (sequence number), and an NLMSG_ERROR becomes its errno.
 *
 * The threads of a process are listed from /proc/PID/task: the kernel has
 * no netlink query for them.  Per-thread GETs carry the I/O fields, which
 * the TGID query leaves out.
 */
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "decode.h"
#include "taskacct.h"
#include "taskget.h"
#include "taskstats_proto.h"

#define TS_TYPE_MAX	TS_TYPE_NULL

struct taskget {
	struct nl_sock	*sk;
	int		 fd;
	int		 family;
	uint32_t	 seq;
	const char	*why;		/* what was wrong with the last reply */
	/* aligned for libnl, which reads the headers in place */
	uint8_t		 buf[TASKGET_BUFSZ] __attribute__((aligned(8)));
};

/*
 * Open a socket and resolve the family.  Needs no privilege: the kernel
 * checks CAP_NET_ADMIN at each GET.
 */
struct taskget *
taskget_open(char *err, size_t errlen)
{
	struct taskget	*tg;
	int		 r;

	if ((tg = calloc(1, sizeof(*tg))) == NULL ||
	    (tg->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((r = genl_connect(tg->sk)) < 0) {
		snprintf(err, errlen, "generic netlink socket: %s",
		    nl_geterror(r));
		goto fail;
	}
	if ((tg->family = genl_ctrl_resolve(tg->sk, TS_FAMILY_NAME)) < 0) {
		snprintf(err, errlen, "the kernel has no TASKSTATS generic "
		    "netlink family (CONFIG_TASKSTATS off, or not in the "
		    "initial network namespace): %s", nl_geterror(tg->family));
		goto fail;
	}
	tg->fd = nl_socket_get_fd(tg->sk);
	/* Our own sequence numbers, checked by taskget_reply. */
	nl_socket_disable_seq_check(tg->sk);
	tg->seq = (uint32_t)getpid() << 8;
	return tg;
fail:
	taskget_close(tg);
	return NULL;
}

void
taskget_close(struct taskget *tg)
{
	if (tg == NULL)
		return;
	if (tg->sk != NULL)
		nl_socket_free(tg->sk);
	free(tg);
}

const char *
taskget_why(const struct taskget *tg)
{
	return tg->why != NULL ? tg->why : "";
}

static const struct nla_policy outer_policy[TS_TYPE_MAX + 1] = {
	[TS_TYPE_AGGR_PID] = { .type = NLA_NESTED },
	[TS_TYPE_AGGR_TGID] = { .type = NLA_NESTED },
};

static const struct nla_policy inner_policy[TS_TYPE_MAX + 1] = {
	[TS_TYPE_PID] = { .type = NLA_U32 },
	[TS_TYPE_TGID] = { .type = NLA_U32 },
	[TS_TYPE_STATS] = { .type = NLA_UNSPEC },
};

/* The AGGR nest of one TASKSTATS_CMD_NEW reply, into rec. */
static int
reply_decode(const struct taskget_req *req, struct nlmsghdr *nlh,
    struct ts_record *rec, const char **why)
{
	struct nlattr		*tb[TS_TYPE_MAX + 1], *in[TS_TYPE_MAX + 1];
	struct genlmsghdr	*gnl;
	int			 aggr, idt, cut;
	uint32_t		 id;

	*why = "malformed TASKSTATS reply attributes";
	if (!genlmsg_valid_hdr(nlh, 0))
		return -1;
	gnl = nlmsg_data(nlh);
	if (gnl->cmd != TS_CMD_NEW) {
		*why = "not a TASKSTATS_CMD_NEW reply";
		return -1;
	}
	if (genlmsg_parse(nlh, 0, tb, TS_TYPE_MAX,
	    (struct nla_policy *)outer_policy) < 0)
		return -1;
	aggr = req->kind == TASK_KIND_THREAD ? TS_TYPE_AGGR_PID :
	    TS_TYPE_AGGR_TGID;
	idt = req->kind == TASK_KIND_THREAD ? TS_TYPE_PID : TS_TYPE_TGID;
	if (tb[aggr] == NULL) {
		*why = "reply without the record asked for";
		return -1;
	}
	if (nla_parse_nested(in, TS_TYPE_MAX, tb[aggr],
	    (struct nla_policy *)inner_policy) < 0)
		return -1;
	if (in[idt] == NULL || nla_len(in[idt]) != sizeof(id) ||
	    in[TS_TYPE_STATS] == NULL) {
		*why = "reply nest without its id or stats attribute";
		return -1;
	}
	if ((id = nla_get_u32(in[idt])) != req->id) {
		*why = "reply for another task";
		return -1;
	}
	return ts_record_decode(nla_data(in[TS_TYPE_STATS]),
	    (size_t)nla_len(in[TS_TYPE_STATS]), req->kind, id, rec, &cut, why);
}

int
taskget_reply(const struct taskget_req *req, const void *buf, size_t len,
    int msg_flags, uint32_t sender, struct ts_record *rec, const char **why)
{
	struct nlmsghdr	 nlh;
	struct nlmsgerr	 e;

	*why = NULL;
	if (sender != 0)
		return 1;
	if (msg_flags & MSG_TRUNC) {
		*why = "reply larger than the receive buffer";
		errno = EMSGSIZE;
		return -1;
	}
	/* The kernel sends one message per reply; a second is ignored. */
	if (len < sizeof(nlh)) {
		*why = "reply shorter than a netlink header";
		goto bad;
	}
	memcpy(&nlh, buf, sizeof(nlh));
	if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > len) {
		*why = "netlink length out of bounds";
		goto bad;
	}
	if (nlh.nlmsg_seq != req->seq)
		return 1;
	if (nlh.nlmsg_type == NLMSG_ERROR) {
		if (nlh.nlmsg_len < NLMSG_LENGTH(sizeof(e))) {
			*why = "truncated netlink error";
			goto bad;
		}
		memcpy(&e, (const uint8_t *)buf + NLMSG_HDRLEN, sizeof(e));
		if (e.error >= 0) {
			/* An ack instead of the record: nothing to read. */
			*why = "the kernel acknowledged without a record";
			goto bad;
		}
		*why = "the kernel refused the request";
		errno = -e.error;
		return -1;
	}
	if (nlh.nlmsg_type != req->family) {
		*why = "reply not from the TASKSTATS family";
		goto bad;
	}
	if (((uintptr_t)buf & (NLMSG_ALIGNTO - 1)) != 0) {
		*why = "misaligned reply buffer";
		goto bad;
	}
	if (reply_decode(req, (struct nlmsghdr *)(uintptr_t)buf, rec,
	    why) == -1)
		goto bad;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

static int
taskget_send(struct taskget *tg, int attr, uint32_t id, uint32_t *seq)
{
	struct nl_msg	*msg;
	int		 r;

	if ((msg = nlmsg_alloc()) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*seq = ++tg->seq;
	if (genlmsg_put(msg, NL_AUTO_PORT, *seq, tg->family, 0, 0,
	    TS_CMD_GET, TS_GENL_VERSION) == NULL ||
	    nla_put_u32(msg, attr, id) < 0) {
		nlmsg_free(msg);
		errno = ENOMEM;
		return -1;
	}
	r = nl_send_auto(tg->sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Send one GET and read datagrams until its answer. */
static int
taskget_ask(struct taskget *tg, uint8_t kind, uint32_t id,
    struct ts_record *rec)
{
	struct taskget_req	 req = { (uint16_t)tg->family, 0, kind, id };
	struct pollfd		 pfd = { .fd = tg->fd, .events = POLLIN };
	struct sockaddr_nl	 from;
	struct iovec		 iov = { tg->buf, sizeof(tg->buf) };
	struct msghdr		 mh;
	ssize_t			 n;
	int			 r;

	tg->why = NULL;
	if (id == 0 || id > INT_MAX) {
		/* 0 would be the caller itself to the kernel. */
		errno = EINVAL;
		return -1;
	}
	if (taskget_send(tg, kind == TASK_KIND_THREAD ? TS_CMD_ATTR_PID :
	    TS_CMD_ATTR_TGID, id, &req.seq) == -1)
		return -1;
	/*
	 * The kernel answers within sendmsg(): the reply is usually queued
	 * already, so read first and poll only when it is not.
	 */
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(tg->fd, &mh, MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			if ((r = poll(&pfd, 1, TASKGET_TIMEOUT_MS)) == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (r == -1 && errno != EINTR)
				return -1;
			continue;
		}
		if (mh.msg_namelen < sizeof(from))
			continue;
		r = taskget_reply(&req, tg->buf, (size_t)n, mh.msg_flags,
		    from.nl_pid, rec, &tg->why);
		if (r != 1)
			return r;
	}
}

/* The counters of thread tid, now. */
int
taskget_thread(struct taskget *tg, uint32_t tid, struct ts_record *rec)
{
	return taskget_ask(tg, TASK_KIND_THREAD, tid, rec);
}

/*
 * The thread group's record: delay totals and context switches summed
 * over its threads, no I/O or CPU fields (the kernel fills those per
 * thread only).
 */
int
taskget_group(struct taskget *tg, uint32_t tgid, struct ts_record *rec)
{
	return taskget_ask(tg, TASK_KIND_GROUP, tgid, rec);
}

/* The Tgid line of /proc/PID/status. */
static int
proc_tgid(uint32_t pid, uint32_t *tgid)
{
	char		 path[48], line[256];
	FILE		*fp;
	unsigned int	 v;
	int		 found = 0;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? (errno = ESRCH, -1) : -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = sscanf(line, "Tgid: %u", &v) == 1;
	fclose(fp);
	if (!found) {
		errno = EBADMSG;
		return -1;
	}
	*tgid = v;
	return 0;
}

/*
 * State, parent, flags and process of task pid, from /proc/PID/stat and
 * status.  The command name may hold any byte, ")" included: the fields
 * start after the last ")".
 */
int
taskget_proc(uint32_t pid, struct taskget_proc *p)
{
	char		 path[48], buf[1024], *s;
	ssize_t		 n;
	int		 fd;
	unsigned int	 ppid;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? (errno = ESRCH, -1) : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 ? (errno = ESRCH, -1) : -1;
	buf[n] = '\0';
	if ((s = strrchr(buf, ')')) == NULL ||
	    sscanf(s + 1, " %c %u %*d %*d %*d %*d %u", &p->state, &ppid,
	    &p->flags) != 3) {
		errno = EBADMSG;
		return -1;
	}
	p->ppid = ppid;
	return proc_tgid(pid, &p->tgid);
}

static int
tid_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The thread ids of process pid, sorted; ESRCH if it is gone. */
int
taskget_threads(uint32_t pid, uint32_t **tidsp, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	uint32_t	*tids = NULL, *t;
	size_t		 n = 0, size = 0;
	char		 path[48], *end;
	unsigned long	 v;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? (errno = ESRCH, -1) : -1;
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		v = strtoul(de->d_name, &end, 10);
		if (*de->d_name < '1' || *de->d_name > '9' || *end != '\0' ||
		    errno != 0 || v > INT_MAX)
			continue;
		if (n == size) {
			size = size == 0 ? 64 : size * 2;
			if ((t = reallocarray(tids, size, sizeof(*t))) == NULL) {
				free(tids);
				closedir(d);
				errno = ENOMEM;
				return -1;
			}
			tids = t;
		}
		tids[n++] = (uint32_t)v;
	}
	closedir(d);
	if (n == 0) {
		/* A zombie process or one that just exited: no tasks. */
		free(tids);
		errno = ESRCH;
		return -1;
	}
	qsort(tids, n, sizeof(*tids), tid_cmp);
	*tidsp = tids;
	*np = n;
	return 0;
}
