/*
 * follow.c: `taskacct last --follow`: the lines of `last` (last.h) as
 * taskacctd commits their rows, until interrupted.
 *
 * A round opens the database (export_src_open, as `export --follow`
 * does), reads in one read transaction the rows committed after the
 * cursor up to the newest row of that snapshot, ends the read, closes
 * the database, and only then writes the lines (output_flush); then it
 * waits on inotify (export_watch.c) for the next commit.  No snapshot is
 * held while lines are written or while waiting, so taskacctd can always
 * checkpoint its WAL.  The cursor moves past every row of the snapshot,
 * matched or not: each line comes once, in commit (id) order, and none
 * is skipped between rounds.  A round reads FOLLOW_BATCH_ROWS lines at
 * most; the next one follows at once.
 *
 * First, the last -n lines (default FOLLOW_BACKLOG, as tail -f; with
 * --since and no -n, all since) that `last` would print, oldest first.
 *
 * Rotation (mv, SIGHUP): a database at the path with another name (its
 * first run, export_db.c) is a new file.  The rest of the old one is
 * printed first (found by its inode beside the path), then any file
 * rotated away in between, then the new one from its start.  Retention
 * prunes the oldest rows, never the ones after the cursor, unless it
 * empties the table: SQLite then numbers rows from 1 again (tasks.id is
 * not AUTOINCREMENT), which follow_reused notices.
 *
 * SIGINT and SIGTERM end it with status 0 once the lines being written
 * are out: both are blocked except while reading and waiting, so no line
 * is ever cut.  A reader that goes away ends it with status 0 too, seen
 * on a write (EPIPE) or while waiting (`| head -1` ends it even when no
 * exit comes).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "ident.h"
#include "last.h"

#define FOLLOW_BACKLOG		10	/* lines before following */
/* Lines per round, at most: a round's read transaction stays short (a
   few ms; on a loaded machine, 5,000 lines held the WAL for seconds). */
#define FOLLOW_BATCH_ROWS	1000
/* How long to sleep when inotify says nothing (a fallback)... */
#define FOLLOW_FALLBACK_MS	10000
/* ...and after a wake-up that found nothing new: the -wal write that
   woke us may precede the commit's -shm update by a moment. */
#define FOLLOW_RECHECK_MS	100

/* What a round did. */
#define ROUND_NONE	0	/* nothing new, or no database yet */
#define ROUND_MOVED	1	/* the cursor moved */
#define ROUND_MORE	2	/* ...and more is waiting */

struct follower {
	struct cmd_ctx		*ctx;
	const struct filter	*filter;	/* as given */
	struct col		 cols[LAST_COLS_MAX];
	struct export_watch	*watch;
	sigset_t		 stops;		/* SIGINT, SIGTERM */
	sigset_t		 waitmask;	/* the mask but those */
	struct export_ident	 id;		/* db "": none yet */
	int64_t			 last;		/* the last row looked at */
	int64_t			 last_recv;	/* its recv_time */
	int64_t			 backlog;	/* -1: all */
	int			 said_missing;
	char			 said_bad[512];	/* a file not followed */
};

static volatile sig_atomic_t	follow_stop;

static void
on_stop(int sig)
{
	(void)sig;
	follow_stop = 1;
}

/* One integer from sql with ?1 and ?2 bound; def for NULL or no row. */
static int64_t
follow_int(struct cmd_ctx *ctx, const char *sql, int64_t a, int64_t b,
    int64_t def)
{
	sqlite3_stmt	*s;
	int64_t		 v = def;

	s = cli_prepare(ctx, sql);
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, b);
	if (cli_step(ctx, s) && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
follow_bind(sqlite3_stmt *s, const char *name, int64_t v)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(s, name)) > 0)
		sqlite3_bind_int64(s, i, v);
}

/*
 * Whether the row ids started over since the last round: a prune emptied
 * the table and the next rows were numbered from 1.  Then the row at the
 * cursor is gone or another one (its recv_time differs), and rows at or
 * before it are newer than it was.  hi: the newest row id now.
 */
static int
follow_reused(struct follower *f, int64_t hi)
{
	struct cmd_ctx	*ctx = f->ctx;
	int64_t		 t;

	if (f->last == 0)
		return 0;
	if (hi < f->last)
		return 1;
	t = follow_int(ctx, "SELECT recv_time FROM tasks WHERE id = ?1",
	    f->last, 0, INT64_MIN);
	if (t != INT64_MIN)
		return t != f->last_recv;
	/* Pruned (the usual case): were all rows before it pruned too? */
	return follow_int(ctx, "SELECT EXISTS (SELECT 1 FROM tasks WHERE "
	    "recv_time > ?2 AND id <= ?1)", f->last, f->last_recv, 0) != 0;
}

