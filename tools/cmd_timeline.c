/*
 * cmd_timeline.c: `taskacct timeline`, a window (default: the last hour)
 * cut into buckets: process exits per bucket and a measure of top's
 * (measure.h) per bucket, in total or for the top few commands
 * (--group command), drawn for a terminal or as an SVG document
 * (chart.c), or listed one row per bucket in the machine formats.
 *
 * A measure the live samples carry (CPU, I/O, switches, delays) counts
 * what happened in each bucket, as top's window does (window.h): the
 * activity rows plus the exit rows of threads never sampled, each at its
 * time; without samples (or with a filter on how processes ended) the
 * exit rows alone, each at its exit.  A measure that exists only at exit
 * (rss, duration, count, failed) is read from the process ends.  A task
 * counts under its own name, as in the rollups.  Without samples, a
 * measure the rollups hold that sums every thread (cpu, io, the delays),
 * filtered at most by command, user and time, is read from the rollups
 * (rollup.h: each bucket's days, hours, minutes and edge rows), and so
 * are the exits (process ends, AGROUP, as the rollups count them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "fields.h"
#include "measure.h"
#include "procs.h"
#include "rollup.h"
#include "window.h"

#define TIMELINE_WINDOW_US	(INT64_C(3600) * 1000000)
#define TIMELINE_MINUTE_US	(INT64_C(60) * 1000000)
/* Buckets at least this wide are aligned to whole minutes (timeline_grid):
   the rounding then adds at most a tenth. */
#define TIMELINE_ALIGN_US	(10 * TIMELINE_MINUTE_US)
#define TIMELINE_MAX_BUCKETS	1000
#define TIMELINE_SVG_BUCKETS	120
#define TIMELINE_PIPE_BUCKETS	60	/* not a terminal, no --width */
#define TIMELINE_TOP_DEFAULT	5
#define TIMELINE_TOP_MAX	8	/* the SVG's distinct line styles */
#define TIMELINE_OTHER		"(other)"
/* SQL parameters: ?1 the window's start, ?2 the bucket, the filter's
   from here. */
#define TIMELINE_PARAM		3

#define OPT_BY		'b'
#define OPT_GROUP	'G'
#define OPT_BUCKETS	(OPT_CMD + 0)
#define OPT_TOP		(OPT_CMD + 1)

static int	cmd_timeline_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option timeline_options[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ "top", required_argument, NULL, OPT_TOP },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_timeline_entry = {
	"timeline", NULL, "b:G:", timeline_options, 0, 0,
	"[--by MEASURE|FIELD] [--group command] [--top N] [--buckets N] "
	"[filters]",
	"exits and a measure over time, as a chart (--format svg: an SVG)",
	"Cut a window (default: the last hour) into buckets and show, for\n"
	"each, the processes that exited and a measure (default cpu): a\n"
	"terminal chart of block bars (ASCII where the locale is not\n"
	"UTF-8), with --group command one sparkline per command for the\n"
	"top few; --format svg writes a standalone SVG document (axes in\n"
	"human units and local times, a legend); csv, tsv, json and jsonl\n"
	"list one row per bucket (and command).  A measure the live samples\n"
	"carry counts what happened in each bucket (samples plus unsampled\n"
	"exits, as top); rss, duration, count and failed are read from the\n"
	"process ends of each bucket.\n"
	"  -b, --by MEASURE       as top --by (default cpu)\n"
	"  -G, --group command    one series per command, the top N\n"
	"      --top N            how many commands (default 5, at most 8),\n"
	"                         the rest summed as " TIMELINE_OTHER "\n"
	"      --buckets N        how many buckets (default: the terminal's\n"
	"                         width; 120 in an SVG; at most 1000)\n",
	CMD_DB | CMD_FILTER, -1, cmd_timeline_exec
};

struct timeline {
	int64_t		 since, until, bucket;
	size_t		 n;
	double		*exits;
	/* Series: names[i] with values v[i * n ...]; the last may be
	   TIMELINE_OTHER. */
	char		**names;
	double		*v;
	size_t		 nseries;
	int		 group;
	int		 rollup;	/* read from the rollups */
};

static sqlite3_stmt *
timeline_prepare(struct cmd_ctx *ctx, const struct timeline *t,
    const struct filter *f, const struct filter_sql *fs, char *sql)
{
	sqlite3_stmt	*stmt;
	int		 i;

	stmt = cli_prepare(ctx, sql);
	free(sql);
	if (t->rollup) {
		rollup_buckets_bind(ctx, stmt, f, t->since, t->bucket, t->n);
		return stmt;
	}
	sqlite3_bind_int64(stmt, 1, t->since);
	sqlite3_bind_int64(stmt, 2, t->bucket);
	cli_bind_filter(ctx, stmt, fs, TIMELINE_PARAM);
	if ((i = sqlite3_bind_parameter_index(stmt, ":pid")) != 0)
		sqlite3_bind_int64(stmt, i, f->pid);
	return stmt;
}

