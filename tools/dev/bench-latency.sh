#!/bin/sh
# bench-latency.sh: how soon an exit is queryable, and how often an idle
# recorder wakes (make bench-latency; issue 13, src/writer.c's commits).
#
# (a) exit to queryable: taskacctd on a fresh database; tools/dev/latprobe
#     runs a probe process BENCH_PROBES times, BENCH_GAP_MS apart, each
#     with a name of its own, and polls the database read-only for its row
#     from the moment it is reaped: p50 and p99 in ms, target <= 50 ms.
# (b) idle wake-ups: context switches (voluntary + involuntary) of every
#     thread of taskacctd and of its children (the sampler's privileged
#     child) over BENCH_IDLE_SECONDS, per second, target <= 1/s; once with
#     --sample-interval 0 and once with the default sampling (10 s).
#     Then, sampling every second (BENCH_IDLE_SECONDS passes), the sleeps
#     (voluntary switches) per pass of the sampler thread and its
#     privileged child alone, target <= 3: other load wakes the loop and
#     the writer, not these, so this figure holds on a busy machine too.
#
# Every exit on the machine is recorded: other load wakes the recorder
# (and its rows are counted and printed as "ambient exits/s"), so quote
# figures from an otherwise idle machine.  Prints "name measured unit
# target T ratio R" lines as tools/dev/bench-export.sh does (ratio >= 1
# meets the target) and writes them as JSON; the issue 13 figures also go
# to $BENCH_FIGURES/latency.json for tools/dev/bench-table.sh: "exit to
# queryable, p99", and "idle wake-ups, all threads" from the run with the
# default sampling, null (with a note) when exits arrived during it: the
# recorder was then not idle.  Exit status 0 when every target is met.
#
# Settings (environment): BENCH_PROBES=200, BENCH_GAP_MS=100,
# BENCH_IDLE_SECONDS=30, BENCH_JSON=bench-latency.json, BENCH_DIR (scratch,
# default a new directory in /var/tmp), TASKACCTD (default ./taskacctd),
# TASKACCTD_ARGS (extra options).  Needs root and sqlite3.
set -u
cd "$(dirname "$0")/../.." || exit 1

PROBES=${BENCH_PROBES:-200}
GAP=${BENCH_GAP_MS:-100}
IDLE=${BENCH_IDLE_SECONDS:-30}
JSON=${BENCH_JSON:-bench-latency.json}
TASKACCTD=${TASKACCTD:-./taskacctd}
LATPROBE=${LATPROBE:-tools/dev/latprobe}
SETTLE_S=2	# after start-up, before counting: the first commits
. tools/dev/benchfig.sh
. tools/dev/benchlib.sh

need_root "CAP_NET_ADMIN for taskstats"
need_cmds sqlite3
need_built "make taskacctd tools/dev/latprobe" "$TASKACCTD" "$LATPROBE"
need_numbers "$PROBES" "$GAP" "$IDLE"
[ "$PROBES" -gt 0 ] && [ "$IDLE" -gt 0 ] ||
    die "BENCH_PROBES and BENCH_IDLE_SECONDS must be above 0"
TMP=$(mktemp -d "${BENCH_DIR:-/var/tmp}/taskacct-bench-latency.XXXXXX") ||
    exit 2
