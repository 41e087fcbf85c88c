#!/bin/sh
# bench-ident.sh: what identity capture (issue 11) achieves and costs under
# exec storms (`make bench-ident`).
#
# For each rate (BENCH_IDENT_RATES; "top" = as fast as the machine goes) a
# storm of fork + execve (tools/dev/taskstorm -m exec, each child execs the
# storm program, which exits at once: the shortest life an exec can have)
# runs for BENCH_IDENT_SECONDS under taskacctd with capture on, then again
# with --no-ident; then the same with fork storms (BENCH_IDENT_MODES; a
# forked child that never execs inherits its parent's command line).  From the database: the share of the storm's exits whose
# row carries a command line (args_id), the connector's drops and the
# exit records lost (losses), and taskacctd's CPU (user+sys, all threads)
# per stored exit, on vs off.  Medians over BENCH_IDENT_RUNS runs; each
# figure is printed with its target and ratio.
#
# Needs root, sqlite3, `make taskacctd tools/dev/taskstorm`.
set -u
cd "$(dirname "$0")/../.." || exit 1

RATES=${BENCH_IDENT_RATES:-1000 5000 top}
MODES=${BENCH_IDENT_MODES:-exec fork}
SECS=${BENCH_IDENT_SECONDS:-5}
RUNS=${BENCH_IDENT_RUNS:-3}
TASKACCTD=${TASKACCTD:-./taskacctd}
TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
TARGET_SHARE=99		# percent of exits with argv
HZ=$(getconf CLK_TCK)

die() {
	echo "bench-ident: $*" >&2
	exit 2
}
[ "$(id -u)" -eq 0 ] || die "needs root"
command -v sqlite3 >/dev/null || die "needs sqlite3"
for b in "$TASKACCTD" "$TASKSTORM"; do
	[ -x "$b" ] || die "$b is not built"
done
DIR=$(mktemp -d /var/tmp/taskacct-bench-ident.XXXXXX) || exit 2
trap 'rm -rf "$DIR"' EXIT

ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# median of numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else if (NR % 2) print v[(NR + 1) / 2];
	    else printf "%.4g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# one RATE MODE(on|off) N: prints "share drops lost cpu_us_per_exit rate"
one() {
	db=$DIR/$2-$3.db
	rm -f "$db" "$db-wal" "$db-shm"
	if [ "$2" = on ]; then extra=; else extra=--no-ident; fi
	"$TASKACCTD" -f -d "$db" --user root $extra >"$DIR/log" 2>&1 &
	d=$!
	i=0
	while [ $i -lt 100 ] && ! sqlite3 "$db" "SELECT 1 FROM runs" \
	    >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
	c0=$(ticks $d)
	if [ "$1" = top ]; then r=; else r="-r $1"; fi
	# shellcheck disable=SC2086
	"$TASKSTORM" -m "$MODE" -w 2 -t "$SECS" $r -p "$DIR/pids" \
	    >"$DIR/storm.out" 2>&1
	sleep 0.5
	c1=$(ticks $d)
	kill -TERM $d
	wait $d
	xr=$(sed -n "s/^rate=//p" "$DIR/storm.out")
	workers=$(sed -n "s/^worker_pids=//p" "$DIR/storm.out")
	: "${workers:=0}"
	sqlite3 -batch "$db" \
	    -cmd "CREATE TEMP TABLE s(pid INTEGER PRIMARY KEY)" \
	    -cmd ".import '$DIR/pids' s" \
	    "SELECT round(100.0 * count(t.args_id) / max(count(*), 1), 2),
	    (SELECT coalesce(sum(records), 0) FROM losses WHERE kind =
	    'connector_drop'), (SELECT coalesce(sum(records), 0) FROM losses
	    WHERE kind NOT IN ('connector_drop', 'ident_evicted')),
	    round(($c1 - $c0) * 1000000.0 / $HZ / max((SELECT count(*) FROM
	    tasks), 1), 2),
	    '${xr:-0}'
	    FROM tasks t JOIN s ON s.pid = t.ac_pid WHERE t.kind = 0 AND
	    t.ac_comm = 'taskstorm' AND t.ac_ppid IN ($workers)" | tr '|' ' '
}

printf '%-5s %-6s %9s %10s %8s %8s %11s %11s %7s\n' mode rate exits/s \
    argv% conn_drop lost cpu_on_us cpu_off_us ratio
fail=0
for MODE in $MODES; do
for rate in $RATES; do
	: >"$DIR/on" ; : >"$DIR/off"
	n=1
	while [ $n -le "$RUNS" ]; do
		one "$rate" on $n >>"$DIR/on"
		one "$rate" off $n >>"$DIR/off"
		n=$((n + 1))
	done
	share=$(awk '{ print $1 }' "$DIR/on" | median)
	drops=$(awk '{ print $2 }' "$DIR/on" | median)
	lost=$(awk '{ print $3 }' "$DIR/on" | median)
	lostoff=$(awk '{ print $3 }' "$DIR/off" | median)
	cpuon=$(awk '{ print $4 }' "$DIR/on" | median)
	cpuoff=$(awk '{ print $4 }' "$DIR/off" | median)
	xrate=$(awk '{ print $5 }' "$DIR/on" | median)
	ratio=$(awk -v a="$cpuon" -v b="$cpuoff" \
	    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	printf '%-5s %-6s %9s %10s %8s %8s %11s %11s %7s\n' "$MODE" "$rate" \
	    "$xrate" \
	    "$share" "$drops" "$lost" "$cpuon" "$cpuoff" "$ratio"
	st=$(awk -v s="$share" -v t=$TARGET_SHARE \
	    'BEGIN { print (s >= t) ? "PASS" : "FAIL" }')
	[ "$st" = PASS ] || fail=1
	echo "  $MODE $rate: exits with argv $share% (target >= $TARGET_SHARE%," \
	    "ratio $(awk -v s="$share" -v t=$TARGET_SHARE \
	    'BEGIN { printf "%.3f", s / t }')) $st; exit records lost" \
	    "$lost with capture on, $lostoff off (target: no more with it)"
	[ "$lost" = "$lostoff" ] || [ "$lost" = 0 ] || fail=1
done
done
echo "(medians of $RUNS runs of ${SECS}s; argv%: of the storm's exits;" \
    "cpu: taskacctd user+sys per stored row, every exit on the machine" \
    "included, capture on vs --no-ident)"
exit $fail
