/*
 * timespec.h: the query tool's time specifications, parsed from
 * command-line text (durations: include/duration.h, shared with
 * taskacctd).  A pure API for the CLI and for fuzzing: a string in, a
 * value or a one-line error message out; nothing is printed, nothing
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
 * A bare number ("10") is refused: 10 seconds ago or second 10 of the
 * epoch?  Every time is between TIMESPEC_MIN_US and TIMESPEC_MAX_US.
 */
#ifndef TIMESPEC_H
#define TIMESPEC_H

#include <stddef.h>
#include <stdint.h>

#include "duration.h"

/*
 * Times from 1900 to the last microsecond whose nanoseconds fit an
 * int64_t (2262-04-11 23:47:16 UTC): the kernel's times are nanoseconds.
 */
#define TIMESPEC_MIN_US		(INT64_C(-2208988800) * DURATION_US_PER_S)
#define TIMESPEC_MAX_US		(INT64_MAX / 1000)
#define TIMESPEC_RANGE		"1900-01-01 to 2262-04-11"

int	timespec_parse(const char *, int64_t, int64_t *, char *, size_t);

#endif
