# nlsock.mk: the netlink socket mechanics shared by the TASKSTATS listener
# and the process events connector (src/nlsock.c).
DAEMON_OBJS	+= src/nlsock.o
