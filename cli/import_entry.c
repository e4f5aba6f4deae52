/* import_entry.c: one archive member made in the image: node, data, hard link, owner, mode, times (ns), xattrs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/xarchive.h"

/*
 * What is already at a member's name goes first unless both are
 * directories (tar -x's rule: a hard-linked file is replaced, never
 * truncated through another name). A directory's mode and times are set at
 * the end (imp_fixups), after its members were made in it. Data is written
 * where the archive's blocks say; a member's size is where its data ends,
 * except that a sparse member keeps a trailing hole: a size the data does
 * not back is never believed.
 */

static int e_fail(struct impctx *ic, const char *rel, int error)
{
	progress_clear(&ic->pg);
	return ic->st = sess_err(ic->s, rel, error);
}

static int e_note(struct impctx *ic, int *flag, const char *msg)
{
	if ((*flag)++ == 0) {
		progress_clear(&ic->pg);
		fprintf(stderr, "rumpsh: import: note: %s\n", msg);
	}
	return ST_OK;
}

static int write_all(struct vnode *vp, const unsigned char *p, size_t len,
    uint64_t off)
{
	size_t done;
	int error;

	while (len > 0) {
		if ((error = vp->v_op->vop_write(vp, p, len, off, &done)) != 0)
			return error;
		if (done == 0)
			return ENOSPC;
		p += done;
		len -= done;
		off += done;
	}
	return 0;
}

static int set_size(struct vnode *vp, uint64_t size)
{
	struct vattr va;
	int error = VOP_GETATTR(vp, &va);

	if (error || va.va_size == size)
		return error;
	va.va_size = size;
	return vp->v_op->vop_setattr(vp, &va, VA_SIZE);
}

/* The member's data blocks into regular file vp. */
static int imp_data(struct impctx *ic, struct vnode *vp,
    struct archive_entry *e, const char *rel)
{
	uint64_t size = (uint64_t)archive_entry_size(e), end = 0;
	const void *blk;
	size_t len;
	la_int64_t off;
	int r, error;

	while ((r = archive_read_data_block(ic->a, &blk, &len, &off)) !=
	    ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			progress_clear(&ic->pg);
			return ic->st = sess_errmsg(ic->s, rel, "%s",
			    archive_error_string(ic->a));
		}
		if (off < 0 || (archive_entry_size_is_set(e) &&
		    (uint64_t)off + len > size))
			return e_fail(ic, rel, EFBIG);
		if ((error = write_all(vp, blk, len, (uint64_t)off)) != 0)
			return e_fail(ic, rel, error);
		if ((uint64_t)off + len > end)
			end = (uint64_t)off + len;
		progress_add(&ic->pg, 0, len);
		progress_pos(&ic->pg, (uint64_t)archive_filter_bytes(ic->a, -1));
	}
	if (archive_entry_sparse_count(e) > 0 && archive_entry_size_is_set(e))
		end = size;
	if ((error = set_size(vp, end)) != 0)
		return e_fail(ic, rel, error);
	return ST_OK;
}

/* Remembers a directory's mode and times for the end. */
static int imp_fixup_add(struct impctx *ic, uint64_t ino,
    const struct vattr *va, unsigned valid)
{
	struct dirfix *nf;

	if (ic->nfix == ic->capfix) {
		ic->capfix = ic->capfix ? ic->capfix * 2 : 64;
		nf = realloc(ic->fix, ic->capfix * sizeof(*nf));
		if (nf == NULL)
			return ic->st = sess_err(ic->s, NULL, ENOMEM);
		ic->fix = nf;
	}
	ic->fix[ic->nfix].ino = ino;
	ic->fix[ic->nfix].va = *va;
	ic->fix[ic->nfix].valid = valid;
	ic->nfix++;
	return ST_OK;
}

/* Applies the directories' attributes, the deepest (last made) first. */
int imp_fixups(struct impctx *ic)
{
	struct vnode *vp;
	size_t i;
	int error;

	for (i = ic->nfix; i-- > 0;) {
		error = vfs_vget(ic->s->mp, ic->fix[i].ino, &vp);
		if (error == 0) {
			error = vp->v_op->vop_setattr(vp, &ic->fix[i].va,
			    ic->fix[i].valid);
			vrele(vp);
		}
		if (error)
			ic->st = sess_err(ic->s, NULL, error);
	}
	free(ic->fix);
	ic->fix = NULL;
	ic->nfix = ic->capfix = 0;
	return ic->st;
}

