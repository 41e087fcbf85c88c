#!/bin/sh
# bench-window.sh: the speed of the window reports over live samples
# (`make bench-window`, tools/window.c): `taskacct top --by io --since 1h`
# and its neighbours on a database of BENCH_PROCS processes sampled every
# 10 s for two hours (BENCH_PROCS * 720 activity rows, half of them in
# the last hour) beside BENCH_EXITS unsampled exit records in that hour.
# The database is written with SQL (sql/schema.sql, then recursive CTEs),
# once per size and schema, cached under /var/tmp.  Prints the median and
# the largest of BENCH_RUNS runs (warm cache) in ms, the target and their
# ratio, and writes them as JSON.
#
# Settings (environment):
#   BENCH_PROCS=2778      (1,000,080 activity rows in the last hour)
#   BENCH_EXITS=100000
#   BENCH_RUNS=5
#   BENCH_JSON=bench-window.json
set -u
cd "$(dirname "$0")/../.." || exit 1

PROCS=${BENCH_PROCS:-2778}
EXITS=${BENCH_EXITS:-100000}
RUNS=${BENCH_RUNS:-5}
JSON=${BENCH_JSON:-bench-window.json}
TA=${TASKACCT:-./taskacct}
# 2023-11-14 22:30:00 UTC: the database's "now"
NOW=1700001000
TARGET_MS=1000
case $PROCS$EXITS$RUNS in *[!0-9]*) echo "$0: numbers only" >&2; exit 2 ;; esac
if [ ! -x "$TA" ] || [ ! -f build/sql/schema.sql ]; then
	echo "bench-window: build taskacct first (make)" >&2
	exit 1
fi

sum=$(cat build/sql/schema.sql "$0" | cksum | cut -d' ' -f1)
DB=${TASKACCT_BENCH_DIR:-/var/tmp}/taskacct-window-$PROCS-$EXITS-$sum.db
if [ ! -s "$DB" ]; then
	echo "bench-window: writing $DB" >&2
	rm -f "$DB" "$DB-wal" "$DB-shm"
	{
		cat build/sql/schema.sql
		cat <<EOF
BEGIN;
INSERT INTO runs (id, boot_id, start_time) VALUES (1, 'bench', 0);
-- Every process sampled every 10 s for two hours: (process, interval).
WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p
    WHERE n < $PROCS),
i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < 720)
INSERT INTO activity (time, span, run_id, tgid, lstart, state, ac_comm,
    ac_uid, ac_ppid, threads, ac_utime, ac_stime, cpu_run_real_total,
    read_bytes, write_bytes, cancelled_write_bytes, read_char, write_char,
    read_syscalls, write_syscalls, nvcsw, nivcsw, ac_minflt, ac_majflt,
    cpu_delay_total, blkio_delay_total)
SELECT ($NOW - 7200 + k * 10) * 1000000 - n % 997, 10000000, 1, 1000 + n,
    ($NOW - 86400) * 1000000 + n, 0, 'proc' || (n % 50), n % 7, 1, 1 + n % 3,
    (n * k) % 9973, (n + k) % 997, 0, (n * 4096) % 65536, n * k % 1048576,
    0, 0, 0, 1, 1, 2, 0, 3, 0, 1000, 2000
FROM i, p;
WITH RECURSIVE e(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM e
    WHERE n < $EXITS)
INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_btime64,
    ac_etime, ac_utime, ac_stime, hiwater_rss, read_bytes, write_bytes,
    ac_tgid, ac_tgetime)
SELECT 1, ($NOW - 3600) * 1000000 + n * (3600000000 / $EXITS), 0,
    100000 + n, 688, 17, 0, 32, 'sh' || (n % 20), n % 7, 100000 + n, 1000,
    $NOW - 3600 + n * 3600 / $EXITS, 5000, 1000, 1000, 1024, 0, n % 4096,
    100000 + n, 5000
FROM e;
COMMIT;
EOF
	} | sqlite3 "$DB" >/dev/null || { rm -f "$DB"; exit 1; }
fi
rows=$(sqlite3 "$DB" "SELECT count(*) FROM activity WHERE
    time >= ($NOW - 3600) * 1000000")
echo "bench-window: $rows activity rows in the window," \
    "$(sqlite3 "$DB" "SELECT count(*) FROM activity") in all, $EXITS exits"

# median_ms ARGS...: the median and the largest of RUNS runs, in ms.
median_ms() {
	"$TA" --db "$DB" "$@" >/dev/null	# warm the cache
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_s=$(date +%s%N)
		TASKACCT_NOW=@$NOW "$TA" --db "$DB" "$@" >/dev/null || return 1
		_e=$(date +%s%N)
		echo $(((_e - _s) / 1000000))
		_i=$((_i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%d %d\n",
	    v[int((NR + 1) / 2)], v[NR] }'
}

printf '%-44s %8s %8s %8s %6s\n' query median max target ratio
first=1
echo "[" >"$JSON"
for q in "top --by io --since 1h" "top --by io --group process --since 1h" \
    "top --by cpu --group command --since 1h" "summary --since 1h" \
    "top --by io --since 10min"; do
	set -- $q
	r=$(TASKACCT_NOW=@$NOW median_ms "$@") || { echo "$q failed" >&2; exit 1; }
	med=${r% *} max=${r#* }
	ratio=$(awk -v m="$med" -v t="$TARGET_MS" 'BEGIN { printf "%.2f", m / t }')
	printf '%-44s %6dms %6dms %6dms %6s\n' "$q" "$med" "$max" \
	    "$TARGET_MS" "$ratio"
	[ $first -eq 1 ] || echo "," >>"$JSON"
	first=0
	printf '{"query":"%s","activity_rows":%d,"exits":%d,"median_ms":%d,"max_ms":%d,"target_ms":%d}' \
	    "$q" "$rows" "$EXITS" "$med" "$max" "$TARGET_MS" >>"$JSON"
done
echo "]" >>"$JSON"
