/* ffs_alloc.c: allocating and freeing fragments, blocks and inodes in the cylinder groups, with exact summaries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * Accounting invariant: for every block of a group, the group's counts hold
 * "one free block" if all its fragments are free, else "k free fragments"
 * and one cg_frsum[len] for each maximal run of len free fragments. Every
 * change to the fragment map goes through ffs_cg_change, which takes the
 * block's share out of the counts, changes the bits, and puts the new share
 * back: so cg_cs, cg_frsum, the cluster map and summary, fm_cs[c] and
 * fm_cstotal stay exact whatever was there before. Each change stays inside
 * one block.
 */

static inline int ffs_isset(const uint8_t *map, uint64_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}
static inline void ffs_setbit(uint8_t *map, uint64_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}
static inline void ffs_clrbit(uint8_t *map, uint64_t i)
{
	map[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static void ffs_cg_add(const struct ffs_mount *fm, uint8_t *cg, int which,
    int32_t delta)
{
	uint8_t *p = cg + FFS_CG_CS + 4 * which;

	ffs_put32(fm, p, (uint32_t)((int32_t)ffs_get32(fm, p) + delta));
}

/* One change of a count: in the group block, fm_cs[c] and the totals. */
static void ffs_count(struct ffs_mount *fm, uint32_t c, uint8_t *cg,
    int which, int32_t delta)
{
	ffs_cg_add(fm, cg, which, delta);
	fm->fm_cs[c].cs[which] += delta;
	fm->fm_cstotal.cs[which] += delta;
	fm->fm_csdirty = 1;
}

/* Adds (sign +1) or takes out (-1) block bno's share of the free counts. */
static int ffs_blk_acct(struct ffs_mount *fm, uint32_t c, uint8_t *cg,
    uint32_t bno, int sign)
{
	const uint8_t *map = cg + ffs_get32(fm, cg + FFS_CG_FREEOFF);
	uint64_t f0 = (uint64_t)bno * fm->fm_frag;
	uint32_t i, run = 0, nfree = 0;

	for (i = 0; i <= fm->fm_frag; i++) {
		if (i < fm->fm_frag && ffs_isset(map, f0 + i)) {
			run++;
			nfree++;
			continue;
		}
		if (run > 0 && run < fm->fm_frag) {
			uint8_t *fr = cg + FFS_CG_FRSUM + 4 * run;
			ffs_put32(fm, fr, (uint32_t)((int32_t)ffs_get32(fm, fr) +
			    sign));
		}
		run = 0;
	}
	if (nfree == fm->fm_frag)
		ffs_count(fm, c, cg, FFS_CS_NBFREE, sign);
	else if (nfree > 0)
		ffs_count(fm, c, cg, FFS_CS_NFFREE, sign * (int32_t)nfree);
	return nfree == fm->fm_frag;
}

/* Block bno became free (cnt 1) or stopped being free (-1): the cluster maps. */
static void ffs_clusteracct(struct ffs_mount *fm, uint8_t *cg, uint32_t bno,
    int cnt)
{
	uint32_t csz = fm->fm_contigsumsize, nblk, back = 0, forw = 0, i;
	uint8_t *map, *sum;

	if (csz == 0)
		return;
	map = cg + ffs_get32(fm, cg + FFS_CG_CLUSTEROFF);
	sum = cg + ffs_get32(fm, cg + FFS_CG_CLUSTERSUMOFF);
	nblk = fm->fm_fpg / fm->fm_frag;
	if (cnt > 0)
		ffs_setbit(map, bno);
	else
		ffs_clrbit(map, bno);
	/* runs longer than csz all count in the last slot, so csz is enough */
	for (i = bno; i > 0 && back < csz && ffs_isset(map, i - 1); i--)
		back++;
	for (i = bno + 1; i < nblk && forw < csz && ffs_isset(map, i); i++)
		forw++;
	i = back + forw + 1 < csz ? back + forw + 1 : csz;
	ffs_put32(fm, sum + 4 * i, ffs_get32(fm, sum + 4 * i) + (uint32_t)cnt);
	if (back > 0)
		ffs_put32(fm, sum + 4 * back, ffs_get32(fm, sum + 4 * back) -
		    (uint32_t)cnt);
	if (forw > 0)
		ffs_put32(fm, sum + 4 * forw, ffs_get32(fm, sum + 4 * forw) -
		    (uint32_t)cnt);
}

static void ffs_cg_stamp(struct ffs_mount *fm, uint8_t *cg)
{
	if (fm->fm_ufs2)
		ffs_put64(fm, cg + FFS_CG_TIME, (uint64_t)time(NULL));
	else
		ffs_put32(fm, cg + FFS_CG_OLD_TIME, (uint32_t)time(NULL));
}

/* Marks n fragments from group-relative fragment f allocated or free. */
static void ffs_cg_change(struct ffs_mount *fm, uint32_t c, uint8_t *cg,
    uint64_t f, uint32_t n, int alloc)
{
	uint8_t *map = cg + ffs_get32(fm, cg + FFS_CG_FREEOFF);
	uint32_t bno = (uint32_t)(f / fm->fm_frag), i;
	int was, now;

	was = ffs_blk_acct(fm, c, cg, bno, -1);
	for (i = 0; i < n; i++) {
		if (alloc)
			ffs_clrbit(map, f + i);
		else
			ffs_setbit(map, f + i);
	}
	now = ffs_blk_acct(fm, c, cg, bno, 1);
	if (was != now)
		ffs_clusteracct(fm, cg, bno, now ? 1 : -1);
	ffs_cg_stamp(fm, cg);
}

/* Are fragments [f, f+n) of the group all free (and inside one block)? */
static int ffs_frags_free(const struct ffs_mount *fm, const uint8_t *cg,
    uint64_t f, uint32_t n)
{
	const uint8_t *map = cg + ffs_get32(fm, cg + FFS_CG_FREEOFF);
	uint32_t i;

	if (f + n > fm->fm_fpg || (f % fm->fm_frag) + n > fm->fm_frag)
		return 0;
	for (i = 0; i < n; i++)
		if (!ffs_isset(map, f + i))
			return 0;
	return 1;
}

/* Finds n free fragments in a group: the preferred spot, a fitting run, a block. */
static int ffs_cg_search(const struct ffs_mount *fm, const uint8_t *cg,
    int64_t pref, uint32_t n, uint64_t *f)
{
	uint32_t nblk = fm->fm_fpg / fm->fm_frag, b, i, start;
	int pass;

	if (pref >= 0 && ffs_frags_free(fm, cg, (uint64_t)pref, n)) {
		*f = (uint64_t)pref;
		return 0;
	}
	start = pref >= 0 ? (uint32_t)(pref / fm->fm_frag) : 0;
	/* pass 0: a partly used block with room (keeps whole blocks whole);
	 * pass 1: any block with room */
	for (pass = n == fm->fm_frag ? 1 : 0; pass < 2; pass++)
		for (b = 0; b < nblk; b++) {
			uint64_t f0 = (uint64_t)((start + b) % nblk) * fm->fm_frag;
			if (pass == 0 && ffs_frags_free(fm, cg, f0, fm->fm_frag))
				continue;
			for (i = 0; i + n <= fm->fm_frag; i++)
				if (ffs_frags_free(fm, cg, f0 + i, n)) {
					*f = f0 + i;
					return 0;
				}
		}
	return ENOSPC;
}

static int ffs_cg_read_check(struct ffs_mount *fm, uint32_t c, struct buf *bp)
{
	return ffs_cg_check(fm, c, bp->b_data);
}

int ffs_alloc_frags(struct ffs_mount *fm, uint64_t pref, uint32_t nfrags,
    uint64_t *daddr)
{
	uint32_t pc = pref < fm->fm_size ? (uint32_t)(pref / fm->fm_fpg) : 0;
	uint32_t i, c;
	struct buf *bp;
	uint64_t f;
	int error;

	for (i = 0; i < fm->fm_ncg; i++) {
		c = (pc + i) % fm->fm_ncg;
		if (fm->fm_cs[c].cs[FFS_CS_NBFREE] == 0 && (nfrags ==
		    fm->fm_frag || fm->fm_cs[c].cs[FFS_CS_NFFREE] < nfrags))
			continue;
		if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
		    fm->fm_cgsize, &bp)) != 0)
			return error;
		if ((error = ffs_cg_read_check(fm, c, bp)) != 0) {
			brelse(bp);
			return error;
		}
		if (ffs_cg_search(fm, bp->b_data, i == 0 && pref ?
		    (int64_t)(pref - ffs_cgbase(fm, c)) : -1, nfrags, &f) != 0) {
			brelse(bp);
			continue;
		}
		ffs_cg_change(fm, c, bp->b_data, f, nfrags, 1);
		bdwrite(bp);
		*daddr = ffs_cgbase(fm, c) + f;
		return 0;
	}
	return ENOSPC;
}

