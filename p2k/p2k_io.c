/* p2k_io.c: FUSE requests on open files, directories' contents and extended attributes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "p2k/p2k_int.h"

/*
 * Same shape as p2k_ops.c: a do_* helper computes, then the handler replies.
 * Files need no handle (fi->fh stays 0): every request names its node, and
 * the node's vnode stays referenced while the kernel holds the file open.
 */

/*
 * keep_cache: the kernel may keep its page cache of a file across opens if
 * the file did not change since the last open. We are the only writer, so
 * "unchanged" is: same size, same mtime.
 */
/*
 * O_TRUNC arrives here (libfuse asks for FUSE_CAP_ATOMIC_O_TRUNC, so the
 * kernel sends no separate setattr): the file is emptied and, as by the
 * kernel's own open, its mtime and ctime set to now, even if already empty.
 */
static int open_truncate(struct p2k *p, struct vnode *vp)
{
	struct vattr va;

	memset(&va, 0, sizeof(va));
	clock_gettime(CLOCK_REALTIME, &va.va_mtime);
	va.va_ctime = va.va_mtime;
	p->dirty = 1;
	return vp->v_op->vop_setattr(vp, &va, VA_SIZE | VA_MTIME | VA_CTIME);
}

static int do_open(struct p2k *p, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct p2k_node *np = p2k_node_get(&p->nodes, ino);
	struct vattr va;
	int error;

	if (np == NULL)
		return ESTALE;
	if (np->pn_vp->v_type == VDIR)
		return EISDIR;
	if ((fi->flags & O_TRUNC) && (error = open_truncate(p, np->pn_vp)) != 0)
		return error;
	if ((error = VOP_GETATTR(np->pn_vp, &va)) != 0)
		return error;
	fi->fh = 0;
	fi->noflush = 1;
	fi->keep_cache = np->pn_seen && np->pn_size == va.va_size &&
	    np->pn_mtime.tv_sec == va.va_mtime.tv_sec &&
	    np->pn_mtime.tv_nsec == va.va_mtime.tv_nsec;
	np->pn_seen = 1;
	np->pn_size = va.va_size;
	np->pn_mtime = va.va_mtime;
	return 0;
}

void p2k_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_open(p, ino, fi);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_open(req, fi);
}

static int do_write(struct p2k *p, fuse_ino_t ino, const char *buf,
    size_t size, off_t off, size_t *put)
{
	struct vnode *vp;
	size_t done;
	int error;

	*put = 0;
	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	if (off < 0)
		return EINVAL;
	p->dirty = 1;
	while (*put < size) {
		error = vp->v_op->vop_write(vp, buf + *put, size - *put,
		    (uint64_t)off + *put, &done);
		if (error)
			return *put > 0 ? 0 : error;
		if (done == 0)
			return *put > 0 ? 0 : ENOSPC;
		*put += done;
	}
	return 0;
}

void p2k_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	size_t put;
	int error = do_write(p, ino, buf, size, off, &put);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_write(req, put);
}

/*
 * close(2): nothing is buffered above the core, so nothing to flush. open
 * and create tell the kernel so (noflush), which saves a request per close;
 * a kernel that sends it anyway gets its answer here.
 */
void p2k_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

/* release and releasedir: no handle to free. */
void p2k_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static int do_fsync(struct p2k *p, fuse_ino_t ino)
{
	struct vnode *vp;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	return vp->v_op->vop_fsync(vp);
}

/* fsync and fsyncdir */
void p2k_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_fsync(p, ino);

	fuse_reply_err(req, error);
}

static int do_opendir(struct p2k *p, fuse_ino_t ino,
    struct fuse_file_info *fi)
{
	struct vnode *vp;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	if (vp->v_type != VDIR)
		return ENOTDIR;
	fi->fh = 0;
	return 0;
}

void p2k_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_opendir(p, ino, fi);

	if (error)
		fuse_reply_err(req, error);
	else
		fuse_reply_open(req, fi);
}

/*
 * One readdir reply being filled. FUSE offsets are the driver's readdir
 * cookies: each entry carries the cookie that resumes after it. For
 * readdirplus every entry but "." and ".." is a lookup the kernel counts;
 * the ids entered are remembered so a reply the kernel never gets can give
 * them back.
 */
struct p2k_dirfill {
	struct p2k *p;
	fuse_req_t req;
	struct vnode *dvp;
	int plus;
	char *buf;
	size_t size, used;
	uint64_t *ids;
	size_t nids, capids;
	int error;
};

static int is_dot_or_dotdot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.');
}

static int remember_id(struct p2k_dirfill *df, uint64_t id)
{
	uint64_t *n;

	if (df->nids == df->capids) {
		df->capids = df->capids ? df->capids * 2 : 64;
		if ((n = realloc(df->ids, df->capids * sizeof(*n))) == NULL)
			return ENOMEM;
		df->ids = n;
	}
	df->ids[df->nids++] = id;
	return 0;
}

/* readdirplus: the entry's attributes and a lookup, or ino 0 if it fails. */
static void plus_entry(struct p2k_dirfill *df, const char *name, size_t len,
    struct fuse_entry_param *e)
{
	struct vnode *vp;

	if (is_dot_or_dotdot(name, len) ||
	    VOP_LOOKUP(df->dvp, name, len, &vp) != 0)
		return;
	if (p2k_entry(df->p, vp, e) != 0) {
		memset(e, 0, sizeof(*e));
		return;
	}
	if (remember_id(df, e->ino) != 0) {
		p2k_node_forget(&df->p->nodes, e->ino, 1);
		memset(e, 0, sizeof(*e));
	}
}

