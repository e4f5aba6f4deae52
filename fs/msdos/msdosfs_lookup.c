/* msdosfs_lookup.c: directory scanning, long-name assembly, the per-directory name index, lookup and readdir. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Directory offsets are byte offsets from the start of the directory. A
 * directory is read in blocks: sectors of the fixed FAT12/16 root region,
 * clusters everywhere else (the same sizes the writers use, so each disk
 * block has one buffer).
 */
int msdosfs_dirblk(struct denode *dp, uint32_t off, uint64_t *diskoff,
    uint32_t *blksize)
{
	struct msdosfs *fs = dp->fs;
	uint32_t cl, run = 1;
	int error;

	if (dp->start == 0) {
		if (dp->loc != 0 || off >= fs->rootbytes)
			return ENOENT;
		*diskoff = fs->rootoff + off / fs->bps * fs->bps;
		*blksize = fs->bps;
		return 0;
	}
	if (off >= DIR_MAX_BYTES || off >= dp->size)
		return ENOENT;
	if ((error = msdosfs_bmap(dp, off / fs->csize, &cl, &run)) != 0)
		return error;
	*diskoff = msdosfs_clustoff(fs, cl);
	*blksize = fs->csize;
	return 0;
}

/* The block holding the entry at absolute offset loc. */
static int loc_block(struct msdosfs *fs, uint64_t loc, uint64_t *blk,
    uint32_t *size)
{
	if (fs->rootbytes && loc >= fs->rootoff &&
	    loc < fs->rootoff + fs->rootbytes) {
		*blk = fs->rootoff + (loc - fs->rootoff) / fs->bps * fs->bps;
		*size = fs->bps;
		return 0;
	}
	if (loc < fs->dataoff || (loc - fs->dataoff) / fs->csize >= fs->nclusters)
		return EINVAL;
	*blk = fs->dataoff + (loc - fs->dataoff) / fs->csize * fs->csize;
	*size = fs->csize;
	return 0;
}

int msdosfs_de_read(struct msdosfs *fs, uint64_t loc, uint8_t *de)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t size;
	int error;

	if ((error = loc_block(fs, loc, &blk, &size)) != 0)
		return error;
	if ((error = bread(fs->bc, blk, size, &bp)) != 0)
		return error;
	memcpy(de, bp->b_data + (loc - blk), DIR_SIZE);
	brelse(bp);
	return 0;
}

/* Writes a 32-byte entry at absolute offset loc. */
int msdosfs_de_put(struct msdosfs *fs, uint64_t loc, const uint8_t *de)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t size;
	int error;

	if (fs->rdonly)
		return EROFS;
	if ((error = loc_block(fs, loc, &blk, &size)) != 0)
		return error;
	if ((error = bread(fs->bc, blk, size, &bp)) != 0)
		return error;
	memcpy(bp->b_data + (loc - blk), de, DIR_SIZE);
	bdwrite(bp);
	return 0;
}

/* Writes the denode's entry copy back to its place in the parent. */
int msdosfs_de_write(struct denode *dep)
{
	if (dep->loc == 0 || dep->removed)
		return 0;
	return msdosfs_de_put(dep->fs, dep->loc, dep->de);
}

/* Long-name slots gathered while scanning, until their short entry. */
struct lfnstate {
	int expect;          /* next ordinal wanted, 0 = none pending */
	uint8_t sum;
	uint32_t first;      /* offset of the first slot */
	uint16_t u[LFN_MAX_SLOTS * LFN_CHARS];
	size_t n;            /* units in the name */
};

static const uint8_t lfn_pos[LFN_CHARS] = {
	1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30
};

static void lfn_slot(struct lfnstate *ls, const uint8_t *de, uint32_t off)
{
	int ord = de[LDIR_ORD] & LDIR_ORD_MASK, i;
	size_t base;

	if (de[LDIR_ORD] & LDIR_LAST) {
		ls->expect = ord;
		ls->sum = de[LDIR_CHKSUM];
		ls->first = off;
		ls->n = (size_t)ord * LFN_CHARS;
	}
	if (ord == 0 || ord > LFN_MAX_SLOTS || ord != ls->expect ||
	    de[LDIR_CHKSUM] != ls->sum || le16dec(de + LDIR_FSTCLUSLO) != 0) {
		ls->expect = 0;
		return;
	}
	base = (size_t)(ord - 1) * LFN_CHARS;
	for (i = 0; i < LFN_CHARS; i++) {
		uint16_t c = le16dec(de + lfn_pos[i]);
		ls->u[base + i] = c;
		if (c == 0 && base + i < ls->n && (de[LDIR_ORD] & LDIR_LAST))
			ls->n = base + i;
	}
	ls->expect = ord - 1 == 0 ? -1 : ord - 1;
}

