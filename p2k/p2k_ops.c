/* p2k_ops.c: FUSE requests on names and attributes, translated into vnode operations. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

#include "p2k/p2k_int.h"

/*
 * Every request has the same shape: a do_* helper computes the answer from
 * vnode operations and returns 0 or an errno value, then the handler
 * replies. Vnode operation errors go to the kernel as they are (promise 5).
 * Node ids are resolved through the node table (p2k_node.c), which also
 * explains who holds which vnode reference.
 */

void p2k_log(struct p2k *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (p->foreground) {
		fprintf(stderr, "%s: %s: ", p->progname, p->image);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_ERR, fmt, ap);
	}
	va_end(ap);
}

/* The vnode behind a node id, borrowed for the request; ESTALE if unknown. */
int p2k_vnode(struct p2k *p, fuse_ino_t ino, struct vnode **vpp)
{
	struct p2k_node *np = p2k_node_get(&p->nodes, ino);

	if (np == NULL)
		return ESTALE;
	*vpp = np->pn_vp;
	return 0;
}

void p2k_vattr_to_stat(const struct vattr *va, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = va->va_ino;
	st->st_mode = va->va_mode;
	st->st_nlink = va->va_nlink;
	st->st_uid = va->va_uid;
	st->st_gid = va->va_gid;
	st->st_rdev = makedev(va->va_rdev_major, va->va_rdev_minor);
	st->st_size = (off_t)va->va_size;
	st->st_blocks = (blkcnt_t)((va->va_bytes + 511) / 512);
	st->st_blksize = va->va_blksize ? va->va_blksize : 4096;
	st->st_atim = va->va_atime;
	st->st_mtim = va->va_mtime;
	st->st_ctim = va->va_ctime;
}

static int name_check(const char *name, size_t *lenp)
{
	*lenp = strlen(name);
	return *lenp > VFS_NAME_MAX ? ENAMETOOLONG : 0;
}

/*
 * Fills e for vp and records the kernel's new lookup of it. Takes the
 * caller's reference to vp in every case (see p2k_node_enter).
 */
int p2k_entry(struct p2k *p, struct vnode *vp, struct fuse_entry_param *e)
{
	struct p2k_node *np;
	struct vattr va;
	int error;

	memset(e, 0, sizeof(*e));
	if ((error = VOP_GETATTR(vp, &va)) != 0) {
		vrele(vp);
		return error;
	}
	if ((error = p2k_node_enter(&p->nodes, vp, &np)) != 0)
		return error;
	p2k_vattr_to_stat(&va, &e->attr);
	e->ino = np->pn_id;
	e->attr_timeout = p->timeout;
	e->entry_timeout = p->timeout;
	return 0;
}

/* An entry reply the kernel did not get (interrupted) holds no lookup. */
static void reply_entry(struct p2k *p, fuse_req_t req,
    const struct fuse_entry_param *e)
{
	if (fuse_reply_entry(req, e) != 0 && e->ino != 0)
		p2k_node_forget(&p->nodes, e->ino, 1);
}

static int do_lookup(struct p2k *p, fuse_ino_t parent, const char *name,
    struct fuse_entry_param *e)
{
	struct vnode *dvp, *vp;
	size_t len;
	int error;

	if ((error = p2k_vnode(p, parent, &dvp)) != 0 ||
	    (error = name_check(name, &len)) != 0)
		return error;
	error = VOP_LOOKUP(dvp, name, len, &vp);
	if (error == ENOENT) {
		/* a negative entry: we are the only writer */
		memset(e, 0, sizeof(*e));
		e->entry_timeout = p->timeout;
		return 0;
	}
	return error ? error : p2k_entry(p, vp, e);
}

static void p2k_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct p2k *p = fuse_req_userdata(req);
	struct fuse_entry_param e;
	int error = do_lookup(p, parent, name, &e);

	if (error)
		fuse_reply_err(req, error);
	else
		reply_entry(p, req, &e);
}

