/* fuzz_read.c: libFuzzer harness: mount the input read-only as FUZZ_FSTYPE and touch everything a user can reach. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vfs/bio.h"
#include "vfs/blkdev.h"

struct fwalk {
	struct mount *mp;
	unsigned nodes;          /* budget left, shared by the whole walk */
	char *buf;               /* FUZZ_CHUNK bytes for reads */
	char *buf2;              /* FUZZ_CHUNK more, for the captured read */
};

struct names {
	char name[FUZZ_MAXDIRENTS][VFS_NAME_MAX + 1];
	size_t n;
};

static int collect(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct names *nm = arg;

	(void)ino;
	(void)type;
	(void)next;
	if (nm->n >= FUZZ_MAXDIRENTS)
		return 1;
	if (namelen > VFS_NAME_MAX)
		namelen = VFS_NAME_MAX;   /* a driver must not hand these out */
	memcpy(nm->name[nm->n], name, namelen);
	nm->name[nm->n][namelen] = '\0';
	nm->n++;
	return 0;
}

static void touch_xattrs(struct vnode *vp, char *buf)
{
	char list[4096], *p;
	size_t len = 0, vlen;

	if (vp->v_op->vop_listxattr(vp, list, sizeof(list) - 1, &len) != 0)
		return;
	if (len > sizeof(list) - 1)
		len = sizeof(list) - 1;
	list[len] = '\0';
	for (p = list; p < list + len; p += strlen(p) + 1)
		if (*p)
			vp->v_op->vop_getxattr(vp, p, buf, FUZZ_CHUNK, &vlen);
	vp->v_op->vop_getxattr(vp, "user.none", buf, 16, &vlen);
}

/*
 * p2k answers FUSE reads under a capture (vfs/bio.h): the pieces a driver
 * would read straight from the image are only recorded. Whatever the image,
 * each piece must lie in the reader's buffer, inside the image, in buffer
 * order without overlap; filled from the image, the buffer must then hold
 * what a plain read gives.
 */
static void check_captured_read(struct fwalk *w, struct vnode *vp)
{
	struct bio_dataseg segs[8];
	struct bio_capture cap = { .cap_segs = segs, .cap_max = 8 };
	size_t done1 = 0, done2 = 0, i, end = 0;
	int e1, e2;

	e1 = VOP_READ(vp, w->buf, FUZZ_CHUNK, 0, &done1);
	memset(w->buf2, 0, FUZZ_CHUNK);
	bio_capture_start(w->mp->mnt_bc, &cap);
	e2 = VOP_READ(vp, w->buf2, FUZZ_CHUNK, 0, &done2);
	bio_capture_stop(w->mp->mnt_bc);
	for (i = 0; i < cap.cap_n; i++) {
		const struct bio_dataseg *sg = &segs[i];
		size_t at = (size_t)(sg->ds_buf - (uint8_t *)w->buf2);

		if (sg->ds_buf < (uint8_t *)w->buf2 || at < end ||
		    sg->ds_len > FUZZ_CHUNK - at ||
		    sg->ds_fileoff + sg->ds_len > w->mp->mnt_dev->bd_offset +
		    w->mp->mnt_dev->bd_size)
			abort();
		end = at + sg->ds_len;
		if (pread(cap.cap_fd, sg->ds_buf, sg->ds_len,
		    (off_t)sg->ds_fileoff) != (ssize_t)sg->ds_len)
			abort();
	}
	if (e1 == 0 && e2 == 0 && (done1 != done2 ||
	    memcmp(w->buf, w->buf2, done1) != 0))
		abort();
}

static void touch_file(struct fwalk *w, struct vnode *vp, const char *path)
{
	struct vnode *tvp;
	uint64_t off = 0;
	size_t done, len;

	if (vp->v_type == VLNK) {
		vp->v_op->vop_readlink(vp, w->buf, VFS_PATH_MAX, &len);
		if (namei(w->mp, NULL, path, NAMEI_FOLLOW, &tvp) == 0)
			vrele(tvp);
		return;
	}
	if (vp->v_type != VREG)
		return;
	check_captured_read(w, vp);
	while (off < FUZZ_READMAX) {
		if (VOP_READ(vp, w->buf, FUZZ_CHUNK, off, &done) != 0 ||
		    done == 0)
			break;
		off += done;
	}
	VOP_READ(vp, w->buf, 17, UINT64_MAX - 16, &done);
}

static void walk_dir(struct fwalk *w, struct vnode *dvp, const char *path,
    int depth);

/* Looks up one name of dvp and touches what it names. */
static void walk_entry(struct fwalk *w, struct vnode *dvp, const char *dpath,
    const char *name, int depth)
{
	char path[VFS_PATH_MAX];
	struct vattr va;
	struct vnode *vp;

	if (w->nodes == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	w->nodes--;
	if (VOP_LOOKUP(dvp, name, strlen(name), &vp) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dpath, name);
	VOP_GETATTR(vp, &va);
	touch_xattrs(vp, w->buf);
	if (vp->v_type == VDIR && depth < FUZZ_MAXDEPTH)
		walk_dir(w, vp, path, depth + 1);
	else
		touch_file(w, vp, path);
	vrele(vp);
}

static void walk_dir(struct fwalk *w, struct vnode *dvp, const char *path,
    int depth)
{
	struct names *nm = malloc(sizeof(*nm));
	uint64_t cookie = 0;
	size_t i;

	if (nm == NULL)
		return;
	nm->n = 0;
	VOP_READDIR(dvp, &cookie, collect, nm);
	/* a second pass from where the first stopped exercises the cookie */
	if (nm->n > 0 && nm->n < FUZZ_MAXDIRENTS)
		VOP_READDIR(dvp, &cookie, collect, nm);
	for (i = 0; i < nm->n; i++)
		walk_entry(w, dvp, path, nm->name[i], depth);
	free(nm);
}

static void touch_mount(struct mount *mp)
{
	struct fwalk w = { mp, FUZZ_MAXNODES, NULL, NULL };
	struct vfs_statvfs sv;
	struct vnode *root;

	vfs_statvfs(mp, &sv);
	vfs_info(mp, fuzz_info_sink, NULL);
	w.buf = malloc(FUZZ_CHUNK);
	w.buf2 = malloc(FUZZ_CHUNK);
	if (w.buf != NULL && w.buf2 != NULL && vfs_root(mp, &root) == 0) {
		walk_dir(&w, root, "", 0);
		vrele(root);
	}
	free(w.buf);
	free(w.buf2);
	vfs_fsck(mp, FSCK_NOWRITE, fuzz_fsck_sink, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mount *mp;
	char path[64], err[256];

	if (fuzz_image(data, size, path, sizeof(path)) != 0)
		return 0;
	if (vfs_mount(path, FUZZ_FSTYPE, NULL, MNT_RDONLY, &mp, err,
	    sizeof(err)) == 0) {
		touch_mount(mp);
		vfs_unmount(mp);
		return 0;
	}
	/* refused: what a one-shot fsck opens instead, for the checker only */
	if (vfs_mount(path, FUZZ_FSTYPE, NULL, MNT_RDONLY | MNT_FSCK, &mp, err,
	    sizeof(err)) == 0) {
		vfs_fsck(mp, FSCK_NOWRITE, fuzz_fsck_sink, NULL);
		vfs_unmount(mp);
	}
	return 0;
}
