/* cd9660.h: ISO 9660 driver internals: on-disk offsets (ECMA-119, SUSP, RRIP, El Torito), in-memory mount and node. */
#ifndef RUMPSH_CD9660_H
#define RUMPSH_CD9660_H

/*
 * How this driver names things:
 *  - inode number = byte offset on the image of the directory record that
 *    names the file (as the BSDs do); the root is the root record inside the
 *    volume descriptor in use. A directory's own "." record is never its
 *    inode number, so a directory reached from its parent and through ".."
 *    of a child is the same vnode. That number is the vnode's identity
 *    (vfs_vget, readdir). What getattr shows as va_ino for a file (not a
 *    directory) is the Rock Ridge PX file serial number when the record
 *    has one (RRIP 1.12: xorriso -hardlinks on, makefs), so hard links
 *    show one inode number, as in the tree the image was made from; the
 *    mount says so with MNT_STINO.
 *  - every record is copied out of its sector (struct cd9660_rec) before it
 *    is decoded, so no pointer into a buffer outlives its brelse().
 *  - on-disk offsets are named after the standard's byte positions (BP,
 *    1-based in ECMA-119; the constants below are 0-based).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vfs/vfs.h"

#define ISO_SECTOR        2048u   /* the only logical block size accepted */
#define ISO_VD_FIRST      16u     /* sector of the first volume descriptor */
#define ISO_VD_MAX        64u     /* descriptors read before giving up */

/* Volume descriptor (ECMA-119 8.1, 8.4, 8.5) */
#define ISO_VD_TYPE       0
#define ISO_VD_ID         1       /* "CD001" */
#define ISO_VD_VERSION    6
#define ISO_VD_BOOT       0
#define ISO_VD_PRIMARY    1
#define ISO_VD_SUPPL      2
#define ISO_VD_TERM       255
#define ISO_PVD_SYSTEM_ID   8     /* 32 a-characters */
#define ISO_PVD_VOLUME_ID   40    /* 32 d-characters */
#define ISO_PVD_SPACE_SIZE  80    /* both-endian 32: blocks in the volume */
#define ISO_SVD_ESCAPES     88    /* 32 bytes: Joliet "%/@", "%/C", "%/E" */
#define ISO_PVD_BLOCK_SIZE  128   /* both-endian 16 */
#define ISO_PVD_ROOT        156   /* 34-byte root directory record */
#define ISO_PVD_VOLSET_ID   190   /* 128 */
#define ISO_PVD_PUBLISHER   318   /* 128 */
#define ISO_PVD_PREPARER    446   /* 128 */
#define ISO_PVD_APPLICATION 574   /* 128 */
#define ISO_PVD_CREATED     813   /* 17-byte dates */
#define ISO_PVD_MODIFIED    830
#define ISO_PVD_EXPIRES     847
#define ISO_PVD_EFFECTIVE   864
/* Boot record (El Torito 2.0) */
#define ISO_BR_SYSTEM_ID    7     /* "EL TORITO SPECIFICATION" */
#define ISO_BR_CATALOG      71    /* little-endian 32: sector of the catalog */

/* Directory record (ECMA-119 9.1) */
#define ISO_DR_LEN        0
#define ISO_DR_XA_LEN     1
#define ISO_DR_EXTENT     2       /* both-endian 32 */
#define ISO_DR_SIZE       10      /* both-endian 32 */
#define ISO_DR_DATE       18      /* 7 bytes */
#define ISO_DR_FLAGS      25
#define ISO_DR_UNIT_SIZE  26      /* interleaved files: unit, in blocks */
#define ISO_DR_GAP        27      /* interleaved files: gap, in blocks */
#define ISO_DR_NAME_LEN   32
#define ISO_DR_NAME       33
#define ISO_DR_MIN        34      /* smallest valid record */
#define ISO_FL_HIDDEN     0x01    /* the "existence" bit: hide from the user */
#define ISO_FL_DIR        0x02
#define ISO_FL_ASSOC      0x04    /* associated file (e.g. a resource fork) */
#define ISO_FL_MULTI      0x80    /* another record continues this file */

