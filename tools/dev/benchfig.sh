# shellcheck shell=sh
# benchfig.sh: sourced by the bench scripts (sh or bash) to write their
# figures in the convention of tools/dev/bench-table.sh (its header
# comment): $BENCH_FIGURES/NAME.json (default bench-figures/), replaced
# whole on each run, one JSON object a line.
#
#   fig_open NAME       start NAME.json afresh (empty until figures come)
#   fig FIGURE VALUE UNIT TARGET BETTER [NOTE]
#                       append one figure; VALUE and TARGET are numbers,
#                       anything else ("", "-", "?") is written as null
#   fig_rows N          "10M rows", "1M rows", "20000 rows": the rows part
#                       of a figure's name, so that a bench on a smaller
#                       database never gives the 10M-row figure
#
# Without jq the figures are not written (a warning): bench-table.sh needs
# jq anyway, and a bench's own output must not depend on it.
FIG_FILE=

fig_open() {
	if ! command -v jq >/dev/null; then
		echo "benchfig: no jq: figures for bench-table not written" >&2
		FIG_FILE=
		return 0
	fi
	mkdir -p "${BENCH_FIGURES:-bench-figures}" || return 1
	FIG_FILE=${BENCH_FIGURES:-bench-figures}/$1.json
	: >"$FIG_FILE"
}

fig() {
	[ -n "$FIG_FILE" ] || return 0
	jq -cn --arg f "$1" --arg v "$2" --arg u "$3" --arg t "$4" \
	    --arg b "${5:-lower}" --arg n "${6:-}" '
	    def num: (tonumber? // null);
	    {figure: $f, value: ($v | num), unit: $u, target: ($t | num),
	     better: $b} + (if $n == "" then {} else {note: $n} end)' \
	    >>"$FIG_FILE"
}

fig_rows() {
	if [ "$1" -ge 1000000 ] && [ $(($1 % 1000000)) -eq 0 ]; then
		echo "$(($1 / 1000000))M rows"
	else
		echo "$1 rows"
	fi
}
