-- Migration of a taskacct database from schema version 2 to 3, applied by
-- taskacctd in one transaction.  Adds live sampling (tasks.sampled, the
-- activity and sample_passes tables) and identity capture (tasks.args_id,
-- exe_id, cgroup_id, ident_src and the cmdlines, exes and cgroups tables):
-- see sql/schema.sql for their meaning.  Recreates rollup_rows, which
-- early version-2 databases hold without the impossible-delay bound.
ALTER TABLE tasks ADD COLUMN sampled INTEGER;
ALTER TABLE tasks ADD COLUMN args_id INTEGER;
ALTER TABLE tasks ADD COLUMN exe_id INTEGER;
ALTER TABLE tasks ADD COLUMN cgroup_id INTEGER;
ALTER TABLE tasks ADD COLUMN ident_src INTEGER;
DROP VIEW rollup_rows;
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

-- What each live process did during one sampling interval (v3), written by
-- taskacctd --sample-interval for processes that did something.  A row's
-- counters are the growth of the process's threads over (time - span,
-- time]: each live thread's new sample minus its previous one and, for a
-- sampled thread that exited, its exit totals minus its last sample, so
-- that a thread is counted once (samples, then the remainder).  Threads
-- never sampled (tasks.sampled NULL) are accounted by their exit rows
-- alone.  The activity of a window is the sum of the activity rows with
-- time in it plus the unsampled thread rows (kind 0) with recv_time in it.
-- A process is (tgid, lstart); lstart is its leader's start as PROCS_LSTART
-- (tools/procs.h) estimates it for exit rows, us.  Counters are the kernel
-- field names; times are us, delays ns, like the tasks columns.
CREATE TABLE activity (
	time			INTEGER NOT NULL, -- end of the interval, us
	span			INTEGER NOT NULL, -- its length, us
	run_id			INTEGER NOT NULL,
	tgid			INTEGER NOT NULL,
	lstart			INTEGER NOT NULL,
	state			INTEGER NOT NULL, -- 0 running at time, 1 exited
	ac_comm			TEXT,
	ac_uid			INTEGER,
	ac_ppid			INTEGER,
	threads			INTEGER,	-- threads counted
	ac_utime		INTEGER,
	ac_stime		INTEGER,
	cpu_run_real_total	INTEGER,	-- ns, exact (utime/stime are tick-sampled)
	read_bytes		INTEGER,
	write_bytes		INTEGER,
	cancelled_write_bytes	INTEGER,
	read_char		INTEGER,
	write_char		INTEGER,
	read_syscalls		INTEGER,
	write_syscalls		INTEGER,
	nvcsw			INTEGER,
	nivcsw			INTEGER,
	ac_minflt		INTEGER,
	ac_majflt		INTEGER,
	cpu_delay_total		INTEGER,
	blkio_delay_total	INTEGER,
	swapin_delay_total	INTEGER,
	freepages_delay_total	INTEGER,
	thrashing_delay_total	INTEGER,
	compact_delay_total	INTEGER,
	wpcopy_delay_total	INTEGER,
	irq_delay_total		INTEGER
);
CREATE INDEX activity_time ON activity(time);

-- One row per sampling pass (v3): what it asked and what it cost.
CREATE TABLE sample_passes (
	time			INTEGER PRIMARY KEY, -- when the pass ended, us
	run_id			INTEGER NOT NULL,
	threads			INTEGER NOT NULL, -- threads asked
	procs			INTEGER NOT NULL, -- activity rows written
	gone			INTEGER NOT NULL, -- listed, but exited before asked
	errors			INTEGER NOT NULL, -- replies refused (detail in the log)
	wall_us			INTEGER,
	cpu_us			INTEGER		-- CPU of both processes
);

-- Who a task really was (v3), captured by taskacctd from the kernel's
-- process events connector: at exec, its /proc cmdline, exe and cgroup;
-- a task that never exec'd inherits its parent's at fork.  Each distinct
-- value is stored once and the tasks rows point at it.
CREATE TABLE cmdlines (
	id			INTEGER PRIMARY KEY,
	hash			INTEGER NOT NULL, -- 64-bit FNV-1a of args
	args			BLOB NOT NULL	-- argv as the kernel held it,
						-- each argument NUL-terminated
);
CREATE INDEX cmdlines_hash ON cmdlines(hash);
CREATE TABLE exes (
	id			INTEGER PRIMARY KEY,
	path			TEXT NOT NULL UNIQUE
);
CREATE TABLE cgroups (
	id			INTEGER PRIMARY KEY,
	path			TEXT NOT NULL UNIQUE, -- the v2 ("0::") path, or
						-- name=systemd's on v1 alone
	unit			TEXT,	-- systemd unit: foo.service, session-3.scope
	container		TEXT,	-- container id (Docker, containerd,
						-- CRI-O, Podman)
	pod			TEXT	-- Kubernetes pod uid
);

PRAGMA user_version = 3;
