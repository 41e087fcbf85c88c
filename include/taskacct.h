/*
 * taskacct.h: definitions shared by the recorder (taskacctd) and the query
 * tool (taskacct): program version, schema version, default paths.
 */
#ifndef TASKACCT_H
#define TASKACCT_H

#define TASKACCT_VERSION	"0.2.0"

/* PRAGMA user_version of a database this build writes and reads. */
#define TASKACCT_SCHEMA_VERSION	5
/* PRAGMA application_id: 'TACT', marks a file as a taskacct database. */
#define TASKACCT_APPLICATION_ID	0x54414354

/*
 * The recorder truncates the -wal file back to this many bytes after a
 * checkpoint; a larger one means checkpoints cannot finish (a reader holds
 * an old snapshot), which `taskacct status` warns about.  A plain decimal
 * number: store.c pastes it into a PRAGMA.
 */
#define TASKACCT_WAL_LIMIT_BYTES	67108864

#define TASKACCT_DEFAULT_DB	"/var/lib/taskacct/taskacct.db"
#define TASKACCT_DB_ENV		"TASKACCT_DB"

/* Values of the tasks.kind column. */
enum task_kind {
	TASK_KIND_THREAD = 0,	/* TASKSTATS_TYPE_AGGR_PID: one exiting task */
	TASK_KIND_GROUP = 1,	/* TASKSTATS_TYPE_AGGR_TGID: whole thread group */
};

/*
 * Values of tasks.ident_src: how a task's command line, executable and
 * cgroup (args_id, exe_id, cgroup_id) were obtained, or why they are
 * missing.  NULL: identity capture was off for that row.
 */
enum taskacct_ident_src {
	TASKACCT_IDENT_EXEC = 0,	/* read from /proc at its exec */
	TASKACCT_IDENT_FORK = 1,	/* never exec'd: its parent's, at fork */
	TASKACCT_IDENT_GONE = 2,	/* exited before /proc could be read */
	TASKACCT_IDENT_DENIED = 3,	/* /proc refused (hidepid, permission) */
	TASKACCT_IDENT_UNSEEN = 4,	/* started before the recorder listened */
	TASKACCT_IDENT_DROPPED = 5,	/* connector events lost in its life */
	TASKACCT_IDENT_REUSED = 6,	/* what was read belonged to a PID reuse */
	TASKACCT_IDENT__COUNT		/* (the number of codes) */
};

#endif
