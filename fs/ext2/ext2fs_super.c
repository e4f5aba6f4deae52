/* ext2fs_super.c: decoding and validating the ext2/3/4 superblock; feature names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/crc.h"
#include "vfs/endian.h"

/* Feature names exactly as e2fsprogs prints them, by word and bit. */
static const char *const compat_names[32] = {
	"dir_prealloc", "imagic_inodes", "has_journal", "ext_attr",
	"resize_inode", "dir_index", "lazy_bg", "exclude_inode",
	"exclude_bitmap", "sparse_super2", "fast_commit", "stable_inodes",
	"orphan_file",
};
static const char *const incompat_names[32] = {
	"compression", "filetype", "needs_recovery", "journal_dev",
	"meta_bg", NULL, "extent", "64bit", "mmp", "flex_bg", "ea_inode",
	NULL, "dirdata", "metadata_csum_seed", "large_dir", "inline_data",
	"encrypt", "casefold",
};
static const char *const ro_compat_names[32] = {
	"sparse_super", "large_file", "btree_dir", "huge_file", "uninit_bg",
	"dir_nlink", "extra_isize", "has_snapshot", "quota", "bigalloc",
	"metadata_csum", "replica", "read-only", "project", "shared_blocks",
	"verity", "orphan_present",
};

/*
 * Appends feature names, space separated. which: 0 all three words in
 * e2fsprogs' order (compat, incompat, ro_compat); 1 only the incompat bits
 * this driver does not support (set is then ignored).
 */
void ext2fs_feature_names(const struct ext2fs *fs, uint32_t which, int set,
    char *buf, size_t bufsize)
{
	static const char *const *const tables[3] = { compat_names,
	    incompat_names, ro_compat_names };
	static const char letters[3] = { 'C', 'I', 'R' };
	uint32_t words[3] = { fs->compat, fs->incompat, fs->ro_compat };
	size_t len = 0;
	int w, b;

	if (which == 1) {
		words[0] = words[2] = 0;
		words[1] &= ~INCOMPAT_SUPPORTED;
	}
	buf[0] = '\0';
	for (w = 0; w < 3; w++) {
		for (b = 0; b < 32; b++) {
			char tmp[32];
			const char *name = tables[w][b];
			if (!(words[w] & (1u << b)))
				continue;
			if (name == NULL) {
				snprintf(tmp, sizeof(tmp), "FEATURE_%c%d",
				    letters[w], b);
				name = tmp;
			}
			if (len < bufsize)
				len += (size_t)snprintf(buf + len, bufsize - len,
				    "%s%s", len ? " " : "", name);
		}
	}
}

static int ext2fs_sb_bad(struct mount *mp, const char *what,
    const char *expect, unsigned long long found)
{
	return vfs_corrupt(mp, 0, 0, "superblock %s: expected %s, found %llu",
	    what, expect, found);
}

/* Block size, inode size, descriptor size: the units everything uses. */
static int ext2fs_parse_units(struct mount *mp, const uint8_t *sb,
    struct ext2fs *fs)
{
	uint32_t log = le32dec(sb + SB_LOG_BLOCK_SIZE);
	uint32_t rev = le32dec(sb + SB_REV_LEVEL);

	if (log > 6)
		return ext2fs_sb_bad(mp, "log_block_size", "0..6", log);
	fs->log_bsize = 10 + log;
	fs->bsize = 1u << fs->log_bsize;
	fs->inode_size = rev == 0 ? EXT2_GOOD_OLD_INODE_SIZE :
	    le16dec(sb + SB_INODE_SIZE);
	fs->first_ino = rev == 0 ? EXT2_GOOD_OLD_FIRST_INO :
	    le32dec(sb + SB_FIRST_INO);
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE ||
	    fs->inode_size > fs->bsize ||
	    (fs->inode_size & (fs->inode_size - 1)))
		return ext2fs_sb_bad(mp, "inode size", "a power of two from 128 "
		    "to the block size", fs->inode_size);
	fs->desc_size = GD_MIN_SIZE;
	if (fs->incompat & INCOMPAT_64BIT) {
		fs->desc_size = le16dec(sb + SB_DESC_SIZE);
		if (fs->desc_size < GD_64BIT_MIN_SIZE ||
		    fs->desc_size > GD_MAX_SIZE || fs->desc_size > fs->bsize ||
		    (fs->desc_size & (fs->desc_size - 1)))
			return ext2fs_sb_bad(mp, "desc_size", "a power of two "
			    "from 64 to 1024", fs->desc_size);
	}
	return 0;
}

