/*
 * store.h: the SQLite database: schema, runs, records, losses.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct store;

struct run_info {
	const char	*boot_id;
	const char	*hostname;
	const char	*kernel_release;
	const char	*cpumask;
	int64_t		 rcvbuf;
	int		 sockets;
	int64_t		 start_time;
};

/* What store_reopen() did: see store.c. */
enum store_reopen {
	STORE_REOPEN_SAME,	/* not moved: nothing to do */
	STORE_REOPEN_NEW,	/* recording into a new file at the path */
	STORE_REOPEN_WAIT,	/* a reader holds the old file's WAL: still in it */
	STORE_REOPEN_KEPT,	/* no new file: still recording into the old */
	STORE_REOPEN_NONE,	/* no file at all: store_begin() tries again */
};

/* The WAL, as of the last checkpoint (after a commit). */
struct store_wal {
	int64_t		 bytes;		/* size of the -wal file */
	int64_t		 frames;	/* frames in it */
	int64_t		 backfilled;	/* of them, copied to the database */
	int		 held;		/* a reader keeps a backlog there */
};

struct store	*store_open(const char *, char *, size_t);
/* Upgrade in place: src/upgrade.c. */
struct store	*store_open_adopt(const char *, int, char *, size_t);
int		 store_release(struct store *);
int		 store_at_path(struct store *);
int		 store_run_adopt(struct store *, int64_t,
		    const struct run_info *, int64_t);
void		 store_close(struct store *);
const char	*store_errmsg(struct store *);
int		 store_run_begin(struct store *, const struct run_info *);
int		 store_run_end(struct store *, int64_t, int);
int		 store_begin(struct store *);
int		 store_commit(struct store *, int64_t);
int		 store_rollback(struct store *);
int		 store_put_record(struct store *, const struct ts_record *,
		    int64_t, int64_t, int64_t *);
struct ident;
int		 store_put_task(struct store *, const struct ts_record *,
		    int64_t, int64_t, const struct ident *, int, int64_t *);
int		 store_put_loss(struct store *, int64_t, const char *,
		    int64_t, const char *);
int		 store_set_ts_version(struct store *, int);
enum store_reopen store_reopen(struct store *, const struct run_info *,
		    int64_t, char *, size_t);
int		 store_settle(struct store *, char *, size_t);
void		 store_set_max_size(struct store *, int64_t);
int		 store_wal(struct store *, struct store_wal *);

/* Retention: see store.c. */
int		 store_prune(struct store *, int64_t, int, int64_t *,
		    int64_t *);
int		 store_oldest(struct store *, int64_t *);
int		 store_used_bytes(struct store *, int64_t *);
int		 store_vacuum(struct store *, int, int64_t *);
int		 store_put_prune(struct store *, int64_t, const char *, int64_t,
		    int64_t, int64_t, int64_t);

/* Live sampling's tables: src/store_activity.c. */
struct sqlite3	*store_handle(struct store *);
int64_t		 store_run_id(struct store *);
struct sacct_item;
int		 store_put_items(struct store *, const struct sacct_item *,
		    size_t);
int		 store_mark_sampled(struct store *, int64_t);
int		 store_prune_activity(struct store *, int64_t);

extern const char	 taskacct_schema_sql[];
/* taskacct_migrations[N]: SQL taking a database from version N-1 to N. */
extern const char *const taskacct_migrations[];
extern const size_t	 taskacct_nmigrations;

#endif
