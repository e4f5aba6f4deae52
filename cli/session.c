/* session.c: the open image, the current directory, and the one way errors reach the user. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/*
 * The last of "ro"/"rw" in a -o list: 'r', 'w', or 0 if neither is there.
 * vfs_mount honours the same rule.
 */
static int opts_mode(const char *opts)
{
	const char *p = opts;
	size_t len;
	int mode = 0;

	while (p && *p) {
		len = strcspn(p, ",");
		if (len == 2 && strncmp(p, "ro", 2) == 0)
			mode = 'r';
		else if (len == 2 && strncmp(p, "rw", 2) == 0)
			mode = 'w';
		p += len + (p[len] == ',');
	}
	return mode;
}

/*
 * Opens the image read-only (promise 2: opening and reading never write),
 * or read-write when "-o rw" says so. rdonly (-r) or "-o ro" forbid the
 * later upgrade that session_writable() makes. mnt_flags MNT_FSCK (a
 * one-shot fsck) mounts what the driver would refuse as damaged, and then
 * the root need not be readable: the checker reports why it is not.
 * On failure, why says what went wrong (for "rumpsh: WHY"); nothing is
 * printed here.
 */
int session_open(struct session *s, const char *image, const char *fstype,
    const char *opts, int rdonly, unsigned mnt_flags, char *why,
    size_t whysize)
{
	char errbuf[512];
	int error;

	memset(s, 0, sizeof(*s));
	s->image = image;
	s->opts = opts;
	s->cmd = "rumpsh";
	s->out_tty = isatty(STDOUT_FILENO);
	s->no_write = rdonly || opts_mode(opts) == 'r';
	if (rdonly && opts_mode(opts) == 'w') {
		snprintf(why, whysize, "-r and -o rw contradict each other");
		return ST_USAGE;
	}
	s->mnt_flags = mnt_flags;
	error = vfs_mount(image, fstype, opts, MNT_RDONLY | mnt_flags, &s->mp,
	    errbuf, sizeof(errbuf));
	if (error) {
		snprintf(why, whysize, "%s: %s", image,
		    errbuf[0] ? errbuf : strerror(error));
		return ST_FAIL;
	}
	if ((error = vfs_root(s->mp, &s->cwd)) != 0 && (mnt_flags & MNT_FSCK))
		s->cwd = NULL;
	else if (error) {
		snprintf(why, whysize, "%s: %s%s", image,
		    error == EUCLEAN ? "corrupt file system: " : "",
		    s->mp->mnt_corrupt[0] ? s->mp->mnt_corrupt :
		    strerror(error));
		vfs_unmount(s->mp);
		s->mp = NULL;
		return ST_FAIL;
	}
	strcpy(s->cwdpath, "/");
	return ST_OK;
}

/*
 * Writes everything back and closes the image. Returns ST_FAIL (after
 * saying why) if the changes could not all be written: the session's
 * last command did not really succeed.
 */
int session_close(struct session *s)
{
	char msg[sizeof(s->mp->mnt_corrupt)] = "";
	int error = 0, e2;

	if (s->cwd)
		vrele(s->cwd);
	s->cwd = NULL;
	free(s->iobuf);
	s->iobuf = NULL;
	if (s->mp == NULL)
		return ST_OK;
	if (!(s->mp->mnt_flags & MNT_RDONLY)) {
		s->mp->mnt_corrupt[0] = '\0';
		error = vfs_sync(s->mp);
		memcpy(msg, s->mp->mnt_corrupt, sizeof(msg));
	}
	e2 = vfs_unmount(s->mp);
	s->mp = NULL;
	if (error == 0)
		error = e2;
	if (error == 0)
		return ST_OK;
	fflush(stdout);
	fprintf(stderr, "rumpsh: %s: writing the changes back: %s\n", s->image,
	    msg[0] ? msg : strerror(error));
	return ST_FAIL;
}

/*
 * Reopens the image read-write before the session's first change. The new
 * mount is made while the read-only one is still open, so a refusal (the
 * driver cannot write, another process holds the lock) leaves the session
 * as it was. The current directory is found again by its path.
 */
static int session_reopen(struct session *s)
{
	char errbuf[512];
	struct mount *mp;
	struct vnode *cwd = NULL;
	int error;

	error = vfs_mount(s->image, s->mp->mnt_op->vfs_name, s->opts,
	    s->mnt_flags, &mp, errbuf, sizeof(errbuf));
	if (error)
		return sess_errmsg(s, s->image, "%s",
		    errbuf[0] ? errbuf : strerror(error));
	if (namei(mp, NULL, s->cwdpath, NAMEI_FOLLOW, &cwd) != 0)
		cwd = NULL;
	else if (cwd->v_type != VDIR) {
		vrele(cwd);
		cwd = NULL;
	}
	if (cwd == NULL && !(s->mnt_flags & MNT_FSCK)) {
		if ((error = vfs_root(mp, &cwd)) != 0) {
			vfs_unmount(mp);
			return sess_errmsg(s, s->image, "%s", strerror(error));
		}
		strcpy(s->cwdpath, "/");
	}
	if (s->cwd)
		vrele(s->cwd);
	vfs_unmount(s->mp);
	s->mp = mp;
	s->cwd = cwd;
	return ST_OK;
}

