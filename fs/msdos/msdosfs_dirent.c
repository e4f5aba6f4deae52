/* msdosfs_dirent.c: making and removing directory entries: short-name generation, long-name slots, growing and shrinking directories. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

static const uint8_t lfn_pos[LFN_CHARS] = {
	1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30
};

int msdosfs_zero_cluster(struct msdosfs *fs, uint32_t cl)
{
	struct buf *bp;
	int error;

	if ((error = bget(fs->bc, msdosfs_clustoff(fs, cl), fs->csize, &bp)))
		return error;
	memset(bp->b_data, 0, fs->csize);
	bdwrite(bp);
	return 0;
}

/* Copies one 32-byte slot to directory offset off. */
static int slot_write(struct denode *dp, uint32_t off, const uint8_t *slot)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t bsize;
	int error;

	if ((error = msdosfs_dirblk(dp, off, &blk, &bsize)) != 0)
		return error == ENOENT ? EIO : error;
	if ((error = bread(dp->fs->bc, blk, bsize, &bp)) != 0)
		return error;
	memcpy(bp->b_data + off % bsize, slot, DIR_SIZE);
	bdwrite(bp);
	return 0;
}

static int slot_byte(struct denode *dp, uint32_t off, uint8_t *b)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t bsize;
	int error;

	if ((error = msdosfs_dirblk(dp, off, &blk, &bsize)) != 0)
		return error;
	if ((error = bread(dp->fs->bc, blk, bsize, &bp)) != 0)
		return error;
	*b = bp->b_data[off % bsize];
	brelse(bp);
	return 0;
}

/* Appends `count` zeroed clusters to the directory. */
static int dir_grow(struct denode *dp, uint32_t count)
{
	struct msdosfs *fs = dp->fs;
	uint32_t len, last, first = 0, c, i;
	int error;

	if (dp->start == 0 || dp->size + (uint64_t)count * fs->csize >
	    DIR_MAX_BYTES)
		return ENOSPC;
	error = msdosfs_chain_len(fs, dp->start, dp->start,
	    DIR_MAX_BYTES / fs->csize + 1, &len, &last);
	if (error == 0)
		error = msdosfs_alloc(fs, last, count, &first);
	for (i = 0, c = first; error == 0 && i < count; i++) {
		error = msdosfs_zero_cluster(fs, c);
		if (error == 0 && i + 1 < count)
			error = msdosfs_next(fs, dp->start, c, &c);
	}
	if (error == 0)
		dp->size = (len + count) * fs->csize;
	return error;
}

/*
 * Finds nslots consecutive free slots, growing the directory if needed.
 * Everything below the index's free hint is known to be in use.
 */
static int find_slots(struct denode *dp, uint32_t nslots, uint32_t *start)
{
	struct msdosfs *fs = dp->fs;
	uint32_t o = dp->dh ? dp->dh->freehint : 0, run = 0, need;
	uint8_t b;
	int error;

	for (;; o += DIR_SIZE) {
		error = slot_byte(dp, o, &b);
		if (error == ENOENT)
			break;
		if (error)
			return error;
		if (b == SLOT_DELETED || b == SLOT_EMPTY) {
			if (run++ == 0)
				*start = o;
			if (run == nslots)
				return 0;
		} else {
			run = 0;
		}
	}
	if (run == 0)
		*start = o;
	need = ((nslots - run) * DIR_SIZE + fs->csize - 1) / fs->csize;
	return dir_grow(dp, need);
}

/* The short name: the name itself if it is one, else a basis with "~N". */
static int pick_short(struct denode *dp, const uint16_t *u, size_t n,
    uint8_t *sname, uint8_t *ntres, int *needlfn)
{
	uint8_t basis[11], tmp[DIR_SIZE];
	uint16_t disp[12];
	struct msdosfs_dirent *ent;
	uint32_t i;
	int r = msdosfs_pack83(u, n, sname, ntres), error = EEXIST;

	*needlfn = r != 1;
	if (r >= 0 && !msdosfs_sname_taken(dp, sname)) {
		if (r == 0)
			*ntres = 0;
		return 0;
	}
	*needlfn = 1, *ntres = 0;
	msdosfs_basis83(u, n, basis);
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return ENOMEM;
	for (i = 1; i < 1000000; i++) {
		if (msdosfs_tail83(basis, i, sname) != 0)
			break;
		if (msdosfs_sname_taken(dp, sname))
			continue;
		/* nor may it read as another entry's long name */
		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, sname, 11);
		error = msdosfs_dir_find(dp, disp, msdosfs_short_display(tmp,
		    disp), ent);
		if (error == ENOENT) {
			error = 0;
			break;
		}
		if (error != 0)
			break;
		error = EEXIST;
	}
	free(ent);
	return error;
}

static void lfn_fill(uint8_t *slot, const uint16_t *u, size_t n, int ord,
    int last, uint8_t sum)
{
	size_t base = (size_t)(ord - 1) * LFN_CHARS, i;
	uint16_t c;

	memset(slot, 0, DIR_SIZE);
	slot[LDIR_ORD] = (uint8_t)(ord | (last ? LDIR_LAST : 0));
	slot[LDIR_ATTR] = ATTR_LONG_NAME;
	slot[LDIR_CHKSUM] = sum;
	for (i = 0; i < LFN_CHARS; i++) {
		if (base + i < n)
			c = u[base + i];
		else if (base + i == n)
			c = 0;
		else
			c = 0xFFFF;
		le16enc(slot + lfn_pos[i], c);
	}
}

