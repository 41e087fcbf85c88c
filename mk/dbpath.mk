# dbpath.mk: what may stand at the database path (src/dbpath.c): refusing
# symbolic links, devices, FIFOs, sockets and directories there.
DAEMON_OBJS += src/dbpath.o
