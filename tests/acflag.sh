#!/bin/sh
# acflag.sh: the ac_flag bits have one definition, TS_A* in
# include/taskstats_proto.h.  No source (src/, tools/, tools/dev/, sql/)
# tests ac_flag against a number or defines the bits again: C pastes them
# into SQL with TS_SQL(), sql/*.sql writes @TS_AGROUP@ (filled in by make),
# scripts read the header.  tests/unit_acflag.c checks the SQL's meaning.
cd "$(dirname "$0")/.." || exit 1

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# src/schema.c is generated from sql/ (with the values filled in).
SOURCES=$(ls src/*.c src/*.h include/*.h tools/*.c tools/*.h tools/dev/*.c \
    tools/dev/*.sh sql/*.sql | grep -vx 'src/schema\.c')

# ac_flag & 32, (flag & 0x1b), flag & 0x01 ? ...
hits=$(grep -nE '(ac_flag|flags?)\)?[[:space:]]*&[[:space:]]*\(?(0x[0-9a-fA-F]+|[0-9]+)\b' \
    $SOURCES 2>/dev/null)
if [ -z "$hits" ]; then
	ok "no ac_flag bit written as a number"
else
	not_ok "no ac_flag bit written as a number"
	printf '%s\n' "$hits" | sed 's/^/# /'
fi

hits=$(grep -nE '^[[:space:]]*#[[:space:]]*define[[:space:]]+(TS_)?A(FORK|SU|CORE|XSIG|GROUP)\b' \
    $SOURCES 2>/dev/null | grep -v '^include/taskstats_proto\.h:')
if [ -z "$hits" ]; then
	ok "the ac_flag bits are defined in include/taskstats_proto.h only"
else
	not_ok "the ac_flag bits are defined in include/taskstats_proto.h only"
	printf '%s\n' "$hits" | sed 's/^/# /'
fi

echo "1..$n"
[ "$failed" -eq 0 ]
