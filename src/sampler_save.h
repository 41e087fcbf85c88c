/*
 * sampler_save.h: the format of the sampler's table handed to the next
 * image at an upgrade (src/sampler_save.c), private to it and its unit
 * test: native byte order, no hidden padding, pads zero.
 */
#ifndef SAMPLER_SAVE_H
#define SAMPLER_SAVE_H

#include <stdint.h>

#include "fields.h"
#include "sampler.h"
#include "sampler_acct.h"

#define SAVE_MAGIC		"TASAMPLE"
#define SAVE_VERSION		1
#define SAVE_TIME_MAX		(INT64_C(1) << 53)	/* us, either sign */
#define SAVE_COUNT_MAX		(UINT64_C(1) << 62)	/* passes, commits */
#define SAVE_START_SPAN		(SACCT_EXIT_LATE_US + 2 * SACCT_SAMPLE_TOL_US)

enum { SAVE_P_ENDED = 1, SAVE_P_LEADER_COMM = 2 };
enum { SAVE_T_SAMPLED = 1, SAVE_T_EXITED = 2 };

struct save_hdr {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 ncounters;	/* SAMPLER_NCOUNTERS */
	uint32_t	 proc_size, thread_size;
	uint32_t	 nprocs, nthreads;
	uint64_t	 pass, gen;
	int64_t		 born_after, prev_end;
	uint32_t	 full_logged;
	uint32_t	 pad;
};

struct save_proc {
	uint32_t	 tgid;
	uint32_t	 flags;		/* SAVE_P_* */
	int64_t		 lstart;
	uint64_t	 end_gen, end_pass, acc_pass;
	int64_t		 last_time, uid, ppid;
	char		 comm[TS_COMM_LEN];
};

struct save_thread {
	uint32_t	 tid;
	uint32_t	 proc;		/* index among the processes */
	int64_t		 start_lo, start_hi, last_time;
	uint32_t	 flags;		/* SAVE_T_* */
	uint32_t	 pad;
	uint64_t	 exit_gen, exit_pass;
	int64_t		 v[SAMPLER_NCOUNTERS];
};

_Static_assert(sizeof(struct save_hdr) == 72, "no hidden padding");
_Static_assert(sizeof(struct save_proc) == 64 + TS_COMM_LEN, "no padding");
_Static_assert(sizeof(struct save_thread) == 56 + 8 * SAMPLER_NCOUNTERS,
    "no hidden padding");

#endif
