/* ext2fs_dirwrite.c: changing directory blocks: adding, removing and retargeting entries, new directories, emptiness. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Entries are only ever changed inside one block: an insert splits the
 * slack of an entry (or reuses an empty one), a removal folds the entry
 * into the previous one's rec_len (or empties the first entry of a block).
 * With metadata_csum every leaf ends in a 12-byte tail that is never
 * touched except to store the new checksum. Indexed (htree) directories
 * are turned into linear ones first, as the kernel allows; lookups in them
 * stay fast through ext2fs_dircache.c.
 */
static size_t dw_tail(const struct ext2fs *fs)
{
	return ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0;
}

static unsigned dw_ftype(const struct ext2fs *fs, mode_t mode)
{
	if (!(fs->incompat & INCOMPAT_FILETYPE))
		return 0;
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

static void dw_put(uint8_t *d, uint64_t ino, size_t reclen,
    const char *name, size_t namelen, unsigned ftype)
{
	le32enc(d, (uint32_t)ino);
	le16enc(d + 4, (uint16_t)reclen);
	d[6] = (uint8_t)namelen;
	d[7] = (uint8_t)ftype;
	memcpy(d + 8, name, namelen);
}

static void dw_done(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct buf *bp)
{
	ext2fs_csum_set_dirleaf(fs, dp->ino, dp->generation, bp->b_data);
	ext2fs_bdirty(fs, bp);
}

/* Tries to fit the entry in block data; 1 if it went in. */
static int dw_insert(struct ext2fs *fs, uint8_t *data, uint64_t ino,
    const char *name, size_t namelen, unsigned ftype)
{
	size_t need = DIRENT_LEN(namelen), off = 0, end = fs->bsize - dw_tail(fs);

	while (off + 8 <= end) {
		uint8_t *d = data + off;
		size_t reclen = le16dec(d + 4);
		size_t used = le32dec(d) ? DIRENT_LEN(d[6]) : 0;
		if (reclen < 8 || off + reclen > end)
			return 0;
		if (reclen - used >= need) {
			if (used) {
				le16enc(d + 4, (uint16_t)used);
				d += used;
			}
			dw_put(d, ino, reclen - used, name, namelen, ftype);
			return 1;
		}
		off += reclen;
	}
	return 0;
}

/* An empty leaf block (one unused entry spanning it). */
static void dw_empty_block(struct ext2fs *fs, uint8_t *data)
{
	memset(data, 0, fs->bsize);
	le16enc(data + 4, (uint16_t)(fs->bsize - dw_tail(fs)));
}

/* Calls fn on each block of dp: it returns 0 (next block), 1 (changed:
 * checksum and write it, stop), 2 (stop) or a negated errno. */
typedef int (*dw_fn)(struct ext2fs *fs, void *arg, uint8_t *data,
    uint64_t lblk);

static int dw_each(struct ext2fs *fs, struct ext2fs_inode *dp, dw_fn fn,
    void *arg)
{
	uint64_t nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize, lblk;
	struct buf *bp;
	int r, error;

	for (lblk = 0; lblk < nblocks; lblk++) {
		error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
		if (error)
			return error;
		if (bp == NULL)
			continue;
		r = fn(fs, arg, bp->b_data, lblk);
		if (r == 1) {
			dw_done(fs, dp, bp);
			return 0;
		}
		brelse(bp);
		if (r == 2)
			return 0;
		if (r < 0)
			return -r;
	}
	return ENOENT;
}

/* htree -> linear: index nodes become empty leaves, the flag goes. */
static int dw_unindex_fn(struct ext2fs *fs, void *arg, uint8_t *data,
    uint64_t lblk)
{
	struct ext2fs_inode *dp = arg;

	if (lblk == 0) {
		le16enc(data + 12 + 4, (uint16_t)(fs->bsize - 12 - dw_tail(fs)));
		memset(data + 12 + 12, 0, fs->bsize - 24);
	} else if (ext2fs_is_dx_node(fs, dp, lblk, data))
		dw_empty_block(fs, data);
	else
		return 0;
	ext2fs_csum_set_dirleaf(fs, dp->ino, dp->generation, data);
	return 3;
}

static int ext2fs_dir_unindex(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	uint64_t nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize, lblk;
	struct buf *bp;
	int error;

	for (lblk = 0; lblk < nblocks; lblk++) {
		/* read without the leaf checksum check: nodes have none */
		uint64_t pblk, run;
		error = ext2fs_bmap(fs, dp, lblk, &pblk, &run);
		if (error)
			return error;
		if (pblk == 0)
			continue;
		error = ext2fs_bread(fs, dp->ino, pblk, &bp);
		if (error)
			return error;
		if (dw_unindex_fn(fs, dp, bp->b_data, lblk) == 3)
			ext2fs_bdirty(fs, bp);
		else
			brelse(bp);
	}
	dp->flags &= ~IFL_INDEX;
	return ext2fs_iupdate(fs, dp);
}

struct dw_add {
	uint64_t ino;
	const char *name;
	size_t namelen;
	unsigned ftype;
};

static int dw_add_fn(struct ext2fs *fs, void *arg, uint8_t *data,
    uint64_t lblk)
{
	struct dw_add *a = arg;

	return dw_insert(fs, data, a->ino, a->name, a->namelen, a->ftype);
}

/* Adds name -> ino; the caller made sure the name is not there. */
int ext2fs_dir_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, mode_t mode)
{
	struct dw_add a = { ino, name, namelen, dw_ftype(fs, mode) };
	uint64_t lblk = dp->size >> fs->log_bsize, pblk, got;
	struct buf *bp;
	int error, fresh;

	ext2fs_dcache_drop(dp);
	if (dp->flags & IFL_INDEX) {
		error = ext2fs_dir_unindex(fs, dp);
		if (error)
			return error;
	}
	error = dw_each(fs, dp, dw_add_fn, &a);
	if (error != ENOENT)
		return error;
	error = ext2fs_map_alloc(fs, dp, lblk, 1, &pblk, &got, &fresh);
	if (error)
		return error;
	error = bget(fs->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	dw_empty_block(fs, bp->b_data);
	dw_insert(fs, bp->b_data, ino, name, namelen, a.ftype);
	dw_done(fs, dp, bp);
	dp->size += fs->bsize;
	return ext2fs_iupdate(fs, dp);
}

struct dw_find {
	const char *name;
	size_t namelen;
	uint64_t ino;           /* found */
	uint64_t newino;        /* dir_set: the new target */
	unsigned ftype;
	int remove;
};

static int dw_find_fn(struct ext2fs *fs, void *arg, uint8_t *data,
    uint64_t lblk)
{
	struct dw_find *f = arg;
	size_t off = 0, prev = (size_t)-1, end = fs->bsize - dw_tail(fs);

	while (off + 8 <= end) {
		uint8_t *d = data + off;
		size_t reclen = le16dec(d + 4);
		if (reclen < 8 || off + reclen > end)
			return 0;
		if (le32dec(d) && d[6] == f->namelen &&
		    memcmp(d + 8, f->name, f->namelen) == 0) {
			f->ino = le32dec(d);
			if (!f->remove) {
				le32enc(d, (uint32_t)f->newino);
				if (fs->incompat & INCOMPAT_FILETYPE)
					d[7] = (uint8_t)f->ftype;
			} else if (prev != (size_t)-1)
				le16enc(data + prev + 4, (uint16_t)(le16dec(data +
				    prev + 4) + reclen));
			else
				le32enc(d, 0);
			return 1;
		}
		prev = off;
		off += reclen;
	}
	return 0;
}

/* Removes name; *ino gets what it named. */
int ext2fs_dir_remove(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct dw_find f = { name, namelen, 0, 0, 0, 1 };
	int error;

	ext2fs_dcache_drop(dp);
	if (dp->flags & IFL_INDEX) {
		error = ext2fs_dir_unindex(fs, dp);
		if (error)
			return error;
	}
	error = dw_each(fs, dp, dw_find_fn, &f);
	*ino = f.ino;
	return error;
}

/* Points the existing entry name at newino (rename over, "..") */
int ext2fs_dir_set(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t newino, mode_t mode)
{
	struct dw_find f = { name, namelen, 0, newino, dw_ftype(fs, mode), 0 };

	ext2fs_dcache_drop(dp);
	return dw_each(fs, dp, dw_find_fn, &f);
}

static int dw_empty_fn(struct ext2fs *fs, void *arg, uint8_t *data,
    uint64_t lblk)
{
	size_t off = 0, end = fs->bsize - dw_tail(fs);

	while (off + 8 <= end) {
		uint8_t *d = data + off;
		size_t reclen = le16dec(d + 4);
		if (reclen < 8)
			return -EUCLEAN;
		if (le32dec(d) && !(d[6] == 1 && d[8] == '.') &&
		    !(d[6] == 2 && d[8] == '.' && d[9] == '.'))
			return 2;       /* a real entry */
		off += reclen;
	}
	return 0;
}

/* 0 if dp holds only "." and "..", ENOTEMPTY if more. */
int ext2fs_dir_isempty(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	int error;

	if (dp->flags & IFL_INDEX) {
		error = ext2fs_dir_unindex(fs, dp);
		if (error)
			return error;
	}
	error = dw_each(fs, dp, dw_empty_fn, NULL);
	return error == ENOENT ? 0 : error == 0 ? ENOTEMPTY : error;
}

/* The first block of a new directory: ".", "..", the tail. */
int ext2fs_dir_init(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t parent)
{
	uint64_t pblk, got;
	struct buf *bp;
	int error, fresh;

	error = ext2fs_map_alloc(fs, ip, 0, 1, &pblk, &got, &fresh);
	if (error)
		return error;
	error = bget(fs->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	memset(bp->b_data, 0, fs->bsize);
	dw_put(bp->b_data, ip->ino, 12, ".", 1, dw_ftype(fs, S_IFDIR));
	dw_put(bp->b_data + 12, parent, fs->bsize - 12 - dw_tail(fs), "..", 2,
	    dw_ftype(fs, S_IFDIR));
	dw_done(fs, ip, bp);
	ip->size = fs->bsize;
	return 0;
}
