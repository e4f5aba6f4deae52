/* p2k_int.h: p2k's internals shared by its files: the server state, the node table, the FUSE ops table. */
#ifndef RUMPSH_P2K_INT_H
#define RUMPSH_P2K_INT_H

#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>

#include "vfs/bio.h"
#include "vfs/vfs.h"

/* One FUSE node id and the vnode behind it (see p2k_node.c for the rules). */
struct p2k_node {
	uint64_t pn_id;              /* the FUSE node id the kernel holds */
	struct vnode *pn_vp;
	uint64_t pn_nlookup;         /* the kernel's lookup count */
	/* what the file looked like at its last open, for keep_cache */
	int pn_seen;
	uint64_t pn_size;
	struct timespec pn_mtime;
	struct p2k_node *pn_idnext;  /* hash chains: by id, by vnode */
	struct p2k_node *pn_vpnext;
};

struct p2k_nodetab {
	struct p2k_node **nt_byid;
	struct p2k_node **nt_byvp;
	size_t nt_size;              /* buckets in each hash, a power of 2 */
	size_t nt_count;
	uint64_t nt_nextid;
	struct p2k_node *nt_root;
};

#define P2K_MAX_IO   (1u << 20)  /* max_write */
#define P2K_IOBUF    (P2K_MAX_IO + 4096)
/*
 * max_read, and the most image pieces one read reply splices. libfuse
 * splices only a reply that fits its pipe with a page to spare per buffer,
 * and an unprivileged pipe grows to 1 MiB (fs.pipe-max-size) at most:
 * 512 KiB of data plus 2 * 60 + 1 buffers stays under it.
 */
#define P2K_MAX_READ  (512u << 10)
#define P2K_READ_SEGS 60

/* One server: the mounted core and what the requests share. */
struct p2k {
	struct mount *mp;
	struct p2k_nodetab nodes;
	double timeout;              /* attr and entry timeouts, seconds */
	int rdonly;
	int foreground;
	int dirty;                   /* changes not yet synced */
	int shut;                    /* p2k_shutdown has run */
	int unmount_error;           /* what vfs_unmount answered */
	char *iobuf;                 /* read replies, readdir, xattrs */
	size_t iobufsize;
	/* read replies (p2k_read.c): the pieces captured, the vector built */
	struct bio_dataseg readsegs[P2K_READ_SEGS];
	struct fuse_bufvec *readvec; /* room for 2 * P2K_READ_SEGS + 1 buffers */
	const char *progname;
	const char *image;
};


/* p2k_node.c */
int p2k_nodes_init(struct p2k_nodetab *nt, struct vnode *rootvp);
void p2k_nodes_fini(struct p2k_nodetab *nt);
struct p2k_node *p2k_node_get(struct p2k_nodetab *nt, uint64_t id);
int p2k_node_enter(struct p2k_nodetab *nt, struct vnode *vp,
    struct p2k_node **npp);
void p2k_node_forget(struct p2k_nodetab *nt, uint64_t id, uint64_t n);

/* p2k_ops.c and p2k_io.c */
extern const struct fuse_lowlevel_ops p2k_ops;
void p2k_shutdown(struct p2k *p);
int p2k_vnode(struct p2k *p, fuse_ino_t ino, struct vnode **vpp);
void p2k_log(struct p2k *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* the request handlers p2k_io.c contributes to p2k_ops */
void p2k_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void p2k_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi);
void p2k_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
    size_t size, off_t off, struct fuse_file_info *fi);
void p2k_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void p2k_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void p2k_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi);
void p2k_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void p2k_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi);
void p2k_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi);
void p2k_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    size_t size);
void p2k_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void p2k_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags);
void p2k_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);
/* shared by both files */
void p2k_vattr_to_stat(const struct vattr *va, struct stat *st);
int p2k_entry(struct p2k *p, struct vnode *vp, struct fuse_entry_param *e);

/* p2k_opts.c: sorting a -o list into the driver's and FUSE's options */
struct p2k_optsplit {
	char *driver;                /* for vfs_mount (ro/rw and driver keys) */
	char *fuse;                  /* FUSE mount options (allow_other, ...) */
	int rdonly;                  /* "ro" was asked for */
	int rw;                      /* "rw" was asked for */
	int allow_other;
};
int p2k_opts_split(const char *progname,
    const char *opts, struct p2k_optsplit *os);
void p2k_opts_free(struct p2k_optsplit *os);
int p2k_opts_append(char **list, const char *opt);

/* p2k_main.c: what the server and its mount helper share */
struct p2k_mountspec {
	const char *progname;
	const char *image;           /* for fsname= */
	const char *dir;             /* the mount point, absolute */
	int rdonly;                  /* the user asked for read-only */
	const struct p2k_optsplit *os;
};
char *p2k_fuse_optlist(const struct p2k_mountspec *ms, const char *fsname,
    int rdonly);
struct fuse_session *p2k_session_new(const char *progname, const char *list,
    const struct fuse_lowlevel_ops *ops, size_t opsize, void *userdata);

/* p2k_readahead.c: 1 MiB readahead for the mount at dir, if allowed */
void p2k_readahead_raise(const char *dir);

/* p2k_mounter.c: the unconfined helper that mounts for a confined server */
struct p2k_mounter {
	int sock;                    /* to the helper, or -1 */
	int pid;
};
int p2k_mounter_start(struct p2k_mounter *m, const struct p2k_mountspec *ms);
/* Mounts; *fdp gets the /dev/fuse descriptor. 0, or an errno and why. */
int p2k_mounter_mount(struct p2k_mounter *m, const char *fsname, int rdonly,
    int *fdp, char *why, size_t size);
/* Lets the helper unmount (unless the kernel has) and waits for it. */
void p2k_mounter_finish(struct p2k_mounter *m);

#endif
