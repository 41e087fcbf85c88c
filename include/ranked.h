/*
 * ranked.h: the per-hour top-K candidates of top's ranked lists per exit
 * (sql/schema.sql, "ranked:"), kept by taskacctd in the transaction of the
 * rows they rank (src/ranked.c) and read by `taskacct top`.
 */
#ifndef RANKED_H
#define RANKED_H

#include <stdint.h>

#include <sqlite3.h>

/* K: the candidates kept per hour; the fill in sql/migrate-4.sql says 100. */
#define RANKED_K		100
#define RANKED_HOUR_US		INT64_C(3600000000)

/*
 * The measures kept, as in the view ranked_rows (sql/schema.sql; a test
 * compares): the daemon's statements name them so that SQLite seeks each
 * (measure, hour) range of the primary keys instead of scanning them all.
 */
#define RANKED_MEASURES_SQL	"'cpu', 'io', 'rss', 'duration', 'failed', " \
	"'csw', 'cpu-delay', 'blkio-delay', 'swapin-delay', 'reclaim-delay', " \
	"'thrashing-delay', 'compact-delay', 'wpcopy-delay', 'irq-delay'"

struct ranked;
struct ts_plan;
struct ts_record;

/* The statements of db; NULL if they cannot be prepared. */
struct ranked	*ranked_new(sqlite3 *);
void		 ranked_free(struct ranked *);
/* A transaction begins: the rows from here on are its. */
int		 ranked_begin(struct ranked *);
/*
 * A row the transaction inserted (its id), as the recorder bound it:
 * compared in memory with its hour's cuts (read once from ranked_cuts),
 * so that only a row above a cut costs SQL at the commit.
 */
int		 ranked_add_record(struct ranked *, const struct ts_record *,
		    const struct ts_plan *, int64_t recv_time, int64_t id);
/* The same from column values indexed as ts_fields[] (tools/dev/gendb). */
int		 ranked_add_cols(struct ranked *, int kind, int64_t recv_time,
		    int64_t id, const int64_t *, const uint8_t *isnull);
/* Before its COMMIT: fold the rows above their cuts into the candidates. */
int		 ranked_commit(struct ranked *);
/* The transaction rolled back: forget what memory holds of the tables. */
void		 ranked_forget(struct ranked *);
/* Fold the rows with ids in [from, to) by SQL alone (tools/dev/gendb). */
int		 ranked_fold(struct ranked *, int64_t, int64_t);
/* After a prune: forget the hours up to the oldest row's (oldest, us). */
int		 ranked_prune(struct ranked *, int64_t);

#endif
