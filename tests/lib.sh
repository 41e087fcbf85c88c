# lib.sh: helpers shared by the end-to-end shell tests (POSIX sh, sourced).
#
# TAP output: every check prints "ok N - desc" or "not ok N - desc" with
# "# " diagnostics; when the environment cannot run a test (not root, not in
# the initial namespaces, no sqlite3) every check prints "ok N - desc # SKIP
# reason" instead, so the tests stay visible.  The daemon runs in the
# foreground on a database in a private temporary directory; an EXIT trap
# always stops it and removes the directory (kept when KEEP=1 or on failure
# with KEEP_FAILED=1).

TASKACCTD=${TASKACCTD:-./taskacctd}
WORKLOAD=${WORKLOAD:-tests/workload}
INIT_PIDNS_INO=4026531836
INIT_USERNS_INO=4026531837
READY_TIMEOUT_S=${READY_TIMEOUT_S:-10}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-20}

T_N=0
T_FAILED=0
T_SKIP=
T_BROKEN=
T_TMP=
T_DB=
T_LOG=
D_PID=
D_STATUS=
RUN_ID=
T_PIDS=		# helpers a test started: SIGTERM at exit, before the daemon stops

# --- TAP -------------------------------------------------------------------

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

diag_file() {	# file [lines]
	[ -f "$1" ] || return 0
	echo "# --- last ${2:-20} lines of $(basename "$1"):"
	tail -n "${2:-20}" "$1" | sed 's/^/#   /'
}

t_pass() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

t_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
}

t_skip() {	# desc reason
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# skipping: true when the checks are to be reported as skipped.
skipping() {
	[ -n "$T_SKIP" ]
}

# broken: true once the daemon failed to start; later checks then fail
# without running (the reason was printed once, where it happened).
broken() {
	[ -n "$T_BROKEN" ]
}

# active: the checks really run (neither skipped nor broken).
active() {
	! skipping && ! broken
}

# check desc command...: passes when the command succeeds.
check() {
	_desc=$1; shift
	if skipping; then
		t_skip "$_desc" "$T_SKIP"
	elif broken; then
		t_fail "$_desc"
	elif "$@"; then
		t_pass "$_desc"
	else
		t_fail "$_desc"
	fi
}

t_done() {
	echo "1..$T_N"
	if [ "$T_FAILED" -gt 0 ]; then
		diag "$T_FAILED of $T_N checks failed"
		broken && diag "taskacctd did not start: nothing was checked"
		[ -n "$T_LOG" ] && diag_file "$T_LOG" 30
		return 1
	fi
	return 0
}

# --- environment -----------------------------------------------------------

ns_inode() {
	stat -L -c %i "/proc/self/ns/$1" 2>/dev/null
}

# Sets T_SKIP to the reason the e2e tests cannot run here, if any.
need_daemon_env() {
	if [ "$(id -u)" -ne 0 ]; then
		T_SKIP="needs root (CAP_NET_ADMIN for taskstats)"
	elif [ "$(ns_inode pid)" != "$INIT_PIDNS_INO" ]; then
		T_SKIP="not in the initial pid namespace"
	elif [ "$(ns_inode user)" != "$INIT_USERNS_INO" ]; then
		T_SKIP="not in the initial user namespace"
	elif ! command -v sqlite3 >/dev/null 2>&1; then
		T_SKIP="sqlite3 command-line tool not installed"
	fi
}

# Sets T_SKIP unless taskset and a second CPU are there (tests that pin
# the daemon and a storm to different CPUs).
need_second_cpu() {
	skipping && return 0
	if ! command -v taskset >/dev/null 2>&1; then
		T_SKIP="taskset (util-linux) not installed"
	elif [ ! -d /sys/devices/system/cpu/cpu1 ]; then
		T_SKIP="needs a second CPU"
	fi
}

# Fails the whole script when the programs under test are not built.
need_binaries() {	# [more programs the test runs]
	for _b in "$TASKACCTD" "$WORKLOAD" "$@"; do
		if [ ! -x "$_b" ]; then
			t_fail "$_b is built (run make taskacctd $WORKLOAD $*)"
			t_done
			exit 1
		fi
	done
}

# wait_for secs condition: poll the shell condition every 0.1 s, for at
# most secs; its last status is returned.
wait_for() {
	_n=$(($1 * 10)) _i=0
	while [ $_i -lt $_n ] && ! eval "$2"; do
		sleep 0.1; _i=$((_i + 1))
	done
	eval "$2"
}

t_setup() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/taskacct-test.XXXXXX") || exit 1
	T_DB=$T_TMP/$1.db
	T_LOG=$T_TMP/taskacctd.log
	trap t_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}

