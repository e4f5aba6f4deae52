/* ffs_balloc.c: growing a file: allocating data and indirect blocks, expanding fragments, and vop_write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * Invariant kept here: a direct block lbn of a file of size S holds
 * ffs_blksize(S, lbn) bytes of fragments, so only the last block may be a
 * partial one. Before a file grows past a partial block, that block is
 * expanded to a full one (in place if the next fragments are free, else
 * moved). New blocks get a zeroed buffer, so bytes never written read as 0.
 * di_size advances block by block so the invariant holds at every step.
 */

/* A zero-filled buffer for a newly allocated block or fragment run. */
static int ffs_zero_new(struct ffs_mount *fm, uint64_t daddr, uint32_t size)
{
	struct buf *bp;
	int error;

	if ((error = bget(fm->fm_bc, ffs_fsbyte(fm, daddr), size, &bp)) != 0)
		return error;
	memset(bp->b_data, 0, size);
	bdwrite(bp);
	return 0;
}

/* Moves a fragment run's bytes to a (possibly bigger) new home, zero-padded. */
static int ffs_copy_frags(struct ffs_mount *fm, uint64_t from, uint32_t osz,
    uint64_t to, uint32_t nsz)
{
	uint8_t *tmp;
	struct buf *bp;
	int error;

	if ((tmp = calloc(1, nsz)) == NULL)
		return ENOMEM;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, from), osz, &bp)) != 0)
		goto out;
	memcpy(tmp, bp->b_data, osz);
	brelse(bp);
	/* bget evicts (writing back) a cached buffer of the old size first */
	if ((error = bget(fm->fm_bc, ffs_fsbyte(fm, to), nsz, &bp)) != 0)
		goto out;
	memcpy(bp->b_data, tmp, nsz);
	bdwrite(bp);
out:
	free(tmp);
	return error;
}

/* Grows direct block lbn from osz to nsz bytes: in place, or moved. */
static int ffs_grow_frags(struct ffs_mount *fm, uint64_t ino,
    struct ffs_dinode *di, uint64_t lbn, uint32_t osz, uint32_t nsz)
{
	uint64_t old = di->di_db[lbn], nd;
	uint32_t of = osz / fm->fm_fsize, nf = nsz / fm->fm_fsize;
	int error;

	if (!ffs_daddr_ok(fm, old, of))
		return vfs_corrupt(fm->fm_mp, ino, old, "data block %llu out "
		    "of range", (unsigned long long)lbn);
	error = ffs_extend_frags(fm, old, of, nf);
	if (error == 0)
		nd = old;
	else if (error == ENOSPC)
		error = ffs_alloc_frags(fm, old, nf, &nd);
	if (error)
		return error;
	if ((error = ffs_copy_frags(fm, old, osz, nd, nsz)) != 0)
		return error;
	if (nd != old && (error = ffs_free_frags(fm, ino, old, of)) != 0)
		return error;
	di->di_db[lbn] = nd;
	di->di_blocks += (nsz - osz) / FFS_DEV_BSIZE;
	return 0;
}

/* Allocates one zeroed block or fragment run near pref; counts it in di. */
static int ffs_new_block(struct ffs_mount *fm, struct ffs_dinode *di,
    uint64_t pref, uint32_t size, uint64_t *daddr)
{
	int error;

	if ((error = ffs_alloc_frags(fm, pref, size / fm->fm_fsize,
	    daddr)) != 0)
		return error;
	di->di_blocks += size / FFS_DEV_BSIZE;
	return ffs_zero_new(fm, *daddr, size);
}

/* Makes the pointer chain down to lbn exist (level >= 1); *daddr = the block. */
static int ffs_balloc_indir(struct ffs_mount *fm, uint64_t ino,
    struct ffs_dinode *di, int level, const uint64_t idx[4], uint64_t pref,
    uint64_t *daddr)
{
	uint64_t p = di->di_ib[idx[0]], q;
	struct buf *bp;
	int k, error;

	if (p == 0) {
		if ((error = ffs_new_block(fm, di, pref, fm->fm_bsize, &p)) != 0)
			return error;
		di->di_ib[idx[0]] = p;
	}
	for (k = 1; k <= level; k++) {
		if (p % fm->fm_frag || !ffs_daddr_ok(fm, p, fm->fm_frag))
			return vfs_corrupt(fm->fm_mp, ino, p, "indirect block "
			    "address out of range");
		if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, p), fm->fm_bsize,
		    &bp)) != 0)
			return error;
		q = ffs_ptr_get(fm, bp->b_data, idx[k]);
		if (q != 0) {
			brelse(bp);
			p = q;
			continue;
		}
		error = ffs_new_block(fm, di, p, fm->fm_bsize, &q);
		if (error) {
			brelse(bp);
			return error;
		}
		ffs_ptr_put(fm, bp->b_data, idx[k], q);
		bdwrite(bp);
		p = q;
	}
	*daddr = p;
	return 0;
}

/* Makes logical block lbn exist with the size a file of newsize needs. */
static int ffs_balloc_lbn(struct ffs_mount *fm, uint64_t ino,
    struct ffs_dinode *di, uint64_t lbn, uint64_t newsize, uint64_t *pref)
{
	uint64_t idx[4], d;
	uint32_t nsz = ffs_blksize(fm, newsize, lbn), osz;
	int level, error;

