/*
 * window.h: what happened in a window, for top and summary: the live
 * samples (the activity table of schema 3, written by taskacctd
 * --sample-interval) and the exit records of the threads never sampled,
 * read in one pass each (UNION ALL), then summed per process, per exit
 * record, per command, user or parent.  A process is (tgid, lstart):
 * its rows' leader-start estimates (PROCS_LSTART) within
 * PROC_START_TOL_US of each other.
 *
 * The sources, as sql/schema.sql defines them: a window [since, until)
 * holds the activity rows with time in it and the thread exit rows (kind
 * 0) with recv_time in it.  What activity carries (CPU, I/O, syscalls,
 * context switches, faults, delays) comes from the activity rows and
 * the unsampled exit rows (tasks.sampled NULL) only, so a sampled thread
 * counts its samples and its remainder, never its exit totals as well:
 * adjacent windows add up to the window that covers both.  What exists
 * only at exit (exits, lifetime, peak RSS) comes from every process end.
 * A process is exited in the window if one of its rows there says it
 * ended (an activity row with state 1, a thread row with AGROUP), else
 * running.
 */
#ifndef CLI_WINDOW_H
#define CLI_WINDOW_H

#include <stdio.h>

#include "cli.h"

/* The filters a window applies to both sources, row by row. */
#define WINDOW_FILTERS	(FILTER_COMM | FILTER_USER | FILTER_PID | \
			    FILTER_PPID | FILTER_TGID | FILTER_SINCE | \
			    FILTER_UNTIL)

enum window_by {
	WINDOW_BY_RECORD,	/* a sampled process, or an exit record */
	WINDOW_BY_PROCESS,
	WINDOW_BY_COMMAND,
	WINDOW_BY_USER,
	WINDOW_BY_PARENT,
};

/* The ranked measure: on an activity row and on an exit row ("X."). */
struct window_measure {
	const char	*name;
	const char	*act;
	const char	*exit;
	const char	*agg;
	enum col_kind	 kind;
};

/*
 * 1 if the window of f is read from the samples: the database has
 * activity rows (or sampling passes) before its end, and f filters on
 * nothing but WINDOW_FILTERS.  Otherwise every line is an exit and the
 * exit reports answer (with the same figures).
 */
int	 window_live(struct cmd_ctx *, const struct filter *);

/*
 * The activity rows as row "g" under the names of tasks (time as
 * recv_time, tgid as ac_pid and ac_tgid, kind 0), so that one filter text
 * (filter.c) applies to both sources; and that text, with --pid as the
 * process id, as a WHERE clause.
 */
#define WINDOW_ACTIVITY_AS_TASKS	"(SELECT *, 0 AS kind, time AS " \
	"recv_time, tgid AS ac_pid, tgid AS ac_tgid FROM activity) g"
struct filter_sql;
void	 window_where(FILE *, const struct filter *,
	    const struct filter_sql *);
/* 1 if the activity table has a column of this name (a field's). */
int	 window_has_field(struct cmd_ctx *, const char *);

void	 window_top(struct cmd_ctx *, struct cmd_args *, enum window_by,
	    const struct window_measure *);
void	 window_summary(struct cmd_ctx *, struct cmd_args *, enum window_by);

#endif