/* Grows a fragment run in place from ofrags to nfrags, if the next ones are free. */
int ffs_extend_frags(struct ffs_mount *fm, uint64_t daddr, uint32_t ofrags,
    uint32_t nfrags)
{
	uint32_t c = (uint32_t)(daddr / fm->fm_fpg);
	uint64_t f = daddr - ffs_cgbase(fm, c) + ofrags;
	struct buf *bp;
	int error;

	if ((daddr % fm->fm_frag) + nfrags > fm->fm_frag)
		return ENOSPC;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		return error;
	if ((error = ffs_cg_read_check(fm, c, bp)) == 0 &&
	    !ffs_frags_free(fm, bp->b_data, f, nfrags - ofrags))
		error = ENOSPC;
	if (error) {
		brelse(bp);
		return error;
	}
	ffs_cg_change(fm, c, bp->b_data, f, nfrags - ofrags, 1);
	bdwrite(bp);
	return 0;
}

int ffs_free_frags(struct ffs_mount *fm, uint64_t ino, uint64_t daddr,
    uint32_t nfrags)
{
	const uint8_t *map;
	uint32_t c, i;
	uint64_t f;
	struct buf *bp;
	int error;

	if (!ffs_daddr_ok(fm, daddr, nfrags))
		return vfs_corrupt(fm->fm_mp, ino, daddr, "freeing %u "
		    "fragments out of range", nfrags);
	c = (uint32_t)(daddr / fm->fm_fpg);
	f = daddr - ffs_cgbase(fm, c);
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		return error;
	if ((error = ffs_cg_read_check(fm, c, bp)) != 0)
		goto bad;
	map = bp->b_data + ffs_get32(fm, bp->b_data + FFS_CG_FREEOFF);
	for (i = 0; i < nfrags; i++)
		if (ffs_isset(map, f + i)) {
			error = vfs_corrupt(fm->fm_mp, ino, daddr + i,
			    "freeing a fragment that is already free");
			goto bad;
		}
	ffs_cg_change(fm, c, bp->b_data, f, nfrags, 0);
	bdwrite(bp);
	/* a stale cached copy must never be written over the next owner */
	for (i = 0; i < nfrags; i++)
		bio_invalidate(fm->fm_bc, ffs_fsbyte(fm, daddr + i));
	return 0;
bad:
	brelse(bp);
	return error;
}

