/* test_namei.c: path lookup and the vnode cache, over a tiny in-memory driver. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/unit.h"
#include "vfs/vfs.h"

/* The tree: inode, parent, name, type, symlink target. */
struct mnode {
	uint64_t ino, parent;
	const char *name;
	mode_t mode;
	const char *target;
};

/* The fixed nodes, then (add_chain) a chain of symlinks c1 -> c2 -> ... */
#define CHAIN 41
static struct mnode tree[16 + CHAIN] = {
	{ 2, 2, "", S_IFDIR, NULL },
	{ 3, 2, "a", S_IFDIR, NULL },
	{ 4, 3, "b", S_IFREG, NULL },
	{ 5, 2, "la", S_IFLNK, "a" },
	{ 6, 2, "loop", S_IFLNK, "loop" },
	{ 7, 3, "abs", S_IFLNK, "/a/b" },
	{ 8, 2, "f", S_IFREG, NULL },
	{ 9, 3, "up", S_IFLNK, "../la/b" },
	{ 10, 2, "empty", S_IFLNK, "" },
	{ 0, 0, NULL, 0, NULL }
};

/* c1 ... c41 in the root, inodes 101..141, each a link to the next; c41
 * links to f. Following c2 takes 40 links (the limit), c1 41. */
static void add_chain(void)
{
	static char names[CHAIN][8], targets[CHAIN][8];
	struct mnode *m = tree;
	int i;

	while (m->name)
		m++;
	for (i = 1; i <= CHAIN; i++, m++) {
		snprintf(names[i - 1], sizeof(names[0]), "c%d", i);
		snprintf(targets[i - 1], sizeof(targets[0]), i < CHAIN ?
		    "c%d" : "f", i + 1);
		*m = (struct mnode){ 100 + i, 2, names[i - 1], S_IFLNK,
		    targets[i - 1] };
	}
	m->name = NULL;
}

static int reclaimed;

static const struct mnode *mfind(uint64_t ino)
{
	const struct mnode *m;

	for (m = tree; m->name; m++)
		if (m->ino == ino)
			return m;
	return NULL;
}

static int m_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	const struct mnode *m;

	if (len == 2 && memcmp(name, "..", 2) == 0)
		return vfs_vget(dvp->v_mount, mfind(dvp->v_ino)->parent, vpp);
	for (m = tree + 1; m->name; m++)
		if (m->parent == dvp->v_ino && strlen(m->name) == len &&
		    memcmp(m->name, name, len) == 0)
			return vfs_vget(dvp->v_mount, m->ino, vpp);
	return ENOENT;
}

static int m_readlink(struct vnode *vp, char *buf, size_t size, size_t *len)
{
	const char *t = mfind(vp->v_ino)->target;

	*len = strlen(t);
	memcpy(buf, t, *len < size ? *len : size);
	return 0;
}

static void m_reclaim(struct vnode *vp)
{
	reclaimed++;
}

static const struct vnodeops m_vnodeops = {
	.vop_lookup = m_lookup,
	.vop_readlink = m_readlink,
	.vop_reclaim = m_reclaim,
};

static int m_root(struct mount *mp, uint64_t *ino)
{
	*ino = 2;
	return 0;
}

static int m_loadvnode(struct mount *mp, struct vnode *vp, uint64_t ino)
{
	const struct mnode *m = mfind(ino);

	if (m == NULL)
		return vfs_corrupt(mp, ino, 0, "no such inode");
	vp->v_type = vfs_mode_to_vtype(m->mode);
	vp->v_op = &m_vnodeops;
	return 0;
}

static const struct vfsops m_vfsops = {
	.vfs_name = "mem",
	.vfs_root = m_root,
	.vfs_loadvnode = m_loadvnode,
};

static struct mount *mnt;

/* Looks up path and returns the inode reached, or -errno. */
static long long resolve(const char *path, unsigned flags)
{
	struct vnode *vp;
	long long ino;
	int error = namei(mnt, NULL, path, flags, &vp);

	if (error)
		return -error;
	ino = (long long)vp->v_ino;
	vrele(vp);
	return ino;
}

static void test_plain_paths(void)
{
	CHECK_EQ(resolve("/", 0), 2);
	CHECK_EQ(resolve("/a/b", 0), 4);
	CHECK_EQ(resolve("a//b", 0), 4);
	CHECK_EQ(resolve("/a/./b", 0), 4);
	CHECK_EQ(resolve("/a/../f", 0), 8);
	CHECK_EQ(resolve("/../../a", 0), 3);
	CHECK_EQ(resolve("/a/", 0), 3);
	CHECK_EQ(resolve("/nope", 0), -ENOENT);
	CHECK_EQ(resolve("", 0), -ENOENT);
}

