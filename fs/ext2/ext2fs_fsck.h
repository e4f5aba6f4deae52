/* ext2fs_fsck.h: the ext2/3/4 checker's private state, shared by the ext2fs_fsck*.c files. */
#ifndef RUMPSH_EXT2FS_FSCK_H
#define RUMPSH_EXT2FS_FSCK_H

/*
 * Memory is what e2fsck needs in spirit and no more: two bits per block
 * (claimed, metadata) and 15 bytes per inode (state, i_links_count,
 * references counted in directories, parent, ".."). Both counts are bounded
 * by the device size (ext2fs_parse_geometry), and the total is capped by
 * FSCK_MAXMEM. Blocks claimed twice and their claimants are listed for
 * pass 1B, at most FSCK_MAXDUP of each (ext2fs_fsck_dup.c). Everything read from the image is validated before use; a
 * structure that fails is reported and, with -y, cleared or rebuilt.
 */

#include <stdint.h>

#include "fs/ext2/ext2fs.h"

#define FSCK_MAXMEM     ((uint64_t)1 << 31)
#define FSCK_MAXLINES   300
#define FSCK_PATH_DEPTH 32

/* Per-inode state (istate). */
#define IS_FREE    0    /* not in use */
#define IS_FILE    1    /* in use, not a directory */
#define IS_DIR     2    /* in use, a directory */
#define IS_BAD     3    /* in use but untrusted (left as is without -y) */
#define IS_ORPHAN  0x40 /* seen on the orphan list (loop guard) */
#define IS_REACHED 0x80 /* pass 3: connected to the root */
#define IS_TYPE(s) ((s) & 0x3)
#define IS_FT(s)   (((s) >> 2) & 0x7)   /* directory entry file type */
#define IS_MKFT(t) ((uint8_t)((t) << 2))

/* How safe a repair is: -p makes only the safe ones. */
#define FIX_SAFE   1    /* counts, bitmaps, checksums, orphans, sizes */
#define FIX_ASK    2    /* anything that drops or moves data or names */
#define FIX_NONE   0    /* detected only */
#define FIX_SUMMARY 3   /* safe, and advisory: not an error with -n (the
			 * kernel does not keep the superblock totals exact;
			 * e2fsck -n does not fail on them either) */

struct ext2fs_fsck {
	struct ext2fs *fs;
	struct mount *mp;
	int repair, preen;
	vfs_fsck_report_t report;
	void *arg;
	unsigned lines, errors, fixed;
	uint32_t now;
	uint64_t nblocks;
	uint32_t ninodes;
	uint8_t *bused;         /* blocks claimed by metadata or an inode */
	uint8_t *bmeta;         /* blocks that are group metadata */
	uint8_t *istate;
	uint16_t *links;        /* i_links_count as found */
	uint32_t *refs;         /* directory entries naming the inode */
	uint32_t *parent;       /* directories: the one whose entry names it */
	uint32_t *dotdot;       /* directories: what ".." says */
	uint32_t lost_found;    /* 0 until found in the root */
	uint64_t ndirs;
	int gdt_dirty, sb_dirty;
	int layout_probe;       /* marking metadata silently, to choose a table */
	unsigned layout_bad;    /* group metadata out of range or overlapping */
	uint8_t *blockbuf;      /* one block of scratch */
	struct fsck_dupblk *dups;       /* pass 1: blocks claimed again */
	size_t ndups, dups_cap;
	uint32_t *sharers;      /* pass 1: inodes that made such claims */
	size_t nsharers, sharers_cap;
	size_t nsaid;           /* clones announced (counted as fixed) */
	int dup_overflow;       /* more of either than is noted */
	int dup_unsafe;         /* a shared tree block stopped a walk */
	uint64_t cloned;        /* pass 1B: blocks copied */
	uint64_t alloc_next;    /* pass 1B: where to look for free blocks */
	uint64_t nospace;       /* pass 1B: a run this long was not found */
};

/* The block walker: data runs and tree (index/indirect) blocks, in order. */
struct fsck_walk;
typedef int (*fsck_data_fn)(struct fsck_walk *w, uint64_t lblk,
    uint64_t pblk, uint64_t len, int uninit);
typedef int (*fsck_meta_fn)(struct fsck_walk *w, uint64_t pblk);

struct fsck_walk {
	struct ext2fs_fsck *fk;
	uint64_t ino;
	uint8_t *raw;           /* the inode (extent blocks need its seed) */
	fsck_data_fn data;
	fsck_meta_fn meta;
	void *arg;
	int fix_csum;           /* rewrite extent blocks with a bad checksum */
	char why[200];          /* the first structural problem */
	int csum_bad;           /* extent blocks with a bad checksum */
	uint64_t nblocks;       /* data + tree blocks */
	uint64_t end;           /* 1 + last mapped logical block */
	uint64_t init_end;      /* 1 + last initialized logical block */
	int stop;               /* a callback asked to stop */
	uint64_t shared;        /* blocks found claimed already (pass 1) */
	uint64_t first_shared;  /* the first of them */
	int shared_meta;        /* ... is file system metadata */
};

