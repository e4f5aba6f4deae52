/* ext2fs_inline.c: inline_data: small files and directories kept in i_block and the system.data xattr. */
#include <errno.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * An inline inode's contents are the 60 bytes of i_block followed by the
 * value of its in-inode "system.data" attribute. An inline directory starts
 * with the parent's inode number (4 bytes) instead of "." and ".." entries;
 * readdir makes those two up at cookies 0 and 1, and real entries keep
 * their byte offset in the concatenation (4 and up) as their cookie.
 */
#define INLINE_DOTDOT_SIZE 4

int ext2fs_inline_get(struct ext2fs *fs, struct ext2fs_inode *ip,
    const uint8_t **extra, size_t *extralen)
{
	int error;

	error = ext2fs_xattr_ibody_find(fs, ip, 7, "data", 4, extra, extralen);
	if (error == ENODATA) {
		*extra = NULL;
		*extralen = 0;
		error = 0;
	}
	return error;
}

int ext2fs_inline_read(struct ext2fs *fs, struct ext2fs_inode *ip,
    void *buf, size_t len, uint64_t off, size_t *done)
{
	const uint8_t *extra;
	size_t extralen, n = 0;
	uint8_t *dst = buf;
	int error;

	*done = 0;
	error = ext2fs_inline_get(fs, ip, &extra, &extralen);
	if (error)
		return error;
	if (off >= ip->size)
		return 0;
	if (len > ip->size - off)
		len = (size_t)(ip->size - off);
	/* Bytes past the inline area read as zeros, as in the kernel
	 * (mke2fs makes inline files of any size that hold no data). */
	while (n < len) {
		uint64_t at = off + n;
		size_t k = len - n;
		if (at < I_BLOCK_SIZE) {
			k = I_BLOCK_SIZE - (size_t)at < k ? I_BLOCK_SIZE - (size_t)at : k;
			memcpy(dst + n, ip->iblock + at, k);
		} else if (at - I_BLOCK_SIZE < extralen) {
			size_t x = (size_t)(at - I_BLOCK_SIZE);
			k = extralen - x < k ? extralen - x : k;
			memcpy(dst + n, extra + x, k);
		} else
			memset(dst + n, 0, k);
		n += k;
	}
	*done = len;
	return 0;
}

static int ext2fs_inline_parent(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t *ino)
{
	*ino = le32dec(dp->iblock);
	if (*ino == 0 || *ino > fs->inodes_count)
		return vfs_corrupt(fs->mp, dp->ino, 0, "inline directory parent: "
		    "expected inode 1..%u, found %llu", fs->inodes_count,
		    (unsigned long long)*ino);
	return 0;
}

int ext2fs_inline_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	const uint8_t *extra;
	size_t extralen;
	int error;

	if (namelen == 1 && name[0] == '.') {
		*ino = dp->ino;
		return 0;
	}
	if (namelen == 2 && name[0] == '.' && name[1] == '.')
		return ext2fs_inline_parent(fs, dp, ino);
	error = ext2fs_inline_get(fs, dp, &extra, &extralen);
	if (error)
		return error;
	error = ext2fs_dirent_search(fs, dp, 0, dp->iblock + INLINE_DOTDOT_SIZE,
	    I_BLOCK_SIZE - INLINE_DOTDOT_SIZE, name, namelen, ino);
	if (error == ENOENT && extralen > 0)
		error = ext2fs_dirent_search(fs, dp, 0, extra, extralen, name,
		    namelen, ino);
	return error;
}

int ext2fs_inline_readdir(struct vnode *vp, uint64_t *cookie,
    vfs_filldir_t fill, void *arg)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *dp = vp->v_data;
	/* inline directories keep no "." entry: one naming itself is corrupt */
	struct ext2fs_rd rd = { fs, dp->ino, 0, INLINE_DOTDOT_SIZE, *cookie, 0,
	    fill, arg };
	const uint8_t *extra;
	size_t extralen;
	uint64_t parent;
	int error;

	error = ext2fs_inline_get(fs, dp, &extra, &extralen);
	if (error == 0)
		error = ext2fs_inline_parent(fs, dp, &parent);
	if (error)
		return error;
	if (*cookie == 0) {
		if (fill(arg, ".", 1, dp->ino, VDIR, 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		if (fill(arg, "..", 2, parent, VDIR, INLINE_DOTDOT_SIZE))
			return 0;
		*cookie = INLINE_DOTDOT_SIZE;
	}
	rd.pos = *cookie;
	error = ext2fs_dirent_walk(fs, dp, 0, dp->iblock + INLINE_DOTDOT_SIZE,
	    I_BLOCK_SIZE - INLINE_DOTDOT_SIZE, ext2fs_readdir_fn, &rd);
	if (error == 0 && extralen > 0) {
		rd.base = I_BLOCK_SIZE;
		error = ext2fs_dirent_walk(fs, dp, 0, extra, extralen,
		    ext2fs_readdir_fn, &rd);
	}
	if (error == -1) {
		*cookie = rd.stop;
		return 0;
	}
	if (error == 0)
		*cookie = I_BLOCK_SIZE + extralen;
	return error;
}
