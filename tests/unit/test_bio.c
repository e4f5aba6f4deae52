/* test_bio.c: the buffer cache: hits, the size bound, write-back, direct reads, captured data reads, pinned buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"

#define BLK 4096
#define NBLK 64

static char path[64];

static struct blkdev *make_disk(int writable)
{
	struct blkdev *bd = NULL;
	uint8_t block[BLK];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), i;

	for (i = 0; i < NBLK; i++) {
		memset(block, i, sizeof(block));
		CHECK(write(fd, block, sizeof(block)) == BLK);
	}
	close(fd);
	CHECK_EQ(blkdev_open(path, writable, &bd), 0);
	return bd;
}

static void test_read_and_hit(void)
{
	struct blkdev *bd = make_disk(0);
	struct bufcache *bc;
	struct bio_stats st;
	struct buf *bp;

	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, 5 * BLK, BLK, &bp), 0);
	CHECK_EQ(bp->b_data[0], 5);
	CHECK_EQ(bp->b_data[BLK - 1], 5);
	brelse(bp);
	CHECK_EQ(bread(bc, 5 * BLK, BLK, &bp), 0);
	brelse(bp);
	bio_get_stats(bc, &st);
	CHECK_EQ(st.hits, 1);
	CHECK_EQ(st.misses, 1);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

static void test_bounded(void)
{
	struct blkdev *bd = make_disk(0);
	struct bufcache *bc;
	struct bio_stats st;
	struct buf *bp;
	int i;

	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	for (i = 0; i < NBLK; i++) {
		CHECK_EQ(bread(bc, (uint64_t)i * BLK, BLK, &bp), 0);
		CHECK_EQ(bp->b_data[7], i);
		brelse(bp);
	}
	bio_get_stats(bc, &st);
	CHECK(st.cached_bytes <= 8 * BLK);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

static void test_past_end_leaves_nothing(void)
{
	struct blkdev *bd = make_disk(0);
	struct bufcache *bc;
	struct bio_stats st;
	struct buf *bp = NULL;

	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, (uint64_t)NBLK * BLK, BLK, &bp), EIO);
	CHECK_EQ(bread(bc, UINT64_MAX - 10, BLK, &bp), EIO);
	bio_get_stats(bc, &st);
	CHECK_EQ(st.cached_bytes, 0);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

static void test_writeback_and_direct(void)
{
	struct blkdev *bd = make_disk(1);
	struct bufcache *bc;
	struct buf *bp;
	uint8_t out[2 * BLK];

	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, 3 * BLK, BLK, &bp), 0);
	memset(bp->b_data, 0xab, BLK);
	bdwrite(bp);
	/* a direct read sees the dirty block: it is written first */
	CHECK_EQ(bio_read_direct(bc, 3 * BLK, out, sizeof(out)), 0);
	CHECK_EQ(out[0], 0xab);
	CHECK_EQ(out[BLK], 4);
	CHECK_EQ(bio_sync(bc), 0);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

static void test_readonly_write_is_reported(void)
{
	struct blkdev *bd = make_disk(0);
	struct bufcache *bc;
	struct buf *bp;

	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, 0, BLK, &bp), 0);
	CHECK_EQ(bwrite(bp), EROFS);
	CHECK_EQ(bread(bc, 0, BLK, &bp), 0);
	bdwrite(bp);
	CHECK_EQ(bio_sync(bc), EROFS);   /* kept until the sync reports it */
	CHECK_EQ(bio_sync(bc), 0);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

static void test_partition_window(void)
{
	struct blkdev *bd = make_disk(0);
	uint8_t b[16];

	CHECK_EQ(blkdev_restrict(bd, 10 * BLK, 4 * BLK), 0);
	CHECK_EQ(blkdev_read(bd, 0, b, sizeof(b)), 0);
	CHECK_EQ(b[0], 10);
	CHECK_EQ(blkdev_read(bd, 4 * BLK - 16, b, sizeof(b)), 0);
	CHECK_EQ(b[0], 13);
	CHECK_EQ(blkdev_read(bd, 4 * BLK - 8, b, sizeof(b)), EIO);
	CHECK_EQ(blkdev_restrict(bd, 0, 5 * BLK), EINVAL);
	blkdev_close(bd);
}

