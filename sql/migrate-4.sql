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

-- ranked: per-hour top-K candidates of top's ranked lists per exit (issue
-- 13).  `taskacct top --by MEASURE` per exit record ranks the thread rows
-- (kind 0) of a window by a built-in measure, largest first, then the
-- latest; the global top N of a window lies in the union of its whole
-- hours' top N plus the rows of its partial hours (its edges), for N up
-- to K = 100.  The view ranked_rows is the definition, one row per thread
-- row and measure: the measure's value as top computes it (NULL ranks
-- lowest), hour = recv_time / 3600000000.  For each measure and hour:
--   ranked_cuts   the hour's K-th largest value (NULL lowest), once the
--                 hour has K rows; no row: fewer than K rows so far
--   ranked_exits  the rows of the hour whose value is above its cut
--                 (fewer than K), or every row of an hour without a cut
-- so a row missing from ranked_exits is at most its hour's cut, and an
-- hour has at least K rows at least as large as its cut: only ties with
-- the cut are read from tasks (when the cut reaches the top N).
-- taskacctd keeps both exact in the transaction of the rows (src/ranked.c)
-- and, at a prune, deletes them up to the hour of its limit (or of the
-- oldest row left, if earlier): the query tool reads the hour of the
-- oldest row from the rows.  "count" is not
-- kept (every row ties: the newest rows of the window are its top).
CREATE VIEW ranked_rows AS
	SELECT 'cpu' AS measure, id, recv_time,
	    recv_time / 3600000000 AS hour, ac_utime + ac_stime AS value
	    FROM tasks WHERE kind = 0
	UNION ALL SELECT 'io', id, recv_time, recv_time / 3600000000,
	    coalesce(read_bytes, 0) + coalesce(write_bytes, 0)
	    FROM tasks WHERE kind = 0
	UNION ALL SELECT 'rss', id, recv_time, recv_time / 3600000000,
	    hiwater_rss FROM tasks WHERE kind = 0
	UNION ALL SELECT 'duration', id, recv_time, recv_time / 3600000000,
	    ac_etime FROM tasks WHERE kind = 0
	UNION ALL SELECT 'failed', id, recv_time, recv_time / 3600000000,
	    (ac_exitcode <> 0) FROM tasks WHERE kind = 0
	UNION ALL SELECT 'csw', id, recv_time, recv_time / 3600000000,
	    nvcsw + nivcsw FROM tasks WHERE kind = 0
	UNION ALL SELECT 'cpu-delay', id, recv_time, recv_time / 3600000000,
	    CASE WHEN cpu_delay_total <= ac_etime * 1010 + 1000000
		THEN cpu_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'blkio-delay', id, recv_time, recv_time / 3600000000,
	    CASE WHEN blkio_delay_total <= ac_etime * 1010 + 1000000
		THEN blkio_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'swapin-delay', id, recv_time, recv_time / 3600000000,
	    CASE WHEN swapin_delay_total <= ac_etime * 1010 + 1000000
		THEN swapin_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'reclaim-delay', id, recv_time,
	    recv_time / 3600000000,
	    CASE WHEN freepages_delay_total <= ac_etime * 1010 + 1000000
		THEN freepages_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'thrashing-delay', id, recv_time,
	    recv_time / 3600000000,
	    CASE WHEN thrashing_delay_total <= ac_etime * 1010 + 1000000
		THEN thrashing_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'compact-delay', id, recv_time,
	    recv_time / 3600000000,
	    CASE WHEN compact_delay_total <= ac_etime * 1010 + 1000000
		THEN compact_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'wpcopy-delay', id, recv_time, recv_time / 3600000000,
	    CASE WHEN wpcopy_delay_total <= ac_etime * 1010 + 1000000
		THEN wpcopy_delay_total END FROM tasks WHERE kind = 0
	UNION ALL SELECT 'irq-delay', id, recv_time, recv_time / 3600000000,
	    CASE WHEN irq_delay_total <= ac_etime * 1010 + 1000000
		THEN irq_delay_total END FROM tasks WHERE kind = 0;
CREATE TABLE ranked_cuts (
	measure			TEXT NOT NULL,	-- top's name of it
	hour			INTEGER NOT NULL,
	value			INTEGER,	-- the K-th largest, NULL lowest
	PRIMARY KEY (measure, hour)
) WITHOUT ROWID;
CREATE TABLE ranked_exits (
	measure			TEXT NOT NULL,
	hour			INTEGER NOT NULL,
	id			INTEGER NOT NULL, -- tasks.id
	recv_time		INTEGER NOT NULL,
	value			INTEGER,
	PRIMARY KEY (measure, hour, id)
) WITHOUT ROWID;
-- ranked: fill.  The candidates of the rows already there, as taskacctd
-- keeps them: the cut is the K-th largest value (K = 100) of an hour of at
-- least K rows; the rows above it (or all, without a cut) are candidates.
INSERT INTO ranked_cuts (measure, hour, value)
	SELECT measure, hour, value FROM (SELECT measure, hour, value,
	    row_number() OVER (PARTITION BY measure, hour
	    ORDER BY value DESC) AS rn FROM ranked_rows) WHERE rn = 100;
INSERT INTO ranked_exits (measure, hour, id, recv_time, value)
	SELECT r.measure, r.hour, r.id, r.recv_time, r.value
	FROM ranked_rows r LEFT JOIN ranked_cuts c
	    ON c.measure = r.measure AND c.hour = r.hour
	WHERE c.hour IS NULL OR (r.value IS NOT NULL AND
	    (c.value IS NULL OR r.value > c.value));
-- ranked: end.

-- Section: leaner rows (indexes, packed columns).

-- Section: identity values no longer referenced (retention).
-- last_used: when a tasks row last pointed at the value (us since the
-- epoch, at the insert; taskacctd moves it forward at most once a minute,
-- src/identstore.c), so that retention can delete the values no row left
-- points at without scanning tasks.  Values no row points at now get 0.
ALTER TABLE cmdlines ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exes ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cgroups ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cmdlines_last_used ON cmdlines(last_used);
CREATE INDEX exes_last_used ON exes(last_used);
CREATE INDEX cgroups_last_used ON cgroups(last_used);
UPDATE cmdlines SET last_used = u.t FROM (SELECT args_id AS id,
	max(recv_time) AS t FROM tasks WHERE args_id IS NOT NULL
	GROUP BY args_id) AS u WHERE u.id = cmdlines.id;
UPDATE exes SET last_used = u.t FROM (SELECT exe_id AS id,
	max(recv_time) AS t FROM tasks WHERE exe_id IS NOT NULL
	GROUP BY exe_id) AS u WHERE u.id = exes.id;
UPDATE cgroups SET last_used = u.t FROM (SELECT cgroup_id AS id,
	max(recv_time) AS t FROM tasks WHERE cgroup_id IS NOT NULL
	GROUP BY cgroup_id) AS u WHERE u.id = cgroups.id;

PRAGMA user_version = 4;