static void p2k_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct p2k *p = fuse_req_userdata(req);

	p2k_node_forget(&p->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void p2k_forget_multi(fuse_req_t req, size_t count,
    struct fuse_forget_data *forgets)
{
	struct p2k *p = fuse_req_userdata(req);
	size_t i;

	for (i = 0; i < count; i++)
		p2k_node_forget(&p->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static int do_getattr(struct p2k *p, fuse_ino_t ino, struct stat *st)
{
	struct vnode *vp;
	struct vattr va;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0 ||
	    (error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	p2k_vattr_to_stat(&va, st);
	return 0;
}

static void p2k_getattr(fuse_req_t req, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	struct stat st;
	int error = do_getattr(p, ino, &st);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, p->timeout);
}

/* FUSE_SET_ATTR_* bits and values as a vattr and VA_* bits. */
static unsigned setattr_vattr(const struct stat *attr, int to_set,
    struct vattr *va)
{
	struct timespec now;
	unsigned valid = 0;

	memset(va, 0, sizeof(*va));
	clock_gettime(CLOCK_REALTIME, &now);
	if (to_set & FUSE_SET_ATTR_MODE)
		va->va_mode = attr->st_mode & 07777, valid |= VA_MODE;
	if (to_set & FUSE_SET_ATTR_UID)
		va->va_uid = attr->st_uid, valid |= VA_UID;
	if (to_set & FUSE_SET_ATTR_GID)
		va->va_gid = attr->st_gid, valid |= VA_GID;
	if (to_set & FUSE_SET_ATTR_SIZE)
		va->va_size = (uint64_t)attr->st_size, valid |= VA_SIZE;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) {
		va->va_atime = (to_set & FUSE_SET_ATTR_ATIME_NOW) ? now :
		    attr->st_atim;
		valid |= VA_ATIME;
	}
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		va->va_mtime = (to_set & FUSE_SET_ATTR_MTIME_NOW) ? now :
		    attr->st_mtim;
		valid |= VA_MTIME;
	}
	if (to_set & FUSE_SET_ATTR_CTIME)
		va->va_ctime = attr->st_ctim, valid |= VA_CTIME;
	return valid;
}

static int do_setattr(struct p2k *p, fuse_ino_t ino, const struct stat *attr,
    int to_set, struct stat *st)
{
	struct vnode *vp;
	struct vattr va;
	unsigned valid = setattr_vattr(attr, to_set, &va);
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	if (valid != 0) {
		p->dirty = 1;
		if ((error = vp->v_op->vop_setattr(vp, &va, valid)) != 0)
			return error;
	}
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	p2k_vattr_to_stat(&va, st);
	return 0;
}

static void p2k_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
    int to_set, struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	struct stat st;
	int error = do_setattr(p, ino, attr, to_set, &st);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, p->timeout);
}

static int do_readlink(struct p2k *p, fuse_ino_t ino, char *buf,
    size_t size)
{
	struct vnode *vp;
	size_t len;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0 ||
	    (error = VOP_READLINK(vp, buf, size - 1, &len)) != 0)
		return error;
	if (len > size - 1)
		return ENAMETOOLONG;
	buf[len] = '\0';
	return 0;
}

static void p2k_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_readlink(p, ino, p->iobuf, VFS_PATH_MAX + 1);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_readlink(req, p->iobuf);
}

/* What create, mkdir, mknod and symlink need beyond the name. */
struct p2k_mk {
	mode_t mode;
	dev_t rdev;
	const char *target;
};
typedef int (*p2k_makefn)(struct vnode *dvp, const char *name, size_t len,
    const struct p2k_mk *mk, struct vnode **vpp);

static int mk_create(struct vnode *dvp, const char *name, size_t len,
    const struct p2k_mk *mk, struct vnode **vpp)
{
	return dvp->v_op->vop_create(dvp, name, len, mk->mode, vpp);
}

static int mk_mkdir(struct vnode *dvp, const char *name, size_t len,
    const struct p2k_mk *mk, struct vnode **vpp)
{
	return dvp->v_op->vop_mkdir(dvp, name, len, mk->mode, vpp);
}

