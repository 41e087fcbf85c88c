#!/bin/sh
# sample_upgrade.sh: live sampling across an upgrade in place (SIGUSR2):
# the sampler's table goes to the next image (src/sampler_save.c), so a
# thread sampled before the exec counts the same as without one.
#
# A process of 7 threads (tests/sample_work threads 6) is sampled; then
# SIGUSR2, and 3 of its threads exit before the new image's first pass
# (without the table their exits would be counted whole on top of their
# samples); then an upgrade whose exec fails (a binary that passes the
# check and then cannot be executed): the old image keeps its table, and 2
# more threads exit; then the rest, sampled again by the new image (without
# the table their next sample would be a new baseline and what they did
# meanwhile lost).  Every thread's exit row is marked sampled, and the
# process's activity rows add up to its exit totals exactly, counter by
# counter, as tests/sample.sh checks without an upgrade.  Then the new
# image's side: a table that is not a sealed memfd, garbage, or counting
# 2^32-1 threads is refused with one line and the daemon records on.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

WORK=${WORK:-tests/sample_work}
INTERVAL=4	# s: the exits must come before the next pass
W_PID=

need_daemon_env
if ! skipping; then
	command -v python3 >/dev/null 2>&1 || T_SKIP="python3 not installed"
fi
skipping || need_binaries "$WORK"
t_setup sample_upgrade
BIN=$T_TMP/bin/taskacctd
GOOD=$T_TMP/good
if ! skipping; then
	mkdir -p "$T_TMP/bin"
	cp "$TASKACCTD" "$BIN" && cp "$TASKACCTD" "$GOOD"
fi

su_cleanup() {
	_rc=$?
	[ -n "$W_PID" ] && kill -TERM "$W_PID" 2>/dev/null
	(exit "$_rc")
	t_cleanup
}
trap su_cleanup EXIT

install_bin() {	# file: as a package manager does, renamed over the path
	cp "$1" "$BIN.new" && chmod 0755 "$BIN.new" && mv -f "$BIN.new" "$BIN"
}
nlines() {	# pattern: lines of the log matching it
	grep -c "$1" "$T_LOG" 2>/dev/null
}
thread_exits() {	# threads of the worker (not its leader) stored
	q "SELECT count(*) FROM tasks WHERE kind = 0 AND ac_tgid = $WPID AND \
ac_pid <> $WPID AND run_id = $RUN_ID"
}
# passes_between us0 us1: passes the sampler ended in (us0, us1]
passes_between() {
	q "SELECT count(*) FROM sample_passes WHERE time > $1 AND time <= $2"
}
last_exit() {	# the receipt of the worker's last thread exit stored
	q "SELECT coalesce(max(recv_time), 0) FROM tasks WHERE kind = 0 AND \
ac_tgid = $WPID AND run_id = $RUN_ID"
}
# exits_k k done: tell the worker k threads exit, wait for their rows
# (done: how many thread rows there are then); sets BETWEEN to the passes
# that ended between the last upgrade attempt and those exits.
exits_k() {
	echo "exit $1" >&8
	wait_for 20 "[ \$(thread_exits) -ge $2 ]" || return 1
	BETWEEN=$(passes_between "$T_UP" "$(last_exit)")
}

TASKACCTD=$BIN
check "taskacctd starts from a copy, sampling every $INTERVAL s" \
    d_start --sample-interval "$INTERVAL" --no-ident
if active; then
	mkfifo "$T_TMP/w.in"
	"$WORK" threads 6 <"$T_TMP/w.in" >"$T_TMP/w.out" 2>&1 &
	W_PID=$!
	exec 8>"$T_TMP/w.in"
	WPID=$W_PID
	wait_for 10 'grep -q "^done" "$T_TMP/w.out"'
	# A pass saw all 7 threads: their baselines are in the table.
	wait_for 30 "[ \$(q \"SELECT coalesce(max(threads), 0) FROM activity \
WHERE tgid = $WPID\") -ge 7 ]"
fi
check "a pass sampled the 7 threads" \
    test "$(q "SELECT max(threads) FROM activity WHERE tgid = $WPID")" = 7

# right_after_pass: wait for the next pass to be stored (then the next one
# is an interval away: time for an upgrade and some exits).
right_after_pass() {
	_p0=$(q "SELECT count(*) FROM sample_passes")
	wait_for 20 "[ \$(q 'SELECT count(*) FROM sample_passes') -gt $_p0 ]"
}

# --- an upgrade, then exits before the next pass ----------------------------
if active; then
	right_after_pass
	T_UP=$(date +%s%6N)
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgraded in place') -ge 1 ]"
	exits_k 3 3
	B1=$BETWEEN
	diag "$(grep "sampler's table" "$T_LOG")"
