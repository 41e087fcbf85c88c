-- Fixture for tests/cli.sh, loaded after sql/schema.sql.  Hand-made rows
-- covering the shapes the CLI must print: ordinary exits, a non-zero exit,
-- a kill, a core dump, a thread-group row with an unknown tail (BLOB),
-- NULLs, and task names full of hostile bytes.  Rows 9 on (run 3) are a
-- build under make: a fork storm of short-lived sh, PID 3000 used twice
-- (cc1 with a child, then ld), two threaded processes (one whose leader
-- ends last, one whose leader ends first), PID 2000 reused by a later
-- single-threaded process, losses and prunes.  The tests run with
-- TASKACCT_NOW=@1700001000 (2023-11-14 22:30:00 UTC).
--
-- Schema 2 objects (prunes, tasks_ppid) are created here if sql/schema.sql
-- does not have them yet, so this is a schema 2 database either way.
PRAGMA journal_mode = WAL;

INSERT INTO runs (id, boot_id, start_time, stop_time, last_alive, clean,
    hostname, kernel_release, ts_version, cpumask, rcvbuf, sockets,
    daemon_pid, taskacct_version)
VALUES
    (1, '3f1c2b4a-0000-4000-8000-000000000001', 1700000000000000,
     1700000500000000, 1700000500000000, 1, 'box', '6.12.0', 16, '0-3',
     33554432, 1, 100, '0.1.0'),
    (2, '3f1c2b4a-0000-4000-8000-000000000001', 1700000600000000,
     NULL, 1700000900000000, 0, 'box', '6.12.0', 16, '0-3',
     33554432, 1, 200, '0.1.0');

INSERT INTO losses (run_id, time, kind, records, detail) VALUES
    (2, 1700000700000000, 'kernel_drop', 12, NULL);

INSERT INTO tasks (id, run_id, recv_time, kind, task_id, link_id, ts_len,
    version, ac_exitcode, ac_flag, ac_comm, ac_uid, ac_gid, ac_pid, ac_ppid,
    ac_btime, ac_etime, ac_utime, ac_stime, hiwater_rss, read_bytes,
    ac_tgid, tail)
