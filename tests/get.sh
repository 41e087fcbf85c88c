#!/bin/sh
# get.sh: `taskacct get` against the real kernel's live counters.
#
# Processes held alive by tools/dev/holdthreads do known work, then sleep
# with their counters still, so that what `get` reads can be checked
# against ground truth: bytes written with fsync (write_bytes, on a disk,
# not tmpfs), CPU time against the scheduler's own counter in
# /proc/PID/task/*/schedstat and against /proc/PID/stat, a process total
# against the sum of its threads' --tid queries, and the threads a process
# already lost, read back from a recorder's database.  Then the refusals:
# no privilege, PID 0, garbage, a PID not running, a thread id, a zombie,
# a kernel thread, processes exiting mid-query.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
HOLD=${HOLD:-tools/dev/holdthreads}
MIB=1048576
# ext4/xfs metadata written on behalf of the file: journal blocks.
META_SLACK=$((1 * MIB))
# /proc/PID/stat is in clock ticks; allow this many (rounding, clamps).
TICKS_SLACK=2

need_daemon_env
if ! skipping; then
	for _b in "$TASKACCT" "$HOLD"; do
		if [ ! -x "$_b" ]; then
			t_fail "$_b is built (make taskacct $HOLD)"
			t_done
			exit 1
		fi
	done
	need_binaries
fi
t_setup get

# hold name args...: start holdthreads, wait for "ready PID"; sets H_PID.
hold() {
	_hn=$1; shift
	H_PID=
	skipping && return 0
	"$HOLD" "$@" >"$T_TMP/$_hn.hold" 2>&1 &
	H_PID=$!
	T_PIDS="$T_PIDS $H_PID"
	_i=0
	while [ $_i -lt 300 ] && ! grep -q '^ready' "$T_TMP/$_hn.hold"; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q '^ready' "$T_TMP/$_hn.hold" && return 0
	diag "holdthreads $* not ready:"
	diag_file "$T_TMP/$_hn.hold"
	return 1
}

# getf file key: the value of column key in a one-row tsv output.
getf() {
	awk -F '\t' -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
	    if ($i == k) c = i } NR == 2 && c { print $c }' "$1"
}

# tget name args...: taskacct get in tsv into $T_TMP/name.tsv (+ .err);
# sets G_RC.
tget() {
	_tn=$1; shift
	"$TASKACCT" --format tsv --db "$T_DB" get "$@" >"$T_TMP/$_tn.tsv" \
	    2>"$T_TMP/$_tn.err"
	G_RC=$?
}

# refused desc status pattern args...: get exits with status and one
# line on stderr matching pattern, nothing on stdout.
refused() {
	_rd=$1 _rs=$2 _rp=$3; shift 3
	if skipping; then
		t_skip "$_rd" "$T_SKIP"
		return
	fi
	"$TASKACCT" --db "$T_DB" get "$@" >"$T_TMP/ref.out" 2>"$T_TMP/ref.err"
	_rc=$?
	if [ "$_rc" = "$_rs" ] && [ "$(wc -l <"$T_TMP/ref.err")" -eq 1 ] &&
	    grep -q -- "$_rp" "$T_TMP/ref.err" && [ ! -s "$T_TMP/ref.out" ]
	then
		t_pass "$_rd"
	else
		t_fail "$_rd"
		diag "exit $_rc (want $_rs), stderr:"
		diag_file "$T_TMP/ref.err"
		diag_file "$T_TMP/ref.out" 3
	fi
}

skipping || need_binaries
d_start

# --- I/O: bytes written with fsync, read while the writer lives ---------
DISK=$(skipping || disk_dir)
hold write -w 8 -f "${DISK:-.}/get-write.dat" 1
W_PID=$H_PID
tget write "$W_PID"
WB=$(getf "$T_TMP/write.tsv" write_bytes)
ok_if "get PID shows the live writer's 8 MiB written with fsync" \
    '[ "$G_RC" = 0 ] && [ "${WB:-0}" -ge $((8 * MIB)) ] &&
    [ "$WB" -le $((8 * MIB + META_SLACK)) ]' \
    "exit $G_RC, write_bytes ${WB:-none}, want 8 MiB + at most $META_SLACK" \
    "$(cat "$T_TMP/write.err" 2>/dev/null)"
ok_if "and it is running, one thread" \
    '[ "$(getf "$T_TMP/write.tsv" state)" = running ] &&
    [ "$(getf "$T_TMP/write.tsv" threads)" = 1 ] &&
    [ "$(getf "$T_TMP/write.tsv" ac_pid)" = "$W_PID" ]'
JS=$(skipping || "$TASKACCT" --db "$T_DB" --format json get "$W_PID" 2>/dev/null)
ok_if "--format json keys are the field names" \
    'echo "$JS" | grep -q "\"write_bytes\":$WB[,}]" &&
    echo "$JS" | grep -q "\"ac_comm\":\"holdthreads\""' "$JS"
