/*
 * cpulist.c: the kernel's cpulist format ("0-3,8,10-11"), the one parser of
 * it: checked before it is sent so a typo gets a clear error instead of the
 * kernel's EINVAL, counted, and split into parts for several sockets.
 * Numbers are plain decimal (no sign, no space), ranges ascending, every
 * CPU below CPUSET_MAX; a CPU named twice counts once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

static int
cpu_number(const char **p, long *v)
{
	char	*end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*v = strtol(*p, &end, 10);
	if (errno != 0 || *v >= CPUSET_MAX)
		return -1;
	*p = end;
	return 0;
}

/*
 * Parse a cpulist into set (CPUSET_BYTES, may be NULL).  Returns how many
 * distinct CPUs it names, or -1 with errno EINVAL when it is malformed.
 */
int
cpulist_parse(const char *list, uint8_t *set)
{
	uint8_t		 own[CPUSET_BYTES];
	const char	*p = list;
	long		 lo, hi, c;
	int		 n = 0;

	if (set == NULL)
		set = own;
	memset(set, 0, CPUSET_BYTES);
	if (*list == '\0' || strnlen(list, CPULIST_MAX) >= CPULIST_MAX)
		goto bad;
	for (;;) {
		if (cpu_number(&p, &lo) == -1)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpu_number(&p, &hi) == -1 || hi < lo)
				goto bad;
		}
		for (c = lo; c <= hi; c++)
			if (!cpuset_has(set, (int)c)) {
				set[c / 8] |= (uint8_t)(1U << (c % 8));
				n++;
			}
		if (*p == '\0')
			return n;
		if (*p++ != ',')
			goto bad;
	}
bad:
	errno = EINVAL;
	return -1;
}

/*
 * Check a cpulist; *ncpus gets how many distinct CPUs it names.  Returns
 * -1 with a message in err when it is malformed.
 */
int
cpulist_valid(const char *list, int *ncpus, char *err, size_t errlen)
{
	int	 n;

	if ((n = cpulist_parse(list, NULL)) == -1) {
		if (errlen > 0)
			snprintf(err, errlen, "bad CPU list \"%.64s\" "
			    "(expected e.g. 0-3,8)", list);
		return -1;
	}
	if (ncpus != NULL)
		*ncpus = n;
	return 0;
}

/* How many distinct CPUs a cpulist names, or -1 if it is malformed. */
int
cpulist_count(const char *list)
{
	return cpulist_parse(list, NULL);
}

/* Append the run lo-hi to a cpulist being built in buf. */
static int
cpulist_append(char *buf, size_t len, size_t *off, int lo, int hi)
{
	int	 w;

	if (lo == hi)
		w = snprintf(buf + *off, len - *off, "%s%d", *off ? "," : "",
		    lo);
	else
		w = snprintf(buf + *off, len - *off, "%s%d-%d",
		    *off ? "," : "", lo, hi);
	if (w < 0 || (size_t)w >= len - *off) {
		errno = ERANGE;
		return -1;
	}
	*off += (size_t)w;
	return 0;
}

/*
 * Part i (from 0) of n contiguous, near-equal parts of a cpulist, in
 * ascending CPU order: the first (count % n) parts have one CPU more.  With
 * one socket per part, the kernel sends each socket the exits of its CPUs
 * only, so the parts must cover the list and never overlap.  Returns -1
 * with errno EINVAL (bad list, i out of range, more parts than CPUs) or
 * ERANGE (buf too small).
 */
int
cpulist_part(const char *list, int n, int i, char *buf, size_t len)
{
	uint8_t	 set[CPUSET_BYTES];
	int	 count, first, end, rank = 0, lo = -1, hi = -1, c;
	size_t	 off = 0;

	if (len == 0 || n < 1 || i < 0 || i >= n ||
	    (count = cpulist_parse(list, set)) < n) {
		errno = EINVAL;
		return -1;
	}
	first = i * (count / n) + (i < count % n ? i : count % n);
	end = first + count / n + (i < count % n);
	for (c = 0; c < CPUSET_MAX && rank < end; c++) {
		if (!cpuset_has(set, c) || rank++ < first)
			continue;
		if (lo != -1 && c == hi + 1) {
			hi = c;
			continue;
		}
		if (lo != -1 && cpulist_append(buf, len, &off, lo, hi) == -1)
			return -1;
		lo = hi = c;
	}
	return cpulist_append(buf, len, &off, lo, hi);
}
