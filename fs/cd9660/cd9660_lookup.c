/* cd9660_lookup.c: finding a name in a directory, ".." included, and checking that directories form a tree. */
#include <errno.h>
#include <strings.h>
#include <string.h>

#include "fs/cd9660/cd9660.h"

/*
 * A directory found by name must point back at the directory it was found
 * in: its ".." record (or, for a directory relocated by Rock Ridge and
 * reached through CL, its PL entry) names the parent's extent, and it is
 * neither its parent's nor the root's extent. Since every directory has
 * one "..", a path that passes these checks never meets the same extent
 * twice: hostile images cannot make a lookup walk go round in circles.
 * The check also tells the child who its parent is, for "..".
 */
static int check_child(struct cd9660_mount *imp, struct vnode *dvp,
    struct vnode *vp)
{
	struct cd9660_node *dp = VTOI(dvp), *cp = VTOI(vp);
	struct cd9660_rec dot;
	uint32_t dotdot, pl, want;
	int error;

	if (cp->n_dirext == dp->n_dirext || cp->n_dirext == imp->im_root_extent)
		return vfs_corrupt(imp->im_mp, vp->v_ino, cp->n_dirext,
		    "directory cycle: an entry of the directory at block %u "
		    "points to block %u, %s", dp->n_dirext, cp->n_dirext,
		    cp->n_dirext == dp->n_dirext ? "itself" : "the root");
	error = cd9660_dir_head(imp, vp->v_ino, cp->n_dirext, &dot, &dotdot,
	    &pl);
	if (error)
		return error;
	want = cp->n_relocated ? pl : dotdot;
	/* libisofs points Joliet ".." records at the directory itself */
	if (imp->im_names == CD9660_JOLIET && want == cp->n_dirext)
		want = dp->n_dirext;
	if (want != dp->n_dirext)
		return vfs_corrupt(imp->im_mp, vp->v_ino, cp->n_dirext,
		    cp->n_relocated ? "relocated directory at block %u (Rock "
		    "Ridge CL): PL points to block %u, expected its parent at "
		    "block %u (CL cycle?)" : "directory at block %u: \"..\" "
		    "points to block %u, expected its parent at block %u",
		    cp->n_dirext, want, dp->n_dirext);
	cp->n_parent = dvp->v_ino;
	cd9660_dirmap_put(imp, cp->n_dirext, dvp->v_ino);
	return 0;
}

static int name_eq(struct cd9660_mount *imp, const struct cd9660_dirent *de,
    const char *name, size_t namelen)
{
	if (de->d_namelen != namelen)
		return 0;
	/* plain ISO 9660 names are upper case: let "readme.txt" find them */
	if (imp->im_names == CD9660_ISO)
		return strncasecmp(de->d_name, name, namelen) == 0;
	return memcmp(de->d_name, name, namelen) == 0;
}

/* The inode number of `name` in dp; ENOENT if absent. */
static int lookup_ino(struct cd9660_mount *imp, struct vnode *dvp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct cd9660_dirent de;
	uint64_t pos = 0;
	int error;

	while ((error = cd9660_dir_entry(imp, VTOI(dvp), dvp->v_ino, &pos,
	    &de)) == 0) {
		if (!de.d_dot && name_eq(imp, &de, name, namelen)) {
			*ino = de.d_rec.r_off;
			return 0;
		}
	}
	return error;
}

/*
 * Takes no reference on dvp; *vpp gets one reference (dvp itself again for
 * "."). Buffers are read and released inside the helpers.
 */
int cd9660_lookup(struct vnode *dvp, const char *name, size_t namelen,
    struct vnode **vpp)
{
	struct cd9660_mount *imp = VFSTOISO(dvp->v_mount);
	struct vnode *vp;
	uint64_t ino;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (namelen == 1 && name[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (namelen == 2 && name[0] == '.' && name[1] == '.') {
		if ((error = cd9660_parent(imp, dvp, &ino)) != 0)
			return error;
		return vfs_vget(dvp->v_mount, ino, vpp);
	}
	if ((error = lookup_ino(imp, dvp, name, namelen, &ino)) != 0)
		return error;
	if ((error = vfs_vget(dvp->v_mount, ino, &vp)) != 0)
		return error;
	if (vp->v_type == VDIR && (error = check_child(imp, dvp, vp)) != 0) {
		vrele(vp);
		return error;
	}
	*vpp = vp;
	return 0;
}
