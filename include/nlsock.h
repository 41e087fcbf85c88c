/*
 * nlsock.h: the netlink socket mechanics the TASKSTATS listener
 * (src/listener.c) and the process events connector (src/procconn.c)
 * share: receive buffer sizing, NETLINK_NO_ENOBUFS, the kernel's drop
 * counter, recvmmsg() batches, and the framing of netlink messages in a
 * datagram.
 */
#ifndef NLSOCK_H
#define NLSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/netlink.h>

typedef void	 nlsock_msg_fn(void *, const uint8_t *, size_t);

int		 nlsock_size_rcvbuf(int, int, int);
int		 nlsock_rcvbuf(int);
int		 nlsock_no_enobufs(int);
uint32_t	 nlsock_new_drops(int, uint32_t *);
void		 nlsock_batch_init(struct mmsghdr *, struct iovec *,
		    struct sockaddr_nl *, uint8_t *, int, size_t);
int		 nlsock_recv(int, struct mmsghdr *, struct sockaddr_nl *, int);
int		 nlsock_from_kernel(const struct msghdr *,
		    const struct sockaddr_nl *);
const char	*nlsock_walk(const uint8_t *, size_t, nlsock_msg_fn *, void *);

#endif