/* Completes ent from the short entry at off and what the slots gathered. */
static void lfn_finish(struct lfnstate *ls, struct msdosfs_dirent *ent,
    const uint8_t *de, uint32_t off)
{
	memcpy(ent->de, de, DIR_SIZE);
	ent->off_short = off;
	ent->off_first = off;
	ent->lnamelen = 0;
	if (ls->expect == -1 && ls->sum == msdosfs_lfn_chksum(de) &&
	    ls->n > 0 && ls->n <= LFN_MAX_UNITS) {
		memcpy(ent->lname, ls->u, ls->n * sizeof(uint16_t));
		ent->lnamelen = ls->n;
		ent->off_first = ls->first;
	}
	ls->expect = 0;
}

/*
 * The next live entry at or after *off (short entries, volume labels and
 * dot entries included); *off moves past it. ENOENT at the end.
 */
int msdosfs_dir_next(struct denode *dp, uint32_t *off,
    struct msdosfs_dirent *ent)
{
	struct msdosfs *fs = dp->fs;
	struct lfnstate ls;
	struct buf *bp;
	uint64_t blk;
	uint32_t bsize, o = *off, i;
	const uint8_t *de;
	int error, found = 0;

	ls.expect = 0;
	while (!found) {
		if ((error = msdosfs_dirblk(dp, o, &blk, &bsize)) != 0) {
			if (error == ENOENT)
				*off = o;   /* the end: callers see how far */
			return error;
		}
		if ((error = bread(fs->bc, blk, bsize, &bp)) != 0)
			return error;
		for (i = o % bsize; i < bsize && !found; i += DIR_SIZE, o += DIR_SIZE) {
			de = bp->b_data + i;
			if (de[0] == SLOT_EMPTY) {
				brelse(bp);
				*off = o;
				return ENOENT;
			}
			if (de[0] == SLOT_DELETED) {
				ls.expect = 0;
			} else if ((de[DIR_ATTR] & ATTR_LONG_MASK) == ATTR_LONG_NAME) {
				lfn_slot(&ls, de, o);
			} else {
				lfn_finish(&ls, ent, de, o);
				ent->loc = blk + i;
				found = 1;
			}
		}
		brelse(bp);
	}
	*off = o;
	return 0;
}

static int is_dot(const uint8_t *de)
{
	return memcmp(de, ".          ", 11) == 0 ||
	    memcmp(de, "..         ", 11) == 0;
}

static int is_label(const uint8_t *de)
{
	return (de[DIR_ATTR] & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) ==
	    ATTR_VOLUME_ID;
}

/* The name an entry shows: its long name, else its short one. */
static size_t ent_name(const struct msdosfs_dirent *ent, uint16_t *u)
{
	if (ent->lnamelen) {
		memcpy(u, ent->lname, ent->lnamelen * sizeof(uint16_t));
		return ent->lnamelen;
	}
	return msdosfs_short_display(ent->de, u);
}

static int name_eq(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (msdosfs_fold(a[i]) != msdosfs_fold(b[i]))
			return 0;
	return 1;
}

static uint32_t sname_hash(const uint8_t *s)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 11; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static int dh_grow(struct msdosfs_dirhash *dh);

void msdosfs_dirhash_free(struct denode *dp)
{
	if (dp->dh == NULL)
		return;
	free(dp->dh->recs);
	free(dp->dh->lheads);
	free(dp->dh->sheads);
	free(dp->dh);
	dp->dh = NULL;
}

static void dh_link(struct msdosfs_dirhash *dh, int32_t r)
{
	struct msdosfs_dhrec *rec = &dh->recs[r];
	size_t lb = rec->lhash & (dh->nbuckets - 1);
	size_t sb = sname_hash(rec->sname) & (dh->nbuckets - 1);

	rec->next_l = dh->lheads[lb];
	dh->lheads[lb] = r;
	rec->next_s = dh->sheads[sb];
	dh->sheads[sb] = r;
}

