/*
 * cmd_top.c: the ranking and summary commands over a window: `top` (by a
 * ready-made measure or any numeric field, per exit record, per process
 * or grouped by command, user or parent), `summary` (sa-style, per
 * command or user) and `short` (short-lived processes per command and
 * per parent).  The window defaults to the last hour.  By default top and
 * summary count what happened in the window, from the live samples and
 * the unsampled exits (window.c), when the database has samples and the
 * measure and filters exist before exit; otherwise, and with --exited,
 * they rank the exits as follows (with a state column unless --exited,
 * every line an exit).  top per exit record
 * reads the window's rows of tasks once through the tasks_recv_time index,
 * each row's measure its own.  What the per-minute rollups can answer
 * (rollup.h: summary, top per command or user by a measure they hold,
 * short at its default threshold, filtered at most by command, user and
 * time) is read from them, a few rows a minute; anything else reads the
 * processes of procs.c, every exit of the window through the
 * tasks_recv_time index, materialized.  The two differ in how threads
 * count: in the rollups a thread counts under its own name and user (as
 * in sa(8) and atop), in procs.c under its process's leader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fields.h"
#include "ident.h"
#include "measure.h"
#include "procs.h"
#include "ranked_top.h"
#include "rollup.h"
#include "short_parents.h"
#include "window.h"

#define DEFAULT_WINDOW_US	(INT64_C(3600) * 1000000)
#define SHORT_DEFAULT_US	ROLLUP_SHORT_US	/* the rollups' */

#define OPT_BY		'b'
#define OPT_GROUP	'G'
#define OPT_THRESHOLD	'T'
#define OPT_EXITED	(OPT_CMD + 0)

static const struct measure measures[] = {
	{ "cpu", "X.ac_utime + X.ac_stime", "cpu", "sum", CK_DUR_US,
	    "user + system CPU time", "sum(utime) + sum(stime)",
	    "X.ac_utime + X.ac_stime" },
	{ "io", "coalesce(X.read_bytes, 0) + coalesce(X.write_bytes, 0)",
	    "io", "sum", CK_BYTES, "bytes read + written (storage)",
	    "sum(read_bytes) + sum(write_bytes)",
	    "coalesce(X.read_bytes, 0) + coalesce(X.write_bytes, 0)" },
	{ "rss", "X.hiwater_rss", "rss", "max", CK_KIB,
	    "peak resident set size", "max(rss_max)", NULL },
	{ "duration", "X.ac_etime", "elapsed", "sum", CK_DUR_US, "lifetime",
	    "sum(etime)", NULL },
	{ "count", "1", "1", "sum", CK_INT, "number of exits", "sum(procs)",
	    NULL },
	{ "failed", "(X.ac_exitcode <> 0)", "(status <> 0)", "sum", CK_INT,
	    "exits with a non-zero status or by a signal", "sum(failed)",
	    NULL },
	{ "csw", "X.nvcsw + X.nivcsw", "csw", "sum", CK_INT,
	    "context switches", NULL, "X.nvcsw + X.nivcsw" },
	/* A delay above the task's lifetime is impossible: not ranked. */
	{ "cpu-delay", PROCS_DELAY("cpu_delay_total"), "cpu_delay", "sum",
	    CK_DUR_NS, "waiting for a CPU", "sum(cpu_delay)",
	    "X.cpu_delay_total" },
	{ "blkio-delay", PROCS_DELAY("blkio_delay_total"), "blkio_delay",
	    "sum", CK_DUR_NS, "waiting for block I/O", "sum(blkio_delay)",
	    "X.blkio_delay_total" },
	{ "swapin-delay", PROCS_DELAY("swapin_delay_total"), NULL, "sum",
	    CK_DUR_NS, "waiting for swap-in", "sum(swapin_delay)",
	    "X.swapin_delay_total" },
	{ "reclaim-delay", PROCS_DELAY("freepages_delay_total"), NULL, "sum",
	    CK_DUR_NS, "waiting for memory reclaim", "sum(freepages_delay)",
	    "X.freepages_delay_total" },
	{ "thrashing-delay", PROCS_DELAY("thrashing_delay_total"), NULL,
	    "sum", CK_DUR_NS, "page-cache thrashing", "sum(thrashing_delay)",
	    "X.thrashing_delay_total" },
	{ "compact-delay", PROCS_DELAY("compact_delay_total"), NULL, "sum",
	    CK_DUR_NS, "memory compaction", "sum(compact_delay)",
	    "X.compact_delay_total" },
	{ "wpcopy-delay", PROCS_DELAY("wpcopy_delay_total"), NULL, "sum",
	    CK_DUR_NS, "write-protect copy", "sum(wpcopy_delay)",
	    "X.wpcopy_delay_total" },
	{ "irq-delay", PROCS_DELAY("irq_delay_total"), NULL, "sum",
	    CK_DUR_NS, "IRQ/softirq time", "sum(irq_delay)",
	    "X.irq_delay_total" },
};
#define NMEASURES	(sizeof(measures) / sizeof(measures[0]))

