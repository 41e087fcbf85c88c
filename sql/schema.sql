-- taskacct database schema.  PRAGMA user_version holds the schema version
-- (TASKACCT_SCHEMA_VERSION in include/taskacct.h); PRAGMA application_id
-- marks the file as taskacct's.  The columns of "tasks" between ts_len and
-- tail are the kernel's struct taskstats field names, in the order of the
-- field table (src/fields.c); a unit test checks the two agree.
-- Times are microseconds since the epoch unless a column says otherwise.

PRAGMA application_id = 1413563220;
-- taskacctd sets PRAGMA auto_vacuum = INCREMENTAL before applying this (it
-- cannot be set inside the transaction that creates the tables), so that
-- pruning can give pages back to the file system.  Migrations from older
-- versions are in sql/migrate-N.sql; a unit test checks that the oldest
-- schema plus every migration equals this file.

-- One row per life of taskacctd.  Between a run's last_alive (or stop_time)
-- and the next run's start_time no recorder was listening: a gap.
CREATE TABLE runs (
	id			INTEGER PRIMARY KEY,
	boot_id			TEXT NOT NULL,	-- /proc/sys/kernel/random/boot_id
	start_time		INTEGER NOT NULL,
	stop_time		INTEGER,	-- NULL while running or if it died
	last_alive		INTEGER,	-- last commit (bounds a crash)
	clean			INTEGER NOT NULL DEFAULT 0, -- 1: stopped cleanly
	hostname		TEXT,
	kernel_release		TEXT,
	ts_version		INTEGER,	-- struct version first received
	cpumask			TEXT,
	rcvbuf			INTEGER,	-- receive buffer granted, bytes
	sockets			INTEGER,
	daemon_pid		INTEGER,
	taskacct_version	TEXT
);

-- What the recorder knows it did not store, with exact counts.  "records"
-- counts exit messages, the unit of the kernel's drop counter: one per task
-- exit (the last thread's message of a multi-threaded process also carries
-- the group aggregate, lost with it).
--   kernel_drop: the socket's drop counter (SO_MEMINFO) grew by "records"
--                while its receive buffer was full; one row per drain
--   queue_full:  the bounded queue to the writer refused "records"
--   malformed:   messages the decoder rejected (detail: the last reason)
--   foreign:     messages not sent by the kernel, ignored (not exits)
--   enobufs:     an overrun reported as ENOBUFS (records NULL); not seen
--                while NETLINK_NO_ENOBUFS is set, as taskacctd sets it:
--                kernel_drop rows then carry each overrun's exact count
CREATE TABLE losses (
	id			INTEGER PRIMARY KEY,
	run_id			INTEGER NOT NULL REFERENCES runs(id),
	time			INTEGER NOT NULL,
	kind			TEXT NOT NULL,
	records			INTEGER,
	detail			TEXT
);
CREATE INDEX losses_time ON losses(time);

