#!/bin/sh
# debian.sh: the Debian package (debian/) builds from the tree with
# `dpkg-buildpackage -b -us -uc` (in a copy: the worktree is left alone),
# holds what `make install` installs where Debian wants it, passes lintian
# with no error or warning, honours dpkg-buildflags (blhc), and installs,
# removes and purges cleanly: user and group taskacct, /var/lib/taskacct
# 0750 and theirs, the history kept by `dpkg -r` and gone with `dpkg
# --purge`.
#
# The install cycle never touches this machine: it runs chrooted in an
# overlay of / in a private mount namespace (the changes land in a tmpfs
# thrown away at the end), after removing any /var/lib/taskacct there, so
# it starts from a machine without the package, whatever this one has.
# There systemd is not PID 1 either: the install must succeed without it.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

t_setup debian
SRC=$PWD

for p in dpkg-buildpackage dh lintian dpkg-deb; do
	skipping || command -v $p >/dev/null 2>&1 ||
	    T_SKIP="$p not installed (debhelper, lintian, dpkg-dev)"
done

# --- what needs no build ------------------------------------------------
# Every library of .ci/packages the programs link is a Build-Depends
# (others add libraries: this catches the one left out of debian/control).
# Not linked by the programs: the test and fuzzing tools.
bd=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | grep -v '^#')
missing=
for p in $(grep -- '-dev$' .ci/packages); do
	case $p in libcmocka-dev|libclang-rt-*) continue ;; esac
	echo "$bd" | grep -q "[ ,]$p[ ,(]*" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	t_pass "every library of .ci/packages is in Build-Depends"
else
	t_fail "every library of .ci/packages is in Build-Depends"
	diag "missing from debian/control:$missing"
fi
version=$(sed -n 's/^#define TASKACCT_VERSION[[:space:]]*"\(.*\)"/\1/p' \
    include/taskacct.h)
check "debian/changelog's version is the program's ($version)" \
    test "$(sed -n '1s/^taskacct (\([^)]*\)).*/\1/p' debian/changelog)" = \
    "$version"

# --- the build, in a copy of the tree -----------------------------------
B=$T_TMP/build
if ! skipping; then
	mkdir -p "$B/taskacct"
	# The tree as it is (committed or not), without what is built.
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$SRC" ls-files -co --exclude-standard -z |
		    (cd "$SRC" && xargs -0 tar -cf - --no-recursion) |
		    tar -xf - -C "$B/taskacct"
	else
		cp -a "$SRC/." "$B/taskacct/" && make -C "$B/taskacct" clean \
		    >/dev/null 2>&1
	fi
	t0=$(date +%s)
	(cd "$B/taskacct" && dpkg-buildpackage -b -us -uc) \
	    >"$B/build.log" 2>&1
	build_rc=$?
	diag "dpkg-buildpackage took $(($(date +%s) - t0))s"
	DEB=$(ls "$B"/taskacct_*.deb 2>/dev/null | head -n 1)
	DBG=$(ls "$B"/taskacct-dbgsym_*.deb 2>/dev/null | head -n 1)
fi
ok_if "dpkg-buildpackage -b -us -uc builds taskacct" \
    '[ "$build_rc" = 0 ] && [ -n "$DEB" ]' "$(tail -n 15 "$B/build.log" 2>/dev/null)"
ok_if "...and taskacct-dbgsym" '[ -n "$DBG" ]'
if active && [ -z "$DEB" ]; then
	T_BROKEN=1
fi

# Hardening: the compiler got dpkg-buildflags' CPPFLAGS, CFLAGS and
# LDFLAGS (blhc reads the build log; -D_FORTIFY_SOURCE comes with CPPFLAGS).
if skipping || ! command -v blhc >/dev/null 2>&1; then
	t_skip "blhc: the build log shows Debian's hardening flags" \
	    "${T_SKIP:-blhc not installed}"
else
	ok_if "blhc: the build log shows Debian's hardening flags" \
	    'blhc "$B/build.log" >"$T_TMP/blhc.out" 2>&1' \
	    "$(head -n 5 "$T_TMP/blhc.out" 2>/dev/null)"
fi
ok_if "-D_FORTIFY_SOURCE reached the compiler (CPPFLAGS)" \
    'grep -q "^cc .*-D_FORTIFY_SOURCE=.*-c -o src/taskacctd.o" "$B/build.log"'

# --- contents -------------------------------------------------------------
active && dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' \
    >"$T_TMP/files"
has() {
	grep -qx -- "$1" "$T_TMP/files" && return 0
	diag "not in the package: $1"
	return 1
}
for f in /usr/sbin/taskacctd /usr/bin/taskacct \
    /usr/share/man/man8/taskacctd.8.gz /usr/share/man/man1/taskacct.1.gz \
    /lib/systemd/system/taskacctd.service \
    /usr/share/bash-completion/completions/taskacct \
    /usr/share/doc/taskacct/copyright; do
	ok_if "the package holds $f" 'has "$f"'
