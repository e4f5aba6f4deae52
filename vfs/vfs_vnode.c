/* vfs_vnode.c: the per-mount vnode cache: one vnode per inode, references, reclaiming. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vfs/vfs.h"

/*
 * Invariant: every live vnode is in mp's hash table. One with v_usecount == 0
 * is also on the LRU list (head = most recently released); at most
 * VCACHE_FREE_MAX such vnodes are kept, then the oldest is reclaimed. A
 * referenced vnode is never reclaimed before unmount.
 */

#define VCACHE_FREE_MAX 4096
#define VCACHE_HASHSIZE 4096

static size_t vhash(uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) >> 40) &
	    (VCACHE_HASHSIZE - 1);
}

enum vtype vfs_mode_to_vtype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return VREG;
	case S_IFDIR: return VDIR;
	case S_IFLNK: return VLNK;
	case S_IFCHR: return VCHR;
	case S_IFBLK: return VBLK;
	case S_IFIFO: return VFIFO;
	case S_IFSOCK: return VSOCK;
	default: return VNON;
	}
}

static void lru_unlink(struct mount *mp, struct vnode *vp)
{
	if (vp->v_lruprev)
		vp->v_lruprev->v_lrunext = vp->v_lrunext;
	else
		mp->mnt_lruhead = vp->v_lrunext;
	if (vp->v_lrunext)
		vp->v_lrunext->v_lruprev = vp->v_lruprev;
	else
		mp->mnt_lrutail = vp->v_lruprev;
	vp->v_lrunext = vp->v_lruprev = NULL;
	mp->mnt_nfree--;
}

static void hash_unlink(struct mount *mp, struct vnode *vp)
{
	struct vnode **pp = &mp->mnt_vhash[vhash(vp->v_ino)];

	while (*pp != vp)
		pp = &(*pp)->v_hashnext;
	*pp = vp->v_hashnext;
	mp->mnt_nvnodes--;
}

static void vreclaim(struct mount *mp, struct vnode *vp)
{
	if (vp->v_usecount == 0)
		lru_unlink(mp, vp);
	hash_unlink(mp, vp);
	vp->v_op->vop_reclaim(vp);
	free(vp);
}

static int vcache_init(struct mount *mp)
{
	if (mp->mnt_vhash != NULL)
		return 0;
	mp->mnt_vhash = calloc(VCACHE_HASHSIZE, sizeof(*mp->mnt_vhash));
	if (mp->mnt_vhash == NULL)
		return ENOMEM;
	mp->mnt_vhashsize = VCACHE_HASHSIZE;
	return 0;
}

int vfs_vget(struct mount *mp, uint64_t ino, struct vnode **vpp)
{
	struct vnode *vp;
	int error;

	if ((error = vcache_init(mp)) != 0)
		return error;
	for (vp = mp->mnt_vhash[vhash(ino)]; vp; vp = vp->v_hashnext)
		if (vp->v_ino == ino) {
			vref(vp);
			*vpp = vp;
			return 0;
		}
	vp = calloc(1, sizeof(*vp));
	if (vp == NULL)
		return ENOMEM;
	vp->v_mount = mp;
	vp->v_ino = ino;
	error = mp->mnt_op->vfs_loadvnode(mp, vp, ino);
	if (error) {
		free(vp);
		return error;
	}
	vp->v_op = vfs_filled_ops(mp, vp->v_op);
	if (vp->v_op == NULL) {
		free(vp);
		return EINVAL;
	}
	vp->v_usecount = 1;
	vp->v_hashnext = mp->mnt_vhash[vhash(ino)];
	mp->mnt_vhash[vhash(ino)] = vp;
	mp->mnt_nvnodes++;
	*vpp = vp;
	return 0;
}

int vfs_root(struct mount *mp, struct vnode **vpp)
{
	uint64_t ino;
	int error;

	if ((error = mp->mnt_op->vfs_root(mp, &ino)) != 0)
		return error;
	return vfs_vget(mp, ino, vpp);
}

void vref(struct vnode *vp)
{
	if (vp->v_usecount++ == 0)
		lru_unlink(vp->v_mount, vp);
}

void vrele(struct vnode *vp)
{
	struct mount *mp = vp->v_mount;

	if (--vp->v_usecount > 0)
		return;
	vp->v_op->vop_inactive(vp);
	vp->v_lruprev = NULL;
	vp->v_lrunext = mp->mnt_lruhead;
	if (mp->mnt_lruhead)
		mp->mnt_lruhead->v_lruprev = vp;
	else
		mp->mnt_lrutail = vp;
	mp->mnt_lruhead = vp;
	mp->mnt_nfree++;
	while (mp->mnt_nfree > VCACHE_FREE_MAX)
		vreclaim(mp, mp->mnt_lrutail);
}

size_t vfs_vflush(struct mount *mp)
{
	struct vnode *vp;
	size_t i, busy = 0;

	if (mp->mnt_vhash == NULL)
		return 0;
	for (i = 0; i < mp->mnt_vhashsize; i++)
		while ((vp = mp->mnt_vhash[i]) != NULL) {
			if (vp->v_usecount > 0)
				busy++;
			vreclaim(mp, vp);
		}
	free(mp->mnt_vhash);
	mp->mnt_vhash = NULL;
	return busy;
}
