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

-- ptotals: fill.  The totals of the processes already there, matched as
-- tools/procs.c matches them (procs_th): a process ends with a kind 0 row
-- followed by its group row (id + 1, link_id); its threads are the kind 0
-- rows of the same boot with its ac_tgid whose leader start (PROCS_LSTART)
-- is within PROC_START_TOL_US (1 s) of its own, received from that start
-- less 1 s to 1 s (PROC_SLACK_US) after its end; of the rows with AGROUP,
-- only its own (another is a process of its own: its id reused within a
-- second, which procs.c's window reports leave out too, as taskacctd
-- does).  One pass over tasks for
-- the ends, one for their tgids' rows, then a join on a temporary index
-- (about 4 s on 10M generated rows: tools/dev/bench-cli.sh).
CREATE TEMP TABLE pt_g AS
	SELECT g.id, g.run_id, g.recv_time, g.ac_tgid AS tgid,
	    (min(g.recv_time, (coalesce(g.ac_btime64, g.ac_btime) + g.ac_etime / 1000000 + 1) * 1000000 - 1) - g.ac_tgetime) AS lstart
	FROM tasks x JOIN tasks g ON g.id = x.link_id
	WHERE x.kind = 1 AND x.link_id = x.id - 1 AND g.kind = 0 AND
	    g.ac_tgid IS NOT NULL AND (min(g.recv_time, (coalesce(g.ac_btime64, g.ac_btime) + g.ac_etime / 1000000 + 1) * 1000000 - 1) - g.ac_tgetime) IS NOT NULL;
CREATE TEMP TABLE pt_t AS
	SELECT t.run_id, t.recv_time, t.ac_tgid AS tgid, (min(t.recv_time, (coalesce(t.ac_btime64, t.ac_btime) + t.ac_etime / 1000000 + 1) * 1000000 - 1) - t.ac_tgetime) AS lstart,
	    t.ac_utime AS utime, t.ac_stime AS stime, t.read_bytes,
	    t.write_bytes, (CASE WHEN t.cpu_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.cpu_delay_total END) AS cpu_delay, (CASE WHEN t.blkio_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.blkio_delay_total END) AS blkio_delay,
	    coalesce((CASE WHEN t.swapin_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.swapin_delay_total END), 0) + coalesce((CASE WHEN t.freepages_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.freepages_delay_total END), 0) + coalesce((CASE WHEN t.thrashing_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.thrashing_delay_total END), 0) +
	    coalesce((CASE WHEN t.compact_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.compact_delay_total END), 0) + coalesce((CASE WHEN t.wpcopy_delay_total <= t.ac_etime * 1010 + 1000000 THEN t.wpcopy_delay_total END), 0) AS mem_delay,
	    t.hiwater_rss AS rss, t.nvcsw + t.nivcsw AS csw
	FROM tasks t
	WHERE t.kind = 0 AND (t.ac_flag & @TS_AGROUP@ = 0 OR
	    t.id IN (SELECT id FROM pt_g)) AND
	    t.ac_tgid IN (SELECT tgid FROM pt_g);
CREATE INDEX temp.pt_t_tgid ON pt_t (tgid, recv_time);
INSERT INTO proc_totals (id, recv_time, threads, utime, stime, read_bytes,
    write_bytes, cpu_delay, blkio_delay, mem_delay, rss, csw)
	SELECT g.id, g.recv_time, count(*), sum(t.utime), sum(t.stime),
	    sum(t.read_bytes), sum(t.write_bytes), sum(t.cpu_delay),
	    sum(t.blkio_delay), sum(t.mem_delay), max(t.rss), sum(t.csw)
	FROM pt_g g JOIN pt_t t ON t.tgid = g.tgid AND
	    t.recv_time BETWEEN g.lstart - 1000000 AND g.recv_time + 1000000
	WHERE (t.run_id = g.run_id OR (SELECT boot_id FROM runs WHERE
	    id = t.run_id) = (SELECT boot_id FROM runs WHERE id = g.run_id))
	    AND t.lstart BETWEEN g.lstart - 1000000 AND g.lstart + 1000000
	GROUP BY g.id;
DROP TABLE temp.pt_g;
DROP TABLE temp.pt_t;
-- ptotals: end.

-- Section: ranked processes (per-hour top-K candidates of process lines).

-- Section: short-lived processes' parents and timeline buckets.
-- levels2: what short and timeline read over long windows (issue 13).
-- short ranks parents by their short-lived children, summed over the
-- window's days, hours, minutes and edge rows: hour_parents_short and
-- day_parents_short give each whole hour's and day's parents largest
-- first, so short reads the top few of each and the bound of the rest
-- (tools/short_parents.c) and sums exactly only the parents that can
-- rank.  hour_commands and day_commands are the process ends and the
-- short-lived ones of each hour and day per command (every user summed),
-- for short's commands.  minute_totals, hour_totals and day_totals are
-- the sums of minutes, hours and days over every command and user
-- (rss_max the largest), one row per minute, hour and day, for
-- timeline's buckets without a filter.  taskacctd keeps them in the
-- transaction of the rows (src/store_levels.c); retention drops them as
-- it drops the minutes, hours and days they sum.
CREATE INDEX hour_parents_short ON hour_parents (hour, short_procs, procs,
    minute_first, minute_last);