#define CD9660_MAX_EXTENTS 4096   /* extents of one multi-extent file */
#define CD9660_MAX_CE      32     /* continuation areas in one SUSP chain */
#define CD9660_DMAP_MAX    (1u << 20)  /* directories remembered */
#define CD9660_DIR_MAX     (256u << 20)  /* largest directory accepted */

/* One directory record, copied out of its sector and bounds-checked. */
struct cd9660_rec {
	uint64_t r_off;           /* byte offset of the record on the device */
	uint8_t r_raw[256];
	unsigned r_len;
	uint32_t r_extent;
	uint32_t r_size;
	uint8_t r_flags;
	uint8_t r_fu, r_gap;
	unsigned r_namelen;
	const uint8_t *r_name;    /* into r_raw */
	unsigned r_suaoff;        /* system use area: r_raw[r_suaoff..r_len) */
};

/* What the Rock Ridge / SUSP entries of one record say. */
#define RR_PX 0x001
#define RR_TF 0x002
#define RR_PN 0x004
#define RR_SL 0x008
#define RR_NM 0x010
#define RR_CL 0x020
#define RR_PL 0x040
#define RR_RE 0x080
#define RR_ZF 0x100
#define RR_SP 0x200
#define RR_ER 0x400
#define RR_RR 0x800
/* rr_times[] slots, in TF order */
#define RR_T_BIRTH  0
#define RR_T_MTIME  1
#define RR_T_ATIME  2
#define RR_T_CTIME  3

struct cd9660_rr {
	unsigned rr_have;
	mode_t rr_mode;
	uint32_t rr_nlink, rr_uid, rr_gid;
	uint32_t rr_ino;          /* PX file serial number (RRIP 1.12), 0 if none */
	uint32_t rr_dev_hi, rr_dev_lo;
	unsigned rr_tmask;        /* bit i: rr_times[i] set */
	struct timespec rr_times[4];
	char rr_name[VFS_NAME_MAX + 1];
	size_t rr_namelen;
	int rr_namedone;          /* the last NM did not continue */
	char *rr_link;            /* caller's VFS_PATH_MAX buffer, or NULL */
	size_t rr_linklen;
	int rr_linkstate;         /* see cd9660_rrip.c */
	uint32_t rr_cl, rr_pl;
	uint8_t rr_zf_alg[2];
	uint8_t rr_zf_hdr, rr_zf_log2;
	uint32_t rr_zf_size;
	uint8_t rr_skip;          /* SP: bytes to skip in later records */
};

/* Which tree names come from. */
enum cd9660_names { CD9660_ISO, CD9660_JOLIET, CD9660_RRIP };

struct cd9660_mount {
	struct mount *im_mp;
	uint64_t im_devsize;       /* bytes on the device */
	uint32_t im_volblocks;     /* volume space size, from the PVD */
	uint8_t im_pvd[ISO_SECTOR];
	uint32_t im_pvd_sector;
	uint32_t im_svd_sector;    /* Joliet SVD, 0 if none */
	int im_joliet_level;       /* 0 if no Joliet SVD */
	uint32_t im_boot_catalog;  /* El Torito catalog sector, 0 if none */
	int im_has_rrip;           /* Rock Ridge found in the PVD tree */
	enum cd9660_names im_names;
	uint8_t im_skip;           /* SUSP bytes to skip (SP LEN_SKP) */
	uint64_t im_root_ino;      /* offset of the root record in use */
	uint32_t im_root_extent;
	int im_nozisofs;
	int im_hide;               /* -o hide: leave out records flagged hidden */
	int im_showassoc;          /* -o showassoc: list associated files */
	/* directory extent -> parent inode, learnt from lookups (see dir.c) */
	uint64_t *im_dmap;         /* pairs: extent + 1, parent inode */
	size_t im_dmapsize;        /* pairs allocated, a power of two */
	size_t im_dmapn;
	/* one decompressed zisofs block, shared by the mount (bounds memory) */
	uint8_t *im_zbuf;
	uint64_t im_zino;
	uint64_t im_zblock;
	size_t im_zlen;
};

