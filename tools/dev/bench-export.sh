#!/bin/sh
# bench-export.sh: `taskacct export` throughput (make bench-export): rows/s
# to standard output (/dev/null) and into a real ClickHouse server on
# loopback (tables of contrib/clickhouse/schema.sql), and the bytes a row
# takes in ClickHouse once merged (system.parts).  Medians of RUNS runs on a
# ROWS-row database made by tools/dev/gendb.  Targets: 50000 rows/s to
# stdout, 20000 rows/s to ClickHouse (a day of a busy host, 1e6 exits, in
# under a minute), 200 bytes a row.
cd "$(dirname "$0")/../.." || exit 1
ROWS=${ROWS:-200000}
RUNS=${RUNS:-3}
T=./taskacct
TMP=$(mktemp -d /dev/shm/taskacct-bench-export.XXXXXX 2>/dev/null ||
    mktemp -d) || exit 1
CH_PID=
trap 'kill -KILL $CH_PID 2>/dev/null; wait $CH_PID 2>/dev/null; rm -rf "$TMP"' EXIT
DB=$TMP/bench.db
tools/dev/gendb -n "$ROWS" -o "$DB" >/dev/null || exit 1

now() { date +%s.%N; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
report() {	# name value target unit (higher is better unless "low")
	awk -v n="$1" -v v="$2" -v t="$3" -v u="$4" 'BEGIN {
	    printf "%-28s %12.0f %s  target %s  ratio %.2f\n", n, v, u, t,
	    (u == "bytes/row" ? t / v : v / t) }'
}

i=0
while [ $i -lt "$RUNS" ]; do
	t0=$(now)
	"$T" --db "$DB" export >/dev/null || exit 1
	t1=$(now)
	echo "$ROWS $t0 $t1" | awk '{print $1 / ($3 - $2)}'
	i=$((i + 1))
done | median >"$TMP/stdout"
report "export to stdout" "$(cat "$TMP/stdout")" 50000 rows/s

if ! command -v clickhouse-client >/dev/null 2>&1 ||
    [ ! -x /usr/sbin/clickhouse-server ]; then
	echo "export to ClickHouse: skipped (clickhouse-server not installed)"
	exit 0
fi
port() { python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HP=$(port) TP=$(port)
mkdir -p "$TMP/ch/data" "$TMP/ch/tmp" "$TMP/ch/log"
cat >"$TMP/ch/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$TMP/ch/log/server.log</log>
    <errorlog>$TMP/ch/log/error.log</errorlog><console>0</console></logger>
  <http_port>$HP</http_port><tcp_port>$TP</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$TMP/ch/data/</path><tmp_path>$TMP/ch/tmp/</tmp_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
</yandex>
EOF
cat >"$TMP/ch/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
/usr/sbin/clickhouse-server --config-file="$TMP/ch/config.xml" \
    >"$TMP/ch/out" 2>&1 &
CH_PID=$!
ch() { clickhouse-client --host 127.0.0.1 --port "$TP" "$@"; }
i=0
while [ $i -lt 150 ] && ! ch -q 'SELECT 1' >/dev/null 2>&1; do
	sleep 0.2; i=$((i + 1))
done
ch --multiquery <contrib/clickhouse/schema.sql || exit 1
i=0
while [ $i -lt "$RUNS" ]; do
	ch -q "TRUNCATE TABLE taskacct.tasks"
	rm -f "$TMP/cursor"
	t0=$(now)
	"$T" --db "$DB" export --cursor "$TMP/cursor" \
	    --to "http://127.0.0.1:$HP/" || exit 1
	t1=$(now)
	echo "$ROWS $t0 $t1" | awk '{print $1 / ($3 - $2)}'
	i=$((i + 1))
done | median >"$TMP/ch.rate"
report "export to ClickHouse" "$(cat "$TMP/ch.rate")" 20000 rows/s
ch -q "OPTIMIZE TABLE taskacct.tasks FINAL"
bpr=$(ch -q "SELECT sum(bytes) / sum(rows) FROM system.parts WHERE active \
AND database = 'taskacct' AND table = 'tasks'")
report "ClickHouse bytes per row" "$bpr" 200 bytes/row
echo "rows in ClickHouse (FINAL): $(ch -q 'SELECT count() FROM taskacct.tasks FINAL') of $ROWS"
