/* bio.c: the buffer cache: device blocks kept in memory, bounded, written back on sync. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfs/bio.h"
#include "vfs/blkdev.h"

/*
 * Invariant: every buffer is in the hash table. A buffer with b_refcnt == 0
 * is also on the LRU list (head = most recently released) and may be evicted;
 * a referenced buffer is never on the LRU list and never evicted. The cache
 * may exceed maxbytes only while every buffer is referenced.
 */

#define B_DIRTY 0x1
#define B_PINNED 0x2   /* dirty, in an uncommitted transaction: see bio.h */

/* A list of buffers linked through b_lrunext/b_lruprev: each is on one at most. */
struct buflist {
	struct buf *head, *tail;
};

struct bufcache {
	struct blkdev *bc_dev;
	size_t bc_maxbytes;
	size_t bc_bytes;
	struct buf **bc_hash;
	size_t bc_hashsize;             /* a power of two */
	struct buflist bc_lru;          /* unreferenced, unpinned; tail: oldest */
	int bc_error;                   /* first write-back error since sync */
	size_t bc_ndirty;
	uint64_t bc_hits, bc_misses, bc_direct;
	struct bio_capture *bc_capture;  /* bio_read_data records, or NULL */
	struct buflist bc_pinned;       /* pinned buffers (see bio.h) */
	size_t bc_npinned;
};

static size_t bio_hash(const struct bufcache *bc, uint64_t off)
{
	uint64_t h = off * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 32) & (bc->bc_hashsize - 1);
}

int bio_create(struct blkdev *dev, size_t maxbytes, struct bufcache **bcp)
{
	struct bufcache *bc;

	bc = calloc(1, sizeof(*bc));
	if (bc == NULL)
		return ENOMEM;
	/* about one chain entry per 2 KiB of cache */
	bc->bc_hashsize = 1024;
	while (bc->bc_hashsize < maxbytes / 2048 && bc->bc_hashsize < (1u << 20))
		bc->bc_hashsize <<= 1;
	bc->bc_hash = calloc(bc->bc_hashsize, sizeof(*bc->bc_hash));
	if (bc->bc_hash == NULL) {
		free(bc);
		return ENOMEM;
	}
	bc->bc_dev = dev;
	bc->bc_maxbytes = maxbytes;
	*bcp = bc;
	return 0;
}

static void list_remove(struct buflist *l, struct buf *bp)
{
	if (bp->b_lruprev)
		bp->b_lruprev->b_lrunext = bp->b_lrunext;
	else
		l->head = bp->b_lrunext;
	if (bp->b_lrunext)
		bp->b_lrunext->b_lruprev = bp->b_lruprev;
	else
		l->tail = bp->b_lruprev;
	bp->b_lrunext = bp->b_lruprev = NULL;
}

static void list_push(struct buflist *l, struct buf *bp)
{
	bp->b_lruprev = NULL;
	bp->b_lrunext = l->head;
	if (l->head)
		l->head->b_lruprev = bp;
	else
		l->tail = bp;
	l->head = bp;
}

static struct buf *hash_find(struct bufcache *bc, uint64_t off)
{
	struct buf *bp;

	for (bp = bc->bc_hash[bio_hash(bc, off)]; bp; bp = bp->b_hashnext)
		if (bp->b_off == off)
			return bp;
	return NULL;
}

static void hash_remove(struct bufcache *bc, struct buf *bp)
{
	struct buf **pp = &bc->bc_hash[bio_hash(bc, bp->b_off)];

	while (*pp != bp)
		pp = &(*pp)->b_hashnext;
	*pp = bp->b_hashnext;
}

/* Writes a dirty buffer; a failure is remembered for the next bio_sync. */
static int bio_writeback(struct bufcache *bc, struct buf *bp)
{
	int error;

	if (!(bp->b_flags & B_DIRTY) || (bp->b_flags & B_PINNED))
		return 0;
	error = blkdev_write(bc->bc_dev, bp->b_off, bp->b_data, bp->b_size);
	bp->b_flags &= ~B_DIRTY;
	bc->bc_ndirty--;
	if (error && bc->bc_error == 0)
		bc->bc_error = error;
	return error;
}

/* Frees an unreferenced buffer, writing it back first if dirty. */
static void bio_evict(struct bufcache *bc, struct buf *bp)
{
	bio_writeback(bc, bp);
	list_remove(&bc->bc_lru, bp);
	hash_remove(bc, bp);
	bc->bc_bytes -= bp->b_size;
	free(bp->b_data);
	free(bp);
}

static void bio_trim(struct bufcache *bc, size_t incoming)
{
	while (bc->bc_lru.tail != NULL &&
	    bc->bc_bytes + incoming > bc->bc_maxbytes)
		bio_evict(bc, bc->bc_lru.tail);
}

