#!/bin/sh
# ident_user.sh: identity capture once taskacctd has dropped root (--user
# nobody).  Command lines and cgroups are world-readable: still captured.
# The exe link needs ptrace access: a root task's is refused (ident_src
# DENIED, its argv kept), a task of the recorder's own user is read whole.
# Nothing crashes, and under an exec storm every exit is still recorded.
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
ok_if "it runs as nobody" \
    "[ \"\$(stat -c %u /proc/\$D_PID)\" = \"\$(id -u nobody)\" ]"
if active; then
	/bin/sh -c 'exit 3' "$TOK-root"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    /bin/sh -c 'exit 4' "$TOK-nobody"
	wait_for 10 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 AND \
run_id = $RUN_ID AND ac_exitcode IN (768, 1024)\")\" -ge 2 ]"
fi
row="SELECT t.ident_src, e.path, instr(c.args, CAST('/bin/sh' AS BLOB))
    FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id LEFT JOIN exes e
    ON e.id = t.exe_id WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND"
sql_is "a root task: argv kept, exe refused (DENIED)" "3||1" \
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
ok_if "it is still alive" d_alive
check "taskacctd exits 0 on SIGTERM" d_stop
t_done
