#!/bin/sh
# sample.sh: taskacctd --sample-interval against the real kernel.
#
# Ground truth from tests/sample_work: a process writing exactly N MiB with
# fsync over several 1 s intervals shows running (state 0) activity rows
# with the bytes so far (and so do `taskacct top --by io --since 1min`,
# running, and `taskacct get PID`; after its exit top over its life shows
# the N MiB once, and over two adjacent windows adds up), and after its exit its activity rows plus its
# unsampled thread rows hold N MiB once (and exactly its exit totals: no
# double count); a spinner's CPU sums to its exit totals and to what it
# measured itself; processes that live within one interval appear only
# through their exit rows; a fork storm under sampling keeps every exit
# and never counts a process beyond its exit totals.  Then the privilege
# split: with --user nobody the daemon holds no capability, the child
# CAP_NET_ADMIN alone; killing the child is logged, sampling stops and
# exits are still recorded.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

WORK=${WORK:-tests/sample_work}
MIB=1048576
N_MIB=6
# ext4/xfs journal blocks written on the file's behalf
META_SLACK=$MIB
STORM=${SAMPLE_STORM:-3000}

need_daemon_env
skipping || need_binaries "$WORK"
t_setup sample

# work name args...: start sample_work with its stdin held open on a fifo
# (fd 8 for the first, 9 for the second); sets W_PID.
work() {
	_wn=$1 _fd=$2; shift 2
	mkfifo "$T_TMP/$_wn.in"
	"$WORK" "$@" <"$T_TMP/$_wn.in" >"$T_TMP/$_wn.out" 2>&1 &
	W_PID=$!
	T_PIDS="$T_PIDS $W_PID"
	eval "exec $_fd>\"\$T_TMP/\$_wn.in\""
}

# release fd: close the fifo: the worker exits.
release() {
	eval "exec $1>&-"
}

# The activity and unsampled exit rows of process pid, summed: col.
act_sum() {	# pid col
	q "SELECT coalesce(sum($2), 0) FROM activity WHERE tgid = $1"
}
unsampled_sum() {	# pid col
	q "SELECT coalesce(sum($2), 0) FROM tasks WHERE kind = 0 AND \
ac_tgid = $1 AND sampled IS NULL AND run_id = $RUN_ID"
}
exit_sum() {	# pid col
	q "SELECT coalesce(sum($2), 0) FROM tasks WHERE kind = 0 AND \
ac_tgid = $1 AND run_id = $RUN_ID"
}
exited() {	# pid
	[ "$(q "SELECT count(*) FROM tasks WHERE kind = 0 AND ac_pid = $1 \
AND run_id = $RUN_ID")" -ge 1 ]
}

d_start --sample-interval 1
DIR=$(disk_dir)

# --- a writer ----------------------------------------------------------------
if ! skipping; then
	work writer 8 write $N_MIB 400 "$DIR/written"
	WPID=$W_PID
	wait_for 60 'grep -q "^done" "$T_TMP/writer.out"'
	# the samples catch up with the work within an interval or two
	wait_for 20 "[ \$(act_sum $WPID write_bytes) -ge $((N_MIB * MIB)) ]"
	RUNNING_ROWS=$(q "SELECT count(*) FROM activity WHERE tgid = $WPID \
AND state = 0 AND write_bytes > 0")
	RUNNING_BYTES=$(act_sum $WPID write_bytes)
	EXITED_ROWS=$(q "SELECT count(*) FROM activity WHERE tgid = $WPID AND \
state = 1")
	# What a user sees while it runs: top over the last minute, and get.
	"${TASKACCT:-./taskacct}" --db "$T_DB" --format json top --by io --since 1min \
	    >"$T_TMP/top-running.json" 2>&1
	"${TASKACCT:-./taskacct}" --db "$T_DB" --format json get "$WPID" \
	    >"$T_TMP/get-running.json" 2>&1
	release 8
	wait_for 30 "exited $WPID"
	wait_for 10 "[ \$(q \"SELECT count(*) FROM activity WHERE tgid = $WPID \
AND state = 1\") -ge 1 ]"
fi
ok_if "writer: running activity rows (state 0) over several intervals" \
    '[ "$RUNNING_ROWS" -ge 2 ] && [ "$EXITED_ROWS" -eq 0 ]' \
    "rows with bytes: $RUNNING_ROWS, exited rows while running: $EXITED_ROWS"
