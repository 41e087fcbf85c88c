# latency.mk: how soon an exit is queryable and how often an idle recorder
# wakes (issue 13, src/writer.c's commit policy): the probe and the
# benchmark (make bench-latency).
BENCH_TARGETS	+= bench-latency
CLEAN_FILES	+= tools/dev/latprobe bench-latency.json

tools/dev/latprobe: tools/dev/latprobe.o
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs sqlite3)

bench-latency: taskacctd tools/dev/latprobe
	sh tools/dev/bench-latency.sh

.PHONY: bench-latency
