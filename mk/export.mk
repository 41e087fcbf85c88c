# export.mk: `taskacct export` (tools/cmd_export.c, tools/export_*.c):
# JSON lines, --follow, --cursor, and ClickHouse over HTTP with libcurl.
# The cursor's names are checked as the database path is (src/dbpath.c).
CLI_OBJS += tools/cmd_export.o tools/export_db.o tools/export_cursor.o \
	    tools/export_http.o tools/export_watch.o src/dbpath.o
EXPORT_LIBS := $(shell pkg-config --libs libcurl)
# Appended when taskacct links, whatever order the fragments load in.
taskacct: CLI_LIBS += $(EXPORT_LIBS)
# and the sanitizer build of it (mk/sanitize.mk, SAN_DIR).
build/asan/taskacct: LDLIBS += $(EXPORT_LIBS)

BENCH_TARGETS += bench-export
bench-export: all
	sh tools/dev/bench-export.sh

.PHONY: bench-export
