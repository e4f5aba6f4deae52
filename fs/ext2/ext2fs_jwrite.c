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

/* A journal that needed recovery: its newest copies go in place first. */
int ext2fs_jnl_replay(struct ext2fs *fs)
{
	struct ext2fs_journal *j = fs->jnl;
	struct buf *bp;
	size_t i;
	int error = 0;

	for (i = 0; i < fs->njmap && error == 0; i++) {
		uint64_t blk = fs->jmap[i].fsblk;
		error = ext2fs_bread(fs, 0, blk, &bp);
		if (error)
			break;
		memcpy(j->buf, bp->b_data, fs->bsize);
		brelse(bp);
		bio_invalidate(fs->mp->mnt_bc, blk << fs->log_bsize);
		error = blkdev_write(fs->mp->mnt_dev, blk << fs->log_bsize,
		    j->buf, fs->bsize);
	}
	if (error == 0)
		error = blkdev_flush(fs->mp->mnt_dev);
	if (error)
		return error;
	free(fs->jmap);
	fs->jmap = NULL;
	fs->njmap = 0;
	/* no stale block of the old log can carry a number this high */
	if (be32dec(j->jsb + JSB_START) != 0)
		j->seq += j->maxlen;
	return jw_super(fs, 0);
}

static size_t jw_tag_bytes(const struct ext2fs_journal *j)
{
	size_t sz = 12;

	if (j->incompat & J_INCOMPAT_CSUM3)
		return 16;
	if (j->incompat & J_INCOMPAT_CSUM2)
		sz += 2;
	return (j->incompat & J_INCOMPAT_64BIT) ? sz : sz - 4;
}

static void jw_header(uint8_t *d, uint32_t type, uint32_t seq)
{
	be32enc(d, JBD2_MAGIC);
	be32enc(d + 4, type);
	be32enc(d + 8, seq);
}

/* One tag at t for fs block blk, whose logged copy is data. */
static void jw_tag(const struct ext2fs_journal *j, uint8_t *t, uint64_t blk,
    uint32_t flags, const uint8_t *data, size_t bsize)
{
	uint8_t s[4];
	uint32_t c;

	be32enc(s, j->seq);
	c = crc32c(crc32c(j->seed, s, 4), data, bsize);
	be32enc(t, (uint32_t)blk);
	if (j->incompat & J_INCOMPAT_CSUM3) {
		be32enc(t + 4, flags);
		be32enc(t + 8, (uint32_t)(blk >> 32));
		be32enc(t + 12, c);
		return;
	}
	be16enc(t + 4, (j->incompat & J_INCOMPAT_CSUM2) ? (uint16_t)c : 0);
	be16enc(t + 6, (uint16_t)flags);
	if (j->incompat & J_INCOMPAT_64BIT)
		be32enc(t + 8, (uint32_t)(blk >> 32));
}

/* Checksums a descriptor (tail) or commit block (h_chksum[0]). */
static void jw_block_csum(const struct ext2fs_journal *j, uint8_t *d,
    size_t bsize, size_t at)
{
	if (!jw_csum(j))
		return;
	be32enc(d + at, 0);
	be32enc(d + at, crc32c(j->seed, d, bsize));
}

