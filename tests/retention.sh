#!/bin/sh
# retention.sh: taskacctd --retain and --max-size prune the oldest rows in
# small batches while it keeps recording, record each pass in "prunes",
# give the freed pages back to the file system, and lose nothing new.
#
# Old history is made by copying rows the daemon recorded and moving their
# receive time back by days; a big history by copying them many times.
# Rows go in whole minutes (a storm's minute a batch at a time), with their
# rollups (also tests/rollup.sh and tests/unit_store.c).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup retention

DAY_US=86400000000
check "taskacctd starts on a fresh database" d_start
wl seed exit 0
wl seed2 exit 0
check "taskacctd stops" d_stop
# old_rows N DAYS: N copies of the first row, received DAYS days ago.
old_rows() {
	q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < $1) INSERT INTO tasks (run_id, recv_time, kind, task_id,
	    ts_len, version, ac_pid, ac_comm, ac_etime)
	    SELECT t.run_id, t.recv_time - $2 * $DAY_US - n.i, t.kind, t.task_id,
	    t.ts_len, t.version, t.ac_pid, 'old' || (n.i % 100), t.ac_etime
	    FROM n, (SELECT * FROM tasks ORDER BY id LIMIT 1) t;
	    INSERT INTO losses (run_id, time, kind, records)
	    SELECT run_id, min(recv_time), 'kernel_drop', 1 FROM tasks
	    WHERE ac_comm LIKE 'old%'"
}
# refill_rollups: the rollups of every row, by SQL (sql/migrate-2.sql).
refill_rollups() {
	q "DELETE FROM minutes; DELETE FROM minute_parents;
	   $(sed -n '/^-- The rollups of the rows already there/,/^PRAGMA/p' \
	    sql/migrate-2.sql | grep -v '^PRAGMA')"
}
# Rollup rows whose counts differ from the rows left, both ways, in every
# minute after the oldest row's (a minute of a storm is pruned a batch at a
# time: its rollups go with its last row; the query tool reads it from the
# rows meanwhile, tests/rollup.sh).
OLDEST_MINUTE="(SELECT min(recv_time) / 60000000 FROM tasks)"
ROLLUP_DIFF="SELECT (SELECT count(*) FROM (SELECT minute, ac_comm, ac_uid,
    tasks FROM minutes EXCEPT SELECT minute, ac_comm, ac_uid, count(*) FROM
    rollup_rows GROUP BY 1, 2, 3) WHERE minute > $OLDEST_MINUTE) +
    (SELECT count(*) FROM (SELECT minute, ac_comm, ac_uid, count(*) FROM
    rollup_rows GROUP BY 1, 2, 3 EXCEPT SELECT minute, ac_comm, ac_uid,
    tasks FROM minutes) WHERE minute > $OLDEST_MINUTE) + (SELECT count(*)
    FROM (SELECT minute, ac_ppid, procs FROM minute_parents EXCEPT SELECT
    minute, ac_ppid, count(*) FROM rollup_rows WHERE procs GROUP BY 1, 2)
    WHERE minute > $OLDEST_MINUTE) + (SELECT count(*) FROM minutes WHERE
    minute < $OLDEST_MINUTE)"
if active; then
	old_rows 5000 10
	new_before=$(q "SELECT count(*) FROM tasks WHERE ac_comm NOT LIKE 'old%'")
fi
sql_is "10-day-old history planted: 5000 rows" "5000" \
    "SELECT count(*) FROM tasks WHERE ac_comm LIKE 'old%'"

check "taskacctd --retain 7d starts" d_start --retain 7d
# The first check runs at start; one pass of 5000 rows takes 3 batches.
if active; then
	_i=0
	while [ $_i -lt 100 ] && [ "$(q 'SELECT count(*) FROM prunes')" = 0 ]
	do
		sleep 0.1; _i=$((_i + 1))
	done
	wl during storm 3000 "$T_TMP/pids"
fi
check "taskacctd stops after pruning" d_stop
sql_is "rows older than 7 days are gone" "0" \
    "SELECT count(*) FROM tasks WHERE ac_comm LIKE 'old%'"
