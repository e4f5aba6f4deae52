/* cmd_cp.c: cp, copying files and trees within the image (symlinks as symlinks, hard links kept). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/*
 * The source tree is walked by walk.c; the copy of the directory at depth d
 * is held (referenced) in dirs[d] while its entries are copied. A directory
 * is never copied into itself: the target's parent is checked first.
 */

struct cp_ctx {
	struct session *s;
	int recursive, keep;
	mode_t umask;
	struct linkmap links;
	struct vnode *topdvp;        /* receives the top node as topname */
	const char *topname;
	const char *toppath;         /* the top node's new path */
	struct vnode *dirs[WALK_MAXDEPTH + 2];
	char *dpaths[WALK_MAXDEPTH + 2];
	int st;
};

static int img_read(void *arg, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct vnode *vp = arg;

	return VOP_READ(vp, buf, len, off, done);
}

static mode_t cp_mode(struct cp_ctx *c, mode_t mode)
{
	if (c->keep)
		return mode;
	return (mode & S_IFMT) | (mode & 0777 & ~c->umask);
}

/* Is name in dvp the source itself? (cp f f must not empty f.) */
static int same_file(struct vnode *dvp, const char *name, uint64_t ino)
{
	struct vnode *vp;
	int same;

	if (VOP_LOOKUP(dvp, name, strlen(name), &vp) != 0)
		return 0;
	same = vp->v_ino == ino;
	vrele(vp);
	return same;
}

static void cp_file(struct cp_ctx *c, const struct walk_node *n,
    struct vnode *dvp, const char *name, const char *tpath,
    struct vnode **vpp)
{
	const struct vattr *va = n->va;
	struct img_node nd = { .mode = cp_mode(c, va->va_mode) };
	struct copy_src src = { .read = img_read, .arg = n->vp,
	    .size = va->va_size, .path = n->path,
	    .sparse = va->va_bytes < va->va_size };
	uint64_t ino = va->va_nlink > 1 ?
	    linkmap_find(&c->links, 0, va->va_ino) : 0;
	int error;

	/* a second name of a file already copied; FAT has none: a copy */
	error = ino != 0 ? img_link(c->s, dvp, name, ino) : EOPNOTSUPP;
	if (error != EOPNOTSUPP) {
		if (error)
			c->st = sess_err(c->s, tpath, error);
		return;
	}
	if (same_file(dvp, name, va->va_ino)) {
		c->st = sess_errmsg(c->s, tpath, "'%s' and '%s' are the same "
		    "file", n->path, tpath);
		return;
	}
	if (img_make(c->s, dvp, name, tpath, &nd, vpp) != ST_OK) {
		c->st = ST_FAIL;
		return;
	}
	if (img_copy_data(c->s, tpath, *vpp, &src) != ST_OK)
		c->st = ST_FAIL;
	if (va->va_nlink > 1 && linkmap_add(&c->links, 0, va->va_ino,
	    (*vpp)->v_ino) != 0)
		c->st = sess_err(c->s, tpath, ENOMEM);
}

/* Symlinks, fifos and device nodes: made again as they are. */
static void cp_other(struct cp_ctx *c, const struct walk_node *n,
    struct vnode *dvp, const char *name, const char *tpath,
    struct vnode **vpp)
{
	const struct vattr *va = n->va;
	struct img_node nd = { .mode = cp_mode(c, va->va_mode),
	    .major = va->va_rdev_major, .minor = va->va_rdev_minor };
	char *target = NULL;
	int error;

	if (S_ISLNK(va->va_mode)) {
		if ((error = sess_readlink(c->s, n->vp, &target)) != 0) {
			c->st = sess_err(c->s, n->path, error);
			return;
		}
		nd.target = target;
	} else if (S_ISSOCK(va->va_mode)) {
		c->st = sess_errmsg(c->s, n->path, "socket not copied");
		return;
	}
	if (img_make(c->s, dvp, name, tpath, &nd, vpp) != ST_OK)
		c->st = ST_FAIL;
	free(target);
}

/* A directory: made or reused, and held for its entries. */
static int cp_dir(struct cp_ctx *c, const struct walk_node *n,
    struct vnode *dvp, const char *name, const char *tpath)
{
	struct img_node nd = { .mode = cp_mode(c, n->va->va_mode) | S_IRWXU };
	struct vnode *vp;

	if (!c->recursive) {
		c->st = sess_errmsg(c->s, n->path, "is a directory (use cp -r)");
		return WALK_SKIP;
	}
	if (img_is_below(c->s, dvp, n->va->va_ino)) {
		c->st = sess_errmsg(c->s, n->path, "cannot copy a directory "
		    "into itself, '%s'", tpath);
		return WALK_SKIP;
	}
	if (img_make(c->s, dvp, name, tpath, &nd, &vp) != ST_OK) {
		c->st = ST_FAIL;
		return WALK_SKIP;
	}
	if ((c->dpaths[n->depth] = strdup(tpath)) == NULL) {
		vrele(vp);
		c->st = sess_err(c->s, tpath, ENOMEM);
		return WALK_SKIP;
	}
	c->dirs[n->depth] = vp;
	return WALK_CONTINUE;
}

