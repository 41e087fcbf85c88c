/*
 * export_db.c: what `taskacct export` reads.  Owns the exported columns
 * (one list: the fixed identity and bookkeeping columns around the field
 * table's, each with its ClickHouse type, so that the JSON rows and
 * contrib/clickhouse/schema.sql cannot drift), opening the database for
 * one batch at a time, naming it, and turning a batch of rows into JSON
 * lines through output.c, the escaping of --format json.
 *
 * A database is named by its first run (boot id, start time, host name):
 * the runs table is never pruned, a copy of the file keeps the name, and
 * a rotation (SIGHUP) starts a new file with a run of its own.  Boot ids
 * are random per boot and host, so (db, id) names a row across hosts,
 * reboots, PID reuse and rotations.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "export.h"
#include "fields.h"
#include "output.h"
#include "taskacct.h"

#define EXPORT_BUSY_TIMEOUT_MS	2000
#define EXPORT_SCHEMA_MIN	1
#define EXPORT_COLS_MAX		(TS_FIELDS_MAX + 32)
#define FNV64_OFFSET		UINT64_C(0xcbf29ce484222325)
#define FNV64_PRIME		UINT64_C(0x100000001b3)

/* How a column's value is written. */
enum xt {
	XT_INT,		/* signed integer */
	XT_UINT,	/* unsigned 64-bit (the kernel's u64 counters) */
	XT_TEXT,	/* text or bytes, escaped */
	XT_HEX,		/* bytes, as hex text */
	XT_DB,		/* the database's name (no column) */
};

struct xcol {
	const char	*name;		/* JSON key, ClickHouse column */
	const char	*expr;		/* SQL; NULL: t.name */
	enum xt		 type;
	const char	*ch;		/* ClickHouse type */
	int		 v3;		/* only in schema 3 and later */
};

/* Before the fields (the row's identity and bookkeeping)... */
static const struct xcol task_head[] = {
	{ "db", NULL, XT_DB, "FixedString(16)", 0 },
	{ "id", "t.id", XT_INT, "UInt64", 0 },
	{ "host", "coalesce(r.hostname, '')", XT_TEXT,
	    "LowCardinality(String)", 0 },
	{ "boot_id", "coalesce(r.boot_id, '')", XT_TEXT,
	    "LowCardinality(String)", 0 },
	{ "run_id", "t.run_id", XT_INT, "UInt32", 0 },
	{ "recv_time", "t.recv_time", XT_INT, "Int64", 0 },
	{ "kind", "t.kind", XT_INT, "UInt8", 0 },
	{ "task_id", "t.task_id", XT_INT, "UInt32", 0 },
	{ "link_id", "t.link_id", XT_INT, "Nullable(UInt64)", 0 },
	{ "ts_len", "t.ts_len", XT_INT, "UInt16", 0 },
};
/* ...and after them (schema 3: who the task was, resolved). */
static const struct xcol task_tail[] = {
	{ "tail", "t.tail", XT_HEX, "Nullable(String)", 0 },
	{ "sampled", "t.sampled", XT_INT, "Nullable(UInt8)", 1 },
	{ "args_id", "t.args_id", XT_INT, "Nullable(UInt64)", 1 },
	{ "exe_id", "t.exe_id", XT_INT, "Nullable(UInt64)", 1 },
	{ "cgroup_id", "t.cgroup_id", XT_INT, "Nullable(UInt64)", 1 },
	{ "ident_src", "t.ident_src", XT_INT, "Nullable(UInt8)", 1 },
	{ "args", "c.args", XT_TEXT, "Nullable(String)", 1 },
	{ "exe", "e.path", XT_TEXT, "LowCardinality(Nullable(String))", 1 },
	{ "cgroup", "g.path", XT_TEXT, "LowCardinality(Nullable(String))", 1 },
	{ "unit", "g.unit", XT_TEXT, "LowCardinality(Nullable(String))", 1 },
	{ "container", "g.container", XT_TEXT, "Nullable(String)", 1 },
	{ "pod", "g.pod", XT_TEXT, "Nullable(String)", 1 },
};
static const struct xcol loss_cols[] = {
	{ "db", NULL, XT_DB, "FixedString(16)", 0 },
	{ "id", "l.id", XT_INT, "UInt64", 0 },
	{ "host", "coalesce(r.hostname, '')", XT_TEXT,
	    "LowCardinality(String)", 0 },
	{ "boot_id", "coalesce(r.boot_id, '')", XT_TEXT,
	    "LowCardinality(String)", 0 },
	{ "run_id", "l.run_id", XT_INT, "UInt32", 0 },
	{ "time", "l.time", XT_INT, "Int64", 0 },
	{ "kind", "l.kind", XT_TEXT, "LowCardinality(String)", 0 },
	{ "records", "l.records", XT_INT, "Nullable(UInt64)", 0 },
	{ "detail", "l.detail", XT_TEXT, "Nullable(String)", 0 },
};
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The ClickHouse type of a field of the field table, by its type. */
static const char *const field_ch[] = {
	[FT_U8] = "Nullable(UInt8)",
	[FT_U16] = "Nullable(UInt16)",
	[FT_U32] = "Nullable(UInt32)",
	[FT_U64] = "Nullable(UInt64)",
	[FT_COMM] = "LowCardinality(Nullable(String))",
	[FT_TIMESPEC] = "Nullable(Int64)",	/* ns since the epoch */
};