int msdosfs_dirhash_add(struct denode *dp, const struct msdosfs_dirent *ent)
{
	struct msdosfs_dirhash *dh = dp->dh;
	uint16_t u[LFN_MAX_UNITS];
	int32_t r;
	int error;

	if (dh == NULL)
		return 0;
	if (dh->nrecs == dh->caprecs && (error = dh_grow(dh)) != 0) {
		msdosfs_dirhash_free(dp);   /* lookups fall back to building */
		return 0;
	}
	r = (int32_t)dh->nrecs++;
	dh->recs[r].off_first = ent->off_first;
	dh->recs[r].off_short = ent->off_short;
	dh->recs[r].lhash = msdosfs_name_hash(u, ent_name(ent, u));
	memcpy(dh->recs[r].sname, ent->de, 11);
	dh_link(dh, r);
	return 0;
}

/* Doubles records and buckets, relinking every record. */
static int dh_grow(struct msdosfs_dirhash *dh)
{
	size_t cap = dh->caprecs ? dh->caprecs * 2 : 64, i;
	struct msdosfs_dhrec *recs = realloc(dh->recs, cap * sizeof(*recs));
	int32_t *lh, *sh;

	if (recs == NULL)
		return ENOMEM;
	dh->recs = recs;
	lh = malloc(cap * sizeof(*lh));
	sh = malloc(cap * sizeof(*sh));
	if (lh == NULL || sh == NULL) {
		free(lh);
		free(sh);
		return ENOMEM;
	}
	free(dh->lheads);
	free(dh->sheads);
	dh->lheads = lh, dh->sheads = sh;
	dh->caprecs = dh->nbuckets = cap;
	for (i = 0; i < cap; i++)
		lh[i] = sh[i] = -1;
	for (i = 0; i < dh->nrecs; i++)
		if (dh->recs[i].next_l != -2)
			dh_link(dh, (int32_t)i);
	return 0;
}

static void chain_unlink(int32_t *head, struct msdosfs_dhrec *recs,
    int32_t r, int lchain)
{
	int32_t *pp = head;

	while (*pp != -1 && *pp != r)
		pp = lchain ? &recs[*pp].next_l : &recs[*pp].next_s;
	if (*pp == r)
		*pp = lchain ? recs[r].next_l : recs[r].next_s;
}

/* Forgets the entry whose short entry is at off_short. */
void msdosfs_dirhash_del(struct denode *dp, uint32_t off_short,
    uint32_t off_first)
{
	struct msdosfs_dirhash *dh = dp->dh;
	size_t i, mask;
	struct msdosfs_dhrec *rec;

	if (dh == NULL)
		return;
	if (off_first < dh->freehint)
		dh->freehint = off_first;
	mask = dh->nbuckets - 1;
	for (i = 0; i < dh->nrecs; i++) {
		rec = &dh->recs[i];
		if (rec->next_l == -2 || rec->off_short != off_short)
			continue;
		chain_unlink(&dh->lheads[rec->lhash & mask], dh->recs,
		    (int32_t)i, 1);
		chain_unlink(&dh->sheads[sname_hash(rec->sname) & mask],
		    dh->recs, (int32_t)i, 0);
		rec->next_l = -2;   /* a dead record, skipped by relinking */
		rec->off_short = UINT32_MAX;
		return;
	}
}

/* Scans the whole directory once into its name index. */
int msdosfs_dirhash_build(struct denode *dp)
{
	struct msdosfs_dirent *ent;
	uint32_t off = 0, end = 0;
	int error;

	if (dp->dh != NULL)
		return 0;
	if ((dp->dh = calloc(1, sizeof(*dp->dh))) == NULL)
		return ENOMEM;
	dp->dh->freehint = UINT32_MAX;
	if ((error = dh_grow(dp->dh)) != 0 ||
	    (ent = malloc(sizeof(*ent))) == NULL) {
		msdosfs_dirhash_free(dp);
		return error ? error : ENOMEM;
	}
	while ((error = msdosfs_dir_next(dp, &off, ent)) == 0) {
		if (ent->off_first > end && dp->dh->freehint == UINT32_MAX)
			dp->dh->freehint = end;
		end = off;
		if (!is_label(ent->de) && !is_dot(ent->de))
			msdosfs_dirhash_add(dp, ent);
		if (dp->dh == NULL) {
			error = ENOMEM;
			break;
		}
	}
	free(ent);
	if (error == ENOENT && dp->dh != NULL) {
		if (dp->dh->freehint == UINT32_MAX)
			dp->dh->freehint = end;
		return 0;
	}
	msdosfs_dirhash_free(dp);
	return error;
}

/* Reads the entry set at off_first and checks it still is a live one. */
static int dh_fetch(struct denode *dp, uint32_t off_first,
    struct msdosfs_dirent *ent)
{
	uint32_t o = off_first;

