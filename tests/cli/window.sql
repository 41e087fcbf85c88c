-- Fixture for the window reports (tests/cli/window.sh, tests/window.sh),
-- loaded after sql/schema.sql: live samples (activity, every 10 s, as
-- taskacctd --sample-interval 10 writes them) beside exit records.  Times
-- are 1700000000 s + the offset in each comment; the tests run with
-- TASKACCT_NOW=@1700001000 (2023-11-14 22:30:00 UTC), and most windows are
-- [+400 s, +1000 s).
--   400 "old"       sampled, exited at +305 (before the window): absent
--   500 "postgres"  sampled, running from long before to after: 1 MiB
--                   written per sample, one sample exactly at +400
--   600 "backup"    sampled, exited at +705.5: 20 samples of 2 MiB, a
--                   remainder of 512 KiB (state 1), its sampled exit rows
--                   (totals 40.5 MiB: never added), and a thread never
--                   sampled (lived 0.3 s within an interval) of 1 MiB
--   700 "cc1"       never sampled: its exit record alone (4 MiB)
--   800             PID reused: "sh" never sampled, exited at +650
--                   (failed); then "dd" sampled from +900, running
--   900, 901        hostile names, one running, one exited
-- An exit row's leader start (PROCS_LSTART) is made to fall on the
-- process's lstart, or within a second of it.
PRAGMA journal_mode = WAL;

INSERT INTO runs (id, boot_id, start_time, stop_time, last_alive, clean,
    hostname, kernel_release, ts_version, cpumask, rcvbuf, sockets,
    daemon_pid, taskacct_version)
VALUES (1, '3f1c2b4a-0000-4000-8000-0000000000aa', 1700000000000000, NULL,
    1700000995000000, 0, 'box', '6.18.0', 17, '0-1', 33554432, 2, 100,
    '0.1.0');

-- One pass every 10 s from +10.
WITH RECURSIVE p(t) AS (SELECT 10 UNION ALL SELECT t + 10 FROM p
    WHERE t < 990)
INSERT INTO sample_passes (time, run_id, threads, procs, gone, errors,
    wall_us, cpu_us)
SELECT (1700000000 + t) * 1000000, 1, 120, 3, 0, 0, 900, 800 FROM p;

-- Samples: (process, first, last, step) with what each interval did.
WITH RECURSIVE s(tgid, lstart, comm, uid, ppid, thr, t, last, utime, stime,
    rb, wb, csw, cd, bd) AS (
	SELECT 400, 1700000100000000, 'old', 4242, 1, 1, 110, 300, 1000,
	    1000, 0, 4096, 1, 1000, 0
	UNION ALL SELECT 500, 1699990000000000, 'postgres', 4242, 1, 4, 310,
	    990, 10000, 5000, 4096, 1048576, 10, 1000000, 2000000
	UNION ALL SELECT 600, 1700000500000000, 'backup', 0, 300, 2, 510, 700,
	    20000, 0, 0, 2097152, 3, 500000, 4000000
	UNION ALL SELECT 800, 1700000900000000, 'dd', 4242, 300, 1, 910, 990,
	    3000, 50000, 0, 5242880, 2, 100000, 8000000
	UNION ALL SELECT 900, 1700000949000000,
	    CAST(X'651b5b33316d0922612c620aff' AS TEXT), 65534, 1, 1, 950,
	    990, 1000, 0, 65536, 0, 1, 0, 0
	UNION ALL SELECT tgid, lstart, comm, uid, ppid, thr, t + 10, last,
	    utime, stime, rb, wb, csw, cd, bd FROM s WHERE t < last)
INSERT INTO activity (time, span, run_id, tgid, lstart, state, ac_comm,
    ac_uid, ac_ppid, threads, ac_utime, ac_stime, cpu_run_real_total,
    read_bytes, write_bytes, cancelled_write_bytes, read_char, write_char,
    read_syscalls, write_syscalls, nvcsw, nivcsw, ac_minflt, ac_majflt,
    cpu_delay_total, blkio_delay_total, swapin_delay_total,
    freepages_delay_total, thrashing_delay_total, compact_delay_total,
    wpcopy_delay_total, irq_delay_total)
SELECT (1700000000 + t) * 1000000, 10000000, 1, tgid, lstart, 0, comm, uid,
    ppid, thr, utime, stime, (utime + stime) * 1000, rb, wb, 0, rb + 100,
    wb + 100, 7, 9, csw, 1, 50, 0, cd, bd, 0, 100, 0, 0, 0, 10
FROM s;

