/*
 * queue.h: the bounded single-producer single-consumer queue between the
 * socket-draining thread and the SQLite writer thread.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

enum qitem_type {
	QI_RECORD,	/* a decoded record */
	QI_LOSS,	/* a loss to store in the losses table */
};

struct qloss {
	const char	*kind;		/* static string: "kernel_drop", ... */
	int64_t		 records;	/* -1: unknown */
	char		 detail[96];
};

struct ident;

struct qitem {
	uint8_t		 type;		/* enum qitem_type */
	int8_t		 ident_src;	/* QI_RECORD: TASKACCT_IDENT_*, -1 off */
	struct ident	*ident;		/* QI_RECORD: a reference, or NULL */
	int64_t		 recv_time;	/* us since epoch */
	union {
		struct ts_record rec;
		struct qloss	 loss;
	};
};

struct queue;

struct queue	*queue_new(size_t);
void		 queue_free(struct queue *);
size_t		 queue_capacity(const struct queue *);
struct qitem	*queue_reserve(struct queue *, size_t);
size_t		 queue_free_slots(struct queue *);
void		 queue_commit(struct queue *);
void		 queue_publish(struct queue *);
size_t		 queue_peek(struct queue *, size_t, struct qitem **, size_t);
void		 queue_release(struct queue *, size_t);
int		 queue_wait(struct queue *, size_t, int);
void		 queue_wake(struct queue *);
void		 queue_set_flowing(struct queue *, int);
int		 queue_flowing(struct queue *);
void		 queue_close(struct queue *);
int		 queue_closed(struct queue *);
void		 queue_reopen(struct queue *);
size_t		 queue_length(struct queue *);

#endif
