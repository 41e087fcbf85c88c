#!/bin/sh
# metrics.sh: taskacctd --metrics end to end (TAP).
#
# A bad address is one line and no database; the scrape passes `promtool
# check metrics` with hostile task names (quote, backslash, newline,
# invalid UTF-8, "_other") escaped; the counters agree with the database's
# rows (records, exits, CPU, bytes); other paths and methods get 404/405;
# a real `prometheus` scraping it on loopback sees taskacct_records_total
# equal to the rows; 5,000 distinct command names give 100 comm labels
# plus _other and no series moves or goes down; hundreds of idle
# connections, a slowloris and oversized headers neither stall a fork
# storm (recorded with no loss) nor hold more than the connection limit,
# and the slow client is cut at the deadline; it serves on [::1] and on a
# port below 1024 bound before becoming nobody.  The shipped alert rules
# pass `promtool test rules`.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

NAMES=tests/metrics_names
PROM_DIR=contrib/prometheus

need_daemon_env
if ! skipping; then
	for _c in promtool prometheus curl python3; do
		command -v "$_c" >/dev/null 2>&1 ||
		    T_SKIP="$_c not installed (.ci/packages: prometheus, curl)"
	done
fi
skipping || need_binaries "$NAMES"
t_setup metrics
skipping || chmod 0711 "$T_TMP"

P_PID=
m_cleanup() {
	_m_rc=$?
	if [ -n "$P_PID" ]; then
		kill -TERM "$P_PID" 2>/dev/null
		wait "$P_PID" 2>/dev/null
	fi
	(exit "$_m_rc")
	t_cleanup
}
trap m_cleanup EXIT

# A TCP port nothing listens on, from lo (default 20000) to 60000.
free_port() {
	_lo=${1:-20000} _hi=${2:-60000}
	_used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
	_p=$(( _lo + ($$ * 7 + $(date +%N | sed 's/^0*//') % 997) % (_hi - _lo) ))
	while echo "$_used" | grep -qx "$_p"; do
		_p=$((_p + 1))
		[ "$_p" -ge "$_hi" ] && _p=$_lo
	done
	echo "$_p"
}

# scrape out [url]: GET /metrics into out; fails on any error.
scrape() {
	curl -sf --max-time 5 -o "$1" "${2:-http://$ADDR/metrics}"
}

# mval file series: the value of one series (exact name and labels).
mval() {
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print "none" }' "$1"
}

# msum file metric [mode]: the sum of every series of a labelled family.
msum() {
	awk -v m="$2" -v mode="${3:-}" '
	    index($1, m "{") == 1 && (mode == "" ||
	    index($1, "mode=\"" mode "\"")) { s += $2 }
	    END { printf "%.6f\n", s }' "$1"
}

# between lo v hi: lo <= v <= hi, as numbers.
between() {
	awk -v a="$1" -v v="$2" -v b="$3" \
	    'BEGIN { exit !(a - 1e-6 <= v + 0 && v + 0 <= b + 1e-6) }'
}

# The sums a scrape is compared with, into $T_TMP/$1.sums: rows, thread
# rows, user and system CPU seconds, write bytes of thread rows.
db_sums() {
	q "SELECT (SELECT count(*) FROM tasks), count(*),
	    printf('%.6f', total(ac_utime) / 1e6),
	    printf('%.6f', total(ac_stime) / 1e6),
	    printf('%.6f', total(write_bytes)) FROM tasks WHERE kind = 0" |
	    tr '|' ' ' >"$T_TMP/$1.sums"
}

# agree scrape: the database's sums before (lo.sums) and after (hi.sums)
# the scrape bracket its counters; records are committed rows, so the
# rows committed before the scrape are a floor and those after a ceiling
# (other tasks on the machine keep exiting all the while).
agree() {
	read -r lr lt lu ls lw <"$T_TMP/lo.sums" &&
	read -r hr ht hu hs hw <"$T_TMP/hi.sums" &&
	between "$lr" "$(mval "$1" taskacct_records_total)" "$hr" &&
	between "$lt" "$(msum "$1" taskacct_command_exits_total)" "$ht" &&
	between "$lt" "$(msum "$1" taskacct_user_exits_total)" "$ht" &&
	between "$lu" "$(msum "$1" taskacct_command_cpu_seconds_total user)" \
	    "$hu" &&
	between "$ls" "$(msum "$1" taskacct_user_cpu_seconds_total system)" \
	    "$hs" &&
	between "$lw" "$(msum "$1" taskacct_command_write_bytes_total)" "$hw"
}

