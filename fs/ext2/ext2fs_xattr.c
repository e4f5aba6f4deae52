/* ext2fs_xattr.c: extended attributes: in-inode area and xattr block, walking them, list and get. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Attributes live after the inode's extra fields (magic, then entries whose
 * values are addressed from the first entry) and in one shared block (a
 * 32-byte header, entries, values addressed from the block start). With
 * ea_inode a large value lives in the data of its own inode. Every entry and
 * value is bounds-checked against its region before it is looked at.
 */
#define XATTR_VALUE_MAX 65536
#define XATTR_INDEX_SYSTEM 7


static const char *const xa_prefix[9] = {
	NULL, "user.", "system.posix_acl_access", "system.posix_acl_default",
	"trusted.", NULL, "security.", "system.", "system.richacl",
};

/* Walks entries in [p, end); values lie in [vbase, vend). */
static int xa_walk_region(struct ext2fs *fs, uint64_t ino, uint64_t blk,
    const uint8_t *p, const uint8_t *end, const uint8_t *vbase,
    const uint8_t *vend, ext2fs_xattr_fn fn, void *arg)
{
	int error;

	while (end - p >= 4 && le32dec(p) != 0) {
		struct ext2fs_xattr e;
		size_t elen, off;
		if (end - p < XATTR_ENTRY_SIZE ||
		    (size_t)(end - p) < (elen = (XATTR_ENTRY_SIZE + p[0] + 3) &
		    ~3u))
			return vfs_corrupt(fs->mp, ino, blk, "xattr entry: "
			    "expected it inside its area, found it overrunning");
		e.namelen = p[0];
		e.index = p[1];
		off = le16dec(p + 2);
		e.inum = le32dec(p + 4);
		e.size = le32dec(p + 8);
		e.hash = le32dec(p + 12);
		e.name = p + XATTR_ENTRY_SIZE;
		e.raw = p;
		e.val = NULL;
		if (e.inum == 0 && (off > (size_t)(vend - vbase) ||
		    e.size > (size_t)(vend - vbase) - off))
			return vfs_corrupt(fs->mp, ino, blk, "xattr value: "
			    "expected within %zu bytes, found offset %zu size %u",
			    (size_t)(vend - vbase), off, e.size);
		if (e.inum == 0)
			e.val = vbase + off;
		else if (!(fs->incompat & INCOMPAT_EA_INODE) ||
		    e.size > XATTR_VALUE_MAX)
			return vfs_corrupt(fs->mp, ino, blk, "xattr value inode: "
			    "expected ea_inode and at most 64 KiB, found inode %u "
			    "size %u", e.inum, e.size);
		error = fn(arg, &e);
		if (error)
			return error;
		p += elen;
	}
	return 0;
}

/* The in-inode area, if the inode has one with the magic number. */
int ext2fs_xattr_walk_ibody(struct ext2fs *fs, struct ext2fs_inode *ip,
    ext2fs_xattr_fn fn, void *arg)
{
	const uint8_t *p = ip->raw + EXT2_GOOD_OLD_INODE_SIZE + ip->extra_isize;
	const uint8_t *end = ip->raw + fs->inode_size;

	if (fs->inode_size <= EXT2_GOOD_OLD_INODE_SIZE || end - p < 4 ||
	    le32dec(p) != XATTR_MAGIC)
		return 0;
	return xa_walk_region(fs, ip->ino, 0, p + 4, end, p + 4, end, fn, arg);
}

int ext2fs_xattr_walk_block(struct ext2fs *fs, struct ext2fs_inode *ip,
    ext2fs_xattr_fn fn, void *arg)
{
	struct buf *bp;
	const uint8_t *d;
	int error;

	if (ip->file_acl == 0)
		return 0;
	if (ip->file_acl < fs->first_data_block)
		return vfs_corrupt(fs->mp, ip->ino, ip->file_acl, "xattr block: "
		    "expected a data block, found %llu",
		    (unsigned long long)ip->file_acl);
	error = ext2fs_bread(fs, ip->ino, ip->file_acl, &bp);
	if (error)
		return error;
	d = bp->b_data;
	if (le32dec(d) != XATTR_MAGIC || le32dec(d + 8) != 1) {
		error = vfs_corrupt(fs->mp, ip->ino, ip->file_acl, "xattr block "
		    "header: expected magic 0xea020000 and 1 block, found "
		    "0x%08x and %u", le32dec(d), le32dec(d + 8));
		goto out;
	}
	error = ext2fs_xattr_csum_verify(fs, ip->ino, ip->file_acl, d);
	if (error == 0)
		error = xa_walk_region(fs, ip->ino, ip->file_acl,
		    d + XATTR_HDR_SIZE, d + fs->bsize, d, d + fs->bsize, fn, arg);
out:
	brelse(bp);
	return error;
}

static int xa_walk(struct ext2fs *fs, struct ext2fs_inode *ip, ext2fs_xattr_fn fn,
    void *arg)
{
	int error = ext2fs_xattr_walk_ibody(fs, ip, fn, arg);

	return error ? error : ext2fs_xattr_walk_block(fs, ip, fn, arg);
}

