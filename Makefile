# taskacct: exit-accounting recorder (taskacctd) and query tool (taskacct).
# Plain make; dependencies through pkg-config.  CI builds with WERROR=-Werror.

CC	?= cc
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=
DB	?= /var/lib/taskacct/taskacct.db

PKGS	 = libnl-genl-3.0 libevent sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wformat=2
WERROR	?=
ifeq ($(CI),true)
WERROR	 = -Werror
endif
OPT	?= -O2 -g
CFLAGS	?=
# The project's own flags stay even when CFLAGS is given on the command line.
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(WERROR) -D_GNU_SOURCE \
	   -Iinclude -Isrc $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS	+= $(PKG_LIBS) -lpthread

# Objects both programs use; the query tool links these and CLI_OBJS only
# (tests/cli_link.sh checks that it carries nothing of the daemon).
COMMON_OBJS = src/fields.o src/duration.o src/decode.o src/errf.o src/utf8.o
DAEMON_OBJS = src/listener.o src/queue.o src/writer.o \
	      src/store.o src/cpulist.o src/sysinfo.o src/schema.o src/log.o
CLI_OBJS    = tools/taskacct.o tools/output.o

UNIT_TESTS  = $(patsubst %.c,%,$(wildcard tests/unit_*.c))
TEST_PROGS  = tests/workload

PROGS	= taskacctd taskacct
# Extra programs installed to BINDIR, benchmarks and check prerequisites;
# the fragments in mk/ (one per concern) add to these.
EXTRA_BINS	=
BENCH_TARGETS	=
CHECK_DEPS	=
CLEAN_FILES	=

# The default goal; its prerequisites are named after the fragments have
# added theirs.
all:

include $(wildcard mk/*.mk)

all: $(PROGS) $(EXTRA_BINS)

taskacctd: src/taskacctd.o $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

taskacct: $(CLI_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS)

# The schema and its migrations are SQL text in sql/, embedded as C strings
# at build time: taskacct_schema_sql, and taskacct_migrations[N] taking a
# database from version N-1 to N.  The SQL names the ac_flag bits
# @TS_AGROUP@ etc.; sql_consts makes a sed script that puts in their values
# from include/taskstats_proto.h, the one definition, and build/sql/ has
# the result (what tests feed to sqlite3).  An unknown @NAME@ fails the build.
MIGRATIONS = $(sort $(wildcard sql/migrate-*.sql))
SQL_BUILT  = $(patsubst sql/%,build/sql/%,sql/schema.sql $(MIGRATIONS))
sql_consts = sed -n 's/^.define[[:space:]]*\(TS_A[A-Z]*\)[[:space:]]*\(0x[0-9a-f]*\).*/\1 \2/p' \
	    include/taskstats_proto.h | \
	    while read -r n v; do echo "s/@$$n@/$$((v))/g"; done
sql_to_c = sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/'
build/sql/%.sql: sql/%.sql include/taskstats_proto.h Makefile
	@mkdir -p $(@D)
	script=$$($(sql_consts)) && [ -n "$$script" ] && \
	    sed -e "$$script" $< >$@.tmp
	@if grep -n '@[A-Za-z_]*@' $@.tmp; then \
	    echo "$<: unknown @CONSTANT@ (see include/taskstats_proto.h)" >&2; \
	    rm -f $@.tmp; exit 1; fi
	mv $@.tmp $@
src/schema.c: $(SQL_BUILT) Makefile
	{ echo '/* generated from sql/ by make: do not edit */'; \
	  echo '#include <stddef.h>'; \
	  echo 'const char taskacct_schema_sql[] ='; \
	  $(sql_to_c) build/sql/schema.sql; echo ';'; \
	  echo 'const char *const taskacct_migrations[] = {'; \
	  for f in $(filter build/sql/migrate-%,$^); do \
	    n=$${f#build/sql/migrate-}; echo "[$${n%.sql}] ="; \
	    $(sql_to_c) $$f; echo ','; done; \
	  echo '};'; \
	  echo 'const size_t taskacct_nmigrations ='; \
	  echo '    sizeof(taskacct_migrations) / sizeof(taskacct_migrations[0]);'; \
	} > $@.tmp && mv $@.tmp $@

src/%.o: src/%.c include/*.h src/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

tools/%.o: tools/%.c include/*.h tools/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

tests/unit_%: tests/unit_%.c $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

tests/workload: tests/workload.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lpthread

check: all $(UNIT_TESTS) $(TEST_PROGS) $(CHECK_DEPS)
	tests/run.sh

bench: all $(BENCH_TARGETS)

run: taskacctd
	./taskacctd -d $(DB)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1
	install -m 0755 taskacctd $(DESTDIR)$(SBINDIR)/taskacctd
	install -m 0755 taskacct $(DESTDIR)$(BINDIR)/taskacct
	for b in $(EXTRA_BINS); do \
	    install -m 0755 $$b $(DESTDIR)$(BINDIR)/$$(basename $$b); done
	for m in man/*.1; do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1; done
	for m in man/*.8; do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8; done

clean:
	rm -f $(PROGS) src/*.o tools/*.o tools/dev/*.o src/schema.c src/schema.c.tmp \
	    $(UNIT_TESTS) $(TEST_PROGS) $(EXTRA_BINS) $(CLEAN_FILES)
	rm -rf tests/out build/sql

.PHONY: all check bench run install clean
