/*
 * cmd_iotop.c: `taskacct iotop`, a live view of the processes doing the
 * most I/O (and CPU): its options, the rounds' clock, and the printing of
 * each round in batch mode (-b, or whenever the output is not a
 * terminal): a table with a header line per round, or csv, tsv, jsonl
 * with one record per process per round.  The rounds are made in
 * iotop_sample.c; the terminal screen is iotop_screen.c.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "iotop.h"

#define OPT_SORT	(OPT_CMD + 0)
#define IOTOP_COUNT_MAX	INT64_C(1000000000)

static int	cmd_iotop_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option iotop_options[] = {
	{ "batch", no_argument, NULL, 'b' },
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "only", no_argument, NULL, 'o' },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_iotop_entry = {
	"iotop", NULL, "bd:n:o", iotop_options, 0, 0,
	"[-b] [-d SECONDS] [-n COUNT] [-o] [--sort KEY]",
	"live view of the processes doing the most I/O, refreshed",
	"Every -d SECONDS, rank processes by what they did since the last\n"
	"refresh: bytes read and written from storage (per second) and\n"
	"CPU, counting processes that started and exited in between from\n"
	"the recorder's exit records (state exited).  As root or with\n"
	"CAP_NET_ADMIN it asks the kernel; otherwise it shows taskacctd's\n"
	"samples (--sample-interval) and exit records, and says so.  On a\n"
	"terminal: a screen (q quits; r, w, t, c sort by read, write,\n"
	"total, CPU; o shows only I/O); else, or with -b, one table (or\n"
	"--format csv, tsv, jsonl record per process) per round.\n"
	"  -b, --batch            print rounds instead of drawing a screen\n"
	"  -d, --delay SECONDS    between refreshes (default 1; 100ms at\n"
	"                         least; a duration such as 500ms)\n"
	"  -n, --iterations COUNT rounds, then exit (default: until stopped)\n"
	"  -o, --only             only processes that did I/O\n"
	"  --sort KEY             io (default), read, write or cpu\n",
	CMD_DB, -1, cmd_iotop_exec
};

/* Sleep until t (us since the epoch). */
static void
sleep_until(int64_t t)
{
	struct timespec	 ts;
	int64_t		 d;

	while ((d = t - iotop_now()) > 0) {
		ts.tv_sec = d / 1000000;
		ts.tv_nsec = d % 1000000 * 1000;
		nanosleep(&ts, NULL);
	}
}

/* bytes over len us, per second. */
static int64_t
rate(int64_t bytes, int64_t len)
{
	if (len <= 0)
		return 0;
	return (int64_t)((double)bytes * 1e6 / (double)len);
}

static void
row_rate(struct cmd_ctx *ctx, struct row *r, int64_t v)
{
	char	*t;

	if (!ctx->human) {
		row_int(r, v);
		return;
	}
	row_human(ctx, r, CK_BYTES, v);
	t = r->text[r->n - 1];
	strncat(t, "/s", sizeof(r->text[0]) - strlen(t) - 1);
	r->v[r->n - 1].len = strlen(t);
}

static void
row_pct(struct cmd_ctx *ctx, struct row *r, double pct)
{
	struct output_value	*v;

	if (!ctx->human) {
		row_int(r, 0);
		r->v[r->n - 1].type = OV_REAL;
		r->v[r->n - 1].r = pct;
		return;
	}
	snprintf(r->text[r->n], sizeof(r->text[0]), "%.1f", pct);
	row_text(r, r->text[r->n]);
	v = &r->v[r->n - 1];
	v->type = OV_NUMTEXT;
}

static const char *const iotop_human[] = {
	"PID", "USER", "STATE", "READ/s", "WRITE/s", "READ", "WRITE", "CPU%",
	"COMMAND"
};
static const char *const iotop_raw[] = {
	"round", "time", "pid", "start", "uid", "comm", "state",
	"read_bytes", "write_bytes", "cpu", "read_rate", "write_rate",
	"cpu_pct"
};
#define NHUMAN	(sizeof(iotop_human) / sizeof(iotop_human[0]))
#define NRAW	(sizeof(iotop_raw) / sizeof(iotop_raw[0]))

static void
iotop_row(struct cmd_ctx *ctx, struct output *out,
    const struct iotop_round *rd, const struct iotop_proc *p)
{
	struct row	 r;
	int64_t		 len = rd->end - rd->start;
	const char	*state = p->running ? "running" : "exited";
	double		 pct;

	if (p->span_us > len)
		len = p->span_us;	/* a daemon sample: its own span */
	pct = len > 0 ? (double)p->cpu_ns / 10.0 / (double)len : 0;
	row_init(&r);
	if (ctx->human) {
		row_int(&r, p->tgid);
		if (p->uid >= 0)
			row_human(ctx, &r, CK_USER, p->uid);
		else
			row_null(&r);
		row_text(&r, state);
		row_rate(ctx, &r, rate(p->read_bytes, len));
		row_rate(ctx, &r, rate(p->write_bytes, len));
		row_human(ctx, &r, CK_BYTES, p->read_bytes);
		row_human(ctx, &r, CK_BYTES, p->write_bytes);
		row_pct(ctx, &r, pct);
		row_text(&r, p->comm);
	} else {
		row_int(&r, rd->n);
		row_int(&r, rd->end);
		row_int(&r, p->tgid);
		row_int(&r, p->lstart);
		if (p->uid >= 0)
			row_int(&r, p->uid);
		else
			row_null(&r);
		row_text(&r, p->comm);
		row_text(&r, state);
		row_int(&r, p->read_bytes);
		row_int(&r, p->write_bytes);
		row_int(&r, p->cpu_ns / 1000);
		row_rate(ctx, &r, rate(p->read_bytes, len));
		row_rate(ctx, &r, rate(p->write_bytes, len));
		row_pct(ctx, &r, pct);
	}
	output_row(out, r.v);
}

