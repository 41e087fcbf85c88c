#!/bin/sh
# iotop.sh: `taskacct iotop` against the real kernel and a recorder.
#
# Ground truth from dd with O_DIRECT on a disk (not tmpfs), whose
# write_bytes is exactly what it wrote:
#  - a dd writing 16 MiB that lives a few tens of ms, between two
#    refreshes: iotop shows it exited, with its 16 MiB, from its exit
#    record (rounds it straddles add up to 16 MiB);
#  - a long-lived dd fed 1 MiB at a time from a pipe: running in several
#    rounds, then exited, its rounds adding up to exactly what it wrote
#    (its exit record minus iotop's last sample: not counted twice);
#  - unprivileged (nobody, no capabilities): the fallback, said once on
#    stderr, still shows the short dd from its exit record;
#  - a task name with a terminal escape is printed escaped;
#  - bad options: one line, usage status 2, nothing on stdout;
#  - the terminal screen under script(1): draws a header, q quits, exit 0.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
MIB=1048576
# Blocks of file system metadata a writer may be charged with (ext4: the
# inode of the file it created); a double count would add megabytes.
META_SLACK=65536

need_daemon_env
if ! skipping; then
	command -v dd >/dev/null 2>&1 || T_SKIP="no dd"
	command -v script >/dev/null 2>&1 || T_SKIP="no script(1)"
	command -v setpriv >/dev/null 2>&1 || T_SKIP="no setpriv"
fi
skipping || need_binaries "$TASKACCT"
t_setup iotop

# jf file pid key: key's values in the jsonl rows of pid, one a line.
jf() {
	sed -n "/\"pid\":$2,/s/.*\"$3\":\\([^,}]*\\).*/\\1/p" "$1" |
	    tr -d '"'
}

# mib_ok n bytes: bytes is n MiB, plus at most META_SLACK.
mib_ok() {
	[ "${2:-0}" -ge $(($1 * MIB)) ] && [ "$2" -le $(($1 * MIB + META_SLACK)) ]
}

# jsum file pid key: their sum.
jsum() {
	jf "$@" | awk '{ s += $1 } END { print s + 0 }'
}

# iotop_bg name args...: iotop in the background into $T_TMP/name.out
# (+ .err); waits for its first round, so that what follows starts after
# its first pass.  Sets I_PID.
iotop_bg() {
	_in=$1; shift
	"$TASKACCT" --db "$T_DB" iotop "$@" >"$T_TMP/$_in.out" \
	    2>"$T_TMP/$_in.err" &
	I_PID=$!
	T_PIDS="$T_PIDS $I_PID"
	wait_for 30 "[ -s '$T_TMP/$_in.out' ] || ! kill -0 $I_PID 2>/dev/null"
}

skipping || d_start
DISK=$(skipping || disk_dir)

# --- a short dd, between two refreshes ------------------------------------
if active; then
	iotop_bg short -b -d 1 -n 3 --format jsonl
	dd if=/dev/zero of="$DISK/short.dat" bs=1M count=16 oflag=direct \
	    2>"$T_TMP/dd.err" &
	DD=$!
	wait "$DD"
	wait "$I_PID"
	I_RC=$?
fi
ok_if "iotop -b -n 3 ran its rounds" '[ "$I_RC" = 0 ] &&
    [ "$(sed -n "s/^{\"round\":\([0-9]*\),.*/\1/p" "$T_TMP/short.out" |
    sort -u | tr "\n" " ")" = "1 2 3 " ]' "exit $I_RC" \
    "$(cat "$T_TMP/short.err" 2>/dev/null)"
ok_if "the short dd is there, state exited, with its 16 MiB written" \
    'mib_ok 16 "$(jsum "$T_TMP/short.out" "$DD" write_bytes)" &&
    [ "$(jf "$T_TMP/short.out" "$DD" state | tail -n 1)" = exited ] &&
    [ "$(jf "$T_TMP/short.out" "$DD" comm | sort -u)" = dd ]' \
    "dd pid $DD rows:" "$(grep "\"pid\":$DD," "$T_TMP/short.out")" \
    "$(cat "$T_TMP/dd.err")"
ok_if "in the round it ran: one row, or rounds adding up to it" \
    '[ "$(jf "$T_TMP/short.out" "$DD" round | wc -l)" -le 2 ] &&
    [ "$(jf "$T_TMP/short.out" "$DD" cpu | wc -l)" -ge 1 ]'
rm -f "$DISK/short.dat"

# --- a long-lived writer, sampled, then exiting mid-round -----------------
if active; then
	iotop_bg long -b -d 0.5 -n 12 --format jsonl --only
	(for _i in 1 2 3 4 5 6 7 8; do
		head -c "$MIB" /dev/zero
		sleep 0.25
	done) | dd of="$DISK/long.dat" bs=1M iflag=fullblock oflag=direct \
	    2>"$T_TMP/ddl.err" &
	DL=$!
	wait "$DL"
	wait "$I_PID"
	I_RC=$?
fi
ok_if "the long writer shows running in consecutive rounds" \
    '[ "$(jf "$T_TMP/long.out" "$DL" state | grep -c running)" -ge 2 ]' \
    "$(grep "\"pid\":$DL," "$T_TMP/long.out")"
ok_if "its rounds add up to the 8 MiB it wrote, its exit counted once" \
    'mib_ok 8 "$(jsum "$T_TMP/long.out" "$DL" write_bytes)" &&
    [ "$(jf "$T_TMP/long.out" "$DL" state | tail -n 1)" = exited ]' \
    "sum $(jsum "$T_TMP/long.out" "$DL" write_bytes), want $((8 * MIB))" \
    "$(grep "\"pid\":$DL," "$T_TMP/long.out")" \
    "$(cat "$T_TMP/long.err")"
