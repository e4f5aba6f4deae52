/* ext2fs_csum_set.c: computing and storing every metadata_csum / uninit_bg checksum (the writer's and fsck's side). */
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/crc.h"
#include "vfs/endian.h"

/*
 * Each setter recomputes the checksum of a structure the caller has just
 * changed and stores it in place. They do nothing on file systems without
 * the matching feature, so callers call them unconditionally. The rules
 * (seeds, zeroed fields) mirror the verifiers in ext2fs_csum.c.
 */
static const uint8_t ext2fs_zeros[4];

/* sb: the 1024 raw superblock bytes. */
void ext2fs_csum_set_sb(struct ext2fs *fs, uint8_t *sb)
{
	if (!ext2fs_has_csum(fs))
		return;
	le32enc(sb + SB_CHECKSUM, crc32c(~0u, sb, SB_CHECKSUM));
}

/* The descriptor checksum as it should be, for either feature. */
uint16_t ext2fs_gd_csum_compute(struct ext2fs *fs, uint32_t group,
    const uint8_t *gd)
{
	uint8_t g[4];

	le32enc(g, group);
	if (ext2fs_has_csum(fs)) {
		uint32_t c = crc32c(fs->csum_seed, g, 4);
		c = crc32c(c, gd, GD_CHECKSUM);
		c = crc32c(c, ext2fs_zeros, 2);
		c = crc32c(c, gd + GD_CHECKSUM + 2,
		    fs->desc_size - GD_CHECKSUM - 2);
		return (uint16_t)c;
	}
	if (fs->ro_compat & RO_COMPAT_GDT_CSUM) {
		uint16_t c = crc16(0xFFFF, fs->sb + SB_UUID, 16);
		c = crc16(c, g, 4);
		c = crc16(c, gd, GD_CHECKSUM);
		if (fs->desc_size > GD_CHECKSUM + 2)
			c = crc16(c, gd + GD_CHECKSUM + 2,
			    fs->desc_size - GD_CHECKSUM - 2);
		return c;
	}
	return 0;
}

/* gd: the group's descriptor (desc_size bytes, e.g. inside fs->gdt). */
void ext2fs_csum_set_gd(struct ext2fs *fs, uint32_t group, uint8_t *gd)
{
	if (!ext2fs_has_csum(fs) && !(fs->ro_compat & RO_COMPAT_GDT_CSUM))
		return;
	le16enc(gd + GD_CHECKSUM, ext2fs_gd_csum_compute(fs, group, gd));
}

/* raw: inode_size bytes; the hi half is stored when extra_isize holds it. */
void ext2fs_csum_set_inode(struct ext2fs *fs, uint64_t ino, uint8_t *raw)
{
	uint32_t c;
	int hi;

	if (!ext2fs_has_csum(fs))
		return;
	hi = fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE &&
	    EXT2_GOOD_OLD_INODE_SIZE + (unsigned)le16dec(raw + I_EXTRA_ISIZE) >=
	    I_CHECKSUM_HI + 2;
	le16enc(raw + I_CHECKSUM_LO, 0);
	if (hi)
		le16enc(raw + I_CHECKSUM_HI, 0);
	c = ext2fs_inode_seed(fs, ino, le32dec(raw + I_GENERATION));
	c = crc32c(c, raw, fs->inode_size);
	le16enc(raw + I_CHECKSUM_LO, (uint16_t)c);
	if (hi)
		le16enc(raw + I_CHECKSUM_HI, (uint16_t)(c >> 16));
}

/* Bitmap checksums live in the descriptor (lo 16 bits, hi with 64-byte
 * descriptors); the caller then sets the descriptor's own checksum. A block
 * bitmap covers clusters_per_group bits, an inode bitmap inodes_per_group. */
