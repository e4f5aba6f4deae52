/* ext2fs.h: ext2/3/4 internals: on-disk offsets, in-memory superblock and inode, shared helpers. */
#ifndef RUMPSH_EXT2FS_H
#define RUMPSH_EXT2FS_H

/*
 * On-disk structures are never cast to C structs: each field is named here by
 * its byte offset and read with le16dec/le32dec/le64dec. Every value read
 * from the image is validated before it is used as an index, a size or a
 * block number; a failed check is reported once with vfs_corrupt().
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfs/vfs.h"

struct buf;
struct ext2fs_journal;

/* Superblock: 1024 bytes at byte 1024 of the device. */
#define EXT2_SB_OFFSET          1024
#define EXT2_SB_SIZE            1024
#define EXT2_SB_MAGIC_VALUE     0xEF53

#define SB_INODES_COUNT         0x00
#define SB_BLOCKS_COUNT_LO      0x04
#define SB_R_BLOCKS_COUNT_LO    0x08
#define SB_FREE_BLOCKS_LO       0x0C
#define SB_FREE_INODES          0x10
#define SB_FIRST_DATA_BLOCK     0x14
#define SB_LOG_BLOCK_SIZE       0x18
#define SB_LOG_CLUSTER_SIZE     0x1C
#define SB_BLOCKS_PER_GROUP     0x20
#define SB_CLUSTERS_PER_GROUP   0x24
#define SB_INODES_PER_GROUP     0x28
#define SB_MTIME                0x2C
#define SB_WTIME                0x30
#define SB_MNT_COUNT            0x34
#define SB_MAX_MNT_COUNT        0x36
#define SB_MAGIC                0x38
#define SB_STATE                0x3A
#define SB_ERRORS               0x3C
#define SB_MINOR_REV            0x3E
#define SB_LASTCHECK            0x40
#define SB_CREATOR_OS           0x48
#define SB_REV_LEVEL            0x4C
#define SB_FIRST_INO            0x54
#define SB_INODE_SIZE           0x58
#define SB_FEATURE_COMPAT       0x5C
#define SB_FEATURE_INCOMPAT     0x60
#define SB_FEATURE_RO_COMPAT    0x64
#define SB_UUID                 0x68
#define SB_VOLUME_NAME          0x78
#define SB_LAST_MOUNTED         0x88
#define SB_RESERVED_GDT_BLOCKS  0xCE
#define SB_JOURNAL_UUID         0xD0
#define SB_JOURNAL_INUM         0xE0
#define SB_JOURNAL_DEV          0xE4
#define SB_HASH_SEED            0xEC
#define SB_DEF_HASH_VERSION     0xFC
#define SB_DESC_SIZE            0xFE
#define SB_FIRST_META_BG        0x104
#define SB_MKFS_TIME            0x108
#define SB_BLOCKS_COUNT_HI      0x150
#define SB_R_BLOCKS_COUNT_HI    0x154
#define SB_FREE_BLOCKS_HI       0x158
#define SB_MIN_EXTRA_ISIZE      0x15C
#define SB_FLAGS                0x160
#define SB_CHECKSUM_TYPE        0x175
#define SB_BACKUP_BGS           0x24C
#define SB_CHECKSUM_SEED        0x270
#define SB_WTIME_HI             0x274
#define SB_MTIME_HI             0x275
#define SB_MKFS_TIME_HI         0x276
#define SB_CHECKSUM             0x3FC

#define SB_FLAG_SIGNED_HASH     0x1
#define SB_FLAG_UNSIGNED_HASH   0x2

#define EXT2_STATE_VALID        0x1
#define EXT2_STATE_ERRORS       0x2

/* Feature bits (names as e2fsprogs prints them live in ext2fs_vfsops.c). */
#define COMPAT_HAS_JOURNAL      0x0004
#define COMPAT_DIR_INDEX        0x0020
#define COMPAT_SPARSE_SUPER2    0x0200

