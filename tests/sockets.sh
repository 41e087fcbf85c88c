#!/bin/sh
# sockets.sh: taskacctd --sockets N listens with N sockets, each registered
# for its share of the CPUs, and loses nothing.
#
# The kernel sends an exit only to the sockets registered for the CPU it
# happened on: with --cpus 0-1 --sockets 2, one storm pinned to CPU 0 and
# one pinned to CPU 1 are each seen by one socket only, so every pid of
# both being stored shows both sockets registered and drained.  The
# daemon's sockets are counted in /proc/net/netlink (protocol 16,
# NETLINK_GENERIC) by the inodes of its descriptors.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

SOCK_N=${SOCK_N:-3000}

need_daemon_env
if ! skipping; then
	if [ "$(nproc --all 2>/dev/null || echo 1)" -lt 2 ]; then
		T_SKIP="needs two CPUs"
	elif ! command -v taskset >/dev/null 2>&1; then
		T_SKIP="taskset (util-linux) not installed"
	fi
fi
skipping || need_binaries
t_setup sockets

# usage_error desc args...: taskacctd exits 2 with one line on stderr.
usage_error() {
	_desc=$1; shift
	if skipping; then
		t_skip "$_desc" "$T_SKIP"
		return
	fi
	"$TASKACCTD" -f -d "$T_TMP/usage.db" "$@" >"$T_TMP/usage.out" 2>&1
	_rc=$?
	_lines=$(wc -l <"$T_TMP/usage.out")
	if [ "$_rc" = 2 ] && [ "$_lines" = 1 ] &&
	    grep -q -- '--sockets' "$T_TMP/usage.out"; then
		t_pass "$_desc"
	else
		t_fail "$_desc"
		diag "exit status $_rc, $_lines lines:"
		sed 's/^/#   /' "$T_TMP/usage.out"
	fi
}
usage_error "--sockets 0 is a usage error" --sockets 0
usage_error "--sockets x is a usage error" --sockets x
usage_error "--sockets 2x is a usage error" --sockets 2x
usage_error "--sockets 257 is a usage error" --sockets 257

# daemon_sockets: how many NETLINK_GENERIC sockets the daemon holds.
daemon_sockets() {
	ls -l "/proc/$D_PID/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' >"$T_TMP/inodes"
	awk 'NR == FNR { ino[$1] = 1; next }
	    FNR > 1 && $2 == 16 && ($10 in ino) { n++ }
	    END { print n + 0 }' "$T_TMP/inodes" /proc/net/netlink
}

check "taskacctd --cpus 0-1 --sockets 2 starts" \
    d_start -v --cpus 0-1 --sockets 2
if active; then
	n=$(daemon_sockets)
	if [ "$n" = 2 ]; then
		t_pass "the daemon holds 2 generic netlink sockets"
	else
		t_fail "the daemon holds 2 generic netlink sockets"
		diag "found $n"
		grep -v '^sk' /proc/net/netlink | awk '$2 == 16' |
		    sed 's/^/#   /'
	fi
else
	check "the daemon holds 2 generic netlink sockets" false
fi
split_logged() {
	grep -q 'socket 1 of 2: cpus 0,' "$T_LOG" &&
	    grep -q 'socket 2 of 2: cpus 1,' "$T_LOG" && return 0
	diag_file "$T_LOG"
	return 1
}
check "socket 1 of 2 is registered for cpu 0, socket 2 for cpu 1" \
    split_logged

# A storm pinned to each CPU at once.
if active; then
	taskset -c 0 "$WORKLOAD" storm "$SOCK_N" "$T_TMP/pids0" \
	    >"$T_TMP/s0.out" 2>&1 &
	s0=$!
	taskset -c 1 "$WORKLOAD" storm "$SOCK_N" "$T_TMP/pids1" \
	    >"$T_TMP/s1.out" 2>&1 &
	s1=$!
	wait "$s0"; r0=$?
	wait "$s1"; r1=$?
	[ "$r0" = 0 ] && [ "$r1" = 0 ] ||
	    diag "storms exited $r0 and $r1" "$(cat "$T_TMP/s0.out" \
	    "$T_TMP/s1.out")"
	sleep 0.3	# one flush interval
fi
check "taskacctd exits 0 on SIGTERM" d_stop
R=${RUN_ID:-0}

# stored cpu: how many pids of the storm pinned to cpu have no thread row.
missing() {
	_parent=$(kv "$T_TMP/s$1.out" parent)
	q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
	    -cmd ".import '$T_TMP/pids$1' s" "SELECT count(*) FROM s
	    WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.ac_pid = s.pid AND
	    t.kind = 0 AND t.run_id = $R AND t.ac_ppid = ${_parent:-0})" 2>&1
}
for cpu in 0 1; do
	d="every pid of the storm on cpu $cpu is stored ($SOCK_N)"
	if skipping; then
		t_skip "$d" "$T_SKIP"
	elif broken; then
		t_fail "$d"
	else
		got=$(missing $cpu)
		lines=$(grep -c . "$T_TMP/pids$cpu" 2>/dev/null)
		if [ "$got" = 0 ] && [ "$lines" = "$SOCK_N" ]; then
			t_pass "$d"
		else
			t_fail "$d"
			diag "pids: $lines, missing: $got"
		fi
	fi
done
sql_is "no loss of any kind in the run" "0" \
    "SELECT coalesce(sum(records), 0) FROM losses WHERE run_id = $R" \
    "SELECT * FROM losses WHERE run_id = $R"
sql_is "runs: sockets 2, cpumask the whole list, clean" "2|0-1|1" \
    "SELECT sockets, cpumask, clean FROM runs WHERE id = $R" \
    "SELECT * FROM runs"

# More sockets than CPUs: one socket per CPU, and a warning.
T_DB=$T_TMP/capped.db
check "taskacctd --cpus 0-1 --sockets 8 starts" \
    d_start --cpus 0-1 --sockets 8
check "--sockets 8 on 2 cpus: warned, 2 sockets used" \
    grep -q -- '--sockets 8: only 2 CPUs.*using 2 sockets' "$T_LOG"
check "taskacctd --sockets 8 exits 0 on SIGTERM" d_stop
R=${RUN_ID:-0}
sql_is "runs: sockets 2 after capping" "2|1" \
    "SELECT sockets, clean FROM runs WHERE id = $R" "SELECT * FROM runs"

t_done
