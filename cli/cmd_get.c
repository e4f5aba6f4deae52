/* cmd_get.c: get, copying image files, trees and symlinks out to the host, never outside HOSTDEST. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/*
 * Safety: every host name below the destination is created relative to an
 * open directory descriptor (openat, mkdirat, symlinkat) with O_NOFOLLOW,
 * and the walker only hands out names that are single path components. A
 * symlink the copy itself created (or one already there) is replaced, never
 * followed, so a hostile image cannot make get write outside HOSTDEST.
 * Only HOSTDEST itself, which the user named, is resolved normally.
 */

struct get_ctx {
	struct session *s;
	int recursive, keep;
	mode_t umask;
	int topfd;               /* the directory that receives the top node */
	const char *topname;     /* its name there; NULL: topfd itself */
	const char *tophost;     /* the top node's host path, for messages */
	int follow_top;          /* the user named the top's host path itself */
	int fds[WALK_MAXDEPTH + 2];     /* host directory at each depth */
	char *hpath[WALK_MAXDEPTH + 2]; /* its host path */
	int created[WALK_MAXDEPTH + 2];
	int st;
};

static int host_fail(struct get_ctx *g, const char *hpath, int error)
{
	g->st = sess_errmsg(g->s, hpath, "%s", strerror(error));
	return g->st;
}

/*
 * Makes room for a new non-directory at (dfd, name): an existing
 * non-directory is removed (never written through); a directory is an error.
 * follow: the user named this path, so a symlink there is looked through.
 */
static int clear_slot(int dfd, const char *name, int follow, int keep_reg)
{
	struct stat st;

	if (fstatat(dfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (keep_reg && S_ISREG(st.st_mode))
		return 0;
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		return errno;
	return 0;
}

static void get_file(struct get_ctx *g, const struct walk_node *n, int dfd,
    const char *name, const char *hpath)
{
	int follow = n->depth == 0 && g->follow_top, fd, error;
	mode_t mode = n->va->va_mode & 0777;

	/* The common case, a new name, costs one call; what is already there
	 * is looked at only when the exclusive create says something is. */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST) {
		if ((error = clear_slot(dfd, name, follow, 1)) != 0) {
			host_fail(g, hpath, error);
			return;
		}
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), mode);
	}
	if (fd < 0) {
		host_fail(g, hpath, errno);
		return;
	}
	if (host_write_file(g->s, n->path, n->vp, fd, n->va->va_size) != ST_OK)
		g->st = ST_FAIL;
	else if ((error = host_set_attrs(dfd, name, fd, n->va, g->keep)) != 0)
		host_fail(g, hpath, error);
	if (close(fd) != 0)
		host_fail(g, hpath, errno);
}

static void get_symlink(struct get_ctx *g, const struct walk_node *n,
    int dfd, const char *name, const char *hpath)
{
	char *target;
	int error;

	if ((error = sess_readlink(g->s, n->vp, &target)) != 0) {
		g->st = sess_err(g->s, n->path, error);
		return;
	}
	error = clear_slot(dfd, name, 0, 0);
	if (error == 0 && symlinkat(target, dfd, name) != 0)
		error = errno;
	if (error == 0)
		error = host_set_attrs(dfd, name, -1, n->va, g->keep);
	if (error)
		host_fail(g, hpath, error);
	free(target);
}

static void get_fifo(struct get_ctx *g, const struct walk_node *n, int dfd,
    const char *name, const char *hpath)
{
	int error = clear_slot(dfd, name, 0, 0);

	if (error == 0 && mkfifoat(dfd, name, n->va->va_mode & 0777) != 0)
		error = errno;
	if (error == 0)
		error = host_set_attrs(dfd, name, -1, n->va, g->keep);
	if (error)
		host_fail(g, hpath, error);
}

