#!/bin/sh
# paths.sh: what taskacctd refuses at its database path (it runs as root,
# and the directory may belong to the user it becomes).  At the path, and
# at the -wal, -shm and -journal names beside it, a symbolic link, a
# directory, a device (a loop device over an image file; /dev/null), a
# FIFO, a socket or a file with several hard links is refused with one
# line naming the file and the problem, exit status 1, before anything is
# created or written: the target of a link, the device and the linked file
# keep their bytes (sha256), and no file appears.  A link planted at the
# path before SIGHUP is refused the same way, and recording goes on in the
# old file.  Option errors name the real problem: --user out of range,
# -d '', a path ending in /.  A symbolic link in a directory above the
# database is the administrator's and is followed.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

REFUSE_TIMEOUT_S=${REFUSE_TIMEOUT_S:-10}
LOOP_DEV=
PD_USER=tacct_p$$
PD_ADDED=
DEV_CREATED=

need_daemon_env
skipping || need_binaries
t_setup paths

paths_cleanup() {
	_p_rc=$?
	[ -n "$LOOP_DEV" ] && losetup -d "$LOOP_DEV" 2>/dev/null
	# Files an unfixed taskacctd made in /dev (only ones it made).
	for _f in $DEV_CREATED; do
		rm -f "$_f"
	done
	[ -n "$PD_ADDED" ] && userdel "$PD_USER" 2>/dev/null
	(exit "$_p_rc")
	t_cleanup
}
trap paths_cleanup EXIT

# refused desc status pattern db [args...]: taskacctd -d db [args] exits
# with status and prints one line matching the extended regex pattern,
# within REFUSE_TIMEOUT_S (an unfixed taskacctd may start recording).
refused() {
	_desc=$1 _st=$2 _pat=$3 _db=$4; shift 4
	if skipping; then
		t_skip "$_desc" "$T_SKIP"
		return
	fi
	timeout -k 2 "$REFUSE_TIMEOUT_S" "$TASKACCTD" -f -d "$_db" \
	    --user root "$@" >"$T_TMP/refused.out" 2>&1
	_rc=$?
	_lines=$(wc -l <"$T_TMP/refused.out")
	if [ "$_rc" = "$_st" ] && [ "$_lines" -eq 1 ] &&
	    grep -Eq -- "$_pat" "$T_TMP/refused.out"; then
		t_pass "$_desc"
	else
		t_fail "$_desc"
		diag "expected status $_st and one line matching: $_pat" \
		    "got status $_rc ($([ "$_rc" = 124 ] && echo "still \
running after ${REFUSE_TIMEOUT_S}s, killed" || echo exited)), $_lines lines:"
		sed 's/^/#   /' "$T_TMP/refused.out"
	fi
}

sha() {
	sha256sum <"$1" 2>/dev/null | cut -d ' ' -f 1
}

# unchanged desc file sha: the file still has these bytes.
unchanged() {
	_u_file=$2 _u_sha=$3
	ok_if "$1" '[ -n "$_u_sha" ] && [ "$(sha "$_u_file")" = "$_u_sha" ]' \
	    "$2 changed: sha256 $3 before, $(sha "$2") after"
}

# absent desc path...: none of the paths exists.
absent() {
	_d=$1; shift
	_there=
	for _p in "$@"; do
		[ -e "$_p" ] || [ -L "$_p" ] && _there="$_there $_p"
	done
	ok_if "$_d" '[ -z "$_there" ]' "created:$_there"
}

# listing dir: its entries with type, for "nothing created beside".
listing() {
	ls -A "$1" 2>/dev/null | tr '\n' ' '
}

# --- options ---------------------------------------------------------------

refused "--user 99999999999: out of range, exit 2" 2 \
    'uid out of range \(0 to 4294967294\)$' "$T_TMP/opt/u.db" \
    --user 99999999999
refused "-d '': the database path is missing, exit 2" 2 \
    "^taskacctd: -d needs the database file's path" ''
