/* ext2fs_fsck_inodes.c: fsck pass 1 (every inode, its blocks claimed once) and the orphan list. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * An inode is in use when its link count is not zero (reserved inodes
 * always are). Each one in use is checked in two walks: the first only
 * validates its block tree, so that an inode found broken has claimed
 * nothing; the second claims every block in the map of blocks in use.
 * A data block claimed twice is noted for pass 1B, which clones it; a
 * tree block claimed twice ends the inode's claims (bounding the work a
 * hostile image can cause) and is only reported.
 */

#define I_DTIME          0x14
#define SB_LAST_ORPHAN   0xE8
#define GD_FLAGS_INODE_UNINIT 0x1
#define GD_ITABLE_UNUSED_LO 0x1C
#define GD_ITABLE_UNUSED_HI 0x32

uint64_t fsck_isize(const struct ext2fs *fs, const uint8_t *raw)
{
	(void)fs;
	return le32dec(raw + I_SIZE_LO) |
	    (uint64_t)le32dec(raw + I_SIZE_HIGH) << 32;
}

/* Byte offset of inode ino on the device. */
static uint64_t fsck_inode_off(struct ext2fs_fsck *fk, uint64_t ino)
{
	const struct ext2fs *fs = fk->fs;
	uint32_t g = (uint32_t)((ino - 1) / fs->inodes_per_group);
	uint64_t idx = (ino - 1) % fs->inodes_per_group;
	uint64_t itab = fsck_gd_blk(fs, ext2fs_gd(fs, g), GD_INODE_TABLE_LO,
	    GD_INODE_TABLE_HI);

	return (itab << fs->log_bsize) + idx * fs->inode_size;
}

int fsck_inode_read(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw)
{
	uint64_t off, bs = fk->fs->bsize;
	struct buf *bp;
	int error;

	if (ino < 1 || ino > fk->ninodes)
		return EINVAL;
	off = fsck_inode_off(fk, ino);
	error = bread(fk->mp->mnt_bc, off & ~(bs - 1), bs, &bp);
	if (error)
		return error;
	memcpy(raw, bp->b_data + (off & (bs - 1)), fk->fs->inode_size);
	brelse(bp);
	return 0;
}

/* Writes raw back with its checksum recomputed. */
int fsck_inode_write(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw)
{
	uint64_t off, bs = fk->fs->bsize;
	struct buf *bp;
	int error;

	if (ino < 1 || ino > fk->ninodes)
		return EINVAL;
	ext2fs_csum_set_inode(fk->fs, ino, raw);
	off = fsck_inode_off(fk, ino);
	error = bread(fk->mp->mnt_bc, off & ~(bs - 1), bs, &bp);
	if (error)
		return error;
	memcpy(bp->b_data + (off & (bs - 1)), raw, fk->fs->inode_size);
	bdwrite(bp);
	return 0;
}

/* The s_last_orphan chain: inodes deleted or truncated while open. */
int fsck_orphans(struct ext2fs_fsck *fk)
{
	struct ext2fs *fs = fk->fs;
	uint32_t ino = le32dec(fs->sb + SB_LAST_ORPHAN);
	uint8_t *raw = fk->blockbuf;
	int fixall = 1, error;

	while (ino != 0) {
		if (ino < fs->first_ino || ino > fk->ninodes ||
		    (fk->istate[ino] & IS_ORPHAN)) {
			fixall = fsck_say(fk, FIX_SAFE, "superblock: orphan list "
			    "reaches inode %u: invalid or a loop", ino);
			break;
		}
		fk->istate[ino] |= IS_ORPHAN;
		error = fsck_inode_read(fk, ino, raw);
		if (error)
			return error;
		uint32_t next = le32dec(raw + I_DTIME);
		uint16_t links = le16dec(raw + I_LINKS_COUNT);
		if (fsck_say(fk, FIX_SAFE, "inode %u: on the orphan list (%s)",
		    ino, links ? "truncated while open" : "deleted while open")) {
			le32enc(raw + I_DTIME, links ? 0 : fk->now);
			error = fsck_inode_write(fk, ino, raw);
			if (error)
				return error;
		} else
			fixall = 0;
		ino = next;
	}
	if (fixall && le32dec(fs->sb + SB_LAST_ORPHAN) != 0 &&
	    (fk->repair || fk->preen)) {
		le32enc(fs->sb + SB_LAST_ORPHAN, 0);
		fk->sb_dirty = 1;
	}
	return 0;
}

