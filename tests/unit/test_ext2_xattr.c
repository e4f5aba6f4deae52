/* test_ext2_xattr.c: xattr layout and hashes (against a block the kernel wrote), the block order, and POSIX ACLs to ext4's form and back. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "tests/unit/unit.h"
#include "vfs/endian.h"

/* Linux 6.18 wrote user.shared = 300 x 'v' into a 4 KiB block with entry
 * hash 0x32b296c7 and the same block hash. */
static void test_kernel_block(void)
{
	static uint8_t blk[4096];
	struct ext2fs_xlist l = { NULL, 0, 0 };
	uint8_t val[300];
	const uint8_t *e = blk + XATTR_HDR_SIZE;

	memset(val, 'v', sizeof(val));
	CHECK_EQ(ext2fs_xl_set(&l, -1, XATTR_INDEX_USER,
	    (const uint8_t *)"shared", 6, val, 300), 0);
	CHECK_EQ(ext2fs_xl_space(&l), 4 + 16 + 8 + 300);
	ext2fs_xl_encode(&l, blk + XATTR_HDR_SIZE, blk + sizeof(blk), blk);
	CHECK_EQ(e[0], 6);
	CHECK_EQ(e[1], XATTR_INDEX_USER);
	CHECK_EQ(le16dec(e + 2), 4096 - 300);
	CHECK_EQ(le32dec(e + 8), 300);
	CHECK_EQ(le32dec(e + 12), 0x32b296c7);
	CHECK_EQ(le32dec(e + 24), 0);   /* the end of the entries */
	CHECK(memcmp(blk + 4096 - 300, val, 300) == 0);
	CHECK_EQ(ext2fs_xl_block_hash(e, blk + sizeof(blk)), 0x32b296c7);
	ext2fs_xl_free(&l);
}

/* Values are padded to 4 with zeros; an empty value has offset 0. */
static void test_padding(void)
{
	uint8_t area[96];
	struct ext2fs_xlist l = { NULL, 0, 0 };

	memset(area, 0xAA, sizeof(area));
	ext2fs_xl_set(&l, -1, XATTR_INDEX_USER, (const uint8_t *)"a", 1,
	    (const uint8_t *)"xyz", 3);
	ext2fs_xl_set(&l, -1, XATTR_INDEX_TRUSTED, (const uint8_t *)"e", 1,
	    NULL, 0);
	CHECK_EQ(ext2fs_xl_space(&l), 4 + 20 + 4 + 20);
	ext2fs_xl_encode(&l, area, area + sizeof(area), area);
	CHECK_EQ(le16dec(area + 2), sizeof(area) - 4);
	CHECK_EQ(area[sizeof(area) - 1], 0);
	CHECK_EQ(le16dec(area + 20 + 2), 0);
	CHECK_EQ(le32dec(area + 20 + 8), 0);
	CHECK_EQ(le32dec(area + 40), 0);
	ext2fs_xl_free(&l);
}

/* The kernel's block order: index, then name length, then name. */
static void test_sort(void)
{
	struct ext2fs_xlist l = { NULL, 0, 0 };

	ext2fs_xl_set(&l, -1, XATTR_INDEX_TRUSTED, (const uint8_t *)"a", 1,
	    NULL, 0);
	ext2fs_xl_set(&l, -1, XATTR_INDEX_USER, (const uint8_t *)"bb", 2,
	    NULL, 0);
	ext2fs_xl_set(&l, -1, XATTR_INDEX_USER, (const uint8_t *)"z", 1,
	    NULL, 0);
	ext2fs_xl_set(&l, -1, XATTR_INDEX_USER, (const uint8_t *)"ba", 2,
	    NULL, 0);
	ext2fs_xl_sort(&l);
	CHECK(memcmp(l.v[0].name, "z", 1) == 0);
	CHECK(memcmp(l.v[1].name, "ba", 2) == 0);
	CHECK(memcmp(l.v[2].name, "bb", 2) == 0);
	CHECK_EQ(l.v[3].index, XATTR_INDEX_TRUSTED);
	CHECK_EQ(ext2fs_xl_find(&l, XATTR_INDEX_USER, (const uint8_t *)"bb", 2),
	    2);
	ext2fs_xl_del(&l, 0);
	CHECK_EQ(l.n, 3);
	CHECK_EQ(ext2fs_xl_find(&l, XATTR_INDEX_USER, (const uint8_t *)"z", 1),
	    -1);
	ext2fs_xl_free(&l);
}

/* user::rw- user:1234:r-x group::r-- mask::r-x other::r-- */
static const uint8_t acl[] = { 2, 0, 0, 0,
    1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 5, 0, 0xd2, 4, 0, 0,
    4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
    0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff };

static void test_acl(void)
{
	uint8_t disk[sizeof(acl)], back[sizeof(acl)], bad[sizeof(acl)];
	size_t len, blen;
	uint16_t perm;
	int equiv;

	CHECK_EQ(ext2fs_posix_acl_to_disk(acl, sizeof(acl), disk, &len, &perm,
	    &equiv), 0);
	CHECK_EQ(len, 4 + 4 + 8 + 4 + 4 + 4);
	CHECK_EQ(le32dec(disk), 1);
	CHECK_EQ(perm, 0654);
	CHECK_EQ(equiv, 0);
	CHECK_EQ(ext2fs_xattr_to_posix_acl(disk, len, back, sizeof(back),
	    &blen), 0);
	CHECK_EQ(blen, sizeof(acl));
	CHECK(memcmp(back, acl, sizeof(acl)) == 0);
	/* only the three base entries: the mode says it all */
	memcpy(bad, acl, 12);
	memcpy(bad + 12, acl + 20, 8);
	memcpy(bad + 20, acl + 36, 8);
	CHECK_EQ(ext2fs_posix_acl_to_disk(bad, 28, disk, &len, &perm, &equiv),
	    0);
	CHECK_EQ(equiv, 1);
	CHECK_EQ(perm, 0644);
	/* no mask with a named user; entries out of order; bad version */
	memcpy(bad, acl, 28);
	memcpy(bad + 28, acl + 36, 8);
	CHECK_EQ(ext2fs_posix_acl_to_disk(bad, 36, disk, &len, &perm, &equiv),
	    EINVAL);
	memcpy(bad, acl, sizeof(acl));
	memcpy(bad + 4, acl + 12, 8);
	memcpy(bad + 12, acl + 4, 8);
	CHECK_EQ(ext2fs_posix_acl_to_disk(bad, sizeof(acl), disk, &len, &perm,
	    &equiv), EINVAL);
	memcpy(bad, acl, sizeof(acl));
	bad[0] = 1;
	CHECK_EQ(ext2fs_posix_acl_to_disk(bad, sizeof(acl), disk, &len, &perm,
	    &equiv), EOPNOTSUPP);
	CHECK_EQ(ext2fs_posix_acl_to_disk(acl, sizeof(acl) - 3, disk, &len,
	    &perm, &equiv), EINVAL);
}

int main(void)
{
	RUN(test_kernel_block);
	RUN(test_padding);
	RUN(test_sort);
	RUN(test_acl);
	return DONE();
}
