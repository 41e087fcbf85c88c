/*
 * sampler_acct.h: the live sampler's table of threads and processes,
 * private to its two files: src/sampler_acct.c (the arithmetic) and
 * src/sampler_save.c (the table handed to the next image at an upgrade).
 */
#ifndef SAMPLER_ACCT_H
#define SAMPLER_ACCT_H

#include <pthread.h>
#include <stdint.h>

#include "decode.h"
#include "sampler.h"

#define SACCT_BUCKETS		65536		/* power of two */
#define SACCT_SAMPLE_TOL_US	50000		/* clock reading slack */
#define SACCT_EXIT_LATE_US	1000000		/* an exit's start estimate */
#define SACCT_PROC_TOL_US	1000000		/* = PROC_START_TOL_US */
#define KTHREADD_PID		2
#define SACCT_ID_MAX		(INT64_C(1) << 52)	/* us: 142 years */

/* The identity fields read from every record. */
enum { ID_ETIME, ID_BTIME64, ID_BTIME, ID_TGETIME, ID_TGID, ID_PPID, ID_UID,
    ID_FLAG, ID_HIWATER_VM, ID__COUNT };

struct sproc {
	struct sproc	*next;
	uint32_t	 tgid;
	int64_t		 lstart;
	int		 refs;		/* thread entries pointing here */
	int		 ended, leader_comm;
	uint64_t	 end_gen, end_pass;
	uint64_t	 acc_pass;	/* the pass acc[] is for */
	int		 acc_threads;
	int64_t		 last_time;	/* of its last sample */
	int64_t		 uid, ppid;
	char		 comm[TS_COMM_LEN];
	int64_t		 acc[SAMPLER_NCOUNTERS];
	uint32_t	 save_idx;	/* src/sampler_save.c's */
};

struct sthread {
	struct sthread	*next;
	struct sproc	*proc;
	uint32_t	 tid;
	int64_t		 start_lo, start_hi; /* where the true start lies */
	int64_t		 last_time;
	int		 sampled, exited;
	uint64_t	 exit_gen, exit_pass;
	int64_t		 v[SAMPLER_NCOUNTERS];
};

struct sacct {
	pthread_mutex_t	 mu;
	struct sthread	*bucket[SACCT_BUCKETS];
	struct sproc	*pbucket[SACCT_BUCKETS];
	size_t		 nthreads, max_threads;
	uint64_t	 pass;		/* passes begun */
	uint64_t	 gen;		/* commits by the writer */
	int		 in_pass;
	int64_t		 pass_time;	/* when the open pass began */
	int64_t		 born_after;	/* a new thread started after this
					   was missed by no pass: count all */
	int64_t		 prev_end;	/* the last pass's end */
	int		 full_logged;
	struct ts_plan	 plan;
	int		 idx[SAMPLER_NCOUNTERS], id_idx[ID__COUNT], comm_idx;
	struct sacct_item *out;		/* for the writer */
	size_t		 nout, out_size;
};

void	sacct_empty(struct sacct *);

static inline size_t
sacct_hash(uint32_t id)
{
	return (id * 2654435761u) & (SACCT_BUCKETS - 1);
}

#endif