/* Logs the n blocks after descriptor position *pos; *pos moves past. */
static int jw_log(struct ext2fs *fs, const uint64_t *blks, size_t n,
    uint32_t *pos, uint8_t *desc)
{
	struct ext2fs_journal *j = fs->jnl;
	size_t tb = jw_tag_bytes(j), end = fs->bsize - (jw_csum(j) ? 4 : 0);
	size_t i = 0, off;
	int error = 0;

	while (i < n && error == 0) {
		uint32_t dpos = (*pos)++;
		uint8_t *last = NULL;
		memset(desc, 0, fs->bsize);
		jw_header(desc, 1, j->seq);
		for (off = 12; i < n && off + tb + (off == 12 ? 16 : 0) <= end;
		    i++) {
			struct buf *bp;
			uint32_t flags = off == 12 ? 0 : J_FLAG_SAME_UUID;
			error = bread(fs->mp->mnt_bc, blks[i] << fs->log_bsize,
			    fs->bsize, &bp);
			if (error)
				return error;
			memcpy(j->buf, bp->b_data, fs->bsize);
			brelse(bp);
			if (be32dec(j->buf) == JBD2_MAGIC) {
				be32enc(j->buf, 0);
				flags |= J_FLAG_ESCAPE;
			}
			jw_tag(j, desc + off, blks[i], flags, j->buf, fs->bsize);
			last = desc + off;
			off += tb;
			if (!(flags & J_FLAG_SAME_UUID)) {
				memcpy(desc + off, j->jsb + JSB_UUID, 16);
				off += 16;
			}
			if ((error = jw_write(fs, (*pos)++, j->buf)) != 0)
				return error;
		}
		if (last != NULL) {
			if (j->incompat & J_INCOMPAT_CSUM3)
				be32enc(last + 4, be32dec(last + 4) | J_FLAG_LAST_TAG);
			else
				be16enc(last + 6, (uint16_t)(be16dec(last + 6) |
				    J_FLAG_LAST_TAG));
		}
		jw_block_csum(j, desc, fs->bsize, fs->bsize - 4);
		error = jw_write(fs, dpos, desc);
	}
	return error;
}

/* One transaction: log, commit, checkpoint, advance (see the top). */
int ext2fs_jnl_commit(struct ext2fs *fs, const uint64_t *blks, size_t n,
    const uint64_t *revoke, size_t nrev)
{
	struct ext2fs_journal *j = fs->jnl;
	uint64_t *keep;
	uint8_t *desc;
	uint32_t pos = j->first;
	struct timespec now;
	size_t i, k = 0, tb = jw_tag_bytes(j);
	int error = 0;

	keep = malloc((n ? n : 1) * sizeof(*keep));
	desc = malloc(fs->bsize);
	if (keep == NULL || desc == NULL) {
		free(keep);
		free(desc);
		return ENOMEM;
	}
	if (be32dec(j->jsb + JSB_START) == 0 && (error = jw_super(fs,
	    j->first)) != 0) {
		free(keep);
		free(desc);
		return error;
	}
	for (i = 0; i < n; i++)
		if (!ext2fs_tx_was_freed(fs, blks[i]))
			keep[k++] = blks[i];
	error = (uint64_t)k + k / ((fs->bsize - 48) / tb) + 3 >=
	    j->maxlen - j->first ? EFBIG : 0;
	if (error == 0 && k > 0)
		error = jw_log(fs, keep, k, &pos, desc);
	if (error == 0)
		error = blkdev_flush(fs->mp->mnt_dev);
	if (error == 0 && k > 0) {
		memset(desc, 0, fs->bsize);
		jw_header(desc, 2, j->seq);
		clock_gettime(CLOCK_REALTIME, &now);
		be32enc(desc + 48, (uint32_t)((uint64_t)now.tv_sec >> 32));
		be32enc(desc + 52, (uint32_t)now.tv_sec);
		be32enc(desc + 56, (uint32_t)now.tv_nsec);
		jw_block_csum(j, desc, fs->bsize, 16);
		error = jw_write(fs, pos, desc);
		if (error == 0)
			error = blkdev_flush(fs->mp->mnt_dev);
	}
	free(keep);
	free(desc);
	/* committed: the transaction's blocks may go to their places now */
	if (error == 0) {
		bio_unpin_all(fs->mp->mnt_bc);
		error = bio_sync(fs->mp->mnt_bc);
	}
	if (error == 0 && k > 0) {
		j->seq++;
		error = jw_super(fs, j->first);
	}
	return error;
}

/* Blocks a transaction may log (descriptors and commit aside). */
size_t ext2fs_jnl_capacity(const struct ext2fs *fs)
{
	return fs->jnl ? (fs->jnl->maxlen - fs->jnl->first) * 3 / 4 : 0;
}

/* At sync and at the end of a session: everything is in place already,
 * so the log is marked empty. */
int ext2fs_jnl_checkpoint(struct ext2fs *fs)
{
	return fs->failed ? fs->failed : jw_super(fs, 0);
}

void ext2fs_jnl_close(struct ext2fs *fs)
{
	struct ext2fs_journal *j = fs->jnl;

	if (j == NULL)
		return;
	ext2fs_iput(j->jip);
	free(j->map);
	free(j->buf);
	free(j);
	fs->jnl = NULL;
}
