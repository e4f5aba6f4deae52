/* ext2fs_htree.c: indexed directory lookup: hash the name, descend the dx tree, search one leaf. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * An htree directory keeps a normal first block whose ".." entry covers a
 * dx root (hash version, depth, then sorted (hash, block) pairs); interior
 * nodes hide behind a fake empty entry spanning the block. A lookup reads
 * one block per level plus one leaf, and walks on to the next leaf only
 * while the next leaf starts with the same hash (a hash collision chain).
 * Each level's node is copied into the path so no buffer stays held.
 */
#define DX_ROOT_INFO      24      /* after "." (12) and ".." headers (12) */
#define DX_ROOT_COUNT     32      /* count/limit in the root */
#define DX_NODE_COUNT     8       /* count/limit after the fake entry */
#define DX_MAX_LEVELS     3       /* with large_dir; 2 without */

struct dx_frame {
	uint8_t *data;          /* copy of the node */
	uint64_t lblk;
	unsigned co;            /* offset of count/limit */
	unsigned count;
	unsigned at;            /* entry followed */
};

struct dx_path {
	struct dx_frame f[DX_MAX_LEVELS];
	int levels;
	uint32_t hash;
	uint64_t nblocks;       /* blocks in the directory */
};

static int ext2fs_dx_fake_entry(const struct ext2fs *fs, const uint8_t *d)
{
	unsigned r = le16dec(d + 4);

	if (le32dec(d) != 0)
		return 0;
	if (fs->bsize == 65536)
		return r == 0 || r == 65535;
	return r == fs->bsize;
}

int ext2fs_is_dx_node(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t lblk, const uint8_t *data)
{
	if (!(fs->compat & COMPAT_DIR_INDEX) || !(dp->flags & IFL_INDEX))
		return 0;
	return lblk == 0 || ext2fs_dx_fake_entry(fs, data);
}

static uint32_t dx_hash_at(const struct dx_frame *fr, unsigned i)
{
	return i == 0 ? 0 : le32dec(fr->data + fr->co + 8 * i);
}

static uint64_t dx_block_at(const struct dx_frame *fr, unsigned i)
{
	return le32dec(fr->data + fr->co + 8 * i + 4) & 0x0fffffff;
}

/* Reads node lblk into frame fr and checks count, limit and checksum. */
static int dx_load(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, struct dx_frame *fr, uint64_t lblk, unsigned co)
{
	unsigned tail = ext2fs_has_csum(fs) ? 8 : 0, limit;
	struct buf *bp;
	int error;

	if (lblk >= path->nblocks || (co == DX_NODE_COUNT && lblk == 0))
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree block: expected "
		    "1..%llu, found %llu", (unsigned long long)path->nblocks - 1,
		    (unsigned long long)lblk);
	error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
	if (error)
		return error;
	if (bp == NULL)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree block %llu: "
		    "expected data, found a hole", (unsigned long long)lblk);
	memcpy(fr->data, bp->b_data, fs->bsize);
	brelse(bp);
	fr->lblk = lblk;
	fr->co = co;
	fr->at = 0;
	fr->count = le16dec(fr->data + co + 2);
	limit = le16dec(fr->data + co);
	if ((co == DX_NODE_COUNT && !ext2fs_dx_fake_entry(fs, fr->data)) ||
	    limit != (fs->bsize - co - tail) / 8 || fr->count == 0 ||
	    fr->count > limit)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree node %llu: "
		    "expected 1 <= count <= limit = %u, found count %u limit %u",
		    (unsigned long long)lblk, (fs->bsize - co - tail) / 8,
		    fr->count, limit);
	return ext2fs_dx_csum_verify(fs, dp, lblk, fr->data, co);
}

