/*
 * procs.c: the SQL shared by last, top, summary and short: the selected
 * exits (filter.h) as one row per process with its threads' totals, the
 * common table expression "p".
 *
 * A process ends with the thread row that has AGROUP set.  A process that
 * ever had several threads also left a thread-group row (kind 1), which the
 * recorder writes right after that thread row (id + 1, link_id = its id):
 * only then are its other threads' rows looked for and summed.  Those are
 * the kind 0 rows of the same boot (PROCS_SAME_BOOT: a process may outlive
 * a restart of the recorder) with the same ac_tgid whose
 * leader start (PROCS_LSTART, from the kernel's clocks) is within
 * PROC_START_TOL_US of the process's: the process's identity, whenever
 * each row arrived.  Under PID reuse, a later process with the same id
 * started after this one ended, so its leader start differs.
 *
 * There is no index on ac_tgid (every insert would pay for it): the scan
 * for a process's threads reads tasks_recv_time from its leader's start
 * (no thread ends before it, none is received before it ends) to
 * PROC_SLACK_US after its end (rows of several sockets arrive in no fixed
 * order); single-threaded processes (nearly all) cost nothing.  CROSS
 * JOIN keeps g the outer loop: SQLite would otherwise scan all of tasks
 * and look g up.  A window report instead matches in the window's rows,
 * read once.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fields.h"
#include "procs.h"
#include "rollup.h"

/* Per-row values summed (or taken the largest of) over a process's threads. */
static const struct {
	const char	*name;
	const char	*agg;
	const char	*expr;		/* on the row aliased X */
} procs_cols[] = {
	{ "utime", "sum", "X.ac_utime" },
	{ "stime", "sum", "X.ac_stime" },
	{ "read_bytes", "sum", "X.read_bytes" },
	{ "write_bytes", "sum", "X.write_bytes" },
	{ "cpu_delay", "sum", PROCS_DELAY("cpu_delay_total") },
	{ "blkio_delay", "sum", PROCS_DELAY("blkio_delay_total") },
	{ "mem_delay", "sum", "coalesce(" PROCS_DELAY("swapin_delay_total")
	    ", 0) + coalesce(" PROCS_DELAY("freepages_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("thrashing_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("compact_delay_total") ", 0) + "
	    "coalesce(" PROCS_DELAY("wpcopy_delay_total") ", 0)" },
	{ "rss", "max", "X.hiwater_rss" },
	{ "csw", "sum", "X.nvcsw + X.nivcsw" },
};
#define PROCS_NCOLS	(sizeof(procs_cols) / sizeof(procs_cols[0]))

/* The window's bounds: numbered after any filter parameter. */
#define PROCS_WSINCE	(FILTER_PARAMS_MAX + 1)
#define PROCS_WUNTIL	(FILTER_PARAMS_MAX + 2)
/* The rollup pre-filter's: its minutes, name and user. */
#define PROCS_MFROM	(FILTER_PARAMS_MAX + 3)
#define PROCS_MTO	(FILTER_PARAMS_MAX + 4)
#define PROCS_MCOMM	(FILTER_PARAMS_MAX + 5)
#define PROCS_MUID	(FILTER_PARAMS_MAX + 6)

/* The longest window the rollup pre-filter is used for. */
#define PROCS_MINUTES_SPAN_US	(INT64_C(86400) * 1000000)

/* The columns of tasks a window report reads: filters, procs_cols. */
static const char *const window_cols[] = {
	"id", "run_id", "recv_time", "kind", "link_id", "version", "ac_flag",
	"ac_exitcode", "ac_comm", "ac_uid", "ac_pid", "ac_ppid", "ac_tgid",
	"ac_etime", "ac_tgetime", "ac_btime", "ac_btime64", "ac_exe_dev", "ac_exe_inode", "ac_utime",
	"ac_stime", "read_bytes", "write_bytes", "cpu_delay_total",
	"blkio_delay_total", "swapin_delay_total", "freepages_delay_total",
	"thrashing_delay_total", "compact_delay_total", "wpcopy_delay_total",
	"hiwater_rss", "nvcsw", "nivcsw",
};
#define WINDOW_NCOLS	(sizeof(window_cols) / sizeof(window_cols[0]))

/* expr with every "X." written as alias "." (and "Y." as alias2 "."). */
void
procs_expr2(FILE *fp, const char *expr, const char *alias,
    const char *alias2)
{
	const char	*p;

	for (p = expr; *p != '\0'; p++) {
		if ((p[0] == 'X' || (p[0] == 'Y' && alias2 != NULL)) &&
		    p[1] == '.' && (p == expr || p[-1] == ' ' ||
		    p[-1] == '(')) {
			fputs(p[0] == 'X' ? alias : alias2, fp);
			continue;
		}
		fputc(*p, fp);
	}
}

void
procs_expr(FILE *fp, const char *expr, const char *alias)
{
	procs_expr2(fp, expr, alias, NULL);
}

int
procs_delay_field(const struct ts_field *f)
{
	return f->group >= FG_DELAY_CPU && f->type != FT_TIMESPEC &&
	    strcmp(f->unit, "ns") == 0;
}

#define PROCS_MIN_USED		0x1
#define PROCS_MIN_FAILED	0x2

/*
 * With --comm or --user few rows of a window may match, and the scan reads
 * all of it.  The rollups have a row for every minute, name and user that
 * has a thread row (kind 0, as every row g selects), written in the same
 * transaction: a matching row's minute is among those they list for the
 * filter, so keeping only those minutes never drops a match.  The term is
 * on recv_time alone, which SQLite reads from tasks_recv_time before it
 * seeks the row: a minute without a match costs the index only.  But the
 * list is built whole first, from every rollup row of the window, while a
 * common name fills the limit from the last few minutes: only for windows
 * up to PROCS_MINUTES_SPAN_US (on 10M rows, a day of rollups costs ~13 ms;
 * a rare name's scan of that day ~350 ms less).
 */
/*
 * --failed, on process lines, may use the rollups too: their "failed"
 * counts the process ends (AGROUP) with a non-zero status.  Records of
 * struct versions before 12 have no AGROUP and are process lines of their
 * own, uncounted there: then not.
 */
static int
procs_failed_usable(struct cmd_ctx *ctx, const struct filter *f)
{
	sqlite3_stmt	*stmt;
	int		 old = 1;

	if (!(f->set & FILTER_FAILED) || (f->set & FILTER_THREADS))
		return 0;
	stmt = cli_prepare(ctx, "SELECT EXISTS (SELECT 1 FROM runs WHERE "
	    "ts_version < 12)");
	if (cli_step(ctx, stmt))
		old = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return !old;
}

/* Which rollup pre-filter applies: PROCS_MIN_* bits, 0 for none. */
static int
procs_minutes(struct cmd_ctx *ctx, const struct procs_query *q)
{
	struct filter	 rf = *q->filter;
	int64_t		 end;
	int		 failed;

	if (!q->minutes || !(rf.set & FILTER_SINCE))
		return 0;
	failed = procs_failed_usable(ctx, &rf);
	if (!(rf.set & (FILTER_COMM | FILTER_USER)) && !failed)
		return 0;
	end = (rf.set & FILTER_UNTIL) ? rf.until : ctx->now;
	/* end - since without overflow: since may be far in the past. */
	if (end > rf.since && (uint64_t)end - (uint64_t)rf.since >
	    (uint64_t)PROCS_MINUTES_SPAN_US)
		return 0;
	rf.set &= FILTER_COMM | FILTER_USER;
	if (!rollup_usable(ctx, &rf, ROLLUP_FILTERS))
		return 0;
	return PROCS_MIN_USED | (failed ? PROCS_MIN_FAILED : 0);
}

static void
procs_minutes_sql(FILE *fp, const struct filter *f, int how)
{
	fprintf(fp, " AND g.recv_time / %lld IN (SELECT m.minute FROM "
	    "minutes m WHERE m.minute BETWEEN ?%d AND ?%d",
	    (long long)ROLLUP_MINUTE_US, PROCS_MFROM, PROCS_MTO);
	if (f->set & FILTER_COMM)
		fprintf(fp, " AND m.ac_comm GLOB ?%d", PROCS_MCOMM);
	if (f->set & FILTER_USER)
		fprintf(fp, " AND m.ac_uid = ?%d", PROCS_MUID);
	if (how & PROCS_MIN_FAILED)
		fputs(" AND m.failed > 0", fp);
	fputc(')', fp);
}

static void
procs_g(FILE *fp, const struct procs_query *q, const struct filter_sql *fs,
    int threads, int minutes, int pt)
{
	size_t	 i;
	int	 usew = q->window && !pt;

	/*
	 * In a window, g is only a view of w: copying it costs.  With
	 * proc_totals, a view of the window's rows: the few edges (ge) read
	 * them once more, cheaper than a copy of every process line.
	 */
	fprintf(fp, "%s g AS %sMATERIALIZED (SELECT g.id, g.run_id, "
	    "g.recv_time AS exit_time, g.ac_pid AS tid, g.ac_tgid AS tgid, "
	    "g.ac_ppid AS ppid, g.ac_uid AS uid, g.ac_comm AS comm, "
	    "g.ac_exitcode AS status, g.ac_flag AS flag, ", usew ? "," :
	    "WITH", usew || (pt && q->window && q->tail == NULL) ? "NOT " :
	    "");
	if (threads)
		fprintf(fp, "g.ac_pid AS pid, g.ac_etime AS elapsed, "
		    "0 AS threaded, ");
	else if (usew)
		fprintf(fp, "CAST(coalesce(g.ac_tgid, g.ac_pid) AS INTEGER) AS pid, "
		    "coalesce(g.ac_tgetime, g.ac_etime) AS elapsed, "
		    "g.id IN (SELECT link_id FROM w WHERE kind = 1) "
		    "AS threaded, ");
	else if (pt && !q->window)
		/* A process has a row in proc_totals only if threaded. */
		fprintf(fp, "CAST(coalesce(g.ac_tgid, g.ac_pid) AS INTEGER) AS pid, "
		    "coalesce(g.ac_tgetime, g.ac_etime) AS elapsed, "
		    "0 AS threaded, ");
	else {
		fprintf(fp, "CAST(coalesce(g.ac_tgid, g.ac_pid) AS INTEGER) AS pid, "
		    "coalesce(g.ac_tgetime, g.ac_etime) AS elapsed, ");
		/* ...and only a window's edge needs to know (procs_edges). */
		if (pt) {
			fputs("CASE WHEN ", fp);
			procs_expr(fp, PROCS_LSTART, "g");
			fprintf(fp, " - %lld < ?%d THEN ",
			    (long long)PROC_START_TOL_US, PROCS_WSINCE);
		}
		fputs("EXISTS (SELECT 1 FROM tasks x WHERE x.id = g.id + 1 AND "
		    "x.kind = 1 AND x.link_id = g.id)", fp);
		fputs(pt ? " ELSE 0 END AS threaded, " : " AS threaded, ", fp);
	}
	for (i = 0; i < PROCS_NCOLS; i++) {
		procs_expr(fp, procs_cols[i].expr, "g");
		fprintf(fp, " AS %s, ", procs_cols[i].name);
	}
	procs_expr(fp, PROCS_LSTART, "g");
	fputs(" AS lstart, ", fp);
	/* A window's process with threads before it (procs_edges). */
	if (q->window && !usew) {
		procs_expr(fp, PROCS_LSTART, "g");
		fprintf(fp, " - %lld < ?%d AS edge, ",
		    (long long)PROC_START_TOL_US, PROCS_WSINCE);
	}
	if (q->extra != NULL)
		procs_expr(fp, q->extra, "g");
	else
		fputs("NULL", fp);
	fprintf(fp, " AS x FROM %s g WHERE %s", usew ? "w" : "tasks",
	    fs->text);
	if (minutes)
		procs_minutes_sql(fp, q->filter, minutes);
	fprintf(fp, " %s)", q->tail != NULL ? q->tail : "");
}

/*
 * 1 if w has column name (n bytes) already: one of window_cols, or named
 * earlier in extra (before name).
 */
static int
procs_w_has(const char *extra, const char *name, size_t n)
{
	const char	*p;
	size_t		 i;

	for (i = 0; i < WINDOW_NCOLS; i++)
		if (strlen(window_cols[i]) == n &&
		    strncmp(window_cols[i], name, n) == 0)
			return 1;
	for (p = extra; (p = strstr(p, "X.")) != NULL && p + 2 < name; p++)
		if (strncmp(p + 2, name, n) == 0 &&
		    strspn(p + 2 + n, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		    0)
			return 1;
	return 0;
}

/*
 * A window report reads the window's rows once, into w: the processes
 * and, for the threaded ones, their threads that exited in the window.
 * Scanning each threaded process's whole life instead costs a range of
 * tasks_recv_time per process, seconds on a busy hour: there is no index
 * on ac_tgid.
 */
static void
procs_w(FILE *fp, const struct procs_query *q)
{
	const struct ts_field	*f;
	const char		*p;
	size_t			 i, n;

	fputs("WITH w AS MATERIALIZED (SELECT ", fp);
	for (i = 0; i < WINDOW_NCOLS; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", window_cols[i]);
	/*
	 * The fields the extra measure reads ("X.name", a field of the
	 * table, so safe as an identifier), once each, if not there yet.
	 */
	for (p = q->extra; p != NULL && (p = strstr(p, "X.")) != NULL; p++) {
		p += 2;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		for (i = 0; i < ts_nfields; i++) {
			f = &ts_fields[i];
			if (strlen(f->name) == n && strncmp(f->name, p, n) == 0)
				break;
		}
		if (i == ts_nfields || procs_w_has(q->extra, p, n))
			continue;
		fprintf(fp, ", %.*s", (int)n, p);
	}
	/* The identity filters' columns (schema 3 only: filter.h). */
	if (q->filter->set & FILTER_IDENT)
		fputs(", args_id, exe_id, cgroup_id", fp);
	fprintf(fp, " FROM tasks WHERE recv_time >= ?%d AND "
	    "recv_time < ?%d)", PROCS_WSINCE, PROCS_WUNTIL);
}

/*
 * The threads of each threaded process in g, summed.  With proc_totals
 * (pt), only those of a window's edge processes (ge: started before it),
 * from their rows in the window (wt).
 */
static void
procs_th(FILE *fp, const struct procs_query *q, int pt)
{
	size_t	 i;

	/* The few threaded processes, for an index on pid (automatic). */
	if (q->window && !pt)
		fprintf(fp, ", gt AS MATERIALIZED (SELECT * FROM g WHERE "
		    "threaded)");
	fprintf(fp, ", th AS (SELECT g.id AS gid, count(*) AS threads, "
	    "max(CASE WHEN t.ac_pid = t.ac_tgid THEN t.ac_comm END) AS comm");
	for (i = 0; i < PROCS_NCOLS; i++) {
		fprintf(fp, ", %s(", procs_cols[i].agg);
		procs_expr(fp, procs_cols[i].expr, "t");
		fprintf(fp, ") AS %s", procs_cols[i].name);
	}
	if (q->extra != NULL) {
		fprintf(fp, ", %s(", q->extra_agg);
		procs_expr(fp, q->extra, "t");
		fputs(") AS x", fp);
	} else
		fputs(", NULL AS x", fp);
	/* In a window, the process's own row is in g, not summed here. */
	if (q->window)
		fprintf(fp, " FROM %s t JOIN %s g ON t.ac_tgid = g.pid AND "
		    "t.ac_flag & " TS_SQL(TS_AGROUP) " = 0", pt ? "wt" : "w",
		    pt ? "ge" : "gt");
	else
		fprintf(fp, " FROM g CROSS JOIN tasks t INDEXED BY "
		    "tasks_recv_time ON t.recv_time BETWEEN g.lstart - %lld "
		    "AND g.exit_time + %lld AND t.ac_tgid = g.pid",
		    (long long)PROC_START_TOL_US, (long long)PROC_SLACK_US);
	fputs(" AND t.kind = 0 AND ", fp);
	procs_expr2(fp, PROCS_SAME_BOOT, "t", "g");
	fputs(" AND ", fp);
	procs_expr(fp, PROCS_LSTART, "t");
	fprintf(fp, " BETWEEN g.lstart - %lld AND g.lstart + %lld "
	    "WHERE g.threaded GROUP BY g.id)", (long long)PROC_START_TOL_US,
	    (long long)PROC_START_TOL_US);
}

/*
 * Process lines from proc_totals (schema 5, written by taskacctd at each
 * process's end: src/proctotals.c) instead of their threads' rows: where
 * the database has the table, for the columns it holds (not an extra
 * measure), unless TASKACCT_PROCTOTALS=0 (the threads' sums, for tests
 * comparing the two).
 */
static int
procs_pt_usable(struct cmd_ctx *ctx, const struct procs_query *q)
{
	const char	*env = getenv("TASKACCT_PROCTOTALS");

	if (q->extra != NULL || ctx->schema < 5 ||
	    (env != NULL && strcmp(env, "0") == 0))
		return 0;
	return cli_table_exists(ctx, "proc_totals");
}

/*
 * A window report sums into a process only its threads that exited in
 * the window: proc_totals has that for a process that started in it (no
 * thread of it ends before its start); for one that started before (an
 * edge, ge), its rows in the window are read (wt), those of its tgids
 * only, up to the last one's end (PROC_SLACK_US later): none at all for
 * a window without such processes.
 */
static void
procs_edges(FILE *fp)
{
	size_t	 i;

	fprintf(fp, ", ge AS MATERIALIZED (SELECT * FROM g WHERE threaded "
	    "AND edge), "
	    "wt AS MATERIALIZED (SELECT ");
	for (i = 0; i < WINDOW_NCOLS; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", window_cols[i]);
	fprintf(fp, " FROM tasks WHERE recv_time >= ?%d AND recv_time < ?%d "
	    "AND recv_time <= (SELECT max(exit_time) FROM ge) + %lld AND "
	    "kind = 0 AND ac_flag & " TS_SQL(TS_AGROUP) " = 0 AND ac_tgid IN "
	    "(SELECT pid FROM ge))", PROCS_WSINCE,
	    PROCS_WUNTIL, (long long)PROC_SLACK_US);
}

/*
 * The command of a process of proc_totals: its leader's (the thread whose
 * id is the process's), as th finds it among the threads; read from the
 * leader's own row (tasks_pid) when the process did not end with it.
 */
static void
procs_pt_comm(FILE *fp, const struct procs_query *q)
{
	fprintf(fp, "CASE WHEN pt.id IS NULL THEN %s WHEN g.tid = g.pid THEN "
	    "g.comm ELSE coalesce((SELECT max(l.ac_comm) FROM tasks l "
	    "INDEXED BY tasks_pid WHERE l.ac_pid = g.pid AND l.recv_time "
	    "BETWEEN ", q->window ? "coalesce(th.comm, g.comm)" : "g.comm");
	fprintf(fp, "g.lstart - %lld AND g.exit_time + %lld AND l.ac_tgid = "
	    "g.pid AND l.kind = 0 AND ", (long long)PROC_START_TOL_US,
	    (long long)PROC_SLACK_US);
	if (q->window)
		fputs("l.ac_flag & " TS_SQL(TS_AGROUP) " = 0 AND ", fp);
	procs_expr2(fp, PROCS_SAME_BOOT, "l", "g");
	fputs(" AND ", fp);
	procs_expr(fp, PROCS_LSTART, "l");
	fprintf(fp, " BETWEEN g.lstart - %lld AND g.lstart + %lld), g.comm) "
	    "END", (long long)PROC_START_TOL_US, (long long)PROC_START_TOL_US);
}

/*
 * A process's value of column name: its threads' (th, which holds the
 * process's own row too, except in a window) with its own row's (g).
 * With proc_totals (pt): its row there where it has one (outside a
 * window, or in it unless the process started before it: pt joins only
 * those), which holds every thread's share, its own included.
 */
static void
procs_combine(FILE *fp, const struct procs_query *q, const char *agg,
    const char *name, int pt)
{
	if (pt && !q->window) {
		fprintf(fp, ", coalesce(pt.%s, g.%s) AS %s", name, name, name);
		return;
	}
	fputs(", ", fp);
	if (pt)
		fprintf(fp, "CASE WHEN pt.id IS NOT NULL THEN pt.%s ELSE ",
		    name);
	if (!q->window)
		fprintf(fp, "coalesce(th.%s, g.%s)", name, name);
	else if (agg == NULL || strcmp(agg, "sum") == 0)
		/* As sum(): a NULL term (an impossible delay) adds nothing. */
		fprintf(fp, "coalesce(g.%s + th.%s, g.%s, th.%s)", name, name,
		    name, name);
	else
		fprintf(fp, "CASE WHEN th.%s %s g.%s OR g.%s IS NULL THEN "
		    "th.%s ELSE g.%s END", name, strcmp(agg, "max") == 0 ?
		    ">" : "<", name, name, name, name);
	if (pt)
		fputs(" END", fp);
	fprintf(fp, " AS %s", name);
}

/*
 * "WITH g AS (...), th AS (...), p AS (...)": the caller appends its
 * SELECT from p.  The filter's parameters are ?1 to ?n (bind them with
 * cli_bind_filter(..., 1)); the caller's own are named.
 */
char *
procs_sql(struct cmd_ctx *ctx, const struct procs_query *q,
    struct filter_sql *fs)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0, i;
	int	 threads = (q->filter->set & FILTER_THREADS) != 0;
	int	 pt = !threads && procs_pt_usable(ctx, q);

	cli_filter_sql(ctx, q->filter, 1, fs);
	if ((fp = open_memstream(&sql, &len)) == NULL)
		err(1, NULL);
	if (q->window && !pt)
		procs_w(fp, q);
	procs_g(fp, q, fs, threads, procs_minutes(ctx, q), pt);
	if (pt && q->window)
		procs_edges(fp);
	if (!pt || q->window)
		procs_th(fp, q, pt);
	fprintf(fp, ", p0 AS (SELECT g.id, g.run_id, g.exit_time, "
	    "g.exit_time - g.elapsed AS start_time, g.pid, g.tid, g.tgid, "
	    "g.ppid, g.uid, ");
	if (pt)
		procs_pt_comm(fp, q);
	else
		fputs("coalesce(th.comm, g.comm)", fp);
	fprintf(fp, " AS comm, g.status, g.flag, g.elapsed, %s AS threads",
	    pt && !q->window ? "coalesce(pt.threads, 1)" : pt ?
	    "CASE WHEN pt.id IS NOT NULL THEN pt.threads ELSE "
	    "coalesce(th.threads, 0) + 1 END" : q->window ?
	    "coalesce(th.threads, 0) + 1" : "coalesce(th.threads, 1)");
	for (i = 0; i < PROCS_NCOLS; i++)
		procs_combine(fp, q, procs_cols[i].agg, procs_cols[i].name, pt);
	if (pt)		/* no extra measure: NULL */
		fputs(", g.x AS x", fp);
	else
		procs_combine(fp, q, q->extra_agg, "x", 0);
	fputs(" FROM g", fp);
	if (!pt || q->window)
		fputs(" LEFT JOIN th ON th.gid = g.id", fp);
	if (pt)
		fprintf(fp, " LEFT JOIN proc_totals pt ON pt.id = g.id%s",
		    q->window ? " AND NOT g.edge" : "");
	fputs("), p AS (SELECT *, utime + stime AS cpu, coalesce(read_bytes, "
	    "0) + coalesce(write_bytes, 0) AS io FROM p0) ", fp);
	if (fclose(fp) == EOF)
		err(1, NULL);
	return sql;
}

/* 1 if the SQL has parameter ?i (a named one may take number i too). */
static int
has_param(sqlite3_stmt *stmt, int i)
{
	const char	*name = sqlite3_bind_parameter_name(stmt, i);
	char		 want[16];

	snprintf(want, sizeof(want), "?%d", i);
	return name != NULL && strcmp(name, want) == 0;
}

static void
bind_int(sqlite3_stmt *stmt, int i, int64_t v)
{
	if (has_param(stmt, i))
		sqlite3_bind_int64(stmt, i, v);
}

/*
 * Bind the filter's parameters, a window report's bounds and the rollup
 * pre-filter's.
 */
void
procs_bind(struct cmd_ctx *ctx, sqlite3_stmt *stmt, const struct filter *f,
    const struct filter_sql *fs)
{
	cli_bind_filter(ctx, stmt, fs, 1);
	bind_int(stmt, PROCS_WSINCE, (f->set & FILTER_SINCE) ? f->since :
	    INT64_MIN);
	/* Threads arrive up to PROC_SLACK_US after their process's end. */
	bind_int(stmt, PROCS_WUNTIL, (f->set & FILTER_UNTIL) &&
	    f->until < INT64_MAX - PROC_SLACK_US ? f->until + PROC_SLACK_US :
	    INT64_MAX);
	/* C's division truncates as SQLite's: the same minute as the row's. */
	bind_int(stmt, PROCS_MFROM, f->since / ROLLUP_MINUTE_US);
	bind_int(stmt, PROCS_MTO, (f->set & FILTER_UNTIL) ?
	    f->until / ROLLUP_MINUTE_US : INT64_MAX);
	bind_int(stmt, PROCS_MUID, f->uid);
	if (has_param(stmt, PROCS_MCOMM) &&
	    sqlite3_bind_text(stmt, PROCS_MCOMM, f->comm, -1, SQLITE_STATIC) !=
	    SQLITE_OK)
		cli_fatal(ctx, "query failed: %s", sqlite3_errmsg(ctx->db));
}