/* Claims for the second walk. A data block claimed before is counted
 * and the walk goes on (its other blocks are still this inode's); a tree
 * block claimed before is not entered, and the walk stops. */
static int claim_one(struct fsck_walk *w, uint64_t b, int tree)
{
	if (fsck_test(w->fk->bused, b)) {
		fsck_dup_note(w->fk, b);
		if (w->shared++ == 0) {
			w->first_shared = b;
			w->shared_meta = fsck_test(w->fk->bmeta, b);
		}
		return tree;
	}
	fsck_set(w->fk->bused, b);
	return 0;
}

static int claim_data(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		claim_one(w, pblk + i, 0);
	return 0;
}

static int claim_meta(struct fsck_walk *w, uint64_t pblk)
{
	return claim_one(w, pblk, 1);
}

/* Mode and flag checks for the kinds of inode without a block tree. */
static const char *fsck_no_tree(struct ext2fs_fsck *fk, const uint8_t *raw,
    int *walk)
{
	uint16_t mode = le16dec(raw + I_MODE);
	uint32_t flags = le32dec(raw + I_FLAGS);
	uint64_t size = fsck_isize(fk->fs, raw);
	int i;

	*walk = 0;
	if (flags & IFL_INLINE_DATA)
		return (fk->fs->incompat & INCOMPAT_INLINE_DATA) ? NULL :
		    "inline data flag without the feature";
	if (S_ISREG(mode) || S_ISDIR(mode) || (S_ISLNK(mode) &&
	    (size >= I_BLOCK_SIZE || (flags & IFL_EXTENTS) ||
	    le32dec(raw + I_BLOCKS_LO) != 0))) {
		*walk = 1;
		return NULL;
	}
	if (S_ISLNK(mode))
		return size == 0 || strnlen((const char *)raw + I_BLOCK,
		    I_BLOCK_SIZE) != size ? "fast symlink size does not match "
		    "its target" : NULL;
	if (!S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
	    !S_ISSOCK(mode))
		return "bad mode (no file type)";
	if (flags & (IFL_INDEX | IFL_EXTENTS))
		return "device or fifo with index or extent flags";
	for (i = 4; i < I_NBLOCKS; i++)
		if (le32dec(raw + I_BLOCK + 4 * i) != 0)
			return "device or fifo with block pointers";
	return NULL;
}

/* The extended attribute block: a real one, counted once if shared. */
static const char *fsck_xattr_block(struct ext2fs_fsck *fk, uint64_t ino,
    uint64_t blk, int claim, int *dirty)
{
	struct buf *bp;
	const char *bad = NULL;

	if (!fsck_blk_ok(fk, blk, 1))
		return "extended attribute block out of range";
	if (bread(fk->mp->mnt_bc, blk << fk->fs->log_bsize, fk->fs->bsize,
	    &bp) != 0)
		return "extended attribute block unreadable";
	if (le32dec(bp->b_data) != XATTR_MAGIC || le32dec(bp->b_data + 8) != 1)
		bad = "extended attribute block has a bad header";
	else if (claim && ext2fs_xattr_csum_verify(fk->fs, ino, blk,
	    bp->b_data) != 0 && fsck_say(fk, FIX_SAFE, "inode %llu: extended "
	    "attribute block %llu checksum wrong", (unsigned long long)ino,
	    (unsigned long long)blk)) {
		ext2fs_csum_set_xattr(fk->fs, blk, bp->b_data);
		bdwrite(bp);
		bp = NULL;
	}
	if (bp != NULL)
		brelse(bp);
	if (bad == NULL && claim && !fsck_test(fk->bused, blk))
		fsck_set(fk->bused, blk);
	(void)dirty;
	return bad;
}

