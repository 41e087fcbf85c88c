/*
 * sqlbuild.c: the SQL statements built from the field table and the
 * rollup columns (include/rollup_def.h), written to a memory stream: no
 * length is computed by hand, and any failure (out of memory) gives NULL.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "fields.h"
#include "rollup_def.h"
#include "sqlbuild.h"

const char *const task_meta_cols[TM__COUNT] = {
	[TM_RUN_ID] = "run_id",		[TM_RECV_TIME] = "recv_time",
	[TM_KIND] = "kind",		[TM_TASK_ID] = "task_id",
	[TM_LINK_ID] = "link_id",	[TM_TS_LEN] = "ts_len",
};
const char *const task_ident_cols[TI__COUNT] = {
	[TI_ARGS_ID] = "args_id",	[TI_EXE_ID] = "exe_id",
	[TI_CGROUP_ID] = "cgroup_id",	[TI_SRC] = "ident_src",
};

struct sbuf {
	FILE	*fp;
	char	*s;
	size_t	 len;
};

/*
 * Prepare a persistent statement from built text, which it frees: 0, or
 * -1 when sql is NULL (out of memory) or does not prepare.
 */
int
sql_prepare_built(sqlite3 *db, char *sql, sqlite3_stmt **s)
{
	int	 r;

	if (sql == NULL)
		return -1;
	r = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
	    NULL);
	free(sql);
	return r == SQLITE_OK ? 0 : -1;
}

static int
sbuf_open(struct sbuf *b)
{
	b->s = NULL;
	b->len = 0;
	return (b->fp = open_memstream(&b->s, &b->len)) == NULL ? -1 : 0;
}

