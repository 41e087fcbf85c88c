#!/bin/sh
# rotate_reader.sh: log rotation (mv of the main file, then SIGHUP) while a
# reader holds a snapshot, during a paced fork storm (issue 9, item 3).
#
# The reader's snapshot keeps the WAL from being copied into the moved
# file.  The -wal left at the old path holds every record since the last
# checkpoint, so the daemon must not delete it: it keeps recording into the
# moved file, names the reader in its log, and starts the new file only
# once the reader is done and the moved file holds everything by itself.
# Afterwards the moved file alone (copied without any -wal) and the new
# file hold every storm exit exactly once, each with a run of its own.
# Once with a read-write reader (sqlite3) and once with a read-only one
# (sqlite3 -readonly, as taskacct opens it).  The reader outlasts the
# 5 s a checkpoint used to wait for it.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
HOLD_S=${HOLD_S:-8}		# the reader holds its snapshot this long
STORM_S=$((HOLD_S + 2))	# across the switch
STORM_RATE=200

need_daemon_env
skipping || need_binaries "$TASKSTORM"
t_setup rotate_reader

# pids_in file...: the storm's exits in these databases, one pid a line.
pids_in() {
	for _f in "$@"; do
		sqlite3 -batch "$_f" "SELECT ac_pid FROM tasks WHERE kind = 0
		    AND ac_ppid IN ($workers)"
	done | sort -n
}

for how in rw ro; do
	old=$T_TMP/old-$how.db
	alone=$T_TMP/alone-$how.db
	ro=
	[ "$how" = ro ] && ro=-readonly
	check "taskacctd starts ($how reader)" d_start
	if active; then
		wl "warm-$how" storm 200
		wait_for 10 "[ \"\$(q 'SELECT count(*) FROM tasks')\" -ge 200 ]"
		# The reader's snapshot is taken before the storm starts.
		rm -f "$T_TMP/snap"
		sqlite3 $ro -batch "$T_DB" "BEGIN" "SELECT count(*) FROM tasks" \
		    ".shell touch $T_TMP/snap; sleep $HOLD_S" "COMMIT" \
		    >"$T_TMP/reader-$how.out" 2>&1 &
		rpid=$!
		wait_for 5 "[ -e $T_TMP/snap ]"
		"$TASKSTORM" -w 1 -r "$STORM_RATE" -t "$STORM_S" \
		    -p "$T_TMP/pids-$how" >"$T_TMP/storm-$how.out" 2>&1 &
		spid=$!
		sleep 1
		mv "$T_DB" "$old"
		kill -HUP "$D_PID"
		sleep 2
		waiting=$(grep -c "cannot be copied into it yet.*held by the read transaction of pid $rpid (sqlite3)" \
		    "$T_LOG")
		early=0
		[ -e "$T_DB" ] && early=1
		wait "$spid"
		wait "$rpid"
		wait_for 5 "[ -s '$T_DB' ]"
		wl "after-$how" storm 100
		sleep 0.5
	fi
	ok_if "the reader is named, the switch waits for it ($how)" \
	    '[ "${waiting:-0}" -ge 1 ] && [ "${early:-1}" = 0 ]' \
	    "log lines naming reader $rpid: ${waiting:-0}; new file early: ${early:-?}"
	check "taskacctd stops ($how reader)" d_stop
	if active; then
		workers=$(kv "$T_TMP/storm-$how.out" worker_pids | tr ' ' ',')
		cp "$old" "$alone"
		pids_in "$alone" "$T_DB" >"$T_TMP/got-$how"
		sort -n "$T_TMP/pids-$how" >"$T_TMP/want-$how"
		n_want=$(wc -l <"$T_TMP/want-$how")
		n_alone=$(pids_in "$alone" | wc -l)
		n_new=$(pids_in "$T_DB" | wc -l)
		diag "$how: storm $n_want exits; moved file $n_alone, new file $n_new"
	fi
	ok_if "every storm exit exactly once in the two files ($how)" \
	    'cmp -s "$T_TMP/want-$how" "$T_TMP/got-$how" &&
	     [ "${n_want:-0}" -gt 100 ] && [ "${n_alone:-0}" -gt 0 ] &&
	     [ "${n_new:-0}" -gt 0 ]' \
	    "missing: $(comm -23 "$T_TMP/want-$how" "$T_TMP/got-$how" 2>/dev/null |
	    wc -l), extra: $(comm -13 "$T_TMP/want-$how" "$T_TMP/got-$how" \
	    2>/dev/null | wc -l)"
	if active; then
		runs_old=$(sqlite3 -batch "$alone" "SELECT count(*), min(clean),
		    count(stop_time), (SELECT count(*) FROM tasks WHERE run_id
		    NOT IN (SELECT id FROM runs)), (SELECT integrity_check FROM
		    pragma_integrity_check) FROM runs" 2>&1)
		runs_same=$(sqlite3 -batch "$old" "SELECT count(*) FROM tasks" \
		    2>&1)/$(sqlite3 -batch "$alone" "SELECT count(*) FROM tasks" \
		    2>&1)
	fi
	ok_if "the moved file stands alone, one run closed cleanly ($how)" \
	    '[ "${runs_old:-}" = "1|1|1|0|ok" ] &&
	     [ "${runs_same%/*}" = "${runs_same#*/}" ]' \
	    "runs, clean, stopped, orphan rows, integrity: ${runs_old:-}" \
	    "rows with its -wal / alone: ${runs_same:-}"
	sql_is "the new file has a run of its own, clean ($how)" "1|1|0|ok" \
	    "SELECT count(*), min(clean), (SELECT count(*) FROM tasks WHERE
	     run_id NOT IN (SELECT id FROM runs)), (SELECT integrity_check FROM
	     pragma_integrity_check) FROM runs"
	rm -f "$T_DB" "$T_DB-wal" "$T_DB-shm"
done
t_done