/* i_blocks as stored, in 512-byte units. */
static uint64_t fsck_iblocks(const struct ext2fs *fs, const uint8_t *raw)
{
	uint64_t b = le32dec(raw + I_BLOCKS_LO);

	if (fs->ro_compat & RO_COMPAT_HUGE_FILE) {
		b |= (uint64_t)le16dec(raw + I_BLOCKS_HIGH) << 32;
		if (le32dec(raw + I_FLAGS) & IFL_HUGE_FILE)
			b <<= fs->log_bsize - 9;
	}
	return b;
}

static void fsck_set_iblocks(const struct ext2fs *fs, uint8_t *raw,
    uint64_t b)
{
	le32enc(raw + I_BLOCKS_LO, (uint32_t)b);
	if (fs->ro_compat & RO_COMPAT_HUGE_FILE)
		le16enc(raw + I_BLOCKS_HIGH, (uint16_t)(b >> 32));
	le32enc(raw + I_FLAGS, le32dec(raw + I_FLAGS) & ~IFL_HUGE_FILE);
}

/* i_blocks += n blocks of the file system. */
void fsck_add_iblocks(const struct ext2fs *fs, uint8_t *raw, uint64_t n)
{
	fsck_set_iblocks(fs, raw, fsck_iblocks(fs, raw) +
	    (n << (fs->log_bsize - 9)));
}

/* A slow symlink: one block, holding exactly i_size bytes of target. */
static const char *fsck_symlink_block(struct ext2fs_fsck *fk,
    const struct fsck_walk *w, uint64_t size, uint64_t pblk)
{
	struct buf *bp;
	const char *bad = NULL;

	if (w->end != 1 || size >= fk->fs->bsize || pblk == 0)
		return "symlink with a bad block count or size";
	if (bread(fk->mp->mnt_bc, pblk << fk->fs->log_bsize, fk->fs->bsize,
	    &bp) != 0)
		return "symlink block unreadable";
	if (strnlen((const char *)bp->b_data, fk->fs->bsize) != size)
		bad = "symlink size does not match its target";
	brelse(bp);
	return bad;
}

static int first_data(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	if (lblk == 0)
		*(uint64_t *)w->arg = pblk;
	return 0;
}

/*
 * The system.data value of an inline_data inode (the part of its data past
 * i_block), found through the in-inode attribute walk, which bounds every
 * entry. ENODATA when it has none, EUCLEAN when the area is unreadable.
 */
int fsck_inline_value(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw,
    uint8_t **val, size_t *len)
{
	struct ext2fs_inode tmp = { .ino = ino, .raw = raw };
	const uint8_t *v;
	int error;

	*val = NULL;
	*len = 0;
	if (fk->fs->inode_size <= EXT2_GOOD_OLD_INODE_SIZE)
		return ENODATA;
	tmp.extra_isize = le16dec(raw + I_EXTRA_ISIZE);
	if ((size_t)EXT2_GOOD_OLD_INODE_SIZE + tmp.extra_isize + 4 >
	    fk->fs->inode_size)
		return EUCLEAN;
	error = ext2fs_xattr_ibody_find(fk->fs, &tmp, XATTR_INDEX_SYSTEM,
	    "data", 4, &v, len);
	if (error == 0)
		*val = raw + (v - raw);     /* inside raw: writable */
	return error == ENODATA || error == 0 ? error : EUCLEAN;
}

/* An inline_data inode's size: a directory exactly i_block plus its
 * system.data value, a file no more than that (e2fsck's rule). */
