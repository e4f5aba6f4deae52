/* cmd_rm.c: rm, removing files, and with -r whole trees depth first through the one walker. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/*
 * walk.c visits a directory before its entries and calls leave() after
 * them: files go in visit(), directories in leave(), so each is empty when
 * it is removed. The directory at depth d is held in dirs[d] (one reference
 * from the walker) as the parent of depth d + 1; the top node's parent
 * comes from namei_parent.
 */

struct rm_ctx {
	struct session *s;
	int recursive, force;
	struct vnode *topdvp;
	const char *topname;
	struct vnode *dirs[WALK_MAXDEPTH + 2];
	int st;
};

static struct vnode *rm_parent(struct rm_ctx *r, const struct walk_node *n,
    const char **name)
{
	*name = n->depth ? n->name : r->topname;
	return n->depth ? r->dirs[n->depth - 1] : r->topdvp;
}

static int rm_visit(void *arg, const struct walk_node *n)
{
	struct rm_ctx *r = arg;
	const char *name;
	struct vnode *dvp = rm_parent(r, n, &name);
	int error;

	if (n->vp->v_type == VDIR) {
		if (!r->recursive) {
			r->st = sess_err(r->s, n->path, EISDIR);
			return WALK_SKIP;
		}
		r->dirs[n->depth] = n->vp;
		return WALK_CONTINUE;
	}
	error = dvp->v_op->vop_remove(dvp, name, strlen(name));
	if (error)
		r->st = sess_err(r->s, n->path, error);
	return WALK_SKIP;
}

static void rm_leave(void *arg, const struct walk_node *n)
{
	struct rm_ctx *r = arg;
	const char *name;
	struct vnode *dvp = rm_parent(r, n, &name);
	int error;

	r->dirs[n->depth] = NULL;
	error = dvp->v_op->vop_rmdir(dvp, name, strlen(name));
	if (error)
		r->st = sess_err(r->s, n->path, error);
}

/* "/", "." and ".." are never removed, as rm(1) refuses them. */
static int rm_refused(struct rm_ctx *r, const char *path)
{
	char base[VFS_NAME_MAX + 2];

	path_base(path, base, sizeof(base));
	if (strcmp(base, "/") == 0)
		return sess_errmsg(r->s, path, "refusing to remove the root "
		    "directory");
	if (name_is_dot(base))
		return sess_errmsg(r->s, path, "refusing to remove '.' or "
		    "'..'");
	return ST_OK;
}

static void rm_one(struct rm_ctx *r, const char *path)
{
	struct walk_ops ops = { .visit = rm_visit, .leave = rm_leave,
	    .maxdepth = -1 };
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp, *vp;
	int error;

	if (rm_refused(r, path) != ST_OK) {
		r->st = ST_FAIL;
		return;
	}
	error = path[0] ? namei(r->s->mp, r->s->cwd, path, 0, &vp) : ENOENT;
	if (error) {
		if (!(r->force && error == ENOENT))
			r->st = sess_err(r->s, path, error);
		return;
	}
	if (sess_parent(r->s, path, &dvp, name, sizeof(name)) != ST_OK) {
		r->st = ST_FAIL;
	} else {
		r->topdvp = dvp;
		r->topname = name;
		if (walk(r->s, path, vp, &ops, r) != ST_OK)
			r->st = ST_FAIL;
		vrele(dvp);
	}
	vrele(vp);
}

int cmd_rm(struct session *s, int argc, char **argv)
{
	struct rm_ctx r = { .s = s };
	struct opts o;
	int i;

	if ((r.st = opts_parse(s, argc, argv, "rRf", &o)) != ST_OK)
		return r.st;
	if (o.nargs < 1 && !o.set['f'])
		return sess_usage(s, "missing operand");
	if (o.nargs < 1)
		return ST_OK;
	if (session_writable(s, o.args[0]) != ST_OK)
		return ST_FAIL;
	r.recursive = o.set['r'] || o.set['R'];
	r.force = o.set['f'];
	for (i = 0; i < o.nargs; i++)
		rm_one(&r, o.args[i]);
	return r.st;
}
