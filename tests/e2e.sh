#!/bin/sh
# e2e.sh: end-to-end test of taskacctd against the running kernel.
#
# Starts the daemon on a fresh database, makes tasks exit in known ways with
# tests/workload (which prints each child's pid and wait status), stops the
# daemon with SIGTERM, then checks in SQL that every fact arrived intact:
# exit codes and signals, flags, I/O, times, thread and group records, the
# renamed comm, the run's bookkeeping and the completeness of the v16 struct.
# Needs root in the initial user and pid namespaces; elsewhere each check is
# reported as skipped.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

RENAME=tacct-e2e-ren
WRITE_BYTES=8388608
SLEEP_MS=300
SPIN_MS=300
NTHREADS=4

need_daemon_env
skipping || need_binaries
t_setup e2e

check "taskacctd starts and commits its runs row" d_start

WDIR=$(active && disk_dir)
wl exit0 exit 0
wl exit3 exit 3
wl exit255 exit 255
wl kill9 kill 9
wl segv kill 11
wl write write "$WRITE_BYTES" "$WDIR/written"
wl sleep sleep "$SLEEP_MS"
wl spin spin "$SPIN_MS"
wl threads threads "$NTHREADS"
wl rename rename "$RENAME"

check "taskacctd exits 0 on SIGTERM" d_stop
[ -n "$D_STATUS" ] && [ "$D_STATUS" != 0 ] && diag "exit status: $D_STATUS"

# Facts from the workloads (0 when skipping or missing).
fact() {	# workload key default
	_v=
	active && _v=$(kv "$T_TMP/$1.out" "$2")
	echo "${_v:-$3}"
}
R=${RUN_ID:-0}
pid_exit0=$(fact exit0 pid 0)
par_exit0=$(fact exit0 parent 0)
pid_exit3=$(fact exit3 pid 0)
pid_exit255=$(fact exit255 pid 0)
pid_kill9=$(fact kill9 pid 0)
pid_segv=$(fact segv pid 0)
pid_write=$(fact write pid 0)
pid_sleep=$(fact sleep pid 0)
pid_spin=$(fact spin pid 0)
pid_threads=$(fact threads pid 0)
pid_rename=$(fact rename pid 0)
cpu_us=$(fact spin cpu_us 0)
tids='' boot_id='' vals='' pids=''
if active; then
	tids=$(sed -n 's/^tid=//p' "$T_TMP/threads.out" | sort -n |
	    paste -sd, -)
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	for w in exit0 exit3 exit255 kill9 segv write sleep spin threads \
	    rename; do
		vals="$vals${vals:+,}($(fact $w pid 0), $(fact $w wstatus -1),"
		vals="$vals $(fact $w parent 0))"
	done
	pids=$(cat "$T_TMP"/*.out | sed -nE 's/^(pid|tid|parent)=//p' |
	    sort -un | sed 's/.*/(&)/' | paste -sd, -)
fi
# the thread (kind 0) row of a pid in this run
tw() {
	echo "kind = 0 AND run_id = $R AND ac_pid = $1"
}

# --- the run ----------------------------------------------------------------

sql_is "run ended clean=1 with stop_time set" "1|1" \
    "SELECT clean, stop_time >= start_time FROM runs WHERE id = $R" \
    "SELECT * FROM runs"
sql_is "run records daemon pid and boot id" "1" \
    "SELECT count(*) FROM runs WHERE id = $R AND boot_id = '$boot_id'" \
    "SELECT id, boot_id, daemon_pid FROM runs"
sql_is "no kernel_drop or queue_full losses" "0" \
    "SELECT coalesce(sum(records), 0) FROM losses WHERE run_id = $R AND
     kind IN ('kernel_drop', 'queue_full')" "SELECT * FROM losses"
sql_is "every row's recv_time lies within the run" "0" \
    "SELECT count(*) FROM tasks t JOIN runs r ON r.id = t.run_id
     WHERE t.run_id = $R AND (t.recv_time < r.start_time OR
     t.recv_time > r.stop_time)" \
    "SELECT r.start_time, r.stop_time, min(t.recv_time), max(t.recv_time)
     FROM tasks t JOIN runs r ON r.id = t.run_id WHERE r.id = $R"
sql_is "database passes integrity_check" "ok" "PRAGMA integrity_check"

# --- exit status --------------------------------------------------------------

sql_is "exit 0 recorded as exit_code 0" "0" \
    "SELECT group_concat(exit_code) FROM tasks WHERE $(tw "$pid_exit0")" \
    "$(task_diag "ac_pid = $pid_exit0")"
sql_is "exit 3 recorded as exit_code 3" "3" \
    "SELECT group_concat(exit_code) FROM tasks WHERE $(tw "$pid_exit3")" \
    "$(task_diag "ac_pid = $pid_exit3")"
sql_is "exit 255 recorded as exit_code 255" "255" \
    "SELECT group_concat(exit_code) FROM tasks WHERE $(tw "$pid_exit255")" \
    "$(task_diag "ac_pid = $pid_exit255")"
sql_is "SIGKILL: exit_signal 9, AXSIG set" "9|16" \
    "SELECT group_concat(exit_signal), group_concat(ac_flag & 16)
     FROM tasks WHERE $(tw "$pid_kill9")" \
    "$(task_diag "ac_pid = $pid_kill9")"
sql_is "SIGSEGV fault: exit_signal 11, AXSIG set, no core" "11|16|0" \
    "SELECT group_concat(exit_signal), group_concat(ac_flag & 16),
     group_concat(core_dumped) FROM tasks WHERE $(tw "$pid_segv")" \
    "$(task_diag "ac_pid = $pid_segv")"

sql_is "ac_exitcode equals waitpid status; ac_ppid is the parent" "10" \
    "WITH w(pid, st, par) AS (VALUES $vals)
     SELECT count(*) FROM w JOIN tasks t ON t.ac_pid = w.pid
     WHERE t.kind = 0 AND t.run_id = $R AND t.ac_exitcode = w.st AND
     t.ac_ppid = w.par" \
    "WITH w(pid, st, par) AS (VALUES $vals)
     SELECT w.*, t.ac_exitcode, t.ac_ppid FROM w LEFT JOIN tasks t ON
     t.ac_pid = w.pid AND t.kind = 0 AND t.run_id = $R"

# --- flags, names -------------------------------------------------------------

sql_is "single-threaded child: AGROUP on its only row, no group row" "32|0" \
    "SELECT (SELECT group_concat(ac_flag & 32) FROM tasks
     WHERE $(tw "$pid_exit0")), (SELECT count(*) FROM tasks
     WHERE kind = 1 AND run_id = $R AND task_id = $pid_exit0)" \
    "$(task_diag "ac_pid = $pid_exit0 OR task_id = $pid_exit0")"
