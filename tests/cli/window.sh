# window.sh: golden tests of top and summary over what happened in a
# window (tools/window.c), sourced by tests/cli.sh after reports.sh: it
# uses run, check, ok, not_ok, $T, $DB, $OUT and TASKACCT_NOW from there.
# WDB is tests/cli/window.sql's database: live samples beside exit records
# (see its comment for the processes and their figures).

WDB=$OUT/window.db
rm -f "$WDB"
# proc_totals filled as migrate-5.sql fills them (tests/cli.sh).
if sqlite3 "$WDB" <build/sql/schema.sql &&
    sqlite3 "$WDB" <$GOLD/window.sql >/dev/null &&
    sed -n '/^-- ptotals: fill\./,/^-- ptotals: end\./p' \
    build/sql/migrate-5.sql | sqlite3 "$WDB"; then
	ok "window fixture database builds"
else
	not_ok "window fixture database builds"
fi

# wrep NAME DESC ARGS...: run taskacct on the window fixture.
wrep() {
	_name=$1 _desc=$2
	shift 2
	run "$_name" "$_desc" $T --db $WDB "$@"
}

W="--since @1700000400 --until @1700001000"
# --- the window: samples and unsampled exits, running and exited
wrep window-top "window: each sampled process and each unsampled exit" \
    top $W
wrep window-top-io-json "window: top --by io, json (pid, comm, state, io)" \
    --format json top --by io $W
wrep window-top-process "window: --group process sums a process's sources" \
    top --by io --group process $W --limit 0
wrep window-top-command "window: --group command" \
    top --by io --group command $W
wrep window-top-user "window: --group user, by cpu" top --group user $W
wrep window-top-parent "window: --group parent" top --by io --group parent $W
wrep window-top-delay "window: a delay, per process" \
    top --by blkio-delay --group process $W
wrep window-top-field "window: a field activity carries (write_char)" \
    top --by write_char --group process $W
wrep window-top-default "window: the default last hour holds old's end too" \
    top --by io --group process
wrep window-top-before "window before backup: old exited, postgres running" \
    top --by io --group process --since @1700000300 --until @1700000400
wrep window-top-dd "window of dd's start: the second life of PID 800" \
    top --by io --group process --since @1700000900 --until @1700000950
wrep window-top-pid "window: --pid 800 is both lives of the PID" \
    top --by io --group process --pid 800 $W
wrep window-top-comm "window: --comm on both sources" \
    top --by io --comm 'b*' $W
wrep window-top-ppid "window: --ppid on both sources" \
    top --by io --group process --ppid 300 $W
wrep window-top-user-filter "window: --user on both sources" \
    top --by io --group process --user 4242 $W
wrep window-summary "window: summary per command" summary $W
wrep window-summary-user "window: summary --group user" \
    summary --group user $W
wrep window-summary-json "window: summary, json" --format json summary $W
# What exists only at exit, and filters on how a process ended: exits.
wrep window-top-rss "window: --by rss ranks exits (with their state)" \
    top --by rss --group process $W
wrep window-top-failed "window: --failed selects exits" \
    top --by io --group process --failed $W
wrep window-top-exited "window: --exited ranks the exit records as before" \
    top --by io --group process --exited $W
wrep window-summary-exited "window: summary --exited" summary --exited $W
# Hostile names in every format, with their state.
for f in csv tsv jsonl; do
	wrep "window-hostile-$f" "window: hostile names, --format $f" \
	    --format $f top --by io --group process --user nobody $W
done
wrep window-hostile "window: hostile names in a table" \
    top --by io --group process --user nobody $W

if command -v python3 >/dev/null 2>&1; then
	for t in window-top-io-json window-summary-json; do
		if python3 -c 'import json, sys; json.load(sys.stdin)' \
		    <"$OUT/$t.stdout"; then
			ok "$t output parses as JSON"
		else
			not_ok "$t output parses as JSON"
		fi
	done
	if python3 -c 'import json, sys