struct cd9660_extent {
	uint64_t e_off;            /* byte offset on the device */
	uint64_t e_len;            /* bytes of file data */
};

struct cd9660_node {
	struct vattr n_va;
	uint32_t n_dirext;         /* directories: first block of their records */
	uint64_t n_dirsize;        /* directories: bytes of records */
	int n_relocated;           /* reached through a Rock Ridge CL entry */
	uint64_t n_parent;         /* inode of the parent, 0 if not yet known */
	struct cd9660_extent *n_ext;
	size_t n_next;
	uint64_t n_rawsize;        /* bytes on the device (zisofs: compressed) */
	uint8_t n_fu, n_gap;       /* interleaving, in blocks (0: contiguous) */
	char *n_link;              /* symlink target */
	size_t n_linklen;
	int n_zisofs;              /* content is zisofs-compressed */
	uint8_t n_zf_log2, n_zf_hdr;
};

#define VTOI(vp)   ((struct cd9660_node *)(vp)->v_data)
#define VFSTOISO(mp) ((struct cd9660_mount *)(mp)->mnt_data)

extern const struct vnodeops cd9660_vnodeops;

/* cd9660_node.c */
int cd9660_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino);
int cd9660_getattr(struct vnode *vp, struct vattr *va);
void cd9660_reclaim(struct vnode *vp);
int cd9660_rec_read(struct cd9660_mount *imp, uint64_t off,
    struct cd9660_rec *rec);
int cd9660_rec_decode(struct cd9660_mount *imp, const uint8_t *p,
    size_t avail, uint64_t off, struct cd9660_rec *rec);
int64_t cd9660_time7(const uint8_t *p);
int64_t cd9660_time17(const uint8_t *p, long *nsec);
int cd9660_check_extent(struct cd9660_mount *imp, uint64_t ino,
    uint32_t extent, uint64_t len, const char *what);

/* cd9660_dir.c: walking directory records */
struct cd9660_dirent {
	struct cd9660_rec d_rec;   /* the entry's (first) record */
	uint64_t d_next;           /* directory offset just after the entry */
	char d_name[VFS_NAME_MAX + 1];
	size_t d_namelen;
	enum vtype d_type;
	int d_dot;                 /* 1 for ".", 2 for "..", else 0 */
};
int cd9660_dir_entry(struct cd9660_mount *imp, const struct cd9660_node *dp,
    uint64_t ino, uint64_t *pos, struct cd9660_dirent *de);
int cd9660_dir_head(struct cd9660_mount *imp, uint64_t ino, uint32_t ext,
    struct cd9660_rec *dot, uint32_t *dotdot, uint32_t *pl);
void cd9660_dirmap_put(struct cd9660_mount *imp, uint32_t ext,
    uint64_t parent);
int cd9660_parent(struct cd9660_mount *imp, struct vnode *vp,
    uint64_t *pino);
size_t cd9660_isoname(const uint8_t *name, size_t len, char *out,
    int joliet);

/* cd9660_lookup.c, cd9660_readdir.c, cd9660_read.c */
int cd9660_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp);
int cd9660_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg);
int cd9660_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done);
int cd9660_readlink(struct vnode *vp, char *buf, size_t bufsize,
    size_t *len);
int cd9660_read_raw(struct cd9660_mount *imp, struct vnode *vp, void *buf,
    size_t len, uint64_t off);

/* cd9660_rrip.c */
int cd9660_rrip_parse(struct cd9660_mount *imp, const struct cd9660_rec *rec,
    unsigned skip, struct cd9660_rr *rr);

/* cd9660_zisofs.c */
int cd9660_zisofs_read(struct cd9660_mount *imp, struct vnode *vp,
    void *buf, size_t len, uint64_t off, size_t *done);

/* cd9660_joliet.c */
size_t cd9660_ucs2_to_utf8(const uint8_t *in, size_t inlen, char *out,
    size_t outsize);

/* cd9660_info.c */
int cd9660_info(struct mount *mp, vfs_info_t out, void *arg);

#endif
