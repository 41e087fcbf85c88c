#!/bin/sh
# follow_rows.sh: `taskacct last --follow` on rows the test commits itself
# (sqlite3 in WAL mode, as taskacctd writes), for what a live recorder
# makes rare: a commit bigger than a round (FOLLOW_BATCH_ROWS), a prune of
# old rows, and a prune that empties the table so that SQLite numbers the
# next rows from 1 again, in the same commit as those rows (the follower
# never sees the table empty).  Every row comes once, in commit order;
# json is one valid array once interrupted; csv has one header; a table
# prints its header again only when a column widens, rows lined up.
cd "$(dirname "$0")/.." || exit 1

. tests/lib.sh
crafted_setup follow_rows "follow on crafted rows"
FPIDS=
trap 'for p in $FPIDS; do kill -KILL $p 2>/dev/null; done; rm -rf "$TMP"' EXIT
command -v python3 >/dev/null 2>&1 || {
	echo "ok 1 - follow on crafted rows # SKIP python3 not installed"
	echo "1..1"
	exit 0
}
BASE=$(($(date +%s) * 1000000))

# ins N [SQL]: commit N process rows (recv_time rising, as time does),
# after SQL in the same transaction.
RECV=$BASE
ins() {
	sqlite3 -cmd '.timeout 5000' "$DB" "BEGIN; ${2:-} WITH RECURSIVE \
c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $1) INSERT INTO \
tasks (run_id, recv_time, kind, task_id, ts_len, version, ac_exitcode, \
ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid, ac_etime, ac_utime, \
ac_stime) SELECT 1, $RECV + i, 0, i, 560, 16, 0, 32, 'c' || (i % 7), 0, i, \
1, i, 1000, 1, 1 FROM c; COMMIT"
	RECV=$((RECV + $1))
}

# fstart name args...: a follower in the background, output in name.out.
fstart() {
	_n=$1; shift
	"$T" --db "$DB" last -f "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
	FPIDS="$FPIDS $!"
}

# lines name n: wait until name.out has n lines.
lines() {
	wait_for 30 "[ \"\$(wc -l <'$TMP/$1.out')\" -ge $2 ]"
}

ids() {
	python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"): print(json.loads(l)["id"])' "$TMP/$1.out"
}

sqlite3 "$DB" <build/sql/schema.sql >/dev/null &&
sqlite3 "$DB" "PRAGMA journal_mode = WAL; INSERT INTO runs (id, boot_id, \
start_time, ts_version) VALUES (1, 'b', $BASE, 16)" >/dev/null
crafted_ok $? "a crafted database in WAL mode"
ins 3
fstart a --format jsonl -n 2
fstart j --format json -n 1
fstart c --format csv -n 1
fstart t -n 1
lines a 2
lines j 2
lines c 2
lines t 2

ins 12000
lines a 12002
ids a >"$TMP/a1"
seq 2 12003 | cmp -s - "$TMP/a1"
crafted_ok $? "-n 2, then a commit of 12,000 rows (12 rounds): each once, in order"

ins 10 "DELETE FROM tasks WHERE id <= 11000;"
lines a 12012
ids a | tail -n +12003 >"$TMP/a2"
seq 12004 12013 | cmp -s - "$TMP/a2"
crafted_ok $? "after a prune of old rows: the new rows, none again"

# All pruned and 12,100 rows numbered from 1, past the cursor (12013).
ins 12100 "DELETE FROM tasks;"
lines a 24112
ids a | tail -n +12013 >"$TMP/a3"
seq 1 12100 | cmp -s - "$TMP/a3" && grep -q "started over" "$TMP/a.err"
crafted_ok $? "the table emptied and refilled past the cursor: from row 1"

ins 5
lines a 24117
lines c 24117	# a loaded machine runs the followers at their own pace
wait_for 30 "grep -q '\"id\": *12105[,}]' '$TMP/j.out'"
wait_for 30 "grep -q ' 12105\$' '$TMP/t.out'"	# the table's last row
for p in $FPIDS; do kill -INT "$p"; wait "$p" || echo "status $?" >>"$TMP/rc"; done
FPIDS=
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert [o["id"] for o in a][-5:] == list(range(12101, 12106)), a[-5:]
assert len(a) == 24116, len(a)' "$TMP/j.out" 2>"$TMP/err" && [ ! -s "$TMP/rc" ]
crafted_ok $? "json: one array, valid once interrupted (status 0)"
[ "$(grep -c '^exit_time,' "$TMP/c.out")" = 1 ] &&
    [ "$(wc -l <"$TMP/c.out")" = 24117 ]
crafted_ok $? "csv: one header, then every row"
# A table: the header first, again only when a column widens (here the
# ids, 1 to 5 digits, and the ids start over once), every row as wide as
# the header above it (the last column, id, is right-aligned).
awk 'NR == 1 && !/^time / { exit 1 }
    /^time / { w = length($0); h++; next }
    length($0) != w { print "line " NR ": " length($0) " not " w; exit 1 }
    END { if (h > 8 || NR != 24116 + h) { print h " headers, " NR " lines"; exit 1 } }' \
    "$TMP/t.out" >"$TMP/out" 2>&1
crafted_ok $? "table: rows line up under the header above them, repeated only to widen"
crafted_done
