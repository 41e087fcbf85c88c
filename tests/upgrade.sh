#!/bin/sh
# upgrade.sh: SIGUSR2 upgrades taskacctd in place without a gap.
#
# The daemon runs from a copy of the binary in the test's directory, as
# user nobody, with live sampling every second, metrics and identity
# capture.  The copy is replaced the way a package upgrade does it (a new
# file renamed over the old), then, during a fork storm, SIGUSR2: every
# pid the storm created must be stored, no loss counted, one runs row (no
# gap in `taskacct status`), the same PID, the sampler child answering,
# metrics served, identities captured.  A broken binary at the path (a
# script that exits 1, a truncated ELF) is refused with one log line each
# and the old image keeps recording; a good one then upgrades again.  A
# plain stop and start leaves a gap that status shows to the microsecond.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

UP_N=${UP_N:-4000}	# storm forks; at 250-1300/s, 3-16 s

need_daemon_env
if ! skipping; then
	for _c in curl python3; do
		command -v $_c >/dev/null 2>&1 || T_SKIP="$_c not installed"
	done
fi
skipping || need_binaries ./taskacct
t_setup upgrade
TASKACCT=./taskacct
BIN=$T_TMP/bin/taskacctd
GOOD=$T_TMP/good
PORT=$((20000 + $$ % 20000))
ADDR=127.0.0.1:$PORT
# The database in a directory the daemon creates and hands to nobody.
T_DB=$T_TMP/db/upgrade.db
if ! skipping; then
	chmod 0711 "$T_TMP"
	mkdir -p "$T_TMP/bin" && chmod 0755 "$T_TMP/bin"
	cp "$TASKACCTD" "$BIN" && cp "$TASKACCTD" "$GOOD"
fi

# install FILE: put FILE at the daemon's path as a package manager does
# (a new file renamed over the running one, which lives on as "deleted").
install_bin() {
	cp "$1" "$BIN.new" && chmod 0755 "$BIN.new" && mv -f "$BIN.new" "$BIN"
}
nlines() {	# pattern: lines of the log matching it
	grep -c "$1" "$T_LOG" 2>/dev/null
}
rows() {
	q "SELECT count(*) FROM tasks WHERE run_id = ${RUN_ID:-0}"
}
# probe TOKEN: one exec whose argv ends in TOKEN; waits for its row.
probe() {
	/bin/sh -c 'exit 5' "$1"
	wait_for 20 "[ \"\$(q \"SELECT count(*) FROM tasks t JOIN cmdlines c
	    ON c.id = t.args_id WHERE t.kind = 0 AND t.ac_exitcode = 1280 AND
	    hex(c.args) LIKE '%00' || hex('$1') || '00'\")\" = 1 ]"
}
priv_pid() {	# the daemon's privileged child named $1
	for _p in $(pgrep -x "${1:-taskacctd-priv}" 2>/dev/null); do
		[ "$(awk '{ print $4 }' "/proc/$_p/stat" 2>/dev/null)" = \
		    "$D_PID" ] && echo "$_p"
	done
}
passes_after() {	# us: sample passes ended after it
	q "SELECT count(*) FROM sample_passes WHERE time > $1"
}

TASKACCTD=$BIN
check "taskacctd starts as nobody with sampling, metrics and identity" \
    d_start --user nobody --sample-interval 1 --metrics "$ADDR"
PID0=$D_PID
if active; then
	wait_for 20 "[ \"\$(passes_after 0)\" -gt 0 ]"
	PRIV0=$(priv_pid)
	IDENT0=$(priv_pid taskacctd-ident)
	install_bin "$GOOD"
	r0=$(rows)
	"$WORKLOAD" storm "$UP_N" "$T_TMP/pids" >"$T_TMP/storm.out" 2>&1 &
	SP=$!
	# Mid-storm: once some of its exits are stored.
	wait_for 30 "[ \$(rows) -gt \$((r0 + 300)) ]"
	T_USR2=$(date +%s%6N)
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgraded in place') -ge 1 ]"
	kill -0 "$SP" 2>/dev/null || diag "the storm ended before the \
upgrade completed: the check is weaker"
	wait "$SP"
	parent=$(kv "$T_TMP/storm.out" parent)
fi
ok_if "SIGUSR2 mid-storm: one 'upgraded in place' line, no refusal" \
    "[ \$(nlines 'upgraded in place') = 1 ] &&
     [ \$(nlines 'upgrade refused\|upgrade failed') = 0 ]"
ok_if "the daemon kept its PID and runs the new file" \
    "d_alive && [ \"\$D_PID\" = \"$PID0\" ] &&
     [ \"\$(readlink /proc/\$D_PID/exe)\" = \"$BIN\" ]"
ok_if "the daemon is still user nobody with no capability" \
    "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/\$D_PID/status)\" = \
\"\$(id -u nobody)\" ] && grep -q '^CapEff:.*0000000000000000' \
/proc/\$D_PID/status"
sq() {
	q -cmd "CREATE TEMP TABLE s(pid INTEGER)" \
	    -cmd ".import '$T_TMP/pids' s" "$@"
}
missing="SELECT count(*) FROM s WHERE pid NOT IN (SELECT ac_pid FROM tasks
    WHERE kind = 0 AND run_id = ${RUN_ID:-0} AND ac_ppid = ${parent:-0})"
