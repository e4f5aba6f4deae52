/* vfs.h: the core's public contract: mounts, vnodes, the ops tables drivers fill in. */
#ifndef RUMPSH_VFS_H
#define RUMPSH_VFS_H

/*
 * Conventions every function below keeps:
 *  - return 0 or a positive errno value; never -1, never a negative errno;
 *  - a driver that finds the image corrupt calls vfs_corrupt() once, where it
 *    found the problem, and returns what vfs_corrupt() returns (EUCLEAN);
 *  - the core is single-threaded: one session (shell or FUSE loop) owns a mount.
 *
 * Vnode references: every function that hands out a vnode (vfs_root, vfs_vget,
 * vop_lookup, vop_create, namei, ...) hands out one reference the caller owns
 * and gives back with vrele(). Drivers never free vnodes: when the last
 * reference goes, the vnode stays in the mount's vnode cache until the cache
 * is trimmed or the mount goes away; then vop_reclaim frees v_data.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct blkdev;
struct bufcache;
struct mount;
struct vnode;

#ifndef EUCLEAN
#define EUCLEAN 117
#endif
/* The errno a driver returns for an on-disk structure it refuses to trust. */
#define EFSCORRUPTED EUCLEAN

#define VFS_NAME_MAX 255    /* longest single name component */
#define VFS_PATH_MAX 4096   /* longest path the shell or namei accepts */
#define VFS_SYMLOOP_MAX 40  /* symlinks followed in one lookup before ELOOP */

/* Attributes of a file, as getattr returns them. Times carry nanoseconds. */
struct vattr {
	uint64_t va_ino;
	mode_t va_mode;          /* S_IFMT type bits and permission bits */
	uint32_t va_nlink;
	uint32_t va_uid;
	uint32_t va_gid;
	uint64_t va_size;        /* bytes */
	uint64_t va_bytes;       /* bytes of storage actually allocated */
	uint32_t va_blksize;     /* preferred I/O size */
	uint32_t va_rdev_major;  /* device nodes only */
	uint32_t va_rdev_minor;
	struct timespec va_atime;
	struct timespec va_mtime;
	struct timespec va_ctime;
	struct timespec va_birthtime;  /* tv_sec == VFS_NOTIME if unknown */
	uint64_t va_gen;         /* inode generation */
	uint32_t va_flags;       /* driver-specific inode flags, shown by stat */
};
#define VFS_NOTIME INT64_MIN

/* Which fields of a vattr setattr should change (VA_* bits in va_valid). */
#define VA_MODE  0x01
#define VA_UID   0x02
#define VA_GID   0x04
#define VA_SIZE  0x08
#define VA_ATIME 0x10
#define VA_MTIME 0x20
#define VA_CTIME 0x40

/* File types in readdir, the same numbers as struct dirent's d_type. */
enum vtype {
	VNON = 0, VFIFO = 1, VCHR = 2, VDIR = 4, VBLK = 6, VREG = 8, VLNK = 10,
	VSOCK = 12
};
enum vtype vfs_mode_to_vtype(mode_t mode);

/*
 * readdir hands each entry to this callback. `next` is the cookie that
 * resumes the listing just after this entry. Return nonzero to stop (the
 * entry was not consumed: the next call starts again with it).
 */
typedef int (*vfs_filldir_t)(void *arg, const char *name, size_t namelen,
    uint64_t ino, enum vtype type, uint64_t next);

/* info hands out "key: value" facts about a mounted file system. */
typedef void (*vfs_info_t)(void *arg, const char *key, const char *value);

struct vfs_statvfs {
	uint32_t f_bsize;     /* block size */
	uint64_t f_blocks;    /* total data blocks */
	uint64_t f_bfree;     /* free blocks */
	uint64_t f_bavail;    /* free blocks for unprivileged users */
	uint64_t f_files;     /* total inodes */
	uint64_t f_ffree;     /* free inodes */
	uint32_t f_namemax;
};

/*
 * Vnode operations. When a driver's table is first used (vfs_vget), the VFS
 * swaps in a copy whose NULL slots answer EOPNOTSUPP (EROFS for changes on a
 * read-only mount), so callers call through without testing for NULL.
 * Names are not NUL-terminated: (name, namelen). Unless a line says
 * otherwise, an operation takes no reference and gives none back.
 */