static void fsck_check_inline_size(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw)
{
	uint64_t size = fsck_isize(fk->fs, raw), room;
	uint8_t *val;
	size_t len;

	if (fsck_inline_value(fk, ino, raw, &val, &len) == EUCLEAN) {
		fsck_say(fk, FIX_NONE, "inode %llu: inline data attribute "
		    "area unreadable", (unsigned long long)ino);
		return;
	}
	room = I_BLOCK_SIZE + len;
	if (S_ISDIR(le16dec(raw + I_MODE)) ? size != room : size > room)
		fsck_say(fk, FIX_NONE, "inode %llu: inline i_size %llu, the "
		    "inode holds %llu bytes", (unsigned long long)ino,
		    (unsigned long long)size, (unsigned long long)room);
}

/* i_size against the blocks mapped: a directory exactly, a file at
 * least up to its last initialized block (e2fsck's rule). */
static void fsck_check_size(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw, const struct fsck_walk *w, int *dirty)
{
	uint64_t size = fsck_isize(fk->fs, raw), want;
	uint16_t mode = le16dec(raw + I_MODE);
	int bad;

	if (le32dec(raw + I_FLAGS) & IFL_INLINE_DATA) {
		fsck_check_inline_size(fk, ino, raw);
		return;
	}
	want = w->end << fk->fs->log_bsize;
	if (S_ISDIR(mode))
		bad = size != want;
	else if (S_ISREG(mode))
		bad = w->init_end > 0 &&
		    size < ((w->init_end - 1) << fk->fs->log_bsize);
	else
		return;
	if (bad && fsck_say(fk, FIX_SAFE, "inode %llu: i_size %llu, expected "
	    "%llu", (unsigned long long)ino, (unsigned long long)size,
	    (unsigned long long)want)) {
		le32enc(raw + I_SIZE_LO, (uint32_t)want);
		le32enc(raw + I_SIZE_HIGH, (uint32_t)(want >> 32));
		*dirty = 1;
	}
}

/* Blocks: validate, then claim; i_size, i_blocks, the xattr block.
 * EUCLEAN (with why) when the inode cannot be trusted. */
static int fsck_inode_blocks(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw, int walk, int *dirty, char *why, size_t whysize)
{
	struct fsck_walk w = { .fk = fk, .ino = ino, .raw = raw };
	uint64_t acl = le32dec(raw + I_FILE_ACL_LO), pblk0 = 0, want;
	const char *bad = NULL;
	int error, clone;

	if (fk->fs->incompat & INCOMPAT_64BIT)
		acl |= (uint64_t)le16dec(raw + I_FILE_ACL_HIGH) << 32;
	if (acl)
		bad = fsck_xattr_block(fk, ino, acl, 0, dirty);
	w.data = first_data;
	w.arg = &pblk0;
	error = bad == NULL && walk ? fsck_walk_blocks(&w) : 0;
	if (error == EUCLEAN)
		bad = w.why;
	else if (error)
		return error;
	if (bad == NULL && walk && S_ISLNK(le16dec(raw + I_MODE)))
		bad = fsck_symlink_block(fk, &w, fsck_isize(fk->fs, raw), pblk0);
	if (bad != NULL) {
		snprintf(why, whysize, "%s", bad);
		return EUCLEAN;
	}
	if (acl)
		fsck_xattr_block(fk, ino, acl, 1, dirty);
	w.data = claim_data;
	w.meta = claim_meta;
	w.fix_csum = fk->repair || fk->preen;
	if (walk && (error = fsck_walk_blocks(&w)) != 0)
		return error == EUCLEAN ? 0 : error;
	if (w.stop)
		fk->dup_unsafe = 1;
	/* cloned by pass 1B: a reserved inode's blocks are left alone */
	clone = !w.stop && ino >= fk->fs->first_ino;
	if (w.shared && fsck_say(fk, clone ? FIX_ASK : FIX_NONE, "inode %llu: "
	    "%llu block%s also used by another inode or the file system (the "
	    "first: block %llu, %s)%s", (unsigned long long)ino,
	    (unsigned long long)w.shared, w.shared == 1 ? "" : "s",
	    (unsigned long long)w.first_shared, w.shared_meta ? "metadata" :
	    "another inode's", clone ? ": cloning" : ""))
		fsck_dup_sharer(fk, (uint32_t)ino);
	if (w.stop)
		return 0;       /* a shared tree: its sizes are not known */
	if (w.csum_bad)
		fsck_say(fk, FIX_SAFE, "inode %llu: %d extent block%s with a bad "
		    "checksum", (unsigned long long)ino, w.csum_bad,
		    w.csum_bad == 1 ? "" : "s");
	fsck_check_size(fk, ino, raw, &w, dirty);
	want = (w.nblocks + (acl ? 1 : 0)) << (fk->fs->log_bsize - 9);
	if (want != fsck_iblocks(fk->fs, raw) && fsck_say(fk, FIX_SAFE,
	    "inode %llu: i_blocks %llu, expected %llu", (unsigned long long)ino,
	    (unsigned long long)fsck_iblocks(fk->fs, raw),
	    (unsigned long long)want)) {
		fsck_set_iblocks(fk->fs, raw, want);
		*dirty = 1;
	}
	return 0;
}

