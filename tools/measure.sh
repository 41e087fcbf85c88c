#!/bin/sh
# measure.sh: two storm workers under taskacctd on a scratch database, then
# the figures: rows stored, exit messages lost, rows per second sustained,
# taskacctd CPU per row, database bytes per row, taskacctd peak RSS.
#
#   sh tools/measure.sh storm 50000      # 2 x 50000 fork+exit
#   sh tools/measure.sh tstorm 200000    # 2 x 200000 thread create+exit
#
# Run as root from the repository after `make all tests/workload`.
set -eu
cd "$(dirname "$0")/.."
mode=${1:?usage: measure.sh storm|tstorm N}
n=${2:?usage: measure.sh storm|tstorm N}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/m.db

ticks() {	# user+system CPU of a process, in clock ticks
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
worker() {
	if [ "$mode" = storm ]; then
		tests/workload storm "$n" /dev/null >/dev/null
	else
		tests/workload tstorm "$n" >/dev/null
	fi
}

./taskacctd -f -d "$db" 2>"$tmp/log" &
pid=$!
i=0
until [ -s "$db" ] && [ "$(sqlite3 "$db" 'SELECT count(*) FROM runs' \
    2>/dev/null)" = 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/log"; exit 1; }
	sleep 0.1
done
c0=$(ticks $pid)
t0=$(date +%s%N)
worker & w=$!
worker
wait $w
t1=$(date +%s%N)
sleep 0.5	# past one flush interval
c1=$(ticks $pid)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
kill -TERM $pid
wait $pid
./taskacct --db "$db" --format tsv --no-header sql "
    SELECT count(*),
        (SELECT coalesce(sum(records), 0) FROM losses),
        CAST(count(*) * 1e9 / ($t1 - $t0) AS INTEGER),
        round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / count(*), 2),
        (SELECT page_count * page_size FROM pragma_page_count,
            pragma_page_size) / count(*)
    FROM tasks" | awk -F'\t' -v rss="$hwm" '{
	printf "rows=%s lost=%s rows_per_s=%s cpu_us_per_row=%s " \
	    "bytes_per_row=%s peak_rss_kib=%s\n", $1, $2, $3, $4, $5, rss }'
