/*
 * metrics.c: what taskacctd's /metrics says, and the counters behind it.
 *
 * The writer thread feeds the workload counters (per command and per user,
 * src/metrics_top.c) and the stored-record count at each commit, through
 * atomics only; the scrape runs on the loop thread, which also owns the
 * listeners whose loss counters it reads, so it takes no lock, touches no
 * SQLite and costs O(series).  The health part reuses the notions of
 * `taskacct status`: records stored, losses by the kinds of the losses
 * table (kernel_drop, queue_full, malformed), the database and -wal sizes.
 */
#include <sys/stat.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fields.h"
#include "listener.h"
#include "metrics.h"
#include "metrics_int.h"
#include "queue.h"
#include "sysinfo.h"
#include "taskacct.h"

struct metrics *
metrics_new(size_t top)
{
	struct metrics	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->fd = -1;
	m->f_comm = ts_field_find("ac_comm");
	m->f_uid = ts_field_find("ac_uid");
	m->f_utime = ts_field_find("ac_utime");
	m->f_stime = ts_field_find("ac_stime");
	m->f_read = ts_field_find("read_bytes");
	m->f_write = ts_field_find("write_bytes");
	if ((m->comm = metrics_top_new(top)) == NULL ||
	    (m->user = metrics_top_new(top)) == NULL) {
		metrics_free(m);
		return NULL;
	}
	return m;
}

/* A field's value in the record, 0 when its version or length lacks it. */
static uint64_t
rec_u64(const struct ts_field *f, const struct ts_record *rec)
{
	if (f == NULL || !ts_field_present(f, rec->version, rec->len))
		return 0;
	return (uint64_t)ts_field_int(f, rec->raw, rec->version);
}

/*
 * Writer thread, per record written in the open transaction.  Only the
 * thread records count as exits: a group record sums the same threads.
 */
void
metrics_note_record(struct metrics *m, const struct ts_record *rec)
{
	uint64_t	 v[MV__COUNT];
	const char	*comm = "";
	char		 uid[16];
	size_t		 len = 0;

	if (m == NULL)
		return;
	m->pending_rows++;
	if (rec->kind != TASK_KIND_THREAD)
		return;
	if (ts_field_present(m->f_comm, rec->version, rec->len)) {
		comm = (const char *)rec->raw + ts_field_offset(m->f_comm,
		    rec->version);
		len = strnlen(comm, TS_COMM_LEN);
	}
	snprintf(uid, sizeof(uid), "%llu",
	    (unsigned long long)rec_u64(m->f_uid, rec));
	v[MV_EXITS] = 1;
	v[MV_UTIME_US] = rec_u64(m->f_utime, rec);
	v[MV_STIME_US] = rec_u64(m->f_stime, rec);
	v[MV_READ_BYTES] = rec_u64(m->f_read, rec);
	v[MV_WRITE_BYTES] = rec_u64(m->f_write, rec);
	metrics_top_add(m->comm, comm, len, v);
	metrics_top_add(m->user, uid, strlen(uid), v);
}

/* Writer thread: the transaction committed, at now_us. */
void
metrics_commit(struct metrics *m, int64_t now_us)
{
	if (m == NULL)
		return;
	metrics_top_commit(m->comm);
	metrics_top_commit(m->user);
	atomic_fetch_add_explicit(&m->records, m->pending_rows,
	    memory_order_relaxed);
	m->pending_rows = 0;
	atomic_store_explicit(&m->last_commit_us, now_us,
	    memory_order_relaxed);
}

/* Writer thread: rolled back; the records are written again later. */
void
metrics_abort(struct metrics *m)
{
	if (m == NULL)
		return;
	metrics_top_abort(m->comm);
	metrics_top_abort(m->user);
	m->pending_rows = 0;
}

/* The sampler's hook (h/sampler): one pass, over this many tasks. */
void
metrics_sample_pass(struct metrics *m, uint64_t tasks)
{
	if (m == NULL)
		return;
	atomic_fetch_add_explicit(&m->sampler.tasks, tasks,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sampler.passes, 1, memory_order_release);
}

