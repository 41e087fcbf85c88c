# ranked.mk: the per-hour top-K candidates of top's ranked lists per exit
# (issue 13): kept by taskacctd (src/ranked.c), read by `taskacct top`
# (tools/ranked_top.c); the test and the benchmark of the fast path.
DAEMON_OBJS	+= src/ranked.o
CLI_OBJS	+= tools/ranked_top.o

bench-ranked: taskacct tools/dev/gendb
	bash tools/dev/bench-ranked.sh

BENCH_TARGETS	+= bench-ranked
CLEAN_FILES	+= bench-ranked.json

.PHONY: bench-ranked
