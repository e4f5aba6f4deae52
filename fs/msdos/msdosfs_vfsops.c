/* msdosfs_vfsops.c: FAT probe, mount (boot sector and BPB checks), unmount, statvfs, info, sync, vnode loading. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"

static const char *const msdosfs_opts[] = {
	"uid", "gid", "mask", "dirmask", "gmtoff", "tz", NULL
};

uint64_t msdosfs_clustoff(const struct msdosfs *fs, uint32_t cl)
{
	return fs->dataoff + (uint64_t)(cl - 2) * fs->csize;
}

static int is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* The cheap signature: a jump instruction and a sane BPB. */
static int bpb_plausible(const uint8_t *bs)
{
	uint32_t bps = le16dec(bs + BPB_BYTSPERSEC), spc = bs[BPB_SECPERCLUS];
	uint8_t media = bs[BPB_MEDIA];

	if (bs[0] != 0xEB && bs[0] != 0xE9)
		return 0;
	if (bps < 512 || bps > 4096 || !is_pow2(bps))
		return 0;
	if (!is_pow2(spc) || spc > 128)
		return 0;
	if (le16dec(bs + BPB_RSVDSECCNT) == 0 || bs[BPB_NUMFATS] == 0)
		return 0;
	if (media != 0xF0 && media < 0xF8)
		return 0;
	if (le16dec(bs + BPB_TOTSEC16) == 0 && le32dec(bs + BPB_TOTSEC32) == 0)
		return 0;
	return le16dec(bs + BPB_FATSZ16) != 0 || le32dec(bs + BPB32_FATSZ32) != 0;
}

static int msdosfs_probe(struct blkdev *dev)
{
	uint8_t bs[512];

	if (dev->bd_size < 512 || blkdev_read(dev, 0, bs, sizeof(bs)) != 0)
		return ENOENT;
	return bpb_plausible(bs) ? 0 : ENOENT;
}

#define BAD(...) do { error = vfs_corrupt(fs->mp, 0, 0, __VA_ARGS__); \
	goto bad; } while (0)

/* Geometry from the BPB, every field checked before it is used. */
static int bpb_decode(struct msdosfs *fs, uint64_t devsize)
{
	const uint8_t *bs = fs->bs;
	uint64_t rsvd, fatsecs, rootsecs, first, datasec, count;
	uint32_t rootents = le16dec(bs + BPB_ROOTENTCNT), fatsz16;
	int error = 0;

	if (!bpb_plausible(bs))
		BAD("boot sector: expected a FAT BPB, found none");
	fs->bps = le16dec(bs + BPB_BYTSPERSEC);
	fs->spc = bs[BPB_SECPERCLUS];
	fs->csize = fs->bps * fs->spc;
	fs->nfats = bs[BPB_NUMFATS];
	rsvd = le16dec(bs + BPB_RSVDSECCNT);
	fatsz16 = le16dec(bs + BPB_FATSZ16);
	fs->fatsz = fatsz16 ? fatsz16 : le32dec(bs + BPB32_FATSZ32);
	fs->totsec = le16dec(bs + BPB_TOTSEC16) ? le16dec(bs + BPB_TOTSEC16) :
	    le32dec(bs + BPB_TOTSEC32);
	fs->fattype = fatsz16 == 0 ? 32 : 0;
	if (fs->fattype == 32 && rootents != 0)
		BAD("FAT32 BPB: expected 0 root entries, found %u", rootents);
	if (fs->totsec * fs->bps > devsize)
		BAD("volume size: expected at most %llu bytes (the device), "
		    "found %llu", (unsigned long long)devsize,
		    (unsigned long long)(fs->totsec * fs->bps));
	rootsecs = ((uint64_t)rootents * DIR_SIZE + fs->bps - 1) / fs->bps;
	fatsecs = (uint64_t)fs->nfats * fs->fatsz;
	first = rsvd + fatsecs + rootsecs;
	if (first >= fs->totsec)
		BAD("BPB: metadata (%llu sectors) fills the %llu-sector volume",
		    (unsigned long long)first, (unsigned long long)fs->totsec);
	datasec = fs->totsec - first;
	count = datasec / fs->spc;
	if (count == 0 || count > 0x0FFFFFF4)
		BAD("BPB: cluster count %llu out of range",
		    (unsigned long long)count);
	if (fs->fattype == 0)
		fs->fattype = count < 4085 ? 12 : 16;
	if (fs->fattype == 16 && count > 0xFFF4)
		BAD("FAT16 BPB: expected at most 65524 clusters, found %llu",
		    (unsigned long long)count);
	fs->nclusters = (uint32_t)count;
	fs->maxclust = fs->nclusters + 1;
	fs->fatoff = rsvd * fs->bps;
	fs->fatbytes = (uint64_t)fs->fatsz * fs->bps;
	fs->rootoff = (rsvd + fatsecs) * fs->bps;
	fs->rootbytes = rootents * DIR_SIZE;
	fs->dataoff = first * fs->bps;
	if (fs->fattype * ((uint64_t)fs->maxclust + 1) / 8 + 1 > fs->fatbytes)
		BAD("BPB: a FAT of %llu bytes cannot hold %u clusters",
		    (unsigned long long)fs->fatbytes, fs->nclusters);
bad:
	return error;
}