/* ext2fs_fsck.c: reporting */
int fsck_say(struct ext2fs_fsck *fk, int fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fsck_note(struct ext2fs_fsck *fk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fsck_unfixed(struct ext2fs_fsck *fk);
void fsck_dirpath(struct ext2fs_fsck *fk, uint32_t dir, char *buf,
    size_t size);

/* ext2fs_fsck_blocks.c: walking, metadata layout */
int fsck_walk_blocks(struct fsck_walk *w);
int fsck_blk_ok(const struct ext2fs_fsck *fk, uint64_t blk, uint64_t len);
uint64_t fsck_desc_block(const struct ext2fs *fs, uint32_t i);
uint32_t fsck_gdt_blocks(const struct ext2fs *fs);
int fsck_mark_metadata(struct ext2fs_fsck *fk);
uint64_t fsck_gd_blk(const struct ext2fs *fs, const uint8_t *gd, unsigned lo,
    unsigned hi);
uint32_t fsck_gd_count(const struct ext2fs *fs, const uint8_t *gd,
    unsigned lo, unsigned hi);
void fsck_gd_set_count(const struct ext2fs *fs, uint8_t *gd, unsigned lo,
    unsigned hi, uint32_t v);
int fsck_uninit_ok(const struct ext2fs *fs);

/* ext2fs_fsck_inodes.c: pass 1 and the orphan list */
int fsck_pass1(struct ext2fs_fsck *fk);
int fsck_orphans(struct ext2fs_fsck *fk);
int fsck_inode_read(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw);
int fsck_inode_write(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw);
uint64_t fsck_isize(const struct ext2fs *fs, const uint8_t *raw);
void fsck_add_iblocks(const struct ext2fs *fs, uint8_t *raw, uint64_t n);
int fsck_inline_value(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw,
    uint8_t **val, size_t *len);

/* ext2fs_fsck_dup.c: pass 1B, multiply-claimed blocks */
void fsck_dup_note(struct ext2fs_fsck *fk, uint64_t b);
void fsck_dup_sharer(struct ext2fs_fsck *fk, uint32_t ino);
int fsck_pass1b(struct ext2fs_fsck *fk);

/* ext2fs_fsck_dirs.c, ext2fs_fsck_htree.c: pass 2 */
int fsck_pass2(struct ext2fs_fsck *fk);
int fsck_dir_find(struct ext2fs_fsck *fk, uint32_t dir, uint32_t ino,
    const char *name, char *out, size_t outsize, uint32_t *found);
struct fsck_htree;
int fsck_htree_begin(struct ext2fs_fsck *fk, uint32_t dir, uint8_t *raw,
    uint64_t nblocks, struct fsck_htree **htp);
int fsck_htree_is_node(const struct fsck_htree *ht, uint64_t lblk);
void fsck_htree_leaf(struct fsck_htree *ht, uint64_t lblk, uint32_t hash);
int fsck_htree_hash(const struct fsck_htree *ht, const uint8_t *name,
    size_t len, uint32_t *hash);
int fsck_htree_end(struct fsck_htree *ht);

/* ext2fs_fsck_counts.c: passes 3, 4 and 5 */
int fsck_pass3(struct ext2fs_fsck *fk);
int fsck_pass4(struct ext2fs_fsck *fk);
int fsck_pass5(struct ext2fs_fsck *fk);

/* ext2fs_fsck_repair.c: writing */
int fsck_write_gdt(struct ext2fs_fsck *fk);
int fsck_write_sb(struct ext2fs_fsck *fk);

/* ext2fs_fsck_lost.c: /lost+found */
int fsck_lost_found(struct ext2fs_fsck *fk);
int fsck_link_lost(struct ext2fs_fsck *fk, uint32_t ino, int isdir);
int fsck_set_dotdot(struct ext2fs_fsck *fk, uint32_t dir, uint32_t to);
int fsck_claim_block(struct ext2fs_fsck *fk, uint64_t goal, uint64_t *blk);
int fsck_write_dirblock(struct ext2fs_fsck *fk, uint32_t dir, uint32_t gen,
    uint64_t blk, uint32_t dot, uint32_t dotdot);

static inline int fsck_test(const uint8_t *map, uint64_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static inline void fsck_set(uint8_t *map, uint64_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void fsck_clr(uint8_t *map, uint64_t i)
{
	map[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

#endif
