/*
 * cmd_last.c: `taskacct last` (alias `recent`), the lastcomm-style listing:
 * one line per process end, newest first, with its threads' totals, or one
 * line per thread with --threads; every filter of filter.h combines.  Its
 * identity (ident.h) is that of the row that ended it.  With --follow,
 * follow.c prints the same lines as they come.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ident.h"
#include "last.h"
#include "procs.h"

static int	cmd_last_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option last_options[] = {
	{ "follow", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_last_entry = {
	"last", "recent", "f", last_options, 0, 0,
	"[filters] [--limit N] [-f]",
	"recent exits, newest first, one line per process",
	"List exits newest first, one line per process (its last thread's\n"
	"exit, with the CPU time, I/O and context switches of all its\n"
	"threads summed), or one line per thread with --threads.  STATUS is\n"
	"the exit code, or the signal that killed it (\"core\" if it dumped\n"
	"core); FLAGS as lastcomm: F forked without exec, S used superuser\n"
	"privilege, D dumped core, X killed by a signal.  RSS is the peak\n"
	"resident size, IO the bytes read from and written to storage, THR\n"
	"the thread rows summed.  ID is the row to give `show --id`.\n"
	"Where the recorder captured them: UNIT, CONTAINER (short id) and\n"
	"ARGS, the command line, cut to the width of the terminal; why one\n"
	"is missing in its place, as \"(exited before read)\".\n"
	"  -f, --follow  print the last N exits (-n, default 10; 0: none;\n"
	"                with --since and no -n: all since), oldest first,\n"
	"                then each new one as taskacctd commits it, in commit\n"
	"                order, until interrupted; waits for a database not\n"
	"                there yet and follows it across rotations.  A table\n"
	"                prints its header again when a column must widen;\n"
	"                json is one array, closed at the end (use jsonl)\n",
	CMD_DB | CMD_FILTER | CMD_LIMIT | CMD_FOLLOW, 100, cmd_last_exec
};

static const struct col last_cols[] = {
	{ "time", "exit_time", CK_TIME, 0 },
	{ "pid", NULL, CK_INT, 0 },
	{ "tgid", NULL, CK_INT, 0 },		/* --threads only */
	{ "ppid", NULL, CK_INT, 0 },
	{ "user", "uid", CK_USER, 0 },
	{ "command", "comm", CK_TEXT, 0 },
	{ "status", NULL, CK_STATUS, COL_TABLE },
	{ "exit_code", NULL, CK_INT, COL_RAW },
	{ "exit_signal", NULL, CK_INT, COL_RAW },
	{ "elapsed", "elapsed_us", CK_DUR_US, 0 },
	{ "cpu", "cpu_us", CK_DUR_US, 0 },
	{ "rss", "rss_kib", CK_KIB, 0 },
	{ "io", "io_bytes", CK_BYTES, 0 },
	{ "thr", "threads", CK_INT, 0 },	/* processes only */
	{ "flags", "flag", CK_FLAGS, 0 },
	{ "id", NULL, CK_INT, 0 },
};
#define LAST_NCOLS	(sizeof(last_cols) / sizeof(last_cols[0]))
#define LAST_TGID	2
#define LAST_THR	13

/* The listing's columns, into cols (LAST_COLS_MAX); their number. */
int
last_columns(const struct cmd_ctx *ctx, const struct filter *f,
    struct col *cols)
{
	size_t	 i;
	int	 n = LAST_NCOLS, threads = (f->set & FILTER_THREADS) != 0;

	/* tgid tells threads apart; a process line has no other tgid. */
	for (i = 0; i < LAST_NCOLS; i++) {
		cols[i] = last_cols[i];
		if ((i == LAST_TGID && !threads) || (i == LAST_THR && threads))
			cols[i].flags = COL_TABLE | COL_RAW;
	}
	ident_cols_for(ctx, cols, &n);
	return n;
}

/*
 * The listing's query, its filter bound: tail follows the selection of
 * rows (procs_query: ORDER and LIMIT of the rows, and terms on g), order
 * orders the lines.  The caller binds its own named parameters.
 */
sqlite3_stmt *
last_prepare(struct cmd_ctx *ctx, const struct filter *f, int minutes,
    const char *tail, const char *order)
{
	struct procs_query	 q = { .filter = f, .tail = tail,
				    .minutes = minutes };
	struct filter_sql	 fs;
	sqlite3_stmt		*stmt;
	FILE			*fp;
	char			*sql, *full = NULL;
	size_t			 len = 0;

	sql = procs_sql(ctx, &q, &fs);
	if ((fp = open_memstream(&full, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fprintf(fp, "%sSELECT p.exit_time, p.pid, p.tgid, p.ppid, p.uid, "
	    "p.comm, p.status, p.status >> 8 & 255, p.status & 127, "
	    "p.elapsed, p.cpu, p.rss, p.io, p.threads, p.flag, p.id", sql);
	ident_select(ctx, fp, "it");
	fputs(" FROM p", fp);
	ident_join(ctx, fp, "p.id", "it");
	fputs(order, fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, full);
	procs_bind(ctx, stmt, f, &fs);
	free(full);
	free(sql);
	return stmt;
}

/* The statement's current row as a line of the listing. */
void
last_row(struct cmd_ctx *ctx, sqlite3_stmt *stmt, const struct col *cols)
{
	struct row	 r;

	row_init(&r);
	cli_row_fill(ctx, &r, cols, LAST_NCOLS, stmt, 0);
	ident_add(ctx, &r, stmt, LAST_NCOLS);
	output_row(ctx->out, r.v);
}

static int
cmd_last_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct col	 cols[LAST_COLS_MAX];
	sqlite3_stmt	*stmt;
	int		 n;

	if (args->flag['f'] != NULL)
		return last_follow(ctx, args);
	stmt = last_prepare(ctx, &args->filter, 1,
	    "ORDER BY g.recv_time DESC, g.id DESC LIMIT :limit",
	    " ORDER BY p.exit_time DESC, p.id DESC");
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":limit"),
	    args->limit);
	n = last_columns(ctx, &args->filter, cols);
	cli_begin(ctx, cols, n);
	while (cli_step(ctx, stmt))
		last_row(ctx, stmt, cols);
	sqlite3_finalize(stmt);
	return 0;
}
