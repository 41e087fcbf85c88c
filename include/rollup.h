/*
 * rollup.h: the per-minute sums of the thread rows of one transaction,
 * gathered in memory as records are stored and written into the minutes
 * and minute_parents tables (sql/schema.sql) at commit.
 */
#ifndef ROLLUP_H
#define ROLLUP_H

#include <stdint.h>

#include "decode.h"
#include "fields.h"
#include "rollup_def.h"

struct rollup_minute {
	int64_t		 minute;
	int64_t		 uid;
	char		 comm[TS_COMM_LEN + 1];
	int64_t		 sum[RS__COUNT];
};

struct rollup_parent {
	int64_t		 minute;
	int64_t		 ppid;
	int64_t		 procs;
	int64_t		 short_procs;
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

#endif