struct vnodeops {
	/* *vpp gets a new reference; "." and ".." are handled by the driver. */
	int (*vop_lookup)(struct vnode *dvp, const char *name, size_t namelen,
	    struct vnode **vpp);
	int (*vop_getattr)(struct vnode *vp, struct vattr *va);
	/* changes the fields named by `valid` (VA_* bits) */
	int (*vop_setattr)(struct vnode *vp, const struct vattr *va,
	    unsigned valid);
	/* reads up to len bytes at off; *done = bytes read (0 at/after EOF) */
	int (*vop_read)(struct vnode *vp, void *buf, size_t len, uint64_t off,
	    size_t *done);
	int (*vop_write)(struct vnode *vp, const void *buf, size_t len,
	    uint64_t off, size_t *done);
	/* starts at *cookie (0 = beginning) and leaves it where it stopped */
	int (*vop_readdir)(struct vnode *vp, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
	/* copies the target, no NUL; *len = its full length (may exceed bufsize) */
	int (*vop_readlink)(struct vnode *vp, char *buf, size_t bufsize,
	    size_t *len);
	/* create/mkdir/mknod/symlink: *vpp gets a reference to the new node */
	int (*vop_create)(struct vnode *dvp, const char *name, size_t namelen,
	    mode_t mode, struct vnode **vpp);
	int (*vop_mkdir)(struct vnode *dvp, const char *name, size_t namelen,
	    mode_t mode, struct vnode **vpp);
	int (*vop_mknod)(struct vnode *dvp, const char *name, size_t namelen,
	    mode_t mode, uint32_t major, uint32_t minor, struct vnode **vpp);
	int (*vop_symlink)(struct vnode *dvp, const char *name, size_t namelen,
	    const char *target, struct vnode **vpp);
	int (*vop_link)(struct vnode *dvp, const char *name, size_t namelen,
	    struct vnode *vp);
	int (*vop_remove)(struct vnode *dvp, const char *name, size_t namelen);
	int (*vop_rmdir)(struct vnode *dvp, const char *name, size_t namelen);
	int (*vop_rename)(struct vnode *fdvp, const char *fname, size_t fnamelen,
	    struct vnode *tdvp, const char *tname, size_t tnamelen,
	    unsigned flags);
	int (*vop_fsync)(struct vnode *vp);
	/* frees v_data; called once, when the vnode leaves the cache */
	void (*vop_reclaim)(struct vnode *vp);
	/* the last reference went (v_usecount 0): a file removed while still
	 * referenced (open through FUSE) may give back its storage now */
	void (*vop_inactive)(struct vnode *vp);
	/* xattrs: names carry their namespace prefix ("user.", "security."...) */
	int (*vop_getxattr)(struct vnode *vp, const char *name, void *buf,
	    size_t bufsize, size_t *len);
	/* NUL-separated list of names; *len = bytes needed */
	int (*vop_listxattr)(struct vnode *vp, char *buf, size_t bufsize,
	    size_t *len);
	int (*vop_setxattr)(struct vnode *vp, const char *name, const void *val,
	    size_t len, int flags);
	int (*vop_removexattr)(struct vnode *vp, const char *name);
};

/* fsck flags and results (results are fsck(8) exit statuses) */
#define FSCK_NOWRITE 0x1  /* -n */
#define FSCK_REPAIR  0x2  /* -y */
#define FSCK_PREEN   0x4  /* -p */
#define FSCK_VERBOSE 0x8
#define FSCK_FORCE   0x10
typedef void (*vfs_fsck_report_t)(void *arg, const char *msg);

struct vfsops {
	const char *vfs_name;    /* "ext2", "ffs", "msdos", "cd9660" */
	/* option keys this driver accepts after -o (besides ro/rw); NULL-ended */
	const char *const *vfs_opts;
	/* 0 if the device holds this file system, ENOENT if not; reads only */
	int (*vfs_probe)(struct blkdev *dev);
	/* reads the superblock, sets mp->mnt_data; validates before trusting */
	int (*vfs_mount)(struct mount *mp);
	/* flushes everything (if writable) and frees mp->mnt_data */
	int (*vfs_unmount)(struct mount *mp);
	/* the inode number of the root directory */
	int (*vfs_root)(struct mount *mp, uint64_t *ino);
	/* loads inode `ino` into the new vnode vp: sets v_data, v_op, v_type.
	 * The VFS has already checked ino against nothing: the driver must. */
	int (*vfs_loadvnode)(struct mount *mp, struct vnode *vp, uint64_t ino);
	int (*vfs_statvfs)(struct mount *mp, struct vfs_statvfs *sv);
	int (*vfs_sync)(struct mount *mp);
	int (*vfs_info)(struct mount *mp, vfs_info_t out, void *arg);
	/* returns an fsck(8) status: 0, 1, 4 or 8 */
	int (*vfs_fsck)(struct mount *mp, unsigned flags,
	    vfs_fsck_report_t report, void *arg);
};

/* The drivers linked in, NULL-ended (fs/fs_table.c). */
extern const struct vfsops *const vfs_drivers[];
/* The driver whose vfs_name is exactly name (no aliases), or NULL. */
const struct vfsops *vfs_driver_named(const char *name);

struct vnode {
	struct mount *v_mount;
	uint64_t v_ino;
	enum vtype v_type;
	const struct vnodeops *v_op;
	void *v_data;              /* the driver's in-memory inode */
	/* owned by the vnode cache (vfs_vnode.c) */
	unsigned v_usecount;
	struct vnode *v_hashnext;
	struct vnode *v_lrunext, *v_lruprev;
};

#define MNT_RDONLY 0x1
/*
 * Set by a driver whose getattr may show another va_ino than the inode
 * number readdir gives and vfs_vget takes (cd9660: Rock Ridge serial
 * numbers). Whoever shows readdir's numbers to users (p2k's d_ino) then
 * asks getattr instead.
 */
#define MNT_STINO  0x2
/* Opened for fsck: the driver mounts damage it would otherwise refuse (bad
 * checksums of its own metadata), leaving it for the checker to report and
 * repair. Nothing but fsck may run on such a mount. */
#define MNT_FSCK   0x4

struct mntopt {
	char *key;
	char *value;   /* NULL for a bare flag */
};

struct mount {
	const struct vfsops *mnt_op;
	struct blkdev *mnt_dev;
	struct bufcache *mnt_bc;
	void *mnt_data;            /* the driver's superblock */
	unsigned mnt_flags;        /* MNT_* */
	struct mntopt *mnt_opts;
	size_t mnt_nopts;
	int mnt_lockfd;            /* exclusive lock held by a writer, or -1 */
	char mnt_corrupt[512];     /* the first corruption report, for the user */
	/* vnode cache (vfs_vnode.c) */
	struct vnode **mnt_vhash;
	size_t mnt_vhashsize;
	size_t mnt_nvnodes;
	size_t mnt_nfree;
	struct vnode *mnt_lruhead, *mnt_lrutail;  /* unreferenced vnodes */
	/* drivers' vnodeops tables with their empty slots filled (vfs_ops.c) */
	struct vfs_filledops {
		const struct vnodeops *src;
		struct vnodeops ops;
	} mnt_filled[4];
	size_t mnt_nfilled;
};

/*
 * Opening and closing. spec is "disk.img", "/dev/sdb", or "disk.img@N"
 * (partition N, 1-based, of an MBR or GPT disk). fstype NULL probes every
 * driver. opts is a comma list ("ro,noload") or NULL. On failure errbuf (if
 * not NULL) holds a one-line explanation for the user.
 */
int vfs_mount(const char *spec, const char *fstype, const char *opts,
    unsigned flags, struct mount **mpp, char *errbuf, size_t errbufsize);
int vfs_unmount(struct mount *mp);
int vfs_sync(struct mount *mp);
/* The vfsops a driver may leave empty, called safely (EOPNOTSUPP, or 8). */
int vfs_statvfs(struct mount *mp, struct vfs_statvfs *sv);
int vfs_info(struct mount *mp, vfs_info_t out, void *arg);
int vfs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg);

