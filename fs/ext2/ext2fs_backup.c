/* ext2fs_backup.c: for fsck (MNT_FSCK), group 1's copies of the superblock and descriptors when the primary ones are unusable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

/*
 * e2fsck falls back to the backups in group 1 when the primary superblock
 * or descriptor table is unusable, and with -y writes them back as the
 * primary ones. A backup is as old as the last time it was written (mkfs,
 * resize, e2fsck), so its lazy-group hints (BLOCK_UNINIT, INODE_UNINIT,
 * itable_unused) are not trusted: every group is checked in full, as
 * e2fsck does. Only fsck runs on such a mount; it reports the fallback
 * (fs->backup_why) and rewrites the primary copies with -y.
 */

#define SB_BLOCK_GROUP_NR 0x5A

/* Every group's lazy hints cleared (in memory), checksums kept right. */
static void ext2fs_backup_distrust(struct ext2fs *fs)
{
	uint32_t g;

	if (!(fs->ro_compat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)))
		return;
	for (g = 0; g < fs->ngroups; g++) {
		uint8_t *gd = fs->gdt + (size_t)g * fs->desc_size;
		le16enc(gd + GD_FLAGS, le16dec(gd + GD_FLAGS) &
		    ~(GD_FLAG_INODE_UNINIT | GD_FLAG_BLOCK_UNINIT));
		le16enc(gd + GD_ITABLE_UNUSED_LO, 0);
		if (fs->desc_size >= GD_64BIT_MIN_SIZE)
			le16enc(gd + GD_ITABLE_UNUSED_HI, 0);
		ext2fs_csum_set_gd(fs, g, gd);
	}
}

/* Group 1's descriptor table instead of the primary one (which failed
 * with the message in mnt_corrupt). EUCLEAN, with that message, if the
 * backup is no better. */
int ext2fs_backup_gdt(struct ext2fs *fs)
{
	struct mount *mp = fs->mp;
	uint64_t sbblk = fs->first_data_block + (uint64_t)fs->blocks_per_group;
	int error;

	memcpy(fs->backup_why, mp->mnt_corrupt, sizeof(fs->backup_why));
	fs->backup_why[sizeof(fs->backup_why) - 1] = '\0';
	if (fs->ngroups < 2 || !ext2fs_group_has_super(fs, 1) ||
	    (fs->incompat & INCOMPAT_META_BG))
		return EUCLEAN;
	error = ext2fs_load_gdt_at(fs, sbblk + 1);
	if (error) {
		snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt), "%s",
		    fs->backup_why);
		return error;
	}
	fs->backup_gdt = sbblk + 1;
	ext2fs_backup_distrust(fs);
	return 0;
}

/* Group 1's superblock (and descriptors) instead of the primary ones
 * (copied over `primary`): mkfs makes groups of 8 * block size blocks, so
 * for each block size there is one place to look. EUCLEAN if none is
 * usable; the caller then parses the primary one again. */
int ext2fs_backup_sb(struct ext2fs *fs, uint8_t *primary)
{
	struct mount *mp = fs->mp;
	char why[sizeof(fs->backup_why)];
	uint8_t sb[EXT2_SB_SIZE];
	unsigned log;

	memcpy(why, mp->mnt_corrupt, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	for (log = 0; log <= 6; log++) {
		uint64_t bsize = (uint64_t)1024 << log;
		uint64_t blk = 8 * bsize + (log == 0 ? 1 : 0);
		if ((blk + 1) * bsize > mp->mnt_dev->bd_size ||
		    blkdev_read(mp->mnt_dev, blk * bsize, sb, EXT2_SB_SIZE) != 0)
			continue;
		if (le16dec(sb + SB_MAGIC) != EXT2_SB_MAGIC_VALUE ||
		    le32dec(sb + SB_LOG_BLOCK_SIZE) != log ||
		    le16dec(sb + SB_BLOCK_GROUP_NR) != 1 ||
		    ext2fs_parse_sb(mp, sb, mp->mnt_dev->bd_size, fs) != 0 ||
		    (fs->incompat & INCOMPAT_META_BG) ||
		    fs->first_data_block + (uint64_t)fs->blocks_per_group != blk ||
		    ext2fs_load_gdt_at(fs, blk + 1) != 0)
			continue;
		le16enc(fs->sb + SB_BLOCK_GROUP_NR, 0);
		memcpy(primary, fs->sb, EXT2_SB_SIZE);
		fs->backup_sb = blk;
		fs->backup_gdt = blk + 1;
		memcpy(fs->backup_why, why, sizeof(why));
		ext2fs_backup_distrust(fs);
		return 0;
	}
	snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt), "%s", why);
	return EUCLEAN;
}
