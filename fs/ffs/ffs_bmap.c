/* ffs_bmap.c: logical block to fragment address, through direct and 1-3 levels of indirect blocks. */
#include <errno.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * The pointer tree has a fixed depth (at most three indirect levels), so a
 * lookup reads at most three blocks whatever the image says: a pointer that
 * loops back to an ancestor cannot make it recurse. Every pointer is checked
 * with ffs_daddr_ok before it is followed.
 */

uint64_t ffs_ptr_get(const struct ffs_mount *fm, const uint8_t *blk,
    uint64_t i)
{
	if (fm->fm_ufs2)
		return ffs_get64(fm, blk + 8 * i);
	return ffs_get32(fm, blk + 4 * i);
}

void ffs_ptr_put(const struct ffs_mount *fm, uint8_t *blk, uint64_t i,
    uint64_t v)
{
	if (fm->fm_ufs2)
		ffs_put64(fm, blk + 8 * i, v);
	else
		ffs_put32(fm, blk + 4 * i, (uint32_t)v);
}

/* idx[0] is the slot in the inode (db[] for level 0, ib[] otherwise). */
int ffs_lbn_path(const struct ffs_mount *fm, uint64_t lbn, int *level,
    uint64_t idx[4])
{
	uint64_t n = fm->fm_nindir, n2 = n * n, n3 = n2 * n;

	if (lbn < FFS_NDADDR) {
		*level = 0;
		idx[0] = lbn;
		return 0;
	}
	lbn -= FFS_NDADDR;
	if (lbn < n) {
		*level = 1;
		idx[0] = 0;
		idx[1] = lbn;
		return 0;
	}
	lbn -= n;
	if (lbn < n2) {
		*level = 2;
		idx[0] = 1;
		idx[1] = lbn / n;
		idx[2] = lbn % n;
		return 0;
	}
	lbn -= n2;
	if (lbn < n3) {
		*level = 3;
		idx[0] = 2;
		idx[1] = lbn / n2;
		idx[2] = (lbn / n) % n;
		idx[3] = lbn % n;
		return 0;
	}
	return EFBIG;
}

/* Counts the full blocks after slot i of an array that follow on contiguously. */
static uint64_t ffs_count_run(const struct ffs_mount *fm,
    const uint8_t *blk, const uint64_t *arr, uint64_t i, uint64_t n)
{
	uint64_t run = 0, prev, next;

	prev = arr ? arr[i] : ffs_ptr_get(fm, blk, i);
	for (i++; i < n; i++, run++) {
		next = arr ? arr[i] : ffs_ptr_get(fm, blk, i);
		if (prev == 0 || next != prev + fm->fm_frag ||
		    !ffs_daddr_ok(fm, next, fm->fm_frag))
			break;
		prev = next;
	}
	return run;
}

/* Follows one indirect block: *p (a block address) becomes entry idx of it. */
static int ffs_indir_step(struct ffs_mount *fm, uint64_t ino, uint64_t *p,
    uint64_t idx, int last, uint64_t *run)
{
	struct buf *bp;
	int error;

	if (*p % fm->fm_frag != 0 || !ffs_daddr_ok(fm, *p, fm->fm_frag))
		return vfs_corrupt(fm->fm_mp, ino, *p, "indirect block "
		    "address out of range");
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, *p), fm->fm_bsize,
	    &bp)) != 0)
		return error;
	*p = ffs_ptr_get(fm, bp->b_data, idx);
	if (last && run)
		*run = ffs_count_run(fm, bp->b_data, NULL, idx, fm->fm_nindir);
	brelse(bp);
	return 0;
}

int ffs_bmap(struct ffs_mount *fm, uint64_t ino, const struct ffs_dinode *di,
    uint64_t lbn, uint64_t *daddr, uint64_t *run)
{
	uint64_t idx[4], p;
	int level, k, error;

	if (run)
		*run = 0;
	if ((error = ffs_lbn_path(fm, lbn, &level, idx)) != 0)
		return error;
	if (level == 0) {
		*daddr = di->di_db[lbn];
		if (run && lbn + 1 < FFS_NDADDR)
			*run = ffs_count_run(fm, NULL, di->di_db, lbn,
			    FFS_NDADDR);
		return 0;
	}
	p = di->di_ib[idx[0]];
	for (k = 1; k <= level && p != 0; k++)
		if ((error = ffs_indir_step(fm, ino, &p, idx[k], k == level,
		    run)) != 0)
			return error;
	if (p == 0 && run)
		*run = 0;
	*daddr = p;
	return 0;
}
