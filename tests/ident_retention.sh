#!/bin/sh
# ident_retention.sh: retention deletes the command lines, executables and
# cgroups no tasks row points at any more (their last_used, schema v4),
# keeps those still pointed at, and the recorder's cache of their ids
# never hands out one that was just deleted.
#
# While taskacctd --retain 7d runs: rows 10 days old are planted, pointing
# at values of their own (unique) and at a value a recent row shares; the
# rows of an exec the recorder has just stored (so its cache holds the ids
# of its command line) are moved back 10 days, with that command line's
# last_used.  After the pass: the old rows and their unique values are
# gone, the shared one is kept, no row points at a missing value, and the
# same command run again after the prune is stored with its exact argv.
# (The planted values start with the token: the sqlite3 command lines
# that plant them hold it too, further in.)
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TOK=idr$$
DAY_US=86400000000
OLD="(CAST(strftime('%s', 'now') AS INTEGER) * 1000000 - 10 * $DAY_US)"

need_daemon_env
skipping || need_binaries
t_setup ident_retention

# run_sh WORD CODE [N]: /bin/sh -c 'sleep 0.2; exit CODE' TOK-WORD, and N
# rows of this run exiting CODE stored.  (It lives a while: its command
# line must be read for sure, on a loaded machine too.)
run_sh() {
	active || return 0
	/bin/sh -c "sleep 0.2; exit $2" "$TOK-$1"
	wait_for 20 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE kind = 0 AND
	    run_id = $RUN_ID AND ac_comm <> 'old' AND
	    ac_exitcode = $(($2 * 256))\")\" -ge ${3:-1} ]"
}
args_of() {	# the cmdlines.id of the rows of TOK-WORD
	q "SELECT max(t.args_id) FROM tasks t JOIN cmdlines c ON
	    c.id = t.args_id WHERE instr(c.args, CAST('$TOK-$1' AS BLOB))
	    AND instr(c.args, CAST('/bin/sh' AS BLOB)) = 1"
}

check "taskacctd --retain 7d starts" d_start --retain 7d
run_sh shared 3
run_sh cached 4
if active; then
	SHARED=$(args_of shared)
	CACHED=$(args_of cached)
	# 50 old rows, each with a command line, exe and cgroup of its own,
	# and 5 old rows sharing the recent row's command line.
	# One transaction: a pass must not see half of it.
	q "BEGIN IMMEDIATE;
	  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 50) INSERT INTO cmdlines (hash, args, last_used)
	    SELECT i, CAST('$TOK-old-' || i || char(0) AS BLOB), $OLD - i
	    FROM n;
	  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 50) INSERT INTO exes (path, last_used)
	    SELECT '/old/$TOK/exe-' || i, $OLD - i FROM n;
	  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 50) INSERT INTO cgroups (path, last_used)
	    SELECT '/old-$TOK.slice/' || i, $OLD - i FROM n;
	  INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len,
	    version, ac_pid, ac_comm, args_id, exe_id, cgroup_id, ident_src)
	    SELECT $RUN_ID, $OLD - c.hash, 0, 1, 0, 0, 1, 'old', c.id, e.id,
	    g.id, 0 FROM cmdlines c JOIN exes e ON e.path = '/old/$TOK/exe-' ||
	    c.hash JOIN cgroups g ON g.path = '/old-$TOK.slice/' || c.hash
	    WHERE c.args >= CAST('$TOK-old-' AS BLOB) AND
	    instr(c.args, CAST('$TOK-old-' AS BLOB)) = 1;
	  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 5) INSERT INTO tasks (run_id, recv_time, kind, task_id,
	    ts_len, version, ac_pid, ac_comm, args_id, ident_src)
	    SELECT $RUN_ID, $OLD - i, 0, 1, 0, 0, 1, 'old', $SHARED, 0 FROM n;
	  UPDATE tasks SET recv_time = $OLD, ac_comm = 'old'
	    WHERE args_id = $CACHED;
	  UPDATE cmdlines SET last_used = $OLD WHERE id = $CACHED;
	  COMMIT"
fi
sql_is "planted: 50 + 5 old rows, and the cached exec's moved back" \
    "1|1" "SELECT count(*) >= 56, (SELECT count(*) FROM cmdlines WHERE
    instr(args, CAST('$TOK-old-' AS BLOB)) = 1) = 50 FROM tasks WHERE
    ac_comm = 'old'"
if active; then
	wait_for 30 "[ \"\$(q 'SELECT count(*) FROM prunes')\" -ge 1 ]"
fi
sql_is "the pass pruned the old rows" "0" \
    "SELECT count(*) FROM tasks WHERE ac_comm = 'old'"
sql_is "their own command lines, exes and cgroups are gone" "0|0|0" \
    "SELECT (SELECT count(*) FROM cmdlines WHERE instr(args,
    CAST('$TOK-old-' AS BLOB)) = 1 OR id = ${CACHED:-0}), (SELECT count(*)
    FROM exes WHERE path LIKE '/old/$TOK/%'), (SELECT count(*) FROM cgroups
    WHERE path LIKE '/old-$TOK.slice/%')"
sql_is "a command line a recent row still points at is kept" "1" \
    "SELECT count(*) FROM cmdlines WHERE id = ${SHARED:-0}"
DANGLING="SELECT (SELECT count(*) FROM tasks WHERE args_id IS NOT NULL AND
    args_id NOT IN (SELECT id FROM cmdlines)) + (SELECT count(*) FROM tasks
    WHERE exe_id IS NOT NULL AND exe_id NOT IN (SELECT id FROM exes)) +
    (SELECT count(*) FROM tasks WHERE cgroup_id IS NOT NULL AND cgroup_id
    NOT IN (SELECT id FROM cgroups))"
sql_is "no row points at a missing value" "0" "$DANGLING"
# The same commands after the prune: the cache must not give the pruned id.
run_sh cached 4
run_sh shared 3 2
sql_is "after the prune, the pruned command line is stored anew, exactly" \
    "1" "SELECT c.args = CAST('/bin/sh' || char(0) || '-c' || char(0) ||
    'sleep 0.2; exit 4' || char(0) || '$TOK-cached' || char(0) AS BLOB)
    FROM tasks t LEFT JOIN cmdlines c ON c.id = t.args_id WHERE t.kind = 0
    AND t.run_id = ${RUN_ID:-0} AND t.ac_exitcode = 1024 AND
    t.ac_comm <> 'old' ORDER BY t.id DESC LIMIT 1"
sql_is "... and the kept one still shared, by the same id" \
    "2|${SHARED:-x}" "SELECT count(*), max(t.args_id) FROM tasks t
    WHERE t.kind = 0 AND t.run_id = ${RUN_ID:-0} AND t.ac_exitcode = 768
    AND t.ac_comm <> 'old' AND t.args_id = ${SHARED:-0}"
check "taskacctd stops" d_stop
sql_is "still no row points at a missing value" "0" "$DANGLING"
t_done
