/*
 * cmd_export.c: `taskacct export`: every row of the history, every column,
 * in id order, as JSON lines on standard output or in batches to
 * ClickHouse (--to), once (--follow) or as the recorder commits them.
 *
 * The loop: open the database, read a batch after the cursor, close it
 * (no snapshot is held while the batch is delivered or while waiting, so
 * the recorder can always checkpoint), deliver, then record the cursor.
 * A kill at any point repeats at most the batch being delivered, never
 * skips one: ClickHouse collapses a repeat (ReplacingMergeTree on
 * (db, id)); on standard output a regular file is cut back to the length
 * the cursor recorded, so that a file gets each row once too.
 *
 * Rotation (the file moved, SIGHUP, a new file at the path): the new
 * file's first run gives it another name.  The rest of the old file is
 * exported first, found by its inode in the same directory, then the new
 * file from its start.  If the old file is gone, the rows of it not yet
 * exported are lost to the export, and a warning says how many are
 * unaccounted for.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"

#define OPT_FOLLOW		'f'
#define OPT_CURSOR		(OPT_CMD + 0)
#define OPT_SINCE		(OPT_CMD + 1)
#define OPT_TO			(OPT_CMD + 2)
#define OPT_TABLE		(OPT_CMD + 3)
#define OPT_BATCH_ROWS		(OPT_CMD + 4)
#define OPT_BATCH_TIME		(OPT_CMD + 5)
#define OPT_SCHEMA		(OPT_CMD + 6)
#define OPT_TIMEOUT		(OPT_CMD + 7)

#define EXPORT_BATCH_ROWS	10000
#define EXPORT_BATCH_ROWS_MAX	1000000
#define EXPORT_BATCH_TIME_US	INT64_C(1000000)
#define EXPORT_TIMEOUT_US	INT64_C(60000000)
/* --follow: how long to sleep when inotify says nothing (a fallback). */
#define EXPORT_FALLBACK_MS	10000
/* After a wake-up that found nothing new, look once more this soon: the
   -wal write that woke us may precede its commit by a moment. */
#define EXPORT_RECHECK_MS	100
#define EXPORT_RETRY_MIN_MS	500
#define EXPORT_RETRY_MAX_MS	30000

static const struct option export_options[] = {
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "cursor", required_argument, NULL, OPT_CURSOR },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "batch-rows", required_argument, NULL, OPT_BATCH_ROWS },
	{ "batch-time", required_argument, NULL, OPT_BATCH_TIME },
	{ "clickhouse-schema", no_argument, NULL, OPT_SCHEMA },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 }
};

static int	cmd_export_exec(struct cmd_ctx *, struct cmd_args *);

const struct cmd_entry cmd_export_entry = {
	"export", NULL, "f", export_options, 0, 0,
	"[-f] [--cursor FILE] [--since TIME] [--to URL [--table NAME]]",
	"every row with every column, as JSON lines or to ClickHouse",
	"Every row of the history (the tasks table), every column, in id\n"
	"order: one JSON object per line on standard output (--format json's\n"
	"escaping), with the row's identity for a fleet: host, boot_id, and\n"
	"db, which with id names the row across hosts, reboots and rotations.\n"
	"  -f, --follow       keep going: rows as taskacctd commits them\n"
	"  --cursor FILE      resume after the last row delivered, and record\n"
	"                     it there after each batch\n"
	"  --since TIME       start at the first row received at or after TIME\n"
	"                     (when the cursor file does not exist yet)\n"
	"  --to URL           send to ClickHouse's HTTP interface\n"
	"                     (http://HOST:8123/) instead, tasks and losses\n"
	"  --table NAME       its table (default taskacct.tasks); losses go to\n"
	"                     the table losses of the same database\n"
	"  --batch-rows N     rows per batch (default 10000)\n"
	"  --batch-time DUR   --to: send what is pending after DUR (default 1s)\n"
	"  --timeout DUR      --to: give up on a request after DUR and try\n"
	"                     again (default 60s; connecting: 5s at most)\n"
	"  --clickhouse-schema print the ClickHouse tables and exit\n",
	0, -1, cmd_export_exec
};

struct exporter {
	struct cmd_ctx		*ctx;
	const char		*path;
	const char		*cursor_path;
	int			 follow;
	int64_t			 since;		/* -1: none */
	int			 batch_rows;
	int64_t			 batch_us;
	struct export_http	*http;
	struct export_watch	*watch;
	struct export_cursor	 cur;		/* delivered */
	/* Read, not yet delivered (--to gathers rows into batches). */
	struct export_buf	 buf[EXPORT__NSTREAMS];
	int			 npend[EXPORT__NSTREAMS];
	int64_t			 pend_last[EXPORT__NSTREAMS];
	int64_t			 pend_since;	/* monotonic us */
	/* Delivery trouble: logged once per change of state. */
	char			 failing[256];
	int			 attempts;
};

