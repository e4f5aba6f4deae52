/* ffs_vfsops.c: finding and checking the superblock, mount and unmount, statvfs, info, sync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "fs/ffs/ffs.h"

/*
 * Invariants: every geometry field in struct ffs_mount was checked against
 * the others and against the device before anything uses it, so the rest
 * of the driver may compute addresses from them without overflow. fm_cs
 * and fm_cstotal are the truth while mounted; ffs_sync writes them to the
 * summary area and the superblock. fs_clean is cleared on disk before the
 * first change (ffs_begin_write) and set again by a clean unmount.
 */

static const uint64_t ffs_sblock_search[] = {
	FFS_SBLOCK_UFS2, FFS_SBLOCK_UFS1, FFS_SBLOCK_FLOPPY, FFS_SBLOCK_PIGGY
};

/*
 * Looks for a superblock the way the BSDs do. UFS1 is taken only where a
 * UFS1 primary lives (not at 64 KiB or 256 KiB, where a UFS1 backup could
 * sit); UFS2 only where its own fs_sblockloc says it is.
 */
static int ffs_find_sb(struct blkdev *dev, uint64_t *locp,
    const struct ffs_byteorder **bop, int *ufs2p)
{
	static const struct ffs_byteorder *const orders[] = { &ffs_le, &ffs_be };
	uint8_t sb[FFS_SB_MINSIZE];
	size_t i, j;

	for (i = 0; i < sizeof(ffs_sblock_search) / sizeof(uint64_t); i++) {
		uint64_t loc = ffs_sblock_search[i];
		if (loc + sizeof(sb) > dev->bd_size ||
		    blkdev_read(dev, loc, sb, sizeof(sb)) != 0)
			continue;
		for (j = 0; j < 2; j++) {
			uint32_t magic = orders[j]->get32(sb + FFS_SB_MAGIC);
			if (magic == FFS_UFS1_MAGIC && (loc == FFS_SBLOCK_UFS1 ||
			    loc == FFS_SBLOCK_FLOPPY)) {
				*ufs2p = 0;
			} else if (magic == FFS_UFS2_MAGIC &&
			    orders[j]->get64(sb + FFS_SB_SBLOCKLOC) == loc) {
				*ufs2p = 1;
			} else
				continue;
			*locp = loc;
			*bop = orders[j];
			return 0;
		}
	}
	return ENOENT;
}

static int ffs_probe(struct blkdev *dev)
{
	const struct ffs_byteorder *bo;
	uint64_t loc;
	int ufs2;

	return ffs_find_sb(dev, &loc, &bo, &ufs2);
}

static int ffs_log2(uint32_t v)
{
	int n = 0;

	if (v == 0 || (v & (v - 1)) != 0)
		return -1;
	while ((1u << n) != v)
		n++;
	return n;
}

/* Block and fragment sizes, and the values derived from them. */
static int ffs_check_sizes(struct ffs_mount *fm, struct mount *mp)
{
	uint32_t bsize = ffs_sb32(fm, FFS_SB_BSIZE);
	uint32_t fsize = ffs_sb32(fm, FFS_SB_FSIZE);
	uint32_t frag = ffs_sb32(fm, FFS_SB_FRAG);
	int bshift = ffs_log2(bsize), fshift = ffs_log2(fsize);

	if (bshift < 12 || bshift > 16)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_bsize %u, expected "
		    "a power of two from 4096 to 65536", bsize);
	if (fshift < 9 || fsize > bsize || bsize / fsize > FFS_MAXFRAG ||
	    frag != bsize / fsize)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_fsize %u, fs_frag "
		    "%u do not fit fs_bsize %u", fsize, frag, bsize);
	if (ffs_sb32(fm, FFS_SB_BSHIFT) != (uint32_t)bshift ||
	    ffs_sb32(fm, FFS_SB_FSHIFT) != (uint32_t)fshift ||
	    ffs_sb32(fm, FFS_SB_FRAGSHIFT) != (uint32_t)ffs_log2(frag) ||
	    ffs_sb32(fm, FFS_SB_FSBTODB) != (uint32_t)(fshift - 9))
		return vfs_corrupt(mp, 0, 0, "superblock: shift counts disagree "
		    "with fs_bsize %u and fs_fsize %u", bsize, fsize);
	fm->fm_bsize = bsize;
	fm->fm_fsize = fsize;
	fm->fm_frag = frag;
	fm->fm_fragshift = (uint32_t)ffs_log2(frag);
	fm->fm_isize = fm->fm_ufs2 ? FFS_DI2_SIZE : FFS_DI1_SIZE;
	fm->fm_inopb = bsize / fm->fm_isize;
	fm->fm_nindir = bsize / (fm->fm_ufs2 ? 8 : 4);
	if (ffs_sb32(fm, FFS_SB_INOPB) != fm->fm_inopb ||
	    ffs_sb32(fm, FFS_SB_NINDIR) != fm->fm_nindir)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_inopb %u, fs_nindir "
		    "%u, expected %u and %u", ffs_sb32(fm, FFS_SB_INOPB),
		    ffs_sb32(fm, FFS_SB_NINDIR), fm->fm_inopb, fm->fm_nindir);
	return 0;
}

