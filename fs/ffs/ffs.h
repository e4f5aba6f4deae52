/* ffs.h: the FFS (UFS1/UFS2) on-disk layout as named offsets, and the driver's in-memory structures. */
#ifndef RUMPSH_FFS_H
#define RUMPSH_FFS_H

/*
 * Every on-disk integer is read through the mount's byte-order table
 * (fm->fm_bo), chosen once when the superblock's magic number is found in
 * one order or the other; nothing is ever swapped in place. Offsets below
 * are byte offsets into the structure named by their prefix.
 *
 * Addresses: a "daddr" counts fragments from the start of the device (byte
 * offset = daddr * fsize); a "lbn" is a logical block of a file (bsize
 * bytes). Only the last direct block of a file may be shorter than a block
 * (a run of fragments inside one block).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfs/vfs.h"

struct buf;

/* Where the BSDs look for a superblock, in the order they look. */
#define FFS_SBLOCK_UFS2   65536
#define FFS_SBLOCK_UFS1   8192
#define FFS_SBLOCK_FLOPPY 0
#define FFS_SBLOCK_PIGGY  262144
#define FFS_SBLOCKSIZE    8192

#define FFS_UFS1_MAGIC 0x011954
#define FFS_UFS2_MAGIC 0x19540119
#define FFS_CG_MAGIC   0x090255

/* Superblock (struct fs) fields. */
#define FFS_SB_SBLKNO        8
#define FFS_SB_CBLKNO        12
#define FFS_SB_IBLKNO        16
#define FFS_SB_DBLKNO        20
#define FFS_SB_OLD_CGOFFSET  24
#define FFS_SB_OLD_CGMASK    28
#define FFS_SB_OLD_TIME      32
#define FFS_SB_OLD_SIZE      36
#define FFS_SB_OLD_DSIZE     40
#define FFS_SB_NCG           44
#define FFS_SB_BSIZE         48
#define FFS_SB_FSIZE         52
#define FFS_SB_FRAG          56
#define FFS_SB_MINFREE       60
#define FFS_SB_BSHIFT        80
#define FFS_SB_FSHIFT        84
#define FFS_SB_MAXCONTIG     88
#define FFS_SB_FRAGSHIFT     96
#define FFS_SB_FSBTODB       100
#define FFS_SB_SBSIZE        104
#define FFS_SB_NINDIR        116
#define FFS_SB_INOPB         120
#define FFS_SB_OLD_CSADDR    152
#define FFS_SB_CSSIZE        156
#define FFS_SB_CGSIZE        160
#define FFS_SB_IPG           184
#define FFS_SB_FPG           188
#define FFS_SB_OLD_CSTOTAL   192   /* 4 x int32: ndir nbfree nifree nffree */
#define FFS_SB_FMOD          208
#define FFS_SB_CLEAN         209
#define FFS_SB_RONLY         210
#define FFS_SB_OLD_FLAGS     211
#define FFS_SB_FSMNT         212
#define FFS_SB_FSMNT_LEN     468
#define FFS_SB_VOLNAME       680
#define FFS_SB_VOLNAME_LEN   32
#define FFS_SB_JOURNAL_VERSION  864   /* NetBSD WAPBL */
#define FFS_SB_JOURNAL_LOCATION 865
#define FFS_SB_JOURNALLOCS   872
#define FFS_SB_SBLOCKLOC     1000
#define FFS_SB_CSTOTAL       1008  /* 5 x int64: ndir nbfree nifree nffree numclusters */
#define FFS_SB_TIME          1072
#define FFS_SB_SIZE          1080
#define FFS_SB_DSIZE         1088
#define FFS_SB_CSADDR        1096
#define FFS_SB_METACKHASH    1308
#define FFS_SB_FLAGS         1312
#define FFS_SB_CONTIGSUMSIZE 1316
#define FFS_SB_MAXSYMLINKLEN 1320
#define FFS_SB_OLD_INODEFMT  1324
#define FFS_SB_MAGIC         1372
#define FFS_SB_MINSIZE       1376  /* bytes a superblock needs to hold all of the above */

