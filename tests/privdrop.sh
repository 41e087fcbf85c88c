#!/bin/sh
# privdrop.sh: taskacctd --user NAME gives up root once set up.
#
# A throw-away system user is created for the test (and deleted on exit).
# The daemon must run with that user's ids only, no capabilities and no
# way back to root; hand it the database it created (directory 0750, files
# 0640, owned by the user and its group) but not a directory that was
# already there; keep storing records; and stop cleanly although the
# kernel refuses to deregister an unprivileged socket.  An unknown user is
# a one-line start-up error.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

PD_USER=tacct_t$$
PD_ADDED=

need_daemon_env
if ! skipping && ! command -v useradd >/dev/null 2>&1; then
	T_SKIP="useradd not installed"
fi
skipping || need_binaries
t_setup privdrop

pd_cleanup() {
	_pd_rc=$?
	if [ -n "$D_PID" ]; then
		kill -KILL "$D_PID" 2>/dev/null
		wait "$D_PID" 2>/dev/null
		D_PID=
	fi
	[ -n "$PD_ADDED" ] && userdel "$PD_USER" 2>/dev/null
	(exit "$_pd_rc")
	t_cleanup
}
trap pd_cleanup EXIT

if ! skipping; then
	if useradd --system --no-create-home --user-group \
	    --shell /usr/sbin/nologin "$PD_USER" >"$T_TMP/useradd.out" 2>&1
	then
		PD_ADDED=1
		PD_UID=$(id -u "$PD_USER")
		PD_GID=$(id -g "$PD_USER")
	else
		T_SKIP="useradd $PD_USER failed: $(head -n 1 "$T_TMP/useradd.out")"
	fi
fi
# The user must reach its database directory below the test's own.
skipping || chmod 0711 "$T_TMP"

# start_error desc status pattern args...: taskacctd exits with status and
# one line on stderr matching pattern, and creates no database.
start_error() {
	_desc=$1 _st=$2 _pat=$3; shift 3
	if skipping; then
		t_skip "$_desc" "$T_SKIP"
		return
	fi
	"$TASKACCTD" -f -d "$T_TMP/err/e.db" "$@" >"$T_TMP/err.out" 2>&1
	_rc=$?
	_lines=$(wc -l <"$T_TMP/err.out")
	if [ "$_rc" = "$_st" ] && [ "$_lines" = 1 ] &&
	    grep -q -- "$_pat" "$T_TMP/err.out" && [ ! -e "$T_TMP/err" ]; then
		t_pass "$_desc"
	else
		t_fail "$_desc"
		diag "exit status $_rc, $_lines lines:"
		sed 's/^/#   /' "$T_TMP/err.out"
		[ -e "$T_TMP/err" ] && diag "$T_TMP/err was created"
	fi
}
start_error "unknown user: one-line error, exit 1, no database" 1 \
    '^taskacctd: no user "tacct_none'"$$"'": create it (useradd .*--user root$' \
    --user "tacct_none$$"
start_error "--user '': usage error, exit 2" 2 '--user needs a name' \
    --user ''

# status_is field expected: a line of the daemon's /proc status.
status_is() {
	_got=$(sed -n "s/^$1:[[:space:]]*//p" "/proc/$D_PID/status" |
	    tr -s ' \t' '  ' | sed 's/ *$//')
	[ "$_got" = "$2" ] && return 0
	diag "$1: expected \"$2\", got \"$_got\""
	return 1
}
# owner_mode path user:group mode
owner_mode() {
	_got=$(stat -c '%U:%G %a' "$1" 2>&1)
	[ "$_got" = "$2 $3" ] && return 0
	diag "$1: expected \"$2 $3\", got \"$_got\""
	return 1
}

T_DB=$T_TMP/acct/privdrop.db
check "taskacctd --user $PD_USER starts" d_start --user "$PD_USER"
check "real, effective, saved and fs uid are the user's" \
    status_is Uid "$PD_UID $PD_UID $PD_UID $PD_UID"
