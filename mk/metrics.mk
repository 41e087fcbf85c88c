# metrics.mk: the Prometheus metrics server of taskacctd (--metrics), its
# test helper (tests/metrics_names: tasks under thousands of names) and the
# benchmark of the daemon's CPU with and without scrapes (make
# bench-metrics).
DAEMON_OBJS	+= src/metrics.o src/metrics_top.o src/metrics_text.o \
		   src/metrics_http.o
TEST_PROGS	+= tests/metrics_names
BENCH_TARGETS	+= bench-metrics
CLEAN_FILES	+= bench-metrics.json

tests/metrics_names: tests/metrics_names.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

bench-metrics: taskacctd tools/dev/taskstorm
	sh tools/dev/bench-metrics.sh

.PHONY: bench-metrics
