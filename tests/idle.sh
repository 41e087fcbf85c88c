#!/bin/sh
# idle.sh: an idle recorder sleeps.  With no exits on the machine, every
# thread of taskacctd (loop, writer) wakes at most 10 times in 5 s (the
# writer's old 200 ms timer alone woke it 25 times); its last_alive heart
# beats at WRITER_HEARTBEAT_MS (60 s), outside the window.  Every exit on
# the machine is recorded and wakes it, so the check is skipped when rows
# came in during the window (a busy machine); tests/unit_writer.c checks
# the writer thread alone, whatever the machine does.
#
# With sampling every second, a pass wakes the sampler thread twice (its
# timer, the child's answer in one batch) and the privileged child once,
# and the writer once (to commit the pass's rows, so that `taskacct top`
# sees them at once): the sampler and the child sleep at most 3 times a
# pass (before: 5, one wake per message of the child), counted whatever
# the machine does; and with no exit in the window, the loop not at all
# and the writer at most once a pass.
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

# sleeps pid name [name]: voluntary context switches (the thread went to
# sleep) of the daemon's threads of these names (the main one: "loop"), or
# of its children with "children".
sleeps() {
	if [ "$2" = children ]; then
		for _c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
			cat /proc/"$_c"/task/*/status 2>/dev/null
		done
	else
		for _t in /proc/"$1"/task/*; do
			[ "${_t##*/}" = "$1" ] && _n=loop ||
			    _n=$(cat "$_t/comm" 2>/dev/null)
			[ "$_n" = "$2" ] || [ "$_n" = "${3:-}" ] &&
			    cat "$_t/status" 2>/dev/null
		done
	fi | awk '/^voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}
PASSES=$((IDLE_S + 1))	# at most, every second
T_DB=$T_TMP/idle-sampling.db
check "taskacctd starts, sampling every second" d_start --sample-interval 1 \
    --no-ident
if active; then
	sleep "$SETTLE_S"
	r0=$(q "SELECT coalesce(max(id), 0) FROM tasks")
	a0=$(sleeps "$D_PID" taskacctd-write loop)
	p0=$(sleeps "$D_PID" taskacctd)
	c0=$(sleeps "$D_PID" children)
	sleep "$IDLE_S"
	a1=$(sleeps "$D_PID" taskacctd-write loop)
	p1=$(sleeps "$D_PID" taskacctd)
	c1=$(sleeps "$D_PID" children)
	came=$(q "SELECT count(*) FROM tasks WHERE id > $r0")
	diag "in $IDLE_S s: sampler thread $((p1 - p0)), child $((c1 - c0)), \
loop and writer $((a1 - a0)) sleeps; $came rows came in"
fi
ok_if "sampling: sampler and child sleep at most 3 times a pass" \
    "[ $((p1 - p0 + c1 - c0)) -le $((3 * PASSES + 3)) ] &&
     [ $((c1 - c0)) -ge $((PASSES - 2)) ]" \
    "$((p1 - p0)) + $((c1 - c0)) in at most $PASSES passes"
if skipping; then
	t_skip "sampling, idle: a pass wakes the writer once, the loop not" "$T_SKIP"
elif active && [ "${came:-1}" -gt 0 ]; then
	t_skip "sampling, idle: a pass wakes the writer once, the loop not" \
	    "the machine is not idle: $came exits recorded in the window"
else
	ok_if "sampling, idle: a pass wakes the writer once, the loop not" \
	    "[ $((a1 - a0)) -le $((PASSES + 1)) ]" \
	    "loop and writer: $((a1 - a0)) in at most $PASSES passes"
fi
check "taskacctd stops" d_stop
t_done