/* The last entry whose hash is <= the name's hash (entry 0 has none). */
static unsigned dx_search(const struct dx_frame *fr, uint32_t hash)
{
	unsigned lo = 1, hi = fr->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (dx_hash_at(fr, mid) <= hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Loads levels from..levels-1 below frame from-1, following each node's
 * entry for the hash (or its first entry, when walking on to a sibling). */
static int dx_descend(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, int from, int first)
{
	int l, error;

	for (l = from; l < path->levels; l++) {
		struct dx_frame *up = &path->f[l - 1];
		error = dx_load(fs, dp, path, &path->f[l],
		    dx_block_at(up, up->at), DX_NODE_COUNT);
		if (error)
			return error;
		path->f[l].at = first ? 0 : dx_search(&path->f[l], path->hash);
	}
	return 0;
}

/* Steps to the next leaf if it continues this hash; 1 if it does. */
static int dx_next(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, int *more)
{
	int l = path->levels - 1;

	*more = 0;
	while (path->f[l].at + 1 >= path->f[l].count) {
		if (l == 0)
			return 0;
		l--;
	}
	path->f[l].at++;
	if ((dx_hash_at(&path->f[l], path->f[l].at) & ~1u) != path->hash)
		return 0;
	*more = 1;
	return dx_descend(fs, dp, path, l + 1, 1);
}

/* Root checks; ENOTSUP sends the caller to a linear scan (as the kernel
 * does for hash versions it does not know). */
static int dx_root(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, int *version)
{
	const uint8_t *info = path->f[0].data + DX_ROOT_INFO;
	int maxlevels = (fs->incompat & INCOMPAT_LARGEDIR) ? 3 : 2;

	if (info[4] > DX_HASH_TEA)
		return ENOTSUP;
	if (info[5] != 8 || info[6] >= maxlevels)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree root: expected "
		    "info length 8 and depth < %d, found %u and %u", maxlevels,
		    info[5], info[6]);
	*version = info[4] + fs->hash_unsigned;
	path->levels = info[6] + 1;
	return 0;
}

static int dx_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, const char *name, size_t namelen, uint64_t *ino)
{
	uint64_t visits = 0;
	uint32_t minor;
	int version = 0, more, error;

	error = dx_load(fs, dp, path, &path->f[0], 0, DX_ROOT_COUNT);
	if (error == 0)
		error = dx_root(fs, dp, path, &version);
	if (error == 0)
		error = ext2fs_dx_hash(version, fs->hash_seed, name, namelen,
		    &path->hash, &minor);
	if (error)
		return error;
	path->f[0].at = dx_search(&path->f[0], path->hash);
	error = dx_descend(fs, dp, path, 1, 0);
	while (error == 0) {
		const struct dx_frame *leaf = &path->f[path->levels - 1];
		uint64_t lblk = dx_block_at(leaf, leaf->at), pblk, run;
		struct buf *bp;
		if (lblk >= path->nblocks || ++visits > path->nblocks)
			return vfs_corrupt(fs->mp, dp->ino, 0, "htree leaf: "
			    "expected block below %llu, found %llu",
			    (unsigned long long)path->nblocks,
			    (unsigned long long)lblk);
		error = ext2fs_bmap(fs, dp, lblk, &pblk, &run);
		if (error == 0)
			error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
		if (error == 0 && bp == NULL)
			return vfs_corrupt(fs->mp, dp->ino, 0, "htree leaf %llu: "
			    "expected data, found a hole", (unsigned long long)lblk);
		if (error)
			return error;
		error = ext2fs_dirent_search(fs, dp, pblk, bp->b_data,
		    fs->bsize, name, namelen, ino);
		brelse(bp);
		if (error != ENOENT)
			return error;
		error = dx_next(fs, dp, path, &more);
		if (error == 0 && !more)
			return ENOENT;
	}
	return error;
}

int ext2fs_htree_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct dx_path path;
	uint8_t *mem;
	int l, error;

	if (!(fs->compat & COMPAT_DIR_INDEX) || !(dp->flags & IFL_INDEX))
		return ENOTSUP;
	memset(&path, 0, sizeof(path));
	path.nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize;
	mem = malloc((size_t)fs->bsize * DX_MAX_LEVELS);
	if (mem == NULL)
		return ENOMEM;
	for (l = 0; l < DX_MAX_LEVELS; l++)
		path.f[l].data = mem + (size_t)l * fs->bsize;
	error = dx_lookup(fs, dp, &path, name, namelen, ino);
	free(mem);
	return error;
}