/* Counts and group geometry, checked against each other and the device. */
static int ext2fs_parse_geometry(struct mount *mp, const uint8_t *sb,
    uint64_t devsize, struct ext2fs *fs)
{
	uint64_t ngroups;

	fs->blocks_count = le32dec(sb + SB_BLOCKS_COUNT_LO);
	fs->r_blocks_count = le32dec(sb + SB_R_BLOCKS_COUNT_LO);
	if (fs->incompat & INCOMPAT_64BIT) {
		fs->blocks_count |= (uint64_t)le32dec(sb + SB_BLOCKS_COUNT_HI) << 32;
		fs->r_blocks_count |=
		    (uint64_t)le32dec(sb + SB_R_BLOCKS_COUNT_HI) << 32;
	}
	fs->inodes_count = le32dec(sb + SB_INODES_COUNT);
	fs->first_data_block = le32dec(sb + SB_FIRST_DATA_BLOCK);
	fs->blocks_per_group = le32dec(sb + SB_BLOCKS_PER_GROUP);
	fs->inodes_per_group = le32dec(sb + SB_INODES_PER_GROUP);
	if (fs->blocks_count > (devsize >> fs->log_bsize))
		return vfs_corrupt(mp, 0, 0, "block count: expected at most %llu "
		    "(the device size), found %llu",
		    (unsigned long long)(devsize >> fs->log_bsize),
		    (unsigned long long)fs->blocks_count);
	if (fs->first_data_block > 1 ||
	    (fs->bsize > 1024 && fs->first_data_block != 0) ||
	    fs->first_data_block >= fs->blocks_count)
		return ext2fs_sb_bad(mp, "first data block", "1 for 1 KiB "
		    "blocks, else 0", fs->first_data_block);
	if (fs->blocks_per_group == 0 ||
	    (!(fs->ro_compat & RO_COMPAT_BIGALLOC) &&
	    fs->blocks_per_group > 8 * fs->bsize))
		return ext2fs_sb_bad(mp, "blocks per group", "1..8 * block size",
		    fs->blocks_per_group);
	if (fs->inodes_per_group < fs->bsize / fs->inode_size ||
	    fs->inodes_per_group > 8 * fs->bsize)
		return ext2fs_sb_bad(mp, "inodes per group", "an inode table "
		    "block's worth up to 8 * block size", fs->inodes_per_group);
	ngroups = (fs->blocks_count - fs->first_data_block +
	    fs->blocks_per_group - 1) / fs->blocks_per_group;
	fs->sb_inodes_bad = 0;
	if (ngroups != 0 && ngroups <= UINT32_MAX / fs->inodes_per_group &&
	    (uint64_t)fs->inodes_count != ngroups * fs->inodes_per_group &&
	    fs->sb_lenient) {
		/* the groups say how many there are; fsck repairs the total */
		fs->sb_inodes_bad = 1;
		fs->inodes_count = (uint32_t)ngroups * fs->inodes_per_group;
	}
	if (ngroups == 0 || ngroups > UINT32_MAX / fs->inodes_per_group ||
	    (uint64_t)fs->inodes_count != ngroups * fs->inodes_per_group)
		return vfs_corrupt(mp, 0, 0, "superblock inode count: expected "
		    "%llu groups * %u, found %u", (unsigned long long)ngroups,
		    fs->inodes_per_group, fs->inodes_count);
	fs->ngroups = (uint32_t)ngroups;
	if (fs->r_blocks_count > fs->blocks_count)
		return ext2fs_sb_bad(mp, "reserved blocks", "at most the block "
		    "count", fs->r_blocks_count);
	if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    fs->first_ino > fs->inodes_count)
		return ext2fs_sb_bad(mp, "first inode", "11..inode count",
		    fs->first_ino);
	return 0;
}

/* Checksum seed, hash seed, superblock checksum. */
static int ext2fs_parse_csum(struct mount *mp, const uint8_t *sb,
    struct ext2fs *fs)
{
	uint32_t expect, found, flags = le32dec(sb + SB_FLAGS);
	int i;

	for (i = 0; i < 4; i++)
		fs->hash_seed[i] = le32dec(sb + SB_HASH_SEED + 4 * i);
	fs->hash_unsigned = (flags & SB_FLAG_UNSIGNED_HASH) ? 3 : 0;
	if (fs->incompat & INCOMPAT_CSUM_SEED)
		fs->csum_seed = le32dec(sb + SB_CHECKSUM_SEED);
	else
		fs->csum_seed = crc32c(~0u, sb + SB_UUID, 16);
	if (!ext2fs_has_csum(fs))
		return 0;
	if (sb[SB_CHECKSUM_TYPE] != 1)
		return ext2fs_sb_bad(mp, "checksum type", "1 (crc32c)",
		    sb[SB_CHECKSUM_TYPE]);
	fs->sb_csum_bad = !ext2fs_sb_csum_ok(sb, &expect, &found);
	if (fs->sb_csum_bad && !(mp->mnt_flags & MNT_FSCK))
		return vfs_corrupt(mp, 0, EXT2_SB_OFFSET >> fs->log_bsize,
		    "superblock checksum: expected 0x%08x, found 0x%08x",
		    expect, found);
	return 0;
}

int ext2fs_parse_sb(struct mount *mp, const uint8_t *sb, uint64_t devsize,
    struct ext2fs *fs)
{
	int error;

	if (le16dec(sb + SB_MAGIC) != EXT2_SB_MAGIC_VALUE)
		return ext2fs_sb_bad(mp, "magic", "0xef53", le16dec(sb + SB_MAGIC));
	memcpy(fs->sb, sb, EXT2_SB_SIZE);
	fs->compat = le32dec(sb + SB_FEATURE_COMPAT);
	fs->incompat = le32dec(sb + SB_FEATURE_INCOMPAT);
	fs->ro_compat = le32dec(sb + SB_FEATURE_RO_COMPAT);
	if (le32dec(sb + SB_REV_LEVEL) == 0)
		fs->compat = fs->incompat = fs->ro_compat = 0;
	error = ext2fs_parse_csum(mp, sb, fs);
	if (error == 0)
		error = ext2fs_parse_units(mp, sb, fs);
	if (error == 0)
		error = ext2fs_parse_geometry(mp, sb, devsize, fs);
	if (error)
		return error;
	/* Logical blocks a file may address: 2^32 with extents; with block
	 * maps 12 direct + one, two and three levels of indirection. */
	{
		uint64_t p = fs->bsize / 4;
		fs->max_file_blocks = (fs->incompat & INCOMPAT_EXTENTS) ?
		    (uint64_t)1 << 32 : 0;
		if (12 + p + p * p + p * p * p > fs->max_file_blocks)
			fs->max_file_blocks = 12 + p + p * p + p * p * p;
	}
	return 0;
}
