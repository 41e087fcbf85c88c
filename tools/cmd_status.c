/*
 * cmd_status.c: `taskacct status`, "is the recorder alive and complete?":
 * the database, its rows and the time they cover, the age of the newest
 * row, each recorder run (clean, died, running), the gaps when no recorder
 * listened, the losses it counted and the prunes (schema 2), and the live
 * sampler's last pass (schema 3).
 *
 * Cheap on a large database: min and max come from the tasks_recv_time
 * index and count(*) walks the smallest index; nothing scans the table.
 *
 * "Running" means a taskacctd holds its lock on this very file (the
 * flock(LOCK_EX) of src/store.c, for as long as it records): a copy of a
 * live database, or the old file after a rotation, is not being recorded
 * into, whatever its last run row says.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "ident.h"
#include "rollup_def.h"
#include "taskacct.h"

#define BOOT_ID_PATH	"/proc/sys/kernel/random/boot_id"
#define STATUS_STR(x)	#x
#define STATUS_XSTR(x)	STATUS_STR(x)
/*
 * A -wal larger than taskacctd's journal_size_limit (TASKACCT_WAL_LIMIT_BYTES,
 * 64 MiB) was not reset by its checkpoints: a reader holds an old snapshot,
 * and the file grows for as long as it does.
 */
/* The exits sparkline: this many minutes, the current one last. */
#define STATUS_SPARK_MINUTES	60
#define STATUS_WAL_WARN_BYTES	((int64_t)TASKACCT_WAL_LIMIT_BYTES)
/* Identity coverage is taken over this many newest exits (schema 3). */
#define STATUS_IDENT_SAMPLE	10000
/* Loss kinds about identities (events, tasks), not exit records. */
#define STATUS_IDENT_LOSSES	"('connector_drop', 'ident_evicted')"

/* The ident_src codes (their names: ident_src_name, tools/ident.c). */
#define IDENT_NSRC	((size_t)TASKACCT_IDENT__COUNT)

/* Whether a taskacctd holds its lock on the file: 1 yes, 0 no, -1 unknown. */
enum lock_state { LOCK_UNKNOWN = -1, LOCK_FREE, LOCK_HELD };

static int	cmd_status_exec(struct cmd_ctx *, struct cmd_args *);
static void	status_ident(struct cmd_ctx *);

const struct cmd_entry cmd_status_entry = {
	"status", NULL, "", NULL, 0, 0, "",
	"is the recorder alive and complete: runs, gaps, losses",
	"Show the database (path, size, the size of its -wal, schema), its\n"
	"rows and the time they cover, the age of the newest row, whether\n"
	"a recorder is recording into this file now (it holds its lock on\n"
	"it: a copy is never \"running\"), then every recorder run (clean\n"
	"stop, died, or running), the gaps between runs when no exit was\n"
	"recorded, the records each run knows it lost, and the rows\n"
	"removed by pruning, and the live sampler's interval and last pass\n"
	"(threads asked, activity rows written, wall and CPU time).  A run\n"
	"that died is known to have recorded until its last commit (its\n"
	"end below).  A -wal over 64 MiB gets a warning: a reader holding\n"
	"an old snapshot keeps it from being checkpointed.\n",
	CMD_DB, -1, cmd_status_exec
};

static void
file_text(const char *path, char *buf, size_t len)
{
	FILE	*fp;

	buf[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, (int)len, fp) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(fp);
}

/* Whether run (boot, daemon pid) is the taskacctd running now. */
static int
run_alive(const char *boot, int64_t pid)
{
	char	 path[64], now[64], comm[64];

	file_text(BOOT_ID_PATH, now, sizeof(now));
	if (boot == NULL || strcmp(boot, now) != 0 || pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)pid);
	file_text(path, comm, sizeof(comm));
	return strcmp(comm, "taskacctd") == 0;
}

/*
 * Ask our descriptor of the file whether taskacctd holds its exclusive
 * flock: a shared one cannot be had then.  The probe lock is dropped at
 * once.  flock(2) locks are not the POSIX locks SQLite uses, so this
 * neither disturbs nor is disturbed by SQLite's own locking.
 */
