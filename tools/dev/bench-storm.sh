#!/bin/sh
# bench-storm.sh: what recording every exit costs, measured against the
# floor, in one run on one machine (`make bench`).
#
# For each storm mode (tools/dev/taskstorm, 2 workers) four phases, back to back:
#   none      no listener at all: the workload's own exit rate
#   floor     tools/dev/floor, a bare blocking recv() loop with taskacctd's
#             32 MiB buffer: what any listener costs
#   batched   tools/dev/floor -b (poll, then recvmmsg every 10 ms), for reference
#   taskacctd the recorder, default settings, on a fresh database on disk
# and from the taskacctd phase: tasks created vs rows stored for them (pid
# for pid, with multiplicity: PIDs wrap), the kernel's drop count and queue
# refusals (losses table), taskacctd CPU (user+sys, all threads) per stored
# record and its ratio to the floor's, peak RSS (VmHWM), database bytes per
# row, and the workload's slowdown against the floor's.  Prints a table of
# medians over BENCH_RUNS runs and the issue's targets as PASS/FAIL, and
# writes the same figures as JSON.
#
# Settings (environment):
#   BENCH_SECONDS=30      each storm under taskacctd (the targets ask >= 30)
#   BENCH_REF_SECONDS=10  each storm with no listener and with the floor
#   BENCH_BATCHED_SECONDS=5  the batched floor (0: skip)
#   BENCH_RUNS=1          repeat everything; medians are reported
#   BENCH_MODES="fork exec spawn thread mix"
#   BENCH_WORKERS=2
#   BENCH_JSON=bench-storm.json
#   BENCH_FIGURES=bench-figures  the issue 13 figures go to its storm.json
#                         (CPU ratio, stored/created, bytes per row, for
#                         tools/dev/bench-table.sh)
#   BENCH_DIR             scratch directory (default: a new one in /var/tmp;
#                         put it on the disk taskacctd would write to)
#   TASKACCTD_ARGS        extra taskacctd options, for experiments
#
# Needs root (taskstats), sqlite3, and `make taskacctd tools/dev/taskstorm
# tools/dev/floor`.  Exit status 0 when every target passes, 1 otherwise.
set -u
cd "$(dirname "$0")/../.." || exit 1

SECONDS_D=${BENCH_SECONDS:-30}
SECONDS_REF=${BENCH_REF_SECONDS:-10}
SECONDS_B=${BENCH_BATCHED_SECONDS:-5}
RUNS=${BENCH_RUNS:-1}
MODES=${BENCH_MODES:-fork exec spawn thread mix}
WORKERS=${BENCH_WORKERS:-2}
JSON=${BENCH_JSON:-bench-storm.json}
FIGDIR=${BENCH_FIGURES:-bench-figures}
TASKACCTD=${TASKACCTD:-./taskacctd}
TASKSTORM=${TASKSTORM:-tools/dev/taskstorm}
FLOOR=${FLOOR:-tools/dev/floor}
IDLE_TIMEOUT_S=60	# for taskacctd to catch up after a storm
. tools/dev/benchlib.sh

need_root "CAP_NET_ADMIN for taskstats"
command -v sqlite3 >/dev/null || die "needs the sqlite3 command-line tool"
need_built "make taskacctd tools/dev/taskstorm tools/dev/floor" \
    "$TASKACCTD" "$TASKSTORM" "$FLOOR"
need_numbers "$SECONDS_D" "$SECONDS_REF" "$SECONDS_B" "$RUNS" "$WORKERS"
if [ "$SECONDS_D" -eq 0 ] || [ "$SECONDS_REF" -eq 0 ] || [ "$RUNS" -eq 0 ]
then
	die "BENCH_SECONDS, BENCH_REF_SECONDS and BENCH_RUNS must be above 0"
fi

if [ -n "${BENCH_DIR:-}" ]; then
	mkdir -p "$BENCH_DIR" || exit 2
	TMP=$(mktemp -d "$BENCH_DIR/bench.XXXXXX") || exit 2
