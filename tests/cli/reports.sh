# reports.sh: golden tests of the report commands (last, show, top,
# summary, short, tree, status), sourced by tests/cli.sh after the sql
# tests: it uses run, check, $T, $DB, $OUT and TASKACCT_NOW from there.

# rep NAME DESC ARGS...: run taskacct on the fixture.
rep() {
	_name=$1 _desc=$2
	shift 2
	run "$_name" "$_desc" $T --db $DB "$@"
}

# The database's size depends on SQLite's version: not part of the golden.
status_run() {
	_name=$1 _desc=$2 _db=$3
	shift 3
	$T --db "$_db" "$@" status >"$OUT/$_name.stdout" 2>"$OUT/$_name.stderr"
	_rc=$?
	sed -i -e 's/^\(size  *\)[0-9.]*[KMG]*i*B$/\1SIZE/' \
	    -e 's/"size","value":[0-9]*/"size","value":0/' \
	    -e 's/^size\([,\t]\)[0-9]*/size\1SIZE/' "$OUT/$_name.stdout"
	record "$_name" $_rc
	check "$_name" "$_desc"
}

# --- last
rep last "last: one line per process, threads summed, newest first" last
rep recent "recent is last" recent --limit 3
for f in csv tsv json jsonl; do
	rep "last-$f" "last --format $f: raw numbers" --format $f last
done
rep last-noheader "last --no-header" --no-header last --limit 2
rep last-threads "last --threads: one line per thread" last --threads
rep last-comm "--comm GLOB" last --comm 's[hr]*'
rep last-user-name "--user NAME" last --user nobody
rep last-user-uid "--user UID" last --user 0
rep last-pid "--pid: every life of a reused PID" last --pid 3000
rep last-ppid "--ppid" last --ppid 2200 --format csv
rep last-tgid "--tgid with --threads" last --tgid 2000 --threads
rep last-failed "--failed: non-zero exit or killed" last --failed
rep last-signal "--signal KILL" last --signal KILL
rep last-signal-num "--signal 6 (a core dump)" last --signal 6
rep last-duration "--min-duration and --max-duration" \
    last --min-duration 1s --max-duration 9.5s
rep last-exe "--exe MAJOR,MINOR:INODE" last --exe 8,1:77
rep last-exe-dev "--exe DEV:INODE" last --exe 2049:500 --threads
rep last-combined "filters combine" last --comm sh --failed --ppid 2200
rep last-limit "--limit" last --limit 2 --format csv
rep last-none "no match: the header alone" last --comm nosuch

# --- time specifications (now is 2023-11-14 22:30:00 UTC)
rep time-abs "--since and --until as local times" \
    last --since "2023-11-14 22:29:15" --until "2023-11-14 22:29:40"
rep time-iso "ISO time with T and seconds, Z" \
    last --since 2023-11-14T22:29:45Z
rep time-rel "--since 30s (relative)" last --since 30s
rep time-ago "--since \"1min ago\" --until 20s" \
    last --since "1min ago" --until 20s
rep time-compound "--since 1h5m --until \"5min 30s\"" \
    last --since 1h5m --until "5min 30s"
rep time-clock "--until HH:MM (today)" last --until 22:25
rep time-epoch "--since @SECONDS" last --since @1700000980
rep time-today "--since today" last --since today --limit 1
rep time-yesterday "--since yesterday --until today" \
    last --since yesterday --until today
# A bare number is no time (10 seconds ago? second 10 of the epoch?); a
# time past what nanoseconds since the epoch hold says the range.
for spec in 1700000950 2023-02-30 25:00 "10 parsecs" "" "2023-11-14 22:61" \
    "@x" "1h 2" 10 "10 ago" 2263-01-01 "2262-04-12 00:00" "1899-12-31 23:59" \
    @99999999999; do
	i=$((${j:-0} + 1)) j=$i
	rep "err-time-$i" "bad time spec: '$spec'" last --since "$spec"
