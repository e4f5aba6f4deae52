/* ffs_endian.c: the two byte orders an FFS image may use, as tables chosen once at mount. */
#include "vfs/endian.h"
#include "fs/ffs/ffs.h"

/* vfs/endian.h has no 64-bit big-endian encoder: build it from two halves. */
static void ffs_be64enc(void *p, uint64_t v)
{
	be32enc(p, (uint32_t)(v >> 32));
	be32enc((uint8_t *)p + 4, (uint32_t)v);
}

const struct ffs_byteorder ffs_le = {
	.bo_name = "little-endian",
	.get16 = le16dec, .get32 = le32dec, .get64 = le64dec,
	.put16 = le16enc, .put32 = le32enc, .put64 = le64enc,
};

const struct ffs_byteorder ffs_be = {
	.bo_name = "big-endian",
	.get16 = be16dec, .get32 = be32dec, .get64 = be64dec,
	.put16 = be16enc, .put32 = be32enc, .put64 = ffs_be64enc,
};

uint32_t ffs_sb32(const struct ffs_mount *fm, size_t off)
{
	return fm->fm_bo->get32(fm->fm_sb + off);
}

uint64_t ffs_sb64(const struct ffs_mount *fm, size_t off)
{
	return fm->fm_bo->get64(fm->fm_sb + off);
}

void ffs_sbput32(struct ffs_mount *fm, size_t off, uint32_t v)
{
	fm->fm_bo->put32(fm->fm_sb + off, v);
}

void ffs_sbput64(struct ffs_mount *fm, size_t off, uint64_t v)
{
	fm->fm_bo->put64(fm->fm_sb + off, v);
}
