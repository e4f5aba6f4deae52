/* walk.c: reading a directory into a sorted list, and the one recursive tree walker. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/*
 * A hostile image can name an entry "a/b", repeat ".", or link a directory
 * into itself. The walker therefore: rejects names that could not be a path
 * component (reported, skipped); never descends "." or ".."; keeps the inode
 * numbers of the directories on the current path and refuses to enter one of
 * them again; and stops at WALK_MAXDEPTH levels. Each level holds one vnode
 * reference (its directory), released before the level returns.
 */

#define DIRLIST_MAX (1u << 24)   /* entries of one directory we will hold */

int name_is_dot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' ||
	    (name[1] == '.' && name[2] == '\0'));
}

struct fill_ctx {
	struct dirlist *dl;
	int dots;
	int bad;                 /* an entry with an impossible name was seen */
	int error;
	char badname[64];
};

static int dl_add(struct dirlist *dl, const char *name, size_t len,
    uint64_t ino, enum vtype type)
{
	struct dirent_rec *ne, *e;

	if (dl->n == dl->cap) {
		if (dl->cap >= DIRLIST_MAX)
			return EFBIG;
		dl->cap = dl->cap ? dl->cap * 2 : 32;
		if ((ne = realloc(dl->ents, dl->cap * sizeof(*ne))) == NULL)
			return ENOMEM;
		dl->ents = ne;
	}
	e = &dl->ents[dl->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strndup(name, len)) == NULL)
		return ENOMEM;
	e->ino = ino;
	e->type = type;
	dl->n++;
	return 0;
}

/* Keeps a printable copy of a rejected name for the message. */
static void note_bad(struct fill_ctx *fc, const char *name, size_t len)
{
	size_t i, n = len < sizeof(fc->badname) - 1 ? len :
	    sizeof(fc->badname) - 1;

	for (i = 0; i < n; i++)
		fc->badname[i] = (name[i] < 0x20 && name[i] >= 0) ||
		    name[i] == 0x7f ? '?' : name[i];
	fc->badname[n] = '\0';
	fc->bad = 1;
}

static int fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct fill_ctx *fc = arg;
	int dot = (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.');

	if (len == 0 || memchr(name, '/', len) || memchr(name, '\0', len)) {
		note_bad(fc, name, len);
		return 0;
	}
	if (dot && !fc->dots)
		return 0;
	fc->error = dl_add(fc->dl, name, len, ino, type);
	return fc->error != 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct dirent_rec *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Adds "." and ".." when the driver's readdir has none (FAT's root). */
static int add_dots(struct dirlist *dl, uint64_t ino)
{
	int have_dot = 0, have_dotdot = 0, error = 0;
	size_t i;

	for (i = 0; i < dl->n; i++) {
		have_dot |= strcmp(dl->ents[i].name, ".") == 0;
		have_dotdot |= strcmp(dl->ents[i].name, "..") == 0;
	}
	if (!have_dot)
		error = dl_add(dl, ".", 1, ino, VDIR);
	if (!error && !have_dotdot)
		error = dl_add(dl, "..", 2, 0, VDIR);
	return error;
}

/* Calls readdir until the cookie stops moving (a driver may stop early). */
static int read_entries(struct vnode *dvp, struct fill_ctx *fc)
{
	uint64_t cookie = 0, before;
	unsigned long calls = 0;
	int error;

	do {
		before = cookie;
		error = VOP_READDIR(dvp, &cookie, fill, fc);
		if (fc->error)
			return fc->error;
	} while (error == 0 && cookie != before && ++calls < DIRLIST_MAX);
	return error;
}

/*
 * The vnode an entry of directory dvp names, by the inode number readdir
 * gave: that spares a driver's name search per entry, quadratic in a huge
 * directory. "." and "..", entries without a number or type, and a node
 * whose type is not the one readdir said are looked up by name after all.
 */
int dirent_vnode(struct session *s, struct vnode *dvp,
    const struct dirent_rec *e, struct vnode **vpp)
{
	if (e->ino != 0 && e->type != VNON && !name_is_dot(e->name) &&
	    vfs_vget(s->mp, e->ino, vpp) == 0) {
		if ((*vpp)->v_type == e->type)
			return 0;
		vrele(*vpp);
	}
	return VOP_LOOKUP(dvp, e->name, strlen(e->name), vpp);
}

/* Fills each entry's attributes (ls); a failing one is reported and dropped. */
static int fill_attrs(struct session *s, const char *path, struct vnode *dvp,
    struct dirlist *dl)
{
	struct vnode *vp;
	size_t i, j = 0;
	char *p;
	int st = ST_OK, error;

	for (i = 0; i < dl->n; i++) {
		struct dirent_rec *e = &dl->ents[i];
		error = dirent_vnode(s, dvp, e, &vp);
		if (error == 0) {
			error = VOP_GETATTR(vp, &e->va);
			vrele(vp);
		}
		if (error) {
			p = path_join(path, e->name);
			st = sess_err(s, p ? p : e->name, error);
			free(p);
			free(e->name);
			continue;
		}
		e->have_va = 1;
		dl->ents[j++] = *e;
	}
	dl->n = j;
	return st;
}

