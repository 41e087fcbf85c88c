# upgrade.mk: upgrade in place (SIGUSR2, src/upgrade.c).
DAEMON_OBJS += src/upgrade.o
