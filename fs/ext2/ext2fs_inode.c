/* ext2fs_inode.c: locating, verifying and decoding an inode; getattr. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/* Copies inode `ino` out of its group's inode table into raw. */
static int ext2fs_read_raw(struct ext2fs *fs, uint64_t ino, uint8_t *raw)
{
	uint32_t group, index;
	const uint8_t *gd;
	uint64_t itab, byte;
	struct buf *bp;
	int error;

	if (ino < 1 || ino > fs->inodes_count)
		return vfs_corrupt(fs->mp, ino, 0, "inode number: expected "
		    "1..%u, found %llu", fs->inodes_count,
		    (unsigned long long)ino);
	group = (uint32_t)((ino - 1) / fs->inodes_per_group);
	index = (uint32_t)((ino - 1) % fs->inodes_per_group);
	gd = ext2fs_gd(fs, group);
	itab = le32dec(gd + GD_INODE_TABLE_LO);
	if (fs->desc_size >= GD_64BIT_MIN_SIZE)
		itab |= (uint64_t)le32dec(gd + GD_INODE_TABLE_HI) << 32;
	/* ext2fs_check_gd() made sure the whole table is inside the fs. */
	byte = (uint64_t)index * fs->inode_size;
	error = ext2fs_bread(fs, ino, itab + (byte >> fs->log_bsize), &bp);
	if (error)
		return error;
	memcpy(raw, bp->b_data + (byte & (fs->bsize - 1)), fs->inode_size);
	brelse(bp);
	return 0;
}

/* Checks that make every later use of the inode's fields safe. */
static int ext2fs_check_inode(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	uint64_t maxsize;

	if (EXT2_GOOD_OLD_INODE_SIZE + (uint32_t)ip->extra_isize >
	    fs->inode_size || (ip->extra_isize & 3))
		return vfs_corrupt(fs->mp, ip->ino, 0, "i_extra_isize: expected "
		    "a multiple of 4 up to %u, found %u",
		    fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE, ip->extra_isize);
	if (ip->links == 0)
		return vfs_corrupt(fs->mp, ip->ino, 0, "inode: expected a "
		    "linked inode, found link count 0 (deleted, mode 0%o)",
		    ip->mode);
	switch (ip->mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR: case S_IFBLK:
	case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return vfs_corrupt(fs->mp, ip->ino, 0, "inode mode: expected a "
		    "file type, found 0%o", ip->mode);
	}
	maxsize = fs->max_file_blocks << fs->log_bsize;
	if (ip->size > maxsize)
		return vfs_corrupt(fs->mp, ip->ino, 0, "i_size: expected at "
		    "most %llu, found %llu", (unsigned long long)maxsize,
		    (unsigned long long)ip->size);
	if ((ip->flags & IFL_INLINE_DATA) &&
	    !(fs->incompat & INCOMPAT_INLINE_DATA))
		return vfs_corrupt(fs->mp, ip->ino, 0, "inode flags: expected "
		    "no inline data without the feature, found 0x%x", ip->flags);
	return 0;
}

static void ext2fs_decode(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	const uint8_t *raw = ip->raw;

	ip->mode = le16dec(raw + I_MODE);
	ip->uid = le16dec(raw + I_UID) |
	    (uint32_t)le16dec(raw + I_UID_HIGH) << 16;
	ip->gid = le16dec(raw + I_GID) |
	    (uint32_t)le16dec(raw + I_GID_HIGH) << 16;
	ip->links = le16dec(raw + I_LINKS_COUNT);
	ip->flags = le32dec(raw + I_FLAGS);
	ip->generation = le32dec(raw + I_GENERATION);
	ip->size = le32dec(raw + I_SIZE_LO);
	/* The high word is a size only for files, and for directories once
	 * large_dir exists (ext2 rev 0 kept a directory ACL there). */
	if (S_ISREG(ip->mode) || (fs->incompat & INCOMPAT_LARGEDIR))
		ip->size |= (uint64_t)le32dec(raw + I_SIZE_HIGH) << 32;
	ip->blocks512 = le32dec(raw + I_BLOCKS_LO);
	if (fs->ro_compat & RO_COMPAT_HUGE_FILE) {
		ip->blocks512 |= (uint64_t)le16dec(raw + I_BLOCKS_HIGH) << 32;
		if (ip->flags & IFL_HUGE_FILE)
			ip->blocks512 <<= fs->log_bsize - 9;
	}
	ip->file_acl = le32dec(raw + I_FILE_ACL_LO);
	if (fs->incompat & INCOMPAT_64BIT)
		ip->file_acl |= (uint64_t)le16dec(raw + I_FILE_ACL_HIGH) << 32;
	ip->extra_isize = fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE ?
	    le16dec(raw + I_EXTRA_ISIZE) : 0;
	memcpy(ip->iblock, raw + I_BLOCK, I_BLOCK_SIZE);
	ip->csum_seed = ext2fs_inode_seed(fs, ip->ino, ip->generation);
}

