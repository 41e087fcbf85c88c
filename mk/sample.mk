# sample.mk: live sampling in taskacctd (--sample-interval): the sampler
# thread and its accounting table, the privileged child (privsep), their
# rows in the database, and the cost benchmark (make bench-sample).
DAEMON_OBJS	+= src/sampler.o src/sampler_acct.o src/sampler_save.o \
		   src/privsep.o src/store_activity.o src/taskget.o
BENCH_TARGETS	+= bench-sample
CLEAN_FILES	+= bench-sample.json

bench-sample: taskacctd tools/dev/holdthreads
	sh tools/dev/bench-sample.sh

.PHONY: bench-sample

TEST_PROGS	+= tests/sample_work
CLEAN_FILES	+= tests/sample_work

tests/sample_work: tests/sample_work.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lpthread
