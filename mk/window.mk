# window.mk: top and summary over what happened in a window, from the live
# samples (activity) and the unsampled exit records (tools/window.c).
CLI_OBJS += tools/window.o
