#!/bin/sh
# delay_outlier.sh: a delay longer than the task's life is impossible
# (delay accounting switched on while the task already waited: the wait is
# timed from boot).  A crafted database (sql/schema.sql, rows, then the
# rollups filled as migrate-2.sql fills them, through rollup_rows) holds
# two 7.8 ms processes `dd' with a 35-minute block I/O delay, `tar' (2 s,
# 500 ms of it waiting), `cp' (1 s, 100 ms) and a threaded `srv' whose
# leader waited 200 ms and whose 50 ms thread claims 1000 s.  Rankings
# (top per exit, per process, by a field), show's process totals and the
# rollups (summary) leave the impossible values out; show names them and
# keeps the raw value; `fields` says so.
cd "$(dirname "$0")/.." || exit 1

. tests/lib.sh
crafted_setup delay "delay outliers"

# Rows at 2023-11-14 22:13:20 (1700000000) and a few seconds after.
sqlite3 "$DB" <build/sql/schema.sql && sqlite3 "$DB" <<'SQL' &&
INSERT INTO runs (id, boot_id, start_time, ts_version)
    VALUES (1, 'b', 1699999000000000, 16);
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, link_id, ts_len,
    version, ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime, ac_utime, ac_stime, cpu_delay_total,
    blkio_delay_total, blkio_delay_max)
VALUES
    (1, 1, 1700000001000000, 0, 700, NULL, 560, 16, 0, 32, 'dd', 0, 700,
     1, 700, 7800, 7800, 1000, 1000, 100000, 2100000000000, 2100000000000),
    (2, 1, 1700000002000000, 0, 701, NULL, 560, 16, 0, 32, 'dd', 0, 701,
     1, 701, 7800, 7800, 1000, 1000, 100000, 2100000000000, 2100000000000),
    (3, 1, 1700000003000000, 0, 702, NULL, 560, 16, 0, 32, 'tar', 0, 702,
     1, 702, 2000000, 2000000, 1000, 1000, 100000, 500000000, 300000000),
    (4, 1, 1700000004000000, 0, 703, NULL, 560, 16, 0, 32, 'cp', 0, 703,
     1, 703, 1000000, 1000000, 1000, 1000, 100000, 100000000, 50000000),
    (5, 1, 1700000005000000, 0, 705, NULL, 560, 16, 0, 0, 'srv-io', 0, 705,
     1, 704, 50000, 900000, 1000, 1000, 100000, 1000000000000,
     1000000000000),
    (6, 1, 1700000005100000, 0, 704, NULL, 560, 16, 0, 32, 'srv', 0, 704,
     1, 704, 1000000, 1000000, 1000, 1000, 100000, 200000000, 200000000),
    (7, 1, 1700000005100000, 1, 704, 6, 560, 16, 0, 0, '', 0, 0, 0, 0, 0,
     0, 0, 0, 200000, 1000200000000, 1000000000000);
-- The kernel's start second of each thread row.
UPDATE tasks SET ac_btime64 = recv_time / 1000000 - ac_etime / 1000000,
    ac_btime = recv_time / 1000000 - ac_etime / 1000000 WHERE kind = 0;
SQL
sed -n '/^-- The rollups of the rows already there/,$p' build/sql/migrate-2.sql |
    sed '/^PRAGMA user_version = 2;$/,$d' | sqlite3 "$DB"
crafted_ok $? "crafted database with impossible delays builds, rollups filled"

SINCE=@1699999990
UNTIL=@1700000010

# ta ARGS...: the tool, JSON, output in $TMP/out.
ta() {
	"$T" --db "$DB" --format json "$@" >"$TMP/out" 2>"$TMP/err"
}

# The per-exit ranking: tar first, the impossible ones unranked (null).
ta top --by blkio-delay --since $SINCE --until $UNTIL
sed -n 2p "$TMP/out" | grep -q '"pid":702,.*"blkio-delay":500000000,'
crafted_ok $? "top --by blkio-delay: the 2 s tar ranks first, not a 7.8 ms dd"
[ "$(grep -c '"comm":"dd".*"blkio-delay":null' "$TMP/out")" = 2 ]
crafted_ok $? "top --by blkio-delay: the dd exits have no delay (null)"

ta top --by blkio_delay_max --since $SINCE --until $UNTIL
sed -n 2p "$TMP/out" | grep -q '"pid":702,'
crafted_ok $? "top --by blkio_delay_max (a field): the same, tar first"

# Per process: srv's total leaves its thread's 1000 s out.
ta top --group process --by blkio-delay --since $SINCE --until $UNTIL
grep -o '"pid":[0-9]*' "$TMP/out" | tr '\n' ' ' |
    grep -q '^"pid":702 "pid":704 "pid":703 '
crafted_ok $? "top --group process --by blkio-delay: tar, srv, cp, then the rest"
grep -q '"pid":704,.*"blkio-delay":200000000,' "$TMP/out"
crafted_ok $? "top --group process: srv's block I/O delay is its leader's 200 ms"

ta top --group process --by swapin-delay --since $SINCE --until $UNTIL
crafted_ok $? "top --group process by a measure summed over threads runs"

# show: raw value kept, named as impossible, out of the process total.
ta show 700
grep -q '"field":"blkio_delay_total","value":2100000000000[,}]' "$TMP/out" &&
    grep -q '"field":"impossible_delays","value":"blkio_delay_total blkio_delay_max"' \
    "$TMP/out"
crafted_ok $? "show 700: the raw 35 min kept, named as an impossible delay"
ta show 704
grep -q '"field":"blkio_delay_total",.*"process":200000000}' "$TMP/out"
crafted_ok $? "show 704: the process total leaves the thread's 1000 s out"
ta show --tid 705
grep -q '"field":"impossible_delays"' "$TMP/out"
crafted_ok $? "show --tid 705: the thread's delays named as impossible"

# The rollups (summary reads them) and the rows (--ppid) agree: no dd wait.
ta summary --since $SINCE --until $UNTIL
grep -q '"comm":"dd",.*"blkio_delay_ns":0,' "$TMP/out"
crafted_ok $? "summary (rollups): dd waited 0 for block I/O"
grep -q '"comm":"srv",.*"blkio_delay_ns":200000000,' "$TMP/out" &&
    grep -q '"comm":"srv-io",.*"blkio_delay_ns":0,' "$TMP/out"
crafted_ok $? "summary (rollups): srv-io's impossible 1000 s not summed"
ta summary --since $SINCE --until $UNTIL --ppid 1
grep -q '"comm":"dd",.*"blkio_delay_ns":null,' "$TMP/out" &&
    grep -q '"comm":"srv",.*"blkio_delay_ns":200000000,' "$TMP/out"
crafted_ok $? "summary (rows): dd's wait unknown, srv's 200 ms"
blk=$(sqlite3 "$DB" "SELECT sum(blkio_delay) FROM minutes")
[ "$blk" = 800000000 ]
crafted_ok $? "rollup fill through rollup_rows: 800 ms of block I/O delay ($blk)"

"$T" fields >"$TMP/out" 2>"$TMP/err"
grep 'blkio_delay_total' "$TMP/out" | grep -q impossible
crafted_ok $? "fields: the delay's help says a delay beyond ac_etime is impossible"

crafted_done
