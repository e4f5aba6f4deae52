/* ext2fs_indwrite.c: changing block-mapped (ext2/ext3) files: setting pointers through indirect blocks, truncating them. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/* A zeroed indirect block near goal, counted in i_blocks. */
static int ind_new(struct ext2fs *fs, struct ext2fs_inode *ip, uint64_t goal,
    uint64_t *blk)
{
	struct buf *bp;
	uint64_t got;
	int error;

	error = ext2fs_balloc(fs, goal, 1, blk, &got);
	if (error)
		return error;
	error = bget(fs->mp->mnt_bc, *blk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	memset(bp->b_data, 0, fs->bsize);
	ext2fs_bdirty(fs, bp);
	ip->blocks512 += fs->bsize >> 9;
	return 0;
}

/* Sets pointer `off` (in the subtree of `levels` below *root) to pblk,
 * making the missing indirect blocks on the way. */
static int ind_set_walk(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint8_t *slot, int levels, uint64_t off, uint64_t pblk)
{
	unsigned shift = fs->log_bsize - 2;
	uint64_t blk = le32dec(slot);
	struct buf *bp;
	int error;

	if (levels == 0) {
		le32enc(slot, (uint32_t)pblk);
		return 0;
	}
	if (blk == 0) {
		error = ind_new(fs, ip, pblk ? pblk - 1 : 0, &blk);
		if (error)
			return error;
		le32enc(slot, (uint32_t)blk);
	}
	error = ext2fs_bread(fs, ip->ino, blk, &bp);
	if (error)
		return error;
	{
		unsigned s = shift * (unsigned)(levels - 1);
		error = ind_set_walk(fs, ip, bp->b_data + 4 * (off >> s),
		    levels - 1, off & (((uint64_t)1 << s) - 1), pblk);
	}
	ext2fs_bdirty(fs, bp);
	return error;
}

int ext2fs_ind_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t pblk)
{
	unsigned shift = fs->log_bsize - 2;
	uint64_t span = 1;
	int level;

	ip->c_count = 0;
	if (pblk > 0xFFFFFFFFull)
		return EFBIG;
	if (lblk < 12) {
		le32enc(ip->iblock + 4 * lblk, (uint32_t)pblk);
		return 0;
	}
	lblk -= 12;
	for (level = 1; level <= 3; level++) {
		span <<= shift;
		if (lblk < span)
			return ind_set_walk(fs, ip, ip->iblock + 4 * (11 + level),
			    level, lblk, pblk);
		lblk -= span;
	}
	return EFBIG;
}

/* Frees pointers in the block tree at *slot covering logical offsets from
 * `keep` on (relative to its start; span = blocks it covers). */
static int ind_trunc_walk(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint8_t *slot, int levels, uint64_t keep, uint64_t span)
{
	uint64_t blk = le32dec(slot), per = fs->bsize / 4, sub = span / per, i;
	struct buf *bp;
	int error = 0, empty = 1;

	if (blk == 0 || keep >= span)
		return 0;
	if (levels > 0) {
		error = ext2fs_bread(fs, ip->ino, blk, &bp);
		if (error)
			return error;
		for (i = 0; i < per && error == 0; i++) {
			uint64_t k = keep > i * sub ? keep - i * sub : 0;
			error = ind_trunc_walk(fs, ip, bp->b_data + 4 * i,
			    levels - 1, k, sub);
			if (le32dec(bp->b_data + 4 * i) != 0)
				empty = 0;
		}
		ext2fs_bdirty(fs, bp);
		if (error || !empty)
			return error;
	}
	error = ext2fs_bfree(fs, blk, 1);
	ip->blocks512 -= fs->bsize >> 9;
	le32enc(slot, 0);
	return error;
}

int ext2fs_ind_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t keep)
{
	unsigned shift = fs->log_bsize - 2;
	uint64_t span = 1, base = 12, i;
	int level, error = 0;

	ip->c_count = 0;
	for (i = keep; i < 12 && error == 0; i++)
		error = ind_trunc_walk(fs, ip, ip->iblock + 4 * i, 0, 0, 1);
	for (level = 1; level <= 3 && error == 0; level++) {
		span <<= shift;
		error = ind_trunc_walk(fs, ip, ip->iblock + 4 * (11 + level),
		    level, keep > base ? keep - base : 0, span);
		base += span;
	}
	return error;
}