static void test_not_a_directory(void)
{
	CHECK_EQ(resolve("/f/x", 0), -ENOTDIR);
	CHECK_EQ(resolve("/f/", 0), -ENOTDIR);
	CHECK_EQ(resolve("/f/.", 0), -ENOTDIR);
}

static void test_symlinks(void)
{
	CHECK_EQ(resolve("/la", 0), 5);
	CHECK_EQ(resolve("/la", NAMEI_FOLLOW), 3);
	CHECK_EQ(resolve("/la/", 0), 3);
	CHECK_EQ(resolve("/la/b", 0), 4);
	CHECK_EQ(resolve("/a/abs", NAMEI_FOLLOW), 4);
	CHECK_EQ(resolve("/a/up", NAMEI_FOLLOW), 4);
	CHECK_EQ(resolve("/loop", 0), 6);
	CHECK_EQ(resolve("/loop", NAMEI_FOLLOW), -ELOOP);
	CHECK_EQ(resolve("/loop/x", 0), -ELOOP);
	CHECK_EQ(resolve("/empty/x", 0), -ENOENT);
}

static void test_symlink_limit(void)
{
	CHECK_EQ(VFS_SYMLOOP_MAX, 40);
	CHECK_EQ(resolve("/c2", NAMEI_FOLLOW), 8);     /* 40 links: followed */
	CHECK_EQ(resolve("/c1", NAMEI_FOLLOW), -ELOOP); /* 41 */
	CHECK_EQ(resolve("/c1", 0), 101);               /* not followed */
	CHECK_EQ(resolve("/c3/", 0), -ENOTDIR);         /* 39, then f */
}

static void test_name_too_long(void)
{
	char path[600];

	path[0] = '/';
	memset(path + 1, 'x', 256);
	path[257] = '\0';
	CHECK_EQ(resolve(path, 0), -ENAMETOOLONG);
	path[256] = '\0';
	CHECK_EQ(resolve(path, 0), -ENOENT);
}

static void test_parent(void)
{
	struct vnode *dvp;
	const char *name;
	size_t len;

	CHECK_EQ(namei_parent(mnt, NULL, "/a/new", &dvp, &name, &len), 0);
	CHECK_EQ(dvp->v_ino, 3);
	CHECK(len == 3 && memcmp(name, "new", 3) == 0);
	vrele(dvp);
	CHECK_EQ(namei_parent(mnt, NULL, "la/x//", &dvp, &name, &len), 0);
	CHECK_EQ(dvp->v_ino, 3);
	CHECK(len == 1 && name[0] == 'x');
	vrele(dvp);
	CHECK_EQ(namei_parent(mnt, NULL, "top", &dvp, &name, &len), 0);
	CHECK_EQ(dvp->v_ino, 2);
	vrele(dvp);
	CHECK_EQ(namei_parent(mnt, NULL, "/", &dvp, &name, &len), EINVAL);
	CHECK_EQ(namei_parent(mnt, NULL, "/a/..", &dvp, &name, &len), EINVAL);
	CHECK_EQ(namei_parent(mnt, NULL, "/f/x", &dvp, &name, &len), ENOTDIR);
}

static void test_cache_references(void)
{
	struct vnode *a, *b;

	CHECK_EQ(vfs_vget(mnt, 3, &a), 0);
	CHECK_EQ(vfs_vget(mnt, 3, &b), 0);
	CHECK(a == b);
	CHECK_EQ(a->v_usecount, 2);
	vrele(b);
	vrele(a);
	CHECK_EQ(vfs_vget(mnt, 99, &a), EUCLEAN);
	CHECK(strstr(mnt->mnt_corrupt, "inode 99") != NULL);
	/* unsupported slots were filled: readdir on a driver without one */
	CHECK_EQ(vfs_vget(mnt, 3, &a), 0);
	CHECK_EQ(a->v_op->vop_write(a, "x", 1, 0, NULL), EROFS);
	vrele(a);
}

static void test_flush_reclaims_all(void)
{
	size_t busy;

	reclaimed = 0;
	busy = vfs_vflush(mnt);
	CHECK_EQ(busy, 0);
	CHECK(reclaimed > 0);
	CHECK_EQ(mnt->mnt_nvnodes, 0);
}

int main(void)
{
	mnt = calloc(1, sizeof(*mnt));
	mnt->mnt_op = &m_vfsops;
	mnt->mnt_flags = MNT_RDONLY;
	RUN(test_plain_paths);
	RUN(test_not_a_directory);
	RUN(test_symlinks);
	add_chain();
	RUN(test_symlink_limit);
	RUN(test_name_too_long);
	RUN(test_parent);
	RUN(test_cache_references);
	RUN(test_flush_reclaims_all);
	free(mnt);
	return DONE();
}