ok_if "writer: the bytes written so far while it runs" \
    '[ "$RUNNING_BYTES" -ge $((N_MIB * MIB)) ] &&
     [ "$RUNNING_BYTES" -le $((N_MIB * MIB + META_SLACK)) ]' \
    "activity write_bytes $RUNNING_BYTES, written $((N_MIB * MIB))"
if ! skipping; then
	W_ACT=$(act_sum $WPID write_bytes)
	W_UNS=$(unsampled_sum $WPID write_bytes)
	W_EXIT=$(exit_sum $WPID write_bytes)
	W_SAMPLED=$(q "SELECT sampled FROM tasks WHERE kind = 0 AND \
ac_pid = $WPID AND run_id = $RUN_ID")
	W_FINAL=$(q "SELECT state FROM activity WHERE tgid = $WPID ORDER BY \
time DESC, state DESC LIMIT 1")
fi
ok_if "writer: after exit, activity + unsampled rows hold N MiB once" \
    '[ $((W_ACT + W_UNS)) -ge $((N_MIB * MIB)) ] &&
     [ $((W_ACT + W_UNS)) -le $((N_MIB * MIB + META_SLACK)) ]' \
    "activity $W_ACT + unsampled $W_UNS, written $((N_MIB * MIB))"
ok_if "writer: exactly its exit totals (no double count)" \
    '[ $((W_ACT + W_UNS)) -eq "$W_EXIT" ]' \
    "activity $W_ACT + unsampled $W_UNS vs exit $W_EXIT"
ok_if "writer: its exit row is marked sampled, its last row exited" \
    '[ "$W_SAMPLED" = 1 ] && [ "$W_FINAL" = 1 ]' \
    "sampled '$W_SAMPLED', last state '$W_FINAL'"
# The same through the query tool: top's JSON (pid, comm, state, io) and
# get's live write_bytes while it ran; after its exit, a window covering
# its life shows its bytes once, exited, and adjacent windows add up.
jtop() {	# file pid key: the value of key in pid's object of top's JSON
	python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    if o.get("pid") == int(sys.argv[2]):
        print(o.get(sys.argv[3])); break' "$@" 2>/dev/null
}
ok_if "while it runs: top --by io --since 1min shows it running, bytes so far" \
    '[ "$(jtop "$T_TMP/top-running.json" "$WPID" state)" = running ] &&
     [ "$(jtop "$T_TMP/top-running.json" "$WPID" io)" -ge $((N_MIB * MIB)) ] &&
     [ "$(jtop "$T_TMP/top-running.json" "$WPID" io)" -le \
     $((N_MIB * MIB + META_SLACK)) ]' "$(head -c 600 "$T_TMP/top-running.json")"
jget() {	# file key: the value of key in get's JSON (one object)
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[0][sys.argv[2]])' "$@" 2>/dev/null
}
ok_if "while it runs: get PID shows its live write_bytes" \
    '[ "$(jget "$T_TMP/get-running.json" ac_pid)" = "$WPID" ] &&
     [ "$(jget "$T_TMP/get-running.json" state)" = running ] &&
     [ "$(jget "$T_TMP/get-running.json" write_bytes)" -ge \
     $((N_MIB * MIB)) ]' "$(head -c 300 "$T_TMP/get-running.json")"