static int bpb32_decode(struct msdosfs *fs)
{
	const uint8_t *bs = fs->bs;
	uint32_t ext = le16dec(bs + BPB32_EXTFLAGS);
	int error = 0;

	fs->mirror = 1, fs->activefat = 0;
	if (fs->fattype != 32) {
		fs->eocmark = fs->fattype == 12 ? 0xFFF : 0xFFFF;
		return 0;
	}
	fs->eocmark = 0x0FFFFFFF;
	if (le16dec(bs + BPB32_FSVER) != 0)
		return vfs_refuse(fs->mp, EINVAL, "FAT32 version %#x is not "
		    "supported", le16dec(bs + BPB32_FSVER));
	if (ext & 0x80) {
		fs->mirror = 0;
		fs->activefat = ext & 0x0F;
		if (fs->activefat >= fs->nfats)
			BAD("FAT32 BPB: active FAT %u of %u", fs->activefat,
			    fs->nfats);
	}
	fs->rootclus = le32dec(bs + BPB32_ROOTCLUS);
	if (fs->rootclus < 2 || fs->rootclus > fs->maxclust)
		BAD("FAT32 root cluster: expected 2..%u, found %u",
		    fs->maxclust, fs->rootclus);
	fs->fsinfo = le16dec(bs + BPB32_FSINFO);
	if (fs->fsinfo == 0 || fs->fsinfo == 0xFFFF ||
	    fs->fsinfo >= le16dec(bs + BPB_RSVDSECCNT))
		fs->fsinfo = 0;
bad:
	return error;
}

/* FSInfo gives the allocation hint; a damaged one is ignored (and kept). */
static int fsinfo_read(struct msdosfs *fs)
{
	struct buf *bp;
	uint32_t hint;
	int error;

	fs->nextfree = 2;
	if (fs->fsinfo == 0)
		return 0;
	error = bread(fs->bc, (uint64_t)fs->fsinfo * fs->bps, fs->bps, &bp);
	if (error)
		return error;
	if (le32dec(bp->b_data + FSI_LEADSIG) != FSI_LEADSIG_VAL ||
	    le32dec(bp->b_data + FSI_STRUCSIG) != FSI_STRUCSIG_VAL) {
		fs->fsinfo = 0;
	} else {
		hint = le32dec(bp->b_data + FSI_NXT_FREE);
		if (hint >= 2 && hint <= fs->maxclust)
			fs->nextfree = hint;
	}
	brelse(bp);
	return 0;
}