# A bracketed scrape into file.
scrape_between() {
	db_sums lo && scrape "$1" && db_sums hi
}

# agree_diag scrape: what did not agree.
agree_diag() {
	echo "db before: $(cat "$T_TMP/lo.sums" 2>/dev/null)"
	echo "db after:  $(cat "$T_TMP/hi.sums" 2>/dev/null)"
	echo "scrape:    $(mval "$1" taskacct_records_total)" \
	    "$(msum "$1" taskacct_command_exits_total)" \
	    "$(msum "$1" taskacct_command_cpu_seconds_total user)" \
	    "$(msum "$1" taskacct_user_cpu_seconds_total system)" \
	    "$(msum "$1" taskacct_command_write_bytes_total)"
}

# The writer caught up: the scrape's records equal the database's rows.
caught_up() {	# [GLOB: a committed row of this name is needed too]
	scrape "$T_TMP/cu.prom" &&
	    [ "$(mval "$T_TMP/cu.prom" taskacct_records_total)" = \
	    "$(q 'SELECT count(*) FROM tasks')" ] &&
	    { [ -z "${1:-}" ] || [ "$(q "SELECT count(*) FROM tasks WHERE \
	    ac_comm GLOB '$1'")" -ge 1 ]; }
}

# --- bad addresses: one line, status 2 (syntax) or 1 (cannot bind) -------

bad_addr() {	# status address
	if skipping; then
		t_skip "--metrics $2 refused" "$T_SKIP"
		return
	fi
	"$TASKACCTD" -f -d "$T_TMP/bad/b.db" --user root --metrics "$2" \
	    >"$T_TMP/bad.out" 2>&1
	_rc=$?
	ok_if "--metrics '$2': exit $1, one line, no database" \
	    "[ $_rc = $1 ] && [ \$(wc -l <'$T_TMP/bad.out') = 1 ] &&
	    grep -q -- '--metrics' '$T_TMP/bad.out' && [ ! -e '$T_TMP/bad' ]" \
	    "status $_rc" "$(cat "$T_TMP/bad.out")"
}

bad_addr 2 "127.0.0.1"
bad_addr 2 "localhost:9123"
bad_addr 2 "127.0.0.1:0"
bad_addr 2 "[::1]9123"
bad_addr 2 "$(printf '1.2.3.4:80\nX')"
bad_addr 1 "192.0.2.1:9123"
if ! skipping; then
	# A port in use.
	python3 -c 'import socket,sys,time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T_TMP/busy" &
	BUSY_PID=$!
	wait_for 5 "[ -s '$T_TMP/busy' ]"
	bad_addr 1 "127.0.0.1:$(cat "$T_TMP/busy")"
	kill "$BUSY_PID" 2>/dev/null
fi

# --- a scrape: format, hostile names, agreement with the database --------

PORT=$(free_port)
ADDR=127.0.0.1:$PORT
# A large buffer: other tests' storms on this machine are recorded too.
d_start --metrics "$ADDR" --rcvbuf 256M
if active; then
	wl n1 rename 'a"b\c'
	wl n2 rename "$(printf 'x\ny')"
	wl n3 rename "$(printf 'bad\377\376')"
	wl n4 rename _other
	wl n5 rename "$(printf 'tab\there')"
	wl io write 1048576 "$T_TMP/io.out"
	# (not before the named exits are committed: 0 = 0 before any commit)
	wait_for 20 "caught_up 'tab*here'"
fi
skipping || scrape_between "$T_TMP/s1.prom"
ok_if "scrape passes promtool check metrics" \
    "promtool check metrics <'$T_TMP/s1.prom' >'$T_TMP/pt.out' 2>&1" \
    "$(cat "$T_TMP/pt.out" 2>/dev/null)"