/* Reads, verifies and decodes inode ino; the caller frees with iput. */
int ext2fs_iget(struct ext2fs *fs, uint64_t ino, struct ext2fs_inode **ipp)
{
	struct ext2fs_inode *ip;
	int error;

	ip = calloc(1, sizeof(*ip));
	if (ip == NULL)
		return ENOMEM;
	ip->raw = malloc(fs->inode_size);
	if (ip->raw == NULL) {
		error = ENOMEM;
		goto out;
	}
	ip->ino = ino;
	error = ext2fs_read_raw(fs, ino, ip->raw);
	if (error)
		goto out;
	error = ext2fs_inode_csum_verify(fs, ino, ip->raw);
	if (error)
		goto out;
	ext2fs_decode(fs, ip);
	error = ext2fs_check_inode(fs, ip);
out:
	if (error) {
		ext2fs_iput(ip);
		return error;
	}
	*ipp = ip;
	return 0;
}

void ext2fs_iput(struct ext2fs_inode *ip)
{
	if (ip != NULL) {
		ext2fs_dcache_drop(ip);
		free(ip->raw);
		free(ip);
	}
}

/*
 * A time: the signed 32-bit seconds, plus (when the inode is large enough
 * to hold it) an extra word of 2 epoch bits and 30 bits of nanoseconds.
 * Epoch bits add multiples of 2^32 to the signed value, as the kernel does.
 */
void ext2fs_decode_time(const struct ext2fs_inode *ip, unsigned off,
    unsigned extra_off, struct timespec *ts)
{
	int64_t sec = (int32_t)le32dec(ip->raw + off);
	long nsec = 0;

	if (extra_off != 0 &&
	    EXT2_GOOD_OLD_INODE_SIZE + (unsigned)ip->extra_isize >= extra_off + 4) {
		uint32_t extra = le32dec(ip->raw + extra_off);
		sec += (int64_t)(extra & 3) << 32;
		nsec = (long)(extra >> 2);
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = nsec;
}

/* Device numbers: the old 8:8 encoding in i_block[0], else the new one in
 * i_block[1] (12 bits of major, 20 of minor split around it). */
static void ext2fs_rdev(const struct ext2fs_inode *ip, struct vattr *va)
{
	uint32_t old = le32dec(ip->iblock), dev = le32dec(ip->iblock + 4);

	if (old != 0) {
		va->va_rdev_major = (old >> 8) & 0xff;
		va->va_rdev_minor = old & 0xff;
	} else {
		va->va_rdev_major = (dev & 0xfff00) >> 8;
		va->va_rdev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	}
}

int ext2fs_getattr(struct vnode *vp, struct vattr *va)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;

	memset(va, 0, sizeof(*va));
	va->va_ino = ip->ino;
	va->va_mode = ip->mode;
	va->va_nlink = ip->links;
	va->va_uid = ip->uid;
	va->va_gid = ip->gid;
	va->va_size = ip->size;
	va->va_bytes = ip->blocks512 * 512;
	/* The kernel reports inline files as occupying their size, so that
	 * archivers do not take them for entirely sparse files. */
	if ((ip->flags & IFL_INLINE_DATA) && S_ISREG(ip->mode))
		va->va_bytes += (ip->size + 511) & ~(uint64_t)511;
	va->va_blksize = fs->bsize;
	if (S_ISCHR(ip->mode) || S_ISBLK(ip->mode))
		ext2fs_rdev(ip, va);
	ext2fs_decode_time(ip, I_ATIME, I_ATIME_EXTRA, &va->va_atime);
	ext2fs_decode_time(ip, I_MTIME, I_MTIME_EXTRA, &va->va_mtime);
	ext2fs_decode_time(ip, I_CTIME, I_CTIME_EXTRA, &va->va_ctime);
	if (EXT2_GOOD_OLD_INODE_SIZE + (unsigned)ip->extra_isize >=
	    I_CRTIME + 4)
		ext2fs_decode_time(ip, I_CRTIME, I_CRTIME_EXTRA,
		    &va->va_birthtime);
	else {
		va->va_birthtime.tv_sec = (time_t)VFS_NOTIME;
		va->va_birthtime.tv_nsec = 0;
	}
	va->va_gen = ip->generation;
	va->va_flags = ip->flags;
	return 0;
}
