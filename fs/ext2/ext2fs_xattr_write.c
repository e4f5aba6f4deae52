/* ext2fs_xattr_write.c: setting and removing extended attributes in the inode's own area. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * The in-inode area follows i_extra_isize: a magic word, then entries
 * (16 bytes and the name, padded to 4) ending in a zero word, and values,
 * each padded to 4, packed downwards from the area's end; a value's offset
 * counts from the first entry. A change rebuilds the whole area from the
 * entries kept (copied as they were) plus the new one, in a scratch copy:
 * the inode is touched only once the result is known to fit.
 * This driver does not write xattr blocks: an attribute that would not fit
 * in the inode answers ENOSPC (the kernel would move it to a block), one
 * that lives in the block or in an ea_inode cannot change (EOPNOTSUPP).
 */
#define XW_ENT_LEN(namelen) ((XATTR_ENTRY_SIZE + (namelen) + 3) & ~(size_t)3)
#define XW_PAD(size)        (((size_t)(size) + 3) & ~(size_t)3)

/* The namespaces a user may write, by the index ext4 gives them. */
static const struct {
	const char *prefix;
	unsigned index;
} xw_spaces[] = {
	{ "user.", 1 }, { "trusted.", 4 }, { "security.", 6 },
};

/* name -> index and suffix; EOPNOTSUPP for other namespaces (system.*). */
static int xw_parse(const char *name, unsigned *index, const char **suffix)
{
	size_t i, pl;

	for (i = 0; i < sizeof(xw_spaces) / sizeof(xw_spaces[0]); i++) {
		pl = strlen(xw_spaces[i].prefix);
		if (strncmp(name, xw_spaces[i].prefix, pl) != 0)
			continue;
		*index = xw_spaces[i].index;
		*suffix = name + pl;
		if (**suffix == '\0')
			return EINVAL;
		return strlen(*suffix) > 255 ? ERANGE : 0;
	}
	return EOPNOTSUPP;
}

/* The entry hash of the ext4 layout: name bytes, then the padded value's words. */
static uint32_t xw_hash(const uint8_t *name, size_t namelen,
    const uint8_t *padded, size_t size)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; i < namelen; i++)
		h = (h << 5) ^ (h >> 27) ^ name[i];
	for (i = 0; i < XW_PAD(size); i += 4)
		h = (h << 16) ^ (h >> 16) ^ le32dec(padded + i);
	return h;
}

/* The rebuilt area: entries grow up from `ent`, values down from `vtop`. */
struct xw_area {
	uint8_t *buf;            /* scratch copy of the area */
	size_t size;
	size_t ent;              /* where the next entry goes */
	size_t vtop;             /* values occupy [vtop, size) */
	unsigned index;          /* the attribute being changed */
	const char *name;
	size_t namelen;
	int found;               /* 1: in the inode, 2: elsewhere */
};

/* Appends one entry and its value; ENOSPC if the area is full. */
static int xw_put(struct xw_area *a, unsigned index, const uint8_t *name,
    size_t namelen, const void *val, size_t size, uint32_t inum)
{
	size_t elen = XW_ENT_LEN(namelen), vlen = inum ? 0 : XW_PAD(size);
	uint8_t *e;

	/* the entry, the zero word after the last one, the value */
	if (a->ent + elen + 4 > a->vtop || a->vtop - a->ent - elen - 4 < vlen)
		return ENOSPC;
	a->vtop -= vlen;
	e = a->buf + a->ent;
	memset(e, 0, elen);
	e[0] = (uint8_t)namelen;
	e[1] = (uint8_t)index;
	memcpy(e + XATTR_ENTRY_SIZE, name, namelen);
	if (vlen > 0) {
		memset(a->buf + a->vtop, 0, vlen);
		memcpy(a->buf + a->vtop, val, size);
		le16enc(e + 2, (uint16_t)(a->vtop - 4));   /* from entry 1 */
	}
	le32enc(e + 4, inum);
	le32enc(e + 8, (uint32_t)size);
	le32enc(e + 12, inum ? 0 : xw_hash(name, namelen, a->buf + a->vtop,
	    vlen ? size : 0));
	a->ent += elen;
	return 0;
}

static int xw_is_target(const struct xw_area *a, const struct ext2fs_xattr *e)
{
	return e->index == a->index && e->namelen == a->namelen &&
	    memcmp(e->name, a->name, a->namelen) == 0;
}

/* Copies every in-inode entry but the target; notes whether it was there. */
static int xw_keep_fn(void *arg, const struct ext2fs_xattr *e)
{
	struct xw_area *a = arg;
	int error;

	if (xw_is_target(a, e)) {
		a->found = e->inum ? 2 : 1;
		return 0;
	}
	error = xw_put(a, e->index, e->name, e->namelen, e->val, e->size,
	    e->inum);
	if (error == 0 && e->inum)   /* keep an ea_inode entry's hash */
		memcpy(a->buf + a->ent - XW_ENT_LEN(e->namelen) + 12,
		    e->raw + 12, 4);
	return error;
}

static int xw_block_fn(void *arg, const struct ext2fs_xattr *e)
{
	struct xw_area *a = arg;

	if (xw_is_target(a, e))
		a->found = 2;
	return 0;
}

/*
 * Sets (val != NULL) or removes the attribute, as the flags allow
 * (XATTR_CREATE 1: must not exist; XATTR_REPLACE 2: must exist).
 */
static int xw_change(struct vnode *vp, const char *fullname, const void *val,
    size_t size, int flags)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;
	size_t start = EXT2_GOOD_OLD_INODE_SIZE + ip->extra_isize;
	struct xw_area a = { 0 };
	const char *suffix;
	int error;

	if (vp->v_mount->mnt_flags & MNT_RDONLY)
		return EROFS;
	if (fs->failed)
		return fs->failed;
	if ((error = xw_parse(fullname, &a.index, &suffix)) != 0)
		return error;
	a.name = suffix;
	a.namelen = strlen(suffix);
	if (fs->inode_size <= start + 4)
		return val ? ENOSPC : ENODATA;
	a.size = fs->inode_size - start;
	if ((a.buf = calloc(1, a.size)) == NULL)
		return ENOMEM;
	le32enc(a.buf, XATTR_MAGIC);
	a.ent = 4;
	a.vtop = a.size;
	error = ext2fs_xattr_walk_ibody(fs, ip, xw_keep_fn, &a);
	if (error == 0 && a.found == 0)
		error = ext2fs_xattr_walk_block(fs, ip, xw_block_fn, &a);
	if (error == 0 && a.found && (flags & 1) && val)
		error = EEXIST;
	else if (error == 0 && !a.found && ((flags & 2) || !val))
		error = ENODATA;
	else if (error == 0 && a.found == 2)
		error = EOPNOTSUPP;
	if (error == 0 && val)
		error = xw_put(&a, a.index, (const uint8_t *)a.name, a.namelen,
		    val, size, 0);
	if (error == 0) {
		/* no entry left: no area either */
		if (a.ent == 4)
			memset(a.buf, 0, a.size);
		memcpy(ip->raw + start, a.buf, a.size);
		ext2fs_itouch(fs, ip, ITOUCH_C);
		error = ext2fs_iupdate(fs, ip);
		error = error ? (ext2fs_commit(fs), error) : ext2fs_commit(fs);
	}
	free(a.buf);
	return error;
}

int ext2fs_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	return xw_change(vp, name, val ? val : "", len, flags);
}

int ext2fs_removexattr(struct vnode *vp, const char *name)
{
	return xw_change(vp, name, NULL, 0, 0);
}
