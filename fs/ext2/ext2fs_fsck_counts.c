/* ext2fs_fsck_counts.c: fsck passes 3 (connectivity, ".."), 4 (link counts, lost+found) and 5 (bitmaps, free counts). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

#define GD_FLAGS_INODE_UNINIT 0x1
#define GD_FLAGS_BLOCK_UNINIT 0x2
#define GD_USED_DIRS_LO       0x10
#define GD_USED_DIRS_HI       0x30
#define GD_ITABLE_UNUSED_LO   0x1C
#define GD_ITABLE_UNUSED_HI   0x32
#define GD_BB_CSUM_LO         0x18
#define GD_IB_CSUM_LO         0x1A
#define GD_BB_CSUM_HI         0x38
#define GD_IB_CSUM_HI         0x3A
#define EXT2_LINK_MAX         65000

/* Does dir reach the root through parent[]? Marks the path on success. */
static int fsck_reaches_root(struct ext2fs_fsck *fk, uint32_t dir)
{
	uint32_t x = dir;
	uint64_t steps = 0;

	while (x != EXT2_ROOT_INO && !(fk->istate[x] & IS_REACHED)) {
		x = fk->parent[x];
		if (x == 0 || x > fk->ninodes || ++steps > fk->ndirs)
			return 0;
	}
	for (x = dir; x != EXT2_ROOT_INO && !(fk->istate[x] & IS_REACHED);
	    x = fk->parent[x])
		fk->istate[x] |= IS_REACHED;
	return 1;
}

/* An unreachable directory: reconnect it (or mark its chain as seen). */
static int fsck_unreached(struct ext2fs_fsck *fk, uint32_t dir)
{
	uint64_t steps = 0;
	uint32_t x;

	if (fsck_say(fk, FIX_ASK, "directory inode %u: not reachable from the "
	    "root: moving it to /lost+found", dir)) {
		int error = fsck_link_lost(fk, dir, 1);
		if (error == 0) {
			fk->parent[dir] = fk->lost_found;
			fk->istate[dir] |= IS_REACHED;
			return 0;
		}
		fsck_unfixed(fk);
		if (error != ENOSPC && error != ENOENT)
			return error;
	}
	for (x = dir; x != 0 && x <= fk->ninodes && steps++ <= fk->ndirs &&
	    !(fk->istate[x] & IS_REACHED); x = fk->parent[x])
		fk->istate[x] |= IS_REACHED;
	return 0;
}

/* ".." must name the directory's parent; it counts as a link to it. */
static int fsck_check_dotdot(struct ext2fs_fsck *fk, uint32_t dir)
{
	uint32_t want = dir == EXT2_ROOT_INO ? EXT2_ROOT_INO : fk->parent[dir];
	uint32_t have = fk->dotdot[dir];
	int error;

	if (want != 0 && have != want && fsck_say(fk, FIX_ASK, "directory "
	    "inode %u: '..' is inode %u, expected %u", dir, have, want)) {
		error = fsck_set_dotdot(fk, dir, want);
		if (error)
			return error;
		have = fk->dotdot[dir] = want;
	}
	if (have != 0 && have <= fk->ninodes &&
	    IS_TYPE(fk->istate[have]) != IS_FREE)
		fk->refs[have]++;
	return 0;
}

/* Pass 3: every directory connected to the root, ".." right. */
int fsck_pass3(struct ext2fs_fsck *fk)
{
	uint32_t ino;
	int error;

	if (IS_TYPE(fk->istate[EXT2_ROOT_INO]) != IS_DIR)
		return 0;
	fk->istate[EXT2_ROOT_INO] |= IS_REACHED;
	error = fsck_lost_found(fk);
	if (error)
		return error;
	for (ino = 1; ino <= fk->ninodes; ino++) {
		if (IS_TYPE(fk->istate[ino]) != IS_DIR ||
		    fsck_reaches_root(fk, ino))
			continue;
		error = fsck_unreached(fk, ino);
		if (error)
			return error;
	}
	for (ino = 1; ino <= fk->ninodes; ino++) {
		if (IS_TYPE(fk->istate[ino]) != IS_DIR)
			continue;
		error = fsck_check_dotdot(fk, ino);
		if (error)
			return error;
	}
	return 0;
}