int msdosfs_fsinfo_write(struct msdosfs *fs)
{
	struct buf *bp;
	int error;

	if (fs->rdonly || fs->fsinfo == 0 || !fs->fsinfo_stale)
		return 0;
	error = bread(fs->bc, (uint64_t)fs->fsinfo * fs->bps, fs->bps, &bp);
	if (error)
		return error;
	if (fs->freevalid)
		le32enc(bp->b_data + FSI_FREE_COUNT, fs->freecount);
	le32enc(bp->b_data + FSI_NXT_FREE, fs->nextfree);
	bdwrite(bp);
	fs->fsinfo_stale = 0;
	return 0;
}

static int opt_num(struct msdosfs *fs, const char *key, int base, long lo,
    long hi, long *val)
{
	const char *s = vfs_opt(fs->mp, key);
	char *end;

	if (s == NULL)
		return 0;
	errno = 0;
	*val = strtol(s, &end, base);
	if (*s == '\0' || *end != '\0' || errno || *val < lo || *val > hi)
		return vfs_refuse(fs->mp, EINVAL, "bad value for -o %s: '%s'",
		    key, s);
	return 0;
}

/* -o tz=UTC, or a zone of the tz database ("Europe/Berlin"). */
static int parse_tz(struct msdosfs *fs, const char *tz)
{
	int error;

	if (strcmp(tz, "UTC") == 0 || strcmp(tz, "utc") == 0) {
		fs->utc = 1;
		return 0;
	}
	if ((error = msdosfs_zone_check(tz, sizeof(fs->zone) - 1)) != 0)
		return vfs_refuse(fs->mp, EINVAL, "bad value for -o tz: '%s' "
		    "(%s)", tz, error == ENOENT ? "no such time zone" :
		    error == EINVAL ? "not a time zone" : strerror(error));
	snprintf(fs->zone, sizeof(fs->zone), ":%s", tz + (tz[0] == ':'));
	return 0;
}

/* -o uid=,gid=,mask=,dirmask= as mount_msdos; -o gmtoff=SECONDS, tz=ZONE. */
static int parse_opts(struct msdosfs *fs)
{
	long v;
	const char *tz = vfs_opt(fs->mp, "tz");
	int error = 0;

	fs->uid = getuid(), fs->gid = getgid(), fs->mask = 022;
	if ((v = -1, error = opt_num(fs, "uid", 10, 0, 0xFFFFFFFEL, &v)) || v >= 0)
		fs->uid = (uint32_t)v;
	if (error == 0 && (v = -1, error = opt_num(fs, "gid", 10, 0,
	    0xFFFFFFFEL, &v)) == 0 && v >= 0)
		fs->gid = (uint32_t)v;
	if (error == 0 && (v = -1, error = opt_num(fs, "mask", 8, 0, 0777,
	    &v)) == 0 && v >= 0)
		fs->mask = (mode_t)v;
	fs->dirmask = fs->mask;
	if (error == 0 && (v = -1, error = opt_num(fs, "dirmask", 8, 0, 0777,
	    &v)) == 0 && v >= 0)
		fs->dirmask = (mode_t)v;
	if (error == 0 && tz != NULL)
		error = parse_tz(fs, tz);
	if (error == 0 && (v = 0, error = opt_num(fs, "gmtoff", 10, -86400 * 2,
	    86400 * 2, &v)) == 0 && vfs_opt(fs->mp, "gmtoff") != NULL) {
		if (fs->zone[0] != '\0')
			return vfs_refuse(fs->mp, EINVAL, "-o gmtoff= and -o "
			    "tz=%s exclude each other", tz);
		fs->utc = 1, fs->gmtoff = v;
	}
	return error;
}

/*
 * A writable session turns the clean bit off until a clean unmount. Every
 * open notes whether it was off already, for fsck, read-only ones too.
 */
