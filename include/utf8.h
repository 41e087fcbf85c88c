/*
 * utf8.h: one UTF-8 decoder for whoever must tell text from bytes: the
 * query tool's output escaping (tools/output.c) and the daemon's metric
 * labels (src/metrics_text.c).
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

size_t	 utf8_decode(const unsigned char *, size_t, uint32_t *);

#endif
