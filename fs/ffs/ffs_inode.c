/* ffs_inode.c: inodes: decoding and encoding UFS1/UFS2 dinodes, loading vnodes, getattr and setattr. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * The dinode lives only in the buffer cache: a vnode carries nothing but its
 * inode number (v_ino), and every operation decodes the inode afresh. So a
 * vnode left in the cache after its inode was freed and reused can never
 * show stale data; the cost is one cached-buffer lookup per operation.
 */

/* Where inode `ino` sits: the byte offset of its block, and inside it. */
static void ffs_ino_where(const struct ffs_mount *fm, uint64_t ino,
    uint64_t *blkoff, size_t *inoff)
{
	uint32_t c = (uint32_t)(ino / fm->fm_ipg);
	uint32_t idx = (uint32_t)(ino % fm->fm_ipg);

	*blkoff = ffs_fsbyte(fm, ffs_cgimin(fm, c) +
	    (uint64_t)(idx / fm->fm_inopb) * fm->fm_frag);
	*inoff = (size_t)(idx % fm->fm_inopb) * fm->fm_isize;
}

static void ffs_decode1(const struct ffs_mount *fm, const uint8_t *p,
    struct ffs_dinode *di)
{
	int i;

	di->di_mode = ffs_get16(fm, p + FFS_DI1_MODE);
	di->di_nlink = ffs_get16(fm, p + FFS_DI1_NLINK);
	di->di_size = ffs_get64(fm, p + FFS_DI1_SIZEOFF);
	di->di_atime = (int32_t)ffs_get32(fm, p + FFS_DI1_ATIME);
	di->di_atimensec = (int32_t)ffs_get32(fm, p + FFS_DI1_ATIMENSEC);
	di->di_mtime = (int32_t)ffs_get32(fm, p + FFS_DI1_MTIME);
	di->di_mtimensec = (int32_t)ffs_get32(fm, p + FFS_DI1_MTIMENSEC);
	di->di_ctime = (int32_t)ffs_get32(fm, p + FFS_DI1_CTIME);
	di->di_ctimensec = (int32_t)ffs_get32(fm, p + FFS_DI1_CTIMENSEC);
	di->di_birthtime = VFS_NOTIME;
	for (i = 0; i < FFS_NDADDR; i++)
		di->di_db[i] = ffs_get32(fm, p + FFS_DI1_DB + 4 * i);
	for (i = 0; i < FFS_NIADDR; i++)
		di->di_ib[i] = ffs_get32(fm, p + FFS_DI1_IB + 4 * i);
	di->di_flags = ffs_get32(fm, p + FFS_DI1_FLAGS);
	di->di_blocks = ffs_get32(fm, p + FFS_DI1_BLOCKS);
	di->di_gen = ffs_get32(fm, p + FFS_DI1_GEN);
	di->di_uid = ffs_get32(fm, p + FFS_DI1_UID);
	di->di_gid = ffs_get32(fm, p + FFS_DI1_GID);
	memcpy(di->di_raw, p, FFS_DI1_SIZE);
}

static void ffs_decode2(const struct ffs_mount *fm, const uint8_t *p,
    struct ffs_dinode *di)
{
	int i;

	di->di_mode = ffs_get16(fm, p + FFS_DI2_MODE);
	di->di_nlink = ffs_get16(fm, p + FFS_DI2_NLINK);
	di->di_uid = ffs_get32(fm, p + FFS_DI2_UID);
	di->di_gid = ffs_get32(fm, p + FFS_DI2_GID);
	di->di_size = ffs_get64(fm, p + FFS_DI2_SIZEOFF);
	di->di_blocks = ffs_get64(fm, p + FFS_DI2_BLOCKS);
	di->di_atime = (int64_t)ffs_get64(fm, p + FFS_DI2_ATIME);
	di->di_mtime = (int64_t)ffs_get64(fm, p + FFS_DI2_MTIME);
	di->di_ctime = (int64_t)ffs_get64(fm, p + FFS_DI2_CTIME);
	di->di_birthtime = (int64_t)ffs_get64(fm, p + FFS_DI2_BIRTHTIME);
	di->di_mtimensec = (int32_t)ffs_get32(fm, p + FFS_DI2_MTIMENSEC);
	di->di_atimensec = (int32_t)ffs_get32(fm, p + FFS_DI2_ATIMENSEC);
	di->di_ctimensec = (int32_t)ffs_get32(fm, p + FFS_DI2_CTIMENSEC);
	di->di_birthnsec = (int32_t)ffs_get32(fm, p + FFS_DI2_BIRTHNSEC);
	di->di_gen = ffs_get32(fm, p + FFS_DI2_GEN);
	di->di_flags = ffs_get32(fm, p + FFS_DI2_FLAGS);
	di->di_extsize = ffs_get32(fm, p + FFS_DI2_EXTSIZE);
	for (i = 0; i < FFS_NXADDR; i++)
		di->di_extb[i] = ffs_get64(fm, p + FFS_DI2_EXTB + 8 * i);
	for (i = 0; i < FFS_NDADDR; i++)
		di->di_db[i] = ffs_get64(fm, p + FFS_DI2_DB + 8 * i);
	for (i = 0; i < FFS_NIADDR; i++)
		di->di_ib[i] = ffs_get64(fm, p + FFS_DI2_IB + 8 * i);
	memcpy(di->di_raw, p, FFS_DI2_SIZE);
}

