/* ffs_vnops.c: namespace changes: create, mkdir, mknod, symlink, link, remove, rmdir, rename, fsync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * References: create/mkdir/mknod/symlink hand back one new reference in
 * *vpp; the others take none and give none. The directory vnodes passed in
 * stay referenced by the caller throughout.
 *
 * Inodes are re-read from the buffer cache before each change (see
 * ffs_inode.c), never kept across a call that may have changed them: fdvp
 * and tdvp may be the same directory, and a directory's entry may move
 * when another entry is added to its chunk.
 *
 * Link counts: a directory has one link from its parent's entry, one from
 * its own "." and one from each subdirectory's "..". An inode whose count
 * reaches zero is truncated and freed at once; a vnode still cached for it
 * then finds an unallocated inode and fails cleanly.
 */

/* Frees an inode no name refers to any more. */
static int ffs_inactive(struct ffs_mount *fm, uint64_t ino,
    struct ffs_dinode *di)
{
	int isdir = S_ISDIR(di->di_mode), error;

	/* the attribute area first: one out of range stops before any change */
	if ((error = ffs_ext_free(fm, ino, di)) != 0 ||
	    (error = ffs_truncate(fm, ino, di, 0)) != 0)
		return error;
	di->di_mode = 0;
	di->di_nlink = 0;
	di->di_blocks = 0;
	ffs_itimes(di, 0, 0, 1);
	if ((error = ffs_iwrite(fm, ino, di)) != 0)
		return error;
	return ffs_free_inode(fm, ino, isdir);
}

/* Adds delta to an inode's link count; frees it when none are left. */
static int ffs_nlink_add(struct ffs_mount *fm, uint64_t ino, int delta)
{
	struct ffs_dinode di;
	int error;

	if ((error = ffs_iload(fm, ino, &di)) != 0)
		return error;
	if (delta < 0 && di.di_nlink < (uint16_t)-delta)
		return vfs_corrupt(fm->fm_mp, ino, 0, "link count %u too low",
		    di.di_nlink);
	if (delta > 0 && di.di_nlink + delta > FFS_LINK_MAX)
		return EMLINK;
	di.di_nlink = (uint16_t)(di.di_nlink + delta);
	ffs_itimes(&di, 0, 0, 1);
	if (di.di_nlink == 0)
		return ffs_inactive(fm, ino, &di);
	return ffs_iwrite(fm, ino, &di);
}

/* The directory dvp, loaded and checked, ready for a change. */
static int ffs_dir_prep(struct vnode *dvp, struct ffs_dinode *ddi)
{
	struct ffs_mount *fm = VFSTOFFS(dvp->v_mount);
	int error;

	if ((error = ffs_begin_write(fm)) != 0 ||
	    (error = ffs_iload(fm, dvp->v_ino, ddi)) != 0)
		return error;
	if (!S_ISDIR(ddi->di_mode))
		return ENOTDIR;
	if (ddi->di_nlink == 0)
		return ENOENT;
	return 0;
}

/* Turns a symlink target into the inode's pointer area (fast symlink). */
static void ffs_fastlink(const struct ffs_mount *fm, struct ffs_dinode *di,
    const char *target, size_t len)
{
	uint8_t area[(FFS_NDADDR + FFS_NIADDR) * 8];
	size_t w = fm->fm_ufs2 ? 8 : 4, i;

	memset(area, 0, sizeof(area));
	memcpy(area, target, len);
	/* decoding the bytes in the image's order makes iwrite put them back */
	for (i = 0; i < FFS_NDADDR + FFS_NIADDR; i++) {
		uint64_t v = w == 8 ? ffs_get64(fm, area + 8 * i) :
		    ffs_get32(fm, area + 4 * i);
		if (i < FFS_NDADDR)
			di->di_db[i] = v;
		else
			di->di_ib[i - FFS_NDADDR] = v;
	}
	di->di_size = len;
}

