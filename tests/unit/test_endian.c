/* test_endian.c: the on-disk integer decoders and encoders, with bytes >= 0x80 (no sign extension). */
#include <stdint.h>

#include "tests/unit/unit.h"
#include "vfs/endian.h"

static const uint8_t hi[8] = { 0x81, 0x92, 0xA3, 0xB4, 0xC5, 0xD6, 0xE7, 0xF8 };

static void test_le_decode(void)
{
	CHECK(le16dec(hi) == 0x9281u);
	CHECK(le32dec(hi) == 0xB4A39281u);
	CHECK(le64dec(hi) == 0xF8E7D6C5B4A39281ull);
	CHECK(le32dec(hi + 1) == 0xC5B4A392u);   /* unaligned */
}

static void test_be_decode(void)
{
	CHECK(be16dec(hi) == 0x8192u);
	CHECK(be32dec(hi) == 0x8192A3B4u);
	CHECK(be64dec(hi) == 0x8192A3B4C5D6E7F8ull);
	CHECK(be32dec(hi + 3) == 0xB4C5D6E7u);
}

static void test_all_ones(void)
{
	static const uint8_t ff[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	    0xFF };

	CHECK(le16dec(ff) == 0xFFFFu);
	CHECK(le32dec(ff) == 0xFFFFFFFFu);
	CHECK(le64dec(ff) == UINT64_MAX);
	CHECK(be32dec(ff) == 0xFFFFFFFFu);
	CHECK(be64dec(ff) == UINT64_MAX);
}

static void test_roundtrip(void)
{
	uint8_t b[8];
	int i;

	le16enc(b, 0x80FF);
	CHECK(b[0] == 0xFF && b[1] == 0x80);
	le32enc(b, 0x89ABCDEFu);
	CHECK(le32dec(b) == 0x89ABCDEFu && b[0] == 0xEF && b[3] == 0x89);
	le64enc(b, 0xFEDCBA9876543210ull);
	CHECK(le64dec(b) == 0xFEDCBA9876543210ull && b[7] == 0xFE);
	be16enc(b, 0x80FF);
	CHECK(b[0] == 0x80 && b[1] == 0xFF);
	be32enc(b, 0xC03B3998u);        /* the jbd2 magic */
	CHECK(be32dec(b) == 0xC03B3998u && b[0] == 0xC0);
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(0x80 + i);
	CHECK(le64dec(b) == 0x8786858483828180ull);
}

int main(void)
{
	RUN(test_le_decode);
	RUN(test_be_decode);
	RUN(test_all_ones);
	RUN(test_roundtrip);
	return DONE();
}
