/*
 * cmd_show.c: `taskacct show`, every field of one exit record, grouped as
 * the field table groups them (identity, times, CPU, memory, I/O, context
 * switches, each delay category), in human units beside the raw value,
 * with the process's totals over its threads for a threaded process,
 * and, where the recorder captured it, who it was (ident.h): command
 * line, executable, cgroup, unit, container and pod.
 *
 * A PID names every process that ever had it: when several exits match,
 * they are listed and --at TIME (the one alive then) or --id picks one.
 * exit_pick is shared with `tree`; the grouped printer (show_begin,
 * show_line, show_group) with `get`, which shows live values.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fields.h"
#include "ident.h"
#include "procs.h"
#include "show.h"
#include "taskstats_proto.h"

#define OPT_TID		(OPT_CMD + 0)
#define OPT_ID		(OPT_CMD + 1)
#define OPT_AT		(OPT_CMD + 2)

/* Look for a leader's process end this long after the leader exited. */
#define PROC_END_SEARCH_US	(INT64_C(3600) * 1000000)

static int	cmd_show_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option show_options[] = {
	{ "tid", required_argument, NULL, OPT_TID },
	{ "id", required_argument, NULL, OPT_ID },
	{ "at", required_argument, NULL, OPT_AT },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_show_entry = {
	"show", NULL, "", show_options, 0, 1,
	"[--at TIME] PID | --tid TID [--at TIME] | --id ID",
	"every field of one exit, grouped, in human units",
	"Show every field of the exit of process PID (its main thread's\n"
	"record), of thread TID, or of row ID (the id column of `last`),\n"
	"grouped: identity, time, cpu, memory, io, context switches and each\n"
	"delay category.  A table shows each value in human units and raw;\n"
	"for a process that had several threads, PROCESS holds the totals\n"
	"over all its threads (largest for peaks, smallest for minima).\n"
	"When several exits match (the PID was reused), they are listed:\n"
	"pick one with --at TIME (the one alive at TIME) or --id.\n"
	"  --tid TID              a thread's record, by its task id\n"
	"  --id ID                the record in row ID\n"
	"  --at TIME              the exit of the task alive at TIME\n",
	CMD_DB, -1, cmd_show_exec
};

static const struct col pick_cols[] = {
	{ "time", "exit_time", CK_TIME, 0 },
	{ "start", "start_time", CK_TIME, 0 },
	{ "pid", NULL, CK_INT, 0 },
	{ "tgid", NULL, CK_INT, 0 },
	{ "command", "comm", CK_TEXT, 0 },
	{ "status", NULL, CK_STATUS, 0 },
	{ "id", NULL, CK_INT, 0 },
};

/* A PID that is only a thread's id: say which process it belonged to. */
static void
thread_hint(struct cmd_ctx *ctx, int64_t pid)
{
	sqlite3_stmt	*stmt;
	int64_t		 tgid;

	stmt = cli_prepare(ctx, "SELECT ac_tgid FROM tasks WHERE ac_pid = ?1 "
	    "AND kind = 0 AND ac_tgid != ac_pid ORDER BY recv_time DESC "
	    "LIMIT 1");
	sqlite3_bind_int64(stmt, 1, pid);
	if (cli_step(ctx, stmt)) {
		tgid = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		cli_fatal(ctx, "%" PRId64 " is a thread of process %" PRId64
		    ": give the process id, or show --tid %" PRId64, pid, tgid,
		    pid);
	}
	sqlite3_finalize(stmt);
}

/*
 * The row id of the exit of PID (a process's main thread) or, with tid, of
 * any task with that id; with at, of the one alive at that time.  Several
 * matches are listed and are an error, as is none.
 */
int64_t
exit_pick(struct cmd_ctx *ctx, int64_t pid, int tid, int have_at, int64_t at)
{
	sqlite3_stmt	*stmt;
	const char	*what = tid ? "thread" : "PID";
	char		 sql[512], when[48] = "";
	int64_t		 id = -1, n = 0;

	snprintf(sql, sizeof(sql), "SELECT recv_time, recv_time - ac_etime, "
	    "ac_pid, ac_tgid, ac_comm, ac_exitcode, id FROM tasks "
	    "WHERE ac_pid = ?1 AND kind = 0%s%s "
	    "ORDER BY recv_time DESC, id DESC",
	    tid ? "" : " AND coalesce(ac_tgid, ac_pid) = ac_pid",
	    have_at ? " AND recv_time - ac_etime <= ?2 AND recv_time >= ?2" :
	    "");
	stmt = cli_prepare(ctx, sql);
	sqlite3_bind_int64(stmt, 1, pid);
	if (have_at) {
		sqlite3_bind_int64(stmt, 2, at);
		snprintf(when, sizeof(when), " alive at ");
		fmt_time_us(when + strlen(when), sizeof(when) - strlen(when),
		    at);
	}
	while (cli_step(ctx, stmt)) {
		if (n++ == 1) {
			/* Several: list them all. */
			sqlite3_reset(stmt);
			cli_print(ctx, pick_cols, sizeof(pick_cols) /
			    sizeof(pick_cols[0]), stmt);
			sqlite3_finalize(stmt);
			cli_fatal(ctx, "%s %" PRId64 " matches several exits%s: "
			    "pick one with --at TIME or --id ID", what, pid,
			    when);
		}
		id = sqlite3_column_int64(stmt, 6);
	}
	sqlite3_finalize(stmt);
	if (n == 0 && !tid)
		thread_hint(ctx, pid);
	if (n == 0)
		cli_fatal(ctx, "no exit of %s %" PRId64 " recorded%s: see "
		    "`taskacct last %s--pid %" PRId64 "`", what, pid, when,
		    tid ? "--threads " : "", pid);
	return id;
}

struct proc_end {
	int64_t		 id;		/* the AGROUP row; -1: none */
	int64_t		 run_id;
	int64_t		 tgid;
	int64_t		 start;		/* the leader's start */
	int64_t		 exit;
	int		 threaded;
};

/*
 * The process end of the thread row id: itself if it has AGROUP, else (a
 * leader that exited before its last thread) the AGROUP row of the same
 * process that came after it.  Threaded if the kernel sent a group row.
 */
static void
proc_end_find(struct cmd_ctx *ctx, int64_t id, struct proc_end *pe)
{
	sqlite3_stmt	*stmt;
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0;

	pe->id = -1;
	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputs("SELECT e.id, e.run_id, e.ac_tgid, ", fp);
	procs_expr(fp, PROCS_LSTART, "e");
	fprintf(fp, ", e.recv_time, EXISTS (SELECT 1 FROM tasks x WHERE "
	    "x.id = e.id + 1 AND x.kind = 1 AND x.link_id = e.id) FROM tasks r "
	    "JOIN tasks e ON e.id = r.id OR (r.ac_flag & %d = 0 AND "
	    "e.recv_time BETWEEN r.recv_time - ?4 AND r.recv_time + ?2 AND "
	    "e.kind = 0 AND e.ac_flag & %d AND e.ac_tgid = r.ac_tgid AND ",
	    TS_AGROUP, TS_AGROUP);
	procs_expr2(fp, PROCS_SAME_BOOT, "e", "r");
	fputs(" AND ", fp);
	procs_expr(fp, PROCS_LSTART, "e");
	fputs(" - ", fp);
	procs_expr(fp, PROCS_LSTART, "r");
	fprintf(fp, " BETWEEN -?3 AND ?3) WHERE r.id = ?1 AND r.kind = 0 AND "
	    "r.ac_tgid IS NOT NULL AND r.ac_tgetime IS NOT NULL AND "
	    "e.ac_flag & %d ORDER BY e.recv_time LIMIT 1", TS_AGROUP);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, sql);
	free(sql);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, PROC_END_SEARCH_US);
	sqlite3_bind_int64(stmt, 3, PROC_START_TOL_US);
	sqlite3_bind_int64(stmt, 4, PROC_SLACK_US);
	if (cli_step(ctx, stmt)) {
		pe->id = sqlite3_column_int64(stmt, 0);
		pe->run_id = sqlite3_column_int64(stmt, 1);
		pe->tgid = sqlite3_column_int64(stmt, 2);
		pe->start = sqlite3_column_int64(stmt, 3);
		pe->exit = sqlite3_column_int64(stmt, 4);
		pe->threaded = sqlite3_column_int(stmt, 5);
	}
	sqlite3_finalize(stmt);
}

