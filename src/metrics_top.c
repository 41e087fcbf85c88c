/*
 * metrics_top.c: the bounded label tables of the workload counters (per
 * command, per user): at most cap named rows and one METRICS_OTHER row.
 *
 * Policy: the first cap distinct keys the writer commits get a row of
 * their own, for the daemon's life; every later key is counted in the
 * other row.  A key never moves between its row and the other row, so
 * every series stays monotonic across scrapes (a heavy-hitter sketch such
 * as Space-Saving would evict and re-admit names, and each move would be
 * a counter reset or a jump in Prometheus).  It is deterministic, O(1) per
 * record and its memory fixed at start: the price is that names first seen
 * late (after cap others) are lumped together until the daemon restarts.
 *
 * Threads: one writer (the writer thread) adds to per-row pending sums and
 * folds them into the atomic counters at its commit, or drops them at a
 * rollback (the records are written again), so a scrape only ever sees
 * committed records.  A row is published by a release store of the row
 * count after its key is written; readers load the count with acquire and
 * never take a lock.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct top_row {
	char		 key[METRICS_KEY_MAX];
	size_t		 keylen;
	_Atomic uint64_t val[MV__COUNT];
};

struct metrics_top {
	size_t		 cap;		/* named rows; row cap is the other */
	_Atomic size_t	 rows;		/* named rows published */
	struct top_row	*row;		/* cap + 1 */
	/* Writer only. */
	uint32_t	*index;		/* open addressing: row + 1, 0 empty */
	size_t		 mask;
	uint64_t	(*pend)[MV__COUNT]; /* cap + 1: not yet committed */
	size_t		*touched;	/* rows with pending sums */
	size_t		 ntouched;
	uint8_t		*is_touched;
};

struct metrics_top *
metrics_top_new(size_t cap)
{
	struct metrics_top	*t;
	size_t			 slots = 4;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (slots < 2 * (cap + 1))
		slots <<= 1;
	t->cap = cap;
	t->mask = slots - 1;
	t->row = calloc(cap + 1, sizeof(*t->row));
	t->index = calloc(slots, sizeof(*t->index));
	t->pend = calloc(cap + 1, sizeof(*t->pend));
	t->touched = calloc(cap + 1, sizeof(*t->touched));
	t->is_touched = calloc(cap + 1, 1);
	if (t->row == NULL || t->index == NULL || t->pend == NULL ||
	    t->touched == NULL || t->is_touched == NULL) {
		metrics_top_free(t);
		return NULL;
	}
	memcpy(t->row[cap].key, METRICS_OTHER, sizeof(METRICS_OTHER) - 1);
	t->row[cap].keylen = sizeof(METRICS_OTHER) - 1;
	return t;
}

void
metrics_top_free(struct metrics_top *t)
{
	if (t == NULL)
		return;
	free(t->row);
	free(t->index);
	free(t->pend);
	free(t->touched);
	free(t->is_touched);
	free(t);
}

/* FNV-1a. */
static uint32_t
top_hash(const char *key, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 16777619u;
	}
	return h;
}

/* The row of key: its own, a new one while there is room, or the other. */
static size_t
top_row_of(struct metrics_top *t, const char *key, size_t len)
{
	struct top_row	*r;
	size_t		 i, n;

	if (len > METRICS_KEY_MAX)
		len = METRICS_KEY_MAX;
	for (i = top_hash(key, len) & t->mask; t->index[i] != 0;
	    i = (i + 1) & t->mask) {
		r = &t->row[t->index[i] - 1];
		if (r->keylen == len && memcmp(r->key, key, len) == 0)
			return t->index[i] - 1;
	}
	n = atomic_load_explicit(&t->rows, memory_order_relaxed);
	if (n == t->cap)
		return t->cap;
	r = &t->row[n];
	memcpy(r->key, key, len);
	r->keylen = len;
	t->index[i] = (uint32_t)n + 1;
	atomic_store_explicit(&t->rows, n + 1, memory_order_release);
	return n;
}

/* Writer: add v[MV__COUNT] to key's row, pending; returns the row. */
size_t
metrics_top_add(struct metrics_top *t, const char *key, size_t len,
    const uint64_t *v)
{
	size_t	 r = top_row_of(t, key, len);
	int	 k;

	for (k = 0; k < MV__COUNT; k++)
		t->pend[r][k] += v[k];
	if (!t->is_touched[r]) {
		t->is_touched[r] = 1;
		t->touched[t->ntouched++] = r;
	}
	return r;
}

/* Writer: the pending sums were committed; readers see them now. */
void
metrics_top_commit(struct metrics_top *t)
{
	size_t	 i, r;
	int	 k;

	for (i = 0; i < t->ntouched; i++) {
		r = t->touched[i];
		for (k = 0; k < MV__COUNT; k++) {
			atomic_fetch_add_explicit(&t->row[r].val[k],
			    t->pend[r][k], memory_order_relaxed);
			t->pend[r][k] = 0;
		}
		t->is_touched[r] = 0;
	}
	t->ntouched = 0;
}

/* Writer: the pending sums were rolled back (the rows stay named). */
void
metrics_top_abort(struct metrics_top *t)
{
	size_t	 i, r;

	for (i = 0; i < t->ntouched; i++) {
		r = t->touched[i];
		memset(t->pend[r], 0, sizeof(t->pend[r]));
		t->is_touched[r] = 0;
	}
	t->ntouched = 0;
}

/* Readers: the named rows published so far (the other row is cap). */
size_t
metrics_top_rows(const struct metrics_top *t)
{
	return atomic_load_explicit(&((struct metrics_top *)t)->rows,
	    memory_order_acquire);
}

size_t
metrics_top_cap(const struct metrics_top *t)
{
	return t->cap;
}

const char *
metrics_top_key(const struct metrics_top *t, size_t r, size_t *len)
{
	*len = t->row[r].keylen;
	return t->row[r].key;
}

uint64_t
metrics_top_value(const struct metrics_top *t, size_t r, enum metrics_val k)
{
	return atomic_load_explicit(&((struct metrics_top *)t)->row[r].val[k],
	    memory_order_relaxed);
}
