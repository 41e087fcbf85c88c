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

/* The statements of db; NULL if they cannot be prepared. */
struct ranked	*ranked_new(sqlite3 *);
void		 ranked_free(struct ranked *);
/* A transaction begins: the rows from here on are its. */
int		 ranked_begin(struct ranked *);
/* Before its COMMIT: fold its thread rows into the candidates. */
int		 ranked_commit(struct ranked *);
/* The same for the rows with ids in [from, to) (tools/dev/gendb). */
int		 ranked_fold(struct ranked *, int64_t, int64_t);
/* After a prune: forget the hours up to the oldest row's (oldest, us). */
int		 ranked_prune(struct ranked *, int64_t);

#endif