rows = json.load(sys.stdin)
assert rows and all({"pid", "comm", "state", "io"} <= set(r) for r in rows)
assert {r["state"] for r in rows} == {"running", "exited"}' \
	    <"$OUT/window-top-io-json.stdout"; then
		ok "top --by io json: pid, comm, state, io on every row"
	else
		not_ok "top --by io json: pid, comm, state, io on every row"
	fi
	if python3 -c 'import json, sys
for l in sys.stdin: json.loads(l)' <"$OUT/window-hostile-jsonl.stdout"; then
		ok "window: hostile jsonl parses"
	else
		not_ok "window: hostile jsonl parses"
	fi
fi
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" \
    "$OUT"/window*.stdout; then
	not_ok "window: no raw control byte in any report"
else
	ok "window: no raw control byte in any report"
fi

# backup (600) in the window: its 20 samples and remainder, and its
# unsampled thread; never its exit totals.  io and cpu, exactly.
_got=$($T --db $WDB --format csv --no-header top --by io --group process \
    --pid 600 $W | cut -d, -f6)
_want=$((20 * 2097152 + 524288 + 1048576))
if [ "$_got" = "$_want" ]; then
	ok "backup: samples + remainder + unsampled thread = $_want bytes"
else
	not_ok "backup: samples + remainder + unsampled thread = $_want (got $_got)"
fi

# --- without samples: the exit reports, and a state column
# On the cli fixture (no activity), each report is its --exited self
# with "exited" after the name; with one sampling pass recorded (so the
# window reads the samples, of which there are none) it is the same again.
cp "$DB" "$OUT/window-nosamples.db"
sqlite3 "$OUT/window-nosamples.db" "INSERT INTO sample_passes (time, run_id,
    threads, procs, gone, errors) VALUES (1, 1, 0, 0, 0, 0)"
set -f
for a in "top" "top --group process" "top --by io --group command" \
    "top --by csw --group user" "top --by io --group parent" \
    "top --by count --group parent" "top --by rss --group user" \
    "top --by cpu-delay --group process" "top --by irq-delay" \
    "top --by nvcsw --threads" "top --by read_char --group process" \
    "top --pid 2000 --group process" "top --comm s* --group command" \
    "top --user 0 --group process --by io" "top --since 1min --until 30s" \
    "summary" "summary --group user" "summary --since 1min" \
    "summary --comm s* --since 20min" "summary --failed"; do
	$T --db $DB --format csv --no-header $a --exited \
	    >"$OUT/window-exited.csv" 2>&1
	$T --db $DB --format csv --no-header $a 2>&1 |
	    sed 's/,exited,/,/' >"$OUT/window-state.csv"
	$T --db "$OUT/window-nosamples.db" --format csv --no-header $a 2>&1 |
	    sed 's/,exited,/,/' >"$OUT/window-live.csv"
	if [ -s "$OUT/window-exited.csv" ] &&
	    cmp -s "$OUT/window-exited.csv" "$OUT/window-state.csv" &&
	    cmp -s "$OUT/window-exited.csv" "$OUT/window-live.csv"; then
		ok "no samples: $a = $a --exited, plus state"
	else
		not_ok "no samples: $a = $a --exited, plus state"
		diff -u "$OUT/window-exited.csv" "$OUT/window-state.csv" |
		    sed 's/^/# /'
		diff -u "$OUT/window-exited.csv" "$OUT/window-live.csv" |
		    sed 's/^/# /'
	fi
done
set +f
# --exited is the exit reports as they were: the goldens of before.
rep top-exited "top --exited: per exit record, as before" top --exited
rep top-process-exited "top --group process --exited, as before" \
    top --group process --exited
rep top-io-command-exited "top --by io --group command --exited (rollups)" \
    top --by io --group command --exited
rep summary-exited "summary --exited, as before" summary --exited
rep summary-json-exited "summary --format json --exited, as before" \
    --format json summary --limit 2 --exited
