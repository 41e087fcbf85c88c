#!/bin/sh
# export.sh: `taskacct export` to standard output against a live recorder.
#
# Every line is one valid JSON object with every column (the field table's
# and the row's identity), in id order, the hostile task name escaped as
# --format json escapes it; --since starts where it says; kill -9 at random
# moments of a --follow --cursor export appending to a file, then a restart
# with the same cursor, leaves each row in the file exactly once; a cursor
# path that is a symbolic link is refused and its target left alone;
# --follow shows a new exit within a second; a rotation (mv, SIGHUP), once
# while the export follows and once while it is stopped, neither skips nor
# repeats a row.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
KILLS=${KILLS:-6}
HOSTILE=$(printf 'ev\033[31mil\nx\377')

need_daemon_env
skipping || need_binaries "$TASKACCT"
command -v python3 >/dev/null 2>&1 || T_SKIP=${T_SKIP:-"python3 not installed"}
t_setup export
X="$TASKACCT --db $T_DB export"
EXP_PID=

# The JSON lines of file: valid, one object each; prints "ok" or why not.
# Checks the keys against `taskacct fields` and the ids (distinct, rising).
json_check() {	# file
	"$TASKACCT" --format tsv --no-header fields | cut -f1 >"$T_TMP/fields"
	python3 - "$1" "$T_TMP/fields" <<'EOF'
import json, sys
fields = [l.strip() for l in open(sys.argv[2])]
want = (["db", "id", "host", "boot_id", "run_id", "recv_time", "kind",
         "task_id", "link_id", "ts_len"] + fields +
        ["tail", "sampled", "args_id", "exe_id", "cgroup_id", "ident_src",
         "args", "exe", "cgroup", "unit", "container", "pod"])
last = 0
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    if any(b < 0x20 for b in line[:-1]) or not line.endswith(b"\n"):
        sys.exit("line %d: a raw control byte or no newline" % n)
    o = json.loads(line.decode("utf-8"))
    if list(o) != want:
        sys.exit("line %d: keys %s" % (n, list(o)))
    if o["id"] <= last:
        sys.exit("line %d: id %d after %d" % (n, o["id"], last))
    last = o["id"]
print("ok")
EOF
}

# (db, id) of every line of the files, one a line, sorted.
keys_of() {
	cat "$@" | python3 -c '
import json, sys
for l in sys.stdin: o = json.loads(l); print(o["db"], o["id"])' | sort
}

# The rows of the databases, as keys_of prints them.
db_keys() {	# dbid db [max id]
	q_db "$2" "SELECT '$1', id FROM tasks WHERE id <= ${3:-id}" | tr '|' ' '
}
q_db() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$@"
}

exp_stop() {
	[ -n "$EXP_PID" ] || return 0
	kill -"${1:-TERM}" "$EXP_PID" 2>/dev/null
	wait "$EXP_PID" 2>/dev/null
	EXP_PID=
}

check "taskacctd starts" d_start
if active; then
	wl hostile rename "$HOSTILE"
	wl io write 1048576 "$(disk_dir)/io.bin"
	wl storm storm 300
	wait_for 10 "[ \"\$(q \"SELECT count(*) FROM tasks WHERE \
hex(ac_comm) = '65761B5B33316D696C0A78FF'\")\" -ge 1 ]"
	$X >"$T_TMP/all.jsonl" 2>"$T_TMP/all.err"
	rows=$(q "SELECT count(*) FROM tasks WHERE id <= \
$(tail -n 1 "$T_TMP/all.jsonl" | sed 's/.*"id":\([0-9]*\),.*/\1/')")
	valid=$(json_check "$T_TMP/all.jsonl" 2>&1)
fi
ok_if "every line is a JSON object with every column, ids rising" \
    '[ "$valid" = ok ]' "$valid"
ok_if "one line per row" \
    '[ "$(wc -l <"$T_TMP/all.jsonl")" = "$rows" ]' \
    "lines $(wc -l <"$T_TMP/all.jsonl" 2>/dev/null), rows $rows"
