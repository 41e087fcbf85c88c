#!/bin/sh
# cli_link.sh: the query tool links only what it uses.  taskacct is built
# from CLI_OBJS and COMMON_OBJS (Makefile); it must define none of the
# global symbols of the daemon's own objects (src/*.o outside COMMON_OBJS
# and the src/ objects mk/cli.mk names for the CLI alone, such as the live
# query: logging, the embedded schema, the store...).  TASKACCT names another
# binary (e.g. a base build's).
cd "$(dirname "$0")/.." || exit 1

TASKACCT=${TASKACCT:-./taskacct}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

desc="taskacct defines no symbol of a daemon-only object"
common=$( { sed -n 's/^COMMON_OBJS[[:space:]]*=[[:space:]]*//p' Makefile
	grep -o 'src/[a-z_]*\.o' mk/cli.mk mk/export.mk | sed 's/^[^:]*://'; } | tr '\n' ' ')
defined=$(nm -g --defined-only "$TASKACCT" 2>/dev/null | awk '{print $3}')
if ! command -v nm >/dev/null 2>&1; then
	skip "$desc" "no nm"
elif [ -z "$defined" ]; then
	skip "$desc" "$TASKACCT has no symbol table"
else
	bad=
	for o in src/*.o; do
		case " $common " in *" $o "*) continue ;; esac
		for s in $(nm -g --defined-only "$o" | awk '$3 != "main" {print $3}'); do
			if printf '%s\n' "$defined" | grep -qx "$s"; then
				bad="$bad $o:$s"
			fi
		done
	done
	if [ -z "$bad" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '%s\n' $bad | sed 's/^/# linked: /'
	fi
fi

# What it does link is used: the field table (taskacct fields).
if "$TASKACCT" --format tsv --no-header fields | grep -q '^ac_comm	'; then
	ok "taskacct still has the field table"
else
	not_ok "taskacct still has the field table"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
