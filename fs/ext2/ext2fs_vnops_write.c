/* ext2fs_vnops_write.c: the vnode operations that change the file system: create, mkdir, mknod, symlink, link, remove, rmdir, rename, setattr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Each operation checks everything it can before changing anything, makes
 * its changes inside one transaction and ends with ext2fs_commit(). The
 * inodes changed are the vnodes' own in-memory copies (vp->v_data), written
 * with ext2fs_iupdate(). No buffer is held across calls.
 */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

static int ew_isdot(const char *name, size_t namelen)
{
	return name[0] == '.' && (namelen == 1 || (namelen == 2 &&
	    name[1] == '.'));
}

/* Common checks on a directory about to get a new name. */
static int ew_prep(struct vnode *dvp, const char *name, size_t namelen)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *dp = dvp->v_data;
	struct vnode *vp;
	int error;

	if (fs->failed)
		return fs->failed;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (namelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if (namelen == 0 || memchr(name, '/', namelen) ||
	    memchr(name, '\0', namelen))
		return EINVAL;
	if (dp->links == 0)
		return ENOENT;
	error = VOP_LOOKUP(dvp, name, namelen, &vp);
	if (error == 0) {
		vrele(vp);
		return EEXIST;
	}
	return error == ENOENT ? 0 : error;
}

/* The vnode for a just-written inode; a stale cached vnode of an earlier
 * inode with the same number takes the new contents. Frees ip. */
static int ew_vget_new(struct vnode *dvp, struct ext2fs_inode *ip,
    struct vnode **vpp)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *cur;
	uint8_t *raw;
	int error;

	error = vfs_vget(dvp->v_mount, ip->ino, vpp);
	if (error == 0) {
		cur = (*vpp)->v_data;
		ext2fs_dcache_drop(cur);
		raw = cur->raw;
		memcpy(raw, ip->raw, fs->inode_size);
		*cur = *ip;
		cur->raw = raw;
		cur->dcache = NULL;
		cur->c_count = 0;
		(*vpp)->v_type = vfs_mode_to_vtype(ip->mode);
	}
	ext2fs_iput(ip);
	return error;
}

/* The shared body of create, mkdir, mknod and symlink. */
static int ew_makenode(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, uint32_t rdev, const char *target, struct vnode **vpp)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *dp = dvp->v_data, *ip;
	size_t tlen = target ? strlen(target) : 0;
	int error;

	*vpp = NULL;
	if ((error = ew_prep(dvp, name, namelen)) != 0)
		return error;
	if (S_ISDIR(mode) && dp->links >= 65000 &&
	    !(fs->ro_compat & RO_COMPAT_DIR_NLINK))
		return EMLINK;
	if (target && (tlen == 0 || tlen >= fs->bsize || tlen >= 4096))
		return tlen ? ENAMETOOLONG : ENOENT;
	if ((error = ext2fs_inew(fs, dp, mode, &ip)) != 0)
		return ext2fs_commit(fs), error;
	ip->uid = (uint32_t)geteuid();
	ip->gid = (dp->mode & S_ISGID) ? dp->gid : (uint32_t)getegid();
	if (S_ISDIR(mode) && (dp->mode & S_ISGID))
		ip->mode |= S_ISGID;
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		uint32_t major = rdev >> 20, minor = rdev & 0xfffff;
		if (major < 256 && minor < 256)
			le32enc(ip->iblock, major << 8 | minor);
		else
			le32enc(ip->iblock + 4, (minor & 0xff) | (major << 8) |
			    ((minor & ~0xffu) << 12));
	}
	if (S_ISDIR(mode)) {
		ip->links = 2;
		error = ext2fs_dir_init(fs, ip, dp->ino);
	} else if (target && tlen < I_BLOCK_SIZE) {
		ip->flags &= ~IFL_EXTENTS;
		memset(ip->iblock, 0, I_BLOCK_SIZE);
		memcpy(ip->iblock, target, tlen);
		ip->size = tlen;
	}
	if (error == 0 && target && tlen >= I_BLOCK_SIZE)
		error = ext2fs_write_data(fs, ip, target, tlen, 0);
	if (error == 0)
		error = ext2fs_iupdate(fs, ip);
	if (error == 0)
		error = ext2fs_dir_add(fs, dp, name, namelen, ip->ino, mode);
	if (error == 0 && S_ISDIR(mode)) {
		dp->links++;
		if (dp->links >= 65000) {
			dp->links = 1;  /* dir_nlink: "many" */
			fs->ro_compat |= RO_COMPAT_DIR_NLINK;
			le32enc(fs->sb + SB_FEATURE_RO_COMPAT, fs->ro_compat);
		}
	}
	if (error == 0) {
		ext2fs_itouch(fs, dp, ITOUCH_M | ITOUCH_C);
		error = ext2fs_iupdate(fs, dp);
	}
	if (error) {
		/* undo: the new inode and its blocks go back */
		if (ip->links > 0 && error != EUCLEAN)
			ext2fs_ifree_all(fs, ip);
		ext2fs_iput(ip);
		ext2fs_commit(fs);
		return error;
	}
	error = ew_vget_new(dvp, ip, vpp);
	if (error == 0)
		error = ext2fs_commit(fs);
	return error;
}

