/* ffs_truncate.c: changing a file's size: freeing blocks, fragments and indirect blocks past the new end; freeing a UFS2 extended-attribute area. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * Shrinking keeps the balloc invariant: blocks wholly past the new end are
 * freed (indirect blocks too, once no pointer in them is left), the new
 * last direct block is cut down to the fragments it needs, and the bytes
 * after the end inside the kept block are zeroed, so a later extension
 * reads zeros. The pointer tree has depth at most 3 and each block freed
 * is checked against the bitmap first, so a hostile tree cannot loop.
 */

struct ffs_trunc {
	struct ffs_mount *fm;
	uint64_t ino;
	uint64_t keep;      /* lbns < keep stay */
	uint64_t freed;     /* DEV_BSIZE units released */
};

static int ffs_free_block(struct ffs_trunc *t, uint64_t daddr, uint32_t size)
{
	int error = ffs_free_frags(t->fm, t->ino, daddr, size / t->fm->fm_fsize);

	if (error == 0)
		t->freed += size / FFS_DEV_BSIZE;
	return error;
}

/*
 * Frees what indirect block `blk` (level 1..3, covering lbns from `base`)
 * maps past t->keep; *empty says whether the block itself can go.
 */
static int ffs_indir_trunc(struct ffs_trunc *t, uint64_t blk, int level,
    uint64_t base, int *empty)
{
	struct ffs_mount *fm = t->fm;
	uint64_t span = 1, i, p, first;
	struct buf *bp;
	int k, error = 0, sub, dirty = 0;

	for (k = 1; k < level; k++)
		span *= fm->fm_nindir;
	if (blk % fm->fm_frag || !ffs_daddr_ok(fm, blk, fm->fm_frag))
		return vfs_corrupt(fm->fm_mp, t->ino, blk, "indirect block "
		    "address out of range");
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, blk), fm->fm_bsize,
	    &bp)) != 0)
		return error;
	*empty = 1;
	first = t->keep > base ? (t->keep - base + span - 1) / span : 0;
	for (i = 0; i < fm->fm_nindir && error == 0; i++) {
		if ((p = ffs_ptr_get(fm, bp->b_data, i)) == 0)
			continue;
		sub = i >= first;
		if (level > 1 && (sub || base + (i + 1) * span > t->keep))
			error = ffs_indir_trunc(t, p, level - 1, base + i * span,
			    &sub);
		if (error == 0 && sub) {
			error = ffs_free_block(t, p, fm->fm_bsize);
			ffs_ptr_put(fm, bp->b_data, i, 0);
			dirty = 1;
		} else
			*empty = 0;
	}
	if (dirty)
		bdwrite(bp);
	else
		brelse(bp);
	return error;
}

/* Cuts the kept last direct block to nsz bytes and zeroes past `length`. */
static int ffs_trunc_last(struct ffs_trunc *t, struct ffs_dinode *di,
    uint64_t lbn, uint32_t osz, uint32_t nsz, uint64_t length)
{
	struct ffs_mount *fm = t->fm;
	uint64_t daddr, run;
	uint32_t boff = (uint32_t)(length % fm->fm_bsize);
	struct buf *bp;
	uint8_t *tmp;
	int error;

	if ((error = ffs_bmap(fm, t->ino, di, lbn, &daddr, &run)) != 0)
		return error;
	if (daddr == 0 || (boff == 0 && nsz == osz))
		return 0;
	if (!ffs_daddr_ok(fm, daddr, osz / fm->fm_fsize))
		return vfs_corrupt(fm->fm_mp, t->ino, daddr, "data block %llu "
		    "out of range", (unsigned long long)lbn);
	if ((tmp = calloc(1, osz)) == NULL)
		return ENOMEM;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, daddr), osz, &bp)) != 0)
		goto out;
	memcpy(tmp, bp->b_data, boff ? boff : osz);
	brelse(bp);
	if (nsz < osz && (error = ffs_free_block(t, daddr + nsz / fm->fm_fsize,
	    osz - nsz)) != 0)
		goto out;
	if ((error = bget(fm->fm_bc, ffs_fsbyte(fm, daddr), nsz, &bp)) != 0)
		goto out;
	memcpy(bp->b_data, tmp, nsz);
	bdwrite(bp);
out:
	free(tmp);
	return error;
}