struct export_src {
	sqlite3			*db;
	int			 schema;
	struct export_ident	 ident;
};

/* The exported columns of a stream, in order. */
static size_t
xcols(enum export_stream s, struct xcol *c)
{
	const struct ts_field	*f;
	size_t			 n = 0, i;

	if (s == EXPORT_LOSSES) {
		memcpy(c, loss_cols, sizeof(loss_cols));
		return NELEM(loss_cols);
	}
	for (i = 0; i < NELEM(task_head); i++)
		c[n++] = task_head[i];
	for (i = 0; i < ts_nfields; i++) {
		f = &ts_fields[i];
		c[n++] = (struct xcol){ f->name, NULL,
		    f->type == FT_COMM ? XT_TEXT : f->type == FT_U64 ?
		    XT_UINT : XT_INT, field_ch[f->type], 0 };
	}
	for (i = 0; i < NELEM(task_tail); i++)
		c[n++] = task_tail[i];
	return n;
}

void
export_buf_add(struct export_buf *b, const void *p, size_t len)
{
	size_t	 size;

	if (b->len + len + 1 > b->size) {
		size = (b->len + len + 1) * 2;
		if ((b->p = realloc(b->p, size)) == NULL)
			err(1, NULL);
		b->size = size;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
export_buf_free(struct export_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->size = 0;
}

static int
pragma_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;

	while (len-- > 0)
		h = (h ^ *c++) * FNV64_PRIME;
	return h;
}

/*
 * The name of the database from its first run; 0 with an empty name if it
 * has no run yet (the recorder writes one before any row).
 */
static int
src_name(struct export_src *src, char *ebuf, size_t errlen)
{
	sqlite3_stmt	*s;
	const char	*t;
	char		 num[24];
	uint64_t	 h = FNV64_OFFSET;
	int		 rc, i;

	src->ident.db[0] = '\0';
	if (sqlite3_prepare_v2(src->db, "SELECT boot_id, start_time, "
	    "hostname FROM runs ORDER BY id LIMIT 1", -1, &s, NULL) !=
	    SQLITE_OK) {
		snprintf(ebuf, errlen, "%s", sqlite3_errmsg(src->db));
		return -1;
	}
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		src->ident.start = sqlite3_column_int64(s, 1);
		for (i = 0; i < 3; i++) {
			if (i == 1) {
				snprintf(num, sizeof(num), "%" PRId64,
				    (int64_t)sqlite3_column_int64(s, 1));
				t = num;
			} else if ((t = (const char *)sqlite3_column_text(s,
			    i)) == NULL)
				t = "";
			h = fnv1a(h, t, strlen(t) + 1);
		}
		snprintf(src->ident.db, sizeof(src->ident.db), "%016" PRIx64,
		    h);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(ebuf, errlen, "%s", sqlite3_errmsg(src->db));
		return -1;
	}
	return 0;
}

/* Is the database this build reads (as taskacct.c's db_check)? */
static int
src_check(struct export_src *src, const char *path, char *ebuf,
    size_t errlen)
{
	int64_t	 id = 0, version = 0;
	int	 rc;

	rc = pragma_int(src->db, "PRAGMA application_id", &id);
	if (rc == SQLITE_OK)
		rc = pragma_int(src->db, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK) {
		snprintf(ebuf, errlen, "cannot read %s: %s", path,
		    sqlite3_errmsg(src->db));
		return -1;
	}
	if (id != TASKACCT_APPLICATION_ID || version < EXPORT_SCHEMA_MIN ||
	    version > TASKACCT_SCHEMA_VERSION) {
		snprintf(ebuf, errlen, "%s is not a taskacct database of "
		    "schema version %d to %d (application_id %" PRId64
		    ", version %" PRId64 ")", path, EXPORT_SCHEMA_MIN,
		    TASKACCT_SCHEMA_VERSION, id, version);
		return -1;
	}
	src->schema = (int)version;
	return 0;
}

