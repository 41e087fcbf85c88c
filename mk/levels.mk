# levels.mk: the hour and day levels of the rollups (issue 13): their
# tables in the recorder's database (src/store_levels.c).
DAEMON_OBJS += src/store_levels.o
