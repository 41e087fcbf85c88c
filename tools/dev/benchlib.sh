# shellcheck shell=sh
# benchlib.sh: sourced by the bench scripts (sh or bash) for what they all
# do before and around a measurement: refuse to run without what they
# need, start taskacctd and tools/dev/holdthreads and wait until they are
# ready, and read a process's CPU time.
#
#   die MESSAGE         "NAME: MESSAGE" on stderr and exit 2; NAME is
#                       $BENCH_NAME, default the script's name (bench-x)
#   need_root [WHY]     die "needs root (WHY)" unless root
#   need_cmds CMD...    die "needs CMD" for the first one not installed
#   need_built HINT PROG...
#                       die "PROG is not built (HINT)" for the first one
#                       not executable (no parentheses when HINT is "")
#   need_numbers V...   die "settings must be whole numbers: V"
#   bench_daemon_start DB [ARGS...]
#                       $TASKACCTD -f -d DB ARGS in the background, its
#                       stderr in $TMP/daemon.log; sets D_PID; returns
#                       once its runs row is in, dies (with the log) if
#                       it exits or is not ready within 20 s
#   hold_start N        $HOLD (tools/dev/holdthreads) holding N threads,
#                       its output in $TMP/hold.out; sets H_PID; status 1
#                       when it is not ready within 60 s
#   threads_cpu_us PID  CPU of all of PID's threads in microseconds: the
#                       scheduler's exact runtime when available, else
#                       utime + stime in clock ticks
BENCH_NAME=${BENCH_NAME:-$(basename "$0" .sh)}

die() {
	echo "$BENCH_NAME: $*" >&2
	exit 2
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "needs root${1:+ ($1)}"
}

need_cmds() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null || die "needs $_c"
	done
}

need_built() {
	_hint=$1; shift
	for _b in "$@"; do
		[ -x "$_b" ] || die "$_b is not built${_hint:+ ($_hint)}"
	done
}

need_numbers() {
	for _v in "$@"; do
		case $_v in ''|*[!0-9]*) die "settings must be whole numbers: $_v" ;;
		esac
	done
}

bench_daemon_start() {
	_bd_db=$1; shift
	"$TASKACCTD" -f -d "$_bd_db" "$@" 2>"$TMP/daemon.log" &
	D_PID=$!
	_t=0
	until [ -s "$_bd_db" ] && [ -n "$(sqlite3 -cmd '.timeout 2000' "$_bd_db" \
	    "SELECT id FROM runs WHERE daemon_pid = $D_PID" 2>/dev/null)" ]; do
		kill -0 "$D_PID" 2>/dev/null ||
		    { cat "$TMP/daemon.log" >&2; die "taskacctd died"; }
		_t=$((_t + 1))
		[ $_t -lt 200 ] || die "taskacctd not ready after 20 s"
		sleep 0.1
	done
}

hold_start() {
	"$HOLD" "$1" >"$TMP/hold.out" 2>&1 &
	# shellcheck disable=SC2034	# the caller's, to stop it
	H_PID=$!
	_i=0
	while [ $_i -lt 600 ] && ! grep -q '^ready' "$TMP/hold.out"; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q '^ready' "$TMP/hold.out"
}

threads_cpu_us() {
	if [ -r "/proc/$1/schedstat" ]; then
		cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		    awk '{ s += $1 } END { printf "%.0f\n", s / 1000 }'
	else
		sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$(getconf \
		    CLK_TCK)" '{ printf "%.0f\n", ($12 + $13) * 1e6 / hz }'
	fi
}
