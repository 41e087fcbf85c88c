# latency.mk: how soon an exit is queryable and how often an idle recorder
# wakes (issue 13, src/writer.c's commit policy): the probe and the
# benchmark (make bench-latency).
BENCH_TARGETS	+= bench-latency
CLEAN_FILES	+= tools/dev/latprobe bench-latency.json

tools/dev/latprobe: tools/dev/latprobe.o
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs sqlite3)

bench-latency: taskacctd tools/dev/latprobe tools/dev/benchcommit
	sh tools/dev/bench-latency.sh

.PHONY: bench-latency

# The writer alone, fed synthetic records: its CPU per record and commits
# per second under a given flow window (the policy's cost, no kernel).
CLEAN_FILES	+= tools/dev/benchcommit
# (The objects are named in the recipe: fragments read later add to them.)
tools/dev/benchcommit: tools/dev/benchcommit.c taskacctd
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(DAEMON_OBJS) \
	    $(COMMON_OBJS) $(LDLIBS)
