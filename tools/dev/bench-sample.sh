#!/bin/sh
# bench-sample.sh: what taskacctd's live sampling costs (`make bench-sample`).
#
# For each size, tools/dev/holdthreads holds one process of N threads
# alive (besides whatever else runs on the machine), and taskacctd
# samples every BENCH_INTERVAL for BENCH_PASSES passes.  CPU is counted
# two ways, both processes (the daemon and its privileged child):
#   pass     the daemon's own record of each pass (sample_passes.cpu_us:
#            the sampler thread's CPU plus the child's getrusage), median
#   proc     /proc/PID/stat utime+stime of both processes over the run,
#            per pass (includes the writer's storing of the rows)
# per pass and per thread asked.  Storage: BENCH_ACTIVE processes
# busy in every interval; the activity table's bytes (dbstat) per row,
# a row being one active process in one interval.
#
# Settings (environment):
#   BENCH_THREADS="100 1000 10000"  BENCH_PASSES=7  BENCH_INTERVAL=1
#   BENCH_ACTIVE=20  BENCH_JSON=bench-sample.json
#
# Needs root.  Exit status 0 when every target passes, 1 otherwise.
set -u
cd "$(dirname "$0")/../.." || exit 1

SIZES=${BENCH_THREADS:-100 1000 10000}
PASSES=${BENCH_PASSES:-7}
IVL=${BENCH_INTERVAL:-1}
ACTIVE=${BENCH_ACTIVE:-20}
JSON=${BENCH_JSON:-bench-sample.json}
HOLD=tools/dev/holdthreads
TASKACCTD=./taskacctd
# Targets: a pass over every thread costs under 10 us of CPU per thread
# (a 10 s interval over 10,000 threads: 1% of one CPU), and an active
# process costs under 200 bytes per interval.
T_US_PER_THREAD=10
T_BYTES_PER_ROW=200
TMP=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-sample.XXXXXX") || exit 1
H_PID= D_PID= B_PIDS=

cleanup() {
	for p in $H_PID $D_PID $B_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. tools/dev/benchlib.sh

need_root "CAP_NET_ADMIN"
command -v sqlite3 >/dev/null || die "needs the sqlite3 tool"
[ -x "$HOLD" ] && [ -x "$TASKACCTD" ] || die "make taskacctd $HOLD first"

q() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$DB" "$@"
}

# cpu_ticks pid: utime + stime of the process, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
	    else if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run_daemon db: start taskacctd sampling every IVL; sets D_PID, C_PID.
run_daemon() {
	DB=$1
	"$TASKACCTD" -f -d "$DB" --user root --sample-interval "$IVL" \
	    >"$TMP/daemon.log" 2>&1 &
	D_PID=$!
	i=0
	while [ $i -lt 100 ] && ! q "SELECT 1 FROM runs" >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	C_PID=
	for c in $(cat "/proc/$D_PID/task/$D_PID/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm")" = taskacctd-priv ] && C_PID=$c
	done
	[ -n "$C_PID" ] || { cat "$TMP/daemon.log" >&2; die "no child"; }
}

stop_daemon() {
	kill -TERM "$D_PID"
	wait "$D_PID"
	D_PID=
}

hz=$(getconf CLK_TCK)
ncpu=$(nproc)
printf '%8s %8s %12s %12s %12s %12s\n' threads passes "pass_cpu_us" \
    "us/thread" "proc_cpu_us" "us/thread"