/* fs_clean, fs_flags and fs_old_flags bits. */
#define FFS_ISCLEAN        0x01
#define FFS_FL_UNCLEAN     0x01
#define FFS_FL_SOFTDEP     0x02
#define FFS_FL_NEEDSFSCK   0x04
#define FFS_FL_SUJ         0x08
#define FFS_FL_GJOURNAL    0x40
#define FFS_FL_WAPBL       0x100   /* NetBSD; FreeBSD gives this bit to NFSv4 ACLs */
#define FFS_FL_METACKHASH  0x200   /* FreeBSD */
#define FFS_44INODEFMT     2
#define FFS_MAXCONTIGSUM   32      /* bound on fs_contigsumsize we accept */

/* Cylinder group (struct cg) fields. */
#define FFS_CG_MAGIC_OFF     4
#define FFS_CG_OLD_TIME      8
#define FFS_CG_CGX           12
#define FFS_CG_OLD_NIBLK     18
#define FFS_CG_NDBLK         20
#define FFS_CG_CS            24    /* 4 x int32: ndir nbfree nifree nffree */
#define FFS_CG_ROTOR         40
#define FFS_CG_FROTOR        44
#define FFS_CG_IROTOR        48
#define FFS_CG_FRSUM         52    /* int32 [FFS_MAXFRAG] */
#define FFS_CG_IUSEDOFF      92
#define FFS_CG_FREEOFF       96
#define FFS_CG_NEXTFREEOFF   100
#define FFS_CG_CLUSTERSUMOFF 104
#define FFS_CG_CLUSTEROFF    108
#define FFS_CG_NCLUSTERBLKS  112
#define FFS_CG_NIBLK         116
#define FFS_CG_INITEDIBLK    120
#define FFS_CG_TIME          136
#define FFS_CG_HDRSIZE       168

/* Index of each count in a csum (the same order on disk and in memory). */
#define FFS_CS_NDIR   0
#define FFS_CS_NBFREE 1
#define FFS_CS_NIFREE 2
#define FFS_CS_NFFREE 3

/* UFS1 inode (128 bytes). */
#define FFS_DI1_SIZE      128
#define FFS_DI1_MODE      0
#define FFS_DI1_NLINK     2
#define FFS_DI1_SIZEOFF   8
#define FFS_DI1_ATIME     16
#define FFS_DI1_ATIMENSEC 20
#define FFS_DI1_MTIME     24
#define FFS_DI1_MTIMENSEC 28
#define FFS_DI1_CTIME     32
#define FFS_DI1_CTIMENSEC 36
#define FFS_DI1_DB        40
#define FFS_DI1_IB        88
#define FFS_DI1_FLAGS     100
#define FFS_DI1_BLOCKS    104
#define FFS_DI1_GEN       108
#define FFS_DI1_UID       112
#define FFS_DI1_GID       116

/* UFS2 inode (256 bytes). */
#define FFS_DI2_SIZE      256
#define FFS_DI2_MODE      0
#define FFS_DI2_NLINK     2
#define FFS_DI2_UID       4
#define FFS_DI2_GID       8
#define FFS_DI2_BLKSIZE   12
#define FFS_DI2_SIZEOFF   16
#define FFS_DI2_BLOCKS    24
#define FFS_DI2_ATIME     32
#define FFS_DI2_MTIME     40
#define FFS_DI2_CTIME     48
#define FFS_DI2_BIRTHTIME 56
#define FFS_DI2_MTIMENSEC 64
#define FFS_DI2_ATIMENSEC 68
#define FFS_DI2_CTIMENSEC 72
#define FFS_DI2_BIRTHNSEC 76
#define FFS_DI2_GEN       80
#define FFS_DI2_KERNFLAGS 84
#define FFS_DI2_FLAGS     88
#define FFS_DI2_EXTSIZE   92
#define FFS_DI2_EXTB      96
#define FFS_DI2_DB        112
#define FFS_DI2_IB        208

#define FFS_NDADDR   12
#define FFS_NIADDR   3
#define FFS_NXADDR   2
#define FFS_ROOTINO  2
#define FFS_WINO     1           /* whiteout entries carry this inode */
#define FFS_DEV_BSIZE 512        /* di_blocks counts these */
#define FFS_MAXFRAG  8
#define FFS_LINK_MAX 32767

/* Directory entries (struct direct, 4.4BSD format) in DIRBLKSIZ chunks. */
#define FFS_DIRBLKSIZ  512
#define FFS_D_INO      0
#define FFS_D_RECLEN   4
#define FFS_D_TYPE     6
#define FFS_D_NAMLEN   7
#define FFS_D_NAME     8
#define FFS_DT_WHT     14
/* Bytes an entry with a name of n bytes needs: header, name, NUL, 4-aligned. */
#define FFS_DIRSIZ(n)  ((FFS_D_NAME + (size_t)(n) + 1 + 3) & ~(size_t)3)

