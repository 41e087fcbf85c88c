#!/bin/sh
# crash.sh: kill -9 of taskacctd in the middle of a fork storm, then a
# restart on the same database (issue 5, item 1).
#
# The daemon listens on CPU 1 only, the storm is pinned to CPU 1 and this
# script to CPU 0, so the daemon sees the storm and next to nothing else.
# Shortly before the kill a reader notes the run's committed rows; the storm
# is then stopped (SIGSTOP) at a child that has already exited, so the
# storm's pids up to that child are exactly those whose exit the kernel
# reported before the kill, and the daemon is killed with SIGKILL.  After a
# restart:
#   - the database opens and PRAGMA integrity_check is ok;
#   - every row the reader saw committed is still there, unchanged;
#   - the killed run has clean = 0 and stop_time NULL, and its last_alive
#     (the last commit) is earlier than the next run's start_time: a gap;
#   - the storm's exits before the kill missing from the database are at
#     most what a crash can lose: the records received but not committed,
#     that is the queue's capacity (--queue, which also holds the batch
#     being committed: slots are released only after the commit), plus what
#     sat in the kernel's receive buffer (runs.rcvbuf bytes; the kernel
#     charges each exit message ~1280 bytes, so rcvbuf / 1024 records is
#     an upper bound), plus exits the kernel had dropped (counted in the
#     socket's drop counter, read from /proc/net/netlink at the kill, or
#     stored as losses).  A small queue and buffer keep the bound tight.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

STORM_N=${STORM_N:-25000}
CRASH_QUEUE=1024
CRASH_RCVBUF=2M
KILL_AFTER_ROWS=${KILL_AFTER_ROWS:-3000}
BYTES_PER_RECORD_MIN=1024	# the kernel charges ~1280 per exit message

need_daemon_env
need_second_cpu
skipping || need_binaries
t_setup crash

STORM_PID=
crash_cleanup() {
	_rc0=$?
	if [ -n "$STORM_PID" ]; then
		kill -CONT "$STORM_PID" 2>/dev/null
		kill -KILL "$STORM_PID" 2>/dev/null
		wait "$STORM_PID" 2>/dev/null
	fi
	(exit "$_rc0")
	t_cleanup
}
trap crash_cleanup EXIT