-- The remainders at exit (state 1): old at +305, backup at +705.5.
INSERT INTO activity (time, span, run_id, tgid, lstart, state, ac_comm,
    ac_uid, ac_ppid, threads, ac_utime, ac_stime, cpu_run_real_total,
    read_bytes, write_bytes, cancelled_write_bytes, read_char, write_char,
    read_syscalls, write_syscalls, nvcsw, nivcsw, ac_minflt, ac_majflt,
    cpu_delay_total, blkio_delay_total, swapin_delay_total,
    freepages_delay_total, thrashing_delay_total, compact_delay_total,
    wpcopy_delay_total, irq_delay_total)
VALUES
    (1700000305000000, 5000000, 1, 400, 1700000100000000, 1, 'old', 4242,
     1, 1, 500, 500, 1000000, 0, 2048, 0, 0, 2148, 1, 1, 1, 0, 0, 0, 0, 0,
     0, 0, 0, 0, 0, 0),
    (1700000705500000, 5500000, 1, 600, 1700000500000000, 1, 'backup', 0,
     300, 2, 5000, 0, 5000000, 0, 524288, 0, 0, 524388, 1, 2, 1, 0, 3, 0,
     100000, 1000000, 0, 0, 0, 0, 0, 0);

-- Exit records.  Columns: id, recv_time, kind, task_id, link_id, exitcode,
-- flag, comm, uid, pid, ppid, btime64, etime, utime, stime, rss, read,
-- write, tgid, tgetime, nvcsw, nivcsw, cpu_delay, blkio_delay, sampled.
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, link_id, ts_len,
    version, ac_exitcode, ac_flag, ac_comm, ac_uid, ac_gid, ac_pid, ac_ppid,
    ac_btime, ac_btime64, ac_etime, ac_utime, ac_stime, hiwater_rss,
    read_bytes, write_bytes, ac_tgid, ac_tgetime, nvcsw, nivcsw,
    cpu_delay_total, blkio_delay_total, sampled)
VALUES
    -- old: sampled, ended at +305 (its totals are its samples')
    (1, 1, 1700000305000000, 0, 400, NULL, 688, 17, 0, 32, 'old', 4242,
     4242, 400, 1, 1700000100, 1700000100, 205000000, 20500, 20500, 4096,
     0, 86016, 400, 205000000, 21, 1, 20000, 0, 1),
    -- backup: an unsampled thread, 0.3 s within one interval
    (2, 1, 1700000600300000, 0, 601, NULL, 688, 17, 0, 0, 'backup', 0, 0,
     601, 300, 1700000600, 1700000600, 300000, 1000, 0, 2048, 0, 1048576,
     600, 100300000, 1, 0, 10000, 50000, NULL),
    -- backup: its sampled helper thread, then the leader ending it
    (3, 1, 1700000705400000, 0, 602, NULL, 688, 17, 0, 0, 'backup', 0, 0,
     602, 300, 1700000500, 1700000500, 205400000, 200000, 0, 8192, 0,
     20000000, 600, 205400000, 30, 1, 5000000, 40000000, 1),
    (4, 1, 1700000705500000, 0, 600, NULL, 688, 17, 0, 32, 'backup', 0, 0,
     600, 300, 1700000500, 1700000500, 205500000, 205000, 0, 8192, 0,
     22467328, 600, 205500000, 31, 1, 5600000, 41000000, 1),
    (5, 1, 1700000705500000, 1, 600, 4, 688, 17, 0, 32, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, 405000, 0, 8192, 0, 42467328, 600,
     205500000, 61, 2, 10600000, 81000000, NULL),
    -- cc1: never sampled, 0.3 s
    (6, 1, 1700000800000000, 0, 700, NULL, 688, 17, 0, 32, 'cc1', 4242,
     4242, 700, 300, 1700000799, 1700000799, 300000, 250000, 10000, 102400,
     1048576, 3145728, 700, 300000, 4, 2, 30000, 900000, NULL),
    -- PID 800, first life: sh, never sampled, failed
    (7, 1, 1700000650000000, 0, 800, NULL, 688, 17, 256, 32, 'sh', 4242,
     4242, 800, 300, 1700000649, 1700000649, 100000, 2000, 0, 1536, 0,
     102400, 800, 100000, 1, 0, 1000, 0, NULL),
    -- hostile, exited (OSC title escape, BEL, UTF-8)
    (8, 1, 1700000960000000, 0, 901, NULL, 688, 17, 0, 32,
     CAST(X'781b5d303b70776e6564077920c3a9' AS TEXT), 65534, 65534, 901, 1,
     1700000959, 1700000959, 500000, 1000, 1000, 512, 0, 4096, 901,
     500000, 1, 0, 0, 0, NULL);