#define GD_BLOCK_BITMAP_CSUM_LO 0x18
#define GD_INODE_BITMAP_CSUM_LO 0x1A
#define GD_BLOCK_BITMAP_CSUM_HI 0x38
#define GD_INODE_BITMAP_CSUM_HI 0x3A
static void ext2fs_bitmap_csum(struct ext2fs *fs, uint8_t *gd,
    const uint8_t *bitmap, size_t bytes, unsigned lo, unsigned hi)
{
	uint32_t c;

	if (!ext2fs_has_csum(fs))
		return;
	c = crc32c(fs->csum_seed, bitmap, bytes);
	le16enc(gd + lo, (uint16_t)c);
	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		le16enc(gd + hi, (uint16_t)(c >> 16));
}

void ext2fs_csum_set_block_bitmap(struct ext2fs *fs, uint8_t *gd,
    const uint8_t *bitmap)
{
	/* s_clusters_per_group is not validated at mount (blocks_per_group
	 * is): a bitmap is never more than one block */
	size_t bytes = le32dec(fs->sb + SB_CLUSTERS_PER_GROUP) / 8;

	ext2fs_bitmap_csum(fs, gd, bitmap, bytes < fs->bsize ? bytes : fs->bsize,
	    GD_BLOCK_BITMAP_CSUM_LO, GD_BLOCK_BITMAP_CSUM_HI);
}

void ext2fs_csum_set_inode_bitmap(struct ext2fs *fs, uint8_t *gd,
    const uint8_t *bitmap)
{
	ext2fs_bitmap_csum(fs, gd, bitmap, fs->inodes_per_group / 8,
	    GD_INODE_BITMAP_CSUM_LO, GD_INODE_BITMAP_CSUM_HI);
}

/* An extent tree block (not the root in i_block): tail after eh_max. */
void ext2fs_csum_set_extent(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data)
{
	size_t tail = EXT_HDR_SIZE + (size_t)le16dec(data + 4) * EXT_ENTRY_SIZE;

	if (!ext2fs_has_csum(fs) || tail + 4 > fs->bsize)
		return;
	le32enc(data + tail, crc32c(ext2fs_inode_seed(fs, ino, gen), data,
	    tail));
}

/* A directory leaf block: (re)writes the 12-byte tail entry at its end. */
void ext2fs_csum_set_dirleaf(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data)
{
	uint8_t *t = data + fs->bsize - DIRENT_TAIL_SIZE;

	if (!ext2fs_has_csum(fs))
		return;
	le32enc(t, 0);
	le16enc(t + 4, DIRENT_TAIL_SIZE);
	t[6] = 0;
	t[7] = DIRENT_TAIL_FT;
	le32enc(t + 8, crc32c(ext2fs_inode_seed(fs, ino, gen), data,
	    fs->bsize - DIRENT_TAIL_SIZE));
}

/* An htree node; count_offset is 32 in the root, 8 in interior nodes. */
void ext2fs_csum_set_dx(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data, unsigned count_offset)
{
	unsigned limit = le16dec(data + count_offset);
	unsigned count = le16dec(data + count_offset + 2);
	size_t tail = count_offset + (size_t)limit * 8;
	uint32_t c;

	if (!ext2fs_has_csum(fs) || tail + 8 > fs->bsize || count > limit)
		return;
	c = crc32c(ext2fs_inode_seed(fs, ino, gen), data,
	    count_offset + (size_t)count * 8);
	c = crc32c(c, data + tail, 4);
	c = crc32c(c, ext2fs_zeros, 4);
	le32enc(data + tail + 4, c);
}

/* An xattr block at fs block blk. */
void ext2fs_csum_set_xattr(struct ext2fs *fs, uint64_t blk, uint8_t *data)
{
	uint8_t b[8];
	uint32_t c;

	if (!ext2fs_has_csum(fs))
		return;
	le64enc(b, blk);
	c = crc32c(fs->csum_seed, b, 8);
	c = crc32c(c, data, 0x10);
	c = crc32c(c, ext2fs_zeros, 4);
	c = crc32c(c, data + 0x14, fs->bsize - 0x14);
	le32enc(data + 0x10, c);
}
