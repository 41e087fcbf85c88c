/*
 * benchtime.h: the clocks and sort orders the benchmark drivers
 * (tools/dev/benchget.c, latprobe.c, benchidentread.c) time and rank
 * their samples with.  Header only: each driver is one file.
 */
#ifndef BENCHTIME_H
#define BENCHTIME_H

#include <stdint.h>
#include <time.h>

/* Clock c (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID...) in nanoseconds. */
static inline int64_t
bench_ns(clockid_t c)
{
	struct timespec	 ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* qsort() orders: ascending doubles, ascending int64_t. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline int
bench_cmp_int64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

#endif