refused "-d DIR/ (missing): ends in /, not 'Is a directory'" 2 \
    'ends in /: give the database file.s path' "$T_TMP/opt/new/"
absent "-d DIR/: nothing created" "$T_TMP/opt"

# --- at the database path --------------------------------------------------

mkdir -p "$T_TMP/d/existing"
refused "a directory: refused, names the file to give" 1 \
    "/d/existing is a directory: give the database file.s path, such as \
.*/d/existing/taskacct.db$" "$T_TMP/d/existing"

if ! skipping; then
	mkdir -p "$T_TMP/fifo"
	mkfifo "$T_TMP/fifo/f.db"
fi
refused "a FIFO: refused at once, no hang" 1 \
    '/fifo/f.db is a FIFO, not a regular file' "$T_TMP/fifo/f.db"
ok_if "a FIFO: nothing created beside it" \
    '[ "$(listing "$T_TMP/fifo")" = "f.db " ]' \
    "in $T_TMP/fifo: $(listing "$T_TMP/fifo")"

mkdir -p "$T_TMP/sock"
if skipping; then
	t_skip "a socket: refused" "$T_SKIP"
elif ! command -v python3 >/dev/null 2>&1 ||
    ! python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$T_TMP/sock/s.db" 2>/dev/null; then
	t_skip "a socket: refused" "python3 not installed (no socket maker)"
else
	refused "a socket: refused" 1 '/sock/s.db is a socket, not a regular' \
	    "$T_TMP/sock/s.db"
fi

# /dev/null: an unfixed taskacctd leaves a root-owned /dev/null-journal.
pre_dev=
for f in /dev/null-journal /dev/null-wal /dev/null-shm; do
	[ -e "$f" ] && pre_dev="$pre_dev $f"
done
if [ -n "$pre_dev" ] && ! skipping; then
	t_skip "/dev/null: refused" "already there:$pre_dev"
	t_skip "/dev/null: no -journal, -wal or -shm created" "already there"
else
	refused "/dev/null: refused, a character device" 1 \
	    '^taskacctd: /dev/null is a character device, not a regular file' \
	    /dev/null
	for f in /dev/null-journal /dev/null-wal /dev/null-shm; do
		[ -e "$f" ] && DEV_CREATED="$DEV_CREATED $f"
	done
	absent "/dev/null: no -journal, -wal or -shm created" \
	    /dev/null-journal /dev/null-wal /dev/null-shm
fi

# A loop device over an image file: SQLite would write its header over it.
if ! skipping; then
	img=$T_TMP/loop.img
	head -c 1048576 /dev/urandom >"$img"
	img_sha=$(sha "$img")
	loop_skip=
	if ! command -v losetup >/dev/null 2>&1; then
		loop_skip="losetup not installed"
	elif ! LOOP_DEV=$(losetup -f --show "$img" 2>"$T_TMP/losetup.err"); then
		LOOP_DEV=
		loop_skip="losetup: $(head -n 1 "$T_TMP/losetup.err")"
	fi
fi
if skipping || [ -n "$loop_skip" ]; then
	for c in "a loop device: refused, a block device" \
	    "a loop device: its bytes unchanged" \
	    "a loop device: no -journal, -wal or -shm created"; do
		t_skip "$c" "${T_SKIP:-$loop_skip}"
	done
else
	loop_name=$LOOP_DEV
	pre_loop=
	for f in "$loop_name-journal" "$loop_name-wal" "$loop_name-shm"; do
		[ -e "$f" ] && pre_loop="$pre_loop $f"
	done
	refused "a loop device: refused, a block device" 1 \
	    "^taskacctd: $LOOP_DEV is a block device, not a regular file" \
	    "$LOOP_DEV"
	dev_sha=$(sha "$LOOP_DEV")
	losetup -d "$LOOP_DEV" && LOOP_DEV=
	ok_if "a loop device: its bytes unchanged" \
	    '[ "$(sha "$img")" = "$img_sha" ] && [ "$dev_sha" = "$img_sha" ]' \
	    "image sha256 $img_sha before, $(sha "$img") after (device \
$dev_sha)"
	created=
	for f in "$loop_name-journal" "$loop_name-wal" "$loop_name-shm"; do
		case " $pre_loop " in *" $f "*) continue ;; esac
		[ -e "$f" ] && created="$created $f"
	done
	DEV_CREATED="$DEV_CREATED $created"
	ok_if "a loop device: no -journal, -wal or -shm created" \
	    '[ -z "$created" ]' "created:$created"
