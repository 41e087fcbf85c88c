#!/bin/sh
# cpulist.sh: one CPU-list grammar.  taskacctd --cpus and taskstorm -c
# parse with the same code (src/cpulist.c, unit-tested in
# tests/unit_cpulist.c), so a list one refuses the other refuses too, with
# a clear error, and neither starts anything.  TASKACCTD and STORM name
# other binaries (e.g. a base build's).
cd "$(dirname "$0")/.." || exit 1

TASKACCTD=${TASKACCTD:-./taskacctd}
STORM=${STORM:-tools/dev/taskstorm}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Malformed for the kernel's format: a sign, spaces, empty items, a range
# without an end or going down, the kernel's stride syntax, too large.
for list in "+0" " 0" "0 " "0," ",0" "0-" "3-1" "0-1:1/2" "1x" "8192"; do
	"$STORM" -c "$list" -n 1 >/dev/null 2>"$tmp/storm.err"
	rc=$?
	if [ "$rc" -eq 2 ] &&
	    head -n 1 "$tmp/storm.err" | grep -q "bad CPU list"; then
		ok "taskstorm -c '$list' is refused"
	else
		not_ok "taskstorm -c '$list' is refused"
		echo "# exit $rc"; head -n 1 "$tmp/storm.err" | sed 's/^/# /'
	fi
	timeout 10 "$TASKACCTD" -f --cpus "$list" -d "$tmp/t.db" \
	    >/dev/null 2>"$tmp/d.err"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "bad CPU list" "$tmp/d.err" &&
	    [ ! -e "$tmp/t.db" ]; then
		ok "taskacctd --cpus '$list' is refused, no database made"
	else
		not_ok "taskacctd --cpus '$list' is refused, no database made"
		echo "# exit $rc"; sed 's/^/# /' "$tmp/d.err"
	fi
done

# Well-formed: taskstorm takes it (CPU 0 always exists).
for list in "0" "0-0" "0,0"; do
	if "$STORM" -c "$list" -n 1 >/dev/null 2>"$tmp/storm.err"; then
		ok "taskstorm -c '$list' runs"
	else
		not_ok "taskstorm -c '$list' runs"
		sed 's/^/# /' "$tmp/storm.err"
	fi
done

echo "1..$n"
[ "$failed" -eq 0 ]
