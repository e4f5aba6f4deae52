/* hostcopy.c: the host side of get: file data with holes kept, and -p's owner, mode and times. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

#define HOLE_GRAIN 4096         /* all-zero runs this aligned become holes */

static int is_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int write_all(int fd, const unsigned char *p, size_t n, off_t off)
{
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/*
 * Writes buf[0..len) at off, skipping all-zero grains (they stay holes);
 * *end moves to the end of the last byte written, if any was.
 */
static int write_sparse(int fd, const unsigned char *buf, size_t len,
    uint64_t off, uint64_t *end)
{
	size_t i = 0, start, g;
	int error;

	while (i < len) {
		g = len - i < HOLE_GRAIN ? len - i : HOLE_GRAIN;
		if (is_zero(buf + i, g)) {
			i += g;
			continue;
		}
		start = i;
		while (i < len) {
			g = len - i < HOLE_GRAIN ? len - i : HOLE_GRAIN;
			if (is_zero(buf + i, g))
				break;
			i += g;
		}
		error = write_all(fd, buf + start, i - start,
		    (off_t)(off + start));
		if (error)
			return error;
		*end = off + i;
	}
	return 0;
}

/*
 * Copies the data of regular file vp (size bytes) into the empty host file
 * fd, then sets its length. Reports errors (image: path; host: hostpath).
 */
int host_write_file(struct session *s, const char *path, struct vnode *vp,
    int fd, uint64_t size)
{
	unsigned char *buf = sess_iobuf(s);
	uint64_t off = 0, end = 0;
	size_t want, done;
	int error = 0, host = 0;

	if (buf == NULL)
		return sess_err(s, path, ENOMEM);
	while (off < size) {
		want = size - off < IOBUF_SIZE ? (size_t)(size - off) :
		    IOBUF_SIZE;
		if ((error = VOP_READ(vp, buf, want, off, &done)) != 0 ||
		    done == 0)
			break;
		if ((error = write_sparse(fd, buf, done, off, &end)) != 0) {
			host = 1;
			break;
		}
		off += done;
	}
	/* the file was empty: only a hole at its end leaves it short */
	if (error == 0 && end != off && ftruncate(fd, (off_t)off) != 0) {
		error = errno;
		host = 1;
	}
	if (error && host)
		return sess_errmsg(s, path, "writing the copy: %s",
		    strerror(error));
	return error ? sess_err(s, path, error) : ST_OK;
}

static int ignorable_chown(int error)
{
	return error == EPERM && geteuid() != 0;
}

/*
 * get -p: owner, then mode (chown may clear set-id bits), then times.
 * keep=0: nothing. Uses fd when >= 0, else (dirfd, name) without following
 * a symlink. Returns 0 or an errno value.
 */
int host_set_attrs(int dirfd, const char *name, int fd,
    const struct vattr *va, int keep)
{
	struct timespec ts[2] = { va->va_atime, va->va_mtime };
	int r;

	if (!keep)
		return 0;
	r = fd >= 0 ? fchown(fd, va->va_uid, va->va_gid) :
	    fchownat(dirfd, name, va->va_uid, va->va_gid, AT_SYMLINK_NOFOLLOW);
	if (r != 0 && !ignorable_chown(errno))
		return errno;
	if (fd >= 0 && fchmod(fd, va->va_mode & 07777) != 0)
		return errno;
	r = fd >= 0 ? futimens(fd, ts) :
	    utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
	return r != 0 ? errno : 0;
}
