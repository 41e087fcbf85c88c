/*
 * last.h: what `taskacct last` (cmd_last.c) shares with its follow mode
 * (follow.c): the listing's columns, its query over a range of rows, and
 * its rows, so that both print the same keys with the same escaping.
 */
#ifndef LAST_H
#define LAST_H

#include "cli.h"
#include "ident.h"

/* The columns: last's own, then the identity's (ident.h). */
#define LAST_COLS_MAX	(16 + IC__COUNT)
/* The statement's column holding the row id (p.id). */
#define LAST_COL_ID	15

int		 last_columns(const struct cmd_ctx *, const struct filter *,
		    struct col *);
sqlite3_stmt	*last_prepare(struct cmd_ctx *, const struct filter *, int,
		    const char *, const char *);
void		 last_row(struct cmd_ctx *, sqlite3_stmt *,
		    const struct col *);

/* follow.c */
int		 last_follow(struct cmd_ctx *, struct cmd_args *);

#endif
