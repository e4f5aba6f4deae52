/* ext2fs_csum.c: metadata_csum (crc32c) and uninit_bg (crc16) verification of ext4 metadata. */
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/crc.h"
#include "vfs/endian.h"

/*
 * ext4 checksums are raw crc32c registers chained from a per-file-system
 * seed (crc32c of the uuid) and, for per-inode metadata, from a per-inode
 * seed (the fs seed continued over the inode number and generation). The
 * checksum field itself is fed in as zeros where it sits inside the data.
 */
static const uint8_t ext2fs_zeros[4];

int ext2fs_sb_csum_ok(const uint8_t *sb, uint32_t *expect, uint32_t *found)
{
	*expect = le32dec(sb + SB_CHECKSUM);
	*found = crc32c(~0u, sb, SB_CHECKSUM);
	return *expect == *found;
}

uint32_t ext2fs_inode_seed(const struct ext2fs *fs, uint64_t ino,
    uint32_t gen)
{
	uint8_t b[4];
	uint32_t crc;

	le32enc(b, (uint32_t)ino);
	crc = crc32c(fs->csum_seed, b, 4);
	le32enc(b, gen);
	return crc32c(crc, b, 4);
}

/* The computation is ext2fs_gd_csum_compute's (ext2fs_csum_set.c). */
int ext2fs_gd_csum_verify(struct ext2fs *fs, uint32_t group)
{
	const uint8_t *gd = ext2fs_gd(fs, group);
	uint16_t expect = le16dec(gd + GD_CHECKSUM), found;

	if (!ext2fs_has_csum(fs) && !(fs->ro_compat & RO_COMPAT_GDT_CSUM))
		return 0;
	found = ext2fs_gd_csum_compute(fs, group, gd);
	if (expect == found)
		return 0;
	return vfs_corrupt(fs->mp, 0, 0, "group %u descriptor checksum: "
	    "expected 0x%04x, found 0x%04x", group, found, expect);
}

/* Whether the inode's extra part reaches field `off` (2 bytes wide). */
static int ext2fs_fits(const struct ext2fs *fs, const uint8_t *raw,
    unsigned off)
{
	return fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE &&
	    EXT2_GOOD_OLD_INODE_SIZE + (unsigned)le16dec(raw + I_EXTRA_ISIZE) >=
	    off + 2;
}

int ext2fs_inode_csum_verify(struct ext2fs *fs, uint64_t ino,
    const uint8_t *raw)
{
	uint32_t c, expect, found, mask = 0xFFFF;
	int hi;

	if (!ext2fs_has_csum(fs))
		return 0;
	hi = ext2fs_fits(fs, raw, I_CHECKSUM_HI);
	c = ext2fs_inode_seed(fs, ino, le32dec(raw + I_GENERATION));
	c = crc32c(c, raw, I_CHECKSUM_LO);
	c = crc32c(c, ext2fs_zeros, 2);
	c = crc32c(c, raw + I_CHECKSUM_LO + 2,
	    EXT2_GOOD_OLD_INODE_SIZE - I_CHECKSUM_LO - 2);
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE) {
		unsigned off = I_CHECKSUM_HI;
		c = crc32c(c, raw + EXT2_GOOD_OLD_INODE_SIZE,
		    off - EXT2_GOOD_OLD_INODE_SIZE);
		if (hi) {
			c = crc32c(c, ext2fs_zeros, 2);
			off += 2;
		}
		c = crc32c(c, raw + off, fs->inode_size - off);
	}
	expect = le16dec(raw + I_CHECKSUM_LO);
	if (hi) {
		expect |= (uint32_t)le16dec(raw + I_CHECKSUM_HI) << 16;
		mask = 0xFFFFFFFF;
	}
	found = c & mask;
	if (expect == found)
		return 0;
	return vfs_corrupt(fs->mp, ino, 0, "inode checksum: expected 0x%08x, "
	    "found 0x%08x", found, expect);
}

/* Extent block: crc32c up to the tail that follows eh_max entries. */
int ext2fs_extent_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data, unsigned max)
{
	size_t tail = EXT_HDR_SIZE + (size_t)max * EXT_ENTRY_SIZE;
	uint32_t expect, found;

	if (!ext2fs_has_csum(fs))
		return 0;
	if (tail + 4 > fs->bsize)
		return vfs_corrupt(fs->mp, ip->ino, blk, "extent block: expected "
		    "room for a checksum, found eh_max %u", max);
	expect = le32dec(data + tail);
	found = crc32c(ip->csum_seed, data, tail);
	if (expect == found)
		return 0;
	return vfs_corrupt(fs->mp, ip->ino, blk, "extent block checksum: "
	    "expected 0x%08x, found 0x%08x", found, expect);
}

/* Directory leaf: a 12-byte fake entry at the end carries the crc32c. */
int ext2fs_dirleaf_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data)
{
	const uint8_t *t = data + fs->bsize - DIRENT_TAIL_SIZE;
	uint32_t expect, found;

	if (!ext2fs_has_csum(fs))
		return 0;
	if (le32dec(t) != 0 || le16dec(t + 4) != DIRENT_TAIL_SIZE ||
	    t[6] != 0 || t[7] != DIRENT_TAIL_FT)
		return vfs_corrupt(fs->mp, ip->ino, blk, "directory block: "
		    "expected a checksum tail, found none");
	expect = le32dec(t + 8);
	found = crc32c(ip->csum_seed, data, fs->bsize - DIRENT_TAIL_SIZE);
	if (expect == found)
		return 0;
	return vfs_corrupt(fs->mp, ip->ino, blk, "directory block checksum: "
	    "expected 0x%08x, found 0x%08x", found, expect);
}

/* htree node: the tail follows `limit` entries; count entries are summed. */
int ext2fs_dx_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data, unsigned count_offset)
{
	unsigned limit = le16dec(data + count_offset);
	unsigned count = le16dec(data + count_offset + 2);
	size_t tail = count_offset + (size_t)limit * 8;
	uint32_t expect, found;

	if (!ext2fs_has_csum(fs))
		return 0;
	if (tail + 8 > fs->bsize || count > limit)
		return vfs_corrupt(fs->mp, ip->ino, blk, "htree node: expected "
		    "count <= limit and room for a checksum, found count %u "
		    "limit %u", count, limit);
	found = crc32c(ip->csum_seed, data, count_offset + (size_t)count * 8);
	found = crc32c(found, data + tail, 4);
	found = crc32c(found, ext2fs_zeros, 4);
	expect = le32dec(data + tail + 4);
	if (expect == found)
		return 0;
	return vfs_corrupt(fs->mp, ip->ino, blk, "htree node checksum: "
	    "expected 0x%08x, found 0x%08x", found, expect);
}

/* xattr block: seeded with the block number, checksum field zeroed. */
int ext2fs_xattr_csum_verify(struct ext2fs *fs, uint64_t ino, uint64_t blk,
    const uint8_t *data)
{
	uint8_t b[8];
	uint32_t c, expect;

	if (!ext2fs_has_csum(fs))
		return 0;
	le64enc(b, blk);
	c = crc32c(fs->csum_seed, b, 8);
	c = crc32c(c, data, 0x10);
	c = crc32c(c, ext2fs_zeros, 4);
	c = crc32c(c, data + 0x14, fs->bsize - 0x14);
	expect = le32dec(data + 0x10);
	if (expect == c)
		return 0;
	return vfs_corrupt(fs->mp, ino, blk, "xattr block checksum: expected "
	    "0x%08x, found 0x%08x", c, expect);
}