t_cleanup() {
	_rc=$?
	for _p in $T_PIDS; do
		kill -TERM "$_p" 2>/dev/null
	done
	if [ -n "$D_PID" ] && kill -0 "$D_PID" 2>/dev/null; then
		kill -TERM "$D_PID" 2>/dev/null
		_i=0
		while [ $_i -lt 50 ] && d_alive; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$D_PID" 2>/dev/null
		wait "$D_PID" 2>/dev/null
	fi
	if [ -n "$T_TMP" ]; then
		if [ "${KEEP:-0}" = 1 ] ||
		    { [ "${KEEP_FAILED:-0}" = 1 ] && [ "$T_FAILED" -gt 0 ]; }; then
			diag "kept $T_TMP"
		else
			rm -rf "$T_TMP" "tests/out/tmp/$(basename "$T_TMP")"
		fi
	fi
	exit $_rc
}

# A directory for files whose writes must reach a disk (not tmpfs).
disk_dir() {
	case $(stat -f -c %T "$T_TMP" 2>/dev/null) in
	tmpfs|ramfs)
		_d=$PWD/tests/out/tmp/$(basename "$T_TMP")
		mkdir -p "$_d" && echo "$_d"
		;;
	*)
		echo "$T_TMP"
		;;
	esac
}

# ok_if desc condition [diag lines...]: a check on a shell condition,
# evaluated only when the test can run.
ok_if() {
	_d=$1 _c=$2; shift 2
	if skipping; then
		t_skip "$_d" "$T_SKIP"
	elif broken; then
		t_fail "$_d"
	elif eval "$_c"; then
		t_pass "$_d"
	else
		t_fail "$_d"
		[ $# -gt 0 ] && diag "$@"
	fi
}

# --- SQL -------------------------------------------------------------------

# q sql...: one query on the test database, rows as a|b|c lines.
q() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$T_DB" "$@"
}

# sql_is desc expected sql [diag-sql]: the query prints exactly "expected".
sql_is() {
	_desc=$1 _exp=$2 _sql=$3 _dsql=${4:-}
	if skipping; then
		t_skip "$_desc" "$T_SKIP"
		return 0
	elif broken; then
		t_fail "$_desc"
		return 1
	fi
	_got=$(q "$_sql" 2>&1)
	if [ "$_got" = "$_exp" ]; then
		t_pass "$_desc"
		return 0
	fi
	t_fail "$_desc"
	diag "query: $_sql" "expected: $_exp" "got: $_got"
	if [ -n "$_dsql" ]; then
		diag "related rows:"
		q -header "$_dsql" 2>&1 | head -n 20 | sed 's/^/#   /'
	fi
	return 1
}

# Columns of one task row for diagnostics.
task_diag() {	# where-clause
	echo "SELECT id, run_id, kind, task_id, link_id, ts_len, version, \
ac_pid, ac_ppid, ac_tgid, ac_comm, ac_exitcode, ac_flag, ac_etime, ac_utime, \
ac_stime, write_bytes FROM tasks WHERE $1 LIMIT 20"
}

# --- the daemon ------------------------------------------------------------

