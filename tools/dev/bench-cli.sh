#!/bin/bash
# bench-cli.sh: query speed of taskacct on a generated 10-million-row
# database (issue 3, "Speed").  Builds the database with tools/dev/gendb once
# (cached under /var/tmp by rows, seed and schema), picks the busiest hour
# of the data as the window and a make process in it as the PID, then runs
# each query several times with a warm cache and reports the median and
# the maximum in ms, PASS or FAIL against the targets (100 ms for the
# window reports and status, 50 ms for show and tree).  Two sets:
#   cli: the taskacct commands themselves (skipped while one is missing);
#   sql: the same query shapes through `taskacct sql`, the baseline that
#        shows which indexes the commands need.
#
#   tools/dev/bench-cli.sh [-n ROWS] [-s SEED] [-r RUNS] [-o JSON]
#   tools/dev/bench-cli.sh --variants     # also: each shape with and without
#                                     # each candidate index (a copy, slow)
#   tools/dev/bench-cli.sh --insert       # also: index cost on the INSERT
#   tools/dev/bench-cli.sh --insert-only  # only that
#   tools/dev/bench-cli.sh --only REGEX   # only the timings named so
#
# Besides the busiest hour, the window reports run over a day and a week
# ending at that hour's end and over the whole history (issue 13's table:
# the rollups' hour and day levels).  TASKACCT_BENCH_DB=PATH measures an
# existing database instead (say, one an older gendb built).
# The issue's figures among these timings (summary and short over a day
# and a week, top --by io --group command over a week) also go to
# $BENCH_FIGURES/cli.json (default bench-figures/) for
# tools/dev/bench-table.sh, named by the rows of -n.
#
# Run from the repository after `make taskacct tools/dev/gendb`.
set -eu
cd "$(dirname "$0")/../.."
# The process-end bit of ac_flag, from its one definition.
AGROUP=$(sed -n \
    's/^#define[[:space:]]*TS_AGROUP[[:space:]]*\(0x[0-9a-f]*\).*/\1/p' \
    include/taskstats_proto.h)
if [ -z "$AGROUP" ]; then
	echo "$0: no TS_AGROUP in include/taskstats_proto.h" >&2
	exit 1
fi

rows=10000000
seed=1
runs=7
json=bench-cli.json
variants=0
insert=0
queries=1
only=
cache=${TASKACCT_BENCH_DIR:-/var/tmp}
while [ $# -gt 0 ]; do
	case $1 in
	-n) rows=$2; shift ;;
	-s) seed=$2; shift ;;
	-r) runs=$2; shift ;;
	-o) json=$2; shift ;;
	--variants) variants=1 ;;
	--insert) insert=1 ;;
	--insert-only) insert=1; queries=0 ;;
	--only) only=$2; shift ;;
	*) echo "usage: $0 [-n ROWS] [-s SEED] [-r RUNS] [-o JSON]" \
	    "[--variants] [--insert | --insert-only]" >&2; exit 2 ;;
	esac
	shift
done
case $rows$seed$runs in *[!0-9]*) echo "$0: numbers only" >&2; exit 2 ;; esac

ta=${TASKACCT:-./taskacct}
# the schema and the generator decide what the file holds
schema=$(cat sql/schema.sql tools/dev/gendb.c | cksum | cut -d' ' -f1)
db=${TASKACCT_BENCH_DB:-$cache/taskacct-bench-$rows-s$seed-$schema.db}

# The database, built once per rows, seed and schema.
ensure_db() {	# path rows
	if [ ! -s "$1" ]; then
		echo "bench-cli: generating $2 rows into $1" >&2
		rm -f "$1"-wal "$1"-shm
		tools/dev/gendb -n "$2" --seed "$seed" -o "$1" >&2
	fi
}
# The issue 13 figures (at the end): emptied now, so that a failed run
# leaves no old figure behind.
FIG_FILE=
if [ "$queries" = 1 ]; then
	. tools/dev/benchfig.sh
	fig_open cli
fi
ensure_db "$db" "$rows"

q() {	# one value from the database
	"$ta" --db "$db" --format tsv --no-header sql "$1"
}