kill -TERM "$W_PID" 2>/dev/null
rm -f "${DISK:-.}/get-write.dat"

# --- CPU: a spinner against the scheduler and /proc/PID/stat ------------
hold spin -c 400 1
S_PID=$H_PID
tget spin "$S_PID"
VT=$(getf "$T_TMP/spin.tsv" cpu_run_virtual_total)
UT=$(getf "$T_TMP/spin.tsv" ac_utime)
ST=$(getf "$T_TMP/spin.tsv" ac_stime)
SCHED=$(skipping || cat /proc/"$S_PID"/task/*/schedstat | awk '{ s += $1 }
    END { print s }')
TICK_US=$((1000000 / $(getconf CLK_TCK)))
STAT_US=$(skipping || awk -v t="$TICK_US" '{ print ($14 + $15) * t }' \
    /proc/"$S_PID"/stat)
ok_if "a spinner's CPU time is the scheduler's, to the nanosecond" \
    '[ "$G_RC" = 0 ] && [ "${VT:-0}" -ge 400000000 ] && [ "$VT" = "$SCHED" ]' \
    "cpu_run_virtual_total ${VT:-none}, schedstat $SCHED"
ok_if "and /proc/PID/stat's utime+stime, within $TICKS_SLACK ticks" \
    '_dd=$((VT / 1000 - STAT_US)); [ ${_dd#-} -le $((TICKS_SLACK * TICK_US)) ]' \
    "cpu_run_virtual_total ${VT:-none} ns, /proc stat $STAT_US us"
# The kernel samples ac_utime/ac_stime at ticks: under load a spinner is
# charged ticks it shared; /proc/PID/stat scales them to the exact total.
diag "spinner: ac_utime+ac_stime $((${UT:-0} + ${ST:-0})) us (tick-sampled)," \
    " cpu_run_virtual_total $((${VT:-0} / 1000)) us, /proc/PID/stat $STAT_US us"
kill -TERM "$S_PID" 2>/dev/null

# --- threads: the process is the sum of its threads ---------------------
hold four -c 30 -b 100000 4
F_PID=$H_PID
tget four "$F_PID"
SUMS=
if ! skipping; then
	for _t in $(ls /proc/"$F_PID"/task); do
		tget "tid$_t" --tid "$_t"
	done
	SUMS=$(for _k in write_char ac_utime ac_stime cpu_run_virtual_total \
	    nvcsw ac_minflt; do
		_s=0
		for _t in $(ls /proc/"$F_PID"/task); do
			_s=$((_s + $(getf "$T_TMP/tid$_t.tsv" "$_k")))
		done
		echo "$_k=$_s/$(getf "$T_TMP/four.tsv" "$_k")"
	done)
fi
ok_if "a 4-thread process: threads 4, and each sum is the sum of --tid" \
    '[ "$(getf "$T_TMP/four.tsv" threads)" = 4 ] &&
    ! echo "$SUMS" | awk -F "[=/]" "\$2 != \$3 { bad = 1 } END { exit !bad }"' \
    "$SUMS"
# The kernel reports write_char in whole KiB: 100000 -> 99328 per thread.
ok_if "write_char adds up over the 4 threads (KiB-rounded by the kernel)" \
    '[ "$(getf "$T_TMP/four.tsv" write_char)" = $((4 * 99328)) ]' "$SUMS"
HW=$(getf "$T_TMP/four.tsv" hiwater_rss)
ok_if "peaks are the address space's, not summed" \
    '[ "${HW:-0}" -gt 0 ] &&
    [ "$HW" = "$(getf "$T_TMP/tid$F_PID.tsv" hiwater_rss)" ]' "hiwater_rss $HW"
refused "a thread id names its process" 1 "is a thread of process" \
    "$(skipping || ls /proc/"$F_PID"/task | sed -n 2p)"
kill -TERM "$F_PID" 2>/dev/null

# --- threads already exited: from the recorder's database ---------------
hold lost -b 100000 -x 3 2
L_PID=$H_PID
_i=0
while active && [ $_i -lt 50 ] && [ "$(q "SELECT count(*) FROM tasks WHERE \
kind = 0 AND ac_tgid = $L_PID AND ac_pid != $L_PID")" != 3 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
tget lost "$L_PID"
ok_if "threads already exited come from the database, added once" \
    '[ "$G_RC" = 0 ] && [ "$(getf "$T_TMP/lost.tsv" threads)" = 2 ] &&
    [ "$(getf "$T_TMP/lost.tsv" exited_threads)" = 3 ] &&
    [ "$(getf "$T_TMP/lost.tsv" write_char)" = $((5 * 99328)) ]' \
    "threads $(getf "$T_TMP/lost.tsv" threads) exited_threads \
$(getf "$T_TMP/lost.tsv" exited_threads) write_char \
$(getf "$T_TMP/lost.tsv" write_char)" "$(cat "$T_TMP/lost.err")"
if ! skipping; then
	"$TASKACCT" --db "$T_TMP/none.db" --format tsv get "$L_PID" \
	    >"$T_TMP/nodb.tsv" 2>"$T_TMP/nodb.err"
	G_RC=$?
fi
ok_if "without a database: one line saying so, and the live part" \
    '[ "$G_RC" = 0 ] && [ "$(wc -l <"$T_TMP/nodb.err")" = 1 ] &&
    grep -q "cannot read the database" "$T_TMP/nodb.err" &&
    [ "$(getf "$T_TMP/nodb.tsv" write_char)" = $((2 * 99328)) ]' \
    "$(cat "$T_TMP/nodb.err" 2>/dev/null)"

# --- refusals ------------------------------------------------------------
if skipping; then
	t_skip "unprivileged: one line naming the privilege" "$T_SKIP"
else
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    --inh-caps=-all --bounding-set=-all "$TASKACCT" --db "$T_DB" \
	    get "$L_PID" >"$T_TMP/unpriv.out" 2>"$T_TMP/unpriv.err"
	_rc=$?
	ok_if "unprivileged: one line naming the privilege" \
	    '[ "$_rc" = 1 ] && [ "$(wc -l <"$T_TMP/unpriv.err")" = 1 ] &&
	    grep -q "root or a holder of CAP_NET_ADMIN" "$T_TMP/unpriv.err" &&
	    [ ! -s "$T_TMP/unpriv.out" ]' "exit $_rc" \
	    "$(cat "$T_TMP/unpriv.err")"
fi
kill -TERM "$L_PID" 2>/dev/null

refused "PID 0 is the idle task" 1 "idle task" 0
refused "--tid 0 too" 1 "idle task" --tid 0
refused "garbage is a usage error" 2 "bad PID" 12abc
refused "a negative PID is a usage error" 2 "bad PID" -- -5
refused "a PID too large" 2 "bad PID" 99999999999
if ! skipping; then
	sh -c 'exit 0' &
	GONE=$!
	wait "$GONE"
fi
refused "a PID not running: one line" 1 "no process .* is running" "${GONE:-1}"
refused "--tid of a thread not running: one line" 1 "no thread .* is running" \
    --tid "${GONE:-1}"

# A zombie: its parent (sleep, exec'd over the shell) never reaps it.
if ! skipping; then
	sh -c 'sleep 0 & echo $! >"$1"; exec sleep 30' sh "$T_TMP/zombie" &
	Z_PARENT=$!
	T_PIDS="$T_PIDS $Z_PARENT"
	_i=0
	while [ $_i -lt 50 ]; do
		Z_PID=$(cat "$T_TMP/zombie" 2>/dev/null)
		[ -n "$Z_PID" ] && grep -q '^[0-9]* (.*) Z' "/proc/$Z_PID/stat" \
		    2>/dev/null && break
		sleep 0.1
		_i=$((_i + 1))
	done
fi
refused "a zombie: one line, exit 1" 1 "is a zombie" "${Z_PID:-1}"
skipping || kill -TERM "$Z_PARENT" 2>/dev/null

if ! skipping; then
	KT=$(awk '$2 == "(kthreadd)" { print $1 }' /proc/2/stat)
	"$TASKACCT" --db "$T_DB" --format tsv get "${KT:-2}" \
	    >"$T_TMP/kt.tsv" 2>"$T_TMP/kt.err"
	G_RC=$?
fi
ok_if "a kernel thread: its counters, and a note saying what it is" \
    '[ "$G_RC" = 0 ] && grep -q "kernel thread" "$T_TMP/kt.err" &&
    [ "$(getf "$T_TMP/kt.tsv" ac_comm)" = kthreadd ]' \
    "$(cat "$T_TMP/kt.err" 2>/dev/null)"

# Processes that exit during the query: exit 0 or 1, one line, no crash.
BAD=
if ! skipping; then
	_i=0
	while [ $_i -lt 40 ]; do
		"$HOLD" -x 20 1 >/dev/null 2>&1 &
		_p=$!
		# Again until it is gone: a signal that lands between fork
		# and exec is taken by this shell's trap and lost.
		( sleep 0.0$((_i % 10))
		  while kill -TERM "$_p" 2>/dev/null; do sleep 0.05; done ) &
		_k=$!
		"$TASKACCT" --db "$T_DB" get "$_p" >/dev/null 2>"$T_TMP/race.err"
		_rc=$?
		if [ "$_rc" -gt 1 ] || [ "$(wc -l <"$T_TMP/race.err")" -gt 2 ]
		then
			BAD="$BAD $_rc:$(head -n 2 "$T_TMP/race.err")"
		fi
		wait "$_p" "$_k"
		_i=$((_i + 1))
	done
fi
ok_if "processes exiting mid-query: clear lines, never a crash" \
    '[ -z "$BAD" ]' "$BAD"

d_stop
t_done
