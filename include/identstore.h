/*
 * identstore.h: identities stored once each (cmdlines, exes, cgroups)
 * and the ids a tasks row points at.
 */
#ifndef IDENTSTORE_H
#define IDENTSTORE_H

#include <stdint.h>

#include <sqlite3.h>

struct ident;
struct identstore;

/* The ids of one identity's parts; 0: none (stored as NULL). */
struct ident_ids {
	int64_t		 args, exe, cgroup;
};

struct identstore *identstore_new(sqlite3 *);
void		 identstore_free(struct identstore *);
void		 identstore_forget(struct identstore *);
int		 identstore_ids(struct identstore *, const struct ident *,
		    struct ident_ids *);
int		 identstore_prune(struct identstore *, int64_t, int64_t *);

#endif
