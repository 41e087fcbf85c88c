# ptotals.mk: per-process totals at process end (issue 13, proc_totals):
# kept by taskacctd (src/proctotals.c), read by tools/procs.c.
DAEMON_OBJS	+= src/proctotals.o