fi
ok_if "SIGUSR2: the sampler's table of the old image is handed over" \
    "[ \$(nlines 'upgraded in place') = 1 ] &&
     [ \$(nlines \"the sampler's table of [0-9]* threads was handed over\") \
= 1 ] && [ \$(nlines 'was refused') = 0 ]" "$(tail -n 5 "$T_LOG")"
if active && [ "${B1:-1}" != 0 ]; then
	t_skip "3 threads exit before the new image's first pass" \
	    "$B1 passes came between the upgrade and the exits (a slow machine)"
else
	ok_if "3 threads exit before the new image's first pass" \
	    '[ "$(thread_exits)" = 3 ] && [ "$B1" = 0 ]' "passes between: $B1"
fi

# --- an upgrade whose exec fails: the old image keeps its table --------------
if active; then
	# Passes the check, then cannot be executed: the exec fails.
	printf '#!/bin/sh\n[ "$1" = --upgrade-check ] && chmod 0644 "$0"\nexit 0\n' \
	    >"$T_TMP/noexec"
	install_bin "$T_TMP/noexec"
	right_after_pass
	T_UP=$(date +%s%6N)
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgrade failed') -ge 1 ]"
	exits_k 2 5
	B2=$BETWEEN
	grep 'upgrade failed' "$T_LOG" | sed 's/^/# /'
fi
ok_if "an exec that fails: one line, the old image records on" \
    "[ \$(nlines 'upgrade failed, still recording with this binary: \
execve.*Permission denied') = 1 ] && d_alive"
if active && [ "${B2:-1}" != 0 ]; then
	t_skip "2 threads exit before the next pass" \
	    "$B2 passes came between the failed upgrade and the exits"
else
	ok_if "2 threads exit before the next pass" '[ "$B2" = 0 ]'
fi

# --- the rest, sampled again by the new image, then exit ----------------------
if active; then
	install_bin "$GOOD"
	p0=$(q "SELECT count(*) FROM sample_passes")
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgraded in place') -ge 2 ]"
	# A pass of the new image samples the survivors from their baselines.
	wait_for 30 "[ \$(q 'SELECT count(*) FROM sample_passes') -gt \
$((p0 + 1)) ]"
	exec 8>&-
	wait "$W_PID"
	W_PID=
	wait_for 20 "[ \$(q \"SELECT count(*) FROM activity WHERE tgid = $WPID \
AND state = 1\") -ge 1 ]"
fi
ok_if "a second upgrade hands the table over again" \
    "[ \$(nlines \"the sampler's table of [0-9]* threads was handed over\") \
= 2 ]"
sql_is "all 7 exit rows of the worker are marked sampled" "7|7" \
    "SELECT count(*), sum(sampled = 1) FROM tasks WHERE kind = 0 AND
     ac_tgid = ${WPID:-0} AND run_id = ${RUN_ID:-0}" \
    "SELECT ac_pid, sampled, recv_time FROM tasks WHERE kind = 0 AND
     ac_tgid = ${WPID:-0}"
# Counter by counter: activity rows plus unsampled exit rows = exit totals
# (the threads spin and sleep: CPU and voluntary switches are never 0).
for c in cpu_run_real_total "ac_utime + ac_stime" nvcsw cpu_delay_total \
    nivcsw ac_minflt "read_char + write_char"; do
	case $c in cpu_run*|nvcsw) nz=">" ;; *) nz=">=" ;; esac
	sql_is "$c: activity + unsampled rows = the exit totals exactly" 1 \
	    "SELECT (SELECT coalesce(sum($c), 0) FROM activity WHERE
     tgid = ${WPID:-0}) + (SELECT coalesce(sum($c), 0) FROM tasks WHERE
     kind = 0 AND ac_tgid = ${WPID:-0} AND sampled IS NULL) = (SELECT
     sum($c) FROM tasks WHERE kind = 0 AND ac_tgid = ${WPID:-0}) AND (SELECT
     sum($c) FROM tasks WHERE kind = 0 AND ac_tgid = ${WPID:-0}) $nz 0" \
	    "SELECT 'activity', sum($c) FROM activity WHERE tgid = ${WPID:-0}
     UNION ALL SELECT 'exits', sum($c) FROM tasks WHERE kind = 0 AND
     ac_tgid = ${WPID:-0}"
done
check "taskacctd stops" d_stop

# --- the new image's side: tables it refuses ----------------------------------
# tests/upgrade_adopt.py plays the old image, with a stand-in sampler child.
adopt() {	# mode
	python3 tests/upgrade_adopt.py "$T_DB" "$GOOD" "$1" --sample-interval \
	    60 --no-ident >"$T_TMP/adopt-$1.out" 2>&1 &
	A_PID=$!
	wait_for 20 "grep -q 'upgraded in place' \"$T_TMP/adopt-$1.out\""
	A_UP=$?
	kill -TERM "$A_PID"
	wait "$A_PID"
	A_RC=$?
}
for m in sacct-unsealed:'handed descriptor [0-9]* is not a sealed memfd' \
    sacct-garbage:'[0-9]* bytes: not a sampler table (magic)' \
    sacct-huge:'72 bytes: more entries than the table holds'; do
	mode=${m%%:*} pat=${m#*:}
	active && adopt "$mode"
	ok_if "a table handed over wrong ($mode): one line, recording on" \
	    "[ \"\$A_UP\" = 0 ] && [ \"\$A_RC\" = 0 ] &&
	     [ \$(grep -c \"upgrade: the sampler's table was refused ($pat): \
sampling starts over\" \"$T_TMP/adopt-$mode.out\") = 1 ] &&
	     [ \$(grep -c 'upgrade:' \"$T_TMP/adopt-$mode.out\") = 1 ]" \
	    "$(cat "$T_TMP/adopt-$mode.out" 2>/dev/null)"
done
active && adopt sacct-good
ok_if "a well-formed table of no thread is taken" \
    "[ \"\$A_RC\" = 0 ] && grep -q \"the sampler's table of 0 threads was \
handed over\" \"$T_TMP/adopt-sacct-good.out\"" \
    "$(cat "$T_TMP/adopt-sacct-good.out" 2>/dev/null)"

t_done
