/* extract_host.c: extract -C: the image's tree written under a host directory, never outside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/xarchive.h"

/*
 * Safety, as for get: below HOSTDIR every name is created relative to an
 * open directory descriptor (openat, mkdirat, symlinkat, linkat, mknodat),
 * directories are entered with O_NOFOLLOW, files are created with O_EXCL
 * after whatever held the name was removed (never written through), and
 * names are single components (the walker rejects others; the top name is
 * split here and holds no ".."). A symlink this extraction created is thus
 * never followed, whatever the image holds. Hard links name their first
 * path relative to HOSTDIR, resolved the same way.
 */

#define HX_OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int hx_fail(struct hostx *hx, const char *where, const char *name,
    int error)
{
	hx->st = sess_errmsg(hx->s, NULL, "%s/%s: %s", where, name ? name : "",
	    strerror(error));
	return ST_FAIL;
}

int hostx_open(struct session *s, struct hostx *hx, const char *dir)
{
	int i;

	memset(hx, 0, sizeof(*hx));
	hx->s = s;
	hx->root = dir;
	for (i = 0; i < WALK_MAXDEPTH + 2; i++)
		hx->fds[i] = -1;
	hx->umask = umask(0);
	umask(hx->umask);
	hx->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hx->rootfd < 0)
		return sess_errmsg(s, dir, "%s", strerror(errno));
	return ST_OK;
}

void hostx_close(struct hostx *hx)
{
	int i;

	for (i = 0; i < WALK_MAXDEPTH + 2; i++) {
		if (hx->fds[i] >= 0)
			close(hx->fds[i]);
		free(hx->hpath[i]);
		hx->fds[i] = -1;
		hx->hpath[i] = NULL;
	}
	if (hx->rootfd >= 0)
		close(hx->rootfd);
	hx->rootfd = -1;
}

/* The next component of *p ("." and empty ones skipped); NULL at the end. */
static const char *next_comp(const char **p, size_t *len)
{
	const char *c = *p;

	for (;;) {
		while (*c == '/')
			c++;
		*len = strcspn(c, "/");
		if (*len == 0) {
			*p = c;
			return NULL;
		}
		*p = c + *len;
		if (!(*len == 1 && c[0] == '.'))
			return c;
		c += 1;
	}
}

/*
 * Opens the directory that holds the last component of `name` (relative to
 * HOSTDIR): *last gets that component (malloc'd; NULL if the name is HOSTDIR
 * itself). create: make missing directories (mode 0777 less the umask).
 */
static int hx_parent(struct hostx *hx, const char *name, int create,
    int *pfd, char **last)
{
	const char *p = name, *c, *n;
	size_t len, nlen;
	int fd = dup(hx->rootfd), nfd;
	char comp[VFS_NAME_MAX + 1];

	*last = NULL;
	if (fd < 0)
		return errno;
	for (c = next_comp(&p, &len); c != NULL; c = n, len = nlen) {
		n = next_comp(&p, &nlen);
		if (len > VFS_NAME_MAX || (len == 2 && c[0] == '.' && c[1] == '.')) {
			close(fd);
			return EINVAL;
		}
		memcpy(comp, c, len);
		comp[len] = '\0';
		if (n == NULL)
			break;
		if (create && mkdirat(fd, comp, 0777 & ~hx->umask) != 0 &&
		    errno != EEXIST) {
			close(fd);
			return errno;
		}
		nfd = openat(fd, comp, HX_OPEN_DIR);
		close(fd);
		if (nfd < 0)
			return errno == ELOOP ? ENOTDIR : errno;
		fd = nfd;
	}
	if (c != NULL && (*last = strdup(comp)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	*pfd = fd;
	return 0;
}

/* Removes a non-directory at (dfd, name) so a new node can take the name. */
static int clear_name(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	return unlinkat(dfd, name, 0) != 0 && errno != ENOENT ? errno : 0;
}

static void hx_xattrs(struct hostx *hx, int fd, const char *where,
    const char *name, struct archive_entry *e)
{
	const char *xn;
	const void *v;
	size_t len;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &v, &len) == ARCHIVE_OK)
		if (fd >= 0 && fsetxattr(fd, xn, v, len, 0) != 0)
			hx_fail(hx, where, name, errno);
}

/* Owner, mode, times, xattrs of what was just made at (dfd, name) or fd. */
static void hx_attrs(struct hostx *hx, int dfd, const char *name, int fd,
    const struct vattr *va, const char *where, struct archive_entry *e)
{
	int error = host_set_attrs(dfd, name, fd, va, 1);

	if (error == 0 && fd < 0 && !S_ISLNK(va->va_mode) &&
	    fchmodat(dfd, name, va->va_mode & 07777, 0) != 0)
		error = errno;
	if (error)
		hx_fail(hx, where, name, error);
	hx_xattrs(hx, fd, where, name, e);
}