/*
 * Open the database at path read-only, for one batch: the caller closes
 * it before it delivers, so that no snapshot is held while a consumer or
 * a server is slow.  NULL with err set on failure; errno ENOENT when
 * nothing is at the path (a rotation between its mv and its SIGHUP).
 */
struct export_src *
export_src_open(const char *path, int quiet_enoent, char *ebuf,
    size_t errlen)
{
	struct export_src	*src;
	struct stat		 sb;

	(void)quiet_enoent;
	if (stat(path, &sb) == -1) {
		snprintf(ebuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(ebuf, errlen, "%s is not a regular file", path);
		errno = EINVAL;
		return NULL;
	}
	if ((src = calloc(1, sizeof(*src))) == NULL)
		err(1, NULL);
	src->ident.dev = sb.st_dev;
	src->ident.ino = sb.st_ino;
	if (sqlite3_open_v2(path, &src->db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(ebuf, errlen, "cannot open %s: %s", path,
		    src->db != NULL ? sqlite3_errmsg(src->db) : "no memory");
		goto fail;
	}
	sqlite3_busy_timeout(src->db, EXPORT_BUSY_TIMEOUT_MS);
	sqlite3_db_config(src->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (src_check(src, path, ebuf, errlen) == -1 ||
	    src_name(src, ebuf, errlen) == -1)
		goto fail;
	errno = 0;
	return src;
fail:
	export_src_close(src);
	errno = EINVAL;
	return NULL;
}

void
export_src_close(struct export_src *src)
{
	sqlite3_stmt	*s;

	if (src == NULL)
		return;
	if (src->db != NULL) {
		while ((s = sqlite3_next_stmt(src->db, NULL)) != NULL)
			sqlite3_finalize(s);
		sqlite3_close(src->db);
	}
	free(src);
}

const struct export_ident *
export_src_ident(const struct export_src *src)
{
	return &src->ident;
}

/* The open database and its schema version, for a caller's own queries
   (last --follow); it stays export_src_close's to close. */
sqlite3 *
export_src_db(const struct export_src *src)
{
	return src->db;
}

int
export_src_schema(const struct export_src *src)
{
	return src->schema;
}

/* Whether path starts like an SQLite database (before SQLite opens it). */
static int
looks_sqlite(const char *path)
{
	char	 head[16];
	FILE	*fp;
	int	 ok;

	if ((fp = fopen(path, "rbe")) == NULL)
		return 0;
	ok = fread(head, 1, sizeof(head), fp) == sizeof(head) &&
	    memcmp(head, "SQLite format 3", 16) == 0;
	fclose(fp);
	return ok;
}

/*
 * A database rotated away before the export reached it: of the taskacct
 * databases beside path, the one whose first run started first after
 * "after" and before "before" (rotation starts each new file with a run
 * of its own); NULL if there is none.
 */
char *
export_find_next(const char *path, int64_t after, int64_t before)
{
	struct export_src	*src;
	struct dirent		*de;
	struct stat		 sb;
	DIR			*d;
	char			*copy, *dir, *best = NULL, name[PATH_MAX], e[256];
	int64_t			 t, best_t = before;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	dir = dirname(copy);
	if ((d = opendir(dir)) == NULL) {
		free(copy);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (snprintf(name, sizeof(name), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(name) || lstat(name, &sb) == -1 ||
		    !S_ISREG(sb.st_mode) || !looks_sqlite(name) ||
		    (src = export_src_open(name, 1, e, sizeof(e))) == NULL)
			continue;
		t = src->ident.start;
		if (src->ident.db[0] != '\0' && t > after && t < best_t) {
			free(best);
			best = strdup(name);
			best_t = t;
		}
		export_src_close(src);
	}
	closedir(d);
	free(copy);
	return best;
}

/* The SELECT of a stream's rows after ?1, at most ?2 of them. */
static char *
select_sql(const struct export_src *src, enum export_stream s,
    const struct xcol *c, size_t n)
{
	struct export_buf	 b = { NULL, 0, 0 };
	char			 e[128];
	size_t			 i;
	int			 v3 = src->schema >= 3;

	export_buf_add(&b, "SELECT ", 7);
	for (i = 0; i < n; i++) {
		if (c[i].type == XT_DB)
			snprintf(e, sizeof(e), "NULL");
		else if (c[i].v3 && !v3)
			snprintf(e, sizeof(e), "NULL");
		else if (c[i].expr != NULL)
			snprintf(e, sizeof(e), "%s", c[i].expr);
		else
			snprintf(e, sizeof(e), "t.\"%s\"", c[i].name);
		export_buf_add(&b, e, strlen(e));
		export_buf_add(&b, i + 1 < n ? ", " : " ", i + 1 < n ? 2 : 1);
	}
	if (s == EXPORT_LOSSES) {
		snprintf(e, sizeof(e), "FROM losses l LEFT JOIN runs r ON "
		    "r.id = l.run_id WHERE l.id > ?1 ORDER BY l.id LIMIT ?2");
		export_buf_add(&b, e, strlen(e));
		return b.p;
	}
	snprintf(e, sizeof(e), "FROM tasks t LEFT JOIN runs r ON "
	    "r.id = t.run_id ");
	export_buf_add(&b, e, strlen(e));
	if (v3) {
		snprintf(e, sizeof(e), "LEFT JOIN cmdlines c ON c.id = "
		    "t.args_id LEFT JOIN exes e ON e.id = t.exe_id ");
		export_buf_add(&b, e, strlen(e));
		snprintf(e, sizeof(e), "LEFT JOIN cgroups g ON g.id = "
		    "t.cgroup_id ");
		export_buf_add(&b, e, strlen(e));
	}
	snprintf(e, sizeof(e), "WHERE t.id > ?1 ORDER BY t.id LIMIT ?2");
	export_buf_add(&b, e, strlen(e));
	return b.p;
}

/* Column i of the current row as c says it is written. */
static void
xvalue(sqlite3_stmt *s, int i, const struct xcol *c, const char *db,
    struct output_value *v)
{
	int	 t = sqlite3_column_type(s, i);

	memset(v, 0, sizeof(*v));
	v->type = OV_NULL;
	switch (c->type) {
	case XT_DB:
		v->type = OV_TEXT;
		v->p = db;
		v->len = strlen(db);
		break;
	case XT_INT:
	case XT_UINT:
		/* Anything but an integer (a damaged row) is null: a
		   server must never refuse a batch for one value. */
		if (t == SQLITE_INTEGER) {
			v->type = c->type == XT_UINT ? OV_UINT : OV_INT;
			v->i = sqlite3_column_int64(s, i);
		}
		break;
	case XT_TEXT:
	case XT_HEX:
		if (t == SQLITE_NULL)
			break;
		v->type = c->type == XT_HEX ? OV_BLOB : OV_TEXT;
		v->p = sqlite3_column_blob(s, i);
		v->len = sqlite3_column_bytes(s, i);
		if (v->p == NULL)
			v->p = "";
		break;
	}
}

/*
 * Append up to max rows of stream s after id "after" to out as JSON lines;
 * *last is the id of the last one, *nrows their number.  -1 with err set
 * when the database cannot be read.
 */
int
export_read(struct export_src *src, enum export_stream s, int64_t after,
    int max, struct export_buf *out, int64_t *last, int *nrows, char *ebuf,
    size_t errlen)
{
	struct xcol		 c[EXPORT_COLS_MAX];
	struct output_value	 v[EXPORT_COLS_MAX];
	const char		*names[EXPORT_COLS_MAX];
	struct output		*o;
	sqlite3_stmt		*st;
	FILE			*mem;
	char			*sql, *p = NULL;
	size_t			 n, i, len = 0;
	int			 rc;

	*nrows = 0;
	n = xcols(s, c);
	sql = select_sql(src, s, c, n);
	rc = sqlite3_prepare_v2(src->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		snprintf(ebuf, errlen, "reading the database: %s",
		    sqlite3_errmsg(src->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	if ((mem = open_memstream(&p, &len)) == NULL)
		err(1, NULL);
	o = output_open(mem, OUTPUT_JSONL, 0, 0);
	for (i = 0; i < n; i++)
		names[i] = c[i].name;
	output_begin(o, n, names);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			xvalue(st, (int)i, &c[i], src->ident.db, &v[i]);
		output_row(o, v);
		*last = sqlite3_column_int64(st, 1);
		(*nrows)++;
	}
	sqlite3_finalize(st);
	if (output_close(o) == -1 || fclose(mem) == EOF)
		err(1, "export: formatting rows");
	if (rc == SQLITE_DONE)
		export_buf_add(out, p, len);
	free(p);
	if (rc != SQLITE_DONE) {
		snprintf(ebuf, errlen, "reading the database: %s",
		    sqlite3_errmsg(src->db));
		return -1;
	}
	return 0;
}

/*
 * --since: the position just before the first row of stream s received
 * at or after t (the rows that follow it are exported whatever their
 * time); after every row when none is.
 */
int
export_first_since(struct export_src *src, int64_t t, int64_t *pos,
    char *ebuf, size_t errlen)
{
	static const char *const sql[EXPORT__NSTREAMS] = {
		[EXPORT_TASKS] = "SELECT coalesce((SELECT min(id) - 1 FROM "
		    "tasks WHERE recv_time >= ?1), (SELECT max(id) FROM "
		    "tasks), 0)",
		[EXPORT_LOSSES] = "SELECT coalesce((SELECT min(id) - 1 FROM "
		    "losses WHERE time >= ?1), (SELECT max(id) FROM losses), "
		    "0)",
	};
	enum export_stream	 s;
	sqlite3_stmt		*st;

	for (s = 0; s < EXPORT__NSTREAMS; s++) {
		if (sqlite3_prepare_v2(src->db, sql[s], -1, &st, NULL) !=
		    SQLITE_OK) {
			snprintf(ebuf, errlen, "reading the database: %s",
			    sqlite3_errmsg(src->db));
			return -1;
		}
		sqlite3_bind_int64(st, 1, t);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(ebuf, errlen, "reading the database: %s",
			    sqlite3_errmsg(src->db));
			sqlite3_finalize(st);
			return -1;
		}
		pos[s] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return 0;
}

/*
 * The ClickHouse tables for what export sends, from the same column list:
 * contrib/clickhouse/schema.sql is this output (a test checks).  One
 * table per stream, ReplacingMergeTree keyed on (db, id), so that a batch
 * sent again after a kill collapses: SELECT ... FINAL counts each row
 * once.  Partitioned by day; ordered by host first, for per-host
 * questions.
 */
static void
schema_table(FILE *fp, enum export_stream s, const char *name,
    const char *timecol, const char *extra)
{
	struct xcol	 c[EXPORT_COLS_MAX];
	size_t		 n, i;

	n = xcols(s, c);
	fprintf(fp, "CREATE TABLE IF NOT EXISTS taskacct.%s\n(\n", name);
	for (i = 0; i < n; i++)
		fprintf(fp, "    %s %s,\n", c[i].name, c[i].ch);
	fprintf(fp, "    event_time DateTime MATERIALIZED "
	    "toDateTime(intDiv(%s, 1000000))%s\n", timecol, extra);
	fprintf(fp, ")\nENGINE = ReplacingMergeTree()\n"
	    "PARTITION BY toDate(event_time)\n"
	    "ORDER BY (host, db, id, %s);\n", timecol);
}

void
export_schema_print(FILE *fp)
{
	fprintf(fp,
	    "-- ClickHouse tables for `taskacct export --to`.  Generated by\n"
	    "-- `taskacct export --clickhouse-schema` from the exported "
	    "columns\n"
	    "-- (the field table): do not edit, regenerate.\n"
	    "--\n"
	    "-- ReplacingMergeTree keyed on (db, id): a batch sent again "
	    "after a\n"
	    "-- kill collapses at merges; count with FINAL for exact "
	    "figures.\n"
	    "-- LowCardinality needs the setting below on 18.16; current "
	    "releases\n"
	    "-- have it on by default and accept (ignore) the setting.\n"
	    "SET allow_experimental_low_cardinality_type = 1;\n\n"
	    "CREATE DATABASE IF NOT EXISTS taskacct;\n\n"
	    "-- One row per task exit record: every column of the tasks "
	    "table,\n"
	    "-- times in us (recv_time), ns (delays), s (ac_btime) as there;\n"
	    "-- the command line, executable and cgroup resolved (args: "
	    "each\n"
	    "-- argument NUL-terminated).\n");
	schema_table(fp, EXPORT_TASKS, "tasks", "recv_time",
	    ",\n    exit_code UInt8 ALIAS "
	    "bitAnd(bitShiftRight(assumeNotNull(ac_exitcode), 8), 255),\n"
	    "    exit_signal UInt8 ALIAS "
	    "bitAnd(assumeNotNull(ac_exitcode), 127),\n"
	    "    core_dumped UInt8 ALIAS "
	    "bitAnd(bitShiftRight(assumeNotNull(ac_exitcode), 7), 1)");
	fprintf(fp, "\n-- What each recorder knows it did not record (the "
	    "losses table).\n");
	schema_table(fp, EXPORT_LOSSES, "losses", "time", "");
}
