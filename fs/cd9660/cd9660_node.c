/* cd9660_node.c: directory records into vnodes: decoding and checking a record, attributes, extents, times. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * A vnode is loaded from the record at byte offset `ino`. Nothing is trusted
 * before it is checked: the record must lie inside one sector, its name inside
 * the record, its extents inside the image (directories at load time, file
 * data when it is read, so that a listing still shows a damaged file).
 */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t civil_to_utc(int64_t y, unsigned mo, unsigned d, unsigned h,
    unsigned mi, unsigned s, int8_t gmtoff)
{
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;

	/* the offset counts 15-minute units east of Greenwich: -48..+52 */
	if (gmtoff >= -48 && gmtoff <= 52)
		t -= (int64_t)gmtoff * 900;
	return t;
}

/* ECMA-119 9.1.5: 7 bytes, years since 1900. Unset or invalid: 0. */
int64_t cd9660_time7(const uint8_t *p)
{
	if (p[1] < 1 || p[1] > 12 || p[2] < 1 || p[2] > 31 || p[3] > 23 ||
	    p[4] > 59 || p[5] > 60)
		return 0;
	return civil_to_utc(1900 + p[0], p[1], p[2], p[3], p[4], p[5],
	    (int8_t)p[6]);
}

static int digits(const uint8_t *p, size_t n, unsigned *v)
{
	*v = 0;
	while (n--) {
		if (*p < '0' || *p > '9')
			return -1;
		*v = *v * 10 + (unsigned)(*p++ - '0');
	}
	return 0;
}

/* ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" and an offset. Unset: VFS_NOTIME. */
int64_t cd9660_time17(const uint8_t *p, long *nsec)
{
	unsigned y, mo, d, h, mi, s, cs;

	*nsec = 0;
	if (digits(p, 4, &y) || digits(p + 4, 2, &mo) || digits(p + 6, 2, &d) ||
	    digits(p + 8, 2, &h) || digits(p + 10, 2, &mi) ||
	    digits(p + 12, 2, &s) || digits(p + 14, 2, &cs))
		return VFS_NOTIME;
	if (y == 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60)
		return VFS_NOTIME;
	*nsec = (long)cs * 10000000L;
	return civil_to_utc(y, mo, d, h, mi, s, (int8_t)p[16]);
}

/* Checks that [extent, extent + len) lies inside the image. */
int cd9660_check_extent(struct cd9660_mount *imp, uint64_t ino,
    uint32_t extent, uint64_t len, const char *what)
{
	uint64_t start = (uint64_t)extent * ISO_SECTOR;

	if (start > imp->im_devsize || len > imp->im_devsize - start)
		return vfs_corrupt(imp->im_mp, ino, extent, "%s: extent of %llu "
		    "bytes at block %u ends past the end of the image (%llu "
		    "bytes%s)", what, (unsigned long long)len, extent,
		    (unsigned long long)imp->im_devsize,
		    imp->im_devsize < (uint64_t)imp->im_volblocks * ISO_SECTOR ?
		    ", shorter than the volume: truncated?" : "");
	return 0;
}

/* Decodes the record at p (avail bytes to the end of its sector). */
int cd9660_rec_decode(struct cd9660_mount *imp, const uint8_t *p,
    size_t avail, uint64_t off, struct cd9660_rec *rec)
{
	unsigned len = p[ISO_DR_LEN], nl = p[ISO_DR_NAME_LEN];

	if (len < ISO_DR_MIN || len > avail)
		return vfs_corrupt(imp->im_mp, 0, off / ISO_SECTOR, "directory "
		    "record at byte %llu: length %u, expected 34..%zu (records "
		    "never cross a sector)", (unsigned long long)off, len,
		    avail < 255 ? avail : 255);
	if (nl == 0 || ISO_DR_NAME + nl > len)
		return vfs_corrupt(imp->im_mp, 0, off / ISO_SECTOR, "directory "
		    "record at byte %llu: name length %u does not fit a record "
		    "of %u bytes", (unsigned long long)off, nl, len);
	memcpy(rec->r_raw, p, len);
	rec->r_off = off;
	rec->r_len = len;
	/* the data follows the extended attribute record, if any */
	rec->r_extent = le32dec(p + ISO_DR_EXTENT) + p[ISO_DR_XA_LEN];
	rec->r_size = le32dec(p + ISO_DR_SIZE);
	rec->r_flags = p[ISO_DR_FLAGS];
	rec->r_fu = p[ISO_DR_UNIT_SIZE];
	rec->r_gap = p[ISO_DR_GAP];
	rec->r_namelen = nl;
	rec->r_name = rec->r_raw + ISO_DR_NAME;
	rec->r_suaoff = ISO_DR_NAME + nl + !(nl & 1);
	if (rec->r_suaoff > len)
		rec->r_suaoff = len;
	return 0;
}

