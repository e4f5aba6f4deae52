/* vfs_ops.c: the answers for vnode operations a driver leaves out, and filling its table with them. */
#include <errno.h>
#include <stddef.h>

#include "vfs/vfs.h"

/*
 * A driver's table may leave any slot NULL. Callers never test for NULL:
 * vfs_vget installs a per-mount copy of the table whose empty slots point
 * here. Queries answer EOPNOTSUPP; changes answer EROFS on a read-only mount
 * (what a user expects from any read-only file system) and EOPNOTSUPP else.
 */

static int change_error(struct vnode *vp)
{
	return (vp->v_mount->mnt_flags & MNT_RDONLY) ? EROFS : EOPNOTSUPP;
}

static int def_lookup(struct vnode *dvp, const char *n, size_t l,
    struct vnode **vpp) { return ENOTDIR; }
static int def_getattr(struct vnode *vp, struct vattr *va)
    { return EOPNOTSUPP; }
static int def_setattr(struct vnode *vp, const struct vattr *va, unsigned v)
    { return change_error(vp); }
static int def_read(struct vnode *vp, void *b, size_t l, uint64_t o,
    size_t *d) { return vp->v_type == VDIR ? EISDIR : EOPNOTSUPP; }
static int def_write(struct vnode *vp, const void *b, size_t l, uint64_t o,
    size_t *d) { return change_error(vp); }
static int def_readdir(struct vnode *vp, uint64_t *c, vfs_filldir_t f,
    void *a) { return ENOTDIR; }
static int def_readlink(struct vnode *vp, char *b, size_t s, size_t *l)
    { return EINVAL; }
static int def_create(struct vnode *dvp, const char *n, size_t l, mode_t m,
    struct vnode **vpp) { return change_error(dvp); }
static int def_mknod(struct vnode *dvp, const char *n, size_t l, mode_t m,
    uint32_t ma, uint32_t mi, struct vnode **vpp) { return change_error(dvp); }
static int def_symlink(struct vnode *dvp, const char *n, size_t l,
    const char *t, struct vnode **vpp) { return change_error(dvp); }
static int def_link(struct vnode *dvp, const char *n, size_t l,
    struct vnode *vp) { return change_error(dvp); }
static int def_remove(struct vnode *dvp, const char *n, size_t l)
    { return change_error(dvp); }
static int def_rename(struct vnode *fdvp, const char *fn, size_t fl,
    struct vnode *tdvp, const char *tn, size_t tl, unsigned f)
    { return change_error(fdvp); }
static int def_fsync(struct vnode *vp) { return 0; }
static void def_reclaim(struct vnode *vp) { }
static void def_inactive(struct vnode *vp) { }
static int def_getxattr(struct vnode *vp, const char *n, void *b, size_t s,
    size_t *l) { return ENODATA; }
static int def_listxattr(struct vnode *vp, char *b, size_t s, size_t *l)
    { *l = 0; return 0; }
static int def_setxattr(struct vnode *vp, const char *n, const void *v,
    size_t l, int f) { return change_error(vp); }
static int def_removexattr(struct vnode *vp, const char *n)
    { return change_error(vp); }

static const struct vnodeops vfs_default_vnodeops = {
	.vop_lookup = def_lookup,
	.vop_getattr = def_getattr,
	.vop_setattr = def_setattr,
	.vop_read = def_read,
	.vop_write = def_write,
	.vop_readdir = def_readdir,
	.vop_readlink = def_readlink,
	.vop_create = def_create,
	.vop_mkdir = def_create,
	.vop_mknod = def_mknod,
	.vop_symlink = def_symlink,
	.vop_link = def_link,
	.vop_remove = def_remove,
	.vop_rmdir = def_remove,
	.vop_rename = def_rename,
	.vop_fsync = def_fsync,
	.vop_reclaim = def_reclaim,
	.vop_inactive = def_inactive,
	.vop_getxattr = def_getxattr,
	.vop_listxattr = def_listxattr,
	.vop_setxattr = def_setxattr,
	.vop_removexattr = def_removexattr,
};

#define FILL(slot) (dst->slot = src->slot ? src->slot : vfs_default_vnodeops.slot)

static void fill_ops(struct vnodeops *dst, const struct vnodeops *src)
{
	FILL(vop_lookup); FILL(vop_getattr); FILL(vop_setattr);
	FILL(vop_read); FILL(vop_write); FILL(vop_readdir);
	FILL(vop_readlink); FILL(vop_create); FILL(vop_mkdir);
	FILL(vop_mknod); FILL(vop_symlink); FILL(vop_link);
	FILL(vop_remove); FILL(vop_rmdir); FILL(vop_rename);
	FILL(vop_fsync); FILL(vop_reclaim); FILL(vop_inactive);
	FILL(vop_getxattr);
	FILL(vop_listxattr); FILL(vop_setxattr); FILL(vop_removexattr);
}

const struct vnodeops *vfs_filled_ops(struct mount *mp,
    const struct vnodeops *src)
{
	size_t i;

	if (src == NULL)
		return &vfs_default_vnodeops;
	for (i = 0; i < mp->mnt_nfilled; i++)
		if (mp->mnt_filled[i].src == src)
			return &mp->mnt_filled[i].ops;
	if (i == sizeof(mp->mnt_filled) / sizeof(mp->mnt_filled[0]))
		return NULL;   /* a driver with more tables than we allow: a bug */
	mp->mnt_filled[i].src = src;
	fill_ops(&mp->mnt_filled[i].ops, src);
	mp->mnt_nfilled++;
	return &mp->mnt_filled[i].ops;
}