/* Sets inode ino's link count on disk. */
static int fsck_set_links(struct ext2fs_fsck *fk, uint32_t ino, uint32_t n)
{
	uint8_t *raw = fk->blockbuf;
	int error;

	error = fsck_inode_read(fk, ino, raw);
	if (error)
		return error;
	le16enc(raw + I_LINKS_COUNT, (uint16_t)n);
	fk->links[ino] = (uint16_t)n;
	return fsck_inode_write(fk, ino, raw);
}

/* Pass 4: unnamed inodes to lost+found, then every link count. */
int fsck_pass4(struct ext2fs_fsck *fk)
{
	uint32_t ino, want;
	int error;

	for (ino = 1; ino <= fk->ninodes; ino++) {
		uint8_t st = IS_TYPE(fk->istate[ino]);
		if ((st != IS_FILE && st != IS_DIR) ||
		    (ino < fk->fs->first_ino && ino != EXT2_ROOT_INO))
			continue;
		if (fk->refs[ino] == 0 && st == IS_FILE &&
		    fsck_say(fk, FIX_ASK, "inode %u: in use but in no directory: "
		    "moving it to /lost+found", ino)) {
			error = fsck_link_lost(fk, ino, 0);
			if (error && error != ENOSPC && error != ENOENT)
				return error;
			if (error)
				fsck_unfixed(fk);
		}
		want = fk->refs[ino];
		if (fk->refs[ino] == 0 || want == fk->links[ino] ||
		    (st == IS_DIR && want > EXT2_LINK_MAX && fk->links[ino] == 1))
			continue;
		if (st == IS_DIR && want > EXT2_LINK_MAX)
			want = 1;
		if (fsck_say(fk, FIX_SAFE, "inode %u: link count %u, expected %u",
		    ino, fk->links[ino], want) &&
		    (error = fsck_set_links(fk, ino, want)) != 0)
			return error;
	}
	return 0;
}

/* Compares n on-disk bits (disk[dbase..], or zeros) with what is in
 * use; counts both ways. */
static void fsck_diff(const uint8_t *disk, uint64_t dbase, uint32_t n,
    int (*inuse)(struct ext2fs_fsck *, uint64_t), struct ext2fs_fsck *fk,
    uint64_t base, uint64_t *plus, uint64_t *minus)
{
	uint32_t i;

	*plus = *minus = 0;
	for (i = 0; i < n; i++) {
		int d = disk ? fsck_test(disk, dbase + i) : 0;
		int u = inuse(fk, base + i);
		if (u && !d)
			(*plus)++;
		else if (d && !u)
			(*minus)++;
	}
}

static int block_inuse(struct ext2fs_fsck *fk, uint64_t b)
{
	return fsck_test(fk->bused, b);
}

static int inode_inuse(struct ext2fs_fsck *fk, uint64_t ino)
{
	return ino < fk->fs->first_ino || IS_TYPE(fk->istate[ino]) != IS_FREE;
}

/* The bitmap as it should be: in use, then padding set to the block end. */
static void fsck_build_map(struct ext2fs_fsck *fk, uint8_t *map, uint32_t n,
    int (*inuse)(struct ext2fs_fsck *, uint64_t), uint64_t base)
{
	uint32_t i;

	memset(map, 0xff, fk->fs->bsize);
	for (i = 0; i < n; i++)
		if (!inuse(fk, base + i))
			fsck_clr(map, i);
}

struct fsck_map {
	const char *what;
	uint64_t bitmap;        /* its block */
	uint32_t n;             /* bits that mean something */
	uint32_t pad;           /* bits after n that must be set on disk: an
				 * inode bitmap's whole block (e2fsck checks
				 * that), a block bitmap's in the last group */
	uint64_t base;
	int uninit;
	int (*inuse)(struct ext2fs_fsck *, uint64_t);
	void (*csum)(struct ext2fs *, uint8_t *, const uint8_t *);
	unsigned csum_lo, csum_hi, flag;
};