/* Reads and decodes the record at byte offset off. */
int cd9660_rec_read(struct cd9660_mount *imp, uint64_t off,
    struct cd9660_rec *rec)
{
	uint64_t sec = off & ~(uint64_t)(ISO_SECTOR - 1);
	size_t in = (size_t)(off - sec);
	struct buf *bp;
	int error;

	if (in > ISO_SECTOR - ISO_DR_MIN || sec + ISO_SECTOR > imp->im_devsize)
		return vfs_corrupt(imp->im_mp, off, off / ISO_SECTOR, "no "
		    "directory record can start at byte %llu (image: %llu "
		    "bytes)", (unsigned long long)off,
		    (unsigned long long)imp->im_devsize);
	if ((error = bread(imp->im_mp->mnt_bc, sec, ISO_SECTOR, &bp)) != 0)
		return error;
	error = cd9660_rec_decode(imp, bp->b_data + in, ISO_SECTOR - in, off,
	    rec);
	brelse(bp);
	return error;
}

/* Decodes the Rock Ridge entries of rec, when the mount reads them. */
static int node_rrip(struct cd9660_mount *imp, const struct cd9660_rec *rec,
    unsigned skip, struct cd9660_rr *rr, char *linkbuf)
{
	memset(rr, 0, sizeof(*rr));
	rr->rr_link = linkbuf;
	if (imp->im_names != CD9660_RRIP)
		return 0;
	return cd9660_rrip_parse(imp, rec, skip, rr);
}

/* The attributes a plain ISO 9660 record gives, then what Rock Ridge adds. */
static int node_attr(struct cd9660_mount *imp, struct vnode *vp,
    const struct cd9660_rec *rec, const struct cd9660_rr *rr, int dir)
{
	struct vattr *va = &VTOI(vp)->n_va;
	struct timespec t = { cd9660_time7(rec->r_raw + ISO_DR_DATE), 0 };
	mode_t type;

	va->va_ino = vp->v_ino;
	va->va_mode = dir ? (S_IFDIR | 0555) : (S_IFREG | 0444);
	va->va_nlink = dir ? 2 : 1;
	va->va_atime = va->va_mtime = va->va_ctime = t;
	va->va_birthtime.tv_sec = VFS_NOTIME;
	va->va_blksize = ISO_SECTOR;
	if (rr->rr_have & RR_PX) {
		type = rr->rr_mode & S_IFMT;
		/* the record's directory flag decides what the tree holds */
		if (dir != (type == S_IFDIR) ||
		    vfs_mode_to_vtype(rr->rr_mode) == VNON)
			return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "Rock Ridge "
			    "PX mode %06o, expected a %s", (unsigned)rr->rr_mode,
			    dir ? "directory" : "file, link or device");
		va->va_mode = rr->rr_mode & (S_IFMT | 07777);
		va->va_nlink = rr->rr_nlink;
		va->va_uid = rr->rr_uid;
		va->va_gid = rr->rr_gid;
		/*
		 * The serial number links the names of one file. Directories
		 * keep their record's offset: they have no hard links, and
		 * makefs gives .rr_moved the serial of a directory moved into
		 * it, which would look like a directory inside itself.
		 */
		if (rr->rr_ino != 0 && !dir)
			va->va_ino = rr->rr_ino;
	}
	if (rr->rr_tmask & (1u << RR_T_BIRTH))
		va->va_birthtime = rr->rr_times[RR_T_BIRTH];
	if (rr->rr_tmask & (1u << RR_T_MTIME))
		va->va_mtime = rr->rr_times[RR_T_MTIME];
	if (rr->rr_tmask & (1u << RR_T_ATIME))
		va->va_atime = rr->rr_times[RR_T_ATIME];
	if (rr->rr_tmask & (1u << RR_T_CTIME))
		va->va_ctime = rr->rr_times[RR_T_CTIME];
	if ((rr->rr_have & RR_PN) &&
	    (S_ISCHR(va->va_mode) || S_ISBLK(va->va_mode))) {
		/* 64-bit dev_t split in two, or (BSD writers) major and minor */
		dev_t d = (dev_t)rr->rr_dev_lo;
		va->va_rdev_major = rr->rr_dev_hi ? rr->rr_dev_hi : major(d);
		va->va_rdev_minor = rr->rr_dev_hi ? rr->rr_dev_lo : minor(d);
	}
	return 0;
}

/*
 * The next record of a multi-extent file: at `off`, or at the start of the
 * next sector when the rest of this one is padding.
 */