enum group_by { BY_PROCESS, BY_COMMAND, BY_USER, BY_PARENT, BY_UNIT,
    BY_CONTAINER };
static const char *const group_names[] = {
	[BY_PROCESS] = "process",
	[BY_COMMAND] = "command",
	[BY_USER] = "user",
	[BY_PARENT] = "parent",
	[BY_UNIT] = "unit",		/* identity (ident.h): per process */
	[BY_CONTAINER] = "container",
};

static int	cmd_top_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_summary_exec(struct cmd_ctx *, struct cmd_args *);
static int	cmd_short_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option top_options[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "exited", no_argument, NULL, OPT_EXITED },
	{ NULL, 0, NULL, 0 }
};

static const struct option short_options[] = {
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_top_entry = {
	"top", NULL, "b:G:", top_options, 0, 0,
	"[--by MEASURE|FIELD] [--group process|command|user|parent|unit|"
	"container] [--exited] [filters]",
	"rank what processes did in a window: CPU, I/O, delays, any field",
	"Rank what happened in a window (default: the last hour) by a\n"
	"measure, largest first, running and exited processes alike: the\n"
	"live samples of the window (taskacctd --sample-interval) plus the\n"
	"exit records of the threads never sampled; state says whether the\n"
	"process was running or had exited by the window's end.  Without\n"
	"--group, each sampled process and each unsampled exit record counts\n"
	"alone; --group process sums a process's samples and records.  With\n"
	"samples, --group command and user count a record under its own\n"
	"name and user (as the rollups do).  Without samples in the\n"
	"database, every line is an exit: the figures are --exited's.\n"
	"rss, duration, count, failed and fields the samples do not carry\n"
	"exist only at exit, and so do the filters --failed, --signal,\n"
	"--min-duration, --max-duration, --exe and --threads: with them the\n"
	"exits are ranked, as with --exited (and a state column).\n"
	"--exited: rank the exit records of the window as they are, the\n"
	"whole life of each process at its exit.  Without --group, each\n"
	"exit record counts alone: a single-threaded process's exit, or one\n"
	"thread of a threaded process (as with --threads: --pid is the task\n"
	"id, duration the task's own life).  --group process sums each\n"
	"process's threads (slower: it reads every exit of the window).\n"
	"--group command, user or parent sums (for rss: takes the largest)\n"
	"per group.  Fast: --group command or user, by a measure other than\n"
	"csw, with no filter but --comm, --user, --since and --until: read\n"
	"from the per-minute rollups, where a thread counts under its own\n"
	"command and user (as in sa and atop), exits are process ends,\n"
	"duration their lifetimes.  Other groups read every exit.\n"
	"Fast without --group, by a measure other than count or a field,\n"
	"with no filter but --since and --until and a --limit up to 100:\n"
	"the window's whole hours from per-hour candidates (the same lines).\n"
	"--group unit or container sums per systemd unit or container (its\n"
	"short id in a table) of each process, where the recorder captured\n"
	"them (from the exits); processes without one count under an empty\n"
	"group.\n"
	"  -b, --by MEASURE       cpu (default), io, rss, duration, count,\n"
	"                         failed, csw, cpu-delay, blkio-delay,\n"
	"                         swapin-delay, reclaim-delay,\n"
	"                         thrashing-delay, compact-delay,\n"
	"                         wpcopy-delay, irq-delay, or any numeric\n"
	"                         field (see `taskacct fields`)\n"
	"  -G, --group GROUP      process, command, user, parent, unit,\n"
	"                         container (default: none, one line per\n"
	"                         process or record)\n"
	"      --exited           rank the exit records (whole lives)\n",
	CMD_DB | CMD_FILTER | CMD_LIMIT, 10, cmd_top_exec
};

const struct cmd_entry cmd_summary_entry = {
	"summary", NULL, "G:", top_options + 1, 0, 0,
	"[--group command|user|unit|container] [--exited] [filters]",
	"sa-style totals per command or user for a window",
	"Totals per command (or per user with --group user) of what happened\n"
	"in a window (default: the last hour), as sa(8) prints them: exits,\n"
	"real time, user and system CPU, average and peak RSS, bytes read\n"
	"and written, and the time spent waiting for a CPU, for block I/O\n"
	"and for memory (swap-in, reclaim, thrashing, compaction, wp copy).\n"
	"Sorted by CPU time.  CPU, I/O and delays are the window's live\n"
	"samples plus the exit records of threads never sampled; exits, real\n"
	"time and RSS exist only at exit: those of the processes that ended\n"
	"in the window.  state is running while one of the group's\n"
	"processes was.  Without samples in the database, or with a filter\n"
	"on how processes ended, or with --exited: the exits of the window.\n"
	"Fast with no filter but --comm, --user, --since and --until: read\n"
	"from the per-minute rollups, where a thread counts under its own\n"
	"command and user (as in sa and atop; a command of threads only has\n"
	"0 exits), exits are process ends, real time and RSS theirs.  With\n"
	"another filter every exit of the window is read (slower), and a\n"
	"process counts its threads' totals under its leader's command.\n"
	"--group unit or container: per systemd unit or container of each\n"
	"process (from the exits: every exit of the window is read).\n"
	"  -G, --group GROUP      command (default), user, unit or container\n"
	"      --exited           the exit records (whole lives) alone\n",
	CMD_DB | CMD_FILTER | CMD_LIMIT, -1, cmd_summary_exec
};

const struct cmd_entry cmd_short_entry = {
	"short", NULL, "T:", short_options, 0, 0,
	"[--threshold DUR] [filters]",
	"short-lived processes per command and per parent",
	"Processes of a window (default: the last hour) that lived less\n"
	"than a threshold: counts per command, then per parent process,\n"
	"most first; the view of a fork storm.\n"
	"Fast without --threshold and with no filter but --since and\n"
	"--until: read from the per-minute rollups, with the exits under\n"
	"1s and all exits (\"all\") of each command and parent; the\n"
	"parent's command is that of the process with its pid alive in the\n"
	"minutes of its children's exits.  With --threshold (even 1s) or\n"
	"another filter every exit of the window is read (slower), and the\n"
	"average life, CPU time, parents and first and last exit are shown;\n"
	"the parent's command is that of its recorded exit.\n"
	"  -T, --threshold DUR    lived less than DUR (default 1s)\n",
	CMD_DB | CMD_FILTER | CMD_LIMIT, 20, cmd_short_exec
};

/*
 * Without samples every line is an exit: the exit reports answer, with a
 * state column unless --exited asked for them as they were.
 */
#define STATE_EXITED	"'exited'"
static const struct col state_col = { "state", NULL, CK_TEXT, 0 };

/* The window: the last hour unless --since says otherwise. */
static void
window_default(struct cmd_ctx *ctx, struct filter *f)
{
	if (!(f->set & FILTER_SINCE)) {
		f->since = ctx->now - DEFAULT_WINDOW_US;
		f->set |= FILTER_SINCE;
	}
}

/* The first column of a report per command or per user. */
static struct col
group_col(enum group_by by)
{
	if (by == BY_USER)
		return (struct col){ "user", "uid", CK_USER, 0 };
	if (by == BY_UNIT || by == BY_CONTAINER)
		return ident_cols[by == BY_UNIT ? IC_UNIT : IC_CONTAINER];
	return (struct col){ "command", "comm", CK_TEXT, 0 };
}

/*
 * The key of a group of p: selected (sel, a container's short id in a
 * table) and grouped by (key).  Unit and container need identity.
 */
static void
group_key(struct cmd_ctx *ctx, enum group_by by, const char **sel,
    const char **key)
{
	*sel = *key = by == BY_COMMAND ? "comm" : "uid";
	if (by == BY_UNIT || by == BY_CONTAINER) {
		ident_require(ctx, by == BY_UNIT ? "--group unit" :
		    "--group container");
		*sel = *key = by == BY_UNIT ? IDENT_GROUP_SQL("unit") :
		    IDENT_GROUP_SQL("container");
	}
	if (by == BY_CONTAINER && ctx->human)
		*sel = "substr(" IDENT_GROUP_SQL("container") ", 1, "
		    TS_SQL(IDENT_SHORT_ID) ")";
}

static enum group_by
group_parse(const char *s, int summary)
{
	size_t	 i;

	for (i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++)
		if (strcmp(s, group_names[i]) == 0 &&
		    (!summary || (i != BY_PROCESS && i != BY_PARENT)))
			return i;
	if (summary)
		cli_usage("unknown --group `%s': use command, user, unit or "
		    "container", s);
	cli_usage("unknown --group `%s': use process, command, user, "
	    "parent, unit or container", s);
}

/*
 * --by: a measure, or a numeric field of the field table.  A field's name
 * is pasted into the SQL only once it is found in the table.
 */
void
measure_find(struct cmd_ctx *ctx, const char *name, struct measure *m,
    char *expr, char *act, size_t len)
{
	const struct ts_field	*f;
	size_t			 i;

	for (i = 0; i < NMEASURES; i++) {
		if (strcmp(measures[i].name, name) == 0) {
			*m = measures[i];
			return;
		}
	}
	if ((f = ts_field_find(name)) == NULL)
		cli_usage("unknown measure or field `%s': see `taskacct top "
		    "--help` and `taskacct fields`", name);
	if (f->type == FT_COMM)
		cli_usage("field `%s' is not a number: --by takes a numeric "
		    "field", name);
	if (procs_delay_field(f))
		snprintf(expr, len, PROCS_DELAY_FMT, f->name, f->name);
	else
		snprintf(expr, len, "X.%s", f->name);
	*m = (struct measure){ f->name, expr, NULL, cli_field_agg(f),
	    cli_field_kind(f), NULL, NULL, NULL };
	if (m->agg == NULL)
		m->agg = "max";		/* ids: the largest, for a ranking */
	/* A counter the samples carry too (activity names it the same). */
	if (f->kind != FK_ID && f->kind != FK_UID &&
	    window_has_field(ctx, f->name)) {
		snprintf(act, len, "X.%s", f->name);
		m->act = act;
	}
}

static sqlite3_stmt *
report_prepare(struct cmd_ctx *ctx, struct cmd_args *args,
    const struct procs_query *q, const char *select)
{
	struct filter_sql	 fs;
	sqlite3_stmt		*stmt;
	char			*sql, *full;
	int			 i;

	sql = procs_sql(ctx, q, &fs);
	if (asprintf(&full, "%s%s", sql, select) == -1)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, full);
	procs_bind(ctx, stmt, q->filter, &fs);
	if ((i = sqlite3_bind_parameter_index(stmt, ":limit")) != 0)
		sqlite3_bind_int64(stmt, i, args->limit);
	free(full);
	free(sql);
	return stmt;
}

