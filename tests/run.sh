#!/bin/sh
# run.sh: runs every test of `make check` and prints the closing tally.
#
# Each test program prints TAP lines ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason"); cmocka does so with CMOCKA_MESSAGE_OUTPUT=TAP.
# A program that exits non-zero without reporting a failure counts as one
# failure, so a crash can never pass.
cd "$(dirname "$0")/.." || exit 1
mkdir -p tests/out
export CMOCKA_MESSAGE_OUTPUT=TAP

pass=0 fail=0 skip=0
run_one() {
	name=$1; shift
	log=tests/out/$name.log
	echo "== $name"
	# A hang (e.g. a decoder loop) must fail, not stall make check.
	timeout "${TEST_TIMEOUT:-900}" "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ $((p + f)) -eq 0 ]; then
		echo "not ok - $name reported no test"
		f=1
	fi
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
}

# Unit test programs (tests/unit_*.c), then every shell test but the
# helpers, in name order.
for c in tests/unit_*.c; do
	t=${c%.c}
	run_one "$(basename "$t")" "$t"
done
for t in tests/*.sh; do
	case $t in tests/run.sh|tests/lib.sh) continue ;; esac
	run_one "$(basename "$t" .sh)" sh "$t"
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
