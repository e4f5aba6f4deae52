/* cmd_nav.c: cd and pwd; the current directory is kept as a vnode and a logical path, like sh's. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"

/* Drops the last component of an absolute path ("/a/b" -> "/a"). */
static void canon_pop(char *out, size_t *len)
{
	while (*len > 1 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 1)
		(*len)--;
	out[*len] = '\0';
}

/* Appends path's components to the absolute path out, resolving . and .. */
static int canon_append(char *out, size_t *len, size_t size,
    const char *path)
{
	const char *p = path, *end;
	size_t clen;

	while (*p) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		clen = (size_t)(end - p);
		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			canon_pop(out, len);
		} else if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			if (*len + (*len > 1) + clen + 1 > size)
				return ENAMETOOLONG;
			if (*len > 1)
				out[(*len)++] = '/';
			memcpy(out + *len, p, clen);
			*len += clen;
			out[*len] = '\0';
		}
		p = end;
	}
	return 0;
}

/* out = path seen from cwd, with ".", ".." and "//" resolved by name. */
static int canon_path(const char *cwd, const char *path, char *out,
    size_t size)
{
	size_t len = 1;
	int error = 0;

	strcpy(out, "/");
	if (path[0] != '/')
		error = canon_append(out, &len, size, cwd);
	if (error == 0)
		error = canon_append(out, &len, size, path);
	return error;
}

int cmd_cd(struct session *s, int argc, char **argv)
{
	char newpath[VFS_PATH_MAX + 1];
	struct vnode *vp;
	struct opts o;
	const char *arg;
	int st, error;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs > 1)
		return sess_usage(s, "too many arguments");
	arg = o.nargs ? o.args[0] : "/";
	if (arg[0] == '\0')
		return sess_err(s, arg, ENOENT);
	if ((error = canon_path(s->cwdpath, arg, newpath, sizeof(newpath))))
		return sess_err(s, arg, error);
	if ((error = namei(s->mp, NULL, newpath, NAMEI_FOLLOW, &vp)) != 0)
		return sess_err(s, arg, error);
	if (vp->v_type != VDIR) {
		vrele(vp);
		return sess_err(s, arg, ENOTDIR);
	}
	vrele(s->cwd);
	s->cwd = vp;
	strcpy(s->cwdpath, newpath);
	return ST_OK;
}

int cmd_pwd(struct session *s, int argc, char **argv)
{
	struct opts o;
	int st;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs > 0)
		return sess_usage(s, "too many arguments");
	printf("%s\n", s->cwdpath);
	return ST_OK;
}
