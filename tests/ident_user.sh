#!/bin/sh
# ident_user.sh: identity capture once taskacctd has dropped root (--user
# nobody).  The exe link needs ptrace access: the identity reader, a child
# holding CAP_SYS_PTRACE alone (src/identpriv.c), reads it for the
# recorder, which holds no capability: a root task is read whole.  Killed,
# the child is logged once and the recorder reads /proc itself: a root
# task's exe is then refused (ident_src DENIED, its argv kept), a task of
# the recorder's own user is still read whole.  Nothing crashes, and under
# an exec storm every exit is still recorded.  (Under hidepid:
# tests/ident_hidepid.sh.)
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TOK=idu$$
STORM=${IDENT_STORM_N:-3000}

need_daemon_env
if ! skipping && ! id nobody >/dev/null 2>&1; then
	T_SKIP="no user nobody"
fi
if ! skipping && ! command -v setpriv >/dev/null 2>&1; then
	T_SKIP="setpriv not installed"
fi
skipping || need_binaries ./taskacct tools/dev/taskstorm
t_setup ident_user
# The database in a directory taskacctd creates, and hands to nobody.
T_DB=$T_TMP/db/ident.db
skipping || chmod 0711 "$T_TMP"
SHEXE=$(readlink -f /bin/sh)


check "taskacctd --user nobody starts" d_start --user nobody
NOBODY=$(id -u nobody 2>/dev/null)
ok_if "it runs as nobody" \
    "[ \"\$(stat -c %u /proc/\$D_PID)\" = \"$NOBODY\" ]"
if active; then
	CHILD=$(child_named "$D_PID" taskacctd-ident)
	P_CAPS=$(proc_caps "$D_PID")
	C_CAPS=$(proc_caps "$CHILD")
	C_FDS=$(ls "/proc/$CHILD/fd" 2>/dev/null | tr '\n' ' ')
	# Not dumpable: its /proc files are root's though it runs as nobody.
	C_OWNER=$(stat -c %u "/proc/$CHILD/status" 2>/dev/null)
	# Scheduling policy (field 41 of stat): 1, SCHED_FIFO, like the loop.
	C_POLICY=$(sed 's/^.*) //' "/proc/$CHILD/stat" | awk '{ print $39 }')
fi
ok_if "--user nobody: the recorder holds no capability" \
    'case "$P_CAPS" in "0000000000000000 0000000000000000 "*" 1 $NOBODY")
     true ;; *) false ;; esac' "daemon: $P_CAPS (CapEff CapPrm CapBnd NoNewPrivs Uid)"
ok_if "the identity reader holds CAP_SYS_PTRACE alone, as nobody" \
    '[ -n "$CHILD" ] &&
     [ "$C_CAPS" = "0000000000080000 0000000000080000 0000000000080000 1 $NOBODY" ]' \
    "child $CHILD: $C_CAPS (CapEff CapPrm CapBnd NoNewPrivs Uid)"
ok_if "it keeps no descriptor but its socket and /dev/null" \
    '[ "$C_FDS" = "0 1 2 3 " ]' "child fds: $C_FDS"
ok_if "it is not dumpable and runs at SCHED_FIFO" \
    '[ "$C_OWNER" = 0 ] && [ "$C_POLICY" = 1 ]' \
    "owner of its /proc files: $C_OWNER, policy $C_POLICY"
root_and_nobody_exit "$TOK" 3 4
row="SELECT t.ident_src, e.path, instr(c.args, CAST('/bin/sh' AS BLOB))
    FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id LEFT JOIN exes e
    ON e.id = t.exe_id WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND
    instr(c.args, CAST('$TOK' AS BLOB)) AND"
sql_is "a root task: read whole through the identity reader" "0|$SHEXE|1" \
    "$row t.ac_exitcode = 768"
sql_is "a task of the recorder's user: read whole" "0|$SHEXE|1" \
    "$row t.ac_exitcode = 1024"