/* UFS2 extended attribute records (in the di_extb blocks). */
#define FFS_EA_LENGTH     0
#define FFS_EA_NAMESPACE  4
#define FFS_EA_PADLEN     5
#define FFS_EA_NAMELEN    6
#define FFS_EA_NAME       7

/* Reading and writing integers in the image's byte order. */
struct ffs_byteorder {
	const char *bo_name;
	uint16_t (*get16)(const void *p);
	uint32_t (*get32)(const void *p);
	uint64_t (*get64)(const void *p);
	void (*put16)(void *p, uint16_t v);
	void (*put32)(void *p, uint32_t v);
	void (*put64)(void *p, uint64_t v);
};
extern const struct ffs_byteorder ffs_le, ffs_be;

/* Per-group and total free counts, in memory (the order of FFS_CS_*). */
struct ffs_csum {
	int64_t cs[4];
};

/* Features found in the superblock flags. */
#define FFS_F_SU     0x1
#define FFS_F_SUJ    0x2
#define FFS_F_WAPBL  0x4
#define FFS_F_CKHASH 0x8
#define FFS_F_GJOURNAL 0x10

/* The per-mount state (mp->mnt_data). */
struct ffs_mount {
	struct mount *fm_mp;
	struct bufcache *fm_bc;
	const struct ffs_byteorder *fm_bo;
	int fm_ufs2;
	uint64_t fm_sbloc;          /* byte offset of the primary superblock */
	uint32_t fm_sbsize;
	uint8_t *fm_sb;             /* that superblock's bytes, kept current */
	/* geometry, every value checked at mount */
	uint32_t fm_bsize, fm_fsize, fm_frag, fm_fragshift;
	uint32_t fm_ncg, fm_ipg, fm_fpg, fm_inopb, fm_nindir, fm_isize;
	uint32_t fm_sblkno, fm_cblkno, fm_iblkno, fm_dblkno;
	uint32_t fm_cgoffset, fm_cgmask;  /* UFS1 cylinder-group staggering */
	uint32_t fm_cgsize;         /* bytes of a cg buffer (fragment-rounded) */
	uint32_t fm_cssize;         /* bytes of the summary area */
	uint64_t fm_size, fm_dsize, fm_csaddr;
	uint32_t fm_maxsymlinklen, fm_contigsumsize, fm_minfree;
	uint64_t fm_maxfilesize;
	struct ffs_csum *fm_cs;     /* per cylinder group */
	struct ffs_csum fm_cstotal;
	unsigned fm_feat;           /* FFS_F_* */
	int fm_wasclean;            /* fs_clean was set when we opened it */
	int fm_modified;            /* we have cleared fs_clean and written */
	int fm_csdirty;             /* fm_cs/fm_cstotal differ from the disk */
	const char *fm_norw;        /* why writes are refused, or NULL */
	int fm_norw_errno;
};

/* A file's inode, decoded. di_raw keeps the bytes (for fast symlinks). */
struct ffs_dinode {
	uint16_t di_mode;
	uint16_t di_nlink;
	uint32_t di_uid, di_gid;
	uint64_t di_size;
	uint64_t di_blocks;          /* DEV_BSIZE units */
	int64_t di_atime, di_mtime, di_ctime, di_birthtime;
	int32_t di_atimensec, di_mtimensec, di_ctimensec, di_birthnsec;
	uint32_t di_gen, di_flags, di_extsize;
	uint64_t di_extb[FFS_NXADDR];
	uint64_t di_db[FFS_NDADDR];
	uint64_t di_ib[FFS_NIADDR];
	uint8_t di_raw[FFS_DI2_SIZE];
};

#define VFSTOFFS(mp) ((struct ffs_mount *)(mp)->mnt_data)

/* ffs_endian.c: the fields the whole driver reads from the superblock copy */
uint32_t ffs_sb32(const struct ffs_mount *fm, size_t off);
uint64_t ffs_sb64(const struct ffs_mount *fm, size_t off);
void ffs_sbput32(struct ffs_mount *fm, size_t off, uint32_t v);
void ffs_sbput64(struct ffs_mount *fm, size_t off, uint64_t v);

