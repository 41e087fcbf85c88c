/*
 * short_parents.c: the top N parents of `taskacct short` from the rollups
 * without summing every parent of the window (issue 13).  A parent's
 * count is the sum of its short-lived children over the window's parts
 * (rollup.h: whole days, hours, minutes, edge rows), and a week holds
 * tens of thousands of parents per day.  Instead (a threshold algorithm):
 *
 *   - each whole day and hour gives its K largest parents, and the
 *     (K+1)-th count, its cut (0 when it has no more), through the index
 *     day_parents_short or hour_parents_short (schema 5); the minutes and
 *     the edge rows, a few hours at most, are read whole;
 *   - a parent listed nowhere counts at most B, the sum of the cuts; a
 *     listed one at least what was listed (S) and at most S plus the cuts
 *     of the parts that did not list it (U);
 *   - the parents whose U reaches the N-th largest S are summed exactly
 *     (one lookup per day and hour), ranked as the SQL ranks them (count
 *     descending, then ppid), and the answer stands if B is below the
 *     N-th exact count (or B is 0: no other parent had a short child).
 *
 * Otherwise (a window where the cuts add up, N above SHORT_N_MAX, too many
 * parents to sum) the caller reads the direct SQL: the answer is always
 * the same.  TASKACCT_SHORT_PARENTS=0 in the environment forces that;
 * TASKACCT_SHORT_PARENTS=trace says on stderr which way each answer came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rollup.h"
#include "short_parents.h"

#define SHORT_N_MAX	100	/* a larger --limit reads the direct SQL */
#define SHORT_K_MIN	20	/* parents listed per day or hour: */
#define SHORT_K_PER_N	5	/* max(K_MIN, K_PER_N * N) */
#define SHORT_EXACT_MAX	4096	/* parents summed exactly, at most */

struct sp_entry {
	int64_t		 ppid;
	int64_t		 s;		/* short children listed or read */
	int64_t		 l;		/* the cuts of the parts listing it */
	int64_t		 n, procs;	/* exact, from the parts read whole */
	int64_t		 first, last;	/* minutes, idem (INT64_MAX/MIN) */
	int64_t		 ln, lprocs;	/* the same from its listings */
	int64_t		 lfirst, llast;
	int64_t		 nlisted;	/* days and hours listing it */
	int		 used;
};

struct sp_map {
	struct sp_entry	*e;
	size_t		 cap, len;	/* cap a power of 2 */
};

static uint64_t
sp_hash(int64_t k)
{
	uint64_t	 x = (uint64_t)k;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

static struct sp_entry *sp_get(struct cmd_ctx *, struct sp_map *, int64_t);

static void
sp_grow(struct cmd_ctx *ctx, struct sp_map *m)
{
	struct sp_map	 n = { NULL, m->cap ? m->cap * 2 : 1024, 0 };
	size_t		 i;

	if ((n.e = calloc(n.cap, sizeof(*n.e))) == NULL)
		cli_fatal(ctx, "out of memory");
	for (i = 0; i < m->cap; i++)
		if (m->e[i].used)
			*sp_get(ctx, &n, m->e[i].ppid) = m->e[i];
	free(m->e);
	*m = n;
}

/* The entry of ppid, a new one (zero sums) if none. */
static struct sp_entry *
sp_get(struct cmd_ctx *ctx, struct sp_map *m, int64_t ppid)
{
	struct sp_entry	*e;
	size_t		 i;

	if (m->len * 2 >= m->cap)
		sp_grow(ctx, m);
	for (i = sp_hash(ppid) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		e = &m->e[i];
		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = 1;
			e->ppid = ppid;
			e->first = e->lfirst = INT64_MAX;
			e->last = e->llast = INT64_MIN;
			m->len++;
			return e;
		}
		if (e->ppid == ppid)
			return e;
	}
}