/* Process ends per bucket. */
static void
timeline_exits(struct cmd_ctx *ctx, struct timeline *t,
    const struct filter *f)
{
	struct filter_sql	 fs;
	sqlite3_stmt		*stmt;
	FILE			*fp;
	char			*sql = NULL, *r;
	size_t			 len = 0;
	int64_t			 b;

	cli_filter_sql(ctx, f, TIMELINE_PARAM, &fs);
	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	if (t->rollup) {
		r = rollup_buckets_sql(ctx, f, 1);
		fprintf(fp, "%sSELECT b, sum(procs) FROM r GROUP BY b", r);
		free(r);
	} else {
		fputs("SELECT (g.recv_time - ?1) / ?2 AS b, count(*) "
		    "FROM tasks g", fp);
		fprintf(fp, " WHERE %s GROUP BY b", fs.text);
	}
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	stmt = timeline_prepare(ctx, t, f, &fs, sql);
	while (cli_step(ctx, stmt))
		if ((b = sqlite3_column_int64(stmt, 0)) >= 0 &&
		    b < (int64_t)t->n)
			t->exits[b] += (double)sqlite3_column_int64(stmt, 1);
	sqlite3_finalize(stmt);
}

/*
 * The measure's SQL: v(b, k, x), one term per row, then summed per
 * bucket and name.  live: activity rows and unsampled exits; else the
 * rows the filter selects (threads for a summable measure, process ends
 * for one that exists only at exit).
 */
static char *
timeline_measure_sql(struct cmd_ctx *ctx, const struct measure *m,
    const struct filter *fw, const struct filter_sql *fs, int live)
{
	FILE	*fp;
	char	*sql = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		cli_fatal(ctx, "out of memory");
	fputs("WITH v AS (", fp);
	if (live) {
		fputs("SELECT (g.recv_time - ?1) / ?2 AS b, "
		    "g.ac_comm AS k, ", fp);
		procs_expr(fp, m->act, "g");
		fputs(" AS x FROM " WINDOW_ACTIVITY_AS_TASKS, fp);
		window_where(fp, fw, fs);
		fputs(" UNION ALL ", fp);
	}
	fputs("SELECT (g.recv_time - ?1) / ?2 AS b, g.ac_comm AS k, ",
	    fp);
	procs_expr(fp, m->row, "g");
	fputs(" AS x FROM tasks g", fp);
	window_where(fp, fw, fs);
	if (live)
		fputs(" AND g.sampled IS NULL", fp);
	fprintf(fp, ") SELECT b, k, %s(x) AS m FROM v GROUP BY b, k", m->agg);
	if (fclose(fp) == EOF)
		cli_fatal(ctx, "out of memory");
	return sql;
}

/* The index of series name, added (up to max) if new; -1 if full. */
static long
series_index(struct timeline *t, const char *name, size_t max)
{
	size_t	 i;

	for (i = 0; i < t->nseries; i++)
		if (strcmp(t->names[i], name) == 0)
			return (long)i;
	if (t->nseries == max)
		return -1;
	if ((t->names[t->nseries] = strdup(name)) == NULL)
		return -1;
	return (long)t->nseries++;
}

/*
 * The names ranked by their total (the rss measure: its largest), top
 * first: the series kept under their own name.
 */
static void
timeline_rank(struct cmd_ctx *ctx, struct timeline *t, const char *sql_in,
    const struct filter *fw, const struct filter_sql *fs,
    const struct measure *m, size_t top)
{
	sqlite3_stmt	*stmt;
	char		*sql;
	const char	*k;

	if (asprintf(&sql, "SELECT k, %s(m) AS s FROM (%s) GROUP BY k "
	    "ORDER BY s DESC, k LIMIT %zu", m->agg, sql_in, top) == -1)
		cli_fatal(ctx, "out of memory");
	stmt = timeline_prepare(ctx, t, fw, fs, sql);
	while (cli_step(ctx, stmt)) {
		k = (const char *)sqlite3_column_text(stmt, 0);
		if (series_index(t, k != NULL ? k : "", top) == -1)
			cli_fatal(ctx, "out of memory");
	}
	sqlite3_finalize(stmt);
}

