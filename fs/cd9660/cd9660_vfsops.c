/* cd9660_vfsops.c: probing, mounting (the volume descriptor set; Rock Ridge > Joliet > ISO 9660 names), statvfs, the ops tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

/*
 * The volume descriptor set starts at sector 16 and ends with a terminator
 * (or, leniently, at the first sector that is not a descriptor). It names
 * the primary descriptor (plain ISO 9660 names; Rock Ridge lives in its
 * tree's system use areas), at most one Joliet supplementary descriptor
 * (its own tree, UCS-2 names) and an El Torito boot record. The driver is
 * read-only: mount refuses a writable open and every change answers EROFS.
 */

static const char *const cd9660_opts[] = {
	"norrip",    /* ignore Rock Ridge: Joliet or plain ISO 9660 names */
	"norock",    /* the same, as Linux spells it */
	"nojoliet",  /* ignore the Joliet tree */
	"nozisofs",  /* show zisofs-compressed files as recorded */
	"hide",      /* leave out files flagged hidden (Linux's option) */
	"showassoc", /* list associated files, as "=NAME" */
	NULL
};

static int cd9660_probe(struct blkdev *dev)
{
	uint8_t vd[8];
	uint64_t sec;

	/* any descriptor will do, so that a damaged PVD gets a precise error */
	for (sec = ISO_VD_FIRST; sec < ISO_VD_FIRST + 16; sec++) {
		if ((sec + 1) * ISO_SECTOR > dev->bd_size)
			break;
		if (blkdev_read(dev, sec * ISO_SECTOR, vd, sizeof(vd)) != 0)
			break;
		if (memcmp(vd + ISO_VD_ID, "CD001", 5) == 0)
			return 0;
	}
	return ENOENT;
}

/* Notes what one volume descriptor (sector sec) contributes. */
static void vd_note(struct cd9660_mount *imp, const uint8_t *d, uint32_t sec,
    int *havepvd)
{
	const uint8_t *esc = d + ISO_SVD_ESCAPES;

	if (d[ISO_VD_TYPE] == ISO_VD_PRIMARY && !*havepvd) {
		memcpy(imp->im_pvd, d, ISO_SECTOR);
		imp->im_pvd_sector = sec;
		*havepvd = 1;
	} else if (d[ISO_VD_TYPE] == ISO_VD_SUPPL && imp->im_svd_sector == 0 &&
	    esc[0] == '%' && esc[1] == '/' &&
	    (esc[2] == '@' || esc[2] == 'C' || esc[2] == 'E')) {
		imp->im_svd_sector = sec;
		imp->im_joliet_level = esc[2] == '@' ? 1 : esc[2] == 'C' ? 2 : 3;
	} else if (d[ISO_VD_TYPE] == ISO_VD_BOOT && imp->im_boot_catalog == 0 &&
	    memcmp(d + ISO_BR_SYSTEM_ID, "EL TORITO SPECIFICATION", 23) == 0) {
		imp->im_boot_catalog = le32dec(d + ISO_BR_CATALOG);
	}
}

static int scan_vds(struct cd9660_mount *imp)
{
	struct mount *mp = imp->im_mp;
	uint64_t off;
	struct buf *bp;
	uint32_t sec;
	int error, havepvd = 0, type = -1;

	for (sec = ISO_VD_FIRST; sec < ISO_VD_FIRST + ISO_VD_MAX; sec++) {
		off = (uint64_t)sec * ISO_SECTOR;
		if (off + ISO_SECTOR > imp->im_devsize)
			break;
		if ((error = bread(mp->mnt_bc, off, ISO_SECTOR, &bp)) != 0)
			return error;
		type = bp->b_data[ISO_VD_TYPE];
		if (memcmp(bp->b_data + ISO_VD_ID, "CD001", 5) != 0) {
			brelse(bp);
			break;
		}
		vd_note(imp, bp->b_data, sec, &havepvd);
		brelse(bp);
		if (type == ISO_VD_TERM)
			break;
	}
	if (havepvd)
		return 0;
	if (imp->im_devsize < (ISO_VD_FIRST + 1) * ISO_SECTOR)
		return vfs_corrupt(mp, 0, 0, "image of %llu bytes is too short "
		    "for ISO 9660 (descriptors start at byte 32768)",
		    (unsigned long long)imp->im_devsize);
	return vfs_corrupt(mp, 0, ISO_VD_FIRST, "no primary volume descriptor "
	    "(type 1, \"CD001\") in the descriptor set at sector 16");
}

/* Checks a PVD or SVD (its block size and root record); sets the root. */
static int vd_root(struct cd9660_mount *imp, const uint8_t *d, uint32_t sec)
{
	uint16_t le = le16dec(d + ISO_PVD_BLOCK_SIZE);
	uint16_t be = be16dec(d + ISO_PVD_BLOCK_SIZE + 2);
	struct cd9660_rec rec;
	int error;

	if (le != be)
		return vfs_corrupt(imp->im_mp, 0, sec, "volume descriptor: "
		    "logical block size %u (little-endian) and %u (big-endian) "
		    "differ", le, be);
	if (le != ISO_SECTOR)
		return vfs_refuse(imp->im_mp, EOPNOTSUPP, "ISO 9660 logical "
		    "block size %u is not supported (only 2048)", le);
	error = cd9660_rec_decode(imp, d + ISO_PVD_ROOT, ISO_DR_MIN,
	    (uint64_t)sec * ISO_SECTOR + ISO_PVD_ROOT, &rec);
	if (error)
		return error;
	if (!(rec.r_flags & ISO_FL_DIR))
		return vfs_corrupt(imp->im_mp, 0, sec, "volume descriptor: root "
		    "record is not a directory (flags 0x%02x)", rec.r_flags);
	imp->im_root_ino = rec.r_off;
	imp->im_root_extent = rec.r_extent;
	return cd9660_check_extent(imp, rec.r_off, rec.r_extent, ISO_SECTOR,
	    "root directory");
}

