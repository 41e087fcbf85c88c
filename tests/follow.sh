#!/bin/sh
# follow.sh: `taskacct last --follow` against a live recorder.
#
# It waits for a database not created yet; a new exit shows within a
# second of its commit (measured from the commit, seen by polling the
# database, to the line); jsonl lines parse and have the keys of `last
# --format jsonl`; filters apply to followed rows (--comm, --failed,
# --args); a 2,000-exit storm comes out in commit order with no row
# missing or repeated (against `sql`), while the follower never holds the
# recorder's WAL back; a hostile name is escaped (table and jsonl); a
# rotation (mv, SIGHUP) mid-follow finishes the old file, then the new
# one from its start; SIGINT and SIGTERM end it with status 0 and whole
# lines; `| head -1` ends it (status 0) even when no exit comes; waiting,
# it uses no CPU (no polling); --until is refused; completion offers it.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
HOSTILE=$(printf 'ev\033[31mil\nx\377')
STORM=${STORM:-2000}
LATENCY_MAX_MS=1000	# "within a second" (issue 14)
IDLE_CPU_MAX_MS=50	# over IDLE_S seconds of waiting
IDLE_S=3
FPID=

need_daemon_env
skipping || need_binaries "$TASKACCT"
command -v python3 >/dev/null 2>&1 || T_SKIP=${T_SKIP:-"python3 not installed"}
t_setup follow
F="$TASKACCT --db $T_DB last"

follow_cleanup() {
	_f_rc=$?
	[ -n "$FPID" ] && kill -KILL "$FPID" 2>/dev/null
	[ -n "$D_PID" ] && kill -CONT "$D_PID" 2>/dev/null
	(exit "$_f_rc")
	t_cleanup
}
trap follow_cleanup EXIT

# fstart name args...: `last -f args` in the background, output in
# $T_TMP/name.out and .err; sets FPID.
fstart() {
	_n=$1; shift
	# shellcheck disable=SC2086
	$F -f "$@" >"$T_TMP/$_n.out" 2>"$T_TMP/$_n.err" &
	FPID=$!
}

# fready name: wait for the follower's first line (-n 1: its first round
# is done, so what runs next comes after it).
fready() {
	wait_for 10 "[ -s '$T_TMP/$1.out' ]"
}

# fstop [SIG]: stop the follower (default INT); its status in FRC.
fstop() {
	[ -n "$FPID" ] || return 0
	kill -"${1:-INT}" "$FPID" 2>/dev/null
	wait "$FPID"
	FRC=$?
	FPID=
}

# A program of that name (a copy of true or false): its comm.
prog() {	# name [false]
	cp "/bin/${2:-true}" "$T_TMP/$1"
}

# has file pattern: a line of file matches the fixed string.
has() {
	grep -qF -- "$2" "$1" 2>/dev/null
}

# The "id" of every JSON line of file, one a line.
ids_of() {
	python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"): print(json.loads(l)["id"])' "$1"
}

# The process rows (one per `last` line) of db with ids from $2 to $3.
proc_ids() {	# db first last
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$1" "SELECT id FROM \
tasks WHERE kind = 0 AND (ac_flag & 32 OR version < 12) AND id BETWEEN $2 \
AND $3 ORDER BY id"
}

# The newest process row of db.
proc_max() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$1" "SELECT max(id) \
FROM tasks WHERE kind = 0 AND (ac_flag & 32 OR version < 12)"
}

# --- a database not there yet ------------------------------------------------
if ! skipping; then
	prog flwfirst
	fstart first --format jsonl -n 1000
	wait_for 5 "has '$T_TMP/first.err' 'waiting for taskacctd'"
fi
check "taskacctd starts while follow waits for its database" d_start
if active; then
	"$T_TMP/flwfirst"
	wait_for 10 "has '$T_TMP/first.out' '\"comm\":\"flwfirst\"'"
	first=$?
	fstop