/* Creates (or reuses) the directory and opens it for its children. */
static int get_dir(struct get_ctx *g, const struct walk_node *n, int dfd,
    const char *name, const char *hpath)
{
	int d = n->depth, follow = d == 0 && g->follow_top, fd;
	struct stat st;

	g->created[d] = 0;
	if (name == NULL) {
		fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (mkdirat(dfd, name, 0700) == 0)
			g->created[d] = 1;
		else if (errno != EEXIST)
			return host_fail(g, hpath, errno);
		else if (fstatat(dfd, name, &st, follow ? 0 :
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			if (follow || unlinkat(dfd, name, 0) != 0 ||
			    mkdirat(dfd, name, 0700) != 0)
				return host_fail(g, hpath, follow ? ENOTDIR :
				    errno);
			g->created[d] = 1;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    (follow ? 0 : O_NOFOLLOW));
	}
	if (fd < 0)
		return host_fail(g, hpath, errno);
	g->fds[d] = fd;
	if ((g->hpath[d] = strdup(hpath)) == NULL) {
		close(fd);
		g->fds[d] = -1;
		return host_fail(g, hpath, ENOMEM);
	}
	return ST_OK;
}

static int get_visit(void *arg, const struct walk_node *n)
{
	struct get_ctx *g = arg;
	int d = n->depth, dfd = d ? g->fds[d - 1] : g->topfd;
	const char *name = d ? n->name : g->topname;
	char *hpath = d ? path_join(g->hpath[d - 1], name) :
	    strdup(g->tophost);
	mode_t type = n->va->va_mode & S_IFMT;
	int r = WALK_SKIP;

	if (hpath == NULL) {
		g->st = sess_err(g->s, n->path, ENOMEM);
		return WALK_SKIP;
	}
	if (type == S_IFDIR && n->vp->v_type == VDIR) {
		if (!g->recursive)
			g->st = sess_errmsg(g->s, n->path, "is a directory "
			    "(use get -r)");
		else if (get_dir(g, n, dfd, name, hpath) == ST_OK)
			r = WALK_CONTINUE;
	} else if (type == S_IFREG) {
		get_file(g, n, dfd, name, hpath);
	} else if (type == S_IFLNK) {
		get_symlink(g, n, dfd, name, hpath);
	} else if (type == S_IFIFO) {
		get_fifo(g, n, dfd, name, hpath);
	} else {
		g->st = sess_errmsg(g->s, n->path, "special file not copied");
	}
	free(hpath);
	return r;
}

/* After a directory's contents: its mode (and with -p owner, times). */
static void get_leave(void *arg, const struct walk_node *n)
{
	struct get_ctx *g = arg;
	int d = n->depth, error = 0;

	if (g->keep)
		error = host_set_attrs(-1, NULL, g->fds[d], n->va, 1);
	else if (g->created[d] &&
	    fchmod(g->fds[d], n->va->va_mode & 0777 & ~g->umask) != 0)
		error = errno;
	if (error)
		host_fail(g, g->hpath[d], error);
	close(g->fds[d]);
	g->fds[d] = -1;
	free(g->hpath[d]);
	g->hpath[d] = NULL;
}

/* The directory part of a host path ("a/b" -> "a", "b" -> ".", "/b" -> "/"). */
static char *host_dirname(const char *path)
{
	size_t len = strlen(path);
	char *d;

	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return strdup(".");
	if ((d = strndup(path, len)) == NULL)
		return NULL;
	return d;
}

/* Where the top node goes: into dest if it is a directory, else as dest. */
static int get_target(struct get_ctx *g, const char *src, const char *dest,
    int destdir, char **tophost, char *base, size_t basesize)
{
	char *dir;

	if (destdir) {
		path_base(src, base, basesize);
		g->topname = name_is_dot(base) || strcmp(base, "/") == 0 ?
		    NULL : base;
		*tophost = g->topname ? path_join(dest, base) : strdup(dest);
		dir = strdup(dest);
		g->follow_top = 0;
	} else {
		g->topname = path_base(dest, base, basesize);
		*tophost = strdup(dest);
		dir = host_dirname(dest);
		g->follow_top = 1;
	}
	if (*tophost == NULL || dir == NULL) {
		free(dir);
		return ENOMEM;
	}
	g->tophost = *tophost;
	g->topfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return g->topfd < 0 ? errno : 0;
}

static void get_one(struct get_ctx *g, const char *src, const char *dest,
    int destdir)
{
	struct walk_ops ops = { .visit = get_visit, .leave = get_leave,
	    .maxdepth = -1, .byino = 1 };
	char base[VFS_NAME_MAX + 2], *tophost = NULL;
	struct vnode *vp;
	struct vattr va;
	int error;

	if (sess_lookup(g->s, src, 0, &vp, &va) != ST_OK) {
		g->st = ST_FAIL;
		return;
	}
	error = get_target(g, src, dest, destdir, &tophost, base, sizeof(base));
	if (error == 0 && g->topname == NULL && !S_ISDIR(va.va_mode))
		error = EISDIR;
	if (error)
		host_fail(g, tophost ? tophost : dest, error);
	else if (walk(g->s, src, vp, &ops, g) != ST_OK)
		g->st = ST_FAIL;
	if (g->topfd >= 0)
		close(g->topfd);
	g->topfd = -1;
	free(tophost);
	vrele(vp);
}

int cmd_get(struct session *s, int argc, char **argv)
{
	struct get_ctx g = { .s = s, .topfd = -1 };
	struct stat st;
	struct opts o;
	const char *dest;
	int i, destdir;

	if ((g.st = opts_parse(s, argc, argv, "rp", &o)) != ST_OK)
		return g.st;
	if (o.nargs < 2)
		return sess_usage(s, o.nargs ? "missing destination" :
		    "missing operand");
	g.recursive = o.set['r'];
	g.keep = o.set['p'];
	g.umask = umask(0);
	umask(g.umask);
	for (i = 0; i < WALK_MAXDEPTH + 2; i++)
		g.fds[i] = -1;
	dest = o.args[o.nargs - 1];
	destdir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
	if (o.nargs > 2 && !destdir)
		return sess_errmsg(s, dest, "%s", strerror(ENOTDIR));
	for (i = 0; i < o.nargs - 1; i++)
		get_one(&g, o.args[i], dest, destdir);
	return g.st;
}
