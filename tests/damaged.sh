#!/bin/sh
# damaged.sh: damaged and foreign database files (issue 5, item 4).
#
# Each case is a file in a directory of its own: a taskacct database (made
# by the daemon) with pages overwritten in the middle, truncated, or with
# its schema page garbled; files that are not SQLite at all; SQLite files
# of other programs; a taskacct database of a newer schema.  On each,
# taskacctd must exit non-zero at once with one line on stderr that names
# the file and the problem, and leave the directory exactly as it was
# (same bytes, no -wal, -shm or -journal left behind); the query tool
# likewise.  The query tool is not expected to scan a whole file before a
# query (that is a full read per query): on a file damaged only in the
# middle it must fail when a query reads the damage.
#
# Last, a database of schema version 1 (from the newest commit whose
# sql/schema.sql says user_version = 1) with a few rows is migrated in
# place: after the daemon ran on it, user_version is the build's
# (TASKACCT_SCHEMA_VERSION in include/taskacct.h) and the old rows are
# intact.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
REFUSE_TIMEOUT_S=5

need_daemon_env
skipping || need_binaries "$TASKACCT"
t_setup damaged

# dir_state dir: every file's name, size and sha256, in name order.
dir_state() {
	(cd "$1" && for _f in .* *; do
		[ -f "$_f" ] || continue
		echo "$_f $(wc -c <"$_f") $(sha256sum <"$_f" | cut -c1-64)"
	done)
}

# garble file page count: overwrite pages from page number `page`
# (1-based, as SQLite counts) with a fixed text pattern.  Pages are
# PAGESZ bytes, the base database's own page size (new databases have
# 16 KiB pages: a 4 KiB guess would garble a quarter of the wrong page).
PAGESZ=4096
garble() {
	yes 'taskacct test: garbage over a database page' |
	    head -c $(($3 * PAGESZ)) |
	    dd of="$1" bs="$PAGESZ" seek=$(($2 - 1)) conv=notrunc 2>/dev/null
}

# A real database from the daemon, as one self-contained file.
BASE=$T_TMP/base.db
# Running as root on purpose: without the default user taskacctd says so on
# stderr, a line that is not the one under test.
UROOT=
"$TASKACCTD" --help 2>&1 | grep -q -e '--user' && UROOT="--user root"
check "taskacctd makes a database to damage" d_start --cpus 1 $UROOT
wl fill storm 3000 /dev/null
check "... and stops" d_stop
if active; then
	q "VACUUM INTO '$BASE'" || T_BROKEN=1
	npages=$(sqlite3 "$BASE" 'PRAGMA page_count')
	PAGESZ=$(sqlite3 "$BASE" 'PRAGMA page_size')
	diag "base: $npages pages, $(sqlite3 "$BASE" 'SELECT count(*)
	    FROM tasks') tasks rows"
fi

# mk name: a fresh directory for a case; sets F to its file.
mk() {
	mkdir -p "$T_TMP/$1"
	F=$T_TMP/$1/$1.db
}

