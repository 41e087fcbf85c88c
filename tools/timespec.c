/*
 * timespec.c: parse the times and durations given on the query tool's
 * command line (see timespec.h for the accepted forms).  Pure: no output,
 * no exit, no allocation; the only outside state read is the local time
 * zone, through localtime_r and mktime.  Every number is bounded before it
 * is multiplied, so no input overflows (the fuzz harness checks this).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timespec.h"

#define US_PER_S	INT64_C(1000000)
#define SPEC_MAX	128	/* longer text is no time spec */
#define FRAC_DIGITS	6	/* microseconds */

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
	{ "d", 86400 * US_PER_S }, { "day", 86400 * US_PER_S },
	{ "days", 86400 * US_PER_S },
	{ "w", 604800 * US_PER_S }, { "week", 604800 * US_PER_S },
	{ "weeks", 604800 * US_PER_S },
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

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

/*
 * A decimal number at *pp: whole part (at most 12 digits) and fraction in
 * millionths.  -1 if there is none.
 */
static int
number_read(const char **pp, int64_t *whole, int64_t *frac)
{
	const char	*p = *pp;
	int		 n = 0, d = 0;

	*whole = *frac = 0;
	while (isdigit((unsigned char)*p)) {
		if (++n > 12)
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
duration_parse(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char	*p = s, *u;
	int64_t		 whole, frac, mult, total = 0, part;
	int		 terms = 0;

	if (strnlen(s, SPEC_MAX + 1) > SPEC_MAX)
		return fail(err, errlen, "bad duration: too long");
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (number_read(&p, &whole, &frac) == -1)
			return fail(err, errlen, "bad duration `%s': use e.g. "
			    "500ms, 2s, 10min, 1h30m", s);
		while (*p == ' ')
			p++;
		for (u = p; isalpha((unsigned char)*p); p++)
			;
		if (p == u) {
			/* A bare number is seconds, alone only. */
			if (terms > 0 || *p != '\0')
				return fail(err, errlen, "bad duration `%s': "
				    "give each number a unit", s);
			mult = US_PER_S;
		} else if ((mult = unit_find(u, p - u)) == -1)
			return fail(err, errlen, "bad duration `%s': unknown "
			    "unit `%.*s' (use us, ms, s, min, h, d, w)", s,
			    (int)(p - u), u);
		if (whole > DURATION_MAX_US / mult)
			return fail(err, errlen, "bad duration `%s': too long",
			    s);
		part = whole * mult + frac * mult / US_PER_S;
		if (part > DURATION_MAX_US - total)
			return fail(err, errlen, "bad duration `%s': too long",
			    s);
		total += part;
		terms++;
	}
	if (terms == 0)
		return fail(err, errlen, "bad duration: it is empty");
	*out = total;
	return 0;
}

/* Exactly n digits at *pp, as a number. */
static int
digits_read(const char **pp, int n, int *v)
{
	const char	*p = *pp;
	int		 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	return 0;
}

/* HH:MM[:SS[.frac]] at *pp into tm and microseconds. */
static int
clock_read(const char **pp, struct tm *tm, int64_t *usec)
{
	const char	*p = *pp;
	int64_t		 whole;
	int		 h, m, sec = 0;

	*usec = 0;
	if (digits_read(&p, 2, &h) == -1 && digits_read(&p, 1, &h) == -1)
		return -1;
	if (*p++ != ':' || digits_read(&p, 2, &m) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (digits_read(&p, 2, &sec) == -1)
			return -1;
		if (*p == '.' && number_read(&p, &whole, usec) == -1)
			return -1;
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	*pp = p;
	return 0;
}

/* tm (local, or UTC when utc) as microseconds; -1 if it has no time_t. */
static int
tm_to_us(struct tm *tm, int utc, int64_t usec, int64_t *out)
{
	struct tm	 want = *tm;
	time_t		 t;

	tm->tm_isdst = -1;
	t = utc ? timegm(tm) : mktime(tm);
	if (t == (time_t)-1 && (tm->tm_year != 69 || tm->tm_mon != 11))
		return -1;
	/* mktime normalizes Feb 30 to March 2: refuse such a date. */
	if (tm->tm_year != want.tm_year || tm->tm_mon != want.tm_mon ||
	    tm->tm_mday != want.tm_mday)
		return -1;
	if (t > DURATION_MAX_US / US_PER_S * 3 || -t > DURATION_MAX_US /
	    US_PER_S * 3)
		return -1;
	*out = (int64_t)t * US_PER_S + usec;
	return 0;
}

/* YYYY-MM-DD[ HH:MM[:SS[.frac]]][Z], or HH:MM[:SS] for today. */
static int
date_parse(const char *s, int64_t now_us, int64_t *out)
{
	const char	*p = s;
	struct tm	 tm;
	time_t		 now = now_us / US_PER_S;
	int64_t		 usec = 0;
	int		 y, mo, d, utc;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (digits_read(&p, 4, &y) == 0 && *p == '-') {
		p++;
		if (digits_read(&p, 2, &mo) == -1 || *p++ != '-' ||
		    digits_read(&p, 2, &d) == -1)
			return -1;
		if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31)
			return -1;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		if ((*p == ' ' || *p == 'T') && p[1] != '\0') {
			p++;
			if (clock_read(&p, &tm, &usec) == -1)
				return -1;
		}
	} else {
		p = s;
		if (clock_read(&p, &tm, &usec) == -1)
			return -1;
	}
	utc = *p == 'Z';
	if (utc)
		p++;
	if (*p != '\0')
		return -1;
	return tm_to_us(&tm, utc, usec, out);
}

/* Local midnight of today plus days. */
static int
midnight(int64_t now_us, int days, int64_t *out)
{
	struct tm	 tm;
	time_t		 now = now_us / US_PER_S;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	if ((now = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)now * US_PER_S;
	return 0;
}

/* @SECONDS: seconds since the epoch, at most 12 digits. */
static int
epoch_parse(const char *p, int64_t *out)
{
	int64_t	 whole, frac;
	int	 neg = *p == '-';

	if (neg)
		p++;
	if (number_read(&p, &whole, &frac) == -1 || *p != '\0')
		return -1;
	*out = whole * US_PER_S + frac;
	if (neg)
		*out = -*out;
	return 0;
}

int
timespec_parse(const char *s, int64_t now_us, int64_t *out, char *err,
    size_t errlen)
{
	char		 buf[SPEC_MAX + 1], derr[128];
	size_t		 len;
	int64_t		 d;
	int		 rc = -1;

	if ((len = strnlen(s, SPEC_MAX + 1)) > SPEC_MAX)
		return fail(err, errlen, "bad time: too long");
	if (now_us < -DURATION_MAX_US * 2 || now_us > DURATION_MAX_US * 2)
		return fail(err, errlen, "bad time: the current time is out "
		    "of range");
	while (len > 0 && s[len - 1] == ' ')
		len--;
	while (len > 0 && *s == ' ')
		s++, len--;
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (strcasecmp(buf, "now") == 0) {
		*out = now_us;
		return 0;
	}
	if (strcasecmp(buf, "today") == 0)
		rc = midnight(now_us, 0, out);
	else if (strcasecmp(buf, "yesterday") == 0)
		rc = midnight(now_us, -1, out);
	else if (strcasecmp(buf, "tomorrow") == 0)
		rc = midnight(now_us, 1, out);
	else if (buf[0] == '@')
		rc = epoch_parse(buf + 1, out);
	else if (strchr(buf, ':') != NULL || (len >= 5 && buf[4] == '-'))
		rc = date_parse(buf, now_us, out);
	else {
		if (len > 4 && strcasecmp(buf + len - 4, " ago") == 0)
			buf[len - 4] = '\0';
		if (duration_parse(buf, &d, derr, sizeof(derr)) == -1 ||
		    strspn(buf, "0123456789. ") == strlen(buf))
			return fail(err, errlen, "bad time `%s': use e.g. "
			    "10min, 2h, yesterday, \"2026-11-26 03:14\" or "
			    "@SECONDS", s);
		*out = now_us - d;
		return 0;
	}
	if (rc == -1)
		return fail(err, errlen, "bad time `%s': use e.g. 10min, 2h, "
		    "yesterday, \"2026-11-26 03:14\" or @SECONDS", s);
	return 0;
}
