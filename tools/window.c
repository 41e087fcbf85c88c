/*
 * window.c: top and summary over what happened in a window (window.h):
 * the activity rows and the unsampled thread exit rows, each read once
 * through its time index into "u", then one row per process in "c"
 * (its cluster "pk" and whether it ended, "pended"), then the report's
 * GROUP BY.  The activity rows are summed per process first (a, one
 * row per process however many intervals the window holds), so the
 * clustering sorts processes and exit records, not samples.
 *
 * Clustering: u sorted by (tgid, lstart); a row starts a new process
 * unless it has the tgid of the row before and a leader start within
 * PROC_START_TOL_US of it (procs.h: the estimates of one process's rows
 * agree that closely; a reused pid starts after the earlier process
 * ended).  A row without an estimate (an old struct without ac_tgetime)
 * is a process of its own.
 *
 * The filter (filter.c) is written once, on a row aliased "g", and put
 * on both sources: activity is shown to it under the tasks names (time
 * as recv_time, tgid as ac_pid and ac_tgid); --pid is the process id
 * in both.  Only parameters go into the SQL; its text is built from the
 * constants here, procs.h's and field names found in the field table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "procs.h"
#include "window.h"

/*
 * Per-row values of u beside the measure: what activity carries (exit
 * rows count only when unsampled) and what exists only at a process end.
 */
