/* cmd_put.c: put, copying host files, trees, symlinks, hard links and (with -p) special files and xattrs into the image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli.h"

/*
 * The host tree is read relative to open directory descriptors (openat,
 * fstatat without following, O_NOFOLLOW), so a symlink below a source is
 * copied as a symlink, never followed. Host files with several links are
 * remembered by (dev, ino): the second name becomes a hard link to the
 * first copy.
 */

struct put_ctx {
	struct session *s;
	int recursive, keep;
	int noxattr;             /* the image keeps no xattrs: stop trying */
	mode_t umask;
	struct linkmap links;
	int st;
};

/* A host object being copied: where it is and where it goes. */
struct put_item {
	int hdir;                /* host directory holding hname */
	const char *hname;
	const char *hpath;       /* for messages */
	struct stat st;
	struct vnode *dvp;       /* image directory receiving name */
	const char *name;
	const char *ipath;
	int depth;
};

static void put_node(struct put_ctx *p, struct put_item *it);

/* A host source: a file read at offsets, or a fifo or device read in order. */
struct host_src {
	int fd;
	int stream;
};

static int host_read(void *arg, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct host_src *h = arg;
	ssize_t r;

	do
		r = h->stream ? read(h->fd, buf, len) :
		    pread(h->fd, buf, len, (off_t)off);
	while (r < 0 && errno == EINTR);
	*done = r > 0 ? (size_t)r : 0;
	return r < 0 ? errno : 0;
}

/* SEEK_DATA/SEEK_HOLE: the next data region of a sparse host file. */
static int host_data(void *arg, uint64_t off, uint64_t *start, uint64_t *end)
{
	int fd = ((struct host_src *)arg)->fd;
	off_t d, h;

	if ((d = lseek(fd, (off_t)off, SEEK_DATA)) < 0)
		return errno == ENXIO ? ENXIO : 0;   /* 0: treat all as data */
	if ((h = lseek(fd, d, SEEK_HOLE)) < 0)
		return errno;
	*start = (uint64_t)d;
	*end = (uint64_t)h;
	return 0;
}

/* The attributes -p keeps, from the host's stat. */
static void va_from_stat(const struct stat *st, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->va_mode = st->st_mode;
	va->va_uid = st->st_uid;
	va->va_gid = st->st_gid;
	va->va_atime = st->st_atim;
	va->va_mtime = st->st_mtim;
}

/* Without -p: the source's permissions less the umask (no set-id bits). */
static mode_t new_mode(struct put_ctx *p, const struct stat *st)
{
	if (p->keep)
		return st->st_mode;
	return (st->st_mode & S_IFMT) | (st->st_mode & 0777 & ~p->umask);
}

static void put_attrs(struct put_ctx *p, struct put_item *it,
    struct vnode *vp)
{
	struct vattr va;

	va_from_stat(&it->st, &va);
	if (p->keep && put_xattrs(p->s, it->hdir, it->hname, it->ipath, vp,
	    &p->noxattr) != ST_OK)
		p->st = ST_FAIL;
	if (p->keep && img_setattr(p->s, vp, it->ipath, &va,
	    img_keep_bits(it->st.st_mode)) != ST_OK)
		p->st = ST_FAIL;
}

static void put_file(struct put_ctx *p, struct put_item *it)
{
	struct img_node nd = { .mode = new_mode(p, &it->st) & ~S_IFMT };
	struct copy_src src = { .read = host_read, .size = it->st.st_size,
	    .host = 1, .path = it->hpath };
	struct host_src h;
	struct vnode *vp;

	nd.mode |= S_IFREG;
	h.fd = openat(it->hdir, it->hname, O_RDONLY | O_CLOEXEC |
	    (it->depth > 0 ? O_NOFOLLOW : 0));
	if (h.fd < 0) {
		p->st = sess_errmsg(p->s, it->hpath, "%s", strerror(errno));
		return;
	}
	src.arg = &h;
	h.stream = !S_ISREG(it->st.st_mode);
	/* a sparse file: skip its holes, and the zero blocks in its data */
	if (!h.stream &&
	    (uint64_t)it->st.st_blocks * 512 < (uint64_t)it->st.st_size) {
		src.sparse = 1;
		src.data = host_data;
	}
	if (h.stream)
		src.size = UINT64_MAX;   /* a device or fifo: read to its end */
	if (img_make(p->s, it->dvp, it->name, it->ipath, &nd, &vp) != ST_OK) {
		p->st = ST_FAIL;
	} else {
		if (img_copy_data(p->s, it->ipath, vp, &src) != ST_OK)
			p->st = ST_FAIL;
		else
			put_attrs(p, it, vp);
		if (it->st.st_nlink > 1 && S_ISREG(it->st.st_mode) &&
		    linkmap_add(&p->links, it->st.st_dev, it->st.st_ino,
		    vp->v_ino) != 0)
			p->st = sess_err(p->s, it->ipath, ENOMEM);
		vrele(vp);
	}
	close(h.fd);
}

