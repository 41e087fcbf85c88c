# iotop.mk: `taskacct iotop` (tools/cmd_iotop.c, the rounds in
# tools/iotop_sample.c, the terminal screen in tools/iotop_screen.c),
# linked into the query tool only: ncursesw for the screen.
IOTOP_LIBS := $(shell pkg-config --libs ncursesw)
CLI_OBJS += tools/cmd_iotop.o tools/iotop_sample.o tools/iotop_screen.o
CLI_LIBS += $(IOTOP_LIBS)
# The sanitizer build of the query tool (mk/sanitize.mk) links with LDLIBS.
build/asan/taskacct: LDLIBS += $(IOTOP_LIBS)