static int mark_open(struct msdosfs *fs)
{
	int wasclean, error;

	if ((error = msdosfs_set_clean(fs, -1, &wasclean)) != 0)
		return error;
	fs->was_dirty = !wasclean;
	if (fs->rdonly || !wasclean)
		return 0;
	if ((error = msdosfs_set_clean(fs, 0, NULL)) != 0)
		return error;
	fs->marked_dirty = 1;
	return bio_sync(fs->bc);
}

static int msdosfs_mount(struct mount *mp)
{
	struct msdosfs *fs = calloc(1, sizeof(*fs));
	int error;

	if (fs == NULL)
		return ENOMEM;
	fs->mp = mp;
	fs->bc = mp->mnt_bc;
	fs->rdonly = (mp->mnt_flags & MNT_RDONLY) != 0;
	error = blkdev_read(mp->mnt_dev, 0, fs->bs, sizeof(fs->bs));
	if (error == 0)
		error = bpb_decode(fs, mp->mnt_dev->bd_size);
	if (error == 0)
		error = bpb32_decode(fs);
	if (error == 0)
		error = parse_opts(fs);
	if (error == 0 && !fs->utc)   /* NULL: times just convert slower */
		fs->zmemo = calloc(1, sizeof(*fs->zmemo));
	mp->mnt_data = fs;
	if (error == 0)
		error = fsinfo_read(fs);
	if (error == 0)
		error = mark_open(fs);
	if (error) {
		mp->mnt_data = NULL;
		free(fs->zmemo);
		free(fs);
	}
	return error;
}

static int msdosfs_sync(struct mount *mp)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	int error;

	if (fs->rdonly)
		return 0;
	if ((error = msdosfs_fsinfo_write(fs)) != 0)
		return error;
	return bio_sync(fs->bc);
}

/* Everything reaches the disk before the clean bit goes back on. */
static int msdosfs_unmount(struct mount *mp)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	int error = 0;

	if (fs == NULL)
		return 0;
	if (!fs->rdonly) {
		error = msdosfs_sync(mp);
		if (error == 0 && fs->marked_dirty)
			error = msdosfs_set_clean(fs, 1, NULL);
		if (error == 0)
			error = bio_sync(fs->bc);
	}
	msdosfs_id_free(fs);
	free(fs->zmemo);
	free(fs);
	mp->mnt_data = NULL;
	return error;
}

static int msdosfs_root(struct mount *mp, uint64_t *ino)
{
	*ino = MSDOSFS_ROOTINO;
	return 0;
}

static int msdosfs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	int error;

	if ((error = msdosfs_count_free(fs)) != 0)
		return error;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = fs->csize;
	sv->f_blocks = fs->nclusters;
	sv->f_bfree = sv->f_bavail = fs->freecount;
	sv->f_namemax = 255;
	return 0;
}

/* The label: the root directory's volume entry, else the boot sector's. */
static void volume_label(struct msdosfs *fs, char *out)
{
	const uint8_t *lab = fs->bs + (fs->fattype == 32 ? BS32_VOLLAB :
	    BS16_VOLLAB);
	struct vnode *vp;
	uint32_t off = 0;
	struct msdosfs_dirent ent;
	int n = 11;

	if (vfs_root(fs->mp, &vp) == 0) {
		while (msdosfs_dir_next(VTODE(vp), &off, &ent) == 0)
			if ((ent.de[DIR_ATTR] & ATTR_LONG_MASK) == ATTR_VOLUME_ID) {
				memcpy(out, ent.de, 11);
				lab = NULL;
				break;
			}
		vrele(vp);
	}
	if (lab != NULL)
		memcpy(out, lab, 11);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	if (strcmp(out, "NO NAME") == 0)
		out[0] = '\0';
}