sql_is "AFORK set on a forked child, clear on exec'd workload" "1|0" \
    "SELECT (SELECT group_concat(ac_flag & 1) FROM tasks
     WHERE $(tw "$pid_exit0")), (SELECT group_concat(ac_flag & 1)
     FROM tasks WHERE $(tw "$par_exit0"))" \
    "$(task_diag "ac_pid IN ($pid_exit0, $par_exit0)")"
sql_is "renamed task: ac_comm = $RENAME" "$RENAME" \
    "SELECT group_concat(ac_comm) FROM tasks WHERE $(tw "$pid_rename")" \
    "$(task_diag "ac_pid = $pid_rename")"
sql_is "unrenamed child: ac_comm = workload" "workload" \
    "SELECT group_concat(ac_comm) FROM tasks WHERE $(tw "$pid_exit3")" \
    "$(task_diag "ac_pid = $pid_exit3")"

# --- I/O, memory, time ------------------------------------------------------

sql_is "writer: write_bytes >= $WRITE_BYTES" "1" \
    "SELECT write_bytes >= $WRITE_BYTES FROM tasks WHERE $(tw "$pid_write")" \
    "$(task_diag "ac_pid = $pid_write")"
sql_is "writer: hiwater_rss >= 1024 KiB (it touched a 1 MiB buffer)" "1" \
    "SELECT hiwater_rss >= 1024 FROM tasks WHERE $(tw "$pid_write")" \
    "SELECT ac_pid, hiwater_rss, hiwater_vm FROM tasks
     WHERE ac_pid = $pid_write"
sql_is "sleeper: ac_etime >= ${SLEEP_MS} ms (and < 30 s)" "1" \
    "SELECT ac_etime >= $SLEEP_MS * 1000 AND ac_etime < 30000000 FROM tasks
     WHERE $(tw "$pid_sleep")" "$(task_diag "ac_pid = $pid_sleep")"
sql_is "sleeper: ac_btime64 (epoch s) lies within the run" "1" \
    "SELECT t.ac_btime64 BETWEEN r.start_time / 1000000 - 1 AND
     r.stop_time / 1000000 + 1 FROM tasks t JOIN runs r ON r.id = t.run_id
     WHERE $(tw "$pid_sleep")" \
    "SELECT t.ac_btime, t.ac_btime64, r.start_time, r.stop_time FROM tasks t
     JOIN runs r ON r.id = t.run_id WHERE t.ac_pid = $pid_sleep"
