#!/bin/sh
# ident.sh: taskacctd records who each task was (issue 11): the command
# line exactly as the kernel held it, the executable and the cgroup, read
# at exec from the process events connector; inherited at fork.
#
# 300 execs of /bin/sh -c 'exit 3' TOKEN-i one after another: >= 99% carry
# their exact argv and the exe path; a process moved into a new cgroup
# (odd bytes and an escaped name in it) is found by its cgroups.path and
# named as a unit; a forked child that never execs has its parent's
# command line (ident_src FORK); hostile argv (newlines, escapes, invalid
# UTF-8, 100 KiB) is stored byte for byte; a task renaming itself keeps
# its command line; --no-args stores none; and `taskacct status` shows the
# coverage.  The --user nobody run is in tests/ident_user.sh.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

IDENT_N=${IDENT_N:-300}
TOK=idt$$

need_daemon_env
skipping || need_binaries ./taskacct
t_setup ident

SH=/bin/sh
SHEXE=$(readlink -f /bin/sh)
# The v2 hierarchy: /sys/fs/cgroup on a pure v2 host, .../unified on a
# hybrid one.
CGROOT=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ] && CGROOT=$d
done
CGNAME=$(printf 'taskacct-%s odd\\x2d\303\251.scope' "$TOK")
CGDIR=
ident_cleanup() {
	_rc=$?
	[ -n "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null
	(exit "$_rc")
	t_cleanup
}
trap ident_cleanup EXIT

# hexargs ARG...: the NUL-terminated arguments as upper-case hex, the way
# SQLite's hex() prints the stored blob.
hexargs() {
	printf '%s\0' "$@" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F
}

# row_of TOKEN: "ident_src|exe|hex(args)" of the thread row whose command
# line ends with argument TOKEN.
row_of() {
	q "SELECT t.ident_src, e.path, hex(c.args) FROM tasks t
	    JOIN cmdlines c ON c.id = t.args_id LEFT JOIN exes e ON
	    e.id = t.exe_id WHERE t.kind = 0 AND hex(c.args) LIKE
	    '%00' || hex('$1') || '00' ORDER BY t.id LIMIT 1"
}

check "taskacctd starts and commits its runs row" d_start

# --- 300 execs, one after another ------------------------------------------
if active; then
	$SH -c 'echo $$ >"$1"; i=0; while [ $i -lt "$2" ]; do
	    /bin/sh -c "exit 3" "$3-$i"; i=$((i + 1)); done' loop \
	    "$T_TMP/loop.pid" "$IDENT_N" "$TOK" >/dev/null 2>&1
	LOOP=$(cat "$T_TMP/loop.pid")
	wait_for 60 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 \
AND ac_ppid = $LOOP AND run_id = $RUN_ID\")\" -ge $IDENT_N ]"
fi
# Every exec's exact argv: one number i of 0..N-1 per matching row.
exact="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
    WHERE i < $IDENT_N - 1) SELECT count(DISTINCT n.i) FROM n
    JOIN cmdlines c ON hex(c.args) = '$(hexargs /bin/sh -c 'exit 3')' ||
    hex('$TOK-' || n.i) || '00'
    JOIN tasks t ON t.args_id = c.id AND t.kind = 0 AND
    t.ac_ppid = ${LOOP:-0} AND t.ac_exitcode = 768 AND t.ident_src = 0
    JOIN exes e ON e.id = t.exe_id AND e.path = '$SHEXE'"
if active; then
	got=$(q "$exact" 2>&1)
	diag "$got of $IDENT_N execs carry their exact argv and exe $SHEXE"
	ok_if ">= 99% of $IDENT_N execs carry exact argv and exe path" \
	    "[ \"\${got:-0}\" -ge $((IDENT_N * 99 / 100)) ] 2>/dev/null" \
	    "$(q "SELECT ident_src, count(*) FROM tasks WHERE kind = 0 AND
	    ac_ppid = ${LOOP:-0} GROUP BY 1")"
else
	ok_if ">= 99% of $IDENT_N execs carry exact argv and exe path" true
fi
sql_is "a command line is stored once, however many tasks ran it" 1 \
    "SELECT count(*) FROM cmdlines WHERE hex(args) =
    '$(hexargs /bin/sh -c 'exit 3' "$TOK-7")'"
sql_is "thread and group rows of a task share its identity" 0 \
    "SELECT count(*) FROM tasks g JOIN tasks t ON t.id = g.link_id WHERE
    g.kind = 1 AND (g.args_id IS NOT t.args_id OR
    g.ident_src IS NOT t.ident_src)"

# --- a new cgroup ----------------------------------------------------------
if active && [ -n "$CGROOT" ] && mkdir "$CGROOT/$CGNAME" 2>/dev/null; then
	CGDIR=$CGROOT/$CGNAME
	$SH -c 'echo $$ >"$1/cgroup.procs" && exec /bin/sh -c "exit 5" "$2"' \
	    cg "$CGDIR" "$TOK-cg"
	wait_for 10 "[ -n \"\$(row_of $TOK-cg)\" ]"
	rmdir "$CGDIR" 2>/dev/null && CGDIR=