/* Encodes what the driver changes; other bytes of the inode stay as they are. */
static void ffs_encode1(const struct ffs_mount *fm, uint8_t *p,
    const struct ffs_dinode *di)
{
	int i;

	ffs_put16(fm, p + FFS_DI1_MODE, di->di_mode);
	ffs_put16(fm, p + FFS_DI1_NLINK, di->di_nlink);
	ffs_put64(fm, p + FFS_DI1_SIZEOFF, di->di_size);
	ffs_put32(fm, p + FFS_DI1_ATIME, (uint32_t)di->di_atime);
	ffs_put32(fm, p + FFS_DI1_ATIMENSEC, (uint32_t)di->di_atimensec);
	ffs_put32(fm, p + FFS_DI1_MTIME, (uint32_t)di->di_mtime);
	ffs_put32(fm, p + FFS_DI1_MTIMENSEC, (uint32_t)di->di_mtimensec);
	ffs_put32(fm, p + FFS_DI1_CTIME, (uint32_t)di->di_ctime);
	ffs_put32(fm, p + FFS_DI1_CTIMENSEC, (uint32_t)di->di_ctimensec);
	for (i = 0; i < FFS_NDADDR; i++)
		ffs_put32(fm, p + FFS_DI1_DB + 4 * i, (uint32_t)di->di_db[i]);
	for (i = 0; i < FFS_NIADDR; i++)
		ffs_put32(fm, p + FFS_DI1_IB + 4 * i, (uint32_t)di->di_ib[i]);
	ffs_put32(fm, p + FFS_DI1_FLAGS, di->di_flags);
	ffs_put32(fm, p + FFS_DI1_BLOCKS, (uint32_t)di->di_blocks);
	ffs_put32(fm, p + FFS_DI1_GEN, di->di_gen);
	ffs_put32(fm, p + FFS_DI1_UID, di->di_uid);
	ffs_put32(fm, p + FFS_DI1_GID, di->di_gid);
}

static void ffs_encode2(const struct ffs_mount *fm, uint8_t *p,
    const struct ffs_dinode *di)
{
	int i;

	ffs_put16(fm, p + FFS_DI2_MODE, di->di_mode);
	ffs_put16(fm, p + FFS_DI2_NLINK, di->di_nlink);
	ffs_put32(fm, p + FFS_DI2_UID, di->di_uid);
	ffs_put32(fm, p + FFS_DI2_GID, di->di_gid);
	ffs_put64(fm, p + FFS_DI2_SIZEOFF, di->di_size);
	ffs_put64(fm, p + FFS_DI2_BLOCKS, di->di_blocks);
	ffs_put64(fm, p + FFS_DI2_ATIME, (uint64_t)di->di_atime);
	ffs_put64(fm, p + FFS_DI2_MTIME, (uint64_t)di->di_mtime);
	ffs_put64(fm, p + FFS_DI2_CTIME, (uint64_t)di->di_ctime);
	ffs_put64(fm, p + FFS_DI2_BIRTHTIME, (uint64_t)di->di_birthtime);
	ffs_put32(fm, p + FFS_DI2_MTIMENSEC, (uint32_t)di->di_mtimensec);
	ffs_put32(fm, p + FFS_DI2_ATIMENSEC, (uint32_t)di->di_atimensec);
	ffs_put32(fm, p + FFS_DI2_CTIMENSEC, (uint32_t)di->di_ctimensec);
	ffs_put32(fm, p + FFS_DI2_BIRTHNSEC, (uint32_t)di->di_birthnsec);
	ffs_put32(fm, p + FFS_DI2_GEN, di->di_gen);
	ffs_put32(fm, p + FFS_DI2_FLAGS, di->di_flags);
	ffs_put32(fm, p + FFS_DI2_EXTSIZE, di->di_extsize);
	for (i = 0; i < FFS_NXADDR; i++)
		ffs_put64(fm, p + FFS_DI2_EXTB + 8 * i, di->di_extb[i]);
	for (i = 0; i < FFS_NDADDR; i++)
		ffs_put64(fm, p + FFS_DI2_DB + 8 * i, di->di_db[i]);
	for (i = 0; i < FFS_NIADDR; i++)
		ffs_put64(fm, p + FFS_DI2_IB + 8 * i, di->di_ib[i]);
}

