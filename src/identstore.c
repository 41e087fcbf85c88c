/*
 * identstore.c: the rows of cmdlines, exes and cgroups, each distinct
 * value stored once, and an in-memory cache of the ids already stored, so
 * that a fork storm of one command line costs no lookup per row.
 *
 * The cache is keyed by two independent 64-bit FNV-1a hashes and the
 * length (a wrong hit would need both to collide); the database lookup
 * compares the bytes themselves.  Ids cached inside a transaction that
 * is rolled back are gone with it: the caller forgets the whole cache at
 * a rollback (store_rollback) and with the database (a reopen).  Writer
 * thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "cgroupname.h"
#include "ident.h"
#include "identstore.h"

#define CACHE_SLOTS	16384	/* per kind, power of two; full: forgotten */
#define FNV_BASIS2	0x84222325cbf29ce4ULL

enum { K_ARGS, K_EXE, K_CGROUP, K__COUNT };

struct cslot {
	uint64_t	 h1, h2;	/* h2 folds in the length */
	int64_t		 id;		/* 0: empty */
};

struct identstore {
	sqlite3		*db;
	sqlite3_stmt	*sel[K__COUNT];
	sqlite3_stmt	*ins[K__COUNT];
	struct cslot	*cache[K__COUNT];
	size_t		 used[K__COUNT];
};

static const char *const sel_sql[K__COUNT] = {
	[K_ARGS] = "SELECT id FROM cmdlines WHERE hash = ?1 AND args = ?2",
	[K_EXE] = "SELECT id FROM exes WHERE path = ?2",
	[K_CGROUP] = "SELECT id FROM cgroups WHERE path = ?2",
};
static const char *const ins_sql[K__COUNT] = {
	[K_ARGS] = "INSERT INTO cmdlines (hash, args) VALUES (?1, ?2)",
	[K_EXE] = "INSERT INTO exes (path) VALUES (?2)",
	[K_CGROUP] = ("INSERT INTO cgroups (path, unit, container, pod) "
	    "VALUES (?2, ?3, ?4, ?5)"),
};

struct identstore *
identstore_new(sqlite3 *db)
{
	struct identstore	*is;
	int			 k;

	if ((is = calloc(1, sizeof(*is))) == NULL)
		return NULL;
	is->db = db;
	for (k = 0; k < K__COUNT; k++)
		if ((is->cache[k] = calloc(CACHE_SLOTS,
		    sizeof(struct cslot))) == NULL ||
		    sqlite3_prepare_v3(db, sel_sql[k], -1,
		    SQLITE_PREPARE_PERSISTENT, &is->sel[k], NULL) != SQLITE_OK ||
		    sqlite3_prepare_v3(db, ins_sql[k], -1,
		    SQLITE_PREPARE_PERSISTENT, &is->ins[k], NULL) != SQLITE_OK) {
			identstore_free(is);
			return NULL;
		}
	return is;
}

void
identstore_free(struct identstore *is)
{
	int	 k;

	if (is == NULL)
		return;
	for (k = 0; k < K__COUNT; k++) {
		sqlite3_finalize(is->sel[k]);
		sqlite3_finalize(is->ins[k]);
		free(is->cache[k]);
	}
	free(is);
}

void
identstore_forget(struct identstore *is)
{
	int	 k;

	if (is == NULL)
		return;
	for (k = 0; k < K__COUNT; k++) {
		memset(is->cache[k], 0, CACHE_SLOTS * sizeof(struct cslot));
		is->used[k] = 0;
	}
}

/* The cache slot of (h1, h2): its own, or the empty one to fill. */
static struct cslot *
cache_slot(struct identstore *is, int k, uint64_t h1, uint64_t h2)
{
	struct cslot	*c = is->cache[k];
	size_t		 i = (size_t)h1 & (CACHE_SLOTS - 1);

	while (c[i].id != 0 && (c[i].h1 != h1 || c[i].h2 != h2))
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &c[i];
}

/* Bind the value (and a cgroup's names) to s. */
static void
bind_value(sqlite3_stmt *s, int k, const char *v, size_t len, uint64_t h1)
{
	struct cgroup_name	 cn;

	sqlite3_bind_int64(s, 1, (int64_t)h1);
	if (k == K_ARGS)
		sqlite3_bind_blob(s, 2, v, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_text(s, 2, v, (int)len, SQLITE_STATIC);
	if (k != K_CGROUP || sqlite3_bind_parameter_count(s) < 5)
		return;
	cgroup_name(v, &cn);
	if (cn.unit[0] != '\0')
		sqlite3_bind_text(s, 3, cn.unit, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 3);
	if (cn.container[0] != '\0')
		sqlite3_bind_text(s, 4, cn.container, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 4);
	if (cn.pod[0] != '\0')
		sqlite3_bind_text(s, 5, cn.pod, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 5);
}

/* The id of one value, found or inserted; -1 on a database error. */
static int64_t
value_id(struct identstore *is, int k, const char *v, size_t len)
{
	uint64_t	 h1 = ident_hash(v, len, IDENT_FNV_BASIS);
	uint64_t	 h2 = ident_hash(v, len, FNV_BASIS2) ^ len;
	struct cslot	*c = cache_slot(is, k, h1, h2);
	sqlite3_stmt	*s = is->sel[k];
	int64_t		 id = 0;
	int		 r;

	if (c->id != 0)
		return c->id;
	bind_value(s, k, v, len, h1);
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -1;
	if (id == 0) {
		s = is->ins[k];
		bind_value(s, k, v, len, h1);
		r = sqlite3_step(s);
		sqlite3_reset(s);
		if (r != SQLITE_DONE)
			return -1;
		id = sqlite3_last_insert_rowid(is->db);
	}
	if (is->used[k] >= CACHE_SLOTS / 2) {
		memset(is->cache[k], 0, CACHE_SLOTS * sizeof(struct cslot));
		is->used[k] = 0;
		c = cache_slot(is, k, h1, h2);
	}
	c->h1 = h1;
	c->h2 = h2;
	c->id = id;
	is->used[k]++;
	return id;
}

/* The ids of id's parts (0 for a part it lacks); -1 on a database error. */
int
identstore_ids(struct identstore *is, const struct ident *id,
    struct ident_ids *out)
{
	memset(out, 0, sizeof(*out));
	if (id == NULL)
		return 0;
	if (id->args_len > 0 && (out->args = value_id(is, K_ARGS,
	    ident_args(id), id->args_len)) == -1)
		return -1;
	if (id->exe_len > 0 && (out->exe = value_id(is, K_EXE, ident_exe(id),
	    id->exe_len)) == -1)
		return -1;
	if (id->cgroup_len > 0 && (out->cgroup = value_id(is, K_CGROUP,
	    ident_cgroup(id), id->cgroup_len)) == -1)
		return -1;
	return 0;
}
