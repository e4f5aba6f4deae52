/* ext2fs_hash.c: the htree name hashes (legacy, half-MD4, TEA; signed and unsigned char variants). */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"

/*
 * The "signed" variants exist because the original code hashed `char`,
 * which is signed on x86: bytes >= 0x80 entered the hash sign-extended.
 * The superblock records which flavour the creating system used.
 */

static uint32_t rol32(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

static int hash_char(const char *p, size_t i, int is_unsigned)
{
	return is_unsigned ? (int)(unsigned char)p[i] : (int)(signed char)p[i];
}

static uint32_t dx_legacy(const char *name, size_t len, int is_unsigned)
{
	uint32_t h0 = 0x12a3fe2d, h1 = 0x37abe8f9, h;
	size_t i;

	for (i = 0; i < len; i++) {
		h = h1 + (h0 ^ (uint32_t)(hash_char(name, i, is_unsigned) *
		    7152373));
		if (h & 0x80000000)
			h -= 0x7fffffff;
		h1 = h0;
		h0 = h;
	}
	return h0 << 1;
}

/* Packs up to 4*num bytes of the name into words, padded with a pattern
 * made from the length (so "a" and "a\0" differ). */
static void dx_str2hashbuf(const char *msg, size_t len, uint32_t *buf,
    int num, int is_unsigned)
{
	uint32_t pad, val;
	size_t i;

	pad = (uint32_t)len | ((uint32_t)len << 8);
	pad |= pad << 16;
	val = pad;
	if (len > (size_t)num * 4)
		len = (size_t)num * 4;
	for (i = 0; i < len; i++) {
		val = (uint32_t)hash_char(msg, i, is_unsigned) + (val << 8);
		if ((i % 4) == 3) {
			*buf++ = val;
			val = pad;
			num--;
		}
	}
	if (--num >= 0)
		*buf++ = val;
	while (--num >= 0)
		*buf++ = pad;
}

#define MD4_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD4_G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define MD4_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD4_K2 0x5A827999u
#define MD4_K3 0x6ED9EBA1u

/* Half of MD4's rounds over 8 words: fast and mixes well enough. */
static void dx_half_md4(uint32_t buf[4], const uint32_t in[8])
{
	static const unsigned char r1[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned char r2[8] = { 1, 3, 5, 7, 0, 2, 4, 6 };
	static const unsigned char r3[8] = { 3, 7, 2, 6, 1, 5, 0, 4 };
	static const unsigned char s1[4] = { 3, 7, 11, 19 };
	static const unsigned char s2[4] = { 3, 5, 9, 13 };
	static const unsigned char s3[4] = { 3, 9, 11, 15 };
	uint32_t v[4] = { buf[0], buf[1], buf[2], buf[3] };
	int i;

	/* Each step updates a, d, c, b in turn: v[(4 - i) % 4]. */
	for (i = 0; i < 8; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];
		*a = rol32(*a + MD4_F(b, c, d) + in[r1[i]], s1[i % 4]);
	}
	for (i = 0; i < 8; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];
		*a = rol32(*a + MD4_G(b, c, d) + in[r2[i]] + MD4_K2, s2[i % 4]);
	}
	for (i = 0; i < 8; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];
		*a = rol32(*a + MD4_H(b, c, d) + in[r3[i]] + MD4_K3, s3[i % 4]);
	}
	for (i = 0; i < 4; i++)
		buf[i] += v[i];
}

/* 16 rounds of TEA over two words of state and four of key (the name). */
static void dx_tea(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
	int n;

	for (n = 0; n < 16; n++) {
		sum += 0x9E3779B9u;
		b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
		b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
	}
	buf[0] += b0;
	buf[1] += b1;
}

int ext2fs_dx_hash(int version, const uint32_t seed[4], const char *name,
    size_t len, uint32_t *hash, uint32_t *minor)
{
	uint32_t buf[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint32_t in[8];
	int is_unsigned = version >= DX_HASH_LEGACY_UNSIGNED;
	size_t off;

	if (seed[0] | seed[1] | seed[2] | seed[3])
		memcpy(buf, seed, sizeof(buf));
	*minor = 0;
	switch (version) {
	case DX_HASH_LEGACY:
	case DX_HASH_LEGACY_UNSIGNED:
		*hash = dx_legacy(name, len, is_unsigned);
		break;
	case DX_HASH_HALF_MD4:
	case DX_HASH_HALF_MD4_UNSIGNED:
		for (off = 0; off < len; off += 32) {
			dx_str2hashbuf(name + off, len - off, in, 8, is_unsigned);
			dx_half_md4(buf, in);
		}
		*hash = buf[1];
		*minor = buf[2];
		break;
	case DX_HASH_TEA:
	case DX_HASH_TEA_UNSIGNED:
		for (off = 0; off < len; off += 16) {
			dx_str2hashbuf(name + off, len - off, in, 4, is_unsigned);
			dx_tea(buf, in);
		}
		*hash = buf[0];
		*minor = buf[1];
		break;
	default:
		return ENOTSUP;
	}
	*hash &= ~1u;
	/* The all-ones hash marks the end of the index; move off it. */
	if (*hash == (0x7fffffffu << 1))
		*hash = (0x7fffffffu - 1) << 1;
	return 0;
}