/* Decodes inode `ino` (any state, allocated or not). */
int ffs_iread(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di)
{
	uint64_t blkoff;
	size_t inoff;
	struct buf *bp;
	int error;

	if (ino < FFS_WINO || ino >= ffs_ninodes(fm))
		return vfs_corrupt(fm->fm_mp, ino, 0, "inode number out of "
		    "range (file system has %llu inodes)",
		    (unsigned long long)ffs_ninodes(fm));
	ffs_ino_where(fm, ino, &blkoff, &inoff);
	if ((error = bread(fm->fm_bc, blkoff, fm->fm_bsize, &bp)) != 0)
		return error;
	memset(di, 0, sizeof(*di));
	if (fm->fm_ufs2)
		ffs_decode2(fm, bp->b_data + inoff, di);
	else
		ffs_decode1(fm, bp->b_data + inoff, di);
	brelse(bp);
	return 0;
}

int ffs_iwrite(struct ffs_mount *fm, uint64_t ino, const struct ffs_dinode *di)
{
	uint64_t blkoff;
	size_t inoff;
	struct buf *bp;
	int error;

	if (ino < FFS_WINO || ino >= ffs_ninodes(fm))
		return EINVAL;
	ffs_ino_where(fm, ino, &blkoff, &inoff);
	if ((error = bread(fm->fm_bc, blkoff, fm->fm_bsize, &bp)) != 0)
		return error;
	if (fm->fm_ufs2)
		ffs_encode2(fm, bp->b_data + inoff, di);
	else
		ffs_encode1(fm, bp->b_data + inoff, di);
	bdwrite(bp);
	return 0;
}

/* Zeroes every byte of an inode (a new one starts from nothing). */
int ffs_iclear(struct ffs_mount *fm, uint64_t ino)
{
	uint64_t blkoff;
	size_t inoff;
	struct buf *bp;
	int error;

	if (ino < FFS_WINO || ino >= ffs_ninodes(fm))
		return EINVAL;
	ffs_ino_where(fm, ino, &blkoff, &inoff);
	if ((error = bread(fm->fm_bc, blkoff, fm->fm_bsize, &bp)) != 0)
		return error;
	memset(bp->b_data + inoff, 0, fm->fm_isize);
	bdwrite(bp);
	return 0;
}

/* Reads an inode a directory entry or a vnode refers to: it must be in use. */
int ffs_iload(struct ffs_mount *fm, uint64_t ino, struct ffs_dinode *di)
{
	int error;

	if (ino < FFS_ROOTINO)
		return vfs_corrupt(fm->fm_mp, ino, 0, "reserved inode number "
		    "used for a file");
	if ((error = ffs_iread(fm, ino, di)) != 0)
		return error;
	if (vfs_mode_to_vtype(di->di_mode) == VNON || di->di_nlink == 0)
		return vfs_corrupt(fm->fm_mp, ino, 0, "inode in use but "
		    "unallocated (mode %#o, %u links)", di->di_mode,
		    di->di_nlink);
	if (di->di_size > fm->fm_maxfilesize)
		return vfs_corrupt(fm->fm_mp, ino, 0, "di_size %llu exceeds "
		    "the largest possible file (%llu)",
		    (unsigned long long)di->di_size,
		    (unsigned long long)fm->fm_maxfilesize);
	return 0;
}

int ffs_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino)
{
	struct ffs_dinode di;
	int error;

	if ((error = ffs_iload(VFSTOFFS(mp), ino, &di)) != 0)
		return error;
	vp->v_type = vfs_mode_to_vtype(di.di_mode);
	vp->v_op = &ffs_vnodeops;
	vp->v_data = NULL;
	return 0;
}

/*
 * A run of nfrags fragments (inside one block) that may hold file data:
 * inside the file system and outside every group's boot area, superblock,
 * group block and inode blocks.
 */
int ffs_daddr_ok(const struct ffs_mount *fm, uint64_t daddr, uint32_t nfrags)
{
	uint32_t c;
	uint64_t lo;

	if (nfrags == 0 || nfrags > fm->fm_frag || daddr >= fm->fm_size ||
	    nfrags > fm->fm_size - daddr ||
	    (daddr % fm->fm_frag) + nfrags > fm->fm_frag)
		return 0;
	c = (uint32_t)(daddr / fm->fm_fpg);
	lo = c == 0 ? 0 : ffs_cgstart(fm, c) + fm->fm_sblkno;
	return daddr + nfrags <= lo || daddr >= ffs_cgdmin(fm, c);
}

static struct timespec ffs_ts(int64_t sec, int32_t nsec)
{
	struct timespec ts;

	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (nsec >= 0 && nsec < 1000000000) ? nsec : 0;
	return ts;
}