done
rep err-time-order "--since after --until" last --since 1min --until 2min
rep err-duration "bad duration" last --min-duration 5x
rep err-duration-long "a duration over 100 years" last --min-duration 36601d
rep time-max "the last day a time can name" last --until "2262-04-11 23:00"
rep err-duration-order "--min-duration above --max-duration" \
    last --min-duration 2s --max-duration 1s
rep err-signal "bad signal" last --signal SIGFOO
rep err-pid "bad pid" last --pid -1
rep err-user "unknown user name" last --user no-such-user-here
rep err-exe "bad --exe" last --exe 8:x
rep last-exe-missing "--exe of a missing file: its recorded path only" \
    last --exe /nonexistent/bin
rep err-limit "bad --limit" last --limit ten
rep err-last-option "unknown option of last" last --bogus
run err-now "bad TASKACCT_NOW" env TASKACCT_NOW=soon $T --db $DB last

# --- show
rep show "show PID: grouped, human and raw, process totals" show 2000 \
    --at "2023-11-14 22:29:15"
rep show-leader-first "show a process whose leader ended first" show 2100
rep show-tid "show --tid: one thread" show --tid 2001
rep show-id-group "show --id of a group row: unknown tail as hex" show --id 8
rep show-hostile "show of a hostile name" show --id 23
for f in csv tsv json jsonl; do
	rep "show-$f" "show --format $f" --format $f show --id 17
done
rep err-show-reused "show of a reused PID lists its exits" show 3000
rep show-at "show --at picks the life alive then" \
    show 3000 --at "2023-11-14 22:29:39.8"
rep err-show-at "show --at when none was alive" show 3000 --at 22:29:30
rep err-show-none "show of a PID never recorded" show 4321
rep err-show-args "show with neither PID nor --id" show
rep err-show-both "show with PID and --id" show 2000 --id 17
rep err-show-at-id "show --at with --id" show --id 17 --at 1min
rep err-show-id "show --id of no row" show --id 999

# --- top
rep top "top: each exit record by CPU, a thread alone" top
rep top-process "top --group process: threads summed into their process" \
    top --group process
rep top-io-command "top --by io --group command" top --by io --group command
rep top-rss-user "top --by rss --group user" top --by rss --group user
rep top-parent "top --by count --group parent" top --by count --group parent
rep top-threads "top --by nvcsw --threads (a field)" top --by nvcsw --threads
rep top-delay "top --by blkio-delay" top --by blkio-delay --limit 4
rep top-field-kib "top --by hiwater_rss (a field, KiB)" top --by hiwater_rss \
    --limit 3
rep top-duration-json "top --by duration, json" --format json \
    top --by duration --limit 3
rep top-window "top in a window" top --since 1min --until 30s
rep err-top-field "top --by an unknown field" top --by bogus
rep err-top-text "top --by a text field" top --by ac_comm
rep err-top-group "top --group unknown" top --group host
rep top-narrow "narrow table: a time is cut from the left" \
    --width 52 top --limit 3
if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
	run top-narrow-utf8 "narrower: a time keeps its time of day (UTF-8)" \
	    env LC_ALL=C.UTF-8 $T --db $DB --width 44 top --limit 3
else
	skip "narrower: a time keeps its time of day (UTF-8)" "no C.UTF-8 locale"
fi
rep last-narrow "narrow last: the time's date goes first" \
    --width 96 last --limit 4

