/* ext2fs_fsck_lost.c: fsck's /lost+found: created when missing, grown when full, names put in it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * e2fsck creates /lost+found when it is missing and adds a block when it
 * is full; so does this checker, with -y (and -p). Blocks and inodes come
 * from fsck's own maps of what is in use (the on-disk bitmaps may be the
 * damage being repaired), never from a lazy (uninit) group. The on-disk
 * bitmap bit, the group's and the superblock's free counts are taken too,
 * so that pass 5 finds exactly the damage that was there before.
 */

struct fsck_lost {
	struct ext2fs_fsck *fk;
	uint32_t ino, gen;      /* the name's inode; the directory's generation */
	const char *name;
	size_t namelen;
	int done;
};

/* Takes bit `idx` of group g's block (inode: 0) or inode (1) bitmap. */
static int fsck_take_bit(struct ext2fs_fsck *fk, uint32_t g, int inode,
    uint64_t idx, int isdir)
{
	struct ext2fs *fs = fk->fs;
	uint8_t *gd = fs->gdt + (size_t)g * fs->desc_size;
	uint64_t bm = inode ? fsck_gd_blk(fs, gd, GD_INODE_BITMAP_LO,
	    GD_INODE_BITMAP_HI) : fsck_gd_blk(fs, gd, GD_BLOCK_BITMAP_LO,
	    GD_BLOCK_BITMAP_HI);
	unsigned lo = inode ? GD_FREE_INODES_LO : GD_FREE_BLOCKS_LO;
	unsigned hi = inode ? GD_FREE_INODES_HI : GD_FREE_BLOCKS_HI;
	uint32_t n;
	struct buf *bp;
	int error;

	if (!fsck_blk_ok(fk, bm, 1))
		return ENOSPC;
	error = bread(fk->mp->mnt_bc, bm << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	if (!fsck_test(bp->b_data, idx)) {
		fsck_set(bp->b_data, idx);
		n = fsck_gd_count(fs, gd, lo, hi);
		if (n > 0)
			fsck_gd_set_count(fs, gd, lo, hi, n - 1);
		if (inode) {
			ext2fs_csum_set_inode_bitmap(fs, gd, bp->b_data);
			n = le32dec(fs->sb + SB_FREE_INODES);
			if (n > 0)
				le32enc(fs->sb + SB_FREE_INODES, n - 1);
		} else {
			uint64_t f = le32dec(fs->sb + SB_FREE_BLOCKS_LO);
			if (fs->incompat & INCOMPAT_64BIT)
				f |= (uint64_t)le32dec(fs->sb + SB_FREE_BLOCKS_HI) << 32;
			if (f > 0)
				f--;
			le32enc(fs->sb + SB_FREE_BLOCKS_LO, (uint32_t)f);
			if (fs->incompat & INCOMPAT_64BIT)
				le32enc(fs->sb + SB_FREE_BLOCKS_HI,
				    (uint32_t)(f >> 32));
			ext2fs_csum_set_block_bitmap(fs, gd, bp->b_data);
		}
		bdwrite(bp);
		fk->sb_dirty = 1;
	} else
		brelse(bp);
	if (isdir)
		fsck_gd_set_count(fs, gd, GD_USED_DIRS_LO, GD_USED_DIRS_HI,
		    fsck_gd_count(fs, gd, GD_USED_DIRS_LO, GD_USED_DIRS_HI) + 1);
	fk->gdt_dirty = 1;
	return 0;
}

/* A free block, from `goal` on (then from the start); marked in use. */
int fsck_claim_block(struct ext2fs_fsck *fk, uint64_t goal,
    uint64_t *blk)
{
	const struct ext2fs *fs = fk->fs;
	uint64_t b, start = goal >= fs->first_data_block && goal < fk->nblocks ?
	    goal : fs->first_data_block, n;

	for (n = 0; n < fk->nblocks - fs->first_data_block; n++) {
		uint32_t g;
		b = start + n;
		if (b >= fk->nblocks)
			b -= fk->nblocks - fs->first_data_block;
		if (fsck_test(fk->bused, b) || fsck_test(fk->bmeta, b))
			continue;
		g = (uint32_t)((b - fs->first_data_block) / fs->blocks_per_group);
		if (fsck_uninit_ok(fs) && (le16dec(ext2fs_gd(fs, g) + GD_FLAGS) &
		    GD_FLAG_BLOCK_UNINIT))
			continue;
		fsck_set(fk->bused, b);
		*blk = b;
		return fsck_take_bit(fk, g, 0, (b - fs->first_data_block) %
		    fs->blocks_per_group, 0);
	}
	return ENOSPC;
}

/* A free inode in an initialized part of an inode table; a directory. */
static int fsck_claim_dir_inode(struct ext2fs_fsck *fk, uint32_t *ino)
{
	const struct ext2fs *fs = fk->fs;
	uint32_t i;

	for (i = fs->first_ino; i <= fk->ninodes; i++) {
		uint32_t g = (i - 1) / fs->inodes_per_group;
		uint32_t idx = (i - 1) % fs->inodes_per_group;
		const uint8_t *gd = ext2fs_gd(fs, g);
		if (IS_TYPE(fk->istate[i]) != IS_FREE)
			continue;
		if (fsck_uninit_ok(fs) && ((le16dec(gd + GD_FLAGS) &
		    GD_FLAG_INODE_UNINIT) || idx >= fs->inodes_per_group -
		    fsck_gd_count(fs, gd, GD_ITABLE_UNUSED_LO,
		    GD_ITABLE_UNUSED_HI))) {
			i = (g + 1) * fs->inodes_per_group;     /* next group */
			continue;
		}
		fk->istate[i] = IS_DIR | IS_MKFT(2);
		*ino = i;
		return fsck_take_bit(fk, g, 1, idx, 1);
	}
	return ENOSPC;
}

/* An empty block of directory dir (generation gen): "." and ".." if
 * dot != 0, the checksum tail. */
int fsck_write_dirblock(struct ext2fs_fsck *fk, uint32_t dir,
    uint32_t gen, uint64_t blk, uint32_t dot, uint32_t dotdot)
{
	struct ext2fs *fs = fk->fs;
	size_t len = fs->bsize - (ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0);
	uint8_t ft = (fs->incompat & INCOMPAT_FILETYPE) ? 2 : 0;
	struct buf *bp;
	uint8_t *d;
	int error;

	error = bread(fk->mp->mnt_bc, blk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	d = bp->b_data;
	memset(d, 0, fs->bsize);
	if (dot) {
		le32enc(d, dot);
		le16enc(d + 4, 12);
		d[6] = 1, d[7] = ft, d[8] = '.';
		le32enc(d + 12, dotdot);
		le16enc(d + 16, (uint16_t)(len - 12));
		d[18] = 2, d[19] = ft, d[20] = '.', d[21] = '.';
	} else
		le16enc(d + 4, (uint16_t)len);
	if (len < fs->bsize) {
		le16enc(d + len + 4, DIRENT_TAIL_SIZE);
		d[len + 7] = DIRENT_TAIL_FT;
		ext2fs_csum_set_dirleaf(fs, dir, gen, d);
	}
	bdwrite(bp);
	return 0;
}

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

/* Adds name -> ino to linear directory dir where a block has room.
 * ENOSPC: no room (or an index/inline directory, left alone). */
static int fsck_dir_insert(struct ext2fs_fsck *fk, uint32_t dir,
    uint32_t ino, const char *name, uint8_t *raw)
{
	struct fsck_lost l = { .fk = fk, .ino = ino, .name = name,
	    .namelen = strlen(name) };
	struct fsck_walk w = { .fk = fk, .ino = dir, .raw = raw };
	int error;

	error = fsck_inode_read(fk, dir, raw);
	if (error)
		return error;
	if (le32dec(raw + I_FLAGS) & (IFL_INDEX | IFL_INLINE_DATA))
		return ENOSPC;
	l.gen = le32dec(raw + I_GENERATION);
	w.data = fsck_lost_run;
	w.arg = &l;
	error = fsck_walk_blocks(&w);
	if (error && error != EUCLEAN)
		return error;
	return l.done ? 0 : ENOSPC;
}

/* Where logical block n of a tree that fits in i_block should go (the
 * block after the last one mapped), 0 if anywhere. */
static uint64_t fsck_map_goal(const uint8_t *raw)
{
	const uint8_t *h = raw + I_BLOCK, *e;
	unsigned cnt = le16dec(h + 2);

	if (!(le32dec(raw + I_FLAGS) & IFL_EXTENTS) || cnt == 0)
		return 0;
	e = h + EXT_HDR_SIZE + (cnt - 1) * EXT_ENTRY_SIZE;
	return (le32dec(e + 8) | (uint64_t)le16dec(e + 6) << 32) +
	    le16dec(e + 4);
}

/* Maps blk at logical block n of an inode whose tree fits in i_block:
 * the last extent grows when blk follows it, else one is added. */
static int fsck_map_append(uint8_t *raw, uint64_t n, uint64_t blk)
{
	uint8_t *h = raw + I_BLOCK, *e;
	unsigned cnt, len;

	if (!(le32dec(raw + I_FLAGS) & IFL_EXTENTS)) {
		if (n >= 12 || blk > UINT32_MAX)
			return ENOSPC;
		le32enc(h + 4 * n, (uint32_t)blk);
		return 0;
	}
	cnt = le16dec(h + 2);
	if (le16dec(h) != EXT_MAGIC || le16dec(h + 6) != 0 || n > UINT32_MAX ||
	    cnt > le16dec(h + 4))
		return ENOSPC;
	e = h + EXT_HDR_SIZE + (cnt - 1) * EXT_ENTRY_SIZE;
	len = cnt ? le16dec(e + 4) : 0;
	if (cnt > 0 && len < EXT_INIT_MAX_LEN && le32dec(e) + len == n &&
	    fsck_map_goal(raw) == blk) {
		le16enc(e + 4, (uint16_t)(len + 1));
		return 0;
	}
	if (cnt == le16dec(h + 4))
		return ENOSPC;
	e = h + EXT_HDR_SIZE + cnt * EXT_ENTRY_SIZE;
	le32enc(e, (uint32_t)n);
	le16enc(e + 4, 1);
	le16enc(e + 6, (uint16_t)(blk >> 32));
	le32enc(e + 8, (uint32_t)blk);
	le16enc(h + 2, (uint16_t)(cnt + 1));
	return 0;
}

/* One more (empty) block at the end of directory dir. */
static int fsck_dir_grow(struct ext2fs_fsck *fk, uint32_t dir, uint8_t *raw)
{
	struct ext2fs *fs = fk->fs;
	uint64_t size, blk;
	int error;

	error = fsck_inode_read(fk, dir, raw);
	if (error)
		return error;
	size = fsck_isize(fs, raw);
	if (size % fs->bsize || (le32dec(raw + I_FLAGS) & (IFL_INDEX |
	    IFL_INLINE_DATA)))
		return ENOSPC;
	error = fsck_claim_block(fk, fsck_map_goal(raw), &blk);
	if (error == 0)
		error = fsck_map_append(raw, size / fs->bsize, blk);
	if (error)
		return error;
	error = fsck_write_dirblock(fk, dir, le32dec(raw + I_GENERATION), blk,
	    0, 0);
	if (error)
		return error;
	size += fs->bsize;
	le32enc(raw + I_SIZE_LO, (uint32_t)size);
	le32enc(raw + I_SIZE_HIGH, (uint32_t)(size >> 32));
	le32enc(raw + I_BLOCKS_LO, le32dec(raw + I_BLOCKS_LO) +
	    (fs->bsize >> 9));
	return fsck_inode_write(fk, dir, raw);
}

/* The new directory inode ino, its one block blk. */
static int fsck_new_dir_inode(struct ext2fs_fsck *fk, uint32_t ino,
    uint64_t blk, uint8_t *raw)
{
	struct ext2fs *fs = fk->fs;
	uint8_t *h = raw + I_BLOCK;
	int error;

	memset(raw, 0, fs->inode_size);
	le16enc(raw + I_MODE, 040700);
	le16enc(raw + I_LINKS_COUNT, 2);
	le32enc(raw + I_SIZE_LO, fs->bsize);
	le32enc(raw + I_BLOCKS_LO, fs->bsize >> 9);
	le32enc(raw + I_ATIME, fk->now);
	le32enc(raw + I_CTIME, fk->now);
	le32enc(raw + I_MTIME, fk->now);
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		le16enc(raw + I_EXTRA_ISIZE, fs->inode_size >= 160 ? 32 :
		    (uint16_t)(fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE));
	if (fs->incompat & INCOMPAT_EXTENTS) {
		le32enc(raw + I_FLAGS, IFL_EXTENTS);
		le16enc(h, EXT_MAGIC);
		le16enc(h + 4, (I_BLOCK_SIZE - EXT_HDR_SIZE) / EXT_ENTRY_SIZE);
	}
	error = fsck_map_append(raw, 0, blk);
	return error ? error : fsck_inode_write(fk, ino, raw);
}

/* Creates /lost+found; fsck's maps learn of it as pass 2 would have. The
 * name goes in first: without room for it nothing is written but the
 * bitmap bits, which pass 5 gives back. */
static int fsck_make_lost_found(struct ext2fs_fsck *fk, uint8_t *raw)
{
	uint8_t *root = raw + fk->fs->inode_size;
	uint64_t blk = 0;
	uint32_t ino = 0;
	int error;

	error = fsck_claim_dir_inode(fk, &ino);
	if (error == 0)
		error = fsck_claim_block(fk, 0, &blk);
	if (error == 0)
		error = fsck_dir_insert(fk, EXT2_ROOT_INO, ino, "lost+found",
		    root);
	if (error == ENOSPC && blk != 0 &&
	    fsck_dir_grow(fk, EXT2_ROOT_INO, root) == 0)
		error = fsck_dir_insert(fk, EXT2_ROOT_INO, ino, "lost+found",
		    root);
	if (error) {
		if (ino != 0)
			fk->istate[ino] = IS_FREE;
		if (blk != 0)
			fsck_clr(fk->bused, blk);
		return error;
	}
	error = fsck_write_dirblock(fk, ino, 0, blk, ino, EXT2_ROOT_INO);
	if (error == 0)
		error = fsck_new_dir_inode(fk, ino, blk, raw);
	if (error == 0)
		error = fsck_inode_read(fk, EXT2_ROOT_INO, root);
	if (error)
		return error;
	/* its ".." is one more link to the root */
	le16enc(root + I_LINKS_COUNT, le16dec(root + I_LINKS_COUNT) + 1);
	fk->links[EXT2_ROOT_INO] = le16dec(root + I_LINKS_COUNT);
	fk->links[ino] = 2;
	fk->refs[ino] = 2;      /* "." and its name in the root */
	fk->parent[ino] = fk->dotdot[ino] = EXT2_ROOT_INO;
	fk->ndirs++;
	fk->lost_found = ino;
	return fsck_inode_write(fk, EXT2_ROOT_INO, root);
}

/* Pass 3 begins here: a missing /lost+found is created (advisory with
 * -n, as e2fsck -n does not count it as an error). */
int fsck_lost_found(struct ext2fs_fsck *fk)
{
	uint8_t raw[2048];
	int error;

	if (fk->lost_found != 0 || IS_TYPE(fk->istate[EXT2_ROOT_INO]) != IS_DIR ||
	    fk->fs->inode_size > sizeof(raw) / 2)
		return 0;
	if (fsck_dir_find(fk, EXT2_ROOT_INO, 0, "lost+found", NULL, 0,
	    NULL) == 0) {
		fsck_note(fk, "/lost+found is not a directory: left as it is");
		return 0;
	}
	if (!fsck_say(fk, FIX_SUMMARY, "/lost+found not found: creating it"))
		return 0;
	error = fsck_make_lost_found(fk, raw);
	if (error == ENOSPC) {
		fsck_unfixed(fk);
		fsck_note(fk, "no room to create /lost+found");
		return 0;
	}
	return error;
}

/* Names inode ino "#ino" in /lost+found, growing it by a block if it is
 * full. ENOENT: no /lost+found; ENOSPC: no room. */
int fsck_link_lost(struct ext2fs_fsck *fk, uint32_t ino, int isdir)
{
	uint32_t lf = fk->lost_found;
	uint8_t raw[1024];
	char name[16];
	int error;

	if (lf == 0 || fk->fs->inode_size > sizeof(raw)) {
		fsck_note(fk, "no /lost+found: inode %u left where it is", ino);
		return ENOENT;
	}
	snprintf(name, sizeof(name), "#%u", ino);
	error = fsck_dir_insert(fk, lf, ino, name, raw);
	if (error == ENOSPC && fsck_dir_grow(fk, lf, raw) == 0)
		error = fsck_dir_insert(fk, lf, ino, name, raw);
	if (error == ENOSPC)
		fsck_note(fk, "/lost+found is full (or indexed): inode %u left "
		    "where it is", ino);
	if (error)
		return error;
	fk->refs[ino]++;
	(void)isdir;
	return 0;
}
