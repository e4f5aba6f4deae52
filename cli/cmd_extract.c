/* cmd_extract.c: extract, the image's trees written as an archive (libarchive) or under a host directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/xarchive.h"

/*
 * Archive names are relative, as `bsdtar -C mnt -cf - PATH` writes them:
 * `extract /` stores "./etc/passwd", `extract /etc` stores "etc/passwd";
 * leading "/", "." and ".." components of PATH are dropped. Hard links are
 * found by a libarchive link resolver on inode numbers: for tar the second
 * and later paths of an inode become hard-link entries; cpio gets its data
 * on the last link, as cpio wants.
 */

#define ZEROS_SIZE (64 * 1024)

struct xctx {
	struct session *s;
	struct archive *a;             /* the archive; NULL with -C */
	struct hostx *hx;              /* -C */
	struct archive_entry_linkresolver *res;
	/* va_ino -> vnode number of files with several links whose two
	 * numbers differ (MNT_STINO): a held-back entry's data is read
	 * through it */
	struct linkmap vinos;
	struct xformat xf;
	unsigned char *buf, *zeros;
	struct progress pg;
	const char *top;               /* archive name of the PATH being walked */
	char *names[WALK_MAXDEPTH + 2];
	struct archive_entry *dirents[WALK_MAXDEPTH + 2];   /* -C: for leave */
	int fatal;                     /* the archive takes no more */
	int st;
};

static int x_archive_fail(struct xctx *x, const char *what)
{
	progress_clear(&x->pg);
	x->fatal = 1;
	x->st = sess_errmsg(x->s, what, "%s", archive_error_string(x->a));
	return x->st;
}

static int feed(struct xctx *x, const void *p, size_t n)
{
	if (archive_write_data(x->a, p, n) < 0)
		return x_archive_fail(x, NULL);
	progress_add(&x->pg, 0, n);
	return ST_OK;
}

static int feed_zeros(struct xctx *x, uint64_t len)
{
	size_t n;

	for (; len > 0; len -= n) {
		n = len < ZEROS_SIZE ? (size_t)len : ZEROS_SIZE;
		if (archive_write_data(x->a, x->zeros, n) < 0)
			return x_archive_fail(x, NULL);
	}
	return ST_OK;
}

/* File bytes [off, off+len) into the entry; a short file is reported. */
static int feed_file(struct xctx *x, struct vnode *vp, const char *path,
    uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	size_t want, done;
	int error;

	while (off < end) {
		want = end - off < IOBUF_SIZE ? (size_t)(end - off) :
		    IOBUF_SIZE;
		if ((error = VOP_READ(vp, x->buf, want, off, &done)) != 0) {
			progress_clear(&x->pg);
			return x->st = sess_err(x->s, path, error);
		}
		if (done == 0) {
			progress_clear(&x->pg);
			return x->st = sess_errmsg(x->s, path, "file ended "
			    "before its size (%llu bytes); padded with zeros",
			    (unsigned long long)off);
		}
		if (feed(x, x->buf, done) != ST_OK)
			return ST_FAIL;
		off += done;
	}
	return ST_OK;
}

/* The entry's data: data regions and zero-filled holes of a sparse entry. */
static void arc_data(struct xctx *x, struct archive_entry *e,
    struct vnode *vp)
{
	uint64_t size = (uint64_t)archive_entry_size(e), pos = 0;
	const char *path = archive_entry_pathname(e);
	la_int64_t off, len;

	if (archive_entry_sparse_reset(e) == 0) {
		feed_file(x, vp, path, 0, size);
		return;
	}
	while (!x->fatal && archive_entry_sparse_next(e, &off, &len) ==
	    ARCHIVE_OK) {
		if (feed_zeros(x, (uint64_t)off - pos) != ST_OK ||
		    feed_file(x, vp, path, (uint64_t)off, (uint64_t)len) !=
		    ST_OK)
			return;
		pos = (uint64_t)(off + len);
	}
	if (!x->fatal && pos < size)
		feed_zeros(x, size - pos);
}

/*
 * Header then data of e; n is the node walked now, or NULL (the entry may
 * be another link of another inode, held back by the resolver).
 */
