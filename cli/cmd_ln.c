/* cmd_ln.c: ln, hard links and (with -s) symbolic links within the image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The link is made as (dvp, name); target is a path for -s, else a file. */
static int ln_make(struct session *s, int sym, const char *target,
    struct vnode *dvp, const char *name, const char *path)
{
	struct vnode *vp;
	int error;

	if (sym) {
		error = dvp->v_op->vop_symlink(dvp, name, strlen(name), target,
		    &vp);
		if (error == 0)
			vrele(vp);
		return error ? sess_err(s, path, error) : ST_OK;
	}
	/* ln(1) on Linux links to a symlink itself, not to what it names */
	if (sess_lookup(s, target, 0, &vp, NULL) != ST_OK)
		return ST_FAIL;
	if (vp->v_type == VDIR) {
		vrele(vp);
		return sess_errmsg(s, target, "hard link not allowed for "
		    "directory");
	}
	error = dvp->v_op->vop_link(dvp, name, strlen(name), vp);
	vrele(vp);
	return error ? sess_err(s, path, error) : ST_OK;
}

int cmd_ln(struct session *s, int argc, char **argv)
{
	char name[VFS_NAME_MAX + 2], *path = NULL;
	const char *target, *link;
	struct vnode *dvp;
	struct opts o;
	int st;

	if ((st = opts_parse(s, argc, argv, "s", &o)) != ST_OK)
		return st;
	if (o.nargs != 2)
		return sess_usage(s, o.nargs < 2 ? "missing operand" :
		    "too many arguments");
	target = o.args[0];
	link = o.args[1];
	if (session_writable(s, link) != ST_OK)
		return ST_FAIL;
	if (dest_is_dir(s, link, &dvp)) {
		/* into an existing directory, under the target's name */
		path_base(target, name, sizeof(name));
		if ((path = path_join(link, name)) == NULL) {
			vrele(dvp);
			return sess_err(s, link, ENOMEM);
		}
		link = path;
	} else if (sess_parent(s, link, &dvp, name, sizeof(name)) != ST_OK) {
		return ST_FAIL;
	}
	st = ln_make(s, o.set['s'] != 0, target, dvp, name, link);
	vrele(dvp);
	free(path);
	return st;
}
