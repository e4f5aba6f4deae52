/* msdosfs_vnops.c: FAT vnode operations: attributes, read and write, truncate, create, mkdir, remove, rmdir, rename. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

#define FAT_MAXFILE 0xFFFFFFFFull

static int msdosfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct denode *dep = VTODE(vp);
	struct msdosfs *fs = dep->fs;
	const uint8_t *de = dep->de;

	memset(va, 0, sizeof(*va));
	va->va_ino = vp->v_ino;
	if (dep->isdir)
		va->va_mode = S_IFDIR | (0777 & ~fs->dirmask);
	else
		va->va_mode = S_IFREG | (0777 & ~fs->mask);
	if (de[DIR_ATTR] & ATTR_READ_ONLY)
		va->va_mode &= ~(mode_t)0222;   /* as mount_msdos */
	va->va_nlink = 1;
	va->va_uid = fs->uid;
	va->va_gid = fs->gid;
	va->va_size = dep->size;
	va->va_bytes = dep->isdir ? dep->size : dep->start == 0 ? 0 :
	    ((uint64_t)dep->size + fs->csize - 1) / fs->csize * fs->csize;
	va->va_blksize = fs->csize;
	va->va_flags = de[DIR_ATTR];
	va->va_birthtime.tv_sec = VFS_NOTIME;
	if (dep->loc == 0)
		return 0;   /* the root has no entry, so no times */
	msdosfs_fat2unix(fs, le16dec(de + DIR_WRTDATE), le16dec(de + DIR_WRTTIME),
	    0, &va->va_mtime);
	va->va_ctime = va->va_mtime;
	if (le16dec(de + DIR_LSTACCDATE) != 0)
		msdosfs_fat2unix(fs, le16dec(de + DIR_LSTACCDATE), 0, 0,
		    &va->va_atime);
	else
		va->va_atime = va->va_mtime;
	if (le16dec(de + DIR_CRTDATE) != 0)
		msdosfs_fat2unix(fs, le16dec(de + DIR_CRTDATE),
		    le16dec(de + DIR_CRTTIME), de[DIR_CRTTIMETENTH],
		    &va->va_birthtime);
	return 0;
}

/* Stamps the entry: modification (and archive bit) and/or access date. */
void msdosfs_de_times(struct denode *dep, int mtime, int atime)
{
	struct timespec now;
	uint16_t dd, dt;

	clock_gettime(CLOCK_REALTIME, &now);
	msdosfs_unix2fat(dep->fs, &now, &dd, &dt, NULL);
	if (mtime) {
		le16enc(dep->de + DIR_WRTDATE, dd);
		le16enc(dep->de + DIR_WRTTIME, dt);
		if (!dep->isdir)
			dep->de[DIR_ATTR] |= ATTR_ARCHIVE;
	}
	if (atime || mtime)
		le16enc(dep->de + DIR_LSTACCDATE, dd);
}

/* Makes the chain at least `need` clusters long. */
static int ensure_clusters(struct denode *dep, uint32_t need)
{
	struct msdosfs *fs = dep->fs;
	uint32_t cl, run = 1, first;
	int error;

	if (need == 0)
		return 0;
	if (dep->start == 0) {
		if ((error = msdosfs_alloc(fs, 0, need, &first)) != 0)
			return error;
		dep->start = first;
		dep->cclust = 0;
		msdosfs_de_set_start(fs, dep->de, first);
		return 0;
	}
	error = msdosfs_bmap(dep, need - 1, &cl, &run);
	if (error != ENOENT)
		return error;
	return msdosfs_alloc(fs, dep->cclust, need - 1 - dep->cidx, &first);
}

/* Writes whole clusters straight to the device, dropping cached copies. */
static int write_direct(struct msdosfs *fs, uint32_t cl, uint32_t n,
    const uint8_t *src)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		bio_invalidate(fs->bc, msdosfs_clustoff(fs, cl + i));
	return blkdev_write(fs->mp->mnt_dev, msdosfs_clustoff(fs, cl), src,
	    (size_t)n * fs->csize);
}

