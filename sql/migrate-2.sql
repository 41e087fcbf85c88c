-- Migration of a taskacct database from schema version 1 to 2, applied by
-- taskacctd in one transaction (with the version check) when it opens a
-- version 1 database.  Adds the children index used by `taskacct tree`
-- (and extends the pid index with the time, as show and tree look up a
-- pid's exits near a time),
-- the prunes table of retention and the per-minute rollups of the reports,
-- filled from the rows already there (see sql/schema.sql for their
-- meaning).
DROP INDEX tasks_pid;
CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time); -- children (v2)
CREATE TABLE prunes (
	id			INTEGER PRIMARY KEY,
	run_id			INTEGER NOT NULL REFERENCES runs(id),
	time			INTEGER NOT NULL,
	reason			TEXT NOT NULL,
	before_time		INTEGER, -- rows with recv_time < this are gone
	rows			INTEGER NOT NULL, -- tasks rows removed
	losses			INTEGER NOT NULL DEFAULT 0, -- losses rows removed
	bytes_freed		INTEGER, -- file bytes given back (incremental vacuum)
	detail			TEXT
);
-- Per-minute rollups of the thread rows (kind 0), kept by taskacctd in the
-- same transaction as the rows they sum, so that reports over a window read
-- a few rows a minute instead of every exit.  A minute is recv_time /
-- 60000000; a thread counts under its own ac_comm and ac_uid.  The view
-- rollup_rows is their definition, one term per row: the rollups are its
-- sums grouped by minute (and name and user, or parent), and the query tool
-- sums it directly over the edges of a window that are not whole minutes.
-- A test checks the daemon's sums against it.  A delay longer than the
-- task's life (ac_etime, with 1% and 1 ms to spare: TS_DELAY_MAX_NS in
-- include/taskstats_proto.h) is impossible and adds nothing.  (v2)
CREATE VIEW rollup_rows AS
	SELECT recv_time, recv_time / 60000000 AS minute,
	    coalesce(ac_comm, '') AS ac_comm, coalesce(ac_uid, -1) AS ac_uid,
	    coalesce(ac_ppid, -1) AS ac_ppid,
	    1 AS tasks,
	    (ac_flag & @TS_AGROUP@) <> 0 AS procs,
	    (ac_flag & @TS_AGROUP@) <> 0 AND ac_exitcode <> 0 AS failed,
	    (ac_flag & @TS_AGROUP@) <> 0 AND coalesce(ac_tgetime, ac_etime) < 1000000
		AS short_procs,
	    CASE WHEN ac_flag & @TS_AGROUP@ THEN coalesce(ac_tgetime, ac_etime, 0)
		ELSE 0 END AS etime,
	    coalesce(ac_utime, 0) AS utime,
	    coalesce(ac_stime, 0) AS stime,
	    CASE WHEN ac_flag & @TS_AGROUP@ THEN coalesce(hiwater_rss, 0) ELSE 0 END
		AS rss,
	    coalesce(read_bytes, 0) AS read_bytes,
	    coalesce(write_bytes, 0) AS write_bytes,
	    CASE WHEN cpu_delay_total <= ac_etime * 1010 + 1000000
		THEN cpu_delay_total ELSE 0 END AS cpu_delay,
	    CASE WHEN blkio_delay_total <= ac_etime * 1010 + 1000000
		THEN blkio_delay_total ELSE 0 END AS blkio_delay,
	    CASE WHEN swapin_delay_total <= ac_etime * 1010 + 1000000
		THEN swapin_delay_total ELSE 0 END AS swapin_delay,
	    CASE WHEN freepages_delay_total <= ac_etime * 1010 + 1000000
		THEN freepages_delay_total ELSE 0 END AS freepages_delay,
	    CASE WHEN thrashing_delay_total <= ac_etime * 1010 + 1000000
		THEN thrashing_delay_total ELSE 0 END AS thrashing_delay,
	    CASE WHEN compact_delay_total <= ac_etime * 1010 + 1000000
		THEN compact_delay_total ELSE 0 END AS compact_delay,
	    CASE WHEN wpcopy_delay_total <= ac_etime * 1010 + 1000000
		THEN wpcopy_delay_total ELSE 0 END AS wpcopy_delay,
	    CASE WHEN irq_delay_total <= ac_etime * 1010 + 1000000
		THEN irq_delay_total ELSE 0 END AS irq_delay
	FROM tasks WHERE kind = 0;

CREATE TABLE minutes (
	minute			INTEGER NOT NULL,
	ac_comm			TEXT NOT NULL,
	ac_uid			INTEGER NOT NULL,
	tasks			INTEGER NOT NULL, -- thread rows
	procs			INTEGER NOT NULL, -- of them process ends (AGROUP)
	failed			INTEGER NOT NULL, -- process ends, status not 0
	short_procs		INTEGER NOT NULL, -- process ends, ac_etime < 1 s
	etime			INTEGER NOT NULL, -- process ends' ac_etime, us
	utime			INTEGER NOT NULL, -- us
	stime			INTEGER NOT NULL, -- us
	rss_sum			INTEGER NOT NULL, -- process ends' hiwater_rss, KiB
	rss_max			INTEGER NOT NULL, -- KiB
	read_bytes		INTEGER NOT NULL,
	write_bytes		INTEGER NOT NULL,
	cpu_delay		INTEGER NOT NULL, -- ns: the *_delay_total sums
	blkio_delay		INTEGER NOT NULL,
	swapin_delay		INTEGER NOT NULL,
	freepages_delay		INTEGER NOT NULL,
	thrashing_delay		INTEGER NOT NULL,
	compact_delay		INTEGER NOT NULL,
	wpcopy_delay		INTEGER NOT NULL,
	irq_delay		INTEGER NOT NULL,
	PRIMARY KEY (minute, ac_comm, ac_uid)
) WITHOUT ROWID;

-- Process ends per parent and minute, for `taskacct short`.  (v2)
CREATE TABLE minute_parents (
	minute			INTEGER NOT NULL,
	ac_ppid			INTEGER NOT NULL,
	procs			INTEGER NOT NULL,
	short_procs		INTEGER NOT NULL, -- ac_etime < 1 s
	PRIMARY KEY (minute, ac_ppid)
) WITHOUT ROWID;

-- The rollups of the rows already there (a NULL term adds nothing).
INSERT INTO minutes SELECT minute, ac_comm, ac_uid, count(*),
    coalesce(sum(procs), 0), coalesce(sum(failed), 0),
    coalesce(sum(short_procs), 0), sum(etime), sum(utime), sum(stime),
    sum(rss), max(rss), sum(read_bytes), sum(write_bytes), sum(cpu_delay),
    sum(blkio_delay), sum(swapin_delay), sum(freepages_delay),
    sum(thrashing_delay), sum(compact_delay), sum(wpcopy_delay),
    sum(irq_delay)
    FROM rollup_rows GROUP BY minute, ac_comm, ac_uid;
INSERT INTO minute_parents SELECT minute, ac_ppid, count(*),
    coalesce(sum(short_procs), 0) FROM rollup_rows WHERE procs
    GROUP BY minute, ac_ppid;

PRAGMA user_version = 2;