/* The contents a new inode of each kind starts with. */
static int ffs_init_node(struct ffs_mount *fm, uint64_t ino, uint64_t dino,
    struct ffs_dinode *di, const struct ffs_dinode *ddi, mode_t mode,
    dev_t rdev, const char *target)
{
	uint32_t gen;
	size_t done;
	int error;

	if ((error = ffs_iread(fm, ino, di)) != 0)
		return error;
	gen = di->di_gen + 1;
	if ((error = ffs_iclear(fm, ino)) != 0)
		return error;
	memset(di, 0, sizeof(*di));
	di->di_gen = gen ? gen : 1;
	di->di_mode = (uint16_t)mode;
	di->di_nlink = S_ISDIR(mode) ? 2 : 1;
	di->di_uid = (uint32_t)geteuid();
	di->di_gid = ddi->di_gid;     /* BSD: the group of the directory */
	ffs_itimes(di, 1, 1, 1);
	di->di_birthtime = fm->fm_ufs2 ? di->di_ctime : VFS_NOTIME;
	di->di_birthnsec = fm->fm_ufs2 ? di->di_ctimensec : 0;
	if (S_ISCHR(mode) || S_ISBLK(mode))
		di->di_db[0] = fm->fm_ufs2 ? (uint64_t)rdev : (uint32_t)rdev;
	if (S_ISLNK(mode) && strlen(target) < fm->fm_maxsymlinklen)
		ffs_fastlink(fm, di, target, strlen(target));
	else if (S_ISLNK(mode) && (error = ffs_write_di(fm, ino, di, target,
	    strlen(target), 0, &done)) != 0)
		return error;
	if ((error = ffs_iwrite(fm, ino, di)) != 0)
		return error;
	if (S_ISDIR(mode)) {
		if ((error = ffs_dir_enter(fm, ino, di, ".", 1, ino, VDIR)) != 0)
			return error;
		return ffs_dir_enter(fm, ino, di, "..", 2, dino, VDIR);
	}
	return 0;
}

/* The one body of create, mkdir, mknod and symlink. */
static int ffs_makenode(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, dev_t rdev, const char *target, struct vnode **vpp)
{
	struct ffs_mount *fm = VFSTOFFS(dvp->v_mount);
	struct ffs_dinode ddi, di;
	struct ffs_dirslot slot;
	uint64_t ino;
	int error;

	*vpp = NULL;
	if ((error = ffs_dir_prep(dvp, &ddi)) != 0)
		return error;
	if (namelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	error = ffs_dir_find(fm, dvp->v_ino, &ddi, name, namelen, &slot);
	if (error != ENOENT)
		return error ? error : EEXIST;
	if (S_ISDIR(mode) && ddi.di_nlink >= FFS_LINK_MAX)
		return EMLINK;
	if ((error = ffs_alloc_inode(fm, dvp->v_ino, S_ISDIR(mode), &ino)) != 0)
		return error;
	error = ffs_init_node(fm, ino, dvp->v_ino, &di, &ddi, mode, rdev,
	    target);
	if (error == 0 && (error = ffs_iload(fm, dvp->v_ino, &ddi)) == 0)
		error = ffs_dir_enter(fm, dvp->v_ino, &ddi, name, namelen, ino,
		    ffs_mode_to_dt((uint16_t)mode));
	if (error == 0 && S_ISDIR(mode))
		error = ffs_nlink_add(fm, dvp->v_ino, 1);
	if (error) {
		/* undo what can be undone: the inode and its blocks go back */
		if (ffs_iread(fm, ino, &di) == 0 && di.di_mode != 0)
			ffs_inactive(fm, ino, &di);
		return error;
	}
	if ((error = vfs_vget(dvp->v_mount, ino, vpp)) != 0)
		return error;
	(*vpp)->v_type = vfs_mode_to_vtype((mode_t)mode);  /* a reused vnode */
	return 0;
}

int ffs_create(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return ffs_makenode(dvp, name, namelen, S_IFREG | (mode & 07777), 0,
	    NULL, vpp);
}

int ffs_mkdir(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return ffs_makenode(dvp, name, namelen, S_IFDIR | (mode & 07777), 0,
	    NULL, vpp);
}

int ffs_mknod(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, uint32_t major, uint32_t minor, struct vnode **vpp)
{
	mode_t type = mode & S_IFMT;

	if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK && type != S_IFREG)
		return EINVAL;
	return ffs_makenode(dvp, name, namelen, mode & (S_IFMT | 07777),
	    gnu_dev_makedev(major, minor), NULL, vpp);
}

int ffs_symlink(struct vnode *dvp, const char *name, size_t namelen,
    const char *target, struct vnode **vpp)
{
	size_t len = strlen(target);

	if (len == 0)
		return ENOENT;
	if (len >= VFS_PATH_MAX ||
	    len > VFSTOFFS(dvp->v_mount)->fm_bsize)
		return ENAMETOOLONG;
	return ffs_makenode(dvp, name, namelen, S_IFLNK | 0777, 0, target, vpp);
}