ok_if "hostile names escaped, one series each" \
    "grep -qF 'taskacct_command_exits_total{comm=\"a\\\"b\\\\\\\\c\"} 1' '$T_TMP/s1.prom' &&
    grep -qF 'taskacct_command_exits_total{comm=\"x\\\\x0ay\"} 1' '$T_TMP/s1.prom' &&
    grep -qF 'taskacct_command_exits_total{comm=\"bad\\\\xff\\\\xfe\"} 1' '$T_TMP/s1.prom' &&
    grep -qF 'taskacct_command_exits_total{comm=\"\\\\x5fother\"} 1' '$T_TMP/s1.prom' &&
    grep -qF 'taskacct_command_exits_total{comm=\"tab\\\\x09here\"} 1' '$T_TMP/s1.prom' &&
    grep -qF 'taskacct_command_exits_total{comm=\"_other\"} 0' '$T_TMP/s1.prom'" \
    "$(grep '^taskacct_command_exits_total' "$T_TMP/s1.prom" 2>/dev/null)"
ok_if "records, exits, CPU seconds, write bytes agree with the database" \
    "agree '$T_TMP/s1.prom'" "$(agree_diag "$T_TMP/s1.prom")"
ok_if "health: no loss, queue capacity, last commit, database bytes" \
    "[ \"\$(msum '$T_TMP/s1.prom' taskacct_lost_records_total)\" = 0.000000 ] &&
    [ \"\$(mval '$T_TMP/s1.prom' taskacct_queue_capacity)\" = 16384 ] &&
    grep -q '^taskacct_last_commit_time_seconds [1-9]' '$T_TMP/s1.prom' &&
    grep -q '^taskacct_database_bytes [1-9]' '$T_TMP/s1.prom'"

# HEAD /metrics: a 200 with its headers and nothing after them.
head_only() {
	python3 - "$PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
r = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    r += d
head, sep, body = r.partition(b"\r\n\r\n")
sys.exit(not (head.startswith(b"HTTP/1.1 200") and sep and body == b""))
EOF
}

code() {	# curl args: the status code and the Allow header
	curl -s --max-time 5 -o /dev/null -D "$T_TMP/h" -w '%{http_code}' "$@"
}
ok_if "404 for other paths, 405 for other methods, HEAD without a body" \
    "[ \"\$(code http://$ADDR/)\" = 404 ] &&
    [ \"\$(code http://$ADDR/metricsx)\" = 404 ] &&
    [ \"\$(code --path-as-is 'http://$ADDR/../metrics')\" = 404 ] &&
    [ \"\$(code -X POST -d x http://$ADDR/metrics)\" = 405 ] &&
    grep -qi '^Allow: GET, HEAD' '$T_TMP/h' &&
    [ \"\$(code -X DELETE http://$ADDR/metrics)\" = 405 ] &&
    [ \"\$(code http://$ADDR/metrics?x=1)\" = 200 ] &&
    head_only"

# --- a real Prometheus scraping it ---------------------------------------

if active; then
	PPORT=$(free_port 40000 60000)
	cat >"$T_TMP/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: taskacct
    static_configs:
      - targets: ['$ADDR']
EOF
	prometheus --config.file="$T_TMP/prom.yml" \
	    --storage.tsdb.path="$T_TMP/prom" \
	    --web.listen-address="127.0.0.1:$PPORT" >"$T_TMP/prom.log" 2>&1 &
	P_PID=$!
fi

# pq query: the value of the query's first sample, from the HTTP API.
pq() {
	curl -sf --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" \
	    --data-urlencode "query=$1" |
	    sed -n 's/.*"value":\[[0-9.e+]*,"\([^"]*\)"\].*/\1/p'
}

# Prometheus's value is from its last scrape: at least the rows committed
# before the wait (R0), at most those committed after the query (R1).
if active; then
	wl pstorm storm 500
	R0=$(q 'SELECT count(*) FROM tasks')
	wait_for 60 "[ \"\$(pq taskacct_records_total)\" -ge $R0 ] 2>/dev/null"
	PV=$(pq taskacct_records_total)
	R1=$(q 'SELECT count(*) FROM tasks')
fi
ok_if "prometheus scraped taskacct_records_total: rows $R0 <= $PV <= $R1" \
    "between '$R0' '$PV' '$R1' && [ \"\$(pq 'up{job=\"taskacct\"}')\" = 1 ]" \
    "$(tail -n 5 "$T_TMP/prom.log" 2>/dev/null)"

# --- 5,000 command names: at most 100 labels, nothing moves --------------

if active; then
	scrape "$T_TMP/before.prom"
	"$NAMES" 5000 nm >"$T_TMP/names.out" 2>&1
	# Until the 5,000 exits are committed (not only caught up so far).
	wait_for 60 "caught_up 'nm*' && [ \"\$(mval '$T_TMP/cu.prom' \
	    'taskacct_command_exits_total{comm=\"_other\"}')\" -ge 4900 ] 2>/dev/null"
	scrape_between "$T_TMP/after.prom"
fi
ncomm() {
	grep -c '^taskacct_command_exits_total{' "$1"
}
ok_if "5,000 names: 100 comm labels and _other" \
    "[ \"\$(ncomm '$T_TMP/after.prom')\" = 101 ] &&
    [ \"\$(grep -c '^taskacct_user_exits_total{' '$T_TMP/after.prom')\" -le 101 ] &&
    [ \"\$(mval '$T_TMP/after.prom' 'taskacct_command_exits_total{comm=\"_other\"}')\" -ge 4900 ]" \
    "$(ncomm "$T_TMP/after.prom" 2>/dev/null) comm series"
# Every series before is there after, never lower: names never move.
monotonic() {
	awk 'NR == FNR { if ($1 ~ /_total($|{)/) b[$1] = $2; next }
	    $1 in b { if ($2 + 0 < b[$1] + 0) { print "down: " $1; bad = 1 }
	    delete b[$1] }
	    END { for (s in b) { print "gone: " s; bad = 1 } exit bad }' \
	    "$1" "$2"
}
ok_if "no counter went down or moved to _other across the storm" \
    "monotonic '$T_TMP/before.prom' '$T_TMP/after.prom' >'$T_TMP/mono.out'" \
    "$(head -n 5 "$T_TMP/mono.out" 2>/dev/null)"
ok_if "after the storm the counters still agree, promtool passes" \
    "agree '$T_TMP/after.prom' &&
    promtool check metrics <'$T_TMP/after.prom' >/dev/null 2>&1" \
    "$(agree_diag "$T_TMP/after.prom")"
if active; then
	wait_for 30 "[ \"\$(pq 'count(taskacct_command_exits_total)')\" = 101 ]"
fi
ok_if "prometheus holds 101 command series" \
    "[ \"\$(pq 'count(taskacct_command_exits_total)')\" = 101 ]" \
    "$(pq 'count(taskacct_command_exits_total)' 2>/dev/null)"
if [ -n "$P_PID" ]; then
	kill -TERM "$P_PID" 2>/dev/null
	wait "$P_PID" 2>/dev/null
	P_PID=
fi

# --- hostile clients during a fork storm ---------------------------------

# 400 idle connections, a slowloris (a header byte a second), oversized
# headers; reports what the server did to each kind.
hostile() {
	python3 - "$PORT" "$T_TMP/hostile.ready" <<'EOF' >"$T_TMP/hostile.out" 2>&1
import socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
big = socket.create_connection(("127.0.0.1", port), timeout=30)
slow = socket.create_connection(("127.0.0.1", port), timeout=30)
idle = []
for i in range(400):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    idle.append(s)
open(ready, "w").write("1")
try:
    big.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 65536 + b"\r\n\r\n")
except OSError:
    pass
t0 = time.time()
cut = None
slow.setblocking(False)
slow.send(b"GET /metrics HTTP/1.1\r\n")
while time.time() - t0 < 40:
    try:
        slow.send(b"X")
        if slow.recv(4096) == b"":
            cut = time.time() - t0
            break
    except BlockingIOError:
        pass
    except OSError:
        cut = time.time() - t0
        break
    time.sleep(1)
try:
    big.settimeout(5)
    r = big.recv(4096)
    print("big:", r.split(b"\r\n")[0].decode() if r else "closed")
except OSError as e:
    print("big:", "closed" if not isinstance(e, socket.timeout) else "open")
print("slow_cut_s:", "never" if cut is None else int(cut))
EOF
}
if active; then
	BEFORE_LOST=$(q 'SELECT count(*) FROM losses')
	hostile &
	H_PID=$!
	wait_for 30 "[ -s '$T_TMP/hostile.ready' ]"
	wl hstorm storm 3000 &
	S_PID=$!
	NFD=0 RSS=0
	while kill -0 "$H_PID" 2>/dev/null; do
		_n=$(ls "/proc/$D_PID/fd" | wc -l)
		_r=$(awk '/^VmRSS/ { print $2 }' "/proc/$D_PID/status")
		[ "$_n" -gt "$NFD" ] && NFD=$_n
		[ "$_r" -gt "$RSS" ] && RSS=$_r
		sleep 0.2
	done
	wait "$S_PID"
	wait "$H_PID"
	wait_for 20 caught_up
fi
ok_if "the fork storm under hostile clients recorded every exit" \
    "[ \"\$(q 'SELECT count(*) FROM losses')\" = '$BEFORE_LOST' ] &&
    [ \"\$(msum '$T_TMP/cu.prom' taskacct_lost_records_total)\" = 0.000000 ] &&
    [ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 AND ac_ppid = \$(kv '$T_TMP/hstorm.out' parent)\")\" -ge 3000 ]" \
    "$(cat "$T_TMP/hstorm.out" 2>/dev/null | head -n 3)"
ok_if "open connections held to the limit (peak fds $NFD, RSS ${RSS} kB)" \
    "[ '$NFD' -ge 64 ] && [ '$NFD' -le 100 ] && [ '$RSS' -lt 65536 ]"
ok_if "oversized headers refused, slowloris cut by the deadline" \
    "grep -Eq '^big: (HTTP/1.1 (4[0-9][0-9])|closed)' '$T_TMP/hostile.out' &&
    grep -Eq '^slow_cut_s: ([0-9]|1[0-9]|2[0-5])$' '$T_TMP/hostile.out'" \
    "$(cat "$T_TMP/hostile.out" 2>/dev/null)"
ok_if "scrapes answered again once the clients left" \
    "wait_for 20 'scrape \"$T_TMP/s2.prom\" &&
    [ \"\$(mval \"$T_TMP/s2.prom\" taskacct_metrics_connections)\" = 1 ]'" \
    "$(grep connections "$T_TMP/s2.prom" 2>/dev/null)"
d_stop
ok_if "taskacctd stopped cleanly" "[ '$D_STATUS' = 0 ]"

# --- IPv6 loopback; a low port bound before becoming nobody --------------

if active && ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	P6=$(free_port)
	d_start --metrics "[::1]:$P6"
	ok_if "serves on [::1]:$P6" \
	    "scrape '$T_TMP/v6.prom' 'http://[::1]:$P6/metrics' &&
	    promtool check metrics <'$T_TMP/v6.prom' >/dev/null 2>&1"
	d_stop
else
	t_skip "serves on [::1]" "${T_SKIP:-no ::1 on lo}"
fi

if active; then
	LOW=$(free_port 900 1000)
	ADDR=127.0.0.1:$LOW
	T_DB=$T_TMP/nobody/n.db
	d_start --user nobody --metrics "$ADDR"
	wl nb rename nobodytest
	# Its exit is committed, not only the rows before it.
	wait_for 20 "caught_up && grep -q \
	    '^taskacct_command_exits_total{comm=\"nobodytest\"} 1' '$T_TMP/cu.prom'"
fi
ok_if "port $LOW below 1024 served by taskacctd running as nobody" \
    "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$D_PID/status)\" = \
    \"\$(id -u nobody)\" ] && scrape '$T_TMP/nb.prom' &&
    promtool check metrics <'$T_TMP/nb.prom' >/dev/null 2>&1 &&
    grep -q '^taskacct_command_exits_total{comm=\"nobodytest\"} 1' '$T_TMP/nb.prom'"
d_stop

# --- the shipped configuration and alert rules ---------------------------

ok_if "contrib/prometheus: config, rules and their unit tests pass promtool" \
    "promtool check config $PROM_DIR/prometheus.yml >'$T_TMP/pc.out' 2>&1 &&
    promtool check rules $PROM_DIR/taskacct-rules.yml >>'$T_TMP/pc.out' 2>&1 &&
    (cd $PROM_DIR && promtool test rules taskacct-rules.test.yml) >>'$T_TMP/pc.out' 2>&1" \
    "$(cat "$T_TMP/pc.out" 2>/dev/null)"

t_done
