/* p2k_read.c: FUSE read replies: file data spliced from the image where it lies there as is, the rest from memory. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "p2k/p2k_int.h"
#include "vfs/bio.h"

/*
 * A plain read reply costs two copies of every byte: pread from the image
 * into our buffer, then writev of the buffer into the kernel's page cache.
 * So the driver's read runs under a bio capture: the pieces it would have
 * read straight from the image into the buffer are recorded instead (where
 * in the reply, where in the image file), and the reply is a libfuse buffer
 * vector that alternates memory (holes, journal blocks, inline data, what
 * the driver decoded) with those ranges of the image file. libfuse splices
 * the file ranges into a pipe (page references, no copy) and the pipe into
 * /dev/fuse: one copy. The pieces were checked against the device's size
 * when recorded; nothing runs between the capture and the reply, so the
 * image cannot change in between.
 */

/* A short read means end of file to the kernel: read until EOF or size. */
static int read_into_iobuf(struct p2k *p, struct vnode *vp, size_t size,
    uint64_t off, size_t *got)
{
	size_t done;
	int error;

	*got = 0;
	if (size > p->iobufsize)
		size = p->iobufsize;
	while (*got < size) {
		error = VOP_READ(vp, p->iobuf + *got, size - *got, off + *got,
		    &done);
		if (error)
			return *got > 0 ? 0 : error;
		if (done == 0)
			break;
		*got += done;
	}
	return 0;
}

/* Reads the recorded pieces after all (the reply cannot use them as they are). */
static int fill_pieces(const struct bio_capture *cap)
{
	size_t i, at;
	ssize_t n;

	for (i = 0; i < cap->cap_n; i++) {
		const struct bio_dataseg *s = &cap->cap_segs[i];

		for (at = 0; at < s->ds_len; at += (size_t)n) {
			n = pread(cap->cap_fd, s->ds_buf + at, s->ds_len - at,
			    (off_t)(s->ds_fileoff + at));
			if (n < 0 && errno == EINTR)
				n = 0;
			else if (n < 0)
				return errno;
			else if (n == 0)
				return EIO;   /* the image shrank under us */
		}
	}
	return 0;
}

/* Drivers read file data into the reader's buffer, and only there. */
static int in_iobuf(const struct p2k *p, const struct bio_dataseg *s)
{
	uintptr_t lo = (uintptr_t)p->iobuf, at = (uintptr_t)s->ds_buf;

	return at >= lo && at - lo <= p->iobufsize &&
	    s->ds_len <= p->iobufsize - (at - lo);
}

static void add_mem(struct fuse_bufvec *v, char *mem, size_t len)
{
	if (len > 0)
		v->buf[v->count++] = (struct fuse_buf){ .size = len, .mem = mem };
}

/*
 * The reply for iobuf[0, got) with cap's pieces in it. Pieces come in
 * buffer order from one read; one that does not (or lies past got, from a
 * driver that stopped early) makes the reply fall back to memory.
 */
static int reply_pieces(fuse_req_t req, struct p2k *p,
    const struct bio_capture *cap, size_t got)
{
	struct fuse_bufvec *v = p->readvec;
	size_t pos = 0, i;
	int error;

	for (i = 0; i < cap->cap_n; i++)
		if (!in_iobuf(p, &cap->cap_segs[i]))
			return fuse_reply_err(req, EIO);   /* a driver's bug */
	*v = (struct fuse_bufvec){ .count = 0 };
	for (i = 0; i < cap->cap_n; i++) {
		const struct bio_dataseg *s = &cap->cap_segs[i];
		size_t start = (size_t)(s->ds_buf - (uint8_t *)p->iobuf);

		if (start < pos || start > got || s->ds_len > got - start)
			break;
		add_mem(v, p->iobuf + pos, start - pos);
		v->buf[v->count++] = (struct fuse_buf){ .size = s->ds_len,
		    .flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK,
		    .fd = cap->cap_fd, .pos = (off_t)s->ds_fileoff };
		pos = start + s->ds_len;
	}
	if (i < cap->cap_n) {
		if ((error = fill_pieces(cap)) != 0)
			return fuse_reply_err(req, error);
		return fuse_reply_buf(req, p->iobuf, got);
	}
	add_mem(v, p->iobuf + pos, got - pos);
	return fuse_reply_data(req, v, 0);
}

void p2k_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct p2k *p = fuse_req_userdata(req);
	struct bio_capture cap = { .cap_segs = p->readsegs,
	    .cap_max = P2K_READ_SEGS };
	struct vnode *vp;
	size_t got;
	int error;

	if ((error = p2k_vnode(p, ino, &vp)) != 0 || off < 0) {
		fuse_reply_err(req, error ? error : EINVAL);
		return;
	}
	bio_capture_start(p->mp->mnt_bc, &cap);
	error = read_into_iobuf(p, vp, size, (uint64_t)off, &got);
	bio_capture_stop(p->mp->mnt_bc);
	if (error)
		fuse_reply_err(req, error);
	else if (cap.cap_n == 0)
		fuse_reply_buf(req, p->iobuf, got);
	else
		reply_pieces(req, p, &cap, got);
}
