/* msdosfs.h: FAT12/16/32 on-disk layout (fields named by offset) and the driver's in-memory structures. */
#ifndef RUMPSH_MSDOSFS_H
#define RUMPSH_MSDOSFS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vfs/vfs.h"

struct buf;

/* Boot sector and BPB (Microsoft FAT specification, byte offsets). */
#define BS_JMPBOOT       0
#define BS_OEMNAME       3    /* 8 bytes */
#define BPB_BYTSPERSEC   11   /* le16 */
#define BPB_SECPERCLUS   13   /* u8 */
#define BPB_RSVDSECCNT   14   /* le16 */
#define BPB_NUMFATS      16   /* u8 */
#define BPB_ROOTENTCNT   17   /* le16 */
#define BPB_TOTSEC16     19   /* le16 */
#define BPB_MEDIA        21   /* u8 */
#define BPB_FATSZ16      22   /* le16 */
#define BPB_TOTSEC32     32   /* le32 */
/* FAT12/16 extended BPB */
#define BS16_BOOTSIG     38   /* 0x29: serial, label and type follow */
#define BS16_VOLID       39
#define BS16_VOLLAB      43   /* 11 bytes */
/* FAT32 extended BPB */
#define BPB32_FATSZ32    36   /* le32 */
#define BPB32_EXTFLAGS   40   /* le16: bit 7 mirroring off, bits 0-3 active FAT */
#define BPB32_FSVER      42   /* le16, must be 0 */
#define BPB32_ROOTCLUS   44   /* le32 */
#define BPB32_FSINFO     48   /* le16 */
#define BS32_BOOTSIG     66
#define BS32_VOLID       67
#define BS32_VOLLAB      71
#define BS_SIGNATURE     510  /* 0x55 0xAA */

/* FSInfo sector (FAT32) */
#define FSI_LEADSIG      0    /* 0x41615252 */
#define FSI_STRUCSIG     484  /* 0x61417272 */
#define FSI_FREE_COUNT   488
#define FSI_NXT_FREE     492
#define FSI_TRAILSIG     508  /* 0xAA550000 */
#define FSI_LEADSIG_VAL  0x41615252u
#define FSI_STRUCSIG_VAL 0x61417272u
#define FSI_TRAILSIG_VAL 0xAA550000u
#define FSI_UNKNOWN      0xFFFFFFFFu

/* Directory entry (32 bytes) */
#define DIR_SIZE         32
#define DIR_NAME         0    /* 11 bytes, 8.3 padded with spaces */
#define DIR_ATTR         11
#define DIR_NTRES        12   /* 0x08 base lower case, 0x10 extension lower case */
#define DIR_CRTTIMETENTH 13   /* 0..199, 10 ms units */
#define DIR_CRTTIME      14
#define DIR_CRTDATE      16
#define DIR_LSTACCDATE   18
#define DIR_FSTCLUSHI    20
#define DIR_WRTTIME      22
#define DIR_WRTDATE      24
#define DIR_FSTCLUSLO    26
#define DIR_FILESIZE     28

#define ATTR_READ_ONLY   0x01
#define ATTR_HIDDEN      0x02
#define ATTR_SYSTEM      0x04
#define ATTR_VOLUME_ID   0x08
#define ATTR_DIRECTORY   0x10
#define ATTR_ARCHIVE     0x20
#define ATTR_LONG_NAME   0x0F
#define ATTR_LONG_MASK   0x3F

#define NTRES_LCASE_BASE 0x08
#define NTRES_LCASE_EXT  0x10

#define SLOT_EMPTY       0x00  /* this and every later entry is free */
#define SLOT_DELETED     0xE5
#define SLOT_E5          0x05  /* a name whose first byte really is 0xE5 */

/* Long-name entry */
#define LDIR_ORD         0
#define LDIR_NAME1       1    /* 5 UTF-16 units */
#define LDIR_ATTR        11
#define LDIR_TYPE        12
#define LDIR_CHKSUM      13
#define LDIR_NAME2       14   /* 6 units */
#define LDIR_FSTCLUSLO   26
#define LDIR_NAME3       28   /* 2 units */
#define LDIR_LAST        0x40
#define LDIR_ORD_MASK    0x3F
#define LFN_CHARS        13
#define LFN_MAX_SLOTS    20   /* 255 units / 13 */
#define LFN_MAX_UNITS    255

