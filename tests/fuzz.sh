#!/bin/sh
# fuzz.sh: replays the fuzzing corpus (tests/corpus/NAME/) through each
# harness (tests/fuzz_NAME.c), built without libFuzzer as
# build/fuzz_replay_NAME (mk/fuzz.mk), so every input the fuzzer ever kept,
# and every crash it found once, is run again by `make check`.
#
# One TAP line per corpus.  The harnesses abort on any broken promise;
# under valgrind (when installed) an invalid read fails the replay too.
cd "$(dirname "$0")/.." || exit 1

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

VG=
if command -v valgrind >/dev/null 2>&1; then
	VG="valgrind -q --error-exitcode=99 --num-callers=30"
fi
out=$(mktemp "${TMPDIR:-/tmp}/taskacct-fuzz.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

for h in tests/fuzz_*.c; do
	name=${h#tests/fuzz_}
	name=${name%.c}
	[ "$name" = replay ] && continue
	bin=build/fuzz_replay_$name
	dir=tests/corpus/$name
	desc="$name corpus replayed without a crash${VG:+ (under valgrind)}"
	if [ ! -x "$bin" ]; then
		not_ok "$desc: $bin is not built (make $bin)"
		continue
	fi
	if [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		not_ok "$desc: $dir is missing or empty"
		continue
	fi
	# shellcheck disable=SC2086
	if $VG "$bin" "$dir" >"$out" 2>&1; then
		ok "$desc: $(sed -n 's/^replayed //p' "$out")"
	else
		not_ok "$desc"
		tail -n 40 "$out" | sed 's/^/# /'
	fi
done
[ "$n" -gt 0 ] || not_ok "a fuzz harness exists (tests/fuzz_*.c)"
echo "1..$n"
[ "$failed" -eq 0 ]