static void
timeline_measure(struct cmd_ctx *ctx, struct timeline *t,
    const struct measure *m, const struct filter *f, size_t top)
{
	struct filter		 fw = *f;
	struct filter_sql	 fs;
	sqlite3_stmt		*stmt;
	char			*sql, *fsql;
	const char		*k;
	long			 s;
	int64_t			 b;
	double			 x, *cell;
	int			 live, max = strcmp(m->agg, "max") == 0;

	live = m->act != NULL && window_live(ctx, f);
	/* Summable measures: every thread row; the others: process ends. */
	if (m->act != NULL || live)
		fw.set |= FILTER_THREADS;
	fw.set &= ~FILTER_PID;
	cli_filter_sql(ctx, &fw, TIMELINE_PARAM, &fs);
	if (t->rollup) {
		sql = rollup_buckets_sql(ctx, f, !t->group);
		if (asprintf(&fsql, "%sSELECT b, ac_comm AS k, %s AS m FROM r "
		    "GROUP BY b, k", sql, m->rollup) == -1)
			cli_fatal(ctx, "out of memory");
		free(sql);
		sql = fsql;
	} else
		sql = timeline_measure_sql(ctx, m, f, &fs, live);
	if ((t->names = calloc(top + 2, sizeof(*t->names))) == NULL)
		cli_fatal(ctx, "out of memory");
	if (t->group)
		timeline_rank(ctx, t, sql, f, &fs, m, top);
	/* top series and (other) at index top, whatever the ranking found. */
	if ((t->v = calloc((top + 1) * t->n, sizeof(double))) == NULL)
		cli_fatal(ctx, "out of memory");
	stmt = timeline_prepare(ctx, t, f, &fs, sql);
	while (cli_step(ctx, stmt)) {
		b = sqlite3_column_int64(stmt, 0);
		if (b < 0 || b >= (int64_t)t->n)
			continue;
		k = (const char *)sqlite3_column_text(stmt, 1);
		x = sqlite3_column_double(stmt, 2);
		s = t->group ? series_index(t, k != NULL ? k : "", top) : 0;
		if (s == -1)		/* not among the top: (other) */
			s = (long)top;
		cell = &t->v[(size_t)s * t->n + (size_t)b];
		*cell = max ? (x > *cell ? x : *cell) : *cell + x;
	}
	sqlite3_finalize(stmt);
	if (!t->group) {
		t->nseries = 1;
		return;
	}
	/* The rest, if any, as one more series. */
	for (b = 0; b < (int64_t)t->n; b++)
		if (t->v[top * t->n + (size_t)b] != 0)
			break;
	if (b < (int64_t)t->n) {
		if (t->nseries < top)	/* fewer names than --top: move it */
			memcpy(t->v + t->nseries * t->n, t->v + top * t->n,
			    t->n * sizeof(double));
		if ((t->names[t->nseries++] = strdup(TIMELINE_OTHER)) == NULL)
			cli_fatal(ctx, "out of memory");
	}
}

/* Machine formats: one row per bucket (and series). */
static void
timeline_rows(struct cmd_ctx *ctx, const struct timeline *t,
    const struct measure *m)
{
	const struct col	 cols[] = {
		{ "time", "bucket_start", CK_TIME, 0 },
		{ "bucket", "bucket_us", CK_DUR_US, 0 },
		{ "command", "comm", CK_TEXT, 0 },
		{ "exits", NULL, CK_INT, 0 },
		{ m->name, NULL, m->kind, 0 },
	};
	const char		*names[5];
	struct row		 r;
	size_t			 b, s, i;

	for (i = 0; i < 5; i++)
		names[i] = cols[i].raw != NULL ? cols[i].raw : cols[i].name;
	output_begin(ctx->out, 5, names);
	for (b = 0; b < t->n; b++)
		for (s = 0; s < t->nseries; s++) {
			row_init(&r);
			row_int(&r, t->since + t->bucket * (int64_t)b);
			row_int(&r, t->bucket);
			if (t->group)
				row_text(&r, t->names[s]);
			else
				row_null(&r);
			row_int(&r, (int64_t)t->exits[b]);
			row_int(&r, (int64_t)t->v[s * t->n + b]);
			output_row(ctx->out, r.v);
		}
}

static void
timeline_draw(struct cmd_ctx *ctx, const struct timeline *t,
    const struct measure *m)
{
	struct chart_series	 series[TIMELINE_TOP_MAX + 1];
	struct chart		 c = { m->help != NULL ? m->help : m->name,
	    m->kind, t->since, t->bucket, t->n, t->exits, series, t->nseries,
	    chart_locale_utf8() };
	char			 name[TIMELINE_TOP_MAX + 1][64];
	size_t			 s, b;
	int			 max = strcmp(m->agg, "max") == 0;

	for (s = 0; s < t->nseries; s++) {
		series[s].name = t->names[s] != NULL ? t->names[s] : m->name;
		series[s].v = t->v + s * t->n;
		series[s].total = 0;
		for (b = 0; b < t->n; b++)
			series[s].total = max ? (series[s].v[b] >
			    series[s].total ? series[s].v[b] :
			    series[s].total) : series[s].total +
			    series[s].v[b];
		/* On a terminal, names through the tables' escaping. */
		if (ctx->format == OUTPUT_TABLE && !ctx->svg) {
			output_escape(series[s].name, name[s], sizeof(name[s]));
			series[s].name = name[s];
		}
	}
	if (ctx->svg)
		chart_svg(stdout, &c);
	else
		chart_text(stdout, &c);
	if (fflush(stdout) == EOF || ferror(stdout))
		cli_fatal(ctx, "stdout: write failed");
}