static int msdosfs_info(struct mount *mp, vfs_info_t out, void *arg)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	const uint8_t *bs = fs->bs;
	unsigned sigoff = fs->fattype == 32 ? BS32_BOOTSIG : BS16_BOOTSIG;
	char buf[64];
	int wasclean = 1;

	snprintf(buf, sizeof(buf), "FAT%d", fs->fattype);
	out(arg, "type", buf);
	volume_label(fs, buf);
	out(arg, "label", buf);
	if (bs[sigoff] == 0x29) {
		snprintf(buf, sizeof(buf), "%04X-%04X",
		    le16dec(bs + sigoff + 3), le16dec(bs + sigoff + 1));
		out(arg, "serial", buf);
	}
	snprintf(buf, sizeof(buf), "%.8s", (const char *)bs + BS_OEMNAME);
	out(arg, "OEM name", buf);
	snprintf(buf, sizeof(buf), "%u", fs->bps);
	out(arg, "sector size", buf);
	snprintf(buf, sizeof(buf), "%u", fs->csize);
	out(arg, "cluster size", buf);
	snprintf(buf, sizeof(buf), "%u", fs->nclusters);
	out(arg, "clusters", buf);
	if (msdosfs_count_free(fs) == 0) {
		snprintf(buf, sizeof(buf), "%u", fs->freecount);
		out(arg, "free clusters", buf);
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)fs->totsec);
	out(arg, "sectors", buf);
	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)(fs->totsec * fs->bps));
	out(arg, "size", buf);
	snprintf(buf, sizeof(buf), "%u", fs->nfats);
	out(arg, "FAT copies", buf);
	msdosfs_set_clean(fs, -1, &wasclean);
	out(arg, "state", fs->marked_dirty ? "clean (open for writing)" :
	    wasclean ? "clean" : "dirty");
	return 0;
}

uint32_t msdosfs_de_start(const struct msdosfs *fs, const uint8_t *de)
{
	uint32_t cl = le16dec(de + DIR_FSTCLUSLO);

	if (fs->fattype == 32)
		cl |= (uint32_t)le16dec(de + DIR_FSTCLUSHI) << 16;
	return cl;
}

void msdosfs_de_set_start(const struct msdosfs *fs, uint8_t *de, uint32_t cl)
{
	le16enc(de + DIR_FSTCLUSLO, (uint16_t)cl);
	le16enc(de + DIR_FSTCLUSHI, fs->fattype == 32 ? (uint16_t)(cl >> 16) :
	    0);
}

/* Directory sizes are their chains' lengths, at most DIR_MAX_BYTES. */
static int dir_size(struct msdosfs *fs, uint64_t ino, uint32_t start,
    uint32_t *size)
{
	uint32_t max = DIR_MAX_BYTES / fs->csize, len, last;
	int error;

	if (max == 0)
		max = 1;
	error = msdosfs_chain_len(fs, ino, start, max, &len, &last);
	*size = len * fs->csize;
	return error;
}

static int load_root(struct msdosfs *fs, struct denode *dep)
{
	dep->isdir = 1;
	memset(dep->de, ' ', 11);
	dep->de[DIR_ATTR] = ATTR_DIRECTORY;
	if (fs->fattype != 32) {
		dep->size = fs->rootbytes;
		return 0;
	}
	dep->start = fs->rootclus;
	return dir_size(fs, MSDOSFS_ROOTINO, dep->start, &dep->size);
}

/* Reads the entry for ino from the lookup's hint or from the disk. */
static int load_entry(struct msdosfs *fs, struct denode *dep, uint64_t ino);

static int msdosfs_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	struct denode *dep = calloc(1, sizeof(*dep));
	int error;

	if (dep == NULL)
		return ENOMEM;
	dep->fs = fs;
	if (ino == MSDOSFS_ROOTINO)
		error = load_root(fs, dep);
	else
		error = load_entry(fs, dep, ino);
	if (error == 0 && dep->isdir && ino != MSDOSFS_ROOTINO)
		error = dir_size(fs, ino, dep->start, &dep->size);
	if (error) {
		free(dep);
		return error;
	}
	vp->v_data = dep;
	vp->v_type = dep->isdir ? VDIR : VREG;
	vp->v_op = &msdosfs_vnodeops;
	return 0;
}

