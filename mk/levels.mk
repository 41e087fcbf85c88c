# levels.mk: the hour and day levels of the rollups (issue 13): their
# tables in the recorder's database (src/store_levels.c).
DAEMON_OBJS += src/store_levels.o
# levels2 (schema 5): short's top parents from the rollups' days and hours
# (tools/short_parents.c).
CLI_OBJS += tools/short_parents.o

# The figures of short and timeline over a day, a week and the whole
# history of 10M rows (tools/dev/bench-levels.sh).
bench-levels: taskacct tools/dev/gendb
	bash tools/dev/bench-levels.sh

BENCH_TARGETS	+= bench-levels

.PHONY: bench-levels
