#!/bin/sh
# ranked.sh: `top --by MEASURE` per exit record read from the per-hour
# top-K candidates (sql/schema.sql "ranked:", tools/ranked_top.c) prints
# exactly what ranking every row of the window prints (TASKACCT_RANKED=0),
# and the candidates taskacctd's code keeps (src/ranked.c, run by
# tools/dev/gendb as the recorder runs it, at every commit) are exactly
# what the fill of sql/migrate-4.sql computes from the rows.
#   - a generated day of rows (gendb), then another day appended in odd
#     commits of 97 rows (gendb --append: ranked_begin/ranked_commit);
#   - windows on an hour boundary, and that boundary +-1 minute and +-1 us
#     (an edge off by a minute or a microsecond loses or adds rows), of 9
#     hours and of less than one, and
#     RANKED_WINDOWS random windows (RANKED_SEED, printed, reruns them);
#   - measures with distinct values (cpu, io, duration, csw, rss) and with
#     many ties and NULLs (failed, cpu-delay, swapin-delay: ties with an
#     hour's cut are read from the rows), --limit 1, 10, 100 (= K) and 101
#     (past K: the direct query, checked by the SQL it runs).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

crafted_setup ranked "ranked lists from the candidates"
GENDB=${GENDB:-tools/dev/gendb}
SEED=${RANKED_SEED:-$(date +%s)}
WINDOWS=${RANKED_WINDOWS:-8}
echo "# RANKED_SEED=$SEED"
for b in "$T" "$GENDB"; do
	if [ ! -x "$b" ]; then
		echo "not ok 1 - $b is built (run make)"
		echo "1..1"
		exit 1
	fi
done

H=3600000000
# K: include/ranked.h's, and the fill's (sql/migrate-4.sql) the same.
K=$(sed -n 's/^#define[[:space:]]*RANKED_K[[:space:]]*\([0-9]*\)$/\1/p' \
    include/ranked.h)
grep -q "WHERE rn = $K;" build/sql/migrate-4.sql
crafted_ok $? "K is include/ranked.h's ($K) in the fill of migrate-4.sql"
# The measures ranked.h names are those of the view ranked_rows.
hm=$(sed -n '/RANKED_MEASURES_SQL/,/[^\\]$/p' include/ranked.h |
    grep -o "'[a-z-]*'" | tr -d "'" | sort | tr '\n' ' ')
vm=$(sqlite3 "$TMP/v.db" ".read build/sql/schema.sql" \
    "INSERT INTO tasks (run_id, recv_time, kind, task_id, ts_len) VALUES
    (1, 0, 0, 1, 0)" "SELECT DISTINCT measure FROM ranked_rows" 2>&1 |
    sort | tr '\n' ' ')
echo "ranked.h: $hm; ranked_rows: $vm" >"$TMP/out"
[ -n "$hm" ] && [ "$hm" = "$vm" ]
crafted_ok $? "include/ranked.h names the measures of ranked_rows"
# The fill statements of migrate-4.sql, after emptying both tables.
fill_sql() {
	echo "DELETE FROM ranked_cuts; DELETE FROM ranked_exits;"
	sed -n '/^-- ranked: fill\./,/^-- ranked: end\./p' \
	    build/sql/migrate-4.sql
}
# same DB: its tables equal the fill's from its rows, both ways; rows
# differing on stdout.
same() {
	cp "$1" "$TMP/fill.db" && fill_sql | sqlite3 "$TMP/fill.db" &&
	sqlite3 "$1" "ATTACH '$TMP/fill.db' AS s;
	    SELECT (SELECT count(*) FROM (SELECT * FROM ranked_exits EXCEPT
	    SELECT * FROM s.ranked_exits)) + (SELECT count(*) FROM (SELECT *
	    FROM s.ranked_exits EXCEPT SELECT * FROM ranked_exits)) +
	    (SELECT count(*) FROM (SELECT * FROM ranked_cuts EXCEPT SELECT *
	    FROM s.ranked_cuts)) + (SELECT count(*) FROM (SELECT * FROM
	    s.ranked_cuts EXCEPT SELECT * FROM ranked_cuts))"
}

"$GENDB" -n 40000 --days 1 --seed 5 -o "$DB" >"$TMP/out" 2>"$TMP/err"
crafted_ok $? "gendb writes a day of rows with their candidates"
got=$(same "$DB" 2>&1)
echo "$got" >"$TMP/out"
[ "$got" = 0 ]
crafted_ok $? "gendb's candidates equal the fill of migrate-4.sql"
"$GENDB" --append 15000 --batch 97 --seed 6 -o "$DB" >"$TMP/out" \
    2>"$TMP/err"
