# ident.sh: golden tests of who an exit was (identity, schema 3): command
# lines, executables, cgroups, units and containers in last, show, tree,
# the identity filters and top/summary --group unit|container.  Sourced by
# tests/cli.sh after reports.sh: it uses run, check, ok, not_ok, $T, $DB and
# $OUT from there.  Its database is the fixture plus tests/cli/ident.sql.
IDB=$OUT/ident.db
cp "$DB" "$IDB"
if sqlite3 "$IDB" <$GOLD/ident.sql >/dev/null &&
    [ "$(sqlite3 "$IDB" 'SELECT count(*) FROM tasks WHERE ident_src
    IS NOT NULL')" = 15 ]; then
	ok "identity fixture loads (tests/cli/ident.sql)"
else
	not_ok "identity fixture loads (tests/cli/ident.sql)"
fi

# irep NAME DESC ARGS...: run taskacct on the identity fixture.
irep() {
	_name=$1 _desc=$2
	shift 2
	run "$_name" "$_desc" $T --db $IDB "$@"
}

# Without the 105 KiB command line (row 23, pid 3200): --until before it.
SMALL="--until 2023-11-14T22:29:44Z"

# --- last, show, tree
irep ident-last "last: unit, container, args cut to --width; reasons" \
    --width 200 last
irep ident-last-full "last: no cut when not a terminal" last $SMALL
for f in csv tsv json; do
	irep "ident-last-$f" "last --format $f: args, exe, cgroup, ..." \
	    --format $f last $SMALL
done
irep ident-last-threads "last --threads: FORK and DROPPED rows" \
    --width 220 last --threads --tgid 2100
irep ident-show "show: hostile argv and exe path" show --id 20
irep ident-show-json "show --format json: args as an array" \
    --format json show --id 20
irep ident-show-pod "show: a pod's container, whole id" show --id 17
irep ident-show-gone "show: missing with a reason" show --id 13
irep ident-show-none "show of a row without identity: as before" \
    show --id 5
irep ident-tree "tree: arguments beside each process" --width 160 tree 2200
irep ident-tree-json "tree --format json: args" --format json tree 3000 \
    --at "2023-11-14 22:29:14.9"

# --- filters: values are bound, never pasted
irep ident-args "--args GLOB on the joined command line" \
    last --args '/bin/sh -c exit 3 TOKEN-?'
irep ident-args-meta "--args with SQL metacharacters % _ '" \
    last --args "*100%_it's*"
irep ident-args-inject "--args with an SQL injection attempt" \
    last --args "*'; DROP TABLE tasks; --*"
irep ident-args-nul "--args: a blob without its last NUL" \
    last --args 'setproctitle: no*' --format csv
irep ident-args-big "--args: the 1100th argument of 105 KiB" \
    last --args '* arg-1099-x*' --format csv --pid 3200
irep ident-exe "--exe PATH: the recorded path" \
    last --exe /opt/fixture/bin/dash --format csv
irep ident-exe-hostile "--exe PATH with a newline" \
    last --exe "$(printf '/tmp/evil\nname (deleted)')" --format csv
irep ident-cgroup "--cgroup GLOB" last --cgroup '/system.slice/*' \
    --format csv
irep ident-cgroup-meta "--cgroup with % _ ' *" \
    last --cgroup "/odd.slice/a%b_c'd[*].scope" --format csv
irep ident-unit "--unit NAME: NAME.service" last --unit cron --format csv
irep ident-unit-escape "--unit with \\x2d escapes" \
    last --unit 'systemd-fsck@dev-disk-by\x2duuid-1234.service' \
    --format csv
irep ident-container "--container: 12 hex digits, any case" \
    last --container 3F1C2B4A5D6E --format csv
irep ident-container-full "--container: the whole id" last --container \
    9a8b7c6d5e4f30211203948576abcdef0123456789abcdef0123456789abcdef \
    --threads --format csv
irep ident-combined "identity filters combine with the others" \
    last --unit cron --failed --format csv
irep err-ident-container "--container of 11 digits" \
    last --container 3f1c2b4a5d6
irep err-ident-container-hex "--container that is not hex" \
    last --container 3f1c2b4a5d6g
irep err-ident-unit "--unit ''" last --unit ''
irep err-ident-cgroup "--cgroup ''" last --cgroup ''
irep ident-top-args "top per exit record, --args" \
    top --since 1h --args '/bin/sh *'
irep ident-top-window "top --group process in a window, --unit" \
    top --since 1h --group process --unit cron
irep ident-short "short with --container (reads the exits)" \
    short --since 1h --container 3f1c2b4a5d6e
irep ident-summary-filter "summary with --cgroup (not the rollups)" \
    summary --since 1h --cgroup '/kubepods.slice/*'

# --- top and summary --group unit|container
irep ident-top-unit "top --group unit" top --since 1h --group unit
irep ident-top-container "top --group container: short ids" \
    top --since 1h --group container --by count
irep ident-top-container-json "top --group container, json: whole ids" \
    --format json top --since 1h --group container --by count
irep ident-summary-unit "summary --group unit" summary --since 1h \
    --group unit
irep ident-summary-container "summary --group container" \
    summary --since 1h --group container --format csv

# --- a database before identity (schema 2): as before, or a clear error
OLD=$OUT/ident-v2.db
cp "$DB" "$OLD"
sqlite3 "$OLD" "DROP TABLE cmdlines; DROP TABLE exes; DROP TABLE cgroups;
    ALTER TABLE tasks DROP COLUMN args_id; ALTER TABLE tasks DROP COLUMN
    exe_id; ALTER TABLE tasks DROP COLUMN cgroup_id; ALTER TABLE tasks DROP
    COLUMN ident_src; PRAGMA user_version = 2"
run ident-v2-last "schema 2: last as before, json keys null" \
    $T --db "$OLD" --format jsonl last --limit 1
run err-ident-v2-args "schema 2: --args is an error" \
    $T --db "$OLD" last --args '*'
run err-ident-v2-group "schema 2: --group unit is an error" \
    $T --db "$OLD" top --group unit
run ident-v2-show "schema 2: show as before" $T --db "$OLD" show --id 5
run ident-v2-tree "schema 2: tree as before" $T --db "$OLD" tree 3100
exe_here=$(command -v sh)
run ident-v2-exe "schema 2: --exe PATH of a file here, by its inode" \
    $T --db "$OLD" last --exe "$exe_here"

# --- what the goldens cannot show well
if command -v python3 >/dev/null 2>&1; then
	if $T --db $IDB --format json last --pid 3200 | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
a = r["args"]
want = ["arg-%04d-%s" % (i, "x" * 88) for i in range(1100)]
sys.exit(0 if a == want and r["ident_src"] == "exec" else 1)'; then
		ok "json: 1100 arguments of 105 KiB, each exact"
	else
		not_ok "json: 1100 arguments of 105 KiB, each exact"
	fi
	if $T --db $IDB --format json show --id 20 | python3 -c '
import json, sys
v = [l["value"] for l in json.load(sys.stdin) if l["field"] == "args"][0]
want = ["srv-io", "a\nb", "\x1b[31mred", "\u00ff\u00fe", "", "say \"hi\"",
    "(sd-pam)", "back\\slash", "tab\there"]
sys.exit(0 if v == want else 1)'; then
		ok "json: hostile argv reads back argument by argument"
	else
		not_ok "json: hostile argv reads back argument by argument"
	fi
	for t in ident-last-json ident-show-json ident-tree-json \
	    ident-top-container-json; do
		if python3 -c 'import json, sys; json.load(sys.stdin)' \
		    <"$OUT/$t.stdout"; then
			ok "$t output parses as JSON"
		else
			not_ok "$t output parses as JSON"
		fi
	done
else
	skip "json: 1100 arguments of 105 KiB, each exact" "no python3"
fi
# The whole 105 KiB line when nothing cuts it, with every argument.
nargs=$($T --db $IDB --no-header last --pid 3200 |
    grep -o 'arg-[0-9]*-x*' | wc -l)
if [ "$nargs" -eq 1100 ]; then
	ok "table without a width: all 1100 arguments on the line"
else
	not_ok "table without a width: all 1100 arguments on the line ($nargs)"
fi
if command -v script >/dev/null 2>&1 &&
    script -qc true /dev/null >/dev/null 2>&1; then
	run ident-tty "a terminal: \$COLUMNS cuts the command line" sh -c \
	    "COLUMNS=120 script -qc \"$T --db $IDB last --limit 3\" \
	    /dev/null | tr -d '\\r'"
else
	skip "a terminal: \$COLUMNS cuts the command line" "no script(1)"
fi
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" \
    "$OUT"/ident-*.stdout; then
	not_ok "no raw control byte in any identity report"
else
	ok "no raw control byte in any identity report"
fi
if [ "$(sqlite3 "$IDB" 'SELECT count(*) FROM tasks')" = 25 ]; then
	ok "the identity fixture is unchanged after every query"
else
	not_ok "the identity fixture is unchanged after every query"
fi