/* Owner, then mode and times; a directory's mode and times wait. */
static int imp_attrs(struct impctx *ic, struct vnode *vp,
    struct archive_entry *e, const char *rel)
{
	struct vattr va = { .va_uid = (uint32_t)archive_entry_uid(e),
	    .va_gid = (uint32_t)archive_entry_gid(e),
	    .va_mode = archive_entry_mode(e) };
	unsigned valid = VA_MODE;
	int error;

	error = vp->v_op->vop_setattr(vp, &va, VA_UID | VA_GID);
	if (error == EOPNOTSUPP)
		e_note(ic, &ic->notes.owners_unsupported, "owners not kept: "
		    "the file system records none");
	else if (error)
		e_fail(ic, rel, error);
	va.va_mtime.tv_sec = archive_entry_mtime(e);
	va.va_mtime.tv_nsec = archive_entry_mtime_nsec(e);
	va.va_atime.tv_sec = archive_entry_atime(e);
	va.va_atime.tv_nsec = archive_entry_atime_nsec(e);
	va.va_ctime.tv_sec = archive_entry_ctime(e);
	va.va_ctime.tv_nsec = archive_entry_ctime_nsec(e);
	valid |= archive_entry_mtime_is_set(e) ? VA_MTIME : 0;
	valid |= archive_entry_atime_is_set(e) ? VA_ATIME : 0;
	valid |= archive_entry_ctime_is_set(e) ? VA_CTIME : 0;
	if (S_ISLNK(va.va_mode))
		valid &= ~VA_MODE;
	if (vp->v_type == VDIR)
		return imp_fixup_add(ic, vp->v_ino, &va, valid);
	if ((error = vp->v_op->vop_setattr(vp, &va, valid)) != 0)
		return e_fail(ic, rel, error);
	return ST_OK;
}

static int imp_xattrs(struct impctx *ic, struct vnode *vp,
    struct archive_entry *e, const char *rel)
{
	const char *name;
	const void *val;
	size_t len;
	int error;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		error = vp->v_op->vop_setxattr(vp, name, val, len, 0);
		if (error == EOPNOTSUPP || error == ENOTSUP)
			return e_note(ic, &ic->notes.xattrs_unsupported,
			    "extended attributes not kept: the file system "
			    "does not store them");
		if (error)
			e_fail(ic, rel, error);
	}
	return ST_OK;
}

/* Clears the name for a new non-directory (tar -x's unlink first). */
static int clear_name(struct vnode *dvp, const char *name, int newdir)
{
	size_t len = strlen(name);
	struct vnode *old;
	int error = VOP_LOOKUP(dvp, name, len, &old);

	if (error)
		return error == ENOENT ? 0 : error;
	if (old->v_type == VDIR)
		error = newdir ? 0 : EISDIR;
	else
		error = dvp->v_op->vop_remove(dvp, name, len);
	vrele(old);
	return error;
}

static int read_vnode(void *arg, void *buf, size_t len, uint64_t off,
    size_t *done)
{
	struct vnode *vp = arg;

	return VOP_READ(vp, buf, len, off, done);
}

/* Where the file system has no hard links (FAT): a copy of the data. */
static int link_as_copy(struct impctx *ic, struct vnode *dvp,
    const char *last, const char *rel, struct vnode *tvp)
{
	struct img_node nd = { .mode = S_IFREG | 0644 };
	struct copy_src src = { .read = read_vnode, .arg = tvp, .path = rel };
	struct vattr va;
	struct vnode *vp;
	int st;

	if (VOP_GETATTR(tvp, &va) != 0 || img_make(ic->s, dvp, last, rel, &nd,
	    &vp) != ST_OK)
		return ic->st = ST_FAIL;
	e_note(ic, &ic->notes.links_copied, "hard links stored as copies: "
	    "the file system has none");
	src.size = va.va_size;
	st = img_copy_data(ic->s, rel, vp, &src);
	if (st == ST_OK && vp->v_op->vop_setattr(vp, &va, VA_MODE | VA_ATIME |
	    VA_MTIME) != 0)
		st = ST_FAIL;
	vrele(vp);
	return st == ST_OK ? ST_OK : (ic->st = ST_FAIL);
}

