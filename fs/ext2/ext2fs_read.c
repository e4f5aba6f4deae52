/* ext2fs_read.c: reading file data: one direct device read per contiguous run, zeros for holes. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"

/* Largest single device read, so one call never asks for gigabytes. */
#define EXT2_MAX_IO (64u << 20)

/* The one block at pblk that the journal holds a newer copy of. */
static int ext2fs_read_journalled(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t pblk, size_t boff, uint8_t *dst, size_t n)
{
	struct buf *bp;
	int error;

	error = ext2fs_bread(fs, ip->ino, pblk, &bp);
	if (error)
		return error;
	memcpy(dst, bp->b_data + boff, n);
	brelse(bp);
	return 0;
}

/*
 * Copies n bytes starting boff bytes into the run at pblk (not a hole).
 * File data bypasses the buffer cache: the whole run is one read straight
 * into the caller's buffer, except blocks the journal replay overrides.
 */
static int ext2fs_read_run(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t pblk, size_t boff, uint8_t *dst, size_t n)
{
	while (n > 0) {
		uint64_t first = pblk + (boff >> fs->log_bsize);
		uint64_t nblk = ((boff & (fs->bsize - 1)) + n + fs->bsize - 1) >>
		    fs->log_bsize;
		uint64_t j = fs->njmap ? ext2fs_jmap_next(fs, first, nblk) :
		    UINT64_MAX;
		size_t chunk = n;
		int error;

		if (j == first) {
			size_t o = boff & (fs->bsize - 1);
			chunk = fs->bsize - o < n ? fs->bsize - o : n;
			error = ext2fs_read_journalled(fs, ip, first, o, dst,
			    chunk);
		} else {
			if (j != UINT64_MAX)
				chunk = (size_t)(((j - pblk) << fs->log_bsize) - boff);
			error = bio_read_data(fs->mp->mnt_bc,
			    (pblk << fs->log_bsize) + boff, dst, chunk);
		}
		if (error)
			return error;
		dst += chunk;
		boff += chunk;
		n -= chunk;
	}
	return 0;
}

/* Regular (block-mapped) contents of ip; shared with slow symlinks. */
int ext2fs_read_inode_data(struct ext2fs *fs, struct ext2fs_inode *ip,
    void *buf, size_t len, uint64_t off, size_t *done)
{
	uint8_t *dst = buf;
	size_t total = 0;
	int error = 0;

	if (off >= ip->size)
		len = 0;
	else if (len > ip->size - off)
		len = (size_t)(ip->size - off);
	while (total < len) {
		uint64_t lblk = off >> fs->log_bsize, pblk, run;
		size_t boff = (size_t)(off & (fs->bsize - 1)), n;

		error = ext2fs_bmap(fs, ip, lblk, &pblk, &run);
		if (error)
			break;
		if (run > (EXT2_MAX_IO >> fs->log_bsize))
			run = EXT2_MAX_IO >> fs->log_bsize;
		n = (size_t)(run << fs->log_bsize) - boff;
		if (n > len - total)
			n = len - total;
		if (pblk == 0)
			memset(dst, 0, n);
		else {
			error = ext2fs_read_run(fs, ip, pblk, boff, dst, n);
			if (error)
				break;
		}
		dst += n;
		off += n;
		total += n;
	}
	*done = total;
	return total > 0 ? 0 : error;
}

/* vop_read: takes and gives no references; no buffers stay held. */
int ext2fs_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;

	*done = 0;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG && vp->v_type != VLNK)
		return EINVAL;
	if (ip->flags & IFL_INLINE_DATA)
		return ext2fs_inline_read(fs, ip, buf, len, off, done);
	return ext2fs_read_inode_data(fs, ip, buf, len, off, done);
}