/* A report read from the rollups: select appended to rollup.c's "r". */
static sqlite3_stmt *
rollup_prepare(struct cmd_ctx *ctx, struct cmd_args *args, int parents,
    const char *select)
{
	sqlite3_stmt	*stmt;
	char		*sql, *full;
	int		 i;

	sql = rollup_sql(ctx, &args->filter, parents);
	if (asprintf(&full, "%s%s", sql, select) == -1)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, full);
	rollup_bind(ctx, stmt, &args->filter);
	if ((i = sqlite3_bind_parameter_index(stmt, ":limit")) != 0)
		sqlite3_bind_int64(stmt, i, args->limit);
	free(full);
	free(sql);
	return stmt;
}

/* The parent's command: its exit is after the child's, its start before. */
#define PARENT_COMM \
	"(SELECT c.ac_comm FROM tasks c WHERE c.ac_pid = k.ppid AND " \
	"c.kind = 0 AND coalesce(c.ac_tgid, c.ac_pid) = c.ac_pid AND " \
	"c.recv_time >= k.last_exit AND c.recv_time - c.ac_etime <= " \
	"k.first_start ORDER BY c.recv_time LIMIT 1)"

/*
 * The same from the rollups, which keep the minutes of the first and last
 * child's exit:
 * the parent was alive in the last one (so it exited at or after its
 * start) and in the first (so it started before its end).
 */
