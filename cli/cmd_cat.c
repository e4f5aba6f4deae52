/* cmd_cat.c: cat, binary-safe, in large reads. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/cli.h"

static int cat_vnode(struct session *s, const char *path, struct vnode *vp,
    char *buf)
{
	uint64_t off = 0;
	size_t done;
	int error;

	for (;;) {
		if ((error = VOP_READ(vp, buf, IOBUF_SIZE, off, &done)) != 0)
			return sess_err(s, path, error);
		if (done == 0)
			return ST_OK;
		if (fwrite(buf, 1, done, stdout) != done)
			return sess_err(s, "stdout", errno ? errno : EIO);
		off += done;
	}
}

static int cat_one(struct session *s, const char *path, char *buf)
{
	struct vnode *vp;
	struct vattr va;
	int st;

	if ((st = sess_lookup(s, path, 1, &vp, &va)) != ST_OK)
		return st;
	if (S_ISDIR(va.va_mode))
		st = sess_err(s, path, EISDIR);
	else
		st = cat_vnode(s, path, vp, buf);
	vrele(vp);
	return st;
}

int cmd_cat(struct session *s, int argc, char **argv)
{
	struct opts o;
	char *buf;
	int i, st;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs == 0)
		return sess_usage(s, "missing operand");
	if ((buf = iobuf_alloc()) == NULL)
		return sess_err(s, NULL, ENOMEM);
	for (i = 0; i < o.nargs; i++)
		if (cat_one(s, o.args[i], buf) != ST_OK)
			st = ST_FAIL;
	free(buf);
	return st;
}