static int next_rec(struct cd9660_mount *imp, uint64_t off,
    struct cd9660_rec *rec)
{
	uint64_t sec = off & ~(uint64_t)(ISO_SECTOR - 1);
	size_t in = (size_t)(off - sec);
	struct buf *bp;
	int error;

	if (in <= ISO_SECTOR - ISO_DR_MIN && sec + ISO_SECTOR <= imp->im_devsize) {
		if ((error = bread(imp->im_mp->mnt_bc, sec, ISO_SECTOR, &bp)))
			return error;
		if (bp->b_data[in] != 0) {
			error = cd9660_rec_decode(imp, bp->b_data + in,
			    ISO_SECTOR - in, off, rec);
			brelse(bp);
			return error;
		}
		brelse(bp);
	}
	return cd9660_rec_read(imp, sec + ISO_SECTOR, rec);
}

/* A file's extents: one, or a chain of records flagged multi-extent. */
static int node_extents(struct cd9660_mount *imp, struct cd9660_node *np,
    uint64_t ino, const struct cd9660_rec *first)
{
	struct cd9660_rec *rec = malloc(sizeof(*rec));
	struct cd9660_extent *ext = NULL, *e;
	size_t n = 0;
	int error = 0;

	if (rec == NULL)
		return ENOMEM;
	*rec = *first;
	rec->r_name = rec->r_raw + ISO_DR_NAME;
	for (;;) {
		if (n == CD9660_MAX_EXTENTS) {
			error = vfs_corrupt(imp->im_mp, ino, 0, "multi-extent "
			    "file: more than %d extents", CD9660_MAX_EXTENTS);
			break;
		}
		if ((e = realloc(ext, (n + 1) * sizeof(*ext))) == NULL) {
			error = ENOMEM;
			break;
		}
		ext = e;
		ext[n].e_off = (uint64_t)rec->r_extent * ISO_SECTOR;
		ext[n].e_len = rec->r_size;
		np->n_rawsize += rec->r_size;
		n++;
		if (!(rec->r_flags & ISO_FL_MULTI))
			break;
		if ((error = next_rec(imp, rec->r_off + rec->r_len, rec)) != 0)
			break;
		if (rec->r_namelen != first->r_namelen ||
		    memcmp(rec->r_name, first->r_name, first->r_namelen) != 0) {
			error = vfs_corrupt(imp->im_mp, ino, rec->r_off /
			    ISO_SECTOR, "multi-extent file: record %zu at byte "
			    "%llu has another name", n + 1,
			    (unsigned long long)rec->r_off);
			break;
		}
	}
	free(rec);
	np->n_ext = ext;
	np->n_next = n;
	if (error == 0 && n > 1 && (first->r_fu || first->r_gap))
		error = vfs_refuse(imp->im_mp, EOPNOTSUPP, "an interleaved "
		    "multi-extent file (inode %llu) is not supported",
		    (unsigned long long)ino);
	return error;
}

/*
 * A directory. The root's record in the volume descriptor carries no Rock
 * Ridge entries, and a relocated directory's CL record is a stand-in: both
 * take what their own "." record says on top of the record that names them.
 */
static int node_dir(struct cd9660_mount *imp, struct vnode *vp,
    const struct cd9660_rec *rec, struct cd9660_rr *rr)
{
	struct cd9660_node *np = VTOI(vp);
	int cl = (rr->rr_have & RR_CL) != 0, isroot;
	uint32_t ext = cl ? rr->rr_cl : rec->r_extent;
	struct cd9660_rec dot;
	struct cd9660_rr drr;
	int error, i;

	isroot = vp->v_ino == imp->im_root_ino;
	/* Lookup's tree checks catch this too, but a walk by inode number
	 * reaches directories without a lookup. */
	if (!isroot && ext == imp->im_root_extent)
		return vfs_corrupt(imp->im_mp, vp->v_ino, ext, "directory "
		    "cycle: the directory record at byte %llu points to block "
		    "%u, the root%s", (unsigned long long)rec->r_off, ext,
		    cl ? " (Rock Ridge CL)" : "");
	if ((error = cd9660_dir_head(imp, vp->v_ino, ext, &dot, NULL, NULL)))
		return error;
	np->n_dirext = ext;
	np->n_dirsize = dot.r_size;
	np->n_relocated = cl;
	if (isroot)
		np->n_parent = vp->v_ino;
	if (isroot || cl) {
		error = node_rrip(imp, &dot, isroot ? 0 : imp->im_skip, &drr,
		    NULL);
		if (error)
			return error;
		if (drr.rr_have & RR_PX) {
			rr->rr_have |= RR_PX;
			rr->rr_mode = drr.rr_mode;
			rr->rr_nlink = drr.rr_nlink;
			rr->rr_uid = drr.rr_uid;
			rr->rr_gid = drr.rr_gid;
		}
		for (i = 0; i < 4; i++)
			if (drr.rr_tmask & (1u << i))
				rr->rr_times[i] = drr.rr_times[i];
		rr->rr_tmask |= drr.rr_tmask;
	}
	if ((error = node_attr(imp, vp, isroot ? &dot : rec, rr, 1)) != 0)
		return error;
	np->n_va.va_size = np->n_dirsize;
	np->n_va.va_bytes = (np->n_dirsize + ISO_SECTOR - 1) &
	    ~(uint64_t)(ISO_SECTOR - 1);
	return 0;
}

