#!/bin/sh
# bench-table.sh: the figures of `make bench` in one table (issue 13's
# "Tests and figures"): figure, measured, target, ratio, PASS/FAIL, from
# what the bench targets wrote.  Run last by `make bench` (mk/benchtable.mk);
# `make bench-table` prints it again from the files as they are.
#
# The convention every bench follows to appear here: write
# bench-figures/NAME.json (NAME: the bench, e.g. storm, latency, upgrade),
# replaced whole on each run, one JSON object per line:
#
#   {"figure":"exit to queryable, p99","value":12.5,"unit":"ms",
#    "target":50,"better":"lower"}
#
#   figure  the figure's name; the issue's figures use the names of the
#           list FIGURES below, so that the table puts them in its order
#   value   the measured number (the median of the bench's runs); null
#           when the bench ran but could not measure it
#   unit    printed after the numbers ("ms", "B", "x", "/s", "" ...)
#   target  the target (optional for a figure of FIGURES: its target
#           there then applies)
#   better  "lower" (pass when value <= target) or "higher" (value >=
#           target); default lower
#   note    optional: a few words printed after the verdict (runs, load)
#
# A figure of FIGURES that no file gives prints "not measured": nothing is
# ever guessed.  Figures not in FIGURES are printed after them, in file
# order.  Two older formats are read too: bench-window.json (median_ms and
# target_ms per query) and bench-cli.json ("results": median_ms and
# target_ms per name), as "window: QUERY" and "cli: NAME".
#
# ratio is value / target (for "higher": target / value), so <= 1 passes
# either way; "-" when the target is 0 (e.g. 0 exits lost).
#
# Settings (environment): BENCH_FIGURES=bench-figures (the directory),
# BENCH_OLD_DIR=. (where bench-window.json and bench-cli.json are),
# BENCH_TABLE_JSON=bench-table.json (the table again, one object a line).
# Needs jq.  Exit status 0 when no figure fails, 1 when one does, 2 on an
# error (an unreadable file is an error: a figure must not silently vanish).
set -u
cd "$(dirname "$0")/../.." || exit 1

DIR=${BENCH_FIGURES:-bench-figures}
OUT=${BENCH_TABLE_JSON:-bench-table.json}
OLD=${BENCH_OLD_DIR:-.}

command -v jq >/dev/null || { echo "bench-table: needs jq" >&2; exit 2; }

# The issue's figures, in its order: figure|unit|target|better.
FIGURES='exit to queryable, p99|ms|50|lower
idle wake-ups, all threads|/s|1|lower
top --by io, 10M rows, day|ms|100|lower
top --by io, 10M rows, week|ms|100|lower
top --group process, 10M rows, day|ms|100|lower
top --group process, 10M rows, week|ms|100|lower
summary, 10M rows, day|ms|100|lower
summary, 10M rows, week|ms|100|lower
short, 10M rows, day|ms|100|lower
short, 10M rows, week|ms|100|lower
top --by io --group command, 10M rows, week|ms|100|lower
exits lost across an upgrade (SIGUSR2) in a 2000/s fork storm||0|lower
CPU per stored record vs the floor, thread storm|x|1|lower
CPU per stored record vs the floor, fork storm|x|1|lower
database bytes per row, thread storm|B|180|lower'

TMP=$(mktemp -d /tmp/bench-table.XXXXXX) || exit 2
trap 'rm -rf "$TMP"' EXIT
ALL=$TMP/all

