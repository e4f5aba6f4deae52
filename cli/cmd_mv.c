/* cmd_mv.c: mv, renaming within the image: over an existing entry, across directories, into a directory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/*
 * The driver's rename does the work and the checks (a directory into
 * itself, over a non-empty directory, a directory over a file). A missing
 * source is reported under its own name; every other refusal under the
 * target's, which is what it is about.
 */

static int mv_one(struct session *s, const char *src, struct vnode *tdvp,
    const char *tname, const char *tpath)
{
	char fname[VFS_NAME_MAX + 1];
	struct vnode *fdvp, *vp;
	int error;

	if (sess_parent(s, src, &fdvp, fname, sizeof(fname)) != ST_OK)
		return ST_FAIL;
	error = VOP_LOOKUP(fdvp, fname, strlen(fname), &vp);
	if (error) {
		vrele(fdvp);
		return sess_err(s, src, error);
	}
	vrele(vp);
	error = fdvp->v_op->vop_rename(fdvp, fname, strlen(fname), tdvp,
	    tname, strlen(tname), 0);
	vrele(fdvp);
	return error ? sess_err(s, tpath, error) : ST_OK;
}

/* Each source into the existing directory dvp, as its last component. */
static int mv_into(struct session *s, struct opts *o, struct vnode *dvp,
    const char *dest)
{
	char base[VFS_NAME_MAX + 2], *tpath;
	int i, st = ST_OK;

	for (i = 0; i < o->nargs - 1; i++) {
		path_base(o->args[i], base, sizeof(base));
		if (name_is_dot(base) || strcmp(base, "/") == 0) {
			st = sess_err(s, o->args[i], EINVAL);
			continue;
		}
		if ((tpath = path_join(dest, base)) == NULL)
			return sess_err(s, dest, ENOMEM);
		if (mv_one(s, o->args[i], dvp, base, tpath) != ST_OK)
			st = ST_FAIL;
		free(tpath);
	}
	return st;
}

/*
 * Is dest the directory src itself under another spelling, in the same
 * parent ("mv /Dir /DIR" on FAT, whose names ignore case)? Then mv renames
 * it to that spelling, as a kernel mount does, instead of moving it into
 * itself. The new name is left in name, the parent referenced in *pdvpp.
 */
static int is_respelling(struct session *s, const char *src, struct vnode *dvp,
    const char *dest, struct vnode **pdvpp, char *name, size_t size)
{
	char sname[VFS_NAME_MAX + 1];
	struct vnode *svp, *sdvp;
	int yes;

	if (namei(s->mp, s->cwd, src, 0, &svp) != 0)
		return 0;
	yes = svp == dvp;
	vrele(svp);
	if (!yes || sess_parent(s, src, &sdvp, sname, sizeof(sname)) != ST_OK)
		return 0;
	if (sess_parent(s, dest, pdvpp, name, size) != ST_OK) {
		vrele(sdvp);
		return 0;
	}
	yes = sdvp == *pdvpp && strcmp(sname, name) != 0;
	vrele(sdvp);
	if (!yes)
		vrele(*pdvpp);
	return yes;
}

int cmd_mv(struct session *s, int argc, char **argv)
{
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp, *pdvp;
	struct opts o;
	const char *dest;
	int st, intodir;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs < 2)
		return sess_usage(s, o.nargs ? "missing destination" :
		    "missing operand");
	dest = o.args[o.nargs - 1];
	if (session_writable(s, dest) != ST_OK)
		return ST_FAIL;
	intodir = dest_is_dir(s, dest, &dvp);
	if (intodir && o.nargs == 2 && is_respelling(s, o.args[0], dvp, dest,
	    &pdvp, name, sizeof(name))) {
		vrele(dvp);
		st = mv_one(s, o.args[0], pdvp, name, dest);
		vrele(pdvp);
		return st;
	}
	if (intodir) {
		st = mv_into(s, &o, dvp, dest);
	} else if (o.nargs > 2) {
		return sess_err(s, dest, ENOTDIR);
	} else {
		if (sess_parent(s, dest, &dvp, name, sizeof(name)) != ST_OK)
			return ST_FAIL;
		st = mv_one(s, o.args[0], dvp, name, dest);
	}
	vrele(dvp);
	return st;
}
