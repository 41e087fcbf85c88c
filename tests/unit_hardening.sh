#!/bin/sh
# unit_hardening.sh: the systemd unit (contrib/taskacctd.service) is valid,
# rated 2.5 or better by `systemd-analyze security`, and its restrictions
# do not break recording.
#
# systemd is not PID 1 here, so the unit cannot be started; its ExecStart
# runs instead under what its directives do, taken from the unit file:
# User/Group (a throw-away user in place of taskacct), AmbientCapabilities,
# CapabilityBoundingSet, NoNewPrivileges (setpriv), UMask, and in a mount
# namespace ProtectSystem=strict (every mount read-only but the state
# directory), ProtectHome, PrivateTmp, PrivateDevices (a /dev of the
# pseudo-devices) and ProtectKernelTunables (/proc/sys and /sys read-only).
# The seccomp-based ones (SystemCallFilter, RestrictAddressFamilies,
# MemoryDenyWriteExecute, LockPersonality, RestrictNamespaces,
# RestrictRealtime, RestrictSUIDSGID, ProtectClock, ProtectHostname) are
# checked on an strace of the daemon: start, recording, SIGHUP reopening
# and stop, every system call in the unit's filter, every socket of a
# family it allows, no writable and executable memory, no personality
# change, no new namespace.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

UNIT=${UNIT:-contrib/taskacctd.service}
HD_USER=tacct_h$$
HD_ADDED=
t_setup hardening

# unit_val KEY: the values of KEY= in the [Service] section, one a line.
unit_val() {
	sed -n '/^\[Service\]/,/^\[/s/^'"$1"'=//p' "$UNIT"
}

# --- static checks: these need systemd-analyze only ----------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks that ExecStart's program exists: point it at the
	# built one; the man page it names is the one in man/.
	sed "s|^ExecStart=/usr/sbin/taskacctd|ExecStart=$PWD/taskacctd|" \
	    "$UNIT" >"$T_TMP/taskacctd.service"
	if systemd-analyze verify --man=no "$T_TMP/taskacctd.service" \
	    >"$T_TMP/verify.out" 2>&1 && [ ! -s "$T_TMP/verify.out" ]; then
		t_pass "systemd-analyze verify: no error, no warning"
	else
		t_fail "systemd-analyze verify: no error, no warning"
		diag_file "$T_TMP/verify.out"
	fi
	doc=$(sed -n 's/^Documentation=man:\([a-z]*\)(\([0-9]\))$/man\/\1.\2/p' \
	    "$UNIT")
	check "Documentation= names a man page of man/ ($doc)" test -f "$doc"
	systemd-analyze security --offline=true "$UNIT" >"$T_TMP/sec.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' \
	    "$T_TMP/sec.out")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'
	then
		t_pass "systemd-analyze security: $score, 2.5 or better"
	else
		t_fail "systemd-analyze security: ${score:-no score}, 2.5 or better"
		diag_file "$T_TMP/sec.out" 60
	fi
else
	for d in "systemd-analyze verify" "Documentation=" \
	    "systemd-analyze security"; do
		t_skip "$d" "systemd-analyze not installed"
	done
fi

# What the recorder needs must stay allowed.
check "ExecStart runs taskacctd in the foreground" \
    test "$(unit_val ExecStart)" = "/usr/sbin/taskacctd -f"
check "CAP_NET_ADMIN, CAP_SYS_NICE, CAP_SYS_PTRACE are its only capabilities" \
    test "$(unit_val CapabilityBoundingSet)|$(unit_val AmbientCapabilities)" \
    = "CAP_NET_ADMIN CAP_SYS_NICE CAP_SYS_PTRACE|CAP_NET_ADMIN CAP_SYS_NICE CAP_SYS_PTRACE"
check "no PrivateNetwork (taskstats speaks in the initial namespace)" \
    test -z "$(unit_val PrivateNetwork)"
check "other processes' /proc stays visible (identity capture)" \
    test "$(unit_val ProtectProc)|$(unit_val ProcSubset)" = "default|all"