#define PARENT_COMM_WINDOW \
	"(SELECT c.ac_comm FROM tasks c WHERE c.ac_pid = k.ppid AND " \
	"c.kind = 0 AND coalesce(c.ac_tgid, c.ac_pid) = c.ac_pid AND " \
	"c.recv_time >= k.m_last * " ROLLUP_MINUTE_SQL " AND " \
	"c.recv_time - c.ac_etime < (k.m_first + 1) * " ROLLUP_MINUTE_SQL \
	" ORDER BY c.recv_time LIMIT 1)"

/*
 * top without --group: the window's exit records themselves, each thread
 * row alone, ranked straight from tasks through tasks_recv_time (a row's
 * measure is its own: nothing to sum, nothing to materialize), or, for a
 * built-in measure over whole hours, among the candidates that can be in
 * the top (ranked_top.c), ranked the same way.
 */
static void
top_exits(struct cmd_ctx *ctx, struct cmd_args *args,
    const struct measure *m, int state)
{
	struct filter_sql	 fs;
	struct ranked_top	 rt;
	struct col		 cols[8];
	sqlite3_stmt		*stmt;
	FILE			*fp;
	char			*sql = NULL;
	size_t			 len = 0;
	int			 i, n = 0, fast;

	args->filter.set |= FILTER_THREADS;
	fast = ranked_top_plan(ctx, &args->filter, m, args->limit, &rt);
	cli_filter_sql(ctx, &args->filter, 1, &fs);
	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	if (fast)
		ranked_top_with(fp, m);
	fprintf(fp, "SELECT g.recv_time, g.ac_pid, g.ac_tgid, g.ac_uid, "
	    "g.ac_comm, %s", state ? STATE_EXITED ", " : "");
	procs_expr(fp, m->row, "g");
	fprintf(fp, " AS m, g.id FROM tasks g WHERE %s ORDER BY m DESC, "
	    "g.recv_time DESC, g.id DESC LIMIT :limit", fast ?
	    "g.id IN rc" : fs.text);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, sql);
	if (fast)
		ranked_top_bind(stmt, &rt);
	else
		cli_bind_filter(ctx, stmt, &fs, 1);
	if ((i = sqlite3_bind_parameter_index(stmt, ":limit")) != 0)
		sqlite3_bind_int64(stmt, i, args->limit);
	free(sql);

	cols[n++] = (struct col){ "time", "exit_time", CK_TIME, 0 };
	cols[n++] = (struct col){ "pid", NULL, CK_INT, 0 };
	cols[n++] = (struct col){ "tgid", NULL, CK_INT, 0 };
	cols[n++] = (struct col){ "user", "uid", CK_USER, 0 };
	cols[n++] = (struct col){ "command", "comm", CK_TEXT, 0 };
	if (state)
		cols[n++] = state_col;
	cols[n++] = (struct col){ m->name, NULL, m->kind, 0 };
	cols[n++] = (struct col){ "id", NULL, CK_INT, 0 };
	cli_print(ctx, cols, n, stmt);
	sqlite3_finalize(stmt);
}

