/* ext2fs_write.c: writing file data: blocks mapped or allocated per run, data written in place before the metadata commits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

/* Largest write handled per call (the caller loops): bounds a transaction. */
#define EXT2_MAX_WRITE (16u << 20)

static int ew_zero(struct ext2fs *fs, uint64_t off, uint64_t n)
{
	static const uint8_t zeros[4096];
	int error = 0;

	while (n > 0 && error == 0) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		error = blkdev_write(fs->mp->mnt_dev, off, zeros, k);
		off += k;
		n -= k;
	}
	return error;
}

/* Writes len bytes at off into ip's blocks (allocating); i_size grows. */
int ext2fs_write_data(struct ext2fs *fs, struct ext2fs_inode *ip,
    const void *buf, size_t len, uint64_t off)
{
	const uint8_t *src = buf;
	uint64_t end = off + len;
	int error = 0;

	if (end < off || end > (fs->max_file_blocks << fs->log_bsize))
		return EFBIG;
	while (off < end) {
		uint64_t lblk = off >> fs->log_bsize, pblk, got, start, n;
		uint64_t boff = off & (fs->bsize - 1);
		uint64_t nblk = (boff + (end - off) + fs->bsize - 1) >> fs->log_bsize;
		int fresh;

		error = ext2fs_map_alloc(fs, ip, lblk, nblk, &pblk, &got, &fresh);
		if (error)
			break;
		start = pblk << fs->log_bsize;
		n = (got << fs->log_bsize) - boff;
		if (n > end - off)
			n = end - off;
		if (fresh && boff)
			error = ew_zero(fs, start, boff);
		if (error == 0 && fresh && ((boff + n) & (fs->bsize - 1)))
			error = ew_zero(fs, start + boff + n, fs->bsize -
			    ((boff + n) & (fs->bsize - 1)));
		if (error == 0)
			error = blkdev_write(fs->mp->mnt_dev, start + boff, src,
			    (size_t)n);
		if (error)
			break;
		src += n;
		off += n;
	}
	if (off > ip->size)
		ip->size = off;
	ip->c_count = 0;
	return error;
}

/* vop_write: takes and gives no references; *done = bytes written. */
int ext2fs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;
	uint64_t before = ip->size;
	int error, e2;

	*done = 0;
	if (fs->failed)
		return fs->failed;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (len > EXT2_MAX_WRITE)
		len = EXT2_MAX_WRITE;
	if (len == 0)
		return 0;
	if (ip->flags & IFL_INLINE_DATA)
		error = ext2fs_inline_write(fs, ip, buf, len, off);
	else
		error = ext2fs_write_data(fs, ip, buf, len, off);
	if (error == ENOSPC && fs->tx_nfreed > 0 &&
	    !(ip->flags & IFL_INLINE_DATA)) {
		/* Blocks freed in the open (grouped) transaction become free
		 * only when it commits: end it here, after this write's part
		 * so far, and write again (ext4 too forces a commit and
		 * retries the allocation). */
		error = ext2fs_iupdate(fs, ip);
		if (error == 0)
			error = ext2fs_commit_now(fs);
		if (error == 0)
			error = ext2fs_write_data(fs, ip, buf, len, off);
	}
	if (ip->size > before && ip->size > 0xFFFFFFFFull &&
	    !(fs->ro_compat & RO_COMPAT_LARGE_FILE)) {
		fs->ro_compat |= RO_COMPAT_LARGE_FILE;
		le32enc(fs->sb + SB_FEATURE_RO_COMPAT, fs->ro_compat);
		ext2fs_sb_dirty(fs);
	}
	ext2fs_itouch(fs, ip, ITOUCH_M | ITOUCH_C);
	e2 = ext2fs_iupdate(fs, ip);
	if (error == 0)
		error = e2;
	e2 = ext2fs_commit(fs);
	if (error == 0)
		error = e2;
	if (error == 0 || (error == ENOSPC && ip->size > off))
		*done = error ? (size_t)(ip->size - off) : len;
	return *done ? 0 : error;
}
