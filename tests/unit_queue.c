/*
 * unit_queue.c: the single-producer single-consumer queue (src/queue.c)
 * between the socket-draining thread and the writer.
 *
 * Single-threaded checks pin the exact arithmetic: capacity, headroom,
 * refusals when full, wrap-around of the ring (peeked runs stop at its
 * end), the close and timed waits.  The stress tests then run a real
 * producer and consumer thread over a small ring, millions of records
 * (a quarter under a sanitizer; QUEUE_STRESS_RECORDS overrides the count):
 * every record arrives once, in order, with the payload the producer wrote
 * (each carries a checksum of its own bytes, so a torn or stale slot
 * shows), refusals of a full ring are counted exactly, the consumer
 * re-reads held records as the writer does after a failed commit, and it
 * sees the close only after the last record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "queue.h"
#include "sysinfo.h"

/* Under a sanitizer (several times slower) a quarter of them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STRESS_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STRESS_SANITIZED	1
#endif
#endif
#ifdef STRESS_SANITIZED
#define STRESS_RECORDS_DEFAULT	500000
#else
#define STRESS_RECORDS_DEFAULT	2000000
#endif
/* Not a power of two, so that the index arithmetic is really modular. */
#define STRESS_CAP		1000
#define STRESS_HEADROOM		16

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Bytes of payload of record seq: 16 to 528, varying. */
static uint16_t
payload_len(uint64_t seq)
{
	return (uint16_t)(16 + (seq % 65) * 8);
}

/*
 * Fill a slot for record seq: the sequence number in task_id and the first
 * word, words derived from it, and a last word that checksums the others.
 */
static void
fill(struct qitem *it, uint64_t seq, int64_t recv_time)
{
	uint16_t	 len = payload_len(seq);
	uint64_t	 w, sum = 0;
	size_t		 i;

	it->type = QI_RECORD;
	it->recv_time = recv_time;
	it->rec.kind = (uint8_t)(seq & 1);
	it->rec.task_id = (uint32_t)seq;
	it->rec.len = len;
	it->rec.size = len;
	for (i = 0; i + 8 < len; i += 8) {
		w = i == 0 ? seq : mix64(seq * 131 + i);
		memcpy(it->rec.raw + i, &w, sizeof(w));
		sum ^= mix64(w + i);
	}
	memcpy(it->rec.raw + i, &sum, sizeof(sum));
}

/* Whether a slot holds record seq, whole; 0 if so. */
static int
verify(const struct qitem *it, uint64_t seq)
{
	uint64_t	 w, sum = 0, got;
	size_t		 i;

	if (it->type != QI_RECORD || it->rec.task_id != (uint32_t)seq ||
	    it->rec.len != payload_len(seq) || it->rec.size != it->rec.len ||
	    it->recv_time != (int64_t)seq * 3)
		return -1;
	for (i = 0; i + 8 < it->rec.len; i += 8) {
		memcpy(&w, it->rec.raw + i, sizeof(w));
		if (w != (i == 0 ? seq : mix64(seq * 131 + i)))
			return -1;
		sum ^= mix64(w + i);
	}
	memcpy(&got, it->rec.raw + i, sizeof(got));
	return got == sum ? 0 : -1;
}

static uint64_t
first_seq(const struct qitem *it)
{
	uint64_t	 seq;

	memcpy(&seq, it->rec.raw, sizeof(seq));
	return seq;
}

/* --- single-threaded: exact arithmetic ----------------------------------- */

static void
test_new_bad_capacity(void **state)
{
	(void)state;
	assert_null(queue_new(0));
	assert_null(queue_new(1));
}

/* Push n records seq0.. and commit them; returns how many were accepted. */
static size_t
push(struct queue *q, uint64_t seq0, size_t n, size_t headroom)
{
	struct qitem	*it;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((it = queue_reserve(q, headroom)) == NULL)
			break;
		fill(it, seq0 + i, (int64_t)(seq0 + i) * 3);
		queue_commit(q);
	}
	return i;
}