/* SELECT of every field of the table, then the extra columns. */
static void
fields_select(FILE *fp, const char *agg_alias)
{
	const struct ts_field	*f;
	const char		*agg;
	char			 expr[256];
	size_t			 i;

	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		if (agg_alias == NULL) {
			fprintf(fp, "%s%s", i > 0 ? ", " : "", f->name);
			continue;
		}
		/* Names from the field table only: safe as identifiers. */
		if ((agg = cli_field_agg(f)) == NULL) {
			fprintf(fp, "%sNULL", i > 0 ? ", " : "");
			continue;
		}
		if (procs_delay_field(f))
			snprintf(expr, sizeof(expr), PROCS_DELAY_FMT, f->name,
			    f->name);
		else
			snprintf(expr, sizeof(expr), "X.%s", f->name);
		fprintf(fp, "%s%s(", i > 0 ? ", " : "", agg);
		procs_expr(fp, expr, agg_alias);
		fputc(')', fp);
	}
}

static sqlite3_stmt *
show_prepare(struct cmd_ctx *ctx, int totals)
{
	sqlite3_stmt	*stmt;
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputs("SELECT ", fp);
	if (totals) {
		fields_select(fp, "t");
		/* The threads of the process that started at ?1: procs.c. */
		fprintf(fp, ", count(*) FROM tasks t WHERE t.recv_time BETWEEN "
		    "?1 - %lld AND ?2 + %lld AND t.kind = 0 AND t.ac_tgid = ?4 "
		    "AND (t.run_id = ?3 OR (SELECT boot_id FROM runs WHERE "
		    "id = t.run_id) = (SELECT boot_id FROM runs WHERE "
		    "id = ?3)) AND ", (long long)PROC_START_TOL_US,
		    (long long)PROC_SLACK_US);
		procs_expr(fp, PROCS_LSTART, "t");
		fprintf(fp, " BETWEEN ?1 - %lld AND ?1 + %lld",
		    (long long)PROC_START_TOL_US, (long long)PROC_START_TOL_US);
	} else {
		fields_select(fp, NULL);
		fputs(", t.id, t.run_id, t.kind, t.link_id, t.ts_len, t.tail, "
		    "t.recv_time, t.start_time, r.boot_id", fp);
		ident_select(ctx, fp, "t");
		fputs(" FROM tasks t LEFT JOIN runs r ON r.id = t.run_id", fp);
		ident_join(ctx, fp, NULL, "t");
		fputs(" WHERE t.id = ?1", fp);
	}
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	stmt = cli_prepare(ctx, sql);
	free(sql);
	return stmt;
}