if active; then
	wait_for 30 "[ \"\$(sq \"$missing\")\" = 0 ]"
	diag "storm: $(tr '\n' ' ' <"$T_TMP/storm.out")"
fi
ok_if "all $UP_N pids of the storm across SIGUSR2 are stored" \
    "[ \"\$(sq 'SELECT count(*) FROM s')\" = $UP_N ] &&
     [ \"\$(sq \"$missing\")\" = 0 ]" \
    "missing: $(active && sq "$missing")"
sql_is "exactly one row per storm pid" "$UP_N" \
    "SELECT count(*) FROM tasks WHERE kind = 0 AND ac_ppid = ${parent:-0}
     AND run_id = ${RUN_ID:-0}"
sql_is "the losses table is empty" "0" "SELECT count(*) FROM losses" \
    "SELECT * FROM losses"
sql_is "one run, open, the same pid: one continuous history" \
    "1|1|${PID0:-}" "SELECT count(*), sum(stop_time IS NULL),
     max(daemon_pid) FROM runs" "SELECT * FROM runs"
if active; then
	$TASKACCT --db "$T_DB" status --format jsonl >"$T_TMP/status" 2>&1
fi
ok_if "status: running, no gap" \
    "grep -q '\"state\":\"running\"' \"$T_TMP/status\" &&
     ! grep -q gap_us \"$T_TMP/status\"" "$(cat "$T_TMP/status" 2>/dev/null)"
if active; then
	wait_for 20 "[ \"\$(passes_after $T_USR2)\" -gt 0 ]"
fi
ok_if "the sampler's privileged child lives on and answers passes" \
    "[ -n \"$PRIV0\" ] && [ \"\$(priv_pid)\" = \"$PRIV0\" ] &&
     [ \"\$(passes_after $T_USR2)\" -gt 0 ]"
scrape() {
	curl -sf --max-time 5 "http://$ADDR/metrics" |
	    grep -q '^taskacct_build_info'
}
ok_if "metrics are served from the same socket" scrape
ok_if "identity capture goes on: an exec's argv is stored" \
    "probe up-probe-$$-1"
# The probe is root's: the nobody recorder reads its exe through the
# identity reader (src/identpriv.c), which must be handed over too.
ok_if "the identity reader lives on: root's exe is read after the upgrade" \
    "[ -n \"$IDENT0\" ] && [ \"\$(priv_pid taskacctd-ident)\" = \"$IDENT0\" ] &&
     [ \"\$(q \"SELECT count(*) FROM tasks t JOIN cmdlines c ON c.id = t.args_id
      JOIN exes e ON e.id = t.exe_id WHERE hex(c.args) LIKE
      '%00' || hex('up-probe-$$-1') || '00' AND e.path LIKE '/%'\")\" = 1 ]" \
    "ident0=$IDENT0 now=$(priv_pid taskacctd-ident)"

# --- broken binaries at the path ------------------------------------------
if active; then
	printf '#!/bin/sh\necho "this is not taskacctd" >&2\nexit 1\n' \
	    >"$T_TMP/script"
	install_bin "$T_TMP/script"
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgrade refused') -ge 1 ]"
	head -c 8192 "$GOOD" >"$T_TMP/truncated"
	install_bin "$T_TMP/truncated"
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgrade refused') -ge 2 ]"
	grep 'upgrade refused' "$T_LOG" | sed 's/^/# /'
fi
REF_SCRIPT="upgrade refused.*$BIN --upgrade-check failed (exit 1): this is \
not taskacctd"
# The kernel may refuse it (ENOEXEC) or map it and let it crash.
REF_ELF="upgrade refused.*--upgrade-check.*\(cannot execute it\|killed by \
signal\)"
ok_if "a script that exits 1: one clear line naming the check's failure" \
    "[ \$(nlines \"\$REF_SCRIPT\") = 1 ]"
ok_if "a truncated ELF: one clear line" "[ \$(nlines \"\$REF_ELF\") = 1 ]"
ok_if "after both, the old image records on" \
    "d_alive && [ \"\$D_PID\" = \"$PID0\" ] && probe up-probe-$$-2"
if active; then
	install_bin "$GOOD"
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'upgraded in place') -ge 2 ]"
fi
ok_if "a good binary then upgrades again, recording on" \
    "[ \$(nlines 'upgraded in place') = 2 ] && probe up-probe-$$-3"
sql_is "still one run after four SIGUSR2" "1" "SELECT count(*) FROM runs"
# A SIGTERM while the new binary is being checked is not lost in the exec:
# the new image stops.  (A wrapper script that execs the binary works as
# the binary: same process, same descriptors.)
if active; then
	printf '#!/bin/sh\n[ "$1" = --upgrade-check ] && sleep 2\nexec %s "$@"\n' \
	    "$GOOD" >"$T_TMP/slow"
	install_bin "$T_TMP/slow"
	kill -USR2 "$D_PID"
	wait_for 30 "[ \$(nlines 'checking') -ge 4 ]"
fi
check "SIGTERM during the check: the new image gets it and stops cleanly" \
    d_stop
ok_if "... after upgrading in place" \
    "[ \$(nlines 'upgraded in place') = 3 ] &&
     tail -n 4 \"$T_LOG\" | grep -q 'signal 15: stopping'"
sql_is "the run ended clean" "1" "SELECT clean FROM runs"

# --- the new image's side: schema migration, and what it refuses ------------
# tests/upgrade_adopt.py plays the old image (it execs taskacctd in its own
# process, as the upgrade does) on a database of schema 3.
ADB=$T_TMP/adopt/v3.db
ADB_Q="sqlite3 -batch -cmd '.timeout 5000' $ADB"
if active; then
	mkdir -p "$T_TMP/adopt"
	cat tests/schema_v1.sql build/sql/migrate-2.sql build/sql/migrate-3.sql |
	    sqlite3 "$ADB"
fi
adopt() {	# mode: the old image hands over wrong in this way
	timeout 30 python3 tests/upgrade_adopt.py "$ADB" "$GOOD" "$1" \
	    --sample-interval 0 >"$T_TMP/adopt-$1.out" 2>&1
}
for m in pipe:'is not a socket' proto:'protocol 11: expected 16, 3, 16' \
    closed:'900 is not a socket (not open)' lock:'is not this file' \
    twice:'not the state of an upgrade' version:'not the state of' \
    garbage:'x=??")$'; do
	mode=${m%%:*} pat=${m#*:}
	ok_if "a wrong hand-over ($mode) fails with one line: $pat" \
	    "! adopt $mode && [ \$(wc -l <\"$T_TMP/adopt-$mode.out\") = 1 ] &&
	     grep -q 'taskacctd: upgrade: .*$pat' \"$T_TMP/adopt-$mode.out\"" \
	    "$(cat "$T_TMP/adopt-$mode.out" 2>/dev/null)"
done
ok_if "... and leaves the database of schema 3 as it was" \
    "[ \"\$($ADB_Q 'PRAGMA user_version')\" = 3 ]"
if active; then
	python3 tests/upgrade_adopt.py "$ADB" "$GOOD" good --sample-interval 0 \
	    >"$T_TMP/adopt-good.out" 2>&1 &
	A_PID=$!
	wait_for 20 "grep -q 'upgraded in place' \"$T_TMP/adopt-good.out\""
fi
# The version this build records (include/taskacct.h, the one definition).
SCHEMA=$(sed -n 's/^#define[[:space:]]*TASKACCT_SCHEMA_VERSION[[:space:]]*//p' \
    include/taskacct.h)
ok_if "a good hand-over migrates the database to schema $SCHEMA and records on" \
    "[ \"\$($ADB_Q 'PRAGMA user_version')\" = \"$SCHEMA\" ] && kill -0 $A_PID" \
    "$(cat "$T_TMP/adopt-good.out" 2>/dev/null)"
ok_if "the adopted lock keeps a second taskacctd out" \
    "! $GOOD -f -d $ADB --user root >\"$T_TMP/second\" 2>&1 &&
     grep -q 'another taskacctd is already recording' \"$T_TMP/second\""
ok_if "a drop counter handed over ahead of the socket's counts no drop" \
    "! grep -q 'dropped' \"$T_TMP/adopt-good.out\""
if active; then
	kill -TERM "$A_PID"
	wait "$A_PID"
	A_RC=$?
fi
ok_if "the adopted run stops cleanly, its row taken over (one row)" \
    "[ \"\$A_RC\" = 0 ] && [ \"\$($ADB_Q \"SELECT count(*), clean,
     taskacct_version <> 'old' FROM runs WHERE daemon_pid = $A_PID\")\" = \
'1|1|1' ]"

# --- a plain stop and start: the gap, exact ----------------------------------
check "taskacctd starts again on the same database" \
    d_start --user nobody --sample-interval 0
check "and stops" d_stop
if active; then
	$TASKACCT --db "$T_DB" status --format jsonl >"$T_TMP/status2" 2>&1
	gap=$(sed -n 's/.*"after_run":1,.*"gap_us":\([0-9]*\).*/\1/p' \
	    "$T_TMP/status2")
fi
sql_is "status shows the stop-start gap to the microsecond" "${gap:-none}" \
    "SELECT b.start_time - a.stop_time FROM runs a JOIN runs b ON
     b.id = a.id + 1 WHERE a.id = 1"

t_done
