/* archive_out.c: an image node as an archive_entry: type, mode, numeric owner, times (ns), link target, device, xattrs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/xarchive.h"

#define XATTR_LIST_MAX  (1u << 20)   /* bytes of names we accept from a driver */
#define XATTR_VALUE_MAX (1u << 20)   /* bytes of one value */

static void set_times(struct archive_entry *e, const struct vattr *va)
{
	archive_entry_set_mtime(e, va->va_mtime.tv_sec, va->va_mtime.tv_nsec);
	archive_entry_set_atime(e, va->va_atime.tv_sec, va->va_atime.tv_nsec);
	archive_entry_set_ctime(e, va->va_ctime.tv_sec, va->va_ctime.tv_nsec);
	if (va->va_birthtime.tv_sec != VFS_NOTIME)
		archive_entry_set_birthtime(e, va->va_birthtime.tv_sec,
		    va->va_birthtime.tv_nsec);
}

/* A buffer holding the driver's answer to a query that says what it needs. */
static int xattr_list(struct vnode *vp, char **bufp, size_t *lenp)
{
	size_t cap = 256, len = 0;
	char *buf = NULL, *nb;
	int error;

	for (;;) {
		if ((nb = realloc(buf, cap)) == NULL) {
			free(buf);
			return ENOMEM;
		}
		buf = nb;
		error = vp->v_op->vop_listxattr(vp, buf, cap, &len);
		if (error == 0 && len <= cap)
			break;
		if ((error && error != ERANGE) || len > XATTR_LIST_MAX ||
		    cap >= XATTR_LIST_MAX) {
			free(buf);
			return error ? error : E2BIG;
		}
		cap = len > cap ? len : cap * 2;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

static int xattr_value(struct vnode *vp, const char *name, void **valp,
    size_t *lenp)
{
	size_t cap = 256, len = 0;
	void *buf = NULL, *nb;
	int error;

	for (;;) {
		if ((nb = realloc(buf, cap)) == NULL) {
			free(buf);
			return ENOMEM;
		}
		buf = nb;
		error = vp->v_op->vop_getxattr(vp, name, buf, cap, &len);
		if (error == 0 && len <= cap)
			break;
		if ((error && error != ERANGE) || len > XATTR_VALUE_MAX ||
		    cap >= XATTR_VALUE_MAX) {
			free(buf);
			return error ? error : E2BIG;
		}
		cap = len > cap ? len : cap * 2;
	}
	*valp = buf;
	*lenp = len;
	return 0;
}

/* Adds the node's extended attributes (none if the driver keeps none). */
int arcout_xattrs(struct session *s, struct archive_entry *e,
    const char *path, struct vnode *vp)
{
	size_t len, vlen, i;
	char *names;
	void *val;
	int error, st = ST_OK;

	error = xattr_list(vp, &names, &len);
	if (error == EOPNOTSUPP || error == ENOTSUP)
		return ST_OK;
	if (error)
		return sess_err(s, path, error);
	for (i = 0; i < len; i += strnlen(names + i, len - i) + 1) {
		if (names[i] == '\0' || memchr(names + i, '\0', len - i) == NULL)
			continue;
		error = xattr_value(vp, names + i, &val, &vlen);
		if (error) {
			st = sess_errmsg(s, path, "extended attribute %s: %s",
			    names + i, strerror(error));
			continue;
		}
		archive_entry_xattr_add_entry(e, names + i, val, vlen);
		free(val);
	}
	free(names);
	return st;
}

static int set_symlink(struct session *s, struct archive_entry *e,
    const char *path, struct vnode *vp)
{
	char *target;
	int error;

	if ((error = sess_readlink(s, vp, &target)) != 0)
		return sess_err(s, path, error);
	archive_entry_copy_symlink(e, target);
	free(target);
	return ST_OK;
}

/*
 * Fills e for node vp (attributes va) under archive name `name`; `path` is
 * its image path for messages. Owners are numbers only (uname and gname
 * stay empty). dev/ino/nlink let a link resolver spot hard links.
 */
int arcout_fill(struct session *s, struct archive_entry *e, const char *name,
    const char *path, struct vnode *vp, const struct vattr *va)
{
	int st = ST_OK;

	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, va->va_mode);
	archive_entry_set_uid(e, va->va_uid);
	archive_entry_set_gid(e, va->va_gid);
	archive_entry_set_nlink(e, va->va_nlink);
	archive_entry_set_dev(e, 1);
	archive_entry_set_ino64(e, (la_int64_t)va->va_ino);
	set_times(e, va);
	archive_entry_set_size(e, S_ISREG(va->va_mode) ?
	    (la_int64_t)va->va_size : 0);
	if (S_ISLNK(va->va_mode))
		st = set_symlink(s, e, path, vp);
	if (S_ISCHR(va->va_mode) || S_ISBLK(va->va_mode)) {
		archive_entry_set_rdevmajor(e, va->va_rdev_major);
		archive_entry_set_rdevminor(e, va->va_rdev_minor);
	}
	if (arcout_xattrs(s, e, path, vp) != ST_OK)
		st = ST_FAIL;
	return st;
}