static int mk_mknod(struct vnode *dvp, const char *name, size_t len,
    const struct p2k_mk *mk, struct vnode **vpp)
{
	return dvp->v_op->vop_mknod(dvp, name, len, mk->mode,
	    major(mk->rdev), minor(mk->rdev), vpp);
}

static int mk_symlink(struct vnode *dvp, const char *name, size_t len,
    const struct p2k_mk *mk, struct vnode **vpp)
{
	return dvp->v_op->vop_symlink(dvp, name, len, mk->target, vpp);
}

/*
 * A new file belongs to the caller, as a kernel file system would make it:
 * the caller's uid, and its gid unless the directory is set-group-ID (then
 * the directory's gid, and a new directory inherits the bit). Best effort:
 * a file system without owners (FAT) keeps its own.
 */
static void set_owner(fuse_req_t req, struct vnode *dvp, struct vnode *vp)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct vattr dva, va, nva;
	unsigned valid = 0;
	uint32_t gid;

	if (VOP_GETATTR(dvp, &dva) != 0 || VOP_GETATTR(vp, &va) != 0)
		return;
	memset(&nva, 0, sizeof(nva));
	gid = (dva.va_mode & S_ISGID) ? dva.va_gid : (uint32_t)ctx->gid;
	if (va.va_uid != (uint32_t)ctx->uid)
		nva.va_uid = (uint32_t)ctx->uid, valid |= VA_UID;
	if (va.va_gid != gid)
		nva.va_gid = gid, valid |= VA_GID;
	if (valid != 0 && vp->v_op->vop_setattr(vp, &nva, valid) != 0)
		return;
	if (S_ISDIR(va.va_mode) && (dva.va_mode & S_ISGID) &&
	    !(va.va_mode & S_ISGID)) {
		nva.va_mode = (va.va_mode & 07777) | S_ISGID;
		(void)vp->v_op->vop_setattr(vp, &nva, VA_MODE);
	}
}

/* The family helper: create, mkdir, mknod and symlink differ only in fn. */
static int do_makenode(struct p2k *p, fuse_req_t req, fuse_ino_t parent,
    const char *name, p2k_makefn fn, const struct p2k_mk *mk,
    struct fuse_entry_param *e)
{
	struct vnode *dvp, *vp;
	size_t len;
	int error;

	if ((error = p2k_vnode(p, parent, &dvp)) != 0 ||
	    (error = name_check(name, &len)) != 0)
		return error;
	p->dirty = 1;
	if ((error = fn(dvp, name, len, mk, &vp)) != 0)
		return error;
	set_owner(req, dvp, vp);
	return p2k_entry(p, vp, e);
}

static void p2k_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode, dev_t rdev)
{
	struct p2k *p = fuse_req_userdata(req);
	struct p2k_mk mk = { .mode = mode, .rdev = rdev };
	struct fuse_entry_param e;
	int error = do_makenode(p, req, parent, name, mk_mknod, &mk, &e);

	if (error)
		fuse_reply_err(req, error);
	else
		reply_entry(p, req, &e);
}

static void p2k_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode)
{
	struct p2k *p = fuse_req_userdata(req);
	struct p2k_mk mk = { .mode = S_IFDIR | (mode & 07777) };
	struct fuse_entry_param e;
	int error = do_makenode(p, req, parent, name, mk_mkdir, &mk, &e);

	if (error)
		fuse_reply_err(req, error);
	else
		reply_entry(p, req, &e);
}

static void p2k_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
    const char *name)
{
	struct p2k *p = fuse_req_userdata(req);
	struct p2k_mk mk = { .mode = S_IFLNK | 0777, .target = link };
	struct fuse_entry_param e;
	int error = do_makenode(p, req, parent, name, mk_symlink, &mk, &e);

	if (error)
		fuse_reply_err(req, error);
	else
		reply_entry(p, req, &e);
}

