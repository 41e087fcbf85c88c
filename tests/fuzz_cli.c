/*
 * fuzz_cli.c: libFuzzer harness for the query tool's command-line parsers:
 * times and durations (tools/timespec.c) and the exit filters built from
 * them (tools/filter.c), down to the SQL condition and its parameters.
 *
 * Input: one control byte, then lines.  The control byte picks the size of
 * the error buffer (0, 1, 8, 64 or 256 bytes) and the first SQL parameter
 * number.  Every line is fed whole to timespec_parse(), duration_parse()
 * and signal_parse(), then as NAME=VALUE (or a bare NAME, a flag) to
 * filter_set(); after the last line come filter_check() and filter_sql(),
 * as `taskacct last` calls them.  A user given by name is resolved to uid 0
 * first, as the tool does with getpwnam(), unless bit 2 of the control
 * byte asks to leave it unresolved (filter_sql must refuse).  Each string
 * and error buffer lives in a heap block of exactly its size, so ASan sees
 * a read past a NUL or a write past errlen.  The clock and the time zone
 * are fixed (a zone with daylight saving time, so the gaps and repeats of
 * local time are reached) and need no tzdata.
 *
 * Beyond crashes and undefined behaviour (UBSan checks every overflow the
 * parsers promise not to have), the harness checks their promises and
 * aborts when one is broken: an error always says something and stays in
 * its buffer, durations stay within DURATION_MAX_US, parsed times leave
 * room for a sum or difference of two, and the SQL numbers exactly the
 * parameters it returns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "timespec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CLI_NOW_US	INT64_C(1764126896123456)  /* 2025-11-26 03:14:56 UTC */
#define CLI_TZ		"CET-1CEST,M3.5.0,M10.5.0/3"
#define CLI_LINES_MAX	32
/* Any two parsed times can be added or subtracted in an int64_t. */
#define CLI_TIME_ABS_MAX (INT64_C(1) << 61)

static const size_t	 errlens[] = { 0, 1, 8, 64, 256 };

static void
promise_broken(const char *what, const char *input)
{
	fprintf(stderr, "fuzz_cli: %s (input `%s')\n", what, input);
	abort();
}