# d_alive: the daemon process exists and is not a zombie.
d_alive() {
	[ -n "$D_PID" ] || return 1
	_st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' \
	    "/proc/$D_PID/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# d_start [args...]: start taskacctd on $T_DB, wait until its runs row is
# committed.  Sets D_PID and RUN_ID; returns 1 (with diagnostics) if the
# daemon dies or is not ready within READY_TIMEOUT_S.
d_start() {
	skipping && return 0
	# TASKACCTD_ARGS: extra options, split on blanks (for experiments)
	# shellcheck disable=SC2086
	# --user root: the test's temporary directory stays root's (a test
	# that drops privileges passes its own --user; the last one wins).
	"$TASKACCTD" -f -d "$T_DB" --user root ${TASKACCTD_ARGS:-} "$@" \
	    >>"$T_LOG" 2>&1 &
	D_PID=$!
	_t=0
	while [ $_t -lt $((READY_TIMEOUT_S * 10)) ]; do
		if ! d_alive; then
			wait "$D_PID"
			D_STATUS=$?
			diag "taskacctd exited with status $D_STATUS while starting"
			diag_file "$T_LOG"
			D_PID=
			T_BROKEN=1
			return 1
		fi
		if [ -s "$T_DB" ]; then
			RUN_ID=$(q "SELECT id FROM runs WHERE daemon_pid = $D_PID \
AND stop_time IS NULL ORDER BY id DESC LIMIT 1" 2>/dev/null)
			[ -n "$RUN_ID" ] && return 0
		fi
		sleep 0.1
		_t=$((_t + 1))
	done
	diag "taskacctd (pid $D_PID) not ready after ${READY_TIMEOUT_S}s"
	diag_file "$T_LOG"
	T_BROKEN=1
	return 1
}

# d_stop [SIG]: send SIG (default TERM), wait up to STOP_TIMEOUT_S, set
# D_STATUS (exit status; 128+n if killed by signal n; "timeout" if it had
# to be killed).
d_stop() {
	skipping && return 0
	[ -n "$D_PID" ] || { D_STATUS=none; return 1; }
	if ! d_alive; then
		diag "taskacctd died before it was told to stop"
	fi
	kill -"${1:-TERM}" "$D_PID" 2>/dev/null
	_t=0
	while d_alive && [ $_t -lt $((STOP_TIMEOUT_S * 10)) ]; do
		sleep 0.1
		_t=$((_t + 1))
	done
	if d_alive; then
		diag "taskacctd did not exit ${STOP_TIMEOUT_S}s after SIG${1:-TERM}"
		kill -KILL "$D_PID" 2>/dev/null
		wait "$D_PID"
		D_STATUS=timeout
	else
		wait "$D_PID"
		D_STATUS=$?
	fi
	D_PID=
	[ "$D_STATUS" = 0 ] || diag_file "$T_LOG"
	[ "$D_STATUS" = 0 ]
}

# --- the daemon's privileged children ---------------------------------------

# child_named pid comm: the pid of pid's child named comm (taskacctd-priv:
# the sampler's, taskacctd-ident: the identity reader), if any.
child_named() {
	for _c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$_c/comm" 2>/dev/null)" = "$2" ] &&
		    echo "$_c"
	done
}

# proc_caps pid: CapEff CapPrm CapBnd NoNewPrivs Uid (real) of a process.
proc_caps() {
	awk '/^CapEff:|^CapPrm:|^CapBnd:|^NoNewPrivs:/ { printf "%s ", $2 }
	    /^Uid:/ { u = $2 } END { print u }' "/proc/$1/status"
}

# root_and_nobody_exit tok code_root code_nobody: a root and a nobody
# /bin/sh exit (argv[0] tok-root, tok-nobody), waited for in run $RUN_ID.
root_and_nobody_exit() {
	active || return 0
	/bin/sh -c "exit $2" "$1-root"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    /bin/sh -c "exit $3" "$1-nobody"
	wait_for 10 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 AND \
run_id = $RUN_ID AND ac_exitcode IN ($(($2 * 256)), $(($3 * 256)))\")\" -ge 2 ]"
}

# --- workload output -------------------------------------------------------

# kv file key: the first value of key=value in a workload's output.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# wl name args...: run the workload, output in $T_TMP/name.out; a failure
# is reported by the checks that depend on it, with this diagnostic.
wl() {
	_name=$1; shift
	wlc "$_name" "$WORKLOAD" "$@"
}

# wlc name command...: the same for a command wrapping the workload.
wlc() {
	skipping || broken && return 0
	_name=$1; shift
	if ! "$@" >"$T_TMP/$_name.out" 2>"$T_TMP/$_name.err"; then
		diag "workload $* failed:"
		sed 's/^/#   /' "$T_TMP/$_name.out" "$T_TMP/$_name.err"
		return 1
	fi
}

# --- crafted databases (no daemon) ------------------------------------------

# crafted_setup name desc: for a test of the query tool on rows it writes
# itself.  Sets T (the taskacct to test), TMP (a private directory removed
# at exit) and DB ($TMP/name.db, empty: load build/sql/schema.sql, the
# schema this build writes, then the rows); runs in UTC with no TASKACCT_*
# from the caller.  Without sqlite3 it reports desc skipped and exits.
crafted_setup() {
	T=${TASKACCT:-./taskacct}
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/taskacct-$1.XXXXXX") || exit 1
	trap 'rm -rf "$TMP"' EXIT
	DB=$TMP/$1.db
	n=0 failed=0
	export TZ=UTC
	unset TASKACCT_NOW TASKACCT_DB
	if ! command -v sqlite3 >/dev/null 2>&1; then
		echo "ok 1 - $2 # SKIP sqlite3 is not installed"
		echo "1..1"
		exit 0
	fi
}

# crafted_ok status desc: a check passed when status is 0; a failure shows
# the last command's $TMP/out and $TMP/err.
crafted_ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		sed 's/^/#   /' "$TMP/out" "$TMP/err" 2>/dev/null | head -n 20
	fi
}

# crafted_done: the plan line and the exit status.
crafted_done() {
	echo "1..$n"
	[ "$failed" = 0 ]
}