/* Cylinder-group layout: counts and the offsets of the areas inside a group. */
static int ffs_check_groups(struct ffs_mount *fm, struct mount *mp)
{
	uint64_t devfrags = fm->fm_mp->mnt_dev->bd_size / fm->fm_fsize;

	fm->fm_ncg = ffs_sb32(fm, FFS_SB_NCG);
	fm->fm_ipg = ffs_sb32(fm, FFS_SB_IPG);
	fm->fm_fpg = ffs_sb32(fm, FFS_SB_FPG);
	fm->fm_sblkno = ffs_sb32(fm, FFS_SB_SBLKNO);
	fm->fm_cblkno = ffs_sb32(fm, FFS_SB_CBLKNO);
	fm->fm_iblkno = ffs_sb32(fm, FFS_SB_IBLKNO);
	fm->fm_dblkno = ffs_sb32(fm, FFS_SB_DBLKNO);
	fm->fm_size = fm->fm_ufs2 ? ffs_sb64(fm, FFS_SB_SIZE) :
	    ffs_sb32(fm, FFS_SB_OLD_SIZE);
	fm->fm_dsize = fm->fm_ufs2 ? ffs_sb64(fm, FFS_SB_DSIZE) :
	    ffs_sb32(fm, FFS_SB_OLD_DSIZE);
	if (fm->fm_size == 0 || fm->fm_size > devfrags)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_size %llu "
		    "fragments, the device holds %llu",
		    (unsigned long long)fm->fm_size,
		    (unsigned long long)devfrags);
	if (fm->fm_fpg == 0 || fm->fm_fpg % fm->fm_frag != 0 ||
	    fm->fm_fpg > (1u << 30) || fm->fm_ncg == 0 ||
	    fm->fm_ncg != (fm->fm_size + fm->fm_fpg - 1) / fm->fm_fpg)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_ncg %u, fs_fpg %u "
		    "do not cover fs_size %llu", fm->fm_ncg, fm->fm_fpg,
		    (unsigned long long)fm->fm_size);
	if (fm->fm_ipg == 0 || fm->fm_ipg % fm->fm_inopb != 0 ||
	    ffs_ninodes(fm) > (1ull << 32))
		return vfs_corrupt(mp, 0, 0, "superblock: fs_ipg %u is not a "
		    "multiple of %u inodes per block", fm->fm_ipg, fm->fm_inopb);
	if (!(fm->fm_sblkno < fm->fm_cblkno && fm->fm_cblkno < fm->fm_iblkno &&
	    fm->fm_iblkno < fm->fm_dblkno && fm->fm_dblkno <= fm->fm_fpg) ||
	    fm->fm_iblkno % fm->fm_frag != 0 || fm->fm_cblkno % fm->fm_frag ||
	    fm->fm_dblkno - fm->fm_iblkno <
	    (uint64_t)fm->fm_ipg / fm->fm_inopb * fm->fm_frag ||
	    fm->fm_dsize > fm->fm_size)
		return vfs_corrupt(mp, 0, 0, "superblock: group layout "
		    "sblkno %u cblkno %u iblkno %u dblkno %u fpg %u is "
		    "impossible", fm->fm_sblkno, fm->fm_cblkno, fm->fm_iblkno,
		    fm->fm_dblkno, fm->fm_fpg);
	return 0;
}

