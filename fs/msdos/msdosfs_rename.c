/* msdosfs_rename.c: rename within and across directories, over an existing name, keeping each file's identity. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"

/*
 * A rename never copies data: the file's entry (its cluster, size, times
 * and attributes) is written under the new name, then the old slots are
 * marked deleted. Over an existing name, the target's short entry is
 * rewritten in place, so no allocation can fail half-way. The vnode keeps
 * its inode number (msdosfs_ident.c records the file's new location); a
 * directory's number is its first cluster and does not change, but its
 * ".." must name the new parent.
 */

#define RENAME_NOREPLACE_FLAG 0x1

/* Is directory cluster `cl` tdp itself or one of tdp's ancestors? */
static int is_ancestor(struct msdosfs *fs, uint32_t cl, struct denode *tdp,
    int *yes)
{
	struct denode tmp;
	uint32_t cur = tdp->loc == 0 ? 0 : tdp->start, steps;
	int error;

	*yes = 0;
	for (steps = 0; cur != 0 && steps < fs->nclusters; steps++) {
		if (cur == cl) {
			*yes = 1;
			return 0;
		}
		memset(&tmp, 0, sizeof(tmp));
		tmp.fs = fs, tmp.isdir = 1, tmp.start = cur, tmp.loc = 1;
		tmp.size = DIR_MAX_BYTES;
		if ((error = msdosfs_parent_cluster(&tmp, &cur)) != 0)
			return error;
		if (fs->fattype == 32 && cur == fs->rootclus)
			cur = 0;
	}
	if (cur != 0)
		return vfs_corrupt(fs->mp, tdp->start, 0, "\"..\" entries "
		    "form a loop above cluster %u", tdp->start);
	return 0;
}

/* Points a moved directory's ".." at its new parent (0 = the root). */
static int set_dotdot(struct msdosfs *fs, struct denode *dep, uint32_t parent)
{
	struct buf *bp;
	int error;

	error = bread(fs->bc, msdosfs_clustoff(fs, dep->start), fs->csize, &bp);
	if (error)
		return error;
	if (memcmp(bp->b_data + DIR_SIZE, "..         ", 11) != 0) {
		brelse(bp);
		return vfs_corrupt(fs->mp, dep->start, 0, "directory at "
		    "cluster %u: expected \"..\" as its second entry",
		    dep->start);
	}
	msdosfs_de_set_start(fs, bp->b_data + DIR_SIZE, parent);
	bdwrite(bp);
	return 0;
}

/* The source's entry under the target's name, in the target's slot. */
static int replace_target(struct denode *tdp, struct msdosfs_dirent *tent,
    struct vnode *fvp)
{
	struct vnode *tvp;
	uint8_t de[DIR_SIZE];
	int error, empty = 1;

	if ((error = msdosfs_entry_vget(tdp, tent, &tvp)) != 0)
		return error;
	if (fvp->v_type == VDIR && tvp->v_type != VDIR)
		error = ENOTDIR;
	else if (fvp->v_type != VDIR && tvp->v_type == VDIR)
		error = EISDIR;
	else if (tvp->v_type == VDIR &&
	    (error = msdosfs_dir_empty(VTODE(tvp), &empty)) == 0 && !empty)
		error = ENOTEMPTY;
	if (error == 0) {
		memcpy(de, VTODE(fvp)->de, DIR_SIZE);
		memcpy(de, tent->de, 11);
		de[DIR_NTRES] = tent->de[DIR_NTRES];
		error = msdosfs_de_put(tdp->fs, tent->loc, de);
		memcpy(tent->de, de, DIR_SIZE);
	}
	if (error == 0)
		error = msdosfs_node_destroy(tvp);
	vrele(tvp);
	return error;
}