static inline uint32_t ffs_get32(const struct ffs_mount *fm, const void *p)
{
	return fm->fm_bo->get32(p);
}
static inline uint16_t ffs_get16(const struct ffs_mount *fm, const void *p)
{
	return fm->fm_bo->get16(p);
}
static inline uint64_t ffs_get64(const struct ffs_mount *fm, const void *p)
{
	return fm->fm_bo->get64(p);
}
static inline void ffs_put32(const struct ffs_mount *fm, void *p, uint32_t v)
{
	fm->fm_bo->put32(p, v);
}
static inline void ffs_put16(const struct ffs_mount *fm, void *p, uint16_t v)
{
	fm->fm_bo->put16(p, v);
}
static inline void ffs_put64(const struct ffs_mount *fm, void *p, uint64_t v)
{
	fm->fm_bo->put64(p, v);
}

/* Geometry helpers (fragment addresses). */
static inline uint64_t ffs_cgbase(const struct ffs_mount *fm, uint32_t c)
{
	return (uint64_t)fm->fm_fpg * c;
}
static inline uint64_t ffs_cgstart(const struct ffs_mount *fm, uint32_t c)
{
	if (fm->fm_ufs2)
		return ffs_cgbase(fm, c);
	return ffs_cgbase(fm, c) + (uint64_t)fm->fm_cgoffset * (c & ~fm->fm_cgmask);
}
static inline uint64_t ffs_cgtod(const struct ffs_mount *fm, uint32_t c)
{
	return ffs_cgstart(fm, c) + fm->fm_cblkno;
}
static inline uint64_t ffs_cgimin(const struct ffs_mount *fm, uint32_t c)
{
	return ffs_cgstart(fm, c) + fm->fm_iblkno;
}
static inline uint64_t ffs_cgdmin(const struct ffs_mount *fm, uint32_t c)
{
	return ffs_cgstart(fm, c) + fm->fm_dblkno;
}
static inline uint64_t ffs_fsbyte(const struct ffs_mount *fm, uint64_t daddr)
{
	return daddr * fm->fm_fsize;
}
static inline uint64_t ffs_ninodes(const struct ffs_mount *fm)
{
	return (uint64_t)fm->fm_ncg * fm->fm_ipg;
}
/* Bytes of the block holding logical block lbn of a file of size `size`. */
static inline uint32_t ffs_blksize(const struct ffs_mount *fm, uint64_t size,
    uint64_t lbn)
{
	uint64_t end = (lbn + 1) * fm->fm_bsize;

	if (lbn >= FFS_NDADDR || size >= end)
		return fm->fm_bsize;
	return (uint32_t)(((size - lbn * fm->fm_bsize) + fm->fm_fsize - 1) &
	    ~(uint64_t)(fm->fm_fsize - 1));
}
static inline uint64_t ffs_lblkno(const struct ffs_mount *fm, uint64_t off)
{
	return off / fm->fm_bsize;
}
static inline uint32_t ffs_numfrags(const struct ffs_mount *fm, uint32_t bytes)
{
	return bytes / fm->fm_fsize;
}

/* ffs_vfsops.c */
extern const struct vfsops ffs_vfsops;
int ffs_sync(struct mount *mp);
/* Call before the first change: refuses (EROFS...) or marks the fs dirty. */
int ffs_begin_write(struct ffs_mount *fm);
int ffs_cg_check(struct ffs_mount *fm, uint32_t c, const uint8_t *cg);

/* ffs_inode.c */
extern const struct vnodeops ffs_vnodeops;
int ffs_iread(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di);
int ffs_iwrite(struct ffs_mount *fm, uint64_t ino, const struct ffs_dinode *di);
int ffs_iload(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di);
int ffs_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino);
int ffs_getattr(struct vnode *vp, struct vattr *va);
int ffs_setattr(struct vnode *vp, const struct vattr *va, unsigned valid);
void ffs_itimes(struct ffs_dinode *di, int acc, int mod, int chg);
int ffs_daddr_ok(const struct ffs_mount *fm, uint64_t daddr, uint32_t nfrags);
int ffs_iclear(struct ffs_mount *fm, uint64_t ino);

/* ffs_bmap.c: lbn -> daddr (0 = hole); *run = further contiguous blocks */
int ffs_bmap(struct ffs_mount *fm, uint64_t ino, const struct ffs_dinode *di,
    uint64_t lbn, uint64_t *daddr, uint64_t *run);