static void
sp_add(struct sp_entry *e, int64_t n, int64_t procs, int64_t first,
    int64_t last)
{
	e->n += n;
	e->procs += procs;
	if (first < e->first)
		e->first = first;
	if (last > e->last)
		e->last = last;
}

/* The tables of a level: parents, its index's name, key column. */
static const char *const sp_table[][3] = {
	[ROLLUP_PART_HOURS] = { "hour_parents", "hour_parents_short", "hour" },
	[ROLLUP_PART_DAYS] = { "day_parents", "day_parents_short", "day" },
};

/*
 * A part read whole (minutes, edge rows): every parent's counts, exact.
 * -1: a row without a parent (NULL), which only the SQL groups.
 */
static int
sp_read_whole(struct cmd_ctx *ctx, struct sp_map *m,
    const struct rollup_part *p)
{
	sqlite3_stmt	*stmt;
	struct sp_entry	*e;
	int64_t		 n;
	int		 r = 0;

	stmt = cli_prepare(ctx, p->level == ROLLUP_PART_ROWS ?
	    "SELECT ac_ppid, 1, coalesce(short_procs, 0), minute FROM "
	    "rollup_rows WHERE recv_time >= ?1 AND recv_time < ?2 AND procs" :
	    "SELECT ac_ppid, procs, short_procs, minute FROM minute_parents "
	    "WHERE minute >= ?1 AND minute < ?2");
	sqlite3_bind_int64(stmt, 1, p->lo);
	sqlite3_bind_int64(stmt, 2, p->hi);
	while (r == 0 && cli_step(ctx, stmt)) {
		if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
			r = -1;
			break;
		}
		e = sp_get(ctx, m, sqlite3_column_int64(stmt, 0));
		n = sqlite3_column_int64(stmt, 2);
		e->s += n;
		sp_add(e, n, sqlite3_column_int64(stmt, 1),
		    sqlite3_column_int64(stmt, 3),
		    sqlite3_column_int64(stmt, 3));
	}
	sqlite3_finalize(stmt);
	return r;
}

/*
 * Each day or hour of a part: its K largest parents (their sums from the
 * index, which covers them), and its cut.
 */
static void
sp_read_top(struct cmd_ctx *ctx, struct sp_map *m,
    const struct rollup_part *p, int64_t k, int64_t *bound)
{
	struct sp_entry	*e;
	sqlite3_stmt	*stmt;
	struct sp_entry	**listed;
	char		 sql[256];
	int64_t		 key, cut, i, n;

	if ((listed = calloc((size_t)k, sizeof(*listed))) == NULL)
		cli_fatal(ctx, "out of memory");
	snprintf(sql, sizeof(sql), "SELECT ac_ppid, short_procs, procs, "
	    "minute_first, minute_last FROM %s INDEXED BY %s WHERE %s = ?1 "
	    "ORDER BY short_procs DESC LIMIT ?2",
	    sp_table[p->level][0], sp_table[p->level][1],
	    sp_table[p->level][2]);
	stmt = cli_prepare(ctx, sql);
	for (key = p->lo; key < p->hi; key++) {
		sqlite3_bind_int64(stmt, 1, key);
		sqlite3_bind_int64(stmt, 2, k + 1);
		for (n = 0, cut = 0; cli_step(ctx, stmt); n++) {
			if (n == k) {
				cut = sqlite3_column_int64(stmt, 1);
				break;
			}
			e = listed[n] = sp_get(ctx, m,
			    sqlite3_column_int64(stmt, 0));
			e->s += sqlite3_column_int64(stmt, 1);
			e->ln += sqlite3_column_int64(stmt, 1);
			e->lprocs += sqlite3_column_int64(stmt, 2);
			if (sqlite3_column_int64(stmt, 3) < e->lfirst)
				e->lfirst = sqlite3_column_int64(stmt, 3);
			if (sqlite3_column_int64(stmt, 4) > e->llast)
				e->llast = sqlite3_column_int64(stmt, 4);
			e->nlisted++;
		}
		sqlite3_reset(stmt);
		for (i = 0; i < n && i < k; i++)
			listed[i]->l += cut;
		*bound += cut;
	}
	sqlite3_finalize(stmt);
	free(listed);
}

