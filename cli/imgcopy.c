/* imgcopy.c: the writing side shared by put, cp and the other changing commands: making nodes, the data copy loop, attributes, hard links. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/*
 * The data loop moves IOBUF_SIZE chunks. From a sparse source (a host file
 * with holes, an image file with fewer bytes allocated than its size), every
 * all-zero block-sized grain is skipped instead of written, and the size is
 * set at the end: a driver that keeps holes keeps the file sparse, one that
 * cannot (FAT) fills the gap with zeros itself.
 */

#define GRAIN_MIN 512u

/*
 * The parent directory and last component of path, for an operation that
 * makes or removes a name. name gets a NUL-terminated copy. Reports failure.
 */
int sess_parent(struct session *s, const char *path, struct vnode **dvpp,
    char *name, size_t namesize)
{
	const char *n;
	size_t len;
	int error;

	if (path[0] == '\0')
		return sess_err(s, path, ENOENT);
	error = namei_parent(s->mp, s->cwd, path, dvpp, &n, &len);
	if (error == 0 && len >= namesize) {
		vrele(*dvpp);
		error = ENAMETOOLONG;
	}
	if (error)
		return sess_err(s, path, error);
	memcpy(name, n, len);
	name[len] = '\0';
	return ST_OK;
}

/*
 * Is dest an existing directory (symlinks followed)? Then *dvpp holds it,
 * referenced: put, cp, mv and ln put their sources into it.
 */
int dest_is_dir(struct session *s, const char *dest, struct vnode **dvpp)
{
	struct vattr va;

	if (dest[0] == '\0' ||
	    namei(s->mp, s->cwd, dest, NAMEI_FOLLOW, dvpp) != 0)
		return 0;
	if (VOP_GETATTR(*dvpp, &va) != 0 || !S_ISDIR(va.va_mode)) {
		vrele(*dvpp);
		return 0;
	}
	return 1;
}

static int is_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Writes all of buf at off (a driver may write less per call). */
static int write_all(struct vnode *vp, const unsigned char *buf, size_t len,
    uint64_t off)
{
	size_t done;
	int error;

	while (len > 0) {
		error = vp->v_op->vop_write(vp, buf, len, off, &done);
		if (error)
			return error;
		if (done == 0)
			return ENOSPC;
		buf += done;
		len -= done;
		off += done;
	}
	return 0;
}

/* Writes a chunk; with sparse, all-zero grains aligned at off are skipped. */
static int write_chunk(struct vnode *vp, const unsigned char *buf,
    size_t len, uint64_t off, size_t grain, int sparse)
{
	size_t i = 0, start, g;
	int error;

	if (!sparse)
		return write_all(vp, buf, len, off);
	while (i < len) {
		g = grain - (size_t)((off + i) % grain);
		g = g < len - i ? g : len - i;
		if (is_zero(buf + i, g)) {
			i += g;
			continue;
		}
		start = i;
		while (i < len) {
			g = grain - (size_t)((off + i) % grain);
			g = g < len - i ? g : len - i;
			if (is_zero(buf + i, g))
				break;
			i += g;
		}
		if ((error = write_all(vp, buf + start, i - start,
		    off + start)) != 0)
			return error;
	}
	return 0;
}

/* The grain holes are kept at: the file system's block, a power of two. */
static size_t grain_of(struct vnode *vp)
{
	struct vattr va;
	size_t g;

	if (VOP_GETATTR(vp, &va) != 0 || va.va_blksize < GRAIN_MIN ||
	    va.va_blksize > IOBUF_SIZE ||
	    (va.va_blksize & (va.va_blksize - 1)) != 0)
		return 4096;
	g = va.va_blksize;
	return g;
}

struct copy_state {
	const struct copy_src *src;
	struct vnode *vp;
	unsigned char *buf;
	size_t grain;
	uint64_t off;            /* how far the copy got */
	int src_error;           /* the last error was the source's */
};

/* Copies source bytes [off, end) (end <= size); stops early at its EOF. */
static int copy_region(struct copy_state *c, uint64_t end, int *eof)
{
	size_t want, done;
	int error;

	while (c->off < end) {
		want = end - c->off < IOBUF_SIZE ? (size_t)(end - c->off) :
		    IOBUF_SIZE;
		error = c->src->read(c->src->arg, c->buf, want, c->off, &done);
		if (error || done == 0) {
			c->src_error = error != 0;
			*eof = error == 0;
			return error;
		}
		if ((error = write_chunk(c->vp, c->buf, done, c->off, c->grain,
		    c->src->sparse)) != 0)
			return error;
		c->off += done;
	}
	return 0;
}

