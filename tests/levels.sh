#!/bin/sh
# levels.sh: the window reports read from the rollups' levels (days, hours,
# minutes, and the sub-minute edges from rows: tools/rollup.c) equal the
# direct SQL answer, the sums of the view rollup_rows over the window,
# for summary, top --group command, top --group user, short (both
# halves, all of them and the top 3: the parents then from the days' and
# hours' top K, tools/short_parents.c, in at least 5 windows of each set)
# and timeline (each bucket a window), over random windows and over windows cut exactly on a day's
# and an hour's start and 1 minute and 1 us either side of them, closed
# and open-ended.  The database is tools/dev/gendb's (three and a half
# days, its rollups filled as the migration fills them; tests/unit_levels
# checks that the recorder's are the same sums).  An edge read one minute
# off changes the sums: the test fails.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
GENDB=${GENDB:-tools/dev/gendb}
t_setup levels

if [ ! -x "$TASKACCT" ] || [ ! -x "$GENDB" ]; then
	t_skip "levels" "$TASKACCT or $GENDB is not built"
	t_done
	exit 0
fi
DB=$T_DB
if ! "$GENDB" -n 40000 --days 3 --seed 5 -o "$DB" >"$T_TMP/gen" 2>&1; then
	t_fail "gendb builds a 3-day database"
	diag_file "$T_TMP/gen"
	t_done
	exit 1
fi
s() {	# SQL through taskacct, as csv
	"$TASKACCT" --db "$DB" --format csv --no-header sql "$1"
}
sql_is "the database spans days, with every level filled" "1|1|1" \
    "SELECT (SELECT count(DISTINCT day) >= 3 FROM days),
     (SELECT sum(tasks) FROM hours) = (SELECT count(*) FROM tasks
     WHERE kind = 0), (SELECT sum(procs) FROM day_parents) =
     (SELECT sum(procs) FROM days)"
read -r FIRST LAST <<EOF
$(s "SELECT min(recv_time), max(recv_time) FROM tasks" | tr , ' ')
EOF

# The direct answers, over the rows of [?S, ?U) (?U empty: open).
W='recv_time >= $S AND recv_time < $U'
sql_summary='SELECT ac_comm, sum(procs), sum(etime), sum(utime), sum(stime),
    sum(rss) / nullif(sum(procs), 0), max(rss), sum(read_bytes),
    sum(write_bytes), sum(cpu_delay), sum(blkio_delay), sum(swapin_delay) +
    sum(freepages_delay) + sum(thrashing_delay) + sum(compact_delay) +
    sum(wpcopy_delay) FROM rollup_rows WHERE '$W' GROUP BY ac_comm'
sql_top='SELECT ac_comm, sum(procs), sum(read_bytes) + sum(write_bytes)
    FROM rollup_rows WHERE '$W' GROUP BY ac_comm'
sql_top_user='SELECT sum(procs), sum(utime) + sum(stime) FROM rollup_rows
    WHERE '$W' GROUP BY ac_uid'
sql_short='SELECT ac_comm, sum(short_procs), sum(procs) FROM rollup_rows
    WHERE '$W' GROUP BY ac_comm HAVING sum(short_procs) > 0;
    SELECT k.ppid, (SELECT c.ac_comm FROM tasks c WHERE c.ac_pid = k.ppid
    AND c.kind = 0 AND coalesce(c.ac_tgid, c.ac_pid) = c.ac_pid AND
    c.recv_time >= k.m_last * 60000000 AND c.recv_time - c.ac_etime <
    (k.m_first + 1) * 60000000 ORDER BY c.recv_time LIMIT 1), k.n, k.procs
    FROM (SELECT ac_ppid AS ppid, sum(short_procs) AS n, count(*) AS procs,
    min(minute) AS m_first, max(minute) AS m_last FROM rollup_rows WHERE
    procs AND '$W' GROUP BY ac_ppid HAVING n > 0) k'
# short -n 3: the top 3 commands and parents (tools/short_parents.c: the
# parents from the days' and hours' top K when that tells, else the SQL).
sql_short_top='SELECT ac_comm, sum(short_procs) AS n, sum(procs) FROM
    rollup_rows WHERE '$W' GROUP BY ac_comm HAVING n > 0 ORDER BY n DESC,
    ac_comm LIMIT 3;
    SELECT k.ppid, (SELECT c.ac_comm FROM tasks c WHERE c.ac_pid = k.ppid
    AND c.kind = 0 AND coalesce(c.ac_tgid, c.ac_pid) = c.ac_pid AND
    c.recv_time >= k.m_last * 60000000 AND c.recv_time - c.ac_etime <
    (k.m_first + 1) * 60000000 ORDER BY c.recv_time LIMIT 1), k.n, k.procs
    FROM (SELECT ac_ppid AS ppid, sum(short_procs) AS n, count(*) AS procs,
    min(minute) AS m_first, max(minute) AS m_last FROM rollup_rows WHERE
    procs AND '$W' GROUP BY ac_ppid HAVING n > 0 ORDER BY n DESC, ppid
    LIMIT 3) k'

# timeline --by io in 5 buckets (closed windows): exits and io per bucket,
# on timeline's grid (grid below: $O the first bucket's start, $BW the
# width, $NB the buckets), the first bucket cut at $S.
sql_timeline='WITH RECURSIVE k(b) AS (SELECT 0 UNION ALL SELECT b + 1 FROM k
    WHERE b < $NB - 1) SELECT $O + b * $BW, $BW, NULL, (SELECT
    coalesce(sum(procs), 0) FROM rollup_rows WHERE recv_time >= max($O + b *
    $BW, $S) AND recv_time < min($O + (b + 1) * $BW, $U)), (SELECT
    coalesce(sum(read_bytes) + sum(write_bytes), 0) FROM rollup_rows WHERE
    recv_time >= max($O + b * $BW, $S) AND recv_time < min($O + (b + 1) *
    $BW, $U)) FROM k'
