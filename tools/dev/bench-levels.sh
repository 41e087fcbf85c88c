#!/bin/bash
# bench-levels.sh: `taskacct short` and `taskacct timeline --buckets 80`
# over the last day, the last week and the whole history of a generated
# 10-million-row database (tools/dev/gendb, which fills the levels of
# schema 5 as the migration does), issue 13: short's commands from
# hour_commands and day_commands and its parents from the days' and hours'
# top K (tools/short_parents.c; "short, parents by SQL" is the same with
# TASKACCT_SHORT_PARENTS=0, the rollup SQL summing every parent), timeline
# from the totals in buckets of whole minutes (tools/rollup.c).  The window
# ends 30 s past the newest row's minute (so that its edges are rows).
# Prints the median wall and CPU time of RUNS runs (warm cache) in ms, the
# target (100 ms) and the ratio; the figures "timeline, 10M rows, day",
# "week" and "all" and "short, 10M rows, all" (named by the rows given)
# go to $BENCH_FIGURES/levels.json for tools/dev/bench-table.sh ("short,
# 10M rows, day" and "week" are tools/dev/bench-cli.sh's).
#
#   tools/dev/bench-levels.sh [-n ROWS] [-r RUNS]
# Settings: TASKACCT_BENCH_DB (a database to measure instead; not
# modified), TASKACCT_BENCH_DIR (default /var/tmp), BENCH_FIGURES.
set -u
cd "$(dirname "$0")/../.." || exit 1

rows=10000000
runs=${BENCH_RUNS:-5}
while [ $# -gt 0 ]; do
	case $1 in
	-n) rows=$2; shift ;;
	-r) runs=$2; shift ;;
	*) echo "usage: $0 [-n ROWS] [-r RUNS]" >&2; exit 2 ;;
	esac
	shift
done
case $rows$runs in *[!0-9]*) echo "$0: numbers only" >&2; exit 2 ;; esac
TA=${TASKACCT:-./taskacct}
GENDB=${GENDB:-tools/dev/gendb}
TARGET=100
. tools/dev/benchfig.sh
cache=${TASKACCT_BENCH_DIR:-/var/tmp}
sum=$(cat sql/schema.sql tools/dev/gendb.c | cksum | cut -d' ' -f1)
db=${TASKACCT_BENCH_DB:-$cache/taskacct-bench-$rows-s1-$sum.db}
fig_open levels || exit 1	# emptied now: a failed run leaves no old figure
if [ ! -s "$db" ]; then
	echo "bench-levels: generating $rows rows into $db" >&2
	"$GENDB" -n "$rows" --seed 1 -o "$db" >&2 || exit 1
fi
q() { "$TA" --db "$db" --format tsv --no-header sql "$1"; }
hi=$(q "SELECT max(recv_time) FROM tasks")
case $hi in ''|*[!0-9]*) echo "bench-levels: no rows in $db" >&2; exit 1 ;; esac
if [ "$(q "PRAGMA user_version")" -lt 5 ]; then
	echo "bench-levels: $db is older than schema 5 (taskacctd migrates" \
	    "a copy)" >&2
	exit 1
fi
until=$(( hi / 60000000 * 60000000 + 30000000 ))
at() { printf '@%d.%06d' $(( $1 / 1000000 )) $(( $1 % 1000000 )); }
rowsname=$(fig_rows "$rows")

TIMEFORMAT='%R %U %S'
# median of stdin's numbers
median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }
# name target cmd...: runs times; sets MED_WALL, MED_CPU (ms)
bench() {
	local name=$1 i t tw tu ts walls=() cpus=()
	shift
	"$@" >/dev/null 2>&1 || { echo "$name: failed: $*" >&2; return 1; }
	for ((i = 0; i < runs; i++)); do
		t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
		read -r tw tu ts <<<"$t"
		walls+=("$(awk -v w="$tw" 'BEGIN { printf "%.1f", w * 1000 }')")
		cpus+=("$(awk -v u="$tu" -v s="$ts" 'BEGIN { printf "%.1f", (u + s) * 1000 }')")
	done
	MED_WALL=$(printf '%s\n' "${walls[@]}" | median)
	MED_CPU=$(printf '%s\n' "${cpus[@]}" | median)
	printf '%-34s %9s %9s %7s  %s\n' "$name" "$MED_WALL" "$MED_CPU" \
	    "$TARGET" "$(awk -v m="$MED_WALL" -v t="$TARGET" \
	    'BEGIN { printf "%s (%.2fx)", m < t ? "PASS" : "FAIL", m / t }')"
}

echo "database $db, until $(date -u -d "@$((until / 1000000))" '+%F %T') UTC"
printf '%-34s %9s %9s %7s  %s\n' "" "wall ms" "cpu ms" target result
bench "floor (sql SELECT 1)" "$TA" --db "$db" sql "SELECT 1"
for w in day week all; do
	case $w in
	day) win=(--since "$(at $((until - 86400000000)))" --until "$(at "$until")") ;;
	week) win=(--since "$(at $((until - 7 * 86400000000)))" --until "$(at "$until")") ;;
	all) win=(--since "1970-01-02 00:00:00") ;;
	esac
	bench "short, $w" "$TA" --db "$db" short "${win[@]}"
	[ "$w" = all ] && fig "short, $rowsname, all" "$MED_WALL" ms "$TARGET" \
	    lower "CPU $MED_CPU ms"
	TASKACCT_SHORT_PARENTS=0 bench "short, parents by SQL, $w" "$TA" \
	    --db "$db" short "${win[@]}"
	bench "timeline --buckets 80, $w" "$TA" --db "$db" --format csv \
	    timeline --buckets 80 "${win[@]}" &&
	    fig "timeline, $rowsname, $w" "$MED_WALL" ms "$TARGET" lower \
	    "CPU $MED_CPU ms"
done