sql_is "the pass is in prunes: reason, rows, losses" "retain|5000|1" \
    "SELECT reason, rows, losses FROM prunes" "SELECT * FROM prunes"
sql_is "recent rows are kept" "${new_before:-x}" \
    "SELECT count(*) FROM tasks WHERE ac_comm NOT LIKE 'old%' AND
     run_id < ${RUN_ID:-0}"
R=${RUN_ID:-0}
if active; then
	parent=$(kv "$T_TMP/during.out" parent)
fi
sql_is "recording went on while pruning: all 3000 storm rows, no loss" \
    "3000|0" \
    "SELECT (SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0
     AND ac_ppid = ${parent:-0}), (SELECT coalesce(sum(records), 0) FROM
     losses WHERE run_id = $R)"
sql_is "a 7-day retention with nothing older prunes nothing more" "1" \
    "SELECT count(*) FROM prunes"

# Size limit: a large history, then a limit well below it.
if active; then
	old_rows 60000 1
	refill_rollups
	q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	size0=$(stat -c %s "$T_DB")
	total0=$(q "SELECT count(*) FROM tasks")
fi
check "taskacctd --max-size 4M starts" d_start --max-size 4M
if active; then
	_i=0
	while [ $_i -lt 150 ] && [ "$(q "SELECT count(*) FROM prunes WHERE
	    reason = 'max_size'")" = 0 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
fi
check "taskacctd stops after the size pass" d_stop
# Exits of other processes keep arriving while the pass runs: allow room
# for what this run recorded (at most 400 bytes a row).
R=${RUN_ID:-0}
grew="(SELECT count(*) * 400 FROM tasks WHERE run_id = $R)"
if active; then
	q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	size1=$(stat -c %s "$T_DB")
	room=$((4194304 + $(q "SELECT $grew")))
	diag "file $size0 -> $size1 bytes; rows $total0 -> $(q \
	    'SELECT count(*) FROM tasks')"
fi
sql_is "the size pass is recorded with its rows and bytes" "1|1|1" \
    "SELECT count(*), min(rows) > 0, min(bytes_freed) > 0 FROM prunes
     WHERE reason = 'max_size'" "SELECT * FROM prunes"
sql_is "used pages within 90% of the limit, plus this run's rows" "1" \
    "SELECT (page_count - freelist_count) * page_size <= 4194304 * 0.9 +
     $grew FROM pragma_page_count, pragma_freelist_count, pragma_page_size"
sql_is "the oldest rows went first" "1" \
    "SELECT (SELECT min(recv_time) FROM tasks) >= (SELECT max(before_time)
     FROM prunes WHERE reason = 'max_size')"
if skipping; then
	t_skip "the file shrank (incremental vacuum)" "$T_SKIP"
elif [ -n "${size1:-}" ] && [ "$size1" -le "$room" ] &&
    [ "$size1" -lt "$((${size0:-0} / 2))" ]; then
	t_pass "the file shrank (incremental vacuum)"
else
	t_fail "the file shrank (incremental vacuum)"
	diag "before: ${size0:-?} after: ${size1:-?} room: ${room:-?}"
fi
# The planted history is one minute of 60000 rows, pruned a batch at a
# time: the minutes after it must still count exactly the rows left.
sql_is "after the size pass the rollups count the rows left" "0" \
    "$ROLLUP_DIFF"
sql_is "integrity_check after pruning" "ok" "PRAGMA integrity_check"

# Bad values are one-line usage errors.
for bad in "--retain 0" "--retain -1" "--retain 3x" "--max-size 12Q" \
    "--max-size 0"; do
	if skipping; then
		t_skip "$bad is refused" "$T_SKIP"
		continue
	fi
	# shellcheck disable=SC2086
	"$TASKACCTD" -f -d "$T_TMP/bad.db" $bad >"$T_TMP/bad.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$T_TMP/bad.out")" -eq 1 ] &&
	    [ ! -e "$T_TMP/bad.db" ]; then
		t_pass "$bad is refused with one line, nothing created"
	else
		t_fail "$bad is refused with one line, nothing created"
		diag "exit $rc"; diag_file "$T_TMP/bad.out"
	fi
done
t_done