/* The window report's grouping for top's. */
static enum window_by
window_by(const struct cmd_args *args, enum group_by by)
{
	static const enum window_by map[] = {
		[BY_PROCESS] = WINDOW_BY_PROCESS,
		[BY_COMMAND] = WINDOW_BY_COMMAND,
		[BY_USER] = WINDOW_BY_USER,
		[BY_PARENT] = WINDOW_BY_PARENT,
	};

	return args->flag[OPT_GROUP] == NULL ? WINDOW_BY_RECORD : map[by];
}

static int
cmd_top_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct procs_query	 q = { .filter = &args->filter, .window = 1 };
	struct measure		 m;
	struct window_measure	 wm;
	struct col		 cols[9];
	enum group_by		 by = BY_PROCESS;
	sqlite3_stmt		*stmt;
	char			 expr[256], act[256], select[1024], mcol[64];
	const char		*key, *sel, *st;
	int			 n = 0, state;

	measure_find(ctx, args->flag[OPT_BY] != NULL ? args->flag[OPT_BY] :
	    "cpu", &m, expr, act, sizeof(expr));
	if (args->flag[OPT_GROUP] != NULL)
		by = group_parse(args->flag[OPT_GROUP], 0);
	window_default(ctx, &args->filter);
	state = args->flag[OPT_EXITED] == NULL;
	/* (a group the window does not know is read from the exits) */
	if (state && m.act != NULL && by <= BY_PARENT &&
	    window_live(ctx, &args->filter)) {
		wm = (struct window_measure){ m.name, m.act, m.row, m.agg,
		    m.kind };
		window_top(ctx, args, window_by(args, by), &wm);
		return 0;
	}
	st = state ? STATE_EXITED ", " : "";
	/* A process of thread rows (--threads) is each exit alone. */
	if (args->flag[OPT_GROUP] == NULL || (by == BY_PROCESS &&
	    (args->filter.set & FILTER_THREADS))) {
		top_exits(ctx, args, &m, state);
		return 0;
	}
	if (m.pcol == NULL) {
		q.extra = m.row;
		q.extra_agg = m.agg;
	}
	snprintf(mcol, sizeof(mcol), "%s", m.pcol != NULL ? m.pcol : "x");

	if ((by == BY_COMMAND || by == BY_USER) && m.rollup != NULL &&
	    rollup_usable(ctx, &args->filter, ROLLUP_FILTERS)) {
		key = by == BY_COMMAND ? "ac_comm" : "ac_uid";
		snprintf(select, sizeof(select), "SELECT %s, %ssum(procs) AS n, "
		    "%s AS m FROM r GROUP BY %s ORDER BY m DESC, n DESC, %s "
		    "LIMIT :limit", key, st, m.rollup, key, key);
		cols[n++] = group_col(by);
		if (state)
			cols[n++] = state_col;
		cols[n++] = (struct col){ "exits", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ m.name, NULL, m.kind, 0 };
		stmt = rollup_prepare(ctx, args, 0, select);
		cli_print(ctx, cols, n, stmt);
		sqlite3_finalize(stmt);
		return 0;
	}
	if (by == BY_PROCESS) {
		snprintf(select, sizeof(select), "SELECT exit_time, pid, uid, "
		    "comm, %s%s AS m, threads, id FROM p ORDER BY m DESC, "
		    "exit_time DESC, id DESC LIMIT :limit", st, mcol);
		cols[n++] = (struct col){ "time", "exit_time", CK_TIME, 0 };
		cols[n++] = (struct col){ "pid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "user", "uid", CK_USER, 0 };
		cols[n++] = (struct col){ "command", "comm", CK_TEXT, 0 };
		if (state)
			cols[n++] = state_col;
		cols[n++] = (struct col){ m.name, NULL, m.kind, 0 };
		cols[n++] = (struct col){ "thr", "threads", CK_INT, 0 };
		cols[n++] = (struct col){ "id", NULL, CK_INT, 0 };
	} else if (by == BY_PARENT) {
		snprintf(select, sizeof(select), "SELECT k.ppid, "
		    PARENT_COMM ", %sk.n, k.m FROM (SELECT ppid, count(*) AS n, "
		    "%s(%s) AS m, max(exit_time) AS last_exit, "
		    "min(start_time) AS first_start FROM p GROUP BY ppid "
		    "ORDER BY m DESC, n DESC, ppid LIMIT :limit) k "
		    "ORDER BY k.m DESC, k.n DESC, k.ppid", st, m.agg, mcol);
		cols[n++] = (struct col){ "ppid", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ "parent", "parent_comm", CK_TEXT, 0 };
		if (state)
			cols[n++] = state_col;
		cols[n++] = (struct col){ "exits", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ m.name, NULL, m.kind, 0 };
	} else {
		group_key(ctx, by, &sel, &key);
		snprintf(select, sizeof(select), "SELECT %s, %scount(*) AS n, "
		    "%s(%s) AS m FROM p GROUP BY %s ORDER BY m DESC, n DESC, "
		    "%s LIMIT :limit", sel, st, m.agg, mcol, key, key);
		cols[n++] = group_col(by);
		if (state)
			cols[n++] = state_col;
		cols[n++] = (struct col){ "exits", NULL, CK_INT, 0 };
		cols[n++] = (struct col){ m.name, NULL, m.kind, 0 };
	}
	stmt = report_prepare(ctx, args, &q, select);
	cli_print(ctx, cols, n, stmt);
	sqlite3_finalize(stmt);
	return 0;
}