struct show {
	struct cmd_ctx	*ctx;
	struct show_col	 row;		/* the record */
	struct show_col	 tot;		/* its process's totals, or none */
};

/* Value i of column c, as kind k; a negative i or no column: NULL. */
static void
show_cell(struct cmd_ctx *ctx, struct row *r, enum col_kind k,
    const struct show_col *c, int i)
{
	const struct output_value	*v;

	if (i < 0 || (c->stmt == NULL && c->v == NULL)) {
		row_null(r);
		return;
	}
	if (c->stmt != NULL) {
		row_add(ctx, r, k, c->stmt, i);
		return;
	}
	v = &c->v[i];
	if (v->type == OV_INT)
		row_human(ctx, r, k, v->i);
	else if (v->type == OV_TEXT)
		row_text(r, (const char *)v->p);
	else
		row_null(r);
}

/* The raw integer of value i of c, when its human form differs. */
static void
show_raw(struct row *r, enum col_kind k, const struct show_col *c, int i)
{
	if (k == CK_INT || k == CK_TEXT || i < 0)
		row_null(r);
	else if (c->stmt != NULL && sqlite3_column_type(c->stmt, i) ==
	    SQLITE_INTEGER)
		row_int(r, sqlite3_column_int64(c->stmt, i));
	else if (c->stmt == NULL && c->v != NULL && c->v[i].type == OV_INT)
		row_int(r, c->v[i].i);
	else
		row_null(r);
}

/* The header: group, field, value, [process], raw (tables only). */
void
show_begin(struct cmd_ctx *ctx, int process)
{
	const char	*names[5];
	int		 n = 0;

	names[n++] = "group";
	names[n++] = "field";
	names[n++] = "value";
	if (process)
		names[n++] = "process";
	if (ctx->human)
		names[n++] = "raw";
	output_begin(ctx->out, n, (const char *const *)names);
}

