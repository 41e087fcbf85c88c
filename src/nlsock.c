/*
 * nlsock.c: what the two netlink sockets of the daemon (the TASKSTATS
 * listener, src/listener.c, and the process events connector,
 * src/procconn.c) do alike.  Both size a large receive buffer, set
 * NETLINK_NO_ENOBUFS (the drop counter, not ENOBUFS, tells what was lost),
 * read the kernel's exact drop counter (SO_MEMINFO) after every drain,
 * read in recvmmsg() batches, and frame every netlink message within its
 * datagram before a byte of it is used.  What each does with a datagram,
 * and what it logs, stays with it.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/sock_diag.h>

#include "log.h"
#include "nlsock.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO	55
#endif
#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif

/*
 * Size the receive buffer; returns the size granted (0: unknown).
 * SO_RCVBUFFORCE (CAP_NET_ADMIN) may exceed net.core.rmem_max; without it
 * fall back to SO_RCVBUF, capped, and say so when warn is set.
 */
int
nlsock_size_rcvbuf(int fd, int want, int warn)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
	    sizeof(want)) == -1) {
		if (warn)
			log_warn("SO_RCVBUFFORCE %d (falling back to SO_RCVBUF, "
			    "capped by net.core.rmem_max; expect drops in "
			    "storms)", want);
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want,
		    sizeof(want)) == -1 && warn)
			log_warn("SO_RCVBUF %d", want);
	}
	return nlsock_rcvbuf(fd);
}

/* The receive buffer's size, as getsockopt says (0: unknown). */
int
nlsock_rcvbuf(int fd)
{
	socklen_t	 len = sizeof(int);
	int		 v;

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == -1)
		return 0;
	return v;
}

/*
 * Without this option one overrun makes the kernel drop everything until
 * the queue is drained empty.  -1 and errno if refused.
 */
int
nlsock_no_enobufs(int fd)
{
	int	 one = 1;

	return setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one,
	    sizeof(one));
}

/*
 * The growth of the socket's drop counter since *raw, its value as last
 * read (updated); 0 when it cannot be read.
 */
uint32_t
nlsock_new_drops(int fd, uint32_t *raw)
{
	uint32_t	 mem[SK_MEMINFO_VARS], n;
	socklen_t	 len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
	    len < sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1))
		return 0;
	/* Unsigned difference: the counter may wrap. */
	n = mem[SK_MEMINFO_DROPS] - *raw;
	*raw = mem[SK_MEMINFO_DROPS];
	return n;
}

/* Point the n headers of a batch at their buffers (bufs: n of bufsz). */
void
nlsock_batch_init(struct mmsghdr *msgs, struct iovec *iov,
    struct sockaddr_nl *from, uint8_t *bufs, int n, size_t bufsz)
{
	int	 i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = bufs + (size_t)i * bufsz;
		iov[i].iov_len = bufsz;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}
}

/*
 * Read one batch of up to n datagrams without waiting: how many, 0 when
 * there is nothing (EAGAIN, EINTR), -1 and errno otherwise (ENOBUFS: an
 * overrun, which the drop counter counts exactly).
 */
int
nlsock_recv(int fd, struct mmsghdr *msgs, struct sockaddr_nl *from, int n)
{
	int	 i, r;

	for (i = 0; i < n; i++)
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	r = recvmmsg(fd, msgs, (unsigned int)n, MSG_DONTWAIT, NULL);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	return r;
}

/* The datagram came from the kernel (port 0), not from another socket. */
int
nlsock_from_kernel(const struct msghdr *mh, const struct sockaddr_nl *from)
{
	return mh->msg_namelen >= sizeof(struct sockaddr_nl) &&
	    from->nl_pid == 0;
}

/*
 * Walk the netlink messages of one datagram as read from the socket, each
 * handed to fn whole (its nlmsg_len, bounded by the datagram).  A bad
 * length stops the walk: nothing after it can be framed.  Returns NULL, or
 * why the datagram is malformed.  Reads nothing outside buf[0..len).
 */
const char *
nlsock_walk(const uint8_t *buf, size_t len, nlsock_msg_fn *fn, void *arg)
{
	struct nlmsghdr	 nlh;
	size_t		 off = 0, step;

	while (len - off >= sizeof(nlh)) {
		memcpy(&nlh, buf + off, sizeof(nlh));
		if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > len - off)
			return "netlink message length past the datagram";
		fn(arg, buf + off, nlh.nlmsg_len);
		/* The last message may end unpadded. */
		step = NLMSG_ALIGN(nlh.nlmsg_len);
		if (step >= len - off)
			return NULL;
		off += step;
	}
	if (off < len)
		return off == 0 ? "datagram shorter than a netlink header" :
		    "bytes after the last netlink message";
	return NULL;
}