/* A directory not found through a lookup: find its entry in its parent. */
static int find_dir_entry(struct msdosfs *fs, uint32_t cl, uint64_t *loc,
    uint8_t *de)
{
	struct denode self = { .fs = fs, .isdir = 1, .start = cl,
	    .size = DIR_MAX_BYTES };
	struct msdosfs_dirent ent;
	struct vnode *pvp;
	uint32_t pcl, off = 0;
	int error;

	if ((error = msdosfs_parent_cluster(&self, &pcl)) != 0)
		return error;
	if (msdosfs_dirino(fs, pcl) == cl)
		return vfs_corrupt(fs->mp, cl, 0, "directory's \"..\" names "
		    "itself");
	if ((error = vfs_vget(fs->mp, msdosfs_dirino(fs, pcl), &pvp)) != 0)
		return error;
	error = ENOENT;
	while (msdosfs_dir_next(VTODE(pvp), &off, &ent) == 0)
		if ((ent.de[DIR_ATTR] & ATTR_DIRECTORY) && ent.de[0] != '.' &&
		    msdosfs_de_start(fs, ent.de) == cl) {
			*loc = ent.loc;
			memcpy(de, ent.de, DIR_SIZE);
			error = 0;
			break;
		}
	vrele(pvp);
	return error;
}

static int load_entry(struct msdosfs *fs, struct denode *dep, uint64_t ino)
{
	int error = 0;

	if (fs->hint_valid && fs->hint_ino == ino) {
		dep->loc = fs->hint_loc;
		memcpy(dep->de, fs->hint_de, DIR_SIZE);
	} else if (ino < MSDOSFS_FILEINO_BASE) {
		if (ino < 2 || ino > fs->maxclust)
			return ENOENT;
		error = find_dir_entry(fs, (uint32_t)ino, &dep->loc, dep->de);
	} else {
		if ((error = msdosfs_loc_for_ino(fs, ino, &dep->loc)) != 0)
			return error;
		error = msdosfs_de_read(fs, dep->loc, dep->de);
		if (error == 0 && (dep->de[0] == SLOT_EMPTY ||
		    dep->de[0] == SLOT_DELETED ||
		    (dep->de[DIR_ATTR] & (ATTR_DIRECTORY | ATTR_VOLUME_ID))))
			error = ENOENT;
	}
	if (error)
		return error;
	dep->isdir = (dep->de[DIR_ATTR] & ATTR_DIRECTORY) != 0;
	dep->start = msdosfs_de_start(fs, dep->de);
	dep->size = le32dec(dep->de + DIR_FILESIZE);
	if (dep->isdir && (dep->start < 2 || dep->start > fs->maxclust))
		return vfs_corrupt(fs->mp, ino, 0, "directory's first cluster:"
		    " expected 2..%u, found %u", fs->maxclust, dep->start);
	if (!dep->isdir && (dep->start == 1 || dep->start > fs->maxclust))
		return vfs_corrupt(fs->mp, ino, 0, "file's first cluster: "
		    "expected 0 or 2..%u, found %u", fs->maxclust, dep->start);
	return 0;
}

const struct vfsops msdosfs_vfsops = {
	.vfs_name = "msdos",
	.vfs_opts = msdosfs_opts,
	.vfs_probe = msdosfs_probe,
	.vfs_mount = msdosfs_mount,
	.vfs_unmount = msdosfs_unmount,
	.vfs_root = msdosfs_root,
	.vfs_loadvnode = msdosfs_loadvnode,
	.vfs_statvfs = msdosfs_statvfs,
	.vfs_sync = msdosfs_sync,
	.vfs_info = msdosfs_info,
	.vfs_fsck = msdosfs_fsck,
};
