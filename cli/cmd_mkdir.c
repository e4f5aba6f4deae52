/* cmd_mkdir.c: mkdir (with -p and -m) and rmdir. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* Makes one directory; with exist_ok an existing directory is fine. */
static int mkdir_one(struct session *s, const char *path, mode_t mode,
    int setmode, int exist_ok)
{
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp, *vp;
	struct vattr va = { .va_mode = mode };
	int error, st = ST_OK;

	if (sess_parent(s, path, &dvp, name, sizeof(name)) != ST_OK)
		return ST_FAIL;
	error = dvp->v_op->vop_mkdir(dvp, name, strlen(name), mode, &vp);
	if (error == EEXIST && exist_ok &&
	    VOP_LOOKUP(dvp, name, strlen(name), &vp) == 0) {
		error = vp->v_type == VDIR ? 0 : ENOTDIR;
		setmode = 0;
		vrele(vp);
		vp = NULL;
	}
	vrele(dvp);
	if (error)
		return sess_err(s, path, error);
	/* -m: the exact mode, which the driver may have narrowed */
	if (setmode)
		st = img_setattr(s, vp, path, &va, VA_MODE);
	if (vp != NULL)
		vrele(vp);
	return st;
}

/* mkdir -p: every missing directory along path, then path itself. */
static int mkdir_parents(struct session *s, const char *path, mode_t mode,
    int setmode, mode_t umask)
{
	char buf[VFS_PATH_MAX + 1];
	size_t i, len = strlen(path);

	if (len > VFS_PATH_MAX)
		return sess_err(s, path, ENAMETOOLONG);
	memcpy(buf, path, len + 1);
	for (i = 1; i < len; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir_one(s, buf, (0777 & ~umask) | S_IWUSR | S_IXUSR, 0,
		    1) != ST_OK)
			return ST_FAIL;
		buf[i] = '/';
	}
	return mkdir_one(s, path, mode, setmode, 1);
}

int cmd_mkdir(struct session *s, int argc, char **argv)
{
	mode_t umask = sess_umask(), mode = 0777 & ~umask;
	struct opts o;
	int i, st;

	if ((st = opts_parse(s, argc, argv, "pm:", &o)) != ST_OK)
		return st;
	if (o.nargs < 1)
		return sess_usage(s, "missing operand");
	if (o.arg['m'] && mode_parse(o.arg['m'], 0777, 1, umask, &mode) != 0)
		return sess_usage(s, "invalid mode '%s'", o.arg['m']);
	if (session_writable(s, o.args[0]) != ST_OK)
		return ST_FAIL;
	for (i = 0; i < o.nargs; i++) {
		if (o.set['p'] ? mkdir_parents(s, o.args[i], mode,
		    o.arg['m'] != NULL, umask) :
		    mkdir_one(s, o.args[i], mode, o.arg['m'] != NULL, 0))
			st = ST_FAIL;
	}
	return st;
}

int cmd_rmdir(struct session *s, int argc, char **argv)
{
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp;
	struct opts o;
	int i, st, error;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs < 1)
		return sess_usage(s, "missing operand");
	if (session_writable(s, o.args[0]) != ST_OK)
		return ST_FAIL;
	for (i = 0; i < o.nargs; i++) {
		if (strspn(o.args[i], "/") == strlen(o.args[i]) &&
		    o.args[i][0]) {
			st = sess_err(s, o.args[i], EBUSY);   /* the root */
			continue;
		}
		if (sess_parent(s, o.args[i], &dvp, name, sizeof(name)) !=
		    ST_OK) {
			st = ST_FAIL;
			continue;
		}
		error = dvp->v_op->vop_rmdir(dvp, name, strlen(name));
		vrele(dvp);
		if (error)
			st = sess_err(s, o.args[i], error);
	}
	return st;
}