/* Where the source's entry goes: over the target, or a new entry. */
static int place_entry(struct denode *fdp, struct msdosfs_dirent *fent,
    struct denode *tdp, const uint16_t *tu, size_t tn, unsigned flags,
    struct vnode *fvp, struct msdosfs_dirent *tent)
{
	int error = msdosfs_dir_find(tdp, tu, tn, tent);

	if (error == 0 && tent->loc == fent->loc) {
		/* the same file under another spelling (case, short name):
		 * it gets a new entry with the new spelling */
		error = ENOENT;
	} else if (error == 0 && (flags & RENAME_NOREPLACE_FLAG)) {
		return EEXIST;
	} else if (error == 0) {
		return replace_target(tdp, tent, fvp);
	}
	if (error != ENOENT)
		return error;
	return msdosfs_dirent_create(tdp, tu, tn, VTODE(fvp)->de, tent);
}

/* Moves the vnode's identity and, for a directory, its "..". */
static int finish_move(struct denode *tdp, struct vnode *fvp,
    const struct msdosfs_dirent *tent, int crossdir)
{
	struct denode *dep = VTODE(fvp);
	struct msdosfs *fs = dep->fs;

	dep->loc = tent->loc;
	memcpy(dep->de, tent->de, DIR_SIZE);
	if (fvp->v_type != VDIR) {
		msdosfs_id_moved(fs, fvp->v_ino, tent->loc);
		return 0;
	}
	if (!crossdir)
		return 0;
	return set_dotdot(fs, dep, tdp->loc == 0 ? 0 : tdp->start);
}

static int is_dotname(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.');
}

int msdosfs_rename(struct vnode *fdvp, const char *fname, size_t fnamelen,
    struct vnode *tdvp, const char *tname, size_t tnamelen, unsigned flags)
{
	struct denode *fdp = VTODE(fdvp), *tdp = VTODE(tdvp);
	struct msdosfs *fs = fdp->fs;
	struct msdosfs_dirent *fent = NULL, *tent = NULL;
	struct vnode *fvp = NULL;
	uint16_t fu[LFN_MAX_UNITS], tu[LFN_MAX_UNITS];
	size_t fn, tn;
	int error, inside;

	if (fs->rdonly)
		return EROFS;
	if (fdp == tdp && fnamelen == tnamelen &&
	    memcmp(fname, tname, fnamelen) == 0)
		return 0;   /* a rename to itself does nothing */
	if ((flags & ~RENAME_NOREPLACE_FLAG) || is_dotname(fname, fnamelen) ||
	    is_dotname(tname, tnamelen))
		return EINVAL;
	if ((error = msdosfs_name16(fname, fnamelen, fu, &fn)) != 0 ||
	    (error = msdosfs_new_name(tname, tnamelen, tu, &tn)) != 0)
		return error;
	fent = malloc(sizeof(*fent));
	tent = malloc(sizeof(*tent));
	if (fent == NULL || tent == NULL) {
		error = ENOMEM;
		goto bad;
	}
	if ((error = msdosfs_dir_find(fdp, fu, fn, fent)) != 0 ||
	    (error = msdosfs_entry_vget(fdp, fent, &fvp)) != 0)
		goto bad;
	if (fvp->v_type == VDIR) {
		if ((error = is_ancestor(fs, VTODE(fvp)->start, tdp,
		    &inside)) != 0)
			goto bad;
		if (inside) {
			error = EINVAL;
			goto bad;
		}
	}
	error = place_entry(fdp, fent, tdp, tu, tn, flags, fvp, tent);
	if (error == 0)
		error = msdosfs_dirent_remove(fdp, fent);
	if (error == 0)
		error = finish_move(tdp, fvp, tent, fdp != tdp);
	if (error == 0) {
		msdosfs_de_times(fdp, 1, 0);
		msdosfs_de_write(fdp);
		msdosfs_de_times(tdp, 1, 0);
		msdosfs_de_write(tdp);
	}
bad:
	if (fvp)
		vrele(fvp);
	free(fent);
	free(tent);
	return error;
}