/*
 * A hard link to an earlier member. The target is resolved like any name
 * (below DEST, no "..", no symlink followed) and must already be there.
 */
static int imp_hardlink(struct impctx *ic, struct vnode *dvp,
    const char *last, const char *rel, struct archive_entry *e)
{
	struct vnode *tvp, *vp;
	char *trel;
	int error;

	if (imp_clean(ic, archive_entry_hardlink(e), &trel) != ST_OK ||
	    trel == NULL)
		return ic->st = ST_FAIL;
	error = imp_lookup(ic, trel, &tvp);
	free(trel);
	if (error) {
		progress_clear(&ic->pg);
		return ic->st = sess_errmsg(ic->s, rel, "hard link to '%s', "
		    "which is not in DEST (yet): %s; skipped",
		    archive_entry_hardlink(e), strerror(error));
	}
	error = tvp->v_type == VDIR ? EPERM : 0;
	if (error == 0 && VOP_LOOKUP(dvp, last, strlen(last), &vp) == 0) {
		error = vp->v_ino == tvp->v_ino ? EEXIST : 0;
		vrele(vp);
	}
	if (error == 0)
		error = clear_name(dvp, last, 0);
	if (error == 0)
		error = dvp->v_op->vop_link(dvp, last, strlen(last), tvp);
	if (error == EOPNOTSUPP)
		error = link_as_copy(ic, dvp, last, rel, tvp) ? EIO : 0;
	else if (error == 0 && archive_entry_size(e) > 0)
		imp_data(ic, tvp, e, rel);     /* a link that carries data */
	vrele(tvp);
	if (error && error != EEXIST && error != EIO)
		return e_fail(ic, rel, error);
	return error == EIO ? ST_FAIL : ST_OK;
}

/* Any other member: make the node, then data, owner, mode, times, xattrs. */
static int imp_node(struct impctx *ic, struct vnode *dvp, const char *last,
    const char *rel, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e) ? archive_entry_filetype(e) :
	    AE_IFREG;
	struct img_node nd = { .mode = type | (archive_entry_perm(e) & 07777),
	    .major = archive_entry_rdevmajor(e),
	    .minor = archive_entry_rdevminor(e),
	    .target = archive_entry_symlink(e) };
	struct vnode *vp;
	int error;

	if (type == AE_IFLNK && nd.target == NULL)
		return e_fail(ic, rel, EINVAL);
	if ((error = clear_name(dvp, last, type == AE_IFDIR)) != 0)
		return e_fail(ic, rel, error);
	if (img_make(ic->s, dvp, last, rel, &nd, &vp) != ST_OK)
		return ic->st = ST_FAIL;
	if (type == AE_IFREG)
		imp_data(ic, vp, e, rel);
	imp_attrs(ic, vp, e, rel);
	imp_xattrs(ic, vp, e, rel);
	vrele(vp);
	return ST_OK;
}

/* One member, whatever it holds; problems are reported, the import goes on. */
int imp_entry(struct impctx *ic, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *last;
	struct vnode *dvp;
	char *rel;

	if (name == NULL)
		return ic->st = sess_errmsg(ic->s, NULL, "member without a name "
		    "skipped");
	if (imp_clean(ic, name, &rel) != ST_OK || rel == NULL)
		return ic->st = ST_FAIL;
	progress_add(&ic->pg, 1, 0);
	if (archive_entry_filetype(e) == AE_IFSOCK) {
		progress_clear(&ic->pg);
		fprintf(stderr, "rumpsh: import: %s: socket skipped\n", name);
	} else if (rel[0] == '\0') {
		if (archive_entry_filetype(e) == AE_IFDIR)
			imp_attrs(ic, ic->dest, e, name);
	} else if (imp_parent(ic, rel, 1, &dvp, &last) == ST_OK) {
		if (archive_entry_hardlink(e) != NULL)
			imp_hardlink(ic, dvp, last, rel, e);
		else
			imp_node(ic, dvp, last, rel, e);
		vrele(dvp);
	}
	free(rel);
	return ic->st;
}
