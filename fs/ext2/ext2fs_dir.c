/* ext2fs_dir.c: directory blocks: entry validation, readdir by byte offset, linear lookup. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/* A directory block, its checksum verified (a leaf's; htree nodes are
 * verified where they are parsed). */
int ext2fs_dirblock_read(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, struct buf **bpp)
{
	uint64_t pblk, run;
	int error;

	*bpp = NULL;
	error = ext2fs_bmap(fs, ip, lblk, &pblk, &run);
	if (error || pblk == 0)
		return error;
	error = ext2fs_bread(fs, ip->ino, pblk, bpp);
	if (error)
		return error;
	/* A leaf's checksum is verified once per read from the disk (the
	 * note names the directory: the checksum is seeded with its inode). */
	if (ext2fs_has_csum(fs) && (*bpp)->b_verified != ip->ino + 1 &&
	    !ext2fs_is_dx_node(fs, ip, lblk, (*bpp)->b_data)) {
		error = ext2fs_dirleaf_csum_verify(fs, ip, pblk, (*bpp)->b_data);
		if (error) {
			brelse(*bpp);
			*bpp = NULL;
		} else {
			(*bpp)->b_verified = ip->ino + 1;
		}
	}
	return error;
}

/* rec_len as stored; 64 KiB blocks fold the 17th bit into the low two. */
size_t ext2fs_rec_len(const struct ext2fs *fs, const uint8_t *d)
{
	unsigned len = le16dec(d + 4);

	if (fs->bsize < 65536)
		return len;
	if (len == 65535 || len == 0)
		return 65536;
	return (len & 65532) | ((len & 3) << 16);
}

void ext2fs_set_rec_len(const struct ext2fs *fs, uint8_t *d, size_t len)
{
	if (fs->bsize >= 65536 && len == 65536)
		le16enc(d + 4, 65535);
	else if (fs->bsize >= 65536)
		le16enc(d + 4, (uint16_t)((len & 65532) | ((len >> 16) & 3)));
	else
		le16enc(d + 4, (uint16_t)len);
}

/* One entry at off, checked against the rules e2fsck enforces. Nothing is
 * decoded before we know its 8-byte header lies inside the region. */
static int ext2fs_dirent_check(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t blk, const uint8_t *d, size_t off, size_t len)
{
	size_t reclen = len - off >= 8 ? ext2fs_rec_len(fs, d) : 0;
	unsigned namelen = len - off >= 8 ? d[6] : 0;
	uint32_t ino;

	if (len - off < 8 || reclen < DIRENT_MIN_SIZE || reclen % 4 ||
	    reclen > len - off || (size_t)namelen + 8 > reclen)
		return vfs_corrupt(fs->mp, dp->ino, blk, "directory entry at "
		    "%zu: expected rec_len 12..%zu, a multiple of 4 holding the "
		    "name, found rec_len %zu name_len %u", off, len - off,
		    reclen, namelen);
	ino = le32dec(d);
	if (ino > fs->inodes_count)
		return vfs_corrupt(fs->mp, dp->ino, blk, "directory entry at "
		    "%zu: expected inode 1..%u, found %u", off,
		    fs->inodes_count, ino);
	if (ino != 0 && (namelen == 0 || memchr(d + 8, '/', namelen) ||
	    memchr(d + 8, '\0', namelen)))
		return vfs_corrupt(fs->mp, dp->ino, blk, "directory entry at "
		    "%zu: expected a name without '/' or NUL, found %u bytes",
		    off, namelen);
	return 0;
}

int ext2fs_dirent_walk(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t blk, const uint8_t *data, size_t len, ext2fs_dirent_fn fn,
    void *arg)
{
	size_t off = 0;
	int error;

	while (off < len) {
		const uint8_t *d = data + off;
		size_t reclen;
		error = ext2fs_dirent_check(fs, dp, blk, d, off, len);
		if (error)
			return error;
		reclen = ext2fs_rec_len(fs, d);
		error = fn(arg, off, le32dec(d), d + 8, d[6], d[7], reclen);
		if (error)
			return error;
		off += reclen;
	}
	return 0;
}

int ext2fs_ftype_to_vtype(const struct ext2fs *fs, unsigned ftype)
{
	static const enum vtype map[8] = { VNON, VREG, VDIR, VCHR, VBLK,
	    VFIFO, VSOCK, VLNK };

	if (!(fs->incompat & INCOMPAT_FILETYPE) || ftype >= 8)
		return VNON;
	return map[ftype];
}

struct ext2fs_search {
	const char *name;
	size_t namelen;
	uint64_t ino;
};

static int ext2fs_search_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	struct ext2fs_search *s = arg;

	if (ino != 0 && namelen == s->namelen &&
	    memcmp(name, s->name, namelen) == 0) {
		s->ino = ino;
		return -1;      /* found: stop the walk */
	}
	return 0;
}

int ext2fs_dirent_search(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t blk, const uint8_t *data, size_t len, const char *name,
    size_t namelen, uint64_t *ino)
{
	struct ext2fs_search s = { name, namelen, 0 };
	int error;

	error = ext2fs_dirent_walk(fs, dp, blk, data, len, ext2fs_search_fn, &s);
	if (error == -1) {
		*ino = s.ino;
		return 0;
	}
	return error ? error : ENOENT;
}

