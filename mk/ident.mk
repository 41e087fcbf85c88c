# ident.mk: identity capture (issue 11): the process events connector
# listener, the /proc reads and in-memory identities, their storage, and
# the cgroup path parser; its benchmark.

DAEMON_OBJS	+= src/cgroupname.o
DAEMON_OBJS	+= src/procconn.o src/ident.o src/identread.o \
		   src/identstore.o src/identcap.o src/identpriv.o

# The connector's datagram parser under the fuzzer (mk/fuzz.mk's template;
# this fragment is read after fuzz.mk, hence the explicit eval).
FUZZ_TARGETS		+= procconn
FUZZ_procconn_OBJS	 = $(DAEMON_OBJS) $(COMMON_OBJS)
FUZZ_procconn_MAXLEN	 = 256
$(eval $(call FUZZ_template,procconn))

fuzz-seeds-procconn: tests/unit_procconn
	mkdir -p tests/corpus/procconn
	tests/unit_procconn --seeds tests/corpus/procconn

.PHONY: fuzz-seeds-procconn

BENCH_TARGETS	+= bench-ident
bench-ident: taskacctd tools/dev/taskstorm tools/dev/benchidentread
	sh tools/dev/bench-ident.sh

.PHONY: bench-ident

# The query tool's side (tools/ident.c): command lines, executables,
# cgroups, units and containers of exits.
CLI_OBJS	+= tools/ident.o

# The cost of one identity read, in-process vs through the reader child.
CLEAN_FILES	+= tools/dev/benchidentread
# (privsep.c hands its fds over in an upgrade: src/upgrade.o and its needs.)
tools/dev/benchidentread: tools/dev/benchidentread.o src/identpriv.o \
    src/identread.o src/cgroupname.o src/privsep.o src/log.o \
    src/upgrade.o src/sysinfo.o src/schema.o src/cpulist.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
