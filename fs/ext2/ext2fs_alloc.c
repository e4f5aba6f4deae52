/* ext2fs_alloc.c: bitmaps (initialized on first use for uninit_bg groups) and inode allocation. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

uint32_t ext2fs_gd_get(const struct ext2fs *fs, uint32_t g, unsigned lo,
    unsigned hi)
{
	const uint8_t *gd = ext2fs_gd(fs, g);
	uint32_t v = le16dec(gd + lo);

	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		v |= (uint32_t)le16dec(gd + hi) << 16;
	return v;
}

void ext2fs_gd_set(struct ext2fs *fs, uint32_t g, unsigned lo, unsigned hi,
    uint32_t v)
{
	uint8_t *gd = ext2fs_gd_w(fs, g);

	le16enc(gd + lo, (uint16_t)v);
	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		le16enc(gd + hi, (uint16_t)(v >> 16));
}

uint64_t ext2fs_gd_loc(const struct ext2fs *fs, uint32_t g, unsigned lo,
    unsigned hi)
{
	const uint8_t *gd = ext2fs_gd(fs, g);
	uint64_t v = le32dec(gd + lo);

	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		v |= (uint64_t)le32dec(gd + hi) << 32;
	return v;
}

static int gd_has_csum(const struct ext2fs *fs)
{
	return ext2fs_has_csum(fs) || (fs->ro_compat & RO_COMPAT_GDT_CSUM);
}

static void bm_set(uint8_t *bm, uint64_t bit)
{
	bm[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

/* Marks in group g's fresh block bitmap the blocks metadata uses there:
 * its own backup superblock and descriptors, and any group's bitmaps and
 * inode table that lie in it (flex_bg packs them together). */
static void ext2fs_init_block_bitmap(struct ext2fs *fs, uint32_t g,
    uint8_t *bm)
{
	uint64_t start = (uint64_t)g * fs->blocks_per_group +
	    fs->first_data_block, end = start + fs->blocks_per_group, b;
	uint64_t itab = ((uint64_t)fs->inodes_per_group * fs->inode_size +
	    fs->bsize - 1) >> fs->log_bsize;
	uint32_t per = fs->bsize / fs->desc_size, h, k;
	uint64_t meta = ext2fs_group_has_super(fs, g) ? 1 : 0;
	uint32_t fmb = le32dec(fs->sb + SB_FIRST_META_BG);

	memset(bm, 0, fs->bsize);
	if (!(fs->incompat & INCOMPAT_META_BG) || g / per < fmb) {
		if (meta)
			meta += ((fs->incompat & INCOMPAT_META_BG) ? fmb :
			    (fs->ngroups + per - 1) / per) +
			    le16dec(fs->sb + SB_RESERVED_GDT_BLOCKS);
	} else if (g % per == 0 || g % per == 1 || g % per == per - 1)
		meta++;
	for (b = 0; b < meta; b++)
		bm_set(bm, b);
	for (h = 0; h < fs->ngroups; h++) {
		uint64_t loc[3] = { ext2fs_gd_loc(fs, h, GD_BLOCK_BITMAP_LO,
		    GD_BLOCK_BITMAP_HI), ext2fs_gd_loc(fs, h, GD_INODE_BITMAP_LO,
		    GD_INODE_BITMAP_HI), ext2fs_gd_loc(fs, h, GD_INODE_TABLE_LO,
		    GD_INODE_TABLE_HI) };
		for (k = 0; k < 3; k++)
			for (b = loc[k]; b < loc[k] + (k == 2 ? itab : 1); b++)
				if (b >= start && b < end)
					bm_set(bm, b - start);
	}
	/* past the group's (or the device's) last block: padding, set */
	b = fs->blocks_count > start ? fs->blocks_count - start : 0;
	for (b = b < fs->blocks_per_group ? b : fs->blocks_per_group;
	    b < (uint64_t)fs->bsize * 8; b++)
		bm_set(bm, b);
}

/* Reads group g's block (inode_bm 0) or inode (1) bitmap, making it up
 * when the group's flags say it was never written. */
int ext2fs_bitmap_read(struct ext2fs *fs, uint32_t g, int inode_bm,
    struct buf **bpp)
{
	uint64_t blk = inode_bm ? ext2fs_gd_loc(fs, g, GD_INODE_BITMAP_LO,
	    GD_INODE_BITMAP_HI) : ext2fs_gd_loc(fs, g, GD_BLOCK_BITMAP_LO,
	    GD_BLOCK_BITMAP_HI);
	unsigned flag = inode_bm ? GD_FLAG_INODE_UNINIT : GD_FLAG_BLOCK_UNINIT;
	uint16_t flags = le16dec(ext2fs_gd(fs, g) + GD_FLAGS);
	uint64_t b;
	int error;

	if (!gd_has_csum(fs) || !(flags & flag))
		return ext2fs_bread(fs, 0, blk, bpp);
	error = bget(fs->mp->mnt_bc, blk << fs->log_bsize, fs->bsize, bpp);
	if (error)
		return error;
	if (inode_bm) {
		memset((*bpp)->b_data, 0, fs->bsize);
		for (b = fs->inodes_per_group; b < (uint64_t)fs->bsize * 8; b++)
			bm_set((*bpp)->b_data, b);
	} else
		ext2fs_init_block_bitmap(fs, g, (*bpp)->b_data);
	le16enc(ext2fs_gd_w(fs, g) + GD_FLAGS, flags & ~flag);
	return 0;
}

