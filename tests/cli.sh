#!/bin/sh
# cli.sh: golden-output tests of the query tool, ./taskacct.
#
# Builds a fixture database (sql/schema.sql, then tests/cli/fixture.sql,
# then the rollups filled by the statements of sql/migrate-2.sql and the
# levels' of sql/migrate-4.sql; the SQL
# as make builds it into build/sql/, with the constants filled in),
# runs commands against it and compares what each printed - stdout, then
# stderr under "[stderr]", then "[exit N]" - with tests/cli/NAME.out.
# Prints TAP lines.  Run from anywhere; it works from the repository root.
# Relative times are fixed by TASKACCT_NOW (2023-11-14 22:30:00 UTC) and
# times print in TZ=UTC.
#
#   sh tests/cli.sh          run the tests
#   sh tests/cli.sh --regen  rewrite the golden files from what the tool
#                            prints now, and show every change made
#   TASKACCT_BIN=path sh tests/cli.sh   test another build (ASan, say)
cd "$(dirname "$0")/.." || exit 1

REGEN=0
[ "${1:-}" = "--regen" ] && REGEN=1
GOLD=tests/cli
OUT=tests/out/cli
DB=$OUT/fixture.db
T=${TASKACCT_BIN:-./taskacct}

unset TASKACCT_DB COLUMNS TASKACCT_DEBUG_SQL
LC_ALL=C TZ=UTC TASKACCT_NOW=@1700001000
export LC_ALL TZ TASKACCT_NOW

n=0 failed=0 regen_new=0 regen_changed=0 regen_same=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
finish() {
	if [ "$REGEN" -eq 1 ]; then
		regen_stale
		echo "# regen: $regen_new new, $regen_changed changed," \
		    "$regen_same unchanged golden files"
	fi
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
}

# Compare (or, with --regen, store) $OUT/$1.out against $GOLD/$1.out.
check() {
	name=$1 desc=$2
	echo "$name" >>"$OUT/produced"
	if [ "$REGEN" -eq 1 ]; then
		regen_one "$name"
		ok "$desc (regenerated)"
	elif [ ! -f "$GOLD/$name.out" ]; then
		not_ok "$desc: no golden file $GOLD/$name.out (run --regen)"
	elif cmp -s "$GOLD/$name.out" "$OUT/$name.out"; then
		ok "$desc"
	else
		not_ok "$desc"
		diff -u "$GOLD/$name.out" "$OUT/$name.out" | head -40 |
		    sed 's/^/# /'
	fi
}

regen_one() {
	if [ ! -f "$GOLD/$1.out" ]; then
		echo "# regen: new $GOLD/$1.out"
		regen_new=$((regen_new + 1))
	elif cmp -s "$GOLD/$1.out" "$OUT/$1.out"; then
		regen_same=$((regen_same + 1))
		return
	else
		echo "# regen: changed $GOLD/$1.out:"
		diff -u "$GOLD/$1.out" "$OUT/$1.out" | sed 's/^/#   /'
		regen_changed=$((regen_changed + 1))
	fi
	cp "$OUT/$1.out" "$GOLD/$1.out"
}

