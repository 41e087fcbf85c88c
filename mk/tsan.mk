# tsan.mk: ThreadSanitizer builds of the daemon and the unit tests, for
# tests/tsan.sh (the socket-draining thread, the queue and the writer
# thread are the code that runs concurrently).
#
# The same sources and object lists as the normal build, compiled with
# clang -fsanitize=thread into build/tsan/ (the normal objects are left
# alone, and build/tsan/unit_* are not tests/unit_*, so tests/run.sh does
# not run them twice).  Without TSAN_CC installed `make check` does not
# build them and tsan.sh skips.

TSAN_CC		?= clang
TSAN_DIR	 = build/tsan
TSAN_FLAGS	 = -fsanitize=thread
TSAN_CFLAGS	 = $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(TSAN_FLAGS)
TSAN_UNITS	 = $(UNIT_TESTS:tests/%=$(TSAN_DIR)/%)
TSAN_PROGS	 = $(TSAN_DIR)/taskacctd $(TSAN_UNITS)

ifneq ($(shell command -v $(TSAN_CC) 2>/dev/null),)
CHECK_DEPS	+= $(TSAN_PROGS)
endif
CLEAN_FILES	+= $(TSAN_PROGS) $(TSAN_DIR)/src/*.o

tsan: $(TSAN_PROGS)

$(TSAN_DIR)/%.o: %.c include/*.h src/*.h
	@mkdir -p $(@D)
	$(TSAN_CC) $(TSAN_CFLAGS) -c -o $@ $<

# Object lists are expanded a second time, once every fragment has added
# to them, whatever the order mk/*.mk are read in.
.SECONDEXPANSION:

$(TSAN_DIR)/taskacctd: $$(addprefix $(TSAN_DIR)/,src/taskacctd.o \
    $$(DAEMON_OBJS) $$(COMMON_OBJS))
	$(TSAN_CC) $(TSAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TSAN_DIR)/unit_%: tests/unit_%.c $$(addprefix $(TSAN_DIR)/,$$(DAEMON_OBJS) \
    $$(COMMON_OBJS))
	$(TSAN_CC) $(TSAN_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

.PHONY: tsan