static int ext2fs_create(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return ew_makenode(dvp, name, namelen, S_IFREG | (mode & 07777), 0,
	    NULL, vpp);
}

static int ext2fs_mkdir(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp)
{
	return ew_makenode(dvp, name, namelen, S_IFDIR | (mode & 07777), 0,
	    NULL, vpp);
}

static int ext2fs_mknod(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, uint32_t major, uint32_t minor, struct vnode **vpp)
{
	if (S_ISDIR(mode) || S_ISLNK(mode) || (mode & S_IFMT) == 0)
		return EINVAL;
	return ew_makenode(dvp, name, namelen, mode, major << 20 |
	    (minor & 0xfffff), NULL, vpp);
}

static int ext2fs_symlink(struct vnode *dvp, const char *name,
    size_t namelen, const char *target, struct vnode **vpp)
{
	return ew_makenode(dvp, name, namelen, S_IFLNK | 0777, 0, target, vpp);
}

static int ext2fs_link(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode *vp)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *dp = dvp->v_data, *ip = vp->v_data;
	int error;

	if ((error = ew_prep(dvp, name, namelen)) != 0)
		return error;
	if (vp->v_type == VDIR)
		return EPERM;
	if (ip->links >= 65000)
		return EMLINK;
	error = ext2fs_dir_add(fs, dp, name, namelen, ip->ino, ip->mode);
	if (error == 0) {
		ip->links++;
		ext2fs_itouch(fs, ip, ITOUCH_C);
		error = ext2fs_iupdate(fs, ip);
	}
	if (error == 0) {
		ext2fs_itouch(fs, dp, ITOUCH_M | ITOUCH_C);
		error = ext2fs_iupdate(fs, dp);
	}
	return error ? (ext2fs_commit(fs), error) : ext2fs_commit(fs);
}

/* One link less on ip; the inode goes with its last link (a directory
 * counts "." and its entry in the parent). */
/* One link less; the last one makes an orphan, freed once unreferenced (ext2fs_orphan.c). */
static int ew_unlink_inode(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	if (S_ISDIR(ip->mode) || ip->links <= 1)
		return ext2fs_orphan_add(fs, ip);
	ip->links--;
	ext2fs_itouch(fs, ip, ITOUCH_C);
	return ext2fs_iupdate(fs, ip);
}

