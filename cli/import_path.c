/* import_path.c: an archive member's name made safe and resolved below DEST, never through a symlink or "..". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/xarchive.h"

/*
 * A hostile archive names members "/etc/passwd", "../x", "a/../../x", or
 * plants a symlink "a -> /" and then a member "a/x". So: leading "/" is
 * stripped (as bsdtar does, with one note), "." and empty components are
 * dropped, a name with a ".." component is refused, and resolution walks
 * down from DEST one component at a time with the driver's lookup,
 * refusing any component that is not a directory (a symlink is never
 * followed). Every name therefore stays below DEST.
 */

static int bad_name(struct impctx *ic, const char *name, const char *why)
{
	progress_clear(&ic->pg);
	return ic->st = sess_errmsg(ic->s, name, "%s; skipped", why);
}

/*
 * *relp gets the cleaned name (malloc'd; "" for DEST itself), or stays NULL
 * when the name is refused (reported).
 */
int imp_clean(struct impctx *ic, const char *name, char **relp)
{
	char *out = malloc(strlen(name) + 1), *o = out;
	const char *p = name;
	size_t len;

	*relp = NULL;
	if (out == NULL)
		return sess_err(ic->s, name, ENOMEM);
	if (*p == '/' && !ic->notes.slash_stripped++) {
		progress_clear(&ic->pg);
		fprintf(stderr, "rumpsh: import: removing leading '/' from "
		    "member names\n");
	}
	while (*p) {
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return bad_name(ic, name, "name holds '..'");
		}
		if (len > VFS_NAME_MAX) {
			free(out);
			return bad_name(ic, name, strerror(ENAMETOOLONG));
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (o > out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	*o = '\0';
	*relp = out;
	return ST_OK;
}

/* One step down: dvp's child `comp`, which must be a directory. */
static int step(struct impctx *ic, struct vnode *dvp, const char *comp,
    size_t len, int create, struct vnode **vpp)
{
	int error = VOP_LOOKUP(dvp, comp, len, vpp);

	if (error == ENOENT && create)
		error = dvp->v_op->vop_mkdir(dvp, comp, len,
		    S_IFDIR | (0777 & ~ic->umask), vpp);
	if (error)
		return error;
	if ((*vpp)->v_type == VDIR)
		return 0;
	error = (*vpp)->v_type == VLNK ? ELOOP : ENOTDIR;
	vrele(*vpp);
	return error;
}

/* Walks rel's first `plen` bytes down from DEST; *vpp referenced. */
static int descend(struct impctx *ic, const char *rel, size_t plen,
    int create, struct vnode **vpp)
{
	struct vnode *vp = ic->dest, *next;
	size_t i = 0, len;
	int error;

	vref(vp);
	while (i < plen) {
		len = strcspn(rel + i, "/");
		if (len > plen - i)
			len = plen - i;
		error = step(ic, vp, rel + i, len, create, &next);
		vrele(vp);
		if (error)
			return error;
		vp = next;
		i += len + 1;
	}
	*vpp = vp;
	return 0;
}

void imp_forget(struct impctx *ic)
{
	if (ic->pdir)
		vrele(ic->pdir);
	free(ic->pdirname);
	ic->pdir = NULL;
	ic->pdirname = NULL;
}

static int parent_error(struct impctx *ic, const char *rel, int error)
{
	progress_clear(&ic->pg);
	if (error == ELOOP)
		return ic->st = sess_errmsg(ic->s, rel, "a directory in the name "
		    "is a symbolic link; not followed, skipped");
	return ic->st = sess_err(ic->s, rel, error);
}

/*
 * The directory holding rel's last component (made, like mkdir -p, when
 * create) in *dvpp (referenced) and that component in *lastp (points into
 * rel). The last directory resolved is kept for the next member.
 */
int imp_parent(struct impctx *ic, const char *rel, int create,
    struct vnode **dvpp, const char **lastp)
{
	const char *slash = strrchr(rel, '/');
	size_t plen = slash ? (size_t)(slash - rel) : 0;
	struct vnode *dvp;
	int error;

	*lastp = slash ? slash + 1 : rel;
	if (ic->pdir && strlen(ic->pdirname) == plen &&
	    memcmp(ic->pdirname, rel, plen) == 0) {
		vref(ic->pdir);
		*dvpp = ic->pdir;
		return ST_OK;
	}
	if ((error = descend(ic, rel, plen, create, &dvp)) != 0)
		return parent_error(ic, rel, error);
	imp_forget(ic);
	if ((ic->pdirname = strndup(rel, plen)) != NULL) {
		vref(dvp);
		ic->pdir = dvp;
	}
	*dvpp = dvp;
	return ST_OK;
}

/* The node named rel below DEST (errno; nothing reported), no symlink followed. */
int imp_lookup(struct impctx *ic, const char *rel, struct vnode **vpp)
{
	const char *slash = strrchr(rel, '/'), *last = slash ? slash + 1 : rel;
	struct vnode *dvp;
	int error;

	if (rel[0] == '\0') {
		vref(ic->dest);
		*vpp = ic->dest;
		return 0;
	}
	error = descend(ic, rel, slash ? (size_t)(slash - rel) : 0, 0, &dvp);
	if (error)
		return error;
	error = VOP_LOOKUP(dvp, last, strlen(last), vpp);
	vrele(dvp);
	return error;
}
