#!/bin/sh
# valgrind.sh: taskacctd under valgrind's memcheck through a short storm and
# a clean stop: no invalid access, no use of uninitialised memory, and no
# block definitely or indirectly lost at exit.
#
# The normal ./taskacctd runs under valgrind through a wrapper that lib.sh
# starts as the daemon (exec keeps the pid, so SIGTERM and the runs row
# work as usual).  A fork storm and a thread storm (whose process ends with
# a PID+TGID message) make it decode, queue and store records on both
# threads.  Skipped where the e2e tests are, or without valgrind.
cd "$(dirname "$0")/.." || exit 1
# valgrind starts slowly and checks for leaks at exit: allow for both.
READY_TIMEOUT_S=${READY_TIMEOUT_S:-60}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-60}
. tests/lib.sh

VG_STORM_N=${VG_STORM_N:-2000}
VG_THREADS_N=${VG_THREADS_N:-200}

need_daemon_env
if ! skipping && ! command -v valgrind >/dev/null 2>&1; then
	T_SKIP="valgrind not installed"
fi
skipping || need_binaries
t_setup valgrind

VG_LOG=$T_TMP/valgrind.log
if active; then
	cat >"$T_TMP/taskacctd-vg" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \\
    --num-callers=30 --log-file="$VG_LOG" "$PWD/$TASKACCTD" "\$@"
EOF
	chmod +x "$T_TMP/taskacctd-vg"
	TASKACCTD=$T_TMP/taskacctd-vg
fi

check "taskacctd starts under valgrind" d_start
wl storm storm "$VG_STORM_N" "$T_TMP/pids"
wl tstorm tstorm "$VG_THREADS_N"
# Let the slowed daemon drain and commit before it is told to stop.
active && sleep 2
check "taskacctd exits 0 on SIGTERM under valgrind" d_stop
[ -n "$D_STATUS" ] && [ "$D_STATUS" != 0 ] && diag "exit status: $D_STATUS"

R=${RUN_ID:-0}
parent=0 tpid=0
if active; then
	parent=$(kv "$T_TMP/storm.out" parent)
	tpid=$(kv "$T_TMP/tstorm.out" pid)
	q "SELECT 'stored: ' || count(*) || ' rows of the storm; losses: ' ||
	    coalesce((SELECT group_concat(kind || '=' ||
	    coalesce(records, '?'), ', ') FROM losses WHERE run_id = $R),
	    'none') FROM tasks
	    WHERE run_id = $R AND kind = 0 AND ac_ppid = ${parent:-0}" 2>&1 |
	    sed 's/^/# /'
fi
# Slowed down many times, the daemon still has the kernel's buffer (room
# for tens of thousands of records) to absorb a storm this short.
sql_is "all $VG_STORM_N storm children recorded" "$VG_STORM_N" \
    "SELECT count(*) FROM tasks
    WHERE run_id = $R AND kind = 0 AND ac_ppid = ${parent:-0}"
sql_is "thread storm's PID+TGID record stored" 1 "SELECT count(*) FROM tasks
    WHERE run_id = $R AND kind = 1 AND task_id = ${tpid:-0}"

# vg_clean: no error in the log, no byte definitely or indirectly lost.
vg_clean() {
	[ -f "$VG_LOG" ] || { diag "no valgrind log"; return 1; }
	grep -q 'ERROR SUMMARY: 0 errors' "$VG_LOG" || return 1
	! grep -Eq '(definitely|indirectly) lost: [1-9]' "$VG_LOG"
}
if ! skipping && [ -f "$VG_LOG" ]; then
	grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|in use at exit' \
	    "$VG_LOG" | sed 's/^==[0-9]*== */# /'
fi
check "valgrind: no invalid access and no block lost" vg_clean
if active && ! vg_clean; then
	diag_file "$VG_LOG" 80
fi

t_done