#define INCOMPAT_COMPRESSION    0x00001
#define INCOMPAT_FILETYPE       0x00002
#define INCOMPAT_RECOVER        0x00004
#define INCOMPAT_JOURNAL_DEV    0x00008
#define INCOMPAT_META_BG        0x00010
#define INCOMPAT_EXTENTS        0x00040
#define INCOMPAT_64BIT          0x00080
#define INCOMPAT_MMP            0x00100
#define INCOMPAT_FLEX_BG        0x00200
#define INCOMPAT_EA_INODE       0x00400
#define INCOMPAT_DIRDATA        0x01000
#define INCOMPAT_CSUM_SEED      0x02000
#define INCOMPAT_LARGEDIR       0x04000
#define INCOMPAT_INLINE_DATA    0x08000
#define INCOMPAT_ENCRYPT        0x10000
#define INCOMPAT_CASEFOLD       0x20000
/* What this driver reads correctly; any other incompat bit is refused. */
#define INCOMPAT_SUPPORTED (INCOMPAT_FILETYPE | INCOMPAT_RECOVER | \
    INCOMPAT_META_BG | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_MMP | \
    INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED | \
    INCOMPAT_LARGEDIR | INCOMPAT_INLINE_DATA)

#define RO_COMPAT_SPARSE_SUPER  0x0001
#define RO_COMPAT_LARGE_FILE    0x0002
#define RO_COMPAT_HUGE_FILE     0x0008
#define RO_COMPAT_GDT_CSUM      0x0010
#define RO_COMPAT_DIR_NLINK     0x0020
#define RO_COMPAT_EXTRA_ISIZE   0x0040
#define RO_COMPAT_BIGALLOC      0x0200
#define RO_COMPAT_METADATA_CSUM 0x0400

/* Group descriptor: 32 bytes, or desc_size (>= 64) with the 64bit feature. */
#define GD_BLOCK_BITMAP_LO      0x00
#define GD_INODE_BITMAP_LO      0x04
#define GD_INODE_TABLE_LO       0x08
#define GD_FREE_BLOCKS_LO       0x0C
#define GD_FREE_INODES_LO       0x0E
#define GD_FLAGS                0x12
#define GD_CHECKSUM             0x1E
#define GD_BLOCK_BITMAP_HI      0x20
#define GD_INODE_BITMAP_HI      0x24
#define GD_INODE_TABLE_HI       0x28
#define GD_FREE_BLOCKS_HI       0x2C
#define GD_FREE_INODES_HI       0x2E
#define GD_MIN_SIZE             32
#define GD_64BIT_MIN_SIZE       64
#define GD_MAX_SIZE             1024

/* Inode. */
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO  11
#define EXT2_ROOT_INO            2
#define EXT2_JOURNAL_INO         8
#define I_MODE                  0x00
#define I_UID                   0x02
#define I_SIZE_LO               0x04
#define I_ATIME                 0x08
#define I_CTIME                 0x0C
#define I_MTIME                 0x10
#define I_GID                   0x18
#define I_LINKS_COUNT           0x1A
#define I_BLOCKS_LO             0x1C
#define I_FLAGS                 0x20
#define I_BLOCK                 0x28
#define I_GENERATION            0x64
#define I_FILE_ACL_LO           0x68
#define I_SIZE_HIGH             0x6C
#define I_BLOCKS_HIGH           0x74
#define I_FILE_ACL_HIGH         0x76
#define I_UID_HIGH              0x78
#define I_GID_HIGH              0x7A
#define I_CHECKSUM_LO           0x7C
#define I_EXTRA_ISIZE           0x80
#define I_CHECKSUM_HI           0x82
#define I_CTIME_EXTRA           0x84
#define I_MTIME_EXTRA           0x88
#define I_ATIME_EXTRA           0x8C
#define I_CRTIME                0x90
#define I_CRTIME_EXTRA          0x94
#define I_BLOCK_SIZE            60      /* bytes of i_block[] */
#define I_NBLOCKS               15

#define IFL_INDEX               0x00001000
#define IFL_HUGE_FILE           0x00040000
#define IFL_EXTENTS             0x00080000
#define IFL_EA_INODE            0x00200000
#define IFL_INLINE_DATA         0x10000000

