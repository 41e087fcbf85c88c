# fuzz.mk: libFuzzer harnesses (tests/fuzz_*.c) and their corpus replay.
#
# `make fuzz` builds each harness with clang (-fsanitize=fuzzer plus ASan
# and UBSan) from the project's own sources, compiled again under
# build/fuzz/ so the normal objects are left alone, and runs each for
# FUZZ_SECONDS on its corpus in tests/corpus/; new inputs go to
# build/fuzz/corpus-*, never into tests/.  `make fuzz-merge` then adds to
# tests/corpus/ only the inputs that reach new code (libFuzzer -merge=1 on
# edges alone, -use_counters=0, which keeps the corpus small).  `make
# fuzz-seeds` rewrites the hand-made seeds (seed-*) of the decoder and of
# the listener's datagram parser.  A crash
# is saved as build/fuzz/NAME-crash-*: fix it, and copy the input into
# tests/corpus/NAME/ so that every `make check` replays it.
# `make check` replays the corpus through build/fuzz_replay_* (tests/fuzz.sh),
# which link the same harnesses with fuzz_replay.c and the normal objects,
# so no clang is needed for that.  FUZZ_FLAGS passes libFuzzer options
# (e.g. -jobs=2; the default is one worker).

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 300
FUZZ_FLAGS	?=
FUZZ_DIR	 = build/fuzz
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	 = $(ALL_CFLAGS) -Itools -O1 -fno-omit-frame-pointer \
		   $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_TARGETS	 = decode cli listener

# What each harness links besides itself: the decoder with the daemon's
# objects (as tests/unit_* do), the CLI's time and filter parsers with
# their own two (pure: no database, no output).
FUZZ_decode_OBJS   = $(DAEMON_OBJS) $(COMMON_OBJS)
FUZZ_decode_MAXLEN = 4096
FUZZ_cli_OBJS	   = tools/timespec.o tools/filter.o src/duration.o \
		     src/errf.o
FUZZ_cli_MAXLEN	   = 512
# The listener's datagram parser, up to one receive buffer (LISTENER_BUFSZ).
FUZZ_listener_OBJS   = $(DAEMON_OBJS) $(COMMON_OBJS)
FUZZ_listener_MAXLEN = 8192

FUZZ_REPLAY	 = $(FUZZ_TARGETS:%=build/fuzz_replay_%)
CHECK_DEPS	+= $(FUZZ_REPLAY)
CLEAN_FILES	+= $(FUZZ_REPLAY) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%) \
		   $(FUZZ_DIR)/decode_seeds $(FUZZ_DIR)/src/*.o \
		   $(FUZZ_DIR)/tools/*.o $(FUZZ_DIR)/tests/*.o

# Every source compiled again with coverage and sanitizers.
$(FUZZ_DIR)/%.o: %.c include/*.h src/*.h $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# Object lists are expanded a second time, once every fragment has added
# to them, whatever the order mk/*.mk are read in.
.SECONDEXPANSION:

# Per harness: the replay driver (normal compiler and objects), the
# libFuzzer binary, a timed run and a merge into tests/corpus/.
define FUZZ_template
build/fuzz_replay_$(1): tests/fuzz_replay.c tests/fuzz_$(1).c \
    $$$$(FUZZ_$(1)_OBJS)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) -Itools $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)

$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_DIR)/tests/fuzz_$(1).o \
    $$$$(addprefix $(FUZZ_DIR)/,$$$$(FUZZ_$(1)_OBJS))
	$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer $$(LDFLAGS) -o $$@ $$^ \
	    $$(LDLIBS)

fuzz-$(1): $(FUZZ_DIR)/fuzz_$(1)
	mkdir -p $(FUZZ_DIR)/corpus-$(1)
	$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$$(FUZZ_SECONDS) \
	    -max_len=$$(FUZZ_$(1)_MAXLEN) -artifact_prefix=$(FUZZ_DIR)/$(1)- \
	    -print_final_stats=1 $$(FUZZ_FLAGS) \
	    $(FUZZ_DIR)/corpus-$(1) tests/corpus/$(1)

fuzz-merge-$(1): $(FUZZ_DIR)/fuzz_$(1)
	mkdir -p $(FUZZ_DIR)/corpus-$(1)
	$(FUZZ_DIR)/fuzz_$(1) -merge=1 -use_counters=0 \
	    -max_len=$$(FUZZ_$(1)_MAXLEN) tests/corpus/$(1) $(FUZZ_DIR)/corpus-$(1)

.PHONY: fuzz-$(1) fuzz-merge-$(1)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_template,$(t))))

# The decoder's seeds, written by fuzz_decode.c built with -DFUZZ_SEEDS.
$(FUZZ_DIR)/decode_seeds: tests/fuzz_decode.c tests/nlmsg_build.h \
    tests/ts_expect.h $$(FUZZ_decode_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -DFUZZ_SEEDS $(LDFLAGS) -o $@ \
	    tests/fuzz_decode.c $(FUZZ_decode_OBJS) $(LDLIBS)

fuzz-seeds: $(FUZZ_DIR)/decode_seeds fuzz-seeds-listener
	mkdir -p tests/corpus/decode
	$(FUZZ_DIR)/decode_seeds tests/corpus/decode

# The listener's seeds are the datagrams tests/unit_listener.c checks.
fuzz-seeds-listener: tests/unit_listener
	mkdir -p tests/corpus/listener
	tests/unit_listener --seeds tests/corpus/listener

fuzz: $(FUZZ_TARGETS:%=fuzz-%)
fuzz-merge: $(FUZZ_TARGETS:%=fuzz-merge-%)

.PHONY: fuzz fuzz-seeds fuzz-seeds-listener fuzz-merge
