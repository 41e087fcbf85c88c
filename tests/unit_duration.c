/*
 * unit_duration.c: the one duration grammar (src/duration.c) that
 * taskacctd --retain and the query tool share: units, compound terms,
 * fractions, the bare number's unit chosen by the caller, the 100-year
 * limit to the microsecond, and a one-line error for every bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"

#define S	INT64_C(1000000)
#define MIN	(60 * S)
#define H	(3600 * S)
#define D	(86400 * S)

/* s parses, a bare number in bare_us units, to exp microseconds. */
static void
is_unit(const char *s, int64_t bare_us, int64_t exp)
{
	char	 e[128] = "";
	int64_t	 us = -1;

	if (duration_parse_unit(s, bare_us, &us, e, sizeof(e)) != 0)
		fail_msg("\"%s\" refused: %s", s, e);
	if (us != exp)
		fail_msg("\"%s\" = %lld us, expected %lld", s, (long long)us,
		    (long long)exp);
}

static void
is(const char *s, int64_t exp)
{
	int64_t	 us = -1;
	char	 e[128];

	is_unit(s, S, exp);
	/* duration_parse is the same grammar, seconds for a bare number. */
	assert_int_equal(duration_parse(s, &us, e, sizeof(e)), 0);
	assert_true(us == exp);
}

/* s is refused with a message containing want. */
static void
bad(const char *s, const char *want)
{
	char	 e[128] = "";
	int64_t	 us = 12345;

	if (duration_parse(s, &us, e, sizeof(e)) != -1)
		fail_msg("\"%s\" accepted as %lld us", s, (long long)us);
	if (us != 12345)
		fail_msg("\"%s\": output written on failure", s);
	if (strstr(e, want) == NULL || strchr(e, '\n') != NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", s, e, want);
}

static void
test_units(void **state)
{
	(void)state;
	is("250us", 250);
	is("500ms", 500000);
	is("2s", 2 * S);
	is("2sec", 2 * S);
	is("10m", 10 * MIN);
	is("10min", 10 * MIN);
	is("90min", 90 * MIN);
	is("3 minutes", 3 * MIN);
	is("2h", 2 * H);
	is("2HOURS", 2 * H);
	is("1d", D);
	is("2w", 14 * D);
	is("1 week", 7 * D);
}

static void
test_compound(void **state)
{
	(void)state;
	is("1h30m", 90 * MIN);
	is("1h30min", 90 * MIN);
	is("1h 30min", 90 * MIN);
	is(" 5min 30s ", 5 * MIN + 30 * S);
	is("1d2h3m4s5ms6us", D + 2 * H + 3 * MIN + 4 * S + 5006);
	is("1.5d", D + 12 * H);
	is("0.25s", 250000);
	is(".5h", 30 * MIN);
	/* Digits past the microsecond are dropped. */
	is("1.0000009s", S);
}

static void
test_bare(void **state)
{
	(void)state;
	is("10", 10 * S);
	is("1.5", 1500000);
	is("0", 0);
	/* taskacctd --retain: a bare number is days, a unit is a unit. */
	is_unit("30", D, 30 * D);
	is_unit("90min", D, 90 * MIN);
	is_unit("1h30m", D, 90 * MIN);
	is_unit("12h", D, 12 * H);
	is_unit("0.5", D, 12 * H);
}

static void
test_limit(void **state)
{
	char	 e[128];
	int64_t	 us;

	(void)state;
	is("36600d", DURATION_MAX_US);
	is("36599d23h59m59s999ms999us", DURATION_MAX_US - 1);
	bad("36600d1us", "longer than 100 years");
	bad("36601d", "longer than 100 years");
	bad("999999999999w", "longer than 100 years");
	bad("36599d 1d 1s", "longer than 100 years");
	is_unit("36600", D, DURATION_MAX_US);
	assert_int_equal(duration_parse_unit("36601", D, &us, e, sizeof(e)),
	    -1);
	/* 13 digits: refused before any multiplication. */
	bad("1234567890123us", "use e.g.");
}

static void
test_errors(void **state)
{
	char	 e[8], big[200];
	int64_t	 us;

	(void)state;
	bad("", "empty");
	bad("   ", "empty");
	bad("5x", "unknown unit `x'");
	bad("3parsecs", "unknown unit `parsecs'");
	bad("1h 2", "give each number a unit");
	bad("10 20", "give each number a unit");
	bad("-1s", "use e.g.");
	bad("1h-", "use e.g.");
	bad("h", "use e.g.");
	bad("1,5s", "give each number a unit");
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bad(big, "too long");
	/* A short error buffer is cut and terminated; none is written. */
	assert_int_equal(duration_parse("5x", &us, e, sizeof(e)), -1);
	assert_int_equal(strlen(e), sizeof(e) - 1);
	assert_int_equal(duration_parse("5x", &us, NULL, 0), -1);
	/* No unit for a bare number makes no sense: refused. */
	assert_int_equal(duration_parse_unit("5", 0, &us, NULL, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