/* Extent tree. */
#define EXT_MAGIC               0xF30A
#define EXT_HDR_SIZE            12
#define EXT_ENTRY_SIZE          12
#define EXT_MAX_DEPTH           5
#define EXT_INIT_MAX_LEN        32768   /* ee_len above this: uninitialized */

/* Directory entries. */
#define DIRENT_MIN_SIZE         12
#define DIRENT_TAIL_SIZE        12
#define DIRENT_TAIL_FT          0xDE
#define DIRENT_LEN(namelen)     (((namelen) + 8 + 3) & ~3u)

/* Extended attributes. */
#define XATTR_MAGIC             0xEA020000
#define XATTR_HDR_SIZE          32      /* block header */
#define XATTR_ENTRY_SIZE        16      /* before the name */
#define XATTR_VALUE_MAX         65536   /* the VFS's limit on one value */
#define XATTR_INDEX_USER        1
#define XATTR_INDEX_ACL_ACCESS  2
#define XATTR_INDEX_ACL_DEFAULT 3
#define XATTR_INDEX_TRUSTED     4
#define XATTR_INDEX_SECURITY    6
#define XATTR_INDEX_SYSTEM      7

/* The journal inode and the in-memory replay map (ext2fs_journal.c). */
struct ext2fs_jmap {
	uint64_t fsblk;          /* block of the file system ... */
	uint64_t jblk;           /* ... whose newest copy is this fs block */
	int escaped;             /* the copy had its magic number zeroed */
};

/* The mounted file system: geometry decoded and validated once. */
struct ext2fs {
	struct mount *mp;
	uint8_t sb[EXT2_SB_SIZE];    /* raw superblock, for info */
	uint32_t bsize;
	unsigned log_bsize;          /* log2(bsize) */
	uint64_t blocks_count;
	uint64_t r_blocks_count;
	uint32_t inodes_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t ngroups;
	uint32_t inode_size;
	uint32_t desc_size;
	uint32_t first_ino;
	uint32_t compat, incompat, ro_compat;
	uint32_t csum_seed;          /* crc32c of the uuid, or s_checksum_seed */
	uint32_t hash_seed[4];
	int hash_unsigned;           /* 3 if the dx hashes are unsigned, else 0 */
	uint64_t max_file_blocks;    /* logical blocks a file can address */
	uint8_t *gdt;                /* ngroups * desc_size bytes */
	int sb_csum_bad;             /* MNT_FSCK: the superblock checksum was wrong */
	int sb_lenient;              /* MNT_FSCK without a usable backup: ... */
	int sb_inodes_bad;           /* ... s_inodes_count disagreed with the groups */
	uint64_t backup_sb;          /* MNT_FSCK: the superblock read (0: primary) */
	uint64_t backup_gdt;         /* MNT_FSCK: first descriptor block read (0: primary) */
	char backup_why[256];        /* MNT_FSCK: what was wrong with the primary */
	struct ext2fs_jmap *jmap;    /* sorted by fsblk; NULL if no replay */
	size_t njmap;
	/* writing (ext2fs_trans.c): the open transaction and the journal */
	int rw;                      /* mounted read-write */
	int failed;                  /* a commit failed: refuse further changes */
	uint64_t *tx_blks;           /* metadata blocks dirtied, unsorted */
	size_t tx_n, tx_cap;
	uint64_t *tx_freed;          /* blocks freed in this transaction */
	size_t tx_nfreed, tx_capfreed;
	uint8_t *gdt_dirty;          /* per descriptor block: changed */
	int sb_dirty;
	int64_t tx_start_ms;         /* when the open transaction began */
	struct ext2fs_journal *jnl;  /* NULL: no journal in use */
};

/* An inode in memory: the decoded fields, a copy of the raw bytes, and a
 * one-entry cache of the last block mapping (reads are mostly sequential). */
