#!/bin/sh
# duration.sh: taskacctd and taskacct read one duration grammar
# (src/duration.c): every duration the query tool takes, the daemon's
# --retain takes too (a bare number is seconds to the one, days to the
# other), and both refuse the same bad ones with one line.  The daemon
# only parses: --help after --retain exits before anything is opened.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
t_setup duration

for b in "$TASKACCTD" "$TASKACCT"; do
	if [ ! -x "$b" ]; then
		t_fail "$b is built"
		t_done
		exit 1
	fi
done
have_db=
if command -v sqlite3 >/dev/null 2>&1 &&
    sqlite3 "$T_TMP/e.db" <build/sql/schema.sql >/dev/null 2>&1; then
	have_db=1
fi

for d in 90min 1h30m "1h 30min" 12h 2w 1.5d 30s 500ms 7d; do
	if "$TASKACCTD" --retain "$d" --help >/dev/null 2>"$T_TMP/err"; then
		t_pass "taskacctd --retain '$d' is accepted"
	else
		t_fail "taskacctd --retain '$d' is accepted"
		diag_file "$T_TMP/err"
	fi
	if [ -z "$have_db" ]; then
		t_skip "taskacct --min-duration '$d' is accepted" "no sqlite3"
	elif "$TASKACCT" --db "$T_TMP/e.db" last --min-duration "$d" \
	    >/dev/null 2>"$T_TMP/err"; then
		t_pass "taskacct --min-duration '$d' is accepted"
	else
		t_fail "taskacct --min-duration '$d' is accepted"
		diag_file "$T_TMP/err"
	fi
done

for d in 0 -1 3x 1h2 "" 36601d 5300w; do
	"$TASKACCTD" --retain "$d" --help >"$T_TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T_TMP/out")" -eq 1 ]; then
		t_pass "taskacctd --retain '$d' is refused with one line"
	else
		t_fail "taskacctd --retain '$d' is refused with one line"
		diag "exit $rc"; diag_file "$T_TMP/out"
	fi
done
t_done