D_PID=''
cleanup() {
	[ -n "$D_PID" ] && kill -TERM "$D_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# daemon_start db [args]: in the foreground, ready once its runs row is in.
daemon_start() {
	_db=$1; shift
	# shellcheck disable=SC2086
	bench_daemon_start "$_db" --user root "$@" ${TASKACCTD_ARGS:-}
}

daemon_stop() {
	kill -TERM "$D_PID"
	wait "$D_PID"
	D_PID=
}

# switches pid: context switches of all threads of pid and its children:
# "total loop writer other children" (the loop is the main thread, the
# writer is named taskacctd-write; other: the sampler thread).
switches() {
	for _t in /proc/"$1"/task/*; do
		_k=other
		[ "${_t##*/}" = "$1" ] && _k=loop
		grep -q "^Name:.taskacctd-write" "$_t/status" 2>/dev/null &&
		    _k=writer
		echo "$_k $(awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 }
		    END { print n + 0 }' "$_t/status" 2>/dev/null)"
	done
	for _q in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		cat /proc/"$_q"/task/*/status 2>/dev/null | awk '
		    /^(non)?voluntary_ctxt_switches:/ { n += $2 }
		    END { print "children", n + 0 }'
	done
}
# sleeps pid: voluntary switches of the sampler thread (not the loop, not
# the writer) and of the children: the cost of passes alone.
sleeps() {
	for _t in /proc/"$1"/task/*; do
		[ "${_t##*/}" = "$1" ] && continue
		grep -q "^Name:.taskacctd-write" "$_t/status" 2>/dev/null &&
		    continue
		cat "$_t/status" 2>/dev/null
	done | awk '/^voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
	for _q in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		cat /proc/"$_q"/task/*/status 2>/dev/null
	done | awk '/^voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}
# sw_sum file key: the sum of one kind of thread (total: all).
sw_sum() {
	awk -v k="$2" 'k == "total" || $1 == k { n += $2 } END { print n + 0 }' \
	    "$1"
}

# Rows of tasks (ambient exits) in the database.
rows() {
	sqlite3 -cmd '.timeout 5000' "$1" "SELECT count(*) FROM tasks
	    WHERE kind = 0"
}

: >"$TMP/figures"
fig_open latency || exit 2	# emptied now: a failed run leaves no old figure
# figure name value unit target: "lower is better" for all of these.
figure() {
	awk -v n="$1" -v v="$2" -v u="$3" -v t="$4" 'BEGIN {
	    r = v > 0 ? t / v : 999
	    printf "%-36s %10.2f %s  target %s  ratio %.2f\n", n, v, u, t, r
	    printf "%s\t%s\t%s\t%s\t%.3f\t%s\n", n, v, u, t, r,
		(v <= t ? "true" : "false") >> "'"$TMP/figures"'" }'
}

# (a) exit to queryable
db=$TMP/lat.db
daemon_start "$db"
sleep "$SETTLE_S"
r0=$(rows "$db")
t0=$(date +%s%N)
"$LATPROBE" -d "$db" -n "$PROBES" -g "$GAP" >"$TMP/lat.out"
t1=$(date +%s%N)
r1=$(rows "$db")
daemon_stop
sum=$(tail -n 1 "$TMP/lat.out")
kv() { echo "$sum" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ -n "$(kv p99_ms)" ] || die "latprobe failed: $sum"
amb_a=$(awk -v r=$((r1 - r0 - PROBES)) -v t=$((t1 - t0)) \
    'BEGIN { printf "%.1f", (r < 0 ? 0 : r) / (t / 1e9) }')
echo "exit to queryable: $PROBES probes $GAP ms apart; $(kv missing)" \
    "missing; ambient exits $amb_a/s"
figure "exit to queryable p50" "$(kv p50_ms)" ms 50
figure "exit to queryable p99" "$(kv p99_ms)" ms 50
fig "exit to queryable, p99" "$(kv p99_ms)" ms 50 lower \
    "$PROBES probes $GAP ms apart; $(kv missing) missing; ambient exits $amb_a/s"
fig "exit to queryable, p50" "$(kv p50_ms)" ms 50 lower

# (b) idle wake-ups, without and with sampling
idle_phase() {	# name [args]
	_n=$1; shift
	_db=$TMP/idle-$_n.db
	daemon_start "$_db" "$@"
	sleep "$SETTLE_S"
	_r0=$(rows "$_db")
	switches "$D_PID" >"$TMP/sw0"
	_v0=$(sleeps "$D_PID" | awk '{ n += $1 } END { print n }')
	sleep "$IDLE"
	switches "$D_PID" >"$TMP/sw1"
	_v1=$(sleeps "$D_PID" | awk '{ n += $1 } END { print n }')
	_r1=$(rows "$_db")
	daemon_stop
	_s0=$(sw_sum "$TMP/sw0" total) _s1=$(sw_sum "$TMP/sw1" total)
	_by=
	for _k in loop writer other children; do
		_by="$_by $_k $(($(sw_sum "$TMP/sw1" $_k) - $(sw_sum "$TMP/sw0" $_k)))"
	done
	echo "idle wake-ups, $_n: $((_s1 - _s0)) in $IDLE s ($_by ); ambient" \
	    "exits $(awk -v r=$((_r1 - _r0)) -v t="$IDLE" \
	    'BEGIN { printf "%.1f", r / t }')/s"
	_w=$(awk -v s=$((_s1 - _s0)) -v t="$IDLE" 'BEGIN { print s / t }')
	if [ "$_n" = "sampling every 1 s" ]; then
		# One pass a second.
		_pp=$(awk -v v=$((_v1 - _v0)) -v t="$IDLE" \
		    'BEGIN { print v / t }')
		figure "sleeps per pass, sampler + child" "$_pp" "" 3
		fig "sampling: sleeps per pass, sampler + child" "$_pp" "" 3 \
		    lower "$IDLE passes, every 1 s"
		return
	fi
	figure "idle wake-ups/s, $_n" "$_w" /s 1
	# For the table: only an idle recorder's figure (no exit arrived).
	_name="idle wake-ups, all threads"
	[ "$_n" = "sampling off" ] && _name="$_name, sampling off"
	if [ $((_r1 - _r0)) -eq 0 ]; then
		fig "$_name" "$_w" /s 1 lower "$IDLE s, $_n"
	else
		fig "$_name" null /s 1 lower "not idle: $((_r1 - _r0))\
 exits arrived in $IDLE s ($_w/s with them)"
	fi
}
idle_phase "sampling off" --sample-interval 0
idle_phase "sampling every 10 s"
idle_phase "sampling every 1 s" --sample-interval 1

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
awk -F '\t' -v json="$JSON" -v commit="$commit" -v kernel="$(uname -r)" \
    -v ncpu="$(nproc)" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -v probes="$PROBES" -v gap="$GAP" -v idle="$IDLE" '
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
{ n[NR] = $1; v[NR] = $2; u[NR] = $3; t[NR] = $4; r[NR] = $5; p[NR] = $6
  if ($6 != "true") failed++ }
END {
	printf "{\n  \"machine\": {\"kernel\": %s, \"cpus\": %d},\n", jstr(kernel),
	    ncpu >json
	printf "  \"settings\": {\"commit\": %s, \"date\": %s, \"probes\": %d, " \
	    "\"gap_ms\": %d, \"idle_seconds\": %d},\n  \"figures\": [", \
	    jstr(commit), jstr(date), probes, gap, idle >json
	for (i = 1; i <= NR; i++)
		printf "%s\n    {\"name\": %s, \"value\": %s, \"unit\": %s, " \
		    "\"target\": %s, \"ratio\": %s, \"pass\": %s}", \
		    (i > 1 ? "," : ""), jstr(n[i]), v[i] + 0, jstr(u[i]), \
		    t[i] + 0, r[i] + 0, p[i] >json
	printf "\n  ]\n}\n" >json
	printf "%d of %d targets met; figures in %s\n", NR - failed, NR, json
	exit failed > 0
}' "$TMP/figures"
