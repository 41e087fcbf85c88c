# cli.mk: the query tool's report commands (last, show, top, summary,
# short, tree, status, get) and their parsers, linked into taskacct.
# `get` asks the kernel through the live query (src/taskget.c), which
# decodes with the shared decoder (COMMON_OBJS): the CLI links libnl-genl
# for it; the charts (tools/chart.c) libm.
CLI_OBJS += tools/cli.o tools/timespec.o tools/filter.o tools/procs.o \
	    tools/rollup.o tools/chart.o \
	    tools/cmd_last.o tools/cmd_show.o tools/cmd_top.o \
	    tools/cmd_tree.o tools/cmd_status.o tools/cmd_get.o \
	    tools/cmd_timeline.o \
	    src/taskget.o
CLI_LIBS := $(shell pkg-config --libs sqlite3 libnl-genl-3.0) -lm

# The live query's unit test also needs the module itself.
tests/unit_taskget: src/taskget.o
# (and its sanitizer builds, mk/sanitize.mk and mk/tsan.mk)
build/asan/unit_taskget: build/asan/src/taskget.o
build/tsan/unit_taskget: build/tsan/src/taskget.o
