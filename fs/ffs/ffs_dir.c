/* ffs_dir.c: directories: checking 512-byte chunks, lookup, readdir, inserting, removing and compacting entries. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * A directory is a sequence of DIRBLKSIZ (512-byte) chunks; an entry never
 * crosses a chunk, and the record lengths of a chunk's entries add up to
 * exactly 512. A free slot is either an entry with inode 0 (only the first
 * of a chunk, by convention) or the slack at the end of an entry's record.
 * Every chunk is checked entirely (ffs_dir_chunk_check) before any entry in
 * it is used, so callbacks below may trust lengths and names.
 *
 * All directory I/O goes through ffs_dir_iter, the one place that reads
 * directory blocks: a callback sees one chunk at a time and may change it.
 */

#define FFS_ITER_STOP (-1)

typedef int (*ffs_chunk_fn)(struct ffs_mount *fm, uint64_t dino,
    uint8_t *chunk, uint64_t off, void *arg, int *dirty);

uint8_t ffs_mode_to_dt(uint16_t mode)
{
	return (uint8_t)vfs_mode_to_vtype(mode);   /* DT_* == enum vtype */
}

int ffs_dir_chunk_check(struct ffs_mount *fm, uint64_t dino,
    const uint8_t *chunk, uint64_t off, const char **why)
{
	uint32_t pos = 0, reclen, ino, namlen;

	while (pos < FFS_DIRBLKSIZ) {
		if (FFS_DIRBLKSIZ - pos < FFS_D_NAME) {
			*why = "entry header crosses the chunk end";
			return EUCLEAN;
		}
		reclen = ffs_get16(fm, chunk + pos + FFS_D_RECLEN);
		ino = ffs_get32(fm, chunk + pos + FFS_D_INO);
		namlen = chunk[pos + FFS_D_NAMLEN];
		if (reclen < FFS_D_NAME || reclen % 4 != 0 ||
		    reclen > FFS_DIRBLKSIZ - pos) {
			*why = "bad d_reclen";
			return EUCLEAN;
		}
		if (ino != 0 && (FFS_DIRSIZ(namlen) > reclen || namlen == 0 ||
		    ino >= ffs_ninodes(fm) ||
		    memchr(chunk + pos + FFS_D_NAME, '/', namlen) ||
		    memchr(chunk + pos + FFS_D_NAME, '\0', namlen))) {
			*why = "bad name length, name or inode number";
			return EUCLEAN;
		}
		pos += reclen;
	}
	return 0;
}

/* Calls fn on each chunk from byte offset `start` (rounded down) to the end;
 * `fresh` (a chunk being created) skips the check of what it holds. */
static int ffs_dir_iter(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, uint64_t start, ffs_chunk_fn fn, void *arg,
    int fresh)
{
	uint64_t off = start & ~(uint64_t)(FFS_DIRBLKSIZ - 1), lbn, daddr;
	uint32_t bsz, pos;
	struct buf *bp;
	const char *why;
	int error = 0, dirty;

	if (ddi->di_size % FFS_DIRBLKSIZ != 0)
		return vfs_corrupt(fm->fm_mp, dino, 0, "directory size %llu is "
		    "not a multiple of %u", (unsigned long long)ddi->di_size,
		    FFS_DIRBLKSIZ);
	while (off < ddi->di_size && error == 0) {
		lbn = off / fm->fm_bsize;
		bsz = ffs_blksize(fm, ddi->di_size, lbn);
		if ((error = ffs_bmap(fm, dino, ddi, lbn, &daddr, NULL)) != 0)
			return error;
		if (daddr == 0 || !ffs_daddr_ok(fm, daddr, bsz / fm->fm_fsize))
			return vfs_corrupt(fm->fm_mp, dino, daddr, "directory "
			    "block %llu missing or out of range",
			    (unsigned long long)lbn);
		if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, daddr), bsz,
		    &bp)) != 0)
			return error;
		dirty = 0;
		for (pos = (uint32_t)(off % fm->fm_bsize); pos < bsz &&
		    off < ddi->di_size && error == 0; pos += FFS_DIRBLKSIZ) {
			/* a chunk just allocated is zeros until fn fills it */
			if (!fresh && ffs_dir_chunk_check(fm, dino,
			    bp->b_data + pos, off, &why) != 0)
				error = vfs_corrupt(fm->fm_mp, dino, daddr,
				    "directory offset %llu: %s",
				    (unsigned long long)off, why);
			else
				error = fn(fm, dino, bp->b_data + pos, off, arg,
				    &dirty);
			off += FFS_DIRBLKSIZ;
		}
		if (dirty)
			bdwrite(bp);
		else
			brelse(bp);
	}
	return error == FFS_ITER_STOP ? 0 : error;
}

