#!/bin/sh
# bench-get.sh: what reading every live thread once costs (`make bench-get`),
# the two ways a sampler can: TASKSTATS_CMD_GET per thread (src/taskget.c)
# or reading /proc/PID/task/TID/io, both after listing /proc/PID/task.
#
# For each size, tools/dev/holdthreads holds one process of N threads
# alive and tools/dev/benchget times BENCH_RUNS passes of each method in
# its own CPU time (user + system); prints the medians in microseconds per
# thread per pass and their ratio, and writes them as JSON.
#
# Settings (environment):
#   BENCH_THREADS="100 1000 10000"
#   BENCH_RUNS=5
#   BENCH_JSON=bench-get.json
#
# Needs root (CAP_NET_ADMIN for the GET).
set -u
cd "$(dirname "$0")/../.." || exit 1

SIZES=${BENCH_THREADS:-100 1000 10000}
RUNS=${BENCH_RUNS:-5}
JSON=${BENCH_JSON:-bench-get.json}
HOLD=tools/dev/holdthreads
DRIVER=tools/dev/benchget
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-get.XXXXXX") || exit 1
H_PID=

cleanup() {
	[ -n "$H_PID" ] && kill -TERM "$H_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. tools/dev/benchlib.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-get: needs root (CAP_NET_ADMIN for TASKSTATS_CMD_GET)" >&2
	exit 1
fi

printf '%8s %16s %16s %8s\n' threads "netlink us/thr" "procio us/thr" ratio
echo "[" >"$JSON.tmp"
sep=
for n in $SIZES; do
	if ! hold_start "$n"; then
		echo "bench-get: holdthreads $n not ready:" >&2
		cat "$TMP/hold.out" >&2
		exit 1
	fi
	"$DRIVER" "$H_PID" "$RUNS" >"$TMP/bench.out" || exit 1
	kill -TERM "$H_PID" 2>/dev/null
	wait "$H_PID" 2>/dev/null
	H_PID=
	nl=$(awk '$1 == "netlink" { print $3 }' "$TMP/bench.out")
	pr=$(awk '$1 == "procio" { print $3 }' "$TMP/bench.out")
	got=$(awk '$1 == "netlink" { print $2 }' "$TMP/bench.out")
	ratio=$(awk -v a="$pr" -v b="$nl" 'BEGIN { printf "%.2f", a / b }')
	printf '%8s %16s %16s %8s\n' "$got" "$nl" "$pr" "$ratio"
	printf '%s{"threads":%s,"runs":%s,"netlink_us_per_thread":%s,' \
	    "$sep" "$got" "$RUNS" "$nl" >>"$JSON.tmp"
	printf '"procio_us_per_thread":%s,"procio_over_netlink":%s}\n' \
	    "$pr" "$ratio" >>"$JSON.tmp"
	sep=,
done
echo "]" >>"$JSON.tmp"
mv "$JSON.tmp" "$JSON"
echo "medians of $RUNS passes, CPU (user+sys) of the reader per thread;" \
    "ratio = procio / netlink; written to $JSON"