# Window: the busiest clock hour.  PID: the last top-level make (a child
# of a login shell) to exit in it.  Both cached next to the database.
meta=$db.meta
if [ ! -s "$meta" ]; then
	h=$(q "SELECT recv_time / 3600000000 FROM tasks GROUP BY 1
	    ORDER BY count(*) DESC, 1 LIMIT 1")
	# 30 s past the hour: a window not aligned to minutes
	since=$((h * 3600000000 + 30000000)); until=$((since + 3600000000))
	read -r pid pexit < <(q "SELECT m.ac_pid, m.recv_time FROM tasks m
	    WHERE m.recv_time >= $since AND m.recv_time < $until
	    AND m.kind = 0 AND m.ac_comm = 'make' AND m.ac_flag & $AGROUP
	    AND m.ac_ppid IN (SELECT ac_pid FROM tasks b
	        WHERE b.recv_time >= $since AND b.ac_comm = 'bash'
	        AND b.ac_pid = m.ac_ppid)
	    ORDER BY m.recv_time DESC LIMIT 1" | tr '\t' ' ')
	echo "$since $until $pid $pexit" > "$meta"
fi
read -r since until pid pexit < "$meta"
inwin=$(q "SELECT count(*) FROM tasks WHERE recv_time >= $since
    AND recv_time < $until")
loc() { date -d "@$(($1 / 1000000))" '+%Y-%m-%d %H:%M:%S'; }
echo "database $db: $(stat -c %s "$db") bytes"
echo "window $(loc "$since") .. $(loc "$until"): $inwin rows;" \
    "pid $pid (exit $(loc "$pexit"))"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
maxof() { sort -n | tail -1; }

results=()
timesf=$(mktemp)
trap 'rm -f "$timesf"' EXIT
# Children's CPU so far, in ms, into $cpu: `times` runs in this shell (a
# subshell would report its own children).
tm_ms() {	# 0m0.012s -> ms, into $ms_v
	local m=${1%%m*} sec=${1#*m}
	sec=${sec%s}
	ms_v=$((10#$m * 60000 + 10#${sec%.*} * 1000 + 10#${sec#*.}))
}
child_cpu() {
	local u s
	times > "$timesf"
	{ read -r _; read -r u s; } < "$timesf"
	tm_ms "$u"; cpu=$ms_v
	tm_ms "$s"; cpu=$((cpu + ms_v))
}

# time_cmd NAME TARGET_MS CMD...: warm-up run, then $runs timed runs;
# the median wall time decides; CPU (user + system) shows what the load
# of other processes added to it.
time_cmd() {
	local name=$1 target=$2 t0 t1 c0 i ms=() cpus=() med max mcpu verdict
	local why
	shift 2
	if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
		return 0
	fi
	if ! why=$("$@" 2>&1 >/dev/null); then
		[ -n "$why" ] || why="no result within its time limit"
		printf '%-26s %8s %8s %8s %7s  %s\n' "$name" - - - "$target" \
		    "SKIP (${why%%$'\n'*})"
		results+=("{\"name\":\"$name\",\"target_ms\":$target,\"status\":\"skip\"}")
		return 0
	fi
	for ((i = 0; i < runs; i++)); do
		child_cpu; c0=$cpu
		t0=$EPOCHREALTIME
		"$@" >/dev/null
		t1=$EPOCHREALTIME
		child_cpu
		ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
		cpus+=("$((cpu - c0))")
	done
	med=$(printf '%s\n' "${ms[@]}" | median)
	max=$(printf '%s\n' "${ms[@]}" | maxof)
	mcpu=$(printf '%s\n' "${cpus[@]}" | median)
	verdict=$(awk -v m="$med" -v t="$target" 'BEGIN { print m < t ? "PASS" : "FAIL" }')
	printf '%-26s %8s %8s %8s %7s  %s (%sx)\n' "$name" "$med" "$max" \
	    "$mcpu" "$target" "$verdict" "$(awk -v m="$med" -v t="$target" \
	    'BEGIN { printf "%.2f", m / t }')"
	results+=("{\"name\":\"$name\",\"target_ms\":$target,\"median_ms\":$med,\"max_ms\":$max,\"cpu_median_ms\":$mcpu,\"status\":\"$(echo "$verdict" | tr A-Z a-z)\"}")
}

header() {
	printf '\n%-26s %8s %8s %8s %7s  %s\n' "$1" median max cpu target \
	    result
}

if [ "$queries" = 1 ]; then
S="$(loc "$since")"
U="$(loc "$until")"
header "cli (ms)"
time_cmd last 100 "$ta" --db "$db" last --since "$S" --until "$U"
time_cmd last-failed 100 "$ta" --db "$db" last --since "$S" --until "$U" \
    --failed
time_cmd last-comm-user 100 "$ta" --db "$db" last --since "$S" \
    --until "$U" --comm 'py*' --user 1003
time_cmd top 100 "$ta" --db "$db" top --since "$S" --until "$U"
# per process, its threads summed: exact, reads the whole window
time_cmd top-process 100 "$ta" --db "$db" top --since "$S" --until "$U" \
    --group process
time_cmd summary 100 "$ta" --db "$db" summary --since "$S" --until "$U"
time_cmd short 100 "$ta" --db "$db" short --since "$S" --until "$U"
time_cmd status 100 "$ta" --db "$db" status
# Issue 13: a day, a week (ending at the hour's end, 30 s past a minute)
# and the whole history (from 1970-01-02, no end), read through the rollups' day, hour and minute
# levels and the rows of the edges.
D="$(loc $((until - 86400000000)))"
WK="$(loc $((until - 7 * 86400000000)))"
A="1970-01-02 00:00:00"
for w in day:"$D" week:"$WK" all:"$A"; do
	ws=${w#*:} w=${w%%:*}
	win=(--since "$ws" --until "$U")
	[ "$w" = all ] && win=(--since "$ws")	# to the end, open
	time_cmd "summary-$w" 100 "$ta" --db "$db" summary "${win[@]}"
	time_cmd "short-$w" 100 "$ta" --db "$db" short "${win[@]}"
	time_cmd "top-io-command-$w" 100 "$ta" --db "$db" top --by io \
	    --group command "${win[@]}"
	time_cmd "top-user-$w" 100 "$ta" --db "$db" top --group user \
	    "${win[@]}"
	time_cmd "timeline-$w" 100 "$ta" --db "$db" --format csv \
	    timeline --buckets 80 "${win[@]}"
	[ "$w" = all ] && continue
	# per process: threads from proc_totals (schema 5), and summed from
	# their rows as before it (TASKACCT_PROCTOTALS=0), for comparison
	time_cmd "top-process-$w" 100 "$ta" --db "$db" top --group process \
	    "${win[@]}"
	time_cmd "top-process-$w-threads" 100 env TASKACCT_PROCTOTALS=0 \
	    "$ta" --db "$db" top --group process "${win[@]}"
done
time_cmd top-process-threads 100 env TASKACCT_PROCTOTALS=0 "$ta" \
    --db "$db" top --since "$S" --until "$U" --group process
# The pid was reused: pick the exit (the make alive at that second).
time_cmd show 50 "$ta" --db "$db" show --at "$(loc "$pexit")" "$pid"
time_cmd tree 50 "$ta" --db "$db" tree --at "$(loc "$pexit")" "$pid"

# The query shapes, as the commands would run them.  W: the window.
W="recv_time >= $since AND recv_time < $until"
P="kind = 0 AND ac_flag & $AGROUP"		# one row per process end
LAST="SELECT id, recv_time, ac_comm, ac_uid, ac_pid, ac_ppid, ac_etime,
    exit_code, exit_signal FROM tasks"
sql_last="$LAST WHERE $P AND $W ORDER BY recv_time DESC, id DESC LIMIT 50"
sql_last_failed="$LAST WHERE $P AND $W AND (exit_code OR exit_signal)
    ORDER BY recv_time DESC, id DESC LIMIT 50"
sql_last_comm_user="$LAST WHERE $P AND $W AND ac_comm GLOB 'py*'
    AND ac_uid = 1003 ORDER BY recv_time DESC, id DESC LIMIT 50"
sql_last_nomatch="$LAST WHERE $P AND $W AND ac_comm GLOB 'nomatch*'
    ORDER BY recv_time DESC, id DESC LIMIT 50"
sql_top="SELECT ac_comm, count(*) FILTER (WHERE ac_flag & $AGROUP) AS n,
    sum(ac_utime + ac_stime) AS cpu FROM tasks WHERE kind = 0 AND $W
    GROUP BY ac_comm ORDER BY cpu DESC LIMIT 10"
sql_top_rows="SELECT id, ac_comm, ac_pid, read_bytes + write_bytes AS io
    FROM tasks WHERE kind = 0 AND $W ORDER BY io DESC LIMIT 10"
sql_summary="SELECT ac_comm, count(*) FILTER (WHERE ac_flag & $AGROUP),
    sum(ac_etime), sum(ac_utime), sum(ac_stime), avg(hiwater_rss),
    max(hiwater_rss), sum(read_bytes), sum(write_bytes),
    sum(cpu_delay_total), sum(blkio_delay_total), sum(swapin_delay_total),
    sum(freepages_delay_total), sum(thrashing_delay_total),
    sum(compact_delay_total), sum(wpcopy_delay_total), sum(irq_delay_total)
    FROM tasks WHERE kind = 0 AND $W GROUP BY ac_comm
    ORDER BY sum(ac_utime + ac_stime) DESC"
sql_short_comm="SELECT ac_comm, count(*) FROM tasks WHERE $P AND $W
    AND ac_etime < 1000000 GROUP BY ac_comm ORDER BY 2 DESC LIMIT 20"
# Per parent, named by the parent's own exit: the first exit of that pid
# after its last short child (PID reuse).
sql_short_ppid="WITH s AS (SELECT ac_ppid AS ppid, count(*) AS n,
    max(recv_time) AS last FROM tasks WHERE $P AND $W
    AND ac_etime < 1000000 GROUP BY ac_ppid ORDER BY n DESC LIMIT 20)
    SELECT ppid, n, (SELECT ac_comm FROM tasks p WHERE p.ac_pid = s.ppid
    AND p.kind = 0 AND p.recv_time >= s.last ORDER BY p.recv_time
    LIMIT 1) FROM s"
sql_status="SELECT (SELECT count(*) FROM tasks),
    (SELECT min(recv_time) FROM tasks), (SELECT max(recv_time) FROM tasks),
    (SELECT count(*) FROM runs), (SELECT count(*) FROM runs WHERE clean = 0),
    (SELECT count(*) || '/' || coalesce(sum(records), 0) FROM losses)"
sql_status_nocount="SELECT (SELECT max(id) FROM tasks) -
    (SELECT min(id) FROM tasks) + 1,
    (SELECT min(recv_time) FROM tasks), (SELECT max(recv_time) FROM tasks),
    (SELECT count(*) FROM runs), (SELECT count(*) FROM runs WHERE clean = 0),
    (SELECT count(*) || '/' || coalesce(sum(records), 0) FROM losses)"
# show: every exit of the pid, and the group row of a threaded one (the
# writer inserts it right after its thread row: id + 1, checked by link_id).
sql_show="SELECT * FROM tasks WHERE ac_pid = $pid ORDER BY recv_time DESC;
    SELECT g.* FROM tasks t JOIN tasks g ON g.id = t.id + 1
    AND g.kind = 1 AND g.link_id = t.id WHERE t.ac_pid = $pid"
sql_show_at="SELECT * FROM tasks WHERE ac_pid = $pid AND kind = 0
    AND recv_time >= $pexit ORDER BY recv_time LIMIT 1"
# tree: the instance of pid exiting at pexit; ancestors: the first exit of
# the parent pid after the child started, if it started before the child;
# descendants: exits with the pid as parent within its lifetime.
tree_sql() {	# ppid-index-hint pid-index-hint
	echo "WITH RECURSIVE
    me AS (SELECT id, ac_pid, ac_ppid, recv_time - ac_etime AS st,
        recv_time AS et FROM tasks $2 WHERE ac_pid = $pid AND $P
        AND recv_time >= $pexit ORDER BY recv_time LIMIT 1),
    anc(id, pid, ppid, st, et, depth) AS (
        SELECT id, ac_pid, ac_ppid, st, et, 0 FROM me
        UNION ALL
        SELECT p.id, p.ac_pid, p.ac_ppid, p.recv_time - p.ac_etime,
            p.recv_time, a.depth - 1 FROM anc a JOIN tasks p ON p.id =
            (SELECT q.id FROM tasks q $2 WHERE q.ac_pid = a.ppid
            AND q.kind = 0 AND q.ac_flag & $AGROUP AND q.recv_time >= a.st
            ORDER BY q.recv_time LIMIT 1)
        WHERE p.recv_time - p.ac_etime <= a.st AND a.depth > -64),
    des(id, pid, st, et, depth) AS (
        SELECT id, ac_pid, st, et, 0 FROM me
        UNION ALL
        SELECT c.id, c.ac_pid, c.recv_time - c.ac_etime, c.recv_time,
            d.depth + 1 FROM des d JOIN tasks c $1 ON c.ac_ppid = d.pid
            AND c.kind = 0 AND c.ac_flag & $AGROUP AND c.recv_time >= d.st
            AND c.recv_time <= d.et AND c.recv_time - c.ac_etime >= d.st
        WHERE d.depth < 64)
    SELECT a.depth, t.ac_comm, t.ac_pid, t.ac_ppid, t.recv_time
        FROM anc a JOIN tasks t ON t.id = a.id
    UNION ALL
    SELECT d.depth, t.ac_comm, t.ac_pid, t.ac_ppid, t.recv_time
        FROM des d JOIN tasks t ON t.id = d.id WHERE d.depth > 0"
}
sql_tree=$(tree_sql "" "")

shapes="last last_failed last_comm_user last_nomatch top top_rows summary
    short_comm short_ppid status status_nocount show show_at tree"
target_of() {
	case $1 in show*|tree*) echo 50 ;; *) echo 100 ;; esac
}
run_shapes() {	# database, name suffix
	local s var
	for s in $shapes; do
		var=sql_$s
		time_cmd "$s$2" "$(target_of "$s")" "$ta" --db "$1" sql \
		    "${!var}"
	done
}
header "sql shapes (ms)"
run_shapes "$db" ""
echo "descendants+ancestors of $pid:" \
    "$(q "SELECT count(*) FROM ($sql_tree)")"
fi

# A candidate summary table: per minute, command and user, the sums the
# window reports need, folded in by the writer once per transaction (?1,
# ?2: the batch's first and last row ids).  A window reads whole minutes
# from it and the partial minutes at its edges from tasks.
SUM_DDL="CREATE TABLE IF NOT EXISTS tasks_minute (
    minute INTEGER NOT NULL, ac_comm TEXT NOT NULL, ac_uid INTEGER NOT NULL,
    rows INTEGER, procs INTEGER, short INTEGER, failed INTEGER,
    etime INTEGER, utime INTEGER, stime INTEGER, rss_sum INTEGER,
    rss_max INTEGER, read_bytes INTEGER, write_bytes INTEGER,
    cpu_delay INTEGER, blkio_delay INTEGER, swapin_delay INTEGER,
    freepages_delay INTEGER, thrashing_delay INTEGER, compact_delay INTEGER,
    wpcopy_delay INTEGER, irq_delay INTEGER,
    PRIMARY KEY (minute, ac_comm, ac_uid)) WITHOUT ROWID"
SUM_FOLD="INSERT INTO tasks_minute SELECT recv_time / 60000000,
    coalesce(ac_comm, ''), coalesce(ac_uid, -1), count(*),
    count(*) FILTER (WHERE ac_flag & $AGROUP),
    count(*) FILTER (WHERE ac_flag & $AGROUP AND ac_etime < 1000000),
    count(*) FILTER (WHERE ac_flag & $AGROUP AND (exit_code OR exit_signal)),
    sum(ac_etime), sum(ac_utime), sum(ac_stime),
    sum(hiwater_rss) FILTER (WHERE ac_flag & $AGROUP), max(hiwater_rss),
    sum(read_bytes), sum(write_bytes), sum(cpu_delay_total),
    sum(blkio_delay_total), sum(swapin_delay_total),
    sum(freepages_delay_total), sum(thrashing_delay_total),
    sum(compact_delay_total), sum(wpcopy_delay_total), sum(irq_delay_total)
    FROM tasks WHERE id BETWEEN ?1 AND ?2 AND kind = 0 GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET rows = rows + excluded.rows,
    procs = procs + excluded.procs, short = short + excluded.short,
    failed = failed + excluded.failed, etime = etime + excluded.etime,
    utime = utime + excluded.utime, stime = stime + excluded.stime,
    rss_sum = rss_sum + excluded.rss_sum,
    rss_max = max(rss_max, excluded.rss_max),
    read_bytes = read_bytes + excluded.read_bytes,
    write_bytes = write_bytes + excluded.write_bytes,
    cpu_delay = cpu_delay + excluded.cpu_delay,
    blkio_delay = blkio_delay + excluded.blkio_delay,
    swapin_delay = swapin_delay + excluded.swapin_delay,
    freepages_delay = freepages_delay + excluded.freepages_delay,
    thrashing_delay = thrashing_delay + excluded.thrashing_delay,
    compact_delay = compact_delay + excluded.compact_delay,
    wpcopy_delay = wpcopy_delay + excluded.wpcopy_delay,
    irq_delay = irq_delay + excluded.irq_delay"
m0=$(( (since + 59999999) / 60000000 )); m1=$(( until / 60000000 ))
SUM_W="WITH w AS (SELECT ac_comm, procs, short, etime, utime, stime, rss_sum,
    rss_max, read_bytes, write_bytes, cpu_delay, blkio_delay, swapin_delay,
    freepages_delay, thrashing_delay, compact_delay, wpcopy_delay, irq_delay
    FROM tasks_minute WHERE minute >= $m0 AND minute < $m1
  UNION ALL
    SELECT ac_comm, (ac_flag & $AGROUP) != 0,
    (ac_flag & $AGROUP) != 0 AND ac_etime < 1000000, ac_etime, ac_utime,
    ac_stime, CASE WHEN ac_flag & $AGROUP THEN hiwater_rss END, hiwater_rss,
    read_bytes, write_bytes, cpu_delay_total, blkio_delay_total,
    swapin_delay_total, freepages_delay_total, thrashing_delay_total,
    compact_delay_total, wpcopy_delay_total, irq_delay_total FROM tasks
    WHERE kind = 0 AND ((recv_time >= $since
    AND recv_time < $((m0 * 60000000))) OR (recv_time >= $((m1 * 60000000))
    AND recv_time < $until)))"
sql_summary_minute="$SUM_W SELECT ac_comm, sum(procs), sum(etime),
    sum(utime), sum(stime), sum(rss_sum) / max(sum(procs), 1), max(rss_max),
    sum(read_bytes), sum(write_bytes), sum(cpu_delay), sum(blkio_delay),
    sum(swapin_delay), sum(freepages_delay), sum(thrashing_delay),
    sum(compact_delay), sum(wpcopy_delay), sum(irq_delay) FROM w
    GROUP BY ac_comm ORDER BY sum(utime) + sum(stime) DESC"
sql_top_minute="$SUM_W SELECT ac_comm, sum(procs), sum(utime) + sum(stime)
    AS cpu FROM w GROUP BY ac_comm ORDER BY cpu DESC LIMIT 10"
sql_short_comm_minute="$SUM_W SELECT ac_comm, sum(short) FROM w
    GROUP BY ac_comm HAVING sum(short) > 0 ORDER BY 2 DESC LIMIT 20"
# Short-lived process ends per minute and parent, for short's per-parent
# half (tasks_minute cannot hold it: nearly every gcc is a parent).
SP_DDL="CREATE TABLE IF NOT EXISTS short_parent_minute (
    minute INTEGER NOT NULL, ac_ppid INTEGER NOT NULL, n INTEGER,
    last INTEGER, PRIMARY KEY (minute, ac_ppid)) WITHOUT ROWID"
SP_FOLD="INSERT INTO short_parent_minute SELECT recv_time / 60000000,
    ac_ppid, count(*), max(recv_time) FROM tasks WHERE id BETWEEN ?1 AND ?2
    AND kind = 0 AND ac_flag & $AGROUP AND ac_etime < 1000000 GROUP BY 1, 2
    ON CONFLICT DO UPDATE SET n = n + excluded.n,
    last = max(last, excluded.last)"
sql_short_ppid_minute="WITH s0 AS (SELECT ac_ppid, n, last
    FROM short_parent_minute WHERE minute >= $m0 AND minute < $m1
  UNION ALL
    SELECT ac_ppid, 1, recv_time FROM tasks WHERE kind = 0
    AND ac_flag & $AGROUP AND ac_etime < 1000000 AND ((recv_time >= $since
    AND recv_time < $((m0 * 60000000))) OR (recv_time >= $((m1 * 60000000))
    AND recv_time < $until))),
  s AS (SELECT ac_ppid AS ppid, sum(n) AS n, max(last) AS last FROM s0
    GROUP BY ac_ppid ORDER BY n DESC LIMIT 20)
  SELECT ppid, n, (SELECT ac_comm FROM tasks p WHERE p.ac_pid = s.ppid
    AND p.kind = 0 AND p.recv_time >= s.last ORDER BY p.recv_time
    LIMIT 1) FROM s"

