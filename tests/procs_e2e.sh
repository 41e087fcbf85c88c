#!/bin/sh
# procs_e2e.sh: process totals over threads, against the real kernel.
# tests/workload forks PROCS_N children one after another, each of
# PROCS_K threads (the main thread included) whose other threads burn
# PROCS_MS of CPU and exit while the main thread waits to join them, then
# one child of BIG_K threads that exit at once.  The first thread's record
# wakes the recorder, which then drains on a 10 ms timer: the process end,
# a moment later, waits in the socket for the next drain, and its receive
# time is late by up to that interval (it then says the process started
# after its first threads ended).  For every child, the thread count and CPU, I/O and context
# switch sums that `last`, `show` and `top --group process` print (JSON)
# must equal the direct SQL sums over every row of that tgid in the run
# (no PID is reused here: checked), and those agree with the CPU and switch
# sums the kernel's own group row (kind 1) carries.  A last child outlives
# a restart of the recorder: its threads' rows are in one run, its end in
# the next, and its totals still count them all.  Needs root in the initial
# namespaces; elsewhere every check is reported as skipped.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
PROCS_N=8
PROCS_K=4
PROCS_MS=1
BIG_K=400
# The kernel adds an exiting thread to its group's sums (the group row)
# just before it fills the thread's own record: a tick or a switch may
# fall between the two.
KERNEL_TOL_US=10000
KERNEL_TOL_CSW=4

need_daemon_env
skipping || need_binaries "$TASKACCT"
t_setup procs_e2e
unset TASKACCT_NOW TASKACCT_DB
TZ=UTC
export TZ

check "taskacctd starts" d_start
run1=$RUN_ID
since=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1
wl small procs "$PROCS_N" "$PROCS_K" "$PROCS_MS"
wl big procs 1 "$BIG_K" 0
sleep 0.5
check "taskacctd stops cleanly" d_stop

# A process that outlives a restart of the recorder: its threads end in
# one run, the process in the next (the same boot).
check "taskacctd starts again" d_start
if active; then
	"$WORKLOAD" procs 1 "$PROCS_K" "$PROCS_MS" 2500 \
	    >"$T_TMP/restart.out" 2>&1 &
	wl_pid=$!
	sleep 1
fi
check "taskacctd stops while the process lives" d_stop
check "taskacctd starts a third time" d_start
if active; then
	wait "$wl_pid"
	sleep 0.5
fi
check "taskacctd stops cleanly after it" d_stop
RUN_ID=$run1

parent=0
pids=
if active; then
	parent=$(kv "$T_TMP/small.out" parent)
	pids=$(sed -n 's/^pid=//p' "$T_TMP/small.out" "$T_TMP/big.out")
fi

# ta ARGS...: the tool on the test database.
ta() {
	"$TASKACCT" --db "$T_DB" "$@" 2>"$T_TMP/ta.err"
}

# jget KEY: KEY's value in the JSON object lines on stdin.
jget() {
	sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"
}

# The direct sums over the rows of process $1 (its tgid, this run):
# "threads|cpu|io|csw", after checking the tgid ended once only.
direct() {
	q "SELECT count(*), sum(ac_utime + ac_stime), sum(coalesce(read_bytes,
	    0) + coalesce(write_bytes, 0)), sum(nvcsw + nivcsw) FROM tasks
	    WHERE kind = 0 AND run_id = $RUN_ID AND ac_tgid = $1 AND
	    (SELECT count(*) FROM tasks WHERE kind = 0 AND run_id = $RUN_ID
	    AND ac_tgid = $1 AND ac_flag & 32) = 1"
}

# The kernel's group row of process $1: "cpu|csw".
kernel_group() {
	q "SELECT x.ac_utime + x.ac_stime, x.nvcsw + x.nivcsw FROM tasks g
	    JOIN tasks x ON x.kind = 1 AND x.link_id = g.id WHERE g.kind = 0
	    AND g.run_id = $RUN_ID AND g.ac_tgid = $1 AND g.ac_flag & 32"
}

# The totals each command prints for process $1, as "threads|cpu|io|csw"
# (last and top print no switch count: "-" there).
from_last() {
	ta --format json last --pid "$1" >"$T_TMP/l.json" || return 1
	printf '%s|%s|%s|-\n' "$(jget threads <"$T_TMP/l.json")" \
	    "$(jget cpu_us <"$T_TMP/l.json")" \
	    "$(jget io_bytes <"$T_TMP/l.json")"
}