-- One row per record: kind 0 = a task (thread) exit, from the message's
-- AGGR_PID nest; kind 1 = the thread-group aggregate (AGGR_TGID nest), sent
-- with the last thread of a process that ever had several threads.  Fields
-- the received struct version does not carry are NULL.
CREATE TABLE tasks (
	id			INTEGER PRIMARY KEY,
	run_id			INTEGER NOT NULL,
	recv_time		INTEGER NOT NULL, -- when taskacctd read it
	kind			INTEGER NOT NULL,
	task_id			INTEGER NOT NULL, -- TYPE_PID / TYPE_TGID value
	link_id			INTEGER,	-- group row: its thread row's id
	ts_len			INTEGER NOT NULL, -- struct payload bytes
	version                    INTEGER, -- struct taskstats version
	ac_exitcode                INTEGER, -- wstatus, exit status as from waitpid(): code << 8 | core 0x80 | signal
	ac_flag                    INTEGER, -- flags, AFORK 0x01, ASU 0x02, ACORE 0x08, AXSIG 0x10, AGROUP 0x20
	ac_nice                    INTEGER, -- nice value (unsigned byte)
	cpu_count                  INTEGER, -- count, number of CPU run-queue wait delays
	cpu_delay_total            INTEGER, -- ns, total CPU run-queue wait delay
	cpu_delay_max              INTEGER, -- ns, longest single CPU run-queue wait delay
	cpu_delay_min              INTEGER, -- ns, shortest single CPU run-queue wait delay
	blkio_count                INTEGER, -- count, number of synchronous block I/O wait delays
	blkio_delay_total          INTEGER, -- ns, total synchronous block I/O wait delay
	blkio_delay_max            INTEGER, -- ns, longest single synchronous block I/O wait delay
	blkio_delay_min            INTEGER, -- ns, shortest single synchronous block I/O wait delay
	swapin_count               INTEGER, -- count, number of swap-in wait delays
	swapin_delay_total         INTEGER, -- ns, total swap-in wait delay
	swapin_delay_max           INTEGER, -- ns, longest single swap-in wait delay
	swapin_delay_min           INTEGER, -- ns, shortest single swap-in wait delay
	cpu_run_real_total         INTEGER, -- ns, wall-clock CPU running time (may include steal)
	cpu_run_virtual_total      INTEGER, -- ns, virtual CPU running time (no hypervisor adjustment)
	ac_comm                    TEXT,    -- command name (up to 15 bytes)
	ac_sched                   INTEGER, -- scheduling policy
	ac_uid                     INTEGER, -- real user id
	ac_gid                     INTEGER, -- real group id
	ac_pid                     INTEGER, -- task (thread) id
	ac_ppid                    INTEGER, -- parent process id
	ac_btime                   INTEGER, -- s, start time, 32-bit seconds since epoch
	ac_etime                   INTEGER, -- us, elapsed (wall-clock) lifetime
	ac_utime                   INTEGER, -- us, user CPU time
	ac_stime                   INTEGER, -- us, system CPU time
	ac_minflt                  INTEGER, -- count, minor page faults
	ac_majflt                  INTEGER, -- count, major page faults
	coremem                    INTEGER, -- MiB*us, accumulated RSS usage
	virtmem                    INTEGER, -- MiB*us, accumulated virtual memory usage
	hiwater_rss                INTEGER, -- KiB, peak RSS of the address space
	hiwater_vm                 INTEGER, -- KiB, peak virtual memory of the address space
	read_char                  INTEGER, -- bytes, bytes read by read-like syscalls
	write_char                 INTEGER, -- bytes, bytes written by write-like syscalls
	read_syscalls              INTEGER, -- count, read-like syscalls
	write_syscalls             INTEGER, -- count, write-like syscalls
	read_bytes                 INTEGER, -- bytes, bytes read from storage
	write_bytes                INTEGER, -- bytes, bytes caused to be written to storage
	cancelled_write_bytes      INTEGER, -- bytes, written bytes cancelled (truncated dirty page cache)
	nvcsw                      INTEGER, -- count, voluntary context switches
	nivcsw                     INTEGER, -- count, involuntary context switches
	ac_utimescaled             INTEGER, -- us, user CPU time scaled by frequency
	ac_stimescaled             INTEGER, -- us, system CPU time scaled by frequency
	cpu_scaled_run_real_total  INTEGER, -- ns, scaled cpu_run_real_total
	freepages_count            INTEGER, -- count, number of memory reclaim delays
	freepages_delay_total      INTEGER, -- ns, total memory reclaim delay
	freepages_delay_max        INTEGER, -- ns, longest single memory reclaim delay
	freepages_delay_min        INTEGER, -- ns, shortest single memory reclaim delay
	thrashing_count            INTEGER, -- count, number of page-cache thrashing delays
	thrashing_delay_total      INTEGER, -- ns, total page-cache thrashing delay
	thrashing_delay_max        INTEGER, -- ns, longest single page-cache thrashing delay
	thrashing_delay_min        INTEGER, -- ns, shortest single page-cache thrashing delay
	ac_btime64                 INTEGER, -- s, start time, seconds since epoch
	compact_count              INTEGER, -- count, number of memory compaction delays
	compact_delay_total        INTEGER, -- ns, total memory compaction delay
	compact_delay_max          INTEGER, -- ns, longest single memory compaction delay
	compact_delay_min          INTEGER, -- ns, shortest single memory compaction delay
	ac_tgid                    INTEGER, -- thread group (process) id
	ac_tgetime                 INTEGER, -- us, thread group elapsed time (whole process if AGROUP)
	ac_exe_dev                 INTEGER, -- device of the executable (kernel dev_t)
	ac_exe_inode               INTEGER, -- inode of the executable
	wpcopy_count               INTEGER, -- count, number of write-protect copy delays
	wpcopy_delay_total         INTEGER, -- ns, total write-protect copy delay
	wpcopy_delay_max           INTEGER, -- ns, longest single write-protect copy delay
	wpcopy_delay_min           INTEGER, -- ns, shortest single write-protect copy delay
	irq_count                  INTEGER, -- count, number of IRQ/softirq delays
	irq_delay_total            INTEGER, -- ns, total IRQ/softirq delay
	irq_delay_max              INTEGER, -- ns, longest single IRQ/softirq delay
	irq_delay_min              INTEGER, -- ns, shortest single IRQ/softirq delay
	cpu_delay_max_ts           INTEGER, -- ns, when the longest CPU delay ended
	blkio_delay_max_ts         INTEGER, -- ns, when the longest block I/O delay ended
	swapin_delay_max_ts        INTEGER, -- ns, when the longest swap-in delay ended
	freepages_delay_max_ts     INTEGER, -- ns, when the longest reclaim delay ended
	thrashing_delay_max_ts     INTEGER, -- ns, when the longest thrashing delay ended
	compact_delay_max_ts       INTEGER, -- ns, when the longest compaction delay ended
	wpcopy_delay_max_ts        INTEGER, -- ns, when the longest wpcopy delay ended
	irq_delay_max_ts           INTEGER, -- ns, when the longest IRQ delay ended
	tail			BLOB,		-- bytes past the known struct
	-- Conveniences derived from the fields above (stored nowhere).
	exit_time		INTEGER GENERATED ALWAYS AS (recv_time) VIRTUAL,
	-- thread rows only; later than the true start by the time the
	-- record waited in the socket (~10 ms, more in a backlog)
	start_time		INTEGER GENERATED ALWAYS AS
				    (CASE WHEN kind = 0 THEN recv_time - ac_etime
				     END) VIRTUAL,
	exit_code		INTEGER GENERATED ALWAYS AS
				    ((ac_exitcode >> 8) & 255) VIRTUAL,
	exit_signal		INTEGER GENERATED ALWAYS AS
				    (ac_exitcode & 127) VIRTUAL,
	core_dumped		INTEGER GENERATED ALWAYS AS
				    ((ac_exitcode >> 7) & 1) VIRTUAL
, sampled INTEGER, args_id INTEGER, exe_id INTEGER, cgroup_id INTEGER, ident_src INTEGER);
-- The columns after the generated ones were added by version 3 (ALTER
-- TABLE, hence their place):
--   sampled     1: the live sampler (taskacctd --sample-interval) read this
--               thread while it ran, so its activity is in "activity" rows
--               (samples, then the remainder at exit); NULL: never sampled,
--               this row alone accounts for it.
--   args_id     cmdlines.id: the command line it ran (exec), or inherited
--   exe_id      exes.id: its executable
--   cgroup_id   cgroups.id: its cgroup at exec (or fork)
--   ident_src   how args/exe/cgroup were obtained, or why they are missing
--               (TASKACCT_IDENT_* in include/taskacct.h)
CREATE INDEX tasks_recv_time ON tasks(recv_time);
CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time); -- children (v2)