static int ew_nukenode(struct vnode *dvp, const char *name, size_t namelen,
    int dir)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *dp = dvp->v_data, *ip;
	struct vnode *vp;
	uint64_t ino;
	int error;

	if (fs->failed)
		return fs->failed;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (namelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if (ew_isdot(name, namelen))
		return dir ? (namelen == 1 ? EINVAL : ENOTEMPTY) : EISDIR;
	if ((error = VOP_LOOKUP(dvp, name, namelen, &vp)) != 0)
		return error;
	ip = vp->v_data;
	if (dir && vp->v_type != VDIR)
		error = ENOTDIR;
	else if (!dir && vp->v_type == VDIR)
		error = EISDIR;
	else if (dir)
		error = ext2fs_dir_isempty(fs, ip);
	if (error == 0)
		error = ext2fs_dir_remove(fs, dp, name, namelen, &ino);
	if (error == 0)
		error = ew_unlink_inode(fs, ip);
	if (error == 0 && dir && dp->links > 1 && dp->links < 65000)
		dp->links--;
	if (error == 0) {
		ext2fs_itouch(fs, dp, ITOUCH_M | ITOUCH_C);
		error = ext2fs_iupdate(fs, dp);
	}
	vrele(vp);
	return error ? (ext2fs_commit(fs), error) : ext2fs_commit(fs);
}

static int ext2fs_remove(struct vnode *dvp, const char *name, size_t namelen)
{
	return ew_nukenode(dvp, name, namelen, 0);
}

static int ext2fs_rmdir(struct vnode *dvp, const char *name, size_t namelen)
{
	return ew_nukenode(dvp, name, namelen, 1);
}

/* Is directory dvp `anc` or below it? Walks up "..". */
static int ew_is_below(struct vnode *dvp, uint64_t anc, int *below)
{
	struct vnode *vp = dvp, *up;
	uint64_t steps;
	int error = 0;

	*below = 0;
	vref(vp);
	for (steps = 0; steps < 100000; steps++) {
		if (vp->v_ino == anc)
			*below = 1;
		if (*below || vp->v_ino == EXT2_ROOT_INO)
			break;
		error = VOP_LOOKUP(vp, "..", 2, &up);
		vrele(vp);
		if (error)
			return error;
		vp = up;
	}
	vrele(vp);
	return error;
}

struct ew_ren {
	struct ext2fs *fs;
	struct vnode *fdvp, *tdvp, *sv, *tv;
	int sdir;
};

static int ew_rename_check(struct ew_ren *r, unsigned flags)
{
	int below, error;

	if (r->sdir && r->fdvp != r->tdvp) {
		if ((error = ew_is_below(r->tdvp, r->sv->v_ino, &below)) != 0)
			return error;
		if (below)
			return EINVAL;
	}
	if (r->tv == NULL)
		return 0;
	if (flags & RENAME_NOREPLACE)
		return EEXIST;
	if (r->sdir && r->tv->v_type != VDIR)
		return ENOTDIR;
	if (!r->sdir && r->tv->v_type == VDIR)
		return EISDIR;
	if (r->tv->v_type == VDIR)
		return ext2fs_dir_isempty(r->fs, r->tv->v_data);
	return 0;
}

/* A subdirectory moved from parent from to parent to: its ".." link moves
 * too (counts of 1 and 65000+ mean "many", dir_nlink, and stay). */
static void ew_move_dir_link(struct ext2fs_inode *from,
    struct ext2fs_inode *to)
{
	if (to->links > 1 && to->links < 65000)
		to->links++;
	if (from->links > 1 && from->links < 65000)
		from->links--;
}

/* The end of a rename: ctime of the moved inode(s), mtime and ctime of the
 * parents, and all of them written; the first error wins. */
static int ew_rename_done(struct ext2fs *fs, int error,
    struct ext2fs_inode *sip, struct ext2fs_inode *tip,
    struct ext2fs_inode *fdp, struct ext2fs_inode *tdp)
{
	ext2fs_itouch(fs, sip, ITOUCH_C);
	if (tip != NULL)
		ext2fs_itouch(fs, tip, ITOUCH_C);
	ext2fs_itouch(fs, fdp, ITOUCH_M | ITOUCH_C);
	ext2fs_itouch(fs, tdp, ITOUCH_M | ITOUCH_C);
	if (error == 0)
		error = ext2fs_iupdate(fs, sip);
	if (error == 0 && tip != NULL)
		error = ext2fs_iupdate(fs, tip);
	if (error == 0)
		error = ext2fs_iupdate(fs, fdp);
	if (error == 0 && tdp != fdp)
		error = ext2fs_iupdate(fs, tdp);
	return error;
}

