/* vfs_namei.c: path lookup: components, ".", "..", symlinks with a loop limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfs/vfs.h"

/*
 * The walk keeps one referenced vnode (dvp, the directory reached so far)
 * and the rest of the path in a private buffer. A symlink met on the way is
 * spliced in front of the rest: "target/rest". Every reference taken is
 * released before returning, except the one handed to the caller.
 */

struct nameidata {
	struct mount *nd_mp;
	struct vnode *nd_root;
	char nd_buf[VFS_PATH_MAX + 1];  /* what remains to walk */
	size_t nd_pos;
	int nd_links;                   /* symlinks followed so far */
};

/*
 * Replaces the walk's remaining path with target + "/" + rest; the slash is
 * left out when nothing follows and the link was not written "link/".
 */
static int nd_splice(struct nameidata *nd, const char *target, size_t tlen,
    int trailing)
{
	const char *rest = nd->nd_buf + nd->nd_pos;
	size_t rlen = strlen(rest), slash = (rlen > 0 || trailing);
	char *tmp;

	if (tlen == 0)
		return ENOENT;   /* an empty symlink resolves to nothing */
	if (tlen + slash + rlen > VFS_PATH_MAX)
		return ENAMETOOLONG;
	tmp = malloc(tlen + slash + rlen + 1);
	if (tmp == NULL)
		return ENOMEM;
	memcpy(tmp, target, tlen);
	tmp[tlen] = '/';
	memcpy(tmp + tlen + slash, rest, rlen + 1);
	memcpy(nd->nd_buf, tmp, tlen + slash + rlen + 1);
	free(tmp);
	nd->nd_pos = 0;
	return 0;
}

/* Reads vp's target and splices it; *dvpp moves to root if it is absolute. */
static int nd_follow(struct nameidata *nd, struct vnode *vp,
    struct vnode **dvpp, int trailing)
{
	char *target;
	size_t len;
	int error;

	if (++nd->nd_links > VFS_SYMLOOP_MAX)
		return ELOOP;
	target = malloc(VFS_PATH_MAX + 1);
	if (target == NULL)
		return ENOMEM;
	error = VOP_READLINK(vp, target, VFS_PATH_MAX + 1, &len);
	if (error == 0 && len > VFS_PATH_MAX)
		error = ENAMETOOLONG;
	if (error == 0 && memchr(target, '\0', len) != NULL)
		error = vfs_corrupt(nd->nd_mp, vp->v_ino, 0,
		    "symlink target: expected no NUL byte, found one");
	if (error == 0)
		error = nd_splice(nd, target, len, trailing);
	if (error == 0 && target[0] == '/') {
		vrele(*dvpp);
		vref(nd->nd_root);
		*dvpp = nd->nd_root;
	}
	free(target);
	return error;
}

/* Next component of the remaining path; *len 0 means the path is done. */
static const char *nd_next(struct nameidata *nd, size_t *len, int *trailing)
{
	const char *p = nd->nd_buf + nd->nd_pos, *start;

	while (*p == '/')
		p++;
	start = p;
	while (*p != '\0' && *p != '/')
		p++;
	*len = (size_t)(p - start);
	while (*p == '/')
		p++;
	*trailing = (*p == '\0' && p > start + *len);
	nd->nd_pos = (size_t)(p - nd->nd_buf);
	return start;
}

/* One step: *dvpp (a directory) becomes the vnode named comp, or stays. */
static int nd_step(struct nameidata *nd, struct vnode **dvpp,
    const char *comp, size_t len, int follow, int trailing)
{
	struct vnode *dvp = *dvpp, *vp;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (len > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if (len == 1 && comp[0] == '.')
		return 0;
	if (len == 2 && comp[0] == '.' && comp[1] == '.' &&
	    dvp == nd->nd_root)
		return 0;
	error = VOP_LOOKUP(dvp, comp, len, &vp);
	if (error)
		return error;
	if (vp->v_type == VLNK && follow) {
		error = nd_follow(nd, vp, dvpp, trailing);
		vrele(vp);
		return error;
	}
	vrele(dvp);
	*dvpp = vp;
	return 0;
}

static int nd_walk(struct nameidata *nd, struct vnode *start, unsigned flags,
    struct vnode **vpp)
{
	struct vnode *dvp = start;
	const char *comp;
	size_t len;
	int trailing, more, error = 0;

	vref(dvp);
	if (nd->nd_buf[0] == '/') {
		vrele(dvp);
		vref(nd->nd_root);
		dvp = nd->nd_root;
	}
	for (;;) {
		comp = nd_next(nd, &len, &trailing);
		if (len == 0)
			break;
		more = nd->nd_buf[nd->nd_pos] != '\0';
		error = nd_step(nd, &dvp, comp, len,
		    more || trailing || (flags & NAMEI_FOLLOW), trailing);
		if (error)
			break;
		if (trailing && nd->nd_buf[nd->nd_pos] == '\0' &&
		    dvp->v_type != VDIR && dvp->v_type != VLNK)
			error = ENOTDIR;
		if (error)
			break;
	}
	if (error) {
		vrele(dvp);
		return error;
	}
	*vpp = dvp;
	return 0;
}

static int nd_init(struct nameidata **ndp, struct mount *mp, const char *path)
{
	struct nameidata *nd;
	int error;

	if (path[0] == '\0')
		return ENOENT;
	if (strlen(path) > VFS_PATH_MAX)
		return ENAMETOOLONG;
	nd = calloc(1, sizeof(*nd));
	if (nd == NULL)
		return ENOMEM;
	nd->nd_mp = mp;
	if ((error = vfs_root(mp, &nd->nd_root)) != 0) {
		free(nd);
		return error;
	}
	strcpy(nd->nd_buf, path);
	*ndp = nd;
	return 0;
}

static void nd_done(struct nameidata *nd)
{
	vrele(nd->nd_root);
	free(nd);
}

int namei(struct mount *mp, struct vnode *cwd, const char *path,
    unsigned flags, struct vnode **vpp)
{
	struct nameidata *nd;
	int error;

	if ((error = nd_init(&nd, mp, path)) != 0)
		return error;
	error = nd_walk(nd, cwd ? cwd : nd->nd_root, flags, vpp);
	nd_done(nd);
	return error;
}

int namei_parent(struct mount *mp, struct vnode *cwd, const char *path,
    struct vnode **dvpp, const char **name, size_t *namelen)
{
	struct nameidata *nd;
	const char *end = path + strlen(path), *last;
	struct vnode *dvp;
	int error;

	while (end > path && end[-1] == '/')
		end--;
	last = end;
	while (last > path && last[-1] != '/')
		last--;
	if (last == end)
		return path[0] == '\0' ? ENOENT : EINVAL;   /* "" or "/" */
	if ((end - last == 1 && last[0] == '.') ||
	    (end - last == 2 && last[0] == '.' && last[1] == '.'))
		return EINVAL;
	if ((size_t)(end - last) > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if ((error = nd_init(&nd, mp, last == path ? "." : path)) != 0)
		return error;
	nd->nd_buf[last - path] = '\0';   /* keep only the directory part */
	if (last == path)
		strcpy(nd->nd_buf, ".");
	error = nd_walk(nd, cwd ? cwd : nd->nd_root, NAMEI_FOLLOW, &dvp);
	nd_done(nd);
	if (error)
		return error;
	if (dvp->v_type != VDIR) {
		vrele(dvp);
		return ENOTDIR;
	}
	*dvpp = dvp;
	*name = last;
	*namelen = (size_t)(end - last);
	return 0;
}
