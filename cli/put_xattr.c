/* put_xattr.c: put -p's extended attributes: the host node's user.* attributes and POSIX ACLs (and, as root, trusted.* and security.*) set on the image node, as cp -a keeps them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/cli.h"

/*
 * The host node is named relative to an open directory; there is no
 * l*xattrat, so the directory is reached through /proc/self/fd. A host
 * file system without xattrs (or a name we may not read) gives nothing to
 * copy, silently, as with cp -a. An image file system without them is
 * noted once per put; any other refusal by the image is an error.
 */
#define PX_MAX (1u << 20)     /* the most bytes of names or of one value */

/* Names and values a put may carry over for this user. */
static int px_wanted(const char *name)
{
	if (strncmp(name, "user.", 5) == 0 ||
	    strcmp(name, "system.posix_acl_access") == 0 ||
	    strcmp(name, "system.posix_acl_default") == 0)
		return 1;
	return geteuid() == 0 && (strncmp(name, "trusted.", 8) == 0 ||
	    strncmp(name, "security.", 9) == 0);
}

/* A host list or value, grown until it fits; NULL when there is none. */
static char *px_read(const char *path, const char *name, ssize_t *lenp)
{
	char *buf = NULL, *nb;
	ssize_t n = 0;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		n = name ? lgetxattr(path, name, NULL, 0) :
		    llistxattr(path, NULL, 0);
		if (n <= 0 || (size_t)n > PX_MAX)
			break;
		if ((nb = realloc(buf, (size_t)n)) == NULL)
			break;
		buf = nb;
		n = name ? lgetxattr(path, name, buf, (size_t)n) :
		    llistxattr(path, buf, (size_t)n);
		if (n >= 0 || errno != ERANGE)
			break;
	}
	if (n < 0 || (n == 0 && name == NULL)) {
		free(buf);
		return NULL;
	}
	*lenp = n;
	return buf ? buf : strdup("");
}

int put_xattrs(struct session *s, int hdir, const char *hname,
    const char *ipath, struct vnode *vp, int *noxattr)
{
	char path[64 + VFS_PATH_MAX], *names, *val;
	ssize_t len, vlen, i;
	int st = ST_OK, error;

	if (*noxattr)
		return ST_OK;
	if ((size_t)(hdir == AT_FDCWD ? snprintf(path, sizeof(path), "%s",
	    hname) : snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", hdir,
	    hname)) >= sizeof(path))
		return ST_OK;
	if ((names = px_read(path, NULL, &len)) == NULL)
		return ST_OK;
	if (names[len - 1] != '\0')
		len = 0;      /* not the list the kernel gives: ignore it */
	for (i = 0; i < len && st == ST_OK; i += (ssize_t)strlen(names + i) + 1) {
		if (!px_wanted(names + i) ||
		    (val = px_read(path, names + i, &vlen)) == NULL)
			continue;
		error = vp->v_op->vop_setxattr(vp, names + i, val, (size_t)vlen,
		    0);
		free(val);
		if (error == EOPNOTSUPP || error == ENOTSUP) {
			*noxattr = 1;
			fprintf(stderr, "rumpsh: put: note: extended attributes "
			    "not kept: the file system does not store them\n");
			break;
		}
		if (error)
			st = sess_errmsg(s, ipath, "%s: %s", names + i,
			    strerror(error));
	}
	free(names);
	return st;
}