else
	TMP=$(mktemp -d /var/tmp/taskacct-bench.XXXXXX) || exit 2
fi
D_PID='' F_PID=''
cleanup() {
	[ -n "$F_PID" ] && kill -TERM "$F_PID" 2>/dev/null
	[ -n "$D_PID" ] && kill -TERM "$D_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
RESULTS=$TMP/results

kv() {	# file key: value of key=value (lines or words)
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -n 1
}

storm() {	# mode seconds out [pidfile]
	if [ $# -gt 3 ]; then
		"$TASKSTORM" -m "$1" -w "$WORKERS" -t "$2" -p "$4" >"$3" ||
		    echo "bench-storm: taskstorm -m $1 failed" >&2
	else
		"$TASKSTORM" -m "$1" -w "$WORKERS" -t "$2" >"$3" ||
		    echo "bench-storm: taskstorm -m $1 failed" >&2
	fi
}

# floor_phase mode seconds name [-b]: the storm under the floor listener.
floor_phase() {
	_m=$1 _s=$2 _n=$3; shift 3
	"$FLOOR" "$@" >"$TMP/$_n.floor" 2>"$TMP/$_n.ferr" &
	F_PID=$!
	_t=0
	until grep -q listening "$TMP/$_n.ferr" 2>/dev/null; do
		_t=$((_t + 1))
		if [ $_t -ge 100 ] || ! kill -0 "$F_PID" 2>/dev/null; then
			cat "$TMP/$_n.ferr" >&2
			die "floor did not start"
		fi
		sleep 0.05
	done
	storm "$_m" "$_s" "$TMP/$_n.out"
	sleep 0.1
	kill -TERM "$F_PID"
	wait "$F_PID"
	F_PID=
}

# wait_idle: until taskacctd's CPU stops growing (it has drained and
# committed the storm); prints the seconds that took.
wait_idle() {
	_t0=$(date +%s%N)
	_prev=$(threads_cpu_us "$D_PID")
	_i=0
	while [ $_i -lt $((IDLE_TIMEOUT_S * 4)) ]; do
		sleep 0.25
		_now=$(threads_cpu_us "$D_PID")
		[ $((_now - _prev)) -lt 2000 ] && break
		_prev=$_now
		_i=$((_i + 1))
	done
	echo $(( ($(date +%s%N) - _t0) / 1000000 ))
}

# daemon_phase mode: the storm under taskacctd; figures to $TMP/d.fig.
daemon_phase() {
	_m=$1
	_db=$TMP/$_m.db
	rm -f "$_db" "$_db-wal" "$_db-shm"
	# shellcheck disable=SC2086
	bench_daemon_start "$_db" ${TASKACCTD_ARGS:-}
	_c0=$(threads_cpu_us "$D_PID")
	storm "$_m" "$SECONDS_D" "$TMP/d.out" "$TMP/d.pids"
	_lag=$(wait_idle)
	_c1=$(threads_cpu_us "$D_PID")
	_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$D_PID/status")
	kill -TERM "$D_PID"
	wait "$D_PID"
	_rc=$?
	D_PID=
	[ $_rc -eq 0 ] || { cat "$TMP/daemon.log" >&2;
	    echo "bench-storm: taskacctd exited $_rc" >&2; }
	_bytes=$(cat "$_db" "$_db-wal" 2>/dev/null | wc -c)
	# Where the bytes are: the pages of the tasks table and of each of
	# its indexes (SQLite's dbstat), for the per-row breakdown.
	_pages=$(sqlite3 -batch "$_db" "SELECT 'pg_' || name || '=' ||
	    sum(pgsize) FROM dbstat WHERE name GLOB 'tasks*' GROUP BY name" \
	    2>/dev/null | tr '\n' ' ')
	_w=$(kv "$TMP/d.out" worker_pids)
	_st="t.kind = 0 AND (t.ac_ppid IN ($_w) OR (t.ac_tgid IN ($_w) AND
	    t.ac_pid NOT IN ($_w)))"
	# created | matched | storm rows | kind-0 rows | kind-1 rows |
	# kernel_drop | queue_full | other losses
	sqlite3 -batch -separator ' ' "$_db" <<-EOF >"$TMP/d.sql" 2>&1
	CREATE TEMP TABLE s(pid INTEGER);
	.import $TMP/d.pids s
	CREATE TEMP TABLE f AS SELECT pid, count(*) AS c FROM s GROUP BY pid;
	CREATE TEMP TABLE r AS SELECT ac_pid AS pid, count(*) AS c
	    FROM tasks t WHERE $_st GROUP BY ac_pid;
	SELECT 'pids=' || (SELECT count(*) FROM s),
	    'matched=' || (SELECT coalesce(sum(min(f.c, coalesce(r.c, 0))), 0)
		FROM f LEFT JOIN r USING (pid)),
	    'storm_rows=' || (SELECT coalesce(sum(c), 0) FROM r),
	    'rows0=' || (SELECT count(*) FROM tasks WHERE kind = 0),
	    'rows1=' || (SELECT count(*) FROM tasks WHERE kind = 1),
	    'drops=' || (SELECT coalesce(sum(records), 0) FROM losses
		WHERE kind = 'kernel_drop'),
	    'refused=' || (SELECT coalesce(sum(records), 0) FROM losses
		WHERE kind = 'queue_full'),
	    'other_losses=' || (SELECT count(*) FROM losses
		WHERE kind NOT IN ('kernel_drop', 'queue_full'));
	EOF
	grep -q '^pids=' "$TMP/d.sql" || { cat "$TMP/d.sql" >&2;
	    die "counting the rows failed"; }
	printf 'rate_d=%s created=%s errors=%s cpu_d_us=%s rss_kib=%s '\
'db_bytes=%s lag_ms=%s daemon_status=%s %s %s\n' \
	    "$(kv "$TMP/d.out" rate)" "$(kv "$TMP/d.out" created)" \
	    "$(kv "$TMP/d.out" errors)" "$((_c1 - _c0))" "${_hwm:-0}" \
	    "$_bytes" "$_lag" "$_rc" "$(cat "$TMP/d.sql")" "$_pages" \
	    >"$TMP/d.fig"
	rm -f "$_db" "$_db-wal" "$_db-shm" "$TMP/d.pids"
}

one_mode() {	# mode run
	_m=$1
	storm "$_m" "$SECONDS_REF" "$TMP/none.out"
	floor_phase "$_m" "$SECONDS_REF" f
	if [ "$SECONDS_B" -gt 0 ]; then
		floor_phase "$_m" "$SECONDS_B" b -b
		_b="rate_b=$(kv "$TMP/b.out" rate) \
b_msgs=$(kv "$TMP/b.floor" messages) b_drops=$(kv "$TMP/b.floor" drops) \
b_cpu_us=$(kv "$TMP/b.floor" cpu_us)"
	else
		_b="rate_b=0 b_msgs=0 b_drops=0 b_cpu_us=0"
	fi
	daemon_phase "$_m"
	echo "mode=$_m run=$2 rate_none=$(kv "$TMP/none.out" rate) \
rate_f=$(kv "$TMP/f.out" rate) f_msgs=$(kv "$TMP/f.floor" messages) \
f_drops=$(kv "$TMP/f.floor" drops) f_cpu_us=$(kv "$TMP/f.floor" cpu_us) \
$_b $(cat "$TMP/d.fig")" >>"$RESULTS"
}

nmodes=$(echo "$MODES" | wc -w)
est=$(( (2 * SECONDS_REF + SECONDS_B + SECONDS_D + 4) * nmodes * RUNS ))
echo "bench-storm: $RUNS run(s) of $MODES; $WORKERS workers; storms of" \
    "${SECONDS_D}s under taskacctd, ${SECONDS_REF}s without and with the" \
    "floor; about $((est / 60 + 1)) min; scratch in $TMP" >&2
: >"$RESULTS"
run=1
while [ $run -le "$RUNS" ]; do
	for m in $MODES; do
		echo "bench-storm: run $run, $m" >&2
		one_mode "$m" "$run"
	done
	run=$((run + 1))
done

# --- figures, table, targets, JSON -----------------------------------------

mkdir -p "$FIGDIR" || exit 2
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo "+changes")
awk -v json="$JSON" -v secs="$SECONDS_D" -v ref="$SECONDS_REF" \
    -v bsecs="$SECONDS_B" -v runs="$RUNS" -v workers="$WORKERS" \
    -v kernel="$(uname -r)" -v ncpu="$(nproc)" \
    -v cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -n 1)" \
    -v commit="$commit$dirty" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -v args="${TASKACCTD_ARGS:-}" -v figs="$FIGDIR/storm.json" -f /dev/fd/3 "$RESULTS" 3<<'AWK'
