# ident.mk: identity capture (issue 11): the process events connector
# listener, the /proc reads and in-memory identities, their storage, and
# the cgroup path parser; its benchmark.

DAEMON_OBJS	+= src/cgroupname.o
DAEMON_OBJS	+= src/procconn.o src/ident.o src/identread.o \
		   src/identstore.o src/identcap.o
