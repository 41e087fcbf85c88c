# upgrade.mk: upgrade in place (SIGUSR2, src/upgrade.c).
DAEMON_OBJS += src/upgrade.o src/upgrade_blob.o

BENCH_TARGETS	+= bench-upgrade
CLEAN_FILES	+= bench-upgrade.json

bench-upgrade: taskacctd tests/workload
	sh tools/dev/bench-upgrade.sh

.PHONY: bench-upgrade