/*
 * The buckets' grid over [since, until): n buckets of equal width from
 * t->since.  A bucket of ten minutes or more is a whole number of minutes
 * from the start of since's minute (the first bucket cut at since), so
 * that each bucket is whole minutes, hours and days of the rollups and
 * only the window's own edges are read from rows; the width is the
 * smallest such that n buckets reach until, and the buckets that would
 * start at or after until are dropped (so there may be fewer than n).
 */
static void
timeline_grid(struct timeline *t, int64_t since, size_t n)
{
	int64_t	 origin, w;

	t->since = since;
	t->n = n;
	t->bucket = (t->until - since + (int64_t)n - 1) / (int64_t)n;
	if (t->bucket < TIMELINE_ALIGN_US)
		return;
	origin = since / TIMELINE_MINUTE_US * TIMELINE_MINUTE_US;
	if (origin > since)		/* before the epoch: round down */
		origin -= TIMELINE_MINUTE_US;
	w = (t->until - origin + (int64_t)n - 1) / (int64_t)n;
	w = (w + TIMELINE_MINUTE_US - 1) / TIMELINE_MINUTE_US *
	    TIMELINE_MINUTE_US;
	t->since = origin;
	t->bucket = w;
	t->n = (size_t)((t->until - origin + w - 1) / w);
}

/* Buckets: --buckets, or what fits (the width, the SVG's default). */
static size_t
timeline_buckets(struct cmd_ctx *ctx, struct cmd_args *args)
{
	if (args->flag[OPT_BUCKETS] != NULL)
		return (size_t)cli_number("--buckets", args->flag[OPT_BUCKETS],
		    1, TIMELINE_MAX_BUCKETS);
	if (ctx->svg)
		return TIMELINE_SVG_BUCKETS;
	if (ctx->width <= CHART_LABEL_COLS + 10)
		return TIMELINE_PIPE_BUCKETS;
	return (size_t)(ctx->width - CHART_LABEL_COLS - 1);
}

static int
cmd_timeline_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct timeline	 t = { 0 };
	struct measure	 m;
	struct filter	*f = &args->filter;
	char		 expr[256], act[256];
	size_t		 top = TIMELINE_TOP_DEFAULT, i;

	measure_find(ctx, args->flag[OPT_BY] != NULL ? args->flag[OPT_BY] :
	    "cpu", &m, expr, act, sizeof(expr));
	if (args->flag[OPT_GROUP] != NULL) {
		if (strcmp(args->flag[OPT_GROUP], "command") != 0)
			cli_usage("unknown --group `%s': timeline groups by "
			    "command", args->flag[OPT_GROUP]);
		t.group = 1;
	}
	if (args->flag[OPT_TOP] != NULL)
		top = (size_t)cli_number("--top", args->flag[OPT_TOP], 1,
		    TIMELINE_TOP_MAX);
	t.until = (f->set & FILTER_UNTIL) ? f->until : ctx->now;
	f->since = (f->set & FILTER_SINCE) ? f->since : t.until -
	    TIMELINE_WINDOW_US;
	if (f->since >= t.until)
		cli_usage("--since must be before --until");
	f->until = t.until;
	f->set |= FILTER_SINCE | FILTER_UNTIL;
	timeline_grid(&t, f->since, timeline_buckets(ctx, args));
	/* Summed over every thread, no samples: the rollups hold it. */
	t.rollup = m.act != NULL && m.rollup != NULL &&
	    rollup_usable(ctx, f, ROLLUP_FILTERS) && !window_live(ctx, f);
	if ((t.exits = calloc(t.n, sizeof(double))) == NULL)
		cli_fatal(ctx, "out of memory");
	timeline_exits(ctx, &t, f);
	timeline_measure(ctx, &t, &m, f, top);
	if (ctx->format != OUTPUT_TABLE)
		timeline_rows(ctx, &t, &m);
	else {
		cli_end_read(ctx);	/* no snapshot while we write */
		timeline_draw(ctx, &t, &m);
	}
	for (i = 0; i < t.nseries; i++)
		free(t.names[i]);
	free(t.names);
	free(t.v);
	free(t.exits);
	return 0;
}