/* A copy of len bytes at s in a block of exactly len + 1 bytes. */
static char *
dup_exact(const char *s, size_t len)
{
	char	*p;

	if ((p = malloc(len + 1)) == NULL)
		abort();
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * The error buffer: errlen bytes, or one guard byte when errlen is 0 that
 * must stay untouched.
 */
static char *
err_new(size_t errlen)
{
	char	*e;

	if ((e = malloc(errlen > 0 ? errlen : 1)) == NULL)
		abort();
	memset(e, 0x7f, errlen > 0 ? errlen : 1);
	return e;
}

/* After a function returned rc with this error buffer. */
static void
err_check(int rc, const char *e, size_t errlen, const char *input)
{
	if (rc != 0 && rc != -1)
		promise_broken("returned neither 0 nor -1", input);
	if (errlen == 0) {
		if (e[0] != 0x7f)
			promise_broken("wrote to an error buffer of 0 bytes",
			    input);
		return;
	}
	if (rc == -1 && memchr(e, '\0', errlen) == NULL)
		promise_broken("error message not NUL-terminated", input);
	if (rc == -1 && errlen > 1 && e[0] == '\0')
		promise_broken("empty error message", input);
}

/* Every parser on one whole line. */
static void
value_check(const char *v, size_t errlen)
{
	char		*e = err_new(errlen);
	const char	*name;
	int64_t		 t, d;
	int		 rc, sig;

	rc = timespec_parse(v, CLI_NOW_US, &t, e, errlen);
	err_check(rc, e, errlen, v);
	if (rc == 0 && (t > CLI_TIME_ABS_MAX || t < -CLI_TIME_ABS_MAX))
		promise_broken("time out of range", v);

	memset(e, 0x7f, errlen > 0 ? errlen : 1);
	rc = duration_parse(v, &d, e, errlen);
	err_check(rc, e, errlen, v);
	if (rc == 0 && (d < 0 || d > DURATION_MAX_US))
		promise_broken("duration out of range", v);
	free(e);

	if ((sig = signal_parse(v)) != -1) {
		if (sig < 1 || sig > 64)
			promise_broken("signal number out of range", v);
		if ((name = signal_name(sig)) != NULL &&
		    signal_parse(name) != sig)
			promise_broken("signal name does not parse back", v);
	}
}

/* NAME=VALUE or NAME into the filter. */
static void
line_set(struct filter *f, const char *line, size_t errlen, int resolve)
{
	const char	*eq = strchr(line, '=');
	char		*name, *value = NULL, *e;
	int		 rc;

	if (eq != NULL) {
		name = dup_exact(line, (size_t)(eq - line));
		value = dup_exact(eq + 1, strlen(eq + 1));
	} else
		name = dup_exact(line, strlen(line));
	e = err_new(errlen);
	rc = filter_set(f, name, value, CLI_NOW_US, e, errlen);
	err_check(rc, e, errlen, line);
	if (rc == 0 && (f->set & FILTER_USERNAME)) {
		if (memchr(f->user, '\0', sizeof(f->user)) == NULL)
			promise_broken("user name not NUL-terminated", line);
	}
	if (rc == 0 && (f->set & FILTER_USERNAME) && resolve) {
		f->set &= ~FILTER_USERNAME;
		f->set |= FILTER_USER;
		f->uid = 0;
	}
	free(e);
	free(value);
	free(name);
}

/* The SQL numbers its parameters base, base+1, ... in order, each once. */
static void
sql_check(const struct filter *f, const struct filter_sql *sql, int base)
{
	const char	*p, *end = memchr(sql->text, '\0', sizeof(sql->text));
	const char	*lo = (const char *)f, *hi = lo + sizeof(*f);
	long		 n;
	int		 i = 0;
	char		*q;

	if (end == NULL)
		promise_broken("SQL text not NUL-terminated", "");
	if (sql->nparam < 0 || sql->nparam > FILTER_PARAMS_MAX)
		promise_broken("parameter count out of range", sql->text);
	for (p = sql->text; (p = strchr(p, '?')) != NULL; p = q) {
		n = strtol(p + 1, &q, 10);
		if (q == p + 1 || n != base + i)
			promise_broken("parameter numbered out of order",
			    sql->text);
		i++;
	}
	if (i != sql->nparam)
		promise_broken("parameters in the SQL != parameters returned",
		    sql->text);
	for (i = 0; i < sql->nparam; i++) {
		if (!sql->param[i].text)
			continue;
		p = sql->param[i].s;
		if (p == NULL || p < lo || p >= hi ||
		    memchr(p, '\0', (size_t)(hi - p)) == NULL)
			promise_broken("text parameter not inside the filter",
			    sql->text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 tz_done;
	static struct filter	 f;
	static struct filter_sql sql;
	const char		*p, *nl, *end;
	char			*line, *e;
	size_t			 errlen;
	int			 base, lines = 0, rc, resolve;

	if (!tz_done) {
		setenv("TZ", CLI_TZ, 1);
		tzset();
		tz_done = 1;
	}
	if (size < 1)
		return 0;
	errlen = errlens[data[0] % (sizeof(errlens) / sizeof(errlens[0]))];
	base = 1 + (data[0] >> 3) * 31;		/* 1 to 962: past 900 too */
	resolve = (data[0] & 0x04) == 0;
	f = (struct filter)FILTER_INIT;

	end = (const char *)data + size;
	for (p = (const char *)data + 1; p < end && lines < CLI_LINES_MAX;
	    p = nl + 1, lines++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		/* A NUL ends the C string early, as it would on argv. */
		line = dup_exact(p, (size_t)(nl - p));
		value_check(line, errlen);
		line_set(&f, line, errlen, resolve);
		free(line);
	}

	e = err_new(errlen);
	rc = filter_check(&f, e, errlen);
	err_check(rc, e, errlen, "filter_check");
	if (rc == 0 && (f.set & FILTER_SINCE) && (f.set & FILTER_UNTIL) &&
	    f.since >= f.until)
		promise_broken("--since not before --until accepted", "");
	memset(e, 0x7f, errlen > 0 ? errlen : 1);
	rc = filter_sql(&f, base, &sql, e, errlen);
	err_check(rc, e, errlen, "filter_sql");
	if (rc == 0 && (f.set & FILTER_USERNAME))
		promise_broken("SQL for a user name not resolved", f.user);
	if (rc == 0)
		sql_check(&f, &sql, base);
	free(e);
	return 0;
}