struct ext2fs_inode {
	uint64_t ino;
	uint8_t *raw;                /* inode_size bytes */
	uint16_t mode;
	uint32_t uid, gid;
	uint32_t flags;
	uint32_t generation;
	uint16_t links;
	uint16_t extra_isize;
	uint64_t size;
	uint64_t blocks512;          /* i_blocks in 512-byte units */
	uint64_t file_acl;
	uint32_t csum_seed;          /* crc32c(fs seed, ino, generation) */
	uint8_t iblock[I_BLOCK_SIZE];
	/* last mapping: [c_lblk, c_lblk + c_count) -> c_pblk.. (0: a hole) */
	uint64_t c_lblk, c_pblk, c_count;
	struct ext2fs_dcache *dcache;  /* directories: see ext2fs_dircache.c */
	int orphan;                  /* last link gone while referenced: freed
	                              * when the vnode goes inactive */
};

static inline struct ext2fs *ext2fs_fs(struct mount *mp)
{
	return mp->mnt_data;
}

static inline int ext2fs_has_csum(const struct ext2fs *fs)
{
	return (fs->ro_compat & RO_COMPAT_METADATA_CSUM) != 0;
}

extern const struct vnodeops ext2fs_vnodeops;

/* ext2fs_vfsops.c, ext2fs_super.c, ext2fs_info.c */
int ext2fs_info(struct mount *mp, vfs_info_t out, void *arg);
int ext2fs_fsck(struct mount *mp, unsigned flags,
    vfs_fsck_report_t report, void *arg);   /* ext2fs_fsck*.c */
int ext2fs_bread(struct ext2fs *fs, uint64_t ino, uint64_t blk,
    struct buf **bpp);
const uint8_t *ext2fs_gd(const struct ext2fs *fs, uint32_t group);
int ext2fs_group_has_super(const struct ext2fs *fs, uint32_t g);
uint64_t ext2fs_desc_block(const struct ext2fs *fs, uint32_t i);
int ext2fs_statvfs(struct mount *mp, struct vfs_statvfs *sv);
int ext2fs_parse_sb(struct mount *mp, const uint8_t *sb, uint64_t devsize,
    struct ext2fs *fs);
int ext2fs_load_gdt(struct ext2fs *fs);
int ext2fs_load_gdt_at(struct ext2fs *fs, uint64_t first);

/* ext2fs_backup.c: MNT_FSCK: group 1's copies when the primary ones fail */
int ext2fs_backup_sb(struct ext2fs *fs, uint8_t *sb);
int ext2fs_backup_gdt(struct ext2fs *fs);
void ext2fs_feature_names(const struct ext2fs *fs, uint32_t which, int set,
    char *buf, size_t bufsize);

/* ext2fs_csum.c */
int ext2fs_sb_csum_ok(const uint8_t *sb, uint32_t *expect, uint32_t *found);
int ext2fs_gd_csum_verify(struct ext2fs *fs, uint32_t group);
int ext2fs_inode_csum_verify(struct ext2fs *fs, uint64_t ino,
    const uint8_t *raw);
uint32_t ext2fs_inode_seed(const struct ext2fs *fs, uint64_t ino,
    uint32_t gen);
int ext2fs_extent_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data, unsigned max);
int ext2fs_dirleaf_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data);
int ext2fs_dx_csum_verify(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, const uint8_t *data, unsigned count_offset);
int ext2fs_xattr_csum_verify(struct ext2fs *fs, uint64_t ino, uint64_t blk,
    const uint8_t *data);

/* Group descriptor fields used by the writer. */
#define GD_ITABLE_UNUSED_LO     0x1C
#define GD_ITABLE_UNUSED_HI     0x32
#define GD_USED_DIRS_LO         0x10
#define GD_USED_DIRS_HI         0x30
#define GD_FLAG_INODE_UNINIT    0x1
#define GD_FLAG_BLOCK_UNINIT    0x2
#define GD_FLAG_ITABLE_ZEROED   0x4
#define SB_FREE_INODES_COUNT    SB_FREE_INODES
#define SB_WANT_EXTRA_ISIZE     0x15E
#define SB_KBYTES_WRITTEN       0x178