/* Part of one cluster through the cache; src NULL writes zeros. */
static int write_partial(struct msdosfs *fs, uint32_t cl, uint32_t in,
    uint32_t len, const uint8_t *src)
{
	struct buf *bp;
	int error;

	if (in == 0 && len == fs->csize)
		error = bget(fs->bc, msdosfs_clustoff(fs, cl), fs->csize, &bp);
	else
		error = bread(fs->bc, msdosfs_clustoff(fs, cl), fs->csize, &bp);
	if (error)
		return error;
	if (src)
		memcpy(bp->b_data + in, src, len);
	else
		memset(bp->b_data + in, 0, len);
	bdwrite(bp);
	return 0;
}

/* Writes [off, off+len) of allocated clusters; src NULL writes zeros. */
static int write_range(struct denode *dep, const uint8_t *src, uint64_t len,
    uint64_t off)
{
	struct msdosfs *fs = dep->fs;
	uint32_t cl, run, in, n;
	uint64_t chunk;
	int error;

	while (len > 0) {
		in = (uint32_t)(off % fs->csize);
		run = (uint32_t)((in + len + fs->csize - 1) / fs->csize);
		if ((error = msdosfs_bmap(dep, (uint32_t)(off / fs->csize), &cl,
		    &run)) != 0)
			return error == ENOENT ? EIO : error;
		chunk = (uint64_t)run * fs->csize - in;
		if (chunk > len)
			chunk = len;
		n = (uint32_t)(chunk / fs->csize);
		if (in == 0 && src != NULL && n > 0) {
			error = write_direct(fs, cl, n, src);
			chunk = (uint64_t)n * fs->csize;
		} else {
			if (chunk > fs->csize - in)
				chunk = fs->csize - in;
			error = write_partial(fs, cl, in, (uint32_t)chunk, src);
		}
		if (error)
			return error;
		len -= chunk, off += chunk;
		if (src)
			src += chunk;
	}
	return 0;
}

/* Shrinking frees clusters; growing writes zeros (FAT has no holes). */
int msdosfs_truncate(struct denode *dep, uint64_t newsize)
{
	struct msdosfs *fs = dep->fs;
	uint32_t keep, cl, run = 1, next;
	int error;

	if (newsize > FAT_MAXFILE)
		return EFBIG;
	if (newsize > dep->size) {
		keep = (uint32_t)((newsize + fs->csize - 1) / fs->csize);
		error = ensure_clusters(dep, keep);
		if (error == 0)
			error = write_range(dep, NULL, newsize - dep->size,
			    dep->size);
	} else {
		keep = (uint32_t)((newsize + fs->csize - 1) / fs->csize);
		error = 0;
		if (keep == 0 && dep->start != 0) {
			error = msdosfs_free_chain(fs, dep->start);
			dep->start = 0;
			msdosfs_de_set_start(fs, dep->de, 0);
		} else if (keep > 0 && (error = msdosfs_bmap(dep, keep - 1,
		    &cl, &run)) == 0 && (error = msdosfs_next(fs, 0, cl,
		    &next)) == 0 && next != 0) {
			error = msdosfs_fat_set(fs, cl, fs->eocmark);
			if (error == 0)
				error = msdosfs_free_chain(fs, next);
		}
		dep->cclust = 0;
	}
	if (error)
		return error;
	dep->size = (uint32_t)newsize;
	le32enc(dep->de + DIR_FILESIZE, dep->size);
	msdosfs_de_times(dep, 1, 0);
	return msdosfs_de_write(dep);
}