/* An inode with links 0: only a forgotten deletion time to fix. */
static void fsck_unused_inode(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw, int *dirty)
{
	if (le16dec(raw + I_MODE) != 0 && le32dec(raw + I_DTIME) == 0 &&
	    fsck_say(fk, FIX_SAFE, "inode %llu: deleted inode has zero dtime",
	    (unsigned long long)ino)) {
		le32enc(raw + I_DTIME, fk->now);
		*dirty = 1;
	}
}

/* Fields checked before the blocks: extra size, dtime, checksum. */
static const char *fsck_inode_fields(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw, int *dirty, int *walk)
{
	const struct ext2fs *fs = fk->fs;
	const char *bad;

	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE &&
	    (le16dec(raw + I_EXTRA_ISIZE) & 3 ||
	    EXT2_GOOD_OLD_INODE_SIZE + (uint32_t)le16dec(raw + I_EXTRA_ISIZE) >
	    fs->inode_size))
		return "bad i_extra_isize";
	if ((bad = fsck_no_tree(fk, raw, walk)) != NULL)
		return bad;
	if (le32dec(raw + I_DTIME) != 0 && ino >= fs->first_ino &&
	    fsck_say(fk, FIX_SAFE, "inode %llu: in use but has dtime set",
	    (unsigned long long)ino)) {
		le32enc(raw + I_DTIME, 0);
		*dirty = 1;
	}
	return NULL;
}

/* Clears an inode that cannot be trusted (with -y), else keeps it as BAD. */
static void fsck_bad_inode(struct ext2fs_fsck *fk, uint64_t ino,
    uint8_t *raw, const char *why, int *dirty)
{
	if (ino < fk->fs->first_ino) {
		fsck_say(fk, FIX_NONE, "reserved inode %llu: %s",
		    (unsigned long long)ino, why);
		fk->istate[ino] = IS_BAD;
		return;
	}
	if (fsck_say(fk, FIX_ASK, "inode %llu: %s: clearing",
	    (unsigned long long)ino, why)) {
		le16enc(raw + I_LINKS_COUNT, 0);
		le32enc(raw + I_DTIME, fk->now);
		*dirty = 1;
		fk->istate[ino] = IS_FREE;
		fk->links[ino] = 0;
	} else
		fk->istate[ino] = IS_BAD;
}

/* The directory entry file type for a mode (0 if none fits). */
static unsigned fsck_mode_ft(uint16_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 1;
	case S_IFDIR: return 2;
	case S_IFCHR: return 3;
	case S_IFBLK: return 4;
	case S_IFIFO: return 5;
	case S_IFSOCK: return 6;
	case S_IFLNK: return 7;
	}
	return 0;
}

