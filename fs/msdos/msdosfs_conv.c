/* msdosfs_conv.c: conversions: UTF-8 <-> UTF-16 names, case folding, 8.3 names and their checksum, FAT times. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/endian.h"

/* Short names are stored in an OEM code page; we read them as code page 437. */
static const uint16_t cp437_high[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA,
	0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6,
	0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC,
	0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
	0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC,
	0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561,
	0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B,
	0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568,
	0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518,
	0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393,
	0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
	0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320,
	0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2,
	0x25A0, 0x00A0,
};

/* One code point from UTF-8; 0 = invalid (overlong, surrogate, truncated). */
static size_t utf8_dec(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		n = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

int msdosfs_utf8_to_utf16(const char *s, size_t len, uint16_t *out,
    size_t outmax, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k;
	uint32_t c;

	while (i < len) {
		if ((k = utf8_dec(p + i, len - i, &c)) == 0)
			return EINVAL;
		i += k;
		if (c >= 0x10000) {
			if (o + 2 > outmax)
				return ENAMETOOLONG;
			c -= 0x10000;
			out[o++] = (uint16_t)(0xD800 | (c >> 10));
			out[o++] = (uint16_t)(0xDC00 | (c & 0x3FF));
		} else {
			if (o + 1 > outmax)
				return ENAMETOOLONG;
			out[o++] = (uint16_t)c;
		}
	}
	*outlen = o;
	return 0;
}

static size_t utf8_enc(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Unpaired surrogates (possible on a hostile disk) become U+FFFD. */
size_t msdosfs_utf16_to_utf8(const uint16_t *u, size_t n, char *out,
    size_t outmax)
{
	size_t i, o = 0;
	uint32_t c;
	char tmp[4];
	size_t k;

	for (i = 0; i < n; i++) {
		c = u[i];
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n &&
		    u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
			i++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		k = utf8_enc(c, tmp);
		if (o + k > outmax)
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	return o;
}

/* Case folding for name comparison: ASCII, Latin-1, Greek and Cyrillic. */
uint32_t msdosfs_fold(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return c - 0x20;
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44F)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45F)
		return c - 0x50;
	return c;
}

/* FNV-1a over the folded name: equal under folding means equal hashes. */
uint32_t msdosfs_name_hash(const uint16_t *u, size_t n)
{
	uint32_t h = 2166136261u, c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = msdosfs_fold(u[i]);
		h = (h ^ (c & 0xFF)) * 16777619u;
		h = (h ^ (c >> 8)) * 16777619u;
	}
	return h;
}

uint8_t msdosfs_lfn_chksum(const uint8_t *sname)
{
	uint8_t sum = 0;
	int i;

	for (i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sname[i]);
	return sum;
}

static uint16_t oem_to_unicode(uint8_t b)
{
	return b < 0x80 ? b : cp437_high[b - 0x80];
}

/*
 * The name an entry without a long name shows: base, ".", extension, with
 * the NT lower-case flags applied, as UTF-16 in out (at most 12 units).
 */
size_t msdosfs_short_display(const uint8_t *de, uint16_t *out)
{
	uint8_t ntres = de[DIR_NTRES];
	size_t n = 0, blen = 8, elen = 3, i;
	uint8_t b;

	while (blen > 0 && de[blen - 1] == ' ')
		blen--;
	while (elen > 0 && de[8 + elen - 1] == ' ')
		elen--;
	for (i = 0; i < blen; i++) {
		b = (i == 0 && de[0] == SLOT_E5) ? 0xE5 : de[i];
		if ((ntres & NTRES_LCASE_BASE) && b >= 'A' && b <= 'Z')
			b += 0x20;
		out[n++] = oem_to_unicode(b);
	}
	if (elen > 0)
		out[n++] = '.';
	for (i = 0; i < elen; i++) {
		b = de[8 + i];
		if ((ntres & NTRES_LCASE_EXT) && b >= 'A' && b <= 'Z')
			b += 0x20;
		out[n++] = oem_to_unicode(b);
	}
	return n;
}

static int short_char_ok(uint16_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c < 0x80 && c > 0x20 && strchr("!#$%&'()-@^_`{}~", c) != NULL;
}

/* Case of a part: bit 0 has upper, bit 1 has lower. */
static int part_case(const uint16_t *u, size_t n)
{
	int cs = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (u[i] >= 'A' && u[i] <= 'Z')
			cs |= 1;
		if (u[i] >= 'a' && u[i] <= 'z')
			cs |= 2;
	}
	return cs;
}

/*
 * Packs a name that is a legal 8.3 name into sname (upper case). Returns -1
 * if it is not one, 1 if the NT flags in *ntres reproduce its case exactly,
 * 0 if its case is mixed within a part (a long name must keep it).
 */
