/* ext2fs_fsck_htree.c: fsck of htree directory indexes: root, nodes, hash order, every leaf referenced once, names in range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * The index is read once, before the directory's blocks are walked: each
 * node is checked (fake entry, limit, count, hashes strictly increasing
 * within the range its parent gives it) and each leaf gets the hash range
 * [lo, hi] its index entry promises. Pass 2 then hashes every name it meets
 * in a leaf and checks it against that range. Memory: 9 bytes per block of
 * the directory; depth: at most 3 levels.
 */

#define HT_UNSEEN 0
#define HT_NODE   1
#define HT_LEAF   2

struct fsck_htree {
	struct ext2fs_fsck *fk;
	uint32_t dir;
	uint64_t nblocks;
	int version;
	uint8_t *kind;
	uint32_t *lo, *hi;
	uint64_t outside;       /* names hashed outside their leaf's range */
	struct ext2fs_inode ip; /* for ext2fs_bmap */
	uint8_t *data[3];
};

static int ht_bad(struct fsck_htree *ht, const char *what, uint64_t lblk)
{
	fsck_say(ht->fk, FIX_ASK, "directory inode %u: htree index: %s (block "
	    "%llu): clearing the index", ht->dir, what,
	    (unsigned long long)lblk);
	return EUCLEAN;
}

/* Copies logical block lblk of the directory into buf. */
static int ht_read(struct fsck_htree *ht, uint64_t lblk, uint8_t *buf)
{
	struct ext2fs *fs = ht->fk->fs;
	uint64_t pblk, run;
	struct buf *bp;
	int error;

	error = ext2fs_bmap(fs, &ht->ip, lblk, &pblk, &run);
	if (error == 0 && pblk == 0)
		error = EUCLEAN;
	if (error == 0)
		error = bread(ht->fk->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize,
		    &bp);
	if (error)
		return error == EIO || error == ENOMEM ? error :
		    ht_bad(ht, "unreadable node", lblk);
	memcpy(buf, bp->b_data, fs->bsize);
	brelse(bp);
	return 0;
}

static int ht_node(struct fsck_htree *ht, const uint8_t *d, unsigned co,
    uint64_t lblk, int below, uint32_t lo, uint64_t hi);

/* Entry i of a node points to a child: a node one level down, or a leaf. */
static int ht_child(struct fsck_htree *ht, uint64_t blk, int below,
    uint32_t lo, uint64_t hi)
{
	struct ext2fs *fs = ht->fk->fs;
	uint8_t *buf;
	int error;

	if (blk == 0 || blk >= ht->nblocks || ht->kind[blk] != HT_UNSEEN)
		return ht_bad(ht, "entry points outside the directory or to a "
		    "block already indexed", blk);
	if (below == 0) {
		ht->kind[blk] = HT_LEAF;
		ht->lo[blk] = lo;
		ht->hi[blk] = hi > UINT32_MAX ? UINT32_MAX : (uint32_t)hi;
		return 0;
	}
	ht->kind[blk] = HT_NODE;
	buf = ht->data[below];
	error = ht_read(ht, blk, buf);
	if (error)
		return error;
	if (le32dec(buf) != 0 || le16dec(buf + 4) != (fs->bsize & 0xffff) ||
	    buf[6] != 0)
		return ht_bad(ht, "node without its empty covering entry", blk);
	return ht_node(ht, buf, 8, blk, below - 1, lo, hi);
}

/* A node's entries: limit, count, hashes increasing inside [lo, hi). */
static int ht_node(struct fsck_htree *ht, const uint8_t *d, unsigned co,
    uint64_t lblk, int below, uint32_t lo, uint64_t hi)
{
	struct ext2fs *fs = ht->fk->fs;
	unsigned tail = ext2fs_has_csum(fs) ? 8 : 0;
	unsigned limit = le16dec(d + co), count = le16dec(d + co + 2), i;
	int error;

	if (limit != (fs->bsize - co - tail) / 8 || count == 0 || count > limit)
		return ht_bad(ht, "bad count or limit", lblk);
	for (i = 0; i < count; i++) {
		uint32_t h = i ? le32dec(d + co + 8 * i) : lo;
		uint64_t next = i + 1 < count ? le32dec(d + co + 8 * i + 8) : hi;
		uint64_t blk = le32dec(d + co + 8 * i + 4) & 0x0fffffff;
		if ((i > 0 && h < lo) || next < h || (i + 1 < count && next == h))
			return ht_bad(ht, "hashes out of order", lblk);
		error = ht_child(ht, blk, below, h, next);
		if (error)
			return error;
	}
	return 0;
}

