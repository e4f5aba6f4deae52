/* ext2fs_fsck_repair.c: fsck's writes: descriptors, superblock, ".." entries, names in /lost+found. */
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
 * /lost+found only receives names where its blocks have room: creating it
 * or growing it would need the allocator.
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

struct fsck_lost {
	struct ext2fs_fsck *fk;
	uint32_t ino, gen;
	char name[16];
	size_t namelen;
	int done;
};

/* Puts the name into the first entry of the block with room for it. */
static int fsck_lost_try(struct fsck_lost *l, uint8_t *data)
{
	const struct ext2fs *fs = l->fk->fs;
	size_t len = fs->bsize - (ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0);
	size_t off = 0, need = DIRENT_LEN(l->namelen);
	unsigned ft = (fs->incompat & INCOMPAT_FILETYPE) ?
	    IS_FT(l->fk->istate[l->ino]) : 0;

	while (off + DIRENT_MIN_SIZE <= len) {
		uint8_t *d = data + off;
		size_t rl = le16dec(d + 4);
		size_t used = le32dec(d) ? DIRENT_LEN(d[6]) : 0;
		if (rl < DIRENT_MIN_SIZE || rl % 4 || rl > len - off)
			return 0;
		if (rl - used >= need) {
			if (used) {
				le16enc(d + 4, (uint16_t)used);
				d += used;
				le16enc(d + 4, (uint16_t)(rl - used));
			}
			le32enc(d, l->ino);
			d[6] = (uint8_t)l->namelen;
			d[7] = (uint8_t)ft;
			memcpy(d + 8, l->name, l->namelen);
			return 1;
		}
		off += rl;
	}
	return 0;
}

static int fsck_lost_run(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	struct fsck_lost *l = w->arg;
	const struct ext2fs *fs = l->fk->fs;
	uint64_t i;
	struct buf *bp;

	for (i = 0; i < len && !l->done; i++) {
		if (bread(l->fk->mp->mnt_bc, (pblk + i) << fs->log_bsize,
		    fs->bsize, &bp) != 0)
			return 1;
		l->done = fsck_lost_try(l, bp->b_data);
		if (l->done) {
			ext2fs_csum_set_dirleaf(l->fk->fs, w->ino, l->gen,
			    bp->b_data);
			bdwrite(bp);
		} else
			brelse(bp);
	}
	return l->done;
}

/* Names inode ino "#ino" in /lost+found. ENOENT: none; ENOSPC: full. */
int fsck_link_lost(struct ext2fs_fsck *fk, uint32_t ino, int isdir)
{
	uint32_t lf = fk->lost_found;
	uint8_t raw[1024];
	struct fsck_lost l = { .fk = fk, .ino = ino };
	struct fsck_walk w = { .fk = fk, .ino = lf, .raw = raw };
	int error;

	if (lf == 0 || fk->fs->inode_size > sizeof(raw)) {
		fsck_note(fk, "no /lost+found: inode %u left where it is", ino);
		return ENOENT;
	}
	error = fsck_inode_read(fk, lf, raw);
	if (error)
		return error;
	if (le32dec(raw + I_FLAGS) & (IFL_INDEX | IFL_INLINE_DATA)) {
		fsck_note(fk, "/lost+found is indexed or inline: inode %u left "
		    "where it is", ino);
		return ENOSPC;
	}
	l.gen = le32dec(raw + I_GENERATION);
	l.namelen = (size_t)snprintf(l.name, sizeof(l.name), "#%u", ino);
	w.data = fsck_lost_run;
	w.arg = &l;
	error = fsck_walk_blocks(&w);
	if (error && error != EUCLEAN)
		return error;
	if (!l.done) {
		fsck_note(fk, "/lost+found is full: inode %u left where it is",
		    ino);
		return ENOSPC;
	}
	fk->refs[ino]++;
	(void)isdir;
	return 0;
}
