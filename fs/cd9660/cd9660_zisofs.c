/* cd9660_zisofs.c: reading files compressed with zisofs (Rock Ridge ZF "pz"): one zlib stream per block. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/endian.h"

/*
 * The recorded data is a 16-byte header (magic, size, header size / 4,
 * log2 of the block size), then ceil(size / block) + 1 little-endian
 * 32-bit pointers, then the blocks: block i is the zlib stream between
 * pointers i and i+1, or zeros when they are equal. Every pointer is
 * checked against the table's end and the recorded size, every stream must
 * inflate to exactly one block, and one decompressed block is cached per
 * mount, so memory stays at one block (at most 128 KiB) whatever the image.
 */

static const uint8_t zisofs_magic[8] = {
	0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07
};

#define ZBUF_MAX (1u << 17)

/* Checks the file header against the ZF entry the node was loaded with. */
static int zf_header(struct cd9660_mount *imp, struct vnode *vp)
{
	struct cd9660_node *np = VTOI(vp);
	uint8_t h[16];
	int error;

	if (np->n_rawsize < 16)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "zisofs file of %llu "
		    "bytes: shorter than its header",
		    (unsigned long long)np->n_rawsize);
	if ((error = cd9660_read_raw(imp, vp, h, sizeof(h), 0)) != 0)
		return error;
	if (memcmp(h, zisofs_magic, 8) != 0)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "zisofs header: "
		    "magic %02x %02x %02x %02x..., expected 37 e4 53 96...",
		    h[0], h[1], h[2], h[3]);
	if (le32dec(h + 8) != np->n_va.va_size || h[12] != np->n_zf_hdr ||
	    h[13] != np->n_zf_log2 || h[12] < 4 || h[13] < 15 || h[13] > 17)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "zisofs header: "
		    "size %u, header %u, block 2^%u; ZF entry says size %llu, "
		    "header %u, block 2^%u (block 2^15..2^17)", le32dec(h + 8),
		    h[12] * 4u, h[13], (unsigned long long)np->n_va.va_size,
		    np->n_zf_hdr * 4u, np->n_zf_log2);
	return 0;
}

/* Inflates one zlib stream of clen bytes into exactly want bytes of out. */
static int zf_inflate(struct cd9660_mount *imp, uint64_t ino, uint8_t *in,
    size_t clen, uint8_t *out, size_t want, uint64_t block)
{
	z_stream zs;
	int zerr;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return ENOMEM;
	zs.next_in = in;
	zs.avail_in = (uInt)clen;
	zs.next_out = out;
	zs.avail_out = (uInt)want;
	zerr = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if (zerr != Z_STREAM_END || zs.avail_out != 0)
		return vfs_corrupt(imp->im_mp, ino, 0, "zisofs block %llu: "
		    "inflate %s after %lu of %zu bytes",
		    (unsigned long long)block, zerr == Z_STREAM_END ?
		    "ended early" : zerr == Z_BUF_ERROR ? "overran the block" :
		    "found bad data", zs.total_out, want);
	return 0;
}

/* Decompresses block b of vp into the mount's block cache. */
static int zf_block(struct cd9660_mount *imp, struct vnode *vp, uint64_t b)
{
	struct cd9660_node *np = VTOI(vp);
	uint64_t bs = 1ull << np->n_zf_log2, size = np->n_va.va_size;
	uint64_t nblocks = (size + bs - 1) / bs, tab = np->n_zf_hdr * 4ull;
	uint8_t ptr[8], *cbuf;
	uint32_t p0, p1;
	size_t want = (size_t)(size - b * bs < bs ? size - b * bs : bs);
	int error;

	if (imp->im_zbuf && imp->im_zino == vp->v_ino && imp->im_zblock == b)
		return 0;
	if ((error = zf_header(imp, vp)) != 0)
		return error;
	if (imp->im_zbuf == NULL && (imp->im_zbuf = malloc(ZBUF_MAX)) == NULL)
		return ENOMEM;
	imp->im_zino = 0;
	if (tab + (nblocks + 1) * 4 > np->n_rawsize)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "zisofs: %llu block "
		    "pointers do not fit the file's %llu bytes",
		    (unsigned long long)nblocks + 1,
		    (unsigned long long)np->n_rawsize);
	if ((error = cd9660_read_raw(imp, vp, ptr, 8, tab + b * 4)) != 0)
		return error;
	p0 = le32dec(ptr);
	p1 = le32dec(ptr + 4);
	if (p0 < tab + (nblocks + 1) * 4 || p1 < p0 || p1 > np->n_rawsize ||
	    p1 - p0 > 2 * bs + 1024)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "zisofs block %llu: "
		    "pointers %u..%u, expected within %llu..%llu and at most "
		    "%llu bytes apart", (unsigned long long)b, p0, p1,
		    (unsigned long long)(tab + (nblocks + 1) * 4),
		    (unsigned long long)np->n_rawsize,
		    (unsigned long long)(2 * bs + 1024));
	if (p0 == p1) {
		memset(imp->im_zbuf, 0, want);
	} else {
		if ((cbuf = malloc(p1 - p0)) == NULL)
			return ENOMEM;
		error = cd9660_read_raw(imp, vp, cbuf, p1 - p0, p0);
		if (error == 0)
			error = zf_inflate(imp, vp->v_ino, cbuf, p1 - p0,
			    imp->im_zbuf, want, b);
		free(cbuf);
		if (error)
			return error;
	}
	imp->im_zino = vp->v_ino;
	imp->im_zblock = b;
	imp->im_zlen = want;
	return 0;
}

/* Takes and gives no references. */
int cd9660_zisofs_read(struct cd9660_mount *imp, struct vnode *vp,
    void *buf, size_t len, uint64_t off, size_t *done)
{
	struct cd9660_node *np = VTOI(vp);
	uint64_t size = np->n_va.va_size, b, in;
	size_t n;
	int error;

	*done = 0;
	if (np->n_zisofs < 0)
		return vfs_refuse(imp->im_mp, EOPNOTSUPP, "inode %llu is "
		    "compressed with an unknown zisofs algorithm (Rock Ridge ZF; "
		    "only \"pz\" is supported; -o nozisofs reads the raw data)",
		    (unsigned long long)vp->v_ino);
	if (np->n_zf_log2 < 15 || np->n_zf_log2 > 17 || np->n_zf_hdr < 4)
		return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "Rock Ridge ZF: "
		    "block size 2^%u, header %u bytes; expected 2^15..2^17 and "
		    "at least 16", np->n_zf_log2, np->n_zf_hdr * 4u);
	while (len > 0 && off < size) {
		b = off >> np->n_zf_log2;
		in = off & ((1ull << np->n_zf_log2) - 1);
		if ((error = zf_block(imp, vp, b)) != 0)
			return error;
		n = imp->im_zlen - in < len ? (size_t)(imp->im_zlen - in) : len;
		memcpy((uint8_t *)buf + *done, imp->im_zbuf + in, n);
		*done += n;
		off += n;
		len -= n;
	}
	return 0;
}
