# wal.mk: naming the readers that hold the database's WAL back
# (src/walreaders.c), for the daemon's checkpoint and rotation warnings.
DAEMON_OBJS += src/walreaders.o
