/* ext2fs_statvfs.c: statvfs as the kernel's ext4_statfs answers it (metadata overhead, reserved clusters). */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * The kernel reports f_blocks as the block count minus the metadata
 * overhead (s_overhead_clusters when the superblock records it, else the
 * first data block + every group's superblock backup, descriptor blocks,
 * reserved GDT blocks, bitmaps and inode table + the journal's length),
 * and holds back s_resv_clusters (2% of the blocks, at most 4096 clusters,
 * with extents) besides r_blocks_count from f_bavail.
 */
#define SB_OVERHEAD_CLUSTERS 0x248

/* Superblock backup, descriptors and reserved GDT blocks of group g. */
static uint64_t ext2fs_base_meta(const struct ext2fs *fs, uint32_t g,
    uint32_t gdb_count)
{
	uint32_t per = fs->bsize / fs->desc_size;
	uint64_t n = ext2fs_group_has_super(fs, g) ? 1 : 0;

	if (!(fs->incompat & INCOMPAT_META_BG) ||
	    (uint64_t)g < (uint64_t)le32dec(fs->sb + SB_FIRST_META_BG) * per) {
		if (n)
			n += gdb_count + le16dec(fs->sb + SB_RESERVED_GDT_BLOCKS);
	} else {
		uint32_t first = g / per * per;
		if (g == first || g == first + 1 || g == first + per - 1)
			n++;
	}
	return n;
}

/* The journal's length in blocks (the internal journal inode's size). */
static uint64_t ext2fs_journal_blocks(struct ext2fs *fs)
{
	struct ext2fs_inode *jip;
	uint32_t jino = le32dec(fs->sb + SB_JOURNAL_INUM);
	uint64_t n;

	if (!(fs->compat & COMPAT_HAS_JOURNAL) || jino == 0 ||
	    ext2fs_iget(fs, jino, &jip) != 0)
		return 0;
	n = jip->size >> fs->log_bsize;
	ext2fs_iput(jip);
	return n;
}

static uint64_t ext2fs_overhead(struct ext2fs *fs)
{
	uint32_t per = fs->bsize / fs->desc_size;
	uint32_t gdb_count = (fs->ngroups + per - 1) / per;
	uint64_t itab = ((uint64_t)fs->inodes_per_group * fs->inode_size +
	    fs->bsize - 1) >> fs->log_bsize;
	uint64_t n = le32dec(fs->sb + SB_OVERHEAD_CLUSTERS);
	uint32_t g;

	if (n != 0 && n < fs->blocks_count &&
	    !(fs->ro_compat & RO_COMPAT_BIGALLOC))
		return n;
	n = fs->first_data_block;
	for (g = 0; g < fs->ngroups; g++)
		n += ext2fs_base_meta(fs, g, gdb_count) + 2 + itab;
	n += ext2fs_journal_blocks(fs);
	return n < fs->blocks_count ? n : fs->blocks_count;
}

/* Free counts are summed from the descriptors, as the kernel does: the
 * superblock's copies are only refreshed now and then. */
int ext2fs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct ext2fs *fs = ext2fs_fs(mp);
	uint64_t fblocks = 0, finodes = 0, resv = 0, held;
	uint32_t g;

	for (g = 0; g < fs->ngroups; g++) {
		const uint8_t *gd = ext2fs_gd(fs, g);
		fblocks += le16dec(gd + GD_FREE_BLOCKS_LO);
		finodes += le16dec(gd + GD_FREE_INODES_LO);
		if (fs->desc_size >= GD_64BIT_MIN_SIZE) {
			fblocks += (uint64_t)le16dec(gd + GD_FREE_BLOCKS_HI) << 16;
			finodes += (uint64_t)le16dec(gd + GD_FREE_INODES_HI) << 16;
		}
	}
	if (fs->ro_compat & RO_COMPAT_BIGALLOC)
		fblocks *= (uint64_t)1 << (le32dec(fs->sb + SB_LOG_CLUSTER_SIZE) -
		    le32dec(fs->sb + SB_LOG_BLOCK_SIZE));
	if (fblocks > fs->blocks_count)
		fblocks = fs->blocks_count;
	if (finodes > fs->inodes_count)
		finodes = fs->inodes_count;
	if (fs->incompat & INCOMPAT_EXTENTS) {
		resv = fs->blocks_count / 50;
		if (resv > 4096)
			resv = 4096;
	}
	held = fs->r_blocks_count + resv;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = fs->bsize;
	sv->f_blocks = fs->blocks_count - ext2fs_overhead(fs);
	sv->f_bfree = fblocks;
	sv->f_bavail = fblocks > held ? fblocks - held : 0;
	sv->f_files = fs->inodes_count;
	sv->f_ffree = finodes;
	sv->f_namemax = VFS_NAME_MAX;
	return 0;
}