-- Rows removed by retention (taskacctd --retain / --max-size), one row per
-- pruning pass: the history before before_time is incomplete by design,
-- not a loss.  reason: 'retain' (older than the age limit) or 'max_size'
-- (the database outgrew its size limit).  (v2)
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

-- levels2 (v5): what short and timeline read over long windows (issue 13).
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

-- Per-process totals at process end (schema 5, issue 13): one row per
-- process that had several threads (a thread-group row, kind 1, follows its
-- end), its threads' totals as tools/procs.c sums them (procs_cols: sums,
-- rss the largest), so that a report per process never sums threads at
-- query time.  A single-threaded process has no row: its totals are its
-- end row's own.  taskacctd writes a row in the transaction of the
-- process's end and corrects it in that of a thread row arriving late.
-- ptotals: kept by src/proctotals.c; a migrated database gets the rows of
-- its processes already there from the fill of sql/migrate-5.sql.
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
, last_used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX cmdlines_hash ON cmdlines(hash);
CREATE TABLE exes (
	id			INTEGER PRIMARY KEY,
	path			TEXT NOT NULL UNIQUE
, last_used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE cgroups (
	id			INTEGER PRIMARY KEY,
	path			TEXT NOT NULL UNIQUE, -- the v2 ("0::") path, or
						-- name=systemd's on v1 alone
	unit			TEXT,	-- systemd unit: foo.service, session-3.scope
	container		TEXT,	-- container id (Docker, containerd,
						-- CRI-O, Podman)
	pod			TEXT	-- Kubernetes pod uid
, last_used INTEGER NOT NULL DEFAULT 0);
-- Identity values no longer referenced (v4, retention): the column
-- last_used, added by version 4 (ALTER TABLE), says when a tasks row last
-- pointed at the value (us since the epoch, at the insert; taskacctd moves
-- it forward at most once a minute, src/identstore.c).  Retention deletes
-- the values last used a minute or more before the oldest row left, found
-- by these indexes, not by a scan of tasks.
CREATE INDEX cmdlines_last_used ON cmdlines(last_used);
CREATE INDEX exes_last_used ON exes(last_used);
CREATE INDEX cgroups_last_used ON cgroups(last_used);

-- Rows with the boot they belong to, for identifying a task across reboots
-- and PID reuse: (boot_id, ac_pid, start_time).
CREATE VIEW task_exits AS
	SELECT t.*, r.boot_id AS boot_id FROM tasks t JOIN runs r ON r.id = t.run_id;

PRAGMA user_version = 5;