/* ext2fs_trans.c: every metadata change goes through a transaction. */
void ext2fs_bdirty(struct ext2fs *fs, struct buf *bp);
uint8_t *ext2fs_gd_w(struct ext2fs *fs, uint32_t group);
void ext2fs_sb_dirty(struct ext2fs *fs);
int ext2fs_tx_freed(struct ext2fs *fs, uint64_t blk, uint64_t n);
int ext2fs_tx_was_freed(const struct ext2fs *fs, uint64_t blk);
int ext2fs_commit(struct ext2fs *fs);
int ext2fs_commit_now(struct ext2fs *fs);
int ext2fs_write_begin(struct ext2fs *fs);
int ext2fs_write_end(struct ext2fs *fs);
int ext2fs_sync(struct mount *mp);
void ext2fs_write_free(struct ext2fs *fs);
/* ext2fs_jwrite.c */
int ext2fs_jnl_open(struct ext2fs *fs);
int ext2fs_jnl_replay(struct ext2fs *fs);
int ext2fs_jnl_commit(struct ext2fs *fs, const uint64_t *blks, size_t n,
    const uint64_t *revoke, size_t nrev);
int ext2fs_jnl_checkpoint(struct ext2fs *fs);
size_t ext2fs_jnl_capacity(const struct ext2fs *fs);
void ext2fs_jnl_close(struct ext2fs *fs);

/* ext2fs_alloc.c: inodes; ext2fs_balloc.c: blocks. */
int ext2fs_bitmap_read(struct ext2fs *fs, uint32_t g, int inode_bm,
    struct buf **bpp);
void ext2fs_bitmap_done(struct ext2fs *fs, uint32_t g, int inode_bm,
    struct buf *bp);
int ext2fs_ialloc(struct ext2fs *fs, uint64_t dirino, int isdir,
    uint64_t *ino);
int ext2fs_ifree(struct ext2fs *fs, uint64_t ino, int isdir);
int ext2fs_balloc(struct ext2fs *fs, uint64_t goal, uint64_t want,
    uint64_t *pblk, uint64_t *got);
int ext2fs_bfree(struct ext2fs *fs, uint64_t blk, uint64_t n);
uint64_t ext2fs_goal(struct ext2fs *fs, struct ext2fs_inode *ip);
/* 16-bit descriptor counts with their high halves (64-byte descriptors);
 * ext2fs_gd_loc: a 32+32-bit block location. */
uint32_t ext2fs_gd_get(const struct ext2fs *fs, uint32_t g, unsigned lo,
    unsigned hi);
void ext2fs_gd_set(struct ext2fs *fs, uint32_t g, unsigned lo, unsigned hi,
    uint32_t v);
uint64_t ext2fs_gd_loc(const struct ext2fs *fs, uint32_t g, unsigned lo,
    unsigned hi);

/* ext2fs_inode_write.c */
int ext2fs_iupdate(struct ext2fs *fs, struct ext2fs_inode *ip);
void ext2fs_itime_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    unsigned off, unsigned extra_off, const struct timespec *ts);
void ext2fs_itouch(struct ext2fs *fs, struct ext2fs_inode *ip, int what);
#define ITOUCH_A 1
#define ITOUCH_M 2
#define ITOUCH_C 4
int ext2fs_inew(struct ext2fs *fs, struct ext2fs_inode *dp, mode_t mode,
    struct ext2fs_inode **ipp);

/* ext2fs_extent_write.c, ext2fs_indwrite.c, ext2fs_truncate.c */
int ext2fs_map_alloc(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t *pblk, uint64_t *got, int *fresh);
int ext2fs_ext_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t pblk, int uninit);
int ext2fs_ext_map_alloc(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t *pblk, uint64_t *got, int *fresh);
int ext2fs_ext_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t keep);
int ext2fs_ind_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t pblk);
int ext2fs_ind_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t keep);
int ext2fs_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t size);
int ext2fs_ifree_all(struct ext2fs *fs, struct ext2fs_inode *ip);

/* ext2fs_write.c */
int ext2fs_write_data(struct ext2fs *fs, struct ext2fs_inode *ip,
    const void *buf, size_t len, uint64_t off);
int ext2fs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    size_t *done);

/* ext2fs_dirwrite.c */
int ext2fs_dir_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, mode_t mode);
int ext2fs_dir_remove(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino);
int ext2fs_dir_set(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t newino, mode_t mode);
int ext2fs_dir_isempty(struct ext2fs *fs, struct ext2fs_inode *dp);
int ext2fs_dir_init(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t parent);
int ext2fs_dir_write_first(struct ext2fs *fs, struct ext2fs_inode *ip,
    const uint8_t *data);
