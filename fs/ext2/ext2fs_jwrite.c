/* ext2fs_jwrite.c: writing through the jbd2 journal: replay onto the image, one transaction per change, checkpoint. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/crc.h"
#include "vfs/endian.h"

/*
 * Each commit writes one transaction at the start of the log: descriptor
 * blocks (tags in the journal's own format: 32/64-bit, csum v2/v3), the
 * copies of the metadata blocks, a flush, the commit block, a flush. Then
 * the same blocks are written in place (checkpoint), flushed, and the
 * journal superblock is advanced to the next sequence number, which makes
 * the log empty again. A crash at any instant thus leaves either the old
 * state or a complete transaction that replay (ours or e2fsck's) applies.
 * As every transaction is checkpointed before the next one starts, no
 * revoke records are needed; blocks freed in a transaction are not logged.
 * The journal superblock keeps s_start = first during the session (with a
 * sequence number no stale block can match) and 0 after it.
 */
#define JBD2_MAGIC        0xC03B3998u
#define JSB_BLOCKSIZE     0x0C
#define JSB_MAXLEN        0x10
#define JSB_FIRST         0x14
#define JSB_SEQUENCE      0x18
#define JSB_START         0x1C
#define JSB_COMPAT        0x24
#define JSB_INCOMPAT      0x28
#define JSB_UUID          0x30
#define JSB_CHECKSUM      0xFC
#define J_INCOMPAT_64BIT  0x02
#define J_INCOMPAT_CSUM2  0x08
#define J_INCOMPAT_CSUM3  0x10
#define J_FLAG_ESCAPE     0x1
#define J_FLAG_SAME_UUID  0x2
#define J_FLAG_LAST_TAG   0x8

struct ext2fs_journal {
	struct ext2fs_inode *jip;
	uint64_t *map;          /* journal block -> fs block */
	uint32_t first, maxlen, seq, incompat, seed;
	uint8_t jsb[1024];
	uint8_t *buf;           /* one block */
};

static int jw_csum(const struct ext2fs_journal *j)
{
	return (j->incompat & (J_INCOMPAT_CSUM2 | J_INCOMPAT_CSUM3)) != 0;
}

static int jw_write(struct ext2fs *fs, uint32_t jblk, const void *data)
{
	uint64_t off = fs->jnl->map[jblk] << fs->log_bsize;

	bio_invalidate(fs->mp->mnt_bc, off);
	return blkdev_write(fs->mp->mnt_dev, off, data, fs->bsize);
}

/* The journal superblock with start and sequence, written and flushed. */
static int jw_super(struct ext2fs *fs, uint32_t start)
{
	struct ext2fs_journal *j = fs->jnl;
	int error;

	be32enc(j->jsb + JSB_START, start);
	be32enc(j->jsb + JSB_SEQUENCE, j->seq);
	if (jw_csum(j)) {
		be32enc(j->jsb + JSB_CHECKSUM, 0);
		be32enc(j->jsb + JSB_CHECKSUM, crc32c(~0u, j->jsb, 1024));
	}
	memset(j->buf, 0, fs->bsize);
	memcpy(j->buf, j->jsb, 1024);
	error = jw_write(fs, 0, j->buf);
	if (error == 0)
		error = blkdev_flush(fs->mp->mnt_dev);
	return error;
}

static int jw_map(struct ext2fs *fs, struct ext2fs_journal *j)
{
	uint64_t b, pblk, run;
	int error;

	j->map = calloc(j->maxlen, sizeof(*j->map));
	if (j->map == NULL)
		return ENOMEM;
	for (b = 0; b < j->maxlen; b++) {
		error = ext2fs_bmap(fs, j->jip, b, &pblk, &run);
		if (error)
			return error;
		if (pblk == 0)
			return vfs_corrupt(fs->mp, j->jip->ino, 0, "journal block "
			    "%llu: expected data, found a hole",
			    (unsigned long long)b);
		j->map[b] = pblk;
	}
	return 0;
}

/* Loads the journal inode and superblock; refuses what we cannot write. */
int ext2fs_jnl_open(struct ext2fs *fs)
{
	uint32_t jino = le32dec(fs->sb + SB_JOURNAL_INUM);
	struct ext2fs_journal *j;
	struct buf *bp;
	uint64_t pblk, run;
	int error;

	if (jino == 0)
		return vfs_refuse(fs->mp, EROFS, "writing with an external "
		    "journal is not supported; open read-only (-r)");
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->buf = malloc(fs->bsize)) == NULL) {
		free(j);
		return ENOMEM;
	}
	fs->jnl = j;
	error = ext2fs_iget(fs, jino, &j->jip);
	if (error == 0)
		error = ext2fs_bmap(fs, j->jip, 0, &pblk, &run);
	if (error == 0 && pblk == 0)
		error = vfs_corrupt(fs->mp, jino, 0, "journal superblock: "
		    "expected data, found a hole");
	if (error == 0)
		error = ext2fs_bread(fs, jino, pblk, &bp);
	if (error)
		return error;
	memcpy(j->jsb, bp->b_data, 1024);
	brelse(bp);
	j->maxlen = be32dec(j->jsb + JSB_MAXLEN);
	j->first = be32dec(j->jsb + JSB_FIRST);
	j->seq = be32dec(j->jsb + JSB_SEQUENCE);
	j->incompat = be32dec(j->jsb + 4) == 4 ? be32dec(j->jsb + JSB_INCOMPAT) :
	    0;
	j->seed = crc32c(~0u, j->jsb + JSB_UUID, 16);
	if (be32dec(j->jsb) != JBD2_MAGIC || be32dec(j->jsb + JSB_BLOCKSIZE) !=
	    fs->bsize || j->first == 0 || j->first + 16 >= j->maxlen ||
	    j->maxlen > (j->jip->size >> fs->log_bsize))
		return vfs_corrupt(fs->mp, jino, pblk, "journal superblock: "
		    "expected a jbd2 superblock for this file system");
	if ((j->incompat & ~(uint32_t)0x1F) ||
	    (be32dec(j->jsb + 4) == 4 && (be32dec(j->jsb + JSB_COMPAT) & 1)))
		return vfs_refuse(fs->mp, EROFS, "writing with journal features "
		    "0x%x is not supported; open read-only (-r)", j->incompat);
	return jw_map(fs, j);
}
