#!/bin/sh
# idle.sh: an idle recorder sleeps.  With no exits on the machine, every
# thread of taskacctd (loop, writer) wakes at most 10 times in 5 s (the
# writer's old 200 ms timer alone woke it 25 times); its last_alive heart
# beats at WRITER_HEARTBEAT_MS (60 s), outside the window.  Every exit on
# the machine is recorded and wakes it, so the check is skipped when rows
# came in during the window (a busy machine); tests/unit_writer.c checks
# the writer thread alone, whatever the machine does.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

IDLE_S=5
MAX_SWITCHES=10
SETTLE_S=2

need_daemon_env
skipping || need_binaries
t_setup idle

# switches: context switches of every thread of the daemon.
switches() {
	cat /proc/"$D_PID"/task/*/status 2>/dev/null | awk '
	    /^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

check "taskacctd starts, sampling off" d_start --sample-interval 0
if active; then
	sleep "$SETTLE_S"
	r0=$(q "SELECT coalesce(max(id), 0) FROM tasks")
	s0=$(switches)
	sleep "$IDLE_S"
	s1=$(switches)
	came=$(q "SELECT count(*) FROM tasks WHERE id > $r0")
	diag "$((s1 - s0)) context switches in $IDLE_S s; $came rows came in"
fi
if skipping; then
	t_skip "idle: at most $MAX_SWITCHES wake-ups in $IDLE_S s" "$T_SKIP"
elif active && [ "${came:-1}" -gt 0 ]; then
	t_skip "idle: at most $MAX_SWITCHES wake-ups in $IDLE_S s" \
	    "the machine is not idle: $came exits recorded in the window"
else
	ok_if "idle: at most $MAX_SWITCHES wake-ups in $IDLE_S s" \
	    "[ $((s1 - s0)) -le $MAX_SWITCHES ]" "switches: $((s1 - s0))"
fi
# Woken by a SIGHUP while idle, the writer reopens at once.
if active; then
	mv "$T_DB" "$T_DB.old"
	kill -HUP "$D_PID"
fi
check "SIGHUP while idle: a new database file at the path" \
    wait_for 30 '[ -s "$T_DB" ] && [ -n "$(q "SELECT id FROM runs" 2>/dev/null)" ]'
check "taskacctd stops" d_stop
t_done
