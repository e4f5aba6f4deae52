/* vfs_mount.c: opening an image: the device or partition, options, probing, the driver's mount. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "vfs/blkdev.h"
#include "vfs/part.h"
#include "vfs/vfs.h"

#define VFS_CACHE_BYTES (32u << 20)   /* the buffer cache's bound */

struct fs_alias {
	const char *alias;
	const char *name;
};

static const struct fs_alias fs_aliases[] = {
	{ "ext3", "ext2" }, { "ext4", "ext2" }, { "ext2fs", "ext2" },
	{ "ufs", "ffs" }, { "ufs1", "ffs" }, { "ufs2", "ffs" },
	{ "fat", "msdos" }, { "vfat", "msdos" }, { "msdosfs", "msdos" },
	{ "iso9660", "cd9660" }, { "iso", "cd9660" },
	{ NULL, NULL }
};

static void errfmt(char *errbuf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void errfmt(char *errbuf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, size, fmt, ap);
	va_end(ap);
}

int vfs_corrupt(struct mount *mp, uint64_t ino, uint64_t blk,
    const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ino && blk)
		snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt),
		    "inode %llu, block %llu: %s", (unsigned long long)ino,
		    (unsigned long long)blk, what);
	else if (ino)
		snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt),
		    "inode %llu: %s", (unsigned long long)ino, what);
	else if (blk)
		snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt),
		    "block %llu: %s", (unsigned long long)blk, what);
	else
		snprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt), "%s", what);
	return EUCLEAN;
}

int vfs_refuse(struct mount *mp, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mp->mnt_corrupt, sizeof(mp->mnt_corrupt), fmt, ap);
	va_end(ap);
	return error;
}

const char *vfs_opt(struct mount *mp, const char *key)
{
	size_t i;

	for (i = mp->mnt_nopts; i-- > 0;)
		if (strcmp(mp->mnt_opts[i].key, key) == 0)
			return mp->mnt_opts[i].value ? mp->mnt_opts[i].value : "";
	return NULL;
}

static void opts_free(struct mount *mp)
{
	size_t i;

	for (i = 0; i < mp->mnt_nopts; i++) {
		free(mp->mnt_opts[i].key);
		free(mp->mnt_opts[i].value);
	}
	free(mp->mnt_opts);
	mp->mnt_opts = NULL;
	mp->mnt_nopts = 0;
}

/* Splits "a,b=c" into mnt_opts; "ro" and "rw" also set the flags. */
static int opts_parse(struct mount *mp, const char *opts)
{
	char *copy, *tok, *save = NULL, *eq;
	struct mntopt *o;

	if (opts == NULL || *opts == '\0')
		return 0;
	if ((copy = strdup(opts)) == NULL)
		return ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		o = realloc(mp->mnt_opts, (mp->mnt_nopts + 1) * sizeof(*o));
		if (o == NULL)
			goto nomem;
		mp->mnt_opts = o;
		o = &mp->mnt_opts[mp->mnt_nopts];
		eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		o->key = strdup(tok);
		o->value = eq ? strdup(eq + 1) : NULL;
		mp->mnt_nopts++;
		if (o->key == NULL || (eq && o->value == NULL))
			goto nomem;
		if (strcmp(tok, "ro") == 0)
			mp->mnt_flags |= MNT_RDONLY;
		else if (strcmp(tok, "rw") == 0)
			mp->mnt_flags &= ~MNT_RDONLY;
	}
	free(copy);
	return 0;
nomem:
	free(copy);
	return ENOMEM;
}