# refuses name pattern [cli-sql]: taskacctd and taskacct on $F.
refuses() {
	_n=$1 _pat=$2 _sql=${3:-select 1}
	if active; then
		_before=$(dir_state "$T_TMP/$_n")
		timeout "$REFUSE_TIMEOUT_S" "$TASKACCTD" -f -d "$F" --cpus 1 \
		    $UROOT >"$T_TMP/$_n.out" 2>"$T_TMP/$_n.err"
		_rc=$?
		_lines=$(wc -l <"$T_TMP/$_n.err")
		_after=$(dir_state "$T_TMP/$_n")
		"$TASKACCT" --db "$F" sql "$_sql" >"$T_TMP/$_n.cli.out" \
		    2>"$T_TMP/$_n.cli.err"
		_crc=$?
		_clines=$(wc -l <"$T_TMP/$_n.cli.err")
		_cafter=$(dir_state "$T_TMP/$_n")
	fi
	ok_if "$_n: taskacctd exits non-zero at once" \
	    '[ "$_rc" != 0 ] && [ "$_rc" != 124 ]' \
	    "exit status $_rc$([ "$_rc" = 124 ] && echo ': still running' \
	    "after ${REFUSE_TIMEOUT_S}s, recording into it")" \
	    "$(head -n 5 "$T_TMP/$_n.err")"
	ok_if "$_n: one line on stderr naming the file and the problem" \
	    '[ "$_lines" = 1 ] && grep -q -F "$F" "$T_TMP/$_n.err" &&
	     grep -q -i -E "$_pat" "$T_TMP/$_n.err"' \
	    "expected one line matching /$_pat/ with the path, got:" \
	    "$(head -n 5 "$T_TMP/$_n.err")"
	ok_if "$_n: file untouched, nothing left beside it" \
	    '[ "$_before" = "$_after" ]' "before:" "$_before" "after:" \
	    "$_after"
	ok_if "$_n: taskacct sql '$_sql' fails with one line" \
	    '[ "$_crc" != 0 ] && [ "$_clines" = 1 ] &&
	     grep -q -i -E "$_pat" "$T_TMP/$_n.cli.err" &&
	     [ "$_after" = "$_cafter" ]' \
	    "exit status $_crc, stderr:" "$(head -n 5 "$T_TMP/$_n.cli.err")" \
	    "stdout: $(head -c 200 "$T_TMP/$_n.cli.out")"
}

CORRUPT='malformed|corrupt|damaged'

# Pages of the tasks table in the middle of the file overwritten: SQLite
# opens it and reads its schema without complaint; only a check of the
# whole file (PRAGMA quick_check) or a query that reads those pages sees it.
mk corrupt
if active; then
	cp "$BASE" "$F"
	mid=$(sqlite3 "$BASE" "SELECT pageno FROM dbstat WHERE name = 'tasks'
	    AND pagetype = 'leaf' ORDER BY pageno" 2>/dev/null |
	    awk '{ p[NR] = $1 } END { if (NR) print p[int(NR / 2) + 1] }')
	garble "$F" "${mid:-$((npages / 2))}" 3
fi
refuses corrupt "$CORRUPT" "SELECT count(*), total(ac_utime) FROM tasks"

mk truncated
if active; then
	cp "$BASE" "$F"
	truncate -s $((npages / 2 * PAGESZ)) "$F"
fi
refuses truncated "$CORRUPT"

# The schema (page 1 past the 100-byte header) garbled: the header still
# says application_id and user_version are taskacct's.
mk schema-page
if active; then
	cp "$BASE" "$F"
	yes 'garbage' | head -c 3996 |
	    dd of="$F" bs=1 seek=100 conv=notrunc 2>/dev/null
fi
refuses schema-page "$CORRUPT"

NOTSQL='not an? (SQLite )?database'
mk random
active && head -c 65536 /dev/urandom >"$F"
refuses random "$NOTSQL"
mk text
active && printf 'taskacct test\nnot a database\n' >"$F"
refuses text "$NOTSQL"

FOREIGN='not a taskacct database'
mk foreign
active && sqlite3 "$F" 'CREATE TABLE x(a); INSERT INTO x VALUES (1)'
refuses foreign "$FOREIGN"
# Another program's: its own application_id, and a table named like ours.
mk foreign-app
active && sqlite3 "$F" 'PRAGMA application_id = 1234' \
    'PRAGMA user_version = 1' 'CREATE TABLE tasks(a)'
refuses foreign-app "$FOREIGN"

mk newer
if active; then
	cp "$BASE" "$F"
	sqlite3 "$F" 'PRAGMA user_version = 99'
fi
refuses newer 'newer.*99|99.*newer'

# --- migration of a version 1 database ------------------------------------
# Needs the migrations in src/store.c (sql/migrate-N.sql); passes
# trivially while TASKACCT_SCHEMA_VERSION is 1.
appid=$(printf '%d' "$(sed -n \
    's/^#define[ 	]*TASKACCT_APPLICATION_ID[ 	]*\(0x[0-9a-fA-F]*\).*/\1/p' \
    include/taskacct.h)")
want=$(sed -n 's/^#define[ 	]*TASKACCT_SCHEMA_VERSION[ 	]*\([0-9]*\).*/\1/p' \
    include/taskacct.h)