fi
ok_if "follow waited for the database, then showed its first exits" \
    '[ "$first" = 0 ] && [ "$FRC" = 0 ]' \
    "status $FRC, $(cat "$T_TMP/first.err" 2>/dev/null)"

# --- latency: from the commit to the line -------------------------------------
# Polls the database (short reads) and the output every 2 ms: the time
# from the row's first sight in the database to its line, median of 5.
if active; then
	prog flwlat
	fstart lat --format jsonl -n 1
	fready lat
	lat=$(python3 - "$T_DB" "$T_TMP/lat.out" "$T_TMP/flwlat" <<'EOF'
import os, sqlite3, subprocess, sys, time
db, out, prog = sys.argv[1:4]
res = []
for i in range(5):
    name = "flwlat%d" % i
    path = os.path.join(os.path.dirname(prog), name)
    os.link(prog, path)
    subprocess.run([path])
    tc = tl = None
    end = time.monotonic() + 10
    while (tc is None or tl is None) and time.monotonic() < end:
        now = time.monotonic()
        if tc is None:
            c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
            if c.execute("SELECT 1 FROM tasks WHERE ac_comm = ?",
                         (name,)).fetchone():
                tc = now
            c.close()
        if tl is None and ('"comm":"%s"' % name) in open(out).read():
            tl = now
        time.sleep(0.002)
    if tc is None or tl is None:
        print("never"); sys.exit(0)
    res.append(max(0.0, tl - tc) * 1000)
res.sort()
print("%.0f %s" % (res[2], " ".join("%.0f" % r for r in res)))
EOF
)
	fstop
	diag "commit to line: median ${lat%% *} ms (of 5: ${lat#* })"
fi
ok_if "a new exit shows within ${LATENCY_MAX_MS} ms of its commit" \
    '[ -n "$lat" ] && [ "$lat" != never ] && [ "${lat%% *}" -lt $LATENCY_MAX_MS ]' \
    "latency: $lat"

