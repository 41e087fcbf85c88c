#!/bin/sh
# cli_hostile.sh: the query tool beside a live recorder, against the
# tricks a user of the machine can play on it.
#
#  - A FIFO at --db (anyone who may write to the directory can make one)
#    is refused at once with one line, not waited on forever in open(2);
#    the tool of be111c1 hangs (the timeout turns that into a failure).
#  - status says "running" only for the file taskacctd holds its lock on:
#    a copy of the live database is not running, the live file is.
#  - A taskacct whose stdout nobody reads (a pipe left full) holds no read
#    snapshot: PRAGMA wal_checkpoint(TRUNCATE) from another connection
#    returns busy=0 while it waits (within 10 tries: the daemon's own
#    writes may delay one), and its output is whole once read.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
# Rows of the blocked query's output: far more than a pipe holds.
BLOCKED_ROWS=200000

need_daemon_env
skipping || need_binaries "$TASKACCT"
t_setup cli_hostile

TA_PID= TA_READER=
ta_cleanup() {
	_ta_rc=$?
	for _p in $TA_PID $TA_READER; do
		kill -CONT "$_p" 2>/dev/null
		kill -KILL "$_p" 2>/dev/null
	done
	t_cleanup
	exit $_ta_rc
}
trap ta_cleanup EXIT

# --- a FIFO at --db
if ! skipping; then
	mkfifo "$T_TMP/fifo.db"
	timeout 10 "$TASKACCT" --db "$T_TMP/fifo.db" status \
	    >"$T_TMP/fifo.out" 2>&1
	rc=$?
fi
ok_if "a FIFO at --db is refused at once with one line" \
    '[ "$rc" -eq 1 ] && [ "$(wc -l <"$T_TMP/fifo.out")" -eq 1 ] &&
    grep -q "is a FIFO" "$T_TMP/fifo.out"' \
    "exit $rc (124: it hung)" "$(cat "$T_TMP/fifo.out" 2>/dev/null)"

# --- status of the live file and of a copy
check "taskacctd starts" d_start
if active; then
	"$WORKLOAD" storm 200 >/dev/null
	sleep 0.5
	q ".backup '$T_TMP/copy.db'"
	"$TASKACCT" --db "$T_DB" --format tsv --no-header status \
	    >"$T_TMP/live.status" 2>&1
	"$TASKACCT" --db "$T_TMP/copy.db" --format tsv --no-header status \
	    >"$T_TMP/copy.status" 2>&1
	live=$(sed -n 's/^recorder\t//p' "$T_TMP/live.status")
	copy=$(sed -n 's/^recorder\t//p' "$T_TMP/copy.status")
	copy_open=$(sqlite3 "$T_TMP/copy.db" "SELECT count(*) FROM runs
	    WHERE id = $RUN_ID AND stop_time IS NULL")
fi
ok_if "status of the live database: running" \
    '[ "$live" = "running (run $RUN_ID, pid $D_PID)" ]' "recorder: $live"
ok_if "the copy holds the live run, still open" '[ "$copy_open" = 1 ]'
ok_if "status of a copy: not running, and says why" \
    'case $copy in running*) false ;; *"holds no lock"*) true ;;
    *) false ;; esac' "recorder: $copy"
ok_if "status of a copy: its last run is not running" \
    '! grep -q "	running	" "$T_TMP/copy.status"' \
    "$(grep -v '^[a-z ]*	' "$T_TMP/copy.status" 2>/dev/null | head -5)"

# --- stdout nobody reads: no snapshot held
if active; then
	mkfifo "$T_TMP/pipe"
	# The reader opens the pipe and reads nothing until told to.
	sh -c 'while [ ! -e "$1" ]; do sleep 0.1; done; exec cat' sh \
	    "$T_TMP/go" <"$T_TMP/pipe" >"$T_TMP/blocked.out" &
	TA_READER=$!
	# Rows in the -wal when the query starts, so that its snapshot
	# would pin the -wal.
	"$WORKLOAD" storm 200 >/dev/null
	sleep 0.3
	"$TASKACCT" --db "$T_DB" --no-header --format csv sql "WITH RECURSIVE
	    c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x <
	    $BLOCKED_ROWS) SELECT x, (SELECT count(*) > 0 FROM tasks) FROM c" \
	    >"$T_TMP/pipe" 2>"$T_TMP/blocked.err" &
	TA_PID=$!
	# Until it waits on the full pipe.
	i=0
	while [ $i -lt 100 ]; do
		wchan=$(cat /proc/$TA_PID/wchan 2>/dev/null)
		case $wchan in *pipe_write) break ;; esac
		sleep 0.1; i=$((i + 1))
	done
	# Frames after its snapshot, then a checkpoint that must reset the
	# -wal: it cannot while a reader holds a snapshot in it.
	"$WORKLOAD" storm 200 >/dev/null
	sleep 0.3
	# taskacctd's own transactions (it records the machine's every
	# exit) can outlast one busy timeout under load; a reader that
	# holds a snapshot outlasts them all.
	i=0
	while [ $i -lt 10 ]; do
		ckpt=$(sqlite3 -cmd '.timeout 2000' "$T_DB" \
		    "PRAGMA wal_checkpoint(TRUNCATE)" 2>&1)
		case $ckpt in 0\|*) break ;; esac
		i=$((i + 1))
	done
	touch "$T_TMP/go"
	wait "$TA_PID"
	ta_rc=$?
	TA_PID=
	wait "$TA_READER"
	TA_READER=
	rows=$(wc -l <"$T_TMP/blocked.out")
	last=$(tail -n 1 "$T_TMP/blocked.out")
fi
ok_if "taskacct waits on a pipe nobody reads" \
    'case $wchan in *pipe_write) true ;; *) false ;; esac' \
    "wchan: $wchan"
ok_if "wal_checkpoint(TRUNCATE) meanwhile: busy=0" \
    'case $ckpt in 0\|*) true ;; *) false ;; esac' \
    "wal_checkpoint: $ckpt (busy|log|checkpointed)"
ok_if "its output is whole once read" \
    '[ "$ta_rc" -eq 0 ] && [ "$rows" -eq $BLOCKED_ROWS ] &&
    [ "$last" = "$BLOCKED_ROWS,1" ]' \
    "exit $ta_rc, $rows rows, last: $last" \
    "$(cat "$T_TMP/blocked.err" 2>/dev/null)"

check "taskacctd stops" d_stop
t_done
