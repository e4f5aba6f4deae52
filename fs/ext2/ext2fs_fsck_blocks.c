/* ext2fs_fsck_blocks.c: fsck's walk over an inode's extent tree or block map, and the layout of group metadata. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * The walker validates every node before it follows it and stops at the
 * first structural problem, leaving its description in w->why (EUCLEAN).
 * Recursion is bounded: extent depth strictly decreases from at most
 * EXT_MAX_DEPTH, block maps have three levels. A callback that returns 1
 * (e.g. a tree block already claimed by another inode) stops the walk
 * without an error; the callback has said why.
 */

#define COMPAT_RESIZE_INODE 0x0010

static int walk_bad(struct fsck_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int walk_bad(struct fsck_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
	}
	return EUCLEAN;
}

int fsck_blk_ok(const struct ext2fs_fsck *fk, uint64_t blk, uint64_t len)
{
	return blk != 0 && blk >= fk->fs->first_data_block &&
	    blk < fk->nblocks && len <= fk->nblocks - blk;
}

/* A data run found: bounds, bookkeeping, then the caller's callback. */
static int walk_data(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	int r;

	if (!fsck_blk_ok(w->fk, pblk, len))
		return walk_bad(w, "logical block %llu maps to blocks %llu+%llu, "
		    "outside the file system", (unsigned long long)lblk,
		    (unsigned long long)pblk, (unsigned long long)len);
	w->nblocks += len;
	if (lblk + len > w->end)
		w->end = lblk + len;
	if (!uninit && lblk + len > w->init_end)
		w->init_end = lblk + len;
	r = w->data ? w->data(w, lblk, pblk, len, uninit) : 0;
	if (r == 1)
		w->stop = 1;
	return r == 1 ? 0 : r;
}

/* A tree block found: bounds, then the callback (1: do not enter it). */
static int walk_meta(struct fsck_walk *w, uint64_t pblk, const char *what)
{
	int r;

	if (!fsck_blk_ok(w->fk, pblk, 1))
		return walk_bad(w, "%s %llu outside the file system", what,
		    (unsigned long long)pblk);
	w->nblocks++;
	r = w->meta ? w->meta(w, pblk) : 0;
	if (r == 1)
		w->stop = 1;
	return r == 1 ? 0 : r;
}

static int walk_ext_node(struct fsck_walk *w, const uint8_t *h, size_t size,
    uint64_t blk, int depth, uint64_t lmin, uint64_t lmax);

/* Extent header: magic, eh_max for the node size, entries, depth. */
static int walk_ext_header(struct fsck_walk *w, const uint8_t *h,
    size_t size, uint64_t blk, int depth)
{
	unsigned n = le16dec(h + 2), max = le16dec(h + 4), d = le16dec(h + 6);
	unsigned room = (unsigned)((size - EXT_HDR_SIZE) / EXT_ENTRY_SIZE);

	if (le16dec(h) != EXT_MAGIC)
		return walk_bad(w, "extent block %llu: bad magic 0x%04x",
		    (unsigned long long)blk, le16dec(h));
	if (max > room || max + 2 < room || n > max)
		return walk_bad(w, "extent block %llu: entries %u, max %u, "
		    "expected max %u", (unsigned long long)blk, n, max, room);
	if (d > EXT_MAX_DEPTH || (depth >= 0 && d != (unsigned)depth))
		return walk_bad(w, "extent block %llu: depth %u, expected %d",
		    (unsigned long long)blk, d, depth >= 0 ? depth : EXT_MAX_DEPTH);
	if (d > 0 && n == 0)
		return walk_bad(w, "extent block %llu: an index without entries",
		    (unsigned long long)blk);
	return 0;
}

