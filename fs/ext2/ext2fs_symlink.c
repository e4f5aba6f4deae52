/* ext2fs_symlink.c: readlink for fast (in i_block), slow (in a data block) and inline symlinks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"

/*
 * A symlink is "fast" when its target sits in i_block: the kernel's test is
 * that the inode owns no blocks besides an xattr block. Otherwise the target
 * is the file's data, at most one block (and at most 4095 bytes + NUL).
 */
#define EXT2_SYMLINK_MAX 4096

static int ext2fs_is_fast_symlink(const struct ext2fs *fs,
    const struct ext2fs_inode *ip)
{
	uint64_t ea = ip->file_acl ? fs->bsize >> 9 : 0;

	if (ip->flags & IFL_EA_INODE)
		return ip->size < I_BLOCK_SIZE;
	return ip->blocks512 == ea;
}

/* vop_readlink: copies the target (no NUL); *len = its full length. */
int ext2fs_readlink(struct vnode *vp, char *buf, size_t bufsize,
    size_t *len)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;
	uint8_t *tmp;
	size_t done;
	int error;

	*len = 0;
	if (vp->v_type != VLNK)
		return EINVAL;
	if (ip->size == 0 || ip->size >= EXT2_SYMLINK_MAX ||
	    ip->size > fs->bsize)
		return vfs_corrupt(fs->mp, ip->ino, 0, "symlink length: expected "
		    "1..%u, found %llu", fs->bsize < EXT2_SYMLINK_MAX ? fs->bsize :
		    EXT2_SYMLINK_MAX - 1, (unsigned long long)ip->size);
	if (!(ip->flags & IFL_INLINE_DATA) && ext2fs_is_fast_symlink(fs, ip)) {
		if (ip->size >= I_BLOCK_SIZE)
			return vfs_corrupt(fs->mp, ip->ino, 0, "fast symlink "
			    "length: expected below 60, found %llu",
			    (unsigned long long)ip->size);
		*len = (size_t)ip->size;
		memcpy(buf, ip->iblock, *len < bufsize ? *len : bufsize);
		return 0;
	}
	tmp = malloc((size_t)ip->size);
	if (tmp == NULL)
		return ENOMEM;
	if (ip->flags & IFL_INLINE_DATA)
		error = ext2fs_inline_read(fs, ip, tmp, (size_t)ip->size, 0, &done);
	else
		error = ext2fs_read_inode_data(fs, ip, tmp, (size_t)ip->size, 0,
		    &done);
	if (error == 0 && done != ip->size)
		error = EIO;
	if (error == 0) {
		*len = done;
		memcpy(buf, tmp, done < bufsize ? done : bufsize);
	}
	free(tmp);
	return error;
}
