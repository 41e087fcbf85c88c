#!/bin/sh
# completion.sh: the bash completion (contrib/bash-completion/taskacct)
# completes commands, a command's options, --format, --by (measures and
# numeric fields, asked of `taskacct fields`), --group and --signal values
# and file names for --db, all from what the program lists
# (`taskacct help --commands | --options CMD | --values WHAT`), in a bash
# subshell with COMP_WORDS and COMP_CWORD set as bash sets them.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

TASKACCT=${TASKACCT:-./taskacct}
SCRIPT=contrib/bash-completion/taskacct
t_setup completion

if [ ! -x "$TASKACCT" ]; then
	t_fail "$TASKACCT is built"
	t_done
	exit 1
fi
command -v bash >/dev/null 2>&1 || T_SKIP="bash not installed"

# comp expected word...: the completions offered for the words (the last
# is the one being completed), sorted, are exactly "expected".
comp() {
	_want=$1; shift
	_got=$(bash -c '
		. "$1" || exit 1; prog=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_taskacct "$prog" || exit 1
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	    ' sh "$SCRIPT" "$TASKACCT" taskacct "$@" 2>"$T_TMP/err")
	_got=${_got% }
	[ "$_got" = "$_want" ] && return 0
	diag "taskacct $*: expected \"$_want\", got \"$_got\""
	diag_file "$T_TMP/err" 5
	return 1
}

check "the script is valid bash" bash -n "$SCRIPT"
check "a partial command: to -> top" comp "top" to
check "commands beginning with s" comp "short show sql status summary" s
check "every command of the table, none other" \
    comp "$("$TASKACCT" help --commands | sort | tr '\n' ' ' | sed 's/ $//')" ''
check "after a global option and its value: the commands" \
    comp "short show sql status summary" --db /x s
check "help COMMAND completes commands" comp "summary" help su
check "a command's option: top --b -> --by" comp "--by" top --b
check "a filter option: last --thr -> --threads" comp "--threads" last --thr
check "an option of another command is not offered: last --by" \
    comp "" last --by
check "options before the command: the global ones" \
    comp "--db --format --help --no-header --version --width" --
check "--format values" comp "json jsonl" --format js
check "--format=VALUE as one word" comp "--format=csv" top --format=c
check "--format = VALUE split at =, as bash splits it" \
    comp "csv" top --format = c
check "--by measure" comp "rss" top --by rs
check "--by field from taskacct fields" \
    comp "ac_utime ac_utimescaled" top --by ac_ut
check "--by: the field list is the program's (numeric fields only)" \
    comp "" top --by ac_comm
check "--by delay measures and fields" \
    comp "blkio-delay blkio_count blkio_delay_max blkio_delay_max_ts blkio_delay_min blkio_delay_total" \
    top -b blk
check "--group values" comp "command container" top --group c
check "--signal values" comp "SEGV" last --signal SEG
check "--db completes file names" comp "$SCRIPT" --db "$SCRIPT"
: >"$T_TMP/f1"
check "sql -f completes file names" comp "$T_TMP/f1" sql -f "$T_TMP/f"
check "a hostile word is not run" comp "" top --by "\$(touch $T_TMP/pwned)"
check "...and nothing was run" test ! -e "$T_TMP/pwned"

# The listings themselves.
check "help --options top: --by takes a value, --threads none" \
    sh -c "'$TASKACCT' help --options top | grep -qx -- --by= &&
	'$TASKACCT' help --options top | grep -qx -- --threads"
check "help --values format names each format" \
    sh -c "[ \"\$('$TASKACCT' help --values format | tr '\n' ' ')\" = \
	'table csv tsv json jsonl ' ]"
"$TASKACCT" help --values bogus >"$T_TMP/out" 2>&1
rc=$?
check "help --values bogus: usage error, exit 2, one line" \
    sh -c "[ $rc = 2 ] && [ \$(wc -l <'$T_TMP/out') = 1 ]"

t_done