/* One child of an index node: claim it, check it, walk it. */
static int walk_ext_child(struct fsck_walk *w, uint64_t child, int depth,
    uint64_t lmin, uint64_t lmax)
{
	struct ext2fs_fsck *fk = w->fk;
	struct ext2fs_inode owner;
	struct buf *bp;
	int error, bad;

	owner.ino = w->ino;
	owner.csum_seed = ext2fs_inode_seed(fk->fs, w->ino,
	    le32dec(w->raw + I_GENERATION));
	error = walk_meta(w, child, "extent index block");
	if (error || w->stop)
		return error;
	error = bread(fk->mp->mnt_bc, child << fk->fs->log_bsize, fk->fs->bsize,
	    &bp);
	if (error)
		return error;
	error = walk_ext_header(w, bp->b_data, fk->fs->bsize, child, depth);
	bad = error == 0 && ext2fs_extent_csum_verify(fk->fs, &owner, child,
	    bp->b_data, le16dec(bp->b_data + 4)) != 0;
	if (error == 0)
		error = walk_ext_node(w, bp->b_data, fk->fs->bsize, child, depth,
		    lmin, lmax);
	if (bad)
		w->csum_bad++;
	if (bad && error == 0 && w->fix_csum) {
		ext2fs_csum_set_extent(fk->fs, w->ino,
		    le32dec(w->raw + I_GENERATION), bp->b_data);
		bdwrite(bp);
	} else
		brelse(bp);
	return error;
}

/* Entries of a node whose header passed: ordered, inside [lmin, lmax). */
static int walk_ext_node(struct fsck_walk *w, const uint8_t *h, size_t size,
    uint64_t blk, int depth, uint64_t lmin, uint64_t lmax)
{
	unsigned n = le16dec(h + 2), d = le16dec(h + 6), i;
	uint64_t prev = lmin;
	int error;

	for (i = 0; i < n && !w->stop; i++) {
		const uint8_t *e = h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
		uint64_t lb = le32dec(e), next = lmax, len, pb;
		unsigned l = le16dec(e + 4);
		if (lb < prev || lb >= lmax)
			return walk_bad(w, "extent block %llu: entry %u starts at "
			    "logical block %llu, expected %llu..%llu",
			    (unsigned long long)blk, i, (unsigned long long)lb,
			    (unsigned long long)prev, (unsigned long long)lmax - 1);
		if (d > 0) {
			if (i + 1 < n)
				next = le32dec(e + EXT_ENTRY_SIZE);
			pb = le32dec(e + 4) | (uint64_t)le16dec(e + 8) << 32;
			error = walk_ext_child(w, pb, (int)d - 1, lb, next);
			prev = lb + 1;
		} else {
			len = l > EXT_INIT_MAX_LEN ? l - EXT_INIT_MAX_LEN : l;
			pb = le32dec(e + 8) | (uint64_t)le16dec(e + 6) << 32;
			if (len == 0 || lb + len > lmax)
				return walk_bad(w, "extent block %llu: extent %u "
				    "(%llu+%llu) empty or past %llu",
				    (unsigned long long)blk, i,
				    (unsigned long long)lb, (unsigned long long)len,
				    (unsigned long long)lmax);
			error = walk_data(w, lb, pb, len, l > EXT_INIT_MAX_LEN);
			prev = lb + len;
		}
		if (error)
			return error;
	}
	(void)size;
	return 0;
}

/* One pointer block of a block map, `level` levels above the data. */
static int walk_ind(struct fsck_walk *w, uint64_t blk, int level,
    uint64_t base)
{
	struct ext2fs_fsck *fk = w->fk;
	unsigned per = fk->fs->bsize / 4, shift = fk->fs->log_bsize - 2, i;
	uint64_t span = (uint64_t)1 << (shift * (unsigned)(level - 1));
	struct buf *bp;
	int error;

	error = walk_meta(w, blk, "indirect block");
	if (error || w->stop)
		return error;
	error = bread(fk->mp->mnt_bc, blk << fk->fs->log_bsize, fk->fs->bsize,
	    &bp);
	if (error)
		return error;
	for (i = 0; i < per && error == 0 && !w->stop; i++) {
		uint64_t v = le32dec(bp->b_data + 4 * i);
		if (v == 0)
			continue;
		if (level == 1)
			error = walk_data(w, base + i, v, 1, 0);
		else
			error = walk_ind(w, v, level - 1, base + i * span);
	}
	brelse(bp);
	return error;
}

