/*
 * log.c: logging for the daemon.  Messages go to stderr in the foreground
 * and to syslog otherwise; log_warn appends strerror(errno) and keeps errno.
 * Rate-limited warnings protect the log from a misbehaving kernel or disk.
 */
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

/* Read by every thread; switched once when the daemon detaches. */
static _Atomic int log_foreground = 1;
static _Atomic int log_verbose;

void
log_init(int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("taskacctd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void __attribute__((format(printf, 2, 0)))
vlog(int pri, const char *fmt, va_list ap)
{
	if (log_foreground) {
		fputs("taskacctd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
}

static void __attribute__((format(printf, 3, 0)))
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	 buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_foreground)
		fprintf(stderr, "taskacctd: %s: %s\n", buf, strerror(saved));
	else
		syslog(pri, "%s: %s", buf, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Say how many messages a limiter held back, and start counting anew. */
void
log_rate_flush(struct log_rate *lr)
{
	if (lr->suppressed > 0)
		log_warnx("%lu similar messages suppressed", lr->suppressed);
	lr->suppressed = 0;
}

static void __attribute__((format(printf, 3, 0)))
vlog_rate(struct log_rate *lr, int pri, const char *fmt, va_list ap)
{
	time_t	 now = time(NULL);

	if (now - lr->window >= LOG_RATE_WINDOW_S) {
		log_rate_flush(lr);
		lr->window = now;
		lr->sent = 0;
	}
	if (lr->sent >= LOG_RATE_BURST) {
		lr->suppressed++;
		return;
	}
	lr->sent++;
	vlog(pri, fmt, ap);
}

void
log_rate_warnx(struct log_rate *lr, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_rate(lr, LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* The same for news an operator's action can repeat (a SIGHUP flood). */
void
log_rate_info(struct log_rate *lr, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_rate(lr, LOG_INFO, fmt, ap);
	va_end(ap);
}
