#!/bin/bash
# bench-ranked.sh: `taskacct top --by MEASURE` per exit record from the
# per-hour top-K candidates (tools/ranked_top.c) against ranking every row
# of the window (TASKACCT_RANKED=0, what top did before), on a generated
# 10-million-row database (tools/dev/gendb, which keeps the candidates as
# taskacctd does), over the last day, the last week and the whole history
# (window edges not on hours), beside the floor (taskacct running a query
# of nothing on the same file) and top --group process (not from the
# candidates).  Prints the median and the largest of
# BENCH_RUNS runs (BENCH_DIRECT_RUNS for the direct queries; warm cache)
# in ms, the target (100 ms) and the ratio,
# and writes them as JSON; the issue 13 figures ("top --by io, 10M rows,
# day" and "week", the candidates' path; named by the rows given) also go
# to $BENCH_FIGURES/ranked.json for tools/dev/bench-table.sh.  Then the
# recorder's side: CPU per appended row
# with and without the candidates' upkeep (gendb --append in commits of
# 8192 rows, as the writer does under load, and of 64), on a copy.
#
#   tools/dev/bench-ranked.sh [-n ROWS] [-r RUNS]
# Settings: TASKACCT_BENCH_DIR (default /var/tmp), BENCH_JSON,
# BENCH_FIGURES (default bench-figures).
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
JSON=${BENCH_JSON:-bench-ranked.json}
TARGET=100
. tools/dev/benchfig.sh
cache=${TASKACCT_BENCH_DIR:-/var/tmp}
sum=$(cat sql/schema.sql tools/dev/gendb.c src/ranked.c | cksum | cut -d' ' -f1)
db=$cache/taskacct-ranked-$rows-s1-$sum.db
fig_open ranked || exit 1	# emptied now: a failed run leaves no old figure
if [ ! -s "$db" ]; then
	echo "bench-ranked: generating $rows rows into $db" >&2
	"$GENDB" -n "$rows" --seed 1 -o "$db" >&2 || exit 1
fi
q() { "$TA" --db "$db" --format tsv --no-header sql "$1"; }
hi=$(q "SELECT max(recv_time) FROM tasks")
# 30 s past the last row's second: windows whose edges are not on hours
end=$((hi / 1000000 + 30))
echo "bench-ranked: $db, $(q "SELECT count(*) FROM ranked_exits")" \
    "candidates, $(q "SELECT count(*) FROM ranked_cuts") cuts"

# The direct queries take seconds: fewer runs (BENCH_DIRECT_RUNS).
druns=${BENCH_DIRECT_RUNS:-3}
median_ms() {	# taskacct args: "median max" of $n runs
	"$@" >/dev/null || return 1	# warm the cache
	for ((i = 0; i < n; i++)); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)],
	    v[NR] }'
}

first=1
echo "[" >"$JSON"
printf '%-34s %9s %9s %9s %7s %6s\n' query path median max target ratio
row() {	# name path median max
	ratio=$(awk -v m="$3" -v t="$TARGET" 'BEGIN { printf "%.2f", m / t }')
	printf '%-34s %9s %7sms %7sms %5sms %6s\n' "$1" "$2" "$3" "$4" \
	    "$TARGET" "$ratio"
	[ $first = 1 ] || echo "," >>"$JSON"
	first=0
	printf '{"query":"%s","path":"%s","median_ms":%s,"max_ms":%s,"target_ms":%d,"ratio":%s}' \
	    "$1" "$2" "$3" "$4" "$TARGET" "$ratio" >>"$JSON"
}
# The floor: starting taskacct on this database and a query of nothing.
n=$runs r=$(median_ms "$TA" --db "$db" sql "SELECT 1")
row "taskacct sql 'SELECT 1' (floor)" - ${r% *} ${r#* }
for w in "day 86400" "week 604800" "history $end"; do
	set -- $w
	since=$((end - $2))
	for m in io cpu; do
		name="top --by $m, $1"
		for path in direct ranked; do
			n=$([ $path = ranked ] && echo "$runs" || echo "$druns")
			r=$(TASKACCT_RANKED=$([ $path = ranked ] && echo 1 ||
			    echo 0) median_ms "$TA" --db "$db" top --by "$m" \
			    --since "@$since" --until "@$end") || {
				echo "$name failed" >&2; exit 1; }
			row "$name" "$path" ${r% *} ${r#* }
			[ $path = direct ] && direct=${r% *}
			[ $path = ranked ] && [ $m = io ] &&
			    [ "$1" != history ] && fig \
			    "top --by io, $(fig_rows "$rows"), $1" "${r% *}" \
			    ms "$TARGET" lower "median of $n runs, max ${r#* }\
 ms; ranking every row $direct ms"
		done
	done
	# Not from the candidates (per-process totals are not kept yet).
	[ "$1" = history ] && continue
	n=$druns r=$(median_ms "$TA" --db "$db" top --by io --group process \
	    --since "@$since" --until "@$end") || exit 1
	row "top --by io --group process, $1" direct ${r% *} ${r#* }
done
echo "]" >>"$JSON"

# The recorder's upkeep: a copy of a 1M-row database, appended to.
small=$cache/taskacct-ranked-1000000-s1-$sum.db
[ -s "$small" ] || "$GENDB" -n 1000000 --seed 1 -o "$small" >&2 || exit 1
tmp=$(mktemp -d "$cache/taskacct-ranked.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for batch in 8192 64; do
	for mode in "--no-ranked" ""; do
		cp "$small" "$tmp/a.db"
		# shellcheck disable=SC2086
		r=$("$GENDB" --append 100000 --batch $batch --seed 9 $mode \
		    -o "$tmp/a.db")
		echo "append batch=$batch ${mode:-(with candidates)}: $r"
		rm -f "$tmp"/a.db*
	done
done
echo "wrote $JSON"
