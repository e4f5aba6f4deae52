/* ext2fs_xattr_block.c: writing an inode's xattr block: in place, copied when shared, allocated, or released when empty. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Invariant: a block whose h_refcount is above 1 is shared by that many
 * inodes (mke2fs -d and the kernel's mbcache share identical blocks) and is
 * never changed except for its count: an inode that changes its attributes
 * gets a block of its own and gives up one reference to the shared one.
 * The block is part of the open transaction like any other metadata.
 */
#define XB_REFCOUNT 4
#define XB_BLOCKS   8
#define XB_HASH     12

/* The whole block: header, entries, values, hash and checksum. */
static void xb_fill(struct ext2fs *fs, uint64_t blk, uint8_t *d,
    uint32_t refs, const struct ext2fs_xlist *l)
{
	memset(d, 0, XATTR_HDR_SIZE);
	le32enc(d, XATTR_MAGIC);
	le32enc(d + XB_REFCOUNT, refs);
	le32enc(d + XB_BLOCKS, 1);
	ext2fs_xl_encode(l, d + XATTR_HDR_SIZE, d + fs->bsize, d);
	le32enc(d + XB_HASH, ext2fs_xl_block_hash(d + XATTR_HDR_SIZE,
	    d + fs->bsize));
	ext2fs_csum_set_xattr(fs, blk, d);
}

/* A new block of the inode's own, near it. */
static int xb_new(struct ext2fs *fs, struct ext2fs_inode *ip,
    const struct ext2fs_xlist *l, uint64_t *blkp)
{
	uint64_t blk, got;
	struct buf *bp;
	int error;

	error = ext2fs_balloc(fs, ext2fs_goal(fs, ip), 1, &blk, &got);
	if (error)
		return error;
	error = bget(fs->mp->mnt_bc, blk << fs->log_bsize, fs->bsize, &bp);
	if (error) {
		ext2fs_bfree(fs, blk, 1);
		return error;
	}
	xb_fill(fs, blk, bp->b_data, 1, l);
	ext2fs_bdirty(fs, bp);
	*blkp = blk;
	return 0;
}

/*
 * Makes the inode's block hold exactly l (sorted by the caller): rewritten
 * in place when the inode is its only user, a new block when there is none
 * or it is shared, no block when l is empty. Changes ip->file_acl and
 * ip->blocks512; the caller writes the inode.
 */
int ext2fs_xattr_block_store(struct ext2fs *fs, struct ext2fs_inode *ip,
    const struct ext2fs_xlist *l)
{
	uint32_t refs = 0;
	struct buf *bp;
	uint64_t blk;
	int error;

	if (ext2fs_xl_space(l) > fs->bsize - XATTR_HDR_SIZE)
		return ENOSPC;
	if (ip->file_acl != 0) {
		if ((error = ext2fs_bread(fs, ip->ino, ip->file_acl, &bp)) != 0)
			return error;
		refs = le32dec(bp->b_data + XB_REFCOUNT);
		if (refs == 0) {
			brelse(bp);
			return vfs_corrupt(fs->mp, ip->ino, ip->file_acl, "xattr "
			    "block reference count: expected at least 1, found 0");
		}
		if (refs == 1 && l->n > 0) {
			xb_fill(fs, ip->file_acl, bp->b_data, 1, l);
			ext2fs_bdirty(fs, bp);
			return 0;
		}
		brelse(bp);
	}
	if (l->n == 0)
		return ip->file_acl ? ext2fs_xattr_block_put(fs, ip) : 0;
	if ((error = xb_new(fs, ip, l, &blk)) != 0)
		return error;
	/* a shared (or, on a damaged image, unowned) block loses one user */
	if (ip->file_acl != 0 && (error = ext2fs_xattr_block_put(fs, ip)) != 0)
		return error;
	ip->file_acl = blk;
	ip->blocks512 += fs->bsize >> 9;
	return 0;
}
