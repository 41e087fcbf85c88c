#!/bin/sh
# tree_cycle.sh: `taskacct tree` on recorded parents that form a cycle.
# A crafted database (sql/schema.sql and two rows) holds processes 500 and
# 501, each the other's parent by ac_ppid, with lives that pass every time
# check.  tree must print each once, stop where a row would repeat on the
# path and say so on stderr, not walk the circle to the depth limit.
cd "$(dirname "$0")/.." || exit 1

. tests/lib.sh
crafted_setup cycle "tree on a ppid cycle"

sqlite3 "$DB" <build/sql/schema.sql && sqlite3 "$DB" <<'SQL'
INSERT INTO runs (id, boot_id, start_time, ts_version)
    VALUES (1, 'b', 1700000000000000, 16);
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime)
VALUES
    (1, 1, 1700000100000000, 0, 500, 560, 16, 0, 32, 'ping', 0, 500, 501,
     500, 10000000, 10000000),
    (2, 1, 1700000100500000, 0, 501, 560, 16, 0, 32, 'pong', 0, 501, 500,
     501, 10000000, 10000000);
SQL
crafted_ok $? "crafted database with a ppid cycle builds"

for target in 500 501; do
	TZ=UTC "$T" --db "$DB" --format csv --no-header tree "$target" \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/out")
	crafted_ok $(( !(rc == 0 && lines == 2) )) \
	    "tree $target: exit 0, each process printed once"
	ids=$(cut -d, -f11 "$TMP/out" | sort | tr '\n' ' ')
	[ "$ids" = "1 2 " ]
	crafted_ok $? "tree $target: rows 1 and 2"
	grep -q "cycle: process .* is its own ancestor" "$TMP/err"
	crafted_ok $? "tree $target: says the parents form a cycle"
done

# A table too, and json closes its array.
TZ=UTC "$T" --db "$DB" tree 500 >"$TMP/out" 2>"$TMP/err"
crafted_ok $(( !($? == 0 && $(wc -l <"$TMP/out") == 3) )) \
    "tree 500 as a table: header and two lines"
TZ=UTC "$T" --db "$DB" --format json tree 500 >"$TMP/out" 2>"$TMP/err"
tail -n 1 "$TMP/out" | grep -qx ']'
crafted_ok $? "tree 500 as json: the array is closed"

crafted_done