static int ew_rename_do(struct ew_ren *r, const char *fname, size_t fnamelen,
    const char *tname, size_t tnamelen)
{
	struct ext2fs *fs = r->fs;
	struct ext2fs_inode *fdp = r->fdvp->v_data, *tdp = r->tdvp->v_data;
	struct ext2fs_inode *sip = r->sv->v_data;
	uint64_t ino;
	int error;

	if (r->tv != NULL) {
		error = ext2fs_dir_set(fs, tdp, tname, tnamelen, sip->ino,
		    sip->mode);
		if (error == 0)
			error = ew_unlink_inode(fs, r->tv->v_data);
		if (error == 0 && r->sdir && tdp->links > 1 && tdp->links < 65000)
			tdp->links--;
	} else
		error = ext2fs_dir_add(fs, tdp, tname, tnamelen, sip->ino,
		    sip->mode);
	if (error == 0)
		error = ext2fs_dir_remove(fs, fdp, fname, fnamelen, &ino);
	if (error == 0 && r->sdir && fdp != tdp) {
		error = ext2fs_dir_set(fs, sip, "..", 2, tdp->ino, S_IFDIR);
		ew_move_dir_link(fdp, tdp);
	}
	return ew_rename_done(fs, error, sip, NULL, fdp, tdp);
}

/*
 * RENAME_EXCHANGE: both names exist and swap inodes. A directory that
 * changes parent gets a new ".." and moves one link between the parents;
 * neither may end up inside itself.
 */
static int ew_exchange(struct ew_ren *r, const char *fname, size_t fnamelen,
    const char *tname, size_t tnamelen)
{
	struct ext2fs *fs = r->fs;
	struct ext2fs_inode *fdp = r->fdvp->v_data, *tdp = r->tdvp->v_data;
	struct ext2fs_inode *sip = r->sv->v_data, *tip = r->tv->v_data;
	int tdir = r->tv->v_type == VDIR, below, error = 0;

	if (fdp != tdp && r->sdir && (error = ew_is_below(r->tdvp,
	    r->sv->v_ino, &below)) == 0 && below)
		return EINVAL;
	if (error == 0 && fdp != tdp && tdir && (error = ew_is_below(r->fdvp,
	    r->tv->v_ino, &below)) == 0 && below)
		return EINVAL;
	if (error == 0)
		error = ext2fs_dir_set(fs, tdp, tname, tnamelen, sip->ino,
		    sip->mode);
	if (error == 0)
		error = ext2fs_dir_set(fs, fdp, fname, fnamelen, tip->ino,
		    tip->mode);
	if (error == 0 && fdp != tdp && r->sdir)
		error = ext2fs_dir_set(fs, sip, "..", 2, tdp->ino, S_IFDIR);
	if (error == 0 && fdp != tdp && tdir)
		error = ext2fs_dir_set(fs, tip, "..", 2, fdp->ino, S_IFDIR);
	if (error == 0 && fdp != tdp && r->sdir != tdir)
		ew_move_dir_link(r->sdir ? fdp : tdp, r->sdir ? tdp : fdp);
	return ew_rename_done(fs, error, sip, tip, fdp, tdp);
}

