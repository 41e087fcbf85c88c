/*
 * ident.h: who an exit was (schema 3): its command line, executable,
 * cgroup, systemd unit, container and pod, recorded by taskacctd from the
 * process events connector (sql/schema.sql: cmdlines, exes, cgroups and
 * tasks.args_id, exe_id, cgroup_id, ident_src), as the query tool selects,
 * prints and explains them: last, show, tree, the identity filters and
 * top/summary --group unit|container.
 *
 * A row whose ident_src is NULL (capture off, or a database before
 * schema 3) has no identity: every value is NULL and prints as before.
 * When a value is missing for a reason (ident_src GONE, DENIED, ...), a
 * table prints the reason in its place, "(exited before read)", and the
 * machine formats print NULL and the reason's name in "ident_src".
 */
#ifndef IDENT_H
#define IDENT_H

#include <stdio.h>

#include "cli.h"

/* The identity columns ident_select writes, in this order. */
enum ident_col {
	IC_ARGS,
	IC_EXE,
	IC_CGROUP,
	IC_UNIT,
	IC_CONTAINER,
	IC_POD,
	IC_SRC,
	IC__COUNT
};

/* A container id in a table: its first digits, as docker ps shows it. */
#define IDENT_SHORT_ID	12

/*
 * The unit or container of the process row of p (procs.h), for top and
 * summary --group: one lookup by primary key per process.
 */
#define IDENT_GROUP_SQL(col)	"(SELECT c." col " FROM tasks i JOIN " \
	"cgroups c ON c.id = i.cgroup_id WHERE i.id = p.id)"

extern const struct col	ident_cols[IC__COUNT];

int		 ident_have(const struct cmd_ctx *);
void		 ident_require(struct cmd_ctx *, const char *);
void		 ident_filter_ready(struct cmd_ctx *, const struct filter *);
void		 ident_select(const struct cmd_ctx *, FILE *, const char *);
void		 ident_join(const struct cmd_ctx *, FILE *, const char *,
		    const char *);
int		 ident_known(sqlite3_stmt *, int);
void		 ident_cols_for(const struct cmd_ctx *, struct col *, int *);
void		 ident_add(struct cmd_ctx *, struct row *, sqlite3_stmt *,
		    int);
void		 ident_add_null(const struct cmd_ctx *, struct row *);
void		 ident_add_col(struct cmd_ctx *, struct row *,
		    sqlite3_stmt *, int, enum ident_col);
void		 ident_filter_schema(const struct cmd_ctx *, struct filter *);
const char	*ident_src_name(int64_t);
const char	*ident_reason(int64_t);

#endif
