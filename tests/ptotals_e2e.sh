#!/bin/sh
# ptotals_e2e.sh: the per-process totals taskacctd writes at each process's
# end (proc_totals, src/proctotals.c), against the real kernel.
#
# Multi-threaded processes whose threads end before their leader (procs)
# and after it (lprocs: the leader exits first, the last thread ends the
# process), a thread storm (tstorm), and processes that span a stop and
# start of taskacctd, a kill -9 of it and an upgrade in place (SIGUSR2):
# their threads' rows before it are in the database only, their end after
# it.  Then every proc_totals row must equal the direct SQL sum over the
# rows (the fill of sql/migrate-5.sql, procs.c's matching, run on a copy),
# every threaded process must have one, and `last` and `top --group
# process` must print the same with and without TASKACCT_PROCTOTALS=0 (the
# threads summed at query time).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
HOLD_MS=${HOLD_MS:-3000}

need_daemon_env
skipping || need_binaries ./taskacct
t_setup ptotals_e2e
unset TASKACCT_NOW TASKACCT_DB TASKACCT_PROCTOTALS
TZ=UTC
export TZ
# The upgrade re-executes the binary at its path: a copy of our own.
BIN=$T_TMP/taskacctd
if ! skipping; then
	chmod 0711 "$T_TMP"
	cp "$TASKACCTD" "$BIN"
fi
TASKACCTD=$BIN
nlines() {	# pattern: lines of the log matching it
	grep -c "$1" "$T_LOG" 2>/dev/null
}
ends() {	# the process ends with a group row so far
	q "SELECT count(*) FROM tasks WHERE kind = 1"
}
# span NAME ARGS...: a workload that lives across what follows, in the
# background; span_wait waits for it and for its rows.
span() {
	_n=$1; shift
	"$WORKLOAD" "$@" >"$T_TMP/$_n.out" 2>&1 &
	SPAN_PID=$!
	# its first threads' rows are stored before the daemon goes
	_e=$(q "SELECT count(*) FROM tasks")
	wait_for 20 "[ \$(q 'SELECT count(*) FROM tasks') -gt $((_e + 1)) ]"
}
span_wait() {
	_e=$(ends)
	wait "$SPAN_PID"
	wait_for 20 "[ \$(ends) -gt $_e ]"
}

check "taskacctd starts" d_start
if active; then
	e0=$(ends)
	wl before procs 6 4 2
	wl after lprocs 4 4 2 200
	wl storm tstorm 500
	wait_for 20 "[ \$(ends) -ge $((e0 + 11)) ]"
fi

# A stop and start: threads before it, the end after it.
if active; then
	span restart procs 1 4 2 "$HOLD_MS"
	d_stop
	d_start
	span_wait
	# the leader first, its threads across the restart
	span restart2 lprocs 1 4 2 "$HOLD_MS"
	d_stop
	d_start
	span_wait
fi
check "taskacctd runs after two restarts" d_alive

# kill -9: the threads' committed rows stay, nothing was written at stop.
if active; then
	span kill procs 1 4 2 "$HOLD_MS"
	d_stop KILL
	d_start
	span_wait
fi
check "taskacctd runs after a kill -9" d_alive

# SIGUSR2: the same pid re-executes itself; a process spans it.
if active; then
	span upgrade procs 1 4 2 "$HOLD_MS"
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgraded in place') -ge 1 ]"
	span_wait
	wl after2 procs 3 3 1
	sleep 1.2	# PROC_SLACK_US: late thread rows
fi
ok_if "SIGUSR2 upgraded in place" "[ \$(nlines 'upgraded in place') -ge 1 ]"
check "taskacctd stops cleanly" d_stop

# The direct sums: the migration's fill (procs.c's matching) on a copy.
fill() {
	sed -n '/^-- ptotals: fill\./,/^-- ptotals: end\./p' \
	    build/sql/migrate-5.sql
}
C=$T_TMP/copy.db
if active; then
	q ".backup '$C'"
	{ echo "CREATE TABLE daemon AS SELECT * FROM proc_totals;"
	  echo "DELETE FROM proc_totals;"
	  fill; } | sqlite3 -batch "$C"
fi
cq() { sqlite3 -batch -noheader "$C" "$@"; }
ok_if "the daemon wrote totals for every threaded process (>= 17)" \
    "[ \$(cq 'SELECT count(*) FROM daemon') -ge 17 ] &&
     [ \$(cq 'SELECT count(*) FROM daemon') = \$(cq 'SELECT count(*) FROM
       tasks WHERE kind = 1') ]" \
    "daemon: $(active && cq 'SELECT count(*) FROM daemon'), group rows:
$(active && cq 'SELECT count(*) FROM tasks WHERE kind = 1')"
ok_if "every proc_totals row equals the direct SQL sum of its threads" \
    "[ \$(cq 'SELECT count(*) FROM (SELECT * FROM daemon EXCEPT
       SELECT * FROM proc_totals)') = 0 ] &&
     [ \$(cq 'SELECT count(*) FROM (SELECT * FROM proc_totals EXCEPT
       SELECT * FROM daemon)') = 0 ]" \
    "daemon, not direct: $(active && cq 'SELECT * FROM daemon EXCEPT
SELECT * FROM proc_totals')" \
    "direct, not daemon: $(active && cq 'SELECT * FROM proc_totals EXCEPT
SELECT * FROM daemon')"
ok_if "the processes across restart, kill -9 and upgrade have all threads" \
    "[ \$(cq 'SELECT count(*) FROM daemon WHERE threads = 4') -ge 11 ]"
ok_if "the thread storm's process has its 501 threads" \
    "[ \$(cq 'SELECT max(threads) FROM daemon') = 501 ]"
# The reports, with and without the table.
same() {	# args: the same output either way
	"$TASKACCT" --db "$T_DB" "$@" >"$T_TMP/pt.out" 2>&1
	TASKACCT_PROCTOTALS=0 "$TASKACCT" --db "$T_DB" "$@" \
	    >"$T_TMP/sum.out" 2>&1
	cmp -s "$T_TMP/pt.out" "$T_TMP/sum.out" && [ -s "$T_TMP/pt.out" ]
}
for a in "last -n 1000" "last --format json -n 1000" \
    "top --group process -n 50" "top --group process --by io -n 50" \
    "summary --group process"; do
	# shellcheck disable=SC2086
	ok_if "$a: the same with proc_totals as summed from threads" \
	    "same $a --since 2000-01-01" \
	    "$(diff "$T_TMP/sum.out" "$T_TMP/pt.out" 2>&1 | head -n 10)"
done
t_done
