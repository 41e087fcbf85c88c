/*
 * sqlbuild.c: the SQL statements built from the field table and the
 * rollup columns (include/rollup_def.h), written to a memory stream: no
 * length is computed by hand, and any failure (out of memory) gives NULL.
 */
#include <stdio.h>
#include <stdlib.h>

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

char *
sql_minutes_upsert(void)
{
	struct sbuf	 b;
	const char	*c;
	size_t		 i;

	if (sbuf_open(&b) == -1)
		return NULL;
	fputs("INSERT INTO minutes (minute, ac_comm, ac_uid", b.fp);
	for (i = 0; i < RS__COUNT; i++)
		fprintf(b.fp, ", %s", rollup_cols[i].column);
	fputs(") VALUES (?, ?, ?", b.fp);
	for (i = 0; i < RS__COUNT; i++)
		fputs(", ?", b.fp);
	fputs(") ON CONFLICT (minute, ac_comm, ac_uid) DO UPDATE SET ", b.fp);
	for (i = 0; i < RS__COUNT; i++) {
		c = rollup_cols[i].column;
		fprintf(b.fp, rollup_cols[i].agg == ROLLUP_AGG_MAX ?
		    "%s%s = max(%s, excluded.%s)" : "%s%s = %s + excluded.%s",
		    i ? ", " : "", c, c, c);
	}
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