crafted_ok $? "gendb --append adds a day in commits of 97 rows"
got=$(same "$DB" 2>&1)
echo "$got" >"$TMP/out"
[ "$got" = 0 ]
crafted_ok $? "the candidates kept commit by commit equal the fill"
sqlite3 "$DB" "SELECT count(*) > 10, sum(value = 0) > 0 FROM ranked_cuts;
    SELECT count(*) > 0 FROM (SELECT DISTINCT hour FROM ranked_exits
    EXCEPT SELECT hour FROM ranked_cuts)" >"$TMP/out" 2>"$TMP/err"
[ "$(tr '\n' ' ' <"$TMP/out")" = "1|1 1 " ]
crafted_ok $? "hours with cuts (some tied at 0) and hours without"

# at SECONDS.MICROS for a time in us
at() { printf '@%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }
# cmp_top since until measure limit [--exited]: both ways the same, and
# the fast path taken when $want says so (1 yes, 0 no, - either).
bad=0 runs=0 fast=0 first_bad=
cmp_top() {
	_a="top --by $3 --limit $4 --since $(at "$1") --until $(at "$2") ${5:-}"
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	TASKACCT_DEBUG_SQL=1 "$T" --db "$DB" $_a >"$TMP/fast" 2>"$TMP/sql"
	# shellcheck disable=SC2086
	TASKACCT_RANKED=0 "$T" --db "$DB" $_a >"$TMP/direct" 2>/dev/null
	_f=0
	grep -q ranked_exits "$TMP/sql" && _f=1
	fast=$((fast + _f))
	if ! cmp -s "$TMP/fast" "$TMP/direct" ||
	    { [ "$want" != - ] && [ "$want" != "$_f" ]; }; then
		bad=$((bad + 1))
		[ -n "$first_bad" ] || first_bad="$_a (fast path $_f)"
	fi
}
report() {	# desc
	echo "$runs runs, $fast from the candidates, $bad differ; first:" \
	    "${first_bad:-none}" >"$TMP/out"
	: >"$TMP/err"
	[ "$bad" = 0 ]
	crafted_ok $? "$1"
	bad=0 runs=0 fast=0 first_bad=
}

lo=$(sqlite3 "$DB" "SELECT min(recv_time) FROM tasks")
hi=$(sqlite3 "$DB" "SELECT max(recv_time) FROM tasks")
# An hour boundary 20 hours in, a window of 9 hours from it.
b0=$(((lo / H + 20) * H))
b1=$((b0 + 9 * H))
for e in 0 60000000 -60000000 1 -1; do
	for m in cpu io rss duration csw failed cpu-delay swapin-delay; do
		for l in 1 10 $K; do
			want=1 cmp_top $((b0 + e)) $((b1 - e)) $m $l
		done
		want=0 cmp_top $((b0 + e)) $((b1 - e)) $m $((K + 1))
	done
	want=1 cmp_top $((b0 - e)) $((b1 + e)) io 10 --exited
	# Shorter than an hour: partial hours alone, where rows at or below
	# a cut are read when the cut reaches the N-th value.
	for m in cpu io duration; do
		for l in 10 $K; do
			want=1 cmp_top $((b0 + e)) $((b0 + 1800000000)) $m $l
			want=1 cmp_top $((b0 - 1200000000 + e)) \
			    $((b0 + 1200000000 - e)) $m $l
		done
	done
done
# Every other measure kept, once (its definition in ranked_rows must be
# top's: ranking by the stored values picks the same rows).
for m in blkio-delay reclaim-delay thrashing-delay compact-delay \
    wpcopy-delay irq-delay; do
	want=1 cmp_top $((b0 + 1)) $((b1 - 1)) $m 10
done
report "hour-aligned windows and +-1 min, +-1 us: the same top as every row's"

# Random windows: a minute to 40 hours, anywhere in the rows.
i=0
r=$SEED
# rnd N: a number below N into v (no subshell: r must advance)
rnd() { r=$(((r * 1103515245 + 12345) % 2147483648)); v=$(((r >> 8) % $1)); }
set -- cpu io rss duration csw failed cpu-delay swapin-delay blkio-delay \
    irq-delay
while [ $i -lt "$WINDOWS" ]; do
	rnd 2400; len=$((60000000 + v * 60000000))
	rnd 60000000; len=$((len + v))
	rnd 100000; s=$((lo + v * ((hi - lo) / 100000)))
	rnd $#; m=$(eval echo "\${$((v + 1))}")
	rnd 120; l3=$((1 + v))
	for l in 5 100 $l3; do
		want=- cmp_top $s $((s + len)) $m $l
	done
	i=$((i + 1))
done
report "random windows: the same top as every row's"
crafted_done
