/*
 * taskstats_proto.h: the TASKSTATS generic-netlink protocol constants.
 *
 * Defined here rather than taken from <linux/taskstats.h> because the
 * installed header describes one struct version only (Debian 12: v13) and
 * the decoder must handle every version; the numbers below are stable ABI.
 */
#ifndef TASKSTATS_PROTO_H
#define TASKSTATS_PROTO_H

#include <stdint.h>

#define TS_FAMILY_NAME		"TASKSTATS"
#define TS_GENL_VERSION		1

enum {
	TS_CMD_UNSPEC = 0,
	TS_CMD_GET = 1,		/* user -> kernel: query, (de)register */
	TS_CMD_NEW = 2,		/* kernel -> user: a record */
};

enum {
	TS_TYPE_UNSPEC = 0,
	TS_TYPE_PID = 1,	/* u32 */
	TS_TYPE_TGID = 2,	/* u32 */
	TS_TYPE_STATS = 3,	/* struct taskstats */
	TS_TYPE_AGGR_PID = 4,	/* nest: PID + STATS */
	TS_TYPE_AGGR_TGID = 5,	/* nest: TGID + STATS */
	TS_TYPE_NULL = 6,	/* zero-length padding */
};

enum {
	TS_CMD_ATTR_UNSPEC = 0,
	TS_CMD_ATTR_PID = 1,
	TS_CMD_ATTR_TGID = 2,
	TS_CMD_ATTR_REGISTER_CPUMASK = 3,
	TS_CMD_ATTR_DEREGISTER_CPUMASK = 4,
};

/*
 * ac_flag bits (from <linux/acct.h>), the one definition: SQL built in C
 * pastes them with TS_SQL ("ac_flag & " TS_SQL(TS_AGROUP)); the files in
 * sql/ write them @TS_AGROUP@, which the build replaces with the value here
 * (Makefile, sql_consts).  Keep each a hex literal on its own #define line.
 */
#define TS_AFORK	0x01	/* forked but did not exec */
#define TS_ASU		0x02	/* used super-user privileges */
#define TS_ACORE	0x08	/* dumped core */
#define TS_AXSIG	0x10	/* killed by a signal */
#define TS_AGROUP	0x20	/* last thread of the thread group */

/* A constant as SQL text: TS_SQL(TS_AGROUP) is "0x20". */
#define TS_SQL_(x)	#x
#define TS_SQL(x)	TS_SQL_(x)

/*
 * The largest delay total (ns) a task that lived etime_us can have had.  A
 * larger one is impossible: delay accounting switched on while the task
 * was already waiting times that wait from zero (from boot, the uptime).
 * Such a value stays in its row but is left out of every sum and ranking.
 * The 1% and 1 ms allow for the two clocks the kernel times them with.
 * The SQL of this bound: TS_DELAY_MAX_SQL (rows aliased "X.", procs.h)
 * and sql/schema.sql's rollup_rows repeat it; tests/delay_outlier.sh
 * checks they agree.
 */
#define TS_DELAY_MAX_NS(etime_us)	((etime_us) * 1010 + 1000000)
#define TS_DELAY_MAX_SQL		"X.ac_etime * 1010 + 1000000"

/*
 * delay <= TS_DELAY_MAX_NS(etime_us) as SQLite computes it: where the bound
 * overflows int64, SQLite goes on in floating point, past every int64 on
 * the side of etime_us's sign.
 */
static inline int
ts_delay_possible(int64_t delay, int64_t etime_us)
{
	int64_t	 bound;

	if (__builtin_mul_overflow(etime_us, 1010, &bound) ||
	    __builtin_add_overflow(bound, 1000000, &bound))
		return etime_us > 0;
	return delay <= bound;
}

#endif
