/*
 * procconn.h: the kernel's process events connector (NETLINK_CONNECTOR,
 * CN_IDX_PROC): fork, exec, exit and comm-change events.
 */
#ifndef PROCCONN_H
#define PROCCONN_H

#include <stddef.h>
#include <stdint.h>

/* Datagrams read per recvmmsg() call, and the size of each buffer. */
#define PROCCONN_BATCH		64
#define PROCCONN_BUFSZ		256
/* How long to wait for the kernel's answer to the subscription. */
#define PROCCONN_ACK_TIMEOUT_MS	2000

enum pc_kind {
	PC_FORK,	/* pid/tgid: the child; ppid/ptgid: its parent */
	PC_EXEC,
	PC_EXIT,
	PC_COMM,	/* comm: the new name, NUL-terminated */
	PC_ACK,		/* the answer to a (un)subscription: err */
};

struct pc_event {
	uint8_t		 kind;		/* enum pc_kind */
	uint64_t	 ts_ns;		/* CLOCK_MONOTONIC, at the event */
	int32_t		 pid, tgid;
	int32_t		 ppid, ptgid;
	uint32_t	 err;		/* PC_ACK */
	char		 comm[16];	/* PC_COMM */
};

/* What one datagram held besides its events (procconn_parse()). */
struct procconn_parsed {
	uint32_t	 events;	/* handed over */
	uint32_t	 ignored;	/* valid, of no interest (uid, sid...) */
	uint32_t	 malformed;
	const char	*why;		/* the last complaint, when malformed */
};

struct procconn_stats {
	uint64_t	 events;
	uint64_t	 ignored;
	uint64_t	 malformed;
	uint64_t	 foreign;	/* not from the kernel */
	uint64_t	 truncated;
	uint64_t	 drops;		/* the socket's drop counter: events */
	uint64_t	 enobufs;
};

typedef void	 procconn_event_fn(void *, const struct pc_event *);

struct procconn;

void		 procconn_parse(const uint8_t *, size_t,
		    struct procconn_parsed *, procconn_event_fn *, void *);
struct procconn	*procconn_open(int, char *, size_t);
struct procconn	*procconn_adopt(int, uint32_t, char *, size_t);
uint32_t	 procconn_drops_raw(const struct procconn *);
int		 procconn_subscribe(struct procconn *, procconn_event_fn *,
		    void *, char *, size_t);
int		 procconn_drain(struct procconn *, procconn_event_fn *, void *);
uint64_t	 procconn_new_drops(struct procconn *);
int		 procconn_fd(const struct procconn *);
int		 procconn_rcvbuf(const struct procconn *);
const struct procconn_stats *procconn_stats(const struct procconn *);
const char	*procconn_last_why(const struct procconn *);
void		 procconn_close(struct procconn *);

#endif