/* A capture records where data lies instead of reading it; contiguous pieces join. */
static void test_capture_records(void)
{
	struct blkdev *bd = make_disk(1);
	struct bufcache *bc;
	struct bio_dataseg segs[2];
	struct bio_capture cap = { .cap_segs = segs, .cap_max = 2 };
	struct buf *bp;
	uint8_t out[4 * BLK];

	CHECK_EQ(blkdev_restrict(bd, 8 * BLK, 32 * BLK), 0);
	CHECK_EQ(bio_create(bd, 8 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, 5 * BLK, BLK, &bp), 0);
	memset(bp->b_data, 0xcd, BLK);
	bdwrite(bp);
	memset(out, 0x11, sizeof(out));
	bio_capture_start(bc, &cap);
	CHECK_EQ(bio_read_data(bc, 1 * BLK, out, BLK), 0);
	CHECK_EQ(bio_read_data(bc, 2 * BLK, out + BLK, BLK), 0);  /* joins */
	CHECK_EQ(bio_read_data(bc, 5 * BLK, out + 3 * BLK, 100), 0);
	/* the table is full: the next piece is read as usual */
	CHECK_EQ(bio_read_data(bc, 9 * BLK, out + 2 * BLK, BLK), 0);
	/* past the end of the device: refused as a read would be */
	CHECK_EQ(bio_read_data(bc, 32 * BLK - 8, out, 16), EIO);
	bio_capture_stop(bc);
	CHECK_EQ(cap.cap_n, 2);
	CHECK_EQ(cap.cap_fd, bd->bd_fd);
	CHECK(segs[0].ds_buf == out);
	CHECK_EQ(segs[0].ds_len, 2 * BLK);
	CHECK_EQ(segs[0].ds_fileoff, 9 * BLK);   /* the partition's offset added */
	CHECK(segs[1].ds_buf == out + 3 * BLK);
	CHECK_EQ(segs[1].ds_len, 100);
	CHECK_EQ(segs[1].ds_fileoff, 13 * BLK);
	CHECK_EQ(out[0], 0x11);                  /* recorded, not read */
	CHECK_EQ(out[2 * BLK], 17);              /* read: block 9 of the partition */
	/* the dirty block reached the image before its place was handed out */
	CHECK_EQ(pread(bd->bd_fd, out, 1, 13 * BLK), 1);
	CHECK_EQ(out[0], 0xcd);
	/* stopped: reads are reads again */
	CHECK_EQ(bio_read_data(bc, 1 * BLK, out, BLK), 0);
	CHECK_EQ(out[0], 9);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

/* The device byte at off, read past the cache. */
static uint8_t on_disk(const struct blkdev *bd, uint64_t off)
{
	uint8_t b = 0;

	CHECK_EQ(pread(bd->bd_fd, &b, 1, (off_t)off), 1);
	return b;
}

/* A pinned buffer (an uncommitted transaction's) stays off the device until unpinned. */
static void test_pinned_waits_for_commit(void)
{
	struct blkdev *bd = make_disk(1);
	struct bufcache *bc;
	struct bio_dataseg segs[4];
	struct bio_capture cap = { .cap_segs = segs, .cap_max = 4 };
	struct buf *bp;
	uint8_t out[3 * BLK];
	int i;

	CHECK_EQ(bio_create(bd, 4 * BLK, &bc), 0);
	CHECK_EQ(bread(bc, 6 * BLK, BLK, &bp), 0);
	memset(bp->b_data, 0xee, BLK);
	bdwrite_pinned(bp);
	CHECK_EQ(bread(bc, 2 * BLK, BLK, &bp), 0);
	memset(bp->b_data, 0xdd, BLK);
	bdwrite(bp);
	/* neither a sync nor a cache four times over evicts it to the device */
	CHECK_EQ(bio_sync(bc), 0);
	for (i = 8; i < 24; i++) {
		CHECK_EQ(bread(bc, (uint64_t)i * BLK, BLK, &bp), 0);
		brelse(bp);
	}
	CHECK_EQ(on_disk(bd, 6 * BLK), 6);
	CHECK_EQ(on_disk(bd, 2 * BLK), 0xdd);      /* an unpinned one went */
	/* still the cache's: bread finds it, a direct read shows it */
	CHECK_EQ(bread(bc, 6 * BLK, BLK, &bp), 0);
	CHECK_EQ(bp->b_data[0], 0xee);
	brelse(bp);
	CHECK_EQ(bio_read_direct(bc, 5 * BLK, out, sizeof(out)), 0);
	CHECK_EQ(out[0], 5);
	CHECK_EQ(out[BLK], 0xee);
	CHECK_EQ(out[2 * BLK], 7);
	CHECK_EQ(on_disk(bd, 6 * BLK), 6);
	/* a capture leaves its bytes to memory: the image has not got them */
	memset(out, 0, sizeof(out));
	bio_capture_start(bc, &cap);
	CHECK_EQ(bio_read_data(bc, 6 * BLK, out, BLK), 0);
	CHECK_EQ(bio_read_data(bc, 7 * BLK, out + BLK, BLK), 0);
	bio_capture_stop(bc);
	CHECK_EQ(cap.cap_n, 1);
	CHECK(segs[0].ds_buf == out + BLK);
	CHECK_EQ(out[0], 0xee);
	/* committed: now it goes */
	bio_unpin_all(bc);
	CHECK_EQ(bio_sync(bc), 0);
	CHECK_EQ(on_disk(bd, 6 * BLK), 0xee);
	CHECK_EQ(bio_destroy(bc), 0);
	blkdev_close(bd);
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/rumpsh-bio-%d.img", (int)getpid());
	RUN(test_read_and_hit);
	RUN(test_bounded);
	RUN(test_past_end_leaves_nothing);
	RUN(test_writeback_and_direct);
	RUN(test_readonly_write_is_reported);
	RUN(test_partition_window);
	RUN(test_capture_records);
	RUN(test_pinned_waits_for_commit);
	unlink(path);
	return DONE();
}