static void arc_write(struct xctx *x, struct archive_entry *e,
    const struct walk_node *n)
{
	struct vnode *vp, *dvp = NULL;
	uint64_t ino, vino;
	int r, error;

	r = archive_write_header(x->a, e);
	if (r == ARCHIVE_FATAL) {
		x_archive_fail(x, archive_entry_pathname(e));
		return;
	}
	if (r == ARCHIVE_FAILED) {
		progress_clear(&x->pg);
		x->st = sess_errmsg(x->s, archive_entry_pathname(e), "%s; "
		    "not stored", archive_error_string(x->a));
		return;
	}
	progress_add(&x->pg, 1, 0);
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_size(e) <= 0 || archive_entry_hardlink(e) != NULL)
		return;
	ino = (uint64_t)archive_entry_ino64(e);
	if (n != NULL && n->va->va_ino == ino) {
		vp = n->vp;
	} else {
		if ((vino = linkmap_find(&x->vinos, 0, ino)) == 0)
			vino = ino;
		error = vfs_vget(x->s->mp, vino, &dvp);
		if (error) {
			x->st = sess_err(x->s, archive_entry_pathname(e), error);
			return;
		}
		vp = dvp;
	}
	arc_data(x, e, vp);
	if (dvp)
		vrele(dvp);
}

/* Through the link resolver, which may hold an entry back or give two. */
static void arc_emit(struct xctx *x, struct archive_entry *e,
    const struct walk_node *n)
{
	struct archive_entry *spare = NULL;

	archive_entry_linkify(x->res, &e, &spare);
	if (e != NULL) {
		if (!x->fatal)
			arc_write(x, e, n);
		archive_entry_free(e);
	}
	if (spare != NULL) {
		if (!x->fatal)
			arc_write(x, spare, n);
		archive_entry_free(spare);
	}
}

/* Records the data regions of a file with holes in e (pax only). */
static void add_sparse(struct xctx *x, struct archive_entry *e,
    const struct walk_node *n)
{
	struct sparse_map m;
	size_t i;
	int error = sparse_scan(n->vp, n->va->va_size, x->buf, &m);

	if (error == 0 && !(m.n == 1 && m.ext[0].off == 0 &&
	    m.ext[0].len == n->va->va_size)) {
		for (i = 0; i < m.n; i++)
			archive_entry_sparse_add_entry(e, (la_int64_t)m.ext[i].off,
			    (la_int64_t)m.ext[i].len);
		if (m.n == 0)   /* all hole: one empty region at the end */
			archive_entry_sparse_add_entry(e,
			    (la_int64_t)n->va->va_size, 0);
	}
	sparse_free(&m);
}

static int x_name(struct xctx *x, const struct walk_node *n)
{
	int d = n->depth;
	char *name = d ? path_join(x->names[d - 1], n->name) : strdup(x->top);

	if (name == NULL)
		return sess_err(x->s, n->path, ENOMEM);
	free(x->names[d]);
	x->names[d] = name;
	return ST_OK;
}

static int x_visit(void *arg, const struct walk_node *n)
{
	struct xctx *x = arg;
	struct archive_entry *e, *spare = NULL;
	int r;

	if (x->fatal)
		return WALK_SKIP;
	if (x_name(x, n) != ST_OK)
		return x->st = ST_FAIL, WALK_SKIP;
	if (S_ISSOCK(n->va->va_mode)) {
		progress_clear(&x->pg);
		fprintf(stderr, "rumpsh: extract: %s: socket skipped\n",
		    n->path);
		return WALK_SKIP;
	}
	if ((e = archive_entry_new()) == NULL)
		return x->st = sess_err(x->s, n->path, ENOMEM), WALK_SKIP;
	if (arcout_fill(x->s, e, x->names[n->depth], n->path, n->vp, n->va) !=
	    ST_OK)
		x->st = ST_FAIL;
	if (x->hx == NULL) {
		if (n->va->va_nlink > 1 && n->va->va_ino != n->vp->v_ino &&
		    linkmap_find(&x->vinos, 0, n->va->va_ino) == 0 &&
		    linkmap_add(&x->vinos, 0, n->va->va_ino, n->vp->v_ino) != 0)
			x->st = sess_err(x->s, n->path, ENOMEM);
		if (xformat_sparse(&x->xf) && sparse_suspect(n->va))
			add_sparse(x, e, n);
		arc_emit(x, e, n);
		return x->fatal ? WALK_SKIP : WALK_CONTINUE;
	}
	archive_entry_linkify(x->res, &e, &spare);   /* as tar: never held back */
	archive_entry_free(spare);
	r = hostx_node(x->hx, n, x->names[n->depth], e);
	progress_add(&x->pg, 1, S_ISREG(n->va->va_mode) ? n->va->va_size : 0);
	if (S_ISDIR(n->va->va_mode) && r == WALK_CONTINUE)
		x->dirents[n->depth] = e;
	else
		archive_entry_free(e);
	return r;
}

