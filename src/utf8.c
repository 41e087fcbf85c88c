/*
 * utf8.c: the decoder of one UTF-8 sequence, shared by both programs
 * (COMMON_OBJS): what is well-formed is decided in one place.
 */
#include "utf8.h"

/*
 * The length of the well-formed UTF-8 sequence at p (2 to 4 bytes), storing
 * its code point; 0 if the bytes there are not one (ASCII, stray
 * continuation, truncated, overlong, surrogate, beyond U+10FFFF).
 */
size_t
utf8_decode(const unsigned char *p, size_t left, uint32_t *cp)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			 n, i;
	uint32_t		 c;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}
