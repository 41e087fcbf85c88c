#!/bin/sh
# ranked_daemon.sh: the per-hour top-K candidates taskacctd keeps in the
# transaction of its rows (src/ranked.c, hooked in src/store.c: begin,
# each row, commit, rollback, prune; the cuts held in memory, read back at
# a start) are exactly what the fill of sql/migrate-4.sql computes
# from the rows: after fork and thread storms (thousands of rows an hour,
# far past K, so cuts move and candidates go) across two daemon runs, a
# third whose rows go into an hour older than the newest rows', and
# after a retention pass, which forgets the hours up to its limit's (or
# the oldest row's, if earlier: the query tool reads the oldest row's hour
# from the rows) and keeps the rest exact while the daemon goes on
# recording.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need_daemon_env
skipping || need_binaries
t_setup ranked_daemon

STORM=${STORM:-tools/dev/taskstorm}
H=3600000000
fill_sql() {
	echo "DELETE FROM ranked_cuts; DELETE FROM ranked_exits;"
	sed -n '/^-- ranked: fill\./,/^-- ranked: end\./p' \
	    build/sql/migrate-4.sql
}
# same [HOUR]: the daemon's tables equal the fill's (for the hours after
# HOUR), both ways; prints the rows differing.
same() {
	_after=${1:--1}
	cp "$T_DB" "$T_TMP/sql.db"
	rm -f "$T_TMP/sql.db-wal" "$T_TMP/sql.db-shm"
	fill_sql | sqlite3 "$T_TMP/sql.db" || return 1
	q "ATTACH '$T_TMP/sql.db' AS s;
	   SELECT (SELECT count(*) FROM (SELECT * FROM ranked_exits WHERE
	    hour > $_after EXCEPT SELECT * FROM s.ranked_exits)) +
	   (SELECT count(*) FROM (SELECT * FROM s.ranked_exits WHERE
	    hour > $_after EXCEPT SELECT * FROM ranked_exits)) +
	   (SELECT count(*) FROM (SELECT * FROM ranked_cuts WHERE hour > $_after
	    EXCEPT SELECT * FROM s.ranked_cuts)) +
	   (SELECT count(*) FROM (SELECT * FROM s.ranked_cuts WHERE
	    hour > $_after EXCEPT SELECT * FROM ranked_cuts))"
}
same_ok() {	# desc [hour]
	if skipping; then
		t_skip "$1" "$T_SKIP"
		return
	fi
	_got=$(same "${2:-}" 2>&1)
	if [ "$_got" = 0 ]; then
		t_pass "$1"
	else
		t_fail "$1"
		diag "rows differing: $_got"
	fi
}

for n in 1 2; do
	check "taskacctd starts (run $n)" d_start
	if active; then
		"$STORM" -m fork -n 3000 >/dev/null 2>&1
		"$STORM" -m thread -n 3000 >/dev/null 2>&1
		wl "exit$n" exit 3
		wl "write$n" write 1048576 "$T_TMP/w$n"
	fi
	check "taskacctd stops (run $n)" d_stop
done
# Rows arriving late into an older hour: every row moved an hour on (and
# the tables filled again), the next run's rows go into the hour before
# the newest; its cuts are read back from the tables at the restart.
if active; then
	q "UPDATE tasks SET recv_time = recv_time + $H; $(fill_sql)"
fi
check "taskacctd starts (run 3, rows an hour older than the newest)" d_start
if active; then
	"$STORM" -m thread -n 2000 >/dev/null 2>&1
	"$STORM" -m fork -n 1000 >/dev/null 2>&1
fi
check "taskacctd stops (run 3)" d_stop
sql_is "the storms filled hours past K, with cuts" "1|1" \
    "SELECT (SELECT count(*) FROM tasks WHERE kind = 0) > 6000,
     (SELECT count(*) FROM ranked_cuts) > 0"
same_ok "the daemon's candidates equal the fill of migrate-4.sql"

# Retention: run 1's rows 2 days old, run 2's 20 hours (the fill of both
# by SQL), then a third run with --retain 1 prunes run 1's and records.
if active; then
	q "UPDATE tasks SET recv_time = recv_time - 48 * $H WHERE
	   run_id = (SELECT min(id) FROM runs);
	   UPDATE tasks SET recv_time = recv_time - 20 * $H WHERE
	   run_id = (SELECT max(id) FROM runs);
	   $(fill_sql)"
fi
check "taskacctd --retain 1 starts" d_start --retain 1
if active; then
	wait_for 20 '[ "$(q "SELECT count(*) FROM prunes")" != 0 ]'
	"$STORM" -m fork -n 2000 >/dev/null 2>&1
	"$STORM" -m thread -n 2000 >/dev/null 2>&1
fi
check "taskacctd stops after pruning" d_stop
# The pass's limit (before_time; the oldest row left is later).
cut=$(q "SELECT min(max(before_time), (SELECT min(recv_time) FROM tasks)) /
    $H FROM prunes" 2>/dev/null)
sql_is "the pruned hours' candidates are gone, up to the limit's hour" \
    "1|0|0|1" \
    "SELECT (SELECT count(*) FROM prunes) > 0,
     (SELECT count(*) FROM ranked_exits WHERE hour <= ${cut:-0}),
     (SELECT count(*) FROM ranked_cuts WHERE hour <= ${cut:-0}),
     (SELECT count(*) FROM ranked_exits WHERE hour > ${cut:-0}) > 0"
same_ok "after pruning and recording, the later hours equal the fill" \
    "${cut:-0}"
t_done
