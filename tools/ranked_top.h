/*
 * ranked_top.h: `top --by MEASURE` per exit record from the per-hour
 * top-K candidates (sql/schema.sql "ranked:", include/ranked.h): the rows
 * of the window that can be in its top N, for top_exits to rank as it
 * ranks the whole window.
 */
#ifndef CLI_RANKED_TOP_H
#define CLI_RANKED_TOP_H

#include <stdio.h>

#include "cli.h"
#include "measure.h"

struct ranked_top {
	const char	*measure;
	int64_t		 since, until;	/* the window */
	int64_t		 h0, hl;	/* its hours read from the candidates */
	int64_t		 e0;		/* [since, e0): before h0, from rows */
	int64_t		 n;		/* the limit */
};

/*
 * 1 if the top limit of m per exit record over the window of f can be
 * read from the candidates (a built-in measure they keep, no filter but
 * the window, a limit up to K, rows in the database), with rt ready for
 * ranked_top_with; 0: rank the window's rows directly.
 */
int	ranked_top_plan(struct cmd_ctx *, const struct filter *,
	    const struct measure *, int64_t, struct ranked_top *);
/* "WITH ... rc(id) AS (...) ": the ids of the window's top N (in no
   order): the query then ranks the rows of tasks g with g.id IN rc. */
void	ranked_top_with(FILE *, const struct measure *);
void	ranked_top_bind(sqlite3_stmt *, const struct ranked_top *);
/* TASKACCT_RANKED=0 in the environment: never (tests compare both). */

#endif