/*
 * One line: group, field, value i of val (human), value pi of proc when
 * proc is given, and in a table the raw value beside one shown otherwise.
 */
void
show_line(struct cmd_ctx *ctx, const char *group, const char *name,
    enum col_kind k, const struct show_col *val, int i,
    const struct show_col *proc, int pi)
{
	struct row	 r;

	row_init(&r);
	row_text(&r, group);
	row_text(&r, name);
	show_cell(ctx, &r, k, val, i);
	if (proc != NULL)
		show_cell(ctx, &r, k, proc, pi);
	if (ctx->human)
		show_raw(&r, k, val, i);
	output_row(ctx->out, r.v);
}

/* Every field of group g: value i of val (and of proc) is field i. */
void
show_group(struct cmd_ctx *ctx, int g, const struct show_col *val,
    const struct show_col *proc)
{
	size_t	 i;

	for (i = 0; i < ts_nfields; i++)
		if (ts_fields[i].group == g)
			show_line(ctx, field_group_names[g], ts_fields[i].name,
			    cli_field_kind(&ts_fields[i]), val, (int)i, proc,
			    (int)i);
}

/*
 * The delays of the record longer than its life (TS_DELAY_MAX_NS): shown
 * raw, left out of the process's totals, and named on a line of their own.
 */
static void
show_impossible(struct show *s)
{
	const struct ts_field	*et = ts_field_find("ac_etime");
	sqlite3_stmt		*row = s->row.stmt;
	struct row		 r;
	char			 names[512];
	size_t			 i, len = 0;
	int64_t			 etime;
	int			 col;

	if (et == NULL || sqlite3_column_type(row, (int)(et - ts_fields)) !=
	    SQLITE_INTEGER)
		return;
	etime = sqlite3_column_int64(row, (int)(et - ts_fields));
	names[0] = '\0';
	for (i = 0; i < ts_nfields; i++) {
		col = (int)i;
		if (!procs_delay_field(&ts_fields[i]) ||
		    sqlite3_column_type(row, col) != SQLITE_INTEGER ||
		    etime > (INT64_MAX - 1000000) / 1010 ||
		    sqlite3_column_int64(row, col) <= TS_DELAY_MAX_NS(etime))
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len,
		    "%s%s", len > 0 ? " " : "", ts_fields[i].name);
		if (len >= sizeof(names))
			len = sizeof(names) - 1;
	}
	if (len == 0)
		return;
	row_init(&r);
	row_text(&r, "identity");
	row_text(&r, "impossible_delays");
	row_text(&r, names);
	if (s->tot.stmt != NULL)
		row_null(&r);
	if (s->ctx->human)
		row_null(&r);
	output_row(s->ctx->out, r.v);
}

/* The columns after the fields: id, run_id, ..., boot_id, identity. */
#define SHOW_IDENT	9

/*
 * Who the task was, when the recorder captured it: one line each, a
 * missing value's reason in its place in a table; the pod only where
 * there is one; ident_src by name, its code as the raw value.
 */
static void
show_ident(struct show *s)
{
	struct cmd_ctx	*ctx = s->ctx;
	sqlite3_stmt	*row = s->row.stmt;
	struct row	 r;
	int		 first = ts_nfields + SHOW_IDENT, c;

	if (!ident_known(row, first))
		return;
	for (c = 0; c < IC__COUNT; c++) {
		if (c == IC_POD && sqlite3_column_type(row, first + c) ==
		    SQLITE_NULL)
			continue;
		row_init(&r);
		row_text(&r, "identity");
		row_text(&r, ident_cols[c].name);
		ident_add_col(ctx, &r, row, first, c);
		if (s->tot.stmt != NULL)
			row_null(&r);
		if (ctx->human && c == IC_SRC &&
		    sqlite3_column_type(row, first + c) == SQLITE_INTEGER)
			row_int(&r, sqlite3_column_int64(row, first + c));
		else if (ctx->human)
			row_null(&r);
		output_row(ctx->out, r.v);
	}
}

