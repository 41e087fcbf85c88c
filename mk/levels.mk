# levels.mk: the hour and day levels of the rollups (issue 13): their
# tables in the recorder's database (src/store_levels.c).
DAEMON_OBJS += src/store_levels.o
# levels2 (schema 5): short's top parents from the rollups' days and hours
# (tools/short_parents.c).
CLI_OBJS += tools/short_parents.o