int ffs_link(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode *vp)
{
	struct ffs_mount *fm = VFSTOFFS(dvp->v_mount);
	struct ffs_dinode ddi, di;
	struct ffs_dirslot slot;
	int error;

	if ((error = ffs_dir_prep(dvp, &ddi)) != 0 ||
	    (error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (S_ISDIR(di.di_mode))
		return EPERM;
	if (di.di_nlink >= FFS_LINK_MAX)
		return EMLINK;
	error = ffs_dir_find(fm, dvp->v_ino, &ddi, name, namelen, &slot);
	if (error != ENOENT)
		return error ? error : EEXIST;
	if ((error = ffs_nlink_add(fm, vp->v_ino, 1)) != 0)
		return error;
	error = ffs_dir_enter(fm, dvp->v_ino, &ddi, name, namelen, vp->v_ino,
	    ffs_mode_to_dt(di.di_mode));
	if (error)
		ffs_nlink_add(fm, vp->v_ino, -1);
	return error;
}

static int ffs_isdot(const char *name, size_t namelen)
{
	return (namelen == 1 && name[0] == '.') ||
	    (namelen == 2 && name[0] == '.' && name[1] == '.');
}

/* The one body of remove and rmdir. */
static int ffs_unlink(struct vnode *dvp, const char *name, size_t namelen,
    int rmdir)
{
	struct ffs_mount *fm = VFSTOFFS(dvp->v_mount);
	struct ffs_dinode ddi, di;
	struct ffs_dirslot slot;
	int error, empty;

	if (ffs_isdot(name, namelen))
		return rmdir && namelen == 2 ? ENOTEMPTY : EINVAL;
	if ((error = ffs_dir_prep(dvp, &ddi)) != 0 ||
	    (error = ffs_dir_find(fm, dvp->v_ino, &ddi, name, namelen,
	    &slot)) != 0 || (error = ffs_iload(fm, slot.ds_ino, &di)) != 0)
		return error;
	if (!rmdir && S_ISDIR(di.di_mode))
		return EISDIR;
	if (rmdir && !S_ISDIR(di.di_mode))
		return ENOTDIR;
	if (rmdir && ((error = ffs_dir_isempty(fm, slot.ds_ino, &di,
	    &empty)) != 0 || !empty))
		return error ? error : ENOTEMPTY;
	if ((error = ffs_dir_remove(fm, dvp->v_ino, &ddi, &slot)) != 0)
		return error;
	ffs_itimes(&ddi, 0, 1, 1);
	if ((error = ffs_iwrite(fm, dvp->v_ino, &ddi)) != 0)
		return error;
	if (rmdir) {
		/* the parent loses the child's ".."; the child has no names left */
		if ((error = ffs_nlink_add(fm, dvp->v_ino, -1)) != 0)
			return error;
		return ffs_inactive(fm, slot.ds_ino, &di);
	}
	return ffs_nlink_add(fm, slot.ds_ino, -1);
}

int ffs_remove(struct vnode *dvp, const char *name, size_t namelen)
{
	return ffs_unlink(dvp, name, namelen, 0);
}

int ffs_rmdir(struct vnode *dvp, const char *name, size_t namelen)
{
	return ffs_unlink(dvp, name, namelen, 1);
}

/* Is directory `ino` the directory `anc` or below it? Walks up "..". */
static int ffs_is_below(struct ffs_mount *fm, uint64_t ino, uint64_t anc,
    int *below)
{
	struct ffs_dinode di;
	struct ffs_dirslot slot;
	uint64_t steps;
	int error;

	*below = 0;
	for (steps = 0; steps < ffs_ninodes(fm); steps++) {
		if (ino == anc) {
			*below = 1;
			return 0;
		}
		if (ino == FFS_ROOTINO)
			return 0;
		if ((error = ffs_iload(fm, ino, &di)) != 0 ||
		    (error = ffs_dir_find(fm, ino, &di, "..", 2, &slot)) != 0)
			return error == ENOENT ? vfs_corrupt(fm->fm_mp, ino, 0,
			    "directory without '..'") : error;
		ino = slot.ds_ino;
	}
	return vfs_corrupt(fm->fm_mp, ino, 0, "'..' entries form a loop");
}

struct ffs_rename {
	struct ffs_mount *fm;
	uint64_t fdino, tdino, sino, tino;
	struct ffs_dinode sdi, tdi;
	int sdir;
};

/* What rename checks before changing anything. */
static int ffs_rename_check(struct ffs_rename *r, unsigned flags)
{
	int error, below, empty;

	if (r->sdir && r->fdino != r->tdino) {
		if ((error = ffs_is_below(r->fm, r->tdino, r->sino, &below)) != 0)
			return error;
		if (below)
			return EINVAL;
	}
	if (r->tino == 0)
		return 0;
	if (flags & RENAME_NOREPLACE)
		return EEXIST;
	if ((error = ffs_iload(r->fm, r->tino, &r->tdi)) != 0)
		return error;
	if (r->sdir && !S_ISDIR(r->tdi.di_mode))
		return ENOTDIR;
	if (!r->sdir && S_ISDIR(r->tdi.di_mode))
		return EISDIR;
	if (S_ISDIR(r->tdi.di_mode) && ((error = ffs_dir_isempty(r->fm,
	    r->tino, &r->tdi, &empty)) != 0 || !empty))
		return error ? error : ENOTEMPTY;
	return 0;
}

/* Points the target name at the source inode (replacing or adding it). */
static int ffs_rename_target(struct ffs_rename *r, const char *tname,
    size_t tnamelen, const struct ffs_dirslot *tslot)
{
	struct ffs_mount *fm = r->fm;
	struct ffs_dinode tddi;
	uint8_t type = ffs_mode_to_dt(r->sdi.di_mode);
	int error;

	if ((error = ffs_iload(fm, r->tdino, &tddi)) != 0)
		return error;
	if (r->tino == 0)
		return ffs_dir_enter(fm, r->tdino, &tddi, tname, tnamelen,
		    r->sino, type);
	if ((error = ffs_dir_setino(fm, r->tdino, &tddi, tslot->ds_off,
	    r->sino, type)) != 0)
		return error;
	if (S_ISDIR(r->tdi.di_mode)) {
		/* the replaced directory's ".." no longer counts for tdvp */
		if ((error = ffs_nlink_add(fm, r->tdino, -1)) != 0)
			return error;
		if ((error = ffs_iload(fm, r->tino, &r->tdi)) != 0)
			return error;
		return ffs_inactive(fm, r->tino, &r->tdi);
	}
	return ffs_nlink_add(fm, r->tino, -1);
}

/* Removes the source name and, for a moved directory, fixes "..". */
static int ffs_rename_source(struct ffs_rename *r, const char *fname,
    size_t fnamelen)
{
	struct ffs_mount *fm = r->fm;
	struct ffs_dinode fddi, sdi;
	struct ffs_dirslot slot;
	int error;

	if ((error = ffs_iload(fm, r->fdino, &fddi)) != 0 ||
	    (error = ffs_dir_find(fm, r->fdino, &fddi, fname, fnamelen,
	    &slot)) != 0)
		return error;
	if (slot.ds_ino != r->sino)
		return vfs_corrupt(fm->fm_mp, r->fdino, 0, "entry changed "
		    "during rename");
	if ((error = ffs_dir_remove(fm, r->fdino, &fddi, &slot)) != 0)
		return error;
	ffs_itimes(&fddi, 0, 1, 1);
	if ((error = ffs_iwrite(fm, r->fdino, &fddi)) != 0)
		return error;
	if (!r->sdir || r->fdino == r->tdino)
		return ffs_nlink_add(fm, r->sino, 0);   /* ctime */
	if ((error = ffs_iload(fm, r->sino, &sdi)) != 0 ||
	    (error = ffs_dir_find(fm, r->sino, &sdi, "..", 2, &slot)) != 0 ||
	    (error = ffs_dir_setino(fm, r->sino, &sdi, slot.ds_off, r->tdino,
	    VDIR)) != 0)
		return error;
	if ((error = ffs_nlink_add(fm, r->tdino, 1)) != 0)
		return error;
	return ffs_nlink_add(fm, r->fdino, -1);
}

/* rename: takes and gives no references. flags: 0 or RENAME_NOREPLACE. */
int ffs_rename(struct vnode *fdvp, const char *fname, size_t fnamelen,
    struct vnode *tdvp, const char *tname, size_t tnamelen, unsigned flags)
{
	struct ffs_rename r = { VFSTOFFS(fdvp->v_mount), fdvp->v_ino,
	    tdvp->v_ino, 0, 0, { 0 }, { 0 }, 0 };
	struct ffs_dinode fddi, tddi;
	struct ffs_dirslot fslot, tslot;
	int error;

	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return EINVAL;
	if (ffs_isdot(fname, fnamelen) || ffs_isdot(tname, tnamelen))
		return EINVAL;
	if (tnamelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if ((error = ffs_dir_prep(fdvp, &fddi)) != 0 ||
	    (error = ffs_dir_prep(tdvp, &tddi)) != 0 ||
	    (error = ffs_dir_find(r.fm, r.fdino, &fddi, fname, fnamelen,
	    &fslot)) != 0 || (error = ffs_iload(r.fm, fslot.ds_ino,
	    &r.sdi)) != 0)
		return error;
	r.sino = fslot.ds_ino;
	r.sdir = S_ISDIR(r.sdi.di_mode);
	error = ffs_dir_find(r.fm, r.tdino, &tddi, tname, tnamelen, &tslot);
	if (error && error != ENOENT)
		return error;
	r.tino = error ? 0 : tslot.ds_ino;
	if (r.tino == r.sino)
		return 0;   /* two names of one file: nothing to do */
	if ((error = ffs_rename_check(&r, flags)) != 0)
		return error;
	if ((error = ffs_rename_target(&r, tname, tnamelen, &tslot)) != 0)
		return error;
	return ffs_rename_source(&r, fname, fnamelen);
}

int ffs_fsync(struct vnode *vp)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	int error = ffs_sync(vp->v_mount);

	return error ? error : bio_sync(fm->fm_bc);
}