# Every figure given, as figure<TAB>value<TAB>unit<TAB>target<TAB>better
# <TAB>note, in file order ("" for a missing key, "null" for value null).
TSV='[.figure, (if has("value") then (.value | tostring) else "null" end),
    (.unit // ""), ((.target // "") | tostring), (.better // "lower"),
    (.note // "")] | map(tostring | gsub("[\t\n]"; " ")) | @tsv'
: >"$ALL"
for f in "$DIR"/*.json; do
	[ -e "$f" ] || continue
	jq -r "select(type == \"object\" and has(\"figure\")) | $TSV" \
	    "$f" >>"$ALL" || { echo "bench-table: $f: not JSON lines" >&2;
	    exit 2; }
done
if [ -s "$OLD/bench-window.json" ]; then
	jq -r '.[] | select(.median_ms != null) | {figure: ("window: " +
	    .query), value: .median_ms, unit: "ms", target: .target_ms} |
	    '"$TSV" "$OLD/bench-window.json" >>"$ALL" ||
	    { echo "bench-table: bench-window.json unreadable" >&2; exit 2; }
fi
if [ -s "$OLD/bench-cli.json" ]; then
	jq -r '.results[] | select(.median_ms != null and .target_ms != null)
	    | {figure: ("cli: " + .name), value: .median_ms, unit: "ms",
	    target: .target_ms} | '"$TSV" "$OLD/bench-cli.json" >>"$ALL" ||
	    { echo "bench-table: bench-cli.json unreadable" >&2; exit 2; }
fi

printf '%s\n' "$FIGURES" | awk -F'\t' -v json="$OUT" -v figs=/dev/stdin '
function jstr(s) {
	gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
function isnum(x) {
	return x ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/
}
function fmt(x) {
	return x == int(x) && (x < 0 ? -x : x) < 1e15 ? sprintf("%d", x) : \
	    sprintf("%.4g", x)
}
function row(name, v, unit, t, better, note,    ratio, verdict, shown, ok) {
	if (!isnum(v)) {
		verdict = "not measured"; shown = "-"; ratio = "-"
	} else {
		shown = fmt(v) (unit != "" ? " " unit : "")
		if (!isnum(t)) {
			ratio = "-"; verdict = "(no target)"
		} else {
			ratio = t == 0 ? "-" : sprintf("%.2f", better == "higher" ? \
			    (v == 0 ? 1e9 : t / v) : v / t)
			ok = better == "higher" ? v + 0 >= t + 0 : v + 0 <= t + 0
			verdict = ok ? "PASS" : "FAIL"
			if (!ok)
				failed++
			else
				passed++
		}
	}
	if (!isnum(v))
		missing++
	printf "%-62s %14s %12s %6s  %s%s\n", name, shown,
	    isnum(t) ? (better == "higher" ? ">= " : "<= ") fmt(t) \
	    (unit != "" ? " " unit : "") : "-", ratio, verdict,
	    note != "" ? "  (" note ")" : ""
	printf "{\"figure\":%s,\"value\":%s,\"unit\":%s,\"target\":%s," \
	    "\"better\":%s,\"verdict\":%s}\n", jstr(name),
	    isnum(v) ? v : "null", jstr(unit), isnum(t) ? t : "null",
	    jstr(better), jstr(verdict) >json
}
BEGIN {
	FS = "|"
	while ((getline line < figs) > 0) {
		split(line, p, "|")
		nf++; fname[nf] = p[1]; funit[nf] = p[2]; ftarget[nf] = p[3]
		fbetter[nf] = p[4]; known[p[1]] = nf
	}
	FS = "\t"
}
{
	if (!($1 in given))
		order[++ng] = $1
	given[$1] = 1; gv[$1] = $2; gu[$1] = $3; gt[$1] = $4; gb[$1] = $5
	gn[$1] = $6
}
END {
	printf "" >json
	printf "%-62s %14s %12s %6s  %s\n", "figure", "measured", "target",
	    "ratio", "verdict"
	for (i = 1; i <= nf; i++) {
		n = fname[i]
		if (n in given)
			row(n, gv[n], gu[n] != "" ? gu[n] : funit[i],
			    gt[n] != "" ? gt[n] : ftarget[i],
			    gb[n] != "" ? gb[n] : fbetter[i], gn[n])
		else
			row(n, "", funit[i], ftarget[i], fbetter[i], "")
	}
	for (i = 1; i <= ng; i++) {
		n = order[i]
		if (!(n in known))
			row(n, gv[n], gu[n], gt[n], gb[n], gn[n])
	}
	printf "\n%d passed, %d failed, %d not measured; table in %s\n",
	    passed, failed, missing, json
	exit failed > 0
}' "$ALL"
