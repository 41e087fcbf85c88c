/*
 * cpulist.h: the kernel's cpulist format ("0-3,8,10-11"), one parser for
 * the daemon (--cpus, the possible CPUs, the split among sockets) and the
 * development tools (taskstorm -c).  Pure: no I/O, no other object needed.
 */
#ifndef CPULIST_H
#define CPULIST_H

#include <stddef.h>
#include <stdint.h>

#define CPULIST_MAX		4096
/* CPU numbers a cpulist may hold: 0 to CPUSET_MAX - 1 (above any NR_CPUS). */
#define CPUSET_MAX		8192
#define CPUSET_BYTES		(CPUSET_MAX / 8)

/* A CPU set as cpulist_parse fills it: CPU c is bit c % 8 of byte c / 8. */
static inline int
cpuset_has(const uint8_t *set, int c)
{
	return (set[c / 8] >> (c % 8)) & 1;
}

int	 cpulist_parse(const char *, uint8_t *);
int	 cpulist_valid(const char *, int *, char *, size_t);
int	 cpulist_count(const char *);
int	 cpulist_part(const char *, int, int, char *, size_t);

#endif