int ext2fs_dir_add_entry(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype);
/* Entry helpers shared with the htree and inline writers. */
struct ext2fs_dirop {
	const char *name;
	size_t namelen;
	uint64_t ino;           /* found */
	uint64_t newino;        /* retarget: the new inode and type */
	unsigned ftype;
	int remove;
};
unsigned ext2fs_dirent_ftype(const struct ext2fs *fs, mode_t mode);
void ext2fs_dirent_put(uint8_t *d, uint64_t ino, size_t reclen,
    const char *name, size_t namelen, unsigned ftype);
int ext2fs_dirent_insert(uint8_t *data, size_t len, uint64_t ino,
    const char *name, size_t namelen, unsigned ftype);
int ext2fs_dirent_apply(struct ext2fs *fs, struct ext2fs_dirop *op,
    uint8_t *data, size_t len);

/* ext2fs_htree_write.c: ENOTSUP means "no usable index: go linear". */
int ext2fs_htree_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype);
int ext2fs_htree_change(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dirop *op);
int ext2fs_htree_index(struct ext2fs *fs, struct ext2fs_inode *dp);

/* ext2fs_inline_write.c */
int ext2fs_inline_dir_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype);
int ext2fs_inline_dir_change(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dirop *op);
int ext2fs_inline_set_parent(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t parent);
int ext2fs_inline_dir_isempty(struct ext2fs *fs, struct ext2fs_inode *dp);
int ext2fs_inline_write(struct ext2fs *fs, struct ext2fs_inode *ip,
    const void *buf, size_t len, uint64_t off);
int ext2fs_inline_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t size);

/* ext2fs_csum_set.c: compute and store; no-ops without the feature.
 * Extent, directory and htree blocks take the owner's inode and generation. */
void ext2fs_csum_set_sb(struct ext2fs *fs, uint8_t *sb);
uint16_t ext2fs_gd_csum_compute(struct ext2fs *fs, uint32_t group,
    const uint8_t *gd);
void ext2fs_csum_set_gd(struct ext2fs *fs, uint32_t group, uint8_t *gd);
void ext2fs_csum_set_inode(struct ext2fs *fs, uint64_t ino, uint8_t *raw);
void ext2fs_csum_set_block_bitmap(struct ext2fs *fs, uint8_t *gd,
    const uint8_t *bitmap);
void ext2fs_csum_set_inode_bitmap(struct ext2fs *fs, uint8_t *gd,
    const uint8_t *bitmap);
void ext2fs_csum_set_extent(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data);
void ext2fs_csum_set_dirleaf(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data);
void ext2fs_csum_set_dx(struct ext2fs *fs, uint64_t ino, uint32_t gen,
    uint8_t *data, unsigned count_offset);
void ext2fs_csum_set_xattr(struct ext2fs *fs, uint64_t blk, uint8_t *data);

/* ext2fs_inode.c */
int ext2fs_iget(struct ext2fs *fs, uint64_t ino, struct ext2fs_inode **ipp);
void ext2fs_iput(struct ext2fs_inode *ip);
int ext2fs_getattr(struct vnode *vp, struct vattr *va);
void ext2fs_decode_time(const struct ext2fs_inode *ip, unsigned off,
    unsigned extra_off, struct timespec *ts);

/* ext2fs_bmap.c: *pblk = 0 for a hole or an uninitialized extent; *run is
 * how many blocks from lblk keep the same kind of mapping (>= 1). */
int ext2fs_bmap(struct ext2fs *fs, struct ext2fs_inode *ip, uint64_t lblk,
    uint64_t *pblk, uint64_t *run);

/* ext2fs_read.c */
int ext2fs_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done);
int ext2fs_read_inode_data(struct ext2fs *fs, struct ext2fs_inode *ip,
    void *buf, size_t len, uint64_t off, size_t *done);