rm -f "$DISK/long.dat"

# --- a hostile task name, in a table ----------------------------------------
ESC=$(printf '\033')
if active; then
	ln -s "$(command -v dd)" "$T_TMP/${ESC}]0;PWN"
	iotop_bg hostile -b -d 0.5 -n 3 --only --width 0
	"$T_TMP/${ESC}]0;PWN" if=/dev/zero of="$DISK/h.dat" bs=1M count=2 \
	    oflag=direct 2>/dev/null
	wait "$I_PID"
	rm -f "$DISK/h.dat"
fi
ok_if "a task name with an escape is printed escaped, never raw" \
    'grep -q "\\\\033]0;PWN" "$T_TMP/hostile.out" &&
    ! grep -q "$ESC" "$T_TMP/hostile.out"' \
    "$(grep -i pwn "$T_TMP/hostile.out" | od -c | head -n 5)"
ok_if "each round has its header line and table header" \
    '[ "$(grep -c "^round [0-9]* at " "$T_TMP/hostile.out")" = 3 ] &&
    [ "$(grep -c "^ *PID  USER" "$T_TMP/hostile.out")" = 3 ]' \
    "$(head -n 5 "$T_TMP/hostile.out")"

# --- unprivileged: the daemon's rows instead, said once --------------------
if active; then
	chmod 755 "$T_TMP"
	chmod o+r "$T_DB" "$T_DB-wal" "$T_DB-shm" 2>/dev/null
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    --inh-caps=-all --bounding-set=-all "$TASKACCT" --db "$T_DB" \
	    iotop -b -d 1 -n 3 --format jsonl >"$T_TMP/nobody.out" \
	    2>"$T_TMP/nobody.err" &
	I_PID=$!
	T_PIDS="$T_PIDS $I_PID"
	wait_for 30 "[ -s '$T_TMP/nobody.out' ] || [ -s '$T_TMP/nobody.err' ]"
	wait_for 30 "[ -s '$T_TMP/nobody.out' ] || ! kill -0 $I_PID"
	dd if=/dev/zero of="$DISK/nobody.dat" bs=1M count=16 oflag=direct \
	    2>/dev/null &
	DN=$!
	wait "$DN"
	wait "$I_PID"
	I_RC=$?
	rm -f "$DISK/nobody.dat"
fi
ok_if "unprivileged: falls back, says so in one line on stderr" \
    '[ "$I_RC" = 0 ] && [ "$(wc -l <"$T_TMP/nobody.err")" = 1 ] &&
    grep -q "not root nor CAP_NET_ADMIN" "$T_TMP/nobody.err" &&
    grep -q "not sampling\|showing taskacctd.s samples" \
    "$T_TMP/nobody.err"' "exit $I_RC" \
    "$(cat "$T_TMP/nobody.err" 2>/dev/null)"
ok_if "and still shows the short dd, exited, from its exit record" \
    'mib_ok 16 "$(jsum "$T_TMP/nobody.out" "$DN" write_bytes)" &&
    [ "$(jf "$T_TMP/nobody.out" "$DN" state)" = exited ]' \
    "$(grep "\"pid\":$DN," "$T_TMP/nobody.out")"

# --- bad options ------------------------------------------------------------
# bad desc pattern args...: one line on stderr, status 2, no stdout.
bad() {
	_bd=$1 _bp=$2; shift 2
	if skipping; then
		t_skip "$_bd" "$T_SKIP"
		return
	fi
	"$TASKACCT" --db "$T_DB" iotop -b "$@" >"$T_TMP/bad.out" \
	    2>"$T_TMP/bad.err"
	_rc=$?
	ok_if "$_bd" '[ "$_rc" = 2 ] && [ ! -s "$T_TMP/bad.out" ] &&
	    [ "$(wc -l <"$T_TMP/bad.err")" = 1 ] &&
	    grep -q -- "$_bp" "$T_TMP/bad.err"' "exit $_rc" \
	    "$(cat "$T_TMP/bad.err")"
}
bad "-d 0 is refused" "at least 100ms" -d 0
bad "-d -1 is refused" "iotop -d" -d -1
bad "-d garbage is refused" "iotop -d" -d 1x
bad "-n x is refused" "bad iotop -n" -n x
bad "-n 0 is refused" "bad iotop -n" -n 0
bad "--sort nonsense is refused" "unknown --sort" --sort nonsense
bad "--format json is refused (jsonl is the stream)" "use jsonl" \
    --format json -n 1

# --- the terminal screen ------------------------------------------------------
if active; then
	mkfifo "$T_TMP/keys"
	TERM=xterm COLUMNS=100 LINES=30 script -q -f -e -c \
	    "$TASKACCT --db $T_DB iotop -d 0.2" "$T_TMP/screen.out" \
	    <"$T_TMP/keys" >/dev/null 2>&1 &
	S_PID=$!
	T_PIDS="$T_PIDS $S_PID"
	exec 3>"$T_TMP/keys"
	wait_for 30 "grep -q 'WRITE/s' '$T_TMP/screen.out' 2>/dev/null"
	printf 'w' >&3
	printf 'q' >&3
	_i=0
	while [ $_i -lt 100 ] && kill -0 "$S_PID" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	exec 3>&-
	kill -0 "$S_PID" 2>/dev/null && kill -KILL "$S_PID"
	wait "$S_PID"
	S_RC=$?
fi
ok_if "the screen draws its header and table, q quits with status 0" \
    '[ "$S_RC" = 0 ] && grep -q "taskacct iotop" "$T_TMP/screen.out" &&
    grep -q "WRITE/s" "$T_TMP/screen.out"' "exit $S_RC" \
    "$(tail -c 400 "$T_TMP/screen.out" 2>/dev/null | od -c | tail -n 5)"

t_done