/* Finds or makes the buffer for [off, off+size); *fresh says it was made. */
static int bio_getblk(struct bufcache *bc, uint64_t off, size_t size,
    struct buf **bpp, int *fresh)
{
	struct buf *bp = hash_find(bc, off);

	if (bp != NULL && bp->b_size != size) {
		if (bp->b_refcnt > 0 || (bp->b_flags & B_PINNED))
			return EINVAL;  /* a driver mixing block sizes: a bug */
		bio_evict(bc, bp);
		bp = NULL;
	}
	if (bp != NULL) {
		if (bp->b_refcnt++ == 0 && !(bp->b_flags & B_PINNED))
			list_remove(&bc->bc_lru, bp);
		bc->bc_hits++;
		*fresh = 0;
		*bpp = bp;
		return 0;
	}
	if (size == 0 || size > (64u << 20))
		return EINVAL;
	bio_trim(bc, size);
	bp = calloc(1, sizeof(*bp));
	if (bp == NULL || (bp->b_data = malloc(size)) == NULL) {
		free(bp);
		return ENOMEM;
	}
	bp->b_cache = bc;
	bp->b_off = off;
	bp->b_size = size;
	bp->b_refcnt = 1;
	size_t h = bio_hash(bc, off);
	bp->b_hashnext = bc->bc_hash[h];
	bc->bc_hash[h] = bp;
	bc->bc_bytes += size;
	bc->bc_misses++;
	*fresh = 1;
	*bpp = bp;
	return 0;
}

/* Drops a just-made buffer whose read failed, so bread leaves nothing. */
static void bio_discard(struct bufcache *bc, struct buf *bp)
{
	hash_remove(bc, bp);
	bc->bc_bytes -= bp->b_size;
	free(bp->b_data);
	free(bp);
}

int bread(struct bufcache *bc, uint64_t off, size_t size, struct buf **bpp)
{
	struct buf *bp;
	int error, fresh;

	if ((error = bio_getblk(bc, off, size, &bp, &fresh)) != 0)
		return error;
	if (fresh) {
		error = blkdev_read(bc->bc_dev, off, bp->b_data, size);
		if (error) {
			bio_discard(bc, bp);
			return error;
		}
	}
	*bpp = bp;
	return 0;
}

int bget(struct bufcache *bc, uint64_t off, size_t size, struct buf **bpp)
{
	struct buf *bp;
	int error, fresh;

	if ((error = bio_getblk(bc, off, size, &bp, &fresh)) != 0)
		return error;
	if (fresh)
		memset(bp->b_data, 0, size);
	bp->b_verified = 0;
	*bpp = bp;
	return 0;
}

void brelse(struct buf *bp)
{
	struct bufcache *bc = bp->b_cache;

	if (--bp->b_refcnt == 0 && !(bp->b_flags & B_PINNED)) {
		list_push(&bc->bc_lru, bp);
		bio_trim(bc, 0);
	}
}

void bdwrite(struct buf *bp)
{
	if (!(bp->b_flags & B_DIRTY)) {
		bp->b_flags |= B_DIRTY;
		bp->b_cache->bc_ndirty++;
	}
	brelse(bp);
}

void bdwrite_pinned(struct buf *bp)
{
	struct bufcache *bc = bp->b_cache;

	if (!(bp->b_flags & B_PINNED)) {
		bp->b_flags |= B_PINNED;
		list_push(&bc->bc_pinned, bp);
		bc->bc_npinned++;
	}
	bdwrite(bp);
}

static void unpin(struct bufcache *bc, struct buf *bp)
{
	list_remove(&bc->bc_pinned, bp);
	bp->b_flags &= ~B_PINNED;
	bc->bc_npinned--;
	if (bp->b_refcnt == 0)
		list_push(&bc->bc_lru, bp);
}

void bio_unpin_all(struct bufcache *bc)
{
	while (bc->bc_pinned.head != NULL)
		unpin(bc, bc->bc_pinned.head);
	bio_trim(bc, 0);
}

/* Copies into buf (device bytes [off, off+len)) what pinned buffers hold there. */
static void overlay_pinned(struct bufcache *bc, uint64_t off, uint8_t *buf,
    size_t len)
{
	struct buf *bp;

	for (bp = bc->bc_pinned.head; bp != NULL; bp = bp->b_lrunext) {
		uint64_t lo = bp->b_off > off ? bp->b_off : off;
		uint64_t hi = bp->b_off + bp->b_size < off + len ?
		    bp->b_off + bp->b_size : off + len;

		if (lo < hi)
			memcpy(buf + (lo - off), bp->b_data + (lo - bp->b_off),
			    (size_t)(hi - lo));
	}
}

static int overlaps_pinned(const struct bufcache *bc, uint64_t off,
    size_t len)
{
	const struct buf *bp;

	for (bp = bc->bc_pinned.head; bp != NULL; bp = bp->b_lrunext)
		if (bp->b_off < off + len && off < bp->b_off + bp->b_size)
			return 1;
	return 0;
}

