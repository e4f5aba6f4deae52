/* ext2fs_vfsops.c: ext2/3/4 probe, mount (superblock and group descriptor checks), root, vnode loading. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/crc.h"
#include "vfs/endian.h"

/* Caps on what an image may make us allocate, whatever it claims. */
#define EXT2_MAX_GDT_BYTES (64u << 20)

static const char *const ext2fs_opts[] = { "noload", "log", NULL };

/*
 * Reads metadata block blk through the buffer cache. If the journal was
 * replayed in memory, the newest copy of the block lives in the journal and
 * is read from there instead; the image itself is never written.
 */
int ext2fs_bread(struct ext2fs *fs, uint64_t ino, uint64_t blk,
    struct buf **bpp)
{
	const struct ext2fs_jmap *jm;
	int error;

	if (blk >= fs->blocks_count)
		return vfs_corrupt(fs->mp, ino, blk,
		    "block number: expected below %llu, found %llu",
		    (unsigned long long)fs->blocks_count,
		    (unsigned long long)blk);
	jm = fs->njmap ? ext2fs_jmap_find(fs, blk) : NULL;
	if (jm == NULL)
		return bread(fs->mp->mnt_bc, blk << fs->log_bsize, fs->bsize,
		    bpp);
	error = bread(fs->mp->mnt_bc, jm->jblk << fs->log_bsize, fs->bsize,
	    bpp);
	/* jbd2 zeroes a logged block's first word when it looks like a journal
	 * header; putting the magic back is idempotent and the buffer is never
	 * marked dirty, so nothing reaches the image. */
	if (error == 0 && jm->escaped)
		be32enc((*bpp)->b_data, 0xC03B3998);
	return error;
}

const uint8_t *ext2fs_gd(const struct ext2fs *fs, uint32_t group)
{
	return fs->gdt + (size_t)group * fs->desc_size;
}

static int ext2fs_probe(struct blkdev *dev)
{
	uint8_t sb[EXT2_SB_SIZE];

	if (dev->bd_size < EXT2_SB_OFFSET + EXT2_SB_SIZE)
		return ENOENT;
	if (blkdev_read(dev, EXT2_SB_OFFSET, sb, sizeof(sb)) != 0)
		return ENOENT;
	if (le16dec(sb + SB_MAGIC) != EXT2_SB_MAGIC_VALUE)
		return ENOENT;
	if (le32dec(sb + SB_LOG_BLOCK_SIZE) > 6)
		return ENOENT;
	return 0;
}

/* Does group g hold a superblock backup (and so a descriptor copy)? */
int ext2fs_group_has_super(const struct ext2fs *fs, uint32_t g)
{
	uint32_t n;

	if (g == 0)
		return 1;
	if (fs->compat & COMPAT_SPARSE_SUPER2)
		return g == le32dec(fs->sb + SB_BACKUP_BGS) ||
		    g == le32dec(fs->sb + SB_BACKUP_BGS + 4);
	if (g == 1 || !(fs->ro_compat & RO_COMPAT_SPARSE_SUPER))
		return 1;
	if (!(g & 1))
		return 0;
	for (n = 3; n <= 7; n += 2) {
		uint64_t p = n;
		while (p < g)
			p *= n;
		if (p == g)
			return 1;
	}
	return 0;
}

/* Where descriptor block i lives: after the superblock, or with meta_bg in
 * the first group of its meta group (after that group's backup, if any). */
uint64_t ext2fs_desc_block(const struct ext2fs *fs, uint32_t i)
{
	uint32_t per_block = fs->bsize / fs->desc_size;
	uint64_t sb_block = fs->bsize == 1024 ? 1 : 0;
	uint64_t g;

	if (!(fs->incompat & INCOMPAT_META_BG) ||
	    i < le32dec(fs->sb + SB_FIRST_META_BG))
		return sb_block + 1 + i;
	g = (uint64_t)i * per_block;
	return g * fs->blocks_per_group + fs->first_data_block +
	    (ext2fs_group_has_super(fs, (uint32_t)g) ? 1 : 0) +
	    (i == 0 && fs->bsize == 1024 && fs->first_data_block == 0 ? 1 : 0);
}

