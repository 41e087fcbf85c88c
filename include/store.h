/*
 * store.h: the SQLite database: schema, runs, records, losses.
 */
#ifndef STORE_H
#define STORE_H

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

struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
const char	*store_errmsg(struct store *);
int		 store_run_begin(struct store *, const struct run_info *);
int		 store_run_end(struct store *, int64_t, int);
int		 store_begin(struct store *);
int		 store_commit(struct store *, int64_t);
int		 store_rollback(struct store *);
int		 store_put_record(struct store *, const struct ts_record *,
		    int64_t, int64_t, int64_t *);
int		 store_put_loss(struct store *, int64_t, const char *,
		    int64_t, const char *);
int		 store_set_ts_version(struct store *, int);
int		 store_reopen(struct store *, const struct run_info *,
		    int64_t, char *, size_t);

/* Retention: see store.c. */
int		 store_prune(struct store *, int64_t, int, int64_t *,
		    int64_t *);
int		 store_oldest(struct store *, int64_t *);
int		 store_used_bytes(struct store *, int64_t *);
int		 store_vacuum(struct store *, int, int64_t *);
int		 store_put_prune(struct store *, int64_t, const char *, int64_t,
		    int64_t, int64_t, int64_t);

extern const char	 taskacct_schema_sql[];
/* taskacct_migrations[N]: SQL taking a database from version N-1 to N. */
extern const char *const taskacct_migrations[];
extern const size_t	 taskacct_nmigrations;

#endif
