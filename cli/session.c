/* session.c: the open image, the current directory, and the one way errors reach the user. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int session_open(struct session *s, const char *image, const char *fstype,
    const char *opts)
{
	char errbuf[512];
	int error;

	memset(s, 0, sizeof(*s));
	s->image = image;
	s->cmd = "rumpsh";
	s->out_tty = isatty(STDOUT_FILENO);
	error = vfs_mount(image, fstype, opts, MNT_RDONLY, &s->mp, errbuf,
	    sizeof(errbuf));
	if (error) {
		fprintf(stderr, "rumpsh: %s: %s\n", image,
		    errbuf[0] ? errbuf : strerror(error));
		return ST_FAIL;
	}
	if ((error = vfs_root(s->mp, &s->cwd)) != 0) {
		fprintf(stderr, "rumpsh: %s: %s%s\n", image,
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

void session_close(struct session *s)
{
	if (s->cwd)
		vrele(s->cwd);
	s->cwd = NULL;
	if (s->mp)
		vfs_unmount(s->mp);
	s->mp = NULL;
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
