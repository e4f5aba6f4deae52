/* ext2fs_dirwrite.c: changing directories: adding, removing and retargeting entries, new directories, emptiness. */
#include <errno.h>
#include <stdlib.h>
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
 * are changed through their index (ext2fs_htree_write.c); a linear
 * directory whose only block fills gets an index, as in the kernel, and
 * longer linear directories stay linear. Inline directories are changed in
 * ext2fs_inline_write.c.
 */
static size_t dw_tail(const struct ext2fs *fs)
{
	return ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0;
}

unsigned ext2fs_dirent_ftype(const struct ext2fs *fs, mode_t mode)
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

void ext2fs_dirent_put(uint8_t *d, uint64_t ino, size_t reclen,
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

/* Tries to fit the entry in the entries filling data[0..len); 1 if it went
 * in, 0 if there is no room (or the chain is broken). */
int ext2fs_dirent_insert(uint8_t *data, size_t len, uint64_t ino,
    const char *name, size_t namelen, unsigned ftype)
{
	size_t need = DIRENT_LEN(namelen), off = 0;

	while (off + 8 <= len) {
		uint8_t *d = data + off;
		size_t reclen = le16dec(d + 4);
		size_t used = le32dec(d) ? DIRENT_LEN(d[6]) : 0;
		if (reclen < 8 || off + reclen > len || used > reclen)
			return 0;
		if (reclen - used >= need) {
			if (used) {
				le16enc(d + 4, (uint16_t)used);
				d += used;
			}
			ext2fs_dirent_put(d, ino, reclen - used, name, namelen,
			    ftype);
			return 1;
		}
		off += reclen;
	}
	return 0;
}

/* Finds op->name in data[0..len) and removes or retargets it; 1 if found. */
int ext2fs_dirent_apply(struct ext2fs *fs, struct ext2fs_dirop *op,
    uint8_t *data, size_t len)
{
	size_t off = 0, prev = (size_t)-1;

	while (off + 8 <= len) {
		uint8_t *d = data + off;
		size_t reclen = le16dec(d + 4);
		if (reclen < 8 || off + reclen > len)
			return 0;
		if (le32dec(d) && d[6] == op->namelen &&
		    memcmp(d + 8, op->name, op->namelen) == 0) {
			op->ino = le32dec(d);
			if (!op->remove) {
				le32enc(d, (uint32_t)op->newino);
				if (fs->incompat & INCOMPAT_FILETYPE)
					d[7] = (uint8_t)op->ftype;
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

/* An empty leaf block (one unused entry spanning it). */
static void dw_empty_block(struct ext2fs *fs, uint8_t *data)
{
	memset(data, 0, fs->bsize);
	le16enc(data + 4, (uint16_t)(fs->bsize - dw_tail(fs)));
}

/* Calls fn on each leaf block of dp (htree nodes are skipped): it returns
 * 0 (next block), 1 (changed: checksum and write it, stop), 2 (stop) or a
 * negated errno. ENOENT: fn never stopped. */
typedef int (*dw_fn)(struct ext2fs *fs, void *arg, uint8_t *data);

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
		if (ext2fs_is_dx_node(fs, dp, lblk, bp->b_data)) {
			brelse(bp);
			continue;
		}
		r = fn(fs, arg, bp->b_data);
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

/* htree -> linear, for an index whose hash version we do not know (as the
 * kernel does): index nodes become empty leaves, the flag goes. */
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
		if (lblk == 0) {
			le16enc(bp->b_data + 12 + 4,
			    (uint16_t)(fs->bsize - 12 - dw_tail(fs)));
			memset(bp->b_data + 24, 0, fs->bsize - 24);
		} else if (ext2fs_is_dx_node(fs, dp, lblk, bp->b_data))
			dw_empty_block(fs, bp->b_data);
		else {
			brelse(bp);
			continue;
		}
		dw_done(fs, dp, bp);
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

static int dw_add_fn(struct ext2fs *fs, void *arg, uint8_t *data)
{
	struct dw_add *a = arg;

	return ext2fs_dirent_insert(data, fs->bsize - dw_tail(fs), a->ino,
	    a->name, a->namelen, a->ftype);
}

/* Linear: the first block with room, else a new block at the end. */
static int dw_add_linear(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dw_add *a)
{
	uint64_t lblk = dp->size >> fs->log_bsize, pblk, got;
	struct buf *bp;
	int error, fresh;

	error = dw_each(fs, dp, dw_add_fn, a);
	if (error != ENOENT)
		return error;
	if (dp->size == fs->bsize) {
		error = ext2fs_htree_index(fs, dp);
		if (error == 0)
			return ext2fs_htree_add(fs, dp, a->name, a->namelen, a->ino,
			    a->ftype);
		if (error != ENOTSUP)
			return error;
	}
	error = ext2fs_map_alloc(fs, dp, lblk, 1, &pblk, &got, &fresh);
	if (error)
		return error;
	error = bget(fs->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	dw_empty_block(fs, bp->b_data);
	ext2fs_dirent_insert(bp->b_data, fs->bsize - dw_tail(fs), a->ino,
	    a->name, a->namelen, a->ftype);
	dw_done(fs, dp, bp);
	dp->size += fs->bsize;
	return ext2fs_iupdate(fs, dp);
}

/* Adds name -> ino; the caller made sure the name is not there. */
int ext2fs_dir_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, mode_t mode)
{
	return ext2fs_dir_add_entry(fs, dp, name, namelen, ino,
	    ext2fs_dirent_ftype(fs, mode));
}

int ext2fs_dir_add_entry(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype)
{
	struct dw_add a = { ino, name, namelen, ftype };
	int error;

	if (dp->flags & (IFL_INLINE_DATA | IFL_INDEX))
		ext2fs_dcache_drop(dp);
	if (dp->flags & IFL_INLINE_DATA)
		return ext2fs_inline_dir_add(fs, dp, name, namelen, ino, ftype);
	if (dp->flags & IFL_INDEX) {
		error = ext2fs_htree_add(fs, dp, name, namelen, ino, ftype);
		if (error != ENOTSUP)
			return error;
		error = ext2fs_dir_unindex(fs, dp);
		if (error)
			return error;
	}
	error = dw_add_linear(fs, dp, &a);
	/* the lookup table follows a linear directory's change */
	if (error == 0 && !(dp->flags & (IFL_INLINE_DATA | IFL_INDEX)))
		ext2fs_dcache_note(dp, 'a', name, namelen, ino);
	else
		ext2fs_dcache_drop(dp);
	return error;
}

static int dw_find_fn(struct ext2fs *fs, void *arg, uint8_t *data)
{
	return ext2fs_dirent_apply(fs, arg, data, fs->bsize - dw_tail(fs));
}

/* The shared body of remove and set (for names other than ".."). */
static int dw_change(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dirop *op)
{
	int error;

	if (dp->flags & (IFL_INLINE_DATA | IFL_INDEX))
		ext2fs_dcache_drop(dp);
	if (dp->flags & IFL_INLINE_DATA)
		return ext2fs_inline_dir_change(fs, dp, op);
	if (dp->flags & IFL_INDEX) {
		error = ext2fs_htree_change(fs, dp, op);
		if (error != ENOTSUP)
			return error;
	}
	error = dw_each(fs, dp, dw_find_fn, op);
	if (error == 0)
		ext2fs_dcache_note(dp, op->remove ? 'r' : 's', op->name,
		    op->namelen, op->newino);
	else
		ext2fs_dcache_drop(dp);
	return error;
}

/* Removes name; *ino gets what it named. */
int ext2fs_dir_remove(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct ext2fs_dirop op = { name, namelen, 0, 0, 0, 1 };
	int error;

	error = dw_change(fs, dp, &op);
	*ino = op.ino;
	return error;
}

/* ".." is always the second entry of block 0 (in an indexed directory the
 * root, whose checksum is a dx tail's). */
static int dw_set_dotdot(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t newino)
{
	struct buf *bp;
	uint8_t *d;
	int error;

	if (dp->flags & IFL_INLINE_DATA)
		return ext2fs_inline_set_parent(fs, dp, newino);
	error = ext2fs_dirblock_read(fs, dp, 0, &bp);
	if (error)
		return error;
	if (bp == NULL)
		return vfs_corrupt(fs->mp, dp->ino, 0, "directory block 0: "
		    "expected '.' and '..', found a hole");
	d = bp->b_data;
	if (le16dec(d + 4) != 12 || d[12 + 6] != 2 || d[12 + 8] != '.' ||
	    d[12 + 9] != '.') {
		brelse(bp);
		return vfs_corrupt(fs->mp, dp->ino, 0, "directory block 0: "
		    "expected '..' at byte 12, found another entry");
	}
	le32enc(d + 12, (uint32_t)newino);
	if (ext2fs_is_dx_node(fs, dp, 0, d)) {
		ext2fs_csum_set_dx(fs, dp->ino, dp->generation, d, 32);
		ext2fs_bdirty(fs, bp);
	} else
		dw_done(fs, dp, bp);
	return 0;
}

/* Points the existing entry name at newino (rename over, "..") */
int ext2fs_dir_set(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t newino, mode_t mode)
{
	struct ext2fs_dirop op = { name, namelen, 0, newino,
	    ext2fs_dirent_ftype(fs, mode), 0 };

	if (namelen == 2 && name[0] == '.' && name[1] == '.') {
		ext2fs_dcache_drop(dp);
		return dw_set_dotdot(fs, dp, newino);
	}
	return dw_change(fs, dp, &op);
}

static int dw_empty_fn(struct ext2fs *fs, void *arg, uint8_t *data)
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

	if (dp->flags & IFL_INLINE_DATA)
		return ext2fs_inline_dir_isempty(fs, dp);
	error = dw_each(fs, dp, dw_empty_fn, NULL);
	return error == ENOENT ? 0 : error == 0 ? ENOTEMPTY : error;
}

/* Block 0 of a directory that has none yet: data (bsize bytes) gets its
 * tail checksum; i_size becomes one block. */
int ext2fs_dir_write_first(struct ext2fs *fs, struct ext2fs_inode *ip,
    const uint8_t *data)
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
	memcpy(bp->b_data, data, fs->bsize);
	dw_done(fs, ip, bp);
	ip->size = fs->bsize;
	return 0;
}

/* The first block of a new directory: ".", "..", the tail. */
int ext2fs_dir_init(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t parent)
{
	uint8_t *data = calloc(1, fs->bsize);
	int error;

	if (data == NULL)
		return ENOMEM;
	ext2fs_dirent_put(data, ip->ino, 12, ".", 1,
	    ext2fs_dirent_ftype(fs, S_IFDIR));
	ext2fs_dirent_put(data + 12, parent, fs->bsize - 12 - dw_tail(fs),
	    "..", 2, ext2fs_dirent_ftype(fs, S_IFDIR));
	error = ext2fs_dir_write_first(fs, ip, data);
	free(data);
	return error;
}