static void put_symlink(struct put_ctx *p, struct put_item *it)
{
	char target[VFS_PATH_MAX + 1];
	struct img_node nd = { .mode = S_IFLNK | 0777, .target = target };
	struct vnode *vp;
	ssize_t n;

	n = readlinkat(it->hdir, it->hname, target, sizeof(target));
	if (n < 0 || (size_t)n >= sizeof(target)) {
		p->st = sess_errmsg(p->s, it->hpath, "%s",
		    strerror(n < 0 ? errno : ENAMETOOLONG));
		return;
	}
	target[n] = '\0';
	if (img_make(p->s, it->dvp, it->name, it->ipath, &nd, &vp) != ST_OK) {
		p->st = ST_FAIL;
		return;
	}
	put_attrs(p, it, vp);
	vrele(vp);
}

/* Fifos and device nodes: made again with -p; named alone, read as data. */
static void put_special(struct put_ctx *p, struct put_item *it)
{
	struct img_node nd = { .mode = it->st.st_mode,
	    .major = major(it->st.st_rdev), .minor = minor(it->st.st_rdev) };
	struct vnode *vp;

	if (S_ISSOCK(it->st.st_mode)) {
		p->st = sess_errmsg(p->s, it->hpath, "socket not copied");
	} else if (!p->keep && it->depth == 0) {
		put_file(p, it);
	} else if (!p->keep) {
		p->st = sess_errmsg(p->s, it->hpath, "special file not copied "
		    "(use put -p)");
	} else if (img_make(p->s, it->dvp, it->name, it->ipath, &nd, &vp) !=
	    ST_OK) {
		p->st = ST_FAIL;
	} else {
		put_attrs(p, it, vp);
		vrele(vp);
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in host directory fd, sorted, without "." and ".."; NULL-ended. */
static char **host_names(int fd, int *error)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de = NULL;
	char **v = calloc(1, sizeof(*v)), **nv;
	size_t n = 0, cap = 1;

	*error = d == NULL ? errno : v == NULL ? ENOMEM : 0;
	while (*error == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (name_is_dot(de->d_name))
			continue;
		if (n + 2 > cap) {
			cap *= 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				*error = ENOMEM;
			else
				v = nv;
		}
		if (*error == 0 && (v[n] = strdup(de->d_name)) == NULL)
			*error = ENOMEM;
		if (*error == 0)
			v[++n] = NULL;
	}
	if (*error == 0 && errno != 0)
		*error = errno;
	if (d != NULL)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	return v;
}

/* Copies the entries of host directory dir into image directory dvp. */
static void put_children(struct put_ctx *p, struct put_item *dir,
    struct vnode *dvp)
{
	struct put_item c;
	char **names;
	int fd, error;
	size_t i;

	fd = openat(dir->hdir, dir->hname, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    (dir->depth > 0 ? O_NOFOLLOW : 0));
	if (fd < 0) {
		p->st = sess_errmsg(p->s, dir->hpath, "%s", strerror(errno));
		return;
	}
	names = host_names(fd, &error);
	if (error)
		p->st = sess_errmsg(p->s, dir->hpath, "%s", strerror(error));
	for (i = 0; names && names[i]; i++) {
		memset(&c, 0, sizeof(c));
		c.hdir = fd;
		c.hname = c.name = names[i];
		c.hpath = path_join(dir->hpath, names[i]);
		c.ipath = path_join(dir->ipath, names[i]);
		c.dvp = dvp;
		c.depth = dir->depth + 1;
		if (c.hpath && c.ipath)
			put_node(p, &c);
		else
			p->st = sess_err(p->s, dir->ipath, ENOMEM);
		free((char *)c.hpath);
		free((char *)c.ipath);
		free(names[i]);
	}
	free(names);
	close(fd);
}

/* A directory: made (or reused), filled, then given -p's owner and times. */
static void put_dir(struct put_ctx *p, struct put_item *it)
{
	struct img_node nd = { .mode = new_mode(p, &it->st) };
	struct vnode *vp;

	if (!p->recursive) {
		p->st = sess_errmsg(p->s, it->hpath, "is a directory (use "
		    "put -r)");
		return;
	}
	if (it->depth >= WALK_MAXDEPTH) {
		p->st = sess_errmsg(p->s, it->hpath, "directory tree deeper "
		    "than %d levels; not descending", WALK_MAXDEPTH);
		return;
	}
	/* owner-writable while filled, like cp; the real mode at the end */
	nd.mode |= S_IRWXU;
	if (img_make(p->s, it->dvp, it->name, it->ipath, &nd, &vp) != ST_OK) {
		p->st = ST_FAIL;
		return;
	}
	put_children(p, it, vp);
	if (p->keep)
		put_attrs(p, it, vp);
	else if ((new_mode(p, &it->st) & S_IRWXU) != S_IRWXU) {
		struct vattr va = { .va_mode = new_mode(p, &it->st) };
		if (img_setattr(p->s, vp, it->ipath, &va, VA_MODE) != ST_OK)
			p->st = ST_FAIL;
	}
	vrele(vp);
}

/* A second name of a host file already copied: a hard link in the image. */
static int put_hardlink(struct put_ctx *p, struct put_item *it)
{
	uint64_t ino;
	int error;

	if (!S_ISREG(it->st.st_mode) || it->st.st_nlink < 2)
		return 0;
	ino = linkmap_find(&p->links, it->st.st_dev, it->st.st_ino);
	if (ino == 0)
		return 0;
	error = img_link(p->s, it->dvp, it->name, ino);
	if (error == EOPNOTSUPP)
		return 0;     /* no hard links here (FAT): a copy instead */
	if (error)
		p->st = sess_err(p->s, it->ipath, error);
	return 1;
}

static void put_node(struct put_ctx *p, struct put_item *it)
{
	if (fstatat(it->hdir, it->hname, &it->st, AT_SYMLINK_NOFOLLOW) != 0) {
		p->st = sess_errmsg(p->s, it->hpath, "%s", strerror(errno));
		return;
	}
	if (put_hardlink(p, it))
		return;
	if (S_ISDIR(it->st.st_mode))
		put_dir(p, it);
	else if (S_ISREG(it->st.st_mode))
		put_file(p, it);
	else if (S_ISLNK(it->st.st_mode))
		put_symlink(p, it);
	else
		put_special(p, it);
}

/*
 * One source. Into an existing directory dvp it goes as DIR/basename, or,
 * when it is "." or "/" (nothing to name it by), its contents go into DIR
 * itself, as with cp -r. Otherwise it goes as (dvp, name).
 */
static void put_one(struct put_ctx *p, const char *src, struct vnode *dvp,
    const char *name, const char *ipath)
{
	char base[VFS_NAME_MAX + 2];
	struct put_item it = { .hdir = AT_FDCWD, .hname = src, .hpath = src,
	    .dvp = dvp, .name = name, .ipath = ipath };
	char *path = NULL;

	if (name == NULL) {
		path_base(src, base, sizeof(base));
		if (name_is_dot(base) || strcmp(base, "/") == 0) {
			if (stat(src, &it.st) != 0)
				p->st = sess_errmsg(p->s, src, "%s",
				    strerror(errno));
			else if (!p->recursive)
				p->st = sess_errmsg(p->s, src, "is a directory "
				    "(use put -r)");
			else
				put_children(p, &it, dvp);
			return;
		}
		it.name = base;
		it.ipath = path = path_join(ipath, base);
		if (path == NULL) {
			p->st = sess_err(p->s, ipath, ENOMEM);
			return;
		}
	}
	put_node(p, &it);
	free(path);
}

int cmd_put(struct session *s, int argc, char **argv)
{
	struct put_ctx p = { .s = s };
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp;
	struct opts o;
	const char *dest;
	int i, intodir;

	if ((p.st = opts_parse(s, argc, argv, "rp", &o)) != ST_OK)
		return p.st;
	if (o.nargs < 2)
		return sess_usage(s, o.nargs ? "missing destination" :
		    "missing operand");
	dest = o.args[o.nargs - 1];
	if (session_writable(s, dest) != ST_OK)
		return ST_FAIL;
	p.recursive = o.set['r'];
	p.keep = o.set['p'];
	p.umask = sess_umask();
	intodir = dest_is_dir(s, dest, &dvp);
	if (!intodir && o.nargs > 2)
		return sess_err(s, dest, ENOTDIR);
	if (!intodir && sess_parent(s, dest, &dvp, name, sizeof(name)) != ST_OK)
		return ST_FAIL;
	for (i = 0; i < o.nargs - 1; i++)
		put_one(&p, o.args[i], dvp, intodir ? NULL : name, dest);
	vrele(dvp);
	linkmap_free(&p.links);
	return p.st;
}