/* A directory holds at most 65536 entries (the specification's limit). */
#define DIR_MAX_BYTES    (65536u * DIR_SIZE)

/* Inode numbers: see msdosfs_ident.c for the invariant. */
#define MSDOSFS_ROOTINO       1
#define MSDOSFS_FILEINO_BASE  (1ull << 32)
#define MSDOSFS_FRESHINO_BASE (1ull << 60)

/* FAT entry classes */
#define CLUST_FREE 0
enum fatclass { FC_FREE, FC_NEXT, FC_EOC, FC_BAD, FC_INVALID };

/* The per-mount record of inode numbers that differ from their entry location. */
struct msdosfs_idrec {
	uint64_t ino;
	uint64_t loc;            /* absolute byte offset of the short entry */
	int retired;             /* the file is gone; its live vnode keeps ino */
	struct msdosfs_idrec *next_ino, *next_loc;
};
#define IDMAP_HASH 1024

/* A directory's in-memory name index (msdosfs_lookup.c). */
struct msdosfs_dhrec {
	uint32_t off_first;      /* first slot of the entry set (long names) */
	uint32_t off_short;      /* the short entry */
	uint32_t lhash;          /* hash of the folded display name */
	uint8_t sname[11];
	int32_t next_l, next_s;  /* chains, -1 ends; next_l == -2: a free record */
};
struct msdosfs_dirhash {
	struct msdosfs_dhrec *recs;
	size_t nrecs, caprecs;
	int32_t *lheads, *sheads;
	size_t nbuckets;
	int32_t freerec;         /* a free record list through next_s */
	uint32_t freehint;       /* every slot below this is in use */
};

struct msdosfs {
	struct mount *mp;
	struct bufcache *bc;
	int fattype;             /* 12, 16, 32 */
	uint32_t bps;            /* bytes per sector */
	uint32_t spc;            /* sectors per cluster */
	uint32_t csize;          /* bytes per cluster */
	uint32_t nfats;
	uint32_t fatsz;          /* sectors per FAT */
	uint32_t nclusters;      /* data clusters: numbers 2 .. nclusters + 1 */
	uint32_t maxclust;       /* nclusters + 1 */
	uint64_t totsec;
	uint64_t fatoff;         /* byte offset of FAT 0 */
	uint64_t fatbytes;       /* bytes of one FAT copy */
	uint64_t rootoff;        /* FAT12/16: byte offset of the root region */
	uint32_t rootbytes;
	uint64_t dataoff;        /* byte offset of cluster 2 */
	uint32_t rootclus;       /* FAT32 */
	uint32_t fsinfo;         /* FAT32: FSInfo sector, 0 if none */
	int mirror;              /* write every FAT copy */
	uint32_t activefat;      /* the copy reads come from */
	uint32_t eocmark;        /* what we write at the end of a chain */
	uint32_t freecount;      /* valid if freevalid */
	int freevalid;
	uint32_t nextfree;       /* allocation hint */
	int rdonly;
	int was_dirty;           /* clean bit was already off at mount */
	int marked_dirty;        /* we turned the clean bit off */
	int fsinfo_stale;        /* FSInfo must be rewritten at sync */
	uint8_t bs[512];         /* the first 512 bytes of the boot sector */
	/* options */
	uint32_t uid, gid;
	mode_t mask, dirmask;
	int utc;                 /* times are UTC plus gmtoff, not local time */
	long gmtoff;
	char zone[128];          /* -o tz=ZONE as TZ wants it, "" = host zone */
	struct msdosfs_zonememos *zmemo;   /* its offsets per hour, or NULL */
	/* identity (msdosfs_ident.c) */
	struct msdosfs_idrec *id_byino[IDMAP_HASH], *id_byloc[IDMAP_HASH];
	uint64_t nextfresh;
	/* the entry a lookup is about to hand to vfs_vget (loadvnode hint) */
	int hint_valid;
	uint64_t hint_ino, hint_loc;
	uint8_t hint_de[DIR_SIZE];
};

