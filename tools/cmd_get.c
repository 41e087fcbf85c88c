/*
 * cmd_get.c: `taskacct get PID`, every field of a live process read from
 * the kernel now (TASKSTATS_CMD_GET, src/taskget.c), or with --tid of one
 * live thread.  A process is its live threads, asked one by one (the TGID
 * query carries no I/O or CPU fields), plus the threads it already lost,
 * from the database: the exit rows of its tgid whose process start is
 * this process's start.  Each field adds up as the field table says
 * (cli_field_agg: sums, peaks, minima); identity fields are the leader's.
 * Printed by show's grouped printer in tables, as one object keyed by the
 * field names in the machine formats.
 */
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "decode.h"
#include "fields.h"
#include "show.h"
#include "taskacct.h"
#include "taskget.h"

#define OPT_TID		(OPT_CMD + 0)
/* Highest task id Linux hands out (PID_MAX_LIMIT on 64-bit). */
#define GET_PID_MAX	4194304

static int	cmd_get_exec(struct cmd_ctx *, struct cmd_args *);

static const struct option get_options[] = {
	{ "tid", required_argument, NULL, OPT_TID },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_get_entry = {
	"get", NULL, "", get_options, 0, 1, "PID | --tid TID",
	"every field of a live process, read from the kernel now",
	"Ask the kernel now (TASKSTATS_CMD_GET) for every field of the live\n"
	"process PID: its live threads added up (sums; peaks of the shared\n"
	"address space; identity from the main thread) plus the threads it\n"
	"already lost, from the database (skipped with a note when there is\n"
	"none).  --tid TID shows one live thread.  Grouped like `show`;\n"
	"--format json gives one object keyed by the field names.  Needs\n"
	"root or CAP_NET_ADMIN: the kernel refuses others.\n"
	"  --tid TID              one live thread, by its task id\n",
	0, -1, cmd_get_exec
};

/* A task's values, indexed like the field table, as they add up. */
struct get_sum {
	struct output_value	 v[TS_FIELDS_MAX];
	char			 comm[TS_COMM_LEN + 1];
	int64_t			 live;		/* live threads summed */
	int64_t			 exited;	/* exit rows summed */
	int64_t			 vanished;	/* gone before their GET */
};

static void
sum_value(struct get_sum *s, size_t i, int64_t x, int first)
{
	const char		*agg = cli_field_agg(&ts_fields[i]);
	struct output_value	*v = &s->v[i];

	if (v->type == OV_NULL) {
		/* Identity fields come from the first record: the leader. */
		if (agg != NULL || first) {
			v->type = OV_INT;
			v->i = x;
		}
		return;
	}
	if (agg == NULL)
		return;
	if (strcmp(agg, "sum") == 0)
		v->i += x;
	else if (strcmp(agg, "max") == 0 ? x > v->i : x < v->i)
		v->i = x;
}

/* Add one live record to s; the first is the leader's. */
static void
sum_record(struct get_sum *s, const struct ts_record *rec, int first)
{
	struct ts_plan		 plan = { 0 };
	const struct ts_plan	*p = ts_plan_get(&plan, rec);
	size_t			 i;

	for (i = 0; i < ts_nfields; i++) {
		if (!p->step[i].present)
			continue;
		if (ts_fields[i].type == FT_COMM) {
			if (first) {
				memcpy(s->comm, rec->raw + p->step[i].offset,
				    TS_COMM_LEN);
				s->comm[TS_COMM_LEN] = '\0';
				s->v[i].type = OV_TEXT;
				s->v[i].p = s->comm;
				s->v[i].len = strlen(s->comm);
			}
			continue;
		}
		sum_value(s, i, ts_value_int(p->step[i].type,
		    rec->raw + p->step[i].offset), first);
	}
}

static int64_t
rec_field(const struct ts_record *rec, const char *name)
{
	const struct ts_field	*f = ts_field_find(name);

	if (f == NULL || !ts_field_present(f, rec->version, rec->len))
		return -1;
	return ts_field_int(f, rec->raw, rec->version);
}

static int64_t
now_us(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static __attribute__((noreturn)) void
get_no_privilege(void)
{
	errx(1, "get: the kernel gives live counters to root or a holder of "
	    "CAP_NET_ADMIN only: run as root (exit records: `taskacct show`)");
}

/* Open the database if it can be read; NULL and a one-line note if not. */
static sqlite3 *
get_db_open(const char *path)
{
	sqlite3_stmt	*stmt = NULL;
	sqlite3		*db = NULL;
	struct stat	 sb;
	const char	*why = NULL;
	char		 msg[256];

	if (stat(path, &sb) == -1)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(msg, sizeof(msg), "%s", db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
		why = msg;
	}
	else if (sqlite3_busy_timeout(db, 2000),
	    sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &stmt, NULL) !=
	    SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
		why = msg;
	}
	else if (sqlite3_column_int64(stmt, 0) != TASKACCT_APPLICATION_ID)
		why = "not a taskacct database";
	sqlite3_finalize(stmt);
	if (why == NULL)
		return db;
	warnx("get: cannot read the database %s (%s): threads that already "
	    "exited are not included", path, why);
	sqlite3_close(db);
	return NULL;
}

static int
tid_in(const uint32_t *tids, size_t n, uint32_t tid)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tids[mid] == tid)
			return 1;
		if (tids[mid] < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Add the exit rows of the threads the process already lost: its tgid,
 * its start (each row's receive time minus the group's elapsed time, as
 * `show` links them), not one of the live threads summed (sorted).
 */
static void
get_exited(struct cmd_ctx *ctx, struct get_sum *s, uint32_t tgid,
    int64_t start, const uint32_t *live, size_t nlive)
{
	sqlite3_stmt	*stmt;
	FILE		*fp;
	char		*sql = NULL;
	size_t		 len = 0, i;
	uint32_t	 pid;

	if ((fp = open_memstream(&sql, &len)) == NULL)
		err(1, NULL);
	fputs("SELECT ac_pid", fp);
	/* Names from the field table only: safe as identifiers. */
	for (i = 0; i < ts_nfields; i++)
		fprintf(fp, ", %s", ts_fields[i].name);
	fprintf(fp, " FROM tasks WHERE recv_time >= ?2 - %lld AND kind = 0 "
	    "AND ac_tgid = ?1 AND recv_time - ac_tgetime BETWEEN ?2 - %lld "
	    "AND ?2 + %lld", (long long)PROC_START_TOL_US,
	    (long long)PROC_START_TOL_US, (long long)PROC_START_TOL_US);
	if (fclose(fp) == EOF)
		err(1, NULL);
	stmt = cli_prepare(ctx, sql);
	free(sql);
	sqlite3_bind_int64(stmt, 1, tgid);
	sqlite3_bind_int64(stmt, 2, start);
	while (cli_step(ctx, stmt)) {
		pid = (uint32_t)sqlite3_column_int64(stmt, 0);
		if (tid_in(live, nlive, pid))
			continue;	/* exited after its GET: counted */
		for (i = 0; i < ts_nfields; i++)
			if (ts_fields[i].type != FT_COMM &&
			    sqlite3_column_type(stmt, (int)i + 1) ==
			    SQLITE_INTEGER)
				sum_value(s, i, sqlite3_column_int64(stmt,
				    (int)i + 1), 0);
		s->exited++;
	}
	sqlite3_finalize(stmt);
}

/* The extra lines and keys: how the values were made. */
static void
get_print(struct cmd_ctx *ctx, const struct get_sum *s, int thread)
{
	static const char *const extra[] = {
		"state", "threads", "exited_threads"
	};
	const char		*names[3 + TS_FIELDS_MAX];
	struct output_value	 v[3 + TS_FIELDS_MAX];
	struct show_col		 col = { NULL, v };
	size_t			 i, n = thread ? 1 : 3;
	int			 g;

	memset(v, 0, sizeof(v));
	v[0] = (struct output_value){ .type = OV_TEXT, .p = "running",
	    .len = 7 };
	v[1] = (struct output_value){ .type = OV_INT, .i = s->live };
	v[2] = (struct output_value){ .type = OV_INT, .i = s->exited };
	if (!ctx->human) {
		for (i = 0; i < n; i++)
			names[i] = extra[i];
		for (i = 0; i < ts_nfields; i++) {
			names[n + i] = ts_fields[i].name;
			v[n + i] = s->v[i];
		}
		output_begin(ctx->out, n + ts_nfields, names);
		output_row(ctx->out, v);
		return;
	}
	show_begin(ctx, 0);
	for (i = 0; i < n; i++)
		show_line(ctx, "identity", extra[i], i == 0 ? CK_TEXT : CK_INT,
		    &col, (int)i, NULL, -1);
	col.v = s->v;
	for (g = 0; g < FG__COUNT; g++)
		show_group(ctx, g, &col, NULL);
}

/* One live thread. */
static int
get_thread(struct cmd_ctx *ctx, struct taskget *tg, uint32_t tid)
{
	struct get_sum		 s;
	struct ts_record	 rec;

	memset(&s, 0, sizeof(s));
	if (taskget_thread(tg, tid, &rec) == -1) {
		if (errno == EPERM)
			get_no_privilege();
		if (errno == ESRCH)
			errx(1, "get: no thread %u is running (one that "
			    "exited: `taskacct show --tid %u`)", tid, tid);
		errx(1, "get: thread %u: %s%s%s", tid, strerror(errno),
		    *taskget_why(tg) != '\0' ? ": " : "", taskget_why(tg));
	}
	sum_record(&s, &rec, 1);
	s.live = 1;
	get_print(ctx, &s, 1);
	return 0;
}

static int
tid_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Ask for each thread, the leader first (after a pid wrap it need not
 * have the lowest id): the identity fields are its.  Keeps the tids that
 * answered, sorted, and returns their number.
 */
static size_t
get_live(struct taskget *tg, uint32_t pid, uint32_t *tids, size_t n,
    struct get_sum *s, int64_t *start)
{
	struct ts_record	 rec;
	size_t			 i, kept = 0;

	for (i = 1; i < n; i++)
		if (tids[i] == pid) {
			memmove(tids + 1, tids, i * sizeof(*tids));
			tids[0] = pid;
			break;
		}

	for (i = 0; i < n; i++) {
		if (taskget_thread(tg, tids[i], &rec) == -1) {
			if (errno == EPERM)
				get_no_privilege();
			if (errno == ESRCH) {
				s->vanished++;	/* exited since listed */
				continue;
			}
			errx(1, "get: thread %u of process %u: %s%s%s",
			    tids[i], pid, strerror(errno),
			    *taskget_why(tg) != '\0' ? ": " : "",
			    taskget_why(tg));
		}
		/* A tid reused by another process since it was listed. */
		if (rec_field(&rec, "ac_tgid") != -1 &&
		    rec_field(&rec, "ac_tgid") != pid)
			continue;
		if (kept == 0 && rec_field(&rec, "ac_tgetime") != -1)
			*start = now_us() - rec_field(&rec, "ac_tgetime");
		sum_record(s, &rec, kept == 0);
		tids[kept++] = tids[i];
	}
	qsort(tids, kept, sizeof(*tids), tid_cmp);
	return kept;
}

static int
get_process(struct cmd_ctx *ctx, struct taskget *tg, uint32_t pid)
{
	struct get_sum	 s;
	uint32_t	*tids;
	size_t		 n;
	int64_t		 start = -1;

	if (taskget_threads(pid, &tids, &n) == -1) {
		if (errno == ESRCH)
			errx(1, "get: process %u exited during the query: "
			    "see `taskacct show %u`", pid, pid);
		err(1, "get: /proc/%u/task", pid);
	}
	memset(&s, 0, sizeof(s));
	if ((n = get_live(tg, pid, tids, n, &s, &start)) == 0)
		errx(1, "get: process %u exited during the query: see "
		    "`taskacct show %u`", pid, pid);
	s.live = (int64_t)n;
	if (start != -1 && (ctx->db = get_db_open(ctx->db_path)) != NULL)
		get_exited(ctx, &s, pid, start, tids, n);
	free(tids);
	get_print(ctx, &s, 0);
	return 0;
}

/* Refuse what is not a live user process, with the reason. */
static void
get_check_pid(uint32_t pid)
{
	struct taskget_proc	 p;
	uint32_t		*tids;
	size_t			 n;

	if (pid == 0)
		errx(1, "get: PID 0 is the kernel's idle task, not a process "
		    "with counters: give a running process's id");
	if (taskget_proc(pid, &p) == -1) {
		if (errno == ESRCH)
			errx(1, "get: no process %u is running (one that "
			    "exited: `taskacct show %u`)", pid, pid);
		err(1, "get: /proc/%u/stat", pid);
	}
	if (p.tgid != pid)
		errx(1, "get: %u is a thread of process %u: give the process "
		    "id, or get --tid %u", pid, p.tgid, pid);
	if (p.state == 'Z' && taskget_threads(pid, &tids, &n) == 0) {
		free(tids);
		if (n == 1)
			errx(1, "get: process %u is a zombie: it has exited "
			    "and waits for its parent (%u) to reap it; its "
			    "record is stored then: `taskacct show %u`", pid,
			    p.ppid, pid);
	}
	if (p.flags & TASKGET_PF_KTHREAD)
		warnx("get: %u is a kernel thread: no address space, and "
		    "the I/O it does is mostly on behalf of others", pid);
}

static int
cmd_get_exec(struct cmd_ctx *ctx, struct cmd_args *args)
{
	struct taskget	*tg;
	const char	*tid = args->flag[OPT_TID];
	char		 e[256];
	uint32_t	 id;
	int		 rc;

	if ((args->argc > 0) + (tid != NULL) != 1)
		cli_usage("get: give one of PID or --tid TID");
	id = (uint32_t)cli_number(tid != NULL ? "--tid" : "PID",
	    tid != NULL ? tid : args->argv[0], 0, GET_PID_MAX);
	if (tid == NULL)
		get_check_pid(id);
	else if (id == 0)
		errx(1, "get: task 0 is the kernel's idle task, not a thread "
		    "with counters: give a running thread's id");
	if ((tg = taskget_open(e, sizeof(e))) == NULL)
		errx(1, "get: %s", e);
	rc = tid != NULL ? get_thread(ctx, tg, id) : get_process(ctx, tg, id);
	taskget_close(tg);
	return rc;
}
