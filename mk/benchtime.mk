# benchtime.mk: the benchmark drivers timing with tools/dev/benchtime.h
# (the pattern rule for tools/ objects knows only include/ and tools/*.h).
tools/dev/benchget.o tools/dev/latprobe.o tools/dev/benchidentread.o: \
    tools/dev/benchtime.h
