/*
 * measure.h: the ready-made measures of `top --by` (and any numeric field
 * of the field table), shared by top and timeline; the table is in
 * cmd_top.c.
 */
#ifndef CLI_MEASURE_H
#define CLI_MEASURE_H

#include "cli.h"

/*
 * A ready-made measure: its value on one exit row (an expression on the
 * row aliased "X", as procs.h writes them), a column of p for a process
 * (NULL: the row's value aggregated over its threads by agg, which also
 * aggregates over a group), and its value over a group of the rollups' r
 * (rollup.h), NULL if they do not have it.  A row's duration is the
 * task's own lifetime: a thread's, or for a process end the life of the
 * thread that ended it (for --min-duration too); a process's (--group
 * process) is the process's.
 */
struct measure {
	const char	*name;
	const char	*row;		/* on row "X." */
	const char	*pcol;		/* column of p, or NULL: agg(row) */
	const char	*agg;		/* over threads, and over a group */
	enum col_kind	 kind;
	const char	*help;
	const char	*rollup;	/* over r, or NULL */
	const char	*act;		/* on an activity row, or NULL */
};

/*
 * The measure called name into m; expr and act (len bytes each) hold
 * the expressions of a field's.  Exits with a usage line if there is none.
 */
void	 measure_find(struct cmd_ctx *, const char *, struct measure *, char *,
	    char *, size_t);

#endif
