#!/bin/sh
# storm.sh: taskacctd keeps up with a fork storm without losing a record.
#
# tests/workload forks and reaps STORM_N children back to back (PIDs wrap
# at pid_max, so a pid alone does not identify a child: rows are matched on
# pid, the storm's parent as ac_ppid, and the run) and writes their pids to
# a file, which is loaded into a temporary table.  Every child must have
# exactly one thread row, and the run must report no loss.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

STORM_N=${STORM_N:-20000}

need_daemon_env
skipping || need_binaries
t_setup storm

check "taskacctd starts and commits its runs row" d_start

# cpu_ticks: the daemon's user+system CPU so far, in clock ticks.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$D_PID/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}
if active; then
	c0=$(cpu_ticks)
	wl storm storm "$STORM_N" "$T_TMP/pids"
	sleep 0.3	# one flush interval: the rows are committed
	c1=$(cpu_ticks)
	diag "storm: $(tr '\n' ' ' <"$T_TMP/storm.out")"
fi
check "taskacctd exits 0 on SIGTERM after the storm" d_stop
# Figures, not assertions (the machine is shared): exit rate the workload
# sustained under the recorder, the recorder's CPU per record, and the
# database's size per stored row.
if active && [ -n "$c0" ] && [ -n "$c1" ]; then
	el=$(kv "$T_TMP/storm.out" elapsed_us)
	hz=$(getconf CLK_TCK)
	# (|| binds tighter than / in SQL: each figure is parenthesized)
	q "SELECT 'figures: ' || count(*) || ' rows; ' ||
	    (CAST($STORM_N * 1000000.0 / ${el:-1} AS INTEGER)) ||
	    ' exits/s; ' || (round(($c1 - $c0) * 1000000.0 / $hz /
	    max(count(*), 1), 1)) || ' us daemon CPU per record; ' ||
	    ((SELECT page_count * page_size FROM pragma_page_count,
	     pragma_page_size) / max(count(*), 1)) ||
	    ' database bytes per row' FROM tasks" 2>&1 | sed 's/^/# /'
fi

R=${RUN_ID:-0}
if active; then
	parent=$(kv "$T_TMP/storm.out" parent)
	: "${parent:=0}"
	npids=$(grep -c . "$T_TMP/pids" 2>/dev/null)
	grep 'stopped:' "$T_LOG" | tail -n 1 | sed 's/^/# /'
fi
# the storm's pids as table s, then the query
sq() {
	q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
	    -cmd ".import '$T_TMP/pids' s" "$@"
}
st="t.kind = 0 AND t.run_id = $R AND t.ac_ppid = ${parent:-0}"

if skipping; then
	t_skip "storm's $STORM_N pids loaded into SQL" "$T_SKIP"
elif broken; then
	t_fail "storm's $STORM_N pids loaded into SQL"
else
	got=$(sq "SELECT count(*) FROM s" 2>&1)
	if [ "$got" = "$STORM_N" ] && [ "$npids" = "$STORM_N" ]; then
		t_pass "storm's $STORM_N pids loaded into SQL"
	else
		t_fail "storm's $STORM_N pids loaded into SQL"
		diag "pid file lines: $npids, rows imported: $got"
	fi
fi
if skipping; then
	t_skip "every storm pid has a thread row" "$T_SKIP"
elif broken; then
	t_fail "every storm pid has a thread row"
else
	# NOT IN, not a correlated NOT EXISTS: the planner would walk the
	# parent's whole tasks_ppid range once per pid.
	got=$(sq "SELECT count(*) FROM s WHERE pid NOT IN (SELECT ac_pid FROM
	    tasks t WHERE $st AND ac_pid IS NOT NULL)" 2>&1)
	if [ "$got" = 0 ]; then
		t_pass "every storm pid has a thread row"
	else
		t_fail "every storm pid has a thread row"
		diag "missing: $got; some of them:"
		sq "SELECT pid FROM s WHERE pid NOT IN (SELECT ac_pid FROM
		    tasks t WHERE $st AND ac_pid IS NOT NULL) LIMIT 10" 2>&1 |
		    paste -sd' ' - | sed 's/^/#   /'
	fi