/* --- the exposition ------------------------------------------------------ */

static void
family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static void
sample_u64(struct evbuffer *b, const char *name, uint64_t v)
{
	evbuffer_add_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* Microseconds as seconds, exactly. */
static void
sample_us(struct evbuffer *b, const char *name, const char *labels,
    uint64_t us)
{
	evbuffer_add_printf(b, "%s%s %llu.%06llu\n", name, labels,
	    (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
}

static int64_t
file_bytes(const char *path, const char *suffix)
{
	struct stat	 sb;
	char		 p[4096];

	if (path == NULL)
		return 0;
	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void
render_health(struct metrics *m, struct evbuffer *b)
{
	const struct metrics_sources *s = &m->src;
	const struct listener_stats *ls;
	uint64_t	 drops = 0, refused = 0, malformed = 0, received = 0;
	int64_t		 last;
	int		 i, n = s->nlisteners != NULL ? *s->nlisteners : 0, on;

	for (i = 0; i < n; i++) {
		ls = listener_stats(s->listeners[i]);
		drops += ls->drops;
		refused += ls->refused;
		malformed += ls->malformed;
		received += ls->records;
	}
	family(b, "taskacct_build_info", "gauge", "taskacctd version and the "
	    "database schema it writes");
	evbuffer_add_printf(b, "taskacct_build_info{version=\"%s\","
	    "schema=\"%d\"} 1\n", TASKACCT_VERSION, TASKACCT_SCHEMA_VERSION);
	family(b, "taskacct_start_time_seconds", "gauge", "when this run of "
	    "taskacctd started listening, seconds since the epoch");
	sample_us(b, "taskacct_start_time_seconds", "",
	    (uint64_t)s->start_time);
	family(b, "taskacct_records_total", "counter", "exit records stored "
	    "(committed rows of the tasks table, thread and group records) "
	    "by this run");
	sample_u64(b, "taskacct_records_total",
	    atomic_load_explicit(&m->records, memory_order_relaxed));
	family(b, "taskacct_received_records_total", "counter", "exit "
	    "records received from the kernel and queued for the writer");
	sample_u64(b, "taskacct_received_records_total", received);
	family(b, "taskacct_lost_records_total", "counter", "exit messages "
	    "lost: dropped by the kernel (receive buffer full), refused by "
	    "the full queue, or malformed");
	evbuffer_add_printf(b, "taskacct_lost_records_total{reason=\""
	    "kernel_drop\"} %llu\ntaskacct_lost_records_total{reason=\""
	    "queue_full\"} %llu\ntaskacct_lost_records_total{reason=\""
	    "malformed\"} %llu\n", (unsigned long long)drops,
	    (unsigned long long)refused, (unsigned long long)malformed);
	family(b, "taskacct_queue_length", "gauge", "records waiting for the "
	    "database writer");
	sample_u64(b, "taskacct_queue_length", queue_length(s->queue));
	family(b, "taskacct_queue_capacity", "gauge", "records the queue "
	    "holds (--queue)");
	sample_u64(b, "taskacct_queue_capacity", queue_capacity(s->queue));
	last = atomic_load_explicit(&m->last_commit_us, memory_order_relaxed);
	if (last > 0) {
		family(b, "taskacct_last_commit_time_seconds", "gauge", "time "
		    "of the last database commit, seconds since the epoch");
		sample_us(b, "taskacct_last_commit_time_seconds", "",
		    (uint64_t)last);
	}
	family(b, "taskacct_database_bytes", "gauge", "size of the database "
	    "file");
	sample_u64(b, "taskacct_database_bytes",
	    (uint64_t)file_bytes(s->db_path, ""));
	family(b, "taskacct_wal_bytes", "gauge", "size of the database's "
	    "-wal file");
	sample_u64(b, "taskacct_wal_bytes",
	    (uint64_t)file_bytes(s->db_path, "-wal"));
	if ((on = delayacct_get()) != -1) {
		family(b, "taskacct_delay_accounting_enabled", "gauge",
		    "kernel.task_delayacct: 1 when the delay columns are "
		    "filled");
		sample_u64(b, "taskacct_delay_accounting_enabled", on != 0);
	}
	family(b, "taskacct_metrics_connections", "gauge", "open connections "
	    "to this metrics server");
	sample_u64(b, "taskacct_metrics_connections", (uint64_t)m->conns);
}

static void
render_sampler(struct metrics *m, struct evbuffer *b)
{
	uint64_t	 passes;

	passes = atomic_load_explicit(&m->sampler.passes,
	    memory_order_acquire);
	if (passes == 0)
		return;
	family(b, "taskacct_sample_passes_total", "counter", "live sampling "
	    "passes over the running tasks");
	sample_u64(b, "taskacct_sample_passes_total", passes);
	family(b, "taskacct_sampled_tasks_total", "counter", "tasks read by "
	    "the live sampling passes");
	sample_u64(b, "taskacct_sampled_tasks_total",
	    atomic_load_explicit(&m->sampler.tasks, memory_order_relaxed));
}

/* One family of a table: every named row, then the other row. */
static void
render_table(struct metrics_top *t, struct evbuffer *b, const char *prefix,
    const char *label, enum metrics_val v)
{
	static const char *const what[MV__COUNT] = {
		[MV_EXITS] = "exits",
		[MV_UTIME_US] = "cpu_seconds",
		[MV_READ_BYTES] = "read_bytes",
		[MV_WRITE_BYTES] = "write_bytes",
	};
	static const char *const help[MV__COUNT] = {
		[MV_EXITS] = "task (thread) exits",
		[MV_UTIME_US] = "CPU time of exited tasks",
		[MV_READ_BYTES] = "bytes exited tasks read from storage",
		[MV_WRITE_BYTES] = "bytes exited tasks wrote to storage",
	};
	char		 name[96], text[512], esc[METRICS_LABEL_MAX];
	const char	*key;
	size_t		 r, n = metrics_top_rows(t), len;

	snprintf(name, sizeof(name), "taskacct_%s_%s_total", prefix, what[v]);
	snprintf(text, sizeof(text), "%s, by %s (the first %zu seen; the "
	    "rest as %s=\"" METRICS_OTHER "\")", help[v], label,
	    metrics_top_cap(t), label);
	family(b, name, "counter", text);
	for (r = 0; r <= n; r++) {
		if (r == n)
			r = metrics_top_cap(t);
		key = metrics_top_key(t, r, &len);
		if (r == metrics_top_cap(t))
			snprintf(esc, sizeof(esc), METRICS_OTHER);
		else
			metrics_label_escape(key, len, esc, sizeof(esc));
		if (v == MV_UTIME_US) {
			snprintf(text, sizeof(text), "{%s=\"%s\",mode=\"user\"}",
			    label, esc);
			sample_us(b, name, text,
			    metrics_top_value(t, r, MV_UTIME_US));
			snprintf(text, sizeof(text), "{%s=\"%s\",mode="
			    "\"system\"}", label, esc);
			sample_us(b, name, text,
			    metrics_top_value(t, r, MV_STIME_US));
		} else
			evbuffer_add_printf(b, "%s{%s=\"%s\"} %llu\n", name,
			    label, esc, (unsigned long long)
			    metrics_top_value(t, r, v));
	}
}

static void
render_workload(struct metrics *m, struct evbuffer *b)
{
	static const enum metrics_val vals[] = { MV_EXITS, MV_UTIME_US,
	    MV_READ_BYTES, MV_WRITE_BYTES };
	size_t	 i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		render_table(m->comm, b, "command", "comm", vals[i]);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		render_table(m->user, b, "user", "uid", vals[i]);
}

/* The whole text: O(series), no lock, no SQLite. */
void
metrics_render(struct metrics *m, struct evbuffer *b)
{
	if (m->src.queue != NULL)
		render_health(m, b);
	render_sampler(m, b);
	render_workload(m, b);
}
