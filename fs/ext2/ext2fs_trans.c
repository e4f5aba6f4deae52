/* ext2fs_trans.c: transactions: tracking dirtied metadata, writing back descriptors and superblock, commit, session begin/end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

/*
 * Invariant: between two commits, every metadata block changed is dirty in
 * the buffer cache and listed in fs->tx_blks; the descriptors and the
 * superblock are changed in memory (fs->gdt, fs->sb) and copied into their
 * blocks at commit. Each vnode operation that changes anything ends with
 * ext2fs_commit(): with a journal the listed blocks go to the log as one
 * transaction (checkpointed later, at sync or when the log fills); without
 * one they are left dirty for the cache to write back. File data is written
 * in place before the commit (ordered mode). Blocks freed in a transaction
 * are not reused before it commits.
 */
static int tx_grow(uint64_t **arr, size_t *cap, size_t need)
{
	uint64_t *p;
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	p = realloc(*arr, ncap * sizeof(**arr));
	if (p == NULL)
		return ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * Marks bp dirty (and releases it) as part of the open transaction. With a
 * journal the buffer is pinned: it reaches its place on the image only after
 * the transaction's commit block (ext2fs_jnl_commit unpins), whatever reads
 * or evictions come first.
 */
void ext2fs_bdirty(struct ext2fs *fs, struct buf *bp)
{
	uint64_t blk = bp->b_off >> fs->log_bsize;
	size_t i, from = fs->tx_n > 8 ? fs->tx_n - 8 : 0;

	for (i = from; i < fs->tx_n; i++)
		if (fs->tx_blks[i] == blk)
			break;
	if (i == fs->tx_n) {
		if (tx_grow(&fs->tx_blks, &fs->tx_cap, fs->tx_n + 1) == 0)
			fs->tx_blks[fs->tx_n++] = blk;
		else
			fs->failed = ENOMEM;
	}
	if (fs->jnl != NULL)
		bdwrite_pinned(bp);
	else
		bdwrite(bp);
}

/* A descriptor to change: its block is written back at commit. */
uint8_t *ext2fs_gd_w(struct ext2fs *fs, uint32_t group)
{
	fs->gdt_dirty[group / (fs->bsize / fs->desc_size)] = 1;
	fs->sb_dirty = 1;
	return fs->gdt + (size_t)group * fs->desc_size;
}

void ext2fs_sb_dirty(struct ext2fs *fs)
{
	fs->sb_dirty = 1;
}

/* Freed ranges are kept as (start, count) pairs. */
int ext2fs_tx_freed(struct ext2fs *fs, uint64_t blk, uint64_t n)
{
	if (fs->tx_nfreed >= 2 && fs->tx_freed[fs->tx_nfreed - 2] +
	    fs->tx_freed[fs->tx_nfreed - 1] == blk) {
		fs->tx_freed[fs->tx_nfreed - 1] += n;
		return 0;
	}
	if (tx_grow(&fs->tx_freed, &fs->tx_capfreed, fs->tx_nfreed + 2))
		return ENOMEM;
	fs->tx_freed[fs->tx_nfreed++] = blk;
	fs->tx_freed[fs->tx_nfreed++] = n;
	return 0;
}

int ext2fs_tx_was_freed(const struct ext2fs *fs, uint64_t blk)
{
	size_t i;

	for (i = 0; i < fs->tx_nfreed; i += 2)
		if (blk - fs->tx_freed[i] < fs->tx_freed[i + 1])
			return 1;
	return 0;
}

/* Copies changed descriptor blocks into their buffers. */
static int ext2fs_flush_gdt(struct ext2fs *fs)
{
	uint32_t per = fs->bsize / fs->desc_size;
	uint32_t i, nblocks = (fs->ngroups + per - 1) / per;
	struct buf *bp;
	int error;

	for (i = 0; i < nblocks; i++) {
		uint32_t g;
		if (!fs->gdt_dirty[i])
			continue;
		for (g = i * per; g < (i + 1) * per && g < fs->ngroups; g++)
			ext2fs_csum_set_gd(fs, g, fs->gdt + (size_t)g * fs->desc_size);
		error = bread(fs->mp->mnt_bc, ext2fs_desc_block(fs, i) <<
		    fs->log_bsize, fs->bsize, &bp);
		if (error)
			return error;
		memcpy(bp->b_data, fs->gdt + (size_t)i * fs->bsize, fs->bsize);
		ext2fs_bdirty(fs, bp);
		fs->gdt_dirty[i] = 0;
	}
	return 0;
}

/* Free counts summed from the descriptors, then the superblock block. */
static int ext2fs_flush_sb(struct ext2fs *fs)
{
	uint64_t fb = 0, fi = 0, sbblk = EXT2_SB_OFFSET >> fs->log_bsize;
	struct buf *bp;
	uint32_t g;
	int error;

	for (g = 0; g < fs->ngroups; g++) {
		fb += ext2fs_gd_get(fs, g, GD_FREE_BLOCKS_LO, GD_FREE_BLOCKS_HI);
		fi += ext2fs_gd_get(fs, g, GD_FREE_INODES_LO, GD_FREE_INODES_HI);
	}
	le32enc(fs->sb + SB_FREE_BLOCKS_LO, (uint32_t)fb);
	if (fs->incompat & INCOMPAT_64BIT)
		le32enc(fs->sb + SB_FREE_BLOCKS_HI, (uint32_t)(fb >> 32));
	le32enc(fs->sb + SB_FREE_INODES, (uint32_t)fi);
	ext2fs_csum_set_sb(fs, fs->sb);
	error = bread(fs->mp->mnt_bc, sbblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	memcpy(bp->b_data + (EXT2_SB_OFFSET & (fs->bsize - 1)), fs->sb,
	    EXT2_SB_SIZE);
	ext2fs_bdirty(fs, bp);
	fs->sb_dirty = 0;
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether the open transaction may stay open after this operation: with a
 * journal, operations are grouped (as jbd2 groups them) for up to
 * EXT2_TX_MAX_MS or EXT2_TX_MAX_BLOCKS dirtied blocks, whichever first;
 * each transaction still holds whole operations only. */
#define EXT2_TX_MAX_MS     1000
#define EXT2_TX_MAX_BLOCKS 2048
static int ext2fs_tx_defer(struct ext2fs *fs)
{
	struct timespec now;
	int64_t ms;

	if (fs->jnl == NULL || fs->tx_n == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (fs->tx_start_ms == 0)
		fs->tx_start_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
	    fs->tx_start_ms;
	return ms < EXT2_TX_MAX_MS && fs->tx_n < EXT2_TX_MAX_BLOCKS &&
	    fs->tx_n < ext2fs_jnl_capacity(fs) / 2;
}

/* The end of an operation: commits now, or later (ext2fs_tx_defer). */
int ext2fs_commit(struct ext2fs *fs)
{
	if (fs->failed)
		return fs->failed;
	if (ext2fs_tx_defer(fs))
		return 0;
	return ext2fs_commit_now(fs);
}

/* Ends the open transaction (see the invariant above). */
int ext2fs_commit_now(struct ext2fs *fs)
{
	size_t i, n = 0;
	int error = 0;

	if (fs->failed)
		return fs->failed;
	fs->tx_start_ms = 0;
	if (fs->sb_dirty || fs->tx_n > 0) {
		error = ext2fs_flush_gdt(fs);
		if (error == 0)
			error = ext2fs_flush_sb(fs);
	}
	if (error == 0 && fs->jnl != NULL && fs->tx_n > 0) {
		qsort(fs->tx_blks, fs->tx_n, sizeof(*fs->tx_blks), cmp64);
		for (i = 0; i < fs->tx_n; i++)
			if (n == 0 || fs->tx_blks[n - 1] != fs->tx_blks[i])
				fs->tx_blks[n++] = fs->tx_blks[i];
		error = ext2fs_jnl_commit(fs, fs->tx_blks, n, fs->tx_freed,
		    fs->tx_nfreed);
	}
	fs->tx_n = 0;
	fs->tx_nfreed = 0;
	if (error)
		fs->failed = error;
	return error;
}

/* Writes the superblock in place now (state changes at begin and end). */
static int ext2fs_sb_write_now(struct ext2fs *fs)
{
	int error;

	le32enc(fs->sb + SB_WTIME, (uint32_t)time(NULL));
	fs->sb[SB_WTIME_HI] = (uint8_t)((uint64_t)time(NULL) >> 32);
	error = ext2fs_flush_sb(fs);
	fs->tx_n = 0;
	bio_unpin_all(fs->mp->mnt_bc);   /* in place, outside any transaction */
	if (error == 0)
		error = bio_sync(fs->mp->mnt_bc);
	return error;
}

/* The first change of a session: replay a journal that needs it, then
 * record in the superblock that the file system is in use. */
int ext2fs_write_begin(struct ext2fs *fs)
{
	uint32_t per = fs->bsize / fs->desc_size;
	int error = 0;

	fs->gdt_dirty = calloc((fs->ngroups + per - 1) / per, 1);
	if (fs->gdt_dirty == NULL)
		return ENOMEM;
	if ((fs->incompat & INCOMPAT_RECOVER) && vfs_opt(fs->mp, "noload"))
		return vfs_refuse(fs->mp, EROFS, "the journal needs recovery: "
		    "writing with -o noload would lose it; open without noload");
	fs->rw = 1;
	if (fs->compat & COMPAT_HAS_JOURNAL) {
		error = ext2fs_jnl_open(fs);
		if (error == 0)
			error = ext2fs_jnl_replay(fs);
	}
	if (error)
		return error;
	if (fs->jnl != NULL)
		fs->incompat |= INCOMPAT_RECOVER;
	else
		le16enc(fs->sb + SB_STATE, le16dec(fs->sb + SB_STATE) &
		    ~EXT2_STATE_VALID);
	le32enc(fs->sb + SB_FEATURE_INCOMPAT, fs->incompat);
	return ext2fs_sb_write_now(fs);
}

/* vfs_sync: commit, write everything in place, empty the log. */
int ext2fs_sync(struct mount *mp)
{
	struct ext2fs *fs = ext2fs_fs(mp);
	int error;

	if (!fs->rw)
		return 0;
	error = ext2fs_commit_now(fs);
	if (error == 0)
		error = bio_sync(mp->mnt_bc);
	if (error == 0 && fs->jnl != NULL)
		error = ext2fs_jnl_checkpoint(fs);
	return error;
}

/* Unmount: everything written, the state set back to clean. */
int ext2fs_write_end(struct ext2fs *fs)
{
	int error;

	error = ext2fs_sync(fs->mp);
	if (error)
		return error;
	if (fs->jnl != NULL)
		fs->incompat &= ~INCOMPAT_RECOVER;
	else
		le16enc(fs->sb + SB_STATE, le16dec(fs->sb + SB_STATE) |
		    EXT2_STATE_VALID);
	le32enc(fs->sb + SB_FEATURE_INCOMPAT, fs->incompat);
	return ext2fs_sb_write_now(fs);
}

void ext2fs_write_free(struct ext2fs *fs)
{
	ext2fs_jnl_close(fs);
	free(fs->tx_blks);
	free(fs->tx_freed);
	free(fs->gdt_dirty);
}
