/*
 * rollup.c: the per-minute rollups of one transaction, in memory.  Each
 * thread record adds the terms the view rollup_rows (sql/schema.sql)
 * defines for it to its (minute, name, user) entry and, for a process end,
 * to its (minute, parent) entry; the store writes the entries at commit as
 * upserts, so a storm of one program costs a few upserts per batch rather
 * than a second write per row.  The terms must stay those of the view: a
 * test compares the tables the daemon filled with the view's sums.
 *
 * Entries live in arrays, found through an open-addressing index of
 * positions that is rebuilt when it gets half full.
 *
 * The hour and day levels (schema 4) are folded from the minute entries at
 * commit (rollup_levels), not per record: a batch has a few minute entries
 * per program, so the coarser levels cost a few upserts per batch.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "rollup.h"
#include "taskacct.h"
#include "taskstats_proto.h"

/* The fields the computed terms (rollup_terms) read. */
enum rollup_field {
	RF_COMM, RF_UID, RF_PPID, RF_FLAG, RF_EXITCODE, RF_ETIME, RF_TGETIME,
	RF_RSS, RF__COUNT
};

static const char *const rollup_field_names[RF__COUNT] = {
	[RF_COMM] = "ac_comm",		[RF_UID] = "ac_uid",
	[RF_PPID] = "ac_ppid",		[RF_FLAG] = "ac_flag",
	[RF_EXITCODE] = "ac_exitcode",	[RF_ETIME] = "ac_etime",
	[RF_TGETIME] = "ac_tgetime",	[RF_RSS] = "hiwater_rss",
};

#define NO_FIELD	((size_t)-1)

struct table {
	void		*items;		/* entries, in order of arrival */
	size_t		 size;		/* bytes of one entry */
	size_t		 n, cap;
	uint32_t	*slot;		/* index + 1 of an entry; 0: empty */
	size_t		 nslot;		/* a power of two */
};

struct rollup {
	size_t			 field[RF__COUNT];	/* in ts_fields[] */
	size_t			 plain[RS__COUNT];	/* or NO_FIELD */
	struct table		 minutes;
	struct table		 parents;
	struct table		 lminutes[ROLLUP_LEVEL__COUNT];
	struct table		 lparents[ROLLUP_LEVEL__COUNT];
};

/* A level's number of a minute: minute / its minutes, as in SQL. */
static const int64_t rollup_level_minutes_of[ROLLUP_LEVEL__COUNT] = {
	[ROLLUP_LEVEL_HOUR] = ROLLUP_HOUR_MINUTES,
	[ROLLUP_LEVEL_DAY] = ROLLUP_DAY_MINUTES,
};

#define ROLLUP_SLOTS_MIN	256

struct rollup *
rollup_new(void)
{
	const struct ts_field	*f;
	struct rollup		*r;
	size_t			 i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	for (i = 0; i < RF__COUNT; i++) {
		if ((f = ts_field_find(rollup_field_names[i])) == NULL) {
			free(r);
			return NULL;
		}
		r->field[i] = (size_t)(f - ts_fields);
	}
	for (i = 0; i < RS__COUNT; i++) {
		r->plain[i] = NO_FIELD;
		if (rollup_cols[i].field == NULL)
			continue;
		if ((f = ts_field_find(rollup_cols[i].field)) == NULL) {
			free(r);
			return NULL;
		}
		r->plain[i] = (size_t)(f - ts_fields);
	}
	r->minutes.size = sizeof(struct rollup_minute);
	r->parents.size = sizeof(struct rollup_parent);
	for (i = 0; i < ROLLUP_LEVEL__COUNT; i++) {
		r->lminutes[i].size = sizeof(struct rollup_minute);
		r->lparents[i].size = sizeof(struct rollup_parent);
	}
	return r;
}

static void
table_free(struct table *t)
{
	free(t->items);
	free(t->slot);
}

void
rollup_free(struct rollup *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	table_free(&r->minutes);
	table_free(&r->parents);
	for (i = 0; i < ROLLUP_LEVEL__COUNT; i++) {
		table_free(&r->lminutes[i]);
		table_free(&r->lparents[i]);
	}
	free(r);
}

static void
table_clear(struct table *t)
{
	t->n = 0;
	if (t->slot != NULL)
		memset(t->slot, 0, t->nslot * sizeof(*t->slot));
}

/* Forget the entries (after a commit has written them, or a rollback). */
void
rollup_clear(struct rollup *r)
{
	size_t	 i;

	table_clear(&r->minutes);
	table_clear(&r->parents);
	for (i = 0; i < ROLLUP_LEVEL__COUNT; i++) {
		table_clear(&r->lminutes[i]);
		table_clear(&r->lparents[i]);
	}
}

static uint64_t
hash_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static uint64_t
minute_hash(const struct rollup_minute *m)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*p;

	h = hash_mix(h, (uint64_t)m->minute);
	h = hash_mix(h, (uint64_t)m->uid);
	for (p = m->comm; *p != '\0'; p++)
		h = hash_mix(h, (unsigned char)*p);
	return h;
}