/* One round's table (or records) into out, the processes shown. */
void
iotop_print(struct cmd_ctx *ctx, struct output *out,
    const struct iotop_round *rd, int only, int limit)
{
	size_t	 i;
	int	 n = 0;

	if (ctx->human)
		output_begin(out, NHUMAN, iotop_human);
	else
		output_begin(out, NRAW, iotop_raw);
	for (i = 0; i < rd->np && (limit < 0 || n < limit); i++) {
		if (!iotop_shown(&rd->p[i], only))
			continue;
		iotop_row(ctx, out, rd, &rd->p[i]);
		n++;
	}
}

/* The line above a round's table: when, over how long, the totals. */
static void
iotop_title(struct cmd_ctx *ctx, const struct iotop_round *rd, FILE *fp)
{
	char	 when[48], len[32], rb[32], wb[32];
	int64_t	 r = 0, w = 0;
	size_t	 i;

	for (i = 0; i < rd->np; i++) {
		r += rd->p[i].read_bytes;
		w += rd->p[i].write_bytes;
	}
	fmt_time_us(when, sizeof(when), rd->end);
	fmt_duration_us(len, sizeof(len), rd->end - rd->start);
	fmt_bytes(rb, sizeof(rb), rate(r, rd->end - rd->start));
	fmt_bytes(wb, sizeof(wb), rate(w, rd->end - rd->start));
	(void)ctx;
	fprintf(fp, "round %" PRId64 " at %s over %s: read %s/s, write %s/s\n",
	    rd->n, when, len, rb, wb);
}

static int
iotop_batch(struct cmd_ctx *ctx, struct iotop *io, int64_t delay,
    int64_t count, enum iotop_sort sort, int only)
{
	struct iotop_round	*rd;
	struct output		*out;
	int64_t			 t0 = iotop_now(), k, t;
	int64_t			 grace = IOTOP_GRACE_US < delay / 2 ?
				    IOTOP_GRACE_US : delay / 2;

	iotop_begin(io, t0);
	for (k = 1; count < 0 || k <= count; k++) {
		sleep_until(t0 + k * delay);
		t = iotop_now();
		iotop_pass(io, t);
		sleep_until(t + grace);
		rd = iotop_round(io);
		iotop_sort(rd, sort);
		if (ctx->human && !(ctx->out_flags & OUTPUT_NOHEADER)) {
			iotop_title(ctx, rd, stdout);
		}
		out = output_open(stdout, ctx->format, ctx->out_flags,
		    ctx->width > 0 ? (unsigned int)ctx->width : 0);
		iotop_print(ctx, out, rd, only, -1);
		if (output_close(out) == -1)
			err(1, "stdout");
	}
	return 0;
}

static enum iotop_sort
sort_parse(const char *s)
{
	int	 i;

	for (i = 0; i < IOTOP_SORT__COUNT; i++)
		if (strcmp(s, iotop_sort_names[i]) == 0)
			return (enum iotop_sort)i;
	cli_usage("iotop: unknown --sort `%s': use io, read, write or cpu", s);
}

static int
cmd_iotop_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct iotop	*io;
	const char	*note;
	int64_t		 delay = IOTOP_DELAY_DEF_US, count = -1;
	enum iotop_sort	 sort = IOTOP_SORT_IO;
	int		 only = args->flag['o'] != NULL, rc;

	if (args->flag['d'] != NULL) {
		delay = cli_duration("iotop -d", args->flag['d']);
		if (delay < IOTOP_DELAY_MIN_US)
			cli_usage("iotop: bad -d `%s': give at least 100ms "
			    "between refreshes", args->flag['d']);
	}
	if (args->flag['n'] != NULL)
		count = cli_number("iotop -n", args->flag['n'], 1,
		    IOTOP_COUNT_MAX);
	if (args->flag[OPT_SORT] != NULL)
		sort = sort_parse(args->flag[OPT_SORT]);
	if (ctx->format == OUTPUT_JSON)
		cli_usage("iotop: --format json would make one array per "
		    "round: use jsonl (one object per process per round)");

	io = iotop_open(ctx, &note);
	if (args->flag['b'] == NULL && ctx->format == OUTPUT_TABLE &&
	    isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		rc = iotop_screen(ctx, io, delay, count, sort, only, note);
	} else {
		if (note != NULL)
			warnx("iotop: %s", note);
		rc = iotop_batch(ctx, io, delay, count, sort, only);
	}
	iotop_close(io);
	return rc;
}
