/* fuzz_write.c: libFuzzer harness: mount the input read-write as FUZZ_FSTYPE and change it the ways the shell can. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

#define NAME(s) (s), (sizeof(s) - 1)

/* The first entry of the root other than "." and "..", to change it too. */
struct first {
	char name[VFS_NAME_MAX + 1];
	int found;
};

static int first_name(void *arg, const char *name, size_t namelen,
    uint64_t ino, enum vtype type, uint64_t next)
{
	struct first *f = arg;

	(void)ino;
	(void)type;
	(void)next;
	if ((namelen == 1 && name[0] == '.') ||
	    (namelen == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (namelen > VFS_NAME_MAX)
		namelen = VFS_NAME_MAX;
	memcpy(f->name, name, namelen);
	f->name[namelen] = '\0';
	f->found = 1;
	return 1;
}

static void truncate_to(struct vnode *vp, uint64_t size)
{
	struct vattr va;

	memset(&va, 0, sizeof(va));
	va.va_size = size;
	vp->v_op->vop_setattr(vp, &va, VA_SIZE);
}

/* Writes, grows, shrinks, sets an xattr on and renames an entry that was already there. */
static void change_existing(struct vnode *root, const char *buf)
{
	struct first f = { .found = 0 };
	struct vnode *vp;
	uint64_t cookie = 0;
	size_t done;

	VOP_READDIR(root, &cookie, first_name, &f);
	if (!f.found || VOP_LOOKUP(root, f.name, strlen(f.name), &vp) != 0)
		return;
	if (vp->v_type == VREG) {
		vp->v_op->vop_write(vp, buf, 3000, 100, &done);
		truncate_to(vp, 1);
	}
	/* the in-inode attribute area as the image left it, rebuilt */
	vp->v_op->vop_setxattr(vp, "user.fz", buf, 40, 0);
	vp->v_op->vop_removexattr(vp, "user.fz");
	vrele(vp);
	root->v_op->vop_rename(root, f.name, strlen(f.name), root,
	    NAME("renamed"), 0);
	if (root->v_op->vop_remove(root, NAME("renamed")) != 0)
		root->v_op->vop_rmdir(root, NAME("renamed"));
}

/* Creates, writes, moves and removes new files and a directory. */
static void make_new(struct vnode *root, const char *buf)
{
	struct vnode *vp, *dvp;
	size_t done;

	if (root->v_op->vop_create(root, NAME("fz1"), 0644, &vp) == 0) {
		vp->v_op->vop_write(vp, buf, 5000, 0, &done);
		vp->v_op->vop_write(vp, buf, 1000, 70000, &done);
		truncate_to(vp, 4097);
		vrele(vp);
	}
	if (root->v_op->vop_mkdir(root, NAME("fzd"), 0755, &dvp) == 0) {
		if (dvp->v_op->vop_create(dvp, NAME("fz2"), 0600, &vp) == 0)
			vrele(vp);
		/* RENAME_EXCHANGE across directories, and back */
		root->v_op->vop_rename(root, NAME("fz1"), dvp, NAME("fz2"), 2);
		root->v_op->vop_rename(root, NAME("fz1"), dvp, NAME("fz2"), 2);
		root->v_op->vop_rename(root, NAME("fz1"), dvp, NAME("fz3"), 0);
		dvp->v_op->vop_remove(dvp, NAME("fz2"));
		dvp->v_op->vop_remove(dvp, NAME("fz3"));
		vrele(dvp);
		root->v_op->vop_rmdir(root, NAME("fzd"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mount *mp;
	struct vnode *root;
	char path[64], err[256], *buf;

	if (fuzz_image(data, size, path, sizeof(path)) != 0)
		return 0;
	/* the repairs first, on the image as it came (opened as a one-shot
	 * fsck opens it); then the writes, on what the repairs left */
	if (vfs_mount(path, FUZZ_FSTYPE, "rw", MNT_FSCK, &mp, err,
	    sizeof(err)) == 0) {
		vfs_fsck(mp, FSCK_REPAIR, fuzz_fsck_sink, NULL);
		vfs_unmount(mp);
	}
	if (vfs_mount(path, FUZZ_FSTYPE, "rw", 0, &mp, err, sizeof(err)) != 0)
		return 0;
	if ((buf = malloc(5000)) != NULL && vfs_root(mp, &root) == 0) {
		memset(buf, 'z', 5000);
		make_new(root, buf);
		change_existing(root, buf);
		vrele(root);
	}
	free(buf);
	vfs_sync(mp);
	vfs_fsck(mp, FSCK_NOWRITE, fuzz_fsck_sink, NULL);
	vfs_unmount(mp);
	return 0;
}
