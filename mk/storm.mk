# storm.mk: the task-exit storm generator (installed), the benchmark's floor
# listener and driver (make bench), and what the storm test needs.

STORM_NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0)

EXTRA_BINS	+= tools/taskstorm
BENCH_TARGETS	+= bench-storm
CHECK_DEPS	+= tools/taskstorm tools/floor
CLEAN_FILES	+= tools/floor bench-storm.json

tools/taskstorm: tools/taskstorm.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# The floor links libnl-genl only: nothing of the daemon.
tools/floor: tools/floor.o
	$(CC) $(LDFLAGS) -o $@ $^ $(STORM_NL_LIBS)

bench-storm: taskacctd tools/taskstorm tools/floor
	sh tools/bench-storm.sh

.PHONY: bench-storm
