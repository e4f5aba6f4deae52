/* test_crc.c: CRC-32C and CRC-16 against published check values, chaining, and lengths around the 8-byte stride. */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vfs/crc.h"

/* The standard CRC-32C of a buffer: inverted in, inverted out. */
static uint32_t crc32c_std(const void *buf, size_t len)
{
	return crc32c(~0u, buf, len) ^ ~0u;
}

/* Bit-at-a-time reference, to check every length and alignment. */
static uint32_t crc32c_ref(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1));
	}
	return crc;
}

static void test_crc32c_check_value(void)
{
	CHECK_EQ(crc32c_std("123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c_std("", 0), 0);
	CHECK_EQ(crc32c(0x12345678u, "", 0), 0x12345678u);
}

/* RFC 3720 (iSCSI) appendix B.4 vectors. */
static void test_crc32c_rfc3720(void)
{
	uint8_t buf[48];
	int i;

	memset(buf, 0, 32);
	CHECK_EQ(crc32c_std(buf, 32), 0x8A9136AAu);
	memset(buf, 0xFF, 32);
	CHECK_EQ(crc32c_std(buf, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_EQ(crc32c_std(buf, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK_EQ(crc32c_std(buf, 32), 0x113FDB5Cu);
}

static void test_crc32c_every_length_and_alignment(void)
{
	uint8_t buf[300];
	size_t off, len;
	int i;

	for (i = 0; i < 300; i++)
		buf[i] = (uint8_t)(i * 37 + 0x81);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 100; len++)
			CHECK_EQ(crc32c(0xDEADBEEFu, buf + off, len),
			    crc32c_ref(0xDEADBEEFu, buf + off, len));
}

/* ext4 chains a checksum across pieces: it must equal one pass. */
static void test_crc32c_chaining(void)
{
	uint8_t buf[1000];
	uint32_t c;
	int i;

	for (i = 0; i < 1000; i++)
		buf[i] = (uint8_t)(0xFF - i);
	c = crc32c(~0u, buf, 13);
	c = crc32c(c, buf + 13, 500);
	c = crc32c(c, buf + 513, 487);
	CHECK_EQ(c, crc32c(~0u, buf, 1000));
}

/* CRC-16/ARC (init 0) and CRC-16/MODBUS (init 0xFFFF, ext4's choice). */
static void test_crc16(void)
{
	CHECK_EQ(crc16(0, "123456789", 9), 0xBB3D);
	CHECK_EQ(crc16(0xFFFF, "123456789", 9), 0x4B37);
	CHECK_EQ(crc16(0xFFFF, "", 0), 0xFFFF);
	CHECK_EQ(crc16(crc16(0xFFFF, "1234", 4), "56789", 5), 0x4B37);
}

int main(void)
{
	RUN(test_crc32c_check_value);
	RUN(test_crc32c_rfc3720);
	RUN(test_crc32c_every_length_and_alignment);
	RUN(test_crc32c_chaining);
	RUN(test_crc16);
	return DONE();
}