/* Every option must be generic or one the chosen driver declares. */
static int opts_check(struct mount *mp, char *errbuf, size_t errbufsize)
{
	const char *const *k;
	size_t i;

	for (i = 0; i < mp->mnt_nopts; i++) {
		const char *key = mp->mnt_opts[i].key;
		if (strcmp(key, "ro") == 0 || strcmp(key, "rw") == 0)
			continue;
		for (k = mp->mnt_op->vfs_opts; k && *k; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (k == NULL || *k == NULL) {
			errfmt(errbuf, errbufsize,
			    "unknown option '%s' for %s", key,
			    mp->mnt_op->vfs_name);
			return EINVAL;
		}
	}
	return 0;
}

const struct vfsops *vfs_driver_named(const char *name)
{
	size_t i;

	for (i = 0; vfs_drivers[i]; i++)
		if (strcmp(vfs_drivers[i]->vfs_name, name) == 0)
			return vfs_drivers[i];
	return NULL;
}

/* -t's value: a driver's name or one of its aliases (ext4, vfat, ...). */
static const struct vfsops *vfs_find_driver(const char *fstype)
{
	const struct fs_alias *a;

	for (a = fs_aliases; a->alias; a++)
		if (strcmp(a->alias, fstype) == 0)
			fstype = a->name;
	return vfs_driver_named(fstype);
}

/* Lists a disk's partitions into errbuf, to tell the user about "@N". */
static void explain_partitions(struct blkdev *bd, const char *spec,
    char *errbuf, size_t errbufsize)
{
	struct part_table *pt = malloc(sizeof(*pt));
	char perr[128];
	size_t o;
	int i;

	if (pt == NULL || part_scan(bd, pt, perr, sizeof(perr)) != 0 ||
	    pt->pt_count == 0) {
		errfmt(errbuf, errbufsize, "no supported file system found");
		free(pt);
		return;
	}
	errfmt(errbuf, errbufsize, "a partitioned disk (%s); open a partition "
	    "as %s@N:", pt->pt_scheme, spec);
	for (i = 0; i < pt->pt_count; i++) {
		o = strlen(errbuf);
		errfmt(errbuf + o, errbufsize - o, "%s %d (%s, %llu MiB)",
		    i ? "," : "", pt->pt_entries[i].pe_index,
		    pt->pt_entries[i].pe_desc[0] ? pt->pt_entries[i].pe_desc :
		    pt->pt_entries[i].pe_type,
		    (unsigned long long)(pt->pt_entries[i].pe_size >> 20));
	}
	free(pt);
}

static int vfs_probe(struct mount *mp, const char *spec, const char *fstype,
    char *errbuf, size_t errbufsize)
{
	size_t i;

	if (fstype != NULL) {
		mp->mnt_op = vfs_find_driver(fstype);
		if (mp->mnt_op == NULL) {
			errfmt(errbuf, errbufsize,
			    "unknown file system type '%s'", fstype);
			return EINVAL;
		}
		return 0;
	}
	for (i = 0; vfs_drivers[i]; i++)
		if (vfs_drivers[i]->vfs_probe(mp->mnt_dev) == 0) {
			mp->mnt_op = vfs_drivers[i];
			return 0;
		}
	explain_partitions(mp->mnt_dev, spec, errbuf, errbufsize);
	return EINVAL;
}

/*
 * "disk.img@N" names partition N, unless a file by the whole name exists.
 * On success *pathp is a malloc'd path and *partno is N (0 = whole).
 */
static int spec_split(const char *spec, char **pathp, int *partno)
{
	const char *at = strrchr(spec, '@');
	struct stat st;
	char *end;
	long n;

	*partno = 0;
	if (at != NULL && at[1] != '\0' && stat(spec, &st) != 0) {
		errno = 0;
		n = strtol(at + 1, &end, 10);
		if (*end == '\0' && errno == 0 && n >= 1 && n <= PART_MAX) {
			*pathp = strndup(spec, (size_t)(at - spec));
			*partno = (int)n;
			return *pathp ? 0 : ENOMEM;
		}
	}
	*pathp = strdup(spec);
	return *pathp ? 0 : ENOMEM;
}

static int open_partition(struct blkdev *bd, const char *path, int partno,
    char *errbuf, size_t errbufsize)
{
	struct part_table *pt;
	int i, error;

	if ((pt = malloc(sizeof(*pt))) == NULL)
		return ENOMEM;
	error = part_scan(bd, pt, errbuf, errbufsize);
	if (error == 0 && pt->pt_count == 0) {
		errfmt(errbuf, errbufsize, "%s has no partition table", path);
		error = ENXIO;
	}
	for (i = 0; error == 0 && i < pt->pt_count; i++)
		if (pt->pt_entries[i].pe_index == partno)
			break;
	if (error == 0 && i == pt->pt_count) {
		errfmt(errbuf, errbufsize, "%s has no partition %d", path,
		    partno);
		error = ENXIO;
	}
	if (error == 0) {
		bd->bd_partno = partno;
		error = blkdev_restrict(bd, pt->pt_entries[i].pe_start,
		    pt->pt_entries[i].pe_size);
	}
	free(pt);
	return error;
}

static int open_device(struct mount *mp, const char *spec, char *errbuf,
    size_t errbufsize)
{
	char *path;
	int partno, error;

	if ((error = spec_split(spec, &path, &partno)) != 0)
		return error;
	error = blkdev_open(path, !(mp->mnt_flags & MNT_RDONLY), &mp->mnt_dev);
	if (error == 0 && partno > 0)
		error = open_partition(mp->mnt_dev, path, partno, errbuf,
		    errbufsize);
	free(path);
	if (error == 0 && !(mp->mnt_flags & MNT_RDONLY)) {
		/* promise 4: one writer; the lock goes with the descriptor */
		if (flock(mp->mnt_dev->bd_fd, LOCK_EX | LOCK_NB) != 0) {
			errfmt(errbuf, errbufsize, "the image is open for "
			    "writing by another process");
			error = EBUSY;
		}
	}
	return error;
}

static void mount_free(struct mount *mp)
{
	vfs_vflush(mp);
	if (mp->mnt_bc)
		bio_destroy(mp->mnt_bc);
	blkdev_close(mp->mnt_dev);
	opts_free(mp);
	free(mp);
}

int vfs_mount(const char *spec, const char *fstype, const char *opts,
    unsigned flags, struct mount **mpp, char *errbuf, size_t errbufsize)
{
	struct mount *mp;
	int error;

	errfmt(errbuf, errbufsize, "%s", "");
	if ((mp = calloc(1, sizeof(*mp))) == NULL)
		return ENOMEM;
	mp->mnt_flags = flags;
	mp->mnt_lockfd = -1;
	error = opts_parse(mp, opts);
	if (error == 0)
		error = open_device(mp, spec, errbuf, errbufsize);
	if (error == 0)
		error = bio_create(mp->mnt_dev, VFS_CACHE_BYTES, &mp->mnt_bc);
	if (error == 0)
		error = vfs_probe(mp, spec, fstype, errbuf, errbufsize);
	if (error == 0)
		error = opts_check(mp, errbuf, errbufsize);
	if (error == 0) {
		error = mp->mnt_op->vfs_mount(mp);
		if (error && mp->mnt_corrupt[0])
			errfmt(errbuf, errbufsize, "%s%s",
			    error == EUCLEAN ? "corrupt file system: " : "",
			    mp->mnt_corrupt);
		if (error) {
			vfs_vflush(mp);
			mp->mnt_op = NULL;
		}
	}
	if (error) {
		if (errbuf && errbuf[0] == '\0')
			errfmt(errbuf, errbufsize, "%s", strerror(error));
		mount_free(mp);
		return error;
	}
	if (mp->mnt_dev->bd_writable)
		mp->mnt_lockfd = mp->mnt_dev->bd_fd;
	*mpp = mp;
	return 0;
}

int vfs_sync(struct mount *mp)
{
	int error = 0, e2;

	if (mp->mnt_op->vfs_sync)
		error = mp->mnt_op->vfs_sync(mp);
	e2 = bio_sync(mp->mnt_bc);
	return error ? error : e2;
}

int vfs_unmount(struct mount *mp)
{
	int error;

	vfs_vflush(mp);
	error = mp->mnt_op->vfs_unmount ? mp->mnt_op->vfs_unmount(mp) : 0;
	if (mp->mnt_bc) {
		int e2 = bio_destroy(mp->mnt_bc);
		if (error == 0)
			error = e2;
		mp->mnt_bc = NULL;
	}
	blkdev_close(mp->mnt_dev);
	mp->mnt_dev = NULL;
	opts_free(mp);
	free(mp);
	return error;
}

int vfs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	if (mp->mnt_op->vfs_statvfs == NULL)
		return EOPNOTSUPP;
	return mp->mnt_op->vfs_statvfs(mp, sv);
}

int vfs_info(struct mount *mp, vfs_info_t out, void *arg)
{
	if (mp->mnt_op->vfs_info == NULL)
		return EOPNOTSUPP;
	return mp->mnt_op->vfs_info(mp, out, arg);
}

int vfs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg)
{
	if (mp->mnt_op->vfs_fsck == NULL) {
		report(arg, "no checker for this file system yet");
		return 8;
	}
	return mp->mnt_op->vfs_fsck(mp, flags, report, arg);
}