/* ext2fs_dir.c */
int ext2fs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg);
int ext2fs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp);
int ext2fs_dirblock_read(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, struct buf **bpp);
/*
 * Calls fn with each allocated block of directory dp, in order (holes
 * skipped), and its block number; 0 from fn goes on, anything else stops
 * the walk and is returned.
 */
typedef int (*ext2fs_dirblock_fn)(void *arg, uint64_t pblk,
    const uint8_t *data);
int ext2fs_dirblocks_each(struct ext2fs *fs, struct ext2fs_inode *dp,
    ext2fs_dirblock_fn fn, void *arg);
/* A dirent's rec_len, decoded and encoded (64 KiB blocks fold bit 16). */
size_t ext2fs_rec_len(const struct ext2fs *fs, const uint8_t *d);
void ext2fs_set_rec_len(const struct ext2fs *fs, uint8_t *d, size_t len);
/* Scans dirents in data[0..len) for name; 0 + *ino, ENOENT, or EUCLEAN. */
int ext2fs_dirent_search(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t blk, const uint8_t *data, size_t len, const char *name,
    size_t namelen, uint64_t *ino);
/* Walks dirents in data[0..len), validating each; see ext2fs_dir.c. */
typedef int (*ext2fs_dirent_fn)(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen);
int ext2fs_dirent_walk(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t blk, const uint8_t *data, size_t len, ext2fs_dirent_fn fn,
    void *arg);
int ext2fs_ftype_to_vtype(const struct ext2fs *fs, unsigned ftype);
int ext2fs_child(struct vnode *dvp, uint64_t ino, const char *name,
    size_t namelen, struct vnode **vpp);

/* ext2fs_dircache.c */
int ext2fs_dcache_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino);
void ext2fs_dcache_drop(struct ext2fs_inode *dp);
void ext2fs_dcache_note(struct ext2fs_inode *dp, int op, const char *name,
    size_t namelen, uint64_t ino);

/* ext2fs_htree.c: lookup through the index; ENOTSUP means "use linear". */
int ext2fs_htree_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino);
int ext2fs_is_dx_node(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t lblk, const uint8_t *data);

/* ext2fs_hash.c */
#define DX_HASH_LEGACY          0
#define DX_HASH_HALF_MD4        1
#define DX_HASH_TEA             2
#define DX_HASH_LEGACY_UNSIGNED 3
#define DX_HASH_HALF_MD4_UNSIGNED 4
#define DX_HASH_TEA_UNSIGNED    5
int ext2fs_dx_hash(int version, const uint32_t seed[4], const char *name,
    size_t len, uint32_t *hash, uint32_t *minor);

/* ext2fs_inline.c */
int ext2fs_inline_get(struct ext2fs *fs, struct ext2fs_inode *ip,
    const uint8_t **extra, size_t *extralen);
int ext2fs_inline_read(struct ext2fs *fs, struct ext2fs_inode *ip,
    void *buf, size_t len, uint64_t off, size_t *done);
/* readdir's walk state, shared by block and inline directories */
struct ext2fs_rd {
	struct ext2fs *fs;
	uint64_t dirino;
	int dots;               /* "." and ".." may name the directory itself */
	uint64_t base;          /* byte offset of this block in the directory */
	uint64_t pos;           /* skip entries before this offset */
	uint64_t stop;          /* where the caller's buffer filled up */
	vfs_filldir_t fill;
	void *arg;
};
int ext2fs_readdir_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen);
int ext2fs_inline_readdir(struct vnode *vp, uint64_t *cookie,
    vfs_filldir_t fill, void *arg);
int ext2fs_inline_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino);

/* ext2fs_xattr.c, ext2fs_acl.c */
int ext2fs_xattr_to_posix_acl(const uint8_t *v, size_t n, uint8_t *out,
    size_t outsize, size_t *outlen);
int ext2fs_getxattr(struct vnode *vp, const char *name, void *buf,
    size_t bufsize, size_t *len);
int ext2fs_listxattr(struct vnode *vp, char *buf, size_t bufsize,
    size_t *len);
