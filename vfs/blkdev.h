/* blkdev.h: the block device under a mount: an image file, a byte range of it, or a disk. */
#ifndef RUMPSH_BLKDEV_H
#define RUMPSH_BLKDEV_H

#include <stddef.h>
#include <stdint.h>

struct blkdev {
	int bd_fd;
	uint64_t bd_offset;     /* where this device starts in the file */
	uint64_t bd_size;       /* bytes available from bd_offset */
	int bd_writable;
	char *bd_path;
	int bd_partno;          /* partition number from "@N", 0 = whole file */
};

/*
 * Opens a file or block device (size from BLKGETSIZE64 for devices).
 * writable=0 opens O_RDONLY, so a read-only session cannot write a byte.
 */
int blkdev_open(const char *path, int writable, struct blkdev **bdp);
/* Narrows the device to [off, off+size) of itself (a partition). */
int blkdev_restrict(struct blkdev *bd, uint64_t off, uint64_t size);
void blkdev_close(struct blkdev *bd);

/*
 * Reads exactly len bytes at off (relative to the device). Past the end, or
 * a short read: EIO. Interrupted reads are retried.
 */
int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len);
int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len);
/*
 * Where [off, off+len) of the device lies in bd_fd, for a caller that reads
 * it from the file itself (splice): the same range check as blkdev_read.
 */
int blkdev_locate(const struct blkdev *bd, uint64_t off, size_t len,
    uint64_t *fileoff);
int blkdev_flush(struct blkdev *bd);

#endif
