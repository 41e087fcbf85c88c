/*
 * metrics_text.c: task names as Prometheus label values.
 *
 * A command name is up to 15 arbitrary bytes; a label value must be valid
 * UTF-8, and inside the quotes of the text exposition a backslash, a
 * double quote and a newline must be escaped (\\, \", \n).  Two layers:
 *
 *  1. the name as readable text, one-to-one: a backslash becomes "\\";
 *     a byte of invalid UTF-8, a control character (C0, DEL, C1) becomes
 *     "\xHH" per byte; the name METRICS_OTHER itself, which a task may
 *     take with prctl(PR_SET_NAME), becomes "\x5fother" so it can never
 *     be mistaken for the overflow row.  Every other character is kept.
 *  2. that text escaped for the exposition's quotes.
 *
 * So a task named a"b\c shows as comm="a\"b\\\\c", one named with a
 * newline as comm="x\\x0a": what Prometheus stores is a\"b\\c, x\x0a.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "utf8.h"

/* The length of the valid UTF-8 sequence at p (1-4), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t		 n;
	uint32_t	 c;

	if (p[0] < 0x80)
		return 1;
	if ((n = utf8_decode(p, left, &c)) == 0)
		return 0;
	/* C1 controls (U+0080-U+009F) are escaped like C0 ones. */
	if (c >= 0x80 && c <= 0x9f)
		return 0;
	return n;
}

/* Layer 2: one character of the readable text, into out. */
static size_t
put_char(char *out, size_t o, size_t size, char c)
{
	const char	*esc = NULL;

	if (c == '\\')
		esc = "\\\\";
	else if (c == '"')
		esc = "\\\"";
	else if (c == '\n')
		esc = "\\n";
	if (esc != NULL) {
		if (o + 2 < size)
			memcpy(out + o, esc, 2);
		return 2;
	}
	if (o + 1 < size)
		out[o] = c;
	return 1;
}

static size_t
put_text(char *out, size_t o, size_t size, const char *s, size_t n)
{
	size_t	 i, w = 0;

	for (i = 0; i < n; i++)
		w += put_char(out, o + w, size, s[i]);
	return w;
}

/*
 * Escape the len bytes of name (a NUL ends it early) into out, NUL
 * terminated; returns the length, which fits when size is at least
 * METRICS_LABEL_MAX for a name of up to METRICS_KEY_MAX bytes.
 */
size_t
metrics_label_escape(const char *name, size_t len, char *out, size_t size)
{
	const unsigned char	*p = (const unsigned char *)name;
	char			 hex[5];
	size_t			 i, n, o = 0;

	if (memchr(name, '\0', len) != NULL)
		len = strlen(name);
	if (len == sizeof(METRICS_OTHER) - 1 &&
	    memcmp(name, METRICS_OTHER, len) == 0) {
		o += put_text(out, o, size, "\\x5f", 4);
		p++, len--;
	}
	for (i = 0; i < len; i += n) {
		n = utf8_len(p + i, len - i);
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			n = 0;
		if (n == 0) {
			snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
			o += put_text(out, o, size, hex, 4);
			n = 1;
		} else if (p[i] == '\\')
			o += put_text(out, o, size, "\\\\", 2);
		else
			o += put_text(out, o, size, (const char *)p + i, n);
	}
	if (size > 0)
		out[o < size ? o : size - 1] = '\0';
	return o;
}