/* UFS1 groups may be staggered; every group's metadata must fit the device. */
static int ffs_check_stagger(struct ffs_mount *fm, struct mount *mp)
{
	uint32_t c, cgsize = ffs_sb32(fm, FFS_SB_CGSIZE);

	fm->fm_cgoffset = fm->fm_ufs2 ? 0 : ffs_sb32(fm, FFS_SB_OLD_CGOFFSET);
	fm->fm_cgmask = fm->fm_ufs2 ? 0 : ffs_sb32(fm, FFS_SB_OLD_CGMASK);
	if (fm->fm_cgoffset > fm->fm_fpg)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_old_cgoffset %u "
		    "exceeds fs_fpg %u", fm->fm_cgoffset, fm->fm_fpg);
	for (c = 0; c < fm->fm_ncg; c++)
		if (ffs_cgdmin(fm, c) > fm->fm_size ||
		    ffs_cgdmin(fm, c) > ffs_cgbase(fm, c) + fm->fm_fpg)
			return vfs_corrupt(mp, 0, 0, "superblock: cylinder group "
			    "%u's metadata lies past the end of the file "
			    "system or its group", c);
	if (cgsize < FFS_CG_HDRSIZE || cgsize > fm->fm_bsize)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_cgsize %u, "
		    "expected %u to %u", cgsize, FFS_CG_HDRSIZE, fm->fm_bsize);
	fm->fm_cgsize = (cgsize + fm->fm_fsize - 1) & ~(fm->fm_fsize - 1);
	if (fm->fm_cblkno + fm->fm_cgsize / fm->fm_fsize > fm->fm_iblkno)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_cgsize %u overlaps "
		    "the inode blocks", cgsize);
	return 0;
}

/* The summary area, the remaining tunables, and the largest file size. */
static int ffs_check_misc(struct ffs_mount *fm, struct mount *mp)
{
	uint64_t need = (uint64_t)fm->fm_ncg * 16, n, bytes;
	int lvl;

	fm->fm_csaddr = fm->fm_ufs2 ? ffs_sb64(fm, FFS_SB_CSADDR) :
	    ffs_sb32(fm, FFS_SB_OLD_CSADDR);
	fm->fm_cssize = ffs_sb32(fm, FFS_SB_CSSIZE);
	if (fm->fm_cssize < need || fm->fm_csaddr >= fm->fm_size ||
	    (fm->fm_cssize + fm->fm_fsize - 1) / fm->fm_fsize >
	    fm->fm_size - fm->fm_csaddr)
		return vfs_corrupt(mp, 0, fm->fm_csaddr, "superblock: summary "
		    "area of %u bytes at fragment %llu, expected at least %llu "
		    "bytes inside the file system", fm->fm_cssize,
		    (unsigned long long)fm->fm_csaddr, (unsigned long long)need);
	fm->fm_contigsumsize = ffs_sb32(fm, FFS_SB_CONTIGSUMSIZE);
	fm->fm_maxsymlinklen = ffs_sb32(fm, FFS_SB_MAXSYMLINKLEN);
	fm->fm_minfree = ffs_sb32(fm, FFS_SB_MINFREE);
	if (fm->fm_contigsumsize > FFS_MAXCONTIGSUM ||
	    fm->fm_maxsymlinklen > (FFS_NDADDR + FFS_NIADDR) *
	    (fm->fm_ufs2 ? 8u : 4u) || fm->fm_minfree > 99)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_contigsumsize %u, "
		    "fs_maxsymlinklen %u or fs_minfree %u out of range",
		    fm->fm_contigsumsize, fm->fm_maxsymlinklen, fm->fm_minfree);
	/* blocks reachable: direct, then 1, 2, 3 levels of indirection */
	for (n = FFS_NDADDR, bytes = fm->fm_nindir, lvl = 0; lvl < 3; lvl++) {
		n += bytes;
		bytes *= fm->fm_nindir;
	}
	fm->fm_maxfilesize = n > (INT64_MAX >> 16) ? (uint64_t)INT64_MAX :
	    n * fm->fm_bsize - 1;
	if (!fm->fm_ufs2 && ffs_sb32(fm, FFS_SB_OLD_INODEFMT) != FFS_44INODEFMT)
		return vfs_refuse(mp, ENOTSUP, "UFS1 with the pre-4.4BSD inode "
		    "format is not supported");
	return 0;
}

