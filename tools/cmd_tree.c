/*
 * cmd_tree.c: `taskacct tree PID`, a process's lineage rebuilt from the
 * recorded exits: its ancestors up the ac_ppid chain, then its descendants,
 * as an indented tree.
 *
 * PIDs are reused, so each link is checked against the times: a child's
 * ac_ppid is its parent at the child's exit (an orphan is re-parented), so
 * the parent is the process with that pid that started before the child
 * and ended after it; a child of P started and ended within P's life.
 * Times are the recorder's receive times, late by the socket queueing; the
 * checks allow PROC_SLACK_US for it.  Children are found through the
 * tasks_ppid index (schema 2).
 *
 * Recorded data may still link in a circle (crafted or damaged rows, or
 * two PIDs reused in a way the time checks cannot tell apart): a row is
 * never printed twice on one path, the walk stops there and says so.
 *
 * Each process shows its command line (and unit and container) where the
 * recorder captured them (ident.h), read for the lines printed only.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ident.h"

#define OPT_ID		(OPT_CMD + 0)
#define OPT_AT		(OPT_CMD + 1)
#define TREE_DEPTH_MAX	64
#define TREE_COMM_MAX	64

static int	cmd_tree_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option tree_options[] = {
	{ "id", required_argument, NULL, OPT_ID },
	{ "at", required_argument, NULL, OPT_AT },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_tree_entry = {
	"tree", NULL, "", tree_options, 0, 1,
	"[--at TIME] PID | --id ID [--limit N]",
	"ancestors and descendants of a process, as a tree",
	"Rebuild the lineage of process PID from the recorded exits: its\n"
	"ancestors (parent, grandparent, ... up to one whose exit is not\n"
	"recorded, such as a process still running) and every descendant,\n"
	"indented under its parent, children in the order they started.\n"
	"The process is marked `*'.  Links are checked against start and\n"
	"exit times, so a reused PID does not join unrelated processes.\n"
	"When the PID was reused, pick the process with --at TIME or --id.\n"
	"ARGS is the command line where the recorder captured it, cut to\n"
	"the width of the terminal.\n"
	"  --id ID                the process whose exit is in row ID\n"
	"  --at TIME              the process PID alive at TIME\n",
	CMD_DB | CMD_LIMIT, 1000, cmd_tree_exec
};

struct node {
	int64_t		 id;
	int64_t		 pid;
	int64_t		 ppid;
	int64_t		 start;
	int64_t		 exit;
	int64_t		 status;
	int		 recorded;
	size_t		 commlen;
	char		 comm[TREE_COMM_MAX];
};

struct tree {
	struct cmd_ctx	*ctx;
	sqlite3_stmt	*parent;
	sqlite3_stmt	*children;
	sqlite3_stmt	*ident;		/* a row's identity, by id */
	int64_t		 lines;
	int64_t		 limit;
	int		 cut;
	/* The row ids from the oldest ancestor to the current node. */
	int64_t		 path[2 * TREE_DEPTH_MAX + 1];
	int		 npath;
	int64_t		 cycle_pid;	/* -1: no cycle met */
	int64_t		 cycle_id;
};

/* 1 if row id is on the current path; noted as the cycle met if so. */
static int
tree_on_path(struct tree *t, const struct node *n)
{
	int	 i;

	for (i = 0; i < t->npath; i++)
		if (t->path[i] == n->id) {
			if (t->cycle_pid == -1) {
				t->cycle_pid = n->pid;
				t->cycle_id = n->id;
			}
			return 1;
		}
	return 0;
}

static const struct col tree_cols[] = {
	{ "process", "comm", CK_TEXT, 0 },
	{ "depth", NULL, CK_INT, COL_RAW },
	{ "pid", NULL, CK_INT, 0 },
	{ "ppid", NULL, CK_INT, 0 },
	{ "start", "start_time", CK_TIME, 0 },
	{ "exit", "exit_time", CK_TIME, 0 },
	{ "life", "elapsed_us", CK_DUR_US, 0 },
	{ "status", NULL, CK_STATUS, COL_TABLE },
	{ "exit_code", NULL, CK_INT, COL_RAW },
	{ "exit_signal", NULL, CK_INT, COL_RAW },
	{ "target", NULL, CK_INT, COL_RAW },
	{ "id", NULL, CK_INT, 0 },
};
#define TREE_NCOLS	(sizeof(tree_cols) / sizeof(tree_cols[0]))

/* The columns every node query selects, from the row aliased t. */
#define NODE_COLS \
	"t.id, coalesce(t.ac_tgid, t.ac_pid), t.ac_ppid, " \
	"t.recv_time - coalesce(t.ac_tgetime, t.ac_etime), t.recv_time, " \
	"t.ac_exitcode, t.ac_comm"

