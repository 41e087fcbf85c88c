/*
 * queue.c: a bounded single-producer single-consumer ring of queue items.
 *
 * The producer (the thread draining the netlink sockets) never blocks: it
 * reserves a slot, fills it in place and commits; when the ring is full the
 * caller counts the refusal as a loss.  It publishes once per drain, which
 * wakes the consumer (the SQLite writer) at most once per batch.  The
 * consumer peeks at a run of filled slots, processes them in place and
 * releases them only once they are safely committed, so a failed commit can
 * be retried without losing what it held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

struct queue {
	struct qitem	*slots;
	size_t		 cap;
	_Atomic size_t	 head;		/* next slot to fill (producer) */
	_Atomic size_t	 tail;		/* next slot to consume (consumer) */
	size_t		 pending;	/* producer: committed, unpublished */
	pthread_mutex_t	 lock;		/* guards the wait, not the ring */
	pthread_cond_t	 cond;
	int		 published;	/* or woken: see queue_wake() */
	atomic_int	 closed;	/* written under lock, read anywhere */
	atomic_int	 flowing;	/* producer: more due within a drain */
};

struct queue *
queue_new(size_t cap)
{
	struct queue		*q;
	pthread_condattr_t	 attr;

	if (cap < 2) {
		errno = EINVAL;
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	/* calloc'd pages are touched only when used: RSS grows with load. */
	if ((q->slots = calloc(cap, sizeof(*q->slots))) == NULL) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	pthread_mutex_init(&q->lock, NULL);
	/* Timed waits on the monotonic clock: immune to clock steps. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	return q;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	free(q);
}

size_t
queue_capacity(const struct queue *q)
{
	return q->cap;
}

size_t
queue_length(struct queue *q)
{
	return atomic_load(&q->head) - atomic_load(&q->tail);
}

/*
 * Producer: slots free for filling now.  None once the queue is closed: the
 * consumer may already have stopped, and an item queued then would be
 * neither written nor counted, where a refusal is counted as a loss.
 */
size_t
queue_free_slots(struct queue *q)
{
	size_t	 head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t	 tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (atomic_load_explicit(&q->closed, memory_order_relaxed))
		return 0;
	return q->cap - (head + q->pending - tail);
}

/*
 * Producer: a free slot to fill, or NULL when no more than headroom slots
 * are free (records leave headroom so that a loss can always be queued).
 */
struct qitem *
queue_reserve(struct queue *q, size_t headroom)
{
	size_t	 head = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (queue_free_slots(q) <= headroom)
		return NULL;
	return &q->slots[(head + q->pending) % q->cap];
}

/* Producer: the slot returned by queue_reserve is filled. */
void
queue_commit(struct queue *q)
{
	q->pending++;
}

/* Producer: make committed slots visible and wake the consumer. */
void
queue_publish(struct queue *q)
{
	if (q->pending == 0)
		return;
	atomic_fetch_add_explicit(&q->head, q->pending, memory_order_release);
	q->pending = 0;
	pthread_mutex_lock(&q->lock);
	q->published = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Consumer: up to max filled slots after the first skip ones (already seen,
 * not yet released), contiguous in memory: a run stops at the ring's end.
 * Returns how many.
 */
size_t
queue_peek(struct queue *q, size_t skip, struct qitem **items, size_t max)
{
	size_t	 head = atomic_load_explicit(&q->head, memory_order_acquire);
	size_t	 tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t	 n, toend;

	tail += skip;
	n = head - tail;
	toend = q->cap - tail % q->cap;

	if (n > toend)
		n = toend;
	if (n > max)
		n = max;
	*items = &q->slots[tail % q->cap];
	return n;
}

/* Consumer: the first n peeked slots are done with. */
void
queue_release(struct queue *q, size_t n)
{
	atomic_fetch_add_explicit(&q->tail, n, memory_order_release);
}

/*
 * Consumer: wait up to timeout_ms (-1: no limit) for more than the seen
 * items, a close or a queue_wake().  Returns 1 when new items are
 * available, 0 on timeout or wake, -1 when closed and nothing new remains.
 */
int
queue_wait(struct queue *q, size_t seen, int timeout_ms)
{
	struct timespec	 ts;
	int		 r = 0;

	pthread_mutex_lock(&q->lock);
	if (!q->published && !q->closed && queue_length(q) <= seen &&
	    timeout_ms < 0)
		pthread_cond_wait(&q->cond, &q->lock);
	else if (!q->published && !q->closed && queue_length(q) <= seen) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	}
	q->published = 0;
	if (queue_length(q) > seen)
		r = 1;
	else if (q->closed)
		r = -1;
	pthread_mutex_unlock(&q->lock);
	return r;
}

/*
 * Wake the consumer without an item: its queue_wait() returns (0) at once,
 * now or at its next call.  For a reason to look again: the producer's
 * flow stopped, a reopen was asked for, the sampler has rows.
 */
void
queue_wake(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->published = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Producer: whether records are flowing, so that more are due within one
 * drain interval (1), or it drained and found nothing and now waits for
 * the sockets (0).  The consumer commits a batch early only when the queue
 * runs dry and nothing is flowing (src/writer.c); the end of a flow wakes
 * it for that.
 */
void
queue_set_flowing(struct queue *q, int flowing)
{
	if (atomic_exchange(&q->flowing, flowing != 0) == (flowing != 0))
		return;
	if (!flowing)
		queue_wake(q);
}

int
queue_flowing(struct queue *q)
{
	return atomic_load(&q->flowing);
}

/* Producer: no more items will come; the consumer drains and stops. */
void
queue_close(struct queue *q)
{
	queue_publish(q);
	pthread_mutex_lock(&q->lock);
	atomic_store(&q->closed, 1);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Open a closed queue again, once its consumer has stopped (upgrade). */
void
queue_reopen(struct queue *q)
{
	atomic_store(&q->closed, 0);
}

int
queue_closed(struct queue *q)
{
	return atomic_load(&q->closed);
}
