/*
 * timespec.h: the query tool's time and duration specifications, parsed
 * from command-line text.  A pure API for the CLI and for fuzzing: a string
 * in, a value or a one-line error message out; nothing is printed, nothing
 * exits, nothing is allocated.  Each returns 0 on success, -1 with err
 * filled (always NUL-terminated when errlen > 0) on a bad spec.
 *
 * timespec_parse(s, now_us, &us, err, errlen): a point in time, in
 * microseconds since the epoch.  Accepted (local time unless a Z ends it):
 *	now, today, yesterday, tomorrow		(midnight for the day words)
 *	DURATION [ago]				now minus DURATION: 10min, 2h,
 *						1h30m, 1.5d, "3 days ago"
 *	YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][Z]	"2026-11-26 03:14"
 *	HH:MM[:SS]				that time today
 *	@SECONDS				seconds since the epoch
 *
 * duration_parse(s, &us, err, errlen): a non-negative length of time in
 * microseconds: NUMBER[UNIT]..., units us, ms, s, m/min, h, d, w (and
 * their long forms: sec, seconds, minutes, hours, days, weeks); a bare
 * number is seconds.  At most DURATION_MAX_US.
 */
#ifndef TIMESPEC_H
#define TIMESPEC_H

#include <stddef.h>
#include <stdint.h>

/* About 100 years: no sum or difference of these overflows an int64_t. */
#define DURATION_MAX_US		(INT64_C(100) * 366 * 86400 * 1000000)

int	timespec_parse(const char *, int64_t, int64_t *, char *, size_t);
int	duration_parse(const char *, int64_t *, char *, size_t);

#endif