echo "{\"cpus\": $ncpu, \"interval_s\": $IVL, \"sizes\": [" >"$JSON.tmp"
sep= fail=0 worst=0
for n in $SIZES; do
	hold_start "$n" || die "holdthreads $n not ready"
	rm -f "$TMP/s.db"*
	run_daemon "$TMP/s.db"
	c0=$(( $(cpu_ticks "$D_PID") + $(cpu_ticks "$C_PID") ))
	p0=$(q "SELECT count(*) FROM sample_passes")
	i=0
	while [ $i -lt $(( (PASSES + 2) * IVL * 20 )) ] &&
	    [ "$(q "SELECT count(*) FROM sample_passes")" -lt $((p0 + PASSES)) ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	c1=$(( $(cpu_ticks "$D_PID") + $(cpu_ticks "$C_PID") ))
	np=$(( $(q "SELECT count(*) FROM sample_passes") - p0 ))
	stop_daemon
	kill -TERM "$H_PID"; wait "$H_PID" 2>/dev/null; H_PID=
	# the first pass is skipped: it meets every thread for the first time
	pass_us=$(q "SELECT cpu_us FROM sample_passes ORDER BY time LIMIT -1 \
OFFSET 1" | median)
	thr=$(q "SELECT threads FROM sample_passes ORDER BY time LIMIT -1 \
OFFSET 1" | median)
	proc_us=$(awk -v a="$c0" -v b="$c1" -v h="$hz" -v p="$np" \
	    'BEGIN { printf "%.0f", (p > 0 ? (b - a) * 1000000 / h / p : 0) }')
	per=$(awk -v c="$pass_us" -v t="$thr" 'BEGIN { printf "%.2f",
	    (t > 0 ? c / t : 0) }')
	pper=$(awk -v c="$proc_us" -v t="$thr" 'BEGIN { printf "%.2f",
	    (t > 0 ? c / t : 0) }')
	printf '%8s %8s %12s %12s %12s %12s\n' "$thr" "$np" "$pass_us" \
	    "$per" "$proc_us" "$pper"
	printf '%s\n  {"threads": %s, "passes": %s, "pass_cpu_us": %s, ' \
	    "$sep" "$thr" "$np" "$pass_us" >>"$JSON.tmp"
	printf '"us_per_thread": %s, "proc_cpu_us_per_pass": %s, ' \
	    "$per" "$pper" >>"$JSON.tmp"
	printf '"proc_us_per_thread": %s}' "$pper" >>"$JSON.tmp"
	sep=,
	worst=$(awk -v a="$worst" -v b="$per" 'BEGIN { print ((b > a) ? b : a) }')
done

# Storage: ACTIVE processes doing a little in every interval.
rm -f "$TMP/s.db"*
run_daemon "$TMP/s.db"
i=0
while [ $i -lt "$ACTIVE" ]; do
	sh -c 'while :; do echo x >/dev/null; sleep 0.2; done' &
	B_PIDS="$B_PIDS $!"
	i=$((i + 1))
done
sleep $((IVL * (PASSES + 1)))
stop_daemon
for p in $B_PIDS; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
B_PIDS=
rows=$(q "SELECT count(*) FROM activity")
bytes=$(q "SELECT sum(pgsize) FROM dbstat WHERE name IN ('activity', \
'activity_time')")
passb=$(q "SELECT sum(pgsize) FROM dbstat WHERE name = 'sample_passes'")
npass=$(q "SELECT count(*) FROM sample_passes")
bpr=$(awk -v b="$bytes" -v r="$rows" 'BEGIN { printf "%.0f", (r > 0 ? b / r : 0) }')
bpp=$(awk -v b="$passb" -v r="$npass" 'BEGIN { printf "%.0f", (r > 0 ? b / r : 0) }')
printf '\nstorage: %s activity rows (%s active processes, %s passes): %s ' \
    "$rows" "$ACTIVE" "$npass" "$bytes"
printf 'bytes with their index, %s B per active process per interval; ' "$bpr"
printf '%s B per pass row\n\n' "$bpp"
printf '],\n "activity_rows": %s, "bytes_per_active_process_interval": %s, ' \
    "$rows" "$bpr" >>"$JSON.tmp"
printf '"bytes_per_pass": %s}\n' "$bpp" >>"$JSON.tmp"
mv "$JSON.tmp" "$JSON"

target() {	# name measured target
	r=$(awk -v m="$2" -v t="$3" 'BEGIN { printf "%.2f", m / t }')
	ok=$(awk -v r="$r" 'BEGIN { print ((r <= 1) ? "PASS" : "FAIL") }')
	[ "$ok" = PASS ] || fail=1
	printf '%s  %s: measured %s, target %s, ratio %s\n' "$ok" "$1" "$2" \
	    "$3" "$r"
}
target "CPU per sampled thread, worst size (us)" "$worst" "$T_US_PER_THREAD"
target "bytes per active process per interval" "$bpr" "$T_BYTES_PER_ROW"
echo "medians over $PASSES passes every ${IVL}s (first pass skipped);" \
    "figures in $JSON"
exit $fail