/*
 * One read of src into the output: the lines of the rows after the
 * cursor (the backlog, first), up to the newest row of the snapshot.
 * ROUND_* as the cursor moved.
 */
static int
follow_read(struct follower *f, struct export_src *src, int first)
{
	struct cmd_ctx	*ctx = f->ctx;
	struct filter	 flt = *f->filter;
	sqlite3_stmt	*s;
	int64_t		 hi, id = 0, was = f->last;
	int		 n = 0, full;

	sigprocmask(SIG_SETMASK, &f->waitmask, NULL);
	ctx->db = export_src_db(src);
	ctx->schema = export_src_schema(src);
	ident_filter_schema(ctx, &flt);
	if (sqlite3_exec(ctx->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		cli_fatal(ctx, "reading %s: %s", ctx->db_path,
		    sqlite3_errmsg(ctx->db));
	hi = follow_int(ctx, "SELECT max(id) FROM tasks", 0, 0, 0);
	if (!first && follow_reused(f, hi)) {
		warnx("last: the row ids of the database started over (a "
		    "prune emptied it): following from its first row");
		f->last = was = 0;
	}
	if (first)
		s = last_prepare(ctx, &flt, 1, "AND g.id <= :hi ORDER BY "
		    "g.recv_time DESC, g.id DESC LIMIT :limit",
		    " ORDER BY p.exit_time, p.id");
	else
		s = last_prepare(ctx, &flt, 0, "AND g.id > :after AND "
		    "g.id <= :hi ORDER BY g.id LIMIT :limit", " ORDER BY p.id");
	follow_bind(s, ":hi", hi);
	follow_bind(s, ":after", f->last);
	follow_bind(s, ":limit", first ? f->backlog : FOLLOW_BATCH_ROWS);
	while (cli_step(ctx, s)) {
		last_row(ctx, s, f->cols);
		id = sqlite3_column_int64(s, LAST_COL_ID);
		n++;
	}
	sqlite3_finalize(s);
	full = !first && n == FOLLOW_BATCH_ROWS;
	f->last = full ? id : hi;
	f->last_recv = follow_int(ctx, "SELECT recv_time FROM tasks WHERE "
	    "id = ?1", f->last, 0, 0);
	sqlite3_exec(ctx->db, "COMMIT", NULL, NULL, NULL);
	ctx->db = NULL;
	sigprocmask(SIG_BLOCK, &f->stops, NULL);
	return full ? ROUND_MORE : f->last != was ? ROUND_MOVED : ROUND_NONE;
}

/* Write the lines read; a reader gone ends the follow, status 0. */
static void
follow_flush(struct follower *f)
{
	if (output_flush(f->ctx->out) == 0)
		return;
	if (errno == EPIPE)
		exit(0);
	err(1, "stdout");
}

/*
 * Whether the file at path is a database being created: empty, or with
 * neither taskacct's application_id nor a schema version yet (taskacctd
 * creates the file, then its schema).
 */
static int
follow_creating(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	struct stat	 sb;
	int64_t		 v = 0;
	int		 rc;

	if (stat(path, &sb) == -1 || sb.st_size == 0)
		return 1;
	/* One read: both values of the same commit. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT application_id + "
		    "user_version FROM pragma_application_id, "
		    "pragma_user_version", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		if ((rc = sqlite3_step(s)) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return rc == SQLITE_ROW ? v == 0 : rc == SQLITE_BUSY;
}

/* The database at path, if there is one to read; NULL: wait for it. */
static struct export_src *
follow_open(struct follower *f, const char *path)
{
	struct export_src	*src;
	char			 e[512];

	/* Twice: the first read may straddle the commit that creates it. */
	if ((src = export_src_open(path, 1, e, sizeof(e))) == NULL &&
	    errno != ENOENT && !follow_creating(path))
		src = export_src_open(path, 1, e, sizeof(e));
	if (src == NULL) {
		/* Moved away, or being created: wait. */
		if (errno == ENOENT || follow_creating(path)) {
			if (f->id.db[0] == '\0' && !f->said_missing)
				warnx("last: no database at %s yet: waiting "
				    "for taskacctd to create it", path);
			f->said_missing = 1;
			return NULL;
		}
		/* Not what was followed: say so once, wait for another. */
		if (f->id.db[0] == '\0')
			errx(1, "last: %s", e);
		if (strcmp(f->said_bad, e) != 0)
			warnx("last: %s: waiting for another file there", e);
		snprintf(f->said_bad, sizeof(f->said_bad), "%s", e);
		return NULL;
	}
	f->said_bad[0] = '\0';
	if (export_src_ident(src)->db[0] == '\0') {
		export_src_close(src);
		return NULL;
	}
	return src;
}

/* The rest of the database at path, if it is the one followed. */
static void
follow_drain(struct follower *f, const char *path)
{
	struct export_src	*src;
	int			 r;

	do {
		if ((src = follow_open(f, path)) == NULL)
			return;
		if (strcmp(export_src_ident(src)->db, f->id.db) != 0) {
			export_src_close(src);
			return;
		}
		r = follow_read(f, src, 0);
		export_src_close(src);
		follow_flush(f);
	} while (r == ROUND_MORE && !follow_stop);
}

/*
 * A new database at the path: the rest of the one followed (beside the
 * path, by its inode), then any rotated away before we saw it (by their
 * first run's start), then the new one from its start.
 */
static void
follow_rotated(struct follower *f, const struct export_ident *now)
{
	struct export_src	*src;
	const char		*path = f->ctx->db_path;
	char			*moved, e[512];

	if ((moved = export_find_moved(path, &f->id)) == NULL)
		warnx("last: the database followed is no longer at %s nor "
		    "beside it: exits after row %" PRId64 " not printed yet "
		    "are missing", path, f->last);
	else
		follow_drain(f, moved);
	while (moved != NULL && !follow_stop) {
		free(moved);
		if ((moved = export_find_next(path, f->id.start,
		    now->start)) == NULL)
			break;
		if ((src = export_src_open(moved, 0, e, sizeof(e))) == NULL)
			break;
		f->id = *export_src_ident(src);
		export_src_close(src);
		f->last = 0;
		follow_drain(f, moved);
	}
	free(moved);
	f->id = *now;
	f->last = 0;
	warnx("last: the database was rotated: following the new file at %s",
	    path);
}

/* One round: read what is new at the path.  ROUND_*. */
static int
follow_round(struct follower *f)
{
	struct export_src		*src;
	const struct export_ident	*id;
	struct export_ident		 now;
	int				 r;

	if ((src = follow_open(f, f->ctx->db_path)) == NULL)
		return ROUND_NONE;
	id = export_src_ident(src);
	if (f->id.db[0] == '\0') {
		f->id = *id;
		r = follow_read(f, src, 1);
	} else if (strcmp(f->id.db, id->db) != 0) {
		now = *id;
		export_src_close(src);
		follow_rotated(f, &now);
		return ROUND_MORE;	/* the new file, at once */
	} else {
		f->id = *id;	/* the same file, maybe moved back */
		r = follow_read(f, src, 0);
	}
	export_src_close(src);
	follow_flush(f);
	return r;
}

int
last_follow(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct follower		 f;
	struct sigaction	 sa;
	char			 e[512];
	int			 n, r, woke = 0;

	if (args->filter.set & FILTER_UNTIL)
		cli_usage("last: --until cannot go with --follow, which "
		    "prints exits as they come: give --since alone");
	memset(&f, 0, sizeof(f));
	f.ctx = ctx;
	f.filter = &args->filter;
	/* -n 0 prints none, as tail's; cmd_parse made it -1 ("all"). */
	if (args->flag['n'] != NULL)
		f.backlog = args->limit == -1 ? 0 : args->limit;
	else
		f.backlog = (args->filter.set & FILTER_SINCE) ? -1 :
		    FOLLOW_BACKLOG;
	if ((f.watch = export_watch_new(ctx->db_path, e, sizeof(e))) == NULL)
		errx(1, "last: %s", e);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: a wait ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&f.stops);
	sigaddset(&f.stops, SIGINT);
	sigaddset(&f.stops, SIGTERM);
	sigprocmask(SIG_BLOCK, &f.stops, &f.waitmask);
	sigdelset(&f.waitmask, SIGINT);
	sigdelset(&f.waitmask, SIGTERM);
	export_watch_output(f.watch, STDOUT_FILENO, &f.waitmask);

	n = last_columns(ctx, &args->filter, f.cols);
	cli_begin(ctx, f.cols, n);
	follow_flush(&f);	/* a csv header, json's "[" */
	while (!follow_stop) {
		if ((r = follow_round(&f)) == ROUND_MORE || follow_stop)
			continue;
		/* Nothing new after a wake-up: look once more soon. */
		r = export_watch_wait(f.watch, woke && r == ROUND_NONE ?
		    FOLLOW_RECHECK_MS : FOLLOW_FALLBACK_MS);
		if (r == 2)
			exit(0);	/* the reader went away */
		woke = r == 1;
	}
	export_watch_free(f.watch);
	return 0;
}