/*
 * One exact lookup of each parent of e[] in each day or hour of p (the
 * parents that every day and hour listed have their sums already).
 */
static void
sp_exact(struct cmd_ctx *ctx, struct sp_entry **e, size_t ne,
    const struct rollup_part *p, int64_t nkeys)
{
	sqlite3_stmt	*stmt;
	char		 sql[256];
	int64_t		 key;
	size_t		 i;

	snprintf(sql, sizeof(sql), "SELECT short_procs, procs, minute_first, "
	    "minute_last FROM %s WHERE %s = ?1 AND ac_ppid = ?2",
	    sp_table[p->level][0], sp_table[p->level][2]);
	stmt = cli_prepare(ctx, sql);
	for (key = p->lo; key < p->hi; key++)
		for (i = 0; i < ne; i++) {
			if (e[i]->nlisted == nkeys)
				continue;
			sqlite3_bind_int64(stmt, 1, key);
			sqlite3_bind_int64(stmt, 2, e[i]->ppid);
			if (cli_step(ctx, stmt))
				sp_add(e[i], sqlite3_column_int64(stmt, 0),
				    sqlite3_column_int64(stmt, 1),
				    sqlite3_column_int64(stmt, 2),
				    sqlite3_column_int64(stmt, 3));
			sqlite3_reset(stmt);
		}
	sqlite3_finalize(stmt);
}