/* A bitmap checksum as stored in the descriptor matches the block? */
static int fsck_map_csum_ok(struct ext2fs_fsck *fk, const struct fsck_map *m,
    uint8_t *gd, const uint8_t *data)
{
	uint8_t tmp[GD_MAX_SIZE];

	if (!ext2fs_has_csum(fk->fs))
		return 1;
	memcpy(tmp, gd, fk->fs->desc_size);
	m->csum(fk->fs, tmp, data);
	return le16dec(tmp + m->csum_lo) == le16dec(gd + m->csum_lo) &&
	    (fk->fs->desc_size < GD_64BIT_MIN_SIZE ||
	    le16dec(tmp + m->csum_hi) == le16dec(gd + m->csum_hi));
}

/* One bitmap of group g against what is in use; rewritten if asked.
 * A lazy (uninit) group's bitmap reads as its metadata only (blocks) or
 * as empty (inodes), whatever the block holds. */
static int fsck_map(struct ext2fs_fsck *fk, uint32_t g, uint8_t *gd,
    const struct fsck_map *m)
{
	uint64_t plus, minus, padbad = 0, i;
	struct buf *bp;
	int error, fix;

	error = bread(fk->mp->mnt_bc, m->bitmap << fk->fs->log_bsize,
	    fk->fs->bsize, &bp);
	if (error)
		return error;
	if (m->uninit)
		fsck_diff(m->inuse == block_inuse ? fk->bmeta : NULL, m->base,
		    m->n, m->inuse, fk, m->base, &plus, &minus);
	else
		fsck_diff(bp->b_data, 0, m->n, m->inuse, fk, m->base, &plus,
		    &minus);
	for (i = m->n; !m->uninit && i < m->pad; i++)
		padbad += !fsck_test(bp->b_data, i);
	if (plus || minus || padbad)
		fix = fsck_say(fk, FIX_SAFE, "group %u: %s differences: %llu in "
		    "use marked free, %llu free marked in use%s", g, m->what,
		    (unsigned long long)plus, (unsigned long long)minus,
		    padbad ? ", padding not set" : "");
	else if (!m->uninit && !fsck_map_csum_ok(fk, m, gd, bp->b_data))
		fix = fsck_say(fk, FIX_SAFE, "group %u: %s checksum wrong", g,
		    m->what);
	else
		fix = 0;
	if (!fix) {
		brelse(bp);
		return 0;
	}
	fsck_build_map(fk, bp->b_data, m->n, m->inuse, m->base);
	le16enc(gd + GD_FLAGS, le16dec(gd + GD_FLAGS) & ~m->flag);
	m->csum(fk->fs, gd, bp->b_data);
	fk->gdt_dirty = 1;
	bdwrite(bp);
	return 0;
}

/* A descriptor count (free blocks, free inodes, directories). */
static void fsck_gd_count_check(struct ext2fs_fsck *fk, uint32_t g,
    uint8_t *gd, unsigned lo, unsigned hi, uint32_t want, const char *what)
{
	uint32_t have = fsck_gd_count(fk->fs, gd, lo, hi);

	if (have != want && fsck_say(fk, FIX_SAFE, "group %u: %s count %u, "
	    "expected %u", g, what, have, want)) {
		fsck_gd_set_count(fk->fs, gd, lo, hi, want);
		fk->gdt_dirty = 1;
	}
}

