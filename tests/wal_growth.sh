#!/bin/sh
# wal_growth.sh: the WAL while a reader holds a snapshot, and --max-size
# (issue 9, item 5).
#
# 1. A reader's snapshot keeps checkpoints from copying the WAL back, so
#    the WAL grows for as long as the read lasts.  Under a thread storm the
#    daemon must say so at once, naming the reader, and only once (the
#    warning is rate-limited), and say when checkpoints work again.
# 2. --max-size counts the -wal file (up to the size a checkpoint leaves
#    it): a database whose pages fit the limit but whose pages and WAL
#    together do not is pruned at start.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
WG_MAX=16M		# the WAL gets an eighth: 2 MiB, 128 16 KiB frames
HOLD_S=8

need_daemon_env
skipping || need_binaries "$TASKSTORM"
t_setup wal_growth

held_lines() {
	grep -c "the WAL is .* MiB and checkpoints cannot copy it back" "$T_LOG"
}

# --- 1: a reader holds the WAL ----------------------------------------------
check "taskacctd --max-size $WG_MAX starts" d_start --max-size "$WG_MAX"
if active; then
	wl warm tstorm 200
	sqlite3 -batch "$T_DB" "BEGIN" "SELECT count(*) FROM tasks" \
	    ".shell touch $T_TMP/snap; sleep $HOLD_S" "COMMIT" \
	    >"$T_TMP/reader.out" 2>&1 &
	rpid=$!
	wait_for 5 "[ -e $T_TMP/snap ]"
	"$TASKSTORM" -m thread -w 1 -r 3000 -t $((HOLD_S - 2)) \
	    >"$T_TMP/storm.out" 2>&1
	wal=$(stat -c %s "$T_DB-wal")
	named=$(grep -c "held by the read transaction of pid $rpid (sqlite3); it grows" \
	    "$T_LOG")
	held=$(held_lines)
	wait "$rpid"
	wl after tstorm 2000
	wait_for 5 "grep -q 'checkpoints copy the WAL back again' '$T_LOG'"
	diag "WAL $wal bytes with the reader; $(kv "$T_TMP/storm.out" created) threads"
fi
ok_if "the WAL grew past its share of --max-size while the reader read" \
    '[ "${wal:-0}" -gt 2097152 ]'
ok_if "a warning names the reader at once" '[ "${named:-0}" -ge 1 ]' \
    "$(grep -i wal "$T_LOG")"
ok_if "... only once (rate-limited)" '[ "${held:-0}" = 1 ]' \
    "warnings: ${held:-0}"
ok_if "the end of it is logged" \
    "grep -q 'checkpoints copy the WAL back again' '$T_LOG'"
sql_is "no prune for a WAL that pruning cannot shrink" "0" \
    "SELECT count(*) FROM prunes"
check "taskacctd stops" d_stop

# --- 2: --max-size counts the WAL --------------------------------------------
# A WAL full of frames is left by a daemon killed in its sleep: the next
# start finds it uncopied, and the pages in use just under the limit.
rm -f "$T_DB" "$T_DB-wal" "$T_DB-shm"
check "taskacctd starts on a new database" d_start
if active; then
	wl fill tstorm 6000
	sleep 1
	d_stop KILL >/dev/null 2>&1
	# read-only: closing the last connection must not checkpoint
	used=$(sqlite3 -readonly -batch "$T_DB" "SELECT (page_count -
	    freelist_count) * page_size FROM pragma_page_count,
	    pragma_freelist_count, pragma_page_size")
	wal=$(stat -c %s "$T_DB-wal")
	# pages + 1/16: the pages fit, the pages and 1/8 of the limit do not
	max=$(((used + used / 16) / 1024))K
	diag "pages in use $used bytes, WAL $wal bytes: --max-size $max"
fi
ok_if "a killed daemon left a WAL bigger than the limit's eighth" \
    '[ "${wal:-0}" -gt "$(((${used:-0} + ${used:-0} / 16) / 8))" ]'
check "taskacctd --max-size (pages + 1/16) starts" d_start --max-size "${max:-1M}"
# The check at start, not the next one 10 s later (WRITER_PRUNE_CHECK_MS),
# when other exits may have filled the room.
if active; then
	wait_for 3 "[ \"\$(q 'SELECT count(*) FROM prunes')\" -gt 0 ]"
fi
sql_is "... and prunes at once: the WAL counts" "max_size" \
    "SELECT reason FROM prunes LIMIT 1"
check "taskacctd stops" d_stop
t_done
