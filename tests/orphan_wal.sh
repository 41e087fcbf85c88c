#!/bin/sh
# orphan_wal.sh: a -wal left at the database path without its database.
#
# The recorder was killed while its file had been moved away (a rotation
# waiting for a reader to release the WAL, or a move while it was down):
# the -wal at the path then holds the moved file's last commits, in no
# other file.  SQLite deletes such a -wal when it opens a new, empty
# database at the path; taskacctd must keep it aside first
# (PATH-wal.orphan-EPOCH), say so in one warning, and start recording.
# Put beside the moved file as its -wal, it gives back every row.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup orphan_wal

check "taskacctd starts" d_start
wl storm storm 400 "$T_TMP/pids"
sleep 0.5
rows=$(q "SELECT count(*) FROM tasks" 2>/dev/null)
d_stop KILL
ok_if "taskacctd is killed (-9) with its commits in the -wal" \
    '[ "$D_STATUS" = 137 ]' "exit status $D_STATUS"
moved=$T_TMP/moved.db
if active; then
	mv "$T_DB" "$moved"
	walsize=$(wc -c <"$T_DB-wal" 2>/dev/null || echo 0)
fi
ok_if "the -wal at the path holds commits (${walsize:-0} bytes)" \
    '[ "${walsize:-0}" -gt 0 ]'

check "taskacctd starts on the path with no database but a -wal" d_start
kept=$(ls "$T_DB"-wal.orphan-* 2>/dev/null | head -n 1)
ok_if "the orphan -wal was kept aside" '[ -n "$kept" ] && [ -s "$kept" ]' \
    "files: $(ls "$T_TMP" | tr '\n' ' ')"
ok_if "one warning names where it was kept" \
    '[ "$(grep -c "had no database beside it" "$T_LOG")" = 1 ] &&
     grep -q -F "$kept" "$T_LOG"' "$(tail -n 5 "$T_LOG")"
# Other exits are committed at once (the writer commits when its queue
# runs dry): no row of another run, rather than no row at all.
sql_is "the new database starts empty, with its own run" "0|1" \
    "SELECT (SELECT count(*) FROM tasks WHERE run_id <> (SELECT id FROM
     runs)), (SELECT count(*) FROM runs)"
check "taskacctd stops" d_stop

if active && [ -n "$kept" ]; then
	mv "$kept" "$moved-wal"
	back=$(sqlite3 "$moved" "SELECT count(*) FROM tasks" 2>&1)
fi
# At least: other exits may be committed between the count and the kill.
ok_if "beside the moved file it gives back every row ($rows)" \
    '[ -n "$rows" ] && [ "$rows" -gt 0 ] && [ "$back" -ge "$rows" ]' \
    "before the kill: $rows rows; moved file with the kept -wal: $back"

t_done
