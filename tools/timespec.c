/*
 * timespec.c: parse the times given on the query tool's command line (see
 * timespec.h for the accepted forms; durations are src/duration.c's).  Pure: no output,
 * no exit, no allocation; the only outside state read is the local time
 * zone, through localtime_r and mktime.  Every number is bounded before it
 * is multiplied, so no input overflows (the fuzz harness checks this).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "duration.h"
#include "errf.h"
#include "timespec.h"

#define US_PER_S	DURATION_US_PER_S
#define SPEC_MAX	128	/* longer text is no time spec */
#define TIME_EXAMPLES	"use e.g. 10min, 2h, yesterday, \"2026-11-26 03:14\" " \
			    "or @SECONDS"

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
		if (*p == '.' && duration_number(&p, &whole, usec) == -1)
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
	/* At most 4-digit years: no overflow; timespec_parse checks the
	   range. */
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
		if (mo < 1 || mo > 12 || d < 1 || d > 31)
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
	if (duration_number(&p, &whole, &frac) == -1 || *p != '\0')
		return -1;
	*out = whole * US_PER_S + frac;
	if (neg)
		*out = -*out;
	return 0;
}

/* A whole number and nothing else: no unit, no @. */
static int
bare_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789. ") == strlen(s);
}

int
timespec_parse(const char *s, int64_t now_us, int64_t *out, char *err,
    size_t errlen)
{
	char		 buf[SPEC_MAX + 1], derr[128];
	size_t		 len;
	int64_t		 d, t;
	int		 rc = -1;

	if ((len = strnlen(s, SPEC_MAX + 1)) > SPEC_MAX)
		return errf(err, errlen, "bad time: too long");
	if (now_us < TIMESPEC_MIN_US || now_us > TIMESPEC_MAX_US)
		return errf(err, errlen, "bad time: the current time is out "
		    "of range");
	while (len > 0 && s[len - 1] == ' ')
		len--;
	while (len > 0 && *s == ' ')
		s++, len--;
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (strcasecmp(buf, "now") == 0)
		t = now_us, rc = 0;
	else if (strcasecmp(buf, "today") == 0)
		rc = midnight(now_us, 0, &t);
	else if (strcasecmp(buf, "yesterday") == 0)
		rc = midnight(now_us, -1, &t);
	else if (strcasecmp(buf, "tomorrow") == 0)
		rc = midnight(now_us, 1, &t);
	else if (buf[0] == '@')
		rc = epoch_parse(buf + 1, &t);
	else if (strchr(buf, ':') != NULL || (len >= 5 && buf[4] == '-'))
		rc = date_parse(buf, now_us, &t);
	else {
		if (len > 4 && strcasecmp(buf + len - 4, " ago") == 0)
			buf[len - 4] = '\0';
		/*
		 * "10" could mean 10 seconds ago or second 10 of the epoch:
		 * a guess either way would silently pick the wrong rows.
		 */
		if (bare_number(buf))
			return errf(err, errlen, "bad time `%s': a bare "
			    "number is not a time: write %ss for %s seconds "
			    "ago, or @%s for seconds since the epoch", s, buf,
			    buf, buf);
		if (duration_parse(buf, &d, derr, sizeof(derr)) == -1)
			return errf(err, errlen, "bad time `%s': "
			    TIME_EXAMPLES, s);
		t = now_us - d;
		rc = 0;
	}
	if (rc == -1)
		return errf(err, errlen, "bad time `%s': " TIME_EXAMPLES, s);
	if (t < TIMESPEC_MIN_US || t > TIMESPEC_MAX_US)
		return errf(err, errlen, "bad time `%s': out of range: give a "
		    "time from " TIMESPEC_RANGE, s);
	*out = t;
	return 0;
}