static int walk_blockmap(struct fsck_walk *w)
{
	const uint8_t *ib = w->raw + I_BLOCK;
	unsigned shift = w->fk->fs->log_bsize - 2;
	uint64_t base = 12, span = 1;
	int i, error = 0;

	for (i = 0; i < 12 && error == 0 && !w->stop; i++)
		if (le32dec(ib + 4 * i) != 0)
			error = walk_data(w, (uint64_t)i, le32dec(ib + 4 * i), 1, 0);
	for (i = 1; i <= 3 && error == 0 && !w->stop; i++) {
		uint64_t v = le32dec(ib + 4 * (11 + i));
		if (v != 0)
			error = walk_ind(w, v, i, base);
		span <<= shift;
		base += span;
	}
	return error;
}

/* Walks the blocks of w->raw; EUCLEAN with w->why on a broken structure. */
int fsck_walk_blocks(struct fsck_walk *w)
{
	const uint8_t *ib = w->raw + I_BLOCK;
	int error;

	w->why[0] = '\0';
	w->stop = 0;
	w->csum_bad = 0;
	w->nblocks = w->end = w->init_end = 0;
	if (!(le32dec(w->raw + I_FLAGS) & IFL_EXTENTS))
		return walk_blockmap(w);
	if (!(w->fk->fs->incompat & INCOMPAT_EXTENTS))
		return walk_bad(w, "extent flag set without the extent feature");
	error = walk_ext_header(w, ib, I_BLOCK_SIZE, 0, -1);
	if (error == 0)
		error = walk_ext_node(w, ib, I_BLOCK_SIZE, 0,
		    le16dec(ib + 6), 0, (uint64_t)1 << 32);
	return error;
}

/* Descriptor blocks before meta_bg takes over (all of them without it). */
uint32_t fsck_gdt_blocks(const struct ext2fs *fs)
{
	uint32_t per = fs->bsize / fs->desc_size;
	uint32_t n = (fs->ngroups + per - 1) / per;

	if ((fs->incompat & INCOMPAT_META_BG) &&
	    le32dec(fs->sb + SB_FIRST_META_BG) < n)
		return le32dec(fs->sb + SB_FIRST_META_BG);
	return n;
}

/* Where primary descriptor block i lives. */
uint64_t fsck_desc_block(const struct ext2fs *fs, uint32_t i)
{
	uint32_t per = fs->bsize / fs->desc_size;
	uint64_t g;

	if (i < fsck_gdt_blocks(fs))
		return fs->first_data_block + 1 + i;
	g = (uint64_t)i * per;
	return g * fs->blocks_per_group + fs->first_data_block +
	    (ext2fs_group_has_super(fs, (uint32_t)g) ? 1 : 0);
}

uint64_t fsck_gd_blk(const struct ext2fs *fs, const uint8_t *gd, unsigned lo,
    unsigned hi)
{
	uint64_t b = le32dec(gd + lo);

	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		b |= (uint64_t)le32dec(gd + hi) << 32;
	return b;
}

uint32_t fsck_gd_count(const struct ext2fs *fs, const uint8_t *gd,
    unsigned lo, unsigned hi)
{
	uint32_t v = le16dec(gd + lo);

	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		v |= (uint32_t)le16dec(gd + hi) << 16;
	return v;
}

void fsck_gd_set_count(const struct ext2fs *fs, uint8_t *gd, unsigned lo,
    unsigned hi, uint32_t v)
{
	le16enc(gd + lo, (uint16_t)v);
	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		le16enc(gd + hi, (uint16_t)(v >> 16));
}

/* Lazy groups (BLOCK_UNINIT, INODE_UNINIT, itable_unused) are honoured
 * only with a descriptor checksum, as the kernel does. */