# --- jsonl keys, filters ------------------------------------------------------
if active; then
	prog flwfok
	prog flwfbad false
	prog flwargs
	prog flwother
	"$T_TMP/flwfbad" pre; "$T_TMP/flwargs" zq-flw-arg-0
	wait_for 10 "[ -n \"\$(q \"SELECT 1 FROM tasks WHERE ac_comm = 'flwargs'\")\" ]"
	fstart filt --format jsonl -n 1 --comm 'flwf*' --failed
	FILT=$FPID
	fstart args --format jsonl -n 1 --args '*zq-flw-arg*'
	ARGS=$FPID
	fready filt
	fready args
	"$T_TMP/flwfok"; "$T_TMP/flwfbad"; "$T_TMP/flwother"
	"$T_TMP/flwargs" zq-flw-arg-1; "$T_TMP/flwargs" other-arg
	"$T_TMP/flwfbad" second
	"$T_TMP/flwargs" zq-flw-arg-2
	wait_for 10 "has '$T_TMP/filt.out' '\"args\":[\"$T_TMP/flwfbad\",\"second\"]'"
	# (not grep: its own command line would match --args)
	wait_for 10 "[ \$(wc -l <'$T_TMP/args.out') -ge 3 ]"
	FPID=$FILT; fstop
	FPID=$ARGS; fstop
	$F --format jsonl -n 1 >"$T_TMP/last1.out"
	keys=$(python3 - "$T_TMP/last1.out" "$T_TMP/filt.out" "$T_TMP/args.out" <<'EOF'
import json, sys
want = list(json.loads(open(sys.argv[1]).readline()))
for f in sys.argv[2:]:
    for n, l in enumerate(open(f, "rb"), 1):
        o = json.loads(l)
        if list(o) != want:
            sys.exit("%s:%d: keys %s, want %s" % (f, n, list(o), want))
print("ok")
EOF
)
	filt=$(python3 -c '
import json, sys
import os
print(" ".join("%s:%d:%s" % (o["comm"], o["exit_code"],
      os.path.basename(o["args"][-1])) for o in
      map(json.loads, open(sys.argv[1], "rb"))))' "$T_TMP/filt.out")
	args=$(python3 -c '
import json, sys
print(" ".join(o["args"][1] for o in map(json.loads, open(sys.argv[1], "rb"))))' \
	    "$T_TMP/args.out")
fi
ok_if "jsonl: every line parses, with the keys of last --format jsonl" \
    '[ "$keys" = ok ]' "$keys"
ok_if "--comm and --failed apply to followed exits" \
    '[ "$filt" = "flwfbad:1:pre flwfbad:1:flwfbad flwfbad:1:second" ]' \
    "got: $filt"
ok_if "--args applies to followed exits" \
    '[ "$args" = "zq-flw-arg-0 zq-flw-arg-1 zq-flw-arg-2" ]' "got: $args"

# --- a storm: commit order, no gap, no repeat, the WAL never held ------------
if active; then
	fstart flood --format jsonl -n 1
	FLOOD_F=$FPID
	fready flood
	wl storm storm "$STORM"
	# (the storm's children: wait for their rows, up to a few lost ones)
	sp=$(kv "$T_TMP/storm.out" parent)
	wait_for 10 "[ \"\$(q 'SELECT count(*) FROM tasks WHERE kind = 0 AND \
ac_ppid = ${sp:-0}')\" -ge $STORM ]"
	m=$(proc_max "$T_DB")
	wait_for 20 "has '$T_TMP/flood.out' '\"id\":$m,'"
	fcpu=$(awk '{ print $14 + $15 }' "/proc/$FPID/stat")
	fstop
	# (exits go on: the lines up to the newest row when the storm ended,
	# from the second: the first is the last exit before following)
	ids_of "$T_TMP/flood.out" | awk -v m="$m" 'NR > 1 && $1 <= m' \
	    >"$T_TMP/storm.got"
	f0=$(head -n 1 "$T_TMP/storm.got")
	proc_ids "$T_DB" "$f0" "$m" >"$T_TMP/storm.want"
	nstorm=$(grep -c "\"ppid\":$sp," "$T_TMP/flood.out")
	dstorm=$(q "SELECT count(*) FROM tasks WHERE kind = 0 AND ac_flag & 32 \
AND ac_ppid = $sp AND id <= $m")
	held=$(grep -c "pid $FLOOD_F (taskacct)" "$T_LOG")
	wal=$(stat -c %s "$T_DB-wal")
	diag "$(wc -l <"$T_TMP/storm.got") lines ($nstorm of the storm), WAL $wal bytes," \
	    "follower CPU $((fcpu * 1000 / $(getconf CLK_TCK))) ms in all"
fi
ok_if "a $STORM-exit storm: every process row once, in commit order" \
    'cmp -s "$T_TMP/storm.got" "$T_TMP/storm.want" &&
     [ "$nstorm" = "$dstorm" ] && [ "$nstorm" -gt $((STORM * 9 / 10)) ]' \
    "want $(wc -l <"$T_TMP/storm.want") got $(wc -l <"$T_TMP/storm.got"), storm $nstorm of $dstorm rows" \
    "$(diff "$T_TMP/storm.want" "$T_TMP/storm.got" | head -5)"
# (No --max-size: it would prune rows of this machine's other exits
# before they are compared.  A snapshot held while waiting is what the
# lock check below sees at once.)
ok_if "... and the recorder never saw the follower hold its WAL back" \
    '[ "$held" = 0 ]' \
    "WAL $wal bytes" "$(grep -i wal "$T_LOG" | tail -3)"

# --- hostile names ---------------------------------------------------------------
if active; then
	fstart hosttab -n 1
	HT=$FPID
	fstart hostjson --format jsonl -n 1
	fready hosttab
	fready hostjson
	wl hostile rename "$HOSTILE"
	prog flwhostend
	"$T_TMP/flwhostend"
	wait_for 10 "has '$T_TMP/hostjson.out' flwhostend && has '$T_TMP/hosttab.out' flwhostend"
	fstop
	FPID=$HT; fstop
	tab_esc=$(grep -c 'ev\\033\[31mil\\012x\\377' "$T_TMP/hosttab.out")
	raw=$(tr -d '\n' <"$T_TMP/hosttab.out" | tr -d '[:print:]' | wc -c)
	json=$(python3 -c '
import json, sys
print(sum(1 for o in map(json.loads, open(sys.argv[1], "rb"))
          if o["comm"] == "ev\x1b[31mil\nx\xff"))' "$T_TMP/hostjson.out")
	head1=$(head -n 1 "$T_TMP/hosttab.out" | cut -c1-4)
fi
ok_if "table: the hostile name escaped, no raw control byte" \
    '[ "$tab_esc" -ge 1 ] && [ "$raw" = 0 ]' \
    "escaped lines $tab_esc, raw bytes $raw"
ok_if "table: the header comes first" '[ "$head1" = time ]' "first: $head1"
ok_if "jsonl: the hostile name as json escapes it" '[ "$json" -ge 1 ]' \
    "matching lines: $json"

# --- SIGINT, SIGTERM: status 0, whole lines ---------------------------------
for sig in INT TERM; do
	if active; then
		fstart "sig$sig" --format jsonl -n 100
		fready "sig$sig"
		"$WORKLOAD" storm 300 >/dev/null 2>&1 &
		spid=$!
		sleep 0.2
		fstop "$sig"
		wait "$spid"
		whole=$(python3 -c '
import json, sys
d = open(sys.argv[1], "rb").read()
ok = d.endswith(b"\n") and all(json.loads(l) for l in d.splitlines())
print("ok" if ok else "cut")' "$T_TMP/sig$sig.out" 2>&1)
		diag "SIG$sig: status $FRC, $(wc -l <"$T_TMP/sig$sig.out") lines"
	fi
	ok_if "SIG$sig ends it with status 0, every line whole" \
	    '[ "$FRC" = 0 ] && [ "$whole" = ok ] && [ ! -s "$T_TMP/sig$sig.err" ]' \
	    "status $FRC, lines: $whole, $(cat "$T_TMP/sig$sig.err")"
done

# --- the reader goes away; waiting uses no CPU ------------------------------
# The recorder is stopped (SIGSTOP): nothing is committed, so a follower
# that polls is the only thing that could wake.
if active; then
	kill -STOP "$D_PID"
	mkfifo "$T_TMP/fifo"
	$F -f --format jsonl -n 1 >"$T_TMP/fifo" 2>"$T_TMP/head.err" &
	FPID=$!
	head -n 1 <"$T_TMP/fifo" >"$T_TMP/head.out"
	wait_for 5 "! kill -0 $FPID 2>/dev/null"
	gone=$?
	wait "$FPID"
	head_rc=$?
	FPID=
	fstart idle -n 0
	sleep 1
	# Waiting, it holds no lock of the database (no read transaction,
	# which would pin the WAL) and no file of it open.
	locks=$(awk -v p="$FPID" '$5 == p' /proc/locks | wc -l)
	fds=$(ls -l "/proc/$FPID/fd" | grep -c "$T_DB")
	t0=$(awk '{ print $14 + $15 }' "/proc/$FPID/stat")
	sleep "$IDLE_S"
	t1=$(awk '{ print $14 + $15 }' "/proc/$FPID/stat")
	idle_ms=$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) ))
	kill -CONT "$D_PID"
	fstop
	diag "CPU over ${IDLE_S} s of waiting: ${idle_ms} ms"
fi
ok_if "| head -1: follow ends, status 0, though no exit comes" \
    '[ "$gone" = 0 ] && [ "$head_rc" = 0 ] && [ -s "$T_TMP/head.out" ] &&
     [ ! -s "$T_TMP/head.err" ]' \
    "ended: $gone, status $head_rc, $(cat "$T_TMP/head.err")"
ok_if "waiting, it holds no lock and no file of the database" \
    '[ "$locks" = 0 ] && [ "$fds" = 0 ]' "locks $locks, open files $fds"
ok_if "waiting uses no CPU (under ${IDLE_CPU_MAX_MS} ms in ${IDLE_S} s)" \
    '[ -n "$idle_ms" ] && [ "$idle_ms" -lt $IDLE_CPU_MAX_MS ]' "${idle_ms} ms"

# --- rotation mid-follow ---------------------------------------------------------
if active; then
	fstart rot --format jsonl -n 1
	fready rot
	"$WORKLOAD" storm 200 >/dev/null 2>&1
	mv "$T_DB" "$T_TMP/rot1.db"
	"$WORKLOAD" storm 100 >/dev/null 2>&1
	kill -HUP "$D_PID"
	wait_for 10 "[ -s '$T_DB' ]"
	"$WORKLOAD" storm 100 >/dev/null 2>&1
	wait_for 20 "has '$T_TMP/rot.err' 'following the new file'"
	m2=$(proc_max "$T_DB")
	wait_for 20 "has '$T_TMP/rot.out' '\"id\":$m2,'"
	fstop
	# (the new file's ids start over: its lines up to its newest row then)
	ids_of "$T_TMP/rot.out" | awk -v m="$m2" 'NR > 1 && $1 < p { new = 1 }
	    { p = $1 } !new || $1 <= m' >"$T_TMP/rot.got"
	sed -i 1d "$T_TMP/rot.got"
	r0=$(head -n 1 "$T_TMP/rot.got")
	{ proc_ids "$T_TMP/rot1.db" "$r0" "$(proc_max "$T_TMP/rot1.db")"
	  proc_ids "$T_DB" 0 "$m2"; } >"$T_TMP/rot.want"
fi
ok_if "rotation: the rest of the old file, then the new one, each row once" \
    'cmp -s "$T_TMP/rot.got" "$T_TMP/rot.want" && [ "$FRC" = 0 ]' \
    "want $(wc -l <"$T_TMP/rot.want") got $(wc -l <"$T_TMP/rot.got"), status $FRC" \
    "$(cat "$T_TMP/rot.err")" "$(diff "$T_TMP/rot.want" "$T_TMP/rot.got" | head -5)"
check "taskacctd stops" d_stop

# --- refusals, help, completion ------------------------------------------------
if ! skipping; then
	$F -f --until 1h >/dev/null 2>"$T_TMP/until.err"
	until_rc=$?
	$TASKACCT --db "$T_TMP/no/such/dir/x.db" last -f >/dev/null \
	    2>"$T_TMP/nodir.err"
	nodir_rc=$?
	opts=$($TASKACCT help --options last)
	comp=$(bash -c '. contrib/bash-completion/taskacct
		COMP_WORDS=(taskacct last --fol); COMP_CWORD=2
		_taskacct "$1"; echo "${COMPREPLY[*]}"
		COMP_WORDS=(taskacct last -f ""); COMP_CWORD=3
		_taskacct "$1"; echo "[${COMPREPLY[*]}]"' sh "$TASKACCT" 2>&1)
fi
ok_if "--until with --follow: one line, status 2" \
    '[ "$until_rc" = 2 ] && [ "$(wc -l <"$T_TMP/until.err")" = 1 ] &&
     grep -q -- "--until" "$T_TMP/until.err"' \
    "status $until_rc: $(cat "$T_TMP/until.err")"
ok_if "no directory for the database: one line, status 1" \
    '[ "$nodir_rc" = 1 ] && [ "$(wc -l <"$T_TMP/nodir.err")" = 1 ]' \
    "status $nodir_rc: $(cat "$T_TMP/nodir.err")"
ok_if "help --options last lists --follow; completion offers it" \
    'echo "$opts" | grep -qx -- --follow &&
     [ "$comp" = "$(printf -- "--follow\n[]")" ]' "completion: $comp"
t_done
