#!/bin/sh
# bench_table.sh: tools/dev/bench-table.sh prints every figure of the
# issue's table from the bench-figures/*.json lines the benches write:
# measured, target, ratio and verdict; "not measured" for a figure no
# bench gave (never a number it did not read); the older bench-window and
# bench-cli JSON too; exit 1 when a figure fails, 2 on a damaged file.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

t_setup bench_table
if ! command -v jq >/dev/null 2>&1; then
	T_SKIP="no jq"
fi
F=$T_TMP/figs
mkdir -p "$F" "$T_TMP/old"
cat >"$F/storm.json" <<'J'
{"figure":"database bytes per row, thread storm","value":216.4,"unit":"B","target":180,"better":"lower","note":"median of 3 run(s)"}
{"figure":"stored/created, thread storm","value":0.5,"unit":"","target":1,"better":"higher"}
{"figure":"CPU per stored record vs the floor, fork storm","value":null,"unit":"x"}
J
cat >"$F/latency.json" <<'J'
{"figure":"exit to queryable, p99","value":12,"unit":"ms"}
{"figure":"idle wake-ups, all threads","value":0.5,"unit":"/s","target":1}
{"figure":"exits lost across an upgrade (SIGUSR2) in a 2000/s fork storm","value":0}
J
echo '[{"query":"summary --since 1h","median_ms":250,"max_ms":300,"target_ms":1000}]' \
    >"$T_TMP/old/bench-window.json"
echo '{"results":[{"name":"tree","target_ms":50,"median_ms":75},{"name":"show","target_ms":50,"status":"skip"}]}' \
    >"$T_TMP/old/bench-cli.json"

table() {
	BENCH_FIGURES=$1 BENCH_OLD_DIR=$T_TMP/old \
	    BENCH_TABLE_JSON=$T_TMP/table.json sh tools/dev/bench-table.sh \
	    >"$T_TMP/out" 2>"$T_TMP/err"
}
line() {	# figure: its row
	grep -F "$1 " "$T_TMP/out" | head -n 1
}
rc=0
active && { table "$F"; rc=$?; }
ok_if "exit 1 when a figure fails" '[ $rc -eq 1 ]' "$(cat "$T_TMP/err")"
ok_if "bytes per row: measured, target, ratio value/target, FAIL" \
    'line "database bytes per row, thread storm" | grep -Eq "216\.4 B +<= 180 B +1\.20 +FAIL +\(median of 3 run\(s\)\)"' \
    "$(line 'database bytes per row')"
ok_if "a target from the issue's list when the file has none" \
    'line "exit to queryable, p99" | grep -Eq "12 ms +<= 50 ms +0\.24 +PASS"' \
    "$(line 'exit to queryable')"
ok_if "higher is better: ratio target/value, FAIL below" \
    'line "stored/created, thread storm" | grep -Eq "0\.5 +>= 1 +2\.00 +FAIL"'
ok_if "target 0: ratio -, PASS at 0" \
    'line "exits lost across an upgrade" | grep -Eq " 0 +<= 0 +- +PASS"'
ok_if "value null: not measured, no number" \
    'line "CPU per stored record vs the floor, fork storm" | grep -Eq "^CPU per stored record vs the floor, fork storm +- +<= 1 x +- +not measured"'
ok_if "a figure of the issue nobody gave: not measured" \
    'line "top --group process, 10M rows, week" | grep -q "not measured$"'
ok_if "every figure of the issue is a row, in its order" \
    '[ "$(grep -c "10M rows" "$T_TMP/out")" -eq 9 ] && [ "$(sed -n 2p "$T_TMP/out" | cut -c1-22)" = "exit to queryable, p99" ]'
ok_if "bench-window.json and bench-cli.json figures are rows" \
    'line "window: summary --since 1h" | grep -Eq "250 ms +<= 1000 ms +0\.25 +PASS" && line "cli: tree" | grep -q FAIL && ! grep -q "cli: show" "$T_TMP/out"'
ok_if "the table as JSON lines, null for not measured" \
    '[ "$(jq -r "select(.figure == \"short, 10M rows, day\") | .value" "$T_TMP/table.json")" = null ] && [ "$(jq -r "select(.figure == \"exit to queryable, p99\") | .verdict" "$T_TMP/table.json")" = PASS ]'
ok_if "the count line" \
    'tail -n 1 "$T_TMP/out" | grep -q "^4 passed, 3 failed, 11 not measured"' \
    "$(tail -n 1 "$T_TMP/out")"

# All passing: exit 0; a damaged file: exit 2 and its name, not a table
# that silently lacks its figures.
mkdir -p "$T_TMP/good" "$T_TMP/bad"
echo '{"figure":"idle wake-ups, all threads","value":0.2}' >"$T_TMP/good/l.json"
rm -f "$T_TMP/old/"*.json
rc=0
active && { table "$T_TMP/good"; rc=$?; }
ok_if "exit 0 when nothing fails (not measured is no failure)" '[ $rc -eq 0 ]'
printf '{"figure":"idle wake-ups, all threads","value":\n' >"$T_TMP/bad/l.json"
rc=0
active && { table "$T_TMP/bad"; rc=$?; }
ok_if "a damaged figures file: exit 2, named" \
    '[ $rc -eq 2 ] && grep -q "bad/l.json" "$T_TMP/err"' "$(cat "$T_TMP/err")"

# The benches' writer (tools/dev/benchfig.sh): its lines are the table's
# rows, a 10M-row name only for 10M rows, null and notes kept.
mkdir -p "$T_TMP/w"
if active; then
	(BENCH_FIGURES=$T_TMP/w; . tools/dev/benchfig.sh; fig_open cli &&
	fig "summary, $(fig_rows 10000000), day" 42.5 ms 100 lower 'a "q" note' &&
	fig "top --by io, $(fig_rows 20000), day" 3 ms 100 lower &&
	fig "idle wake-ups, all threads" null /s 1 lower "not idle: 5 exits") \
	    2>"$T_TMP/err"
	table "$T_TMP/w"
fi
ok_if "benchfig.sh's figures: measured, noted, null, named by rows" \
    'line "summary, 10M rows, day" | grep -Eq "42\.5 ms +<= 100 ms +0\.42 +PASS +\(a \"q\" note\)" && line "idle wake-ups, all threads" | grep -q "not measured  (not idle: 5 exits)" && line "top --by io, 10M rows, day" | grep -q "not measured$" && line "top --by io, 20000 rows, day" | grep -q PASS' \
    "$(cat "$T_TMP/err" "$T_TMP/out")"
t_done
