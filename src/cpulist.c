/*
 * cpulist.c: the kernel's cpulist format ("0-3,8,10-11"), checked before it
 * is sent so a typo gets a clear error instead of the kernel's EINVAL.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysinfo.h"

#define CPU_NUM_MAX	CPUSET_MAX	/* above any NR_CPUS; the one limit */

static int
cpu_number(const char **p, long *v)
{
	char	*end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*v = strtol(*p, &end, 10);
	if (errno != 0 || *v >= CPU_NUM_MAX)
		return -1;
	*p = end;
	return 0;
}

/*
 * Check a cpulist; *ncpus gets how many CPUs it names.  Returns -1 with a
 * message in err when it is malformed.
 */
int
cpulist_valid(const char *list, int *ncpus, char *err, size_t errlen)
{
	const char	*p = list;
	long		 lo, hi;
	int		 n = 0;

	if (*list == '\0' || strlen(list) >= CPULIST_MAX)
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
		n += (int)(hi - lo + 1);
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	if (ncpus != NULL)
		*ncpus = n;
	return 0;
bad:
	snprintf(err, errlen, "bad CPU list \"%.64s\" (expected e.g. 0-3,8)",
	    list);
	return -1;
}

/* Every possible CPU, as the kernel lists them in sysfs. */
int
cpulist_possible(char *buf, size_t len)
{
	if (read_line("/sys/devices/system/cpu/possible", buf, len) == -1)
		return -1;
	return cpulist_valid(buf, NULL, NULL, 0) == -1 ? -1 : 0;
}