static void
test_full_refusal_exact(void **state)
{
	struct queue	*q = queue_new(8);
	struct qitem	*items;

	(void)state;
	assert_non_null(q);
	assert_int_equal(queue_capacity(q), 8);
	assert_int_equal(queue_free_slots(q), 8);
	/* A headroom of 3 leaves 3 slots unfilled: 5 records fit. */
	assert_int_equal(push(q, 0, 100, 3), 5);
	assert_int_equal(queue_free_slots(q), 3);
	/* Committed but unpublished: the consumer sees nothing yet. */
	assert_int_equal(queue_length(q), 0);
	assert_int_equal(queue_peek(q, 0, &items, 100), 0);
	/* Headroom 0: the last three slots, then refusals. */
	assert_int_equal(push(q, 5, 100, 0), 3);
	assert_null(queue_reserve(q, 0));
	assert_int_equal(queue_free_slots(q), 0);
	queue_publish(q);
	assert_int_equal(queue_length(q), 8);
	assert_null(queue_reserve(q, 0));
	/* Releasing two frees exactly two. */
	assert_int_equal(queue_peek(q, 0, &items, 2), 2);
	assert_int_equal(verify(&items[0], 0), 0);
	assert_int_equal(verify(&items[1], 1), 0);
	queue_release(q, 2);
	assert_int_equal(queue_free_slots(q), 2);
	assert_int_equal(push(q, 8, 100, 0), 2);
	assert_null(queue_reserve(q, 0));
	queue_publish(q);
	assert_int_equal(queue_length(q), 8);
	queue_free(q);
}

static void
test_wrap_around(void **state)
{
	struct queue	*q = queue_new(5);
	struct qitem	*items;
	uint64_t	 next = 0, seq = 0;
	size_t		 n, i, round;

	(void)state;
	assert_non_null(q);
	/* Push 3, take 3, many times: every position of the ring is used. */
	for (round = 0; round < 50; round++) {
		assert_int_equal(push(q, seq, 3, 0), 3);
		seq += 3;
		queue_publish(q);
		/* A peeked run stops at the end of the ring. */
		n = queue_peek(q, 0, &items, 100);
		assert_true(n >= 1 && n <= 3);
		assert_int_equal(n, 3 < 5 - next % 5 ? 3 : 5 - next % 5);
		for (i = 0; i < n; i++)
			assert_int_equal(verify(&items[i], next + i), 0);
		/* The rest after skipping the seen ones, from the ring's start. */
		if (n < 3) {
			assert_int_equal(queue_peek(q, n, &items, 100), 3 - n);
			for (i = 0; i < 3 - n; i++)
				assert_int_equal(verify(&items[i], next + n + i),
				    0);
		}
		queue_release(q, 3);
		next += 3;
		assert_int_equal(queue_length(q), 0);
		assert_int_equal(queue_free_slots(q), 5);
	}
	queue_free(q);
}

static int64_t
elapsed_ms(int64_t t0)
{
	return now_mono_ms() - t0;
}

static void
test_timed_wait(void **state)
{
	struct queue	*q = queue_new(4);
	int64_t		 t0;

	(void)state;
	assert_non_null(q);
	/* Nothing queued: a timeout, after about the time asked. */
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 120), 0);
	assert_true(elapsed_ms(t0) >= 110);
	assert_true(elapsed_ms(t0) < 2000);
	/* Over a second, with a nanosecond part: still about right. */
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 1050), 0);
	assert_true(elapsed_ms(t0) >= 1040);
	assert_true(elapsed_ms(t0) < 3000);
	/* A zero timeout returns at once. */
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 0), 0);
	assert_true(elapsed_ms(t0) < 100);
	/* Published items: at once. */
	assert_int_equal(push(q, 0, 2, 0), 2);
	queue_publish(q);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 5000), 1);
	assert_int_equal(queue_wait(q, 1, 5000), 1);
	assert_true(elapsed_ms(t0) < 1000);
	/* Both already seen (held for a retry): a timeout again. */
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 2, 100), 0);
	assert_true(elapsed_ms(t0) >= 90);
	queue_free(q);
}

static void *
wake_later(void *arg)
{
	struct timespec	 nap = { 0, 50000000 };

	nanosleep(&nap, NULL);
	queue_wake(arg);
	return NULL;
}

/*
 * queue_wake() ends a wait with no item, even one with no time limit, or
 * the next one; the end of a flow (queue_set_flowing 0) wakes, its start
 * and a repeated end do not.  (Waits that fail would take 20 s.)
 */
