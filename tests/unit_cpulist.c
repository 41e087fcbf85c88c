/*
 * unit_cpulist.c: the one cpulist parser (src/cpulist.c): the grammar it
 * accepts and rejects, the set it fills, the count and message of
 * cpulist_valid; and the split of a CPU list among several sockets
 * (cpulist_part, cpulist_count): the parts are contiguous, near-equal, in
 * ascending order, cover the list and never overlap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpulist.h"

/* Lists the kernel's format allows and the parser takes, with counts. */
static const struct {
	const char	*list;
	int		 n;
} good[] = {
	{ "0", 1 }, { "7", 1 }, { "0-0", 1 }, { "0-3", 4 }, { "0-3,8", 5 },
	{ "8,0-3", 5 }, { "0-3,2,3-4,0", 5 }, { "1,1,1", 1 }, { "007", 1 },
	{ "8191", 1 }, { "0-8191", 8192 }, { "10-11,0,5-6", 5 },
};

/* Malformed: each must be refused, whoever parses it. */
static const char *const bad[] = {
	"", ",", "0,", ",0", "0,,1", "-", "-1", "0-", "-0", "3-1", "0--1",
	"0-1-2", "+1", " 1", "1 ", "1\n", "1;2", "a", "0x1", "1.5", "1:2",
	"0-7:2/4", "8192", "0-8192", "99999999999999999999", "4294967296",
};

static void
test_parse_good(void **state)
{
	uint8_t	 set[CPUSET_BYTES];
	char	 err[128];
	size_t	 i;
	int	 n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (cpulist_parse(good[i].list, set) != good[i].n)
			fail_msg("cpulist_parse(\"%s\") != %d", good[i].list,
			    good[i].n);
		assert_int_equal(cpulist_parse(good[i].list, NULL),
		    good[i].n);
		assert_int_equal(cpulist_count(good[i].list), good[i].n);
		n = -1;
		assert_int_equal(cpulist_valid(good[i].list, &n, err,
		    sizeof(err)), 0);
		assert_int_equal(n, good[i].n);
	}
	/* The set holds exactly the CPUs named. */
	assert_int_equal(cpulist_parse("0-2,8,8191", set), 5);
	for (n = 0; n < CPUSET_MAX; n++)
		assert_int_equal(cpuset_has(set, n), n <= 2 || n == 8 ||
		    n == 8191);
}

static void
test_parse_bad(void **state)
{
	uint8_t	 set[CPUSET_BYTES];
	char	 err[128], *big;
	size_t	 i;
	int	 n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (cpulist_parse(bad[i], set) != -1)
			fail_msg("cpulist_parse(\"%s\") accepted it", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(cpulist_count(bad[i]), -1);
		n = 42;
		err[0] = '\0';
		assert_int_equal(cpulist_valid(bad[i], &n, err, sizeof(err)),
		    -1);
		assert_int_equal(n, 42);
		assert_non_null(strstr(err, "bad CPU list"));
	}
	assert_int_equal(cpulist_valid("x", NULL, NULL, 0), -1);
	/* Longer than CPULIST_MAX, though every number is fine. */
	big = malloc(CPULIST_MAX + 2);
	assert_non_null(big);
	for (i = 0; i + 2 <= CPULIST_MAX; i += 2)
		memcpy(big + i, "1,", 2);
	strcpy(big + i, "1");
	assert_int_equal(cpulist_parse(big, NULL), -1);
	big[CPULIST_MAX - 3] = '\0';	/* "1,...,1" */
	assert_int_equal(cpulist_parse(big, NULL), 1);
	free(big);
}

/* Part i of n of list must be exp. */
static void
part_is(const char *list, int n, int i, const char *exp)
{
	char	 buf[CPULIST_MAX];

	if (cpulist_part(list, n, i, buf, sizeof(buf)) == -1)
		fail_msg("cpulist_part(\"%s\", %d, %d) failed: %s", list, n, i,
		    strerror(errno));
	if (strcmp(buf, exp) != 0)
		fail_msg("cpulist_part(\"%s\", %d, %d) = \"%s\", expected "
		    "\"%s\"", list, n, i, buf, exp);
}

