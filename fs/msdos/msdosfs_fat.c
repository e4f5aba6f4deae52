/* msdosfs_fat.c: the file allocation table: 12/16/32-bit entries, chain walking with loop bounds, allocation. */
#include <errno.h>
#include <string.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * The FAT is read through the buffer cache in blocks of FATBLK bytes
 * counted from the start of each copy (the last block may be shorter).
 * FATBLK is a multiple of every sector size and of 4, so a 16- or 32-bit
 * entry never straddles two blocks; a whole FAT12 (at most 6 KiB of
 * entries, checked at mount) lies in block 0.
 */
#define FATBLK 16384u

static uint64_t fat_entry_off(const struct msdosfs *fs, uint32_t cl)
{
	switch (fs->fattype) {
	case 12: return (uint64_t)cl + cl / 2;
	case 16: return (uint64_t)cl * 2;
	default: return (uint64_t)cl * 4;
	}
}

/* bread of the FAT block of copy `copy` holding byte o; *in = o in block. */
static int fat_bread(struct msdosfs *fs, uint32_t copy, uint64_t o,
    struct buf **bpp, size_t *in)
{
	uint64_t start = o / FATBLK * FATBLK;
	uint64_t size = fs->fatbytes - start;

	if (size > FATBLK)
		size = FATBLK;
	*in = (size_t)(o - start);
	return bread(fs->bc, fs->fatoff + (uint64_t)copy * fs->fatbytes + start,
	    (size_t)size, bpp);
}

/* The raw entry, all 32 bits for FAT32 (the top four are reserved). */
static int fat_get_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t *val)
{
	struct buf *bp;
	size_t in;
	int error;

	if (cl > fs->maxclust || copy >= fs->nfats)
		return EINVAL;
	error = fat_bread(fs, copy, fat_entry_off(fs, cl), &bp, &in);
	if (error)
		return error;
	if (fs->fattype == 12) {
		*val = le16dec(bp->b_data + in);
		*val = (cl & 1) ? *val >> 4 : *val & 0xFFF;
	} else if (fs->fattype == 16) {
		*val = le16dec(bp->b_data + in);
	} else {
		*val = le32dec(bp->b_data + in);
	}
	brelse(bp);
	return 0;
}

static int fat_set_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t val)
{
	struct buf *bp;
	uint8_t *p;
	size_t in;
	int error;

	if (cl > fs->maxclust || copy >= fs->nfats)
		return EINVAL;
	if (fs->rdonly)
		return EROFS;
	error = fat_bread(fs, copy, fat_entry_off(fs, cl), &bp, &in);
	if (error)
		return error;
	p = bp->b_data + in;
	if (fs->fattype == 12) {
		uint16_t v = le16dec(p);
		if (cl & 1)
			v = (uint16_t)((v & 0x000F) | (val & 0xFFF) << 4);
		else
			v = (uint16_t)((v & 0xF000) | (val & 0xFFF));
		le16enc(p, v);
	} else if (fs->fattype == 16) {
		le16enc(p, (uint16_t)val);
	} else {
		le32enc(p, val);
	}
	bdwrite(bp);
	return 0;
}

int msdosfs_fat_get_copy(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t *val)
{
	int error = fat_get_raw(fs, copy, cl, val);

	if (error == 0 && fs->fattype == 32)
		*val &= 0x0FFFFFFF;
	return error;
}

/* FAT32 keeps the entry's reserved top four bits, as the specification asks. */
int msdosfs_fat_set_copy(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t val)
{
	uint32_t old;
	int error;

	if (fs->fattype == 32) {
		if ((error = fat_get_raw(fs, copy, cl, &old)) != 0)
			return error;
		val = (old & 0xF0000000) | (val & 0x0FFFFFFF);
	}
	return fat_set_raw(fs, copy, cl, val);
}

int msdosfs_fat_get(struct msdosfs *fs, uint32_t cl, uint32_t *val)
{
	return msdosfs_fat_get_copy(fs, fs->activefat, cl, val);
}

/* Writes every copy, or only the active one when mirroring is off. */
int msdosfs_fat_set(struct msdosfs *fs, uint32_t cl, uint32_t val)
{
	uint32_t i;
	int error;

	if (!fs->mirror)
		return msdosfs_fat_set_copy(fs, fs->activefat, cl, val);
	for (i = 0; i < fs->nfats; i++)
		if ((error = msdosfs_fat_set_copy(fs, i, cl, val)) != 0)
			return error;
	return 0;
}