static void x_leave(void *arg, const struct walk_node *n)
{
	struct xctx *x = arg;
	int d = n->depth;

	if (x->hx == NULL || x->dirents[d] == NULL)
		return;
	hostx_leave(x->hx, n, x->dirents[d]);
	archive_entry_free(x->dirents[d]);
	x->dirents[d] = NULL;
}

/* PATH as an archive name: no leading "/", no "." or ".." components. */
static char *top_name(const char *path)
{
	char *out = malloc(strlen(path) + 2), *o = out;
	const char *p = path;
	size_t len;

	if (out == NULL)
		return NULL;
	while (*p) {
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len > 0 && !(len == 1 && p[0] == '.') &&
		    !(len == 2 && p[0] == '.' && p[1] == '.')) {
			if (o > out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	if (o == out)
		*o++ = '.';
	*o = '\0';
	return out;
}

static void x_path(struct xctx *x, const char *path)
{
	struct walk_ops ops = { .visit = x_visit, .leave = x_leave,
	    .maxdepth = -1, .byino = 1 };
	struct vnode *vp;
	char *top;

	if (sess_lookup(x->s, path, 0, &vp, NULL) != ST_OK) {
		x->st = ST_FAIL;
		return;
	}
	if ((top = top_name(path)) == NULL) {
		x->st = sess_err(x->s, path, ENOMEM);
	} else {
		x->top = top;
		if (walk(x->s, path, vp, &ops, x) != ST_OK)
			x->st = ST_FAIL;
	}
	free(top);
	vrele(vp);
}

/* Entries the resolver still holds (cpio's last links), then the end. */
static void x_finish(struct xctx *x)
{
	struct archive_entry *e, *spare;

	for (;;) {
		e = NULL;
		spare = NULL;
		archive_entry_linkify(x->res, &e, &spare);
		if (e == NULL)
			break;
		if (!x->fatal)
			arc_write(x, e, NULL);
		archive_entry_free(e);
	}
	if (!x->fatal && archive_write_close(x->a) != ARCHIVE_OK)
		x_archive_fail(x, NULL);
}

struct xargs {
	const char *file;              /* -f; NULL: stdout */
	const char *hostdir;           /* -C */
	const char *format, *compress;
	int quiet;
	char **paths;
	int npaths;
};

/* Takes --format/--compress (with "=" or a separate word) out of argv. */
static int long_opts(struct session *s, int *argc, char **argv,
    struct xargs *xa)
{
	const char *w, **dst;
	int i, out = 1;

	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		w = argv[i];
		if (strncmp(w, "--format", 8) == 0) {
			dst = &xa->format;
			w += 8;
		} else if (strncmp(w, "--compress", 10) == 0) {
			dst = &xa->compress;
			w += 10;
		} else if (w[0] == '-' && w[1] == '-' && w[2] != '\0') {
			return sess_usage(s, "unknown option '%s'", w);
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (*w == '=')
			*dst = w + 1;
		else if (*w == '\0' && i + 1 < *argc)
			*dst = argv[++i];
		else
			return sess_usage(s, "option '%s' needs an argument",
			    argv[i]);
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	*argc = out;
	argv[out] = NULL;
	return ST_OK;
}

static int x_args(struct session *s, int argc, char **argv,
    struct xargs *xa)
{
	static char *root[] = { "/" };
	struct opts o;
	int st;

	memset(xa, 0, sizeof(*xa));
	if ((st = long_opts(s, &argc, argv, xa)) != ST_OK ||
	    (st = opts_parse(s, argc, argv, "f:C:q", &o)) != ST_OK)
		return st;
	xa->file = o.arg['f'];
	xa->hostdir = o.arg['C'];
	xa->quiet = o.set['q'] > 0;
	if (xa->file && xa->hostdir)
		return sess_usage(s, "-f and -C exclude each other");
	if (xa->hostdir && (xa->format || xa->compress))
		return sess_usage(s, "--format and --compress need an archive");
	if (xa->file && strcmp(xa->file, "-") == 0)
		xa->file = NULL;
	xa->paths = o.nargs ? o.args : root;
	xa->npaths = o.nargs ? o.nargs : 1;
	return ST_OK;
}

/* Used bytes of the file system: the ETA's total when all of it goes. */
static uint64_t x_total(struct session *s, const struct xargs *xa)
{
	struct vfs_statvfs sv;
	int i;

	for (i = 0; i < xa->npaths; i++)
		if (strcmp(xa->paths[i], "/") == 0 &&
		    vfs_statvfs(s->mp, &sv) == 0 && sv.f_blocks >= sv.f_bfree)
			return (sv.f_blocks - sv.f_bfree) * (uint64_t)sv.f_bsize;
	return 0;
}

/* The archive's descriptor: the file (created or truncated) or stdout. */
static int x_open(struct session *s, const struct xargs *xa, int *fdp)
{
	if (xa->file == NULL) {
		if (isatty(STDOUT_FILENO))
			return sess_errmsg(s, NULL, "refusing to write an archive "
			    "to a terminal (use -f FILE or a pipe)");
		fflush(stdout);
		*fdp = STDOUT_FILENO;
		return ST_OK;
	}
	*fdp = open(xa->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (*fdp < 0)
		return sess_errmsg(s, xa->file, "%s", strerror(errno));
	return ST_OK;
}

static int x_setup(struct xctx *x, const struct xargs *xa, int fd)
{
	struct session *s = x->s;

	if (xa->hostdir == NULL)
		xformat_tmpdir(&x->xf, xa->file);
	if (xa->hostdir == NULL && xformat_writer(s, &x->xf, fd, &x->a) != ST_OK)
		return ST_FAIL;
	x->buf = iobuf_alloc();
	x->zeros = calloc(1, ZEROS_SIZE);
	x->res = archive_entry_linkresolver_new();
	if (x->buf == NULL || x->zeros == NULL || x->res == NULL)
		return sess_err(s, NULL, ENOMEM);
	archive_entry_linkresolver_set_strategy(x->res, x->a ?
	    archive_format(x->a) : ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE);
	progress_start(&x->pg, xa->quiet, x_total(s, xa));
	return ST_OK;
}

static void x_free(struct xctx *x)
{
	int i;

	progress_end(&x->pg);
	for (i = 0; i < WALK_MAXDEPTH + 2; i++) {
		free(x->names[i]);
		archive_entry_free(x->dirents[i]);
	}
	if (x->res)
		archive_entry_linkresolver_free(x->res);
	linkmap_free(&x->vinos);
	if (x->a)
		archive_write_free(x->a);
	free(x->buf);
	free(x->zeros);
}

static void x_run(struct xctx *x, const struct xargs *xa)
{
	int i;

	for (i = 0; i < xa->npaths && !x->fatal; i++)
		x_path(x, xa->paths[i]);
	if (x->a)
		x_finish(x);
	if (x->hx && x->hx->st != ST_OK)
		x->st = ST_FAIL;
}

int cmd_extract(struct session *s, int argc, char **argv)
{
	struct xctx x = { .s = s, .st = ST_OK };
	struct hostx hx;
	struct xargs xa;
	locale_t loc, old;
	int fd = -1, st;

	if ((st = x_args(s, argc, argv, &xa)) != ST_OK)
		return st;
	if (xa.hostdir == NULL && ((st = xformat_choose(s, xa.file, xa.format,
	    xa.compress, &x.xf)) != ST_OK || (st = x_open(s, &xa, &fd)) != ST_OK))
		return st;
	if (xa.hostdir && (st = hostx_open(s, &hx, xa.hostdir)) != ST_OK)
		return st;
	x.hx = xa.hostdir ? &hx : NULL;
	loc = xlocale_enter(&old);
	if (x_setup(&x, &xa, fd) == ST_OK)
		x_run(&x, &xa);
	else
		x.st = ST_FAIL;
	x_free(&x);
	xlocale_leave(loc, old);
	if (x.hx)
		hostx_close(&hx);
	if (fd > STDOUT_FILENO && close(fd) != 0)
		x.st = sess_errmsg(s, xa.file, "%s", strerror(errno));
	return x.st;
}