/* Rock Ridge is in use when the root's "." starts with SP and says RRIP. */
static int detect_rrip(struct cd9660_mount *imp)
{
	struct cd9660_rec dot;
	struct cd9660_rr rr;
	int error;

	error = cd9660_dir_head(imp, imp->im_root_ino, imp->im_root_extent,
	    &dot, NULL, NULL);
	if (error)
		return error;
	memset(&rr, 0, sizeof(rr));
	if ((error = cd9660_rrip_parse(imp, &dot, 0, &rr)) != 0)
		return error;
	if ((rr.rr_have & RR_SP) &&
	    (rr.rr_have & (RR_ER | RR_RR | RR_PX | RR_NM | RR_TF))) {
		imp->im_has_rrip = 1;
		imp->im_skip = rr.rr_skip;
	}
	return 0;
}

/* The Joliet tree: its descriptor's root replaces the primary one. */
static int use_joliet(struct cd9660_mount *imp)
{
	struct buf *bp;
	int error;

	error = bread(imp->im_mp->mnt_bc, (uint64_t)imp->im_svd_sector *
	    ISO_SECTOR, ISO_SECTOR, &bp);
	if (error)
		return error;
	error = vd_root(imp, bp->b_data, imp->im_svd_sector);
	brelse(bp);
	if (error == 0)
		imp->im_names = CD9660_JOLIET;
	return error;
}

/* Rock Ridge names if present, else Joliet's, else plain ISO 9660. */
static int choose_tree(struct cd9660_mount *imp)
{
	struct mount *mp = imp->im_mp;
	int error;

	imp->im_names = CD9660_ISO;
	if ((error = vd_root(imp, imp->im_pvd, imp->im_pvd_sector)) != 0)
		return error;
	if (!vfs_opt(mp, "norrip") && !vfs_opt(mp, "norock") &&
	    (error = detect_rrip(imp)) != 0)
		return error;
	if (imp->im_has_rrip) {
		imp->im_names = CD9660_RRIP;
		/* PX may carry serial numbers: getattr's va_ino, not ours */
		mp->mnt_flags |= MNT_STINO;
		return 0;
	}
	if (imp->im_svd_sector != 0 && !vfs_opt(mp, "nojoliet"))
		return use_joliet(imp);
	return 0;
}

static int cd9660_mount(struct mount *mp)
{
	struct cd9660_mount *imp;
	int error;

	if (!(mp->mnt_flags & MNT_RDONLY))
		return vfs_refuse(mp, EROFS, "ISO 9660 is read-only");
	if ((imp = calloc(1, sizeof(*imp))) == NULL)
		return ENOMEM;
	mp->mnt_data = imp;
	imp->im_mp = mp;
	imp->im_devsize = mp->mnt_dev->bd_size;
	imp->im_nozisofs = vfs_opt(mp, "nozisofs") != NULL;
	imp->im_hide = vfs_opt(mp, "hide") != NULL;
	imp->im_showassoc = vfs_opt(mp, "showassoc") != NULL;
	error = scan_vds(imp);
	if (error == 0) {
		imp->im_volblocks = le32dec(imp->im_pvd + ISO_PVD_SPACE_SIZE);
		error = choose_tree(imp);
	}
	if (error) {
		free(imp);
		mp->mnt_data = NULL;
	}
	return error;
}

static int cd9660_unmount(struct mount *mp)
{
	struct cd9660_mount *imp = VFSTOISO(mp);

	if (imp) {
		free(imp->im_zbuf);
		free(imp->im_dmap);
		free(imp);
	}
	mp->mnt_data = NULL;
	return 0;
}

static int cd9660_root(struct mount *mp, uint64_t *ino)
{
	*ino = VFSTOISO(mp)->im_root_ino;
	return 0;
}

static int cd9660_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = ISO_SECTOR;
	sv->f_blocks = VFSTOISO(mp)->im_volblocks;
	sv->f_namemax = VFS_NAME_MAX;
	return 0;
}

/* Changes are left empty: on this read-only mount the VFS answers EROFS. */
const struct vnodeops cd9660_vnodeops = {
	.vop_lookup = cd9660_lookup,
	.vop_getattr = cd9660_getattr,
	.vop_read = cd9660_read,
	.vop_readdir = cd9660_readdir,
	.vop_readlink = cd9660_readlink,
	.vop_reclaim = cd9660_reclaim,
};

const struct vfsops cd9660_vfsops = {
	.vfs_name = "cd9660",
	.vfs_opts = cd9660_opts,
	.vfs_probe = cd9660_probe,
	.vfs_mount = cd9660_mount,
	.vfs_unmount = cd9660_unmount,
	.vfs_root = cd9660_root,
	.vfs_loadvnode = cd9660_loadvnode,
	.vfs_statvfs = cd9660_statvfs,
	.vfs_info = cd9660_info,
};