/* One entry as the walkers find it, bounds-checked against its region. */
struct ext2fs_xent {
	unsigned index;
	const uint8_t *name;
	size_t namelen;
	const uint8_t *val;     /* NULL when the value lives in inode inum */
	uint32_t size;
	uint32_t inum;
};
typedef int (*ext2fs_xent_fn)(void *arg, const struct ext2fs_xent *e);
/* Name prefixes by name index (NULL: none we show or accept). */
extern const char *const ext2fs_xattr_prefix[9];
int ext2fs_xattr_walk_ibody(struct ext2fs *fs, struct ext2fs_inode *ip,
    ext2fs_xent_fn fn, void *arg);
int ext2fs_xattr_walk_block(struct ext2fs *fs, struct ext2fs_inode *ip,
    ext2fs_xent_fn fn, void *arg);
/* ext2fs_orphan.c */
int ext2fs_orphan_add(struct ext2fs *fs, struct ext2fs_inode *ip);
void ext2fs_orphan_release(struct vnode *vp);
/* Finds an in-inode attribute by index and name; *val points into ip->raw. */
int ext2fs_xattr_ibody_find(struct ext2fs *fs, struct ext2fs_inode *ip,
    unsigned index, const char *name, size_t namelen, const uint8_t **val,
    size_t *vallen);

/* ext2fs_acl.c: a system.posix_acl_* value (version 2) in ext4's on-disk
 * form; out needs n bytes. For an access ACL, *perm gets the mode bits it
 * implies and *equiv says whether the mode alone says the same. */
int ext2fs_posix_acl_to_disk(const uint8_t *v, size_t n, uint8_t *out,
    size_t *outlen, uint16_t *perm, int *equiv);

/* ext2fs_xattr_list.c: attributes in memory, and their on-disk encoding
 * (entries upward from the start of a region, values downward from its end,
 * a 4-byte zero ending the entries). */
struct ext2fs_xattr {
	uint8_t index;
	uint8_t namelen;
	uint8_t name[255];
	uint32_t size;
	uint8_t *val;            /* malloc'd; NULL when size is 0 */
};
struct ext2fs_xlist {
	struct ext2fs_xattr *v;
	size_t n, cap;
};
int ext2fs_xl_load(struct ext2fs *fs, struct ext2fs_inode *ip, int block,
    struct ext2fs_xlist *l);
void ext2fs_xl_free(struct ext2fs_xlist *l);
int ext2fs_xl_find(const struct ext2fs_xlist *l, unsigned index,
    const uint8_t *name, size_t namelen);
int ext2fs_xl_set(struct ext2fs_xlist *l, int at, unsigned index,
    const uint8_t *name, size_t namelen, const uint8_t *val, uint32_t size);
void ext2fs_xl_del(struct ext2fs_xlist *l, int at);
void ext2fs_xl_sort(struct ext2fs_xlist *l);
size_t ext2fs_xl_entsize(size_t namelen, uint32_t size);
size_t ext2fs_xl_space(const struct ext2fs_xlist *l);
void ext2fs_xl_encode(const struct ext2fs_xlist *l, uint8_t *ents,
    uint8_t *end, const uint8_t *vbase);
uint32_t ext2fs_xl_block_hash(const uint8_t *ents, const uint8_t *end);

/* ext2fs_xattr_block.c, ext2fs_truncate.c */
int ext2fs_xattr_block_store(struct ext2fs *fs, struct ext2fs_inode *ip,
    const struct ext2fs_xlist *l);
int ext2fs_xattr_block_put(struct ext2fs *fs, struct ext2fs_inode *ip);

/* ext2fs_xattr_write.c */
int ext2fs_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags);
int ext2fs_removexattr(struct vnode *vp, const char *name);

/* ext2fs_symlink.c */
int ext2fs_readlink(struct vnode *vp, char *buf, size_t bufsize,
    size_t *len);

/* ext2fs_journal.c */
int ext2fs_journal_load(struct ext2fs *fs);
const struct ext2fs_jmap *ext2fs_jmap_find(const struct ext2fs *fs,
    uint64_t fsblk);
/* First journalled block in [blk, blk + n), or UINT64_MAX. */
uint64_t ext2fs_jmap_next(const struct ext2fs *fs, uint64_t blk, uint64_t n);

#endif
