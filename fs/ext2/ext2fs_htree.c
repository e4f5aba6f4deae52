/* ext2fs_htree.c: indexed directory lookup: hash the name, descend the dx tree, search one leaf. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "fs/ext2/ext2fs_htree.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * A lookup reads one block per level plus one leaf, and walks on to the
 * next leaf only while the next leaf starts with the same hash (a hash
 * collision chain, marked by bit 0 of the next index entry's hash). The
 * layout is described in ext2fs_htree.h.
 */
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

/* Reads node lblk into frame fr and checks count, limit and checksum. */
static int dx_load(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, struct dx_frame *fr, uint64_t lblk, unsigned co)
{
	unsigned limit;
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
	fr->dirty = 0;
	fr->count = le16dec(fr->data + co + 2);
	limit = le16dec(fr->data + co);
	if ((co == DX_NODE_COUNT && !ext2fs_dx_fake_entry(fs, fr->data)) ||
	    limit != dx_limit(fs, co) || fr->count == 0 || fr->count > limit)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree node %llu: "
		    "expected 1 <= count <= limit = %u, found count %u limit %u",
		    (unsigned long long)lblk, dx_limit(fs, co), fr->count, limit);
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

int ext2fs_dx_next(struct ext2fs *fs, struct ext2fs_inode *dp,
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
    struct dx_path *path)
{
	const uint8_t *info = path->f[0].data + DX_ROOT_INFO;
	int maxlevels = dx_maxlevels(fs);

	if (info[4] > DX_HASH_TEA)
		return ENOTSUP;
	if (info[5] != 8 || info[6] >= maxlevels)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree root: expected "
		    "info length 8 and depth < %d, found %u and %u", maxlevels,
		    info[5], info[6]);
	path->version = info[4] + fs->hash_unsigned;
	path->levels = info[6] + 1;
	return 0;
}

int ext2fs_dx_probe(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, const char *name, size_t namelen)
{
	int error;

	error = dx_load(fs, dp, path, &path->f[0], 0, DX_ROOT_COUNT);
	if (error == 0)
		error = dx_root(fs, dp, path);
	if (error == 0)
		error = ext2fs_dx_hash(path->version, fs->hash_seed, name,
		    namelen, &path->hash, &path->minor);
	if (error)
		return error;
	path->f[0].at = dx_search(&path->f[0], path->hash);
	return dx_descend(fs, dp, path, 1, 0);
}

int ext2fs_dx_leaf(struct ext2fs *fs, struct ext2fs_inode *dp,
    const struct dx_path *path, uint64_t *lblk)
{
	const struct dx_frame *fr = &path->f[path->levels - 1];

	*lblk = dx_block_at(fr, fr->at);
	if (*lblk == 0 || *lblk >= path->nblocks)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree leaf: expected "
		    "block 1..%llu, found %llu",
		    (unsigned long long)path->nblocks - 1,
		    (unsigned long long)*lblk);
	return 0;
}

int ext2fs_dx_path_init(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path)
{
	int l;

	memset(path, 0, sizeof(*path));
	if (!(fs->compat & COMPAT_DIR_INDEX) || !(dp->flags & IFL_INDEX))
		return ENOTSUP;
	path->nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize;
	path->mem = malloc((size_t)fs->bsize * (DX_MAX_LEVELS + 1));
	if (path->mem == NULL)
		return ENOMEM;
	for (l = 0; l <= DX_MAX_LEVELS; l++)
		path->f[l].data = path->mem + (size_t)l * fs->bsize;
	return 0;
}

void ext2fs_dx_path_free(struct dx_path *path)
{
	free(path->mem);
	path->mem = NULL;
}

static int dx_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, const char *name, size_t namelen, uint64_t *ino)
{
	uint64_t visits = 0;
	int more, error;

	error = ext2fs_dx_probe(fs, dp, path, name, namelen);
	while (error == 0) {
		uint64_t lblk, pblk, run;
		struct buf *bp;
		if ((error = ext2fs_dx_leaf(fs, dp, path, &lblk)) != 0)
			return error;
		if (++visits > path->nblocks)
			return vfs_corrupt(fs->mp, dp->ino, 0, "htree: expected "
			    "at most %llu leaves per name, found more",
			    (unsigned long long)path->nblocks);
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
		error = ext2fs_dx_next(fs, dp, path, &more);
		if (error == 0 && !more)
			return ENOENT;
	}
	return error;
}

/* "." and ".." are in block 0, not in any leaf (the kernel looks there). */
static int dx_lookup_dots(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	uint64_t pblk, run;
	struct buf *bp;
	int error;

	error = ext2fs_bmap(fs, dp, 0, &pblk, &run);
	if (error == 0)
		error = ext2fs_dirblock_read(fs, dp, 0, &bp);
	if (error == 0 && bp == NULL)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree root: expected "
		    "data, found a hole");
	if (error)
		return error;
	error = ext2fs_dirent_search(fs, dp, pblk, bp->b_data, fs->bsize, name,
	    namelen, ino);
	brelse(bp);
	return error;
}

int ext2fs_htree_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct dx_path path;
	int error;

	if ((fs->compat & COMPAT_DIR_INDEX) && (dp->flags & IFL_INDEX) &&
	    name[0] == '.' && (namelen == 1 || (namelen == 2 &&
	    name[1] == '.')))
		return dx_lookup_dots(fs, dp, name, namelen, ino);
	error = ext2fs_dx_path_init(fs, dp, &path);
	if (error)
		return error;
	error = dx_lookup(fs, dp, &path, name, namelen, ino);
	ext2fs_dx_path_free(&path);
	return error;
}