int fsck_uninit_ok(const struct ext2fs *fs)
{
	return (fs->ro_compat & (RO_COMPAT_GDT_CSUM |
	    RO_COMPAT_METADATA_CSUM)) != 0;
}

/* Marks n metadata blocks from b; `claim` also marks them in use. */
static void mark_range(struct ext2fs_fsck *fk, uint32_t g, uint64_t b,
    uint64_t n, int claim, const char *what)
{
	uint64_t i;

	if (!fsck_blk_ok(fk, b, n) && !(b == 0 && n == 1)) {
		fk->layout_bad++;
		if (!fk->layout_probe)
			fsck_say(fk, FIX_NONE, "group %u: %s at block %llu (+%llu) "
			    "outside the file system", g, what,
			    (unsigned long long)b, (unsigned long long)n);
		else
			snprintf(fk->mp->mnt_corrupt, sizeof(fk->mp->mnt_corrupt),
			    "group %u: %s outside the file system", g, what);
		return;
	}
	for (i = b; i < b + n; i++) {
		if (claim && fsck_test(fk->bused, i)) {
			fk->layout_bad++;
			if (!fk->layout_probe)
				fsck_say(fk, FIX_NONE, "group %u: %s block %llu "
				    "overlaps other metadata", g, what,
				    (unsigned long long)i);
			else
				snprintf(fk->mp->mnt_corrupt,
				    sizeof(fk->mp->mnt_corrupt), "group %u: %s "
				    "overlaps other metadata", g, what);
			return;
		}
		fsck_set(fk->bmeta, i);
		if (claim)
			fsck_set(fk->bused, i);
	}
}

/* Superblock backup, descriptors, reserved descriptors of group g. */
static void mark_super(struct ext2fs_fsck *fk, uint32_t g)
{
	const struct ext2fs *fs = fk->fs;
	uint64_t start = fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
	uint32_t per = fs->bsize / fs->desc_size, mg = g / per, idx = g % per;
	uint32_t rsv = le16dec(fs->sb + SB_RESERVED_GDT_BLOCKS);
	int sup = ext2fs_group_has_super(fs, g);

	if (sup) {
		mark_range(fk, g, start, 1, 1, "superblock");
		mark_range(fk, g, start + 1, fsck_gdt_blocks(fs), 1,
		    "group descriptors");
		if (rsv)
			mark_range(fk, g, start + 1 + fsck_gdt_blocks(fs), rsv,
			    !(fs->compat & COMPAT_RESIZE_INODE),
			    "reserved descriptors");
	}
	if ((fs->incompat & INCOMPAT_META_BG) &&
	    mg >= le32dec(fs->sb + SB_FIRST_META_BG) &&
	    (idx == 0 || idx == 1 || idx == per - 1))
		mark_range(fk, g, start + (sup ? 1 : 0), 1, 1,
		    "group descriptors");
}

/* Every group's fixed metadata into bmeta (and bused). */
int fsck_mark_metadata(struct ext2fs_fsck *fk)
{
	const struct ext2fs *fs = fk->fs;
	uint64_t itab = ((uint64_t)fs->inodes_per_group * fs->inode_size +
	    fs->bsize - 1) >> fs->log_bsize;
	uint32_t g;

	for (g = 0; g < fs->ngroups; g++) {
		const uint8_t *gd = ext2fs_gd(fs, g);
		mark_super(fk, g);
		mark_range(fk, g, fsck_gd_blk(fs, gd, GD_BLOCK_BITMAP_LO,
		    GD_BLOCK_BITMAP_HI), 1, 1, "block bitmap");
		mark_range(fk, g, fsck_gd_blk(fs, gd, GD_INODE_BITMAP_LO,
		    GD_INODE_BITMAP_HI), 1, 1, "inode bitmap");
		mark_range(fk, g, fsck_gd_blk(fs, gd, GD_INODE_TABLE_LO,
		    GD_INODE_TABLE_HI), itab, 1, "inode table");
	}
	return 0;
}