/* Remembered zone offsets (msdosfs_zone.c), by wall-clock and by UTC hour. */
#define ZONE_MEMO 64
struct msdosfs_zonememo {
	int64_t key;
	long off;
	int valid;
};
struct msdosfs_zonememos {
	struct msdosfs_zonememo wall[ZONE_MEMO], utc[ZONE_MEMO];
};

/* The in-memory inode. */
struct denode {
	struct msdosfs *fs;
	uint64_t loc;            /* absolute byte offset of our short entry; 0 = root */
	uint8_t de[DIR_SIZE];    /* a copy of that entry, kept current */
	int isdir;
	uint32_t start;          /* first cluster, 0 = none */
	uint32_t size;           /* files: bytes; directories: chain bytes */
	int removed;             /* its entry is gone (vnode outlives it) */
	/* chain position cache: cluster number of file cluster index `cidx` */
	uint32_t cidx, cclust;
	struct msdosfs_dirhash *dh;
};

static inline struct msdosfs *VFSTOMSDOS(struct mount *mp)
{
	return mp->mnt_data;
}
static inline struct denode *VTODE(struct vnode *vp)
{
	return vp->v_data;
}

/* msdosfs_vfsops.c */
extern const struct vfsops msdosfs_vfsops;
extern const struct vnodeops msdosfs_vnodeops;
int msdosfs_mark_dirty(struct msdosfs *fs);
uint64_t msdosfs_clustoff(const struct msdosfs *fs, uint32_t cl);
int msdosfs_fsinfo_write(struct msdosfs *fs);

/* msdosfs_fat.c */
int msdosfs_fat_get(struct msdosfs *fs, uint32_t cl, uint32_t *val);
int msdosfs_fat_set(struct msdosfs *fs, uint32_t cl, uint32_t val);
int msdosfs_fat_get_copy(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t *val);
int msdosfs_fat_set_copy(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t val);
int msdosfs_fat_get_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t *val);
int msdosfs_fat_set_raw(struct msdosfs *fs, uint32_t copy, uint32_t cl,
    uint32_t val);
enum fatclass msdosfs_fat_class(const struct msdosfs *fs, uint32_t val);
int msdosfs_next(struct msdosfs *fs, uint64_t ino, uint32_t cl, uint32_t *next);
int msdosfs_bmap(struct denode *dep, uint32_t cidx, uint32_t *cl,
    uint32_t *run);
int msdosfs_chain_len(struct msdosfs *fs, uint64_t ino, uint32_t start,
    uint32_t max, uint32_t *len, uint32_t *last);
int msdosfs_alloc(struct msdosfs *fs, uint32_t prev, uint32_t count,
    uint32_t *first);
int msdosfs_free_chain(struct msdosfs *fs, uint32_t start);
int msdosfs_count_free(struct msdosfs *fs);
int msdosfs_set_clean(struct msdosfs *fs, int clean, int *wasclean);

/* msdosfs_conv.c */
int msdosfs_utf8_to_utf16(const char *s, size_t len, uint16_t *out,
    size_t outmax, size_t *outlen);
size_t msdosfs_utf16_to_utf8(const uint16_t *u, size_t n, char *out,
    size_t outmax);
uint32_t msdosfs_fold(uint32_t c);
uint32_t msdosfs_name_hash(const uint16_t *u, size_t n);
uint8_t msdosfs_lfn_chksum(const uint8_t *sname);
size_t msdosfs_short_display(const uint8_t *de, uint16_t *out);
int msdosfs_pack83(const uint16_t *u, size_t n, uint8_t *sname,
    uint8_t *ntres);
void msdosfs_basis83(const uint16_t *u, size_t n, uint8_t *sname);
int msdosfs_tail83(const uint8_t *basis, uint32_t n, uint8_t *sname);
int msdosfs_valid_longname(const uint16_t *u, size_t n);
void msdosfs_fat2unix(const struct msdosfs *fs, uint16_t dd, uint16_t dt,
    uint8_t tenth, struct timespec *ts);
void msdosfs_unix2fat(const struct msdosfs *fs, const struct timespec *ts,
    uint16_t *dd, uint16_t *dt, uint8_t *tenth);