static int msdosfs_setattr(struct vnode *vp, const struct vattr *va,
    unsigned valid)
{
	struct denode *dep = VTODE(vp);
	struct msdosfs *fs = dep->fs;
	uint16_t dd, dt;
	int error = 0;

	if (fs->rdonly)
		return EROFS;
	if (((valid & VA_UID) && va->va_uid != fs->uid) ||
	    ((valid & VA_GID) && va->va_gid != fs->gid))
		return EOPNOTSUPP;   /* FAT records no owners */
	if ((valid & VA_SIZE) && dep->isdir)
		return EISDIR;
	if (dep->loc == 0)
		return 0;   /* the root has no entry to hold anything */
	if ((valid & VA_SIZE) && va->va_size != dep->size)
		error = msdosfs_truncate(dep, va->va_size);
	if (error)
		return error;
	if (valid & VA_MODE) {
		if (va->va_mode & 0222)
			dep->de[DIR_ATTR] &= ~ATTR_READ_ONLY;
		else
			dep->de[DIR_ATTR] |= ATTR_READ_ONLY;
	}
	if (valid & VA_MTIME) {
		msdosfs_unix2fat(fs, &va->va_mtime, &dd, &dt, NULL);
		le16enc(dep->de + DIR_WRTDATE, dd);
		le16enc(dep->de + DIR_WRTTIME, dt);
	}
	if (valid & VA_ATIME) {
		msdosfs_unix2fat(fs, &va->va_atime, &dd, &dt, NULL);
		le16enc(dep->de + DIR_LSTACCDATE, dd);
	}
	return msdosfs_de_write(dep);
}

/* Reads contiguous cluster runs with one direct read each. */
static int msdosfs_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct denode *dep = VTODE(vp);
	struct msdosfs *fs = dep->fs;
	uint8_t *dst = buf;
	uint32_t cl, run, in;
	uint64_t chunk;
	int error = 0;

	*done = 0;
	if (dep->isdir)
		return EISDIR;
	if (off >= dep->size)
		return 0;
	if (len > dep->size - off)
		len = (size_t)(dep->size - off);
	while (len > 0) {
		in = (uint32_t)(off % fs->csize);
		run = (uint32_t)((in + (uint64_t)len + fs->csize - 1) / fs->csize);
		error = msdosfs_bmap(dep, (uint32_t)(off / fs->csize), &cl, &run);
		if (error == ENOENT)
			error = vfs_corrupt(fs->mp, vp->v_ino, 0, "cluster chain"
			    " from %u: shorter than the file's %u bytes",
			    dep->start, dep->size);
		if (error)
			break;
		chunk = (uint64_t)run * fs->csize - in;
		if (chunk > len)
			chunk = len;
		error = bio_read_data(fs->bc, msdosfs_clustoff(fs, cl) + in,
		    dst, (size_t)chunk);
		if (error)
			break;
		dst += chunk, off += chunk, len -= (size_t)chunk;
		*done += (size_t)chunk;
	}
	return *done > 0 ? 0 : error;
}

static int msdosfs_write(struct vnode *vp, const void *buf, size_t len,
    uint64_t off, size_t *done)
{
	struct denode *dep = VTODE(vp);
	struct msdosfs *fs = dep->fs;
	uint64_t end;
	int error = 0;

	*done = 0;
	if (dep->isdir)
		return EISDIR;
	if (fs->rdonly)
		return EROFS;
	if (len == 0)
		return 0;
	if (off >= FAT_MAXFILE)
		return EFBIG;
	if (len > FAT_MAXFILE - off)
		len = (size_t)(FAT_MAXFILE - off);
	end = off + len;
	if (end > dep->size)
		error = ensure_clusters(dep, (uint32_t)((end + fs->csize - 1) /
		    fs->csize));
	if (error == 0 && off > dep->size)
		error = write_range(dep, NULL, off - dep->size, dep->size);
	if (error == 0)
		error = write_range(dep, buf, len, off);
	if (error)
		return error;
	if (end > dep->size) {
		dep->size = (uint32_t)end;
		le32enc(dep->de + DIR_FILESIZE, dep->size);
	}
	msdosfs_de_times(dep, 1, 0);
	*done = len;
	return msdosfs_de_write(dep);
}