/* UFS2 groups start with uninitialized inode blocks: zero up to inode idx. */
static int ffs_init_iblocks(struct ffs_mount *fm, uint32_t c, uint8_t *cg,
    uint32_t idx)
{
	uint32_t inited = ffs_get32(fm, cg + FFS_CG_INITEDIBLK);
	struct buf *bp;
	int error;

	while (fm->fm_ufs2 && inited <= idx) {
		uint64_t d = ffs_cgimin(fm, c) +
		    (uint64_t)(inited / fm->fm_inopb) * fm->fm_frag;
		if ((error = bget(fm->fm_bc, ffs_fsbyte(fm, d), fm->fm_bsize,
		    &bp)) != 0)
			return error;
		memset(bp->b_data, 0, fm->fm_bsize);
		bdwrite(bp);
		inited += fm->fm_inopb;
		ffs_put32(fm, cg + FFS_CG_INITEDIBLK, inited);
	}
	return 0;
}

/* Takes the first free inode of group c, if any (ENOSPC otherwise). */
static int ffs_cg_ialloc(struct ffs_mount *fm, uint32_t c, int isdir,
    uint64_t *ino)
{
	struct buf *bp;
	uint8_t *map;
	uint32_t idx;
	int error;

	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		return error;
	if ((error = ffs_cg_read_check(fm, c, bp)) != 0)
		goto bad;
	map = bp->b_data + ffs_get32(fm, bp->b_data + FFS_CG_IUSEDOFF);
	for (idx = c == 0 ? FFS_ROOTINO + 1 : 0; idx < fm->fm_ipg; idx++)
		if (!ffs_isset(map, idx))
			break;
	error = idx == fm->fm_ipg ? ENOSPC : 0;
	if (error == 0)
		error = ffs_init_iblocks(fm, c, bp->b_data, idx);
	if (error)
		goto bad;
	ffs_setbit(map, idx);
	ffs_count(fm, c, bp->b_data, FFS_CS_NIFREE, -1);
	if (isdir)
		ffs_count(fm, c, bp->b_data, FFS_CS_NDIR, 1);
	ffs_put32(fm, bp->b_data + FFS_CG_IROTOR, idx);
	ffs_cg_stamp(fm, bp->b_data);
	bdwrite(bp);
	*ino = (uint64_t)c * fm->fm_ipg + idx;
	return 0;
bad:
	brelse(bp);
	return error;
}

