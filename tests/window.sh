#!/bin/sh
# window.sh: windows count what happened in them (tools/window.c), on the
# crafted rows of tests/cli/window.sql (live samples beside exit records,
# no daemon):
#   - each window's total I/O and CPU equal the rows' own sums: activity
#     rows with time in [since, until) plus the unsampled thread exit rows
#     (sampled NULL) with recv_time in it, never a sampled thread's exit
#     totals;
#   - adjacent windows add up to the window that covers both, per process,
#     per command (summary: CPU, I/O, delays and exits) and per user, for
#     random splits whose edges fall on rows' times and one microsecond
#     either side (an edge off by a microsecond counts a row twice or
#     never).
# WINDOW_SEED picks the splits (printed, to rerun a failure); WINDOW_SPLITS
# how many (default 10, and 3 fixed ones).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

crafted_setup window "windows add up"
LC_ALL=C
export LC_ALL
TASKACCT_NOW=@1700001000
export TASKACCT_NOW
SEED=${WINDOW_SEED:-$(date +%s)}
SPLITS=${WINDOW_SPLITS:-10}
echo "# WINDOW_SEED=$SEED"

if [ ! -x "$T" ] || [ ! -f build/sql/schema.sql ]; then
	echo "not ok 1 - $T and build/sql/schema.sql are built (run make)"
	echo "1..1"
	exit 1
fi
sqlite3 "$DB" <build/sql/schema.sql >"$TMP/out" 2>"$TMP/err" &&
    sqlite3 "$DB" <tests/cli/window.sql >"$TMP/out" 2>"$TMP/err"
crafted_ok $? "the window fixture loads"

q() {
	sqlite3 -batch -noheader "$DB" "$1"
}

# report NAME SINCE UNTIL: one "key<TAB>value" line per key and figure of
# report NAME over [SINCE, UNTIL) (us since the epoch).
report() {
	_w="--since @$(us_s "$2") --until @$(us_s "$3")"
	case $1 in
	process)	# pid and name; io, cpu
		"$T" --db "$DB" --format tsv --no-header top --by io \
		    --group process --limit 0 $_w |
		    awk -F'\t' '{ print $2 "/" $4 "/io\t" $6 }'
		"$T" --db "$DB" --format tsv --no-header top --by cpu \
		    --group process --limit 0 $_w |
		    awk -F'\t' '{ print $2 "/" $4 "/cpu\t" $6 }' ;;
	summary)	# command: exits, user, sys, read, write, delays
		"$T" --db "$DB" --format tsv --no-header summary $_w |
		    awk -F'\t' '{ print $1 "/exits\t" $3; print $1 "/user\t" $5;
		    print $1 "/sys\t" $6; print $1 "/read\t" $9;
		    print $1 "/write\t" $10; print $1 "/cpu_wait\t" $11;
		    print $1 "/io_wait\t" $12; print $1 "/mem_wait\t" $13 }' ;;
	user)
		"$T" --db "$DB" --format tsv --no-header top --by io \
		    --group user $_w |
		    awk -F'\t' '{ print $1 "/io\t" $4 }' ;;
	esac
}

# us_s US: seconds since the epoch with six decimals, for @SECONDS.
us_s() {
	printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
}

# sum FILE...: the lines' values summed per key, sorted (0s left out: a
# process absent from one half is 0 there).
sum() {
	cat "$@" | awk -F'\t' '{ s[$1] += $2 } END { for (k in s) if (s[k] != 0)
	    print k "\t" s[k] }' | sort
}

# --- each window equals the rows' own sums
truth() {	# SINCE UNTIL: io and cpu of the window, from the rows
	q "SELECT (SELECT coalesce(sum(coalesce(read_bytes, 0) +
	    coalesce(write_bytes, 0)), 0) FROM activity WHERE time >= $1 AND
	    time < $2) + (SELECT coalesce(sum(coalesce(read_bytes, 0) +
	    coalesce(write_bytes, 0)), 0) FROM tasks WHERE kind = 0 AND
	    sampled IS NULL AND recv_time >= $1 AND recv_time < $2);"
}

# The edges: every row's time, and a microsecond before and after it.
q "SELECT time FROM activity UNION SELECT recv_time FROM tasks
    WHERE kind = 0" >"$TMP/times"
# (printf: awk's print writes numbers this large as 1.7e+15)
awk '{ printf "%.0f\n%.0f\n%.0f\n", $1 - 1, $1, $1 + 1 }' "$TMP/times" |
    sort -n -u >"$TMP/edges"
crafted_ok $? "the edges: $(wc -l <"$TMP/times") row times, and +-1 us"

bad=
for w in 1700000400000000:1700001000000000 1700000000000000:1700001000000000 \
    1700000705500000:1700000705500001 1700000600300000:1700000705500000 \
    1700000300000000:1700000400000000; do
	a=${w%:*} b=${w#*:}
	want=$(truth "$a" "$b")
	got=$(report process "$a" "$b" | awk -F'\t' '/\/io\t/ { s += $2 }
	    END { print s + 0 }')
	[ "$got" = "$want" ] || bad="$bad [$a, $b): $got, want $want;"
done
echo "$bad" >"$TMP/out"
[ -z "$bad" ]
crafted_ok $? "top --by io --group process sums to the rows' own (samples + unsampled exits)"

# --- random splits: [a, m) + [m, b) = [a, b)
awk -v seed="$SEED" -v n="$SPLITS" '{ e[NR] = $1 } END {
	srand(seed)
	for (i = 0; i < n; i++) {
		do {
			x = e[int(rand() * NR) + 1]; y = e[int(rand() * NR) + 1]
			z = e[int(rand() * NR) + 1]
			if (x > y) { t = x; x = y; y = t }
			if (y > z) { t = y; y = z; z = t }
			if (x > y) { t = x; x = y; y = t }
		} while (!(x < y && y < z))
		printf "%.0f %.0f %.0f\n", x, y, z
	}
}' "$TMP/edges" >"$TMP/splits"
# And always a cut on a sample, on a remainder with its exit rows, and on
# an unsampled thread's exit.
for m in 1700000400000000 1700000705500000 1700000600300000; do
	echo "1700000300000000 $m 1700001000000000" >>"$TMP/splits"
done
SPLITS=$((SPLITS + 3))
for r in process summary user; do
	bad=
	while read -r a m b; do
		report $r "$a" "$m" >"$TMP/h1"
		report $r "$m" "$b" >"$TMP/h2"
		report $r "$a" "$b" >"$TMP/all"
		sum "$TMP/h1" "$TMP/h2" >"$TMP/halves"
		sum "$TMP/all" >"$TMP/whole"
		if ! cmp -s "$TMP/halves" "$TMP/whole"; then
			bad="$bad $a $m $b"
			diff "$TMP/whole" "$TMP/halves" | head -5 >>"$TMP/diffs"
		fi
	done <"$TMP/splits"
	{ echo "splits that do not add up (a m b):$bad"; cat "$TMP/diffs" \
	    2>/dev/null; } >"$TMP/out"
	rm -f "$TMP/diffs"
	[ -z "$bad" ]
	crafted_ok $? "$r: $SPLITS random adjacent windows add up to the covering one"
done

# The splits did cut at rows (an edge on a row's own time).
hits=$(awk 'NR == FNR { t[$1] = 1; next } ($2 in t) { n++ } END { print n + 0 }' \
    "$TMP/times" "$TMP/splits")
echo "# $hits of $SPLITS splits cut exactly at a row's time"

crafted_done
