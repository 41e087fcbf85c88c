#!/bin/sh
# timeline.sh: `taskacct timeline` and the charts of tools/chart.c on a
# crafted database: per-bucket figures against direct SQL (exits, a
# summable measure from samples plus unsampled exits, a measure that exists
# only at exit), buckets adding up to the window, --group command's top N
# plus (other), the terminal chart in UTF-8 and ASCII, a hostile task name
# in every shape, the SVG well-formed (xmllint) and rendered (rsvg-convert),
# and the errors.
cd "$(dirname "$0")/.." || exit 1

. tests/lib.sh
crafted_setup timeline "timeline on a crafted database"

# Window @1700000000 .. @1700000600 (10 minutes), rows every minute or so:
# exits of 'sh' (unsampled, 1 MiB written each), a sampled 'db' process
# (activity rows of 2 MiB, its exit row sampled: not counted again), a
# hostile name, and a row outside the window.
sqlite3 "$DB" <build/sql/schema.sql && sqlite3 "$DB" <<'SQL'
INSERT INTO runs (id, boot_id, start_time, ts_version)
    VALUES (1, 'b', 1699999000000000, 16);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 9)
INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime, ac_utime, ac_stime, read_bytes, write_bytes,
    hiwater_rss, ac_btime64)
SELECT 1, 1700000000000000 + n * 60000000 + 1000000, 0, 1000 + n, 560, 16,
    0, 32, 'sh', 0, 1000 + n, 1, 1000 + n, 500000, 500000, 1000, 2000, 0,
    1048576, 4000 + n, 1700000000 + n * 60 FROM i;
-- The sampled process: activity in buckets 2, 3 and 4 (2 MiB each), its
-- exit row sampled (its totals are in the activity rows already).
INSERT INTO activity (time, span, run_id, tgid, lstart, state, ac_comm,
    ac_uid, ac_ppid, threads, ac_utime, ac_stime, write_bytes, read_bytes)
VALUES (1700000150000000, 10000000, 1, 2000, 1700000100000000, 0, 'db', 0,
    1, 1, 10000, 0, 2097152, 0),
    (1700000210000000, 10000000, 1, 2000, 1700000100000000, 0, 'db', 0, 1,
    1, 10000, 0, 2097152, 0),
    (1700000270000000, 10000000, 1, 2000, 1700000100000000, 1, 'db', 0, 1,
    1, 10000, 0, 2097152, 0);
INSERT INTO sample_passes (time, run_id, threads, procs, gone, errors)
    VALUES (1700000150000000, 1, 10, 1, 0, 0);
INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime, ac_utime, ac_stime, read_bytes, write_bytes,
    hiwater_rss, ac_btime64, sampled)
VALUES (1, 1700000270000000, 0, 2000, 560, 16, 0, 32, 'db', 0, 2000, 1,
    2000, 170000000, 170000000, 30000, 0, 0, 6291456, 90000, 1700000100, 1);
-- A hostile name: markup, quotes, a control byte, invalid UTF-8.
INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime, write_bytes, ac_btime64)
VALUES (1, 1700000330000000, 0, 3000, 560, 16, 0, 32,
    CAST(X'1B5B324A3C7363726970743E2622270AFFF58080' AS TEXT), 0, 3000, 1, 3000, 1000,
    1000, 512, 1700000330);
-- Outside the window.
INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, write_bytes, ac_btime64)
VALUES (1, 1700000700000000, 0, 4000, 560, 16, 0, 32, 'late', 0, 4000, 1,
    4000, 1000, 999999999, 1700000700);
SQL
crafted_ok $? "crafted database with exits, samples and a hostile name"

W="--since @1700000000 --until @1700000600"
tl() {	# format args...: the timeline's output in $TMP/out
	_f=$1
	shift
	TZ=UTC "$T" --db "$DB" --format "$_f" timeline $W "$@" \
	    >"$TMP/out" 2>"$TMP/err"
}
col_sum() {	# column: its sum over $TMP/out (csv, header skipped)
	awk -F, -v c="$1" 'NR > 1 { s += $c } END { printf "%d\n", s }' \
	    "$TMP/out"
}

# io: 10 sh exits x 1 MiB + 3 x 2 MiB of samples + 512; the sampled exit
# row's 6 MiB is not counted again; the late row is outside.
tl csv --by io --buckets 10
[ "$(col_sum 5)" = $((10 * 1048576 + 3 * 2097152 + 512)) ]
crafted_ok $? "io over the buckets: samples + unsampled exits, once"
[ "$(col_sum 4)" = 12 ] && [ "$(wc -l <"$TMP/out")" = 11 ]
crafted_ok $? "exits: the 12 process ends of the window, 10 buckets"
# Bucket 2 ([120 s, 180 s)) holds sh's 1 MiB and db's first 2 MiB.
[ "$(sed -n 4p "$TMP/out" | cut -d, -f1,2,5)" = \
    "1700000120000000,60000000,3145728" ]
crafted_ok $? "bucket 2: its start, length and sum"
# The same window in 3 buckets sums the same.
tl csv --by io --buckets 3
[ "$(col_sum 5)" = $((10 * 1048576 + 3 * 2097152 + 512)) ]
crafted_ok $? "coarser buckets add up to the same window"

