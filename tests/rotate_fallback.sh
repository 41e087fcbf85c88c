#!/bin/sh
# rotate_fallback.sh: SIGHUP when no new database can be made at the path
# (issue 9, item 4).  The daemon runs as an unprivileged user (nobody) in
# a directory that user cannot write.
#
# 1. The file is moved away and a SIGHUP comes during a storm: the new
#    file cannot be created, so recording must go on in the moved file for
#    real, in the same run: the moved file alone (without any -wal) holds
#    every storm exit and its run is closed cleanly at stop.  A later
#    SIGHUP, once the directory is the user's, starts the new file.
# 2. Even the old file cannot be written: it was deleted, not moved.  The
#    records wait in a small queue, what it cannot hold is counted, and
#    once the directory is writable a new file gets every storm exit
#    either as a row or in the losses table.  Never a clean run with
#    missing rows.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
RF_USER=nobody
RF_QUEUE=1024
RF_RCVBUF=64K
LOST_N=3000	# threads, more than the queue and the buffer hold

need_daemon_env
if ! skipping && ! id "$RF_USER" >/dev/null 2>&1; then
	T_SKIP="no user $RF_USER"
fi
skipping || need_binaries "$TASKSTORM"
t_setup rotate_fallback

# rows_of file tgids: the thread rows of these processes (storms of
# threads: thread ids are not reused within a process's life).
rows_of() {
	sqlite3 -batch "$1" "SELECT count(*) FROM tasks WHERE kind = 0 AND
	    ac_tgid IN (${2:-0}) AND ac_pid != ac_tgid"
}

# The user reaches the directories below the test's own, and cannot write
# them: they are root's, which taskacctd leaves to their owner.
if ! skipping; then
	chmod 0711 "$T_TMP"
	mkdir -m 0755 "$T_TMP/a" "$T_TMP/b"
fi

# --- 1: the moved file, recorded into for real -----------------------------
T_DB=$T_TMP/a/taskacct.db
old=$T_TMP/a/taskacct.db.1
check "taskacctd starts as $RF_USER in a directory it cannot write" \
    d_start --user "$RF_USER"
if active; then
	"$TASKSTORM" -m thread -w 1 -r 1000 -t 3 >"$T_TMP/s1.out" 2>&1 &
	spid=$!
	sleep 1
	mv "$T_DB" "$old"
	kill -HUP "$D_PID"
	wait "$spid"
	wait_for 10 "grep -q 'reopen failed' '$T_LOG'"
	sleep 0.5
	kept=$(grep -c "reopen failed: cannot create a database in $T_TMP/a: .*still recording into $old" "$T_LOG")
	# Once the user may write the directory, a SIGHUP switches.
	chown "$RF_USER" "$T_TMP/a"
	kill -HUP "$D_PID"
	wait_for 10 "[ -s '$T_DB' ]"
	wl s2 tstorm 300
	sleep 0.5
fi
ok_if "the log says recording goes on in the moved file" \
    '[ "${kept:-0}" = 1 ]' "$(grep reopen "$T_LOG")"
check "taskacctd stops" d_stop
if active; then
	cp "$old" "$T_TMP/alone.db"
	n_storm=$(kv "$T_TMP/s1.out" created)
	w1=$(kv "$T_TMP/s1.out" worker_pids)
	n_old=$(rows_of "$T_TMP/alone.db" "$w1")
	n_new=$(rows_of "$T_DB" "$w1")
	runs_old=$(sqlite3 -batch "$T_TMP/alone.db" "SELECT count(*),
	    min(clean), (SELECT count(*) FROM losses) FROM runs")
	diag "storm of $n_storm threads: $n_old rows in the moved file, $n_new in the new one"
fi
ok_if "the moved file alone holds every storm exit" \
    '[ "${n_old:-0}" = "${n_storm:-x}" ] && [ "${n_new:-1}" = 0 ]'
ok_if "... in one run, closed cleanly, with no loss" \
    '[ "${runs_old:-}" = "1|1|0" ]' "runs, clean, losses: ${runs_old:-}"
sql_is "a later SIGHUP starts the new file: its rows, a clean run" \
    "300|1|1|0" "SELECT (SELECT count(*) FROM tasks WHERE kind = 0 AND
     ac_tgid = 0$(kv "$T_TMP/s2.out" pid 2>/dev/null) AND
     ac_pid != ac_tgid), count(*), min(clean),
     (SELECT count(*) FROM losses) FROM runs"

# --- 2: nothing can be written: held, counted, never a silent gap ----------
T_DB=$T_TMP/b/taskacct.db
check "taskacctd starts again (queue $RF_QUEUE, buffer $RF_RCVBUF)" \
    d_start --user "$RF_USER" --queue "$RF_QUEUE" --rcvbuf "$RF_RCVBUF"
if active; then
	rm "$T_DB"
	kill -HUP "$D_PID"
	wait_for 10 "grep -q 'no database file to record into' '$T_LOG'"
	wl lost tstorm "$LOST_N"
	sleep 1
	ok_if "nothing is written while no file can be made" \
	    '[ ! -e "$T_DB" ] && d_alive'
	chown "$RF_USER" "$T_TMP/b"
	wait_for 10 "[ -s '$T_DB' ]"
	sleep 1
else
	ok_if "nothing is written while no file can be made" false
fi
check "taskacctd stops" d_stop
if active; then
	stored=$(rows_of "$T_DB" "$(kv "$T_TMP/lost.out" pid)")
	lost=$(q "SELECT coalesce(sum(records), 0) FROM losses")
	diag "storm of $LOST_N: $stored stored, $lost counted as lost"
fi
ok_if "every storm exit is stored or counted in losses" \
    '[ "$((${stored:-0} + ${lost:-0}))" -ge "$LOST_N" ] &&
     [ "${stored:-0}" -gt 0 ] && [ "${lost:-0}" -gt 0 ]'
sql_is "the new file's run: losses recorded, integrity ok" "1|1|ok" \
    "SELECT count(*), (SELECT count(*) > 0 FROM losses),
     (SELECT integrity_check FROM pragma_integrity_check) FROM runs"
t_done
