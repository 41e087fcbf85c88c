#!/bin/sh
# delay_e2e.sh: an impossible delay from the real kernel.  A task forked
# while kernel.task_delayacct is 1 gets its delay counters (blkio_start 0);
# switched off before its first block I/O wait and on again while it waits
# (dd reading with O_DIRECT), the kernel times that wait from 0: a delay
# longer than the task's life.  The recorder stores it raw; `top --by
# blkio-delay` does not rank it, and the daemon's per-minute rollups equal
# the rollup_rows view and leave it out.  The sysctl is restored.  Needs
# root in the initial namespaces and a writable kernel.task_delayacct;
# elsewhere every check is reported as skipped.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
SYSCTL=/proc/sys/kernel/task_delayacct
DD_BLOCKS=6000

need_daemon_env
if ! skipping && { [ ! -w "$SYSCTL" ] || ! command -v dd >/dev/null; }; then
	T_SKIP="kernel.task_delayacct is not writable here (or no dd)"
fi
skipping || need_binaries
t_setup delay_e2e
unset TASKACCT_NOW TASKACCT_DB
saved=
restore_sysctl() {
	[ -n "$saved" ] && echo "$saved" >"$SYSCTL"
}
if ! skipping; then
	saved=$(cat "$SYSCTL")
	trap 'restore_sysctl; t_cleanup' EXIT
fi

# A file on a disk to read without the page cache.
data=
if active; then
	data=$(disk_dir)/data
	dd if=/dev/zero of="$data" bs=1M count=32 conv=fsync 2>/dev/null
fi

check "taskacctd starts" d_start
since=$(date -u '+%Y-%m-%d %H:%M:%S')
ddpid=

# One try: on, fork; off before its first wait; on while it reads.
attempt() {
	echo 1 >"$SYSCTL"
	sh -c "sleep 0.3; exec dd if='$data' of=/dev/null bs=4k \
	    iflag=direct count=$DD_BLOCKS" 2>/dev/null &
	ddpid=$!
	sleep 0.1
	echo 0 >"$SYSCTL"
	sleep 0.8
	echo 1 >"$SYSCTL"
	wait "$ddpid"
	restore_sysctl
	sleep 0.5
}

# impossible: the dd row's blkio delay is beyond its life (stored yet?).
impossible() {
	[ "$(q "SELECT count(*) FROM tasks WHERE ac_pid = $ddpid AND
	    kind = 0 AND run_id = $RUN_ID AND
	    blkio_delay_total > ac_etime * 1010 + 1000000")" = 1 ]
}

provoked=0
if active; then
	for _try in 1 2 3 4 5; do
		attempt
		if impossible; then
			provoked=1
			break
		fi
		q "SELECT ac_etime, blkio_delay_total, blkio_count FROM tasks
		    WHERE ac_pid = $ddpid" | sed 's/^/# missed: dd /'
	done
fi
check "taskacctd stops cleanly" d_stop
ok_if "kernel.task_delayacct restored" \
    '[ "$(cat $SYSCTL)" = "$saved" ]'

# If no toggle fell in one of dd's waits, nothing here can be checked.
if active && [ "$provoked" != 1 ]; then
	T_SKIP="no toggle fell in one of dd's waits in 5 tries"
fi

outlier=0
skipping || outlier=$(q "SELECT blkio_delay_total FROM tasks WHERE
    ac_pid = $ddpid AND kind = 0 AND run_id = $RUN_ID")
ok_if "the recorder keeps the raw impossible delay" '[ "$outlier" -gt 0 ]'

top_unranked() {
	"$TASKACCT" --db "$T_DB" --format json top --by blkio-delay \
	    --since "$since" --pid "$ddpid" --threads >"$T_TMP/top.json" &&
	    grep -q "\"pid\":$ddpid,.*\"blkio-delay\":null" "$T_TMP/top.json"
}
check "top --by blkio-delay: dd's impossible delay is not ranked" \
    top_unranked

# The daemon's sums (minutes) against the view's, over the whole run.
sums_agree() {
	_m=$(q "SELECT sum(blkio_delay) FROM minutes")
	_v=$(q "SELECT sum(blkio_delay) FROM rollup_rows")
	[ "$_m" = "$_v" ] && [ "$_m" -lt "$outlier" ] && return 0
	diag "minutes: $_m, rollup_rows: $_v, the outlier: $outlier"
	return 1
}
check "rollups: the daemon's blkio sums equal the view's, outlier left out" \
    sums_agree

t_done