/* msdosfs_zone.c */
int msdosfs_zone_check(const char *name, size_t max);
time_t msdosfs_zone_mktime(const struct msdosfs *fs, struct tm *tm);
void msdosfs_zone_localtime(const struct msdosfs *fs, time_t t, struct tm *tm);

/* msdosfs_ident.c */
uint64_t msdosfs_ino_for_loc(struct msdosfs *fs, uint64_t loc);
int msdosfs_loc_for_ino(struct msdosfs *fs, uint64_t ino, uint64_t *loc);
void msdosfs_id_moved(struct msdosfs *fs, uint64_t ino, uint64_t newloc);
void msdosfs_id_removed(struct msdosfs *fs, uint64_t ino);
void msdosfs_id_reclaimed(struct msdosfs *fs, uint64_t ino);
int msdosfs_id_retired(struct msdosfs *fs, uint64_t ino);
void msdosfs_id_free(struct msdosfs *fs);
uint64_t msdosfs_dirino(const struct msdosfs *fs, uint32_t cl);

/* msdosfs_lookup.c */
struct msdosfs_dirent {
	uint32_t off_first, off_short;   /* directory offsets */
	uint64_t loc;                    /* absolute offset of the short entry */
	uint8_t de[DIR_SIZE];
	uint16_t lname[LFN_MAX_UNITS];
	size_t lnamelen;                 /* 0: no valid long name */
};
int msdosfs_dirblk(struct denode *dp, uint32_t off, uint64_t *diskoff,
    uint32_t *blksize);
int msdosfs_dir_next(struct denode *dp, uint32_t *off,
    struct msdosfs_dirent *ent);
int msdosfs_dir_find(struct denode *dp, const uint16_t *u, size_t n,
    struct msdosfs_dirent *ent);
int msdosfs_dirhash_build(struct denode *dp);
void msdosfs_dirhash_free(struct denode *dp);
int msdosfs_dirhash_add(struct denode *dp, const struct msdosfs_dirent *ent);
void msdosfs_dirhash_del(struct denode *dp, uint32_t off_short,
    uint32_t off_first);
int msdosfs_sname_taken(struct denode *dp, const uint8_t *sname);
int msdosfs_entry_vget(struct denode *dp, const struct msdosfs_dirent *ent,
    struct vnode **vpp);
int msdosfs_parent_cluster(struct denode *dp, uint32_t *cl);
int msdosfs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp);
int msdosfs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg);
int msdosfs_de_write(struct denode *dep);
int msdosfs_de_put(struct msdosfs *fs, uint64_t loc, const uint8_t *de);
int msdosfs_de_read(struct msdosfs *fs, uint64_t loc, uint8_t *de);
int msdosfs_dir_empty(struct denode *dp, int *empty);

/* msdosfs_dirent.c */
int msdosfs_dirent_create(struct denode *dp, const uint16_t *u, size_t n,
    const uint8_t *tmpl, struct msdosfs_dirent *ent);
int msdosfs_dirent_remove(struct denode *dp, const struct msdosfs_dirent *ent);
int msdosfs_dir_init(struct msdosfs *fs, uint32_t cl, const uint8_t *self,
    uint32_t parent);
int msdosfs_zero_cluster(struct msdosfs *fs, uint32_t cl);

/* msdosfs_vnops.c */
int msdosfs_truncate(struct denode *dep, uint64_t newsize);
void msdosfs_de_times(struct denode *dep, int mtime, int ctime);
int msdosfs_name16(const char *name, size_t namelen, uint16_t *u, size_t *n);
int msdosfs_new_name(const char *name, size_t namelen, uint16_t *u, size_t *n);
int msdosfs_node_destroy(struct vnode *vp);

/* msdosfs_rename.c */
int msdosfs_rename(struct vnode *fdvp, const char *fname, size_t fnamelen,
    struct vnode *tdvp, const char *tname, size_t tnamelen, unsigned flags);

/* msdosfs_fsck.c */
int msdosfs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg);

/* Start cluster stored in an entry (high half only on FAT32). */
uint32_t msdosfs_de_start(const struct msdosfs *fs, const uint8_t *de);
void msdosfs_de_set_start(const struct msdosfs *fs, uint8_t *de, uint32_t cl);

#endif