# cpu_run_virtual_total is the scheduler's exact runtime (sum_exec_runtime),
# the clock the spinner measured itself with.  ac_utime/ac_stime (and, on
# this kernel, cpu_run_real_total, their sum) are tick-sampled: on a busy
# machine a spinner preempted between ticks is charged as little as half
# (seen: 140 ms for 300 ms), so their margin is wide.
sql_is "spinner: cpu_run_virtual_total = its measured CPU time (+20 ms)" \
    "1" \
    "SELECT cpu_run_virtual_total >= ${cpu_us:-0} * 1000 AND
     cpu_run_virtual_total <= (${cpu_us:-0} + 20000) * 1000 FROM tasks
     WHERE $(tw "$pid_spin")" "$(task_diag "ac_pid = $pid_spin")"
sql_is "spinner: ac_utime within 0.25x..1.2x+20ms of its CPU time" \
    "1" \
    "SELECT ac_utime >= 0.25 * ${cpu_us:-0} AND
     ac_utime <= 1.2 * ${cpu_us:-0} + 20000 AND ac_utime > ac_stime
     FROM tasks WHERE $(tw "$pid_spin")" "$(task_diag "ac_pid = $pid_spin")"

# --- threads and the group record ------------------------------------------------

tg="kind = 0 AND run_id = $R AND ac_tgid = $pid_threads"
sql_is "threads $NTHREADS: $NTHREADS thread rows with ac_tgid = pid" \
    "$NTHREADS" "SELECT count(*) FROM tasks WHERE $tg" \
    "$(task_diag "ac_tgid = $pid_threads OR task_id = $pid_threads")"
sql_is "threads: thread rows' ac_pid are the printed tids" "$tids" \
    "SELECT group_concat(ac_pid) FROM
     (SELECT ac_pid FROM tasks WHERE $tg ORDER BY ac_pid)"
sql_is "threads: exactly one thread row has AGROUP" "1" \
    "SELECT count(*) FROM tasks WHERE $tg AND ac_flag & 32" \
    "$(task_diag "$tg")"
sql_is "threads: exactly one group row, link_id to one of its threads" "1|1" \
    "SELECT (SELECT count(*) FROM tasks WHERE kind = 1 AND run_id = $R AND
     task_id = $pid_threads), (SELECT count(*) FROM tasks g JOIN tasks t ON
     t.id = g.link_id WHERE g.kind = 1 AND g.run_id = $R AND
     g.task_id = $pid_threads AND t.kind = 0 AND
     t.ac_tgid = $pid_threads)" \
    "$(task_diag "task_id = $pid_threads OR ac_tgid = $pid_threads")"
sql_is "threads: group row links to the AGROUP thread row" "32" \
    "SELECT group_concat(t.ac_flag & 32) FROM tasks g JOIN tasks t ON
     t.id = g.link_id WHERE g.kind = 1 AND g.run_id = $R AND
     g.task_id = $pid_threads"

# Kernels before 6.18 sent only delay sums in the group struct; 6.18 also
# sums ac_etime, ac_utime, ac_stime, nvcsw and nivcsw over the threads.
# Either way the values must sit at their own offsets: 0, or the thread sum
# within one tick (10 ms at HZ=100) per thread.
sql_is "threads: group row ac_utime is 0 or the sum over its threads" "1" \
    "SELECT g.ac_utime = 0 OR abs(g.ac_utime - (SELECT sum(ac_utime)
     FROM tasks WHERE $tg)) <= 10000 * $NTHREADS FROM tasks g
     WHERE g.kind = 1 AND g.run_id = $R AND g.task_id = $pid_threads" \
    "SELECT kind, ac_pid, ac_utime, ac_stime, ac_etime, nvcsw, nivcsw
     FROM tasks WHERE task_id = $pid_threads OR ac_tgid = $pid_threads"

# --- every pid, every field -------------------------------------------------------

sql_is "every printed pid, tid and parent has a thread row" "" \
    "WITH w(pid) AS (VALUES $pids) SELECT group_concat(pid) FROM w
     WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.ac_pid = w.pid AND
     t.kind = 0 AND t.run_id = $R)"
sql_is "thread rows carry the run's struct version" "0" \
    "SELECT count(*) FROM tasks t JOIN runs r ON r.id = t.run_id
     WHERE t.run_id = $R AND t.kind = 0 AND t.version IS NOT r.ts_version" \
    "SELECT version, count(*) FROM tasks GROUP BY version"