fi

# A link to an empty file: an unfixed taskacctd writes its schema there.
if ! skipping; then
	mkdir -p "$T_TMP/ln"
	: >"$T_TMP/ln/empty"
	ln -s "$T_TMP/ln/empty" "$T_TMP/ln/to-empty.db"
	empty_sha=$(sha "$T_TMP/ln/empty")
fi
refused "a link to an empty file: refused, names the link" 1 \
    '/ln/to-empty.db is a symbolic link: not following it' \
    "$T_TMP/ln/to-empty.db"
unchanged "a link to an empty file: the file stays empty" \
    "$T_TMP/ln/empty" "${empty_sha:-}"
absent "a link to an empty file: no -journal beside the link or the file" \
    "$T_TMP/ln/to-empty.db-journal" "$T_TMP/ln/empty-journal"

# A dangling link into a directory only root may write.
if ! skipping; then
	mkdir -m 0700 "$T_TMP/private"
	ln -s "$T_TMP/private/planted.db" "$T_TMP/ln/dangling.db"
fi
refused "a dangling link into a root-only directory: refused" 1 \
    '/ln/dangling.db is a symbolic link: not following it' \
    "$T_TMP/ln/dangling.db"
absent "a dangling link: nothing created where it points" \
    "$T_TMP/private/planted.db" "$T_TMP/private/planted.db-journal" \
    "$T_TMP/ln/dangling.db-journal"

# A real taskacct database, then a link to it.
check "taskacctd starts (a database to link to)" d_start
check "taskacctd stops" d_stop
if active; then
	ln -s "$T_DB" "$T_TMP/ln/to-db.db"
	db_sha=$(sha "$T_DB")
fi
refused "a link to a taskacct database: refused" 1 \
    '/ln/to-db.db is a symbolic link: not following it' "$T_TMP/ln/to-db.db"
unchanged "a link to a taskacct database: the database unchanged" \
    "$T_DB" "${db_sha:-}"

# --- beside it: -wal, -shm, -journal ----------------------------------------

# side suffix how: replace $T_DB$suffix by a link to a file with content
# (how=symlink), or a hard link (how=hardlink), or a FIFO; prints nothing.
side() {
	rm -f "$T_DB$1"
	head -c 40000 /dev/urandom >"$T_TMP/secret$1"
	case $2 in
	symlink)	ln -s "$T_TMP/secret$1" "$T_DB$1" ;;
	hardlink)	ln "$T_TMP/secret$1" "$T_DB$1" ;;
	fifo)		mkfifo "$T_DB$1" ;;
	esac
	secret_sha=$(sha "$T_TMP/secret$1")
}
db_name=$(basename "$T_DB")
for suffix in -wal -shm; do
	active && side "$suffix" symlink
	refused "a symbolic link at $suffix: refused, names it" 1 \
	    "/$db_name$suffix is a symbolic link: not following it" "$T_DB"
	unchanged "a symbolic link at $suffix: its target unchanged" \
	    "$T_TMP/secret$suffix" "${secret_sha:-}"
	active && side "$suffix" hardlink
	refused "a hard link at $suffix: refused, names it" 1 \
	    "/$db_name$suffix has 2 hard links: not writing to a file" "$T_DB"
	unchanged "a hard link at $suffix: the linked file unchanged" \
	    "$T_TMP/secret$suffix" "${secret_sha:-}"
	active && side "$suffix" fifo
	refused "a FIFO at $suffix: refused, names it" 1 \
	    "/$db_name$suffix is a FIFO, not a regular file" "$T_DB"
	active && rm -f "$T_DB$suffix"