if ! skipping; then
	# Whole seconds around its life and a cut between two of its samples.
	S0=$(( $(q "SELECT min(time) FROM activity WHERE tgid = $WPID") \
	    / 1000000 - 5 ))
	S2=$(( $(q "SELECT max(time) FROM activity WHERE tgid = $WPID") \
	    / 1000000 + 2 ))
	S1=$(( $(q "SELECT time FROM activity WHERE tgid = $WPID AND \
write_bytes > 0 ORDER BY time LIMIT 1 OFFSET 1") / 1000000 ))
	for w in "$S0 $S2 all" "$S0 $S1 a" "$S1 $S2 b"; do
		set -- $w
		"${TASKACCT:-./taskacct}" --db "$T_DB" --format json top --by io --group \
		    process --limit 1000 --since "@$1" --until "@$2" \
		    >"$T_TMP/top-$3.json" 2>&1
	done
	TA=$(jtop "$T_TMP/top-a.json" "$WPID" io)
	TB=$(jtop "$T_TMP/top-b.json" "$WPID" io)
	TALL=$(jtop "$T_TMP/top-all.json" "$WPID" io)
	TSTATE=$(jtop "$T_TMP/top-all.json" "$WPID" state)
	# io is read + write: what it read (a few pages) counts too.
	W_READ=$(( $(act_sum $WPID read_bytes) + $(unsampled_sum $WPID \
	    read_bytes) ))
fi
ok_if "after exit: top over its life shows N MiB once, exited" \
    '[ "$TSTATE" = exited ] &&
     [ "$TALL" -eq $((W_ACT + W_UNS + W_READ)) ]' \
    "top io $TALL state $TSTATE, rows: written $((W_ACT + W_UNS)), read $W_READ"
ok_if "after exit: top over two adjacent windows adds up to the covering one" \
    '[ "${TA:-0}" -gt 0 ] && [ "${TB:-0}" -gt 0 ] &&
     [ $((TA + TB)) -eq "$TALL" ]' "A $TA + B $TB vs $TALL"

# Two adjacent windows add up to the one covering both, by the contract
# of sql/schema.sql (activity rows by time, unsampled rows by recv_time).
win() {	# from to
	q "SELECT (SELECT coalesce(sum(write_bytes), 0) FROM activity WHERE \
tgid = $WPID AND time >= $1 AND time < $2) + (SELECT \
coalesce(sum(write_bytes), 0) FROM tasks WHERE kind = 0 AND ac_tgid = $WPID \
AND sampled IS NULL AND recv_time >= $1 AND recv_time < $2)"
}
if ! skipping; then
	T0=$(q "SELECT min(time) FROM activity WHERE tgid = $WPID")
	T1=$(q "SELECT max(time) + 1 FROM activity WHERE tgid = $WPID")
	TM=$(q "SELECT time FROM activity WHERE tgid = $WPID AND \
write_bytes > 0 ORDER BY time LIMIT 1 OFFSET 1")
	WA=$(win "$T0" "$TM")
	WB=$(win "$TM" "$T1")
	WC=$(win "$T0" "$T1")
fi
ok_if "writer: two adjacent windows add up to the covering one" \
    '[ -n "$TM" ] && [ "$WA" -gt 0 ] && [ "$WB" -gt 0 ] &&
     [ $((WA + WB)) -eq "$WC" ] && [ "$WC" -eq $((W_ACT + W_UNS)) ]' \
    "A $WA + B $WB vs covering $WC (total $((W_ACT + W_UNS)))"

# --- a spinner ---------------------------------------------------------------
if ! skipping; then
	work spinner 9 spin 1500 10
	SPID=$W_PID
	wait_for 60 'grep -q "^done" "$T_TMP/spinner.out"'
	release 9
	wait_for 30 "exited $SPID"
	S_NS=$(kv "$T_TMP/spinner.out" cpu_ns)
	S_ACT=$(act_sum $SPID cpu_run_real_total)
	S_UNS=$(unsampled_sum $SPID cpu_run_real_total)
	S_EXIT=$(exit_sum $SPID cpu_run_real_total)
	S_UT=$(( $(act_sum $SPID "ac_utime + ac_stime") + \
	    $(unsampled_sum $SPID "ac_utime + ac_stime") ))
	S_ROWS=$(q "SELECT count(*) FROM activity WHERE tgid = $SPID AND \
cpu_run_real_total > 0")
fi
ok_if "spinner: CPU over several intervals" '[ "$S_ROWS" -ge 2 ]' \
    "$S_ROWS activity rows with CPU"
ok_if "spinner: cpu_run_real_total sums to its exit totals exactly" \
    '[ $((S_ACT + S_UNS)) -eq "$S_EXIT" ]' \
    "activity $S_ACT + unsampled $S_UNS vs exit $S_EXIT"
