/* ext2fs_htree.h: the dx (htree) path that lookup (ext2fs_htree.c) and insertion (ext2fs_htree_write.c) share. */
#ifndef RUMPSH_EXT2FS_HTREE_H
#define RUMPSH_EXT2FS_HTREE_H

#include <stdint.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * Block 0 of an indexed directory holds "." (12 bytes), ".." (spanning the
 * rest of the block), the root info at byte 24 and the root's entries from
 * byte 32; interior nodes hide behind one empty entry spanning the block
 * and keep their entries from byte 8. Entry 0's hash slot holds limit and
 * count; every other entry is (hash, block). With metadata_csum the last 8
 * bytes of a node are the dx tail (reserved, checksum), outside the limit.
 * Each path frame holds a private copy of its node: no buffer stays held.
 */
#define DX_ROOT_INFO      24      /* after "." (12) and ".." headers (12) */
#define DX_ROOT_COUNT     32      /* count/limit in the root */
#define DX_NODE_COUNT     8       /* count/limit after the fake entry */
#define DX_MAX_LEVELS     3       /* with large_dir; 2 without */
#define DX_TAIL_SIZE      8

struct dx_frame {
	uint8_t *data;          /* copy of the node */
	uint64_t lblk;
	unsigned co;            /* offset of count/limit */
	unsigned count;
	unsigned at;            /* entry followed */
	int dirty;              /* changed: write back (ext2fs_htree_write.c) */
};

struct dx_path {
	/* one spare frame buffer: growing the tree adds a level */
	struct dx_frame f[DX_MAX_LEVELS + 1];
	int levels;
	int version;            /* hash version, unsigned variants included */
	uint32_t hash, minor;
	uint64_t nblocks;       /* blocks in the directory */
	uint8_t *mem;
};

static inline uint32_t dx_hash_at(const struct dx_frame *fr, unsigned i)
{
	return i == 0 ? 0 : le32dec(fr->data + fr->co + 8 * i);
}

static inline uint64_t dx_block_at(const struct dx_frame *fr, unsigned i)
{
	return le32dec(fr->data + fr->co + 8 * i + 4) & 0x0fffffff;
}

static inline unsigned dx_limit(const struct ext2fs *fs, unsigned co)
{
	return (fs->bsize - co - (ext2fs_has_csum(fs) ? DX_TAIL_SIZE : 0)) / 8;
}

static inline int dx_maxlevels(const struct ext2fs *fs)
{
	return (fs->incompat & INCOMPAT_LARGEDIR) ? 3 : 2;
}

/* ENOTSUP: dp has no usable index (not indexed, or an unknown hash). */
int ext2fs_dx_path_init(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path);
void ext2fs_dx_path_free(struct dx_path *path);
/* Hashes the name and loads root..leaf parent; the leaf is the last
 * frame's entry `at`. ENOTSUP: hash version unknown (scan linearly). */
int ext2fs_dx_probe(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, const char *name, size_t namelen);
/* Steps to the next leaf if it continues the hash (*more = 1). */
int ext2fs_dx_next(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, int *more);
/* The current leaf's block, checked against the directory size. */
int ext2fs_dx_leaf(struct ext2fs *fs, struct ext2fs_inode *dp,
    const struct dx_path *path, uint64_t *lblk);

#endif