# Each shape with and without each candidate index, on a copy holding
# them all, chosen per query with INDEXED BY / NOT INDEXED.
if [ "$variants" = 1 ] && [ "$queries" = 1 ]; then
	vdb=$db.variants
	if [ ! -s "$vdb" ]; then
		echo "bench-cli: building $vdb" >&2
		fold_all=${SUM_FOLD//\?1/0}
		fold_all=${fold_all//\?2/9223372036854775807}
		sp_all=${SP_FOLD//\?1/0}
		sp_all=${sp_all//\?2/9223372036854775807}
		cp "$db" "$vdb.tmp"
		sqlite3 "$vdb.tmp" "
		    CREATE INDEX IF NOT EXISTS tasks_ppid ON tasks(ac_ppid);
		    CREATE INDEX x_pid_time ON tasks(ac_pid, recv_time);
		    CREATE INDEX x_ppid_time ON tasks(ac_ppid, recv_time);
		    CREATE INDEX x_win ON tasks(recv_time, kind, ac_flag, ac_uid,
		        ac_ppid, ac_etime, ac_comm);
		    $SUM_DDL;
		    $fold_all;
		    $SP_DDL;
		    $sp_all;" >/dev/null
		mv "$vdb.tmp" "$vdb"
	fi
	header "variants (ms)"
	noidx() { echo "${1//"FROM tasks WHERE"/"FROM tasks NOT INDEXED WHERE"}"; }
	withidx() { echo "${1//"FROM tasks WHERE"/"FROM tasks INDEXED BY $2 WHERE"}"; }
	time_cmd summary_no_time_index 100 "$ta" --db "$vdb" sql \
	    "$(noidx "$sql_summary")"
	for s in last_comm_user last_nomatch top short_comm short_ppid; do
		var=sql_$s
		time_cmd "${s}_x_win" 100 "$ta" --db "$vdb" sql \
		    "$(withidx "${!var}" x_win)"
	done
	for s in summary_minute top_minute short_comm_minute \
	    short_ppid_minute; do
		var=sql_$s
		time_cmd "$s" 100 "$ta" --db "$vdb" sql "${!var}"
	done
	# a full scan per descendant: minutes; one run, cut at 30 s
	runs_save=$runs; runs=1
	time_cmd tree_no_ppid_index 50 timeout 30 "$ta" --db "$vdb" sql \
	    "$(tree_sql "NOT INDEXED" "INDEXED BY tasks_pid")"
	runs=$runs_save
	for pp in tasks_ppid x_ppid_time; do
	for pi in tasks_pid x_pid_time; do
		time_cmd "tree_${pp}_${pi}" 50 "$ta" --db "$vdb" sql \
		    "$(tree_sql "INDEXED BY $pp" "INDEXED BY $pi")"
	done
	done
	time_cmd show_at_x_pid_time 50 "$ta" --db "$vdb" sql \
	    "$(withidx "$sql_show_at" x_pid_time)"
	time_cmd status_more_indexes 100 "$ta" --db "$vdb" sql "$sql_status"
fi

# The recorder's INSERT with the schema's indexes and with more, on a
# database already holding 3 million rows.
if [ "$insert" = 1 ]; then
	base=$cache/taskacct-bench-3000000-s$seed-$schema.db
	ensure_db "$base" 3000000
	header "insert cost"
	tmp=$(mktemp -d "$cache/taskacct-ins.XXXXXX")
	trap 'rm -rf "$tmp" "$timesf"' EXIT
	fold_all=${SUM_FOLD//\?1/0}
	fold_all=${fold_all//\?2/9223372036854775807}
	sp_all=${SP_FOLD//\?1/0}
	sp_all=${sp_all//\?2/9223372036854775807}
	# name|SQL run on the copy first|per-batch statement
	cfgs=("recv_time only|DROP INDEX IF EXISTS tasks_ppid;
	        DROP INDEX tasks_pid|"
	    "v1: recv_time, pid|DROP INDEX IF EXISTS tasks_ppid|"
	    "v2: recv_time, pid, ppid|CREATE INDEX IF NOT EXISTS tasks_ppid
	        ON tasks(ac_ppid)|"
	    "proposed: recv_time, (pid, recv_time), (ppid, recv_time)|
	        DROP INDEX IF EXISTS tasks_ppid; DROP INDEX tasks_pid;
	        CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
	        CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time)|"
	    "proposed + wide window index x_win|
	        DROP INDEX IF EXISTS tasks_ppid; DROP INDEX tasks_pid;
	        CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
	        CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time);
	        CREATE INDEX x_win ON tasks(recv_time, kind, ac_flag, ac_uid,
	            ac_ppid, ac_etime, ac_comm)|"
	    "proposed + tasks_minute folded per batch|
	        DROP INDEX IF EXISTS tasks_ppid; DROP INDEX tasks_pid;
	        CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
	        CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time);
	        $SUM_DDL; $fold_all|$SUM_FOLD"
	    "proposed + tasks_minute + short_parent_minute folded per batch|
	        DROP INDEX IF EXISTS tasks_ppid; DROP INDEX tasks_pid;
	        CREATE INDEX tasks_pid ON tasks(ac_pid, recv_time);
	        CREATE INDEX tasks_ppid ON tasks(ac_ppid, recv_time);
	        $SUM_DDL; $fold_all; $SP_DDL; $sp_all|$SUM_FOLD; $SP_FOLD")
	for c in "${cfgs[@]}"; do
		IFS='|' read -r -d '' cname csql cbatch <<< "$c" || true
		cbatch=${cbatch%$'\n'}
		for i in 1 2 3; do
			cp "$base" "$tmp/i.db"
			sqlite3 "$tmp/i.db" "$csql" >/dev/null
			r=$(tools/dev/gendb --append 262144 --seed $((7 + i)) \
			    ${cbatch:+--per-batch "$cbatch"} -o "$tmp/i.db")
			echo "$cname: $r"
			results+=("{\"name\":\"insert\",\"indexes\":\"$cname\",\"figures\":\"$r\"}")
			rm -f "$tmp"/i.db*
		done
	done
fi

{
	printf '{"database":"%s","rows":%s,"window_rows":%s,"since_us":%s,' \
	    "$db" "$rows" "$inwin" "$since"
	printf '"until_us":%s,"pid":%s,"runs":%s,"results":[' "$until" "$pid" \
	    "$runs"
	(IFS=,; printf '%s' "${results[*]}")
	printf ']}\n'
} > "$json"
echo "wrote $json"

# The issue 13 figures, from the same timings (bench-table.sh's names).
if [ -n "$FIG_FILE" ]; then	# jq is there
	R=$(fig_rows "$rows")
	for f in "summary-day|summary, $R, day" \
	    "summary-week|summary, $R, week" "short-day|short, $R, day" \
	    "short-week|short, $R, week" \
	    "top-io-command-week|top --by io --group command, $R, week"; do
		line=$(jq -r --arg k "${f%%|*}" '.results[] | select(.name == $k)
		    | [.median_ms // "-", .max_ms // "-", .cpu_median_ms // "-",
		    .target_ms, .status] | @tsv' "$json")
		[ -n "$line" ] || continue	# not run (--only)
		IFS=$'\t' read -r med max cpu target st <<< "$line"
		note="median of $runs runs, max $max ms, cpu $cpu ms"
		[ "$st" = skip ] && note="skipped: the command failed"
		fig "${f#*|}" "$med" ms "$target" lower "$note"
	done
fi
