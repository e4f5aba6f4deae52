/* ext2fs_truncate.c: mapping blocks for writes, changing a file's size, freeing an inode and everything it owns. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

/* The block for lblk, made if missing (see ext2fs_ext_map_alloc). */
int ext2fs_map_alloc(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t *pblk, uint64_t *got, int *fresh)
{
	uint64_t run, goal;
	int error;

	if (lblk >= fs->max_file_blocks)
		return EFBIG;
	if (ip->flags & IFL_EXTENTS)
		return ext2fs_ext_map_alloc(fs, ip, lblk, n, pblk, got, fresh);
	error = ext2fs_bmap(fs, ip, lblk, pblk, &run);
	if (error)
		return error;
	*fresh = 0;
	if (*pblk != 0) {
		*got = run < n ? run : n;
		return 0;
	}
	goal = ext2fs_goal(fs, ip);
	if (lblk > 0 && ext2fs_bmap(fs, ip, lblk - 1, &goal, &run) == 0 &&
	    goal != 0)
		goal++;
	error = ext2fs_balloc(fs, goal, 1, pblk, got);
	if (error)
		return error;
	ip->blocks512 += fs->bsize >> 9;
	*fresh = 1;
	return ext2fs_ind_set(fs, ip, lblk, *pblk);
}

/* Zeroes the tail of the last partial block so a later extension reads
 * zeros there, as POSIX wants. */
static int ext2fs_zero_tail(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t size)
{
	size_t boff = (size_t)(size & (fs->bsize - 1));
	uint64_t pblk, run;
	uint8_t zeros[512];
	int error;

	if (boff == 0)
		return 0;
	error = ext2fs_bmap(fs, ip, size >> fs->log_bsize, &pblk, &run);
	if (error || pblk == 0)
		return error;
	memset(zeros, 0, sizeof(zeros));
	bio_invalidate(fs->mp->mnt_bc, pblk << fs->log_bsize);
	while (boff < fs->bsize) {
		size_t k = fs->bsize - boff < sizeof(zeros) ? fs->bsize - boff :
		    sizeof(zeros);
		error = blkdev_write(fs->mp->mnt_dev, (pblk << fs->log_bsize) +
		    boff, zeros, k);
		if (error)
			return error;
		boff += k;
	}
	return 0;
}

/* New size; blocks past it are freed (holes stay holes when growing). */
int ext2fs_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t size)
{
	uint64_t keep = (size + fs->bsize - 1) >> fs->log_bsize;
	int error = 0;

	if (size > (fs->max_file_blocks << fs->log_bsize))
		return EFBIG;
	if (ip->flags & IFL_INLINE_DATA)
		error = ext2fs_inline_truncate(fs, ip, size);
	else if (size < ip->size) {
		error = ext2fs_zero_tail(fs, ip, size);
		if (error == 0 && (ip->flags & IFL_EXTENTS))
			error = ext2fs_ext_truncate(fs, ip, keep);
		else if (error == 0)
			error = ext2fs_ind_truncate(fs, ip, keep);
	}
	if (error)
		return error;
	ip->size = size;
	if (size > 0xFFFFFFFFull && !(fs->ro_compat & RO_COMPAT_LARGE_FILE)) {
		fs->ro_compat |= RO_COMPAT_LARGE_FILE;
		le32enc(fs->sb + SB_FEATURE_RO_COMPAT, fs->ro_compat);
		ext2fs_sb_dirty(fs);
	}
	ext2fs_itouch(fs, ip, ITOUCH_M | ITOUCH_C);
	return ext2fs_iupdate(fs, ip);
}

/* Drops the inode's reference to its xattr block (freed at zero). */
int ext2fs_xattr_block_put(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	uint64_t blk = ip->file_acl;
	uint32_t refs;
	struct buf *bp;
	int error;

	error = ext2fs_bread(fs, ip->ino, blk, &bp);
	if (error)
		return error;
	refs = le32dec(bp->b_data + 4);
	if (refs > 1) {
		le32enc(bp->b_data + 4, refs - 1);
		ext2fs_csum_set_xattr(fs, blk, bp->b_data);
		ext2fs_bdirty(fs, bp);
	} else
		brelse(bp);
	if (refs <= 1)
		error = ext2fs_bfree(fs, blk, 1);
	ip->blocks512 -= fs->bsize >> 9;
	ip->file_acl = 0;
	return error;
}

/* The last link went: blocks, xattr block and inode are freed. */
int ext2fs_ifree_all(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	struct timespec now;
	int error = 0, fast;

	fast = S_ISLNK(ip->mode) && ip->blocks512 ==
	    (ip->file_acl ? fs->bsize >> 9 : 0);
	if (!(ip->flags & IFL_INLINE_DATA) && !fast &&
	    !S_ISCHR(ip->mode) && !S_ISBLK(ip->mode) && !S_ISFIFO(ip->mode) &&
	    !S_ISSOCK(ip->mode)) {
		if (ip->flags & IFL_EXTENTS)
			error = ext2fs_ext_truncate(fs, ip, 0);
		else
			error = ext2fs_ind_truncate(fs, ip, 0);
	}
	if (error == 0 && ip->file_acl != 0)
		error = ext2fs_xattr_block_put(fs, ip);
	if (error)
		return error;
	ip->links = 0;
	ip->size = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	le32enc(ip->raw + 0x14, (uint32_t)now.tv_sec);   /* i_dtime */
	ext2fs_itouch(fs, ip, ITOUCH_C | ITOUCH_M);
	error = ext2fs_iupdate(fs, ip);
	if (error == 0)
		error = ext2fs_ifree(fs, ip->ino, S_ISDIR(ip->mode));
	return error;
}