/* Reads the per-group free counts from the summary area into fm_cs. */
static int ffs_read_cs(struct ffs_mount *fm)
{
	uint64_t off = ffs_fsbyte(fm, fm->fm_csaddr), done = 0;
	uint64_t need = (uint64_t)fm->fm_ncg * 16;
	struct buf *bp;
	int error, k;

	fm->fm_cs = calloc(fm->fm_ncg, sizeof(*fm->fm_cs));
	if (fm->fm_cs == NULL)
		return ENOMEM;
	while (done < need) {
		size_t chunk = fm->fm_fsize;
		if ((error = bread(fm->fm_bc, off + done, chunk, &bp)) != 0)
			return error;
		for (size_t i = 0; i < chunk && done + i < need; i += 16) {
			struct ffs_csum *cs = &fm->fm_cs[(done + i) / 16];
			for (k = 0; k < 4; k++)
				cs->cs[k] = (int32_t)ffs_get32(fm,
				    bp->b_data + i + 4 * k);
		}
		brelse(bp);
		done += chunk;
	}
	return 0;
}

/* Writes fm_cs back to the summary area (changed chunks only). */
static int ffs_write_cs(struct ffs_mount *fm)
{
	uint64_t off = ffs_fsbyte(fm, fm->fm_csaddr), done = 0;
	uint64_t need = (uint64_t)fm->fm_ncg * 16;
	struct buf *bp;
	int error, k, changed;

	while (done < need) {
		size_t chunk = fm->fm_fsize;
		if ((error = bread(fm->fm_bc, off + done, chunk, &bp)) != 0)
			return error;
		changed = 0;
		for (size_t i = 0; i < chunk && done + i < need; i += 16) {
			const struct ffs_csum *cs = &fm->fm_cs[(done + i) / 16];
			for (k = 0; k < 4; k++) {
				uint8_t *p = bp->b_data + i + 4 * k;
				if ((int32_t)ffs_get32(fm, p) != cs->cs[k]) {
					ffs_put32(fm, p, (uint32_t)cs->cs[k]);
					changed = 1;
				}
			}
		}
		if (changed)
			bdwrite(bp);
		else
			brelse(bp);
		done += chunk;
	}
	return 0;
}

/* The features that decide whether we may write, and why not. */
static void ffs_features(struct ffs_mount *fm)
{
	uint32_t flags = ffs_sb32(fm, FFS_SB_FLAGS);

	if (flags & FFS_FL_SOFTDEP)
		fm->fm_feat |= FFS_F_SU;
	if (flags & FFS_FL_SUJ)
		fm->fm_feat |= FFS_F_SUJ;
	if (flags & FFS_FL_GJOURNAL)
		fm->fm_feat |= FFS_F_GJOURNAL;
	/* NetBSD's log bit; FreeBSD uses 0x100 for NFSv4 ACLs, without a
	 * journal version */
	if ((flags & FFS_FL_WAPBL) && fm->fm_sb[FFS_SB_JOURNAL_VERSION] != 0)
		fm->fm_feat |= FFS_F_WAPBL;
	if ((flags & FFS_FL_METACKHASH) && !(fm->fm_feat & FFS_F_WAPBL) &&
	    ffs_sb32(fm, FFS_SB_METACKHASH) != 0)
		fm->fm_feat |= FFS_F_CKHASH;
	fm->fm_wasclean = (fm->fm_sb[FFS_SB_CLEAN] & FFS_ISCLEAN) &&
	    !(flags & (FFS_FL_UNCLEAN | FFS_FL_NEEDSFSCK));
	fm->fm_norw_errno = EROFS;
	if (fm->fm_mp->mnt_flags & MNT_RDONLY)
		fm->fm_norw = "read-only mount";
	else if ((fm->fm_feat & (FFS_F_SUJ | FFS_F_WAPBL | FFS_F_GJOURNAL)) &&
	    !fm->fm_wasclean)
		fm->fm_norw = "the file system's journal may hold changes not "
		    "yet applied (not cleanly unmounted): replay it with the "
		    "native fsck first; opened read-only";
	else if (!fm->fm_wasclean)
		fm->fm_norw = "the file system is not clean: run fsck -y "
		    "first";
	else if (fm->fm_feat & FFS_F_CKHASH)
		fm->fm_norw = "metadata check-hashes are not supported for "
		    "writing";
}

