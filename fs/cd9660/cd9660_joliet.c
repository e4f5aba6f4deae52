/* cd9660_joliet.c: Joliet names: UCS-2 (UTF-16 big-endian) to UTF-8. */
#include "fs/cd9660/cd9660.h"
#include "vfs/endian.h"

/*
 * Joliet stores names as big-endian UCS-2; newer writers put UTF-16
 * surrogate pairs there for characters beyond the BMP, so pairs are
 * decoded and an unpaired surrogate becomes U+FFFD. An odd trailing byte
 * is dropped. The result is cut at a whole character so that it fits
 * outsize - 1 bytes and is NUL-terminated; returns its length.
 */
static size_t utf8_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static void utf8_put(uint32_t c, char *o)
{
	size_t n = utf8_len(c), i;
	static const uint8_t lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };

	for (i = n - 1; i > 0; i--) {
		o[i] = (char)(0x80 | (c & 0x3f));
		c >>= 6;
	}
	o[0] = (char)(n == 1 ? c : (lead[n] | c));
}

size_t cd9660_ucs2_to_utf8(const uint8_t *in, size_t inlen, char *out,
    size_t outsize)
{
	size_t i = 0, o = 0, n;
	uint32_t c, lo;

	if (outsize == 0)
		return 0;
	while (i + 2 <= inlen) {
		c = be16dec(in + i);
		i += 2;
		if (c >= 0xd800 && c <= 0xdbff && i + 2 <= inlen &&
		    (lo = be16dec(in + i)) >= 0xdc00 && lo <= 0xdfff) {
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd;
		}
		n = utf8_len(c);
		if (o + n > outsize - 1)
			break;
		utf8_put(c, out + o);
		o += n;
	}
	out[o] = '\0';
	return o;
}