if active; then
	comm=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["ac_comm"] == "ev\x1b[31mil\nx\xff": print("match")' \
	    "$T_TMP/all.jsonl")
	# (ac_comm: the command line that made it holds the name too)
	esc=$(grep -c '"ac_comm":"ev\\u001b\[31mil\\nx\\u00ff"' \
	    "$T_TMP/all.jsonl")
	# The sums over the lines and over the table agree.
	sums=$(python3 -c '
import json, sys
r = w = 0
for l in open(sys.argv[1]):
    o = json.loads(l); r += o["read_char"] or 0; w += o["write_bytes"] or 0
print(r, w)' "$T_TMP/all.jsonl")
	dbsums=$(q "SELECT total(read_char), total(write_bytes) FROM tasks WHERE \
id <= $(tail -n 1 "$T_TMP/all.jsonl" | sed 's/.*"id":\([0-9]*\),.*/\1/')" |
	    awk -F'|' '{printf "%d %d\n", $1, $2}')
fi
ok_if "the hostile name is escaped as --format json escapes it" \
    '[ "$comm" = match ] && [ "$esc" = 1 ]' \
    "decoded: $comm; escaped lines: $esc"
ok_if "sums of read_char and write_bytes agree with the table" \
    '[ -n "$sums" ] && [ "$sums" = "$dbsums" ]' "json $sums, table $dbsums"

# --since: from the first row received at or after the time.
if active; then
	mid=$(q "SELECT recv_time FROM tasks ORDER BY id LIMIT 1 OFFSET \
(SELECT count(*) / 2 FROM tasks)")
	since_s=$(( (mid + 999999) / 1000000 ))
	want=$(q "SELECT min(id) FROM tasks WHERE recv_time >= $since_s * 1000000")
	got=$($X --since "@$since_s" | head -n 1 | sed 's/.*"id":\([0-9]*\),.*/\1/')
fi
ok_if "--since starts at the first row received at or after it" \
    '[ -n "$want" ] && [ "$got" = "$want" ]' "first id $got, want $want"

# A symbolic link at the cursor path is refused, its target untouched.
if active; then
	echo precious >"$T_TMP/target"
	ln -s "$T_TMP/target" "$T_TMP/link.cursor"
	$X --cursor "$T_TMP/link.cursor" >/dev/null 2>"$T_TMP/link.err"
	link_rc=$?
	mkfifo "$T_TMP/fifo.cursor"
	$X --cursor "$T_TMP/fifo.cursor" >/dev/null 2>"$T_TMP/fifo.err"
	fifo_rc=$?
fi
ok_if "a cursor that is a symbolic link or a FIFO is refused" \
    '[ "$link_rc" = 1 ] && grep -q "symbolic link" "$T_TMP/link.err" &&
     [ "$(cat "$T_TMP/target")" = precious ] && [ "$fifo_rc" = 1 ]' \
    "$(cat "$T_TMP/link.err" "$T_TMP/fifo.err" 2>/dev/null)"

# kill -9 at random moments while rows keep coming; each restart resumes.
if active; then
	cur=$T_TMP/k.cursor out=$T_TMP/k.jsonl
	: >"$out"
	"$WORKLOAD" storm 1500 >/dev/null 2>&1 &
	spid=$!
	i=0
	while [ $i -lt "$KILLS" ]; do
		$X --follow --cursor "$cur" --batch-rows 40 >>"$out" \
		    2>>"$T_TMP/k.err" &
		EXP_PID=$!
		sleep "0.$(( $(od -An -N2 -tu2 /dev/urandom) % 60 + 5 ))"
		exp_stop KILL
		i=$((i + 1))
	done
	wait "$spid"
	wait_for 10 "[ \"\$(q 'SELECT count(*) FROM tasks')\" -ge $((rows + 1500)) ]"
	$X --cursor "$cur" >>"$out" 2>>"$T_TMP/k.err"
	db=$(sed -n 's/^db //p' "$cur")
	keys_of "$out" >"$T_TMP/k.got"
	# Other exits keep coming: the rows up to the last one exported.
	db_keys "$db" "$T_DB" "$(sed -n 's/^tasks //p' "$cur")" |
	    sort >"$T_TMP/k.want"
	dups=$(uniq -d "$T_TMP/k.got" | wc -l)
	cuts=$(grep -c 'cut back' "$T_TMP/k.err")
fi
ok_if "kill -9 x$KILLS and restarts: each row exactly once" \
    'cmp -s "$T_TMP/k.got" "$T_TMP/k.want" && [ "$dups" = 0 ]' \
    "rows $(wc -l <"$T_TMP/k.want"), lines $(wc -l <"$T_TMP/k.got"), repeated $dups; cut back $cuts times"

# --follow: a new exit shows within a second.
if active; then
	fout=$T_TMP/f.jsonl
	$X --follow --since now >"$fout" 2>"$T_TMP/f.err" &
	EXP_PID=$!
	sleep 0.5
	pid=$(sh -c 'echo $$; exit 3')
	wait_for 1 "grep -q '\"ac_pid\":$pid,' '$fout'"
	seen=$?
	exp_stop
fi
ok_if "--follow shows a new exit within a second" '[ "$seen" = 0 ]' \
    "pid $pid not in $(wc -l <"$fout") lines"

# Rotation while following, then while stopped: nothing skipped or repeated.
if active; then
	cur=$T_TMP/r.cursor out=$T_TMP/r.jsonl
	db0=$(sed -n 's/^db //p' "$T_TMP/k.cursor")
	$X --follow --cursor "$cur" --batch-rows 100 >"$out" 2>"$T_TMP/r.err" &
	EXP_PID=$!
	"$WORKLOAD" storm 300 >/dev/null 2>&1
	mv "$T_DB" "$T_TMP/rot1.db"
	"$WORKLOAD" storm 200 >/dev/null 2>&1
	kill -HUP "$D_PID"
	wait_for 10 "[ -s '$T_DB' ]"
	"$WORKLOAD" storm 200 >/dev/null 2>&1
	wait_for 20 "grep -q 'continuing with the new' '$T_TMP/r.err'"
	sleep 1
	exp_stop
	"$WORKLOAD" storm 100 >/dev/null 2>&1
	mv "$T_DB" "$T_TMP/rot2.db"
	kill -HUP "$D_PID"
	wait_for 10 "[ -s '$T_DB' ]"
	"$WORKLOAD" storm 100 >/dev/null 2>&1
	d_stop
	db1=$(sed -n 's/^db //p' "$cur")
	$X --cursor "$cur" >>"$out" 2>>"$T_TMP/r.err"
	db2=$(sed -n 's/^db //p' "$cur")
	keys_of "$out" >"$T_TMP/r.got"
	{ db_keys "$db0" "$T_TMP/rot1.db"; db_keys "$db1" "$T_TMP/rot2.db"
	  db_keys "$db2" "$T_DB"; } | sort >"$T_TMP/r.want"
	rdups=$(uniq -d "$T_TMP/r.got" | wc -l)
	ndb=$(cut -d' ' -f1 "$T_TMP/r.got" | sort -u | wc -l)
fi
ok_if "two rotations: every row of the three files exactly once" \
    'cmp -s "$T_TMP/r.got" "$T_TMP/r.want" && [ "$rdups" = 0 ] && [ "$ndb" = 3 ]' \
    "want $(wc -l <"$T_TMP/r.want"), got $(wc -l <"$T_TMP/r.got"), repeated $rdups, databases $ndb" \
    "$(cat "$T_TMP/r.err")" "$(diff "$T_TMP/r.want" "$T_TMP/r.got" | head -5)"

# A hostile server: one that never answers, one that answers 500 with
# megabytes of garbage.  The export gives up on each request in time,
# keeps its memory small, logs the trouble once, and records nothing.
hostile() {	# mode port readyfile
	exec python3 - "$1" "$2" "$3" >/dev/null 2>&1 <<'EOF'
import socket, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(16)
open(sys.argv[3], "w").close()
held = []
while True:
    c, _ = s.accept()
    if mode == "silent":
        held.append(c)		# read nothing, answer nothing
        continue
    c.settimeout(5)
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n\r\n"
                  b"\x1b[31mgarbage\xff\n")
        junk = b"\x00\xff" * 65536
        for i in range(80):
            c.sendall(junk)
    except OSError:
        pass
    c.close()
EOF
}
for mode in silent garbage; do
	if active; then
		port=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		hostile "$mode" "$port" "$T_TMP/h-$mode.ready" &
		hpid=$!
		wait_for 10 "[ -e '$T_TMP/h-$mode.ready' ]"
		hcur=$T_TMP/h-$mode.cursor
		$X --follow --cursor "$hcur" --to "http://127.0.0.1:$port/" \
		    --timeout 1s --batch-rows 500 2>"$T_TMP/h-$mode.err" &
		EXP_PID=$!
		sleep 4
		alive=0
		kill -0 "$EXP_PID" 2>/dev/null && alive=1
		hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' \
		    "/proc/$EXP_PID/status")
		exp_stop
		kill "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
		lines=$(wc -l <"$T_TMP/h-$mode.err")
	fi
	ok_if "a $mode server: retried, logged once, bounded, cursor not moved" \
	    '[ "$alive" = 1 ] && [ "$lines" = 1 ] && grep -qx "tasks 0" "$hcur" &&
	     [ "${hwm:-999999}" -lt 65536 ] &&
	     ! grep -q "$(printf "\033")" "$T_TMP/h-$mode.err"' \
	    "alive $alive, peak RSS ${hwm}KiB, log:" "$(cat "$T_TMP/h-$mode.err")"
done

t_done