static int ffs_load_sb(struct ffs_mount *fm, struct mount *mp)
{
	int error;

	if ((error = ffs_find_sb(mp->mnt_dev, &fm->fm_sbloc, &fm->fm_bo,
	    &fm->fm_ufs2)) != 0)
		return vfs_corrupt(mp, 0, 0, "no FFS superblock found");
	fm->fm_sb = calloc(1, FFS_SBLOCKSIZE);
	if (fm->fm_sb == NULL)
		return ENOMEM;
	/* the size field sits inside the part every probe read */
	if ((error = blkdev_read(mp->mnt_dev, fm->fm_sbloc, fm->fm_sb,
	    FFS_SB_MINSIZE)) != 0)
		return error;
	fm->fm_sbsize = ffs_sb32(fm, FFS_SB_SBSIZE);
	if (fm->fm_sbsize < FFS_SB_MINSIZE || fm->fm_sbsize > FFS_SBLOCKSIZE ||
	    fm->fm_sbloc + fm->fm_sbsize > mp->mnt_dev->bd_size)
		return vfs_corrupt(mp, 0, 0, "superblock: fs_sbsize %u, "
		    "expected %u to %u", fm->fm_sbsize, FFS_SB_MINSIZE,
		    FFS_SBLOCKSIZE);
	return blkdev_read(mp->mnt_dev, fm->fm_sbloc, fm->fm_sb, fm->fm_sbsize);
}

static void ffs_free_mount(struct ffs_mount *fm)
{
	if (fm == NULL)
		return;
	free(fm->fm_cs);
	free(fm->fm_sb);
	free(fm);
}

static int ffs_mount(struct mount *mp)
{
	struct ffs_mount *fm;
	int error, k;

	if ((fm = calloc(1, sizeof(*fm))) == NULL)
		return ENOMEM;
	fm->fm_mp = mp;
	fm->fm_bc = mp->mnt_bc;
	error = ffs_load_sb(fm, mp);
	if (error == 0)
		error = ffs_check_sizes(fm, mp);
	if (error == 0)
		error = ffs_check_groups(fm, mp);
	if (error == 0)
		error = ffs_check_stagger(fm, mp);
	if (error == 0)
		error = ffs_check_misc(fm, mp);
	if (error == 0)
		error = ffs_read_cs(fm);
	if (error)
		goto bad;
	for (k = 0; k < 4; k++)
		fm->fm_cstotal.cs[k] = fm->fm_ufs2 ?
		    (int64_t)ffs_sb64(fm, FFS_SB_CSTOTAL + 8 * k) :
		    (int32_t)ffs_sb32(fm, FFS_SB_OLD_CSTOTAL + 4 * k);
	ffs_features(fm);
	mp->mnt_data = fm;
	return 0;
bad:
	ffs_free_mount(fm);
	return error;
}

/* Copies the in-memory totals and the clean state into the superblock bytes. */
static void ffs_sb_update(struct ffs_mount *fm)
{
	int k;

	for (k = 0; k < 4; k++) {
		ffs_sbput64(fm, FFS_SB_CSTOTAL + 8 * k,
		    (uint64_t)fm->fm_cstotal.cs[k]);
		ffs_sbput32(fm, FFS_SB_OLD_CSTOTAL + 4 * k,
		    (uint32_t)fm->fm_cstotal.cs[k]);
	}
	ffs_sbput64(fm, FFS_SB_TIME, (uint64_t)time(NULL));
	ffs_sbput32(fm, FFS_SB_OLD_TIME, (uint32_t)time(NULL));
	fm->fm_sb[FFS_SB_FMOD] = 0;
}

static int ffs_write_sb(struct ffs_mount *fm)
{
	struct buf *bp;
	int error;

	if ((error = bread(fm->fm_bc, fm->fm_sbloc, fm->fm_sbsize, &bp)) != 0)
		return error;
	memcpy(bp->b_data, fm->fm_sb, fm->fm_sbsize);
	return bwrite(bp);
}