/* The text, or NULL (and nothing to free) if any write failed. */
static char *
sbuf_close(struct sbuf *b)
{
	int	 bad = ferror(b->fp);

	if (fclose(b->fp) == EOF || bad) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

char *
sql_task_insert(void)
{
	struct sbuf	 b;
	size_t		 i;

	if (sbuf_open(&b) == -1)
		return NULL;
	fputs("INSERT INTO tasks (", b.fp);
	for (i = 0; i < TM__COUNT; i++)
		fprintf(b.fp, "%s, ", task_meta_cols[i]);
	for (i = 0; i < ts_nfields; i++)
		fprintf(b.fp, "%s, ", ts_fields[i].name);
	fputs("tail", b.fp);
	for (i = 0; i < TI__COUNT; i++)
		fprintf(b.fp, ", %s", task_ident_cols[i]);
	fputs(") VALUES (", b.fp);
	for (i = 0; i < TM__COUNT + ts_nfields + TI__COUNT; i++)
		fputs("?, ", b.fp);
	fputs("?)", b.fp);
	return sbuf_close(&b);
}

/*
 * An upsert adding to (or raising) the sums of a row keyed by key, and by
 * command and user too when by_comm (a level's row; else a totals row).
 */
static char *
sums_upsert(const char *table, const char *key, int by_comm)
{
	const char	*more = by_comm ? ", ac_comm, ac_uid" : "";
	struct sbuf	 b;
	const char	*c;
	size_t		 i;

	if (sbuf_open(&b) == -1)
		return NULL;
	fprintf(b.fp, "INSERT INTO %s (%s%s", table, key, more);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(b.fp, ", %s", rollup_cols[i].column);
	fputs(by_comm ? ") VALUES (?, ?, ?" : ") VALUES (?", b.fp);
	for (i = 0; i < RS__COUNT; i++)
		fputs(", ?", b.fp);
	fprintf(b.fp, ") ON CONFLICT (%s%s) DO UPDATE SET ", key, more);
	for (i = 0; i < RS__COUNT; i++) {
		c = rollup_cols[i].column;
		fprintf(b.fp, rollup_cols[i].agg == ROLLUP_AGG_MAX ?
		    "%s%s = max(%s, excluded.%s)" : "%s%s = %s + excluded.%s",
		    i ? ", " : "", c, c, c);
	}
	return sbuf_close(&b);
}

char *
sql_level_upsert(const char *table, const char *key)
{
	return sums_upsert(table, key, 1);
}

char *
sql_minutes_upsert(void)
{
	return sql_level_upsert("minutes", "minute");
}

/* The same for hour_parents or day_parents. */
char *
sql_level_parent_upsert(const char *table, const char *key)
{
	struct sbuf	 b;

	if (sbuf_open(&b) == -1)
		return NULL;
	fprintf(b.fp, "INSERT INTO %s (%s, ac_ppid, procs, short_procs, "
	    "minute_first, minute_last) VALUES (?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (%s, ac_ppid) DO UPDATE SET procs = procs + "
	    "excluded.procs, short_procs = short_procs + "
	    "excluded.short_procs, minute_first = min(minute_first, "
	    "excluded.minute_first), minute_last = max(minute_last, "
	    "excluded.minute_last)", table, key, key);
	return sbuf_close(&b);
}

/*
 * One level's rows summed from the finer one's (from its table, key
 * fkey, level number fkey / per), where "where" (with ?1 and ?2) picks
 * the finer rows.
 */
static void
level_fill(FILE *fp, const char *table, const char *from, const char *fkey,
    int per, const char *where)
{
	size_t	 i;

	fprintf(fp, "INSERT INTO %s SELECT %s / %d, ac_comm, ac_uid", table,
	    fkey, per);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(fp, ", %s(%s)", rollup_cols[i].agg == ROLLUP_AGG_MAX ?
		    "max" : "sum", rollup_cols[i].column);
	fprintf(fp, " FROM %s%s GROUP BY %s / %d, ac_comm, ac_uid; ", from,
	    where, fkey, per);
}

static void
level_parent_fill(FILE *fp, const char *table, const char *from,
    const char *fkey, int per, const char *first, const char *last,
    const char *where)
{
	fprintf(fp, "INSERT INTO %s SELECT %s / %d, ac_ppid, sum(procs), "
	    "sum(short_procs), min(%s), max(%s) FROM %s%s GROUP BY %s / %d, "
	    "ac_ppid; ", table, fkey, per, first, last, from, where, fkey,
	    per);
}

/* The totals of a level (no command, no user) from a table keyed by key. */
static void
totals_fill(FILE *fp, const char *table, const char *from, const char *key,
    const char *where)
{
	size_t	 i;

	fprintf(fp, "INSERT INTO %s SELECT %s", table, key);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(fp, ", %s(%s)", rollup_cols[i].agg == ROLLUP_AGG_MAX ?
		    "max" : "sum", rollup_cols[i].column);
	fprintf(fp, " FROM %s%s GROUP BY %s; ", from, where, key);
}

/* The same for a totals row (levels2): every command and user summed. */
char *
sql_totals_upsert(const char *table, const char *key)
{
	return sums_upsert(table, key, 0);
}

/* An upsert adding to the counts of a row of hour_ or day_commands. */
char *
sql_commands_upsert(const char *table, const char *key)
{
	struct sbuf	 b;

	if (sbuf_open(&b) == -1)
		return NULL;
	fprintf(b.fp, "INSERT INTO %s (%s, ac_comm, procs, short_procs) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (%s, ac_comm) DO UPDATE SET "
	    "procs = procs + excluded.procs, short_procs = short_procs + "
	    "excluded.short_procs", table, key, key);
	return sbuf_close(&b);
}

static void
commands_fill(FILE *fp, const char *table, const char *from,
    const char *key, const char *where)
{
	fprintf(fp, "INSERT INTO %s SELECT %s, ac_comm, sum(procs), "
	    "sum(short_procs) FROM %s%s GROUP BY %s, ac_comm; ", table, key,
	    from, where, key);
}

/*
 * The totals of schema 5 (levels2: minute_totals, hour_totals,
 * day_totals) from minutes, hours and days.
 */
static void
totals_fill_all(FILE *fp)
{
	totals_fill(fp, "minute_totals", "minutes", "minute", "");
	totals_fill(fp, "hour_totals", "hours", "hour", "");
	totals_fill(fp, "day_totals", "days", "day", "");
	commands_fill(fp, "hour_commands", "hours", "hour", "");
	commands_fill(fp, "day_commands", "days", "day", "");
}

char *
sql_levels_fill(void)
{
	struct sbuf	 b;

	if (sbuf_open(&b) == -1)
		return NULL;
	level_fill(b.fp, "hours", "minutes", "minute", ROLLUP_HOUR_MINUTES, "");
	level_fill(b.fp, "days", "hours", "hour",
	    ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES, "");
	level_parent_fill(b.fp, "hour_parents", "minute_parents", "minute",
	    ROLLUP_HOUR_MINUTES, "minute", "minute", "");
	level_parent_fill(b.fp, "day_parents", "hour_parents", "hour",
	    ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES, "minute_first",
	    "minute_last", "");
	totals_fill_all(b.fp);
	return sbuf_close(&b);
}

/*
 * Retention: the hour ?1 and the day ?2 summed again from what is left of
 * the finer levels (the minutes before the oldest row's are gone), and the
 * hours and days before them dropped.
 */
char *
sql_levels_prune(void)
{
	struct sbuf	 b;

	if (sbuf_open(&b) == -1)
		return NULL;
	fputs("DELETE FROM hours WHERE hour <= ?1; "
	    "DELETE FROM hour_parents WHERE hour <= ?1; "
	    "DELETE FROM days WHERE day <= ?2; "
	    "DELETE FROM day_parents WHERE day <= ?2; ", b.fp);
	level_fill(b.fp, "hours", "minutes", "minute", ROLLUP_HOUR_MINUTES,
	    " WHERE minute >= ?1 * " ROLLUP_STR(ROLLUP_HOUR_MINUTES)
	    " AND minute < (?1 + 1) * " ROLLUP_STR(ROLLUP_HOUR_MINUTES));
	level_parent_fill(b.fp, "hour_parents", "minute_parents", "minute",
	    ROLLUP_HOUR_MINUTES, "minute", "minute",
	    " WHERE minute >= ?1 * " ROLLUP_STR(ROLLUP_HOUR_MINUTES)
	    " AND minute < (?1 + 1) * " ROLLUP_STR(ROLLUP_HOUR_MINUTES));
	level_fill(b.fp, "days", "hours", "hour",
	    ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES,
	    " WHERE hour >= ?2 * 24 AND hour < (?2 + 1) * 24");
	level_parent_fill(b.fp, "day_parents", "hour_parents", "hour",
	    ROLLUP_DAY_MINUTES / ROLLUP_HOUR_MINUTES, "minute_first",
	    "minute_last", " WHERE hour >= ?2 * 24 AND hour < (?2 + 1) * 24");
	return sbuf_close(&b);
}

/*
 * Retention of the totals and the commands (levels2): the minutes
 * before ?3 dropped, as the minutes are; the hour ?1 and the day ?2
 * summed again from the finer levels left, the ones before them dropped.
 */
char *
sql_totals_prune(void)
{
	struct sbuf	 b;

	if (sbuf_open(&b) == -1)
		return NULL;
	fputs("DELETE FROM minute_totals WHERE minute < ?3; "
	    "DELETE FROM hour_totals WHERE hour <= ?1; "
	    "DELETE FROM day_totals WHERE day <= ?2; "
	    "DELETE FROM hour_commands WHERE hour <= ?1; "
	    "DELETE FROM day_commands WHERE day <= ?2; ", b.fp);
	totals_fill(b.fp, "hour_totals", "minute_totals", "minute / "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES), " WHERE minute >= ?1 * "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES) " AND minute < (?1 + 1) * "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES));
	totals_fill(b.fp, "day_totals", "hour_totals", "hour / 24",
	    " WHERE hour >= ?2 * 24 AND hour < (?2 + 1) * 24");
	commands_fill(b.fp, "hour_commands", "minutes", "minute / "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES), " WHERE minute >= ?1 * "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES) " AND minute < (?1 + 1) * "
	    ROLLUP_STR(ROLLUP_HOUR_MINUTES));
	commands_fill(b.fp, "day_commands", "hour_commands", "hour / 24",
	    " WHERE hour >= ?2 * 24 AND hour < (?2 + 1) * 24");
	return sbuf_close(&b);
}

char *
sql_rollup_fill(void)
{
	struct sbuf	 b;
	size_t		 i;

	if (sbuf_open(&b) == -1)
		return NULL;
	fputs("INSERT INTO minutes (minute, ac_comm, ac_uid", b.fp);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(b.fp, ", %s", rollup_cols[i].column);
	fputs(") SELECT minute, ac_comm, ac_uid", b.fp);
	/* As the daemon counts them, a NULL term adds nothing. */
	for (i = 0; i < RS__COUNT; i++)
		fprintf(b.fp, ", %s(coalesce(%s, 0))",
		    rollup_cols[i].agg == ROLLUP_AGG_MAX ? "max" : "sum",
		    rollup_cols[i].term);
	fputs(" FROM rollup_rows GROUP BY minute, ac_comm, ac_uid; "
	    "INSERT INTO minute_parents (minute, ac_ppid, procs, "
	    "short_procs) SELECT minute, ac_ppid, count(*), "
	    "sum(coalesce(short_procs, 0)) FROM rollup_rows WHERE procs "
	    "GROUP BY minute, ac_ppid;", b.fp);
	return sbuf_close(&b);
}
