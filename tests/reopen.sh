#!/bin/sh
# reopen.sh: SIGHUP after the database was moved away (log rotation)
# starts a new file at the same path, with no loss: every exit of a storm
# that runs across the rotation is in the old file or the new one, and
# both pass integrity_check.  Both ways of moving are covered: the main
# file alone (its -wal and -shm stay behind) and all three files.  A
# SIGHUP flood logs a few lines only.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup reopen

# rotate how: SIGHUP after moving the database to $T_TMP/old-$how.db
rotate() {
	mv "$T_DB" "$T_TMP/old-$1.db"
	if [ "$1" = all ]; then
		mv "$T_DB-wal" "$T_TMP/old-$1.db-wal"
		mv "$T_DB-shm" "$T_TMP/old-$1.db-shm"
	fi
	kill -HUP "$D_PID"
	_i=0
	while [ $_i -lt 50 ] && [ ! -s "$T_DB" ]; do
		sleep 0.1; _i=$((_i + 1))
	done
}

for how in main all; do
	check "taskacctd starts ($how)" d_start
	if active; then
		"$WORKLOAD" storm 6000 "$T_TMP/pids-$how" >"$T_TMP/s-$how.out" &
		spid=$!
		sleep 0.3
		rotate "$how"
		wait "$spid"
		sleep 0.3
	fi
	sql_is "SIGHUP ($how moved): a new file with its own run" "1|0" \
	    "SELECT count(*), coalesce(max(clean), 0) FROM runs"
	check "taskacctd stops ($how)" d_stop
	if active; then
		parent=$(kv "$T_TMP/s-$how.out" parent)
		old=$T_TMP/old-$how.db
		n_old=$(sqlite3 "$old" "SELECT count(*) FROM tasks WHERE kind = 0
		    AND ac_ppid = ${parent:-0}")
		n_new=$(q "SELECT count(*) FROM tasks WHERE kind = 0
		    AND ac_ppid = ${parent:-0}")
		lost=$(sqlite3 "$old" "SELECT coalesce(sum(records), 0) FROM
		    losses"; q "SELECT coalesce(sum(records), 0) FROM losses")
		diag "$how: old file $n_old rows, new file $n_new rows"
	fi
	if skipping; then
		t_skip "no loss across the rotation ($how)" "$T_SKIP"
	elif [ "$((${n_old:-0} + ${n_new:-0}))" = 6000 ] &&
	    [ "${n_old:-0}" -gt 0 ] && [ "${n_new:-0}" -gt 0 ] &&
	    [ "$(echo $lost)" = "0 0" ]; then
		t_pass "no loss across the rotation ($how): 6000 rows in two files"
	else
		t_fail "no loss across the rotation ($how)"
		diag "old ${n_old:-?} + new ${n_new:-?} != 6000, losses: $lost"
		diag_file "$T_LOG"
	fi
	if active; then
		ic=$(sqlite3 "$old" "PRAGMA integrity_check; SELECT clean FROM
		    runs" | tr '\n' ' ')
	fi
	if skipping; then
		t_skip "old file intact, its run closed cleanly ($how)" "$T_SKIP"
	elif [ "${ic:-}" = "ok 1 " ]; then
		t_pass "old file intact, its run closed cleanly ($how)"
	else
		t_fail "old file intact, its run closed cleanly ($how)"
		diag "got: ${ic:-}"
	fi
	sql_is "new file intact, its run clean ($how)" "ok|1" \
	    "SELECT (SELECT integrity_check FROM pragma_integrity_check),
	     clean FROM runs"
	rm -f "$T_DB" "$T_DB-wal" "$T_DB-shm"
done

# SIGHUP with the file in place changes nothing; a flood of them must not
# flood the log (LOG_RATE_BURST lines per limiter and 10 s window, and
# a "suppressed" count).
FLOOD_N=300
check "taskacctd starts (not moved)" d_start
if active; then
	kill -HUP "$D_PID"
	sleep 0.5
	wl after exit 0
	l0=$(wc -l <"$T_LOG")
	i=0
	while [ $i -lt $FLOOD_N ]; do
		kill -HUP "$D_PID"
		i=$((i + 1))
	done
	sleep 1
	flood=$(($(wc -l <"$T_LOG") - l0))
fi
ok_if "a flood of $FLOOD_N SIGHUPs logs a few lines" \
    '[ "${flood:-99}" -le 12 ] && d_alive' "log lines: ${flood:-?}"
check "taskacctd stops (not moved)" d_stop
sql_is "SIGHUP without a move: one run, still recording" "1|1" \
    "SELECT count(*), (SELECT count(*) > 0 FROM tasks) FROM runs"
t_done