int ffs_begin_write(struct ffs_mount *fm)
{
	if (fm->fm_norw)
		return vfs_refuse(fm->fm_mp, fm->fm_norw_errno, "%s",
		    fm->fm_norw);
	if (fm->fm_modified)
		return 0;
	/* a crash from here on leaves the file system marked for fsck */
	fm->fm_modified = 1;
	fm->fm_sb[FFS_SB_CLEAN] = 0;
	ffs_sb_update(fm);
	return ffs_write_sb(fm);
}

int ffs_sync(struct mount *mp)
{
	struct ffs_mount *fm = VFSTOFFS(mp);
	int error;

	if (!fm->fm_modified)
		return 0;
	if ((error = ffs_write_cs(fm)) != 0)
		return error;
	ffs_sb_update(fm);
	return ffs_write_sb(fm);
}

static int ffs_unmount(struct mount *mp)
{
	struct ffs_mount *fm = VFSTOFFS(mp);
	int error = 0;

	if (fm == NULL)
		return 0;
	if (fm->fm_modified) {
		error = ffs_write_cs(fm);
		if (error == 0 && (error = bio_sync(fm->fm_bc)) == 0) {
			/* everything else is on disk: now it is clean again */
			if (fm->fm_wasclean)
				fm->fm_sb[FFS_SB_CLEAN] = FFS_ISCLEAN;
			ffs_sb_update(fm);
			error = ffs_write_sb(fm);
		}
	}
	ffs_free_mount(fm);
	mp->mnt_data = NULL;
	return error;
}

static int ffs_root(struct mount *mp, uint64_t *ino)
{
	*ino = FFS_ROOTINO;
	return 0;
}

static int ffs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct ffs_mount *fm = VFSTOFFS(mp);
	int64_t free = fm->fm_cstotal.cs[FFS_CS_NBFREE] * fm->fm_frag +
	    fm->fm_cstotal.cs[FFS_CS_NFFREE];
	int64_t reserve = (int64_t)(fm->fm_dsize * fm->fm_minfree / 100);

	if (free < 0)
		free = 0;
	sv->f_bsize = fm->fm_fsize;
	sv->f_blocks = fm->fm_dsize;
	sv->f_bfree = (uint64_t)free;
	sv->f_bavail = free > reserve ? (uint64_t)(free - reserve) : 0;
	sv->f_files = ffs_ninodes(fm) - FFS_ROOTINO;
	sv->f_ffree = fm->fm_cstotal.cs[FFS_CS_NIFREE] > 0 ?
	    (uint64_t)fm->fm_cstotal.cs[FFS_CS_NIFREE] : 0;
	sv->f_namemax = VFS_NAME_MAX;
	return 0;
}

/* A NUL-terminated copy of a fixed-size name field (at most n bytes). */
static void ffs_strfield(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void ffs_info_flags(struct ffs_mount *fm, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", fm->fm_feat & FFS_F_SU ?
	    "soft-updates " : "", fm->fm_feat & FFS_F_SUJ ? "journaled-su " : "",
	    fm->fm_feat & FFS_F_WAPBL ? "wapbl " : "",
	    fm->fm_feat & FFS_F_GJOURNAL ? "gjournal " : "",
	    fm->fm_feat & FFS_F_CKHASH ? "check-hashes " : "");
	if (buf[0] == '\0')
		snprintf(buf, size, "none");
	else
		buf[strlen(buf) - 1] = '\0';
}