static int
cmp_desc(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* As the SQL ranks: count descending, then ppid. */
static int
cmp_rank(const void *a, const void *b)
{
	const struct sp_entry	*x = *(struct sp_entry *const *)a;
	const struct sp_entry	*y = *(struct sp_entry *const *)b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->ppid < y->ppid ? -1 : x->ppid > y->ppid;
}

/* The N-th largest of the listed counts S (0 if fewer are above 0). */
static int64_t
sp_nth_s(struct cmd_ctx *ctx, const struct sp_map *m, int64_t limit)
{
	int64_t	*v, t;
	size_t	 i, n = 0;

	if ((v = calloc(m->len + 1, sizeof(*v))) == NULL)
		cli_fatal(ctx, "out of memory");
	for (i = 0; i < m->cap; i++)
		if (m->e[i].used && m->e[i].s > 0)
			v[n++] = m->e[i].s;
	qsort(v, n, sizeof(*v), cmp_desc);
	t = (int64_t)n >= limit ? v[limit - 1] : 0;
	free(v);
	return t;
}

/* The JSON array of the top: [ppid, n, procs, first, last], ranked. */
static char *
sp_json(struct cmd_ctx *ctx, struct sp_entry **e, size_t ne)
{
	FILE	*fp;
	char	*json = NULL;
	size_t	 len = 0, i;

	if ((fp = open_memstream(&json, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputc('[', fp);
	for (i = 0; i < ne; i++)
		fprintf(fp, "%s[%lld,%lld,%lld,%lld,%lld]", i ? "," : "",
		    (long long)e[i]->ppid, (long long)e[i]->n,
		    (long long)e[i]->procs, (long long)e[i]->first,
		    (long long)e[i]->last);
	fputc(']', fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	return json;
}

/* 1 if the indexes of schema 5 are there. */
static int
sp_index_exists(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	stmt = cli_prepare(ctx, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name IN ('hour_parents_short', "
	    "'day_parents_short')");
	if (cli_step(ctx, stmt))
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n == 2;
}

/* TASKACCT_SHORT_PARENTS=trace: which way each answer came (for tests). */
static void
sp_trace(int fast)
{
	const char	*env = getenv("TASKACCT_SHORT_PARENTS");

	if (env != NULL && strcmp(env, "trace") == 0)
		fprintf(stderr, "short parents: %s\n", fast ? "top K" : "sql");
}

static int
sp_usable(struct cmd_ctx *ctx, int64_t limit)
{
	const char	*env = getenv("TASKACCT_SHORT_PARENTS");

	if ((env != NULL && strcmp(env, "0") == 0) || limit < 1 ||
	    limit > SHORT_N_MAX || ctx->schema < 5)
		return 0;
	return cli_table_exists(ctx, "hour_parents") &&
	    cli_table_exists(ctx, "day_parents") && sp_index_exists(ctx);
}

/*
 * An open-ended part (hi RW_INF) ends after the level's last key: the
 * days and hours are walked key by key.
 */
static void
sp_clamp(struct cmd_ctx *ctx, struct rollup_part *p)
{
	sqlite3_stmt	*stmt;
	char		 sql[128];

	snprintf(sql, sizeof(sql), "SELECT max(%s) FROM %s",
	    sp_table[p->level][2], sp_table[p->level][0]);
	stmt = cli_prepare(ctx, sql);
	if (cli_step(ctx, stmt) && sqlite3_column_type(stmt, 0) !=
	    SQLITE_NULL && sqlite3_column_int64(stmt, 0) < p->hi - 1)
		p->hi = sqlite3_column_int64(stmt, 0) + 1;
	else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		p->hi = p->lo;
	sqlite3_finalize(stmt);
}

char *
short_parents_top(struct cmd_ctx *ctx, const struct filter *f, int64_t limit)
{
	struct rollup_part	 parts[ROLLUP_PARTS_MAX];
	struct sp_map		 m = { NULL, 0, 0 };
	struct sp_entry		**cand = NULL;
	size_t			 np, i, nc = 0, nout;
	int64_t			 k, bound = 0, th, thx, nkeys = 0;
	char			*json = NULL;

	if (!sp_usable(ctx, limit))
		return NULL;
	k = limit * SHORT_K_PER_N < SHORT_K_MIN ? SHORT_K_MIN :
	    limit * SHORT_K_PER_N;
	np = rollup_parts(ctx, f, parts);
	for (i = 0; i < np; i++)
		if (parts[i].level >= ROLLUP_PART_HOURS) {
			sp_clamp(ctx, &parts[i]);
			sp_read_top(ctx, &m, &parts[i], k, &bound);
		}
		else if (sp_read_whole(ctx, &m, &parts[i]) == -1)
			goto out;
	/* Who can reach the N-th largest listed count: summed exactly. */
	th = sp_nth_s(ctx, &m, limit);
	if ((cand = calloc(m.len + 1, sizeof(*cand))) == NULL)
		cli_fatal(ctx, "out of memory");
	for (i = 0; i < m.cap; i++)
		if (m.e[i].used && m.e[i].s + bound - m.e[i].l >= th &&
		    m.e[i].s + bound - m.e[i].l > 0)
			cand[nc++] = &m.e[i];
	if (nc > SHORT_EXACT_MAX)
		goto out;
	for (i = 0; i < np; i++)
		if (parts[i].level >= ROLLUP_PART_HOURS)
			nkeys += parts[i].hi - parts[i].lo;
	for (i = 0; i < nc; i++)
		if (cand[i]->nlisted == nkeys)
			sp_add(cand[i], cand[i]->ln, cand[i]->lprocs,
			    cand[i]->lfirst, cand[i]->llast);
	for (i = 0; i < np; i++)
		if (parts[i].level >= ROLLUP_PART_HOURS)
			sp_exact(ctx, cand, nc, &parts[i], nkeys);
	qsort(cand, nc, sizeof(*cand), cmp_rank);
	for (nout = 0; nout < nc && nout < (size_t)limit &&
	    cand[nout]->n > 0; nout++)
		;
	/* Any parent not summed counts at most bound. */
	thx = nout == (size_t)limit ? cand[nout - 1]->n : 0;
	if (bound == 0 || bound < thx)
		json = sp_json(ctx, cand, nout);
out:
	sp_trace(json != NULL);
	free(cand);
	free(m.e);
	return json;
}