fi
# Only rows of the storm's own pids count: under sanitizers the storm
# parent also runs helper tasks (LeakSanitizer's tracer) of its own.
d="$STORM_N distinct storm rows (pid + parent + run), no more"
if skipping; then
	t_skip "$d" "$T_SKIP"
elif broken; then
	t_fail "$d"
else
	got=$(sq "SELECT count(*), count(DISTINCT ac_pid || '/' ||
	    ac_btime64 || '/' || ac_etime) FROM tasks t WHERE $st AND
	    ac_pid IN (SELECT pid FROM s)" 2>&1)
	if [ "$got" = "$STORM_N|$STORM_N" ]; then
		t_pass "$d"
	else
		t_fail "$d"
		diag "expected: $STORM_N|$STORM_N" "got: $got"
		q -header "SELECT ac_pid, count(*) FROM tasks t WHERE $st
		    GROUP BY ac_pid HAVING count(*) > 1 LIMIT 20" 2>&1 |
		    sed 's/^/#   /'
	fi
fi
sql_is "storm rows are single-threaded exits: AGROUP|AFORK, code 0" "0" \
    "SELECT count(*) FROM tasks t WHERE $st AND
     (ac_flag & 33 <> 33 OR ac_exitcode <> 0 OR ac_tgid <> ac_pid)" \
    "$(task_diag "kind = 0 AND ac_ppid = ${parent:-0} AND
     (ac_flag & 33 <> 33 OR ac_exitcode <> 0)")"
sql_is "storm rows' recv_time lies within the run" "0" \
    "SELECT count(*) FROM tasks t JOIN runs r ON r.id = t.run_id
     WHERE $st AND (t.recv_time < r.start_time OR
     t.recv_time > r.stop_time)"
sql_is "no kernel_drop or queue_full losses in the run" "0" \
    "SELECT coalesce(sum(records), 0) FROM losses WHERE run_id = $R AND
     kind IN ('kernel_drop', 'queue_full')" "SELECT * FROM losses"
sql_is "run ended clean=1 with stop_time set" "1|1" \
    "SELECT clean, stop_time >= start_time FROM runs WHERE id = $R" \
    "SELECT * FROM runs"

# Stopped in the middle of a storm while the database is locked and the
# small queue is full: the stop must wait for the writer and store what the
# kernel had queued, not refuse it.
# The stop comes once the storm has made well over the queue's 1024 exits
# (at this machine's fork rate now, measured), with the lock still held.
T_DB=$T_TMP/stop.db
fill_s=1
if active; then
	probe_us=$("$WORKLOAD" storm 300 /dev/null | sed -n 's/^elapsed_us=//p')
	fill_s=$(( ${probe_us:-0} * 2000 / 300 / 1000000 + 1 ))
	diag "300 forks in ${probe_us:-?} us: ${fill_s} s for 2000 exits"
fi
check "taskacctd --queue 1024 starts" d_start --queue 1024
if active; then
	"$WORKLOAD" storm 30000 /dev/null >/dev/null 2>&1 &
	storm_pid=$!
	sleep 0.5
	# another process holds the write lock until after the stop
	sqlite3 "$T_DB" 'BEGIN IMMEDIATE' ".shell sleep $((fill_s + 2))" \
	    'COMMIT' >/dev/null 2>&1 &
	lock_pid=$!
	sleep "$fill_s"
fi
check "SIGTERM mid-storm with the database locked: exit 0" d_stop
if active; then
	wait "$lock_pid"
	kill "$storm_pid" 2>/dev/null
	wait "$storm_pid" 2>/dev/null
fi
R=${RUN_ID:-0}
sql_is "stop under load: no loss, run clean, rows stored" "0|1|1" \
    "SELECT (SELECT coalesce(sum(records), 0) FROM losses WHERE run_id = $R
     AND kind IN ('kernel_drop', 'queue_full')), clean,
     (SELECT count(*) > 1024 FROM tasks WHERE run_id = $R)
     FROM runs WHERE id = $R" "SELECT * FROM losses"

t_done
