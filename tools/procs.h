/*
 * procs.h: the selected exits as processes with their threads' totals, as
 * SQL (the common table expression "p"), for last, top, summary and short.
 *
 * Columns of p: id, run_id, exit_time, start_time (us since the epoch),
 * pid, tid, tgid, ppid, uid, comm (the leader's), status (wait status),
 * flag, elapsed (us), threads (rows summed), utime, stime, cpu (us),
 * read_bytes, write_bytes, io (bytes), cpu_delay, blkio_delay, mem_delay
 * (ns), rss (KiB, largest), csw (context switches), x (the extra measure).
 */
#ifndef PROCS_H
#define PROCS_H

#include <stdio.h>

#include "cli.h"
#include "taskstats_proto.h"

struct ts_field;

/*
 * The start of the group leader of row X, in us since the epoch, from the
 * kernel's own clocks: ac_tgetime is the time from the leader's start to
 * this exit, and ac_btime64 + ac_etime / 10^6 the second of the exit on
 * the kernel's real-time clock.  The exit instant is the receive time
 * capped into that second, so the estimate is late by less than a second
 * however long the record waited in a socket (recv_time alone would be
 * late by the drain interval, or by seconds in a backlog).  The rows of
 * one process (same boot, same ac_tgid) give estimates within
 * PROC_START_TOL_US of each other: that, not when they arrived, is what
 * links a thread to its process.
 */
#define PROCS_LSTART	"(min(X.recv_time, (coalesce(X.ac_btime64, " \
	"X.ac_btime) + X.ac_etime / 1000000 + 1) * 1000000 - 1) - " \
	"X.ac_tgetime)"

/*
 * Rows X and Y were recorded in the same boot: the same recorder run, or
 * runs with the same boot id (a process outlives a restart of taskacctd).
 */
#define PROCS_SAME_BOOT	"(X.run_id = Y.run_id OR (SELECT boot_id FROM " \
	"runs WHERE id = X.run_id) = (SELECT boot_id FROM runs WHERE " \
	"id = Y.run_id))"

/*
 * Delay field col of row X where it is possible (taskstats_proto.h,
 * TS_DELAY_MAX_NS), NULL where it is not (or unknown): what every sum and
 * ranking of a delay reads.
 */
#define PROCS_DELAY(col)	"(CASE WHEN X." col " <= " \
	TS_DELAY_MAX_SQL " THEN X." col " END)"
/* The same for a field named at run time: printf with the name twice. */
#define PROCS_DELAY_FMT		PROCS_DELAY("%s")

struct procs_query {
	const struct filter	*filter;
	const char		*extra;		/* expression on row "X.", or NULL */
	const char		*extra_agg;	/* its aggregate over threads */
	const char		*tail;		/* after g's WHERE: ORDER, LIMIT */
	int			 window;	/* a window report, see below */
	int			 minutes;	/* may pre-filter, see below */
};

/*
 * A window report (window set; procs_bind binds its bounds) sums into
 * each process only its threads that exited in the window, read in the same
 * pass; otherwise each threaded process's threads are looked for over its
 * whole life.
 *
 * With minutes set, a query with --since (a window of up to a day) and
 * --comm or --user also keeps only the rows of the minutes for which the
 * rollups (rollup.h) hold a row of that name and user, if the database
 * has them: the same rows, found without reading the others.
 */

char	*procs_sql(struct cmd_ctx *, const struct procs_query *,
	    struct filter_sql *);
void	 procs_bind(struct cmd_ctx *, sqlite3_stmt *, const struct filter *,
	    const struct filter_sql *);
/* Write an expression on row "X." for the row aliased as the third. */
void	 procs_expr(FILE *, const char *, const char *);
/* The same on rows "X." and "Y.", aliased as the third and fourth. */
void	 procs_expr2(FILE *, const char *, const char *, const char *);
/* 1 for a delay of the field table (bounded as PROCS_DELAY says). */
int	 procs_delay_field(const struct ts_field *);

#endif