	if ((error = ffs_lbn_path(fm, lbn, &level, idx)) != 0)
		return error;
	if (level > 0)
		return ffs_balloc_indir(fm, ino, di, level, idx, *pref, pref);
	if (di->di_db[lbn] == 0) {
		if ((error = ffs_new_block(fm, di, *pref, nsz, &d)) != 0)
			return error;
		di->di_db[lbn] = d;
	} else {
		osz = di->di_size > 0 && lbn == (di->di_size - 1) /
		    fm->fm_bsize ? ffs_blksize(fm, di->di_size, lbn) :
		    fm->fm_bsize;
		if (osz < nsz &&
		    (error = ffs_grow_frags(fm, ino, di, lbn, osz, nsz)) != 0)
			return error;
	}
	*pref = di->di_db[lbn];
	return 0;
}

/* Where to look for the next block: after the one before, else the inode's group. */
static uint64_t ffs_blkpref(struct ffs_mount *fm, uint64_t ino,
    const struct ffs_dinode *di, uint64_t lbn)
{
	uint64_t d = 0;

	if (lbn > 0 && ffs_bmap(fm, ino, di, lbn - 1, &d, NULL) == 0 && d)
		return d + fm->fm_frag;
	return ffs_cgdmin(fm, (uint32_t)(ino / fm->fm_ipg));
}

int ffs_balloc(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    uint64_t off, uint64_t len)
{
	uint64_t newsize = off + len, lbn, last, pref, olast;
	int error;

	if (newsize < di->di_size)
		newsize = di->di_size;
	if (len == 0 || newsize > fm->fm_maxfilesize)
		return len == 0 ? 0 : EFBIG;
	/* a partial last block followed by more data must become whole */
	olast = di->di_size > 0 ? (di->di_size - 1) / fm->fm_bsize : 0;
	if (di->di_size > 0 && olast < FFS_NDADDR &&
	    (newsize - 1) / fm->fm_bsize > olast && di->di_db[olast] != 0) {
		uint32_t osz = ffs_blksize(fm, di->di_size, olast);
		if (osz < fm->fm_bsize && (error = ffs_grow_frags(fm, ino, di,
		    olast, osz, fm->fm_bsize)) != 0)
			return error;
	}
	if (di->di_size > 0 && olast < (newsize - 1) / fm->fm_bsize &&
	    di->di_size < (olast + 1) * fm->fm_bsize)
		di->di_size = (olast + 1) * fm->fm_bsize;
	last = (off + len - 1) / fm->fm_bsize;
	pref = ffs_blkpref(fm, ino, di, off / fm->fm_bsize);
	for (lbn = off / fm->fm_bsize; lbn <= last; lbn++) {
		if ((error = ffs_balloc_lbn(fm, ino, di, lbn, newsize,
		    &pref)) != 0)
			return error;
		pref += fm->fm_frag;
		if (di->di_size < (lbn + 1) * fm->fm_bsize)
			di->di_size = (lbn + 1) * fm->fm_bsize < newsize ?
			    (lbn + 1) * fm->fm_bsize : newsize;
	}
	di->di_size = newsize;
	return 0;
}

/* Copies len bytes into block lbn at offset boff, through the cache. */
static int ffs_write_block(struct ffs_mount *fm, uint64_t ino,
    const struct ffs_dinode *di, uint64_t lbn, uint32_t boff,
    const uint8_t *src, uint32_t len)
{
	uint32_t bsz = ffs_blksize(fm, di->di_size, lbn);
	uint64_t daddr;
	struct buf *bp;
	int error;

	if ((error = ffs_bmap(fm, ino, di, lbn, &daddr, NULL)) != 0)
		return error;
	if (daddr == 0 || !ffs_daddr_ok(fm, daddr, bsz / fm->fm_fsize))
		return vfs_corrupt(fm->fm_mp, ino, daddr, "block %llu missing "
		    "after allocation", (unsigned long long)lbn);
	if (boff == 0 && len == bsz)
		error = bget(fm->fm_bc, ffs_fsbyte(fm, daddr), bsz, &bp);
	else
		error = bread(fm->fm_bc, ffs_fsbyte(fm, daddr), bsz, &bp);
	if (error)
		return error;
	memcpy(bp->b_data + boff, src, len);
	bdwrite(bp);
	return 0;
}

/* Writes len bytes at off into an inode's data, growing it; updates *di
 * (the caller writes the inode). */
int ffs_write_di(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    const void *buf, size_t len, uint64_t off, size_t *done)
{
	const uint8_t *src = buf;
	uint32_t boff, n;
	int error = 0;

	*done = 0;
	if (off > fm->fm_maxfilesize || len > fm->fm_maxfilesize - off)
		return EFBIG;
	while (*done < len) {
		boff = (uint32_t)(off % fm->fm_bsize);
		n = fm->fm_bsize - boff;
		if (n > len - *done)
			n = (uint32_t)(len - *done);
		error = ffs_balloc(fm, ino, di, off, n);
		if (error == 0)
			error = ffs_write_block(fm, ino, di, off / fm->fm_bsize,
			    boff, src + *done, n);
		if (error)
			break;
		*done += n;
		off += n;
	}
	return error;
}

/* write: takes and gives no references; extends the file as needed. */
int ffs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	int error, e2;

	*done = 0;
	if ((error = ffs_begin_write(fm)) != 0 ||
	    (error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (S_ISDIR(di.di_mode))
		return EISDIR;
	if (!S_ISREG(di.di_mode))
		return EINVAL;
	if (len == 0)
		return 0;
	error = ffs_write_di(fm, vp->v_ino, &di, buf, len, off, done);
	/* blocks may have been allocated even by a failed step: record them */
	if (*done > 0)
		ffs_itimes(&di, 0, 1, 1);
	e2 = ffs_iwrite(fm, vp->v_ino, &di);
	if (error == 0)
		error = e2;
	return *done > 0 && error == ENOSPC ? 0 : error;
}
