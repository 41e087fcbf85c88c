/*
 * errf.c: fill the caller's error buffer.  Modules return -1 with a
 * one-line message for the caller to print or log (the project's error
 * convention); this is the one formatter they share.
 */
#include <stdarg.h>
#include <stdio.h>

#include "errf.h"

/* Format the message into err (if it has room for anything); returns -1. */
int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
