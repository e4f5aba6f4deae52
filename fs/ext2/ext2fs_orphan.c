/* ext2fs_orphan.c: files removed while still open: kept, on the superblock's orphan list, until their last reference goes. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * POSIX keeps a removed file's data for as long as it is open; through
 * FUSE "open" means the kernel still holds the node, so the vnode is still
 * referenced. Removing the last link therefore only marks the inode
 * (links 0, ip->orphan); vop_inactive frees it when the last reference
 * goes, as the kernel's own ext4 does at the last close.
 * In between, on a journaled file system, the inode is on the superblock's
 * orphan list (s_last_orphan, chained through each inode's i_dtime), so a
 * crash leaves something the kernel and e2fsck finish freeing at the next
 * mount, not a lost inode. Every inode on the list is referenced, so its
 * vnode is cached: the list is edited through the vnodes' own inodes, never
 * through a second copy that a later write of the first would undo.
 */
#define SB_LAST_ORPHAN 0xE8
#define I_DTIME        0x14
#define ORPHAN_WALK_MAX 1000000

static int orphan_listed(const struct ext2fs *fs)
{
	return (fs->compat & COMPAT_HAS_JOURNAL) != 0;
}

int ext2fs_orphan_add(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	ip->links = 0;
	ip->orphan = 1;
	if (orphan_listed(fs)) {
		le32enc(ip->raw + I_DTIME, le32dec(fs->sb + SB_LAST_ORPHAN));
		le32enc(fs->sb + SB_LAST_ORPHAN, (uint32_t)ip->ino);
		fs->sb_dirty = 1;
	}
	ext2fs_itouch(fs, ip, ITOUCH_C);
	return ext2fs_iupdate(fs, ip);
}

/* Takes ip out of the chain: its predecessor (or the superblock) skips it. */
static int orphan_unlink(struct ext2fs *fs, struct mount *mp,
    struct ext2fs_inode *ip)
{
	uint32_t next = le32dec(ip->raw + I_DTIME), cur;
	struct vnode *vp;
	struct ext2fs_inode *cip;
	unsigned long steps;
	int error;

	if (le32dec(fs->sb + SB_LAST_ORPHAN) == ip->ino) {
		le32enc(fs->sb + SB_LAST_ORPHAN, next);
		fs->sb_dirty = 1;
		return 0;
	}
	cur = le32dec(fs->sb + SB_LAST_ORPHAN);
	for (steps = 0; cur != 0 && steps < ORPHAN_WALK_MAX; steps++) {
		if (cur < fs->first_ino || cur > fs->inodes_count ||
		    cur == ip->ino)
			break;   /* damaged, or a loop back to ip itself */
		if ((error = vfs_vget(mp, cur, &vp)) != 0)
			return error;
		cip = vp->v_data;
		cur = le32dec(cip->raw + I_DTIME);
		if (cur == ip->ino) {
			le32enc(cip->raw + I_DTIME, next);
			error = ext2fs_iupdate(fs, cip);
			vrele(vp);
			return error;
		}
		vrele(vp);
	}
	/* not on the list (it was damaged): nothing to undo */
	return 0;
}

/* vop_inactive: an orphan's last reference went: free it now. */
void ext2fs_orphan_release(struct vnode *vp)
{
	struct ext2fs *fs = ext2fs_fs(vp->v_mount);
	struct ext2fs_inode *ip = vp->v_data;
	int error = 0;

	if (ip == NULL || !ip->orphan || fs->failed)
		return;
	ip->orphan = 0;
	if (orphan_listed(fs))
		error = orphan_unlink(fs, vp->v_mount, ip);
	if (error == 0)
		error = ext2fs_ifree_all(fs, ip);
	/* an error is kept by the transaction (fs->failed) for the next sync */
	ext2fs_commit(fs);
}
