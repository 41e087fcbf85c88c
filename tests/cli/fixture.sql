-- Fixture for tests/cli.sh, loaded after sql/schema.sql.  Hand-made rows
-- covering the shapes the CLI must print: ordinary exits, a non-zero exit,
-- a kill, a core dump, a thread-group row with an unknown tail (BLOB),
-- NULLs, and task names full of hostile bytes.
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
     1000, 1000, 1001, 900, 1700000099, 1500000, 2000, 1000, 4096, 0,
     1001, NULL),
    (2, 1, 1700000200000000, 0, 1002, NULL, 560, 16, 512, 32, 'make',
     1000, 1000, 1002, 1001, 1700000190, 10000000, 900000, 100000, 20480,
     1048576, 1002, NULL),
    (3, 2, 1700000650000000, 0, 1003, NULL, 560, 16, 9, 48, 'sleep',
     0, 0, 1003, 1, 1700000640, 10000000, 100, 200, 1024, NULL, 1003, NULL),
    (4, 2, 1700000660000000, 0, 1004, NULL, 560, 16, 134, 56, 'crash',
     1000, 1000, 1004, 1001, 1700000659, 500000, 400000, 1000, 8192, 0,
     1004, NULL),
    -- ESC [31m, tab, quote, comma, newline, a byte that is not UTF-8
    (5, 2, 1700000670000000, 0, 1005, NULL, 560, 16, 0, 32,
     CAST(X'651b5b33316d0922612c620aff' AS TEXT),
     1000, 1000, 1005, 1001, 1700000669, 1000, 10, 20, 512, 0, 1005, NULL),
    -- UTF-8 e-acute, backslash, DEL, C1 CSI, lone lead byte, CR, NUL
    (6, 2, 1700000680000000, 0, 1006, NULL, 560, 16, 0, 32,
     CAST(X'636166c3a95c7fc29bc30d007a' AS TEXT),
     1000, 1000, 1006, 1001, 1700000679, 1000, 10, 20, 512, 0, 1006, NULL),
    -- U+202E RIGHT-TO-LEFT OVERRIDE between plain letters
    (7, 2, 1700000690000000, 0, 1007, NULL, 560, 16, 0, 32,
     CAST(X'6162e280ae6364' AS TEXT),
     1000, 1000, 1007, 1001, 1700000689, 1000, 10, 20, 512, 0, 1007, NULL),
    -- thread-group aggregate of a newer struct: only delays, unknown tail
    (8, 2, 1700000690000001, 1, 1007, 7, 704, 18, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     X'00ff10ab');