struct ffs_find_arg {
	const char *name;
	size_t namelen;
	struct ffs_dirslot *slot;
	int found;
};

static int ffs_find_chunk(struct ffs_mount *fm, uint64_t dino, uint8_t *chunk,
    uint64_t off, void *arg, int *dirty)
{
	struct ffs_find_arg *fa = arg;
	uint32_t pos = 0, prev = ~0u, reclen;

	for (; pos < FFS_DIRBLKSIZ; prev = pos, pos += reclen) {
		const uint8_t *e = chunk + pos;
		reclen = ffs_get16(fm, e + FFS_D_RECLEN);
		if (ffs_get32(fm, e + FFS_D_INO) == 0 ||
		    e[FFS_D_TYPE] == FFS_DT_WHT ||
		    e[FFS_D_NAMLEN] != fa->namelen ||
		    memcmp(e + FFS_D_NAME, fa->name, fa->namelen) != 0)
			continue;
		fa->slot->ds_ino = ffs_get32(fm, e + FFS_D_INO);
		fa->slot->ds_off = off + pos;
		fa->slot->ds_prevoff = prev == ~0u ? ~(uint64_t)0 : off + prev;
		fa->slot->ds_type = e[FFS_D_TYPE];
		fa->found = 1;
		return FFS_ITER_STOP;
	}
	return 0;
}

int ffs_dir_find(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, const char *name, size_t namelen,
    struct ffs_dirslot *slot)
{
	struct ffs_find_arg fa = { name, namelen, slot, 0 };
	int error;

	if (namelen == 0 || namelen > VFS_NAME_MAX)
		return namelen ? ENAMETOOLONG : ENOENT;
	if ((error = ffs_dir_iter(fm, dino, ddi, 0, ffs_find_chunk, &fa, 0)) != 0)
		return error;
	return fa.found ? 0 : ENOENT;
}

/* lookup: *vpp gets a new reference ("." is dvp itself, referenced again). */
int ffs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp)
{
	struct ffs_mount *fm = VFSTOFFS(dvp->v_mount);
	struct ffs_dinode ddi;
	struct ffs_dirslot slot;
	int error;

	if ((error = ffs_iload(fm, dvp->v_ino, &ddi)) != 0)
		return error;
	if (!S_ISDIR(ddi.di_mode))
		return ENOTDIR;
	if (namelen == 1 && name[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if ((error = ffs_dir_find(fm, dvp->v_ino, &ddi, name, namelen,
	    &slot)) != 0)
		return error;
	if (slot.ds_ino == dvp->v_ino && !(namelen == 2 && name[1] == '.'))
		return vfs_corrupt(fm->fm_mp, dvp->v_ino, 0, "entry '%.*s' "
		    "names its own directory", (int)namelen, name);
	return vfs_vget(dvp->v_mount, slot.ds_ino, vpp);
}

struct ffs_readdir_arg {
	uint64_t cookie;
	vfs_filldir_t fill;
	void *arg;
};

static int ffs_readdir_chunk(struct ffs_mount *fm, uint64_t dino,
    uint8_t *chunk, uint64_t off, void *arg, int *dirty)
{
	struct ffs_readdir_arg *ra = arg;
	uint32_t pos, reclen, ino;

	for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
		const uint8_t *e = chunk + pos;
		reclen = ffs_get16(fm, e + FFS_D_RECLEN);
		ino = ffs_get32(fm, e + FFS_D_INO);
		if (off + pos < ra->cookie || ino == 0 ||
		    e[FFS_D_TYPE] == FFS_DT_WHT)
			continue;
		if (ra->fill(ra->arg, (const char *)e + FFS_D_NAME,
		    e[FFS_D_NAMLEN], ino, (enum vtype)e[FFS_D_TYPE],
		    off + pos + reclen) != 0) {
			ra->cookie = off + pos;
			return FFS_ITER_STOP;
		}
		ra->cookie = off + pos + reclen;
	}
	return 0;
}

/* readdir: cookies are byte offsets of entries in the directory. */
int ffs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_readdir_arg ra = { *cookie, fill, arg };
	struct ffs_dinode di;
	int error;

	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (!S_ISDIR(di.di_mode))
		return ENOTDIR;
	if (*cookie >= di.di_size)
		return 0;
	error = ffs_dir_iter(fm, vp->v_ino, &di, *cookie, ffs_readdir_chunk,
	    &ra, 0);
	if (error == 0)
		*cookie = ra.cookie;
	return error;
}