static uint64_t
parent_hash(const struct rollup_parent *p)
{
	return hash_mix(hash_mix(0xcbf29ce484222325ULL, (uint64_t)p->minute),
	    (uint64_t)p->ppid);
}

static int
minute_same(const void *a, const void *b)
{
	const struct rollup_minute	*x = a, *y = b;

	return x->minute == y->minute && x->uid == y->uid &&
	    strcmp(x->comm, y->comm) == 0;
}

static int
parent_same(const void *a, const void *b)
{
	const struct rollup_parent	*x = a, *y = b;

	return x->minute == y->minute && x->ppid == y->ppid;
}

static uint64_t
entry_hash(const struct table *t, const void *e)
{
	return t->size == sizeof(struct rollup_minute) ? minute_hash(e) :
	    parent_hash(e);
}

/* Rebuild the index with room for twice the entries. */
static int
table_grow(struct table *t)
{
	size_t		 nslot = t->nslot ? t->nslot * 2 : ROLLUP_SLOTS_MIN, i, j;
	uint32_t	*slot;
	void		*items;

	if ((slot = calloc(nslot, sizeof(*slot))) == NULL)
		return -1;
	if ((items = realloc(t->items, nslot / 2 * t->size)) == NULL) {
		free(slot);
		return -1;
	}
	t->items = items;
	t->cap = nslot / 2;
	for (i = 0; i < t->n; i++) {
		j = entry_hash(t, (char *)t->items + i * t->size) & (nslot - 1);
		while (slot[j] != 0)
			j = (j + 1) & (nslot - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

/* The entry with key's key, added (zeroed but for the key) if missing. */
static void *
table_get(struct table *t, const void *key, int (*same)(const void *,
    const void *))
{
	size_t	 j;
	void	*e;

	if (t->n + 1 > t->cap && table_grow(t) == -1)
		return NULL;
	j = entry_hash(t, key) & (t->nslot - 1);
	for (; t->slot[j] != 0; j = (j + 1) & (t->nslot - 1)) {
		e = (char *)t->items + (t->slot[j] - 1) * t->size;
		if (same(e, key))
			return e;
	}
	e = (char *)t->items + t->n * t->size;
	memcpy(e, key, t->size);
	t->slot[j] = (uint32_t)++t->n;
	return e;
}

/*
 * The record's fields, read through the store's plan for its shape (the
 * one its row was bound with): a field's step, and its value or dflt when
 * the record's version does not carry it.
 */
static const struct ts_step *
rec_step(const struct rollup *r, const struct ts_plan *plan,
    enum rollup_field f)
{
	return &plan->step[r->field[f]];
}

static int64_t
step_int(const struct ts_step *s, const struct ts_record *rec, int64_t dflt)
{
	return s->present ? ts_value_int(s->type, rec->raw + s->offset) : dflt;
}

static int64_t
rec_int(const struct rollup *r, const struct ts_plan *plan,
    enum rollup_field f, const struct ts_record *rec, int64_t dflt)
{
	return step_int(rec_step(r, plan, f), rec, dflt);
}

/*
 * The terms of rollup_rows (sql/schema.sql) that are not plain fields, as
 * the view computes them for a thread row: as in SQL, a NULL field makes a
 * flag's term add nothing.  A process's life is its group's (ac_tgetime):
 * the last thread's may be shorter.
 */
static void
rollup_terms(const struct rollup *r, const struct ts_plan *plan,
    const struct ts_record *rec, int64_t t[RS__COUNT])
{
	const struct ts_step	*tg = rec_step(r, plan, RF_TGETIME);
	const struct ts_step	*et = rec_step(r, plan, RF_ETIME);
	int64_t			 etime;
	int			 end, has_etime = tg->present || et->present;

	end = (rec_int(r, plan, RF_FLAG, rec, 0) & TS_AGROUP) != 0;
	etime = tg->present ? step_int(tg, rec, 0) : step_int(et, rec, 0);
	t[RS_TASKS] = 1;
	t[RS_PROCS] = end;
	t[RS_FAILED] = end && rec_int(r, plan, RF_EXITCODE, rec, 0) != 0;
	t[RS_SHORT] = end && has_etime && etime < ROLLUP_SHORT_US;
	t[RS_ETIME] = end ? etime : 0;
	t[RS_RSS_SUM] = t[RS_RSS_MAX] = end ?
	    rec_int(r, plan, RF_RSS, rec, 0) : 0;
}

/*
 * A delay total the thread's own life cannot hold (TS_DELAY_MAX_NS: delay
 * accounting switched on mid-wait) adds nothing, as in rollup_rows.
 */
static int
rollup_delay_impossible(struct rollup *r, const struct ts_plan *plan,
    const struct ts_record *rec, int64_t delay)
{
	int64_t	 etime;

	if (!rec_step(r, plan, RF_ETIME)->present)
		return 1;
	etime = rec_int(r, plan, RF_ETIME, rec, 0);
	return etime > (INT64_MAX - 1000000) / 1010 ||
	    delay > TS_DELAY_MAX_NS(etime);
}

/* Add a thread record's terms; group records are not rolled up. */
int
rollup_add(struct rollup *r, const struct ts_record *rec,
    const struct ts_plan *plan, int64_t recv_time)
{
	struct rollup_minute	 mk, *m;
	struct rollup_parent	 pk, *p;
	const struct ts_step	*cs = rec_step(r, plan, RF_COMM);
	int64_t			 t[RS__COUNT];
	size_t			 i;

	if (rec->kind != TASK_KIND_THREAD)
		return 0;
	memset(&mk, 0, sizeof(mk));
	mk.minute = rollup_minute(recv_time);
	mk.uid = rec_int(r, plan, RF_UID, rec, -1);
	if (cs->present)
		memcpy(mk.comm, rec->raw + cs->offset, TS_COMM_LEN);
	if ((m = table_get(&r->minutes, &mk, minute_same)) == NULL)
		return -1;
	rollup_terms(r, plan, rec, t);
	for (i = 0; i < RS__COUNT; i++) {
		if (r->plain[i] != NO_FIELD)
			t[i] = step_int(&plan->step[r->plain[i]], rec, 0);
		if (i >= RS_CPU_DELAY && i <= RS_IRQ_DELAY &&
		    rollup_delay_impossible(r, plan, rec, t[i]))
			t[i] = 0;
		if (rollup_cols[i].agg == ROLLUP_AGG_MAX)
			m->sum[i] = t[i] > m->sum[i] ? t[i] : m->sum[i];
		else
			m->sum[i] = rollup_sum_add(m->sum[i], t[i]);
	}
	if (!t[RS_PROCS])
		return 0;
	memset(&pk, 0, sizeof(pk));
	pk.minute = mk.minute;
	pk.ppid = rec_int(r, plan, RF_PPID, rec, -1);
	pk.first = pk.last = pk.minute;
	if ((p = table_get(&r->parents, &pk, parent_same)) == NULL)
		return -1;
	p->procs++;
	p->short_procs += t[RS_SHORT];
	return 0;
}

size_t
rollup_minutes(const struct rollup *r, const struct rollup_minute **m)
{
	*m = r->minutes.items;
	return r->minutes.n;
}

size_t
rollup_parents(const struct rollup *r, const struct rollup_parent **p)
{
	*p = r->parents.items;
	return r->parents.n;
}

/* Add a minute entry's sums to its entry of a coarser level. */
static int
level_add_minute(struct table *t, const struct rollup_minute *m, int64_t per)
{
	struct rollup_minute	 k, *e;
	size_t			 i;

	memset(&k, 0, sizeof(k));
	k.minute = m->minute / per;
	k.uid = m->uid;
	memcpy(k.comm, m->comm, sizeof(k.comm));
	if ((e = table_get(t, &k, minute_same)) == NULL)
		return -1;
	for (i = 0; i < RS__COUNT; i++)
		if (rollup_cols[i].agg == ROLLUP_AGG_MAX)
			e->sum[i] = m->sum[i] > e->sum[i] ? m->sum[i] :
			    e->sum[i];
		else
			e->sum[i] = rollup_sum_add(e->sum[i], m->sum[i]);
	return 0;
}

static int
level_add_parent(struct table *t, const struct rollup_parent *p, int64_t per)
{
	struct rollup_parent	 k, *e;

	memset(&k, 0, sizeof(k));
	k.minute = p->minute / per;
	k.ppid = p->ppid;
	k.first = p->first;
	k.last = p->last;
	if ((e = table_get(t, &k, parent_same)) == NULL)
		return -1;
	e->procs += p->procs;
	e->short_procs += p->short_procs;
	e->first = p->first < e->first ? p->first : e->first;
	e->last = p->last > e->last ? p->last : e->last;
	return 0;
}

/*
 * Fold the minute entries into the hour and day entries (once, at commit:
 * the levels are rebuilt from the minutes each time).
 */
int
rollup_levels(struct rollup *r)
{
	const struct rollup_minute	*m = r->minutes.items;
	const struct rollup_parent	*p = r->parents.items;
	size_t				 l, i;

	for (l = 0; l < ROLLUP_LEVEL__COUNT; l++) {
		table_clear(&r->lminutes[l]);
		table_clear(&r->lparents[l]);
		for (i = 0; i < r->minutes.n; i++)
			if (level_add_minute(&r->lminutes[l], &m[i],
			    rollup_level_minutes_of[l]) == -1)
				return -1;
		for (i = 0; i < r->parents.n; i++)
			if (level_add_parent(&r->lparents[l], &p[i],
			    rollup_level_minutes_of[l]) == -1)
				return -1;
	}
	return 0;
}

size_t
rollup_level_minutes(const struct rollup *r, enum rollup_level l,
    const struct rollup_minute **m)
{
	*m = r->lminutes[l].items;
	return r->lminutes[l].n;
}

size_t
rollup_level_parents(const struct rollup *r, enum rollup_level l,
    const struct rollup_parent **p)
{
	*p = r->lparents[l].items;
	return r->lparents[l].n;
}
