# ident.mk: the query tool's side of identity capture (tools/ident.c):
# command lines, executables, cgroups, units and containers of exits.
CLI_OBJS += tools/ident.o