/* A file, symlink or device: extents, link target, compression. */
static int node_file(struct cd9660_mount *imp, struct vnode *vp,
    const struct cd9660_rec *rec, struct cd9660_rr *rr)
{
	struct cd9660_node *np = VTOI(vp);
	struct vattr *va = &np->n_va;
	int error;

	if ((error = node_attr(imp, vp, rec, rr, 0)) != 0)
		return error;
	if ((error = node_extents(imp, np, vp->v_ino, rec)) != 0)
		return error;
	np->n_fu = rec->r_fu;
	np->n_gap = rec->r_gap;
	va->va_size = np->n_rawsize;
	va->va_bytes = (np->n_rawsize + ISO_SECTOR - 1) &
	    ~(uint64_t)(ISO_SECTOR - 1);
	if (S_ISLNK(va->va_mode)) {
		if (!(rr->rr_have & RR_SL))
			return vfs_corrupt(imp->im_mp, vp->v_ino, 0, "symbolic "
			    "link without a Rock Ridge SL entry");
		if ((np->n_link = malloc(rr->rr_linklen + 1)) == NULL)
			return ENOMEM;
		memcpy(np->n_link, rr->rr_link, rr->rr_linklen);
		np->n_linklen = rr->rr_linklen;
		va->va_size = rr->rr_linklen;
	} else if ((rr->rr_have & RR_ZF) && S_ISREG(va->va_mode) &&
	    !imp->im_nozisofs) {
		/* "pz" is zisofs; anything else is refused when read */
		np->n_zisofs = memcmp(rr->rr_zf_alg, "pz", 2) == 0 ? 1 : -1;
		np->n_zf_hdr = rr->rr_zf_hdr;
		np->n_zf_log2 = rr->rr_zf_log2;
		va->va_size = rr->rr_zf_size;
	}
	return 0;
}

int cd9660_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino)
{
	struct cd9660_mount *imp = VFSTOISO(mp);
	struct cd9660_node *np;
	struct cd9660_rec *rec = NULL;
	struct cd9660_rr *rr = NULL;
	char *linkbuf = NULL;
	int error, dir;

	if ((np = calloc(1, sizeof(*np))) == NULL)
		return ENOMEM;
	vp->v_data = np;
	rec = malloc(sizeof(*rec));
	rr = malloc(sizeof(*rr));
	if (imp->im_names == CD9660_RRIP)
		linkbuf = malloc(VFS_PATH_MAX);
	error = ENOMEM;
	if (rec == NULL || rr == NULL ||
	    (imp->im_names == CD9660_RRIP && linkbuf == NULL))
		goto out;
	if ((error = cd9660_rec_read(imp, ino, rec)) != 0)
		goto out;
	if ((error = node_rrip(imp, rec, imp->im_skip, rr, linkbuf)) != 0)
		goto out;
	dir = (rec->r_flags & ISO_FL_DIR) || (rr->rr_have & RR_CL);
	if (ino == imp->im_root_ino && !dir)
		error = vfs_corrupt(mp, ino, 0, "root record is not a "
		    "directory (flags 0x%02x)", rec->r_flags);
	else if (dir)
		error = node_dir(imp, vp, rec, rr);
	else
		error = node_file(imp, vp, rec, rr);
	if (error == 0) {
		vp->v_type = vfs_mode_to_vtype(np->n_va.va_mode);
		vp->v_op = &cd9660_vnodeops;
	}
out:
	free(rec);
	free(rr);
	free(linkbuf);
	if (error) {
		cd9660_reclaim(vp);
		vp->v_data = NULL;
	}
	return error;
}

/* Takes and gives no references: the node's attributes were fixed at load. */
int cd9660_getattr(struct vnode *vp, struct vattr *va)
{
	*va = VTOI(vp)->n_va;
	return 0;
}

void cd9660_reclaim(struct vnode *vp)
{
	struct cd9660_node *np = VTOI(vp);

	if (np == NULL)
		return;
	free(np->n_ext);
	free(np->n_link);
	free(np);
	vp->v_data = NULL;
}
