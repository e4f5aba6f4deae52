/* ffs_read.c: reading file data (contiguous runs straight from the device), symlinks and UFS2 extended attributes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * File data bypasses the buffer cache: ffs_bmap reports how many blocks
 * after the one asked for follow on contiguously, and the whole run is read
 * with one bio_read_direct. Holes read as zeros. Reads never touch atime:
 * reading must not write.
 */

/* Reads [off, off+len) of a file, all inside di_size. */
int ffs_rdwr_blocks(struct ffs_mount *fm, uint64_t ino,
    const struct ffs_dinode *di, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	uint64_t lbn, daddr, run, boff, n;
	uint32_t bsz;
	int error;

	while (len > 0) {
		lbn = off / fm->fm_bsize;
		boff = off % fm->fm_bsize;
		if ((error = ffs_bmap(fm, ino, di, lbn, &daddr, &run)) != 0)
			return error;
		n = (run + 1) * fm->fm_bsize - boff;
		if (n > len)
			n = len;
		if (daddr == 0) {
			memset(p, 0, n < fm->fm_bsize - boff ? n :
			    fm->fm_bsize - boff);
			n = n < fm->fm_bsize - boff ? n : fm->fm_bsize - boff;
		} else {
			bsz = ffs_blksize(fm, di->di_size, lbn);
			if (!ffs_daddr_ok(fm, daddr, bsz / fm->fm_fsize))
				return vfs_corrupt(fm->fm_mp, ino, daddr,
				    "data block %llu out of range",
				    (unsigned long long)lbn);
			if ((error = bio_read_data(fm->fm_bc,
			    ffs_fsbyte(fm, daddr) + boff, p, n)) != 0)
				return error;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* read: takes and gives no references. */
int ffs_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	int error;

	*done = 0;
	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (S_ISDIR(di.di_mode))
		return EISDIR;
	if (!S_ISREG(di.di_mode))
		return EINVAL;
	if (off >= di.di_size)
		return 0;
	if (len > di.di_size - off)
		len = (size_t)(di.di_size - off);
	if ((error = ffs_rdwr_blocks(fm, vp->v_ino, &di, buf, len, off)) != 0)
		return error;
	*done = len;
	return 0;
}

int ffs_readlink(struct vnode *vp, char *buf, size_t bufsize, size_t *len)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	size_t n;
	int error;

	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (!S_ISLNK(di.di_mode))
		return EINVAL;
	if (di.di_size > VFS_PATH_MAX || di.di_size > fm->fm_bsize)
		return vfs_corrupt(fm->fm_mp, vp->v_ino, 0, "symlink of %llu "
		    "bytes, longer than a path may be",
		    (unsigned long long)di.di_size);
	*len = (size_t)di.di_size;
	n = *len < bufsize ? *len : bufsize;
	if (di.di_size < fm->fm_maxsymlinklen) {
		/* a fast symlink: the target sits where block pointers would */
		memcpy(buf, di.di_raw + (fm->fm_ufs2 ? FFS_DI2_DB : FFS_DI1_DB),
		    n);
		return 0;
	}
	return ffs_rdwr_blocks(fm, vp->v_ino, &di, buf, n, 0);
}

/* Reads a UFS2 inode's extended-attribute area into a new buffer. */
static int ffs_ext_read(struct ffs_mount *fm, uint64_t ino,
    const struct ffs_dinode *di, uint8_t **areap)
{
	uint8_t *area;
	uint32_t i, sz, left = di->di_extsize;
	int error = 0;

	*areap = NULL;
	if (!fm->fm_ufs2 || left == 0)
		return 0;
	if (left > FFS_NXADDR * fm->fm_bsize)
		return vfs_corrupt(fm->fm_mp, ino, 0, "di_extsize %u exceeds "
		    "%u", left, FFS_NXADDR * fm->fm_bsize);
	if ((area = malloc(left)) == NULL)
		return ENOMEM;
	for (i = 0; i < FFS_NXADDR && left > 0 && error == 0; i++) {
		sz = left < fm->fm_bsize ? left : fm->fm_bsize;
		uint32_t frags = (sz + fm->fm_fsize - 1) / fm->fm_fsize;
		if (!ffs_daddr_ok(fm, di->di_extb[i], frags))
			error = vfs_corrupt(fm->fm_mp, ino, di->di_extb[i],
			    "extended attribute block out of range");
		else
			error = bio_read_direct(fm->fm_bc, ffs_fsbyte(fm,
			    di->di_extb[i]), area + i * fm->fm_bsize, sz);
		left -= sz;
	}
	if (error) {
		free(area);
		return error;
	}
	*areap = area;
	return 0;
}

struct ffs_ea {
	const uint8_t *name;
	size_t namelen;
	const char *prefix;
	const uint8_t *value;
	size_t valuelen;
};

/* Decodes the record at *pos; returns 0 and advances, or ENOENT at the end. */
static int ffs_ea_next(struct ffs_mount *fm, uint64_t ino, const uint8_t *a,
    uint32_t size, uint32_t *pos, struct ffs_ea *ea)
{
	uint32_t p = *pos, len, coff;

	if (size - p < 8)
		return ENOENT;
	len = ffs_get32(fm, a + p + FFS_EA_LENGTH);
	if (len == 0)
		return ENOENT;
	coff = (FFS_EA_NAME + a[p + FFS_EA_NAMELEN] + 7) & ~7u;
	if (len % 8 != 0 || len > size - p || coff + a[p + FFS_EA_PADLEN] > len)
		return vfs_corrupt(fm->fm_mp, ino, 0, "extended attribute at "
		    "offset %u: length %u does not fit", p, len);
	ea->name = a + p + FFS_EA_NAME;
	ea->namelen = a[p + FFS_EA_NAMELEN];
	ea->prefix = a[p + FFS_EA_NAMESPACE] == 1 ? "user." :
	    a[p + FFS_EA_NAMESPACE] == 2 ? "system." : NULL;
	ea->value = a + p + coff;
	ea->valuelen = len - coff - a[p + FFS_EA_PADLEN];
	*pos = p + len;
	return 0;
}

int ffs_listxattr(struct vnode *vp, char *buf, size_t bufsize, size_t *len)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	struct ffs_ea ea;
	uint8_t *area;
	uint32_t pos = 0;
	size_t need = 0, n;
	int error;

	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0 ||
	    (error = ffs_ext_read(fm, vp->v_ino, &di, &area)) != 0)
		return error;
	while (area && (error = ffs_ea_next(fm, vp->v_ino, area,
	    di.di_extsize, &pos, &ea)) == 0) {
		if (ea.prefix == NULL)
			continue;
		n = strlen(ea.prefix) + ea.namelen + 1;
		if (need + n <= bufsize) {
			memcpy(buf + need, ea.prefix, strlen(ea.prefix));
			memcpy(buf + need + strlen(ea.prefix), ea.name,
			    ea.namelen);
			buf[need + n - 1] = '\0';
		}
		need += n;
	}
	free(area);
	*len = need;
	return error == ENOENT ? 0 : error;
}

int ffs_getxattr(struct vnode *vp, const char *name, void *buf,
    size_t bufsize, size_t *len)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	struct ffs_ea ea;
	uint8_t *area;
	uint32_t pos = 0;
	size_t pl;
	int error;

	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0 ||
	    (error = ffs_ext_read(fm, vp->v_ino, &di, &area)) != 0)
		return error;
	while (area && (error = ffs_ea_next(fm, vp->v_ino, area,
	    di.di_extsize, &pos, &ea)) == 0) {
		if (ea.prefix == NULL || strncmp(name, ea.prefix,
		    (pl = strlen(ea.prefix))) != 0 ||
		    strlen(name + pl) != ea.namelen ||
		    memcmp(name + pl, ea.name, ea.namelen) != 0)
			continue;
		*len = ea.valuelen;
		if (buf != NULL && bufsize > 0)
			memcpy(buf, ea.value, ea.valuelen < bufsize ?
			    ea.valuelen : bufsize);
		error = (buf != NULL && bufsize > 0 && ea.valuelen > bufsize) ?
		    ERANGE : 0;
		free(area);
		return error;
	}
	free(area);
	return error == ENOENT || error == 0 ? ENODATA : error;
}
