# daemon.mk: taskacctd modules beyond the Makefile's list: least privilege
# (src/privdrop.c), the per-minute rollups (src/rollup.c) and the SQL
# built from the shared tables (src/sqlbuild.c).
DAEMON_OBJS += src/privdrop.o
DAEMON_OBJS += src/rollup.o
DAEMON_OBJS += src/sqlbuild.o