/* rename: takes and gives no references. flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE. */
static int ext2fs_rename(struct vnode *fdvp, const char *fname,
    size_t fnamelen, struct vnode *tdvp, const char *tname, size_t tnamelen,
    unsigned flags)
{
	struct ew_ren r = { ext2fs_fs(fdvp->v_mount), fdvp, tdvp, NULL, NULL,
	    0 };
	int error;

	if (r.fs->failed)
		return r.fs->failed;
	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if (fdvp->v_type != VDIR || tdvp->v_type != VDIR)
		return ENOTDIR;
	if (ew_isdot(fname, fnamelen) || ew_isdot(tname, tnamelen))
		return EINVAL;
	if (tnamelen > VFS_NAME_MAX || fnamelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if ((error = VOP_LOOKUP(fdvp, fname, fnamelen, &r.sv)) != 0)
		return error;
	r.sdir = r.sv->v_type == VDIR;
	error = VOP_LOOKUP(tdvp, tname, tnamelen, &r.tv);
	if (error == ENOENT) {
		r.tv = NULL;
		error = 0;
	}
	if (error == 0 && r.tv == NULL && (flags & RENAME_EXCHANGE))
		error = ENOENT;
	if (error == 0 && r.tv != r.sv) {
		error = (flags & RENAME_EXCHANGE) ? 0 : ew_rename_check(&r, flags);
		if (error == 0) {
			error = (flags & RENAME_EXCHANGE) ?
			    ew_exchange(&r, fname, fnamelen, tname, tnamelen) :
			    ew_rename_do(&r, fname, fnamelen, tname, tnamelen);
			if (error)
				ext2fs_commit(r.fs);
			else
				error = ext2fs_commit(r.fs);
		}
	}
	if (r.tv)
		vrele(r.tv);
	vrele(r.sv);
	return error;
}

/* setattr: owners, mode bits (never the type), times, size. */
static int ext2fs_setattr(struct vnode *vp, const struct vattr *va,
    unsigned valid)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;
	int error = 0;

	if (fs->failed)
		return fs->failed;
	if ((valid & VA_SIZE) && vp->v_type == VDIR)
		return EISDIR;
	if ((valid & VA_SIZE) && vp->v_type != VREG)
		return EINVAL;
	if (valid & VA_MODE)
		ip->mode = (uint16_t)((ip->mode & S_IFMT) | (va->va_mode & 07777));
	if (valid & VA_UID)
		ip->uid = va->va_uid;
	if (valid & VA_GID)
		ip->gid = va->va_gid;
	if ((valid & VA_SIZE) && va->va_size != ip->size)
		error = ext2fs_truncate(fs, ip, va->va_size);
	if (error == 0) {
		ext2fs_itouch(fs, ip, ITOUCH_C);
		if (valid & VA_ATIME)
			ext2fs_itime_set(fs, ip, I_ATIME, I_ATIME_EXTRA,
			    &va->va_atime);
		if (valid & VA_MTIME)
			ext2fs_itime_set(fs, ip, I_MTIME, I_MTIME_EXTRA,
			    &va->va_mtime);
		if (valid & VA_CTIME)
			ext2fs_itime_set(fs, ip, I_CTIME, I_CTIME_EXTRA,
			    &va->va_ctime);
		error = ext2fs_iupdate(fs, ip);
	}
	return error ? (ext2fs_commit(fs), error) : ext2fs_commit(fs);
}

static int ext2fs_fsync(struct vnode *vp)
{
	return ext2fs_sync(vp->v_mount);
}

/* vop_reclaim: frees the in-memory inode; the vnode cache owns the vnode. */
static void ext2fs_reclaim(struct vnode *vp)
{
	ext2fs_orphan_release(vp);   /* still referenced at unmount: free now */
	ext2fs_iput(vp->v_data);
	vp->v_data = NULL;
}

/* Empty slots answer EROFS/EOPNOTSUPP through the VFS. */
const struct vnodeops ext2fs_vnodeops = {
	.vop_lookup = ext2fs_lookup,
	.vop_getattr = ext2fs_getattr,
	.vop_setattr = ext2fs_setattr,
	.vop_read = ext2fs_read,
	.vop_write = ext2fs_write,
	.vop_readdir = ext2fs_readdir,
	.vop_readlink = ext2fs_readlink,
	.vop_create = ext2fs_create,
	.vop_mkdir = ext2fs_mkdir,
	.vop_mknod = ext2fs_mknod,
	.vop_symlink = ext2fs_symlink,
	.vop_link = ext2fs_link,
	.vop_remove = ext2fs_remove,
	.vop_rmdir = ext2fs_rmdir,
	.vop_rename = ext2fs_rename,
	.vop_fsync = ext2fs_fsync,
	.vop_reclaim = ext2fs_reclaim,
	.vop_inactive = ext2fs_orphan_release,
	.vop_getxattr = ext2fs_getxattr,
	.vop_listxattr = ext2fs_listxattr,
	.vop_setxattr = ext2fs_setxattr,
	.vop_removexattr = ext2fs_removexattr,
};
