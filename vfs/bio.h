/* bio.h: a bounded buffer cache of device blocks above the block device. */
#ifndef RUMPSH_BIO_H
#define RUMPSH_BIO_H

#include <stddef.h>
#include <stdint.h>

struct blkdev;
struct bufcache;

struct buf {
	uint64_t b_off;         /* byte offset on the device */
	size_t b_size;
	uint8_t *b_data;
	/*
	 * The driver's note that it has checked these contents (e.g. a
	 * checksum) and against what; 0 when not. bio.c clears it whenever the
	 * contents are replaced other than by the driver's own writes.
	 */
	uint64_t b_verified;
	/* owned by bio.c */
	struct bufcache *b_cache;
	unsigned b_refcnt;
	unsigned b_flags;
	struct buf *b_hashnext;
	struct buf *b_lrunext, *b_lruprev;  /* on the LRU or the pinned list */
};

/*
 * Rules: a failed bread() leaves nothing to release; each successful bread()
 * is paired with exactly one brelse() (or bwrite()/bdwrite(), which release)
 * in the same function. A buffer's b_data stays valid until then.
 */
int bio_create(struct blkdev *dev, size_t maxbytes, struct bufcache **bcp);
/* Writes back dirty buffers (reporting the first write error) and frees all. */
int bio_destroy(struct bufcache *bc);

int bread(struct bufcache *bc, uint64_t off, size_t size, struct buf **bpp);
/* A buffer for a block about to be overwritten entirely: not read. */
int bget(struct bufcache *bc, uint64_t off, size_t size, struct buf **bpp);
void brelse(struct buf *bp);
/* Marks dirty and releases; written at bio_sync or when evicted. */
void bdwrite(struct buf *bp);
/* Writes now and releases; returns the write error. */
int bwrite(struct buf *bp);
/*
 * Write-ahead logging: a journaling driver marks the blocks of a transaction
 * not yet committed with bdwrite_pinned (dirty and released, like bdwrite).
 * Until bio_unpin_all, such a buffer is never written to the device: not by
 * bio_sync, not by eviction (it stays in memory, off the LRU), not before a
 * direct read (which takes those bytes from the buffer instead).
 */
void bdwrite_pinned(struct buf *bp);
/* The transaction committed: its blocks may go home (unpinned, dirty). */
void bio_unpin_all(struct bufcache *bc);
/* Writes every dirty buffer but the pinned ones; returns the first error
 * since the last sync. */
int bio_sync(struct bufcache *bc);
/* Drops a cached block (e.g. freed) without writing it. */
void bio_invalidate(struct bufcache *bc, uint64_t off);

/*
 * Bulk read straight from the device into buf, bypassing the cache (file
 * data). Dirty cached buffers are written first so the device is current;
 * the bytes of pinned ones are copied from the cache.
 */
int bio_read_direct(struct bufcache *bc, uint64_t off, void *buf, size_t len);

/*
 * File data that a driver's vop_read puts unchanged into the reader's buffer
 * (not data it decodes first, such as compressed blocks). The same as
 * bio_read_direct, except while a capture is on: then the piece is not read
 * but recorded, so that a reader who forwards the bytes (p2k's FUSE replies)
 * can splice them from the image file instead of copying them twice.
 * Everything else the read does (zeros for holes, blocks the journal holds,
 * inline data) still lands in the buffer. When the capture's table is full,
 * pieces are read as usual.
 */
int bio_read_data(struct bufcache *bc, uint64_t off, void *buf, size_t len);

struct bio_dataseg {
	uint8_t *ds_buf;        /* where the piece belongs in the reader's buffer */
	size_t ds_len;
	uint64_t ds_fileoff;    /* where it lies in the image file (cap_fd) */
};
struct bio_capture {
	struct bio_dataseg *cap_segs;  /* the caller's table, in buffer order */
	size_t cap_max;
	size_t cap_n;           /* filled in */
	int cap_fd;             /* set by bio_capture_start: the image file */
};
/* Between start and stop, bio_read_data records into cap (one capture at a time). */
void bio_capture_start(struct bufcache *bc, struct bio_capture *cap);
void bio_capture_stop(struct bufcache *bc);

struct bio_stats {
	uint64_t hits, misses, direct_bytes;
	size_t cached_bytes;
};
void bio_get_stats(const struct bufcache *bc, struct bio_stats *st);

#endif
