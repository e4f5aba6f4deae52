/* cd9660_read.c: file data: contiguous, multi-extent and interleaved extents read straight from the device; symlinks. */
#include <errno.h>
#include <string.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"

/*
 * An interleaved file (ECMA-119 6.5.3) is recorded in units of n_fu blocks
 * separated by gaps of n_gap blocks, starting at its extent. File data is
 * read with bio_read_direct in the largest pieces the layout allows, after
 * checking each piece against the end of the image.
 */

/* Device offset of file-data byte rel of extent e, and bytes contiguous there. */
static int map_piece(struct cd9660_mount *imp, struct vnode *vp,
    const struct cd9660_extent *e, uint64_t rel, uint64_t *dev,
    uint64_t *run)
{
	struct cd9660_node *np = VTOI(vp);
	uint64_t lb, unit, within;

	if (np->n_fu == 0) {
		*dev = e->e_off + rel;
		*run = e->e_len - rel;
	} else {
		lb = rel / ISO_SECTOR;
		unit = lb / np->n_fu;
		within = lb % np->n_fu;
		*dev = e->e_off + (unit * (np->n_fu + np->n_gap) + within) *
		    ISO_SECTOR + rel % ISO_SECTOR;
		*run = (np->n_fu - within) * ISO_SECTOR - rel % ISO_SECTOR;
		if (*run > e->e_len - rel)
			*run = e->e_len - rel;
	}
	if (*dev > imp->im_devsize || *run > imp->im_devsize - *dev)
		return vfs_corrupt(imp->im_mp, vp->v_ino, *dev / ISO_SECTOR,
		    "file data at byte %llu (%llu bytes) lies past the end of "
		    "the image (%llu bytes%s)", (unsigned long long)*dev,
		    (unsigned long long)*run,
		    (unsigned long long)imp->im_devsize,
		    imp->im_devsize < (uint64_t)imp->im_volblocks * ISO_SECTOR ?
		    ", shorter than the volume: truncated?" : "");
	return 0;
}

typedef int (*devread_t)(struct bufcache *bc, uint64_t off, void *buf,
    size_t len);

/* Exactly len bytes of the recorded data from off, each piece read by rd. */
static int read_recorded(struct cd9660_mount *imp, struct vnode *vp,
    void *buf, size_t len, uint64_t off, devread_t rd)
{
	struct cd9660_node *np = VTOI(vp);
	uint64_t base = 0, dev, run;
	uint8_t *p = buf;
	size_t i = 0, n;
	int error;

	while (len > 0) {
		while (i < np->n_next && off >= base + np->n_ext[i].e_len)
			base += np->n_ext[i++].e_len;
		if (i == np->n_next)
			return EIO;   /* callers stay within n_rawsize */
		error = map_piece(imp, vp, &np->n_ext[i], off - base, &dev, &run);
		if (error)
			return error;
		n = run < len ? (size_t)run : len;
		if ((error = rd(imp->im_mp->mnt_bc, dev, p, n)) != 0)
			return error;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* The data as recorded, for decoding (zisofs): never captured. */
int cd9660_read_raw(struct cd9660_mount *imp, struct vnode *vp, void *buf,
    size_t len, uint64_t off)
{
	return read_recorded(imp, vp, buf, len, off, bio_read_direct);
}

/* Takes and gives no references; reads no buffer through the cache. */
int cd9660_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct cd9660_mount *imp = VFSTOISO(vp->v_mount);
	struct cd9660_node *np = VTOI(vp);
	uint64_t size = np->n_va.va_size;
	int error;

	*done = 0;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (np->n_zisofs)
		return cd9660_zisofs_read(imp, vp, buf, len, off, done);
	if (off >= size || len == 0)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if ((error = read_recorded(imp, vp, buf, len, off, bio_read_data)) != 0)
		return error;
	*done = len;
	return 0;
}

int cd9660_readlink(struct vnode *vp, char *buf, size_t bufsize, size_t *len)
{
	struct cd9660_node *np = VTOI(vp);

	if (vp->v_type != VLNK || np->n_link == NULL)
		return EINVAL;
	memcpy(buf, np->n_link, np->n_linklen < bufsize ? np->n_linklen :
	    bufsize);
	*len = np->n_linklen;
	return 0;
}
