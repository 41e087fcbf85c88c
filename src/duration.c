/*
 * duration.c: parse a length of time (see duration.h for the grammar).
 * The daemon's --retain and every duration of the query tool read the same
 * words, so "90min" or "1h30m" mean the same everywhere.  Every number is
 * bounded before it is multiplied, so no input overflows (tests/fuzz_cli.c
 * and tests/unit_duration.c check this).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "errf.h"

#define US_PER_S	DURATION_US_PER_S
#define SPEC_MAX	128	/* longer text is no duration */
#define NUMBER_DIGITS	12	/* whole part: at most 999999999999 */
#define FRAC_DIGITS	6	/* microseconds */
#define UNIT_MAX_US	(7 * DURATION_US_PER_DAY)	/* w, the largest */

struct unit {
	const char	*name;
	int64_t		 us;
};

static const struct unit units[] = {
	{ "us", 1 }, { "usec", 1 },
	{ "ms", 1000 }, { "msec", 1000 },
	{ "s", US_PER_S }, { "sec", US_PER_S }, { "secs", US_PER_S },
	{ "second", US_PER_S }, { "seconds", US_PER_S },
	{ "m", 60 * US_PER_S }, { "min", 60 * US_PER_S },
	{ "mins", 60 * US_PER_S }, { "minute", 60 * US_PER_S },
	{ "minutes", 60 * US_PER_S },
	{ "h", 3600 * US_PER_S }, { "hr", 3600 * US_PER_S },
	{ "hour", 3600 * US_PER_S }, { "hours", 3600 * US_PER_S },
	{ "d", DURATION_US_PER_DAY }, { "day", DURATION_US_PER_DAY },
	{ "days", DURATION_US_PER_DAY },
	{ "w", 7 * DURATION_US_PER_DAY }, { "week", 7 * DURATION_US_PER_DAY },
	{ "weeks", 7 * DURATION_US_PER_DAY },
};

/* The unit named by the len letters at p; -1 if none is. */
static int64_t
unit_find(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    strncasecmp(units[i].name, p, len) == 0)
			return units[i].us;
	return -1;
}

int
duration_number(const char **pp, int64_t *whole, int64_t *frac)
{
	const char	*p = *pp;
	int		 n = 0, d = 0;

	*whole = *frac = 0;
	while (isdigit((unsigned char)*p)) {
		if (++n > NUMBER_DIGITS)
			return -1;
		*whole = *whole * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (d++ < FRAC_DIGITS)
				*frac = *frac * 10 + (*p - '0');
			p++;
		}
		for (; d < FRAC_DIGITS; d++)
			*frac *= 10;
	}
	if (n == 0 && d == 0)
		return -1;
	*pp = p;
	return 0;
}

int
duration_parse_unit(const char *s, int64_t bare_us, int64_t *out, char *err,
    size_t errlen)
{
	const char	*p = s, *u;
	int64_t		 whole, frac, mult, total = 0, part;
	int		 terms = 0;

	if (bare_us < 1 || bare_us > UNIT_MAX_US)
		return errf(err, errlen, "bad duration: no unit for a bare "
		    "number");
	if (strnlen(s, SPEC_MAX + 1) > SPEC_MAX)
		return errf(err, errlen, "bad duration: too long");
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (duration_number(&p, &whole, &frac) == -1)
			return errf(err, errlen, "bad duration `%s': use e.g. "
			    "500ms, 2s, 10min, 1h30m", s);
		while (*p == ' ')
			p++;
		for (u = p; isalpha((unsigned char)*p); p++)
			;
		if (p == u) {
			/* A bare number takes the caller's unit, alone only. */
			if (terms > 0 || *p != '\0')
				return errf(err, errlen, "bad duration `%s': "
				    "give each number a unit", s);
			mult = bare_us;
		} else if ((mult = unit_find(u, p - u)) == -1)
			return errf(err, errlen, "bad duration `%s': unknown "
			    "unit `%.*s' (use us, ms, s, min, h, d, w)", s,
			    (int)(p - u), u);
		if (whole > DURATION_MAX_US / mult)
			return errf(err, errlen, "bad duration `%s': longer "
			    "than 100 years", s);
		/* frac < 10^6, mult at most a week (6.048e11): < 2^63 */
		part = whole * mult + frac * mult / US_PER_S;
		if (part > DURATION_MAX_US - total)
			return errf(err, errlen, "bad duration `%s': longer "
			    "than 100 years", s);
		total += part;
		terms++;
	}
	if (terms == 0)
		return errf(err, errlen, "bad duration: it is empty");
	*out = total;
	return 0;
}

int
duration_parse(const char *s, int64_t *out, char *err, size_t errlen)
{
	return duration_parse_unit(s, US_PER_S, out, err, errlen);
}
