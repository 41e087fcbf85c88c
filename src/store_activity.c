/*
 * store_activity.c: live sampling's rows in the database: activity (what
 * each process did in an interval), sample_passes (one row per pass),
 * tasks.sampled, and their pruning with the exit rows.  Rare next to exit
 * rows (a few per interval), so the statements are prepared per call.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sampler.h"
#include "store.h"

static int
step_done(sqlite3_stmt *s)
{
	int	 r = sqlite3_step(s);

	sqlite3_reset(s);
	return r == SQLITE_DONE ? 0 : -1;
}

static void
bind_opt(sqlite3_stmt *s, int col, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(s, col, v);
	else
		sqlite3_bind_null(s, col);
}

static int
put_activity(struct store *st, sqlite3_stmt *s, const struct activity *a)
{
	int	 col = 1, i;

	sqlite3_bind_int64(s, col++, a->time);
	sqlite3_bind_int64(s, col++, a->span);
	sqlite3_bind_int64(s, col++, store_run_id(st));
	sqlite3_bind_int64(s, col++, a->tgid);
	sqlite3_bind_int64(s, col++, a->lstart);
	sqlite3_bind_int(s, col++, a->state);
	sqlite3_bind_text(s, col++, a->comm, (int)strnlen(a->comm,
	    sizeof(a->comm)), SQLITE_TRANSIENT);
	bind_opt(s, col++, a->uid);
	bind_opt(s, col++, a->ppid);
	sqlite3_bind_int(s, col++, a->threads);
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		sqlite3_bind_int64(s, col++, a->v[i]);
	return step_done(s);
}

static int
put_pass(struct store *st, sqlite3_stmt *s, const struct sample_pass *p)
{
	sqlite3_bind_int64(s, 1, p->time);
	sqlite3_bind_int64(s, 2, store_run_id(st));
	sqlite3_bind_int64(s, 3, p->threads);
	sqlite3_bind_int64(s, 4, p->procs);
	sqlite3_bind_int64(s, 5, p->gone);
	sqlite3_bind_int64(s, 6, p->errors);
	sqlite3_bind_int64(s, 7, p->wall_us);
	sqlite3_bind_int64(s, 8, p->cpu_us);
	return step_done(s);
}

static int
prepare_activity(struct store *st, sqlite3_stmt **s)
{
	char	 sql[1024];
	size_t	 len, i;

	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO activity (time, "
	    "span, run_id, tgid, lstart, state, ac_comm, ac_uid, ac_ppid, "
	    "threads");
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s",
		    sampler_counters[i]);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
	snprintf(sql + len, sizeof(sql) - len, ")");
	return sqlite3_prepare_v2(store_handle(st), sql, -1, s, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

/* Insert activity and pass rows, inside the open transaction. */
int
store_put_items(struct store *st, const struct sacct_item *it, size_t n)
{
	sqlite3_stmt	*act = NULL, *pass = NULL;
	size_t		 i;
	int		 r = -1;

	if (prepare_activity(st, &act) == -1 ||
	    sqlite3_prepare_v2(store_handle(st), "INSERT OR REPLACE INTO "
	    "sample_passes (time, run_id, threads, procs, gone, errors, "
	    "wall_us, cpu_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &pass,
	    NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((it[i].is_pass ? put_pass(st, pass, &it[i].pass) :
		    put_activity(st, act, &it[i].act)) == -1)
			goto out;
	r = 0;
out:
	sqlite3_finalize(act);
	sqlite3_finalize(pass);
	return r;
}

/* The exit row rowid was sampled: its activity is in activity rows. */
int
store_mark_sampled(struct store *st, int64_t rowid)
{
	sqlite3_stmt	*s;
	int		 r;

	if (sqlite3_prepare_v2(store_handle(st), "UPDATE tasks SET sampled = "
	    "1 WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, rowid);
	r = step_done(s);
	sqlite3_finalize(s);
	return r;
}

/* Delete the activity and pass rows older than before (us). */
int
store_prune_activity(struct store *st, int64_t before)
{
	static const char *const sql[] = {
		"DELETE FROM activity WHERE time < ?",
		"DELETE FROM sample_passes WHERE time < ?",
	};
	sqlite3_stmt	*s;
	size_t		 i;
	int		 r;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(store_handle(st), sql[i], -1, &s,
		    NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(s, 1, before);
		r = step_done(s);
		sqlite3_finalize(s);
		if (r == -1)
			return -1;
	}
	return 0;
}
