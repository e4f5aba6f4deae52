/* fs_table.c: the one table of drivers linked into the core; probing follows its order. */
#include "vfs/vfs.h"

extern const struct vfsops ext2fs_vfsops;
extern const struct vfsops msdosfs_vfsops;
extern const struct vfsops ffs_vfsops;
extern const struct vfsops cd9660_vfsops;

const struct vfsops *const vfs_drivers[] = {
	&ext2fs_vfsops,
	&ffs_vfsops,
	&cd9660_vfsops,
	&msdosfs_vfsops,
	NULL,
};
