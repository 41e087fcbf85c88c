#!/bin/sh
# ident_hidepid.sh: what the unprivileged recorder captures when /proc is
# mounted with hidepid=2 (another user's /proc/PID is invisible), with and
# without its identity reader (src/identpriv.c, CAP_SYS_PTRACE alone).
# taskacctd --user nobody runs in a private mount namespace whose /proc is
# a hidepid=2 instance (the host's /proc is untouched).  With the reader a
# root task is read whole; after the reader is killed a root task is
# DENIED with nothing captured (its /proc/PID is hidden), and a task of
# the recorder's own user is still read whole.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TOK=idh$$

need_daemon_env
for _p in unshare nsenter setpriv mount; do
	if ! skipping && ! command -v $_p >/dev/null 2>&1; then
		T_SKIP="$_p not installed"
	fi
done
if ! skipping && ! id nobody >/dev/null 2>&1; then
	T_SKIP="no user nobody"
fi
if ! skipping && ! unshare -m sh -c \
    'mount -t proc -o hidepid=2 proc /proc' >/dev/null 2>&1; then
	T_SKIP="cannot mount a hidepid=2 /proc in a mount namespace"
fi
skipping || need_binaries
t_setup ident_hidepid
T_DB=$T_TMP/db/hidepid.db
skipping || chmod 0711 "$T_TMP"
SHEXE=$(readlink -f /bin/sh)
# The daemon in a mount namespace of its own, /proc there with hidepid=2.
if ! skipping; then
	cat >"$T_TMP/hidepid-taskacctd" <<EOS
#!/bin/sh
exec unshare -m --propagation private sh -c \
    'mount -t proc -o hidepid=2 proc /proc && exec "\$0" "\$@"' \
    "$(readlink -f "$TASKACCTD")" "\$@"
EOS
	chmod 0755 "$T_TMP/hidepid-taskacctd"
	TASKACCTD=$T_TMP/hidepid-taskacctd
fi

check "taskacctd --user nobody starts under hidepid=2" d_start --user nobody
if active; then
	HIDE=$(grep -c hidepid "/proc/$D_PID/mountinfo")
	SEEN=$(nsenter -m -t "$D_PID" setpriv --reuid=nobody \
	    --regid="$(id -g nobody)" --clear-groups ls -d /proc/1 2>&1)
	CHILD=$(child_named "$D_PID" taskacctd-ident)
fi
ok_if "its /proc hides other users' tasks" \
    '[ "$HIDE" -ge 1 ] && case "$SEEN" in *"No such file"*) true ;;
     *) false ;; esac' "hidepid mounts: $HIDE; /proc/1 seen as nobody: $SEEN"
ok_if "the identity reader runs" '[ -n "$CHILD" ]'
root_and_nobody_exit "$TOK" 3 4
row="SELECT t.ident_src, e.path, instr(c.args, CAST('/bin/sh' AS BLOB)),
    c2.path FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id
    LEFT JOIN exes e ON e.id = t.exe_id LEFT JOIN cgroups c2 ON
    c2.id = t.cgroup_id WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND"
# The same without the cgroup, for a task of the recorder's own user.
own="SELECT t.ident_src, e.path, instr(c.args, CAST('/bin/sh' AS BLOB))
    FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id LEFT JOIN exes e
    ON e.id = t.exe_id WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND"
CG=$(q "SELECT coalesce(c2.path, '') FROM tasks t LEFT JOIN cgroups c2 ON
    c2.id = t.cgroup_id WHERE t.kind = 0 AND t.ac_exitcode = 768 AND
    t.run_id = ${RUN_ID:-0}" 2>/dev/null)
sql_is "with the reader: a root task read whole (argv, exe, cgroup)" \
    "0|$SHEXE|1|${CG:-?}" "$row t.ac_exitcode = 768 AND c2.path <> ''"
sql_is "with the reader: a task of the recorder's user read whole" \
    "0|$SHEXE|1" "$own t.ac_exitcode = 1024"
if active; then
	kill -KILL "$CHILD"
	root_and_nobody_exit "$TOK" 5 6
fi
sql_is "without it: a root task hidden, nothing captured (DENIED)" \
    "3|||" "$row t.ac_exitcode = 1280"
sql_is "without it: a task of the recorder's user still read whole" \
    "0|$SHEXE|1" "$own t.ac_exitcode = 1536"
if active; then
	diag "captured under hidepid=2 (exit code: ident_src|exe|argv at|cgroup):"
	q "SELECT (t.ac_exitcode / 256) || ': ' || t.ident_src || '|' ||
	    coalesce(e.path, '') || '|' || coalesce(instr(c.args,
	    CAST('/bin/sh' AS BLOB)), '') || '|' || coalesce(c2.path, '')
	    FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id
	    LEFT JOIN exes e ON e.id = t.exe_id LEFT JOIN cgroups c2 ON
	    c2.id = t.cgroup_id WHERE t.kind = 0 AND t.run_id = $RUN_ID AND
	    t.ac_exitcode IN (768, 1024, 1280, 1536) ORDER BY 1" |
	    sed 's/^/#   /'
fi
ok_if "it is still alive" d_alive
check "taskacctd exits 0 on SIGTERM" d_stop
t_done