static const struct col summary_cols[] = {
	{ "command", "comm", CK_TEXT, 0 },
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
#define SUMMARY_NCOLS	(sizeof(summary_cols) / sizeof(summary_cols[0]))

static int
cmd_summary_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct procs_query	 q = { .filter = &args->filter, .window = 1 };
	struct col		 cols[SUMMARY_NCOLS + 1];
	enum group_by		 by = BY_COMMAND;
	sqlite3_stmt		*stmt;
	char			 select[1024];
	const char		*key, *sel, *st;
	int			 n = 0, state;

	if (args->flag[OPT_GROUP] != NULL)
		by = group_parse(args->flag[OPT_GROUP], 1);
	window_default(ctx, &args->filter);
	state = args->flag[OPT_EXITED] == NULL;
	if (state && (by == BY_COMMAND || by == BY_USER) &&
	    window_live(ctx, &args->filter)) {
		window_summary(ctx, args, by == BY_USER ? WINDOW_BY_USER :
		    WINDOW_BY_COMMAND);
		return 0;
	}
	st = state ? STATE_EXITED ", " : "";
	cols[n++] = group_col(by);
	if (state)
		cols[n++] = state_col;
	memcpy(cols + n, summary_cols + 1, sizeof(summary_cols) -
	    sizeof(summary_cols[0]));
	n += SUMMARY_NCOLS - 1;
	if ((by == BY_COMMAND || by == BY_USER) &&
	    rollup_usable(ctx, &args->filter, ROLLUP_FILTERS)) {
		key = by == BY_COMMAND ? "ac_comm" : "ac_uid";
		snprintf(select, sizeof(select), "SELECT %s, %ssum(procs), "
		    "sum(etime), sum(utime), sum(stime), sum(rss_sum) / "
		    "nullif(sum(procs), 0), max(rss_max), sum(read_bytes), "
		    "sum(write_bytes), sum(cpu_delay), sum(blkio_delay), "
		    "sum(swapin_delay) + sum(freepages_delay) + "
		    "sum(thrashing_delay) + sum(compact_delay) + "
		    "sum(wpcopy_delay) FROM r GROUP BY %s ORDER BY "
		    "sum(utime) + sum(stime) DESC, sum(procs) DESC, %s "
		    "LIMIT :limit", key, st, key, key);
		stmt = rollup_prepare(ctx, args, 0, select);
		cli_print(ctx, cols, n, stmt);
		sqlite3_finalize(stmt);
		return 0;
	}
	group_key(ctx, by, &sel, &key);
	snprintf(select, sizeof(select), "SELECT %s, %scount(*), "
	    "sum(elapsed), sum(utime), sum(stime), CAST(avg(rss) AS INTEGER), "
	    "max(rss), sum(read_bytes), sum(write_bytes), sum(cpu_delay), "
	    "sum(blkio_delay), sum(mem_delay) FROM p GROUP BY %s "
	    "ORDER BY sum(cpu) DESC, count(*) DESC, %s LIMIT :limit",
	    sel, st, key, key);
	stmt = report_prepare(ctx, args, &q, select);
	cli_print(ctx, cols, n, stmt);
	sqlite3_finalize(stmt);
	return 0;
}

