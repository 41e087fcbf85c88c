/*
 * sqlbuild.h: SQL text built from the shared tables, for taskacctd's store
 * and the database generator (tools/dev/gendb.c), so that both write rows
 * and rollups with the same statements.
 */
#ifndef SQLBUILD_H
#define SQLBUILD_H

#include <stddef.h>

/* The columns of a tasks row before the field table's, in bind order. */
enum task_meta {
	TM_RUN_ID, TM_RECV_TIME, TM_KIND, TM_TASK_ID, TM_LINK_ID, TM_TS_LEN,
	TM__COUNT
};
extern const char *const task_meta_cols[TM__COUNT];
/* The identity columns (schema 3), bound after tail. */
enum task_ident {
	TI_ARGS_ID, TI_EXE_ID, TI_CGROUP_ID, TI_SRC,
	TI__COUNT
};
extern const char *const task_ident_cols[TI__COUNT];

/*
 * Each returns a string to free(), or NULL when out of memory.
 *   sql_task_insert: INSERT INTO tasks: the meta columns, ts_fields[] in
 *	order, tail, then the identity columns; TM__COUNT + ts_nfields + 1 +
 *	TI__COUNT parameters.
 *   sql_minutes_upsert: INSERT INTO minutes (minute, ac_comm, ac_uid, the
 *	sums in enum rollup_sum order) adding to (or raising) a row there.
 *   sql_rollup_fill: the minutes and minute_parents of every thread row
 *	(the view rollup_rows), into tables that hold none of them yet.
 *   sql_level_upsert: the same as sql_minutes_upsert into a level's table
 *	(hours, days) keyed by its column (hour, day).
 *   sql_level_parent_upsert: into hour_parents or day_parents: (key,
 *	ac_ppid, procs, short_procs, minute_first, minute_last).
 *   sql_levels_fill: hours, days, hour_parents and day_parents from the
 *	minutes tables, into tables that hold none of them yet.
 *   sql_levels_prune: several statements (for sqlite3_exec after binding
 *	by hand, or a prepare loop): the hour ?1 and day ?2 of the oldest row
 *	summed again from the finer levels, the ones before them dropped.
 *   sql_totals_upsert: into minute_totals, hour_totals or day_totals
 *	(schema 5) keyed by its column: (key, the sums).
 *   sql_commands_upsert: into hour_commands or day_commands (schema 5):
 *	(key, ac_comm, procs, short_procs).
 *   sql_totals_prune: as sql_levels_prune for the totals and the
 *	commands, ?3 the oldest row's minute (the minutes before it
 *	dropped).
 */
char	*sql_task_insert(void);
char	*sql_minutes_upsert(void);
char	*sql_rollup_fill(void);
char	*sql_level_upsert(const char *, const char *);
char	*sql_level_parent_upsert(const char *, const char *);
char	*sql_levels_fill(void);
char	*sql_levels_prune(void);
char	*sql_totals_upsert(const char *, const char *);
char	*sql_totals_prune(void);
char	*sql_commands_upsert(const char *, const char *);

struct sqlite3;
struct sqlite3_stmt;
int	 sql_prepare_built(struct sqlite3 *, char *, struct sqlite3_stmt **);

#endif