/* One descriptor: metadata inside the file system, and its checksum. */
static int ext2fs_check_gd(struct ext2fs *fs, uint32_t g)
{
	const uint8_t *gd = ext2fs_gd(fs, g);
	int wide = fs->desc_size >= GD_64BIT_MIN_SIZE;
	uint64_t itab_blocks = ((uint64_t)fs->inodes_per_group *
	    fs->inode_size + fs->bsize - 1) >> fs->log_bsize;
	static const unsigned lo[3] = { GD_BLOCK_BITMAP_LO,
	    GD_INODE_BITMAP_LO, GD_INODE_TABLE_LO };
	static const unsigned hi[3] = { GD_BLOCK_BITMAP_HI,
	    GD_INODE_BITMAP_HI, GD_INODE_TABLE_HI };
	static const char *const what[3] = { "block bitmap", "inode bitmap",
	    "inode table" };
	int k, error;

	for (k = 0; k < 3; k++) {
		uint64_t b = le32dec(gd + lo[k]);
		uint64_t n = k == 2 ? itab_blocks : 1;
		if (wide)
			b |= (uint64_t)le32dec(gd + hi[k]) << 32;
		if (b < fs->first_data_block || b >= fs->blocks_count ||
		    n > fs->blocks_count - b)
			return vfs_corrupt(fs->mp, 0, b, "group %u %s: expected "
			    "blocks %u..%llu, found %llu (+%llu)", g, what[k],
			    fs->first_data_block,
			    (unsigned long long)fs->blocks_count - 1,
			    (unsigned long long)b, (unsigned long long)n);
	}
	/* fsck reports (and repairs) a wrong checksum itself */
	if (fs->mp->mnt_flags & MNT_FSCK)
		return 0;
	error = ext2fs_gd_csum_verify(fs, g);
	return error;
}

/* Reads and checks the group descriptor table (bounded by the device);
 * `first` is where a backup copy begins (0: the primary table). */
int ext2fs_load_gdt_at(struct ext2fs *fs, uint64_t first)
{
	uint32_t per_block = fs->bsize / fs->desc_size;
	uint32_t nblocks = (fs->ngroups + per_block - 1) / per_block;
	uint64_t bytes = (uint64_t)nblocks * fs->bsize;
	struct buf *bp;
	uint32_t i, g;
	int error;

	if (bytes > EXT2_MAX_GDT_BYTES)
		return vfs_refuse(fs->mp, EFBIG, "ext2: %u block groups: more "
		    "than this reader handles", fs->ngroups);
	free(fs->gdt);
	fs->gdt = calloc(1, (size_t)bytes);
	if (fs->gdt == NULL)
		return ENOMEM;
	for (i = 0; i < nblocks; i++) {
		error = ext2fs_bread(fs, 0, first ? first + i :
		    ext2fs_desc_block(fs, i), &bp);
		if (error)
			return error;
		memcpy(fs->gdt + (size_t)i * fs->bsize, bp->b_data, fs->bsize);
		brelse(bp);
	}
	for (g = 0; g < fs->ngroups; g++) {
		error = ext2fs_check_gd(fs, g);
		if (error)
			return error;
	}
	return 0;
}

int ext2fs_load_gdt(struct ext2fs *fs)
{
	return ext2fs_load_gdt_at(fs, 0);
}

static int ext2fs_check_features(struct mount *mp, struct ext2fs *fs)
{
	char names[256];
	uint32_t unknown = fs->incompat & ~INCOMPAT_SUPPORTED;

	if (unknown) {
		ext2fs_feature_names(fs, 1, 0, names, sizeof(names));
		return vfs_refuse(mp, ENOTSUP, "unsupported ext4 feature: %s",
		    names);
	}
	if (mp->mnt_flags & MNT_RDONLY)
		return 0;
	if (fs->ro_compat & ~(RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE |
	    RO_COMPAT_HUGE_FILE | RO_COMPAT_GDT_CSUM | RO_COMPAT_DIR_NLINK |
	    RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM | 0x0004))
		return vfs_refuse(mp, EROFS, "writing ext4 with these features "
		    "(bigalloc, quota, ...) is not supported yet; open read-only "
		    "(-r)");
	if (fs->incompat & (INCOMPAT_MMP | INCOMPAT_EA_INODE) ||
	    fs->bsize > 32768 || (fs->compat & 0x400 /* fast_commit */))
		return vfs_refuse(mp, EROFS, "writing ext4 with these features "
		    "(mmp, ea_inode, fast_commit, 64 KiB blocks) is not supported "
		    "yet; open read-only (-r)");
	return 0;
}

