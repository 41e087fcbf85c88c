#!/bin/sh
# rollup.sh: the per-minute rollups taskacctd keeps as it stores rows
# (minutes, minute_parents; src/rollup.c) equal the sums their SQL
# definition gives: the fill statements of sql/migrate-2.sql over the view
# rollup_rows, run on a copy of the same database.  The workload has
# threads, process ends, failures, signals and I/O, across two daemon runs
# and a retention pass, which must drop only whole minutes.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup rollup

STORM=${STORM:-tools/dev/taskstorm}
for n in 1 2; do
	check "taskacctd starts (run $n)" d_start
	wl "fork$n" storm 2000 /dev/null
	wl "exit$n" exit 3
	wl "kill$n" kill 9
	wl "write$n" write 1048576 "$T_TMP/w$n"
	wl "threads$n" threads 4
	if active; then
		"$STORM" -m mix -n 400 >/dev/null 2>&1
		"$STORM" -m thread -n 2000 >/dev/null 2>&1
	fi
	check "taskacctd stops (run $n)" d_stop
done

# The fill statements: from their marker to the version line.
fill_sql() {
	sed -n '/^-- The rollups of the rows already there/,/^PRAGMA user_version/p' \
	    sql/migrate-2.sql | grep -v '^PRAGMA'
}
# same: both tables of the daemon equal the SQL's, both ways.
same() {
	cp "$T_DB" "$T_TMP/sql.db"
	{ echo "DELETE FROM minutes; DELETE FROM minute_parents;"; fill_sql; } |
	    sqlite3 "$T_TMP/sql.db" || return 1
	q "ATTACH '$T_TMP/sql.db' AS s;
	   SELECT (SELECT count(*) FROM (SELECT * FROM minutes EXCEPT
	    SELECT * FROM s.minutes)) + (SELECT count(*) FROM (SELECT * FROM
	    s.minutes EXCEPT SELECT * FROM minutes)) + (SELECT count(*) FROM
	    (SELECT * FROM minute_parents EXCEPT SELECT * FROM
	    s.minute_parents)) + (SELECT count(*) FROM (SELECT * FROM
	    s.minute_parents EXCEPT SELECT * FROM minute_parents))"
}
desc="the daemon's rollups equal their SQL definition"
if skipping; then
	t_skip "$desc" "$T_SKIP"
else
	got=$(same 2>&1)
	if [ "$got" = 0 ]; then
		t_pass "$desc"
	else
		t_fail "$desc"
		diag "rows differing: $got"
	fi
fi
sql_is "rollups hold every thread row and process end" "1|1|1" \
    "SELECT (SELECT sum(tasks) FROM minutes) =
     (SELECT count(*) FROM tasks WHERE kind = 0),
     (SELECT sum(procs) FROM minutes) = (SELECT sum(procs) FROM
     minute_parents), (SELECT sum(failed) > 0 FROM minutes)"

# Retention: pretend the first run's rows are 2 days old, prune at 1 day.
if active; then
	q "UPDATE tasks SET recv_time = recv_time - 2 * 86400000000
	   WHERE run_id = (SELECT min(id) FROM runs);
	   DELETE FROM minutes; DELETE FROM minute_parents;
	   $(fill_sql)"
fi
check "taskacctd --retain 1 starts" d_start --retain 1
if active; then
	_i=0
	while [ $_i -lt 100 ] && [ "$(q 'SELECT count(*) FROM prunes')" = 0 ]
	do
		sleep 0.1; _i=$((_i + 1))
	done
fi
check "taskacctd stops after pruning" d_stop
sql_is "pruned minutes are gone, the rest still match" "0|0" \
    "SELECT (SELECT count(*) FROM minutes WHERE minute <
     (SELECT min(recv_time) / 60000000 FROM tasks)),
     (SELECT count(*) FROM tasks WHERE recv_time <
     (SELECT max(before_time) FROM prunes))"
desc="after pruning, the rollups equal their SQL definition"
if skipping; then
	t_skip "$desc" "$T_SKIP"
else
	got=$(same 2>&1)
	if [ "$got" = 0 ]; then
		t_pass "$desc"
	else
		t_fail "$desc"
		diag "rows differing: $got"
	fi
fi
t_done