static const struct col short_comm_cols[] = {
	{ "command", "comm", CK_TEXT, 0 },
	{ "exits", NULL, CK_INT, 0 },
	{ "avg_life", "avg_elapsed_us", CK_DUR_US, 0 },
	{ "cpu", "cpu_us", CK_DUR_US, 0 },
	{ "parents", NULL, CK_INT, 0 },
	{ "first", "first_exit", CK_TIME, 0 },
	{ "last", "last_exit", CK_TIME, 0 },
};

static const struct col short_parent_cols[] = {
	{ "ppid", NULL, CK_INT, 0 },
	{ "parent", "parent_comm", CK_TEXT, 0 },
	{ "exits", NULL, CK_INT, 0 },
	{ "commands", NULL, CK_INT, 0 },
	{ "first", "first_exit", CK_TIME, 0 },
	{ "last", "last_exit", CK_TIME, 0 },
};

/* short from the rollups: counts only, their threshold is 1 s. */
static const struct col short_fast_comm_cols[] = {
	{ "command", "comm", CK_TEXT, 0 },
	{ "exits", NULL, CK_INT, 0 },
	{ "all", "all_exits", CK_INT, 0 },
};

static const struct col short_fast_parent_cols[] = {
	{ "ppid", NULL, CK_INT, 0 },
	{ "parent", "parent_comm", CK_TEXT, 0 },
	{ "exits", NULL, CK_INT, 0 },
	{ "all", "all_exits", CK_INT, 0 },
};

