#!/bin/sh
# tsan.sh: the concurrent code under ThreadSanitizer (clang; mk/tsan.mk
# builds build/tsan/): the queue's two-thread stress test, the writer's
# retry tests, and a short run of the daemon through a small mixed storm
# (forks, execs, threads) with a SIGHUP in the middle, so that the
# socket-draining thread, the queue, the writer thread and its reopen flag
# all run together.
#
# Every program stops at its first report (halt_on_error=1) and writes it
# to a private directory (log_path), so a race is seen even where only an
# exit status is looked at; the last check says no report was written.
# Without clang every check is reported as skipped.
#
# TSan maps its shadow memory at fixed addresses; with more address-space
# randomisation than it expects (vm.mmap_rnd_bits > 28 on newer kernels,
# with clang before 18) a program dies at once with "FATAL:
# ThreadSanitizer: unexpected memory mapping".  A first probe detects that
# and the script then runs itself again under `setarch -R` (randomisation
# off for it and its children), the usual work-around.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TSAN_CC=${TSAN_CC:-clang}
TSAN_DIR=build/tsan
TASKACCTD=$TSAN_DIR/taskacctd
STORM=tools/dev/taskstorm
STORM_N=${STORM_N:-600}
export CMOCKA_MESSAGE_OUTPUT=TAP

SUITES="unit_queue unit_writer"
DESCS="ThreadSanitizer build ($TSAN_CC, $TSAN_DIR)"
for s in $SUITES; do
	DESCS="$DESCS|$s under TSan"
done
DESCS="$DESCS|taskacctd under TSan starts|$STORM_N-task storm and a SIGHUP \
under TSan|taskacctd under TSan exits 0|storm recorded under TSan, no loss\
|no ThreadSanitizer report"

# skip_rest reason: every check not yet reported is skipped.
skip_rest() {
	_ifs=$IFS; IFS='|'; _i=0
	for _d in $DESCS; do
		_i=$((_i + 1))
		[ "$_i" -gt "$T_N" ] && t_skip "$_d" "$1"
	done
	IFS=$_ifs
	t_done
	exit
}

command -v "$TSAN_CC" >/dev/null 2>&1 || skip_rest "$TSAN_CC not installed"

t_setup tsan
mkdir "$T_TMP/reports" && chmod 755 "$T_TMP" && chmod 1777 "$T_TMP/reports" ||
    exit 1

# A no-op under `make check` (CHECK_DEPS built them); needed when run alone.
# The parent make's jobserver is not ours to use.  Reported after the
# probe below, which may run the script again.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s tsan \
    "$STORM" >"$T_TMP/build.log" 2>&1; then
	:
else
	t_fail "ThreadSanitizer build ($TSAN_CC, $TSAN_DIR)"
	diag_file "$T_TMP/build.log" 30
	t_done
	exit 1
fi

# The memory-mapping probe (see the top): once, then run again if needed.
if "$TASKACCTD" --help >"$T_TMP/probe.out" 2>&1
then
	:
elif grep -q 'unexpected memory mapping' "$T_TMP/probe.out"; then
	if [ -z "${TSAN_SETARCH:-}" ] && command -v setarch >/dev/null 2>&1
	then
		diag "TSan cannot map its shadow memory with address-space" \
		    "randomisation on (vm.mmap_rnd_bits $(sysctl -n \
		    vm.mmap_rnd_bits 2>/dev/null)): running under setarch -R"
		rm -rf "$T_TMP"
		trap - EXIT
		TSAN_SETARCH=1 exec setarch "$(uname -m)" -R sh "$0"
	fi
	t_pass "ThreadSanitizer build ($TSAN_CC, $TSAN_DIR)"
	skip_rest "TSan cannot map its shadow memory here (vm.mmap_rnd_bits,
	    and no setarch -R)"
fi
t_pass "ThreadSanitizer build ($TSAN_CC, $TSAN_DIR)"

TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
TSAN_OPTIONS="$TSAN_OPTIONS:log_path=$T_TMP/reports/tsan"
export TSAN_OPTIONS

# suite name: run a TAP-printing unit test, report it as one line.
suite() {
	_out=$T_TMP/$1.out
	"$TSAN_DIR/$1" >"$_out" 2>&1
	_rc=$?
	_p=$(grep -c '^ok ' "$_out")
	_f=$(grep -c '^not ok ' "$_out")
	if [ "$_rc" -eq 0 ] && [ "$_f" -eq 0 ] && [ "$_p" -gt 0 ]; then
		t_pass "$1 under TSan ($_p checks passed)"
	else
		t_fail "$1 under TSan (exit $_rc, $_f of $((_p + _f)) checks \
failed)"
		{ grep -A 6 '^not ok ' "$_out"; echo "--- last lines:";
		    tail -n 20 "$_out"; } | head -n 60 | sed 's/^/# /'
	fi
}

for s in $SUITES; do
	suite "$s"
done

# The daemon, its storm and a reopen in the middle of it.
need_daemon_env
skipping || need_binaries
check "taskacctd under TSan starts" d_start
storm() {
	"$STORM" -m mix -w 2 -n "$STORM_N" >"$T_TMP/storm.out" 2>&1 &
	_sp=$!
	sleep 0.4
	kill -HUP "$D_PID"
	wait "$_sp" || return 1
	sleep 0.5	# past a flush interval (slower under TSan)
	d_alive
}
check "$STORM_N-task storm and a SIGHUP under TSan" storm
active && diag "storm: $(tr '\n' ' ' <"$T_TMP/storm.out")"
check "taskacctd under TSan exits 0" d_stop
if active; then
	created=$(kv "$T_TMP/storm.out" created)
	R=${RUN_ID:-0}
	rows=$(q "SELECT count(*) FROM tasks WHERE run_id = $R AND kind = 0")
	lost=$(q "SELECT count(*) FROM losses WHERE run_id = $R")
fi
ok_if "storm recorded under TSan, no loss" \
    '[ "${rows:-0}" -ge "${created:-1}" ] && [ "$lost" = 0 ]' \
    "created $created, thread rows $rows, loss rows $lost"

# Reports from anything under TSan, the daemon's included.
reports=$(find "$T_TMP/reports" -type f | sort)
if [ -z "$reports" ]; then
	t_pass "no ThreadSanitizer report"
else
	t_fail "no ThreadSanitizer report"
	for r in $reports; do
		echo "# --- $r"
		head -n 60 "$r" | sed 's/^/#   /'
	done
fi
t_done
