# daemon.mk: least-privilege module of taskacctd (src/privdrop.c).
DAEMON_OBJS += src/privdrop.o