static void
short_fast(struct cmd_ctx *ctx, struct cmd_args *args)
{
	sqlite3_stmt	*stmt;
	char		*top;

	stmt = rollup_prepare(ctx, args, ROLLUP_R_COMMANDS, "SELECT ac_comm, "
	    "sum(short_procs) AS n, sum(procs) FROM r GROUP BY ac_comm "
	    "HAVING n > 0 ORDER BY n DESC, ac_comm LIMIT :limit");
	cli_print(ctx, short_fast_comm_cols, sizeof(short_fast_comm_cols) /
	    sizeof(short_fast_comm_cols[0]), stmt);
	sqlite3_finalize(stmt);

	/* The top parents without summing them all, when it can tell. */
	if ((top = short_parents_top(ctx, &args->filter, args->limit)) !=
	    NULL) {
		stmt = cli_prepare(ctx, "SELECT k.ppid, " PARENT_COMM_WINDOW
		    ", k.n, k.procs FROM (SELECT value ->> 0 AS ppid, value "
		    "->> 1 AS n, value ->> 2 AS procs, value ->> 3 AS m_first, "
		    "value ->> 4 AS m_last FROM json_each(?1)) k ORDER BY "
		    "k.n DESC, k.ppid");
		if (sqlite3_bind_text(stmt, 1, top, -1, free) != SQLITE_OK)
			cli_fatal(ctx, "query failed: %s",
			    sqlite3_errmsg(ctx->db));
	} else
		stmt = rollup_prepare(ctx, args, ROLLUP_R_PARENTS,
		    "SELECT k.ppid, " PARENT_COMM_WINDOW ", k.n, k.procs "
		    "FROM (SELECT ac_ppid AS ppid, sum(short_procs) AS n, "
		    "sum(procs) AS procs, min(minute_first) AS m_first, "
		    "max(minute_last) AS m_last FROM r GROUP BY ac_ppid "
		    "HAVING n > 0 ORDER BY n DESC, ppid LIMIT :limit) k "
		    "ORDER BY k.n DESC, k.ppid");
	cli_print(ctx, short_fast_parent_cols, sizeof(short_fast_parent_cols) /
	    sizeof(short_fast_parent_cols[0]), stmt);
	sqlite3_finalize(stmt);
}

static int
cmd_short_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct procs_query	 q = { .filter = &args->filter, .window = 1 };
	struct filter		*f = &args->filter;
	sqlite3_stmt		*stmt;

	/* The rollups count per parent across all commands and users. */
	if (args->flag[OPT_THRESHOLD] == NULL &&
	    rollup_usable(ctx, f, FILTER_SINCE | FILTER_UNTIL)) {
		window_default(ctx, f);
		short_fast(ctx, args);
		return 0;
	}
	if (args->flag[OPT_THRESHOLD] != NULL) {
		if (f->set & FILTER_MAX_DURATION)
			cli_usage("short: give --threshold or --max-duration, "
			    "not both");
		f->max_duration = cli_duration("--threshold",
		    args->flag[OPT_THRESHOLD]);
		f->set |= FILTER_MAX_DURATION;
	} else if (!(f->set & FILTER_MAX_DURATION)) {
		f->max_duration = SHORT_DEFAULT_US;
		f->set |= FILTER_MAX_DURATION;
	}
	if ((f->set & FILTER_MIN_DURATION) &&
	    f->min_duration >= f->max_duration)
		cli_usage("short: --min-duration must be less than the "
		    "threshold");
	window_default(ctx, f);

	stmt = report_prepare(ctx, args, &q, "SELECT comm, count(*), "
	    "CAST(avg(elapsed) AS INTEGER), sum(cpu), count(DISTINCT ppid), "
	    "min(exit_time), max(exit_time) FROM p GROUP BY comm "
	    "ORDER BY count(*) DESC, comm LIMIT :limit");
	cli_print(ctx, short_comm_cols, sizeof(short_comm_cols) /
	    sizeof(short_comm_cols[0]), stmt);
	sqlite3_finalize(stmt);

	stmt = report_prepare(ctx, args, &q, "SELECT k.ppid, " PARENT_COMM
	    ", k.n, k.ncomm, k.first_exit, k.last_exit FROM (SELECT ppid, "
	    "count(*) AS n, count(DISTINCT comm) AS ncomm, min(exit_time) AS "
	    "first_exit, max(exit_time) AS last_exit, min(start_time) AS "
	    "first_start FROM p GROUP BY ppid ORDER BY n DESC, ppid "
	    "LIMIT :limit) k ORDER BY k.n DESC, k.ppid");
	cli_print(ctx, short_parent_cols, sizeof(short_parent_cols) /
	    sizeof(short_parent_cols[0]), stmt);
	sqlite3_finalize(stmt);
	return 0;
}

/* The names --by and --group take, by index; NULL past the last (for
   `taskacct help --values`). */
const char *
top_measure_name(size_t i)
{
	return i < NMEASURES ? measures[i].name : NULL;
}

const char *
top_group_name(size_t i)
{
	return i < sizeof(group_names) / sizeof(group_names[0]) ?
	    group_names[i] : NULL;
}
