# daemon.mk: taskacctd modules beyond the Makefile's list: least privilege
# (src/privdrop.c) and the per-minute rollups (src/rollup.c).
DAEMON_OBJS += src/privdrop.o
DAEMON_OBJS += src/rollup.o
