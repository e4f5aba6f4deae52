/* blkdev.c: positioned reads and writes on an image file, a partition of it, or a block device. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfs/blkdev.h"

int blkdev_open(const char *path, int writable, struct blkdev **bdp)
{
	struct blkdev *bd;
	struct stat st;
	uint64_t size;
	int fd, error;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		goto bad_errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) != 0)
			goto bad_errno;
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		error = S_ISDIR(st.st_mode) ? EISDIR : ENOTBLK;
		goto bad;
	}
	bd = calloc(1, sizeof(*bd));
	if (bd == NULL || (bd->bd_path = strdup(path)) == NULL) {
		free(bd);
		error = ENOMEM;
		goto bad;
	}
	bd->bd_fd = fd;
	bd->bd_size = size;
	bd->bd_writable = writable;
	*bdp = bd;
	return 0;
bad_errno:
	error = errno;
bad:
	close(fd);
	return error;
}

int blkdev_restrict(struct blkdev *bd, uint64_t off, uint64_t size)
{
	if (off > bd->bd_size || size > bd->bd_size - off)
		return EINVAL;
	bd->bd_offset += off;
	bd->bd_size = size;
	return 0;
}

void blkdev_close(struct blkdev *bd)
{
	if (bd == NULL)
		return;
	close(bd->bd_fd);
	free(bd->bd_path);
	free(bd);
}

static int blkdev_check_range(const struct blkdev *bd, uint64_t off,
    size_t len)
{
	if (off > bd->bd_size || len > bd->bd_size - off)
		return EIO;
	return 0;
}

int blkdev_locate(const struct blkdev *bd, uint64_t off, size_t len,
    uint64_t *fileoff)
{
	int error = blkdev_check_range(bd, off, len);

	if (error == 0)
		*fileoff = bd->bd_offset + off;
	return error;
}

int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;
	int error;

	if ((error = blkdev_check_range(bd, off, len)) != 0)
		return error;
	while (len > 0) {
		n = pread(bd->bd_fd, p, len, (off_t)(bd->bd_offset + off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;   /* the file shrank under us */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;
	int error;

	if (!bd->bd_writable)
		return EROFS;
	if ((error = blkdev_check_range(bd, off, len)) != 0)
		return error;
	while (len > 0) {
		n = pwrite(bd->bd_fd, p, len, (off_t)(bd->bd_offset + off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int blkdev_flush(struct blkdev *bd)
{
	if (!bd->bd_writable)
		return 0;
	return fsync(bd->bd_fd) == 0 ? 0 : errno;
}
