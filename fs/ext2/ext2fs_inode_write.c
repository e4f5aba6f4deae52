/* ext2fs_inode_write.c: encoding an in-memory inode back into its table block; times; new inodes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/* The decoded fields back into ip->raw (the raw copy is the authority for
 * everything the decoder does not keep, such as times and xattrs). */
static void ext2fs_encode(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	uint8_t *raw = ip->raw;
	uint64_t blocks = ip->blocks512;

	le16enc(raw + I_MODE, ip->mode);
	le16enc(raw + I_UID, (uint16_t)ip->uid);
	le16enc(raw + I_UID_HIGH, (uint16_t)(ip->uid >> 16));
	le16enc(raw + I_GID, (uint16_t)ip->gid);
	le16enc(raw + I_GID_HIGH, (uint16_t)(ip->gid >> 16));
	le16enc(raw + I_LINKS_COUNT, ip->links);
	ip->flags &= ~IFL_HUGE_FILE;
	if (blocks > 0xFFFFFFFFFFFFull) {
		ip->flags |= IFL_HUGE_FILE;
		blocks >>= fs->log_bsize - 9;
	}
	le32enc(raw + I_FLAGS, ip->flags);
	le32enc(raw + I_SIZE_LO, (uint32_t)ip->size);
	if (S_ISREG(ip->mode) || (fs->incompat & INCOMPAT_LARGEDIR))
		le32enc(raw + I_SIZE_HIGH, (uint32_t)(ip->size >> 32));
	le32enc(raw + I_BLOCKS_LO, (uint32_t)blocks);
	le16enc(raw + I_BLOCKS_HIGH, (fs->ro_compat & RO_COMPAT_HUGE_FILE) ?
	    (uint16_t)(blocks >> 32) : 0);
	le32enc(raw + I_FILE_ACL_LO, (uint32_t)ip->file_acl);
	if (fs->incompat & INCOMPAT_64BIT)
		le16enc(raw + I_FILE_ACL_HIGH, (uint16_t)(ip->file_acl >> 32));
	le32enc(raw + I_GENERATION, ip->generation);
	memcpy(raw + I_BLOCK, ip->iblock, I_BLOCK_SIZE);
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		le16enc(raw + I_EXTRA_ISIZE, ip->extra_isize);
	ext2fs_csum_set_inode(fs, ip->ino, raw);
}

/* Writes ip into its inode table block as part of the transaction. */
int ext2fs_iupdate(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	uint32_t g = (uint32_t)((ip->ino - 1) / fs->inodes_per_group);
	uint64_t byte = (uint64_t)((ip->ino - 1) % fs->inodes_per_group) *
	    fs->inode_size;
	uint64_t itab = ext2fs_gd_loc(fs, g, GD_INODE_TABLE_LO,
	    GD_INODE_TABLE_HI);
	struct buf *bp;
	int error;

	if (ip->blocks512 > 0xFFFFFFFFull && !(fs->ro_compat &
	    RO_COMPAT_HUGE_FILE))
		return EFBIG;
	ext2fs_encode(fs, ip);
	error = ext2fs_bread(fs, ip->ino, itab + (byte >> fs->log_bsize), &bp);
	if (error)
		return error;
	memcpy(bp->b_data + (byte & (fs->bsize - 1)), ip->raw, fs->inode_size);
	ext2fs_bdirty(fs, bp);
	return 0;
}

/* A time: 32 signed bits of seconds, and (if the inode has room) the
 * extra word: 2 epoch bits and 30 bits of nanoseconds. */
void ext2fs_itime_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    unsigned off, unsigned extra_off, const struct timespec *ts)
{
	int64_t sec = ts->tv_sec;

	le32enc(ip->raw + off, (uint32_t)sec);
	if (extra_off != 0 && EXT2_GOOD_OLD_INODE_SIZE +
	    (unsigned)ip->extra_isize >= extra_off + 4) {
		uint32_t epoch = (uint32_t)((sec - (int32_t)(uint32_t)sec) >> 32) & 3;
		le32enc(ip->raw + extra_off, epoch |
		    ((uint32_t)ts->tv_nsec << 2));
	}
}

void ext2fs_itouch(struct ext2fs *fs, struct ext2fs_inode *ip, int what)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (what & ITOUCH_A)
		ext2fs_itime_set(fs, ip, I_ATIME, I_ATIME_EXTRA, &now);
	if (what & ITOUCH_M)
		ext2fs_itime_set(fs, ip, I_MTIME, I_MTIME_EXTRA, &now);
	if (what & ITOUCH_C)
		ext2fs_itime_set(fs, ip, I_CTIME, I_CTIME_EXTRA, &now);
}

/* A new inode near directory dp: allocated, zeroed, times now, an empty
 * extent root when the file system uses extents. Not yet written. */
int ext2fs_inew(struct ext2fs *fs, struct ext2fs_inode *dp, mode_t mode,
    struct ext2fs_inode **ipp)
{
	struct ext2fs_inode *ip;
	struct timespec now;
	uint64_t ino;
	int error;

	error = ext2fs_ialloc(fs, dp->ino, S_ISDIR(mode), &ino);
	if (error)
		return error;
	ip = calloc(1, sizeof(*ip));
	if (ip == NULL || (ip->raw = calloc(1, fs->inode_size)) == NULL) {
		free(ip);
		return ENOMEM;
	}
	ip->ino = ino;
	ip->mode = (uint16_t)mode;
	ip->links = 1;
	ip->generation = (uint32_t)random();
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE) {
		unsigned want = le16dec(fs->sb + SB_WANT_EXTRA_ISIZE);
		if (want < 32 || EXT2_GOOD_OLD_INODE_SIZE + want > fs->inode_size)
			want = 32;
		ip->extra_isize = (uint16_t)want;
	}
	ip->csum_seed = ext2fs_inode_seed(fs, ino, ip->generation);
	if ((fs->incompat & INCOMPAT_EXTENTS) && (S_ISREG(mode) ||
	    S_ISDIR(mode) || S_ISLNK(mode))) {
		ip->flags |= IFL_EXTENTS;
		le16enc(ip->iblock, EXT_MAGIC);
		le16enc(ip->iblock + 4, (I_BLOCK_SIZE - EXT_HDR_SIZE) /
		    EXT_ENTRY_SIZE);
	}
	le16enc(ip->raw + I_EXTRA_ISIZE, ip->extra_isize);
	clock_gettime(CLOCK_REALTIME, &now);
	ext2fs_itime_set(fs, ip, I_ATIME, I_ATIME_EXTRA, &now);
	ext2fs_itime_set(fs, ip, I_MTIME, I_MTIME_EXTRA, &now);
	ext2fs_itime_set(fs, ip, I_CTIME, I_CTIME_EXTRA, &now);
	ext2fs_itime_set(fs, ip, I_CRTIME, I_CRTIME_EXTRA, &now);
	*ipp = ip;
	return 0;
}
