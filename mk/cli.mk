# cli.mk: the query tool's report commands (last, show, top, summary,
# short, tree, status) and their parsers, linked into taskacct.
CLI_OBJS += tools/cli.o tools/timespec.o tools/filter.o tools/procs.o \
	    tools/rollup.o \
	    tools/cmd_last.o tools/cmd_show.o tools/cmd_top.o \
	    tools/cmd_tree.o tools/cmd_status.o
