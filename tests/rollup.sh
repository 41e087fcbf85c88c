#!/bin/sh
# rollup.sh: the per-minute rollups taskacctd keeps as it stores rows
# (minutes, minute_parents; src/rollup.c) and their hour and day levels
# (hours, days, hour_parents, day_parents; src/store_levels.c) equal the
# sums their SQL definition gives: the fill statements of sql/migrate-2.sql
# over the view rollup_rows and the levels' of sql/migrate-4.sql, run on a
# copy of the same database.  The workload has
# threads, process ends, failures, signals and I/O, across two daemon runs
# and two retention passes, which must drop only whole minutes: one of
# rows two days old, one whose limit falls inside a minute of rows (then
# `taskacct summary` across that minute must equal the rows' own sums,
# also once the oldest minute has lost rows behind its rollups' back).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup rollup

STORM=${STORM:-tools/dev/taskstorm}
TASKACCT=${TASKACCT:-./taskacct}
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

# The fill statements: from their marker to the version line, then the
# hour and day levels' of sql/migrate-4.sql (its "-- levels:" fill).
ROLLUP_TABLES="minutes minute_parents hours days hour_parents day_parents"
fill_sql() {
	for _t in $ROLLUP_TABLES; do
		echo "DELETE FROM $_t;"
	done
	sed -n '/^-- The rollups of the rows already there/,/^PRAGMA user_version/p' \
	    sql/migrate-2.sql | grep -v '^PRAGMA'
	sed -n '/^-- levels: the hours and days of the rollups/,/^$/p' \
	    sql/migrate-4.sql
}
# same: every rollup table of the daemon equals the SQL's, both ways.
same() {
	cp "$T_DB" "$T_TMP/sql.db"
	fill_sql | sqlite3 "$T_TMP/sql.db" || return 1
	_e=0
	for _t in $ROLLUP_TABLES; do
		_e="$_e + (SELECT count(*) FROM (SELECT * FROM $_t EXCEPT
		    SELECT * FROM s.$_t)) + (SELECT count(*) FROM (SELECT *
		    FROM s.$_t EXCEPT SELECT * FROM $_t))"
	done
	q "ATTACH '$T_TMP/sql.db' AS s; SELECT $_e"
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
sql_is "rollups hold every thread row and process end" "1|1|1|1" \
    "SELECT (SELECT sum(tasks) FROM minutes) =
     (SELECT count(*) FROM tasks WHERE kind = 0),
     (SELECT sum(procs) FROM minutes) = (SELECT sum(procs) FROM
     minute_parents), (SELECT sum(failed) > 0 FROM minutes),
     (SELECT sum(tasks) FROM days) = (SELECT sum(tasks) FROM hours) AND
     (SELECT sum(procs) FROM day_parents) = (SELECT sum(procs) FROM
     minutes)"

# Retention: pretend the first run's rows are 2 days old, prune at 1 day.
if active; then
	q "UPDATE tasks SET recv_time = recv_time - 2 * 86400000000
	   WHERE run_id = (SELECT min(id) FROM runs);
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

# A limit inside a minute: rows every 100 ms from 3 minutes before the
# limit to 3 minutes after (1 day ago, as --retain 1 will see it a second
# or two later), well before a minute's end, so that the minute of the limit
# has rows on both sides of it.  Their rollups are filled by SQL.
DAY_US=86400000000
if active; then
	while [ "$(($(date +%s) % 60))" -ge 45 ]; do sleep 1; done
	now=$(date +%s%6N)
	e0=$((now - DAY_US - 180000000))
	q "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 3599) INSERT INTO tasks (run_id, recv_time, kind, task_id,
	    ts_len, version, ac_pid, ac_ppid, ac_uid, ac_comm, ac_flag,
	    ac_exitcode, ac_etime, ac_utime, ac_stime, hiwater_rss, read_bytes)
	    SELECT t.run_id, $e0 + n.i * 100000, 0, 100000 + n.i, t.ts_len,
	    t.version, 100000 + n.i, 1 + n.i % 7, 0, 'edge' || (n.i % 3),
	    32 * (n.i % 2), 256 * (n.i % 5 = 0), 1000 * n.i, 10 + n.i, n.i % 13,
	    4 * n.i, 512 * n.i FROM n, (SELECT * FROM tasks ORDER BY id
	    LIMIT 1) t;
	    $(fill_sql)"
	prunes0=$(q "SELECT count(*) FROM prunes")