struct ffs_enter_arg {
	const char *name;
	size_t namelen;
	uint64_t ino;
	uint8_t type;
	int done;
};

static void ffs_dirent_put(struct ffs_mount *fm, uint8_t *e,
    const struct ffs_enter_arg *ea, uint32_t reclen)
{
	ffs_put32(fm, e + FFS_D_INO, (uint32_t)ea->ino);
	ffs_put16(fm, e + FFS_D_RECLEN, (uint16_t)reclen);
	e[FFS_D_TYPE] = ea->type;
	e[FFS_D_NAMLEN] = (uint8_t)ea->namelen;
	memcpy(e + FFS_D_NAME, ea->name, ea->namelen);
	memset(e + FFS_D_NAME + ea->namelen, 0,
	    FFS_DIRSIZ(ea->namelen) - FFS_D_NAME - ea->namelen);
}

/* Slides a chunk's live entries to its front; the last one takes the slack. */
static void ffs_dir_compact(struct ffs_mount *fm, uint8_t *chunk)
{
	uint8_t tmp[FFS_DIRBLKSIZ];
	uint32_t pos, out = 0, last = 0, reclen, used;

	memset(tmp, 0, sizeof(tmp));
	for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
		reclen = ffs_get16(fm, chunk + pos + FFS_D_RECLEN);
		if (ffs_get32(fm, chunk + pos + FFS_D_INO) == 0)
			continue;
		used = (uint32_t)FFS_DIRSIZ(chunk[pos + FFS_D_NAMLEN]);
		memcpy(tmp + out, chunk + pos, used);
		ffs_put16(fm, tmp + out + FFS_D_RECLEN, (uint16_t)used);
		last = out;
		out += used;
	}
	if (out == 0)   /* nothing live: one empty entry spans the chunk */
		out = FFS_DIRBLKSIZ;
	else
		ffs_put16(fm, tmp + last + FFS_D_RECLEN,
		    (uint16_t)(FFS_DIRBLKSIZ - last));
	memcpy(chunk, tmp, FFS_DIRBLKSIZ);
}

/* Puts the new entry into the first slot of a chunk that can hold it. */
static int ffs_enter_chunk(struct ffs_mount *fm, uint64_t dino,
    uint8_t *chunk, uint64_t off, void *arg, int *dirty)
{
	struct ffs_enter_arg *ea = arg;
	uint32_t pos, reclen, used, need = (uint32_t)FFS_DIRSIZ(ea->namelen);
	uint32_t total = 0;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
			uint8_t *e = chunk + pos;
			reclen = ffs_get16(fm, e + FFS_D_RECLEN);
			used = ffs_get32(fm, e + FFS_D_INO) == 0 ? 0 :
			    (uint32_t)FFS_DIRSIZ(e[FFS_D_NAMLEN]);
			total += reclen - used;
			if (reclen - used < need)
				continue;
			if (used > 0)
				ffs_put16(fm, e + FFS_D_RECLEN, (uint16_t)used);
			ffs_dirent_put(fm, e + used, ea, reclen - used);
			ea->done = 1;
			*dirty = 1;
			return FFS_ITER_STOP;
		}
		if (pass > 0 || total < need)
			break;
		/* room enough, but scattered: gather it at the end */
		ffs_dir_compact(fm, chunk);
		*dirty = 1;
	}
	return 0;
}

/* A fresh chunk at the end of the directory, holding only the new entry. */
static int ffs_newchunk(struct ffs_mount *fm, uint64_t dino, uint8_t *chunk,
    uint64_t off, void *arg, int *dirty)
{
	struct ffs_enter_arg *ea = arg;

	memset(chunk, 0, FFS_DIRBLKSIZ);
	ffs_dirent_put(fm, chunk, ea, FFS_DIRBLKSIZ);
	ea->done = 1;
	*dirty = 1;
	return FFS_ITER_STOP;
}

