/* sparse.c: finding the data regions of a file with holes, by its all-zero 4 KiB blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/xarchive.h"

/*
 * The VFS does not say where holes are. A file is worth scanning when it
 * holds less storage than its size (va_bytes < va_size); then every aligned
 * all-zero 4 KiB block counts as a hole (GNU tar does the same without
 * SEEK_HOLE). A map with more than SPARSE_MAX regions is given up and the
 * file is stored whole.
 */
#define SPARSE_GRAIN 4096
#define SPARSE_MAX   65536

int sparse_suspect(const struct vattr *va)
{
	return S_ISREG(va->va_mode) && va->va_size > 0 &&
	    va->va_bytes < va->va_size;
}

static int zero_grain(const unsigned char *p, size_t n)
{
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* Adds [off, off+len) as data, merging with the region it continues. */
static int map_add(struct sparse_map *m, uint64_t off, uint64_t len)
{
	struct sparse_ext *ne;

	if (m->n > 0 && m->ext[m->n - 1].off + m->ext[m->n - 1].len == off) {
		m->ext[m->n - 1].len += len;
		return 0;
	}
	if (m->n >= SPARSE_MAX)
		return EFBIG;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		if ((ne = realloc(m->ext, m->cap * sizeof(*ne))) == NULL)
			return ENOMEM;
		m->ext = ne;
	}
	m->ext[m->n].off = off;
	m->ext[m->n].len = len;
	m->n++;
	return 0;
}

static int scan_chunk(struct sparse_map *m, const unsigned char *buf,
    size_t len, uint64_t off)
{
	size_t i, g;
	int error;

	for (i = 0; i < len; i += g) {
		g = len - i < SPARSE_GRAIN ? len - i : SPARSE_GRAIN;
		if (zero_grain(buf + i, g))
			continue;
		if ((error = map_add(m, off + i, g)) != 0)
			return error;
	}
	return 0;
}

/*
 * Reads the whole file through buf (IOBUF_SIZE bytes) and fills m with its
 * data regions. Returns 0, EFBIG (too fragmented: store it whole), or an
 * errno from the read. An empty map means the file is all hole.
 */
int sparse_scan(struct vnode *vp, uint64_t size, unsigned char *buf,
    struct sparse_map *m)
{
	uint64_t off = 0;
	size_t want, done;
	int error;

	memset(m, 0, sizeof(*m));
	while (off < size) {
		want = size - off < IOBUF_SIZE ? (size_t)(size - off) :
		    IOBUF_SIZE;
		if ((error = VOP_READ(vp, buf, want, off, &done)) != 0)
			return error;
		if (done == 0)
			return EIO;
		if ((error = scan_chunk(m, buf, done, off)) != 0)
			return error;
		off += done;
	}
	return 0;
}

void sparse_free(struct sparse_map *m)
{
	free(m->ext);
	memset(m, 0, sizeof(*m));
}
