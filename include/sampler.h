/*
 * sampler.h: live sampling (taskacctd --sample-interval): the accounting
 * table of the threads sampled (src/sampler_acct.c), shared by the
 * sampler thread and the writer, and the sampler thread that asks the
 * privileged child for a pass every interval (src/sampler.c).
 */
#ifndef SAMPLER_H
#define SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"
#include "fields.h"

/* The counters of an activity row: kernel field names, in column order. */
#define SAMPLER_NCOUNTERS	22
extern const char *const sampler_counters[SAMPLER_NCOUNTERS];

/*
 * Threads remembered (live ones with their last sample, and exited ones
 * until their exit is committed): ~260 bytes each, so at most ~34 MB.  A
 * thread beyond the bound is not sampled: its exit row alone accounts for
 * it (tasks.sampled NULL), as if it had lived within one interval.
 */
#define SACCT_MAX_THREADS	131072
/* A sampled thread whose exit record never came (lost) is forgotten. */
#define SACCT_FORGET_US		INT64_C(600000000)

struct activity {
	int64_t		 time;		/* end of the interval, us */
	int64_t		 span;		/* us */
	int64_t		 lstart;	/* the process's start, us */
	uint32_t	 tgid;
	int		 state;		/* 0 running, 1 exited */
	int		 threads;
	int64_t		 uid, ppid;	/* -1: unknown */
	char		 comm[TS_COMM_LEN];
	int64_t		 v[SAMPLER_NCOUNTERS];
};

struct sample_pass {
	int64_t		 time;		/* end of the pass, us */
	int64_t		 threads, procs, gone, errors;
	int64_t		 wall_us, cpu_us;
};

/* An item for the writer: an activity row or a pass row. */
struct sacct_item {
	int		 is_pass;
	union {
		struct activity	 act;
		struct sample_pass pass;
	};
};

struct sacct;

struct sacct	*sacct_new(size_t, int64_t);
void		 sacct_free(struct sacct *);
size_t		 sacct_threads(struct sacct *);

/* The sampler thread's side, one pass at a time. */
void		 sacct_pass_begin(struct sacct *, int64_t);
int		 sacct_sample(struct sacct *, const struct ts_record *,
		    uint32_t, int64_t);
size_t		 sacct_pass_end(struct sacct *, struct sample_pass *);

/* The writer's side. */
int		 sacct_exit(struct sacct *, const struct ts_record *, int64_t,
		    struct activity *);
void		 sacct_committed(struct sacct *);
size_t		 sacct_take(struct sacct *, struct sacct_item **);

/* The table across an upgrade in place (src/sampler_save.c). */
size_t		 sacct_save_max(const struct sacct *);
int		 sacct_save(struct sacct *, void **, size_t *);
int		 sacct_load(struct sacct *, const void *, size_t, char *,
		    size_t);
int		 sacct_handover(struct sacct *, char *, size_t);
int		 sacct_adopt(struct sacct *, int, char *, size_t);

/* The sampler thread. */
struct sampler_opts {
	int		 fd;		/* to the privileged child */
	pid_t		 child;
	uint16_t	 family;
	int64_t		 interval_us;
	struct sacct	*acct;
	struct metrics	*metrics;	/* counts passes; NULL: none */
	struct queue	*wake;		/* woken after a pass: the writer */
};

struct queue;
struct sampler;

struct sampler	*sampler_start(const struct sampler_opts *);
void		 sampler_stop(struct sampler *);
int64_t		 sampler_release(struct sampler *);

/* One pass's reading of the child's messages (for the unit test). */
struct sampler_pass {
	struct sacct	*acct;
	uint16_t	 family;
	uint32_t	 seq;		/* of the request */
	int		 done;		/* PASS_END or ERROR seen */
	int64_t		 listed, gone, errors, child_cpu_us;
	const char	*why;		/* the last refusal */
};
int		 sampler_msg(struct sampler_pass *, const void *, size_t);

#endif