	return msdosfs_dir_next(dp, &o, ent);
}

/*
 * Finds the entry named (u, n): long names and short names compare
 * without case, as Windows does. ENOENT if there is none.
 */
int msdosfs_dir_find(struct denode *dp, const uint16_t *u, size_t n,
    struct msdosfs_dirent *ent)
{
	struct msdosfs_dirhash *dh;
	uint16_t name[LFN_MAX_UNITS];
	uint8_t sname[11], ntres;
	uint32_t h = msdosfs_name_hash(u, n);
	int32_t r;
	int error;

	if ((error = msdosfs_dirhash_build(dp)) != 0)
		return error;
	dh = dp->dh;
	for (r = dh->lheads[h & (dh->nbuckets - 1)]; r != -1;
	    r = dh->recs[r].next_l) {
		if (dh->recs[r].lhash != h)
			continue;
		if ((error = dh_fetch(dp, dh->recs[r].off_first, ent)) != 0)
			return error == ENOENT ? EIO : error;
		if (name_eq(name, ent_name(ent, name), u, n))
			return 0;
	}
	if (msdosfs_pack83(u, n, sname, &ntres) < 0)
		return ENOENT;
	for (r = dh->sheads[sname_hash(sname) & (dh->nbuckets - 1)]; r != -1;
	    r = dh->recs[r].next_s)
		if (memcmp(dh->recs[r].sname, sname, 11) == 0)
			return dh_fetch(dp, dh->recs[r].off_first, ent);
	return ENOENT;
}

/* Is this 11-byte short name used in the directory? (index built) */
int msdosfs_sname_taken(struct denode *dp, const uint8_t *sname)
{
	struct msdosfs_dirhash *dh = dp->dh;
	int32_t r;

	if (dh == NULL)
		return 1;
	for (r = dh->sheads[sname_hash(sname) & (dh->nbuckets - 1)]; r != -1;
	    r = dh->recs[r].next_s)
		if (memcmp(dh->recs[r].sname, sname, 11) == 0)
			return 1;
	return 0;
}

/* The cluster ".." names (0 for the root); the root's parent is itself. */
int msdosfs_parent_cluster(struct denode *dp, uint32_t *cl)
{
	struct msdosfs_dirent ent;
	uint32_t off = DIR_SIZE;
	int error;

	*cl = 0;
	if (dp->start == 0 || (dp->fs->fattype == 32 &&
	    dp->start == dp->fs->rootclus))
		return 0;
	error = msdosfs_dir_next(dp, &off, &ent);
	if (error == 0 && (ent.off_short != DIR_SIZE ||
	    memcmp(ent.de, "..         ", 11) != 0 ||
	    !(ent.de[DIR_ATTR] & ATTR_DIRECTORY)))
		error = ENOENT;
	if (error)
		return vfs_corrupt(dp->fs->mp, dp->start, 0, "directory at "
		    "cluster %u: expected \"..\" as its second entry",
		    dp->start);
	*cl = msdosfs_de_start(dp->fs, ent.de);
	if (*cl == 1 || *cl > dp->fs->maxclust)
		return vfs_corrupt(dp->fs->mp, dp->start, 0, "\"..\" cluster:"
		    " expected 0 or 2..%u, found %u", dp->fs->maxclust, *cl);
	return 0;
}

/* The inode number an entry gives, checked against its directory. */
static int ent_ino(struct denode *dp, uint64_t dino,
    const struct msdosfs_dirent *ent, uint64_t *ino)
{
	struct msdosfs *fs = dp->fs;
	uint32_t cl = msdosfs_de_start(fs, ent->de);

	if (!(ent->de[DIR_ATTR] & ATTR_DIRECTORY)) {
		*ino = msdosfs_ino_for_loc(fs, ent->loc);
		return 0;
	}
	*ino = msdosfs_dirino(fs, cl);
	if (cl < 2 || cl > fs->maxclust || *ino == MSDOSFS_ROOTINO)
		return vfs_corrupt(fs->mp, dino, 0, "directory entry's first "
		    "cluster: expected 2..%u (not the root), found %u",
		    fs->maxclust, cl);
	if (*ino == dino)
		return vfs_corrupt(fs->mp, dino, 0, "directory contains "
		    "itself (cluster %u)", cl);
	return 0;
}

int msdosfs_entry_vget(struct denode *dp, const struct msdosfs_dirent *ent,
    struct vnode **vpp)
{
	struct msdosfs *fs = dp->fs;
	uint64_t dino = dp->start ? msdosfs_dirino(fs, dp->start) :
	    MSDOSFS_ROOTINO, ino;
	int error;