fi
if [ -z "$CGROOT" ] && active; then
	t_skip "a task in a new cgroup is found by its path" "no cgroup v2"
	t_skip "its cgroup is named as a systemd unit" "no cgroup v2"
else
	sql_is "a task in a new cgroup is found by its path" "0|/$CGNAME" \
	    "SELECT t.ident_src, g.path FROM tasks t JOIN cgroups g ON
	    g.id = t.cgroup_id JOIN cmdlines c ON c.id = t.args_id WHERE
	    g.path = '/$CGNAME' AND hex(c.args) LIKE '%' || hex('$TOK-cg') ||
	    '00'" "SELECT * FROM cgroups"
	sql_is "its cgroup is named as a systemd unit" "$CGNAME" \
	    "SELECT unit FROM cgroups WHERE path = '/$CGNAME'"
fi

# --- fork without exec, hostile argv, a rename -----------------------------
if active; then
	$SH -c '( exit 4 ); exit 0' fk "$TOK-fork"
	A1=$(printf 'new\nline') A2=$(printf 'esc\033[31m\\x41') \
	A3=$(printf 'bad\377\376utf8\300') \
	A4=$(head -c 102400 /dev/zero | tr '\0' x)
	$SH -c 'exit 6' "$A1" "$A2" "$A3" "$A4" "$TOK-bad"
	$SH -c 'printf renamed >/proc/$$/comm; exit 7' rn "$TOK-ren"
	wait_for 10 "[ -n \"\$(row_of $TOK-ren)\" ]"
fi
sql_is "a forked child that never execs has its parent's argv (FORK)" \
    "1|$SHEXE|$(hexargs $SH -c '( exit 4 ); exit 0' fk "$TOK-fork")" \
    "SELECT t.ident_src, e.path, hex(c.args) FROM tasks t JOIN cmdlines c
    ON c.id = t.args_id JOIN exes e ON e.id = t.exe_id WHERE t.kind = 0
    AND t.ac_exitcode = 1024 AND hex(c.args) LIKE '%' || hex('$TOK-fork')
    || '00'"
if active; then
	exp="0|$SHEXE|$(hexargs $SH -c 'exit 6' "$A1" "$A2" "$A3" "$A4" \
	    "$TOK-bad")"
	got=$(row_of "$TOK-bad")
	ok_if "newlines, escapes, invalid UTF-8 and 100 KiB of argv stored \
exactly" "[ \"\$got\" = \"\$exp\" ]" "got ${#got} hex chars, expected \
${#exp}: $(printf %s "$got" | head -c 120)"
else
	ok_if "newlines, escapes, invalid UTF-8 and 100 KiB of argv stored \
exactly" true
fi
sql_is "a task renaming itself keeps its argv; the row has the new name" \
    "renamed|0" "SELECT t.ac_comm, t.ident_src FROM tasks t JOIN cmdlines c
    ON c.id = t.args_id WHERE t.kind = 0 AND t.ac_exitcode = 1792 AND
    hex(c.args) LIKE '%' || hex('$TOK-ren') || '00'"
if active; then
	./taskacct --db "$T_DB" status >"$T_TMP/status.out" 2>&1
	grep -i 'identity' "$T_TMP/status.out" | sed 's/^/# /'
fi
ok_if "taskacct status shows identity coverage" \
    "grep -q 'exits with argv' \"\$T_TMP/status.out\"" \
    "$(cat "$T_TMP/status.out" 2>/dev/null)"
check "taskacctd exits 0 on SIGTERM" d_stop

# --- --no-args -------------------------------------------------------------
check "taskacctd --no-args starts" d_start --no-args
if active; then
	# Several: on a loaded machine one short sh may exit before its read
	# (counted GONE); the check needs one read and no argv in any.
	for i in 1 2 3 4 5; do
		$SH -c 'exit 9' "$TOK-secret"
	done
	wait_for 10 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 \
AND ac_exitcode = 2304 AND run_id = $RUN_ID\")\" -ge 5 ]"
fi
sql_is "--no-args: no command line, the executable still" "1|0" \
    "SELECT count(*) > 0, sum(t.args_id IS NOT NULL) FROM tasks t JOIN exes e
    ON e.id = t.exe_id WHERE t.kind = 0 AND t.ac_exitcode = 2304 AND
    t.run_id = ${RUN_ID:-0} AND t.ident_src = 0 AND e.path = '$SHEXE'"
sql_is "--no-args: no row of it has a command line" 0 \
    "SELECT count(*) FROM tasks WHERE kind = 0 AND ac_exitcode = 2304 AND
    run_id = ${RUN_ID:-0} AND args_id IS NOT NULL"
sql_is "--no-args: the secret is nowhere in the database" 0 \
    "SELECT count(*) FROM cmdlines WHERE instr(args, CAST('$TOK-secret' AS
    BLOB)) > 0 AND id NOT IN (SELECT args_id FROM tasks WHERE run_id <
    ${RUN_ID:-0} AND args_id IS NOT NULL)"
ok_if "the database stays 0640" \
    "[ \"\$(stat -c %a \"\$T_DB\")\" = 640 ]"
check "taskacctd --no-args exits 0 on SIGTERM" d_stop

t_done