int msdosfs_pack83(const uint16_t *u, size_t n, uint8_t *sname,
    uint8_t *ntres)
{
	size_t dot = n, i, blen, elen;
	int bc, ec;

	for (i = 0; i < n; i++)
		if (u[i] == '.') {
			if (dot != n)
				return -1;
			dot = i;
		}
	blen = dot;
	elen = dot == n ? 0 : n - dot - 1;
	if (blen == 0 || blen > 8 || elen > 3 || (dot != n && elen == 0))
		return -1;
	memset(sname, ' ', 11);
	for (i = 0; i < n; i++) {
		if (i == dot)
			continue;
		if (!short_char_ok(u[i]))
			return -1;
		uint8_t c = (uint8_t)u[i];
		if (c >= 'a' && c <= 'z')
			c -= 0x20;
		sname[i < dot ? i : 8 + (i - dot - 1)] = c;
	}
	if (sname[0] == 0xE5)
		sname[0] = SLOT_E5;
	bc = part_case(u, blen);
	ec = part_case(u + (dot == n ? n : dot + 1), elen);
	*ntres = (uint8_t)((bc == 2 ? NTRES_LCASE_BASE : 0) |
	    (ec == 2 ? NTRES_LCASE_EXT : 0));
	return (bc == 3 || ec == 3) ? 0 : 1;
}

/* The basis of a generated short name: upper case, illegal chars to '_'. */
void msdosfs_basis83(const uint16_t *u, size_t n, uint8_t *sname)
{
	size_t i, start = 0, dot = n, b = 0, e = 0;

	memset(sname, ' ', 11);
	while (start < n && (u[start] == '.' || u[start] == ' '))
		start++;
	for (i = n; i > start; i--)
		if (u[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	for (i = start; i < n; i++) {
		uint16_t c = u[i];
		if (c == ' ' || (c == '.' && i != dot))
			continue;
		if (i == dot)
			continue;
		c = (uint16_t)msdosfs_fold(c);
		if (!short_char_ok(c))
			c = '_';
		if (i < dot && b < 8)
			sname[b++] = (uint8_t)c;
		else if (i > dot && e < 3)
			sname[8 + e++] = (uint8_t)c;
	}
	if (b == 0)
		sname[0] = '_';
}

/* basis with "~n" at the end of its base part; 0 ok, ERANGE for n too big. */
int msdosfs_tail83(const uint8_t *basis, uint32_t n, uint8_t *sname)
{
	char tail[12];
	size_t blen = 8, tlen;

	tlen = (size_t)snprintf(tail, sizeof(tail), "~%u", (unsigned)n);
	if (tlen > 7)
		return ERANGE;
	while (blen > 0 && basis[blen - 1] == ' ')
		blen--;
	if (blen > 8 - tlen)
		blen = 8 - tlen;
	memcpy(sname, basis, 11);
	memset(sname + blen, ' ', 8 - blen);
	memcpy(sname + blen, tail, tlen);
	return 0;
}

/* Characters Windows and Linux refuse in a long name. */
int msdosfs_valid_longname(const uint16_t *u, size_t n)
{
	size_t i;

	if (n == 0 || n > LFN_MAX_UNITS)
		return 0;
	for (i = 0; i < n; i++)
		if (u[i] < 0x20 || (u[i] < 0x80 && strchr("\"*/:<>?\\|", u[i])))
			return 0;
	return 1;
}

/*
 * FAT times are wall-clock times without a zone: local time of the host by
 * default, a zone of the tz database with -o tz=ZONE, or UTC shifted by
 * gmtoff seconds with -o tz=UTC / -o gmtoff=.
 */
void msdosfs_fat2unix(const struct msdosfs *fs, uint16_t dd, uint16_t dt,
    uint8_t tenth, struct timespec *ts)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 80 + (dd >> 9);
	tm.tm_mon = ((dd >> 5) & 15) - 1;
	tm.tm_mday = dd & 31;
	if (tm.tm_mon < 0)
		tm.tm_mon = 0;
	if (tm.tm_mon > 11)
		tm.tm_mon = 11;
	if (tm.tm_mday < 1)
		tm.tm_mday = 1;
	tm.tm_hour = (dt >> 11) % 24;
	tm.tm_min = ((dt >> 5) & 63) % 60;
	tm.tm_sec = (dt & 31) * 2 % 60;
	if (tenth > 199)
		tenth = 0;
	if (fs->utc) {
		t = timegm(&tm) - fs->gmtoff;
	} else {
		t = msdosfs_zone_mktime(fs, &tm);
	}
	ts->tv_sec = t + tenth / 100;
	ts->tv_nsec = (long)(tenth % 100) * 10000000L;
}

void msdosfs_unix2fat(const struct msdosfs *fs, const struct timespec *ts,
    uint16_t *dd, uint16_t *dt, uint8_t *tenth)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (fs->utc) {
		t += fs->gmtoff;
		gmtime_r(&t, &tm);
	} else {
		msdosfs_zone_localtime(fs, t, &tm);
	}
	if (tm.tm_year < 80) {
		*dd = (1 << 5) | 1;
		*dt = 0;
		if (tenth)
			*tenth = 0;
		return;
	}
	if (tm.tm_year > 80 + 127) {
		*dd = (uint16_t)(127 << 9 | 12 << 5 | 31);
		*dt = (uint16_t)(23 << 11 | 59 << 5 | 29);
		if (tenth)
			*tenth = 199;
		return;
	}
	*dd = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
	    tm.tm_mday);
	*dt = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	if (tenth)
		*tenth = (uint8_t)((tm.tm_sec & 1) * 100 + ts->tv_nsec / 10000000L);
}