# The kernel's utime/stime (and, without VIRT_CPU_ACCOUNTING,
# cpu_run_real_total) are tick-sampled: a tick charges all its time to the
# task it lands on, so over 10 slices allow 15% and 40 ms.
ok_if "spinner: the CPU it measured itself, and utime+stime, to ticks" \
    'd=$((S_ACT + S_UNS - S_NS)); [ ${d#-} -le $((S_NS / 7 + 40000000)) ] &&
     d=$((S_UT * 1000 - S_ACT - S_UNS)); [ ${d#-} -le 8000000 ]' \
    "sampled $((S_ACT + S_UNS)) ns, utime+stime $((S_UT * 1000)) ns, \
measured $S_NS ns"

# --- short processes: their exit rows alone ----------------------------------
if ! skipping; then
	SHORT_OK=0 SHORT_BAD=0
	for _i in 1 2 3 4 5; do
		wl short$_i exit 0
		_p=$(kv "$T_TMP/short$_i.out" pid)
		wait_for 10 "exited $_p"
		_s=$(q "SELECT coalesce(sampled, 'null') FROM tasks WHERE \
kind = 0 AND ac_pid = $_p AND run_id = $RUN_ID")
		_a=$(q "SELECT count(*) FROM activity WHERE tgid = $_p AND \
time >= (SELECT recv_time - ac_etime FROM tasks WHERE kind = 0 AND \
ac_pid = $_p AND run_id = $RUN_ID)")
		if [ "$_s" = null ] && [ "$_a" = 0 ]; then
			SHORT_OK=$((SHORT_OK + 1))
		elif [ "$_s" != 1 ] || [ "$_a" = 0 ]; then
			SHORT_BAD=$((SHORT_BAD + 1))
			diag "pid $_p: sampled $_s, $_a activity rows"
		fi
	done
fi
ok_if "short processes appear through their exit rows alone" \
    '[ "$SHORT_OK" -ge 3 ] && [ "$SHORT_BAD" -eq 0 ]' \
    "$SHORT_OK unsampled, $SHORT_BAD inconsistent"

# --- a fork storm under sampling ---------------------------------------------
if ! skipping; then
	wl storm storm "$STORM"
	wait_for 60 "[ \$(q \"SELECT count(*) FROM tasks WHERE run_id = \
$RUN_ID AND ac_ppid = $(kv "$T_TMP/storm.out" parent)\") -ge $STORM ]"
	STORED=$(q "SELECT count(*) FROM tasks WHERE kind = 0 AND run_id = \
$RUN_ID AND ac_ppid = $(kv "$T_TMP/storm.out" parent)")
	# every process with activity rows: activity + its unsampled thread
	# rows never exceed its exit totals (processes matched by tgid and
	# start as PROCS_LSTART estimates it)
	OVER=$(q "WITH e AS (SELECT ac_tgid AS tgid, min(recv_time, \
(coalesce(ac_btime64, ac_btime) + ac_etime / 1000000 + 1) * 1000000 - 1) - \
ac_tgetime AS ls, sampled, cpu_run_real_total AS c, nvcsw AS n, \
read_char + write_char AS io FROM tasks WHERE kind = 0 AND run_id = $RUN_ID), \
a AS (SELECT tgid, lstart, sum(cpu_run_real_total) AS c, sum(nvcsw) AS n, \
sum(read_char + write_char) AS io FROM activity WHERE run_id = $RUN_ID GROUP \
BY tgid, lstart HAVING max(state) = 1) \
SELECT count(*) FROM a WHERE \
a.c + (SELECT coalesce(sum(c), 0) FROM e WHERE e.tgid = a.tgid AND \
abs(e.ls - a.lstart) <= 1000000 AND sampled IS NULL) > (SELECT sum(c) FROM e \
WHERE e.tgid = a.tgid AND abs(e.ls - a.lstart) <= 1000000) OR \
a.n + (SELECT coalesce(sum(n), 0) FROM e WHERE e.tgid = a.tgid AND \
abs(e.ls - a.lstart) <= 1000000 AND sampled IS NULL) > (SELECT sum(n) FROM e \
WHERE e.tgid = a.tgid AND abs(e.ls - a.lstart) <= 1000000) OR \
a.io + (SELECT coalesce(sum(io), 0) FROM e WHERE e.tgid = a.tgid AND \
abs(e.ls - a.lstart) <= 1000000 AND sampled IS NULL) > (SELECT sum(io) FROM e \
WHERE e.tgid = a.tgid AND abs(e.ls - a.lstart) <= 1000000)")
	CHECKED=$(q "SELECT count(DISTINCT tgid) FROM activity WHERE \
run_id = $RUN_ID AND state = 1")
	LOST=$(q "SELECT coalesce(sum(records), 0) FROM losses WHERE \
run_id = $RUN_ID")
	PASSES=$(q "SELECT count(*) FROM sample_passes WHERE run_id = $RUN_ID")
fi
ok_if "fork storm under sampling: the daemon lives, every exit stored" \
    'd_alive && [ "$STORED" -ge "$STORM" ] && [ "$LOST" = 0 ] &&
     [ "$PASSES" -ge 3 ]' \
    "stored $STORED of $STORM, lost $LOST, passes $PASSES"
ok_if "no process counted beyond its exit totals" \
    '[ "$OVER" = 0 ] && [ "$CHECKED" -ge 2 ]' \
    "$OVER processes over their totals, of $CHECKED ended and sampled"
d_stop
ok_if "stops cleanly with sampling on" '[ "$D_STATUS" = 0 ]'

# --- the privilege split -------------------------------------------------------
skipping || chmod 0711 "$T_TMP"
T_DB=$T_TMP/priv/priv.db
d_start --sample-interval 1 --user nobody
NOBODY=$(id -u nobody 2>/dev/null)
if ! skipping; then
	CHILD=$(child_named "$D_PID" taskacctd-priv)
	P_CAPS=$(proc_caps "$D_PID")
	C_CAPS=$(proc_caps "$CHILD")
	C_FDS=$(ls "/proc/$CHILD/fd" 2>/dev/null | tr '\n' ' ')
fi
ok_if "--user nobody: the daemon holds no capability" \
    'case "$P_CAPS" in "0000000000000000 0000000000000000 "*" 1 $NOBODY")
     true ;; *) false ;; esac' "daemon: $P_CAPS (CapEff CapPrm CapBnd NoNewPrivs Uid)"
ok_if "--user nobody: the child holds CAP_NET_ADMIN alone, as nobody" \
    '[ -n "$CHILD" ] &&
     [ "$C_CAPS" = "0000000000001000 0000000000001000 0000000000001000 1 $NOBODY" ]' \
    "child $CHILD: $C_CAPS (CapEff CapPrm CapBnd NoNewPrivs Uid)"
ok_if "the child keeps no descriptor but its socket, netlink and /dev/null" \
    '[ "$C_FDS" = "0 1 2 3 4 " ]' "child fds: $C_FDS"
if ! skipping; then
	wait_for 10 "[ \$(q 'SELECT count(*) FROM sample_passes') -ge 1 ]"
	kill -KILL "$CHILD"
	wait_for 10 'grep -q "privileged child.*killed by signal 9" "$T_LOG"'
	KILLED_LOG=$?
	wl after exit 3
	AFTER=$(kv "$T_TMP/after.out" pid)
	wait_for 10 "exited $AFTER"
	# Pass rows ride on the writer's next commit: this exit's carried
	# those of every pass before the kill.
	P1=$(q "SELECT count(*) FROM sample_passes")
	sleep 2		# two intervals: no pass may come
	wl after2 exit 3
	wait_for 10 "exited $(kv "$T_TMP/after2.out" pid)"
	P2=$(q "SELECT count(*) FROM sample_passes")
fi
ok_if "killing the child is logged; the daemon lives" \
    '[ "$KILLED_LOG" = 0 ] && d_alive' "$(tail -n 3 "$T_LOG" 2>/dev/null)"
ok_if "after the child's death: exits still recorded, sampling stopped" \
    'exited "$AFTER" && [ "$P1" = "$P2" ]' "passes $P1 then $P2"
d_stop
ok_if "stops cleanly without its child" '[ "$D_STATUS" = 0 ]'

t_done
