#!/bin/sh
# bench-metrics.sh: what serving Prometheus metrics costs the recorder
# (`make bench-metrics`).
#
# Runs, alternately, a fork storm (tools/dev/taskstorm -m fork, 2 workers,
# or paced to BENCH_RATE tasks/s)
# under taskacctd without --metrics and under taskacctd --metrics scraped
# every second (curl GET /metrics, as Prometheus would), each on a fresh
# database, BENCH_RUNS times.  For each run: taskacctd's CPU (all threads,
# the scheduler's runtime) from just before the storm until a second after
# it (the writer commits within 200 ms), divided by the rows committed by
# then.  Prints each run, the
# medians, their ratio (with / without) and whether the ratio is within
# the noise: within the larger of 5% and the spread of the runs without
# metrics (max - min over the median).  Writes the figures as JSON.
#
# Every exit on the machine is recorded, so other load adds rows and noise:
# run it on an otherwise idle machine for figures to quote.
#
# Settings (environment): BENCH_SECONDS=10 (each storm), BENCH_RUNS=5,
# BENCH_RATE=0 (tasks/s; 0: as fast as possible),
# BENCH_WORKERS=2, BENCH_JSON=bench-metrics.json, BENCH_DIR (scratch,
# default a new directory in /var/tmp), METRICS_PORT (default 20000 + pid % 20000).
# Needs root, sqlite3, curl, `make taskacctd tools/dev/taskstorm`.
set -u
cd "$(dirname "$0")/../.." || exit 1

SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-5}
WORKERS=${BENCH_WORKERS:-2}
RATE=${BENCH_RATE:-0}
JSON=${BENCH_JSON:-bench-metrics.json}
PORT=${METRICS_PORT:-$((20000 + $$ % 20000))}
TASKACCTD=${TASKACCTD:-./taskacctd}
TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
SETTLE_S=1	# after the storm: the writer commits within 200 ms
. tools/dev/benchlib.sh

need_root "CAP_NET_ADMIN for taskstats"
need_cmds sqlite3 curl
need_built "make taskacctd tools/dev/taskstorm" "$TASKACCTD" "$TASKSTORM"
TMP=$(mktemp -d "${BENCH_DIR:-/var/tmp}/taskacct-bench-metrics.XXXXXX") ||
    exit 2
D_PID='' S_PID=''
cleanup() {
	[ -n "$S_PID" ] && kill "$S_PID" 2>/dev/null
	[ -n "$D_PID" ] && kill -TERM "$D_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scraper() {
	while :; do
		curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$PORT/metrics"
		sleep 1
	done
}

# phase name [--metrics]: one storm; prints "us_per_row rows scrapes".
phase() {
	_db=$TMP/$1.db
	rm -f "$_db" "$_db-wal" "$_db-shm"
	if [ "$1" = with ]; then
		bench_daemon_start "$_db" --user root --metrics "127.0.0.1:$PORT"
		scraper &
		S_PID=$!
	else
		bench_daemon_start "$_db" --user root
	fi
	_c0=$(threads_cpu_us "$D_PID")
	"$TASKSTORM" -m fork -w "$WORKERS" -t "$SECS" \
	    $([ "$RATE" -gt 0 ] && echo "-r $RATE") >"$TMP/storm.out" ||
	    echo "bench-metrics: taskstorm failed" >&2
	# Other tasks on the machine never let the recorder idle: settle,
	# then take its CPU and committed rows together.
	sleep "$SETTLE_S"
	_c1=$(threads_cpu_us "$D_PID")
	_rows=$(sqlite3 -cmd '.timeout 5000' "$_db" "SELECT count(*) FROM tasks")
	if [ -n "$S_PID" ]; then
		kill "$S_PID"
		wait "$S_PID" 2>/dev/null
		S_PID=
	fi
	kill -TERM "$D_PID"
	wait "$D_PID"
	D_PID=
	awk -v c=$((_c1 - _c0)) -v r="$_rows" \
	    'BEGIN { printf "%.3f %d\n", (r > 0 ? c / r : 0), r }'
}

# scrape_cost: the recorder's CPU per scrape, over 200 scrapes back to
# back of a daemon whose tables hold the storms' names (after a storm).
scrape_cost() {
	_db=$TMP/cost.db
	rm -f "$_db" "$_db-wal" "$_db-shm"
	bench_daemon_start "$_db" --user root --metrics "127.0.0.1:$PORT"
	"$TASKSTORM" -m fork -w "$WORKERS" -t 2 >/dev/null
	sleep "$SETTLE_S"
	curl -s -o "$TMP/one.prom" "http://127.0.0.1:$PORT/metrics"
	_b0=$(threads_cpu_us "$D_PID")
	_i=0
	while [ $_i -lt 200 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"
		_i=$((_i + 1))
	done
	_b1=$(threads_cpu_us "$D_PID")
	kill -TERM "$D_PID"
	wait "$D_PID"
	D_PID=
	echo "$(( (_b1 - _b0) / 200 )) $(grep -vc '^#' "$TMP/one.prom")"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
	    else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-4s %-8s %12s %10s\n' run metrics us/row rows
: >"$TMP/without" ; : >"$TMP/with"
i=1
while [ $i -le "$RUNS" ]; do
	for m in without with; do
		set -- $(phase $m)
		echo "$1" >>"$TMP/$m"
		printf '%-4s %-8s %12s %10s\n' $i $m "$1" "$2"
	done
	i=$((i + 1))
done
set -- $(scrape_cost)
SCRAPE_US=$1 SERIES=$2
W0=$(median <"$TMP/without")
W1=$(median <"$TMP/with")
SPREAD=$(sort -n "$TMP/without" | awk -v m="$W0" 'NR == 1 { lo = $1 }
    { hi = $1 } END { printf "%.3f\n", (m > 0 ? (hi - lo) / m : 0) }')
awk -v a="$W0" -v b="$W1" -v s="$SPREAD" -v n="$RUNS" -v j="$JSON" \
    -v sc="$SCRAPE_US" -v ns="$SERIES" 'BEGIN {
	r = a > 0 ? b / a : 0; tol = s > 0.05 ? s : 0.05
	ok = r <= 1 + tol
	printf "\nmedian over %d runs: without --metrics %.3f us CPU per " \
	    "stored record, with --metrics scraped every 1 s %.3f\n", n, a, b
	printf "ratio with/without: %.3f; target: within noise, <= %.3f " \
	    "(larger of 5%% and the spread of the runs without): %s\n",
	    r, 1 + tol, ok ? "PASS" : "FAIL"
	printf "one scrape of %d series costs the recorder %d us of CPU " \
	    "(mean of 200 back to back)\n", ns, sc
	printf "{\"runs\":%d,\"without_us_per_row\":%s,\"with_us_per_row\":%s," \
	    "\"ratio\":%.3f,\"spread_without\":%s,\"scrape_us\":%d," \
	    "\"series\":%d,\"pass\":%s}\n", n, a, b, r, s, sc, ns,
	    (ok ? "true" : "false") > j
	exit !ok
}'
