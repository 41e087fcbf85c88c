/*
 * short_parents.h: the top parents of `taskacct short` from the rollups,
 * exact, without summing every parent of the window (short_parents.c).
 */
#ifndef CLI_SHORT_PARENTS_H
#define CLI_SHORT_PARENTS_H

#include "cli.h"

/*
 * The top limit parents of short-lived children over f's window (since
 * and until only), ranked as the rollup SQL ranks them, as a JSON array
 * of [ppid, short children, process ends, first minute, last minute]
 * (to free()); NULL when this cannot tell (the caller reads the SQL).
 */
char	*short_parents_top(struct cmd_ctx *, const struct filter *, int64_t);

#endif