/* The root: ".", "..", then the index info and the top node. */
static int ht_root(struct fsck_htree *ht)
{
	struct ext2fs *fs = ht->fk->fs;
	uint8_t *d = ht->data[0];
	int maxlev = (fs->incompat & INCOMPAT_LARGEDIR) ? 3 : 2, error;

	error = ht_read(ht, 0, d);
	if (error)
		return error;
	if (le16dec(d + 4) != 12 || le16dec(d + 12 + 4) != fs->bsize - 12 ||
	    d[24 + 5] != 8 || d[24 + 6] >= maxlev || d[24 + 4] > DX_HASH_TEA)
		return ht_bad(ht, "bad root (info length, depth or hash "
		    "version)", 0);
	ht->version = d[24 + 4];
	if (ht->version <= DX_HASH_TEA)
		ht->version += fs->hash_unsigned;
	ht->kind[0] = HT_NODE;
	return ht_node(ht, d, 32, 0, d[24 + 6], 0, (uint64_t)UINT32_MAX + 1);
}

static void ht_free(struct fsck_htree *ht)
{
	if (ht == NULL)
		return;
	free(ht->kind);
	free(ht->lo);
	free(ht->hi);
	free(ht->data[0]);
	free(ht);
}

static int ht_alloc(struct ext2fs_fsck *fk, uint32_t dir, uint8_t *raw,
    uint64_t nblocks, struct fsck_htree **htp)
{
	struct fsck_htree *ht = calloc(1, sizeof(*ht));
	int l;

	if (ht == NULL)
		return ENOMEM;
	*htp = ht;
	ht->fk = fk;
	ht->dir = dir;
	ht->nblocks = nblocks;
	ht->ip.ino = dir;
	ht->ip.flags = le32dec(raw + I_FLAGS);
	ht->ip.size = nblocks << fk->fs->log_bsize;
	ht->ip.csum_seed = ext2fs_inode_seed(fk->fs, dir,
	    le32dec(raw + I_GENERATION));
	memcpy(ht->ip.iblock, raw + I_BLOCK, I_BLOCK_SIZE);
	ht->kind = calloc((size_t)nblocks, 1);
	ht->lo = calloc((size_t)nblocks, sizeof(uint32_t));
	ht->hi = calloc((size_t)nblocks, sizeof(uint32_t));
	ht->data[0] = malloc((size_t)fk->fs->bsize * 3);
	if (!ht->kind || !ht->lo || !ht->hi || !ht->data[0])
		return ENOMEM;
	for (l = 1; l < 3; l++)
		ht->data[l] = ht->data[0] + (size_t)l * fk->fs->bsize;
	return 0;
}

/* *htp = NULL for a directory without an index; EUCLEAN: index broken. */
int fsck_htree_begin(struct ext2fs_fsck *fk, uint32_t dir, uint8_t *raw,
    uint64_t nblocks, struct fsck_htree **htp)
{
	struct fsck_htree *ht = NULL;
	int error;

	*htp = NULL;
	if (!(le32dec(raw + I_FLAGS) & IFL_INDEX))
		return 0;
	if (!(fk->fs->compat & COMPAT_DIR_INDEX))
		return fsck_say(fk, FIX_ASK, "directory inode %u: index flag "
		    "without the dir_index feature: clearing it", dir), EUCLEAN;
	if (nblocks < 2 || nblocks > fk->nblocks)
		return fsck_say(fk, FIX_ASK, "directory inode %u: indexed with "
		    "%llu blocks: clearing the index", dir,
		    (unsigned long long)nblocks), EUCLEAN;
	error = ht_alloc(fk, dir, raw, nblocks, &ht);
	if (error == 0)
		error = ht_root(ht);
	if (error)
		ht_free(ht);
	else
		*htp = ht;
	return error;
}

int fsck_htree_is_node(const struct fsck_htree *ht, uint64_t lblk)
{
	return lblk < ht->nblocks && ht->kind[lblk] == HT_NODE;
}

int fsck_htree_hash(const struct fsck_htree *ht, const uint8_t *name,
    size_t len, uint32_t *hash)
{
	uint32_t minor;

	return ext2fs_dx_hash(ht->version, ht->fk->fs->hash_seed,
	    (const char *)name, len, hash, &minor);
}

void fsck_htree_leaf(struct fsck_htree *ht, uint64_t lblk, uint32_t hash)
{
	if (lblk < ht->nblocks && ht->kind[lblk] == HT_LEAF &&
	    (hash < (ht->lo[lblk] & ~1u) || hash > ht->hi[lblk]))
		ht->outside++;
}

/* After the walk: every block is part of the index; names in range. */
int fsck_htree_end(struct fsck_htree *ht)
{
	uint64_t b, unref = 0;
	int bad = 0;

	for (b = 1; b < ht->nblocks; b++)
		if (ht->kind[b] == HT_UNSEEN)
			unref++;
	if (unref)
		bad = 1, fsck_say(ht->fk, FIX_NONE, "directory inode %u: htree "
		    "index: %llu block%s not referenced", ht->dir,
		    (unsigned long long)unref, unref == 1 ? "" : "s");
	if (ht->outside)
		bad = 1, fsck_say(ht->fk, FIX_NONE, "directory inode %u: htree "
		    "index: %llu name%s in the wrong leaf for its hash", ht->dir,
		    (unsigned long long)ht->outside, ht->outside == 1 ? "" : "s");
	ht_free(ht);
	return bad ? EUCLEAN : 0;
}
