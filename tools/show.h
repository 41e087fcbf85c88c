/*
 * show.h: the grouped field printer of `taskacct show` (cmd_show.c),
 * shared with `taskacct get`: one line per field, grouped as the field
 * table groups them, in human units in tables and raw otherwise.
 */
#ifndef SHOW_H
#define SHOW_H

#include <sqlite3.h>

#include "cli.h"

/*
 * A column of values: a statement's current row, or values held in
 * memory (OV_NULL, OV_INT or OV_TEXT), both indexed like the field table
 * for its fields.
 */
struct show_col {
	sqlite3_stmt			*stmt;
	const struct output_value	*v;	/* when stmt is NULL */
};

void	show_begin(struct cmd_ctx *, int);
void	show_line(struct cmd_ctx *, const char *, const char *, enum col_kind,
	    const struct show_col *, int, const struct show_col *, int);
void	show_group(struct cmd_ctx *, int, const struct show_col *,
	    const struct show_col *);

#endif
