/*
 * store_levels.h: the hour and day levels of the rollups in the database
 * (src/store_levels.c), for the store.
 */
#ifndef STORE_LEVELS_H
#define STORE_LEVELS_H

#include <sqlite3.h>
#include <stdint.h>

struct rollup;
struct store_levels;

struct store_levels	*store_levels_new(sqlite3 *);
void			 store_levels_free(struct store_levels *);
int			 store_levels_put(struct store_levels *, struct rollup *);
int			 store_levels_prune(sqlite3 *, int64_t);

#endif