function jstr(s) {
	gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
	gsub(/[\001-\037]/, " ", s)
	return "\"" s "\""
}
function num(x) { return x == "" ? 0 : x + 0 }
function median(key, m,    n, i, j, t, v) {
	n = cnt[m]
	for (i = 1; i <= n; i++)
		v[i] = val[m, i, key]
	for (i = 2; i <= n; i++)	# insertion sort: a handful of runs
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function minof(key, m,    i, x) {
	x = val[m, 1, key]
	for (i = 2; i <= cnt[m]; i++)
		if (val[m, i, key] < x)
			x = val[m, i, key]
	return x
}
function maxof(key, m,    i, x) {
	x = val[m, 1, key]
	for (i = 2; i <= cnt[m]; i++)
		if (val[m, i, key] > x)
			x = val[m, i, key]
	return x
}
# Derived figures of one run.
function derive(m, i,    f) {
	f = val[m, i, "f_msgs"]
	val[m, i, "f_us"] = f > 0 ? val[m, i, "f_cpu_us"] / f : 0
	f = val[m, i, "b_msgs"]
	val[m, i, "b_us"] = f > 0 ? val[m, i, "b_cpu_us"] / f : 0
	f = val[m, i, "rows0"]
	val[m, i, "d_us"] = f > 0 ? val[m, i, "cpu_d_us"] / f : 0
	val[m, i, "ratio"] = val[m, i, "f_us"] > 0 ? \
	    val[m, i, "d_us"] / val[m, i, "f_us"] : 0
	f = val[m, i, "rows0"] + val[m, i, "rows1"]
	val[m, i, "bpr"] = f > 0 ? val[m, i, "db_bytes"] / f : 0
	val[m, i, "bpr_table"] = f > 0 ? val[m, i, "pg_tasks"] / f : 0
	val[m, i, "bpr_recv_time"] = f > 0 ? val[m, i, "pg_tasks_recv_time"] / f : 0
	val[m, i, "bpr_pid"] = f > 0 ? val[m, i, "pg_tasks_pid"] / f : 0
	val[m, i, "bpr_ppid"] = f > 0 ? val[m, i, "pg_tasks_ppid"] / f : 0
	val[m, i, "stored_share"] = val[m, i, "created"] > 0 ? \
	    val[m, i, "matched"] / val[m, i, "created"] : 0
	val[m, i, "missing"] = val[m, i, "created"] - val[m, i, "matched"]
	val[m, i, "lost"] = val[m, i, "drops"] + val[m, i, "refused"]
	val[m, i, "slow_f"] = val[m, i, "rate_f"] > 0 ? \
	    100 * (val[m, i, "rate_none"] / val[m, i, "rate_f"] - 1) : 0
	val[m, i, "slow_d"] = val[m, i, "rate_d"] > 0 ? \
	    100 * (val[m, i, "rate_none"] / val[m, i, "rate_d"] - 1) : 0
	val[m, i, "slow_diff"] = val[m, i, "slow_d"] - val[m, i, "slow_f"]
}
# The issue 13 figures for tools/dev/bench-table.sh, one JSON object a
# line (the convention is described there).
function figure(name, v, unit, t, better) {
	printf "{\"figure\":%s,\"value\":%s,\"unit\":%s,\"target\":%s," \
	    "\"better\":%s,\"note\":%s}\n", jstr(name), v, jstr(unit), t,
	    jstr(better), jstr("median of " runs " run(s), " secs " s storms, " \
	    commit) >figs
}
function figures(    o, m) {
	printf "" >figs
	for (o = 1; o <= nm; o++) {
		m = order[o]
		figure("CPU per stored record vs the floor, " m " storm",
		    sprintf("%.3f", med[m, "ratio"]), "x", 1, "lower")
		figure("stored/created (worst run), " m " storm",
		    sprintf("%.5f", minof("stored_share", m)), "", 1, "higher")
		figure("database bytes per row, " m " storm",
		    sprintf("%.1f", med[m, "bpr"]), "B", m == "thread" ? 180 : \
		    "null", "lower")
	}
	close(figs)
}
function target(name, ok, value, limit) {
	nt++
	tname[nt] = name; tok[nt] = ok; tval[nt] = value; tlim[nt] = limit
	printf "%s  %s: %s (limit %s)\n", (ok ? "PASS" : "FAIL"), name, value,
	    limit
	if (!ok)
		failed++
}
{
	m = ""
	for (i = 1; i <= NF; i++) {
		k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v)
		if (k == "mode") {
			m = v
			if (!(m in cnt)) { order[++nm] = m; cnt[m] = 0 }
			r = ++cnt[m]
		} else if (m != "")
			val[m, r, k] = num(v)
	}
	derive(m, r)
}
END {
	nkeys = split("rate_none rate_f rate_b rate_d slow_f slow_d " \
	    "slow_diff created matched missing storm_rows rows0 rows1 " \
	    "drops refused lost other_losses f_us b_us d_us ratio rss_kib " \
	    "bpr db_bytes lag_ms errors f_drops b_drops daemon_status " \
	    "bpr_table bpr_recv_time bpr_pid bpr_ppid stored_share", key)
	printf "\nmedians of %d run(s); storms of %ds under taskacctd, %ds " \
	    "without and with the floor, %d workers\n", runs, secs, ref, workers
	printf "%-7s %8s %8s %8s %8s %7s %7s %9s %9s %7s %6s %6s %6s %6s " \
	    "%6s %5s %7s %5s\n", "mode", "none/s", "floor/s", "batch/s",
	    "acctd/s", "slow_f", "slow_d", "created", "stored", "drops",
	    "refus", "fl_us", "bt_us", "ac_us", "ratio", "rss_M", "B/row",
	    "lag_s"
	for (o = 1; o <= nm; o++) {
		m = order[o]
		for (k = 1; k <= nkeys; k++)
			med[m, key[k]] = median(key[k], m)
		printf "%-7s %8d %8d %8d %8d %6.1f%% %6.1f%% %9d %9d %7d %6d " \
		    "%6.2f %6.2f %6.2f %6.2f %5.1f %7.0f %5.1f\n", m,
		    med[m, "rate_none"], med[m, "rate_f"], med[m, "rate_b"],
		    med[m, "rate_d"], med[m, "slow_f"], med[m, "slow_d"],
		    med[m, "created"], med[m, "matched"], med[m, "drops"],
		    med[m, "refused"], med[m, "f_us"], med[m, "b_us"],
		    med[m, "d_us"], med[m, "ratio"], med[m, "rss_kib"] / 1024,
		    med[m, "bpr"], med[m, "lag_ms"] / 1000
	}
	printf "(slow_*: workload slowdown vs no listener; stored: created " \
	    "tasks with their row; *_us: listener CPU per record; ratio: " \
	    "taskacctd/floor; lag_s: taskacctd catching up after the " \
	    "storm)\n"
	printf "bytes per row (dbstat pages / rows): mode, tasks table, " \
	    "tasks_recv_time, tasks_pid, tasks_ppid, the rest (other tables, " \
	    "free pages, -wal)\n"
	for (o = 1; o <= nm; o++) {
		m = order[o]
		printf "  %-7s %6.1f %6.1f %6.1f %6.1f %6.1f\n", m,
		    med[m, "bpr_table"], med[m, "bpr_recv_time"],
		    med[m, "bpr_pid"], med[m, "bpr_ppid"], med[m, "bpr"] - \
		    med[m, "bpr_table"] - med[m, "bpr_recv_time"] - \
		    med[m, "bpr_pid"] - med[m, "bpr_ppid"]
	}
	printf "\n"
	figures()
	for (o = 1; o <= nm; o++) {
		m = order[o]
		target(m ": zero drops and every created task stored" \
		    (secs < 30 ? " (storm shorter than 30 s)" : ""),
		    maxof("lost", m) == 0 && maxof("missing", m) == 0 &&
		    maxof("other_losses", m) == 0 && secs >= 30,
		    "worst run: " maxof("lost", m) " lost, " \
		    maxof("missing", m) " missing", "0, 0, >= 30 s")
		target(m ": taskacctd CPU per record <= 2x the floor's",
		    med[m, "ratio"] <= 2, sprintf("%.2fx (%.2f vs %.2f us)",
		    med[m, "ratio"], med[m, "d_us"], med[m, "f_us"]), "2x")
		target(m ": slowdown <= the floor's + 10 points",
		    med[m, "slow_diff"] <= 10, sprintf("%+.1f points " \
		    "(%.1f%% vs %.1f%%)", med[m, "slow_diff"],
		    med[m, "slow_d"], med[m, "slow_f"]), "+10")
		target(m ": peak RSS <= 64 MiB", maxof("rss_kib", m) <= 65536,
		    sprintf("%.1f MiB", maxof("rss_kib", m) / 1024), "64 MiB")
	}
	if (("thread" in cnt))
		target("thread: database bytes per row <= 300",
		    med["thread", "bpr"] <= 300,
		    sprintf("%.0f B", med["thread", "bpr"]), "300 B")

	printf "{\n  \"machine\": {\"kernel\": %s, \"cpus\": %d, " \
	    "\"cpu\": %s},\n", jstr(kernel), ncpu, jstr(cpu) >json
	printf "  \"settings\": {\"commit\": %s, \"date\": %s, " \
	    "\"runs\": %d, \"workers\": %d, \"taskacctd_seconds\": %d, " \
	    "\"reference_seconds\": %d, \"batched_seconds\": %d, " \
	    "\"taskacctd_args\": %s},\n", jstr(commit), jstr(date), runs,
	    workers, secs, ref, bsecs, jstr(args) >json
	for (pass = 1; pass <= 2; pass++) {
		printf "  \"%s\": {", (pass == 1 ? "medians" : "max") >json
		for (o = 1; o <= nm; o++) {
			m = order[o]
			printf "%s\n    %s: {", (o > 1 ? "," : ""), jstr(m) >json
			for (k = 1; k <= nkeys; k++) {
				x = pass == 1 ? med[m, key[k]] : maxof(key[k], m)
				printf "%s%s: %s", (k > 1 ? ", " : ""),
				    jstr(key[k]), x + 0 >json
			}
			printf "}" >json
		}
		printf "\n  },\n" >json
	}
	printf "  \"runs\": [" >json
	sep = ""
	for (o = 1; o <= nm; o++) {
		m = order[o]
		for (i = 1; i <= cnt[m]; i++) {
			printf "%s\n    {\"mode\": %s, \"run\": %d", sep,
			    jstr(m), i >json
			for (k = 1; k <= nkeys; k++)
				printf ", %s: %s", jstr(key[k]),
				    val[m, i, key[k]] + 0 >json
			printf "}" >json
			sep = ","
		}
	}
	printf "\n  ],\n  \"targets\": [" >json
	for (t = 1; t <= nt; t++)
		printf "%s\n    {\"target\": %s, \"pass\": %s, \"value\": %s, " \
		    "\"limit\": %s}", (t > 1 ? "," : ""), jstr(tname[t]),
		    tok[t] ? "true" : "false", jstr(tval[t]),
		    jstr(tlim[t]) >json
	printf "\n  ]\n}\n" >json
	close(json)
	printf "\n%d of %d targets passed; figures in %s\n", nt - failed, nt,
	    json
	exit (failed > 0)
}
AWK
