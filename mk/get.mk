# get.mk: the live query's development tools: holdthreads (holds N threads
# alive, for tests/get.sh and the benchmark) and the benchmark of reading
# every live thread by netlink GET or /proc/PID/task/TID/io (make bench-get).
GET_NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0)

CHECK_DEPS	+= tools/dev/holdthreads
BENCH_TARGETS	+= bench-get
CLEAN_FILES	+= tools/dev/holdthreads tools/dev/benchget bench-get.json

tools/dev/holdthreads: tools/dev/holdthreads.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

tools/dev/benchget: tools/dev/benchget.o src/taskget.o src/decode.o \
    src/fields.o
	$(CC) $(LDFLAGS) -o $@ $^ $(GET_NL_LIBS) -lpthread

bench-get: tools/dev/holdthreads tools/dev/benchget
	sh tools/dev/bench-get.sh

.PHONY: bench-get
