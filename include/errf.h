/*
 * errf.h: the one way a module fills the caller's error buffer with a
 * one-line message (see src/errf.c).
 */
#ifndef ERRF_H
#define ERRF_H

#include <stddef.h>

int	errf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
