# follow.mk: `taskacct last --follow` (tools/follow.c), which reads and
# waits as `export --follow` does (tools/export_db.c, export_watch.c:
# mk/export.mk links them into taskacct).
CLI_OBJS += tools/follow.o