check "StateDirectory is the default database's directory" sh -c \
    "./taskacctd --help | grep -q '(default /var/lib/$(unit_val \
    StateDirectory)/taskacct.db)'"

# --- the daemon under the unit's restrictions ---------------------------
need_daemon_env
for p in setpriv unshare strace useradd; do
	skipping || command -v $p >/dev/null 2>&1 || T_SKIP="$p not installed"
done
skipping || need_binaries

hd_cleanup() {
	_hd_rc=$?
	if [ -n "$D_PID" ]; then
		kill -KILL "$D_PID" 2>/dev/null
		wait "$D_PID" 2>/dev/null
		D_PID=
	fi
	[ -n "$HD_ADDED" ] && userdel "$HD_USER" 2>/dev/null
	(exit "$_hd_rc")
	t_cleanup
}
trap hd_cleanup EXIT

if ! skipping; then
	if useradd --system --no-create-home --user-group \
	    --shell /usr/sbin/nologin "$HD_USER" >"$T_TMP/useradd.out" 2>&1
	then
		HD_ADDED=1
	else
		T_SKIP="useradd failed: $(head -n 1 "$T_TMP/useradd.out")"
	fi
fi

# StateDirectory= (outside /tmp, which PrivateTmp hides), as systemd
# makes it: the user's, StateDirectoryMode.
STATE=$PWD/tests/out/tmp/$(basename "$T_TMP")/state
if ! skipping; then
	mkdir -p "$STATE" && chmod 0711 "$(dirname "$STATE")" &&
	    chown "$HD_USER:$HD_USER" "$STATE" &&
	    chmod "$(unit_val StateDirectoryMode)" "$STATE"
fi
T_DB=$STATE/taskacct.db

# The capability list of a directive for setpriv: CAP_NET_ADMIN ->
# +net_admin.
caps() {
	for c in $(unit_val "$1"); do
		printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
	done
}
yes_is() {	# directive value: the unit sets it so
	[ "$(unit_val "$1")" = "$2" ] && return 0
	diag "$UNIT: $1 is \"$(unit_val "$1")\", the test emulates $2"
	return 1
}
for kv in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes ProtectKernelTunables=yes NoNewPrivileges=yes \
    User=taskacct Group=taskacct; do
	check "$kv (emulated)" yes_is "${kv%%=*}" "${kv#*=}"
done

# The mount namespace, then setpriv, then ExecStart: one process, so that
# d_start's pid is the daemon's.  strace -D traces it from a grandchild.
cat >"$T_TMP/ns.sh" <<EOF
set -e
mount --make-rprivate /
# The build and the state directory under /mnt, where the private /tmp
# and the hidden homes below cannot hide them (a checkout may live there).
[ -d /mnt ]
mount -t tmpfs -o mode=755 tmpfs /mnt
mkdir /mnt/build /mnt/state
mount --bind '$PWD' /mnt/build
mount --bind '$STATE' /mnt/state
# ProtectSystem=strict (and ProtectKernelTunables, ProtectControlGroups:
# /sys and its mounts are among them).
awk '{ print \$5 }' /proc/self/mountinfo | while read -r m; do
	case \$m in *\\\\*|/mnt/state|/proc|/proc/*|/dev|/dev/*) continue ;; esac
	mount -o remount,bind,ro "\$m" 2>/dev/null ||
	    [ "\$m" != / ] || exit 1
done
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
# ProtectHome=yes
for d in /home /root /run/user; do
	[ -d "\$d" ] && mount -t tmpfs -o ro,mode=000 tmpfs "\$d"
done
# PrivateTmp=yes
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
# PrivateDevices=yes
mount -t tmpfs -o mode=755,nosuid tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/full c 1 7
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
mknod -m 666 /dev/tty c 5 0
mkdir /dev/shm && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
umask $(unit_val UMask)
exec setpriv --reuid='$HD_USER' --regid='$HD_USER' --clear-groups \
    --inh-caps=-all$(caps AmbientCapabilities) \
    --ambient-caps=-all$(caps AmbientCapabilities) \
    --bounding-set=-all$(caps CapabilityBoundingSet) --no-new-privs -- \
    $(unit_val ExecStart | sed "s|^/usr/sbin/taskacctd|/mnt/build/taskacctd|") \
    -d '/mnt/state/${T_DB##*/}'
