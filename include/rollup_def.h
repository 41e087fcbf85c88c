/*
 * rollup_def.h: what the per-minute rollups are, shared by taskacctd
 * (src/rollup.c, src/store.c), the query tool (tools/rollup.c) and the
 * database generator (tools/dev/gendb.c): the minute, the short-lived
 * threshold and the columns of the minutes table.  The SQL side is the
 * view rollup_rows of sql/schema.sql, which uses the same numbers as
 * literals; tests/unit_store.c checks the two agree.
 */
#ifndef ROLLUP_DEF_H
#define ROLLUP_DEF_H

#include <stdint.h>

/*
 * A minute of the rollups (rollup_rows: recv_time / 60000000), as a number
 * and as SQL text for statements built at compile time.
 */
#define ROLLUP_MINUTE_NUM	60000000
#define ROLLUP_MINUTE_US	((int64_t)ROLLUP_MINUTE_NUM)
#define ROLLUP_MINUTE_SQL	ROLLUP_STR(ROLLUP_MINUTE_NUM)
#define ROLLUP_STR(x)		ROLLUP_STR_(x)
#define ROLLUP_STR_(x)		#x
/*
 * The coarser levels (schema 4: hours, days, hour_parents, day_parents):
 * an hour is minute / 60, a day (UTC) minute / 1440, as the migration and
 * the query tool (tools/rollup.c) compute them.
 */
#define ROLLUP_HOUR_MINUTES	60
#define ROLLUP_DAY_MINUTES	1440
/* A process end shorter than this is short-lived (minutes.short_procs). */
#define ROLLUP_SHORT_US		INT64_C(1000000)

/*
 * The sums of the minutes table after its key (minute, ac_comm, ac_uid),
 * in the table's order, one line each:
 *   X(id, column, term, agg, field)
 * id names the sum (RS_id); column is the minutes column; term the column
 * of rollup_rows it aggregates; agg ROLLUP_AGG_SUM or ROLLUP_AGG_MAX; field
 * the tasks column a plain term is (coalesce(field, 0) over every thread
 * row), or NULL for a term src/rollup.c computes in rollup_terms().  To
 * change what a column sums, change its term here, in rollup_rows
 * (sql/schema.sql, by migration) and, if computed, in rollup_terms().
 */
#define ROLLUP_SUMS(X)							\
	X(TASKS,	"tasks",	"tasks",	SUM, NULL)		\
	X(PROCS,	"procs",	"procs",	SUM, NULL)		\
	X(FAILED,	"failed",	"failed",	SUM, NULL)		\
	X(SHORT,	"short_procs",	"short_procs",	SUM, NULL)		\
	X(ETIME,	"etime",	"etime",	SUM, NULL)		\
	X(UTIME,	"utime",	"utime",	SUM, "ac_utime")	\
	X(STIME,	"stime",	"stime",	SUM, "ac_stime")	\
	X(RSS_SUM,	"rss_sum",	"rss",		SUM, NULL)		\
	X(RSS_MAX,	"rss_max",	"rss",		MAX, NULL)		\
	X(READ,		"read_bytes",	"read_bytes",	SUM, "read_bytes")	\
	X(WRITE,	"write_bytes",	"write_bytes",	SUM, "write_bytes")	\
	X(CPU_DELAY,	"cpu_delay",	"cpu_delay",	SUM,			\
	    "cpu_delay_total")							\
	X(BLKIO_DELAY,	"blkio_delay",	"blkio_delay",	SUM,			\
	    "blkio_delay_total")						\
	X(SWAPIN_DELAY,	"swapin_delay",	"swapin_delay",	SUM,			\
	    "swapin_delay_total")						\
	X(FREEPAGES_DELAY, "freepages_delay", "freepages_delay", SUM,		\
	    "freepages_delay_total")						\
	X(THRASHING_DELAY, "thrashing_delay", "thrashing_delay", SUM,		\
	    "thrashing_delay_total")						\
	X(COMPACT_DELAY, "compact_delay", "compact_delay", SUM,			\
	    "compact_delay_total")						\
	X(WPCOPY_DELAY,	"wpcopy_delay",	"wpcopy_delay",	SUM,			\
	    "wpcopy_delay_total")						\
	X(IRQ_DELAY,	"irq_delay",	"irq_delay",	SUM,			\
	    "irq_delay_total")

enum rollup_agg {
	ROLLUP_AGG_SUM,
	ROLLUP_AGG_MAX,
};

#define ROLLUP_SUM_ENUM(id, col, term, agg, field)	RS_##id,
enum rollup_sum {
	ROLLUP_SUMS(ROLLUP_SUM_ENUM)
	RS__COUNT
};
#undef ROLLUP_SUM_ENUM

struct rollup_col {
	const char	*column;	/* of minutes */
	const char	*term;		/* of rollup_rows */
	enum rollup_agg	 agg;
	const char	*field;		/* a plain term's tasks column */
};

#define ROLLUP_COL_ENTRY(id, col, term, agg, field)			\
	[RS_##id] = { col, term, ROLLUP_AGG_##agg, field },
static const struct rollup_col rollup_cols[RS__COUNT]
    __attribute__((unused)) = {
	ROLLUP_SUMS(ROLLUP_COL_ENTRY)
};
#undef ROLLUP_COL_ENTRY

/*
 * The minute of a time as rollup_rows computes it: SQLite's integer
 * division truncates toward zero, as C's does, so minute 0 spans both
 * sides of the epoch.
 */
static inline int64_t
rollup_minute(int64_t t)
{
	return t / ROLLUP_MINUTE_US;
}

/* The first microsecond of minute m (INT64_MAX past the range). */
static inline int64_t
rollup_minute_start(int64_t m)
{
	if (m > INT64_MAX / ROLLUP_MINUTE_US)
		return INT64_MAX;
	if (m < INT64_MIN / ROLLUP_MINUTE_US + 1)
		return INT64_MIN;
	return m > 0 ? m * ROLLUP_MINUTE_US : (m - 1) * ROLLUP_MINUTE_US + 1;
}

/* The start of t's minute: a cut there splits no minute. */
static inline int64_t
rollup_minute_floor(int64_t t)
{
	return rollup_minute_start(rollup_minute(t));
}

#endif