enum fatclass msdosfs_fat_class(const struct msdosfs *fs, uint32_t val)
{
	uint32_t bad = fs->fattype == 12 ? 0xFF7 : fs->fattype == 16 ?
	    0xFFF7 : 0x0FFFFFF7;

	if (val == 0)
		return FC_FREE;
	if (val >= 2 && val <= fs->maxclust)
		return FC_NEXT;
	if (val == bad)
		return FC_BAD;
	if (val > bad)
		return FC_EOC;
	return FC_INVALID;
}

/* The cluster after cl in a chain (0 at its end); anything else is corrupt. */
int msdosfs_next(struct msdosfs *fs, uint64_t ino, uint32_t cl, uint32_t *next)
{
	uint32_t val;
	int error;

	if (cl < 2 || cl > fs->maxclust)
		return vfs_corrupt(fs->mp, ino, 0, "cluster number: expected "
		    "2..%u, found %u", fs->maxclust, cl);
	if ((error = msdosfs_fat_get(fs, cl, &val)) != 0)
		return error;
	switch (msdosfs_fat_class(fs, val)) {
	case FC_NEXT:
		*next = val;
		return 0;
	case FC_EOC:
		*next = 0;
		return 0;
	default:
		return vfs_corrupt(fs->mp, ino, 0, "FAT entry of cluster %u: "
		    "expected a next cluster or end of chain, found %#x", cl,
		    val);
	}
}

/*
 * Maps file cluster index cidx to its cluster *cl, starting from the
 * denode's cached position when it lies before cidx (so sequential access
 * never rescans from the start). *run (in: the most wanted, out: found)
 * counts the clusters contiguous on disk from *cl. ENOENT: the chain ends
 * before cidx; the cache then holds its last cluster.
 */
int msdosfs_bmap(struct denode *dep, uint32_t cidx, uint32_t *cl,
    uint32_t *run)
{
	struct msdosfs *fs = dep->fs;
	uint32_t i, c, next, want = *run ? *run : 1;
	uint64_t ino = dep->loc;
	int error;

	if (dep->start == 0)
		return ENOENT;
	if (cidx > fs->nclusters)
		return vfs_corrupt(fs->mp, 0, 0, "chain index %u beyond the "
		    "%u clusters of the volume", cidx, fs->nclusters);
	i = 0, c = dep->start;
	if (dep->cclust != 0 && dep->cidx <= cidx)
		i = dep->cidx, c = dep->cclust;
	for (; i < cidx; i++) {
		if ((error = msdosfs_next(fs, ino, c, &next)) != 0)
			return error;
		if (next == 0) {
			dep->cidx = i, dep->cclust = c;
			return ENOENT;
		}
		c = next;
	}
	*cl = c;
	for (*run = 1; *run < want; (*run)++, c = next) {
		if ((error = msdosfs_next(fs, ino, c, &next)) != 0)
			return error;
		if (next != c + 1)
			break;
	}
	dep->cidx = cidx + *run - 1, dep->cclust = c;
	return 0;
}

/* Length and last cluster of the chain at start; more than max: a loop. */
int msdosfs_chain_len(struct msdosfs *fs, uint64_t ino, uint32_t start,
    uint32_t max, uint32_t *len, uint32_t *last)
{
	uint32_t n = 0, c = start, next;
	int error;

	*len = 0, *last = 0;
	while (c != 0) {
		if (++n > max)
			return vfs_corrupt(fs->mp, ino, 0, "cluster chain from %u:"
			    " expected at most %u clusters, found more (a loop?)",
			    start, max);
		if ((error = msdosfs_next(fs, ino, c, &next)) != 0)
			return error;
		*last = c;
		c = next;
	}
	*len = n;
	return 0;
}

/* The first free cluster at or after `from`, wrapping once. */
static int find_free(struct msdosfs *fs, uint32_t from, uint32_t *found)
{
	uint32_t i, c, val;
	int error;

	if (from < 2 || from > fs->maxclust)
		from = 2;
	for (i = 0, c = from; i < fs->nclusters; i++, c++) {
		if (c > fs->maxclust)
			c = 2;
		if ((error = msdosfs_fat_get(fs, c, &val)) != 0)
			return error;
		if (val == 0) {
			*found = c;
			return 0;
		}
	}
	return ENOSPC;
}