/* UTF-8 name to what the directory will hold; trailing dots go, as on Linux. */
int msdosfs_new_name(const char *name, size_t namelen, uint16_t *u, size_t *n)
{
	int error = msdosfs_utf8_to_utf16(name, namelen, u, LFN_MAX_UNITS, n);

	if (error)
		return error;
	while (*n > 0 && u[*n - 1] == '.')
		(*n)--;
	return msdosfs_valid_longname(u, *n) ? 0 : EINVAL;
}

/* A new entry template: attributes and all three times set to now. */
static void new_template(struct msdosfs *fs, uint8_t *tmpl, int isdir,
    mode_t mode)
{
	struct timespec now;
	uint16_t dd, dt;
	uint8_t tenth;

	memset(tmpl, 0, DIR_SIZE);
	tmpl[DIR_ATTR] = isdir ? ATTR_DIRECTORY : ATTR_ARCHIVE;
	if (!(mode & 0222))
		tmpl[DIR_ATTR] |= ATTR_READ_ONLY;
	clock_gettime(CLOCK_REALTIME, &now);
	msdosfs_unix2fat(fs, &now, &dd, &dt, &tenth);
	tmpl[DIR_CRTTIMETENTH] = tenth;
	le16enc(tmpl + DIR_CRTTIME, dt);
	le16enc(tmpl + DIR_CRTDATE, dd);
	le16enc(tmpl + DIR_LSTACCDATE, dd);
	le16enc(tmpl + DIR_WRTTIME, dt);
	le16enc(tmpl + DIR_WRTDATE, dd);
}

/* A cluster for a new directory whose number no cached vnode still holds. */
static int alloc_dir_cluster(struct msdosfs *fs, uint32_t *cl)
{
	uint32_t skipped[8], nskip = 0, i;
	int error;

	for (;;) {
		if ((error = msdosfs_alloc(fs, 0, 1, cl)) != 0)
			break;
		if (!msdosfs_id_retired(fs, *cl))
			break;
		if (nskip == 8) {
			error = ENOSPC;
			skipped[nskip - 1] = *cl;   /* give it back below */
			break;
		}
		skipped[nskip++] = *cl;
	}
	for (i = 0; i < nskip; i++)
		msdosfs_free_chain(fs, skipped[i]);
	return error;
}

static void parent_touch(struct denode *dp)
{
	msdosfs_de_times(dp, 1, 0);
	msdosfs_de_write(dp);
}

/* create and mkdir: *vpp gets a reference to the new node. */
static int makenode(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, int isdir, struct vnode **vpp)
{
	struct denode *dp = VTODE(dvp);
	struct msdosfs *fs = dp->fs;
	struct msdosfs_dirent *ent;
	uint16_t u[LFN_MAX_UNITS];
	uint8_t tmpl[DIR_SIZE];
	uint32_t cl = 0;
	size_t n;
	int error;

	if (fs->rdonly)
		return EROFS;
	if ((error = msdosfs_new_name(name, namelen, u, &n)) != 0)
		return error;
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return ENOMEM;
	error = msdosfs_dir_find(dp, u, n, ent);
	if (error == 0)
		error = EEXIST;
	if (error != ENOENT)
		goto bad;
	new_template(fs, tmpl, isdir, mode);
	if (isdir) {
		error = alloc_dir_cluster(fs, &cl);
		if (error == 0)
			error = msdosfs_dir_init(fs, cl, tmpl, dp->loc == 0 ? 0 :
			    dp->start);
		if (error)
			goto bad;
		msdosfs_de_set_start(fs, tmpl, cl);
	}
	if ((error = msdosfs_dirent_create(dp, u, n, tmpl, ent)) != 0)
		goto bad;
	cl = 0;
	parent_touch(dp);
	error = msdosfs_entry_vget(dp, ent, vpp);
bad:
	if (cl != 0)
		msdosfs_free_chain(fs, cl);
	free(ent);
	return error;
}

