/* ext2fs_xattr_write.c: setxattr and removexattr: names, flags, POSIX ACLs, and where an attribute goes (inode first, then the block). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * Placement follows the kernel (ext4_xattr_set_handle): a value goes into
 * the inode's own area when it fits there, and is then removed from the
 * block; otherwise it goes into the block and leaves the inode. Everything
 * that can fail (names, flags, space, the block allocation) is settled
 * before the inode changes; the inode is written once, at the end, inside
 * the same transaction as the block.
 */
#define XW_CREATE  0x1          /* XATTR_CREATE in <sys/xattr.h> */
#define XW_REPLACE 0x2          /* XATTR_REPLACE */
#define XW_NAME_MAX 255

/* One change being made to one inode. */
struct xw {
	struct ext2fs *fs;
	struct ext2fs_inode *ip;
	unsigned index;
	const uint8_t *name;     /* the name without its prefix */
	size_t namelen;
	const uint8_t *val;      /* NULL: remove */
	uint32_t size;
	struct ext2fs_xlist ib, bl;   /* the inode's area and the block */
	int ib_changed, bl_changed;
};

/* The name as ext4's handlers take it: a known prefix and a non-empty
 * rest, or one of the two ACL names exactly (errors as in Linux). */
static int xw_name(const char *full, unsigned *index, const char **rest)
{
	static const unsigned order[] = { XATTR_INDEX_USER,
	    XATTR_INDEX_TRUSTED, XATTR_INDEX_SECURITY, XATTR_INDEX_ACL_ACCESS,
	    XATTR_INDEX_ACL_DEFAULT };
	size_t i, len = strlen(full);

	if (len == 0 || len > XW_NAME_MAX)
		return ERANGE;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *pre = ext2fs_xattr_prefix[order[i]];
		size_t pl = strlen(pre);
		int acl = order[i] == XATTR_INDEX_ACL_ACCESS ||
		    order[i] == XATTR_INDEX_ACL_DEFAULT;
		if (strncmp(full, pre, pl) != 0 || (acl && full[pl] != '\0'))
			continue;
		if (!acl && full[pl] == '\0')
			return EINVAL;
		*index = order[i];
		*rest = full + pl;
		return 0;
	}
	return EOPNOTSUPP;
}

/* The inode's attribute area: [*ents, *end) after the magic word; empty
 * when the inode has none. A large inode with i_extra_isize 0 gets the
 * size the superblock asks for first, as the kernel does. */
static void xw_area(struct ext2fs *fs, struct ext2fs_inode *ip, uint8_t **ents,
    uint8_t **end)
{
	uint8_t *hdr;

	*ents = *end = ip->raw;
	if (fs->inode_size <= EXT2_GOOD_OLD_INODE_SIZE)
		return;
	if (ip->extra_isize == 0 &&
	    le32dec(ip->raw + EXT2_GOOD_OLD_INODE_SIZE) != XATTR_MAGIC) {
		unsigned want = le16dec(fs->sb + SB_WANT_EXTRA_ISIZE);
		if (want < 32 || want & 3 ||
		    EXT2_GOOD_OLD_INODE_SIZE + want > fs->inode_size)
			want = 32;
		memset(ip->raw + I_EXTRA_ISIZE, 0, want);
		ip->extra_isize = (uint16_t)want;
	}
	hdr = ip->raw + EXT2_GOOD_OLD_INODE_SIZE + ip->extra_isize;
	if (ip->raw + fs->inode_size - hdr < 8)
		return;
	*ents = hdr + 4;
	*end = ip->raw + fs->inode_size;
}

static int xw_ib_fits(struct xw *w, const struct ext2fs_xlist *l)
{
	uint8_t *ents, *end;

	xw_area(w->fs, w->ip, &ents, &end);
	return l->n == 0 || ext2fs_xl_space(l) <= (size_t)(end - ents);
}

/* Writes the area from w->ib into ip->raw; the magic word only when there
 * is something after it. */
static void xw_ib_store(struct xw *w)
{
	uint8_t *ents, *end;

	xw_area(w->fs, w->ip, &ents, &end);
	if (end == ents)
		return;
	le32enc(ents - 4, w->ib.n ? XATTR_MAGIC : 0);
	ext2fs_xl_encode(&w->ib, ents, end, ents);
}

/* Space in the inode once entry `at` (if any) holds the new value. */
static int xw_ib_fits_new(struct xw *w, int at)
{
	uint8_t *ents, *end;
	size_t need = ext2fs_xl_space(&w->ib) +
	    ext2fs_xl_entsize(w->namelen, w->size);

	xw_area(w->fs, w->ip, &ents, &end);
	if (at >= 0)
		need -= ext2fs_xl_entsize(w->ib.v[at].namelen, w->ib.v[at].size);
	return need <= (size_t)(end - ents);
}