# Golden files no test wrote: reported, never deleted.
regen_stale() {
	for f in "$GOLD"/*.out; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .out)
		grep -qx "$b" "$OUT/produced" ||
		    echo "# regen: stale $f (no test writes it; remove by hand)"
	done
}

# run NAME DESC COMMAND...: run it, record its output, check it.
run() {
	name=$1 desc=$2
	shift 2
	"$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
	record "$name" $?
	check "$name" "$desc"
}

# run_in NAME DESC FILE COMMAND...: the same, standard input from FILE.
run_in() {
	name=$1 desc=$2 in=$3
	shift 3
	"$@" <"$in" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
	record "$name" $?
	check "$name" "$desc"
}

record() {
	{
		cat "$OUT/$1.stdout"
		if [ -s "$OUT/$1.stderr" ]; then
			echo "[stderr]"
			cat "$OUT/$1.stderr"
		fi
		echo "[exit $2]"
	} >"$OUT/$1.out"
}

sum() { cat "$@" 2>/dev/null | cksum; }

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/produced"

if [ ! -x "$T" ]; then
	not_ok "$T is built (run make taskacct)"
	finish
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	skip "fixture database" "sqlite3 is not installed"
	finish
fi
# The rollups of the fixture's rows, filled as the migration to schema 2
# fills them for the rows already there: its statements from the line
# "-- The rollups of the rows already there" to the version's PRAGMA.
rollup_fill() {
	sed -n '/^-- The rollups of the rows already there/,$p' \
	    build/sql/migrate-2.sql | sed '/^PRAGMA user_version = 2;$/,$d'
	# and their hours and days, as the migration to schema 4 fills them
	sed -n '/^-- levels: the hours and days of the rollups/,/^$/p' \
	    build/sql/migrate-4.sql
}
rollup_fill >"$OUT/rollup-fill.sql"
# ranked: the top-K candidates, filled as migrate-4.sql fills them.
sed -n '/^-- ranked: fill\./,/^-- ranked: end\./p' build/sql/migrate-4.sql \
    >>"$OUT/rollup-fill.sql"
# ptotals: the per-process totals, filled as migrate-5.sql fills them.
sed -n '/^-- ptotals: fill\./,/^-- ptotals: end\./p' build/sql/migrate-5.sql \
    >>"$OUT/rollup-fill.sql"
# levels2: the totals of every command, filled as migrate-5.sql fills them.
sed -n '/^-- levels2: fill\./,/^-- levels2: end\./p' build/sql/migrate-5.sql \
    >>"$OUT/rollup-fill.sql"
if sqlite3 "$DB" <build/sql/schema.sql && sqlite3 "$DB" <$GOLD/fixture.sql \
    >/dev/null && grep -q '^INSERT INTO minutes ' "$OUT/rollup-fill.sql" &&
    grep -q '^INSERT INTO minute_parents ' "$OUT/rollup-fill.sql" &&
    grep -q '^INSERT INTO day_parents ' "$OUT/rollup-fill.sql" &&
    grep -q '^INSERT INTO day_totals ' "$OUT/rollup-fill.sql" &&
    sqlite3 "$DB" <"$OUT/rollup-fill.sql"; then
	ok "fixture database builds, with the rollup fill of migrate-2.sql"
else
	not_ok "fixture database builds, with the rollup fill of migrate-2.sql"
	finish
fi

Q='SELECT id, run_id, kind, ac_comm, exit_code, exit_signal, core_dumped,
    ac_etime, ac_utime / 1e6 AS utime_s, tail FROM tasks WHERE id <= 8
    ORDER BY id'

# --- formats
for f in table csv tsv json jsonl; do
	run "sql-$f" "sql --format $f" $T --db $DB --format $f sql "$Q"
done
for f in table csv tsv; do
	run "sql-$f-noheader" "sql --format $f --no-header" \
	    $T --db $DB --format $f --no-header sql "$Q"
done
run table-width "table fits --width: text cut, numbers never" \
    $T --db $DB --width 80 sql "$Q"
if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
	run table-width-utf8 "table cut with U+2026 in a UTF-8 locale" \
	    env LC_ALL=C.UTF-8 $T --db $DB --width 80 sql "$Q"
else
	skip "table cut with U+2026 in a UTF-8 locale" "no C.UTF-8 locale"
fi
if command -v script >/dev/null 2>&1 &&
    script -qc true /dev/null >/dev/null 2>&1; then
	run table-tty "table fits a terminal of 50 columns" sh -c "script -qc \
	    \"stty cols 50; $T --db $DB sql 'SELECT id, ac_comm, boot_id
	    FROM task_exits'\" /dev/null | tr -d '\\r'"
else
	skip "table fits a terminal of 50 columns" "no script(1)"
fi
run sql-types-json "json keeps types: integer, real, text, null, blob" \
    $T --db $DB --format json sql "SELECT 1 AS i, -9223372036854775808 AS
    min, 0.1 AS r, 2.0 AS two, 1e999 AS inf, 'x' AS t, '' AS empty,
    NULL AS n, X'00ff' AS b, CAST(X'ff' AS TEXT) AS bad"
run sql-types-csv "csv: empty string quoted, NULL empty" \
    $T --db $DB --format csv sql "SELECT 'x' AS t, '' AS empty, NULL AS n"
run sql-empty-json "json of no rows is []" \
    $T --db $DB --format json sql "SELECT id FROM tasks WHERE 0"
run sql-empty-table "table of no rows is its header" \
    $T --db $DB sql "SELECT id, ac_comm FROM tasks WHERE 0"
run sql-multi "every statement of the query runs, one result set each" \
    $T --db $DB sql "SELECT count(*) AS tasks FROM tasks;
    SELECT kind, records FROM losses; -- a comment"
run sql-multi-json "json: the rows of every statement in one array" \
    $T --db $DB --format json sql "SELECT 1 AS a; SELECT 2 AS b"
run sql-view "the task_exits view and a hostile column name" \
    $T --db $DB --format tsv sql "SELECT id, boot_id AS \"b
o\" FROM task_exits WHERE id < 3"

if command -v python3 >/dev/null 2>&1; then
	for t in sql-json sql-types-json sql-multi-json; do
		if python3 -c 'import json, sys; json.load(sys.stdin)' \
		    <"$OUT/$t.stdout"; then
			ok "$t output parses as JSON"
		else
			not_ok "$t output parses as JSON"
		fi
	done
	if python3 -c 'import json, sys
for l in sys.stdin: json.loads(l)' <"$OUT/sql-jsonl.stdout"; then
		ok "every jsonl line parses as JSON"
	else
		not_ok "every jsonl line parses as JSON"
	fi
else
	skip "json output parses" "python3 is not installed"
fi
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" \
    "$OUT"/sql-*.stdout; then
	not_ok "no raw control byte in any output"
else
	ok "no raw control byte in any output"
fi

# --- where the query and the database come from
echo "SELECT ac_comm FROM tasks WHERE id <= 2" >"$OUT/query.sql"
run sql-file "sql -f FILE" $T --db $DB sql -f "$OUT/query.sql"
run_in sql-stdin "sql reads standard input without QUERY" "$OUT/query.sql" \
    $T --db $DB sql
run_in sql-dash "sql - reads standard input" "$OUT/query.sql" \
    $T --db $DB sql -
run sql-env "\$TASKACCT_DB names the database" \
    env TASKACCT_DB=$DB $T sql "SELECT count(*) FROM runs"
run sql-db-wins "--db wins over \$TASKACCT_DB; options after the command" \
    env TASKACCT_DB=/nonexistent $T sql --db $DB --format csv \
    "SELECT count(*) FROM runs"

# --- fields
run fields "fields lists the field table" $T fields
run fields-tsv "fields --format tsv" $T --format tsv fields
sqlite3 $DB "SELECT name FROM pragma_table_info('tasks')
    WHERE cid BETWEEN 7 AND (SELECT cid FROM pragma_table_info('tasks')
    WHERE name = 'tail') - 1" >"$OUT/schema-cols"
$T --format tsv --no-header fields | cut -f1 >"$OUT/field-names"
if cmp -s "$OUT/schema-cols" "$OUT/field-names"; then
	ok "fields names the tasks columns of the schema, in order"
else
	not_ok "fields names the tasks columns of the schema, in order"
fi

# --- help
run help "--help lists the commands" $T --help
run help-sql "sql --help" $T sql --help
run help-cmd "help fields" $T help fields
run version "--version" $T --version

# --- errors
run err-missing "missing database" $T --db $OUT/nonexistent.db sql "SELECT 1"
echo "not a database, just text" >"$OUT/text.db"
run err-notsqlite "a file that is not SQLite" $T --db $OUT/text.db sql "SELECT 1"
sqlite3 "$OUT/other.db" "CREATE TABLE t (x)"
run err-foreign "an SQLite database that is not taskacct's" \
    $T --db $OUT/other.db sql "SELECT 1"
cp "$DB" "$OUT/newer.db"
sqlite3 "$OUT/newer.db" "PRAGMA user_version = 99"
run err-newer "a database of a newer schema version" \
    $T --db $OUT/newer.db sql "SELECT 1"
run err-dir "a directory" $T --db $OUT sql "SELECT 1"
run err-sql "bad SQL: SQLite's message" $T --db $DB sql "SELEC 1"
run err-sql-late "bad SQL in a later statement: nothing runs" \
    $T --db $DB sql "SELECT 1; SELECT nosuch FROM tasks"
run err-sql-empty "a query with no statement" $T --db $DB sql " -- nothing"
run err-runtime "an error while stepping" \
    $T --db $DB sql "SELECT abs(-9223372036854775808)"

before=$(sum $DB $DB-wal)
for s in "DELETE FROM tasks" "SELECT 1; DROP TABLE runs" \
    "PRAGMA user_version = 7" "PRAGMA journal_mode = DELETE" \
    "CREATE TEMP TABLE t (x)" "UPDATE runs SET clean = 0" \
    "VACUUM INTO '$OUT/vacuumed.db'" "PRAGMA main.journal_mode = OFF" \
    "PRAGMA wal_checkpoint(TRUNCATE)" "PRAGMA journal_mode; ANALYZE"; do
	i=$((${i:-0} + 1))
	run "err-write-$i" "refused: $s" $T --db $DB sql "$s"
done
run err-attach "ATTACH cannot create a file" \
    $T --db $DB sql "ATTACH '$OUT/attached.db' AS a"
if [ "$(sum $DB $DB-wal)" = "$before" ] && [ ! -e "$OUT/attached.db" ] &&
    [ ! -e "$OUT/vacuumed.db" ] &&
    [ "$(sqlite3 $DB 'SELECT count(*) FROM tasks; PRAGMA user_version')" = \
    "$(printf '25\n%s' "$(sed -n 's/^#define TASKACCT_SCHEMA_VERSION[[:space:]]*//p' \
    include/taskacct.h)")" ]; then
	ok "the database is unchanged after every refused statement"
else
	not_ok "the database is unchanged after every refused statement"
fi

run err-command "unknown command" $T --db $DB frobnicate
run err-nocommand "no command" $T --db $DB
run err-option "unknown option" $T --bogus sql "SELECT 1"
run err-cmd-option "unknown command option" $T sql -x "SELECT 1"
run err-optarg "option without its argument" $T sql --db
run err-format "unknown format" $T --format xml sql "SELECT 1"
run err-width "bad --width" $T --width -3 sql "SELECT 1"
run err-args "too many arguments" $T --db $DB sql "SELECT 1" "SELECT 2"
run err-both "QUERY and -f together" $T --db $DB sql -f "$OUT/query.sql" \
    "SELECT 1"
run err-help-cmd "help for an unknown command" $T help frobnicate
if [ -w /dev/full ]; then
	run err-write-out "a failed write to stdout" sh -c "$T fields >/dev/full"
else
	skip "a failed write to stdout" "no /dev/full"
fi

# --- what --db names: one line naming the real problem, never a hang
# (timeout: the tool of be111c1 waits forever in open(2) of a FIFO)
run err-db-empty "--db '': the path is empty" $T --db '' sql "SELECT 1"
run err-db-slash "a missing path ending in /" \
    $T --db "$OUT/nonexistent.db/" sql "SELECT 1"
run err-db-slash-dir "a directory's path ending in /" \
    $T --db "$OUT/" sql "SELECT 1"
mkfifo "$OUT/fifo.db"
run err-db-fifo "a FIFO: refused at once, no hang" \
    timeout 10 $T --db "$OUT/fifo.db" sql "SELECT 1"
run err-db-chardev "a character device" $T --db /dev/null sql "SELECT 1"
if command -v python3 >/dev/null 2>&1 && python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$OUT/socket.db"; then
	run err-db-socket "a socket" $T --db "$OUT/socket.db" sql "SELECT 1"
else
	skip "a socket" "cannot make a socket file (python3)"
fi
mkdir "$OUT/side" "$OUT/side/real"
for s in wal shm; do
	cp "$DB" "$OUT/side/$s-link.db"
	ln -s "$OUT/nonexistent" "$OUT/side/$s-link.db-$s"
	run "err-db-$s-link" "a symbolic link as the -$s names the file" \
	    timeout 10 $T --db "$OUT/side/$s-link.db" sql "SELECT 1"
	cp "$DB" "$OUT/side/$s-fifo.db"
	mkfifo "$OUT/side/$s-fifo.db-$s"
	run "err-db-$s-fifo" "a FIFO as the -$s names the file" \
	    timeout 10 $T --db "$OUT/side/$s-fifo.db" sql "SELECT 1"
done
# A link to the database is followed; its -wal is beside the target.
cp "$DB" "$OUT/side/real/r.db"
ln -s real/r.db "$OUT/side/link.db"
run sql-db-link "a symbolic link to the database is followed" \
    $T --db "$OUT/side/link.db" sql "SELECT count(*) FROM tasks"
rm -f "$OUT/side/real/r.db-wal" "$OUT/side/real/r.db-shm"
ln -s "$OUT/nonexistent" "$OUT/side/real/r.db-wal"
run err-db-link-wal "a link to the database: the -wal beside its target" \
    sh -c "$T --db '$OUT/side/link.db' sql 'SELECT 1' 2>'$OUT/lw.err'
    rc=\$?; sed 's|$PWD/||g' '$OUT/lw.err' >&2; exit \$rc"

# --- options anywhere after the command; -- ends them
run opt-after-query "options after the query: sql QUERY --format json" \
    $T --db $DB sql "SELECT 1 AS one" --format json
run opt-after-all "global and command options after the query" \
    $T sql "SELECT 1 AS one, 2 AS two" --no-header --db $DB --format csv
run opt-after-file "sql -f FILE after an option after the command" \
    $T sql --format tsv -f "$OUT/query.sql" --db $DB
run opt-dashdash "--: a query that begins with -" $T --db $DB sql -- \
    "-- a comment first
    SELECT 2 AS two"
run opt-dashdash-opt "after --, an option is an argument" \
    $T --db $DB sql -- "SELECT 1" --format
run opt-show-after "show PID --format jsonl --db DB" \
    $T show 2100 --format jsonl --db $DB
run opt-tree-after "tree PID --limit N --db DB" \
    $T tree 2200 --limit 3 --db $DB --format csv
run opt-help-after "help COMMAND --format json: the help" \
    $T help fields --format json

# --- result sets: json always an array, closed even after a failure
run sql-none-json "json of statements that return no columns is []" \
    $T --db $DB --format json sql "BEGIN; COMMIT"
for f in csv jsonl table; do
	run "sql-none-$f" "$f of no result set is nothing" \
	    $T --db $DB --format $f sql "BEGIN; COMMIT"
done
FAIL_Q='WITH t(x) AS (VALUES (1), (2), (3)) SELECT CASE WHEN x < 3 THEN x
    ELSE abs(-9223372036854775808) END AS v FROM t'
for f in json jsonl csv table; do
	run "sql-fail-$f" "$f: the rows before a failure, then the error" \
	    $T --db $DB --format $f sql "$FAIL_Q"
done
run sql-fail-json-late "json: a failure in a later statement" \
    $T --db $DB --format json sql "SELECT 1 AS a; $FAIL_Q"
run sql-pragma-read "PRAGMA journal_mode and other PRAGMA reads run" \
    $T --db $DB sql "PRAGMA journal_mode; PRAGMA main.journal_mode;
    PRAGMA user_version"
if command -v python3 >/dev/null 2>&1; then
	for t in sql-none-json sql-fail-json sql-fail-json-late \
	    opt-after-query; do
		if python3 -c 'import json, sys; json.load(sys.stdin)' \
		    <"$OUT/$t.stdout"; then
			ok "$t output parses as JSON"
		else
			not_ok "$t output parses as JSON"
		fi
	done
else
	skip "json output parses" "python3 is not installed"
fi

. tests/cli/reports.sh
. tests/cli/window.sh
. tests/cli/ident.sh

# --- permissions: need a user who is not root
as_user=
if [ "$(id -u)" -ne 0 ]; then
	as_user=" "
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 \
    --regid=65534 --clear-groups $T --version >/dev/null 2>&1; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -n "$as_user" ]; then
	mkdir "$OUT/private" "$OUT/rodir"
	cp "$DB" "$OUT/private/locked.db"
	chmod 600 "$OUT/private/locked.db"
	[ "$(id -u)" -ne 0 ] && chmod 000 "$OUT/private/locked.db"
	run err-perm "an unreadable database" \
	    $as_user $T --db $OUT/private/locked.db sql "SELECT 1"
	cp "$DB" "$OUT/rodir/wal.db"
	chmod 555 "$OUT/rodir"
	run err-wal-rodir "WAL database without -shm in a read-only directory" \
	    $as_user $T --db $OUT/rodir/wal.db sql "SELECT 1"
	chmod 755 "$OUT/rodir"
else
	skip "an unreadable database" "root, and cannot run as nobody"
	skip "WAL database without -shm in a read-only directory" \
	    "root, and cannot run as nobody"
fi

# --- a reader beside a writer holding a transaction open (WAL)
cp "$DB" "$OUT/busy.db"
{
	echo "BEGIN IMMEDIATE;"
	echo "INSERT INTO losses (run_id, time, kind) VALUES (2, 1, 'x');"
	sleep 3
	echo "COMMIT;"
} | sqlite3 "$OUT/busy.db" &
writer=$!
sleep 1
run busy-read "reads the committed rows while a writer holds its lock" \
    $T --db $OUT/busy.db --no-header sql "SELECT count(*) FROM losses"
wait $writer
if [ "$(sqlite3 "$OUT/busy.db" 'SELECT count(*) FROM losses')" = 4 ]; then
	ok "the writer commits while the reader reads"
else
	not_ok "the writer commits while the reader reads"
fi

finish
