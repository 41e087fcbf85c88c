#!/bin/sh
# sanitize.sh: the unit, end-to-end and CLI tests again, on builds made with
# AddressSanitizer + UndefinedBehaviorSanitizer (clang; mk/sanitize.mk puts
# them in build/asan/).
#
# Prints one TAP line per suite (the suite's own lines become diagnostics
# when it fails), then one saying no sanitizer wrote a report.  Every
# sanitized program writes its reports to a private directory (log_path),
# so an error is seen even where a test only looks at exit statuses or
# where a child's stderr is thrown away; leaks are checked at each exit
# (LeakSanitizer).  Without clang every line is reported as skipped.
cd "$(dirname "$0")/.." || exit 1

SAN_CC=${SAN_CC:-clang}
SAN_DIR=build/asan

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
}

SUITES=
for c in tests/unit_*.c; do
	SUITES="$SUITES $(basename "$c" .c)"
done
SUITES="$SUITES e2e cli"

if ! command -v "$SAN_CC" >/dev/null 2>&1; then
	skip "ASan+UBSan build" "$SAN_CC not installed"
	for s in $SUITES; do
		skip "$s under ASan+UBSan" "$SAN_CC not installed"
	done
	skip "no sanitizer report" "$SAN_CC not installed"
	finish
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/taskacct-asan.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Reports of a daemon that gave up root must still be written.
mkdir "$T/reports" && chmod 755 "$T" && chmod 1777 "$T/reports" || exit 1

# A no-op under `make check` (CHECK_DEPS built them); needed when run alone.
# The parent make's jobserver is not ours to use.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s sanitize \
    >"$T/build.log" 2>&1; then
	ok "ASan+UBSan build ($SAN_CC, $SAN_DIR)"
else
	not_ok "ASan+UBSan build ($SAN_CC, $SAN_DIR)"
	tail -n 30 "$T/build.log" | sed 's/^/# /'
	finish
fi

ASAN_OPTIONS="log_path=$T/reports/asan:detect_leaks=1:strict_string_checks=1"
ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
UBSAN_OPTIONS="log_path=$T/reports/ubsan:print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS UBSAN_OPTIONS
export CMOCKA_MESSAGE_OUTPUT=TAP

# suite name command...: run a TAP-printing suite, report it as one line.
suite() {
	name=$1; shift
	out=$T/$name.out
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$out")
	f=$(grep -c '^not ok ' "$out")
	desc="$name under ASan+UBSan"
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ] &&
	    [ "$s" -eq "$p" ]; then
		skip "$desc" "$(sed -n 's/.*# [Ss][Kk][Ii][Pp] //p' "$out" |
		    head -n 1)"
	elif [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
		ok "$desc ($((p - s)) checks passed, $s skipped)"
	else
		not_ok "$desc (exit $rc, $f of $((p + f)) checks failed)"
		{ grep -A 6 '^not ok ' "$out"; echo "--- last lines:";
		    tail -n 20 "$out"; } | head -n 60 | sed 's/^/# /'
	fi
}

for s in $SUITES; do
	case $s in
	e2e)	suite e2e env TASKACCTD=$SAN_DIR/taskacctd sh tests/e2e.sh ;;
	cli)	suite cli env TASKACCT_BIN=$SAN_DIR/taskacct sh tests/cli.sh ;;
	*)	suite "$s" "$SAN_DIR/$s" ;;
	esac
done

# Reports from anything sanitized, including children and daemons.
reports=$(find "$T/reports" -type f | sort)
if [ -z "$reports" ]; then
	ok "no sanitizer report"
else
	not_ok "no sanitizer report"
	for r in $reports; do
		echo "# --- $r"
		head -n 40 "$r" | sed 's/^/#   /'
	done
fi
finish