/* Group g: both bitmaps and the three counts; adds to the totals. */
static int fsck_group(struct ext2fs_fsck *fk, uint32_t g, uint64_t *fb,
    uint64_t *fi)
{
	struct ext2fs *fs = fk->fs;
	uint8_t *gd = fs->gdt + (size_t)g * fs->desc_size;
	uint64_t start = fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
	uint64_t i, used = 0, iused = 0, dirs = 0, ibase = (uint64_t)g *
	    fs->inodes_per_group;
	unsigned flags = fsck_uninit_ok(fs) ? le16dec(gd + GD_FLAGS) : 0;
	struct fsck_map bm = { "block bitmap", fsck_gd_blk(fs, gd,
	    GD_BLOCK_BITMAP_LO, GD_BLOCK_BITMAP_HI), 0, fs->blocks_per_group,
	    start, (flags & GD_FLAGS_BLOCK_UNINIT) != 0, block_inuse,
	    ext2fs_csum_set_block_bitmap, GD_BB_CSUM_LO, GD_BB_CSUM_HI,
	    GD_FLAGS_BLOCK_UNINIT };
	struct fsck_map im = { "inode bitmap", fsck_gd_blk(fs, gd,
	    GD_INODE_BITMAP_LO, GD_INODE_BITMAP_HI), fs->inodes_per_group,
	    8 * fs->bsize,
	    ibase + 1, (flags & GD_FLAGS_INODE_UNINIT) != 0, inode_inuse,
	    ext2fs_csum_set_inode_bitmap, GD_IB_CSUM_LO, GD_IB_CSUM_HI,
	    GD_FLAGS_INODE_UNINIT };
	int error;

	bm.n = (uint32_t)(fk->nblocks - start < fs->blocks_per_group ?
	    fk->nblocks - start : fs->blocks_per_group);
	if (g + 1 < fs->ngroups)
		bm.pad = bm.n;  /* e2fsck checks padding of the last group only */
	error = fsck_map(fk, g, gd, &bm);
	if (error == 0)
		error = fsck_map(fk, g, gd, &im);
	if (error)
		return error;
	for (i = 0; i < bm.n; i++)
		used += fsck_test(fk->bused, start + i);
	for (i = 1; i <= fs->inodes_per_group; i++) {
		iused += inode_inuse(fk, ibase + i);
		dirs += IS_TYPE(fk->istate[ibase + i]) == IS_DIR;
	}
	fsck_gd_count_check(fk, g, gd, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI,
	    (uint32_t)(bm.n - used), "free blocks");
	fsck_gd_count_check(fk, g, gd, GD_FREE_INODES_LO, GD_FREE_INODES_HI,
	    (uint32_t)(fs->inodes_per_group - iused), "free inodes");
	fsck_gd_count_check(fk, g, gd, GD_USED_DIRS_LO, GD_USED_DIRS_HI,
	    (uint32_t)dirs, "directories");
	*fb += bm.n - used;
	*fi += fs->inodes_per_group - iused;
	return 0;
}

/* Pass 5: every group, then the superblock's totals. */
int fsck_pass5(struct ext2fs_fsck *fk)
{
	struct ext2fs *fs = fk->fs;
	uint64_t fb = 0, fi = 0, have;
	uint32_t g;
	int error;

	for (g = 0; g < fs->ngroups; g++) {
		error = fsck_group(fk, g, &fb, &fi);
		if (error)
			return error;
	}
	for (g = 0; g < fs->ngroups && fk->gdt_dirty; g++)
		ext2fs_csum_set_gd(fs, g, fs->gdt + (size_t)g * fs->desc_size);
	have = le32dec(fs->sb + SB_FREE_BLOCKS_LO);
	if (fs->incompat & INCOMPAT_64BIT)
		have |= (uint64_t)le32dec(fs->sb + SB_FREE_BLOCKS_HI) << 32;
	if (have != fb && fsck_say(fk, FIX_SUMMARY, "superblock: free blocks "
	    "count %llu, expected %llu", (unsigned long long)have,
	    (unsigned long long)fb)) {
		le32enc(fs->sb + SB_FREE_BLOCKS_LO, (uint32_t)fb);
		if (fs->incompat & INCOMPAT_64BIT)
			le32enc(fs->sb + SB_FREE_BLOCKS_HI, (uint32_t)(fb >> 32));
		fk->sb_dirty = 1;
	}
	have = le32dec(fs->sb + SB_FREE_INODES);
	if (have != fi && fsck_say(fk, FIX_SUMMARY, "superblock: free inodes "
	    "count %llu, expected %llu", (unsigned long long)have,
	    (unsigned long long)fi)) {
		le32enc(fs->sb + SB_FREE_INODES, (uint32_t)fi);
		fk->sb_dirty = 1;
	}
	return 0;
}