/* One inode, in place in its inode table block. */
static int fsck_inode(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw,
    int *dirty)
{
	uint16_t mode = le16dec(raw + I_MODE), links;
	char why[200];
	const char *bad;
	int walk = 0, csum_bad, error;

	links = le16dec(raw + I_LINKS_COUNT);
	if (ino >= fk->fs->first_ino && links == 0) {
		fsck_unused_inode(fk, ino, raw, dirty);
		return 0;
	}
	if (ino < fk->fs->first_ino && ino != EXT2_ROOT_INO && mode == 0)
		return 0;
	if (ino == EXT2_ROOT_INO && (!S_ISDIR(mode) || links == 0)) {
		fsck_say(fk, FIX_NONE, "root inode 2: not a directory in use "
		    "(mode 0%o, links %u)", mode, links);
		fk->istate[ino] = IS_BAD;
		return 0;
	}
	csum_bad = ext2fs_inode_csum_verify(fk->fs, ino, raw) != 0;
	fk->links[ino] = links;
	fk->istate[ino] = (S_ISDIR(mode) ? IS_DIR : IS_FILE) |
	    IS_MKFT(fsck_mode_ft(mode)) | (fk->istate[ino] & IS_ORPHAN);
	bad = fsck_inode_fields(fk, ino, raw, dirty, &walk);
	if (bad == NULL) {
		error = fsck_inode_blocks(fk, ino, raw, walk, dirty, why,
		    sizeof(why));
		if (error != 0 && error != EUCLEAN)
			return error;
		bad = error ? why : NULL;
	}
	if (bad != NULL) {
		fsck_bad_inode(fk, ino, raw, bad, dirty);
		return 0;
	}
	if (csum_bad && !*dirty && fsck_say(fk, FIX_SAFE, "inode %llu: "
	    "checksum does not match", (unsigned long long)ino))
		*dirty = 1;
	return 0;
}

/* Inodes of group g that may be in use (lazy groups stop early). */
static uint32_t fsck_group_inodes(const struct ext2fs *fs, uint32_t g)
{
	const uint8_t *gd = ext2fs_gd(fs, g);
	uint32_t unused;

	if (!fsck_uninit_ok(fs))
		return fs->inodes_per_group;
	if (le16dec(gd + GD_FLAGS) & GD_FLAGS_INODE_UNINIT)
		return 0;
	unused = fsck_gd_count(fs, gd, GD_ITABLE_UNUSED_LO,
	    GD_ITABLE_UNUSED_HI);
	return unused > fs->inodes_per_group ? 0 :
	    fs->inodes_per_group - unused;
}

/* Pass 1: every inode table block of every group, in order. */
int fsck_pass1(struct ext2fs_fsck *fk)
{
	const struct ext2fs *fs = fk->fs;
	uint32_t per = fs->bsize / fs->inode_size, g, n, i;
	int error = 0;

	for (g = 0; g < fs->ngroups && error == 0; g++) {
		uint64_t itab = fsck_gd_blk(fs, ext2fs_gd(fs, g),
		    GD_INODE_TABLE_LO, GD_INODE_TABLE_HI);
		n = fsck_group_inodes(fs, g);
		for (i = 0; i < n && error == 0; i += per) {
			struct buf *bp;
			uint32_t k;
			int dirty = 0;
			error = bread(fk->mp->mnt_bc, (itab + i / per) <<
			    fs->log_bsize, fs->bsize, &bp);
			if (error)
				break;
			for (k = 0; error == 0 && k < per && i + k < n; k++) {
				uint64_t ino = (uint64_t)g * fs->inodes_per_group +
				    i + k + 1;
				uint8_t *raw = bp->b_data + k * fs->inode_size;
				int d = 0;
				error = fsck_inode(fk, ino, raw, &d);
				if (d)
					ext2fs_csum_set_inode(fk->fs, ino, raw);
				dirty |= d;
			}
			if (dirty)
				bdwrite(bp);
			else
				brelse(bp);
		}
	}
	return error;
}