/*
 * Every command that changes the image calls this first, before it holds
 * any vnode: the mount may be replaced. path names the operand in the
 * "Read-only file system" message. Reports failure; ST_OK or ST_FAIL.
 */
int session_writable(struct session *s, const char *path)
{
	if (!(s->mp->mnt_flags & MNT_RDONLY))
		return ST_OK;
	if (s->no_write)
		return sess_errmsg(s, path, "%s", strerror(EROFS));
	return session_reopen(s);
}

/*
 * Called before each command. The driver's last corruption or refusal
 * message lives in mnt_corrupt; clearing it here means a message found there
 * after an error belongs to this command.
 */
void session_begin(struct session *s, const char *cmd)
{
	s->cmd = cmd;
	s->mp->mnt_corrupt[0] = '\0';
}

/* Starts an error line; NULL (say nothing) while the session is quiet. */
static FILE *err_prefix(struct session *s, const char *path)
{
	if (s->quiet)
		return NULL;
	fflush(stdout);
	fprintf(stderr, "rumpsh: %s: ", s->cmd);
	if (path != NULL)
		fprintf(stderr, "%s: ", path);
	return stderr;
}

/*
 * Prints "rumpsh: CMD: PATH: reason" and returns ST_FAIL. A driver's message
 * (corruption, or a refusal) is used once, then cleared, so a later error of
 * the same command is not explained by it.
 */
int sess_err(struct session *s, const char *path, int err)
{
	char *msg = s->mp->mnt_corrupt;

	if (err_prefix(s, path) == NULL)
		return ST_FAIL;
	if (err == EUCLEAN && msg[0])
		fprintf(stderr, "corrupt file system: %s\n", msg);
	else if (err == EUCLEAN)
		fprintf(stderr, "corrupt file system\n");
	else if (msg[0])
		fprintf(stderr, "%s\n", msg);   /* a driver's refusal */
	else
		fprintf(stderr, "%s\n", strerror(err));
	msg[0] = '\0';
	return ST_FAIL;
}

int sess_errmsg(struct session *s, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (err_prefix(s, path) == NULL)
		return ST_FAIL;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ST_FAIL;
}

/* Prints "rumpsh: CMD: what" and the command's usage line; ST_USAGE. */
int sess_usage(struct session *s, const char *fmt, ...)
{
	const struct command *c = cmd_lookup(s->cmd);
	va_list ap;

	if (fmt != NULL && err_prefix(s, NULL) != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (c != NULL)
		fprintf(stderr, "usage: %s%s%s\n", c->name,
		    c->usage[0] ? " " : "", c->usage);
	return ST_USAGE;
}

/*
 * Looks up an image path relative to the session's cwd, reporting failure.
 * On success *vpp holds a reference and *va (if not NULL) its attributes.
 */
int sess_lookup(struct session *s, const char *path, int follow,
    struct vnode **vpp, struct vattr *va)
{
	struct vnode *vp;
	int error;

	if (path[0] == '\0')
		return sess_err(s, path, ENOENT);
	error = namei(s->mp, s->cwd, path, follow ? NAMEI_FOLLOW : 0, &vp);
	if (error)
		return sess_err(s, path, error);
	if (va != NULL && (error = VOP_GETATTR(vp, va)) != 0) {
		vrele(vp);
		return sess_err(s, path, error);
	}
	*vpp = vp;
	return ST_OK;
}

/* A symlink's target as a malloc'd string; errors are returned, not printed. */
int sess_readlink(struct session *s, struct vnode *vp, char **target)
{
	size_t cap = 256, len = 0;
	char *buf = NULL, *nb;
	int error;

	for (;;) {
		if ((nb = realloc(buf, cap + 1)) == NULL) {
			free(buf);
			return ENOMEM;
		}
		buf = nb;
		if ((error = VOP_READLINK(vp, buf, cap, &len)) != 0) {
			free(buf);
			return error;
		}
		if (len <= cap || cap >= VFS_PATH_MAX * 16)
			break;
		cap = len < VFS_PATH_MAX * 16 ? len : VFS_PATH_MAX * 16;
	}
	buf[len < cap ? len : cap] = '\0';
	*target = buf;
	return 0;
}
