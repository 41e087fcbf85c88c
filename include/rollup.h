/*
 * rollup.h: the per-minute sums of the thread rows of one transaction,
 * gathered in memory as records are stored and written into the minutes
 * and minute_parents tables (sql/schema.sql) at commit, and their sums by
 * hour and by day (rollup_levels) for the tables of those levels.
 */
#ifndef ROLLUP_H
#define ROLLUP_H

#include <stdint.h>

#include "decode.h"
#include "fields.h"
#include "rollup_def.h"

/*
 * A sum of the rollups: wraps past int64 (a hostile record's counters near
 * 2^63) instead of undefined behaviour.
 */
static inline int64_t
rollup_sum_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

struct rollup_minute {
	int64_t		 minute;
	int64_t		 uid;
	char		 comm[TS_COMM_LEN + 1];
	int64_t		 sum[RS__COUNT];
};

/*
 * At the hour and day levels (rollup_levels) "minute" is the hour or the
 * day; first and last are the minutes of the first and last process end
 * (at the minute level, the minute itself).
 */
struct rollup_parent {
	int64_t		 minute;
	int64_t		 ppid;
	int64_t		 procs;
	int64_t		 short_procs;
	int64_t		 first, last;
};

/* The coarser levels of a transaction's rollups (rollup_levels). */
enum rollup_level {
	ROLLUP_LEVEL_HOUR,
	ROLLUP_LEVEL_DAY,
	ROLLUP_LEVEL__COUNT
};

struct rollup;

struct rollup	*rollup_new(void);
void		 rollup_free(struct rollup *);
int		 rollup_add(struct rollup *, const struct ts_record *,
		    const struct ts_plan *, int64_t);
void		 rollup_clear(struct rollup *);
size_t		 rollup_minutes(const struct rollup *,
		    const struct rollup_minute **);
size_t		 rollup_parents(const struct rollup *,
		    const struct rollup_parent **);
int		 rollup_levels(struct rollup *);
size_t		 rollup_level_minutes(const struct rollup *, enum rollup_level,
		    const struct rollup_minute **);
size_t		 rollup_level_parents(const struct rollup *, enum rollup_level,
		    const struct rollup_parent **);

#endif