sql_is "ts_len is the size of the struct version" "0" \
    "SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0 AND
     ts_len IS NOT CASE version WHEN 12 THEN 400 WHEN 13 THEN 416
     WHEN 14 THEN 432 WHEN 15 THEN 560 WHEN 16 THEN 560 WHEN 17 THEN 688
     ELSE ts_len END" \
    "SELECT version, ts_len, count(*) FROM tasks GROUP BY 1, 2"

# Columns version..irq_delay_min (fields of v1-v16) and the v17 *_ts ones.
if active; then
	cols=$(q "SELECT name FROM pragma_table_info('tasks') WHERE
	    cid BETWEEN (SELECT cid FROM pragma_table_info('tasks')
	    WHERE name = 'version') AND (SELECT cid FROM
	    pragma_table_info('tasks') WHERE name = 'irq_delay_min')
	    ORDER BY cid")
	ts_cols=$(q "SELECT name FROM pragma_table_info('tasks')
	    WHERE name LIKE '%\_delay\_max\_ts' ESCAPE '\\' ORDER BY cid")
	ver=$(q "SELECT ts_version FROM runs WHERE id = $R")
	ncols=$(echo "$cols" | grep -c .)
	null_any=$(echo "$cols" | sed 's/.*/& IS NULL/' |
	    paste -sd'|' - | sed 's/|/ OR /g')
	ts_null_all=$(echo "$ts_cols" | sed 's/.*/& IS NULL/' |
	    paste -sd'|' - | sed 's/|/ AND /g')
	null_counts=$(echo "$cols" | sed 's/.*/sum(& IS NULL) AS &/' |
	    paste -sd, -)
fi
if ! active || [ "${ver:-0}" -ge 16 ]; then
	sql_is "v${ver:-16} thread rows: all ${ncols:-?} fields version..irq_delay_min NOT NULL" \
	    "0" "SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0
	    AND ($null_any)" \
	    "SELECT $null_counts FROM tasks WHERE run_id = $R AND kind = 0"
else
	t_fail "run's ts_version is 16 or later (got '${ver}')"
fi
if ! active || [ "${ver:-0}" -eq 16 ]; then
	sql_is "v16 thread rows: the v17 *_delay_max_ts columns are NULL" "0" \
	    "SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0
	    AND NOT ($ts_null_all)"
elif [ "${ver:-0}" -gt 16 ]; then
	sql_is "v$ver thread rows: the v17 *_delay_max_ts columns are set" "0" \
	    "SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0
	    AND ($(echo "$ts_cols" | sed 's/.*/& IS NULL/' | paste -sd'|' - |
	    sed 's/|/ OR /g'))"
fi

# --- a second run: --cpus, SIGINT -------------------------------------------

# Exits are routed by the CPU the task exits on: a daemon listening on CPU 0
# records a child pinned to CPU 0 and never one pinned to CPU 1.  This run
# also gets a SIGHUP, which must not stop it, and stops on SIGINT, which
# must drain and end as cleanly as SIGTERM.
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if ! skipping && { [ "$ncpu" -lt 2 ] || ! command -v taskset >/dev/null ||
    ! taskset -c 0,1 true 2>/dev/null; }; then
	T_SKIP="needs CPUs 0 and 1 online and taskset"
fi
T_BROKEN=
T_DB=$T_TMP/cpus.db
check "taskacctd --cpus 0 starts" d_start --cpus 0
R=${RUN_ID:-0}
survives_hup() {
	kill -HUP "$D_PID" && sleep 0.3 && d_alive
}
check "taskacctd keeps running after SIGHUP" survives_hup
wlc cpu0 taskset -c 0 "$WORKLOAD" exit 7
wlc cpu1 taskset -c 1 "$WORKLOAD" exit 8
check "taskacctd exits 0 on SIGINT" d_stop INT
pid_cpu0=$(fact cpu0 pid 0)
pid_cpu1=$(fact cpu1 pid 0)
sql_is "--cpus 0: run row says cpumask 0, ended clean" "0|1|1" \
    "SELECT cpumask, clean, stop_time >= start_time FROM runs WHERE id = $R" \
    "SELECT * FROM runs"
sql_is "--cpus 0: child exiting on CPU 0 recorded, CPU 1 not" "7|" \
    "SELECT (SELECT group_concat(exit_code) FROM tasks WHERE
     $(tw "$pid_cpu0")), (SELECT group_concat(exit_code) FROM tasks WHERE
     $(tw "$pid_cpu1"))" \
    "$(task_diag "ac_pid IN ($pid_cpu0, $pid_cpu1)")"

t_done
