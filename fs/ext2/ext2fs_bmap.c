/* ext2fs_bmap.c: logical to physical block mapping through extent trees and indirect block maps. */
#include <errno.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Both mappers answer with a run: the physical start of lblk (0 for a hole
 * or an uninitialized extent, which read as zeros) and how many following
 * logical blocks continue it (contiguously on disk, or as more hole). The
 * reader turns each run into one device read. The last answer is cached in
 * the inode, since reads are mostly sequential.
 */

/* A data block range must lie inside the file system, past block 0. */
static int ext2fs_check_range(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t start, uint64_t len, const char *what)
{
	if (start >= fs->first_data_block && start < fs->blocks_count &&
	    len <= fs->blocks_count - start && start != 0)
		return 0;
	return vfs_corrupt(fs->mp, ip->ino, start, "%s: expected blocks "
	    "%u..%llu, found %llu (+%llu)", what, fs->first_data_block,
	    (unsigned long long)fs->blocks_count - 1,
	    (unsigned long long)start, (unsigned long long)len);
}

/* Extent header checks; depth is the depth the parent promised (or -1). */
static int ext2fs_ext_header(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *h, size_t size, int depth)
{
	unsigned entries = le16dec(h + 2), max = le16dec(h + 4);
	unsigned d = le16dec(h + 6);

	if (le16dec(h) != EXT_MAGIC)
		return vfs_corrupt(fs->mp, ip->ino, blk, "extent header magic: "
		    "expected 0xf30a, found 0x%04x", le16dec(h));
	if (max > (size - EXT_HDR_SIZE) / EXT_ENTRY_SIZE || entries > max)
		return vfs_corrupt(fs->mp, ip->ino, blk, "extent header: "
		    "expected entries <= max <= %zu, found %u/%u",
		    (size - EXT_HDR_SIZE) / EXT_ENTRY_SIZE, entries, max);
	if (d > EXT_MAX_DEPTH || (depth >= 0 && d != (unsigned)depth))
		return vfs_corrupt(fs->mp, ip->ino, blk, "extent tree depth: "
		    "expected %d, found %u", depth >= 0 ? depth : EXT_MAX_DEPTH,
		    d);
	if (d > 0 && entries == 0)
		return vfs_corrupt(fs->mp, ip->ino, blk, "extent index: "
		    "expected entries, found none at depth %u", d);
	if (blk != 0)
		return ext2fs_extent_csum_verify(fs, ip, blk, h, max);
	return 0;
}

/* In an index node, the last entry starting at or before lblk (or the
 * first); *bound narrows to where the next entry starts. */
static int ext2fs_ext_index(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *h, uint64_t lblk, uint64_t *child,
    uint64_t *bound)
{
	unsigned n = le16dec(h + 2), i, pick = 0;
	const uint8_t *e;

	for (i = 1; i < n; i++) {
		uint32_t prev = le32dec(h + EXT_HDR_SIZE + (i - 1) * EXT_ENTRY_SIZE);
		uint32_t cur = le32dec(h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE);
		if (cur <= prev)
			return vfs_corrupt(fs->mp, ip->ino, blk, "extent index "
			    "order: expected above %u, found %u", prev, cur);
		if (cur <= lblk)
			pick = i;
	}
	if (pick + 1 < n) {
		uint64_t next = le32dec(h + EXT_HDR_SIZE +
		    (pick + 1) * EXT_ENTRY_SIZE);
		if (next < *bound)
			*bound = next;
	}
	e = h + EXT_HDR_SIZE + pick * EXT_ENTRY_SIZE;
	*child = le32dec(e + 4) | (uint64_t)le16dec(e + 8) << 32;
	return ext2fs_check_range(fs, ip, *child, 1, "extent index block");
}

/* Decodes leaf extent i: logical start, length, physical start, uninit. */
static void ext2fs_ext_get(const uint8_t *h, unsigned i, uint64_t *lb,
    uint64_t *len, uint64_t *pb, int *uninit)
{
	const uint8_t *e = h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
	unsigned l = le16dec(e + 4);

	*lb = le32dec(e);
	*uninit = l > EXT_INIT_MAX_LEN;
	*len = *uninit ? l - EXT_INIT_MAX_LEN : l;
	*pb = le32dec(e + 8) | (uint64_t)le16dec(e + 6) << 32;
}

/* In a leaf: the extent holding lblk, merged with the extents that follow
 * it contiguously; or the hole up to the next extent or the bound. */
static int ext2fs_ext_leaf(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *h, uint64_t lblk, uint64_t bound,
    uint64_t *pblk, uint64_t *run)
{
	unsigned n = le16dec(h + 2), i;
	uint64_t lb, len, pb, prev_end = 0, hit_end = 0;
	int uninit, hit = -1, hit_uninit = 0;
	int error;

	*pblk = 0;
	*run = bound > lblk ? bound - lblk : 1;
	for (i = 0; i < n; i++) {
		ext2fs_ext_get(h, i, &lb, &len, &pb, &uninit);
		if (len == 0 || lb < prev_end)
			return vfs_corrupt(fs->mp, ip->ino, blk, "extent %u: "
			    "expected a nonempty extent from block %llu on, found "
			    "%llu+%llu", i, (unsigned long long)prev_end,
			    (unsigned long long)lb, (unsigned long long)len);
		error = ext2fs_check_range(fs, ip, pb, len, "extent");
		if (error)
			return error;
		prev_end = lb + len;
		if (hit >= 0) {
			/* extend the run while the next extent continues it */
			if (lb != hit_end || uninit != hit_uninit ||
			    (!uninit && pb != *pblk + (hit_end - lblk)))
				break;
			hit_end = lb + len;
			continue;
		}
		if (lblk < lb) {
			*run = lb - lblk;
			break;
		}
		if (lblk < lb + len) {
			hit = (int)i;
			hit_uninit = uninit;
			hit_end = lb + len;
			*pblk = uninit ? 0 : pb + (lblk - lb);
		}
	}
	if (hit >= 0)
		*run = hit_end - lblk;
	return 0;
}