VALUES
    (1, 1, 1700000100000000, 0, 1001, NULL, 560, 16, 0, 32, 'bash',
     4242, 4242, 1001, 900, 1700000099, 1500000, 2000, 1000, 4096, 0,
     1001, NULL),
    (2, 1, 1700000200000000, 0, 1002, NULL, 560, 16, 512, 32, 'make',
     4242, 4242, 1002, 1001, 1700000190, 10000000, 900000, 100000, 20480,
     1048576, 1002, NULL),
    (3, 2, 1700000650000000, 0, 1003, NULL, 560, 16, 9, 48, 'sleep',
     0, 0, 1003, 1, 1700000640, 10000000, 100, 200, 1024, NULL, 1003, NULL),
    (4, 2, 1700000660000000, 0, 1004, NULL, 560, 16, 134, 56, 'crash',
     4242, 4242, 1004, 1001, 1700000659, 500000, 400000, 1000, 8192, 0,
     1004, NULL),
    -- ESC [31m, tab, quote, comma, newline, a byte that is not UTF-8
    (5, 2, 1700000670000000, 0, 1005, NULL, 560, 16, 0, 32,
     CAST(X'651b5b33316d0922612c620aff' AS TEXT),
     4242, 4242, 1005, 1001, 1700000669, 1000, 10, 20, 512, 0, 1005, NULL),
    -- UTF-8 e-acute, backslash, DEL, C1 CSI, lone lead byte, CR, NUL
    (6, 2, 1700000680000000, 0, 1006, NULL, 560, 16, 0, 32,
     CAST(X'636166c3a95c7fc29bc30d007a' AS TEXT),
     4242, 4242, 1006, 1001, 1700000679, 1000, 10, 20, 512, 0, 1006, NULL),
    -- U+202E RIGHT-TO-LEFT OVERRIDE between plain letters
    (7, 2, 1700000690000000, 0, 1007, NULL, 560, 16, 0, 32,
     CAST(X'6162e280ae6364' AS TEXT),
     4242, 4242, 1007, 1001, 1700000689, 1000, 10, 20, 512, 0, 1007, NULL),
    -- thread-group aggregate of a newer struct: only delays, unknown tail
    (8, 2, 1700000690000001, 1, 1007, 7, 704, 18, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     X'00ff10ab');

CREATE TABLE IF NOT EXISTS prunes (
	id			INTEGER PRIMARY KEY,
	run_id			INTEGER NOT NULL,
	time			INTEGER NOT NULL,
	reason			TEXT NOT NULL,
	before_time		INTEGER,
	rows			INTEGER NOT NULL,
	detail			TEXT
);
CREATE INDEX IF NOT EXISTS tasks_ppid ON tasks(ac_ppid);
PRAGMA user_version = 5;

INSERT INTO runs (id, boot_id, start_time, stop_time, last_alive, clean,
    hostname, kernel_release, ts_version, cpumask, rcvbuf, sockets,
    daemon_pid, taskacct_version)
VALUES
    (3, '3f1c2b4a-0000-4000-8000-000000000001', 1700000950000000,
     1700000995000000, 1700000995000000, 1, 'box', '6.18.0', 17, '0-1',
     33554432, 2, 300, '0.1.0');

INSERT INTO losses (run_id, time, kind, records, detail) VALUES
    (3, 1700000985000000, 'queue_full', 3, NULL),
    (3, 1700000986000000, 'malformed', 1, 'attribute length 12 < 16');

INSERT INTO prunes (run_id, time, reason, before_time, rows, detail) VALUES
    (3, 1700000951000000, 'retain', 1699990000000000, 120, NULL),
    (3, 1700000990000000, 'max_size', 1699999000000000, 35,
     'database 1.1 GiB > max_size 1 GiB');

-- Columns: id, run, recv_time, kind, task_id, link_id, ts_len, version,
-- exitcode, flag, comm, uid, gid, pid, ppid, btime, etime, utime, stime,
-- rss, read_bytes, write_bytes, tgid, tgetime, nvcsw, nivcsw,
-- cpu_delay_total, blkio_delay_total, exe_dev, exe_inode
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, link_id, ts_len,
    version, ac_exitcode, ac_flag, ac_comm, ac_uid, ac_gid, ac_pid, ac_ppid,
    ac_btime, ac_etime, ac_utime, ac_stime, hiwater_rss, read_bytes,
    write_bytes, ac_tgid, ac_tgetime, nvcsw, nivcsw, cpu_delay_total,
    blkio_delay_total, ac_exe_dev, ac_exe_inode)