/* Options: value of -o key (NULL if absent; "" for a bare flag). */
const char *vfs_opt(struct mount *mp, const char *key);

/* Corruption: record what was expected and what was found; returns EUCLEAN. */
int vfs_corrupt(struct mount *mp, uint64_t ino, uint64_t blk,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A driver refusing something it cannot handle (e.g. an unknown feature). */
int vfs_refuse(struct mount *mp, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The table to install in v_op for a driver's table (vfs_ops.c). */
const struct vnodeops *vfs_filled_ops(struct mount *mp,
    const struct vnodeops *src);

/* Vnode cache. vfs_vget gets inode `ino` (cached or loaded) with a reference. */
int vfs_vget(struct mount *mp, uint64_t ino, struct vnode **vpp);
int vfs_root(struct mount *mp, struct vnode **vpp);
void vref(struct vnode *vp);
void vrele(struct vnode *vp);
/* Reclaims every cached vnode (at unmount); returns how many were in use. */
size_t vfs_vflush(struct mount *mp);


/*
 * Path lookup (vfs_namei.c). Absolute paths start at the root, relative ones
 * at cwd (root if NULL). ".." at the root stays at the root. Symlinks in the
 * middle are always followed; the last one only with NAMEI_FOLLOW. More than
 * VFS_SYMLOOP_MAX links: ELOOP. A component over VFS_NAME_MAX: ENAMETOOLONG.
 */
#define NAMEI_FOLLOW 0x1
int namei(struct mount *mp, struct vnode *cwd, const char *path,
    unsigned flags, struct vnode **vpp);
/*
 * For operations that create or remove a name: *dvpp gets the parent
 * directory (referenced) and name/namelen point into `path` at the last
 * component ("." or ".." as last component: EINVAL; "/" alone: EINVAL).
 */
int namei_parent(struct mount *mp, struct vnode *cwd, const char *path,
    struct vnode **dvpp, const char **name, size_t *namelen);

/* Convenience wrappers that dispatch through v_op. */
#define VOP_LOOKUP(dvp, n, l, vpp)  ((dvp)->v_op->vop_lookup((dvp), (n), (l), (vpp)))
#define VOP_GETATTR(vp, va)         ((vp)->v_op->vop_getattr((vp), (va)))
#define VOP_READ(vp, b, l, o, d)    ((vp)->v_op->vop_read((vp), (b), (l), (o), (d)))
#define VOP_READDIR(vp, c, f, a)    ((vp)->v_op->vop_readdir((vp), (c), (f), (a)))
#define VOP_READLINK(vp, b, s, l)   ((vp)->v_op->vop_readlink((vp), (b), (s), (l)))

#endif
