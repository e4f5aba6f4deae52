/* xarchive.h: what extract and import share: progress, archive entries from image nodes, holes, host trees. */
#ifndef RUMPSH_XARCHIVE_H
#define RUMPSH_XARCHIVE_H

#include <locale.h>
#include <stdint.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "cli/cli.h"

/* progress.c: files, bytes, rate and ETA on stderr while a terminal watches */
struct progress {
	int on;                  /* stderr is a terminal and not -q */
	int drawn;               /* a line is on the screen */
	uint64_t files, bytes;   /* what was done (shown) */
	uint64_t pos, total;     /* how far along (for the ETA); total 0: unknown */
	struct timespec start, last;
};
void progress_start(struct progress *p, int quiet, uint64_t total);
void progress_add(struct progress *p, uint64_t files, uint64_t bytes);
void progress_pos(struct progress *p, uint64_t pos);
void progress_clear(struct progress *p);
void progress_end(struct progress *p);

/* sparse.c: the data regions of a file that has holes */
struct sparse_map {
	struct sparse_ext { uint64_t off, len; } *ext;
	size_t n, cap;
};
int sparse_suspect(const struct vattr *va);
int sparse_scan(struct vnode *vp, uint64_t size, unsigned char *buf,
    struct sparse_map *m);
void sparse_free(struct sparse_map *m);

/* archive_out.c: one image node as an archive_entry */
struct notes {
	int sockets, xattrs_unsupported, owners_unsupported;
	int links_copied, slash_stripped;
};
int arcout_fill(struct session *s, struct archive_entry *e, const char *name,
    const char *path, struct vnode *vp, const struct vattr *va);
int arcout_xattrs(struct session *s, struct archive_entry *e,
    const char *path, struct vnode *vp);

/* extract_fmt.c: format and compression from options or the file name */
struct xformat {
	const char *format;      /* pax ustar gnutar cpio zip 7z */
	const char *compress;    /* none gzip bzip2 xz zstd */
};
int xformat_choose(struct session *s, const char *file, const char *fmt,
    const char *comp, struct xformat *xf);
int xformat_writer(struct session *s, const struct xformat *xf, int fd,
    struct archive **ap);
int xformat_sparse(const struct xformat *xf);
void xformat_tmpdir(const struct xformat *xf, const char *file);

/* extract_host.c: the tree written under a host directory (extract -C) */
struct hostx {
	struct session *s;
	int rootfd;                        /* HOSTDIR */
	int fds[WALK_MAXDEPTH + 2];        /* directory open at each depth */
	char *hpath[WALK_MAXDEPTH + 2];    /* its host path, for messages */
	const char *root;                  /* HOSTDIR as given */
	mode_t umask;
	int st;
};
int hostx_open(struct session *s, struct hostx *hx, const char *dir);
void hostx_close(struct hostx *hx);
int hostx_node(struct hostx *hx, const struct walk_node *n, const char *name,
    struct archive_entry *e);
void hostx_leave(struct hostx *hx, const struct walk_node *n,
    struct archive_entry *e);

/* import: one archive read into the image below DEST */
struct dirfix {                  /* a directory's attributes, set at the end */
	uint64_t ino;
	struct vattr va;
	unsigned valid;
};
struct impctx {
	struct session *s;
	struct archive *a;
	struct vnode *dest;            /* DEST, referenced */
	struct vnode *pdir;            /* the last parent resolved, referenced */
	char *pdirname;                /* its name relative to DEST */
	struct dirfix *fix;
	size_t nfix, capfix;
	struct progress pg;
	struct notes notes;
	mode_t umask;
	int st;
};
/* import_path.c */
int imp_clean(struct impctx *ic, const char *name, char **relp);
int imp_parent(struct impctx *ic, const char *rel, int create,
    struct vnode **dvpp, const char **lastp);
int imp_lookup(struct impctx *ic, const char *rel, struct vnode **vpp);
void imp_forget(struct impctx *ic);
/* import_entry.c */
int imp_entry(struct impctx *ic, struct archive_entry *e);
int imp_fixups(struct impctx *ic);

/* locale: names pass through libarchive as UTF-8 whatever LC_ALL says */
locale_t xlocale_enter(locale_t *old);
void xlocale_leave(locale_t loc, locale_t old);

#endif