done
# Whatever else `make install` installs (programs others add): each
# program in EXTRA_BINS and each man page of man/.
for b in $(make -s --no-print-directory print-extra-bins); do
	ok_if "the package holds /usr/bin/$(basename "$b") (EXTRA_BINS)" \
	    'has "/usr/bin/$(basename "$b")"'
done
for m in man/*.[18]; do
	ok_if "the package holds $m" \
	    'has "/usr/share/man/man${m##*.}/$(basename "$m").gz"'
done
ok_if "no file outside /usr and /lib (the state is made at install)" \
    '! grep -v -e "^/$" -e "^/usr" -e "^/lib" "$T_TMP/files" | grep -q .' \
    "$(grep -v -e '^/$' -e '^/usr' -e '^/lib' "$T_TMP/files" 2>/dev/null)"
active && dpkg-deb -x "$DEB" "$T_TMP/x"
ok_if "the installed unit starts /usr/sbin/taskacctd" \
    'grep -qx "ExecStart=/usr/sbin/taskacctd -f" \
    "$T_TMP/x/lib/systemd/system/taskacctd.service"'
ok_if "the unit is the hardened one of contrib/" \
    'cmp -s contrib/taskacctd.service \
    "$T_TMP/x/lib/systemd/system/taskacctd.service"'

# --- lintian (in the background, during the install cycle) ---------------
if active; then
	lt0=$(date +%s)
	lintian --fail-on error,warning "$B"/taskacct_*.changes \
	    >"$T_TMP/lintian.out" 2>&1 &
	lintian_pid=$!
fi

# --- install, remove, purge, in a throw-away overlay of / ---------------
build_skip=$T_SKIP
if ! skipping && [ "$(id -u)" -ne 0 ]; then
	T_SKIP="install cycle: needs root (overlay mount, chroot)"
fi
for p in unshare chroot; do
	skipping || command -v $p >/dev/null 2>&1 || T_SKIP="$p not installed"
done
if active; then
	mkdir -p "$T_TMP/ov/pass" "$T_TMP/ov/m"
	cp "$DEB" "$T_TMP/ov/pass/taskacct.deb"
	cp "$WORKLOAD" "$T_TMP/ov/pass/workload"
	cat >"$T_TMP/ov/pass/cycle.sh" <<'EOF'
# Runs chrooted in the overlay; prints KEY=VALUE lines for the test.
say() { printf '%s=%s\n' "$1" "$2"; }
deb=/taskacct-test/taskacct.deb
rm -rf /var/lib/taskacct
# No man-db index update (slow; this overlay is thrown away).
rm -f /var/lib/man-db/auto-update
dpkg --purge taskacct >/dev/null 2>&1
dpkg -i "$deb" >/taskacct-test/install.log 2>&1
say install $?
say user "$(getent passwd taskacct | cut -d: -f3,7)"
say group "$(getent group taskacct | cut -d: -f1)"
say state "$(stat -c '%U:%G %a' /var/lib/taskacct 2>&1)"
say enabled "$(ls /etc/systemd/system/multi-user.target.wants/ 2>&1 |
    grep -c '^taskacctd.service$')"
say version "$(taskacct --version 2>&1)"
# The installed completion with the installed program.
say complete "$(bash -c '. /usr/share/bash-completion/completions/taskacct
	COMP_WORDS=(taskacct to); COMP_CWORD=1; _taskacct taskacct
	echo "${COMPREPLY[*]}"' 2>&1)"
# The installed daemon as the unit runs it: user taskacct with
# CAP_NET_ADMIN, on the default database; it records exits.
setpriv --reuid=taskacct --regid=taskacct --clear-groups \
    --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
    --bounding-set=-all,+net_admin --no-new-privs -- \
    /usr/sbin/taskacctd -f >/taskacct-test/daemon.log 2>&1 &
d=$!
i=0
while [ $i -lt 100 ] && ! taskacct status >/dev/null 2>&1; do
	sleep 0.1; i=$((i + 1))
done
/taskacct-test/workload storm 20 /taskacct-test/pids >/dev/null 2>&1
i=0
while [ $i -lt 100 ] && [ "$(taskacct --format csv --no-header last \
    --comm workload --since 1min --limit 0 2>/dev/null | wc -l)" -lt 20 ]; do
	sleep 0.1; i=$((i + 1))
done
say recorded "$(taskacct --format csv --no-header last --comm workload \
    --since 1min --limit 0 2>/dev/null | wc -l)"
kill -TERM $d; wait $d
say daemon_exit $?
say db "$(stat -c '%U:%G %a' /var/lib/taskacct/taskacct.db 2>&1)"
dpkg -r taskacct >/taskacct-test/remove.log 2>&1
say remove $?
say removed_bins "$(ls /usr/sbin/taskacctd /usr/bin/taskacct 2>/dev/null |
    wc -l)"
say kept_db "$(ls /var/lib/taskacct/taskacct.db 2>/dev/null | wc -l)"
say kept_user "$(getent passwd taskacct | cut -d: -f1)"
dpkg --purge taskacct >/taskacct-test/purge.log 2>&1
say purge $?
say purged_state "$(ls -d /var/lib/taskacct 2>/dev/null | wc -l)"
say purged_unit "$(ls /lib/systemd/system/taskacctd.service \
    /etc/systemd/system/multi-user.target.wants/taskacctd.service \
    2>/dev/null | wc -l)"
EOF
	t0=$(date +%s)
	# The overlay's upper layer is a tmpfs: beside the lower /, not in it.
	unshare --mount -- sh -c '
		set -e
		ov=$1
		mount --make-rprivate /
		mount -t tmpfs tmpfs "$ov/m"
		mkdir "$ov/m/upper" "$ov/m/work" "$ov/m/root"
		mount -t overlay overlay -o \
		    "lowerdir=/,upperdir=$ov/m/upper,workdir=$ov/m/work" \
		    "$ov/m/root"
		for d in proc sys dev; do
			mount --rbind "/$d" "$ov/m/root/$d"
		done
		mount -t tmpfs tmpfs "$ov/m/root/run"
		mkdir "$ov/m/root/taskacct-test"
		mount --bind "$ov/pass" "$ov/m/root/taskacct-test"
		chroot "$ov/m/root" sh /taskacct-test/cycle.sh
	    ' sh "$T_TMP/ov" >"$T_TMP/cycle.out" 2>"$T_TMP/cycle.err" </dev/null
	diag "the install cycle took $(($(date +%s) - t0))s"
	if ! grep -q '^purged_unit=' "$T_TMP/cycle.out"; then
		diag "the install cycle did not run to its end:"
		diag_file "$T_TMP/cycle.err"
		for f in install remove purge daemon; do
			diag_file "$T_TMP/ov/pass/$f.log" 10
		done
	fi
fi
cycle_skip=$T_SKIP T_SKIP=$build_skip
if [ -n "${lintian_pid:-}" ]; then
	wait "$lintian_pid"
	lintian_rc=$?
	diag "lintian took $(($(date +%s) - lt0))s (beside the cycle)"
fi
ok_if "lintian: no error, no warning" \
    '[ "$lintian_rc" = 0 ] && ! grep -q "^[EW]:" "$T_TMP/lintian.out"' \
    "$(grep -v "root privileges" "$T_TMP/lintian.out" 2>/dev/null |
    head -n 15)"
T_SKIP=$cycle_skip

# got KEY VALUE: the cycle said KEY=VALUE.
got() {
	_v=$(sed -n "s/^$1=//p" "$T_TMP/cycle.out")
	[ "$_v" = "$2" ] && return 0
	diag "$1: expected \"$2\", got \"$_v\""
	[ "$1" = "${3:-}" ] && diag_file "$T_TMP/ov/pass/$1.log" 10
	return 1
}
check "dpkg -i succeeds without systemd as PID 1" got install 0 install
# A system user: a uid of Debian's dynamic system range, 100 to 999.
system_user() {
	_v=$(sed -n "s/^user=//p" "$T_TMP/cycle.out")
	_u=${_v%%:*}
	[ -n "$_u" ] && [ "$_u" -ge 100 ] && [ "$_u" -le 999 ] &&
	    [ "${_v#*:}" = /usr/sbin/nologin ] && return 0
	diag "user taskacct: uid:shell \"$_v\""
	return 1
}
check "user taskacct: a system user, no login shell" system_user
check "group taskacct" got group taskacct
check "/var/lib/taskacct: taskacct's, 0750" got state "taskacct:taskacct 750"
check "the unit is enabled (deb-systemd-helper)" got enabled 1
check "the installed taskacct runs" got version "taskacct $version"
check "the installed completion completes a command" got complete top
check "the installed daemon, as the unit runs it, records exits" sh -c \
    "[ \"\$(sed -n 's/^recorded=//p' '$T_TMP/cycle.out')\" -ge 20 ]"
check "...and stops cleanly" got daemon_exit 0 daemon
check "its database: taskacct's, 0640" got db "taskacct:taskacct 640"
check "dpkg -r succeeds" got remove 0 remove
check "dpkg -r removes the programs" got removed_bins 0
check "dpkg -r keeps the history" got kept_db 1
check "dpkg -r keeps the user" got kept_user taskacct
check "dpkg --purge succeeds" got purge 0 purge
check "dpkg --purge removes /var/lib/taskacct" got purged_state 0
check "dpkg --purge leaves no unit nor its enabling link" got purged_unit 0

t_done