EOF
cat >"$T_TMP/launch" <<EOF
#!/bin/sh
# d_start's arguments are not the unit's: ExecStart's are used.
exec strace -D -f -qq -e signal=none -o '$T_TMP/strace.out' -- \
    unshare --mount -- sh '$T_TMP/ns.sh'
EOF
chmod +x "$T_TMP/launch"
REAL_TASKACCTD=/mnt/build/taskacctd
TASKACCTD=$T_TMP/launch

check "ExecStart starts under the unit's restrictions" d_start

# status_is field expected: a line of the daemon's /proc status.
status_is() {
	_got=$(sed -n "s/^$1:[[:space:]]*//p" "/proc/$D_PID/status")
	[ "$_got" = "$2" ] && return 0
	diag "$1: expected \"$2\", got \"$_got\""
	return 1
}
if active; then
	HD_UID=$(id -u "$HD_USER")
	# Set-up is over once the run is committed; the drop follows it.
	wait_for 5 'status_is CapEff 0000000000000000 >/dev/null'
fi
check "runs as the unit's user" status_is Uid "$HD_UID	$HD_UID	$HD_UID	$HD_UID"
check "no capability left once set up (CapEff)" \
    status_is CapEff 0000000000000000
check "no capability left once set up (CapPrm, CapAmb)" sh -c \
    "grep -q '^CapPrm:[[:space:]]*0000000000000000$' /proc/$D_PID/status &&
     grep -q '^CapAmb:[[:space:]]*0000000000000000$' /proc/$D_PID/status"
check "bounding set: CAP_NET_ADMIN, CAP_SYS_NICE, CAP_SYS_PTRACE alone" \
    status_is CapBnd 0000000000881000
check "no new privileges" status_is NoNewPrivs 1
check "/ is read-only to it (ProtectSystem=strict)" sh -c \
    "awk '\$5 == \"/\" { print \$6 }' /proc/$D_PID/mountinfo |
     grep -q '^ro'"
check "its database: the user's, 0640 (UMask)" sh -c \
    "[ \"\$(stat -c '%U %a' '$T_DB')\" = '$HD_USER 640' ]"

if active; then
	wl storm storm 100 "$T_TMP/pids"
	parent=$(kv "$T_TMP/storm.out" parent)
	wait_for 10 "[ \"\$(q 'SELECT count(*) FROM tasks WHERE kind = 0 AND
	    ac_ppid = ${parent:-0} AND run_id = $RUN_ID')\" -ge 100 ]"
fi
sql_is "every exit of a storm is recorded" "100" \
    "SELECT count(DISTINCT ac_pid) FROM tasks WHERE kind = 0 AND
     ac_ppid = ${parent:-0} AND run_id = ${RUN_ID:-0}"

# SIGHUP (ExecReload) reopens: a new database in the state directory.
if active; then
	mv "$T_DB" "$STATE/moved.db"
	for s in -wal -shm; do
		[ -e "$T_DB$s" ] && mv "$T_DB$s" "$STATE/moved.db$s"
	done
	kill -HUP "$D_PID"
	wait_for 10 "[ -s '$T_DB' ]"
	wl storm2 storm 20 "$T_TMP/pids2"
	parent=$(kv "$T_TMP/storm2.out" parent)
	wait_for 10 "[ \"\$(q 'SELECT count(*) FROM tasks WHERE kind = 0 AND
	    ac_ppid = ${parent:-0}' 2>/dev/null)\" -ge 20 ]"
fi
sql_is "after SIGHUP, exits go to a new database there" "20" \
    "SELECT count(DISTINCT ac_pid) FROM tasks WHERE kind = 0 AND
     ac_ppid = ${parent:-0}"
