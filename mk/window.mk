# window.mk: top and summary over what happened in a window, from the live
# samples (activity) and the unsampled exit records (tools/window.c).
CLI_OBJS += tools/window.o

# The window reports on a million live samples an hour (bench-window.sh).
bench-window: taskacct $(SQL_BUILT)
	sh tools/dev/bench-window.sh

BENCH_TARGETS	+= bench-window
CLEAN_FILES	+= bench-window.json

.PHONY: bench-window