static int msdosfs_create(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return makenode(dvp, name, namelen, mode, 0, vpp);
}

static int msdosfs_mkdir(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return makenode(dvp, name, namelen, mode, 1, vpp);
}

/* Forgets a node whose entry is gone: its clusters and its number. */
int msdosfs_node_destroy(struct vnode *vp)
{
	struct denode *dep = VTODE(vp);
	int error = 0;

	if (dep->start != 0)
		error = msdosfs_free_chain(dep->fs, dep->start);
	dep->start = 0, dep->size = 0, dep->cclust = 0;
	dep->removed = 1;
	msdosfs_dirhash_free(dep);
	msdosfs_id_removed(dep->fs, vp->v_ino);
	return error;
}

/* remove and rmdir: the entry named, checked to be of the right kind. */
static int nukenode(struct vnode *dvp, const char *name, size_t namelen,
    int isdir)
{
	struct denode *dp = VTODE(dvp);
	struct msdosfs_dirent *ent;
	struct vnode *vp = NULL;
	uint16_t u[LFN_MAX_UNITS];
	size_t n;
	int error, empty;

	if (dp->fs->rdonly)
		return EROFS;
	if ((error = msdosfs_name16(name, namelen, u, &n)) != 0)
		return error;
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return ENOMEM;
	if ((error = msdosfs_dir_find(dp, u, n, ent)) != 0)
		goto bad;
	if ((error = msdosfs_entry_vget(dp, ent, &vp)) != 0)
		goto bad;
	if (isdir && vp->v_type != VDIR)
		error = ENOTDIR;
	else if (!isdir && vp->v_type == VDIR)
		error = EISDIR;
	else if (isdir && (error = msdosfs_dir_empty(VTODE(vp), &empty)) == 0 &&
	    !empty)
		error = ENOTEMPTY;
	if (error == 0)
		error = msdosfs_dirent_remove(dp, ent);
	if (error == 0)
		error = msdosfs_node_destroy(vp);
	if (error == 0)
		parent_touch(dp);
bad:
	if (vp)
		vrele(vp);
	free(ent);
	return error;
}

static int msdosfs_remove(struct vnode *dvp, const char *name, size_t namelen)
{
	return nukenode(dvp, name, namelen, 0);
}

static int msdosfs_rmdir(struct vnode *dvp, const char *name, size_t namelen)
{
	if ((namelen == 1 && name[0] == '.') ||
	    (namelen == 2 && name[0] == '.' && name[1] == '.'))
		return EINVAL;
	return nukenode(dvp, name, namelen, 1);
}

static int msdosfs_fsync(struct vnode *vp)
{
	return vfs_sync(vp->v_mount);
}

static void msdosfs_reclaim(struct vnode *vp)
{
	struct denode *dep = VTODE(vp);

	if (dep == NULL)
		return;
	msdosfs_dirhash_free(dep);
	if (dep->removed)
		msdosfs_id_reclaimed(dep->fs, vp->v_ino);
	free(dep);
	vp->v_data = NULL;
}

const struct vnodeops msdosfs_vnodeops = {
	.vop_lookup = msdosfs_lookup,
	.vop_getattr = msdosfs_getattr,
	.vop_setattr = msdosfs_setattr,
	.vop_read = msdosfs_read,
	.vop_write = msdosfs_write,
	.vop_readdir = msdosfs_readdir,
	.vop_create = msdosfs_create,
	.vop_mkdir = msdosfs_mkdir,
	.vop_remove = msdosfs_remove,
	.vop_rmdir = msdosfs_rmdir,
	.vop_rename = msdosfs_rename,
	.vop_fsync = msdosfs_fsync,
	.vop_reclaim = msdosfs_reclaim,
};
