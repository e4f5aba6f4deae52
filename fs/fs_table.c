/* fs_table.c: the one table of drivers linked into the core; probing follows its order. */
#include "vfs/vfs.h"

extern const struct vfsops ext2fs_vfsops;

const struct vfsops *const vfs_drivers[] = {
	&ext2fs_vfsops,
	NULL,
};
