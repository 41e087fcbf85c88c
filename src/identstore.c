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
 *
 * Retention (identstore_prune, in store_prune's transaction) deletes the
 * values no tasks row points at any more, without a scan of tasks (and
 * without an index on its id columns, which would cost bytes in every
 * row): each value's last_used says when a row last pointed at it, in
 * wall-clock microseconds at the insert (never before the row's
 * recv_time).  To spare a write per row, it is moved forward only when
 * IDENTSTORE_TOUCH_US older than now, so it may lag the newest row that
 * points at the value by up to that much: a value is unreferenced when
 * last_used + IDENTSTORE_TOUCH_US is before the oldest row left.  The
 * values' own index on last_used finds them.  After deleting any, the
 * cache is forgotten: an id it holds may be gone, and a record still
 * queued with that value must get a new one.
 */
#include <stdlib.h>
#include <string.h>

#include "cgroupname.h"
#include "ident.h"
#include "identstore.h"
#include "sysinfo.h"

#define CACHE_SLOTS	16384	/* per kind, power of two; full: forgotten */
#define IDENTSTORE_TOUCH_US	(60 * 1000000LL)	/* last_used's slack */
#define FNV_BASIS2	0x84222325cbf29ce4ULL

enum { K_ARGS, K_EXE, K_CGROUP, K__COUNT };

struct cslot {
	uint64_t	 h1, h2;	/* h2 folds in the length */
	int64_t		 id;		/* 0: empty */
	int64_t		 used;		/* its last_used in the database */
};

struct identstore {
	sqlite3		*db;
	sqlite3_stmt	*sel[K__COUNT];
	sqlite3_stmt	*ins[K__COUNT];
	sqlite3_stmt	*touch[K__COUNT];
	sqlite3_stmt	*prune[K__COUNT];
	struct cslot	*cache[K__COUNT];
	size_t		 used[K__COUNT];
};

static const char *const sel_sql[K__COUNT] = {
	[K_ARGS] = ("SELECT id, last_used FROM cmdlines WHERE hash = ?1 AND "
	    "args = ?2"),
	[K_EXE] = "SELECT id, last_used FROM exes WHERE path = ?2",
	[K_CGROUP] = "SELECT id, last_used FROM cgroups WHERE path = ?2",
};
static const char *const ins_sql[K__COUNT] = {
	[K_ARGS] = ("INSERT INTO cmdlines (hash, args, last_used) VALUES "
	    "(?1, ?2, ?6)"),
	[K_EXE] = "INSERT INTO exes (path, last_used) VALUES (?2, ?6)",
	[K_CGROUP] = ("INSERT INTO cgroups (path, unit, container, pod, "
	    "last_used) VALUES (?2, ?3, ?4, ?5, ?6)"),
};
static const char *const touch_sql[K__COUNT] = {
	[K_ARGS] = ("UPDATE cmdlines SET last_used = max(last_used, ?2) "
	    "WHERE id = ?1"),
	[K_EXE] = "UPDATE exes SET last_used = max(last_used, ?2) WHERE id = ?1",
	[K_CGROUP] = ("UPDATE cgroups SET last_used = max(last_used, ?2) "
	    "WHERE id = ?1"),
};
static const char *const prune_sql[K__COUNT] = {
	[K_ARGS] = "DELETE FROM cmdlines WHERE last_used < ?1",
	[K_EXE] = "DELETE FROM exes WHERE last_used < ?1",
	[K_CGROUP] = "DELETE FROM cgroups WHERE last_used < ?1",
};

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
	    NULL) == SQLITE_OK ? 0 : -1;
}

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
		    prepare(db, sel_sql[k], &is->sel[k]) == -1 ||
		    prepare(db, ins_sql[k], &is->ins[k]) == -1 ||
		    prepare(db, touch_sql[k], &is->touch[k]) == -1 ||
		    prepare(db, prune_sql[k], &is->prune[k]) == -1) {
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
		sqlite3_finalize(is->touch[k]);
		sqlite3_finalize(is->prune[k]);
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
bind_value(sqlite3_stmt *s, int k, const char *v, size_t len, uint64_t h1,
    int64_t now)
{
	struct cgroup_name	 cn;
	int			 n = sqlite3_bind_parameter_count(s);

	sqlite3_bind_int64(s, 1, (int64_t)h1);
	if (k == K_ARGS)
		sqlite3_bind_blob(s, 2, v, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_text(s, 2, v, (int)len, SQLITE_STATIC);
	if (n >= 6)
		sqlite3_bind_int64(s, 6, now);
	if (k != K_CGROUP || n < 5)
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

/* Move a value's last_used to now (see the top of the file). */
static int
touch(struct identstore *is, int k, int64_t id, int64_t now)
{
	sqlite3_stmt	*s = is->touch[k];
	int		 r;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	r = sqlite3_step(s);
	sqlite3_reset(s);
	return r == SQLITE_DONE ? 0 : -1;
}

/* The id of one value, found or inserted; -1 on a database error. */
static int64_t
value_id(struct identstore *is, int k, const char *v, size_t len, int64_t now)
{
	uint64_t	 h1 = ident_hash(v, len, IDENT_FNV_BASIS);
	uint64_t	 h2 = ident_hash(v, len, FNV_BASIS2) ^ len;
	struct cslot	*c = cache_slot(is, k, h1, h2);
	sqlite3_stmt	*s = is->sel[k];
	int64_t		 id = 0, used = 0;
	int		 r;

	if (c->id != 0) {
		if (now - c->used > IDENTSTORE_TOUCH_US) {
			if (touch(is, k, c->id, now) == -1)
				return -1;
			c->used = now;
		}
		return c->id;
	}
	bind_value(s, k, v, len, h1, now);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		used = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -1;
	if (id != 0 && now - used > IDENTSTORE_TOUCH_US) {
		if (touch(is, k, id, now) == -1)
			return -1;
		used = now;
	}
	if (id == 0) {
		s = is->ins[k];
		bind_value(s, k, v, len, h1, now);
		r = sqlite3_step(s);
		sqlite3_reset(s);
		if (r != SQLITE_DONE)
			return -1;
		id = sqlite3_last_insert_rowid(is->db);
		used = now;
	}
	if (is->used[k] >= CACHE_SLOTS / 2) {
		memset(is->cache[k], 0, CACHE_SLOTS * sizeof(struct cslot));
		is->used[k] = 0;
		c = cache_slot(is, k, h1, h2);
	}
	c->h1 = h1;
	c->h2 = h2;
	c->id = id;
	c->used = used;
	is->used[k]++;
	return id;
}

/* The ids of id's parts (0 for a part it lacks); -1 on a database error. */
int
identstore_ids(struct identstore *is, const struct ident *id,
    struct ident_ids *out)
{
	int64_t	 now;

	memset(out, 0, sizeof(*out));
	if (id == NULL)
		return 0;
	now = now_real_us();
	if (id->args_len > 0 && (out->args = value_id(is, K_ARGS,
	    ident_args(id), id->args_len, now)) == -1)
		return -1;
	if (id->exe_len > 0 && (out->exe = value_id(is, K_EXE, ident_exe(id),
	    id->exe_len, now)) == -1)
		return -1;
	if (id->cgroup_len > 0 && (out->cgroup = value_id(is, K_CGROUP,
	    ident_cgroup(id), id->cgroup_len, now)) == -1)
		return -1;
	return 0;
}

/*
 * Delete the values no tasks row points at, given the receive time of the
 * oldest row left (or of the cut, if earlier): those last used before
 * that, less the slack.  In the caller's transaction; *n gets the number
 * deleted.  -1 on a database error.
 */
int
identstore_prune(struct identstore *is, int64_t oldest, int64_t *n)
{
	sqlite3_stmt	*s;
	int		 k, r;

	*n = 0;
	for (k = 0; k < K__COUNT; k++) {
		s = is->prune[k];
		sqlite3_bind_int64(s, 1, oldest - IDENTSTORE_TOUCH_US);
		r = sqlite3_step(s);
		sqlite3_reset(s);
		if (r != SQLITE_DONE)
			return -1;
		*n += sqlite3_changes(is->db);
	}
	if (*n > 0)
		identstore_forget(is);
	return 0;
}