CREATE INDEX day_parents_short ON day_parents (day, short_procs, procs,
    minute_first, minute_last);
CREATE TABLE hour_commands (
	hour			INTEGER NOT NULL,
	ac_comm			TEXT NOT NULL,
	procs			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	PRIMARY KEY (hour, ac_comm)
) WITHOUT ROWID;
CREATE TABLE day_commands (
	day			INTEGER NOT NULL,
	ac_comm			TEXT NOT NULL,
	procs			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	PRIMARY KEY (day, ac_comm)
) WITHOUT ROWID;
CREATE TABLE minute_totals (
	minute			INTEGER PRIMARY KEY,
	tasks			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	failed			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	etime			INTEGER NOT NULL,
	utime			INTEGER NOT NULL,
	stime			INTEGER NOT NULL,
	rss_sum			INTEGER NOT NULL,
	rss_max			INTEGER NOT NULL,
	read_bytes		INTEGER NOT NULL,
	write_bytes		INTEGER NOT NULL,
	cpu_delay		INTEGER NOT NULL,
	blkio_delay		INTEGER NOT NULL,
	swapin_delay		INTEGER NOT NULL,
	freepages_delay		INTEGER NOT NULL,
	thrashing_delay		INTEGER NOT NULL,
	compact_delay		INTEGER NOT NULL,
	wpcopy_delay		INTEGER NOT NULL,
	irq_delay		INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE hour_totals (
	hour			INTEGER PRIMARY KEY,
	tasks			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	failed			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	etime			INTEGER NOT NULL,
	utime			INTEGER NOT NULL,
	stime			INTEGER NOT NULL,
	rss_sum			INTEGER NOT NULL,
	rss_max			INTEGER NOT NULL,
	read_bytes		INTEGER NOT NULL,
	write_bytes		INTEGER NOT NULL,
	cpu_delay		INTEGER NOT NULL,
	blkio_delay		INTEGER NOT NULL,
	swapin_delay		INTEGER NOT NULL,
	freepages_delay		INTEGER NOT NULL,
	thrashing_delay		INTEGER NOT NULL,
	compact_delay		INTEGER NOT NULL,
	wpcopy_delay		INTEGER NOT NULL,
	irq_delay		INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE day_totals (
	day			INTEGER PRIMARY KEY,
	tasks			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	failed			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	etime			INTEGER NOT NULL,
	utime			INTEGER NOT NULL,
	stime			INTEGER NOT NULL,
	rss_sum			INTEGER NOT NULL,
	rss_max			INTEGER NOT NULL,
	read_bytes		INTEGER NOT NULL,
	write_bytes		INTEGER NOT NULL,
	cpu_delay		INTEGER NOT NULL,
	blkio_delay		INTEGER NOT NULL,
	swapin_delay		INTEGER NOT NULL,
	freepages_delay		INTEGER NOT NULL,
	thrashing_delay		INTEGER NOT NULL,
	compact_delay		INTEGER NOT NULL,
	wpcopy_delay		INTEGER NOT NULL,
	irq_delay		INTEGER NOT NULL
) WITHOUT ROWID;

-- levels2: fill.
INSERT INTO minute_totals SELECT minute, sum(tasks), sum(procs),
    sum(failed), sum(short_procs), sum(etime), sum(utime), sum(stime),
    sum(rss_sum), max(rss_max), sum(read_bytes), sum(write_bytes),
    sum(cpu_delay), sum(blkio_delay), sum(swapin_delay),
    sum(freepages_delay), sum(thrashing_delay), sum(compact_delay),
    sum(wpcopy_delay), sum(irq_delay) FROM minutes GROUP BY minute;
INSERT INTO hour_totals SELECT hour, sum(tasks), sum(procs), sum(failed),
    sum(short_procs), sum(etime), sum(utime), sum(stime), sum(rss_sum),
    max(rss_max), sum(read_bytes), sum(write_bytes), sum(cpu_delay),
    sum(blkio_delay), sum(swapin_delay), sum(freepages_delay),
    sum(thrashing_delay), sum(compact_delay), sum(wpcopy_delay),
    sum(irq_delay) FROM hours GROUP BY hour;
INSERT INTO day_totals SELECT day, sum(tasks), sum(procs), sum(failed),
    sum(short_procs), sum(etime), sum(utime), sum(stime), sum(rss_sum),
    max(rss_max), sum(read_bytes), sum(write_bytes), sum(cpu_delay),
    sum(blkio_delay), sum(swapin_delay), sum(freepages_delay),
    sum(thrashing_delay), sum(compact_delay), sum(wpcopy_delay),
    sum(irq_delay) FROM days GROUP BY day;
INSERT INTO hour_commands SELECT hour, ac_comm, sum(procs), sum(short_procs)
    FROM hours GROUP BY hour, ac_comm;
INSERT INTO day_commands SELECT day, ac_comm, sum(procs), sum(short_procs)
    FROM days GROUP BY day, ac_comm;
-- levels2: end.

PRAGMA user_version = 5;
