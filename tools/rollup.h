/*
 * rollup.h: window reports from the rollups (sql/schema.sql: the view
 * rollup_rows, the tables minutes and minute_parents of schema 2, hours,
 * days, hour_parents and day_parents of schema 4), for summary, top and
 * short.
 *
 * A window [since, until) is read as its whole days, hours and minutes
 * from the rollup tables and its sub-minute edges from rollup_rows, the
 * rollups' own definition, so the sums are exact: the same as summing
 * rollup_rows over the window.  rollup_sql writes the common table
 * expression "r" (one term per group of a day, hour or minute, or per
 * edge row; columns below), or with parents set, "r" of the parents
 * tables (minute_first, minute_last, ac_ppid, procs, short_procs: the
 * minutes of the first and last process end of the parent in the term);
 * the caller appends its SELECT ... FROM r GROUP BY ... and binds with
 * rollup_bind, which also binds :since and :until if the SELECT uses them.
 *
 * Columns of r: ac_comm, ac_uid, then the sums of the minutes table
 * (ROLLUP_SUMS in include/rollup_def.h: tasks, procs, failed, ...).
 */
#ifndef CLI_ROLLUP_H
#define CLI_ROLLUP_H

#include "cli.h"
#include "rollup_def.h"

/* The filters the rollups can express. */
#define ROLLUP_FILTERS	(FILTER_COMM | FILTER_USER | FILTER_SINCE | \
			    FILTER_UNTIL)

/*
 * What rollup_sql's "r" holds: the sums; the parents; or (schema 5, the
 * tables hour_commands and day_commands, no filter on the user) ac_comm,
 * procs and short_procs alone, for short (else the sums, which have them).
 */
enum { ROLLUP_R_SUMS, ROLLUP_R_PARENTS, ROLLUP_R_COMMANDS };

int	 rollup_usable(struct cmd_ctx *, const struct filter *, unsigned int);
char	*rollup_sql(struct cmd_ctx *, const struct filter *, int);
void	 rollup_bind(struct cmd_ctx *, sqlite3_stmt *, const struct filter *);

/*
 * The window's non-empty parts as the SQL above reads them (for a caller
 * that reads each part itself: short_parents.c): level ROLLUP_PART_ROWS
 * [lo, hi) in us of rollup_rows, else [lo, hi) of the key of minutes,
 * hours or days (and their _parents).
 */
enum { ROLLUP_PART_ROWS, ROLLUP_PART_MINUTES, ROLLUP_PART_HOURS,
    ROLLUP_PART_DAYS };
#define ROLLUP_PARTS_MAX	7
struct rollup_part {
	int	 level;
	int64_t	 lo, hi;
};
size_t	 rollup_parts(struct cmd_ctx *, const struct filter *,
	    struct rollup_part *);

/*
 * The same for a window cut into buckets (timeline): "r" has the bucket's
 * index b first; rollup_buckets_bind binds n buckets of width bucket from
 * since (the last one cut at the filter's until) and the filters.
 */
char	*rollup_buckets_sql(struct cmd_ctx *, const struct filter *, int);
void	 rollup_buckets_bind(struct cmd_ctx *, sqlite3_stmt *,
	    const struct filter *, int64_t, int64_t, size_t);

#endif