check "SIGTERM: exit 0" d_stop

# --- what the trace shows -----------------------------------------------
# The daemon's system calls: those after its execve (the set-up before it
# is the test's own).
if active; then
	awk -v p="execve(\"$REAL_TASKACCTD\"" \
	    'index($0, p) { on = 1 } on' "$T_TMP/strace.out" >"$T_TMP/d.out"
	sed -n -e 's/^[0-9]* *<\.\.\. \([a-z0-9_]*\) resumed>.*/\1/p' \
	    -e 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$T_TMP/d.out" |
	    sort -u >"$T_TMP/used"
fi
# sc_expand GROUP...: the system calls of a SystemCallFilter= list.
sc_expand() {
	for g in "$@"; do
		case $g in
		@*) systemd-analyze syscall-filter "$g" |
		    sed -n 's/^    \([@a-z0-9_-]*\)$/\1/p' | while read -r s; do
			sc_expand "$s"; done ;;
		*) echo "$g" ;;
		esac
	done
}
if active; then
	# An allow list, then what "~" lines take away from it.
	# shellcheck disable=SC2046
	sc_expand $(unit_val SystemCallFilter | grep -v '^~') |
	    sort -u >"$T_TMP/allow"
	# shellcheck disable=SC2046
	sc_expand $(unit_val SystemCallFilter | sed -n 's/^~//p') |
	    sort -u >"$T_TMP/deny"
	comm -23 "$T_TMP/allow" "$T_TMP/deny" >"$T_TMP/allowed"
fi
ok_if "every system call it made is in SystemCallFilter" \
    '[ -s "$T_TMP/used" ] && [ -z "$(comm -23 "$T_TMP/used" "$T_TMP/allowed")" ]' \
    "not allowed: $(comm -23 "$T_TMP/used" "$T_TMP/allowed" 2>/dev/null |
    tr '\n' ' ')"
fams=$(grep -o '^[0-9]* *socket\(pair\)\{0,1\}(AF_[A-Z0-9]*' \
    "$T_TMP/d.out" 2>/dev/null | sed 's/.*(//' | sort -u | tr '\n' ' ')
fams_allowed() {
	[ -n "$fams" ] || return 1
	for f in $fams; do
		echo " $(unit_val RestrictAddressFamilies) " | grep -q " $f " ||
		    return 1
	done
}
ok_if "sockets of RestrictAddressFamilies only ($fams)" fams_allowed \
    "families: $fams; allowed: $(unit_val RestrictAddressFamilies)"
ok_if "no writable and executable memory (MemoryDenyWriteExecute)" \
    '! grep -E "^[0-9]+ +(mmap\(.*PROT_WRITE\|PROT_EXEC|(pkey_)?mprotect\([^,]*, [^,]*, [^)]*PROT_EXEC)" \
    "$T_TMP/d.out" | grep -q .'
ok_if "no personality change (LockPersonality)" \
    '! grep -E "personality\(" "$T_TMP/d.out" | grep -v "0xffffffff" |
    grep -q .'
ok_if "no new namespace (RestrictNamespaces)" \
    '! grep -E "(unshare|setns|clone3?)\(.*CLONE_NEW" "$T_TMP/d.out" | grep -q .'
# RestrictRealtime=no: the event loop takes SCHED_FIFO 1 at start-up
# (0x40000001: SCHED_FIFO | SCHED_RESET_ON_FORK, as strace prints it)
# (identity capture), with the CAP_SYS_NICE it then drops.
ok_if "the event loop runs at SCHED_FIFO 1, nothing else real-time" \
    'grep -E "sched_setscheduler\(0, (SCHED_FIFO|0x40000001)" "$T_TMP/d.out" |
    grep -q "= 0\$" && ! grep -E "sched_setscheduler\(.*SCHED_(RR|DEADLINE)" \
    "$T_TMP/d.out" | grep -q .'

t_done