# The grid of N buckets over [S, U) as man/taskacct.1 says: a bucket of
# ten minutes or more is whole minutes from S's minute (the smallest width
# reaching U), the buckets starting at or after U dropped.
grid() {	# buckets
	BW=$(( (U - S + $1 - 1) / $1 )) O=$S NB=$1
	if [ "$BW" -ge 600000000 ]; then
		O=$(( S / 60000000 * 60000000 ))
		BW=$(( ((U - O + $1 - 1) / $1 + 59999999) / 60000000 * 60000000 ))
		NB=$(( (U - O + BW - 1) / BW ))
	fi
}

# One window: each report against its direct answer; a line in $BAD for
# each that differs.
win() {	# since-us until-us|""
	S=$1 U=$2
	set -- --since "@$((S / 1000000)).$(printf %06d $((S % 1000000)))"
	if [ -n "$U" ]; then
		set -- "$@" --until \
		    "@$((U / 1000000)).$(printf %06d $((U % 1000000)))"
	else
		U=9223372036854775807
	fi
	one summary "$sql_summary" summary --exited "$@"
	one top "$sql_top" top --exited --by io --group command -n 0 "$@"
	# The user column is a name: compare exits and cpu.
	one top_user "$sql_top_user" top --exited --group user -n 0 "$@"
	one short "$sql_short" short -n 0 "$@"
	TASKACCT_SHORT_PARENTS=trace one short_top "$sql_short_top" short \
	    -n 3 "$@"
	[ "$U" = 9223372036854775807 ] || {
		grid 5
		one timeline "$sql_timeline" timeline --by io --buckets 5 "$@"
	}
}
one() {	# name sql args...
	_n=$1 _q=$2
	shift 2
	"$TASKACCT" --db "$DB" --format csv --no-header "$@" >"$T_TMP/out" 2>&1
	grep '^short parents: top K$' "$T_TMP/out" >"$T_TMP/fast"
	grep -v '^short parents: ' "$T_TMP/out" |
	    if [ "$_n" = top_user ]; then cut -d, -f2-; else cat; fi |
	    sort >"$T_TMP/got"
	s "$(eval "printf '%s' \"$_q\"")" 2>&1 | sort >"$T_TMP/want"
	[ -s "$T_TMP/want" ] && echo "$_n $S $U" >>"$T_TMP/nonempty"
	[ -s "$T_TMP/fast" ] && echo "$S $U" >>"$T_TMP/fast.n"
	rm -f "$T_TMP/fast"
	if ! cmp -s "$T_TMP/got" "$T_TMP/want"; then
		echo "$_n $S $U" >>"$BAD"
		[ -s "$T_TMP/diff" ] || diff "$T_TMP/want" "$T_TMP/got" \
		    >"$T_TMP/diff"
	fi
}
report() {	# desc
	_ne=$(cat "$T_TMP/nonempty" 2>/dev/null | wc -l)
	_fast=$(cat "$T_TMP/fast.n" 2>/dev/null | wc -l)
	if [ "$_ne" -lt 20 ]; then
		t_fail "$1"
		diag "only $_ne report windows had rows"
	elif [ "$_fast" -lt 5 ]; then
		t_fail "$1"
		diag "only $_fast windows read short's parents from the top K"
	elif [ -s "$BAD" ]; then
		t_fail "$1"
		diag "reports differing (report since until):"
		diag_file "$BAD" 8
		diag "first difference (< SQL, > report):"
		diag_file "$T_TMP/diff" 8
	else
		t_pass "$1"
	fi
	: >"$BAD"
	rm -f "$T_TMP/diff" "$T_TMP/nonempty" "$T_TMP/fast.n"
}
BAD=$T_TMP/bad
: >"$BAD"

MIN=60000000 HOUR=3600000000 DAY=86400000000
# A day's start inside the data, an hour's start more than a day later.
D=$(( (FIRST / DAY + 1) * DAY ))
H=$(( D + DAY + 5 * HOUR ))
for a in 0 -$MIN $MIN -1 1; do
	for b in 0 -$MIN $MIN -1 1; do
		win $((D + a)) $((H + b))
	done
done
report "windows cut on a day's and an hour's start, +-1 min, +-1 us"

for a in 0 -$MIN $MIN -1 1; do
	win $((D + a)) ""
	win $((H + a)) ""
	# within one hour; within one day, across hours
	win $((H + a)) $((H + 30 * MIN + a))
	win $((D + HOUR + a)) $((D + 7 * HOUR - a))
done
win 86400000000 ""		# the whole history
win 0 ""			# from the epoch: minute 0 is read as rows
report "open-ended, whole-history and short windows at the boundaries"

# Random windows: a start anywhere in the data (or an hour before it),
# lengths from a second to three days, to the microsecond.
i=0
awk -v seed=7 -v f="$FIRST" -v l="$LAST" 'BEGIN { srand(seed)
	for (i = 0; i < 24; i++) {
		s = f - 3600e6 + int(rand() * (l - f + 3600e6))
		len = int(exp(log(1e6) + rand() * (log(3 * 86400e6) - log(1e6))))
		printf "%.0f %.0f\n", s, s + len
	} }' >"$T_TMP/windows"
while read -r a b; do
	win "$a" "$b"
done <"$T_TMP/windows"
report "random windows (1 s to 3 days, to the microsecond)"
t_done