# An exec storm while unprivileged: every exit recorded, none lost.  The
# storm's tasks are told apart by their parents (its workers): PIDs wrap,
# and other storms may run on the machine.
if active; then
	tools/dev/taskstorm -m exec -n "$STORM" >"$T_TMP/storm.out" 2>&1
	WORKERS=$(kv "$T_TMP/storm.out" worker_pids)
	wait_for 30 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 \
AND run_id = $RUN_ID AND ac_ppid IN (${WORKERS:-0})\")\" -ge $STORM ]"
fi
sql_is "an exec storm as nobody: all $STORM exits recorded" "$STORM" \
    "SELECT count(*) FROM tasks WHERE kind = 0 AND run_id = ${RUN_ID:-0}
    AND ac_ppid IN (${WORKERS:-0})"
sql_is "no exit record lost" 0 \
    "SELECT count(*) FROM losses WHERE kind NOT IN ('connector_drop',
    'ident_evicted')"
if active; then
	q "SELECT 'storm identities: ' || group_concat(s || ' ' || n, ', ')
	    FROM (SELECT ident_src s, count(*) n FROM tasks WHERE kind = 0 AND
	    ac_ppid IN (${WORKERS:-0}) GROUP BY 1)" | sed 's/^/# /'
	./taskacct --db "$T_DB" status 2>&1 | grep -E 'argv|identity|drops' |
	    sed 's/^/# /'
fi

# The child killed: said once, and the recorder reads /proc itself.
if active; then
	kill -KILL "$CHILD"
	root_and_nobody_exit "$TOK" 5 6
	root_and_nobody_exit "$TOK" 7 8
fi
sql_is "after the child's death: a root task's argv kept, exe refused" \
    "3||1" "$row t.ac_exitcode = 1280"
sql_is "... and a task of the recorder's user still read whole" \
    "0|$SHEXE|1" "$row t.ac_exitcode = 1536"
ok_if "the child's death is logged once" \
    '[ "$(grep -c "identity reader: the privileged child.*killed by signal 9" \
     "$T_LOG")" = 1 ]' "$(grep "identity reader" "$T_LOG" 2>/dev/null)"
ok_if "it is still alive" d_alive
check "taskacctd exits 0 on SIGTERM" d_stop

# A child stopped for good (SIGSTOP): each read waits 200 ms for it and
# keeps what the recorder read alone; after 3 in a row the child is
# killed, said once.  (The tasks live a while: the loop is held up 200 ms
# at each of the first three.)
check "taskacctd --user nobody starts again" d_start --user nobody
if active; then
	CHILD=$(child_named "$D_PID" taskacctd-ident)
	kill -STOP "$CHILD"
	for _c in 9 10 11 12; do
		/bin/sh -c "sleep 0.7; exit $_c" "$TOK-stopped"
	done
	wait_for 20 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 AND \
run_id = $RUN_ID AND ac_exitcode IN (2304, 2560, 2816, 3072)\")\" -ge 4 ]"
	wait_for 10 "! kill -0 $CHILD 2>/dev/null"
fi
ok_if "a stopped child is given up after 3 late answers, said once" \
    '[ "$(grep -c "identity reader: the privileged child.*stuck" \
     "$T_LOG")" = 1 ] && ! kill -0 "$CHILD" 2>/dev/null' \
    "$(grep "identity reader" "$T_LOG" 2>/dev/null | tail -n 2)"
sql_is "the exits meanwhile are all recorded, with their argv" "4" \
    "SELECT count(c.id) FROM tasks t LEFT JOIN cmdlines c ON
    c.id = t.args_id WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND
    t.ac_exitcode IN (2304, 2560, 2816, 3072) AND
    instr(c.args, CAST('$TOK-stopped' AS BLOB))"
check "taskacctd exits 0 on SIGTERM" d_stop
t_done