static void p2k_create(fuse_req_t req, fuse_ino_t parent, const char *name,
    mode_t mode, struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	struct p2k_mk mk = { .mode = S_IFREG | (mode & 07777) };
	struct fuse_entry_param e;
	int error = do_makenode(p, req, parent, name, mk_create, &mk, &e);

	fi->fh = 0;
	fi->noflush = 1;   /* see p2k_flush */
	if (error)
		fuse_reply_err(req, error);
	else if (fuse_reply_create(req, &e, fi) != 0)
		p2k_node_forget(&p->nodes, e.ino, 1);
}

typedef int (*p2k_nukefn)(struct vnode *dvp, const char *name, size_t len);

static int nuke_remove(struct vnode *dvp, const char *name, size_t len)
{
	return dvp->v_op->vop_remove(dvp, name, len);
}

static int nuke_rmdir(struct vnode *dvp, const char *name, size_t len)
{
	return dvp->v_op->vop_rmdir(dvp, name, len);
}

/* The family helper: unlink and rmdir differ only in fn. */
static int do_nukenode(struct p2k *p, fuse_ino_t parent, const char *name,
    p2k_nukefn fn)
{
	struct vnode *dvp;
	size_t len;
	int error;

	if ((error = p2k_vnode(p, parent, &dvp)) != 0 ||
	    (error = name_check(name, &len)) != 0)
		return error;
	p->dirty = 1;
	return fn(dvp, name, len);
}

static void p2k_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_nukenode(p, parent, name, nuke_remove);

	fuse_reply_err(req, error);
}

static void p2k_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_nukenode(p, parent, name, nuke_rmdir);

	fuse_reply_err(req, error);
}

/* flags are Linux's RENAME_*: each driver answers EINVAL for what it lacks. */
static int do_rename(struct p2k *p, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned flags)
{
	struct vnode *fdvp, *tdvp;
	size_t flen, tlen;
	int error;

	if ((error = p2k_vnode(p, parent, &fdvp)) != 0 ||
	    (error = p2k_vnode(p, newparent, &tdvp)) != 0 ||
	    (error = name_check(name, &flen)) != 0 ||
	    (error = name_check(newname, &tlen)) != 0)
		return error;
	p->dirty = 1;
	return fdvp->v_op->vop_rename(fdvp, name, flen, tdvp, newname, tlen,
	    flags);
}

static void p2k_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_rename(p, parent, name, newparent, newname, flags);

	fuse_reply_err(req, error);
}

static int do_link(struct p2k *p, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname, struct fuse_entry_param *e)
{
	struct vnode *vp, *tdvp;
	size_t len;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0 ||
	    (error = p2k_vnode(p, newparent, &tdvp)) != 0 ||
	    (error = name_check(newname, &len)) != 0)
		return error;
	p->dirty = 1;
	if ((error = tdvp->v_op->vop_link(tdvp, newname, len, vp)) != 0)
		return error;
	vref(vp);   /* the new entry's lookup */
	return p2k_entry(p, vp, e);
}

static void p2k_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct p2k *p = fuse_req_userdata(req);
	struct fuse_entry_param e;
	int error = do_link(p, ino, newparent, newname, &e);

	if (error)
		fuse_reply_err(req, error);
	else
		reply_entry(p, req, &e);
}

static int do_statfs(struct p2k *p, struct statvfs *st)
{
	struct vfs_statvfs sv;
	int error;

	memset(st, 0, sizeof(*st));
	if ((error = vfs_statvfs(p->mp, &sv)) != 0)
		return error;
	st->f_bsize = sv.f_bsize;
	st->f_frsize = sv.f_bsize;
	st->f_blocks = sv.f_blocks;
	st->f_bfree = sv.f_bfree;
	st->f_bavail = sv.f_bavail;
	st->f_files = sv.f_files;
	st->f_ffree = sv.f_ffree;
	st->f_favail = sv.f_ffree;
	st->f_namemax = sv.f_namemax ? sv.f_namemax : VFS_NAME_MAX;
	return 0;
}

static void p2k_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct p2k *p = fuse_req_userdata(req);
	struct statvfs st;
	int error = do_statfs(p, &st);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_statfs(req, &st);
}