# rss exists only at exit: the largest process end per bucket.
tl csv --by rss --buckets 1
[ "$(cut -d, -f5 "$TMP/out" | tail -1)" = 90000 ]
crafted_ok $? "rss: the largest process end of the bucket"

# --group command --top 1: db, then (other) with the rest.
tl csv --by io --buckets 1 --group command --top 1
[ "$(cut -d, -f3,5 "$TMP/out" | tail -2 | tr '\n' ' ')" = \
    "sh,10485760 (other),6291968 " ]
crafted_ok $? "--group command --top 1: sh, and (other) with the rest"
tl json --by io --buckets 1 --group command
python3 -c 'import json,sys; r = json.load(open(sys.argv[1]));
assert len(r) == 3, r
assert [x["comm"] for x in r] == ["sh", "db", "\x1b[2J<script>&\"\x27\n\xff\xf5\x80\x80"], r
assert set(r[0]) == {"bucket_start", "bucket_us", "comm", "exits", "io"}
'  "$TMP/out"
crafted_ok $? "json: valid, its keys, the hostile name kept as text"

# The terminal chart: UTF-8 blocks, ASCII elsewhere, names escaped.
LC_ALL=C.UTF-8 TZ=UTC "$T" --db "$DB" timeline $W --by io --group command \
    --buckets 10 >"$TMP/out" 2>"$TMP/err"
grep -q "$(printf '\342\226\210')" "$TMP/out" &&
    grep -q '^exits per 1m00s from 2023-11-14 22:13:20$' "$TMP/out" &&
    grep -q 'bytes read + written' "$TMP/out" &&
    grep -q '^db  *│.* 6.0MiB$' "$TMP/out" &&
    grep -q '^sh  *│.* 10.0MiB$' "$TMP/out"
crafted_ok $? "terminal chart (UTF-8): block bars, local times, legend"
! grep -q "$(printf '\033')" "$TMP/out" &&
    ! grep -q "$(printf '\377')" "$TMP/out" && grep -q '^\\033\[2J' "$TMP/out"
crafted_ok $? "terminal chart: the hostile name escaped"
LC_ALL=C TZ=UTC "$T" --db "$DB" timeline $W --by io --width 80 \
    >"$TMP/out" 2>"$TMP/err"
! LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TMP/out" &&
    grep -q '#' "$TMP/out"
crafted_ok $? "terminal chart (C locale): ASCII only"
# 80 columns: the label column and 70 buckets.
[ "$(awk 'length > m { m = length } END { print m }' "$TMP/out")" -le 80 ]
crafted_ok $? "terminal chart fits --width 80"

# The SVG: standalone, well-formed, the name escaped, rendered.
tl svg --by io --group command
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$TMP/out" 2>"$TMP/err"
	crafted_ok $? "svg: well-formed (xmllint)"
else
	echo "ok $((n += 1)) - svg: well-formed # SKIP xmllint not installed"
fi
! grep -q '<script' "$TMP/out" && grep -q '&lt;script&gt;&amp;' "$TMP/out" &&
    ! grep -q 'href\|<image\|@import' "$TMP/out" &&
    grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$TMP/out" &&
    grep -q '>22:14<' "$TMP/out"
crafted_ok $? "svg: the hostile name escaped, no external asset, local times"
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert -o "$TMP/chart.png" "$TMP/out" 2>"$TMP/err" &&
	    [ "$(head -c 8 "$TMP/chart.png" | od -An -tx1 | tr -d ' \n')" = \
	    89504e470d0a1a0a ] && [ "$(wc -c <"$TMP/chart.png")" -gt 5000 ]
	crafted_ok $? "svg: rendered to PNG (rsvg-convert)"
else
	echo "ok $((n += 1)) - svg: rendered # SKIP rsvg-convert not installed"
fi

# status's sparkline of exits per minute (from the rollups): plain ASCII
# even in a UTF-8 locale (a table escapes every byte past ASCII).
sqlite3 "$DB" "INSERT INTO minutes VALUES (28333336, 'sh', 0, 3, 3, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)"
LC_ALL=C.UTF-8 TASKACCT_NOW=@1700000600 "$T" --db "$DB" status \
    >"$TMP/out" 2>"$TMP/err"
grep -q '^exits/min  *.*#.* last hour, max 3$' "$TMP/out" &&
    ! grep '^exits/min' "$TMP/out" | grep -q '\\'
crafted_ok $? "status: the exits sparkline, readable in a UTF-8 table"

# Errors: one line, exit 2.
for bad in "--buckets 0" "--buckets 1001" "--top 9" "--group user" \
    "--by nosuch"; do
	# shellcheck disable=SC2086
	"$T" --db "$DB" timeline $bad >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && [ ! -s "$TMP/out" ]
	crafted_ok $? "timeline $bad: one line, exit 2"
done
"$T" --db "$DB" --format svg last >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && grep -q 'only `timeline`' "$TMP/err"
crafted_ok $? "--format svg elsewhere: refused"
"$T" --db "$DB" timeline --since @1700000600 --until @1700000000 \
    >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ]
crafted_ok $? "an empty window: one line, exit 2"

crafted_done
