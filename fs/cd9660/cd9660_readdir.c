/* cd9660_readdir.c: listing a directory: ".", "..", then the visible records in order. */
#include <errno.h>

#include "fs/cd9660/cd9660.h"

/*
 * The cookie is the byte offset in the directory of the next record to
 * list; "." and ".." are the directory's own first two records. Takes and
 * gives no references.
 */
int cd9660_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct cd9660_mount *imp = VFSTOISO(vp->v_mount);
	struct cd9660_dirent de;
	uint64_t pos = *cookie, ino;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	while ((error = cd9660_dir_entry(imp, VTOI(vp), vp->v_ino, &pos,
	    &de)) == 0) {
		ino = de.d_rec.r_off;
		if (de.d_dot == 1)
			ino = vp->v_ino;
		else if (de.d_dot == 2 &&
		    (error = cd9660_parent(imp, vp, &ino)) != 0)
			return error;
		/* A child directory's parent is this one: remembered, so a
		 * walk that reaches the child by inode number can list its
		 * ".." without trusting the child's own ".." record (which
		 * libisofs points at the directory itself in Joliet trees). */
		if (de.d_dot == 0 && (de.d_rec.r_flags & ISO_FL_DIR))
			cd9660_dirmap_put(imp, de.d_rec.r_extent, vp->v_ino);
		if (fill(arg, de.d_name, de.d_namelen, ino, de.d_type,
		    de.d_next))
			return 0;
		*cookie = de.d_next;
	}
	return error == ENOENT ? 0 : error;
}