static enum lock_state
db_lock_state(const struct cmd_ctx *ctx)
{
	if (ctx->db_fd == -1)
		return LOCK_UNKNOWN;
	if (flock(ctx->db_fd, LOCK_SH | LOCK_NB) == 0) {
		flock(ctx->db_fd, LOCK_UN);
		return LOCK_FREE;
	}
	return errno == EWOULDBLOCK ? LOCK_HELD : LOCK_UNKNOWN;
}

static int64_t
file_size(const char *path, const char *suffix)
{
	struct stat	 sb;
	char		 p[4096];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int64_t
query_int(struct cmd_ctx *ctx, const char *sql, int *null)
{
	sqlite3_stmt	*stmt;
	int64_t		 v = 0;

	*null = 1;
	stmt = cli_prepare(ctx, sql);
	if (cli_step(ctx, stmt) && sqlite3_column_type(stmt, 0) !=
	    SQLITE_NULL) {
		v = sqlite3_column_int64(stmt, 0);
		*null = 0;
	}
	sqlite3_finalize(stmt);
	return v;
}

static void
kv(struct cmd_ctx *ctx, const char *item, enum col_kind k, int64_t v,
    int null)
{
	struct row	 r;

	row_init(&r);
	row_text(&r, item);
	if (null)
		row_null(&r);
	else
		row_human(ctx, &r, k, v);
	output_row(ctx->out, r.v);
}

static void
kv_query(struct cmd_ctx *ctx, const char *item, enum col_kind k,
    const char *sql)
{
	int64_t	 v;
	int	 null;

	v = query_int(ctx, sql, &null);
	kv(ctx, item, k, v, null);
}

static void
kv_text(struct cmd_ctx *ctx, const char *item, const char *text)
{
	struct row	 r;

	row_init(&r);
	row_text(&r, item);
	row_text(&r, text);
	output_row(ctx->out, r.v);
}

/*
 * The last run: running, stopped cleanly, or died.  Returns 1 if it is
 * the run recording into this file now.
 */
static int
status_recorder(struct cmd_ctx *ctx, enum lock_state lock)
{
	sqlite3_stmt	*stmt;
	char		 text[200], when[48];
	const char	*boot;
	int64_t		 id, pid;
	int		 open, alive, running;

	stmt = cli_prepare(ctx, "SELECT id, boot_id, daemon_pid, clean, "
	    "coalesce(stop_time, last_alive, start_time), stop_time IS NULL "
	    "FROM runs ORDER BY start_time DESC, id DESC LIMIT 1");
	if (!cli_step(ctx, stmt)) {
		kv_text(ctx, "recorder", lock == LOCK_HELD ? "running (its "
		    "first run is not committed yet)" : "never ran");
		sqlite3_finalize(stmt);
		return 0;
	}
	id = sqlite3_column_int64(stmt, 0);
	boot = (const char *)sqlite3_column_text(stmt, 1);
	pid = sqlite3_column_int64(stmt, 2);
	fmt_time_us(when, sizeof(when), sqlite3_column_int64(stmt, 4));
	open = sqlite3_column_int(stmt, 5);
	alive = open && run_alive(boot, pid);
	/* Without the lock's answer, the process check alone. */
	running = open && (lock == LOCK_UNKNOWN ? alive : lock == LOCK_HELD);
	if (running)
		snprintf(text, sizeof(text), "running (run %lld, pid %lld)",
		    (long long)id, (long long)pid);
	else if (lock == LOCK_HELD)
		snprintf(text, sizeof(text), "running (a new run after run "
		    "%lld is not committed yet)", (long long)id);
	else if (alive)
		snprintf(text, sizeof(text), "not recording into this file: "
		    "run %lld (pid %lld) is alive but holds no lock on it (a "
		    "copy, or moved away?); last row %s", (long long)id,
		    (long long)pid, when);
	else if (sqlite3_column_int(stmt, 3))
		snprintf(text, sizeof(text), "stopped cleanly at %s (run %lld)",
		    when, (long long)id);
	else
		snprintf(text, sizeof(text), "not running: run %lld died, last "
		    "alive %s", (long long)id, when);
	kv_text(ctx, "recorder", text);
	sqlite3_finalize(stmt);
	return running;
}

/* The -wal's size, and a warning when checkpoints cannot reset it. */
static void
status_wal(struct cmd_ctx *ctx)
{
	char	 text[200], size[32];
	int64_t	 wal = file_size(ctx->db_path, "-wal");

	kv(ctx, "wal size", CK_BYTES, wal, 0);
	if (wal <= STATUS_WAL_WARN_BYTES)
		return;
	fmt_bytes(size, sizeof(size), wal);
	snprintf(text, sizeof(text), "the -wal is %s: checkpoints cannot "
	    "reset it while a reader holds an old snapshot (a stopped or "
	    "long query?)", size);
	kv_text(ctx, "warning", text);
}

/* The last pass of the live sampler (schema 3; taskacctd(8) SAMPLING). */
#define LAST_PASS(col)	"SELECT " col " FROM sample_passes ORDER BY time " \
			"DESC LIMIT 1"

static void
status_sampling(struct cmd_ctx *ctx)
{
	int64_t	 n;
	int	 null;

	n = query_int(ctx, "SELECT count(*) FROM sample_passes", &null);
	kv(ctx, "sample passes", CK_INT, n, null);
	if (null || n == 0)
		return;
	kv_query(ctx, "sample interval", CK_DUR_US, "SELECT max(time) - "
	    "(SELECT time FROM sample_passes ORDER BY time DESC LIMIT 1 "
	    "OFFSET 1) FROM sample_passes");
	kv_query(ctx, "last pass", CK_TIME, LAST_PASS("time"));
	kv_query(ctx, "last pass threads", CK_INT, LAST_PASS("threads"));
	kv_query(ctx, "last pass rows", CK_INT, LAST_PASS("procs"));
	kv_query(ctx, "last pass wall", CK_DUR_US, LAST_PASS("wall_us"));
	kv_query(ctx, "last pass cpu", CK_DUR_US, LAST_PASS("cpu_us"));
}

/* Returns 1 if a recorder is running (its run the last one). */
/*
 * The last hour's process exits per minute, from the rollups: a
 * sparkline in a table (the current minute last), the counts in the
 * machine formats.
 */
static void
status_sparkline(struct cmd_ctx *ctx)
{
	double		 v[STATUS_SPARK_MINUTES] = { 0 };
	char		 line[STATUS_SPARK_MINUTES * 4 + 40], *p = line;
	sqlite3_stmt	*stmt;
	int64_t		 last = rollup_minute(ctx->now), m;
	double		 max = 0;
	size_t		 i;

	if (!cli_table_exists(ctx, "minutes"))
		return;		/* schema 1: no rollups */
	stmt = cli_prepare(ctx, "SELECT minute, sum(procs) FROM minutes "
	    "WHERE minute > ?1 AND minute <= ?2 GROUP BY minute");
	sqlite3_bind_int64(stmt, 1, last - STATUS_SPARK_MINUTES);
	sqlite3_bind_int64(stmt, 2, last);
	while (cli_step(ctx, stmt)) {
		m = sqlite3_column_int64(stmt, 0);
		v[STATUS_SPARK_MINUTES - 1 - (last - m)] =
		    (double)sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	for (i = 0; i < STATUS_SPARK_MINUTES; i++)
		if (v[i] > max)
			max = v[i];
	if (ctx->human) {
		/* ASCII: a table escapes every byte past it (output.c). */
		chart_sparkline(v, STATUS_SPARK_MINUTES, 0, line,
		    sizeof(line) - 32);
		snprintf(line + strlen(line), 32, " last hour, max %.0f", max);
	} else {
		for (i = 0; i < STATUS_SPARK_MINUTES; i++)
			p += sprintf(p, "%s%.0f", i ? "," : "", v[i]);
	}
	kv_text(ctx, "exits/min", line);
}

static int
status_summary(struct cmd_ctx *ctx, int prunes, enum lock_state lock)
{
	static const char *const names[] = { "item", "value" };
	int64_t		 newest;
	int64_t		 died;
	int		 nnull, null, running;

	output_begin(ctx->out, 2, names);
	kv_text(ctx, "database", ctx->db_path);
	kv(ctx, "size", CK_BYTES, file_size(ctx->db_path, "") +
	    file_size(ctx->db_path, "-wal"), 0);
	status_wal(ctx);
	kv(ctx, "schema", CK_INT, ctx->schema, 0);
	kv_query(ctx, "rows", CK_INT, "SELECT count(*) FROM tasks");
	kv_query(ctx, "oldest exit", CK_TIME, "SELECT min(recv_time) "
	    "FROM tasks");
	newest = query_int(ctx, "SELECT max(recv_time) FROM tasks", &nnull);
	kv(ctx, "newest exit", CK_TIME, newest, nnull);
	kv(ctx, "newest age", CK_DUR_US, ctx->now - newest, nnull);
	status_sparkline(ctx);
	running = status_recorder(ctx, lock);
	kv_query(ctx, "runs", CK_INT, "SELECT count(*) FROM runs");
	died = query_int(ctx, "SELECT count(*) FROM runs WHERE NOT clean",
	    &null);
	/* A run still going is not clean yet: not dead either. */
	kv(ctx, "runs died", CK_INT, died - running, null);
	kv_query(ctx, "records lost", CK_INT, "SELECT "
	    "coalesce(sum(records), 0) FROM losses WHERE kind NOT IN "
	    STATUS_IDENT_LOSSES);
	kv_query(ctx, "loss events", CK_INT, "SELECT count(*) FROM "
	    "losses");
	if (prunes)
		kv_query(ctx, "rows pruned", CK_INT, "SELECT "
		    "coalesce(sum(rows), 0) FROM prunes");
	if (ctx->schema >= 3 && cli_table_exists(ctx, "sample_passes"))
		status_sampling(ctx);
	if (ctx->schema >= 3)
		status_ident(ctx);
	return running;
}

/*
 * Identity capture (schema 3), over the newest exits (the recv_time index:
 * no scan of the table): how many carry a command line, and how each
 * identity was obtained or missed (ident_src; "off": capture was off).
 */
static void
status_ident(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;
	char		 text[256];
	int64_t		 n = 0, args = 0, by[IDENT_NSRC + 1] = { 0 };
	size_t		 i, len = 0;
	int		 src;

	stmt = cli_prepare(ctx, "SELECT ident_src, count(*), count(args_id) "
	    "FROM (SELECT ident_src, args_id FROM tasks WHERE kind = 0 "
	    "ORDER BY recv_time DESC LIMIT " STATUS_XSTR(STATUS_IDENT_SAMPLE)
	    ") GROUP BY 1");
	while (cli_step(ctx, stmt)) {
		src = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(stmt, 0);
		by[src >= 0 && (size_t)src < IDENT_NSRC ? (size_t)src :
		    IDENT_NSRC] += sqlite3_column_int64(stmt, 1);
		n += sqlite3_column_int64(stmt, 1);
		args += sqlite3_column_int64(stmt, 2);
	}
	sqlite3_finalize(stmt);
	snprintf(text, sizeof(text), "%lld of %lld (%.1f%%), newest %d exits",
	    (long long)args, (long long)n, n > 0 ? 100.0 * args / n : 0.0,
	    STATUS_IDENT_SAMPLE);
	kv_text(ctx, "exits with argv", text);
	text[0] = '\0';
	for (i = 0; i <= IDENT_NSRC; i++)
		if (by[i] > 0 && len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s%s %lld", len > 0 ? ", " : "", i < IDENT_NSRC ?
			    ident_src_name((int64_t)i) : "off", (long long)by[i]);
	kv_text(ctx, "identity", n > 0 ? text : "no exits");
	kv_query(ctx, "connector drops", CK_INT, "SELECT "
	    "coalesce(sum(records), 0) FROM losses WHERE kind = "
	    "'connector_drop'");
}

static const struct col run_cols[] = {
	{ "run", "id", CK_INT, 0 },
	{ "start", "start_time", CK_TIME, 0 },
	{ "end", "end_time", CK_TIME, 0 },
	{ "length", "length_us", CK_DUR_US, 0 },
	{ "state", NULL, CK_TEXT, 0 },
	{ "host", "hostname", CK_TEXT, 0 },
	{ "kernel", "kernel_release", CK_TEXT, 0 },
	{ "ts", "ts_version", CK_INT, 0 },
	{ "pid", "daemon_pid", CK_INT, 0 },
	{ "lost", "records_lost", CK_INT, 0 },
};

static const struct col gap_cols[] = {
	{ "after_run", NULL, CK_INT, 0 },
	{ "from", "from_time", CK_TIME, 0 },
	{ "to", "to_time", CK_TIME, 0 },
	{ "gap", "gap_us", CK_DUR_US, 0 },
};

static const struct col loss_cols[] = {
	{ "run", "run_id", CK_INT, 0 },
	{ "kind", NULL, CK_TEXT, 0 },
	{ "records", NULL, CK_INT, 0 },
	{ "events", NULL, CK_INT, 0 },
	{ "first", "first_time", CK_TIME, 0 },
	{ "last", "last_time", CK_TIME, 0 },
	{ "detail", NULL, CK_TEXT, 0 },
};

static const struct col prune_cols[] = {
	{ "time", NULL, CK_TIME, 0 },
	{ "run", "run_id", CK_INT, 0 },
	{ "reason", NULL, CK_TEXT, 0 },
	{ "before", "before_time", CK_TIME, 0 },
	{ "rows", NULL, CK_INT, 0 },
	{ "detail", NULL, CK_TEXT, 0 },
};

#define NCOLS(c)	(int)(sizeof(c) / sizeof(c[0]))

/* A run ends at its stop, else at its last commit: it died after. */
#define RUN_END	"coalesce(stop_time, last_alive, start_time)"

static void
status_runs(struct cmd_ctx *ctx, int running)
{
	sqlite3_stmt	*stmt;
	struct row	 r;
	int		 i, last;
	const char	*state;

	stmt = cli_prepare(ctx, "SELECT id, start_time, " RUN_END ", "
	    RUN_END " - start_time, hostname, kernel_release, ts_version, "
	    "daemon_pid, (SELECT sum(records) FROM losses l WHERE "
	    "l.run_id = runs.id AND kind NOT IN " STATUS_IDENT_LOSSES "), "
	    "clean, stop_time IS NULL, boot_id, "
	    "id = (SELECT id FROM runs ORDER BY start_time DESC, id DESC "
	    "LIMIT 1) FROM runs ORDER BY start_time, id");
	cli_begin(ctx, run_cols, NCOLS(run_cols));
	while (cli_step(ctx, stmt)) {
		last = sqlite3_column_int(stmt, 12);
		if (sqlite3_column_int(stmt, 9))
			state = "clean";
		else if (last && running)
			state = "running";
		else
			state = "died";
		row_init(&r);
		for (i = 0; i < NCOLS(run_cols); i++) {
			if (i == 4)
				row_text(&r, state);
			else
				row_add(ctx, &r, run_cols[i].kind, stmt,
				    i < 4 ? i : i - 1);
		}
		output_row(ctx->out, r.v);
	}
	sqlite3_finalize(stmt);
}

/*
 * Times no recorder listened: between runs, and from the end of the last
 * run until now unless it is running.
 */
static void
status_gaps(struct cmd_ctx *ctx, int running)
{
	sqlite3_stmt	*stmt;

	stmt = cli_prepare(ctx, "WITH r AS (SELECT id, start_time, " RUN_END
	    " AS end_time, coalesce(lead(start_time) OVER (ORDER BY "
	    "start_time, id), CASE WHEN NOT ?2 THEN ?1 END) AS next "
	    "FROM runs) SELECT id, end_time, next, next - end_time FROM r "
	    "WHERE next > end_time ORDER BY start_time, id");
	sqlite3_bind_int64(stmt, 1, ctx->now);
	sqlite3_bind_int(stmt, 2, running);
	cli_print(ctx, gap_cols, NCOLS(gap_cols), stmt);
	sqlite3_finalize(stmt);
}

static void
status_losses(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;

	stmt = cli_prepare(ctx, "SELECT run_id, kind, sum(records), count(*), "
	    "min(time), max(time), max(detail) FROM losses "
	    "GROUP BY run_id, kind ORDER BY run_id, kind");
	cli_print(ctx, loss_cols, NCOLS(loss_cols), stmt);
	sqlite3_finalize(stmt);
}

static void
status_prunes(struct cmd_ctx *ctx)
{
	sqlite3_stmt	*stmt;

	stmt = cli_prepare(ctx, "SELECT time, run_id, reason, before_time, "
	    "rows, detail FROM prunes ORDER BY time, id");
	cli_print(ctx, prune_cols, NCOLS(prune_cols), stmt);
	sqlite3_finalize(stmt);
}

static int
cmd_status_exec(struct cmd_ctx *ctx, __attribute__((unused))
    struct cmd_args *args)
{
	int	 prunes = cli_table_exists(ctx, "prunes"), running;

	running = status_summary(ctx, prunes, db_lock_state(ctx));
	status_runs(ctx, running);
	status_gaps(ctx, running);
	status_losses(ctx);
	if (prunes)
		status_prunes(ctx);
	return 0;
}