# The v1 schema: tests/schema_v1.sql when there is one, else the newest
# commit whose sql/schema.sql is version 1.
v1schema() {
	if grep -q -i '^PRAGMA user_version = 1;' tests/schema_v1.sql \
	    2>/dev/null; then
		cat tests/schema_v1.sql
		return
	fi
	git rev-parse --git-dir >/dev/null 2>&1 || return 1
	for _c in $(git log --format=%H -- sql/schema.sql); do
		if git show "$_c:sql/schema.sql" 2>/dev/null |
		    grep -q -i '^PRAGMA user_version = 1;'; then
			git show "$_c:sql/schema.sql"
			return
		fi
	done
	return 1
}
V1SKIP=
if active && ! v1schema >"$T_TMP/schema_v1.sql"; then
	V1SKIP="no v1 schema (tests/schema_v1.sql, or git history)"
fi
mk v1
if active && [ -z "$V1SKIP" ]; then
	sqlite3 "$F" <"$T_TMP/schema_v1.sql"
	sqlite3 "$F" 'PRAGMA user_version = 1' \
	    "INSERT INTO runs (boot_id, start_time, stop_time, last_alive,
	     clean, hostname, cpumask) VALUES ('v1-boot', 1000000, 2000000,
	     2000000, 1, 'v1host', '0-1')" \
	    "INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len,
	     version, ac_pid, ac_ppid, ac_comm, ac_exitcode, ac_utime)
	     VALUES (1, 1500000, 0, 4242, 560, 16, 4242, 1, 'v1-task', 256,
	     12345), (1, 1600000, 0, 4243, 560, 16, 4243, 1, 'v1-other', 0,
	     777), (1, 1600000, 1, 4243, 560, 16, NULL, NULL, NULL, NULL, 99)" \
	    "INSERT INTO losses (run_id, time, kind, records, detail)
	     VALUES (1, 1700000, 'kernel_drop', 7, 'v1 loss')"
	# the rows, by the columns version 1 had
	v1sum() {
		# the rows inserted above: runs 1, tasks 1-3, losses 1
		for _t in runs:1 tasks:3 losses:1; do
			_cols=$(sqlite3 "$T_TMP/v1.cols" "SELECT cols FROM c
			    WHERE t = '${_t%:*}'")
			sqlite3 -batch "$F" "SELECT count(*) FROM ${_t%:*}
			    WHERE id <= ${_t#*:}" "SELECT $_cols FROM ${_t%:*}
			    WHERE id <= ${_t#*:} ORDER BY id"
		done | sha256sum | cut -c1-64
	}
	for t in runs tasks losses; do
		sqlite3 "$F" "SELECT '$t', group_concat(name, ', ') FROM
		    pragma_table_info('$t')"
	done | sqlite3 "$T_TMP/v1.cols" 'CREATE TABLE c(t, cols)' \
	    '.mode list' '.import /dev/stdin c'
	sum0=$(v1sum)
	T_DB=$F
	d_start --cpus 1 $UROOT && d_stop
	v1_rc=$D_STATUS
	T_BROKEN=
	sum1=$(v1sum)
fi
v1check() {	# desc condition [diag]
	if [ -n "$V1SKIP" ]; then
		t_skip "$1" "$V1SKIP"
	else
		ok_if "$@"
	fi
}
v1check "v1 -> v$want migration: taskacctd runs on it and stops, exit 0" \
    '[ "$v1_rc" = 0 ]' "exit status: $v1_rc" "$(tail -n 3 "$T_LOG")"
v1check "v1 -> v$want migration: user_version is now $want" \
    '[ "$(sqlite3 "$F" "PRAGMA user_version")" = "$want" ]' \
    "user_version: $(sqlite3 "$F" 'PRAGMA user_version' 2>&1)"
v1check "v1 -> v$want migration: the old rows are intact" \
    '[ -n "$sum0" ] && [ "$sum0" = "$sum1" ] &&
     [ "$(sqlite3 "$F" "SELECT count(*) FROM tasks WHERE id <= 3")" = 3 ]'
v1check "v1 -> v$want migration: integrity_check ok, still taskacct's" \
    '[ "$(sqlite3 "$F" "PRAGMA integrity_check" \
     "PRAGMA application_id" | tr "\n" " ")" = "ok $appid " ]'

t_done