static void
node_read(sqlite3_stmt *stmt, struct node *n)
{
	const void	*p;
	int		 len;

	memset(n, 0, sizeof(*n));
	n->id = sqlite3_column_int64(stmt, 0);
	n->pid = sqlite3_column_int64(stmt, 1);
	n->ppid = sqlite3_column_int64(stmt, 2);
	n->start = sqlite3_column_int64(stmt, 3);
	n->exit = sqlite3_column_int64(stmt, 4);
	n->status = sqlite3_column_int64(stmt, 5);
	n->recorded = 1;
	p = sqlite3_column_text(stmt, 6);
	len = sqlite3_column_bytes(stmt, 6);
	if (p == NULL)
		len = 0;
	/* ac_comm holds at most 32 bytes; a longer one is cut. */
	n->commlen = (size_t)len < sizeof(n->comm) ? (size_t)len :
	    sizeof(n->comm);
	if (n->commlen > 0)
		memcpy(n->comm, p, n->commlen);
}

/* The identity columns of node n's line (NULL if not recorded). */
static void
tree_ident(struct tree *t, const struct node *n, struct row *r)
{
	sqlite3_stmt	*s = t->ident;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, n->recorded ? n->id : -1);
	if (cli_step(t->ctx, s))
		ident_add(t->ctx, r, s, 1);
	else
		ident_add_null(t->ctx, r);
	/* Not reset here: r points into the row until it is output. */
}

/* One line; in a table the command indented by depth. */
static void
tree_line(struct tree *t, const struct node *n, int depth, int target)
{
	struct cmd_ctx		*ctx = t->ctx;
	struct row		 r;
	struct output_value	*v;
	char			 text[TREE_DEPTH_MAX * 3 + TREE_COMM_MAX + 8];
	size_t			 len = 0;
	int			 i;

	if (t->lines >= t->limit && t->limit != -1) {
		t->cut = 1;
		return;
	}
	t->lines++;
	row_init(&r);
	if (ctx->human) {
		for (i = 1; i < depth; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "   ");
		if (depth > 0)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "`- ");
	}
	if (!n->recorded && ctx->human)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "(no exit recorded)");
	memcpy(text + len, n->comm, n->commlen);
	len += n->commlen;
	if (target && ctx->human)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " *");
	if (!n->recorded && !ctx->human)
		row_null(&r);
	else {
		row_text(&r, "");
		v = &r.v[r.n - 1];
		v->p = text;
		v->len = len;
	}
	if (!ctx->human)
		row_int(&r, depth);
	row_int(&r, n->pid);
	if (!n->recorded) {
		while (r.n < (ctx->human ? 8 : 11))
			row_null(&r);
		tree_ident(t, n, &r);
		output_row(ctx->out, r.v);
		return;
	}
	row_int(&r, n->ppid);
	row_human(ctx, &r, CK_TIME, n->start);
	row_human(ctx, &r, CK_TIME, n->exit);
	row_human(ctx, &r, CK_DUR_US, n->exit - n->start);
	if (ctx->human)
		row_human(ctx, &r, CK_STATUS, n->status);
	else {
		row_int(&r, (n->status >> 8) & 255);
		row_int(&r, n->status & 127);
		row_int(&r, target);
	}
	row_int(&r, n->id);
	tree_ident(t, n, &r);
	output_row(ctx->out, r.v);
}

/* The process of row id as a node. */
static void
node_by_id(struct tree *t, int64_t id, struct node *n)
{
	sqlite3_stmt	*stmt;

	stmt = cli_prepare(t->ctx, "SELECT " NODE_COLS " FROM tasks t "
	    "WHERE t.id = ?1 AND t.kind = 0");
	sqlite3_bind_int64(stmt, 1, id);
	if (!cli_step(t->ctx, stmt))
		cli_fatal(t->ctx, "no exit in row %" PRId64 ": see `taskacct "
		    "last`", id);
	node_read(stmt, n);
	sqlite3_finalize(stmt);
}

/* The parent of n: pid n->ppid, started before n, ended after n ended. */
static int
node_parent(struct tree *t, const struct node *n, struct node *p)
{
	sqlite3_stmt	*s = t->parent;
	int		 found;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, n->ppid);
	sqlite3_bind_int64(s, 2, n->exit - PROC_SLACK_US);
	sqlite3_bind_int64(s, 3, n->start + PROC_SLACK_US);
	if ((found = cli_step(t->ctx, s)))
		node_read(s, p);
	return found;
}

/* n's children, oldest first; *nc of them in a new array. */
static struct node *
node_children(struct tree *t, const struct node *n, size_t *nc)
{
	sqlite3_stmt	*s = t->children;
	struct node	*c = NULL;
	size_t		 size = 0;

	*nc = 0;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, n->pid);
	sqlite3_bind_int64(s, 2, n->start - PROC_SLACK_US);
	sqlite3_bind_int64(s, 3, n->exit + PROC_SLACK_US);
	sqlite3_bind_int64(s, 4, n->id);
	while (cli_step(t->ctx, s)) {
		if (*nc == size) {
			size = size == 0 ? 16 : size * 2;
			if ((c = reallocarray(c, size, sizeof(*c))) == NULL)
				cli_fatal(t->ctx, "out of memory");
		}
		node_read(s, &c[(*nc)++]);
		if (t->limit != -1 && (int64_t)*nc > t->limit)
			break;
	}
	sqlite3_reset(s);
	return c;
}