static int ffs_info(struct mount *mp, vfs_info_t out, void *arg)
{
	struct ffs_mount *fm = VFSTOFFS(mp);
	char v[FFS_SB_FSMNT_LEN + 1];

	out(arg, "type", fm->fm_ufs2 ? "UFS2" : "UFS1");
	out(arg, "byte order", fm->fm_bo->bo_name);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)fm->fm_sbloc);
	out(arg, "superblock offset", v);
	snprintf(v, sizeof(v), "%u", fm->fm_bsize);
	out(arg, "block size", v);
	snprintf(v, sizeof(v), "%u", fm->fm_fsize);
	out(arg, "fragment size", v);
	snprintf(v, sizeof(v), "%u", fm->fm_ncg);
	out(arg, "cylinder groups", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)fm->fm_size);
	out(arg, "fragments", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(fm->fm_size *
	    fm->fm_fsize));
	out(arg, "size", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(
	    fm->fm_cstotal.cs[FFS_CS_NBFREE] * fm->fm_frag +
	    fm->fm_cstotal.cs[FFS_CS_NFFREE]));
	out(arg, "free fragments", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)ffs_ninodes(fm));
	out(arg, "inodes", v);
	snprintf(v, sizeof(v), "%lld", (long long)fm->fm_cstotal.cs[FFS_CS_NIFREE]);
	out(arg, "free inodes", v);
	if (fm->fm_ufs2) {
		ffs_strfield(v, fm->fm_sb + FFS_SB_VOLNAME, FFS_SB_VOLNAME_LEN);
		out(arg, "volume name", v);
	}
	out(arg, "clean", fm->fm_sb[FFS_SB_CLEAN] & FFS_ISCLEAN ? "yes" : "no");
	ffs_info_flags(fm, v, sizeof(v));
	out(arg, "flags", v);
	ffs_strfield(v, fm->fm_sb + FFS_SB_FSMNT, FFS_SB_FSMNT_LEN);
	out(arg, "last mounted on", v);
	return 0;
}

/* A cylinder group's header: magic, index and every area inside the buffer. */
int ffs_cg_check(struct ffs_mount *fm, uint32_t c, const uint8_t *cg)
{
	uint32_t iused = ffs_get32(fm, cg + FFS_CG_IUSEDOFF);
	uint32_t freeoff = ffs_get32(fm, cg + FFS_CG_FREEOFF);
	uint32_t nblk = fm->fm_fpg / fm->fm_frag, size = fm->fm_cgsize;
	const char *why = NULL;

	if (ffs_get32(fm, cg + FFS_CG_MAGIC_OFF) != FFS_CG_MAGIC)
		why = "bad magic number";
	else if (ffs_get32(fm, cg + FFS_CG_CGX) != c)
		why = "wrong group index";
	else if (iused < FFS_CG_HDRSIZE || iused > size ||
	    (fm->fm_ipg + 7) / 8 > size - iused)
		why = "inode map outside the group block";
	else if (freeoff < FFS_CG_HDRSIZE || freeoff > size ||
	    (fm->fm_fpg + 7) / 8 > size - freeoff)
		why = "fragment map outside the group block";
	else if (ffs_get32(fm, cg + FFS_CG_NDBLK) > fm->fm_fpg ||
	    ffs_cgbase(fm, c) + ffs_get32(fm, cg + FFS_CG_NDBLK) > fm->fm_size)
		why = "cg_ndblk beyond the group";
	else if (fm->fm_ufs2 && ffs_get32(fm, cg + FFS_CG_INITEDIBLK) >
	    fm->fm_ipg)
		why = "cg_initediblk beyond fs_ipg";
	else if (fm->fm_contigsumsize > 0) {
		uint32_t cs = ffs_get32(fm, cg + FFS_CG_CLUSTERSUMOFF);
		uint32_t cl = ffs_get32(fm, cg + FFS_CG_CLUSTEROFF);
		if (cs < FFS_CG_HDRSIZE || cs > size ||
		    (fm->fm_contigsumsize + 1) * 4 > size - cs ||
		    cl < FFS_CG_HDRSIZE || cl > size || (nblk + 7) / 8 > size - cl)
			why = "cluster maps outside the group block";
	}
	if (why)
		return vfs_corrupt(fm->fm_mp, 0, ffs_cgtod(fm, c),
		    "cylinder group %u: %s", c, why);
	return 0;
}

static const char *const ffs_opts[] = { NULL };

const struct vfsops ffs_vfsops = {
	.vfs_name = "ffs",
	.vfs_opts = ffs_opts,
	.vfs_probe = ffs_probe,
	.vfs_mount = ffs_mount,
	.vfs_unmount = ffs_unmount,
	.vfs_root = ffs_root,
	.vfs_loadvnode = ffs_loadvnode,
	.vfs_statvfs = ffs_statvfs,
	.vfs_sync = ffs_sync,
	.vfs_info = ffs_info,
	.vfs_fsck = ffs_fsck,
};
