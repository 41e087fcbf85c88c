#!/bin/sh
# bench-upgrade.sh: exits lost across an upgrade in place under a fork
# storm (`make bench-upgrade`; issue 13: target 0).
#
# For each of BENCH_RUNS runs: taskacctd on a fresh database, a fork storm
# of BENCH_N tasks (tests/workload storm, which lists its pids), SIGUSR2
# once a few hundred of its exits are stored, then, after the storm, every
# pid looked up.  Prints per run the tasks created, those not stored, the
# kernel drops counted and how long the sockets went unread during the
# hand-over (the new image's log line); then the medians, the target (0
# lost) and the lost share.  Writes the figures as JSON, and the issue 13
# figure (the median lost; the storm's median fork rate in its note) to
# $BENCH_FIGURES/upgrade.json for tools/dev/bench-table.sh.
#
# Settings (environment): BENCH_N=6000, BENCH_RUNS=3,
# BENCH_JSON=bench-upgrade.json, BENCH_DIR (scratch, default a new
# directory in /var/tmp).  Needs root, sqlite3, `make taskacctd
# tests/workload`.
set -u
cd "$(dirname "$0")/../.." || exit 1

N=${BENCH_N:-6000}
RUNS=${BENCH_RUNS:-3}
JSON=${BENCH_JSON:-bench-upgrade.json}
TASKACCTD=${TASKACCTD:-./taskacctd}
WORKLOAD=${WORKLOAD:-tests/workload}

. tools/dev/benchlib.sh

need_root
need_cmds sqlite3
[ -x "$TASKACCTD" ] && [ -x "$WORKLOAD" ] || die "make taskacctd $WORKLOAD"
TMP=${BENCH_DIR:-$(mktemp -d /var/tmp/bench-upgrade.XXXXXX)} || exit 2
D=
trap '[ -n "$D" ] && kill -KILL $D 2>/dev/null; rm -rf "$TMP"' EXIT

q() {
	sqlite3 -batch -cmd '.timeout 5000' "$TMP/db" "$@"
}
waitfor() {	# seconds condition
	_i=0
	while [ $_i -lt $(($1 * 10)) ] && ! eval "$2"; do
		sleep 0.1; _i=$((_i + 1))
	done
}
. tools/dev/benchfig.sh
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fig_open upgrade || exit 2	# emptied now: a failed run leaves no old figure
printf '%-4s %8s %6s %6s %10s\n' run created lost drops unread_ms
i=1
while [ $i -le "$RUNS" ]; do
	rm -f "$TMP"/db* "$TMP/log"
	"$TASKACCTD" -f -d "$TMP/db" --user root --sample-interval 0 \
	    >"$TMP/log" 2>&1 &
	D=$!
	waitfor 10 "[ -s $TMP/db ] && [ -n \"\$(q 'SELECT id FROM runs')\" ]"
	"$WORKLOAD" storm "$N" "$TMP/pids" >"$TMP/storm.out" 2>&1 &
	S=$!
	waitfor 30 "[ \$(q 'SELECT count(*) FROM tasks') -gt 300 ]"
	kill -USR2 $D
	wait $S
	parent=$(sed -n 's/^parent=//p' "$TMP/storm.out")
	miss="SELECT count(*) FROM s WHERE pid NOT IN (SELECT ac_pid FROM
	    tasks WHERE kind = 0 AND ac_ppid = ${parent:-0})"
	sq() {
		q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
		    -cmd ".import '$TMP/pids' s" "$@"
	}
	waitfor 20 "[ \"\$(sq \"$miss\")\" = 0 ]"
	lost=$(sq "$miss")
	drops=$(q "SELECT coalesce(sum(records), 0) FROM losses")
	ms=$(sed -n 's/.*went unread for \([0-9-]*\) ms.*/\1/p' "$TMP/log")
	kill -TERM $D
	wait $D
	D=
	printf '%-4s %8s %6s %6s %10s\n' $i "$N" "$lost" "$drops" "${ms:-?}"
	echo "$lost" >>"$TMP/lost"
	echo "${ms:--1}" >>"$TMP/ms"
	us=$(sed -n 's/^elapsed_us=//p' "$TMP/storm.out")
	[ -n "$us" ] && [ "$us" -gt 0 ] &&
	    echo $((N * 1000000 / us)) >>"$TMP/rate"
	i=$((i + 1))
done
lost=$(median <"$TMP/lost")
ms=$(median <"$TMP/ms")
printf "\nmedian over %d runs: %s of %d exits lost across SIGUSR2 " \
    "$RUNS" "$lost" "$N"
printf "(target 0; lost share %s); sockets unread %s ms\n" \
    "$(awk -v l="$lost" -v n="$N" 'BEGIN { printf "%.5f", l / n }')" "$ms"
printf '{"runs":%d,"created":%d,"lost_median":%s,"target":0,' \
    "$RUNS" "$N" "$lost" >"$JSON"
printf '"unread_ms_median":%s}\n' "$ms" >>"$JSON"
rate=$([ -s "$TMP/rate" ] && median <"$TMP/rate")
fig "exits lost across an upgrade (SIGUSR2) in a 2000/s fork storm" \
    "$lost" "" 0 lower "median of $RUNS runs of $N forks at ${rate:-?}/s"