/* Every block in order; holes are skipped (the kernel does the same). */
int ext2fs_dirblocks_each(struct ext2fs *fs, struct ext2fs_inode *dp,
    ext2fs_dirblock_fn fn, void *arg)
{
	uint64_t nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize, lblk;
	struct buf *bp;
	int error;

	for (lblk = 0; lblk < nblocks; lblk++) {
		uint64_t pblk, run;
		error = ext2fs_bmap(fs, dp, lblk, &pblk, &run);
		if (error)
			return error;
		if (pblk == 0) {
			lblk += run - 1;
			continue;
		}
		error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
		if (error)
			return error;
		error = fn(arg, pblk, bp->b_data);
		brelse(bp);
		if (error)
			return error;
	}
	return 0;
}

struct linear_search {
	struct ext2fs *fs;
	struct ext2fs_inode *dp;
	const char *name;
	size_t namelen;
	uint64_t ino;
};

/* -1: found (stop); 0: not in this block; or the block's error. */
static int linear_search_fn(void *arg, uint64_t pblk, const uint8_t *data)
{
	struct linear_search *ls = arg;
	int error = ext2fs_dirent_search(ls->fs, ls->dp, pblk, data,
	    ls->fs->bsize, ls->name, ls->namelen, &ls->ino);

	return error == 0 ? -1 : error == ENOENT ? 0 : error;
}

static int ext2fs_linear_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct linear_search ls = { fs, dp, name, namelen, 0 };
	int error = ext2fs_dirblocks_each(fs, dp, linear_search_fn, &ls);

	if (error == -1) {
		*ino = ls.ino;
		return 0;
	}
	return error ? error : ENOENT;
}

/* "." or ".." (which is the directory itself at the root). */
static int ext2fs_is_dot(const char *name, size_t namelen)
{
	return name[0] == '.' && (namelen == 1 || (namelen == 2 &&
	    name[1] == '.'));
}

/* Turns a found entry into a vnode, refusing a directory inside itself. */
int ext2fs_child(struct vnode *dvp, uint64_t ino, const char *name,
    size_t namelen, struct vnode **vpp)
{
	if (ino == dvp->v_ino && !ext2fs_is_dot(name, namelen))
		return vfs_corrupt(dvp->v_mount, dvp->v_ino, 0, "directory "
		    "entry '%.*s': expected another inode, found the directory "
		    "itself", (int)namelen, name);
	return vfs_vget(dvp->v_mount, ino, vpp);
}

/* vop_lookup: *vpp gets a new reference; no buffers stay held. */
int ext2fs_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp)
{
	struct ext2fs *fs = ext2fs_fs(dvp->v_mount);
	struct ext2fs_inode *dp = dvp->v_data;
	uint64_t ino = 0;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (namelen == 0)
		return ENOENT;
	if (namelen > VFS_NAME_MAX)
		return ENAMETOOLONG;
	if (dp->flags & IFL_INLINE_DATA)
		error = ext2fs_inline_lookup(fs, dp, name, namelen, &ino);
	else {
		error = ext2fs_htree_lookup(fs, dp, name, namelen, &ino);
		if (error == ENOTSUP)
			error = ext2fs_dcache_lookup(fs, dp, name, namelen, &ino);
		if (error == ENOTSUP)
			error = ext2fs_linear_lookup(fs, dp, name, namelen, &ino);
	}
	if (error)
		return error;
	return ext2fs_child(dvp, ino, name, namelen, vpp);
}

/* Hands one directory entry to readdir's caller (block and inline dirs). */
int ext2fs_readdir_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	struct ext2fs_rd *rd = arg;
	uint64_t at = rd->base + off;

	if (ino == 0 || at < rd->pos)
		return 0;
	if (ino == rd->dirino &&
	    !(rd->dots && ext2fs_is_dot((const char *)name, namelen)))
		return vfs_corrupt(rd->fs->mp, rd->dirino, 0, "directory entry "
		    "'%.*s': expected another inode, found the directory itself",
		    (int)namelen, name);
	if (rd->fill(rd->arg, (const char *)name, namelen, ino,
	    (enum vtype)ext2fs_ftype_to_vtype(rd->fs, ftype), at + reclen)) {
		rd->stop = at;
		return -1;
	}
	return 0;
}

/* vop_readdir: the cookie is a byte offset; htree nodes read as empty. */
int ext2fs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *dp = vp->v_data;
	struct ext2fs_rd rd = { fs, dp->ino, 1, 0, *cookie, 0, fill, arg };
	struct buf *bp;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (dp->flags & IFL_INLINE_DATA)
		return ext2fs_inline_readdir(vp, cookie, fill, arg);
	while (rd.pos < dp->size) {
		uint64_t lblk = rd.pos >> fs->log_bsize, pblk, run;
		error = ext2fs_bmap(fs, dp, lblk, &pblk, &run);
		if (error)
			return error;
		if (pblk == 0) {
			rd.pos = (lblk + run) << fs->log_bsize;
			continue;
		}
		error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
		if (error)
			return error;
		rd.base = lblk << fs->log_bsize;
		error = ext2fs_dirent_walk(fs, dp, pblk, bp->b_data, fs->bsize,
		    ext2fs_readdir_fn, &rd);
		brelse(bp);
		if (error == -1) {
			*cookie = rd.stop;
			return 0;
		}
		if (error)
			return error;
		rd.pos = (lblk + 1) << fs->log_bsize;
		*cookie = rd.pos;
	}
	*cookie = rd.pos;
	return 0;
}