fi
check "taskacctd --retain 1 starts, its limit inside a minute" \
    d_start --retain 1
if active; then
	_i=0
	while [ $_i -lt 300 ] && [ "$(q 'SELECT count(*) FROM prunes')" = \
	    "$prunes0" ]; do
		sleep 0.1; _i=$((_i + 1))
	done
fi
check "taskacctd stops after the mid-minute pass" d_stop
sql_is "the pass cut at a minute's start, some edge rows before it kept" \
    "0|1|1" \
    "SELECT (SELECT before_time % 60000000 FROM prunes ORDER BY id DESC
     LIMIT 1), (SELECT count(*) > 0 FROM tasks WHERE ac_comm LIKE 'edge%'
     AND recv_time < ${now:-0} - $DAY_US), (SELECT count(*) < 3600 FROM
     tasks WHERE ac_comm LIKE 'edge%')" "SELECT * FROM prunes"
desc="after a mid-minute limit, the rollups equal their SQL definition"
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
# summary over the edge (from the rollups: a window of whole minutes and
# ragged ends) against the sums of the rows themselves.
desc="summary across the pruned edge equals the rows' sums"
if skipping; then
	t_skip "$desc" "$T_SKIP"
else
	s0=$((e0 / 1000000 - 90)) s1=$((e0 / 1000000 + 450))
	"$TASKACCT" --db "$T_DB" --format csv --no-header summary --exited \
	    --comm 'edge*' --since "@$s0" --until "@$s1" >"$T_TMP/edge.csv" 2>&1
	got=$(cut -d, -f1-5 "$T_TMP/edge.csv" | sort)
	want=$(q "SELECT ac_comm || ',' || sum(procs) || ',' || sum(etime) ||
	    ',' || sum(utime) || ',' || sum(stime) FROM rollup_rows WHERE
	    ac_comm GLOB 'edge*' AND recv_time >= $s0 * 1000000 AND
	    recv_time < $s1 * 1000000 GROUP BY ac_comm ORDER BY ac_comm")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		t_pass "$desc"
	else
		t_fail "$desc"
		diag "taskacct summary:" "$got" "rows:" "$want"
	fi
fi

# The oldest minute cut in two behind the rollups' back, as a minute of a
# storm is pruned (a batch at a time) or an older taskacctd pruned: its
# rollups count rows that are gone, and the query tool must read that
# minute from its rows.
if active; then
	q "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks ORDER BY
	   recv_time LIMIT 300)"
fi
sql_is "the oldest minute is now partial, its rollups inflated" "1|1" \
    "SELECT (SELECT min(recv_time) % 60000000 > 0 FROM tasks),
     (SELECT sum(tasks) FROM minutes WHERE minute = (SELECT min(minute)
     FROM minutes)) > (SELECT count(*) FROM rollup_rows WHERE minute =
     (SELECT min(minute) FROM minutes))"
for g in command user; do
	desc="summary --group $g over a partial oldest minute equals the rows"
	if skipping; then
		t_skip "$desc" "$T_SKIP"
		continue
	fi
	# The user column shows a name: compare the sums of the one user.
	key=ac_comm f=1-5 k="ac_comm || ','"
	[ $g = user ] && key=ac_uid f=2-5 k="''"
	"$TASKACCT" --db "$T_DB" --format csv --no-header summary --exited \
	    --group $g --since "@$s0" --until "@$s1" >"$T_TMP/old.csv" 2>&1
	got=$(cut -d, -f$f "$T_TMP/old.csv" | sort)
	want=$(q "SELECT $k || sum(procs) || ',' || sum(etime) ||
	    ',' || sum(utime) || ',' || sum(stime) FROM rollup_rows WHERE
	    recv_time >= $s0 * 1000000 AND recv_time < $s1 * 1000000
	    GROUP BY $key" | sort)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		t_pass "$desc"
	else
		t_fail "$desc"
		diag "taskacct summary:" "$got" "rows:" "$want"
	fi
done
t_done