static void
test_wake(void **state)
{
	struct queue	*q = queue_new(4);
	pthread_t	 t;
	int64_t		 t0;

	(void)state;
	assert_non_null(q);
	queue_wake(q);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 20000), 0);
	assert_true(elapsed_ms(t0) < 10000);
	assert_int_equal(pthread_create(&t, NULL, wake_later, q), 0);
	assert_int_equal(queue_wait(q, 0, -1), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(queue_flowing(q), 0);
	queue_set_flowing(q, 1);
	assert_int_equal(queue_flowing(q), 1);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 100), 0);
	assert_true(elapsed_ms(t0) >= 90);
	queue_set_flowing(q, 0);
	assert_int_equal(queue_flowing(q), 0);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 20000), 0);
	assert_true(elapsed_ms(t0) < 10000);
	queue_set_flowing(q, 0);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 0, 100), 0);
	assert_true(elapsed_ms(t0) >= 90);
	queue_free(q);
}

static void
test_close(void **state)
{
	struct queue	*q = queue_new(4);
	struct qitem	*items;
	int64_t		 t0;

	(void)state;
	assert_non_null(q);
	assert_int_equal(queue_closed(q), 0);
	/* Committed, unpublished: the close publishes them. */
	assert_int_equal(push(q, 0, 2, 0), 2);
	queue_close(q);
	assert_int_equal(queue_closed(q), 1);
	assert_int_equal(queue_length(q), 2);
	/* Items first: the close is seen only once they are all taken. */
	assert_int_equal(queue_wait(q, 0, 5000), 1);
	assert_int_equal(queue_peek(q, 0, &items, 10), 2);
	assert_int_equal(verify(&items[1], 1), 0);
	t0 = now_mono_ms();
	assert_int_equal(queue_wait(q, 2, 5000), -1);
	assert_true(elapsed_ms(t0) < 1000);
	queue_release(q, 2);
	assert_int_equal(queue_wait(q, 0, 5000), -1);
	/*
	 * A push after the close is refused (the caller counts it as a
	 * loss), never queued where no consumer will look.
	 */
	assert_int_equal(queue_free_slots(q), 0);
	assert_null(queue_reserve(q, 0));
	assert_int_equal(queue_length(q), 0);
	queue_free(q);
}

/* --- two threads --------------------------------------------------------- */

struct stress {
	struct queue	*q;
	uint64_t	 records;	/* sequence numbers 0..records-1 */
	int		 lossy;		/* refuse when full instead of retrying */
	uint8_t		*refused_map;	/* lossy: 1 where refused */
	uint64_t	 refused;	/* producer's count of refusals */
	struct qitem	 scratch;	/* producer's, for a refused record */
	/* consumer's findings */
	uint64_t	 received;
	uint64_t	 bad;		/* torn, out of order, duplicated */
	uint64_t	 first_bad;
	uint64_t	 rereads;	/* records read again after a "rollback" */
	int		 saw_close_early;
	int		 closed_seen;
};

static void *
producer(void *arg)
{
	struct stress	*s = arg;
	struct qitem	*it;
	uint64_t	 seq, rnd = 1;
	unsigned int	 batch = 0;

	for (seq = 0; seq < s->records; seq++) {
		while ((it = queue_reserve(s->q, STRESS_HEADROOM)) == NULL) {
			if (s->lossy) {
				/* As costly as a fill: refusals stay rare. */
				fill(&s->scratch, seq, 0);
				s->refused++;
				s->refused_map[seq] = 1;
				break;
			}
			queue_publish(s->q);
			sched_yield();
		}
		if (it != NULL) {
			fill(it, seq, (int64_t)seq * 3);
			queue_commit(s->q);
		}
		/* Publish in batches of 1 to 64, like a drain. */
		if (batch == 0) {
			queue_publish(s->q);
			rnd = mix64(rnd);
			batch = (unsigned int)(rnd % 64) + 1;
		}
		batch--;
	}
	queue_close(s->q);
	return NULL;
}

/*
 * Whether seq may come next, when next was expected: the same record, or
 * (lossy) a later one if every record between was refused.  The producer
 * marked those refusals before it published seq, so they are visible.
 */
static int
in_order(const struct stress *s, uint64_t next, uint64_t seq)
{
	if (seq < next || seq >= s->records || s->refused_map[seq])
		return 0;
	for (; next < seq; next++)
		if (!s->refused_map[next])
			return 0;
	return 1;
}

static void
note_bad(struct stress *s, uint64_t seq)
{
	if (s->bad++ == 0)
		s->first_bad = seq;
}

