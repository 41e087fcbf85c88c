# sanitize.mk: AddressSanitizer + UndefinedBehaviorSanitizer builds of the
# daemon, the query tool and the unit tests, for tests/sanitize.sh.
#
# The same sources and object lists as the normal build, compiled with clang
# into build/asan/ (the normal objects are left alone; build/asan/unit_*
# are not tests/unit_*, so tests/run.sh does not run them twice).  Any
# sanitizer report aborts the program (-fno-sanitize-recover=all).  Without
# SAN_CC installed `make check` does not build them and sanitize.sh skips.

SAN_CC		?= clang
SAN_DIR		 = build/asan
SAN_FLAGS	 = -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_CFLAGS	 = $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(SAN_FLAGS)
SAN_UNITS	 = $(UNIT_TESTS:tests/%=$(SAN_DIR)/%)
SAN_PROGS	 = $(SAN_DIR)/taskacctd $(SAN_DIR)/taskacct $(SAN_UNITS)

ifneq ($(shell command -v $(SAN_CC) 2>/dev/null),)
CHECK_DEPS	+= $(SAN_PROGS)
endif
CLEAN_FILES	+= $(SAN_PROGS) $(SAN_DIR)/src/*.o $(SAN_DIR)/tools/*.o

sanitize: $(SAN_PROGS)

$(SAN_DIR)/%.o: %.c include/*.h src/*.h $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -c -o $@ $<

# Object lists are expanded a second time, once every fragment has added
# to them, whatever the order mk/*.mk are read in.
.SECONDEXPANSION:

$(SAN_DIR)/taskacctd: $$(addprefix $(SAN_DIR)/,src/taskacctd.o \
    $$(DAEMON_OBJS) $$(COMMON_OBJS))
	$(SAN_CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SAN_DIR)/taskacct: $$(addprefix $(SAN_DIR)/,$$(CLI_OBJS) $$(COMMON_OBJS))
	$(SAN_CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SAN_DIR)/unit_%: tests/unit_%.c $$(addprefix $(SAN_DIR)/,$$(DAEMON_OBJS) \
    $$(COMMON_OBJS))
	$(SAN_CC) $(SAN_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

.PHONY: sanitize
