/* test_ext2_hash.c: the htree name hashes against values debugfs's dx_hash (e2fsprogs 1.47) prints. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "tests/unit/unit.h"
#include "vfs/endian.h"

/* debugfs -s 01234567-89ab-cdef-0123-456789abcdef: the uuid's bytes read as
 * four little-endian words, as the superblock's s_hash_seed is. */
static const uint8_t seed_bytes[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const uint32_t no_seed[4];

struct vec {
	int version;
	int seeded;
	const char *name;
	uint32_t hash, minor;
};

static const struct vec vecs[] = {
	{ DX_HASH_LEGACY, 0, "a", 0xe74b53e2, 0 },
	{ DX_HASH_LEGACY, 0, "hello", 0x32252546, 0 },
	{ DX_HASH_LEGACY, 0, "caf\xc3\xa9-x", 0xee73483e, 0 },
	{ DX_HASH_HALF_MD4, 1, "a", 0x35dc0cc4, 0x3f1dacef },
	{ DX_HASH_HALF_MD4, 0, "a", 0xd5fa7d7a, 0xacb48187 },
	{ DX_HASH_HALF_MD4, 1, "hello", 0xa26e4a80, 0x97e5b7f7 },
	{ DX_HASH_HALF_MD4, 0, "hello", 0x1746da32, 0x420013b5 },
	{ DX_HASH_HALF_MD4, 1, "caf\xc3\xa9-x", 0xec4fcabc, 0xebf02a14 },
	{ DX_HASH_HALF_MD4, 0, "caf\xc3\xa9-x", 0xf9fc55e0, 0xb511e345 },
	{ DX_HASH_TEA, 0, "a", 0x6d0ea4c0, 0xc18922df },
	{ DX_HASH_TEA, 0, "hello", 0x6f5bb1a8, 0x231917c2 },
	{ DX_HASH_TEA, 0, "caf\xc3\xa9-x", 0xd708e3f8, 0xfdaab57b },
};

static void test_vectors(void)
{
	uint32_t seed[4], hash, minor;
	size_t i;

	for (i = 0; i < 4; i++)
		seed[i] = le32dec(seed_bytes + 4 * i);
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		CHECK_EQ(ext2fs_dx_hash(v->version, v->seeded ? seed : no_seed,
		    v->name, strlen(v->name), &hash, &minor), 0);
		CHECK_EQ(hash, v->hash);
		CHECK_EQ(minor, v->minor);
	}
}

/* Names longer than one block of the hash input (32 bytes for half-MD4,
 * 16 for TEA) go through several rounds. */
static void test_long_names(void)
{
	char name[71];
	uint32_t hash, minor;

	memset(name, 'n', 70);
	name[70] = '\0';
	ext2fs_dx_hash(DX_HASH_LEGACY, no_seed, name, 70, &hash, &minor);
	CHECK_EQ(hash, 0xa1d474aa);
	ext2fs_dx_hash(DX_HASH_HALF_MD4, no_seed, name, 70, &hash, &minor);
	CHECK_EQ(hash, 0x23dd9658);
	CHECK_EQ(minor, 0xe6e8583a);
	ext2fs_dx_hash(DX_HASH_TEA, no_seed, name, 70, &hash, &minor);
	CHECK_EQ(hash, 0xa875c39a);
	CHECK_EQ(minor, 0xe9e25968);
}

/* Only bytes >= 0x80 tell the signed and unsigned variants apart. */
static void test_signedness(void)
{
	uint32_t h1, h2, m;

	ext2fs_dx_hash(DX_HASH_HALF_MD4, no_seed, "hello", 5, &h1, &m);
	ext2fs_dx_hash(DX_HASH_HALF_MD4_UNSIGNED, no_seed, "hello", 5, &h2, &m);
	CHECK_EQ(h1, h2);
	ext2fs_dx_hash(DX_HASH_TEA, no_seed, "caf\xc3\xa9", 5, &h1, &m);
	ext2fs_dx_hash(DX_HASH_TEA_UNSIGNED, no_seed, "caf\xc3\xa9", 5, &h2, &m);
	CHECK(h1 != h2);
	CHECK_EQ(ext2fs_dx_hash(9, no_seed, "x", 1, &h1, &m), ENOTSUP);
}

int main(void)
{
	RUN(test_vectors);
	RUN(test_long_names);
	RUN(test_signedness);
	return DONE();
}