int ffs_getattr(struct vnode *vp, struct vattr *va)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	int error;

	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	memset(va, 0, sizeof(*va));
	va->va_ino = vp->v_ino;
	va->va_mode = di.di_mode;
	va->va_nlink = di.di_nlink;
	va->va_uid = di.di_uid;
	va->va_gid = di.di_gid;
	va->va_size = di.di_size;
	va->va_bytes = di.di_blocks * FFS_DEV_BSIZE;
	va->va_blksize = fm->fm_bsize;
	if (S_ISCHR(di.di_mode) || S_ISBLK(di.di_mode)) {
		/* the BSD and glibc encodings agree on 32-bit numbers */
		va->va_rdev_major = gnu_dev_major(di.di_db[0]);
		va->va_rdev_minor = gnu_dev_minor(di.di_db[0]);
	}
	va->va_atime = ffs_ts(di.di_atime, di.di_atimensec);
	va->va_mtime = ffs_ts(di.di_mtime, di.di_mtimensec);
	va->va_ctime = ffs_ts(di.di_ctime, di.di_ctimensec);
	if (fm->fm_ufs2)
		va->va_birthtime = ffs_ts(di.di_birthtime, di.di_birthnsec);
	else
		va->va_birthtime.tv_sec = VFS_NOTIME;
	va->va_gen = di.di_gen;
	va->va_flags = di.di_flags;
	return 0;
}

/* Sets the named times of an inode to now. */
void ffs_itimes(struct ffs_dinode *di, int acc, int mod, int chg)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (acc) {
		di->di_atime = now.tv_sec;
		di->di_atimensec = (int32_t)now.tv_nsec;
	}
	if (mod) {
		di->di_mtime = now.tv_sec;
		di->di_mtimensec = (int32_t)now.tv_nsec;
	}
	if (chg) {
		di->di_ctime = now.tv_sec;
		di->di_ctimensec = (int32_t)now.tv_nsec;
	}
}

static void ffs_settimes(struct ffs_dinode *di, const struct vattr *va,
    unsigned valid)
{
	if (valid & VA_ATIME) {
		di->di_atime = va->va_atime.tv_sec;
		di->di_atimensec = (int32_t)va->va_atime.tv_nsec;
	}
	if (valid & VA_MTIME) {
		di->di_mtime = va->va_mtime.tv_sec;
		di->di_mtimensec = (int32_t)va->va_mtime.tv_nsec;
	}
	if (valid & VA_CTIME) {
		di->di_ctime = va->va_ctime.tv_sec;
		di->di_ctimensec = (int32_t)va->va_ctime.tv_nsec;
	}
}

/* setattr: takes and gives no references; a size change truncates or extends. */
int ffs_setattr(struct vnode *vp, const struct vattr *va, unsigned valid)
{
	struct ffs_mount *fm = VFSTOFFS(vp->v_mount);
	struct ffs_dinode di;
	int error;

	if ((error = ffs_begin_write(fm)) != 0)
		return error;
	if ((error = ffs_iload(fm, vp->v_ino, &di)) != 0)
		return error;
	if (valid & VA_SIZE) {
		if (S_ISDIR(di.di_mode))
			return EISDIR;
		if (!S_ISREG(di.di_mode))
			return EINVAL;
		if (va->va_size > fm->fm_maxfilesize)
			return EFBIG;
		if (va->va_size != di.di_size) {
			if ((error = ffs_truncate(fm, vp->v_ino, &di,
			    va->va_size)) != 0)
				return error;
			ffs_itimes(&di, 0, 1, 0);
		}
	}
	if (valid & VA_MODE)
		di.di_mode = (uint16_t)((di.di_mode & S_IFMT) |
		    (va->va_mode & 07777));
	if (valid & VA_UID)
		di.di_uid = va->va_uid;
	if (valid & VA_GID)
		di.di_gid = va->va_gid;
	ffs_itimes(&di, 0, 0, 1);
	ffs_settimes(&di, va, valid);
	return ffs_iwrite(fm, vp->v_ino, &di);
}

const struct vnodeops ffs_vnodeops = {
	.vop_lookup = ffs_lookup,
	.vop_getattr = ffs_getattr,
	.vop_setattr = ffs_setattr,
	.vop_read = ffs_read,
	.vop_write = ffs_write,
	.vop_readdir = ffs_readdir,
	.vop_readlink = ffs_readlink,
	.vop_create = ffs_create,
	.vop_mkdir = ffs_mkdir,
	.vop_mknod = ffs_mknod,
	.vop_symlink = ffs_symlink,
	.vop_link = ffs_link,
	.vop_remove = ffs_remove,
	.vop_rmdir = ffs_rmdir,
	.vop_rename = ffs_rename,
	.vop_fsync = ffs_fsync,
	.vop_getxattr = ffs_getxattr,
	.vop_listxattr = ffs_listxattr,
};