/* Adds name -> ino; grows the directory by one chunk if no chunk has room. */
int ffs_dir_enter(struct ffs_mount *fm, uint64_t dino, struct ffs_dinode *ddi,
    const char *name, size_t namelen, uint64_t ino, uint8_t type)
{
	struct ffs_enter_arg ea = { name, namelen, ino, type, 0 };
	uint64_t off = ddi->di_size;
	int error;

	if (namelen == 0 || namelen > VFS_NAME_MAX)
		return namelen ? ENAMETOOLONG : EINVAL;
	if ((error = ffs_dir_iter(fm, dino, ddi, 0, ffs_enter_chunk, &ea, 0)) != 0)
		return error;
	if (!ea.done) {
		if ((error = ffs_balloc(fm, dino, ddi, off, FFS_DIRBLKSIZ)) != 0)
			return error;
		ddi->di_size = off + FFS_DIRBLKSIZ;
		if ((error = ffs_dir_iter(fm, dino, ddi, off, ffs_newchunk,
		    &ea, 1)) != 0)
			return error;
	}
	ffs_itimes(ddi, 0, 1, 1);
	return ffs_iwrite(fm, dino, ddi);
}

struct ffs_edit_arg {
	const struct ffs_dirslot *slot;
	uint64_t ino;
	uint8_t type;
	int remove;
	int done;
};

static int ffs_edit_chunk(struct ffs_mount *fm, uint64_t dino, uint8_t *chunk,
    uint64_t off, void *arg, int *dirty)
{
	struct ffs_edit_arg *ed = arg;
	uint32_t pos = (uint32_t)(ed->slot->ds_off - off), prev, reclen;
	uint8_t *e;

	/* the slot came from a lookup moments ago: it must still be an entry */
	for (prev = 0; prev < pos; prev += reclen)
		reclen = ffs_get16(fm, chunk + prev + FFS_D_RECLEN);
	if (prev != pos)
		return vfs_corrupt(fm->fm_mp, dino, 0, "directory entry moved");
	e = chunk + pos;
	if (!ed->remove) {
		ffs_put32(fm, e + FFS_D_INO, (uint32_t)ed->ino);
		e[FFS_D_TYPE] = ed->type;
	} else if (ed->slot->ds_prevoff == ~(uint64_t)0) {
		ffs_put32(fm, e + FFS_D_INO, 0);
	} else {
		uint8_t *pe = chunk + (ed->slot->ds_prevoff - off);
		ffs_put16(fm, pe + FFS_D_RECLEN, (uint16_t)(
		    ffs_get16(fm, pe + FFS_D_RECLEN) +
		    ffs_get16(fm, e + FFS_D_RECLEN)));
	}
	*dirty = 1;
	ed->done = 1;
	return FFS_ITER_STOP;
}

int ffs_dir_remove(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, const struct ffs_dirslot *slot)
{
	struct ffs_edit_arg ed = { slot, 0, 0, 1, 0 };

	return ffs_dir_iter(fm, dino, ddi, slot->ds_off, ffs_edit_chunk, &ed, 0);
}

int ffs_dir_setino(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, uint64_t off, uint64_t ino, uint8_t type)
{
	struct ffs_dirslot slot = { 0, off, 0, 0 };
	struct ffs_edit_arg ed = { &slot, ino, type, 0, 0 };

	return ffs_dir_iter(fm, dino, ddi, off, ffs_edit_chunk, &ed, 0);
}

static int ffs_empty_chunk(struct ffs_mount *fm, uint64_t dino,
    uint8_t *chunk, uint64_t off, void *arg, int *dirty)
{
	int *empty = arg;
	uint32_t pos, reclen;

	for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
		const uint8_t *e = chunk + pos;
		reclen = ffs_get16(fm, e + FFS_D_RECLEN);
		if (ffs_get32(fm, e + FFS_D_INO) == 0 ||
		    e[FFS_D_TYPE] == FFS_DT_WHT)
			continue;
		if ((e[FFS_D_NAMLEN] == 1 && e[FFS_D_NAME] == '.') ||
		    (e[FFS_D_NAMLEN] == 2 && e[FFS_D_NAME] == '.' &&
		    e[FFS_D_NAME + 1] == '.'))
			continue;
		*empty = 0;
		return FFS_ITER_STOP;
	}
	return 0;
}

int ffs_dir_isempty(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, int *empty)
{
	*empty = 1;
	return ffs_dir_iter(fm, dino, ddi, 0, ffs_empty_chunk, empty, 0);
}