static int hx_link(struct hostx *hx, int dfd, const char *name,
    const char *first)
{
	char *last;
	int pfd, error = hx_parent(hx, first, 0, &pfd, &last);

	if (error)
		return error;
	if (last == NULL)
		error = EPERM;
	else if (linkat(pfd, last, dfd, name, 0) != 0)
		error = errno;
	free(last);
	close(pfd);
	return error;
}

/* A file's data from the image; holes stay holes. */
static int hx_file(struct hostx *hx, const struct walk_node *n, int dfd,
    const char *name, const char *where, struct archive_entry *e)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);

	if (fd < 0)
		return errno;
	if (host_write_file(hx->s, n->path, n->vp, fd, n->va->va_size) != ST_OK)
		hx->st = ST_FAIL;
	hx_attrs(hx, dfd, name, fd, n->va, where, e);
	if (close(fd) != 0)
		return errno;
	return 0;
}

/* Every non-directory kind; the name is free when this is called. */
static int hx_make(struct hostx *hx, const struct walk_node *n, int dfd,
    const char *name, const char *where, struct archive_entry *e)
{
	mode_t m = n->va->va_mode;
	const char *hl = archive_entry_hardlink(e);

	if (hl != NULL)
		return hx_link(hx, dfd, name, hl);
	if (S_ISREG(m))
		return hx_file(hx, n, dfd, name, where, e);
	if (S_ISLNK(m)) {
		if (symlinkat(archive_entry_symlink(e), dfd, name) != 0)
			return errno;
	} else if (mknodat(dfd, name, (m & S_IFMT) | 0600,
	    makedev(n->va->va_rdev_major, n->va->va_rdev_minor)) != 0) {
		return errno;
	}
	hx_attrs(hx, dfd, name, -1, n->va, where, e);
	return 0;
}

/* Creates or reuses the directory and keeps it open for its children. */
static int hx_dir(struct hostx *hx, int d, int dfd, const char *name,
    const char *where)
{
	struct stat st;
	int fd;

	if (name == NULL) {
		fd = dup(dfd);
	} else {
		if (mkdirat(dfd, name, 0700) != 0 && errno == EEXIST &&
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) && (unlinkat(dfd, name, 0) != 0 ||
		    mkdirat(dfd, name, 0700) != 0))
			return errno;
		fd = openat(dfd, name, HX_OPEN_DIR);
	}
	if (fd < 0)
		return errno;
	hx->fds[d] = fd;
	hx->hpath[d] = name ? path_join(where, name) : strdup(where);
	return 0;
}

/*
 * Writes node n, whose archive name is `name` (at depth 0 a relative path,
 * below that n->name in the directory of depth-1). Returns WALK_SKIP for a
 * directory that could not be made.
 */
int hostx_node(struct hostx *hx, const struct walk_node *n, const char *name,
    struct archive_entry *e)
{
	int d = n->depth, dfd, owned = 0, error;
	const char *where = d ? hx->hpath[d - 1] : hx->root;
	char *top = NULL;

	if (d == 0) {
		if ((error = hx_parent(hx, name, 1, &dfd, &top)) != 0)
			return hx_fail(hx, hx->root, name, error), WALK_SKIP;
		owned = 1;
		name = top;
	} else {
		dfd = hx->fds[d - 1];
		name = n->name;
	}
	if (S_ISDIR(n->va->va_mode))
		error = hx_dir(hx, d, dfd, name, where);
	else if ((error = clear_name(dfd, name)) == 0)
		error = hx_make(hx, n, dfd, name, where, e);
	if (error)
		hx_fail(hx, where, name, error);
	if (owned)
		close(dfd);
	free(top);
	return error && S_ISDIR(n->va->va_mode) ? WALK_SKIP : WALK_CONTINUE;
}

/* After a directory's contents: its owner, mode, times and xattrs. */
void hostx_leave(struct hostx *hx, const struct walk_node *n,
    struct archive_entry *e)
{
	int d = n->depth;

	if (hx->fds[d] < 0)
		return;
	hx_attrs(hx, -1, NULL, hx->fds[d], n->va, hx->hpath[d], e);
	close(hx->fds[d]);
	hx->fds[d] = -1;
	free(hx->hpath[d]);
	hx->hpath[d] = NULL;
}
