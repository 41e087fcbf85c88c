-- Migration of a taskacct database from schema version 3 to 4, applied by
-- taskacctd in one transaction.  Each section below belongs to one change;
-- sql/schema.sql carries the same objects (tests/unit_schema checks that
-- version 1 plus every migration equals it).

-- Section: rollups at every scale (hour and day levels, per-hour top-K
-- candidates, per-process totals).

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

PRAGMA user_version = 4;