/*
 * Adds the entry named (u, n) built from tmpl (attributes, cluster, size,
 * times) to dp, whose index must be built and must not hold the name.
 * ent describes the new entry.
 */
int msdosfs_dirent_create(struct denode *dp, const uint16_t *u, size_t n,
    const uint8_t *tmpl, struct msdosfs_dirent *ent)
{
	uint8_t sname[11], ntres, slot[DIR_SIZE], sum;
	uint32_t nslots, start, i;
	uint64_t blk;
	uint32_t bsize;
	int needlfn, error;

	if ((error = pick_short(dp, u, n, sname, &ntres, &needlfn)) != 0)
		return error;
	nslots = needlfn ? (uint32_t)((n + LFN_CHARS - 1) / LFN_CHARS) + 1 : 1;
	if ((error = find_slots(dp, nslots, &start)) != 0)
		return error;
	sum = msdosfs_lfn_chksum(sname);
	for (i = 0; i + 1 < nslots && error == 0; i++) {
		lfn_fill(slot, u, n, (int)(nslots - 1 - i), i == 0, sum);
		error = slot_write(dp, start + i * DIR_SIZE, slot);
	}
	memcpy(ent->de, tmpl, DIR_SIZE);
	memcpy(ent->de, sname, 11);
	ent->de[DIR_NTRES] = ntres;
	if (error == 0)
		error = slot_write(dp, start + (nslots - 1) * DIR_SIZE, ent->de);
	if (error == 0)
		error = msdosfs_dirblk(dp, start + (nslots - 1) * DIR_SIZE,
		    &blk, &bsize);
	if (error)
		return error;
	ent->off_first = start;
	ent->off_short = start + (nslots - 1) * DIR_SIZE;
	ent->loc = blk + ent->off_short % bsize;
	ent->lnamelen = needlfn ? n : 0;
	memcpy(ent->lname, u, n * sizeof(uint16_t));
	msdosfs_dirhash_add(dp, ent);
	if (dp->dh && dp->dh->freehint == start)
		dp->dh->freehint = ent->off_short + DIR_SIZE;
	return 0;
}

/* Is every slot of directory cluster index cidx free? */
static int cluster_free(struct denode *dp, uint32_t cidx, int *isfree)
{
	struct msdosfs *fs = dp->fs;
	uint32_t i;
	uint8_t b;
	int error;

	*isfree = 1;
	for (i = 0; i < fs->csize && *isfree; i += DIR_SIZE) {
		if ((error = slot_byte(dp, cidx * fs->csize + i, &b)) != 0)
			return error;
		*isfree = b == SLOT_DELETED || b == SLOT_EMPTY;
	}
	return 0;
}

/* Frees trailing clusters that hold only free slots (never the first). */
static int dir_shrink(struct denode *dp)
{
	struct msdosfs *fs = dp->fs;
	uint32_t nclus = dp->size / fs->csize, keep = nclus, cl, run = 1, next;
	int isfree, error;

	if (dp->start == 0)
		return 0;
	while (keep > 1) {
		if ((error = cluster_free(dp, keep - 1, &isfree)) != 0)
			return error;
		if (!isfree)
			break;
		keep--;
	}
	if (keep == nclus)
		return 0;
	if ((error = msdosfs_bmap(dp, keep - 1, &cl, &run)) != 0)
		return error;
	if ((error = msdosfs_next(fs, dp->start, cl, &next)) != 0)
		return error;
	if ((error = msdosfs_fat_set(fs, cl, fs->eocmark)) != 0)
		return error;
	dp->cclust = 0;
	dp->size = keep * fs->csize;
	return next ? msdosfs_free_chain(fs, next) : 0;
}

/* Marks the entry's slots deleted (long-name slots too) and shrinks dp. */
int msdosfs_dirent_remove(struct denode *dp, const struct msdosfs_dirent *ent)
{
	uint8_t slot[DIR_SIZE];
	struct buf *bp;
	uint64_t blk;
	uint32_t bsize, o;
	int error;

	for (o = ent->off_first; o <= ent->off_short; o += DIR_SIZE) {
		if ((error = msdosfs_dirblk(dp, o, &blk, &bsize)) != 0)
			return error;
		if ((error = bread(dp->fs->bc, blk, bsize, &bp)) != 0)
			return error;
		memcpy(slot, bp->b_data + o % bsize, DIR_SIZE);
		bp->b_data[o % bsize] = SLOT_DELETED;
		bdwrite(bp);
	}
	msdosfs_dirhash_del(dp, ent->off_short, ent->off_first);
	return dir_shrink(dp);
}

/* Writes "." and ".." into the new directory's zeroed first cluster. */
int msdosfs_dir_init(struct msdosfs *fs, uint32_t cl, const uint8_t *self,
    uint32_t parent)
{
	struct buf *bp;
	uint8_t *de;
	int error;

	if ((error = bget(fs->bc, msdosfs_clustoff(fs, cl), fs->csize, &bp)))
		return error;
	memset(bp->b_data, 0, fs->csize);
	de = bp->b_data;
	memcpy(de, self, DIR_SIZE);
	memcpy(de, ".          ", 11);
	de[DIR_NTRES] = 0;
	msdosfs_de_set_start(fs, de, cl);
	le32enc(de + DIR_FILESIZE, 0);
	de += DIR_SIZE;
	memcpy(de, self, DIR_SIZE);
	memcpy(de, "..         ", 11);
	de[DIR_NTRES] = 0;
	msdosfs_de_set_start(fs, de, parent);
	le32enc(de + DIR_FILESIZE, 0);
	bdwrite(bp);
	return 0;
}