/* Full name of an entry; "" for namespaces we do not show. */
static size_t xa_fullname(const struct ext2fs_xattr *e, char *out)
{
	const char *pre = e->index < 9 ? xa_prefix[e->index] : NULL;
	size_t pl;

	if (pre == NULL || (e->index == XATTR_INDEX_SYSTEM &&
	    e->namelen == 4 && memcmp(e->name, "data", 4) == 0))
		return 0;       /* unknown, or system.data (inline file data) */
	pl = strlen(pre);
	memcpy(out, pre, pl);
	memcpy(out + pl, e->name, e->namelen);
	out[pl + e->namelen] = '\0';
	return pl + e->namelen;
}

struct xa_list {
	char *buf;
	size_t bufsize, len;
};

static int xa_list_fn(void *arg, const struct ext2fs_xattr *e)
{
	struct xa_list *l = arg;
	char name[300];
	size_t n = xa_fullname(e, name);

	if (n == 0)
		return 0;
	if (l->len + n + 1 <= l->bufsize)
		memcpy(l->buf + l->len, name, n + 1);
	l->len += n + 1;
	return 0;
}

/* vop_listxattr: NUL-separated names; *len = bytes needed. */
int ext2fs_listxattr(struct vnode *vp, char *buf, size_t bufsize,
    size_t *len)
{
	struct xa_list l = { buf, bufsize, 0 };
	int error;

	error = xa_walk(ext2fs_fs(vp->v_mount), vp->v_data, xa_list_fn, &l);
	*len = l.len;
	if (error)
		return error;
	return bufsize != 0 && l.len > bufsize ? ERANGE : 0;
}

struct xa_get {
	struct ext2fs *fs;
	uint64_t ino;
	const char *name;
	uint8_t *buf;
	size_t bufsize, len;
	int found;
};

/* A value stored in its own inode (ea_inode): read its data. */
static int xa_get_inode(struct xa_get *g, const struct ext2fs_xattr *e,
    uint8_t *dst)
{
	struct ext2fs_inode *vip;
	size_t done;
	int error;

	error = ext2fs_iget(g->fs, e->inum, &vip);
	if (error)
		return error;
	if (!(vip->flags & IFL_EA_INODE) || vip->size != e->size)
		error = vfs_corrupt(g->fs->mp, e->inum, 0, "xattr value inode: "
		    "expected the ea_inode flag and size %u, found flags 0x%x "
		    "size %llu", e->size, vip->flags,
		    (unsigned long long)vip->size);
	else
		error = ext2fs_read_inode_data(g->fs, vip, dst, e->size, 0,
		    &done);
	if (error == 0 && done != e->size)
		error = EIO;
	ext2fs_iput(vip);
	return error;
}

static int xa_get_fn(void *arg, const struct ext2fs_xattr *e)
{
	struct xa_get *g = arg;
	char name[300];
	uint8_t *tmp = NULL;
	const uint8_t *val = e->val;
	int error = 0;

	if (xa_fullname(e, name) == 0 || strcmp(name, g->name) != 0)
		return 0;
	g->found = 1;
	if (val == NULL) {
		tmp = malloc(e->size ? e->size : 1);
		if (tmp == NULL)
			return ENOMEM;
		error = xa_get_inode(g, e, tmp);
		val = tmp;
	}
	if (error == 0 && (e->index == 2 || e->index == 3)) {
		error = ext2fs_xattr_to_posix_acl(val, e->size, g->buf,
		    g->bufsize, &g->len);
		if (error == EUCLEAN)
			error = vfs_corrupt(g->fs->mp, g->ino, 0, "%s: expected a "
			    "version 1 POSIX ACL, found a malformed value", name);
	}
	else if (error == 0) {
		g->len = e->size;
		if (g->bufsize >= e->size)
			memcpy(g->buf, val, e->size);
	}
	free(tmp);
	return error ? error : -1;
}

/* vop_getxattr: copies the value if it fits; *len = its size. */
int ext2fs_getxattr(struct vnode *vp, const char *name, void *buf,
    size_t bufsize, size_t *len)
{
	struct xa_get g = { ext2fs_fs(vp->v_mount), vp->v_ino, name, buf,
	    bufsize, 0, 0 };
	int error;

	*len = 0;
	error = xa_walk(g.fs, vp->v_data, xa_get_fn, &g);
	if (error != -1 && error != 0)
		return error;
	if (!g.found)
		return ENODATA;
	*len = g.len;
	return bufsize != 0 && g.len > bufsize ? ERANGE : 0;
}

struct xa_find {
	unsigned index;
	const char *name;
	size_t namelen;
	const uint8_t *val;
	size_t vallen;
};

static int xa_find_fn(void *arg, const struct ext2fs_xattr *e)
{
	struct xa_find *f = arg;

	if (e->index != f->index || e->namelen != f->namelen || e->val == NULL ||
	    memcmp(e->name, f->name, f->namelen) != 0)
		return 0;
	f->val = e->val;
	f->vallen = e->size;
	return -1;
}

int ext2fs_xattr_ibody_find(struct ext2fs *fs, struct ext2fs_inode *ip,
    unsigned index, const char *name, size_t namelen, const uint8_t **val,
    size_t *vallen)
{
	struct xa_find f = { index, name, namelen, NULL, 0 };
	int error;

	error = ext2fs_xattr_walk_ibody(fs, ip, xa_find_fn, &f);
	if (error == -1) {
		*val = f.val;
		*vallen = f.vallen;
		return 0;
	}
	return error ? error : ENODATA;
}