from_top() {
	ta --format json top --group process --since "$since" --pid "$1" \
	    >"$T_TMP/t.json" || return 1
	grep "\"pid\":$1," "$T_TMP/t.json" >"$T_TMP/t1.json"
	printf '%s|%s|-|-\n' "$(jget threads <"$T_TMP/t1.json")" \
	    "$(jget cpu <"$T_TMP/t1.json")"
}

# show: the "process" column of the field's line.
show_tot() {
	grep "\"field\":\"$1\"," "$T_TMP/s.json" | jget process
}

from_show() {
	ta --format json show "$1" >"$T_TMP/s.json" || return 1
	printf '%s|%s|%s|%s\n' "$(show_tot threads)" \
	    $(($(show_tot ac_utime) + $(show_tot ac_stime))) \
	    $(($(show_tot read_bytes) + $(show_tot write_bytes))) \
	    $(($(show_tot nvcsw) + $(show_tot nivcsw)))
}

# same GOT WANT: equal, "-" in GOT matching anything.
same() {
	_g=$1 _w=$2
	while [ -n "$_w" ]; do
		_gf=${_g%%|*} _wf=${_w%%|*}
		[ "$_gf" = - ] || [ "$_gf" = "$_wf" ] || return 1
		case $_w in *'|'*) _g=${_g#*|} _w=${_w#*|} ;; *) _w= ;; esac
	done
}

# The restarted one: every row of its tgid, whatever the run.
restart_pid=0
active && restart_pid=$(kv "$T_TMP/restart.out" pid)
direct_any() {
	q "SELECT count(*), sum(ac_utime + ac_stime), sum(coalesce(read_bytes,
	    0) + coalesce(write_bytes, 0)), sum(nvcsw + nivcsw) FROM tasks
	    WHERE kind = 0 AND ac_tgid = $1 AND (SELECT count(DISTINCT run_id)
	    FROM tasks WHERE kind = 0 AND ac_tgid = $1) = 2"
}
across() {
	_want=$(direct_any "$restart_pid")
	[ "${_want%%|*}" = "$PROCS_K" ] ||
	    { diag "rows of $restart_pid: $_want, in two runs"; return 1; }
	for _c in last show top; do
		_got=$("from_$_c" "$restart_pid")
		same "$_got" "$_want" && continue
		diag "$_c process $restart_pid: got $_got, rows say $_want"
		return 1
	done
}

# every CMD: CMD's totals equal the direct sums for every child.
every() {
	_bad=0
	for _p in $pids; do
		_want=$(direct "$_p")
		_got=$("from_$1" "$_p")
		if ! same "$_got" "$_want"; then
			diag "$1 process $_p: got $_got, rows say $_want"
			_bad=1
		fi
	done
	return $_bad
}

# The rows themselves: every thread recorded, and the kernel agrees.
rows_complete() {
	_bad=0
	for _p in $pids; do
		_k=$PROCS_K
		grep -qx "pid=$_p" "$T_TMP/big.out" && _k=$BIG_K
		_d=$(direct "$_p")
		_kg=$(kernel_group "$_p")
		_cpu=${_d#*|} _cpu=${_cpu%%|*} _csw=${_d##*|}
		_kcpu=${_kg%%|*} _kcsw=${_kg#*|}
		if [ "${_d%%|*}" != "$_k" ] || [ -z "$_kg" ] ||
		    [ $((_cpu - _kcpu)) -gt $KERNEL_TOL_US ] ||
		    [ $((_kcpu - _cpu)) -gt $KERNEL_TOL_US ] ||
		    [ $((_csw - _kcsw)) -gt $KERNEL_TOL_CSW ] ||
		    [ $((_kcsw - _csw)) -gt $KERNEL_TOL_CSW ]; then
			diag "process $_p: rows $_d (want $_k threads), kernel" \
			    "group row cpu|csw $_kg"
			_bad=1
		fi
	done
	return $_bad
}

ok_if "workload ran $((PROCS_N + 1)) children" \
    '[ "$(echo $pids | wc -w)" -eq $((PROCS_N + 1)) ]'
check "every thread row stored, sums equal the kernel's group row" \
    rows_complete
check "last: thread count, cpu and io of every process equal its rows" \
    every last
check "show: thread count, cpu, io and switches equal its rows" every show
check "top --group process: thread count and cpu equal its rows" every top
check "a process across a restart: last, show, top count all its threads" \
    across

t_done