/* The loop over the source's data regions; c->off ends at the copy's size. */
static int copy_loop(struct copy_state *c)
{
	const struct copy_src *src = c->src;
	uint64_t start, end;
	int error = 0, eof = 0;

	while (c->off < src->size && !eof) {
		start = c->off;
		end = src->size;
		if (src->data) {
			error = src->data(src->arg, c->off, &start, &end);
			if (error == ENXIO) {
				c->off = src->size;   /* a hole to the end */
				return 0;
			}
			if (error) {
				c->src_error = 1;
				return error;
			}
			end = end < src->size ? end : src->size;
			if (start >= end)
				break;
			c->off = start;
		}
		if ((error = copy_region(c, end, &eof)) != 0)
			return error;
	}
	if (c->off < src->size && !eof)
		c->off = src->size;
	return 0;
}

/*
 * Copies src's data into the regular file vp (empty, or truncated by the
 * caller), then makes its size exactly the bytes copied. Reports errors:
 * the source's under src->path, the image's under path.
 */
int img_copy_data(struct session *s, const char *path, struct vnode *vp,
    const struct copy_src *src)
{
	struct copy_state c = { .src = src, .vp = vp };
	struct vattr va;
	int error;

	/* the session's buffer: put -r of many small files then maps no
	 * 2 MiB region per file (the sources read into it are never it) */
	if ((c.buf = sess_iobuf(s)) == NULL)
		return sess_err(s, path, ENOMEM);
	c.grain = grain_of(vp);
	error = copy_loop(&c);
	if (error && c.src_error && src->host)
		return sess_errmsg(s, src->path, "%s", strerror(error));
	if (error)
		return sess_err(s, c.src_error ? src->path : path, error);
	if ((error = VOP_GETATTR(vp, &va)) == 0 && va.va_size != c.off) {
		va.va_size = c.off;
		error = vp->v_op->vop_setattr(vp, &va, VA_SIZE);
	}
	return error ? sess_err(s, path, error) : ST_OK;
}

/* Removes a non-directory at name so something new can take its place. */
static int replace_slot(struct vnode *dvp, const char *name, size_t len,
    struct vnode *old, int newdir)
{
	if (old->v_type == VDIR)
		return newdir ? 0 : EISDIR;
	if (newdir)
		return ENOTDIR;
	return dvp->v_op->vop_remove(dvp, name, len);
}

/* Makes the new node, of the type in nd->mode. */
static int make_new(struct vnode *dvp, const char *name, size_t len,
    const struct img_node *nd, struct vnode **vpp)
{
	mode_t type = nd->mode & S_IFMT;

	if (type == S_IFREG)
		return dvp->v_op->vop_create(dvp, name, len, nd->mode, vpp);
	if (type == S_IFDIR)
		return dvp->v_op->vop_mkdir(dvp, name, len, nd->mode, vpp);
	if (type == S_IFLNK)
		return dvp->v_op->vop_symlink(dvp, name, len, nd->target, vpp);
	return dvp->v_op->vop_mknod(dvp, name, len, nd->mode, nd->major,
	    nd->minor, vpp);
}

/*
 * Makes name in dvp as nd says, as cp(1) would over what is there: an
 * existing regular file stays (emptied) for a regular file, an existing
 * directory stays for a directory, other non-directories are replaced; a
 * directory is never replaced. *vpp gets a reference. Reports failure.
 */
int img_make(struct session *s, struct vnode *dvp, const char *name,
    const char *path, const struct img_node *nd, struct vnode **vpp)
{
	size_t len = strlen(name);
	mode_t type = nd->mode & S_IFMT;
	struct vnode *old;
	struct vattr va = { .va_size = 0 };
	int error;

	error = VOP_LOOKUP(dvp, name, len, &old);
	if (error == ENOENT)
		error = make_new(dvp, name, len, nd, vpp);
	else if (error == 0 && old->v_type == VREG && type == S_IFREG) {
		error = old->v_op->vop_setattr(old, &va, VA_SIZE);
		if (error == 0) {
			*vpp = old;
			return ST_OK;
		}
		vrele(old);
	} else if (error == 0 && old->v_type == VDIR && type == S_IFDIR) {
		*vpp = old;
		return ST_OK;
	} else if (error == 0) {
		error = replace_slot(dvp, name, len, old, type == S_IFDIR);
		vrele(old);
		if (error == 0)
			error = make_new(dvp, name, len, nd, vpp);
	}
	return error ? sess_err(s, path, error) : ST_OK;
}

/*
 * The file at path (symlinks followed), made as an empty regular file of
 * the given mode if missing, as touch and truncate do. *vpp is NULL (and
 * ST_OK) if it is missing and nocreate is set. A dangling symlink is
 * reported, never replaced. Reports failure.
 */
