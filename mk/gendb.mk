# gendb.mk: the benchmark database generator (not installed) and the query
# benchmark on a 10-million-row database (`make bench`).
GENDB_OBJS = tools/gendb.o src/fields.o src/schema.o

tools/gendb: $(GENDB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(GENDB_OBJS) \
	    $(shell pkg-config --libs sqlite3) -lpthread -lm

bench-cli: taskacct tools/gendb
	bash tools/bench-cli.sh

BENCH_TARGETS	+= bench-cli
CLEAN_FILES	+= tools/gendb bench-cli.json

.PHONY: bench-cli
