/* ext2fs_balloc.c: block allocation and freeing through the block bitmaps, with a goal for locality. */
#include <errno.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

static int bit_isset(const uint8_t *bm, uint64_t b)
{
	return (bm[b >> 3] >> (b & 7)) & 1;
}

/* In group g's bitmap, the first free run at or after bit `from` (up to
 * `want` long); 0 and *len = 0 if none. Blocks freed by the open
 * transaction count as used. */
static uint64_t bm_find(struct ext2fs *fs, const uint8_t *bm, uint64_t base,
    uint64_t from, uint64_t nbits, uint64_t want, uint64_t *len)
{
	uint64_t b = from, n;

	*len = 0;
	while (b < nbits) {
		if ((b & 7) == 0 && b + 8 <= nbits && bm[b >> 3] == 0xff) {
			b += 8;
			continue;
		}
		if (bit_isset(bm, b) || (fs->tx_nfreed &&
		    ext2fs_tx_was_freed(fs, base + b))) {
			b++;
			continue;
		}
		for (n = 1; n < want && b + n < nbits && !bit_isset(bm, b + n) &&
		    !(fs->tx_nfreed && ext2fs_tx_was_freed(fs, base + b + n)); n++)
			;
		*len = n;
		return b;
	}
	return 0;
}

/* Allocates up to `want` contiguous blocks in group g from bit `from`. */
static int ext2fs_balloc_group(struct ext2fs *fs, uint32_t g, uint64_t from,
    uint64_t want, uint64_t *pblk, uint64_t *got)
{
	uint64_t base = (uint64_t)g * fs->blocks_per_group +
	    fs->first_data_block, nbits = fs->blocks_per_group, b, len, i;
	struct buf *bp;
	int error;

	if (base + nbits > fs->blocks_count)
		nbits = fs->blocks_count - base;
	error = ext2fs_bitmap_read(fs, g, 0, &bp);
	if (error)
		return error;
	b = bm_find(fs, bp->b_data, base, from, nbits, want, &len);
	if (len == 0 && from > 0)
		b = bm_find(fs, bp->b_data, base, 0, nbits, want, &len);
	if (len == 0) {
		brelse(bp);
		return ENOSPC;
	}
	for (i = 0; i < len; i++)
		bp->b_data[(b + i) >> 3] |= (uint8_t)(1u << ((b + i) & 7));
	ext2fs_gd_set(fs, g, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI,
	    ext2fs_gd_get(fs, g, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI) -
	    (uint32_t)len);
	ext2fs_bitmap_done(fs, g, 0, bp);
	*pblk = base + b;
	*got = len;
	return 0;
}

/* Up to `want` contiguous blocks, as near the goal as the bitmaps allow. */
int ext2fs_balloc(struct ext2fs *fs, uint64_t goal, uint64_t want,
    uint64_t *pblk, uint64_t *got)
{
	uint32_t g0, g, k;
	uint64_t from;
	int error;

	if (fs->ro_compat & RO_COMPAT_BIGALLOC)
		return EOPNOTSUPP;
	if (goal < fs->first_data_block || goal >= fs->blocks_count)
		goal = fs->first_data_block;
	if (want > fs->blocks_per_group)
		want = fs->blocks_per_group;
	g0 = (uint32_t)((goal - fs->first_data_block) / fs->blocks_per_group);
	from = (goal - fs->first_data_block) % fs->blocks_per_group;
	for (k = 0; k < fs->ngroups; k++) {
		g = (g0 + k) % fs->ngroups;
		if (ext2fs_gd_get(fs, g, GD_FREE_BLOCKS_LO,
		    GD_FREE_BLOCKS_HI) == 0)
			continue;
		error = ext2fs_balloc_group(fs, g, k == 0 ? from : 0, want,
		    pblk, got);
		if (error != ENOSPC)
			return error;
	}
	return ENOSPC;
}

/* Frees [blk, blk + n), which may span groups; the cached copies go. */
int ext2fs_bfree(struct ext2fs *fs, uint64_t blk, uint64_t n)
{
	while (n > 0) {
		uint32_t g = (uint32_t)((blk - fs->first_data_block) /
		    fs->blocks_per_group);
		uint64_t b = (blk - fs->first_data_block) % fs->blocks_per_group;
		uint64_t k = fs->blocks_per_group - b, i;
		struct buf *bp;
		int error;

		if (k > n)
			k = n;
		if (blk < fs->first_data_block || blk + k > fs->blocks_count)
			return vfs_corrupt(fs->mp, 0, blk, "freeing blocks: "
			    "expected them inside the file system");
		error = ext2fs_bitmap_read(fs, g, 0, &bp);
		if (error)
			return error;
		for (i = 0; i < k; i++) {
			bp->b_data[(b + i) >> 3] &= (uint8_t)~(1u << ((b + i) & 7));
			bio_invalidate(fs->mp->mnt_bc, (blk + i) << fs->log_bsize);
		}
		ext2fs_gd_set(fs, g, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI,
		    ext2fs_gd_get(fs, g, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI) +
		    (uint32_t)k);
		ext2fs_bitmap_done(fs, g, 0, bp);
		if (fs->jnl != NULL && (error = ext2fs_tx_freed(fs, blk, k)) != 0)
			return error;
		blk += k;
		n -= k;
	}
	return 0;
}

/* Where a file's next block should go: after its last mapped block if
 * known, else the data area of its inode's group. */
uint64_t ext2fs_goal(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	uint32_t g = (uint32_t)((ip->ino - 1) / fs->inodes_per_group);

	if (ip->c_pblk != 0)
		return ip->c_pblk + ip->c_count;
	return (uint64_t)g * fs->blocks_per_group + fs->first_data_block;
}