/* Directories go to the group with the most free inodes; files near their dir. */
int ffs_alloc_inode(struct ffs_mount *fm, uint64_t dirino, int isdir,
    uint64_t *ino)
{
	uint32_t pc = (uint32_t)(dirino / fm->fm_ipg), c, i;
	int error;

	if (isdir) {
		for (c = 0; c < fm->fm_ncg; c++)
			if (fm->fm_cs[c].cs[FFS_CS_NIFREE] >
			    fm->fm_cs[pc].cs[FFS_CS_NIFREE])
				pc = c;
	}
	for (i = 0; i < fm->fm_ncg; i++) {
		c = (pc + i) % fm->fm_ncg;
		if (fm->fm_cs[c].cs[FFS_CS_NIFREE] <= 0)
			continue;
		error = ffs_cg_ialloc(fm, c, isdir, ino);
		if (error != ENOSPC)
			return error;
	}
	return ENOSPC;
}

int ffs_free_inode(struct ffs_mount *fm, uint64_t ino, int isdir)
{
	uint32_t c = (uint32_t)(ino / fm->fm_ipg);
	uint32_t idx = (uint32_t)(ino % fm->fm_ipg);
	struct buf *bp;
	uint8_t *map;
	int error;

	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		return error;
	if ((error = ffs_cg_read_check(fm, c, bp)) != 0)
		goto bad;
	map = bp->b_data + ffs_get32(fm, bp->b_data + FFS_CG_IUSEDOFF);
	if (!ffs_isset(map, idx)) {
		error = vfs_corrupt(fm->fm_mp, ino, 0, "freeing an inode that "
		    "is already free");
		goto bad;
	}
	ffs_clrbit(map, idx);
	ffs_count(fm, c, bp->b_data, FFS_CS_NIFREE, 1);
	if (isdir)
		ffs_count(fm, c, bp->b_data, FFS_CS_NDIR, -1);
	ffs_cg_stamp(fm, bp->b_data);
	bdwrite(bp);
	return 0;
bad:
	brelse(bp);
	return error;
}

/*
 * Recounts a group from its maps (for fsck): free blocks, fragments and
 * inodes into cs (ndir left alone), the fragment-run and cluster summaries.
 */
int ffs_cg_count(const struct ffs_mount *fm, uint32_t c, const uint8_t *cg,
    struct ffs_csum *cs, int32_t frsum[FFS_MAXFRAG], int32_t *clsum)
{
	const uint8_t *fmap = cg + ffs_get32(fm, cg + FFS_CG_FREEOFF);
	const uint8_t *imap = cg + ffs_get32(fm, cg + FFS_CG_IUSEDOFF);
	uint32_t nblk = fm->fm_fpg / fm->fm_frag, b, i, run, nfree, clrun = 0;

	memset(frsum, 0, FFS_MAXFRAG * sizeof(int32_t));
	memset(clsum, 0, (fm->fm_contigsumsize + 1) * sizeof(int32_t));
	cs->cs[FFS_CS_NBFREE] = cs->cs[FFS_CS_NFFREE] = cs->cs[FFS_CS_NIFREE] = 0;
	for (i = 0; i < fm->fm_ipg; i++)
		cs->cs[FFS_CS_NIFREE] += !ffs_isset(imap, i);
	for (b = 0; b <= nblk; b++) {
		nfree = run = 0;
		for (i = 0; b < nblk && i <= fm->fm_frag; i++) {
			if (i < fm->fm_frag && ffs_isset(fmap,
			    (uint64_t)b * fm->fm_frag + i)) {
				run++, nfree++;
				continue;
			}
			if (run > 0 && run < fm->fm_frag)
				frsum[run]++;
			run = 0;
		}
		if (b < nblk && nfree == fm->fm_frag) {
			cs->cs[FFS_CS_NBFREE]++;
			clrun++;
			continue;
		}
		cs->cs[FFS_CS_NFFREE] += nfree;
		if (clrun > 0 && fm->fm_contigsumsize > 0)
			clsum[clrun < fm->fm_contigsumsize ? clrun :
			    fm->fm_contigsumsize]++;
		clrun = 0;
	}
	return 0;
}
