#!/bin/sh
# export_clickhouse.sh: `taskacct export --follow --to` into a real
# ClickHouse server (Debian's clickhouse-server), started under the test's
# temporary directory on free loopback ports with its own configuration.
#
# contrib/clickhouse/schema.sql is what `export --clickhouse-schema`
# prints and applies; the recorder records storms while the exporter
# ships them; the exporter is killed with -9 mid-stream and restarted with
# the same cursor; ClickHouse is stopped mid-stream and started again.
# Then the table holds each row once (count with FINAL equals the
# database's rows, sums of read_bytes and write_bytes agree), the losses
# table matches, the outage was logged in a line or two (not per retry),
# and every query of contrib/clickhouse/queries.sql runs.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
CH_SERVER=${CH_SERVER:-clickhouse-server}
CH_CLIENT=${CH_CLIENT:-clickhouse-client}
CH_PID=
EXP_PID=

need_daemon_env
if ! skipping; then
	if ! command -v "$CH_SERVER" >/dev/null 2>&1 &&
	    [ ! -x "/usr/sbin/$CH_SERVER" ]; then
		T_SKIP="clickhouse-server is not installed (.ci/packages)"
	elif ! command -v "$CH_CLIENT" >/dev/null 2>&1; then
		T_SKIP="clickhouse-client is not installed (.ci/packages)"
	elif ! command -v python3 >/dev/null 2>&1; then
		T_SKIP="python3 is not installed (to find free ports)"
	fi
	[ -x "/usr/sbin/$CH_SERVER" ] && CH_SERVER=/usr/sbin/$CH_SERVER
fi
skipping || need_binaries "$TASKACCT"
t_setup export_clickhouse

free_port() {
	python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ch_config() {
	# ClickHouse keeps a file per column and part: thousands of small
	# files, slow to write and remove on a busy disk; tmpfs if there is.
	CH_DIR=$(mktemp -d /dev/shm/taskacct-ch.XXXXXX 2>/dev/null) ||
	    CH_DIR=$T_TMP/ch
	_d=$CH_DIR
	mkdir -p "$_d/data" "$_d/tmp" "$_d/log" "$_d/user_files"
	cat >"$_d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$_d/log/server.log</log>
    <errorlog>$_d/log/error.log</errorlog><console>0</console></logger>
  <http_port>$HTTP_PORT</http_port>
  <tcp_port>$TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$_d/data/</path>
  <tmp_path>$_d/tmp/</tmp_path>
  <user_files_path>$_d/user_files/</user_files_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
EOF
	cat >"$_d/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password>
    <networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
}

ch() {
	"$CH_CLIENT" --host 127.0.0.1 --port "$TCP_PORT" "$@"
}

ch_start() {
	"$CH_SERVER" --config-file="$CH_DIR/config.xml" \
	    >>"$CH_DIR/stdout" 2>&1 &
	CH_PID=$!
	wait_for 40 "ch -q 'SELECT 1' >/dev/null 2>&1"
}

ch_stop() {	# [signal]
	[ -n "$CH_PID" ] || return 0
	kill -"${1:-TERM}" "$CH_PID" 2>/dev/null
	wait "$CH_PID" 2>/dev/null
	CH_PID=
}

exp_start() {
	"$TASKACCT" --db "$T_DB" export --follow --cursor "$T_TMP/cursor" \
	    --to "http://127.0.0.1:$HTTP_PORT/" --batch-rows 1000 \
	    --batch-time 300ms --timeout 10s 2>>"$T_TMP/export.err" &
	EXP_PID=$!
}

exp_stop() {
	[ -n "$EXP_PID" ] || return 0
	kill -"${1:-TERM}" "$EXP_PID" 2>/dev/null
	wait "$EXP_PID" 2>/dev/null
	EXP_PID=
}

cleanup() {
	exp_stop KILL
	ch_stop KILL
	case $CH_DIR in /dev/shm/taskacct-ch.*) rm -rf "$CH_DIR" ;; esac
	t_cleanup
}

ch_rows() {
	ch -q "SELECT count() FROM taskacct.tasks FINAL" 2>/dev/null
}

if ! skipping; then
	trap cleanup EXIT
	HTTP_PORT=$(free_port) TCP_PORT=$(free_port)
	ch_config
fi
check "clickhouse-server starts on loopback" ch_start
if active && [ -n "$CH_PID" ]; then
	"$TASKACCT" export --clickhouse-schema >"$T_TMP/schema.sql"
	ch --multiquery <contrib/clickhouse/schema.sql >"$T_TMP/schema.out" 2>&1
	schema_rc=$?
fi
ok_if "schema.sql is export --clickhouse-schema, and applies" \
    'cmp -s "$T_TMP/schema.sql" contrib/clickhouse/schema.sql &&
     [ "$schema_rc" = 0 ]' "$(cat "$T_TMP/schema.out" 2>/dev/null)"

check "taskacctd starts" d_start
if active; then
	wl first storm 300
	exp_start
	"$WORKLOAD" storm 800 >/dev/null 2>&1 &
	spid=$!
	# Killed mid-stream: once some rows are in, while more come.
	wait_for 20 "[ \"\$(ch_rows)\" -gt 0 ]"
	exp_stop KILL
	wait "$spid"
	wl second storm 300
	exp_start
	wait_for 20 "[ \"\$(ch_rows)\" -ge 1200 ]"
	# ClickHouse goes away mid-stream (a crash: acknowledged inserts
	# must survive it), and comes back.
	ch_stop KILL
	wl third storm 300
	ch_start
	wl fourth storm 200
	d_stop
	last=$(q "SELECT max(id) FROM tasks")
	wait_for 30 "grep -q '^tasks $last\$' '$T_TMP/cursor'"
	exp_stop
	want=$(q "SELECT count(*), total(read_bytes), total(write_bytes) \
FROM tasks" | awk -F'|' '{printf "%d %d %d\n", $1, $2, $3}')
	got=$(ch -q "SELECT count(), sum(read_bytes), sum(write_bytes) FROM \
taskacct.tasks FINAL" | tr '\t' ' ')
	raw=$(ch -q "SELECT count() FROM taskacct.tasks")
	lwant=$(q "SELECT count(*) FROM losses")
	lgot=$(ch -q "SELECT count() FROM taskacct.losses FINAL")
	down=$(grep -c 'trying again' "$T_TMP/export.err")
	back=$(grep -c 'delivering again' "$T_TMP/export.err")
	ch --multiquery <contrib/clickhouse/queries.sql >"$T_TMP/queries.out" \
	    2>&1
	queries_rc=$?
fi
ok_if "each row once after kill -9 and a server restart (count FINAL, sums)" \
    '[ -n "$want" ] && [ "$got" = "$want" ]' \
    "database: $want; clickhouse FINAL: $got; without FINAL: $raw rows"
ok_if "the losses table matches" '[ "$lgot" = "$lwant" ]' \
    "database $lwant, clickhouse $lgot"
ok_if "the outage is logged once or twice, not per retry" \
    '[ "${down:-0}" -ge 1 ] && [ "$down" -le 3 ] && [ "${back:-0}" -ge 1 ] &&
     [ "$back" -le 3 ]' "$(cat "$T_TMP/export.err")"
ok_if "every query of queries.sql runs" '[ "$queries_rc" = 0 ]' \
    "$(tail -n 5 "$T_TMP/queries.out")"

t_done