/* Frees every block at or past lbn t->keep (direct, then each tree). */
static int ffs_trunc_blocks(struct ffs_trunc *t, struct ffs_dinode *di,
    uint64_t oldsize)
{
	struct ffs_mount *fm = t->fm;
	uint64_t base = FFS_NDADDR, span = fm->fm_nindir, i;
	int level, empty, error;

	for (i = t->keep; i < FFS_NDADDR; i++) {
		if (di->di_db[i] == 0)
			continue;
		if ((error = ffs_free_block(t, di->di_db[i],
		    ffs_blksize(fm, oldsize, i))) != 0)
			return error;
		di->di_db[i] = 0;
	}
	for (level = 1; level <= FFS_NIADDR; level++) {
		if (di->di_ib[level - 1] != 0 && base + span > t->keep) {
			if ((error = ffs_indir_trunc(t, di->di_ib[level - 1],
			    level, base, &empty)) != 0)
				return error;
			if (empty) {
				if ((error = ffs_free_block(t,
				    di->di_ib[level - 1], fm->fm_bsize)) != 0)
					return error;
				di->di_ib[level - 1] = 0;
			}
		}
		base += span;
		span *= fm->fm_nindir;
	}
	return 0;
}

/* Sets the size; updates *di and writes the inode. Fast symlinks and
 * device nodes hold no blocks: their pointer area is simply cleared. */
int ffs_truncate(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    uint64_t length)
{
	struct ffs_trunc t = { fm, ino, 0, 0 };
	uint64_t oldsize = di->di_size, lbn;
	int error = 0;

	if (!S_ISREG(di->di_mode) && !S_ISDIR(di->di_mode) &&
	    !(S_ISLNK(di->di_mode) && oldsize >= fm->fm_maxsymlinklen)) {
		memset(di->di_db, 0, sizeof(di->di_db));
		memset(di->di_ib, 0, sizeof(di->di_ib));
		di->di_size = 0;
		return ffs_iwrite(fm, ino, di);
	}
	if (length > oldsize) {
		/* BSD allocates the block holding the new last byte */
		error = ffs_balloc(fm, ino, di, length - 1, 1);
		return error ? error : ffs_iwrite(fm, ino, di);
	}
	t.keep = (length + fm->fm_bsize - 1) / fm->fm_bsize;
	if (length > 0) {
		lbn = (length - 1) / fm->fm_bsize;
		error = ffs_trunc_last(&t, di, lbn, lbn == (oldsize - 1) /
		    fm->fm_bsize ? ffs_blksize(fm, oldsize, lbn) : fm->fm_bsize,
		    ffs_blksize(fm, length, lbn), length);
	}
	if (error == 0)
		error = ffs_trunc_blocks(&t, di, oldsize);
	di->di_blocks = di->di_blocks > t.freed ? di->di_blocks - t.freed : 0;
	di->di_size = length;
	if (error == 0)
		error = ffs_iwrite(fm, ino, di);
	return error;
}

/* Bytes of block i of an inode's extended-attribute area; 0 if none. */
static uint32_t ffs_ext_blksize(const struct ffs_mount *fm,
    const struct ffs_dinode *di, uint32_t i)
{
	if (di->di_extb[i] == 0 || (uint64_t)i * fm->fm_bsize >= di->di_extsize)
		return 0;
	return ffs_blksize(fm, di->di_extsize, i);
}

/*
 * Frees a UFS2 inode's extended-attribute area (di_extb, di_extsize bytes:
 * whole blocks, the last one cut to the fragments it needs, as the data's
 * last direct block) when the inode goes. Truncation leaves the area alone.
 */
int ffs_ext_free(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di)
{
	struct ffs_trunc t = { fm, ino, 0, 0 };
	uint32_t i, sz;
	int error;

	if (!fm->fm_ufs2 || di->di_extsize == 0)
		return 0;
	if (di->di_extsize > FFS_NXADDR * fm->fm_bsize)
		return vfs_corrupt(fm->fm_mp, ino, 0, "di_extsize %u exceeds %u",
		    di->di_extsize, FFS_NXADDR * fm->fm_bsize);
	/* every address checked before any is freed */
	for (i = 0; i < FFS_NXADDR; i++)
		if ((sz = ffs_ext_blksize(fm, di, i)) != 0 &&
		    !ffs_daddr_ok(fm, di->di_extb[i], sz / fm->fm_fsize))
			return vfs_corrupt(fm->fm_mp, ino, di->di_extb[i],
			    "extended attribute block out of range");
	for (i = 0; i < FFS_NXADDR; i++) {
		if ((sz = ffs_ext_blksize(fm, di, i)) != 0 &&
		    (error = ffs_free_block(&t, di->di_extb[i], sz)) != 0)
			return error;
		di->di_extb[i] = 0;
	}
	di->di_extsize = 0;
	di->di_blocks = di->di_blocks > t.freed ? di->di_blocks - t.freed : 0;
	return 0;
}
