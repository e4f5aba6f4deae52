/* ext2fs_vnops.c: the ext2/3/4 vnode operations table (read-only for now) and reclaim. */
#include "fs/ext2/ext2fs.h"

/* vop_reclaim: frees the in-memory inode; the vnode cache owns the vnode. */
static void ext2fs_reclaim(struct vnode *vp)
{
	ext2fs_iput(vp->v_data);
	vp->v_data = NULL;
}

/* Empty slots (every change) answer EROFS/EOPNOTSUPP through the VFS. */
const struct vnodeops ext2fs_vnodeops = {
	.vop_lookup = ext2fs_lookup,
	.vop_getattr = ext2fs_getattr,
	.vop_read = ext2fs_read,
	.vop_readdir = ext2fs_readdir,
	.vop_readlink = ext2fs_readlink,
	.vop_reclaim = ext2fs_reclaim,
	.vop_getxattr = ext2fs_getxattr,
	.vop_listxattr = ext2fs_listxattr,
};