done
unchanged "the database itself unchanged by the refusals" "$T_DB" \
    "${db_sha:-}"

# A new database whose -journal name is a dangling link.
if ! skipping; then
	mkdir -p "$T_TMP/j"
	ln -s "$T_TMP/private/journal" "$T_TMP/j/new.db-journal"
fi
refused "a link at -journal of a new database: refused, names it" 1 \
    '/j/new.db-journal is a symbolic link: not following it' \
    "$T_TMP/j/new.db"
absent "a link at -journal: no database, nothing where it points" \
    "$T_TMP/j/new.db" "$T_TMP/private/journal"

# --- as the user: a hard link would hand the linked file over -------------

if ! skipping && command -v useradd >/dev/null 2>&1 &&
    useradd --system --no-create-home --user-group \
    --shell /usr/sbin/nologin "$PD_USER" >/dev/null 2>&1; then
	PD_ADDED=1
	chmod 0711 "$T_TMP"
	mkdir -p "$T_TMP/u"
	T_DB=$T_TMP/u/u.db
	d_start && d_stop
	side -shm hardlink
	refused "--user: a hard link at -shm refused" 1 \
	    "/u.db-shm has 2 hard links" "$T_DB" --user "$PD_USER"
	ok_if "--user: the linked file stays root's and unchanged" \
	    '[ "$(stat -c %U "$T_TMP/secret-shm")" = root ] &&
	     [ "$(sha "$T_TMP/secret-shm")" = "$secret_sha" ]' \
	    "$(stat -c '%U:%G' "$T_TMP/secret-shm"), sha256 $(sha \
"$T_TMP/secret-shm") (was $secret_sha)"
	rm -f "$T_DB-shm"
else
	r=${T_SKIP:-useradd not available or failed}
	t_skip "--user: a hard link at -shm refused" "$r"
	t_skip "--user: the linked file stays root's and unchanged" "$r"
fi

# --- a symbolic link above the database is followed ------------------------

if ! skipping; then
	mkdir -p "$T_TMP/real"
	ln -s "$T_TMP/real" "$T_TMP/via"
fi
T_DB=$T_TMP/via/v.db
check "a symbolic link in a directory above: followed, taskacctd starts" \
    d_start
check "... and stops" d_stop
ok_if "... the database is in the real directory" \
    '[ -s "$T_TMP/real/v.db" ] && [ ! -L "$T_TMP/real/v.db" ]'

# --- SIGHUP: a link planted at the path after the file was moved ----------

T_DB=$T_TMP/hup/h.db
mkdir -p "$T_TMP/hup"
check "taskacctd starts (SIGHUP)" d_start
if active; then
	mv "$T_DB" "$T_TMP/hup/moved.db"
	ln -s "$T_TMP/private/hup.db" "$T_DB"
	kill -HUP "$D_PID"
	i=0
	while [ $i -lt 50 ] && ! grep -q 'h.db is a symbolic link' "$T_LOG"; do
		sleep 0.1
		i=$((i + 1))
	done
	wl storm storm 200 "$T_TMP/hup-pids"
	sleep 0.5
fi
absent "SIGHUP: nothing created where the planted link points" \
    "$T_TMP/private/hup.db" "$T_TMP/private/hup.db-journal" \
    "$T_TMP/private/hup.db-wal"
ok_if "SIGHUP: the log names the link" \
    'grep -q "hup/h.db is a symbolic link: not following it" "$T_LOG"'
check "taskacctd stops after the refused reopen" d_stop
if active; then
	parent=$(kv "$T_TMP/storm.out" parent)
	n=$(sqlite3 "$T_TMP/hup/moved.db" "SELECT count(*) FROM tasks WHERE
	    kind = 0 AND ac_ppid = ${parent:-0}" 2>&1)
fi
ok_if "SIGHUP: recording went on in the moved file (200 exits)" \
    '[ "${n:-}" = 200 ]' "rows of the storm in moved.db: ${n:-}"

t_done