/* Mount: superblock, features, descriptors, then the journal (which may
 * hold newer copies of the superblock and descriptors: read them again). */
static int ext2fs_mount(struct mount *mp)
{
	uint8_t sb[EXT2_SB_SIZE];
	struct ext2fs *fs;
	int error;

	if (mp->mnt_dev->bd_size < EXT2_SB_OFFSET + EXT2_SB_SIZE)
		return vfs_corrupt(mp, 0, 0, "device size: expected at least "
		    "2048 bytes, found %llu",
		    (unsigned long long)mp->mnt_dev->bd_size);
	error = blkdev_read(mp->mnt_dev, EXT2_SB_OFFSET, sb, sizeof(sb));
	if (error)
		return error;
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return ENOMEM;
	fs->mp = mp;
	mp->mnt_data = fs;
	error = ext2fs_parse_sb(mp, sb, mp->mnt_dev->bd_size, fs);
	if (error == EUCLEAN && (mp->mnt_flags & MNT_FSCK)) {
		error = ext2fs_backup_sb(fs, sb);
		if (error == EUCLEAN) {
			/* no backup: the primary, with what fsck can repair */
			fs->sb_lenient = 1;
			error = ext2fs_parse_sb(mp, sb, mp->mnt_dev->bd_size, fs);
		}
	}
	if (error == 0)
		error = ext2fs_check_features(mp, fs);
	if (error == 0 && fs->backup_gdt == 0) {
		error = ext2fs_load_gdt(fs);
		if (error == EUCLEAN && (mp->mnt_flags & MNT_FSCK))
			error = ext2fs_backup_gdt(fs);
	}
	/* fsck reports a log to replay on a backup; nothing is replayed */
	if (error == 0 && fs->backup_gdt == 0)
		error = ext2fs_journal_load(fs);
	if (error == 0 && fs->njmap > 0) {
		struct buf *bp;
		uint64_t sbblk = EXT2_SB_OFFSET >> fs->log_bsize;
		error = ext2fs_bread(fs, 0, sbblk, &bp);
		if (error == 0) {
			memcpy(sb, bp->b_data + (EXT2_SB_OFFSET & (fs->bsize - 1)),
			    sizeof(sb));
			brelse(bp);
			error = ext2fs_parse_sb(mp, sb, mp->mnt_dev->bd_size, fs);
		}
		if (error == 0)
			error = ext2fs_load_gdt(fs);
	}
	if (error == 0 && !(mp->mnt_flags & MNT_RDONLY))
		error = ext2fs_write_begin(fs);
	if (error) {
		ext2fs_write_free(fs);
		free(fs->gdt);
		free(fs->jmap);
		free(fs);
		mp->mnt_data = NULL;
	}
	return error;
}

static int ext2fs_unmount(struct mount *mp)
{
	struct ext2fs *fs = ext2fs_fs(mp);
	int error = 0;

	if (fs != NULL) {
		if (fs->rw && !fs->failed)
			error = ext2fs_write_end(fs);
		ext2fs_write_free(fs);
		free(fs->gdt);
		free(fs->jmap);
		free(fs);
		mp->mnt_data = NULL;
	}
	return error;
}

static int ext2fs_root(struct mount *mp, uint64_t *ino)
{
	*ino = EXT2_ROOT_INO;
	return 0;
}

static int ext2fs_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino)
{
	struct ext2fs_inode *ip;
	int error;

	error = ext2fs_iget(ext2fs_fs(mp), ino, &ip);
	if (error)
		return error;
	vp->v_data = ip;
	vp->v_op = &ext2fs_vnodeops;
	vp->v_type = vfs_mode_to_vtype(ip->mode);
	return 0;
}

const struct vfsops ext2fs_vfsops = {
	.vfs_name = "ext2",
	.vfs_opts = ext2fs_opts,
	.vfs_probe = ext2fs_probe,
	.vfs_mount = ext2fs_mount,
	.vfs_unmount = ext2fs_unmount,
	.vfs_root = ext2fs_root,
	.vfs_loadvnode = ext2fs_loadvnode,
	.vfs_statvfs = ext2fs_statvfs,
	.vfs_sync = ext2fs_sync,
	.vfs_info = ext2fs_info,
	.vfs_fsck = ext2fs_fsck,
};