/* After changing a bitmap: its checksum, the descriptor's, and release. */
void ext2fs_bitmap_done(struct ext2fs *fs, uint32_t g, int inode_bm,
    struct buf *bp)
{
	uint8_t *gd = ext2fs_gd_w(fs, g);

	if (inode_bm)
		ext2fs_csum_set_inode_bitmap(fs, gd, bp->b_data);
	else
		ext2fs_csum_set_block_bitmap(fs, gd, bp->b_data);
	ext2fs_bdirty(fs, bp);
}

/* Takes the first free inode of group g, if any. */
static int ext2fs_ialloc_group(struct ext2fs *fs, uint32_t g, int isdir,
    uint64_t *ino)
{
	struct buf *bp;
	uint32_t i, first = g == 0 ? fs->first_ino - 1 : 0, unused;
	int error;

	error = ext2fs_bitmap_read(fs, g, 1, &bp);
	if (error)
		return error;
	for (i = first; i < fs->inodes_per_group; i++)
		if (!(bp->b_data[i >> 3] & (1u << (i & 7))))
			break;
	if (i == fs->inodes_per_group) {
		brelse(bp);
		return ENOSPC;
	}
	bm_set(bp->b_data, i);
	ext2fs_gd_set(fs, g, GD_FREE_INODES_LO, GD_FREE_INODES_HI,
	    ext2fs_gd_get(fs, g, GD_FREE_INODES_LO, GD_FREE_INODES_HI) - 1);
	if (isdir)
		ext2fs_gd_set(fs, g, GD_USED_DIRS_LO, GD_USED_DIRS_HI,
		    ext2fs_gd_get(fs, g, GD_USED_DIRS_LO, GD_USED_DIRS_HI) + 1);
	if (gd_has_csum(fs)) {
		unused = ext2fs_gd_get(fs, g, GD_ITABLE_UNUSED_LO,
		    GD_ITABLE_UNUSED_HI);
		if (i >= fs->inodes_per_group - unused)
			ext2fs_gd_set(fs, g, GD_ITABLE_UNUSED_LO,
			    GD_ITABLE_UNUSED_HI, fs->inodes_per_group - i - 1);
	}
	ext2fs_bitmap_done(fs, g, 1, bp);
	*ino = (uint64_t)g * fs->inodes_per_group + i + 1;
	return 0;
}

/* Files go near their directory; directories to the group with the most
 * free inodes (spreading them, as the kernel's Orlov allocator tends to). */
int ext2fs_ialloc(struct ext2fs *fs, uint64_t dirino, int isdir,
    uint64_t *ino)
{
	uint32_t start = (uint32_t)((dirino - 1) / fs->inodes_per_group), g, k;
	uint32_t best = start, bestfree = 0;
	int error;

	if (isdir) {
		for (g = 0; g < fs->ngroups; g++) {
			uint32_t f = ext2fs_gd_get(fs, g, GD_FREE_INODES_LO,
			    GD_FREE_INODES_HI);
			if (f > bestfree) {
				bestfree = f;
				best = g;
			}
		}
		start = best;
	}
	for (k = 0; k < fs->ngroups; k++) {
		g = (start + k) % fs->ngroups;
		if (ext2fs_gd_get(fs, g, GD_FREE_INODES_LO,
		    GD_FREE_INODES_HI) == 0)
			continue;
		error = ext2fs_ialloc_group(fs, g, isdir, ino);
		if (error != ENOSPC)
			return error;
	}
	return ENOSPC;
}

int ext2fs_ifree(struct ext2fs *fs, uint64_t ino, int isdir)
{
	uint32_t g = (uint32_t)((ino - 1) / fs->inodes_per_group);
	uint32_t i = (uint32_t)((ino - 1) % fs->inodes_per_group);
	struct buf *bp;
	int error;

	error = ext2fs_bitmap_read(fs, g, 1, &bp);
	if (error)
		return error;
	if (!(bp->b_data[i >> 3] & (1u << (i & 7)))) {
		brelse(bp);
		return vfs_corrupt(fs->mp, ino, 0, "inode bitmap: expected the "
		    "inode in use, found it free");
	}
	bp->b_data[i >> 3] &= (uint8_t)~(1u << (i & 7));
	ext2fs_gd_set(fs, g, GD_FREE_INODES_LO, GD_FREE_INODES_HI,
	    ext2fs_gd_get(fs, g, GD_FREE_INODES_LO, GD_FREE_INODES_HI) + 1);
	if (isdir)
		ext2fs_gd_set(fs, g, GD_USED_DIRS_LO, GD_USED_DIRS_HI,
		    ext2fs_gd_get(fs, g, GD_USED_DIRS_LO, GD_USED_DIRS_HI) - 1);
	ext2fs_bitmap_done(fs, g, 1, bp);
	return 0;
}