VALUES
    -- as, child of the first cc1 (PID 3000)
    (9, 3, 1700000954800000, 0, 3100, NULL, 688, 17, 0, 32, 'as',
     4242, 4242, 3100, 3000, 1700000954, 300000, 200000, 50000, 8192,
     0, 32768, 3100, 300000, 3, 1, 20000, 0, 2049, 140),
    -- cc1, the first life of PID 3000: 1 s, not short
    (10, 3, 1700000955000000, 0, 3000, NULL, 688, 17, 0, 32, 'cc1',
     4242, 4242, 3000, 2200, 1700000954, 1000000, 800000, 100000, 102400,
     1048576, 65536, 3000, 1000000, 12, 40, 900000, 2000000, 2049, 139),
    -- a fork storm of sh under make; the last one killed
    (11, 3, 1700000956000000, 0, 3001, NULL, 688, 17, 0, 32, 'sh',
     4242, 4242, 3001, 2200, 1700000955, 10000, 2000, 3000, 1536,
     0, 0, 3001, 10000, 1, 0, 1000, 0, 2049, 77),
    (12, 3, 1700000957000000, 0, 3002, NULL, 688, 17, 0, 32, 'sh',
     4242, 4242, 3002, 2200, 1700000956, 12000, 2000, 3000, 1536,
     0, 0, 3002, 12000, 1, 0, 1000, 0, 2049, 77),
    (13, 3, 1700000958000000, 0, 3003, NULL, 688, 17, 0, 32, 'sh',
     4242, 4242, 3003, 2200, 1700000957, 8000, 2000, 3000, 1536,
     0, 0, 3003, 8000, 1, 0, 1000, 0, 2049, 77),
    (14, 3, 1700000959000000, 0, 3004, NULL, 688, 17, 9, 48, 'sh',
     4242, 4242, 3004, 2200, 1700000958, 20000, 2000, 3000, 1536,
     0, 0, 3004, 20000, 1, 0, 1000, 0, 2049, 77),
    -- java (PID 2000): two worker threads end, then the leader, with
    -- the group row right after it
    (15, 3, 1700000960000000, 0, 2001, NULL, 688, 17, 0, 0, 'worker',
     0, 0, 2001, 1, 1700000951, 8500000, 5000000, 500000, 204800,
     10485760, 0, 2000, 9000000, 100, 20, 3000000, 1000000, 2049, 500),
    (16, 3, 1700000960100000, 0, 2002, NULL, 688, 17, 0, 0, 'worker',
     0, 0, 2002, 1, 1700000951, 8600000, 4000000, 400000, 204800,
     0, 2097152, 2000, 9100000, 80, 10, 2000000, 500000, 2049, 500),
    (17, 3, 1700000961000000, 0, 2000, NULL, 688, 17, 0, 32, 'java',
     0, 0, 2000, 1, 1700000951, 10000000, 1000000, 200000, 204800,
     4096, 4096, 2000, 10000000, 50, 5, 1000000, 0, 2049, 500),
    (18, 3, 1700000961000000, 1, 2000, 17, 688, 17, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, 6000000, 1500000, NULL, NULL),
    -- server (PID 2100): the leader ends first, its thread srv-io last
    (19, 3, 1700000970000000, 0, 2100, NULL, 688, 17, 0, 0, 'server',
     0, 0, 2100, 1, 1700000962, 8000000, 300000, 100000, 51200,
     0, 0, 2100, 8000000, 10, 2, 100000, 0, 2049, 600),
    (20, 3, 1700000971000000, 0, 2101, NULL, 688, 17, 0, 32, 'srv-io',
     0, 0, 2101, 1, 1700000962, 8500000, 100000, 600000, 51200,
     0, 1048576, 2100, 9000000, 30, 3, 200000, 4000000, 2049, 600),
    (21, 3, 1700000971000000, 1, 2100, 20, 688, 17, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, 300000, 4000000, NULL, NULL),
    -- ld, the second life of PID 3000: failed (exit 1), short
    (22, 3, 1700000980000000, 0, 3000, NULL, 688, 17, 256, 32, 'ld',
     4242, 4242, 3000, 2200, 1700000979, 500000, 300000, 100000, 40960,
     2097152, 1048576, 3000, 500000, 4, 9, 50000, 300000, 2049, 141),
    -- a short-lived task with an OSC title escape and BEL in its name
    (23, 3, 1700000985000000, 0, 3200, NULL, 688, 17, 0, 32,
     CAST(X'781b5d303b70776e6564077920c3a9' AS TEXT),
     65534, 65534, 3200, 2200, 1700000984, 5000, 1000, 1000, 512,
     0, 0, 3200, 5000, 1, 0, 0, 0, NULL, NULL),
    -- make, parent of the build; its parent 1001 (bash) ended long before
    (24, 3, 1700000990000000, 0, 2200, NULL, 688, 17, 0, 32, 'make',
     4242, 4242, 2200, 1001, 1700000950, 39500000, 1200000, 300000, 20480,
     4096, 0, 2200, 39500000, 200, 30, 100000, 0, 2049, 131),
    -- PID 2000 again, single-threaded, after java ended
    (25, 3, 1700000993000000, 0, 2000, NULL, 688, 17, 0, 34, 'java',
     0, 0, 2000, 1, 1700000992, 100000, 50000, 10000, 10240,
     0, 0, 2000, 100000, 2, 1, 0, 0, 2049, 500);

-- Two passes of the live sampler (taskacctd --sample-interval 10) in run 3,
-- for `status` (threads asked, activity rows, gone, refused, wall, CPU).
INSERT INTO sample_passes (time, run_id, threads, procs, gone, errors,
    wall_us, cpu_us) VALUES
    (1700000980000000, 3, 240, 12, 1, 0, 5100, 2400),
    (1700000990000000, 3, 251, 17, 0, 0, 5400, 2600);