check "all gids are the user's group" \
    status_is Gid "$PD_GID $PD_GID $PD_GID $PD_GID"
check "no supplementary group but its own" status_is Groups "$PD_GID"
check "no effective capability (CapEff 0)" \
    status_is CapEff 0000000000000000
check "no permitted capability (CapPrm 0)" \
    status_is CapPrm 0000000000000000
check "no ambient capability (CapAmb 0)" \
    status_is CapAmb 0000000000000000
check "no new privileges through exec" status_is NoNewPrivs 1
check "the database directory it created: the user's, 0750" \
    owner_mode "$T_TMP/acct" "$PD_USER:$PD_USER" 750
for f in privdrop.db privdrop.db-wal privdrop.db-shm; do
	check "$f: the user's, 0640" \
	    owner_mode "$T_TMP/acct/$f" "$PD_USER:$PD_USER" 640
done

# Records are still stored after the switch.
if active; then
	wl storm storm 300 "$T_TMP/pids"
	sleep 0.3	# one flush interval
fi
R=${RUN_ID:-0}
parent=$(kv "$T_TMP/storm.out" parent 2>/dev/null)
sq() {
	q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
	    -cmd ".import '$T_TMP/pids' s" "$@"
}
if skipping; then
	t_skip "every pid of a storm after the switch is stored" "$T_SKIP"
elif broken; then
	t_fail "every pid of a storm after the switch is stored"
else
	got=$(sq "SELECT count(*), sum(NOT EXISTS (SELECT 1 FROM tasks t
	    WHERE t.ac_pid = s.pid AND t.kind = 0 AND t.run_id = $R AND
	    t.ac_ppid = ${parent:-0})) FROM s" 2>&1)
	if [ "$got" = "300|0" ]; then
		t_pass "every pid of a storm after the switch is stored"
	else
		t_fail "every pid of a storm after the switch is stored"
		diag "pids|missing: $got"
	fi
fi

# Stopped in the middle of a storm: the kernel refuses to deregister
# (EPERM, no CAP_NET_ADMIN left); the stop must still end, cleanly.
if active; then
	"$WORKLOAD" storm 20000 /dev/null >/dev/null 2>&1 &
	storm_pid=$!
	sleep 0.5
fi
check "SIGTERM mid-storm as the user: exit 0" d_stop
if active; then
	kill "$storm_pid" 2>/dev/null
	wait "$storm_pid" 2>/dev/null
fi
sql_is "the run ended clean, with no loss" "1|0" \
    "SELECT clean, (SELECT coalesce(sum(records), 0) FROM losses
     WHERE run_id = $R) FROM runs WHERE id = $R" "SELECT * FROM losses"
check "no warning about deregistering (refused: debug level)" \
    eval '! grep -q deregistering "$T_LOG"'

# A directory that was there before is not given away.
if ! skipping; then
	mkdir -m 0750 "$T_TMP/pre"
fi
T_DB=$T_TMP/pre/privdrop.db
check "taskacctd --user in an existing directory starts" \
    d_start --user "$PD_USER"
check "the existing directory stays root's" \
    owner_mode "$T_TMP/pre" root:root 750
check "the database in it is the user's" \
    owner_mode "$T_DB" "$PD_USER:$PD_USER" 640
check "a warning says the directory was left to its owner" \
    grep -q "pre: directory not created by taskacctd" "$T_LOG"
check "runs as the user there too" \
    status_is Uid "$PD_UID $PD_UID $PD_UID $PD_UID"
check "taskacctd exits 0 on SIGTERM" d_stop

# --user root: no switch.
T_DB=$T_TMP/root/privdrop.db
check "taskacctd --user root starts" d_start --user root
check "--user root stays root" status_is Uid "0 0 0 0"
check "taskacctd --user root exits 0 on SIGTERM" d_stop

t_done