static volatile sig_atomic_t	export_stop;

static void
on_stop(int sig)
{
	(void)sig;
	export_stop = 1;
}

static int64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
npending(const struct exporter *x)
{
	int	 s, n = 0;

	for (s = 0; s < EXPORT__NSTREAMS; s++)
		n += x->npend[s];
	return n;
}

static void
cursor_save(struct exporter *x)
{
	char	 e[512];

	if (x->cursor_path != NULL &&
	    export_cursor_save(x->cursor_path, &x->cur, e, sizeof(e)) == -1)
		errx(1, "export: %s", e);
}

/* Standard output, when a regular file: cut what a kill left after the
   last batch the cursor recorded. */
static void
stdout_resume(struct exporter *x)
{
	struct stat	 sb;

	if (fstat(STDOUT_FILENO, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		x->cur.out_len = -1;
		return;
	}
	if (x->cur.out_len < 0 || (uint64_t)sb.st_dev != x->cur.out_dev ||
	    (uint64_t)sb.st_ino != x->cur.out_ino) {
		/* Another file than the cursor's: its end so far. */
		x->cur.out_dev = sb.st_dev;
		x->cur.out_ino = sb.st_ino;
		x->cur.out_len = sb.st_size;
		return;
	}
	if (sb.st_size > x->cur.out_len) {
		if (ftruncate(STDOUT_FILENO, x->cur.out_len) == -1)
			err(1, "export: cutting standard output back to the "
			    "cursor");
		warnx("export: standard output cut back to %" PRId64 " bytes, "
		    "the end of the last batch the cursor recorded",
		    x->cur.out_len);
	}
}

static void
deliver_stdout(struct exporter *x)
{
	const struct export_buf	*b = &x->buf[EXPORT_TASKS];
	struct stat		 sb;
	size_t			 off = 0;
	ssize_t			 n;

	while (off < b->len) {
		if ((n = write(STDOUT_FILENO, b->p + off, b->len - off)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				exit(1);
			err(1, "export: standard output");
		}
		off += n;
	}
	if (x->cur.out_len != -1) {
		/* A file: on disk before the cursor says it is there. */
		if (fdatasync(STDOUT_FILENO) == -1 ||
		    fstat(STDOUT_FILENO, &sb) == -1)
			err(1, "export: standard output");
		x->cur.out_len = sb.st_size;
	}
}

/* Log a delivery problem when it starts or changes, not per attempt. */
static void
delivery_state(struct exporter *x, const char *e)
{
	if (e == NULL) {
		if (x->failing[0] != '\0')
			warnx("export: %s: delivering again (after %d failed "
			    "attempts)", "clickhouse", x->attempts);
		x->failing[0] = '\0';
		x->attempts = 0;
		return;
	}
	x->attempts++;
	if (strcmp(x->failing, e) != 0)
		warnx("export: clickhouse: %s; trying again, up to every %d s",
		    e, EXPORT_RETRY_MAX_MS / 1000);
	snprintf(x->failing, sizeof(x->failing), "%s", e);
}

/* Send stream s's pending rows until the server takes them. */
static void
deliver_http(struct exporter *x, enum export_stream s)
{
	char			 e[sizeof(x->failing)];
	struct timespec		 ts;
	int			 delay = EXPORT_RETRY_MIN_MS;

	while (export_http_post(x->http, s, &x->buf[s], e, sizeof(e)) ==
	    -1) {
		delivery_state(x, e);
		if (export_stop)
			exit(0);	/* the cursor is where it was */
		ts.tv_sec = delay / 1000;
		ts.tv_nsec = (long)(delay % 1000) * 1000000;
		nanosleep(&ts, NULL);
		if ((delay *= 2) > EXPORT_RETRY_MAX_MS)
			delay = EXPORT_RETRY_MAX_MS;
	}
	delivery_state(x, NULL);
}

/* Deliver what is pending, then record where it stands. */
static void
deliver(struct exporter *x)
{
	enum export_stream	 s;

	for (s = 0; s < EXPORT__NSTREAMS; s++) {
		if (x->npend[s] == 0)
			continue;
		if (x->http != NULL)
			deliver_http(x, s);
		else
			deliver_stdout(x);
		x->cur.last[s] = x->pend_last[s];
		x->npend[s] = 0;
		x->buf[s].len = 0;
		cursor_save(x);
	}
}

/*
 * Read what follows the pending rows from src; 1 if a stream's read came
 * back full (more is waiting).
 */
static int
read_batch(struct exporter *x, struct export_src *src)
{
	enum export_stream	 s;
	char			 e[512];
	int64_t			 after;
	int			 n, room, full = 0;
	int			 nstreams = x->http != NULL ?
				    EXPORT__NSTREAMS : 1;

	for (s = 0; s < (enum export_stream)nstreams; s++) {
		room = x->batch_rows - x->npend[s];
		if (room <= 0) {
			full = 1;
			continue;
		}
		after = x->npend[s] > 0 ? x->pend_last[s] : x->cur.last[s];
		if (export_read(src, s, after, room, &x->buf[s],
		    &x->pend_last[s], &n, e, sizeof(e)) == -1)
			errx(1, "export: %s", e);
		if (n > 0 && npending(x) == 0)
			x->pend_since = mono_us();
		x->npend[s] += n;
		if (n == room)
			full = 1;
	}
	return full;
}

/* Export the rest of the database at path, the cursor's. */
static void
drain(struct exporter *x, const char *path)
{
	struct export_src	*src;
	char			 e[512];
	int			 more;

	do {
		if ((src = export_src_open(path, 0, e, sizeof(e))) == NULL)
			errx(1, "export: the rotated database: %s", e);
		if (strcmp(export_src_ident(src)->db, x->cur.id.db) != 0) {
			export_src_close(src);
			warnx("export: %s is not the database the cursor was "
			    "in: continuing with the new one", path);
			return;
		}
		x->cur.id = *export_src_ident(src);	/* its start, inode */
		more = read_batch(x, src);
		export_src_close(src);
		if (npending(x) > 0)
			deliver(x);
	} while (more && !export_stop);
}

/*
 * After a rotation: the rest of the database named by the cursor, found
 * by its inode beside the path, then any database rotated away before the
 * export reached it (by its first run's start), each from its start.
 */
static void
finish_moved(struct exporter *x, const struct export_ident *now)
{
	struct export_src	*src;
	char			*moved, e[512];

	if ((moved = export_find_moved(x->path, &x->cur.id)) == NULL)
		warnx("export: the database the cursor was in (db %s) is no "
		    "longer at %s nor beside it: rows of it after id %" PRId64
		    " not exported are lost to the export", x->cur.id.db,
		    x->path, x->cur.last[EXPORT_TASKS]);
	else
		drain(x, moved);
	while (moved != NULL && !export_stop) {
		warnx("export: the database was rotated: finished %s", moved);
		free(moved);
		if ((moved = export_find_next(x->path, x->cur.id.start,
		    now->start)) == NULL ||
		    (src = export_src_open(moved, 0, e, sizeof(e))) == NULL)
			break;
		x->cur.id = *export_src_ident(src);
		export_src_close(src);
		memset(&x->cur.last, 0, sizeof(x->cur.last));
		cursor_save(x);
		drain(x, moved);
	}
	free(moved);
	if (!export_stop)
		warnx("export: continuing with the new database at %s (db %s)",
		    x->path, now->db);
}

/*
 * The database at the path for this round: NULL when there is none to
 * read yet (following) or nothing more to do.  Handles a first start
 * (--since) and a rotation.
 */
static struct export_src *
open_src(struct exporter *x, int *done)
{
	struct export_src		*src;
	const struct export_ident	*id;
	struct export_ident		 now;
	char				 e[512];

	*done = 0;
	if ((src = export_src_open(x->path, 1, e, sizeof(e))) == NULL) {
		if (!x->follow)
			errx(1, "export: %s", e);
		return NULL;	/* moved, not yet replaced: wait */
	}
	id = export_src_ident(src);
	if (id->db[0] == '\0') {
		export_src_close(src);
		*done = !x->follow;
		return NULL;
	}
	if (x->cur.id.db[0] == '\0') {
		x->cur.id = *id;
		if (x->since >= 0 && export_first_since(src, x->since,
		    x->cur.last, e, sizeof(e)) == -1)
			errx(1, "export: %s", e);
		/* Recorded before the first batch: a kill during it must
		   find the length of standard output to cut back to. */
		cursor_save(x);
		return src;
	}
	if (strcmp(x->cur.id.db, id->db) == 0) {
		x->cur.id = *id;	/* the same file, maybe copied back */
		return src;
	}
	/* Rotated: the old file first, then this one from its start. */
	now = *id;
	export_src_close(src);
	if (npending(x) > 0)
		deliver(x);
	finish_moved(x, &now);
	if (export_stop)
		return NULL;
	memset(&x->cur.last, 0, sizeof(x->cur.last));
	x->cur.id = now;
	cursor_save(x);
	return export_src_open(x->path, 1, e, sizeof(e));
}

/* How long to wait for the next commit before looking anyway. */
static int
wait_ms(const struct exporter *x, int recheck)
{
	int64_t	 left;

	if (npending(x) > 0) {
		left = x->pend_since + x->batch_us - mono_us();
		return left <= 0 ? 0 : (int)(left / 1000 + 1);
	}
	return recheck ? EXPORT_RECHECK_MS : EXPORT_FALLBACK_MS;
}

static void
export_run(struct exporter *x)
{
	struct export_src	*src;
	int			 full, done, woke = 0, before, due;

	while (!export_stop) {
		full = 0;
		before = npending(x);
		if ((src = open_src(x, &done)) != NULL) {
			full = read_batch(x, src);
			export_src_close(src);	/* before any delivery */
		}
		due = npending(x) > 0 && (x->http == NULL || full ||
		    !x->follow || mono_us() - x->pend_since >= x->batch_us);
		if (due)
			deliver(x);
		if (done || (!x->follow && !full && src != NULL &&
		    npending(x) == 0))
			return;
		if (full || export_stop)
			continue;
		/* Nothing new after a wake-up: look once more soon. */
		woke = export_watch_wait(x->watch, wait_ms(x, woke &&
		    npending(x) == before)) == 1;
	}
}

static void
export_setup(struct cmd_ctx *ctx, struct cmd_args *args, struct exporter *x)
{
	const char	*table = args->flag[OPT_TABLE];
	char		 e[512];
	int64_t		 timeout;

	x->ctx = ctx;
	x->path = ctx->db_path;
	x->follow = args->flag[OPT_FOLLOW] != NULL;
	x->cursor_path = args->flag[OPT_CURSOR];
	x->since = args->flag[OPT_SINCE] != NULL ?
	    cli_time(ctx, "--since", args->flag[OPT_SINCE]) : -1;
	x->batch_rows = args->flag[OPT_BATCH_ROWS] != NULL ?
	    (int)cli_number("--batch-rows", args->flag[OPT_BATCH_ROWS], 1,
	    EXPORT_BATCH_ROWS_MAX) : EXPORT_BATCH_ROWS;
	x->batch_us = args->flag[OPT_BATCH_TIME] != NULL ?
	    cli_duration("--batch-time", args->flag[OPT_BATCH_TIME]) :
	    EXPORT_BATCH_TIME_US;
	timeout = args->flag[OPT_TIMEOUT] != NULL ?
	    cli_duration("--timeout", args->flag[OPT_TIMEOUT]) :
	    EXPORT_TIMEOUT_US;
	if (timeout < 1000)
		cli_usage("export: --timeout: give at least 1ms");
	if (table != NULL && args->flag[OPT_TO] == NULL)
		cli_usage("export: --table goes with --to");
	if (table == NULL)
		table = "taskacct.tasks";
	if (!export_table_valid(table))
		cli_usage("export: bad --table `%s': give NAME or "
		    "DATABASE.NAME (letters, digits, _)", table);
	if (x->cursor_path != NULL && *x->cursor_path == '\0')
		cli_usage("export: --cursor: the path is empty");
	if (x->cursor_path != NULL &&
	    export_cursor_load(x->cursor_path, &x->cur, e, sizeof(e)) == -1)
		errx(1, "export: %s", e);
	if (x->cursor_path == NULL)
		x->cur.out_len = -1;
	if (args->flag[OPT_TO] != NULL &&
	    (x->http = export_http_new(args->flag[OPT_TO], table,
	    timeout / 1000, e, sizeof(e))) == NULL)
		cli_usage("export: %s", e);
	if (x->http == NULL && x->cursor_path != NULL)
		stdout_resume(x);
	if (x->follow && (x->watch = export_watch_new(x->path, e,
	    sizeof(e))) == NULL)
		errx(1, "export: %s", e);
}

static int
cmd_export_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct exporter		 x;
	struct sigaction	 sa;
	enum export_stream	 s;

	if (args->flag[OPT_SCHEMA] != NULL) {
		export_schema_print(stdout);
		return fflush(stdout) == EOF ? -1 : 0;
	}
	memset(&x, 0, sizeof(x));
	export_setup(ctx, args, &x);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: a wait ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	export_run(&x);
	if (!export_stop && npending(&x) > 0)
		deliver(&x);
	for (s = 0; s < EXPORT__NSTREAMS; s++)
		export_buf_free(&x.buf[s]);
	export_watch_free(x.watch);
	export_http_free(x.http);
	return 0;
}