/*
 * Reads directory dvp (named path) into dl, sorted bytewise by name.
 * dots: keep "." and ".."; attrs: getattr each entry. Problems are
 * reported; returns ST_OK or ST_FAIL, with dl holding what could be read.
 */
int dirlist_read(struct session *s, const char *path, struct vnode *dvp,
    int dots, int attrs, struct dirlist *dl)
{
	struct fill_ctx fc = { .dl = dl, .dots = dots };
	int st = ST_OK, error;

	memset(dl, 0, sizeof(*dl));
	error = read_entries(dvp, &fc);
	if (error == 0 && dots)
		error = add_dots(dl, dvp->v_ino);
	if (error)
		st = sess_err(s, path, error);
	if (fc.bad)
		st = sess_errmsg(s, path, "entry with an invalid name '%s' "
		    "skipped", fc.badname);
	if (dl->n > 1)
		qsort(dl->ents, dl->n, sizeof(dl->ents[0]), ent_cmp);
	if (attrs && fill_attrs(s, path, dvp, dl) != ST_OK)
		st = ST_FAIL;
	return st;
}

void dirlist_free(struct dirlist *dl)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		free(dl->ents[i].name);
	free(dl->ents);
	memset(dl, 0, sizeof(*dl));
}

/* The state of one walk: the directories on the current path. */
struct walker {
	struct session *s;
	const struct walk_ops *ops;
	void *arg;
	uint64_t stack[WALK_MAXDEPTH + 1];
	int st;
};

static void walk_node(struct walker *w, struct walk_node *n);

static int child_vnode(struct walker *w, const struct walk_node *n,
    const struct dirent_rec *e, struct vnode **vpp)
{
	if (w->ops->byino)
		return dirent_vnode(w->s, n->vp, e, vpp);
	return VOP_LOOKUP(n->vp, e->name, strlen(e->name), vpp);
}

/* Visits the children of directory n, whose entries are in dl. */
static void walk_children(struct walker *w, const struct walk_node *n,
    const struct dirlist *dl)
{
	struct walk_node c;
	struct vattr va;
	size_t i;
	int error;

	for (i = 0; i < dl->n; i++) {
		const char *name = dl->ents[i].name;
		if (name_is_dot(name))
			continue;
		c.path = path_join(n->path, name);
		if (c.path == NULL) {
			w->st = sess_err(w->s, n->path, ENOMEM);
			return;
		}
		error = child_vnode(w, n, &dl->ents[i], &c.vp);
		if (error == 0 && (error = VOP_GETATTR(c.vp, &va)) != 0)
			vrele(c.vp);
		if (error) {
			w->st = sess_err(w->s, c.path, error);
		} else {
			c.name = name;
			c.va = &va;
			c.depth = n->depth + 1;
			walk_node(w, &c);
			vrele(c.vp);
		}
		free((char *)c.path);
	}
}

/* May the walk enter directory n? Reports why not. */
static int may_descend(struct walker *w, const struct walk_node *n)
{
	int i;

	if (w->ops->maxdepth >= 0 && n->depth >= w->ops->maxdepth)
		return 0;
	if (n->depth >= WALK_MAXDEPTH) {
		w->st = sess_errmsg(w->s, n->path, "directory tree deeper "
		    "than %d levels; not descending", WALK_MAXDEPTH);
		return 0;
	}
	for (i = 0; i < n->depth; i++)
		if (w->stack[i] == n->va->va_ino) {
			w->st = sess_errmsg(w->s, n->path, "directory loop: "
			    "same inode (%llu) as an enclosing directory; "
			    "not descending", (unsigned long long)n->va->va_ino);
			return 0;
		}
	return 1;
}

static void walk_node(struct walker *w, struct walk_node *n)
{
	struct dirlist dl;
	int r = WALK_CONTINUE;

	if (w->ops->visit)
		r = w->ops->visit(w->arg, n);
	if (r == WALK_SKIP || n->vp->v_type != VDIR ||
	    !S_ISDIR(n->va->va_mode))
		return;
	if (may_descend(w, n)) {
		w->stack[n->depth] = n->va->va_ino;
		if (dirlist_read(w->s, n->path, n->vp, w->ops->dots,
		    w->ops->attrs, &dl) != ST_OK)
			w->st = ST_FAIL;
		if (w->ops->dir)
			w->ops->dir(w->arg, n, &dl);
		walk_children(w, n, &dl);
		dirlist_free(&dl);
	}
	if (w->ops->leave)
		w->ops->leave(w->arg, n);
}

/*
 * Walks the tree at vp (named path, attributes looked up here), depth first,
 * children in name order. Returns ST_FAIL if anything was reported.
 */
int walk(struct session *s, const char *path, struct vnode *vp,
    const struct walk_ops *ops, void *arg)
{
	struct walker w = { .s = s, .ops = ops, .arg = arg, .st = ST_OK };
	struct walk_node n;
	struct vattr va;
	int error;

	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return sess_err(s, path, error);
	n.path = path;
	n.name = path;
	n.vp = vp;
	n.va = &va;
	n.depth = 0;
	walk_node(&w, &n);
	return w.st;
}
