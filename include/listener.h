/*
 * listener.h: one TASKSTATS netlink socket registered for a set of CPUs.
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <stdint.h>

#include "decode.h"
#include "queue.h"

/* Messages read per recvmmsg() call, and the size of each buffer. */
#define LISTENER_BATCH		64
#define LISTENER_BUFSZ		8192
/* Queue slots kept free so that a loss can always be queued. */
#define LISTENER_LOSS_HEADROOM	16
/* How long to wait for the kernel's answer to (de)registration. */
#define LISTENER_ACK_TIMEOUT_MS	2000

struct listener_stats {
	uint64_t	 messages;	/* TASKSTATS messages read */
	uint64_t	 records;	/* records queued */
	uint64_t	 malformed;	/* messages rejected by the decoder */
	uint64_t	 foreign;	/* messages not from the kernel */
	uint64_t	 truncated;	/* datagrams larger than the buffer */
	uint64_t	 drops;		/* kernel drop counter: messages */
	uint64_t	 refused;	/* messages the full queue refused */
	uint64_t	 enobufs;	/* ENOBUFS episodes */
	uint64_t	 unknown_attrs;	/* skipped attributes */
};

enum drain_result {
	DRAIN_EMPTY,	/* read until EAGAIN */
	DRAIN_BLOCKED,	/* stopped: the queue is nearly full */
	DRAIN_ERROR,	/* the socket failed */
};

/* The largest errno the kernel puts in an NLMSG_ERROR (MAX_ERRNO). */
#define LISTENER_ERRNO_MAX	4095

/* What one datagram held besides its records (listener_parse()). */
struct listener_parsed {
	uint32_t	 messages;	/* TASKSTATS messages, decoded or not */
	uint32_t	 records;	/* records handed over */
	uint32_t	 malformed;	/* rejected: framing, decoder, errors */
	uint32_t	 errors;	/* NLMSG_ERROR: ACKs and errors */
	uint32_t	 control;	/* NOOP, DONE, OVERRUN: ignored */
	uint32_t	 unknown_attrs;
	uint32_t	 cut_tails;
	int		 ack_err;	/* answer to ack_seq: -1 none, 0 ACK,
					   else its errno */
	const char	*why;		/* the last complaint, when malformed */
};

/* Gets the records of one TASKSTATS message, in order. */
typedef void	 listener_records_fn(void *, const struct ts_decoded *);

/*
 * Gives each record of a TASKSTATS message its task's identity (a
 * reference, or NULL) and ident_src (-1: none); see src/ident.c.
 */
struct ident;
typedef void	 listener_ident_fn(void *, const struct ts_decoded *,
		    struct ident **, int8_t *);

struct listener;

void		 listener_set_ident(struct listener *, listener_ident_fn *,
		    void *);
void		 listener_parse(const uint8_t *, size_t, uint16_t, uint32_t,
		    struct listener_parsed *, listener_records_fn *, void *);

struct listener	*listener_open(const char *, int, char *, size_t);
struct listener	*listener_adopt(const char *, int, uint32_t, char *, size_t);
uint32_t	 listener_drops_raw(const struct listener *);
int		 listener_register(struct listener *, struct queue *, char *,
		    size_t);
void		 listener_stop(struct listener *, struct queue *, int64_t);
void		 listener_flush_logs(struct listener *);
enum drain_result listener_drain(struct listener *, struct queue *,
		    size_t *);
void		 listener_note_losses(struct listener *, struct queue *);
int		 listener_fd(const struct listener *);
const char	*listener_cpus(const struct listener *);
int		 listener_rcvbuf(const struct listener *);
const struct listener_stats *listener_stats(const struct listener *);
void		 listener_close(struct listener *);

#endif
