/*
 * proctotals.h: taskacctd's upkeep of proc_totals (sql/schema.sql, schema
 * 5): per-process totals written at the process's end, in the
 * transaction of its rows (src/proctotals.c).
 */
#ifndef PROCTOTALS_H
#define PROCTOTALS_H

#include <stdint.h>

#include <sqlite3.h>

/* The columns summed (largest for rss), in proc_totals's order. */
enum {
	PT_UTIME, PT_STIME, PT_READ, PT_WRITE, PT_CPU_DELAY, PT_BLKIO_DELAY,
	PT_MEM_DELAY, PT_RSS, PT_CSW, PT__COUNT
};

/* One kind 0 row as procs.c reads it. */
struct pt_row {
	int64_t		 id, run_id, recv_time;
	int64_t		 tgid;		/* ac_tgid */
	int64_t		 lstart;	/* PROCS_LSTART */
	unsigned	 has_tgid : 1, has_lstart : 1, agroup : 1;
	unsigned	 has;		/* bit PT_x: v[PT_x] is not NULL */
	int64_t		 v[PT__COUNT];
};

struct ptot;
struct ts_record;
struct ts_plan;

/* The upkeep of db (NULL: no memory); cap: entries kept (0: default). */
struct ptot	*ptot_new(sqlite3 *, size_t);
void		 ptot_free(struct ptot *);
/* A kind 0 row as procs.c reads it, from a record and its plan. */
void		 ptot_row(struct pt_row *, const struct ts_record *,
		    const struct ts_plan *, int64_t, int64_t, int64_t);
/* The same from columns: field i of ts_fields at v[i], NULL if nul[i]. */
void		 ptot_row_cols(struct pt_row *, const int64_t *,
		    const uint8_t *, int64_t, int64_t, int64_t);
/* A thread row was inserted (in the open transaction). */
int		 ptot_thread(struct ptot *, const struct pt_row *);
/* A group row linked to link_id was inserted: the process ended. */
int		 ptot_group(struct ptot *, int64_t);
/* The transaction was rolled back: forget what it taught. */
void		 ptot_rollback(struct ptot *);
/* After a prune: rows of ends received before cut and now gone. */
int		 ptot_prune(sqlite3 *, int64_t);
/* Counters, for tests and logs. */
struct ptot_stats {
	int64_t	 written, updated, fallbacks, evicted, entries;
};
void		 ptot_stats(const struct ptot *, struct ptot_stats *);

#endif
