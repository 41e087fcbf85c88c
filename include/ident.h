/*
 * ident.h: who a task really was (issue 11): its command line, executable
 * and cgroup, read from /proc at exec (identread.c), held per task until
 * its exit record (ident.c), stored once per distinct value (identstore.c).
 */
#ifndef IDENT_H
#define IDENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"
#include "procconn.h"
#include "queue.h"

/* Longest command line kept (bytes); a longer one is cut to this. */
#define IDENT_ARGS_MAX		(256 << 10)
/* Bounds of the in-memory table: tasks, and bytes of identities. */
#define IDENT_TASKS_MAX		262144
#define IDENT_BYTES_MAX		(64 << 20)
/* An exited task whose exit record never came is forgotten after this. */
#define IDENT_EXITED_KEEP_MS	30000

/*
 * One identity, immutable once read and shared by reference: by the
 * tasks that inherited it and the queued records that carry it (the
 * writer thread drops those references, hence the atomic count).
 */
struct ident {
	atomic_uint	 refs;
	uint8_t		 src;		/* TASKACCT_IDENT_* of the read */
	uint8_t		 args_cut;	/* args longer than IDENT_ARGS_MAX */
	uint32_t	 args_len;	/* 0: none (--no-args, or unread) */
	uint32_t	 exe_len;	/* 0: none */
	uint32_t	 cgroup_len;	/* 0: none */
	uint64_t	 start_ticks;	/* /proc/PID/stat starttime */
	char		 data[];	/* args, exe, NUL, cgroup, NUL */
};

static inline const char *
ident_args(const struct ident *id)
{
	return id->data;
}

static inline const char *
ident_exe(const struct ident *id)
{
	return id->data + id->args_len;
}

static inline const char *
ident_cgroup(const struct ident *id)
{
	return id->data + id->args_len + id->exe_len + 1;
}

/* identread.c: the one /proc read, in-process or in a privileged child. */
#define IDENT_READ_NO_ARGS	0x1
#define IDENT_EXE_MAX		4096	/* exe link target, NUL included */
#define IDENT_CGROUP_TEXT_MAX	8192	/* /proc/PID/cgroup read */
#define IDENT_STAT_MAX		1024	/* /proc/PID/stat read */

/*
 * What one read of /proc/PID found, unparsed: the raw bytes of its parts
 * and where it stopped.  This header and the parts (args, exe, cgroup,
 * stat before, stat after, in that order) are also what the privileged
 * reader (src/identpriv.c) sends; ident_raw_from_bytes() checks them and
 * ident_from_raw() makes sense of them, in the unprivileged recorder.
 */
enum ident_step {
	IDENT_STEP_DONE,	/* every part read */
	IDENT_STEP_DIR,		/* /proc/PID could not be opened: err */
	IDENT_STEP_ARGS,	/* cmdline: err, or 0 (empty: exited) */
	IDENT_STEP_EXE,		/* exe: err (a refusal does not stop it) */
	IDENT_STEP_STAT0,	/* stat, first read: err */
	IDENT_STEP_STAT1,	/* stat, last read: err */
	IDENT_STEP__COUNT
};
enum { IDENT_PART_ARGS, IDENT_PART_EXE, IDENT_PART_CGROUP, IDENT_PART_STAT0,
    IDENT_PART_STAT1, IDENT_PART__COUNT };

struct ident_raw_hdr {
	uint8_t		 step;		/* enum ident_step: where it stopped */
	uint8_t		 args_cut;	/* cmdline longer than IDENT_ARGS_MAX */
	uint16_t	 pad;
	int32_t		 err;		/* errno of that step, or 0 */
	int32_t		 exe_err;	/* exe link refused (EACCES), or 0 */
	uint32_t	 len[IDENT_PART__COUNT];
};
#define IDENT_RAW_MAX	(sizeof(struct ident_raw_hdr) + IDENT_ARGS_MAX + \
	IDENT_EXE_MAX + IDENT_CGROUP_TEXT_MAX + 2 * IDENT_STAT_MAX)

struct ident_raw {
	struct ident_raw_hdr	 h;
	const char		*part[IDENT_PART__COUNT];
	char			*args_buf;	/* owned (ident_read_raw) */
	char			 exe[IDENT_EXE_MAX];
	char			 cgroup[IDENT_CGROUP_TEXT_MAX];
	char			 stat[2][IDENT_STAT_MAX];
};

struct ident	*ident_read(pid_t, uint64_t, int, int *);
void		 ident_read_raw(pid_t, int, struct ident_raw *);
void		 ident_raw_free(struct ident_raw *);
int		 ident_raw_from_bytes(const void *, size_t, struct ident_raw *,
		    const char **);
struct ident	*ident_from_raw(const struct ident_raw *, pid_t, uint64_t,
		    int *);
enum { IDENT_ASK_NONE, IDENT_ASK_EXE, IDENT_ASK_ALL };
int		 ident_raw_ask(const struct ident_raw *, pid_t);
int		 ident_raw_take_exe(struct ident_raw *, const struct ident_raw *);
size_t		 ident_size(const struct ident *);
void		 ident_ref(struct ident *);
void		 ident_unref(struct ident *);
size_t		 ident_live_bytes(void);
uint64_t	 ident_hash(const void *, size_t, uint64_t);
#define IDENT_FNV_BASIS		0xcbf29ce484222325ULL

/* ident.c: the table of live tasks' identities. */
struct ident_stats {
	uint64_t	 execs;		/* exec events */
	uint64_t	 read_ok;	/* ... read whole */
	uint64_t	 read_gone;
	uint64_t	 read_denied;
	uint64_t	 read_reused;
	uint64_t	 forks;		/* fork events (processes) */
	uint64_t	 threads;	/* thread creations */
	uint64_t	 late_reads;	/* a forking task's, started before */
	uint64_t	 comms;		/* comm changes */
	uint64_t	 exits;		/* exit events */
	uint64_t	 matched;	/* exit records given an identity */
	uint64_t	 unmatched;	/* exit records with none */
	uint64_t	 evicted;	/* forgotten: the table was full */
	uint64_t	 stale;		/* replaced: its exit event was lost */
	uint64_t	 expired;	/* exited, no exit record came */
	uint64_t	 conn_drops;	/* connector events dropped */
	uint64_t	 read_ns;	/* time spent reading /proc, in all */
};

/* Reads an identity for a pid (ident_read() or a privileged child). */
typedef struct ident	*ident_reader_fn(void *, pid_t, uint64_t, int, int *);

struct ident_table;

struct ident_table *ident_table_new(int, int64_t);
void		 ident_table_free(struct ident_table *);
void		 ident_set_reader(struct ident_table *, ident_reader_fn *,
		    void *);
void		 ident_event(void *, const struct pc_event *);
void		 ident_note_drops(struct ident_table *, uint64_t);
void		 ident_for_exit(void *, const struct ts_decoded *,
		    struct ident **, int8_t *);
void		 ident_note_losses(struct ident_table *, struct queue *);
size_t		 ident_tasks(const struct ident_table *);
const struct ident_stats *ident_stats(const struct ident_table *);

#endif