/*
 * Take records the way the writer does: peek runs past the ones held
 * (seen), release them in chunks after a "commit", and now and then drop
 * the held ones without releasing ("rollback") and read them again.
 */
static void *
consumer(void *arg)
{
	struct stress	*s = arg;
	struct qitem	*items;
	struct timespec	 nap = { 0, 200000 };
	uint64_t	 rnd = 7, next, committed_next, seq;
	size_t		 seen = 0, n, i;
	int		 r;

	next = committed_next = 0;
	for (;;) {
		n = queue_peek(s->q, seen, &items, 256);
		for (i = 0; i < n; i++) {
			seq = first_seq(&items[i]);
			if (!in_order(s, next, seq) || verify(&items[i], seq) != 0)
				note_bad(s, next);
			next = seq + 1;
		}
		seen += n;
		rnd = mix64(rnd);
		if (seen > 0 && rnd % 16 == 0) {
			/* A failed commit: read the held records again. */
			s->rereads += seen;
			seen = 0;
			next = committed_next;
			continue;
		}
		if (seen > 0 && (n == 0 || rnd % 4 == 0)) {
			queue_release(s->q, seen);
			s->received += seen;
			seen = 0;
			committed_next = next;
		}
		/* A slow writer now and then, so the ring fills up. */
		if (s->lossy && rnd % 2048 == 0)
			nanosleep(&nap, NULL);
		if (n > 0)
			continue;
		r = queue_wait(s->q, seen, 50);
		if (r == -1) {
			s->closed_seen = 1;
			if (queue_length(s->q) != 0)
				s->saw_close_early = 1;
			break;
		}
	}
	/* Nothing missing at the end either. */
	for (; next < s->records; next++)
		if (!s->refused_map[next])
			note_bad(s, next);
	return NULL;
}

static uint64_t
stress_records(void)
{
	const char	*e = getenv("QUEUE_STRESS_RECORDS");

	return e != NULL && atoll(e) > 0 ? (uint64_t)atoll(e) :
	    STRESS_RECORDS_DEFAULT;
}

static void
run_stress(struct stress *s, int lossy)
{
	pthread_t	 tp, tc;
	int64_t		 t0 = now_mono_ms();

	memset(s, 0, sizeof(*s));
	s->records = stress_records();
	s->lossy = lossy;
	s->q = queue_new(STRESS_CAP);
	assert_non_null(s->q);
	s->refused_map = calloc(s->records, 1);
	assert_non_null(s->refused_map);
	assert_int_equal(pthread_create(&tc, NULL, consumer, s), 0);
	assert_int_equal(pthread_create(&tp, NULL, producer, s), 0);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(pthread_join(tc, NULL), 0);
	print_message("# %llu records through a ring of %d in %lld ms: %llu "
	    "refused, %llu re-read\n", (unsigned long long)s->records,
	    STRESS_CAP, (long long)(now_mono_ms() - t0),
	    (unsigned long long)s->refused, (unsigned long long)s->rereads);
	if (s->bad != 0)
		fail_msg("%llu records torn, lost, duplicated or out of order "
		    "(first at seq %llu)", (unsigned long long)s->bad,
		    (unsigned long long)s->first_bad);
	assert_true(s->closed_seen);
	assert_false(s->saw_close_early);
	assert_int_equal(queue_length(s->q), 0);
	free(s->refused_map);
	queue_free(s->q);
}

static void
test_stress_lossless(void **state)
{
	struct stress	 s;

	(void)state;
	run_stress(&s, 0);
	assert_int_equal(s.refused, 0);
	assert_int_equal(s.received, s.records);
	/* The ring went round many times, and the retry path ran. */
	assert_true(s.records / STRESS_CAP >= 10);
	assert_true(s.rereads > 0);
}

static void
test_stress_refusals(void **state)
{
	struct stress	 s;

	(void)state;
	run_stress(&s, 1);
	/* Every record either arrived once or was refused and counted. */
	assert_int_equal(s.received + s.refused, s.records);
	assert_true(s.refused > 0);
	assert_true(s.received > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_bad_capacity),
		cmocka_unit_test(test_full_refusal_exact),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_timed_wait),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_wake),
		cmocka_unit_test(test_stress_lossless),
		cmocka_unit_test(test_stress_refusals),
	};

	return cmocka_run_group_tests_name("unit_queue", tests, NULL, NULL);
}
