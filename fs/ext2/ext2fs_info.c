/* ext2fs_info.c: "info": superblock facts as key/value pairs, named as dumpe2fs names them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

#define EXT4_ONLY_INCOMPAT (INCOMPAT_META_BG | INCOMPAT_EXTENTS | \
    INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | \
    INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR | INCOMPAT_INLINE_DATA | \
    INCOMPAT_ENCRYPT | INCOMPAT_CASEFOLD)
#define EXT4_ONLY_RO_COMPAT (RO_COMPAT_HUGE_FILE | RO_COMPAT_GDT_CSUM | \
    RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_BIGALLOC | \
    RO_COMPAT_METADATA_CSUM)

static const char *ext2fs_type(const struct ext2fs *fs)
{
	if ((fs->incompat & EXT4_ONLY_INCOMPAT) ||
	    (fs->ro_compat & EXT4_ONLY_RO_COMPAT))
		return "ext4";
	return (fs->compat & COMPAT_HAS_JOURNAL) ? "ext3" : "ext2";
}

static void ext2fs_info_num(vfs_info_t out, void *arg, const char *key,
    unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	out(arg, key, buf);
}

/* A superblock time: 32 bits plus 8 high bits; 0 means never. */
static void ext2fs_info_time(const struct ext2fs *fs, vfs_info_t out,
    void *arg, const char *key, unsigned off, unsigned hi_off)
{
	int64_t t = (int64_t)le32dec(fs->sb + off) |
	    (int64_t)fs->sb[hi_off] << 32;
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, sizeof(buf), "n/a");
	else
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	out(arg, key, buf);
}

/* A fixed-size, maybe unterminated, string field. */
static void ext2fs_info_str(const struct ext2fs *fs, vfs_info_t out,
    void *arg, const char *key, unsigned off, size_t size)
{
	char buf[72];
	size_t i;

	for (i = 0; i < size && fs->sb[off + i] != '\0'; i++)
		buf[i] = fs->sb[off + i] >= 0x20 && fs->sb[off + i] < 0x7f ?
		    (char)fs->sb[off + i] : '?';
	buf[i] = '\0';
	out(arg, key, buf);
}

static void ext2fs_info_state(const struct ext2fs *fs, vfs_info_t out,
    void *arg)
{
	static const char *const os[] = { "Linux", "Hurd", "Masix", "FreeBSD",
	    "Lites" };
	static const char *const errs[] = { "?", "continue", "remount-ro",
	    "panic" };
	uint16_t state = le16dec(fs->sb + SB_STATE);
	uint16_t e = le16dec(fs->sb + SB_ERRORS);
	uint32_t o = le32dec(fs->sb + SB_CREATOR_OS);
	const char *j = "none";

	out(arg, "state", (state & EXT2_STATE_ERRORS) ? "errors" :
	    (state & EXT2_STATE_VALID) ? "clean" : "not clean");
	out(arg, "errors behavior", e < 4 ? errs[e] : "?");
	out(arg, "created by", o < 5 ? os[o] : "unknown");
	if (fs->compat & COMPAT_HAS_JOURNAL)
		j = (fs->incompat & INCOMPAT_RECOVER) ? "needs recovery" :
		    "clean";
	if ((fs->compat & COMPAT_HAS_JOURNAL) &&
	    le32dec(fs->sb + SB_JOURNAL_INUM) == 0)
		j = (fs->incompat & INCOMPAT_RECOVER) ?
		    "external, needs recovery" : "external";
	out(arg, "journal", j);
	if (fs->njmap > 0)
		ext2fs_info_num(out, arg, "journal blocks replayed in memory",
		    fs->njmap);
}

int ext2fs_info(struct mount *mp, vfs_info_t out, void *arg)
{
	struct ext2fs *fs = ext2fs_fs(mp);
	const uint8_t *u = fs->sb + SB_UUID;
	struct vfs_statvfs sv;
	char buf[512];

	out(arg, "type", ext2fs_type(fs));
	ext2fs_info_str(fs, out, arg, "label", SB_VOLUME_NAME, 16);
	snprintf(buf, sizeof(buf), "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
	    u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
	    u[15]);
	out(arg, "uuid", buf);
	ext2fs_info_num(out, arg, "revision", le32dec(fs->sb + SB_REV_LEVEL));
	ext2fs_feature_names(fs, 0, 1, buf, sizeof(buf));
	out(arg, "features", buf);
	ext2fs_info_state(fs, out, arg);
	ext2fs_info_num(out, arg, "block size", fs->bsize);
	ext2fs_info_num(out, arg, "inode size", fs->inode_size);
	ext2fs_info_num(out, arg, "blocks", fs->blocks_count);
	ext2fs_info_num(out, arg, "reserved blocks", fs->r_blocks_count);
	mp->mnt_op->vfs_statvfs(mp, &sv);
	ext2fs_info_num(out, arg, "free blocks", sv.f_bfree);
	ext2fs_info_num(out, arg, "inodes", fs->inodes_count);
	ext2fs_info_num(out, arg, "free inodes", sv.f_ffree);
	ext2fs_info_num(out, arg, "block groups", fs->ngroups);
	ext2fs_info_num(out, arg, "blocks per group", fs->blocks_per_group);
	ext2fs_info_num(out, arg, "inodes per group", fs->inodes_per_group);
	ext2fs_info_str(fs, out, arg, "last mounted on", SB_LAST_MOUNTED, 64);
	ext2fs_info_time(fs, out, arg, "created", SB_MKFS_TIME,
	    SB_MKFS_TIME_HI);
	ext2fs_info_time(fs, out, arg, "last mount time", SB_MTIME,
	    SB_MTIME_HI);
	ext2fs_info_time(fs, out, arg, "last write time", SB_WTIME,
	    SB_WTIME_HI);
	ext2fs_info_num(out, arg, "mount count", le16dec(fs->sb + SB_MNT_COUNT));
	return 0;
}