	if ((error = ent_ino(dp, dino, ent, &ino)) != 0)
		return error;
	fs->hint_valid = 1;
	fs->hint_ino = ino;
	fs->hint_loc = ent->loc;
	memcpy(fs->hint_de, ent->de, DIR_SIZE);
	error = vfs_vget(fs->mp, ino, vpp);
	fs->hint_valid = 0;
	return error;
}

/*
 * A name looked up, as UTF-16. Trailing dots go, as on Linux, so that
 * "name." finds the "name" that creating "name." made.
 */
int msdosfs_name16(const char *name, size_t namelen, uint16_t *u, size_t *n)
{
	int error = msdosfs_utf8_to_utf16(name, namelen, u, LFN_MAX_UNITS, n);

	if (error == EINVAL)
		return ENOENT;   /* no such name can exist on the disk */
	while (error == 0 && *n > 0 && u[*n - 1] == '.')
		(*n)--;
	return error == 0 && *n == 0 ? ENOENT : error;
}

/* vop_lookup: *vpp gets a new reference. "." and ".." are handled here. */
int msdosfs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp)
{
	struct denode *dp = VTODE(dvp);
	struct msdosfs_dirent *ent;
	uint16_t u[LFN_MAX_UNITS];
	uint32_t pcl;
	size_t n;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (namelen == 1 && name[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (namelen == 2 && name[0] == '.' && name[1] == '.') {
		if ((error = msdosfs_parent_cluster(dp, &pcl)) != 0)
			return error;
		return vfs_vget(dvp->v_mount, msdosfs_dirino(dp->fs, pcl), vpp);
	}
	if ((error = msdosfs_name16(name, namelen, u, &n)) != 0)
		return error;
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return ENOMEM;
	error = msdosfs_dir_find(dp, u, n, ent);
	if (error == 0)
		error = msdosfs_entry_vget(dp, ent, vpp);
	free(ent);
	return error;
}

static int readdir_one(struct vnode *vp, const struct msdosfs_dirent *ent,
    vfs_filldir_t fill, void *arg, uint32_t next)
{
	struct denode *dp = VTODE(vp);
	uint16_t u[LFN_MAX_UNITS];
	char name[LFN_MAX_UNITS * 3];
	size_t len;
	uint64_t ino;
	uint32_t cl = msdosfs_de_start(dp->fs, ent->de);

	len = msdosfs_utf16_to_utf8(u, ent_name(ent, u), name, sizeof(name));
	if (memcmp(ent->de, ".          ", 11) == 0)
		ino = vp->v_ino;
	else if (memcmp(ent->de, "..         ", 11) == 0)
		ino = msdosfs_dirino(dp->fs, cl);
	else if (ent_ino(dp, vp->v_ino, ent, &ino) != 0)
		ino = msdosfs_ino_for_loc(dp->fs, ent->loc);
	return fill(arg, name, len, ino,
	    (ent->de[DIR_ATTR] & ATTR_DIRECTORY) ? VDIR : VREG, next);
}

/* vop_readdir: cookies are directory byte offsets of entry sets. */
int msdosfs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct denode *dp = VTODE(vp);
	struct msdosfs_dirent *ent;
	uint32_t off, start;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (*cookie % DIR_SIZE || *cookie >= DIR_MAX_BYTES)
		return *cookie >= DIR_MAX_BYTES ? 0 : EINVAL;
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return ENOMEM;
	off = (uint32_t)*cookie;
	for (;;) {
		start = off;
		if ((error = msdosfs_dir_next(dp, &off, ent)) != 0)
			break;
		if (is_label(ent->de))
			continue;
		if (readdir_one(vp, ent, fill, arg, off) != 0) {
			off = start;
			break;
		}
	}
	free(ent);
	*cookie = off;
	return error == ENOENT ? 0 : error;
}

/* Does the directory hold anything besides ".", ".." and a label? */
int msdosfs_dir_empty(struct denode *dp, int *empty)
{
	struct msdosfs_dirent *ent = malloc(sizeof(*ent));
	uint32_t off = 0;
	int error;

	if (ent == NULL)
		return ENOMEM;
	*empty = 1;
	while ((error = msdosfs_dir_next(dp, &off, ent)) == 0)
		if (!is_dot(ent->de) && !is_label(ent->de)) {
			*empty = 0;
			break;
		}
	free(ent);
	return error == ENOENT ? 0 : error;
}