int bwrite(struct buf *bp)
{
	struct bufcache *bc = bp->b_cache;
	int error;

	if (!(bp->b_flags & B_DIRTY)) {
		bp->b_flags |= B_DIRTY;
		bc->bc_ndirty++;
	}
	error = bio_writeback(bc, bp);
	brelse(bp);
	return error;
}

int bio_sync(struct bufcache *bc)
{
	struct buf *bp;
	size_t i;
	int error;

	for (i = 0; i < bc->bc_hashsize && bc->bc_ndirty > bc->bc_npinned; i++)
		for (bp = bc->bc_hash[i]; bp; bp = bp->b_hashnext)
			bio_writeback(bc, bp);
	if (bc->bc_error == 0 && blkdev_flush(bc->bc_dev) != 0)
		bc->bc_error = EIO;
	error = bc->bc_error;
	bc->bc_error = 0;
	return error;
}

void bio_invalidate(struct bufcache *bc, uint64_t off)
{
	struct buf *bp = hash_find(bc, off);

	if (bp == NULL || bp->b_refcnt > 0)
		return;
	if (bp->b_flags & B_PINNED)
		unpin(bc, bp);   /* freed: it will never go home */
	if (bp->b_flags & B_DIRTY) {
		bp->b_flags &= ~B_DIRTY;
		bc->bc_ndirty--;
	}
	bio_evict(bc, bp);
}

int bio_destroy(struct bufcache *bc)
{
	struct buf *bp, *next;
	size_t i;
	int error;

	if (bc == NULL)
		return 0;
	error = bc->bc_dev->bd_writable ? bio_sync(bc) : 0;
	for (i = 0; i < bc->bc_hashsize; i++)
		for (bp = bc->bc_hash[i]; bp; bp = next) {
			next = bp->b_hashnext;
			free(bp->b_data);
			free(bp);
		}
	free(bc->bc_hash);
	free(bc);
	return error;
}

/* Before the device is read past the cache: what may go there, goes. */
static int bio_sync_for_direct(struct bufcache *bc)
{
	return bc->bc_ndirty > bc->bc_npinned ? bio_sync(bc) : 0;
}

int bio_read_direct(struct bufcache *bc, uint64_t off, void *buf, size_t len)
{
	int error;

	if ((error = bio_sync_for_direct(bc)) != 0)
		return error;
	bc->bc_direct += len;
	if ((error = blkdev_read(bc->bc_dev, off, buf, len)) != 0)
		return error;
	if (bc->bc_npinned > 0)
		overlay_pinned(bc, off, buf, len);
	return 0;
}

void bio_capture_start(struct bufcache *bc, struct bio_capture *cap)
{
	cap->cap_n = 0;
	cap->cap_fd = bc->bc_dev->bd_fd;
	bc->bc_capture = cap;
}

void bio_capture_stop(struct bufcache *bc)
{
	bc->bc_capture = NULL;
}

/* Records the piece (joined to the last one when it continues it); 0 if full. */
static int bio_capture_add(struct bio_capture *cap, uint8_t *buf, size_t len,
    uint64_t fileoff)
{
	struct bio_dataseg *last = cap->cap_n ? &cap->cap_segs[cap->cap_n - 1] :
	    NULL;

	if (last != NULL && last->ds_buf + last->ds_len == buf &&
	    last->ds_fileoff + last->ds_len == fileoff) {
		last->ds_len += len;
		return 1;
	}
	if (cap->cap_n == cap->cap_max)
		return 0;
	cap->cap_segs[cap->cap_n++] = (struct bio_dataseg){ .ds_buf = buf,
	    .ds_len = len, .ds_fileoff = fileoff };
	return 1;
}

int bio_read_data(struct bufcache *bc, uint64_t off, void *buf, size_t len)
{
	uint64_t fileoff;
	int error;

	if (bc->bc_capture == NULL || len == 0 ||
	    (bc->bc_npinned > 0 && overlaps_pinned(bc, off, len)))
		return bio_read_direct(bc, off, buf, len);
	if ((error = bio_sync_for_direct(bc)) != 0)
		return error;
	if ((error = blkdev_locate(bc->bc_dev, off, len, &fileoff)) != 0)
		return error;
	if (!bio_capture_add(bc->bc_capture, buf, len, fileoff))
		return bio_read_direct(bc, off, buf, len);
	bc->bc_direct += len;
	return 0;
}

void bio_get_stats(const struct bufcache *bc, struct bio_stats *st)
{
	st->hits = bc->bc_hits;
	st->misses = bc->bc_misses;
	st->direct_bytes = bc->bc_direct;
	st->cached_bytes = bc->bc_bytes;
}