static int cp_visit(void *arg, const struct walk_node *n)
{
	struct cp_ctx *c = arg;
	int d = n->depth;
	struct vnode *dvp = d ? c->dirs[d - 1] : c->topdvp, *vp = NULL;
	const char *name = d ? n->name : c->topname;
	char *tpath = d ? path_join(c->dpaths[d - 1], name) :
	    strdup(c->toppath);
	int r = WALK_SKIP;

	if (tpath == NULL) {
		c->st = sess_err(c->s, n->path, ENOMEM);
		return WALK_SKIP;
	}
	if (S_ISDIR(n->va->va_mode) && n->vp->v_type == VDIR)
		r = cp_dir(c, n, dvp, name, tpath);
	else if (S_ISREG(n->va->va_mode))
		cp_file(c, n, dvp, name, tpath, &vp);
	else
		cp_other(c, n, dvp, name, tpath, &vp);
	if (vp != NULL && c->keep && img_setattr(c->s, vp, tpath, n->va,
	    img_keep_bits(n->va->va_mode)) != ST_OK)
		c->st = ST_FAIL;
	if (vp != NULL)
		vrele(vp);
	free(tpath);
	return r;
}

/* After a directory's entries: its mode, and with -p owner and times. */
static void cp_leave(void *arg, const struct walk_node *n)
{
	struct cp_ctx *c = arg;
	int d = n->depth;
	struct vnode *vp = c->dirs[d];
	struct vattr va = *n->va;
	unsigned bits = c->keep ? img_keep_bits(va.va_mode) : VA_MODE;

	va.va_mode = cp_mode(c, va.va_mode);
	if (img_setattr(c->s, vp, c->dpaths[d], &va, bits) != ST_OK)
		c->st = ST_FAIL;
	vrele(vp);
	c->dirs[d] = NULL;
	free(c->dpaths[d]);
	c->dpaths[d] = NULL;
}

static void cp_one(struct cp_ctx *c, const char *src)
{
	struct walk_ops ops = { .visit = cp_visit, .leave = cp_leave,
	    .maxdepth = -1 };
	struct vnode *vp;

	if (sess_lookup(c->s, src, 0, &vp, NULL) != ST_OK) {
		c->st = ST_FAIL;
		return;
	}
	if (walk(c->s, src, vp, &ops, c) != ST_OK)
		c->st = ST_FAIL;
	vrele(vp);
}

/* Copies each source into directory dest (an existing one) as its basename. */
static void cp_into(struct cp_ctx *c, struct opts *o, struct vnode *dvp,
    const char *dest)
{
	char base[VFS_NAME_MAX + 2];
	int i;

	c->topdvp = dvp;
	for (i = 0; i < o->nargs - 1; i++) {
		path_base(o->args[i], base, sizeof(base));
		if (name_is_dot(base) || strcmp(base, "/") == 0) {
			c->st = sess_errmsg(c->s, o->args[i], "cannot copy "
			    "'%s': name the destination instead", base);
			continue;
		}
		c->topname = base;
		if ((c->toppath = path_join(dest, base)) == NULL) {
			c->st = sess_err(c->s, dest, ENOMEM);
			return;
		}
		cp_one(c, o->args[i]);
		free((char *)c->toppath);
	}
}

int cmd_cp(struct session *s, int argc, char **argv)
{
	struct cp_ctx c = { .s = s };
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp;
	struct opts o;
	const char *dest;
	int intodir;

	if ((c.st = opts_parse(s, argc, argv, "rRp", &o)) != ST_OK)
		return c.st;
	if (o.nargs < 2)
		return sess_usage(s, o.nargs ? "missing destination" :
		    "missing operand");
	dest = o.args[o.nargs - 1];
	if (session_writable(s, dest) != ST_OK)
		return ST_FAIL;
	c.recursive = o.set['r'] || o.set['R'];
	c.keep = o.set['p'];
	c.umask = sess_umask();
	intodir = dest_is_dir(s, dest, &dvp);
	if (intodir) {
		cp_into(&c, &o, dvp, dest);
	} else if (o.nargs > 2) {
		return sess_err(s, dest, ENOTDIR);
	} else if (sess_parent(s, dest, &dvp, name, sizeof(name)) == ST_OK) {
		c.topdvp = dvp;
		c.topname = name;
		c.toppath = dest;
		cp_one(&c, o.args[0]);
	} else {
		return ST_FAIL;
	}
	vrele(dvp);
	linkmap_free(&c.links);
	return c.st;
}
