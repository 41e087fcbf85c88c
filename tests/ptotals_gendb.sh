#!/bin/sh
# ptotals_gendb.sh: proc_totals on a generated database (tools/dev/gendb):
# the migration's fill equals what taskacctd's upkeep writes, and every
# report of process lines prints the same from proc_totals as from the
# threads summed at query time (TASKACCT_PROCTOTALS=0), over random
# windows with second-precision edges.
#
# gendb fills proc_totals with the fill of sql/migrate-5.sql; --append then
# inserts rows through taskacctd's own upkeep (src/proctotals.c).  The fill
# run again on a copy must give the same rows, all of them.  The windows:
# random starts and lengths (1 minute to 3 hours) over the whole history,
# plus windows starting in the middle of threaded processes' lives (their
# threads before the window are left out of a window report: the edges).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

ROWS=${ROWS:-100000}
WINDOWS=${WINDOWS:-12}
GENDB=tools/dev/gendb

if ! command -v sqlite3 >/dev/null 2>&1; then
	T_SKIP="sqlite3 not installed"
fi
for _b in ./taskacct "$GENDB"; do
	if ! skipping && [ ! -x "$_b" ]; then
		t_fail "$_b is built (make taskacct $GENDB)"
		t_done
		exit 1
	fi
done
t_setup ptotals_gendb
unset TASKACCT_NOW TASKACCT_DB TASKACCT_PROCTOTALS
TZ=UTC
export TZ
DB=$T_TMP/gen.db
C=$T_TMP/copy.db
ta() { ./taskacct --db "$DB" "$@"; }
dq() { sqlite3 -batch -noheader "$DB" "$@"; }
cq() { sqlite3 -batch -noheader "$C" "$@"; }

if ! skipping; then
	"$GENDB" -n "$ROWS" --days 0.5 --seed 3 -o "$DB" >"$T_TMP/gen.out" \
	    2>&1 || { diag_file "$T_TMP/gen.out"; T_BROKEN=1; }
fi
active && n0=$(dq "SELECT count(*) FROM proc_totals")
if active && ! "$GENDB" --append $((ROWS / 4)) -o "$DB" \
    >"$T_TMP/append.out" 2>&1; then
	diag_file "$T_TMP/append.out"
	T_BROKEN=1
fi
active && n1=$(dq "SELECT count(*) FROM proc_totals")
ok_if "gendb filled proc_totals, --append kept them up (taskacctd's code)" \
    "[ \"\${n0:-0}\" -gt 20 ] && [ \"\${n1:-0}\" -gt \"\$n0\" ]" \
    "filled: ${n0:-}, after --append: ${n1:-}"
if active; then
	cp "$DB" "$C"
	{ echo "CREATE TABLE daemon AS SELECT * FROM proc_totals;"
	  echo "DELETE FROM proc_totals;"
	  sed -n '/^-- ptotals: fill\./,/^-- ptotals: end\./p' \
	      build/sql/migrate-5.sql; } | sqlite3 -batch "$C"
fi
ok_if "the migration's fill equals the upkeep's rows, every one" \
    "[ \$(cq 'SELECT count(*) FROM daemon') -gt 0 ] &&
     [ \$(cq 'SELECT count(*) FROM (SELECT * FROM daemon EXCEPT
       SELECT * FROM proc_totals)') = 0 ] &&
     [ \$(cq 'SELECT count(*) FROM (SELECT * FROM proc_totals EXCEPT
       SELECT * FROM daemon)') = 0 ]" \
    "$(active && cq 'SELECT * FROM daemon EXCEPT SELECT * FROM
proc_totals LIMIT 5')"
ok_if "one row per process with a group row" \
    "[ \$(dq 'SELECT count(*) FROM proc_totals') = \$(dq 'SELECT count(*)
       FROM tasks WHERE kind = 1') ]"

loc() { date -d "@$(($1 / 1000000))" '+%Y-%m-%d %H:%M:%S'; }
reports='top --group process
top --group process --by io
top --group process --by rss -n 30
top --group process --by csw
top --group process --by cpu-delay
last -n 200
last -n 50 --comm postgres*
summary --group process
top --group user
short'
# same SINCE UNTIL: every report, with the table and without.
same() {
	echo "$reports" | while read -r r; do
		# shellcheck disable=SC2086
		ta $r --since "$(loc "$1")" --until "$(loc "$2")" \
		    >"$T_TMP/a" 2>&1
		# shellcheck disable=SC2086
		TASKACCT_PROCTOTALS=0 ta $r --since "$(loc "$1")" \
		    --until "$(loc "$2")" >"$T_TMP/b" 2>&1
		if ! cmp -s "$T_TMP/a" "$T_TMP/b"; then
			echo "$r --since '$(loc "$1")' --until '$(loc "$2")'"
			diff "$T_TMP/b" "$T_TMP/a" | head -n 6
		fi
	done
}
bad=
edges=0
if active; then
	lo=$(dq "SELECT min(recv_time) FROM tasks")
	hi=$(dq "SELECT max(recv_time) FROM tasks")
	span=$(((hi - lo) / 1000000))
	i=0
	# awk's srand: the same windows each run
	awk -v n="$WINDOWS" -v lo="$lo" -v span="$span" '
	    BEGIN {
		srand(13)
		for (i = 0; i < n; i++) {
			s = lo + int(rand() * span) * 1000000
			s += int(rand() * 1000000)
			u = s + (60 + int(rand() * 10800)) * 1000000
			printf "%.0f %.0f\n", s, u
		}
	    }' >"$T_TMP/windows"
	# windows starting inside threaded processes' lives
	dq "SELECT g.recv_time - (g.ac_tgetime / 2), g.recv_time + 1000000
	    FROM tasks g JOIN proc_totals p ON p.id = g.id
	    WHERE p.threads > 2 AND g.ac_tgetime > 20000000
	    ORDER BY g.id LIMIT 4" | tr '|' ' ' >>"$T_TMP/windows"
	while read -r s u; do
		bad="$bad$(same "$s" "$u")"
		i=$((i + 1))
	done <"$T_TMP/windows"
	edges=$(wc -l <"$T_TMP/windows")
fi
ok_if "every report over $WINDOWS random and 4 edge windows: identical" \
    "[ -z \"\$bad\" ] && [ \"\$edges\" -ge $((WINDOWS + 1)) ]" "$bad"
# The fast path is the one taken: the statement reads proc_totals.
ok_if "process lines read proc_totals (and not with TASKACCT_PROCTOTALS=0)" \
    "TASKACCT_DEBUG_SQL=1 ta top --group process 2>&1 >/dev/null |
       grep -q 'JOIN proc_totals' &&
     ! TASKACCT_PROCTOTALS=0 TASKACCT_DEBUG_SQL=1 ta top --group process \
       2>&1 >/dev/null | grep -q proc_totals"
t_done
