/*
 * log.h: the daemon's logging: stderr in the foreground, syslog otherwise.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <time.h>

void	log_init(int, int);	/* foreground, verbosity */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* At most LOG_RATE_BURST messages per LOG_RATE_WINDOW_S per limiter. */
#define LOG_RATE_BURST		5
#define LOG_RATE_WINDOW_S	10

struct log_rate {
	time_t		 window;	/* start of the current window */
	unsigned int	 sent;		/* messages in this window */
	unsigned long	 suppressed;	/* messages not logged */
};

void	log_rate_warnx(struct log_rate *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_rate_info(struct log_rate *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_rate_flush(struct log_rate *);

#endif