static void
tree_descend(struct tree *t, const struct node *n, int depth)
{
	struct node	*c;
	size_t		 i, nc;

	if (depth >= TREE_DEPTH_MAX) {
		t->cut = 1;
		return;
	}
	c = node_children(t, n, &nc);
	for (i = 0; i < nc && !t->cut; i++) {
		if (tree_on_path(t, &c[i]))
			continue;
		tree_line(t, &c[i], depth, 0);
		t->path[t->npath++] = c[i].id;
		tree_descend(t, &c[i], depth + 1);
		t->npath--;
	}
	free(c);
}

static int
cmd_tree_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct tree	 t = { .ctx = ctx, .limit = args->limit,
			    .cycle_pid = -1 };
	struct node	 target, *up;
	struct col	 cols[TREE_NCOLS + IC__COUNT];
	const char	*idarg = args->flag[OPT_ID];
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0;
	int64_t		 id, at = 0, pid;
	int		 n = 0, i, nc = TREE_NCOLS;
	int		 have_at = args->flag[OPT_AT] != NULL;

	if ((args->argc > 0) + (idarg != NULL) != 1)
		cli_usage("tree: give PID or --id ID");
	if (have_at && idarg != NULL)
		cli_usage("tree: --at picks among the exits of a PID, not with "
		    "--id");
	if (have_at)
		at = cli_time(ctx, "--at", args->flag[OPT_AT]);
	if (idarg != NULL)
		id = cli_number("--id", idarg, 1, INT64_MAX);
	else {
		pid = cli_number("PID", args->argv[0], 0, UINT32_MAX);
		id = exit_pick(ctx, pid, 0, have_at, at);
	}
	node_by_id(&t, id, &target);

	t.parent = cli_prepare(ctx, "SELECT " NODE_COLS " FROM tasks t "
	    "WHERE t.ac_pid = ?1 AND t.kind = 0 AND "
	    "coalesce(t.ac_tgid, t.ac_pid) = t.ac_pid AND t.recv_time >= ?2 "
	    "AND t.recv_time - coalesce(t.ac_tgetime, t.ac_etime) <= ?3 "
	    "ORDER BY t.recv_time, t.id LIMIT 1");
	t.children = cli_prepare(ctx, "SELECT " NODE_COLS " FROM tasks t "
	    "WHERE t.ac_ppid = ?1 AND t.kind = 0 AND "
	    "(t.ac_flag & " TS_SQL(TS_AGROUP) " OR t.version < 12) AND "
	    "t.recv_time BETWEEN ?2 AND ?3 AND "
	    "t.recv_time - coalesce(t.ac_tgetime, t.ac_etime) >= ?2 AND "
	    "t.id != ?4 ORDER BY 4, t.id");

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputs("SELECT NULL", fp);
	ident_select(ctx, fp, "t");
	fputs(" FROM tasks t", fp);
	ident_join(ctx, fp, NULL, "t");
	fputs(" WHERE t.id = ?1", fp);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	t.ident = cli_prepare(ctx, sql);
	free(sql);

	/* Ancestors, nearest first, then printed from the oldest. */
	if ((up = calloc(TREE_DEPTH_MAX, sizeof(*up))) == NULL)
		cli_fatal(ctx, "out of memory");
	t.path[t.npath++] = target.id;
	for (n = 0; n < TREE_DEPTH_MAX - 1; n++) {
		const struct node *child = n == 0 ? &target : &up[n - 1];

		if (child->ppid == 0 || child->ppid == child->pid)
			break;
		if (!node_parent(&t, child, &up[n])) {
			memset(&up[n], 0, sizeof(up[n]));
			up[n].pid = child->ppid;
			n++;
			break;
		}
		if (tree_on_path(&t, &up[n]))
			break;
		t.path[t.npath++] = up[n].id;
	}
	memcpy(cols, tree_cols, sizeof(tree_cols));
	ident_cols_for(ctx, cols, &nc);
	cli_begin(ctx, cols, nc);
	for (i = n - 1; i >= 0; i--)
		tree_line(&t, &up[i], n - 1 - i, 0);
	tree_line(&t, &target, n, 1);
	tree_descend(&t, &target, n + 1);
	free(up);
	sqlite3_finalize(t.parent);
	sqlite3_finalize(t.children);
	sqlite3_finalize(t.ident);
	if (t.cut || t.cycle_pid != -1) {
		/* After the tree, not in the middle of a table. */
		if (output_close(ctx->out) == -1)
			err(1, "stdout");
		ctx->out = output_open(stdout, ctx->format, ctx->out_flags, 0);
	}
	if (t.cycle_pid != -1)
		warnx("tree: the recorded parents form a cycle: process %"
		    PRId64 " (row %" PRId64 ") is its own ancestor; not "
		    "followed again", t.cycle_pid, t.cycle_id);
	if (t.cut)
		warnx("tree: cut at %" PRId64 " lines or depth %d: raise "
		    "--limit or start from a descendant", t.lines,
		    TREE_DEPTH_MAX);
	return 0;
}