/*
 * Appends count new clusters after prev (0: a new chain) and returns the
 * first in *first. Searching starts just after prev so files stay
 * contiguous, else at the FSInfo hint. On failure nothing stays allocated.
 */
int msdosfs_alloc(struct msdosfs *fs, uint32_t prev, uint32_t count,
    uint32_t *first)
{
	uint32_t i, c = 0, last = prev;
	int error = 0;

	*first = 0;
	if ((error = msdosfs_count_free(fs)) != 0)
		return error;
	if (count > fs->freecount)
		return ENOSPC;
	for (i = 0; i < count; i++) {
		error = find_free(fs, last ? last + 1 : fs->nextfree, &c);
		if (error == 0)
			error = msdosfs_fat_set(fs, c, fs->eocmark);
		if (error == 0 && last)
			error = msdosfs_fat_set(fs, last, c);
		if (error)
			goto bad;
		fs->freecount--;
		fs->nextfree = c + 1 > fs->maxclust ? 2 : c + 1;
		fs->fsinfo_stale = 1;
		if (*first == 0)
			*first = c;
		last = c;
	}
	return 0;
bad:
	if (*first != 0) {
		msdosfs_free_chain(fs, *first);
		*first = 0;
	}
	if (prev)
		msdosfs_fat_set(fs, prev, fs->eocmark);
	return error;
}

/*
 * Frees the chain at start. Stops quietly at an entry that is not a link
 * (a damaged chain frees what it can; fsck reports the rest). Cached
 * buffers of freed clusters are dropped so stale directory blocks are
 * never written over a cluster's next owner.
 */
int msdosfs_free_chain(struct msdosfs *fs, uint32_t start)
{
	uint32_t c = start, val, n = 0;
	int error;

	while (c >= 2 && c <= fs->maxclust && n++ < fs->nclusters) {
		if ((error = msdosfs_fat_get(fs, c, &val)) != 0)
			return error;
		if (msdosfs_fat_class(fs, val) == FC_FREE)
			break;
		if ((error = msdosfs_fat_set(fs, c, 0)) != 0)
			return error;
		bio_invalidate(fs->bc, msdosfs_clustoff(fs, c));
		if (fs->freevalid)
			fs->freecount++;
		fs->fsinfo_stale = 1;
		if (msdosfs_fat_class(fs, val) != FC_NEXT)
			break;
		c = val;
	}
	return 0;
}

/* Counts free clusters once per mount; then allocation keeps the count. */
int msdosfs_count_free(struct msdosfs *fs)
{
	uint32_t c, val, n = 0;
	int error;

	if (fs->freevalid)
		return 0;
	for (c = 2; c <= fs->maxclust; c++) {
		if ((error = msdosfs_fat_get(fs, c, &val)) != 0)
			return error;
		if (val == 0)
			n++;
	}
	fs->freecount = n;
	fs->freevalid = 1;
	return 0;
}

/*
 * The clean-shutdown bit in FAT[1] (FAT16 bit 15, FAT32 bit 27; FAT12 has
 * none): 1 = clean. *wasclean (if not NULL) gets its value in the active copy.
 */
int msdosfs_set_clean(struct msdosfs *fs, int clean, int *wasclean)
{
	uint32_t bit, val, i;
	int error;

	if (fs->fattype == 12) {
		if (wasclean)
			*wasclean = 1;
		return 0;
	}
	bit = fs->fattype == 16 ? 0x8000 : 0x08000000;
	if ((error = fat_get_raw(fs, fs->activefat, 1, &val)) != 0)
		return error;
	if (wasclean)
		*wasclean = (val & bit) != 0;
	if (clean < 0)
		return 0;
	for (i = 0; i < fs->nfats; i++) {
		if (!fs->mirror && i != fs->activefat)
			continue;
		if ((error = fat_get_raw(fs, i, 1, &val)) != 0)
			return error;
		val = clean ? val | bit : val & ~bit;
		if ((error = fat_set_raw(fs, i, 1, val)) != 0)
			return error;
	}
	return 0;
}

/* Whole entries, reserved bits included: what fsck compares between copies. */
int msdosfs_fat_get_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t *val)
{
	return fat_get_raw(fs, copy, cl, val);
}

int msdosfs_fat_set_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t val)
{
	return fat_set_raw(fs, copy, cl, val);
}
