-- Migration of a taskacct database from schema version 4 to 5, applied by
-- taskacctd in one transaction.  Each section below belongs to one change;
-- sql/schema.sql carries the same objects (tests/unit_schema checks that
-- version 1 plus every migration equals it).

-- Section: per-process totals at process end (proc_totals and its fill).
-- Per-process totals at process end (schema 5, issue 13): one row per
-- process that had several threads (a thread-group row, kind 1, follows its
-- end), its threads' totals as tools/procs.c sums them (procs_cols: sums,
-- rss the largest), so that a report per process never sums threads at
-- query time.  A single-threaded process has no row: its totals are its
-- end row's own.  taskacctd writes a row in the transaction of the
-- process's end and corrects it in that of a thread row arriving late.
CREATE TABLE proc_totals (
	id			INTEGER PRIMARY KEY, -- tasks.id: the end (kind 0, AGROUP)
	recv_time		INTEGER NOT NULL, -- that row's
	threads			INTEGER NOT NULL, -- thread rows summed, the end's included
	utime			INTEGER,
	stime			INTEGER,
	read_bytes		INTEGER,
	write_bytes		INTEGER,
	cpu_delay		INTEGER,
	blkio_delay		INTEGER,
	mem_delay		INTEGER,
	rss			INTEGER,	-- the largest
	csw			INTEGER
);

-- Section: ranked processes (per-hour top-K candidates of process lines).

-- Section: short-lived processes' parents and timeline buckets.

PRAGMA user_version = 5;