/* Is the caller in group gid (primary or supplementary)? */
static int in_group(fuse_req_t req, uint32_t gid)
{
	gid_t groups[64];
	int i, n;

	if ((uint32_t)fuse_req_ctx(req)->gid == gid)
		return 1;
	n = fuse_req_getgroups(req, 64, groups);
	for (i = 0; i < n && i < 64; i++)
		if ((uint32_t)groups[i] == gid)
			return 1;
	return 0;
}

/* access(2) without default_permissions: the POSIX permission check. */
static int do_access(struct p2k *p, fuse_req_t req, fuse_ino_t ino, int mask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct vnode *vp;
	struct vattr va;
	mode_t bits;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0 ||
	    (error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	if ((mask & W_OK) && p->rdonly && (S_ISREG(va.va_mode) ||
	    S_ISDIR(va.va_mode) || S_ISLNK(va.va_mode)))
		return EROFS;
	if (ctx->uid == 0) {
		if ((mask & X_OK) && !S_ISDIR(va.va_mode) &&
		    !(va.va_mode & 0111))
			return EACCES;
		return 0;
	}
	if (va.va_uid == (uint32_t)ctx->uid)
		bits = (va.va_mode >> 6) & 7;
	else if (in_group(req, va.va_gid))
		bits = (va.va_mode >> 3) & 7;
	else
		bits = va.va_mode & 7;
	return ((mode_t)mask & 7 & ~bits) ? EACCES : 0;
}

static void p2k_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_access(p, req, ino, mask);

	fuse_reply_err(req, error);
}

/*
 * Capabilities: 1 MiB writes and readahead, 512 KiB reads spliced from the
 * image (p2k_read.c); the kernel clears set-ID bits itself.
 */
static void p2k_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->max_write = P2K_MAX_IO;
	conn->max_read = P2K_MAX_READ;   /* must equal the max_read= option */
	conn->max_readahead = P2K_MAX_IO;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	conn->want &= ~(unsigned)FUSE_CAP_HANDLE_KILLPRIV;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
}

/*
 * Everything the kernel held goes back, then the core is unmounted: all
 * dirty buffers reach the image and the driver marks it clean. Runs once,
 * from FUSE's destroy or, if the kernel never initialised, from p2k_run.
 */
void p2k_shutdown(struct p2k *p)
{
	if (p->shut)
		return;
	p->shut = 1;
	p2k_nodes_fini(&p->nodes);
	p->unmount_error = vfs_unmount(p->mp);
	p->mp = NULL;
	if (p->unmount_error)
		p2k_log(p, "unmount: %s", strerror(p->unmount_error));
}

static void p2k_destroy(void *userdata)
{
	p2k_shutdown(userdata);
}

const struct fuse_lowlevel_ops p2k_ops = {
	.init = p2k_init,
	.destroy = p2k_destroy,
	.lookup = p2k_lookup,
	.forget = p2k_forget,
	.forget_multi = p2k_forget_multi,
	.getattr = p2k_getattr,
	.setattr = p2k_setattr,
	.readlink = p2k_readlink,
	.mknod = p2k_mknod,
	.mkdir = p2k_mkdir,
	.unlink = p2k_unlink,
	.rmdir = p2k_rmdir,
	.symlink = p2k_symlink,
	.rename = p2k_rename,
	.link = p2k_link,
	.create = p2k_create,
	.open = p2k_open,
	.read = p2k_read,
	.write = p2k_write,
	.flush = p2k_flush,
	.release = p2k_release,
	.fsync = p2k_fsync,
	.opendir = p2k_opendir,
	.readdir = p2k_readdir,
	.readdirplus = p2k_readdirplus,
	.releasedir = p2k_release,
	.fsyncdir = p2k_fsync,
	.statfs = p2k_statfs,
	.access = p2k_access,
	.getxattr = p2k_getxattr,
	.listxattr = p2k_listxattr,
	.setxattr = p2k_setxattr,
	.removexattr = p2k_removexattr,
};
