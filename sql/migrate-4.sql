-- Migration of a taskacct database from schema version 3 to 4, applied by
-- taskacctd in one transaction.  Each section below belongs to one change;
-- sql/schema.sql carries the same objects (tests/unit_schema checks that
-- version 1 plus every migration equals it).

-- Section: rollups at every scale (hour and day levels, per-hour top-K
-- candidates, per-process totals).

-- levels: the rollups by hour and by day (v4), so that a report over a
-- week reads a few hundred rows, not every minute.  An hour is minute / 60,
-- a day (UTC) minute / 1440: hours and days hold the sums of minutes over
-- them (rss_max the largest), hour_parents and day_parents those of
-- minute_parents with the first and last minute of the parent's process
-- ends (short names the parent from them).  taskacctd keeps them in the
-- same transaction as the rows; retention drops the hours and days before
-- the oldest row's and sums that hour and day again from the minutes kept.
-- A window is read as whole days, whole hours, whole minutes and its
-- sub-minute edges from rollup_rows (tools/rollup.c).
CREATE TABLE hours (
	hour			INTEGER NOT NULL,
	ac_comm			TEXT NOT NULL,
	ac_uid			INTEGER NOT NULL,
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
	irq_delay		INTEGER NOT NULL,
	PRIMARY KEY (hour, ac_comm, ac_uid)
) WITHOUT ROWID;
CREATE TABLE days (
	day			INTEGER NOT NULL,
	ac_comm			TEXT NOT NULL,
	ac_uid			INTEGER NOT NULL,
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
	irq_delay		INTEGER NOT NULL,
	PRIMARY KEY (day, ac_comm, ac_uid)
) WITHOUT ROWID;
CREATE TABLE hour_parents (
	hour			INTEGER NOT NULL,
	ac_ppid			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	minute_first		INTEGER NOT NULL, -- of its first process end
	minute_last		INTEGER NOT NULL, -- of its last
	PRIMARY KEY (hour, ac_ppid)
) WITHOUT ROWID;
CREATE TABLE day_parents (
	day			INTEGER NOT NULL,
	ac_ppid			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL,
	minute_first		INTEGER NOT NULL, -- of its first process end
	minute_last		INTEGER NOT NULL, -- of its last
	PRIMARY KEY (day, ac_ppid)
) WITHOUT ROWID;

-- levels: the hours and days of the rollups already there.
INSERT INTO hours SELECT minute / 60, ac_comm, ac_uid, sum(tasks),
    sum(procs), sum(failed), sum(short_procs), sum(etime), sum(utime),
    sum(stime), sum(rss_sum), max(rss_max), sum(read_bytes),
    sum(write_bytes), sum(cpu_delay), sum(blkio_delay), sum(swapin_delay),
    sum(freepages_delay), sum(thrashing_delay), sum(compact_delay),
    sum(wpcopy_delay), sum(irq_delay) FROM minutes GROUP BY minute / 60,
    ac_comm, ac_uid;
INSERT INTO days SELECT hour / 24, ac_comm, ac_uid, sum(tasks), sum(procs),
    sum(failed), sum(short_procs), sum(etime), sum(utime), sum(stime),
    sum(rss_sum), max(rss_max), sum(read_bytes), sum(write_bytes),
    sum(cpu_delay), sum(blkio_delay), sum(swapin_delay),
    sum(freepages_delay), sum(thrashing_delay), sum(compact_delay),
    sum(wpcopy_delay), sum(irq_delay) FROM hours GROUP BY hour / 24,
    ac_comm, ac_uid;
INSERT INTO hour_parents SELECT minute / 60, ac_ppid, sum(procs),
    sum(short_procs), min(minute), max(minute) FROM minute_parents GROUP BY
    minute / 60, ac_ppid;
INSERT INTO day_parents SELECT hour / 24, ac_ppid, sum(procs),
    sum(short_procs), min(minute_first), max(minute_last) FROM hour_parents
    GROUP BY hour / 24, ac_ppid;

-- Section: leaner rows (indexes, packed columns).

-- Section: identity values no longer referenced (retention).

PRAGMA user_version = 4;