# proc_state pid: the one-letter state of a process ("" if gone).
proc_state() {
	_l=
	read -r _l <"/proc/$1/stat" 2>/dev/null || { echo; return; }
	_l=${_l##*) }
	echo "${_l%% *}"
}

# storm_halt: stop the storm at a child that has exited (a zombie: its exit
# message has been sent).  Sets BOUNDARY to that child's pid.
storm_halt() {
	BOUNDARY=
	_try=0
	while [ $_try -lt 200 ]; do
		_try=$((_try + 1))
		kill -STOP "$STORM_PID" 2>/dev/null || return 1
		_i=0
		while [ "$(proc_state "$STORM_PID")" != T ] && [ $_i -lt 1000 ]
		do
			_i=$((_i + 1))
		done
		_kids=
		read -r _kids <"/proc/$STORM_PID/task/$STORM_PID/children" \
		    2>/dev/null
		set -- $_kids
		if [ $# -eq 1 ]; then
			_i=0
			while [ "$(proc_state "$1")" != Z ] && [ $_i -lt 1000 ]
			do
				_i=$((_i + 1))
			done
			if [ "$(proc_state "$1")" = Z ]; then
				BOUNDARY=$1
				return 0
			fi
		fi
		# between a reap and the next fork: let it run a little
		kill -CONT "$STORM_PID"
		sleep 0.01
	done
	return 1
}

# Everything this script runs exits on CPU 0, out of the daemon's sight.
skipping || taskset -pc 0 $$ >/dev/null
DARGS="--cpus 1 --queue $CRASH_QUEUE --rcvbuf $CRASH_RCVBUF"
# shellcheck disable=SC2086
check "taskacctd --cpus 1 --queue $CRASH_QUEUE starts" d_start $DARGS
R1=${RUN_ID:-0}
D1=${D_PID:-0}

seen="0|0|0"
if active; then
	taskset -c 1 "$WORKLOAD" storm "$STORM_N" "$T_TMP/pids" \
	    >"$T_TMP/storm.out" 2>"$T_TMP/storm.err" &
	STORM_PID=$!
	n=0 i=0
	while [ "${n:-0}" -lt "$KILL_AFTER_ROWS" ] && [ $i -lt 300 ] &&
	    kill -0 "$STORM_PID" 2>/dev/null; do
		sleep 0.02
		n=$(q "SELECT count(*) FROM tasks WHERE run_id = $R1")
		i=$((i + 1))
	done
	storm_halt || diag "could not stop the storm at an exited child"
	# What a reader sees committed just before the kill.
	seen=$(q "SELECT count(*), coalesce(max(id), 0), total(ac_pid) FROM
	    tasks WHERE run_id = $R1")
	# The socket's state at the kill, from /proc/net/netlink.
	ino=$(ls -l "/proc/$D1/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ')
	sock=$(awk -v inos=" $ino" '$1 != "sk" && index(inos, " " $NF " ") {
	    print "rmem=" $5 " drops=" $9 }' /proc/net/netlink)
	kill -KILL "$D1"
	wait "$D1" 2>/dev/null
	D_PID=
	kill -CONT "$STORM_PID"
	wait "$STORM_PID"
	storm_rc=$?
	STORM_PID=
	diag "kill -9 after $n committed rows seen; storm stopped at" \
	    "child ${BOUNDARY:-?}; committed count|max(id)|sum(pid): $seen;" \
	    "socket at the kill: ${sock:-?}"
fi
ok_if "storm stopped at an exited child, then killed the daemon" \
    '[ -n "$BOUNDARY" ] && [ "$n" -ge "$KILL_AFTER_ROWS" ]' \
    "rows seen: $n, boundary child: ${BOUNDARY:-none}"
ok_if "the storm finished, all $STORM_N pids listed" \
    '[ "${storm_rc:-1}" = 0 ] && [ "$(grep -c . "$T_TMP/pids")" = "$STORM_N" ]' \
    "$(cat "$T_TMP/storm.out" "$T_TMP/storm.err" 2>/dev/null)"

# shellcheck disable=SC2086
check "taskacctd restarts on the crashed database" d_start $DARGS
R2=${RUN_ID:-0}
sql_is "integrity_check ok after the restart" "ok" "PRAGMA integrity_check"
cnt=${seen%%|*} rest=${seen#*|}
maxid=${rest%%|*} sum=${rest#*|}
sql_is "every row committed before the kill is present and unchanged" \
    "$seen" "SELECT count(*), coalesce(max(id), 0), total(ac_pid) FROM tasks
    WHERE run_id = $R1 AND id <= $maxid"
sql_is "the killed run: clean = 0, stop_time NULL" "0|1" \
    "SELECT clean, stop_time IS NULL FROM runs WHERE id = $R1" \
    "SELECT * FROM runs"
sql_is "the killed run's last_alive covers its committed rows" "1" \
    "SELECT r.last_alive >= (SELECT max(recv_time) FROM tasks
     WHERE run_id = r.id) FROM runs r WHERE id = $R1" "SELECT * FROM runs"
sql_is "the gap: next run starts after the killed run's last_alive" "1|1" \
    "SELECT b.id > a.id, b.start_time > a.last_alive FROM runs a, runs b
     WHERE a.id = $R1 AND b.id = $R2" "SELECT * FROM runs"

# The storm's pids up to the boundary child: their exits were all sent
# before the kill.
parent=0 k=0
if active; then
	parent=$(kv "$T_TMP/storm.out" parent)
	k=$(grep -n -m 1 -x "${BOUNDARY:-x}" "$T_TMP/pids" | cut -d: -f1)
	head -n "${k:-0}" "$T_TMP/pids" >"$T_TMP/before"
fi
sq() {
	q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
	    -cmd ".import '$T_TMP/before' s" "$@"
}
ok_if "storm pids before the kill: ${k:-0}, all distinct" \
    '[ "${k:-0}" -gt 0 ] &&
     [ "$(sort -u "$T_TMP/before" | grep -c .)" = "$k" ]' \
    "boundary line ${k:-none}, rows committed $cnt"
stored=0 lost=0 missing=-1 rcvbuf=0
if active; then
	mine="t.run_id = $R1 AND t.kind = 0 AND t.ac_ppid = ${parent:-0}"
	# IN (one set built once): a correlated EXISTS may be planned on
	# the ac_ppid index, one scan of the storm's rows per pid.
	stored=$(sq "SELECT count(*) FROM s WHERE pid IN (SELECT ac_pid
	    FROM tasks t WHERE $mine)")
	missing=$((k - stored))
	lost=$(q "SELECT coalesce(sum(records), 0) FROM losses
	    WHERE run_id = $R1")
	rcvbuf=$(q "SELECT rcvbuf FROM runs WHERE id = $R1")
fi
# Drops the kernel had counted at the kill may not have been stored yet.
kdrops=0
case $sock in *drops=*) kdrops=${sock##*drops=} ;; esac
[ "${kdrops:-0}" -gt "${lost:-0}" ] 2>/dev/null && lost=$kdrops
bound=$((CRASH_QUEUE + ${rcvbuf:-0} / BYTES_PER_RECORD_MIN + ${lost:-0}))
ok_if "crash loss within the bound: $missing missing <= $bound (queue \
$CRASH_QUEUE + receive buffer ${rcvbuf:-0}/$BYTES_PER_RECORD_MIN + \
counted losses ${lost:-0})" \
    '[ "$missing" -ge 0 ] && [ "$missing" -le "$bound" ]' \
    "storm pids before the kill: $k, stored: $stored"
ok_if "no storm record stored twice in the killed run" \
    '[ "$(q "SELECT count(*) - count(DISTINCT ac_pid || \"/\" ||
     recv_time || \"/\" || ac_btime64 || \"/\" || ac_etime) FROM tasks t
     WHERE $mine")" = 0 ]'

check "taskacctd exits 0 on SIGTERM after the restart" d_stop
sql_is "the restarted run stopped clean; integrity_check ok" "1|ok" \
    "SELECT clean, (SELECT integrity_check FROM pragma_integrity_check)
     FROM runs WHERE id = $R2"

t_done