static const struct {
	const char	*name;
	const char	*act;		/* on an activity row, NULL: none */
	const char	*exit;		/* on an exit row */
} window_cols[] = {
	{ "utime", "X.ac_utime", "X.ac_utime" },
	{ "stime", "X.ac_stime", "X.ac_stime" },
	{ "read_bytes", "X.read_bytes", "X.read_bytes" },
	{ "write_bytes", "X.write_bytes", "X.write_bytes" },
	{ "cpu_delay", "X.cpu_delay_total", PROCS_DELAY("cpu_delay_total") },
	{ "blkio_delay", "X.blkio_delay_total",
	    PROCS_DELAY("blkio_delay_total") },
	{ "mem_delay", "coalesce(X.swapin_delay_total, 0) + "
	    "coalesce(X.freepages_delay_total, 0) + "
	    "coalesce(X.thrashing_delay_total, 0) + "
	    "coalesce(X.compact_delay_total, 0) + "
	    "coalesce(X.wpcopy_delay_total, 0)",
	    "coalesce(" PROCS_DELAY("swapin_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("freepages_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("thrashing_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("compact_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("wpcopy_delay_total") ", 0)" },
	/* At a process end only. */
	{ "etime", NULL, "coalesce(X.ac_tgetime, X.ac_etime)" },
	{ "rss", NULL, "X.hiwater_rss" },
};
#define WINDOW_NCOLS	(sizeof(window_cols) / sizeof(window_cols[0]))

/* An exit row ends its process: AGROUP, or a struct without it. */
#define WINDOW_END	"coalesce(g.ac_flag & " TS_SQL(TS_AGROUP) " OR " \
	"g.version < 12, 0)"

/* A process line's state, from its cluster's "ended". */
#define WINDOW_STATE(e)	"CASE WHEN " e " THEN 'exited' ELSE 'running' END"

int
window_has_field(struct cmd_ctx *ctx, const char *name)
{
	sqlite3_stmt	*stmt;
	int		 found;

	if (ctx->schema < 3 || !cli_table_exists(ctx, "activity"))
		return 0;
	stmt = cli_prepare(ctx, "SELECT 1 FROM pragma_table_info('activity') "
	    "WHERE name = ?");
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = cli_step(ctx, stmt);
	sqlite3_finalize(stmt);
	return found;
}

int
window_live(struct cmd_ctx *ctx, const struct filter *f)
{
	sqlite3_stmt	*stmt;
	int		 live = 0;

	if (ctx->schema < 3 || (f->set & ~WINDOW_FILTERS) != 0 ||
	    !cli_table_exists(ctx, "activity") ||
	    !cli_table_exists(ctx, "sample_passes"))
		return 0;
	/* Both through their time index: a few pages at most. */
	stmt = cli_prepare(ctx, "SELECT EXISTS (SELECT 1 FROM activity WHERE "
	    "time < ?1) OR EXISTS (SELECT 1 FROM sample_passes WHERE "
	    "time < ?1)");
	sqlite3_bind_int64(stmt, 1, (f->set & FILTER_UNTIL) ? f->until :
	    INT64_MAX);
	if (cli_step(ctx, stmt))
		live = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return live;
}

/* The filter's text, and --pid as the process id, on row "g". */
void
window_where(FILE *fp, const struct filter *f, const struct filter_sql *fs)
{
	fprintf(fp, " WHERE %s", fs->text);
	if (f->set & FILTER_PID)
		fputs(" AND coalesce(g.ac_tgid, g.ac_pid) = :pid", fp);
}

/*
 * a: the activity rows of the window, summed per process (the sort of
 * this GROUP BY is most of a window's cost: it carries only what the
 * report reads, the measure for top, window_cols for summary).  Its
 * name, user, parent, state and threads are those of its last sample in
 * the window (SQLite takes bare columns from the row of the one max()),
 * the exit remainder (state 1) if it ended there.
 */
static void
window_a(FILE *fp, const struct filter *f, const struct filter_sql *fs,
    const struct window_measure *m)
{
	size_t	 i;

	fputs("WITH a AS (SELECT 1 AS src, NULL AS id, max(g.recv_time) AS "
	    "time, g.tgid AS tgid, g.lstart AS lstart, g.tgid AS tid, "
	    "g.ac_comm AS comm, g.ac_uid AS uid, g.ac_ppid AS ppid, "
	    "g.state AS ended, 0 AS sampled, g.threads AS nthr", fp);
	if (m != NULL) {
		fprintf(fp, ", %s(", m->agg);
		procs_expr(fp, m->act, "g");
		fputs(") AS m", fp);
	}
	for (i = 0; m == NULL && i < WINDOW_NCOLS; i++) {
		if (window_cols[i].act == NULL) {
			fprintf(fp, ", NULL AS %s", window_cols[i].name);
			continue;
		}
		fputs(", sum(", fp);
		procs_expr(fp, window_cols[i].act, "g");
		fprintf(fp, ") AS %s", window_cols[i].name);
	}
	/* Shown to the filter under the names of tasks. */
	fputs(" FROM " WINDOW_ACTIVITY_AS_TASKS, fp);
	window_where(fp, f, fs);
	fputs(" GROUP BY g.tgid, g.lstart)", fp);
}

/* An exit row's value of expr: when unsampled, or (live 0) at its end. */
static void
window_exit_value(FILE *fp, const char *expr, int live)
{
	fprintf(fp, ", CASE WHEN %s THEN ", live ? "g.sampled IS NULL" :
	    WINDOW_END);
	procs_expr(fp, expr, "g");
	fputs(" END", fp);
}

/* u: a, and the thread exit rows of the window, as its columns. */
static void
window_u(FILE *fp, const struct filter *f, const struct filter_sql *fs,
    const struct window_measure *m)
{
	size_t	 i;

	fputs(", u AS (SELECT * FROM a UNION ALL SELECT 0, g.id, "
	    "g.recv_time, CAST(coalesce(g.ac_tgid, g.ac_pid) AS INTEGER), ",
	    fp);
	procs_expr(fp, PROCS_LSTART, "g");
	fputs(", g.ac_pid, g.ac_comm, g.ac_uid, g.ac_ppid, " WINDOW_END
	    ", g.sampled IS NOT NULL, 1", fp);
	if (m != NULL)
		window_exit_value(fp, m->exit, 1);
	for (i = 0; m == NULL && i < WINDOW_NCOLS; i++)
		window_exit_value(fp, window_cols[i].exit,
		    window_cols[i].act != NULL);
	fputs(" FROM tasks g", fp);
	window_where(fp, f, fs);
	fputc(')', fp);
}

/* c: u with its process (pk) and whether that process ended (pended). */
static void
window_c(FILE *fp)
{
	fprintf(fp, ", c0 AS (SELECT *, CASE WHEN tgid = lag(tgid) OVER o AND "
	    "lstart - lag(lstart) OVER o <= %lld THEN 0 ELSE 1 END AS brk "
	    "FROM u WINDOW o AS (ORDER BY tgid, lstart, src, id)), "
	    "c1 AS (SELECT *, sum(brk) OVER (ORDER BY tgid, lstart, src, id "
	    "ROWS UNBOUNDED PRECEDING) AS pk FROM c0), "
	    "c AS (SELECT *, max(ended) OVER (PARTITION BY pk) AS pended "
	    "FROM c1) ", (long long)PROC_START_TOL_US);
}

/*
 * The common table expressions a, u and c: the caller's SELECT follows.
 * fw is the caller's copy of f, rewritten here: fs's text parameters point
 * into it, so it must outlive the statement (they are bound static).
 */
static char *
window_sql(struct cmd_ctx *ctx, const struct filter *f, struct filter *fw,
    struct filter_sql *fs, const struct window_measure *m, const char *select)
{
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0;

	/* Every thread row ("g.kind = 0"); --pid is written here. */
	fw->set |= FILTER_THREADS;
	fw->set &= ~FILTER_PID;
	cli_filter_sql(ctx, fw, 1, fs);
	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	window_a(fp, f, fs, m);
	window_u(fp, f, fs, m);
	window_c(fp);
	fputs(select, fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	return sql;
}

static void
window_run(struct cmd_ctx *ctx, struct cmd_args *args,
    const struct window_measure *m, const char *select, const struct col *cols,
    int n)
{
	struct filter		 fw = args->filter;
	struct filter_sql	 fs;
	sqlite3_stmt		*stmt;
	char			*sql;
	int			 i;

	sql = window_sql(ctx, &args->filter, &fw, &fs, m, select);
	stmt = cli_prepare(ctx, sql);
	cli_bind_filter(ctx, stmt, &fs, 1);
	if ((i = sqlite3_bind_parameter_index(stmt, ":pid")) != 0)
		sqlite3_bind_int64(stmt, i, args->filter.pid);
	if ((i = sqlite3_bind_parameter_index(stmt, ":limit")) != 0)
		sqlite3_bind_int64(stmt, i, args->limit);
	free(sql);
	cli_print(ctx, cols, n, stmt);
	sqlite3_finalize(stmt);
}

/* A process's name: its samples', else its leader's, else any thread's. */
#define WINDOW_COMM	"coalesce(max(CASE WHEN src = 1 THEN comm END), " \
	"max(CASE WHEN tid = tgid THEN comm END), max(comm))"
#define WINDOW_UID	"coalesce(max(CASE WHEN src = 1 OR tid = tgid THEN " \
	"uid END), max(uid))"
/* Its threads: as many as a sample saw at once, and the unsampled ones. */
#define WINDOW_THREADS	"coalesce(max(CASE WHEN src = 1 THEN nthr END), 0) " \
	"+ sum(src = 0 AND NOT sampled)"

/*
 * The parent's command: its exit record (as the exit reports find it),
 * else its samples' in the window.
 */
#define WINDOW_PARENT_COMM \
	"coalesce((SELECT x.ac_comm FROM tasks x WHERE x.ac_pid = k.ppid AND " \
	"x.kind = 0 AND coalesce(x.ac_tgid, x.ac_pid) = x.ac_pid AND " \
	"x.recv_time >= k.last AND x.recv_time - x.ac_etime <= " \
	"k.first_start ORDER BY x.recv_time LIMIT 1), (SELECT x.comm FROM " \
	"a x WHERE x.tgid = k.ppid ORDER BY x.time DESC LIMIT 1))"

void
window_top(struct cmd_ctx *ctx, struct cmd_args *args, enum window_by by,
    const struct window_measure *m)
{
	struct col	 cols[9];
	char		 select[2048];
	const char	*key;
	int		 n = 0;

	switch (by) {
	case WINDOW_BY_RECORD:
		/* A sampled thread's exit record has nothing left to add. */
		snprintf(select, sizeof(select), "SELECT max(time) AS t, "
		    "max(tid), tgid, max(uid), max(comm), "
		    WINDOW_STATE("max(pended)") ", %s(m) AS mm, "
		    "max(id) AS i FROM c WHERE src = 1 OR NOT sampled "
		    "GROUP BY src, CASE WHEN src = 1 THEN pk ELSE id END "
		    "ORDER BY mm DESC, t DESC, i DESC LIMIT :limit", m->agg);
		cols[n++] = (struct col){ "time", NULL, CK_TIME, 0 };
		cols[n++] = (struct col){ "pid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "tgid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "user", "uid", CK_USER, 0 };
		cols[n++] = (struct col){ "command", "comm", CK_TEXT, 0 };
		cols[n++] = (struct col){ "state", NULL, CK_TEXT, 0 };
		cols[n++] = (struct col){ m->name, NULL, m->kind, 0 };
		cols[n++] = (struct col){ "id", NULL, CK_INT, 0 };
		break;
	case WINDOW_BY_PROCESS:
		snprintf(select, sizeof(select), "SELECT max(time) AS t, "
		    "tgid, " WINDOW_UID ", " WINDOW_COMM ", "
		    WINDOW_STATE("max(pended)") ", %s(m) AS mm, "
		    WINDOW_THREADS ", max(CASE WHEN src = 0 AND ended THEN id "
		    "END) AS i FROM c GROUP BY pk ORDER BY mm DESC, t DESC, "
		    "i DESC LIMIT :limit", m->agg);
		cols[n++] = (struct col){ "time", NULL, CK_TIME, 0 };
		cols[n++] = (struct col){ "pid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "user", "uid", CK_USER, 0 };
		cols[n++] = (struct col){ "command", "comm", CK_TEXT, 0 };
		cols[n++] = (struct col){ "state", NULL, CK_TEXT, 0 };
		cols[n++] = (struct col){ m->name, NULL, m->kind, 0 };
		cols[n++] = (struct col){ "thr", "threads", CK_INT, 0 };
		cols[n++] = (struct col){ "id", NULL, CK_INT, 0 };
		break;
	case WINDOW_BY_PARENT:
		snprintf(select, sizeof(select), "SELECT k.ppid, "
		    WINDOW_PARENT_COMM ", k.st, k.n, k.mm FROM (SELECT ppid, "
		    WINDOW_STATE("min(pended)") " AS st, sum(src = 0 AND "
		    "ended) AS n, %s(m) AS mm, max(time) AS last, "
		    "min(lstart) AS first_start FROM c GROUP BY ppid ORDER BY "
		    "mm DESC, n DESC, ppid LIMIT :limit) k ORDER BY k.mm DESC, "
		    "k.n DESC, k.ppid", m->agg);
		cols[n++] = (struct col){ "ppid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "parent", "parent_comm", CK_TEXT, 0 };
		cols[n++] = (struct col){ "state", NULL, CK_TEXT, 0 };
		cols[n++] = (struct col){ "exits", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ m->name, NULL, m->kind, 0 };
		break;
	default:
		key = by == WINDOW_BY_USER ? "uid" : "comm";
		snprintf(select, sizeof(select), "SELECT %s, "
		    WINDOW_STATE("min(pended)") ", sum(src = 0 AND ended) AS "
		    "n, coalesce(%s(m), 0) AS mm FROM c GROUP BY %s ORDER BY "
		    "mm DESC, n DESC, %s LIMIT :limit", key, m->agg, key, key);
		cols[n++] = by == WINDOW_BY_USER ?
		    (struct col){ "user", "uid", CK_USER, 0 } :
		    (struct col){ "command", "comm", CK_TEXT, 0 };
		cols[n++] = (struct col){ "state", NULL, CK_TEXT, 0 };
		cols[n++] = (struct col){ "exits", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ m->name, NULL, m->kind, 0 };
		break;
	}
	window_run(ctx, args, m, select, cols, n);
}

static const struct col window_summary_cols[] = {
	{ "command", "comm", CK_TEXT, 0 },
	{ "state", NULL, CK_TEXT, 0 },
	{ "exits", NULL, CK_INT, 0 },
	{ "real", "real_us", CK_DUR_US, 0 },
	{ "user", "user_us", CK_DUR_US, 0 },
	{ "sys", "sys_us", CK_DUR_US, 0 },
	{ "avg_rss", "avg_rss_kib", CK_KIB, 0 },
	{ "max_rss", "max_rss_kib", CK_KIB, 0 },
	{ "read", "read_bytes", CK_BYTES, 0 },
	{ "write", "write_bytes", CK_BYTES, 0 },
	{ "cpu_wait", "cpu_delay_ns", CK_DUR_NS, 0 },
	{ "io_wait", "blkio_delay_ns", CK_DUR_NS, 0 },
	{ "mem_wait", "mem_delay_ns", CK_DUR_NS, 0 },
};
#define WINDOW_SUMMARY_NCOLS \
	(sizeof(window_summary_cols) / sizeof(window_summary_cols[0]))

void
window_summary(struct cmd_ctx *ctx, struct cmd_args *args, enum window_by by)
{
	struct col	 cols[WINDOW_SUMMARY_NCOLS];
	char		 select[1024];
	const char	*key = by == WINDOW_BY_USER ? "uid" : "comm";

	memcpy(cols, window_summary_cols, sizeof(cols));
	if (by == WINDOW_BY_USER)
		cols[0] = (struct col){ "user", "uid", CK_USER, 0 };
	/* Sums of nothing are 0, as in the rollups. */
#define Z(x)	"coalesce(sum(" x "), 0)"
	snprintf(select, sizeof(select), "SELECT %s, "
	    WINDOW_STATE("min(pended)") ", sum(src = 0 AND ended) AS n, "
	    Z("etime") ", " Z("utime") ", " Z("stime") ", sum(rss) / "
	    "nullif(sum(src = 0 AND ended), 0), coalesce(max(rss), 0), "
	    Z("read_bytes") ", " Z("write_bytes") ", " Z("cpu_delay") ", "
	    Z("blkio_delay") ", " Z("mem_delay") " FROM c GROUP BY %s "
	    "ORDER BY " Z("utime") " + " Z("stime") " DESC, n DESC, %s "
	    "LIMIT :limit", key, key, key);
#undef Z
	window_run(ctx, args, NULL, select, cols, (int)WINDOW_SUMMARY_NCOLS);
}