/*
 * The inode number users see for an entry readdir numbered ino: the same,
 * unless the driver's getattr may show another (MNT_STINO); then getattr's.
 */
static uint64_t entry_stino(struct p2k_dirfill *df, uint64_t ino)
{
	struct vnode *vp;
	struct vattr va;
	int error;

	if (!(df->p->mp->mnt_flags & MNT_STINO) ||
	    vfs_vget(df->p->mp, ino, &vp) != 0)
		return ino;
	error = VOP_GETATTR(vp, &va);
	vrele(vp);
	return error == 0 ? va.va_ino : ino;
}

static int dir_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct p2k_dirfill *df = arg;
	struct fuse_entry_param e;
	char cname[VFS_NAME_MAX + 1];
	size_t need;

	if (namelen == 0 || namelen > VFS_NAME_MAX)
		return 0;   /* no name the kernel could take: skip */
	memcpy(cname, name, namelen);
	cname[namelen] = '\0';
	need = df->plus ?
	    fuse_add_direntry_plus(df->req, NULL, 0, cname, NULL, 0) :
	    fuse_add_direntry(df->req, NULL, 0, cname, NULL, 0);
	if (need > df->size - df->used)
		return 1;   /* full: this entry starts the next reply */
	memset(&e, 0, sizeof(e));
	if (df->plus)
		plus_entry(df, name, namelen, &e);
	if (e.ino == 0) {
		e.attr.st_ino = entry_stino(df, ino);
		e.attr.st_mode = (mode_t)type << 12;
	}
	df->used += df->plus ?
	    fuse_add_direntry_plus(df->req, df->buf + df->used,
	    df->size - df->used, cname, &e, (off_t)next) :
	    fuse_add_direntry(df->req, df->buf + df->used,
	    df->size - df->used, cname, &e.attr, (off_t)next);
	return 0;
}

static int do_readdir(struct p2k_dirfill *df, fuse_ino_t ino, size_t size,
    off_t off)
{
	uint64_t cookie = (uint64_t)off;
	int error;

	if ((error = p2k_vnode(df->p, ino, &df->dvp)) != 0)
		return error;
	df->buf = df->p->iobuf;
	df->size = size < df->p->iobufsize ? size : df->p->iobufsize;
	error = VOP_READDIR(df->dvp, &cookie, dir_fill, df);
	/* entries already in the buffer go now; the error comes next time */
	return df->used > 0 ? 0 : error;
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
    off_t off, int plus)
{
	struct p2k_dirfill df = { .p = fuse_req_userdata(req), .req = req,
	    .plus = plus };
	size_t i;
	int error = do_readdir(&df, ino, size, off);

	if (error)
		fuse_reply_err(req, error);
	else if (fuse_reply_buf(req, df.buf, df.used) != 0)
		for (i = 0; i < df.nids; i++)
			p2k_node_forget(&df.p->nodes, df.ids[i], 1);
	free(df.ids);
}

void p2k_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, 0);
}

void p2k_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, 1);
}

/* getxattr and listxattr: size 0 asks for the length only. */
static int xattr_reply_len(size_t size, size_t len, size_t *outlen)
{
	if (size != 0 && len > size)
		return ERANGE;
	*outlen = len;
	return 0;
}

static int do_getxattr(struct p2k *p, fuse_ino_t ino, const char *name,
    size_t size, size_t *len)
{
	struct vnode *vp;
	size_t need = 0;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	if (size > p->iobufsize)
		size = p->iobufsize;
	error = vp->v_op->vop_getxattr(vp, name, size ? p->iobuf : NULL, size,
	    &need);
	if (error)
		return error;
	return xattr_reply_len(size, need, len);
}

void p2k_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    size_t size)
{
	struct p2k *p = fuse_req_userdata(req);
	size_t len;
	int error = do_getxattr(p, ino, name, size, &len);

	if (error)
		fuse_reply_err(req, error);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else
		fuse_reply_buf(req, p->iobuf, len);
}

static int do_listxattr(struct p2k *p, fuse_ino_t ino, size_t size,
    size_t *len)
{
	struct vnode *vp;
	size_t need = 0;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	if (size > p->iobufsize)
		size = p->iobufsize;
	error = vp->v_op->vop_listxattr(vp, size ? p->iobuf : NULL, size,
	    &need);
	if (error)
		return error;
	return xattr_reply_len(size, need, len);
}

void p2k_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct p2k *p = fuse_req_userdata(req);
	size_t len;
	int error = do_listxattr(p, ino, size, &len);

	if (error)
		fuse_reply_err(req, error);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else
		fuse_reply_buf(req, p->iobuf, len);
}

static int do_setxattr(struct p2k *p, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	struct vnode *vp;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	p->dirty = 1;
	return vp->v_op->vop_setxattr(vp, name, value, size, flags);
}

void p2k_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_setxattr(p, ino, name, value, size, flags);

	fuse_reply_err(req, error);
}

static int do_removexattr(struct p2k *p, fuse_ino_t ino, const char *name)
{
	struct vnode *vp;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0)
		return error;
	p->dirty = 1;
	return vp->v_op->vop_removexattr(vp, name);
}

void p2k_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct p2k *p = fuse_req_userdata(req);
	int error = do_removexattr(p, ino, name);

	fuse_reply_err(req, error);
}