# Without --group, top is a ranking of the kind 0 rows of the window (the
# last hour of TASKACCT_NOW), ties newest first: the same as this SQL.
top_sql() {	# NAME DESC SQL-MEASURE TOP-ARGS...
	_name=$1 _desc=$2 _m=$3
	shift 3
	$T --db $DB --format csv --no-header sql "SELECT recv_time, ac_pid,
	    ac_tgid, ac_uid, ac_comm, $_m AS m, id FROM tasks WHERE kind = 0
	    AND recv_time >= ${TASKACCT_NOW#@}000000 - 3600000000
	    AND recv_time < ${TASKACCT_NOW#@}000000 + 3600000000
	    ORDER BY m DESC, recv_time DESC, id DESC" >"$OUT/$_name.want"
	$T --db $DB --format csv --no-header top --exited --limit 0 "$@" \
	    >"$OUT/$_name.got"
	if [ -s "$OUT/$_name.want" ] &&
	    cmp -s "$OUT/$_name.want" "$OUT/$_name.got"; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diff -u "$OUT/$_name.want" "$OUT/$_name.got" | head -20 |
		    sed 's/^/# /'
	fi
}
top_sql top-sql-cpu "top = SQL ranking of thread rows by cpu" \
    "ac_utime + ac_stime"
top_sql top-sql-io "top --by io = SQL ranking" \
    "ifnull(read_bytes, 0) + ifnull(write_bytes, 0)" --by io
top_sql top-sql-rss "top --by rss = SQL ranking" hiwater_rss --by rss
top_sql top-sql-duration "top --by duration = SQL ranking (the task's life)" \
    ac_etime --by duration
top_sql top-sql-failed "top --by failed = SQL ranking" \
    "ac_exitcode != 0" --by failed
top_sql top-sql-csw "top --by csw = SQL ranking" "nvcsw + nivcsw" --by csw
top_sql top-sql-field "top --by a field = SQL ranking" nvcsw --by nvcsw
top_sql top-sql-threads "top --threads is top" "ac_utime + ac_stime" \
    --threads
top_sql top-sql-group-threads "top --group process --threads is top" \
    "ac_utime + ac_stime" --group process --threads

# --group process sums the threads: java (2000, row 17) is rows 15-17.
_got=$($T --db $DB --format csv --no-header top --exited --limit 0 \
    --group process |
    grep ',17$')
_want=$($T --db $DB --format csv --no-header sql "SELECT max(recv_time),
    2000, 0, 'java', sum(ac_utime + ac_stime), count(*), 17 FROM tasks
    WHERE id BETWEEN 15 AND 17")
if [ -n "$_got" ] && [ "$_got" = "$_want" ]; then
	ok "top --group process: a process's threads summed"
else
	not_ok "top --group process: a process's threads summed"
	echo "# got $_got, want $_want"
fi

# --- summary
rep summary "summary per command" summary
rep summary-user "summary --group user" summary --group user
rep summary-csv "summary --format csv" --format csv summary --since 1min
rep summary-json "summary --format json" --format json summary --limit 2
rep err-summary-group "summary --group parent is refused" \
    summary --group parent

# --- short
rep short "short: per command and per parent" short
rep short-threshold "short --threshold 15ms" short --threshold 15ms
rep short-json "short --format json" --format json short --limit 2
rep short-detail "short --threshold 1s: the detailed view from the exits" \
    short --threshold 1s
rep err-short-both "short --threshold with --max-duration" \
    short --threshold 1s --max-duration 2s

# --- reports from the per-minute rollups
# Each fast report must equal rollup_rows summed over its window: windows
# of whole minutes and edges both (a), of whole minutes only (b), shorter
# than two minutes (c), the default open hour (d), and edges that cut
# minutes holding rows (e).
rollup_same() {
	_desc=$1 _ref=$2
	shift 2
	$T --db $DB --format csv --no-header "$@" --exited \
	    >"$OUT/rollup-fast.csv" 2>&1
	rollup_cmp "$_desc" "$_ref"
}
rollup_cmp() {
	$T --db $DB --format csv --no-header sql "$2" \
	    >"$OUT/rollup-ref.csv" 2>&1
	if [ -s "$OUT/rollup-ref.csv" ] &&
	    cmp -s "$OUT/rollup-fast.csv" "$OUT/rollup-ref.csv"; then
		ok "$1"
	else
		not_ok "$1"
		diff -u "$OUT/rollup-ref.csv" "$OUT/rollup-fast.csv" |
		    sed 's/^/# /'
	fi
}
for w in a:1700000190:1700000975 b:1700000040:1700001000 \
    c:1700000955:1700000985 d:1699997400: e:1700000690:1700000961; do
	_w=${w%%:*} _a=${w#*:} _b=${_a#*:} _a=${_a%%:*}
	_cond="recv_time >= ${_a}000000"
	set -- --since @$_a
	if [ -n "$_b" ]; then
		_cond="$_cond AND recv_time < ${_b}000000"
		set -- "$@" --until @$_b
	fi
	[ "$_w" = d ] && set --
	for g in ac_comm:command ac_uid:user; do
		_k=${g%%:*}
		rollup_same "rollups, window $_w: summary --group ${g#*:}" \
		    "SELECT $_k, coalesce(sum(procs), 0) AS n, sum(etime),
		    sum(utime), sum(stime), sum(rss) / nullif(coalesce(
		    sum(procs), 0), 0), max(rss), sum(read_bytes),
		    sum(write_bytes), sum(cpu_delay), sum(blkio_delay),
		    sum(swapin_delay) + sum(freepages_delay) +
		    sum(thrashing_delay) + sum(compact_delay) +
		    sum(wpcopy_delay) FROM rollup_rows WHERE $_cond
		    GROUP BY $_k ORDER BY sum(utime) + sum(stime) DESC, n DESC,
		    $_k" summary --group ${g#*:} "$@"
	done
	for m in "cpu:sum(utime) + sum(stime)" \
	    "io:sum(read_bytes) + sum(write_bytes)" "rss:max(rss)" \
	    "duration:sum(etime)" "count:coalesce(sum(procs), 0)" \
	    "failed:coalesce(sum(failed), 0)" "cpu-delay:sum(cpu_delay)" \
	    "blkio-delay:sum(blkio_delay)" "swapin-delay:sum(swapin_delay)" \
	    "reclaim-delay:sum(freepages_delay)" \
	    "thrashing-delay:sum(thrashing_delay)" \
	    "compact-delay:sum(compact_delay)" \
	    "wpcopy-delay:sum(wpcopy_delay)" "irq-delay:sum(irq_delay)"; do
		rollup_same "rollups, window $_w: top --by ${m%%:*} --group command" \
		    "SELECT ac_comm, coalesce(sum(procs), 0) AS n, ${m#*:} AS m
		    FROM rollup_rows WHERE $_cond GROUP BY ac_comm
		    ORDER BY m DESC, n DESC, ac_comm LIMIT 50" \
		    top --by ${m%%:*} --group command --limit 50 "$@"
	done
	# short, the parent's command left out: the view does not have it.
	$T --db $DB --format csv --no-header short "$@" |
	    sed 's/^\([0-9-]*\),[^,]*,\([0-9]*,[0-9]*\)$/\1,\2/' \
	    >"$OUT/rollup-fast.csv"
	rollup_cmp "rollups, window $_w: short per command and per parent" \
	    "SELECT ac_comm, coalesce(sum(short_procs), 0) AS n,
	    coalesce(sum(procs), 0) FROM rollup_rows WHERE $_cond
	    GROUP BY ac_comm HAVING n > 0 ORDER BY n DESC, ac_comm;
	    SELECT ac_ppid AS ppid, coalesce(sum(short_procs), 0) AS n,
	    count(*) FROM rollup_rows WHERE $_cond AND procs GROUP BY ac_ppid
	    HAVING n > 0 ORDER BY n DESC, ppid"
done

# Which reports read the rollups (TASKACCT_DEBUG_SQL prints the SQL run).
rollup_path() {
	_want=$1 _desc=$2
	shift 2
	TASKACCT_DEBUG_SQL=1 $T --db $DB "$@" >/dev/null 2>"$OUT/rollup-sql"
	if grep -q 'FROM minute' "$OUT/rollup-sql"; then _got=fast
	else _got=exits; fi
	if [ "$_got" = "$_want" ]; then
		ok "$_desc: $_want"
	else
		not_ok "$_desc: $_want (read $_got)"
	fi
}
rollup_path fast "summary" summary --exited --comm 's*' --user 4242 --since 10min
rollup_path fast "summary --group user" summary --exited --group user --until 1min
rollup_path fast "top --group command --by irq-delay" \
    top --exited --group command --by irq-delay
rollup_path fast "top --group user --by failed" top --exited --group user --by failed
rollup_path fast "short" short --since 20min --until 1min
rollup_path exits "summary --pid" summary --pid 2000
rollup_path exits "summary --failed" summary --failed
rollup_path exits "summary --threads" summary --threads
rollup_path exits "top (per exit)" top
rollup_path exits "top --group process" top --group process
rollup_path exits "top --group parent" top --group parent
rollup_path exits "top --group command --by csw" top --group command --by csw
rollup_path exits "top --group command --by a field" \
    top --group command --by ac_utime
rollup_path exits "short --threshold 1s" short --threshold 1s
rollup_path exits "short --comm" short --comm sh

# last --comm/--user in a window keeps only the minutes the rollups list
# for the filter: the same lines as without the minutes table (no
# pre-filter), and none once the table is emptied (the pre-filter at work).
cp "$DB" "$OUT/minutes-none.db"
sqlite3 "$OUT/minutes-none.db" "DROP TABLE minutes"
cp "$DB" "$OUT/minutes-empty.db"
sqlite3 "$OUT/minutes-empty.db" "DELETE FROM minutes"
last_minutes() {	# DESC LAST-ARGS...
	_desc=$1 _why=
	shift
	TASKACCT_DEBUG_SQL=1 $T --db $DB --format csv last "$@" \
	    >"$OUT/minutes-fast.csv" 2>"$OUT/minutes-sql"
	$T --db "$OUT/minutes-none.db" --format csv last "$@" \
	    >"$OUT/minutes-ref.csv" 2>&1
	$T --db "$OUT/minutes-empty.db" --format csv --no-header last "$@" \
	    >"$OUT/minutes-empty.csv" 2>&1
	grep -q 'FROM minutes m' "$OUT/minutes-sql" || _why="no pre-filter"
	[ -s "$OUT/minutes-empty.csv" ] && _why="$_why, found rows without rollups"
	cmp -s "$OUT/minutes-fast.csv" "$OUT/minutes-ref.csv" ||
	    _why="$_why, lines differ"
	if [ -z "$_why" ]; then
		ok "$_desc"
	else
		not_ok "$_desc: ${_why#, }"
		diff -u "$OUT/minutes-ref.csv" "$OUT/minutes-fast.csv" |
		    sed 's/^/# /'
	fi
}
set -f	# the globs are --comm's
for w in "--since 20min" "--since @1700000190 --until @1700000961"; do
	for a in "--comm s*" "--user 0" "--user nobody" "--comm s[hr]* --user 4242" \
	    "--comm *" "--comm sh --failed" "--user 4242 --threads" \
	    "--comm nosuch" "--failed" "--failed --user 4242"; do
		last_minutes "last $w $a: same with the rollup pre-filter" \
		    $w $a
	done
done
set +f
last_path() {	# WANT DESC LAST-ARGS...
	_want=$1 _desc=$2
	shift 2
	TASKACCT_DEBUG_SQL=1 $T --db $DB last "$@" >/dev/null \
	    2>"$OUT/minutes-sql"
	if grep -q 'FROM minutes' "$OUT/minutes-sql"; then _got=rollups
	else _got=exits; fi
	if [ "$_got" = "$_want" ]; then
		ok "$_desc: $_want"
	else
		not_ok "$_desc: $_want (read $_got)"
	fi
}
last_path exits "last --comm without --since" --comm sh
last_path exits "last --comm over more than a day" --since 2d --comm sh
last_path exits "last --since without --comm, --user or --failed" \
    --since 20min --pid 2000
last_path exits "last --failed --threads (rollups count process ends)" \
    --since 20min --failed --threads
# Records of struct versions before 12 have no AGROUP: not in "failed".
cp "$DB" "$OUT/minutes-v11.db"
sqlite3 "$OUT/minutes-v11.db" "UPDATE runs SET ts_version = 11 WHERE id = 1"
TASKACCT_DEBUG_SQL=1 $T --db "$OUT/minutes-v11.db" last --since 20min \
    --failed >/dev/null 2>"$OUT/minutes-sql"
if grep -q 'FROM minutes' "$OUT/minutes-sql"; then
	not_ok "last --failed with version 11 runs: exits (read rollups)"
else
	ok "last --failed with version 11 runs: exits"
fi
rollup_path exits "short --max-duration" short --max-duration 1s

# The fast reports do read the rollup tables: a changed minute shows.
cp "$DB" "$OUT/tampered.db"
sqlite3 "$OUT/tampered.db" "UPDATE minutes SET utime = utime + 3600000000
    WHERE ac_comm = 'sh'; UPDATE minute_parents SET short_procs = 99
    WHERE ac_ppid = 2200 AND short_procs > 0"
run rollup-tampered "summary and short read the rollup tables" \
    sh -c "$T --db $OUT/tampered.db summary --exited --limit 1; \
    $T --db $OUT/tampered.db short --limit 1"

# A database without the rollups (schema 1, or 2 before them): the exits.
cp "$DB" "$OUT/norollup.db"
sqlite3 "$OUT/norollup.db" "DROP VIEW rollup_rows; DROP TABLE minutes;
    DROP TABLE minute_parents"
run summary-norollup "summary without rollups reads every exit" \
    $T --db "$OUT/norollup.db" summary --exited
run short-norollup "short without rollups reads every exit" \
    $T --db "$OUT/norollup.db" short

# --- tree
rep tree "tree: ancestors, descendants, PID reuse" tree 2200
rep tree-at "tree of the first life of a reused PID" \
    tree 3000 --at "2023-11-14 22:29:14.9"
rep tree-id-json "tree --id, json" --format json tree --id 22
rep tree-leaf "tree of a leaf whose parent is not recorded" tree 1003
rep tree-limit "tree --limit cuts, with a warning" tree 2200 --limit 3
rep err-tree-reused "tree of a reused PID lists its exits" tree 3000
rep err-tree-none "tree of a PID never recorded" tree 4321
rep err-tree-thread "tree of a thread id" tree 2001

# --- status
status_run status "status: runs, gaps, losses, prunes" $DB
status_run status-json "status --format json" $DB --format json
# A -wal over taskacctd's 64 MiB limit: checkpoints cannot reset it (sparse:
# SQLite reads its bad header as an empty log).
cp "$DB" "$OUT/bigwal.db"
truncate -s 70M "$OUT/bigwal.db-wal"
status_run status-bigwal "status: the -wal's size, a warning over 64 MiB" \
    "$OUT/bigwal.db"
cp "$DB" "$OUT/v1.db"
sqlite3 "$OUT/v1.db" "DROP TABLE prunes; DROP INDEX tasks_ppid;
    PRAGMA user_version = 1"
status_run status-v1 "status of a schema 1 database: no prunes" \
    "$OUT/v1.db"
run tree-v1 "tree on schema 1 (no tasks_ppid index)" \
    $T --db "$OUT/v1.db" tree 2200 --limit 4
cp "$DB" "$OUT/v0.db"
sqlite3 "$OUT/v0.db" "PRAGMA user_version = 0"
run err-v0 "a taskacct database without a schema version" \
    $T --db "$OUT/v0.db" status
run err-missing-last "last on a missing database" \
    $T --db $OUT/nonexistent.db last

# --- help
for c in last show top summary short tree status; do
	run "help-$c" "$c --help" $T $c --help
done

if command -v python3 >/dev/null 2>&1; then
	for t in last-json show-json top-duration-json summary-json short-json \
	    tree-id-json status-json; do
		if python3 -c 'import json, sys; json.load(sys.stdin)' \
		    <"$OUT/$t.stdout"; then
			ok "$t output parses as JSON"
		else
			not_ok "$t output parses as JSON"
		fi
	done
	if python3 -c 'import json, sys
for l in sys.stdin: json.loads(l)' <"$OUT/last-jsonl.stdout"; then
		ok "last --format jsonl: every line parses"
	else
		not_ok "last --format jsonl: every line parses"
	fi
fi
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" \
    "$OUT"/last*.stdout "$OUT"/show*.stdout "$OUT"/top*.stdout \
    "$OUT"/summary*.stdout "$OUT"/short*.stdout "$OUT"/tree*.stdout; then
	not_ok "no raw control byte in any report"
else
	ok "no raw control byte in any report"
fi
