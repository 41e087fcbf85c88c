#!/bin/sh
# cli_e2e.sh: the query tool on what the recorder really wrote.  Starts
# taskacctd on a fresh database, runs a short-lived process (tests/workload
# forks a child that sleeps, and prints the child's pid and its own), stops
# the daemon, then checks that `last`, `short` and `tree` find the child by
# its pid, with its parent, and that `last --exe` finds it by the
# workload's executable.  Needs root in the initial namespaces; elsewhere
# every check is reported as skipped.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
SLEEP_MS=100

need_daemon_env
skipping || need_binaries "$TASKACCT"
t_setup cli_e2e
unset TASKACCT_NOW TASKACCT_DB
TZ=UTC
export TZ

check "taskacctd starts" d_start
wl sleep sleep "$SLEEP_MS"
check "taskacctd stops cleanly" d_stop

pid=0 parent=0
if active; then
	pid=$(kv "$T_TMP/sleep.out" pid)
	parent=$(kv "$T_TMP/sleep.out" parent)
fi

# ta ARGS...: the tool on the test database, machine output, no header.
ta() {
	"$TASKACCT" --db "$T_DB" --no-header "$@" 2>"$T_TMP/ta.err"
}

# The line of the child in `last`: its pid and its parent, exit 0.
last_finds() {
	ta --format csv last --pid "$pid" >"$T_TMP/last.csv" || return 1
	awk -F, -v p="$pid" -v pp="$parent" '$2 == p && $3 == pp &&
	    $6 == 0 && $7 == 0 { n++ } END { exit n != 1 }' "$T_TMP/last.csv" &&
	    return 0
	diag "last --pid $pid (want ppid $parent):"
	sed 's/^/#   /' "$T_TMP/last.csv" "$T_TMP/ta.err"
	return 1
}

# Lived SLEEP_MS, well under short's 1 s: counted under its parent.
short_finds() {
	ta --format tsv short --ppid "$parent" >"$T_TMP/short.tsv" || return 1
	awk -F'\t' -v pp="$parent" '$1 == pp && $3 >= 1 { n++ }
	    END { exit n != 1 }' "$T_TMP/short.tsv" && return 0
	diag "short --ppid $parent:"
	sed 's/^/#   /' "$T_TMP/short.tsv" "$T_TMP/ta.err"
	return 1
}

# The child is the target; its parent, the workload, one level above.
tree_finds() {
	ta --format csv tree "$pid" >"$T_TMP/tree.csv" || return 1
	awk -F, -v p="$pid" -v pp="$parent" '
	    $3 == p && $4 == pp && $10 == 1 { d = $2; t++ }
	    $3 == pp { pd = $2; par++ }
	    END { exit !(t == 1 && par == 1 && pd == d - 1) }' \
	    "$T_TMP/tree.csv" && return 0
	diag "tree $pid (want parent $parent):"
	sed 's/^/#   /' "$T_TMP/tree.csv" "$T_TMP/ta.err"
	return 1
}

# Forked without exec: the child's executable is the workload's.
exe_finds() {
	ta --format csv last --exe "$WORKLOAD" --pid "$pid" \
	    >"$T_TMP/exe.csv" || return 1
	[ "$(wc -l <"$T_TMP/exe.csv")" -eq 1 ] && return 0
	diag "last --exe $WORKLOAD --pid $pid:"
	sed 's/^/#   /' "$T_TMP/exe.csv" "$T_TMP/ta.err"
	return 1
}

# show of the child: its record, with the recorder's run.
show_finds() {
	ta --format tsv show "$pid" >"$T_TMP/show.tsv" || return 1
	grep -qx "identity	ac_ppid	$parent" "$T_TMP/show.tsv" && return 0
	diag "show $pid:"
	sed 's/^/#   /' "$T_TMP/show.tsv" "$T_TMP/ta.err"
	return 1
}

check "last finds the short-lived child by pid, with its parent" last_finds
check "short counts it under its parent" short_finds
check "tree shows it under its parent" tree_finds
check "last --exe finds it by the workload's executable" exe_finds
check "show finds its record" show_finds
check "status sees the run stopped cleanly" sh -c "\"$TASKACCT\" --db \
    \"$T_DB\" status | grep -q '^recorder  *stopped cleanly'"
t_done
