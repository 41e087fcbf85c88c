# gendb.mk: the benchmark database generator (not installed) and the query
# benchmark on a 10-million-row database (`make bench`).
GENDB_OBJS = tools/dev/gendb.o src/fields.o src/schema.o src/sqlbuild.o \
	     src/ranked.o src/proctotals.o src/log.o

tools/dev/gendb: $(GENDB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(GENDB_OBJS) \
	    $(shell pkg-config --libs sqlite3) -lpthread -lm

bench-cli: taskacct tools/dev/gendb
	bash tools/dev/bench-cli.sh

BENCH_TARGETS	+= bench-cli
# tests/levels.sh and tests/ranked.sh compare fast paths on its databases.
CHECK_DEPS	+= tools/dev/gendb
CLEAN_FILES	+= tools/dev/gendb bench-cli.json

.PHONY: bench-cli
