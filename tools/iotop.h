/*
 * iotop.h: what the parts of `taskacct iotop` share.  iotop_sample.c makes
 * each round's per-process activity (from the kernel, or from the
 * daemon's rows), cmd_iotop.c runs the rounds and prints them in batch,
 * iotop_screen.c draws them on a terminal.
 *
 * A round is (start, end]: what each process did in it, counted once per
 * thread: a live thread's growth since the previous pass, and for a
 * thread that exited, its exit record minus the last sample iotop took of
 * it (or the whole record for a thread iotop never saw).
 */
#ifndef IOTOP_H
#define IOTOP_H

#include <stdint.h>

#include "cli.h"
#include "fields.h"

/* Shortest refresh (-d), and the default. */
#define IOTOP_DELAY_MIN_US	INT64_C(100000)
#define IOTOP_DELAY_DEF_US	INT64_C(1000000)
/*
 * How long after a round's end its exit rows are read: the daemon commits
 * every WRITER_FLUSH_INTERVAL_MS (writer.h); twice that lets a record
 * received just before the end be in its round.  At most half a round.
 */
#define IOTOP_GRACE_US		INT64_C(400000)
/* A thread gone from /proc waits this long for its exit record. */
#define IOTOP_GONE_KEEP_US	INT64_C(60000000)
/* taskacctd counts as sampling if its last pass is at most this old. */
#define IOTOP_SAMPLING_AGE_US	INT64_C(120000000)

/* One process's activity in a round. */
struct iotop_proc {
	uint32_t	 tgid;
	int64_t		 uid;
	int64_t		 lstart;	/* its leader's start, us */
	int64_t		 read_bytes;
	int64_t		 write_bytes;
	int64_t		 cpu_ns;
	int64_t		 span_us;	/* daemon rows: what rates divide by */
	int		 running;	/* a thread of it lived at the end */
	int		 exited;	/* an exit is counted in it */
	int		 leader;	/* comm is the leader's */
	char		 comm[TS_COMM_LEN + 1];
};

struct iotop_round {
	int64_t			 n;		/* 1, 2, ... */
	int64_t			 start, end;	/* us since the epoch */
	struct iotop_proc	*p;
	size_t			 np, size;
};

enum iotop_sort {
	IOTOP_SORT_IO,		/* read + write */
	IOTOP_SORT_READ,
	IOTOP_SORT_WRITE,
	IOTOP_SORT_CPU,
	IOTOP_SORT__COUNT
};
extern const char *const iotop_sort_names[IOTOP_SORT__COUNT];

struct iotop;

/*
 * iotop_open: the kernel (root or CAP_NET_ADMIN), else the daemon's rows;
 * *note is then set, once, to why and what that means.  iotop_begin takes
 * the baseline at t; iotop_pass samples the round ending at t (the
 * kernel: right away); iotop_round completes and returns it (its exit
 * rows, read later, after IOTOP_GRACE_US).
 */
struct iotop	*iotop_open(struct cmd_ctx *, const char **);
void		 iotop_begin(struct iotop *, int64_t);
void		 iotop_pass(struct iotop *, int64_t);
struct iotop_round *iotop_round(struct iotop *);
int		 iotop_kernel(const struct iotop *);
void		 iotop_close(struct iotop *);

/* Sorted in place, largest first; ties by pid. */
void		 iotop_sort(struct iotop_round *, enum iotop_sort);
/* 1 if shown: did I/O (only), or anything. */
int		 iotop_shown(const struct iotop_proc *, int);
int64_t		 iotop_now(void);

/* Print one round through the output module (table, csv, tsv, jsonl). */
void		 iotop_print(struct cmd_ctx *, struct output *,
		    const struct iotop_round *, int, int);

/* The interactive screen (ncurses); 0 when the user quits. */
int		 iotop_screen(struct cmd_ctx *, struct iotop *, int64_t,
		    int64_t, enum iotop_sort, int, const char *);

#endif