static void
show_print(struct show *s)
{
	struct cmd_ctx	*ctx = s->ctx;
	struct show_col	 none = { NULL, NULL };
	struct show_col	*tot = s->tot.stmt != NULL ? &s->tot : NULL;
	sqlite3_stmt	*row = s->row.stmt;
	int		 base = ts_nfields, g;

	show_begin(ctx, tot != NULL);
	show_line(ctx, "identity", "id", CK_INT, &s->row, base, tot, -1);
	show_line(ctx, "identity", "run_id", CK_INT, &s->row, base + 1, tot,
	    -1);
	show_line(ctx, "identity", "boot_id", CK_TEXT, &s->row, base + 8, tot,
	    -1);
	show_line(ctx, "identity", "kind", CK_INT, &s->row, base + 2, tot, -1);
	show_line(ctx, "identity", "link_id", CK_INT, &s->row, base + 3, tot,
	    -1);
	show_line(ctx, "identity", "ts_len", CK_INT, &s->row, base + 4, tot,
	    -1);
	/* The number of thread rows summed: a process total only. */
	if (tot != NULL)
		show_line(ctx, "identity", "threads", CK_INT, &none, -1, tot,
		    base);
	show_ident(s);
	show_impossible(s);
	for (g = 0; g < FG__COUNT; g++) {
		if (g == FG_TIME) {
			show_line(ctx, field_group_names[g], "start_time",
			    CK_TIME, &s->row, base + 7, tot, -1);
			show_line(ctx, field_group_names[g], "exit_time",
			    CK_TIME, &s->row, base + 6, tot, -1);
		}
		show_group(ctx, g, &s->row, tot);
	}
	if (sqlite3_column_type(row, base + 5) != SQLITE_NULL) {
		/* An unknown struct tail: bytes, shown as hex. */
		struct row	 r;

		row_init(&r);
		row_text(&r, "identity");
		row_text(&r, "tail");
		r.v[r.n].type = OV_BLOB;
		r.v[r.n].p = sqlite3_column_blob(row, base + 5);
		r.v[r.n++].len = sqlite3_column_bytes(row, base + 5);
		if (tot != NULL)
			row_null(&r);
		if (ctx->human)
			row_null(&r);
		output_row(ctx->out, r.v);
	}
}

static int
cmd_show_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct show	 s = { ctx, { NULL, NULL }, { NULL, NULL } };
	struct proc_end	 pe;
	const char	*tid = args->flag[OPT_TID], *idarg = args->flag[OPT_ID];
	int64_t		 id, at = 0, pid;
	int		 have_at = args->flag[OPT_AT] != NULL;

	if ((args->argc > 0) + (tid != NULL) + (idarg != NULL) != 1)
		cli_usage("show: give one of PID, --tid TID or --id ID");
	if (have_at && idarg != NULL)
		cli_usage("show: --at picks among the exits of a PID or TID, "
		    "not with --id");
	if (have_at)
		at = cli_time(ctx, "--at", args->flag[OPT_AT]);
	if (idarg != NULL)
		id = cli_number("--id", idarg, 1, INT64_MAX);
	else {
		pid = cli_number(tid != NULL ? "--tid" : "PID",
		    tid != NULL ? tid : args->argv[0], 0, UINT32_MAX);
		id = exit_pick(ctx, pid, tid != NULL, have_at, at);
	}

	s.row.stmt = show_prepare(ctx, 0);
	sqlite3_bind_int64(s.row.stmt, 1, id);
	if (!cli_step(ctx, s.row.stmt))
		cli_fatal(ctx, "no row %" PRId64 " in %s: see `taskacct last`",
		    id, ctx->db_path);
	if (tid == NULL) {
		proc_end_find(ctx, id, &pe);
		if (pe.id != -1 && pe.threaded) {
			s.tot.stmt = show_prepare(ctx, 1);
			sqlite3_bind_int64(s.tot.stmt, 1, pe.start);
			sqlite3_bind_int64(s.tot.stmt, 2, pe.exit);
			sqlite3_bind_int64(s.tot.stmt, 3, pe.run_id);
			sqlite3_bind_int64(s.tot.stmt, 4, pe.tgid);
			if (!cli_step(ctx, s.tot.stmt)) {
				sqlite3_finalize(s.tot.stmt);
				s.tot.stmt = NULL;
			}
		}
	}
	show_print(&s);
	sqlite3_finalize(s.row.stmt);
	if (s.tot.stmt != NULL)
		sqlite3_finalize(s.tot.stmt);
	return 0;
}