static int ext2fs_bmap_extent(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t *pblk, uint64_t *run)
{
	const uint8_t *h = ip->iblock;
	uint64_t blk = 0, bound = (uint64_t)1 << 32, child = 0;
	struct buf *bp = NULL;
	int depth = -1, error;

	for (;;) {
		error = ext2fs_ext_header(fs, ip, blk, h,
		    blk ? fs->bsize : I_BLOCK_SIZE, depth);
		if (error)
			goto out;
		depth = le16dec(h + 6);
		if (depth == 0)
			break;
		error = ext2fs_ext_index(fs, ip, blk, h, lblk, &child, &bound);
		if (error)
			goto out;
		if (bp != NULL)
			brelse(bp);
		bp = NULL;
		/* depth strictly decreases, so a looping tree ends here */
		error = ext2fs_bread(fs, ip->ino, child, &bp);
		if (error)
			goto out;
		blk = child;
		h = bp->b_data;
		depth--;
	}
	error = ext2fs_ext_leaf(fs, ip, blk, h, lblk, bound, pblk, run);
out:
	if (bp != NULL)
		brelse(bp);
	return error;
}

/* Within one pointer block: pointer idx, and how many after it continue
 * the same run (consecutive blocks, or zeros for a hole). */
static uint64_t ext2fs_ind_run(const uint8_t *p, unsigned idx, unsigned n,
    uint64_t *first)
{
	uint64_t b = le32dec(p + 4 * idx), k = 1;

	*first = b;
	while (idx + k < n) {
		uint64_t next = le32dec(p + 4 * (idx + k));
		if (b == 0 ? next != 0 : next != b + k)
			break;
		k++;
	}
	return k;
}

/* Walks `levels` pointer blocks from root for offset `off` in its subtree. */
static int ext2fs_ind_walk(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t root, int levels, uint64_t off, uint64_t *pblk, uint64_t *run)
{
	unsigned shift = fs->log_bsize - 2, per = fs->bsize / 4;
	uint64_t blk = root;
	struct buf *bp;
	int error;

	while (levels > 0) {
		unsigned s = shift * (unsigned)(levels - 1);
		uint64_t span = (uint64_t)1 << s, next;
		if (blk == 0) {
			*pblk = 0;
			*run = (span << shift) - off;
			return 0;
		}
		error = ext2fs_check_range(fs, ip, blk, 1, "indirect block");
		if (error)
			return error;
		error = ext2fs_bread(fs, ip->ino, blk, &bp);
		if (error)
			return error;
		if (levels == 1)
			*run = ext2fs_ind_run(bp->b_data, (unsigned)off, per, &next);
		else
			next = le32dec(bp->b_data + 4 * (off >> s));
		brelse(bp);
		if (levels == 1) {
			*pblk = next;
			return next ? ext2fs_check_range(fs, ip, next, *run,
			    "data block") : 0;
		}
		off &= span - 1;
		blk = next;
		levels--;
	}
	return 0;
}

static int ext2fs_bmap_ind(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t *pblk, uint64_t *run)
{
	unsigned shift = fs->log_bsize - 2;
	uint64_t span = 1;
	int level;

	if (lblk < 12) {
		*run = ext2fs_ind_run(ip->iblock, (unsigned)lblk, 12, pblk);
		return *pblk ? ext2fs_check_range(fs, ip, *pblk, *run,
		    "data block") : 0;
	}
	lblk -= 12;
	for (level = 1; level <= 3; level++) {
		span <<= shift;
		if (lblk < span)
			return ext2fs_ind_walk(fs, ip,
			    le32dec(ip->iblock + 4 * (11 + level)), level, lblk,
			    pblk, run);
		lblk -= span;
	}
	/* only reachable through an i_size the block map cannot address */
	return vfs_corrupt(fs->mp, ip->ino, 0, "block map: expected a block "
	    "below the triple indirect limit, found i_size %llu",
	    (unsigned long long)ip->size);
}

int ext2fs_bmap(struct ext2fs *fs, struct ext2fs_inode *ip, uint64_t lblk,
    uint64_t *pblk, uint64_t *run)
{
	int error;

	if (lblk >= ip->c_lblk && lblk - ip->c_lblk < ip->c_count) {
		uint64_t d = lblk - ip->c_lblk;
		*pblk = ip->c_pblk ? ip->c_pblk + d : 0;
		*run = ip->c_count - d;
		return 0;
	}
	if (ip->flags & IFL_EXTENTS)
		error = ext2fs_bmap_extent(fs, ip, lblk, pblk, run);
	else
		error = ext2fs_bmap_ind(fs, ip, lblk, pblk, run);
	if (error)
		return error;
	if (*run == 0)
		*run = 1;
	ip->c_lblk = lblk;
	ip->c_pblk = *pblk;
	ip->c_count = *run;
	return 0;
}