static void
test_count(void **state)
{
	(void)state;
	assert_int_equal(cpulist_count("0"), 1);
	assert_int_equal(cpulist_count("0-1"), 2);
	assert_int_equal(cpulist_count("0-3,8"), 5);
	/* Duplicates and overlaps count once. */
	assert_int_equal(cpulist_count("0-3,2,3-4,0"), 5);
	assert_int_equal(cpulist_count("8191"), 1);
	assert_int_equal(cpulist_count("0-8191"), 8192);
	assert_int_equal(cpulist_count(""), -1);
	assert_int_equal(cpulist_count("0-"), -1);
	assert_int_equal(cpulist_count("3-1"), -1);
	assert_int_equal(cpulist_count("8192"), -1);
	assert_int_equal(cpulist_count("a"), -1);
}

static void
test_parts(void **state)
{
	(void)state;
	part_is("0-1", 1, 0, "0-1");
	part_is("0-1", 2, 0, "0");
	part_is("0-1", 2, 1, "1");
	/* Five CPUs in two: the first part has the extra one. */
	part_is("0-3,8", 2, 0, "0-2");
	part_is("0-3,8", 2, 1, "3,8");
	/* Seven in three: 3, 2, 2. */
	part_is("0-6", 3, 0, "0-2");
	part_is("0-6", 3, 1, "3-4");
	part_is("0-6", 3, 2, "5-6");
	/* Unordered, overlapping input comes out sorted, once. */
	part_is("8,0-3,2", 2, 0, "0-2");
	part_is("8,0-3,2", 2, 1, "3,8");
	/* Gaps inside a part stay gaps. */
	part_is("0,2,4,6-7", 1, 0, "0,2,4,6-7");
	part_is("0,2,4,6-7", 2, 0, "0,2,4");
	part_is("0,2,4,6-7", 2, 1, "6-7");
	part_is("0-8191", 2, 1, "4096-8191");
	part_is("0-8191", 8192, 8191, "8191");
}

/* Above every CPU of test_cover's lists. */
#define CPU_TRY_MAX	160

/* Every CPU of the list is in exactly one part, parts differ by <= 1. */
static void
test_cover(void **state)
{
	static const char *const lists[] = {
		"0", "0-1", "0-3,8", "1,3,5,7,9-20", "0-63", "4-5,100-130,7",
	};
	char	 buf[CPULIST_MAX], one[CPULIST_MAX + 16];
	size_t	 k;
	int	 n, i, total, sz, min, max, c, seen, last;

	(void)state;
	for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		total = cpulist_count(lists[k]);
		for (n = 1; n <= total; n++) {
			seen = 0;
			last = -1;
			min = total;
			max = 0;
			for (i = 0; i < n; i++) {
				assert_int_equal(cpulist_part(lists[k], n, i,
				    buf, sizeof(buf)), 0);
				sz = cpulist_count(buf);
				min = sz < min ? sz : min;
				max = sz > max ? sz : max;
				/* Each CPU once, ascending across parts. */
				for (c = 0; c < CPU_TRY_MAX; c++) {
					snprintf(one, sizeof(one), "%s,%d",
					    buf, c);
					if (cpulist_count(one) != sz)
						continue;
					assert_true(c > last);
					last = c;
					seen++;
				}
			}
			assert_int_equal(seen, total);
			assert_true(max - min <= 1);
		}
	}
}

static void
test_errors(void **state)
{
	char	 buf[8];

	(void)state;
	/* More parts than CPUs, part out of range, no parts. */
	assert_int_equal(cpulist_part("0-1", 3, 0, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cpulist_part("0-1", 2, 2, buf, sizeof(buf)), -1);
	assert_int_equal(cpulist_part("0-1", 2, -1, buf, sizeof(buf)), -1);
	assert_int_equal(cpulist_part("0-1", 0, 0, buf, sizeof(buf)), -1);
	assert_int_equal(cpulist_part("x", 1, 0, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	/* Too small a buffer: an error, never a silently cut list. */
	assert_int_equal(cpulist_part("0,2,4,6,8", 1, 0, buf, sizeof(buf)),
	    -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(cpulist_part("0,2,4,6", 1, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0,2,4,6");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("unit_cpulist", tests, NULL, NULL);
}
