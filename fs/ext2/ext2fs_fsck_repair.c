/* ext2fs_fsck_repair.c: fsck's writes: descriptors, superblock, ".." entries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Every write goes through the buffer cache: bread, change, recompute the
 * checksum of what changed, bdwrite; ext2fs_fsck() syncs at the end. Only
 * the primary superblock and descriptors are written (e2fsck reads those).
 */

/* The primary descriptor table from fs->gdt. */
int fsck_write_gdt(struct ext2fs_fsck *fk)
{
	struct ext2fs *fs = fk->fs;
	uint32_t per = fs->bsize / fs->desc_size;
	uint32_t nb = (fs->ngroups + per - 1) / per, i;
	size_t total = (size_t)fs->ngroups * fs->desc_size;
	struct buf *bp;
	int error;

	for (i = 0; i < nb; i++) {
		size_t off = (size_t)i * fs->bsize;
		size_t n = total - off < fs->bsize ? total - off : fs->bsize;
		error = bread(fk->mp->mnt_bc, fsck_desc_block(fs, i) <<
		    fs->log_bsize, fs->bsize, &bp);
		if (error)
			return error;
		memcpy(bp->b_data, fs->gdt + off, n);
		bdwrite(bp);
	}
	fk->gdt_dirty = 0;
	return 0;
}

/* The primary superblock from fs->sb, with its checksum. */
int fsck_write_sb(struct ext2fs_fsck *fk)
{
	struct ext2fs *fs = fk->fs;
	uint64_t blk = EXT2_SB_OFFSET >> fs->log_bsize;
	size_t off = EXT2_SB_OFFSET & (fs->bsize - 1);
	struct buf *bp;
	int error;

	ext2fs_csum_set_sb(fs, fs->sb);
	error = bread(fk->mp->mnt_bc, blk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	memcpy(bp->b_data + off, fs->sb, EXT2_SB_SIZE);
	bdwrite(bp);
	fk->sb_dirty = 0;
	return 0;
}

static int first_block(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	if (lblk == 0)
		*(uint64_t *)w->arg = pblk;
	return 1;
}

/* Rewrites the ".." entry of dir to name `to`. */
int fsck_set_dotdot(struct ext2fs_fsck *fk, uint32_t dir, uint32_t to)
{
	struct ext2fs *fs = fk->fs;
	uint8_t raw[1024];
	struct fsck_walk w = { .fk = fk, .ino = dir, .raw = raw };
	uint64_t pblk = 0;
	struct buf *bp;
	size_t rl;
	int error;

	if (fs->inode_size > sizeof(raw))
		return ENOSPC;
	error = fsck_inode_read(fk, dir, raw);
	if (error)
		return error;
	if (le32dec(raw + I_FLAGS) & IFL_INLINE_DATA) {
		le32enc(raw + I_BLOCK, to);
		return fsck_inode_write(fk, dir, raw);
	}
	w.data = first_block;
	w.arg = &pblk;
	if (fsck_walk_blocks(&w) != 0 || pblk == 0)
		return fsck_unfixed(fk), 0;
	error = bread(fk->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	rl = le16dec(bp->b_data + 4);
	if (rl < DIRENT_MIN_SIZE || rl + DIRENT_MIN_SIZE > fs->bsize ||
	    bp->b_data[rl + 6] != 2 || memcmp(bp->b_data + rl + 8, "..", 2)) {
		brelse(bp);
		fsck_unfixed(fk);
		return 0;
	}
	le32enc(bp->b_data + rl, to);
	if ((le32dec(raw + I_FLAGS) & IFL_INDEX) &&
	    (fs->compat & COMPAT_DIR_INDEX))
		ext2fs_csum_set_dx(fs, dir, le32dec(raw + I_GENERATION),
		    bp->b_data, 32);
	else
		ext2fs_csum_set_dirleaf(fs, dir, le32dec(raw + I_GENERATION),
		    bp->b_data);
	bdwrite(bp);
	return 0;
}