/* Which pointer chain reaches lbn: level (0 direct, 1..3) and indexes. */
int ffs_lbn_path(const struct ffs_mount *fm, uint64_t lbn, int *level,
    uint64_t idx[4]);
uint64_t ffs_ptr_get(const struct ffs_mount *fm, const uint8_t *blk,
    uint64_t i);
void ffs_ptr_put(const struct ffs_mount *fm, uint8_t *blk, uint64_t i,
    uint64_t v);

/* ffs_read.c */
int ffs_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done);
int ffs_readlink(struct vnode *vp, char *buf, size_t bufsize, size_t *len);
int ffs_rdwr_blocks(struct ffs_mount *fm, uint64_t ino,
    const struct ffs_dinode *di, void *buf, size_t len, uint64_t off);
int ffs_listxattr(struct vnode *vp, char *buf, size_t bufsize, size_t *len);
int ffs_getxattr(struct vnode *vp, const char *name, void *buf,
    size_t bufsize, size_t *len);

/* ffs_dir.c */
struct ffs_dirslot {
	uint64_t ds_ino;         /* the entry's inode (lookup) */
	uint64_t ds_off;         /* byte offset of the entry in the directory */
	uint64_t ds_prevoff;     /* the entry before it in its chunk, or ~0 */
	uint8_t ds_type;
};
int ffs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp);
int ffs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg);
int ffs_dir_find(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, const char *name, size_t namelen,
    struct ffs_dirslot *slot);
int ffs_dir_enter(struct ffs_mount *fm, uint64_t dino, struct ffs_dinode *ddi,
    const char *name, size_t namelen, uint64_t ino, uint8_t type);
int ffs_dir_remove(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, const struct ffs_dirslot *slot);
int ffs_dir_setino(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, uint64_t off, uint64_t ino, uint8_t type);
int ffs_dir_isempty(struct ffs_mount *fm, uint64_t dino,
    const struct ffs_dinode *ddi, int *empty);
int ffs_dir_chunk_check(struct ffs_mount *fm, uint64_t dino,
    const uint8_t *chunk, uint64_t off, const char **why);
uint8_t ffs_mode_to_dt(uint16_t mode);

/* ffs_alloc.c */
int ffs_alloc_frags(struct ffs_mount *fm, uint64_t pref, uint32_t nfrags,
    uint64_t *daddr);
int ffs_extend_frags(struct ffs_mount *fm, uint64_t daddr, uint32_t ofrags,
    uint32_t nfrags);
int ffs_free_frags(struct ffs_mount *fm, uint64_t ino, uint64_t daddr,
    uint32_t nfrags);
int ffs_alloc_inode(struct ffs_mount *fm, uint64_t dirino, int isdir,
    uint64_t *ino);
int ffs_free_inode(struct ffs_mount *fm, uint64_t ino, int isdir);
int ffs_cg_count(const struct ffs_mount *fm, uint32_t c,
    const uint8_t *cg, struct ffs_csum *cs, int32_t frsum[FFS_MAXFRAG],
    int32_t *clsum);

/* ffs_balloc.c: make [off, off+len) of a file backed by blocks */
int ffs_balloc(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    uint64_t off, uint64_t len);
int ffs_write_di(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    const void *buf, size_t len, uint64_t off, size_t *done);
int ffs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    size_t *done);

/* ffs_truncate.c */
int ffs_truncate(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di,
    uint64_t length);
int ffs_ext_free(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di);

/* ffs_vnops.c */
int ffs_create(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp);
int ffs_mkdir(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, struct vnode **vpp);
int ffs_mknod(struct vnode *dvp, const char *name, size_t namelen,
    mode_t mode, uint32_t major, uint32_t minor, struct vnode **vpp);
int ffs_symlink(struct vnode *dvp, const char *name, size_t namelen,
    const char *target, struct vnode **vpp);
int ffs_link(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode *vp);
int ffs_remove(struct vnode *dvp, const char *name, size_t namelen);
int ffs_rmdir(struct vnode *dvp, const char *name, size_t namelen);
int ffs_rename(struct vnode *fdvp, const char *fname, size_t fnamelen,
    struct vnode *tdvp, const char *tname, size_t tnamelen, unsigned flags);
int ffs_fsync(struct vnode *vp);

/* ffs_fsck.c */
int ffs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg);

#endif
