/* test_bio.c: the buffer cache: hits, the size bound, write-back, direct reads, captured data reads. */
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
	unlink(path);
	return DONE();
}