int img_open_or_create(struct session *s, const char *path, mode_t mode,
    int nocreate, struct vnode **vpp)
{
	struct img_node nd = { .mode = S_IFREG | (mode & 07777) };
	char name[VFS_NAME_MAX + 1];
	struct vnode *dvp;
	int error, st;

	*vpp = NULL;
	error = path[0] ? namei(s->mp, s->cwd, path, NAMEI_FOLLOW, vpp) :
	    ENOENT;
	if (error == ENOENT && namei(s->mp, s->cwd, path, 0, &dvp) == 0) {
		vrele(dvp);           /* a symlink to nothing */
		return sess_err(s, path, ENOENT);
	}
	if (error == ENOENT && nocreate)
		return ST_OK;
	if (error != ENOENT)
		return error ? sess_err(s, path, error) : ST_OK;
	if (sess_parent(s, path, &dvp, name, sizeof(name)) != ST_OK)
		return ST_FAIL;
	st = img_make(s, dvp, name, path, &nd, vpp);
	vrele(dvp);
	return st;
}

/* The VA_* bits -p keeps for a node of this type. */
unsigned img_keep_bits(mode_t mode)
{
	unsigned bits = VA_UID | VA_GID | VA_ATIME | VA_MTIME;

	return S_ISLNK(mode) ? bits : bits | VA_MODE;
}

int img_setattr(struct session *s, struct vnode *vp, const char *path,
    const struct vattr *va, unsigned valid)
{
	int error;

	if (valid == 0)
		return ST_OK;
	error = vp->v_op->vop_setattr(vp, va, valid);
	return error ? sess_err(s, path, error) : ST_OK;
}

/*
 * Is directory dvp the directory ino, or below it? (cp -r of a directory
 * into itself.) Climbs "..", at most VFS_PATH_MAX / 2 levels.
 */
int img_is_below(struct session *s, struct vnode *dvp, uint64_t ino)
{
	struct vnode *vp = dvp, *up;
	int n, below = 0;

	vref(vp);
	for (n = 0; n < VFS_PATH_MAX / 2 && !below; n++) {
		below = vp->v_ino == ino;
		if (VOP_LOOKUP(vp, "..", 2, &up) != 0)
			break;
		if (up->v_ino == vp->v_ino) {
			vrele(up);
			break;
		}
		vrele(vp);
		vp = up;
	}
	vrele(vp);
	(void)s;
	return below;
}

/*
 * A hard link to image inode ino as name in dvp (a non-directory there
 * goes). Returns 0 or an errno value, unreported: the caller may fall back
 * to a copy where the file system has no hard links (EOPNOTSUPP).
 */
int img_link(struct session *s, struct vnode *dvp, const char *name,
    uint64_t ino)
{
	size_t len = strlen(name);
	struct vnode *vp, *old;
	int error;

	if ((error = vfs_vget(s->mp, ino, &vp)) != 0)
		return error;
	if ((error = VOP_LOOKUP(dvp, name, len, &old)) == 0) {
		error = old->v_ino == ino ? EEXIST :
		    replace_slot(dvp, name, len, old, 0);
		vrele(old);
		if (error == EEXIST) {
			vrele(vp);
			return 0;     /* already that very link */
		}
	} else if (error == ENOENT) {
		error = 0;
	}
	if (error == 0)
		error = dvp->v_op->vop_link(dvp, name, len, vp);
	vrele(vp);
	return error;
}

static size_t link_slot(uint64_t dev, uint64_t ino, size_t cap)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ dev;

	h ^= h >> 29;
	return (size_t)h & (cap - 1);
}

/* The image inode a source (dev, ino) was copied to, or 0. */
uint64_t linkmap_find(const struct linkmap *m, uint64_t dev, uint64_t ino)
{
	size_t j;

	if (m->cap == 0)
		return 0;
	for (j = link_slot(dev, ino, m->cap); m->v[j].newino;
	    j = (j + 1) & (m->cap - 1))
		if (m->v[j].dev == dev && m->v[j].ino == ino)
			return m->v[j].newino;
	return 0;
}

static int linkmap_grow(struct linkmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
	struct linkent *nv = calloc(ncap, sizeof(*nv));

	if (nv == NULL)
		return ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->v[i].newino == 0)
			continue;
		for (j = link_slot(m->v[i].dev, m->v[i].ino, ncap); nv[j].newino;
		    j = (j + 1) & (ncap - 1))
			;
		nv[j] = m->v[i];
	}
	free(m->v);
	m->v = nv;
	m->cap = ncap;
	return 0;
}

int linkmap_add(struct linkmap *m, uint64_t dev, uint64_t ino,
    uint64_t newino)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap && linkmap_grow(m) != 0)
		return ENOMEM;
	for (j = link_slot(dev, ino, m->cap); m->v[j].newino;
	    j = (j + 1) & (m->cap - 1))
		;
	m->v[j].dev = dev;
	m->v[j].ino = ino;
	m->v[j].newino = newino;
	m->n++;
	return 0;
}

void linkmap_free(struct linkmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
