/* endian.h: decoders and encoders for on-disk integers, built from shifts on bytes. */
#ifndef RUMPSH_ENDIAN_H
#define RUMPSH_ENDIAN_H

#include <stdint.h>

static inline uint16_t le16dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t le64dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint64_t)le32dec(p) | (uint64_t)le32dec(p + 4) << 32;
}

static inline uint16_t be16dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    (uint32_t)p[3];
}

static inline uint64_t be64dec(const void *pp)
{
	const uint8_t *p = pp;
	return (uint64_t)be32dec(p) << 32 | (uint64_t)be32dec(p + 4);
}

static inline void le16enc(void *pp, uint16_t v)
{
	uint8_t *p = pp;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32enc(void *pp, uint32_t v)
{
	uint8_t *p = pp;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void le64enc(void *pp, uint64_t v)
{
	uint8_t *p = pp;
	le32enc(p, (uint32_t)v);
	le32enc(p + 4, (uint32_t)(v >> 32));
}

static inline void be16enc(void *pp, uint16_t v)
{
	uint8_t *p = pp;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32enc(void *pp, uint32_t v)
{
	uint8_t *p = pp;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