/* The new lists: w->val into the inode if it fits, else into the block. */
static int xw_place(struct xw *w, int ii, int bi)
{
	int error;

	if (w->val == NULL) {
		if (ii >= 0)
			ext2fs_xl_del(&w->ib, ii);
		if (bi >= 0)
			ext2fs_xl_del(&w->bl, bi);
		w->ib_changed = ii >= 0;
		w->bl_changed = bi >= 0;
		return 0;
	}
	if (xw_ib_fits_new(w, ii)) {
		w->ib_changed = 1;
		if (bi >= 0) {
			ext2fs_xl_del(&w->bl, bi);
			w->bl_changed = 1;
		}
		return ext2fs_xl_set(&w->ib, ii, w->index, w->name, w->namelen,
		    w->val, w->size);
	}
	if (ext2fs_xl_space(&w->bl) + ext2fs_xl_entsize(w->namelen, w->size) -
	    (bi >= 0 ? ext2fs_xl_entsize(w->bl.v[bi].namelen,
	    w->bl.v[bi].size) : 0) > w->fs->bsize - XATTR_HDR_SIZE)
		return ENOSPC;
	if ((error = ext2fs_xl_set(&w->bl, bi, w->index, w->name, w->namelen,
	    w->val, w->size)) != 0)
		return error;
	ext2fs_xl_sort(&w->bl);
	w->bl_changed = 1;
	if (ii >= 0) {
		ext2fs_xl_del(&w->ib, ii);
		w->ib_changed = 1;
	}
	return 0;
}

/* Loads both regions, applies the flags, places the value, writes. */
static int xw_apply(struct xw *w, int flags)
{
	int ii, bi, error;

	if ((error = ext2fs_xl_load(w->fs, w->ip, 0, &w->ib)) != 0)
		return error;
	if ((error = ext2fs_xl_load(w->fs, w->ip, 1, &w->bl)) != 0)
		return error;
	if (!xw_ib_fits(w, &w->ib))   /* cannot happen: it was read there */
		return EIO;
	ii = ext2fs_xl_find(&w->ib, w->index, w->name, w->namelen);
	bi = ext2fs_xl_find(&w->bl, w->index, w->name, w->namelen);
	if (ii < 0 && bi < 0 && (flags & XW_REPLACE))
		return ENODATA;
	if ((ii >= 0 || bi >= 0) && (flags & XW_CREATE))
		return EEXIST;
	if ((error = xw_place(w, ii, bi)) != 0)
		return error;
	if (w->bl_changed &&
	    (error = ext2fs_xattr_block_store(w->fs, w->ip, &w->bl)) != 0)
		return error;
	if (w->ib_changed)
		xw_ib_store(w);
	return 0;
}

/* An ACL value in the on-disk form; an access ACL also sets the mode's
 * permission bits and, when the mode says it all, is not stored. */
static int xw_acl(struct xw *w, uint8_t **disk)
{
	uint16_t perm;
	size_t len;
	int equiv, error;

	if (w->val == NULL || w->size <= 4) {
		w->val = NULL;        /* no entries: the ACL goes */
		return 0;
	}
	if (w->index == XATTR_INDEX_ACL_DEFAULT && !S_ISDIR(w->ip->mode))
		return EACCES;
	if ((*disk = malloc(w->size)) == NULL)
		return ENOMEM;
	error = ext2fs_posix_acl_to_disk(w->val, w->size, *disk, &len, &perm,
	    &equiv);
	if (error)
		return error;
	w->val = *disk;
	w->size = (uint32_t)len;
	if (w->index == XATTR_INDEX_ACL_ACCESS) {
		w->ip->mode = (uint16_t)((w->ip->mode & ~0777u) | perm);
		if (equiv)
			w->val = NULL;
	}
	return 0;
}

/* The shared body of setxattr (val != NULL) and removexattr. */
static int xw_change(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	struct xw w = { ext2fs_fs(vp->v_mount), vp->v_data, 0, NULL, 0, val,
	    (uint32_t)len, { NULL, 0, 0 }, { NULL, 0, 0 }, 0, 0 };
	uint8_t *acl = NULL;
	uint16_t mode = w.ip->mode;
	const char *rest;
	int error;

	if (w.fs->failed)
		return w.fs->failed;
	if (!w.fs->rw)
		return EROFS;
	if (w.ip->links == 0)
		return ENOENT;        /* freed with its last name */
	if (flags & ~(XW_CREATE | XW_REPLACE))
		return EINVAL;
	if ((error = xw_name(name, &w.index, &rest)) != 0)
		return error;
	if (val != NULL && len > XATTR_VALUE_MAX)
		return E2BIG;
	if (w.index == XATTR_INDEX_USER && vp->v_type != VREG &&
	    vp->v_type != VDIR)
		return EPERM;
	w.name = (const uint8_t *)rest;
	w.namelen = strlen(rest);
	if (w.index == XATTR_INDEX_ACL_ACCESS ||
	    w.index == XATTR_INDEX_ACL_DEFAULT) {
		error = xw_acl(&w, &acl);
		flags = 0;            /* the ACL handlers ignore them */
	}
	if (error == 0)
		error = xw_apply(&w, flags);
	if (error == 0 && !w.ib_changed && !w.bl_changed && w.val == NULL &&
	    w.ip->mode == mode)
		error = -1;           /* an ACL that was not there stays away */
	if (error == 0) {
		ext2fs_itouch(w.fs, w.ip, ITOUCH_C);
		error = ext2fs_iupdate(w.fs, w.ip);
	}
	if (error > 0)
		w.ip->mode = mode;
	ext2fs_xl_free(&w.ib);
	ext2fs_xl_free(&w.bl);
	free(acl);
	if (error > 0)
		return ext2fs_commit(w.fs), error;
	return ext2fs_commit(w.fs);
}

/* vop_setxattr: flags XATTR_CREATE (EEXIST if present) or XATTR_REPLACE
 * (ENODATA if absent). Takes and gives no references. */
int ext2fs_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	static const uint8_t none;

	return xw_change(vp, name, val ? val : &none, len, flags);
}

/* vop_removexattr: ENODATA if the attribute is absent. */
int ext2fs_removexattr(struct vnode *vp, const char *name)
{
	return xw_change(vp, name, NULL, 0, XW_REPLACE);
}
