# storm.mk: the task-exit storm generator (installed), the benchmark's floor
# listener and driver (make bench), and what the storm test needs.

STORM_NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0)

EXTRA_BINS	+= tools/dev/taskstorm
BENCH_TARGETS	+= bench-storm
CHECK_DEPS	+= tools/dev/taskstorm tools/dev/floor
CLEAN_FILES	+= tools/dev/floor bench-storm.json

# The CPU list parser is the daemon's (pure: no other object needed).
tools/dev/taskstorm: tools/dev/taskstorm.o src/cpulist.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# The floor links libnl-genl only: nothing of the daemon.
tools/dev/floor: tools/dev/floor.o
	$(CC) $(LDFLAGS) -o $@ $^ $(STORM_NL_LIBS)

# Exit status 1 (a target missed) lets `make bench` go on to the other
# benches and the table (mk/benchtable.mk); 2 (nothing measured) stops it.
bench-storm: taskacctd tools/dev/taskstorm tools/dev/floor
	sh tools/dev/bench-storm.sh; [ $$? -le 1 ]

.PHONY: bench-storm
