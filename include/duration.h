/*
 * duration.h: the one grammar of a length of time, shared by taskacctd
 * (--retain) and taskacct (its duration filters and relative times).  Pure:
 * a string in, a value or a one-line error message out; nothing printed,
 * nothing allocated, no exit.  Each returns 0 on success, -1 with err
 * filled (always NUL-terminated when errlen > 0) on a bad duration.
 *
 * A duration is NUMBER[UNIT]..., spaces allowed between terms ("1h30m",
 * "1h 30min", "1.5d"), units (any case) us, ms, s, m or min, h, d, w and
 * their long forms (usec, msec, sec, second(s), minute(s), hour(s), hr,
 * day(s), week(s)).  A number alone takes the caller's unit: seconds in
 * duration_parse, days for taskacctd --retain.  At most DURATION_MAX_US.
 */
#ifndef DURATION_H
#define DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_US_PER_S	INT64_C(1000000)
#define DURATION_US_PER_DAY	(INT64_C(86400) * DURATION_US_PER_S)
/* About 100 years: no sum or difference of these overflows an int64_t. */
#define DURATION_MAX_US		(INT64_C(100) * 366 * DURATION_US_PER_DAY)

/* A bare number is seconds. */
int	duration_parse(const char *, int64_t *, char *, size_t);
/* A bare number is in units of bare_us microseconds. */
int	duration_parse_unit(const char *, int64_t, int64_t *, char *, size_t);
/*
 * A decimal number at *pp: up to 12 digits, then an optional fraction
 * read to microseconds (millionths); *pp moves past it.  -1 if none.
 */
int	duration_number(const char **, int64_t *, int64_t *);

#endif
