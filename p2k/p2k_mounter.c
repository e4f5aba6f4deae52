/* p2k_mounter.c: the confined server's one unconfined helper: it mounts the FUSE file system when asked, and unmounts it when the server goes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p2k/p2k_int.h"

/*
 * Privilege separation. The server confines itself (Landlock, no_new_privs)
 * before its driver reads a byte of the image, and Landlock then forbids
 * mount(2) and umount(2) to it and to any child it starts (fusermount3
 * included). So, still unconfined, it forks this helper first. The helper
 * reads no image and takes no request from the kernel; it only:
 *  1. waits for one message: the driver's name (one of the driver table's)
 *     and whether the mount is read-only. That is all a server taken over
 *     by a hostile image could choose: the mount point and the user's
 *     options were fixed before the fork;
 *  2. mounts through libfuse (fusermount3 with auto_unmount) and passes the
 *     /dev/fuse descriptor back over the socket, or the reason it failed;
 *  3. waits until the server closes its end (it is done, or it was killed),
 *     unmounts unless the kernel already has (a user's umount), and exits;
 *     the server waits for that exit, so its own exit means "unmounted".
 * Messages are SOCK_SEQPACKET records: request "ro NAME" or "rw NAME";
 * reply one NUL byte with the descriptor attached, or the error text.
 */

#define MSG_MAX 512

/* The descriptor attached to a message, or -1. */
static int recv_fd(int sock, char *buf, size_t size, ssize_t *lenp)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd = -1;

	do
		*lenp = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (*lenp < 0 && errno == EINTR);
	buf[*lenp > 0 ? *lenp : 0] = '\0';
	for (c = CMSG_FIRSTHDR(&msg); *lenp >= 0 && c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int send_fd(int sock, const char *text, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/* a zero-length record cannot carry a descriptor: send one NUL */
	if (iov.iov_len == 0)
		iov.iov_len = 1;
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
}

/* "ro NAME" / "rw NAME" with NAME a driver of the table; else NULL. */
static const char *parse_request(const char *msg, int *rdonly)
{
	const struct vfsops *d;

	if (strncmp(msg, "ro ", 3) != 0 && strncmp(msg, "rw ", 3) != 0)
		return NULL;
	*rdonly = msg[1] == 'o';
	d = vfs_driver_named(msg + 3);
	return d ? d->vfs_name : NULL;
}

/* Steps 2 and 3 for one request; the session, if mounted, in *sep. */
static void mount_for(int sock, const struct p2k_mountspec *ms,
    const char *msg, struct fuse_session **sep)
{
	static const struct fuse_lowlevel_ops none;
	const char *fsname;
	char *list;
	int rdonly;

	if ((fsname = parse_request(msg, &rdonly)) == NULL) {
		send_fd(sock, "bad request to the mount helper", -1);
		return;
	}
	list = p2k_fuse_optlist(ms, fsname, rdonly || ms->rdonly);
	*sep = list ? p2k_session_new(ms->progname, list, &none,
	    sizeof(none), NULL) : NULL;
	free(list);
	if (*sep == NULL) {
		send_fd(sock, "cannot set up the FUSE session", -1);
		return;
	}
	if (fuse_session_mount(*sep, ms->dir) != 0) {
		fuse_session_destroy(*sep);
		*sep = NULL;
		send_fd(sock, "FUSE mount failed", -1);
		return;
	}
	p2k_readahead_raise(ms->dir);
	send_fd(sock, "", fuse_session_fd(*sep));
}

/* The helper's whole life, in the child. */
static void __attribute__((noreturn)) mounter_main(int sock,
    const struct p2k_mountspec *ms)
{
	struct fuse_session *se = NULL;
	char msg[MSG_MAX];
	ssize_t len;
	int fd, null;

	/* the server's signals (^C, kill) are its to handle; this one
	 * leaves when the server's end of the socket closes */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((fd = recv_fd(sock, msg, sizeof(msg), &len)) >= 0)
		close(fd);
	if (len > 0)
		mount_for(sock, ms, msg, &se);
	/* let go of the caller's terminal, pipes and directory */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (chdir("/") != 0)
		_exit(1);
	while (len > 0) {
		if ((fd = recv_fd(sock, msg, sizeof(msg), &len)) >= 0)
			close(fd);
	}
	if (se != NULL) {
		/* polls the descriptor: nothing to do after a user's umount */
		fuse_session_unmount(se);
		fuse_session_destroy(se);
	}
	_exit(0);
}

int p2k_mounter_start(struct p2k_mounter *m, const struct p2k_mountspec *ms)
{
	int sv[2];

	m->sock = -1;
	m->pid = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return errno;
	fflush(NULL);
	m->pid = fork();
	if (m->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return errno;
	}
	if (m->pid == 0) {
		close(sv[0]);
		mounter_main(sv[1], ms);
	}
	close(sv[1]);
	m->sock = sv[0];
	return 0;
}

int p2k_mounter_mount(struct p2k_mounter *m, const char *fsname, int rdonly,
    int *fdp, char *why, size_t size)
{
	char msg[MSG_MAX];
	ssize_t len;
	int error;

	*fdp = -1;
	snprintf(msg, sizeof(msg), "%s %s", rdonly ? "ro" : "rw", fsname);
	if ((error = send_fd(m->sock, msg, -1)) != 0) {
		snprintf(why, size, "mount helper: %s", strerror(error));
		return error;
	}
	*fdp = recv_fd(m->sock, msg, sizeof(msg), &len);
	if (*fdp >= 0 && len == 1 && msg[0] == '\0')
		return 0;
	if (*fdp >= 0)
		close(*fdp);
	*fdp = -1;
	snprintf(why, size, "%s", len > 0 ? msg : "the mount helper died");
	return EIO;
}

void p2k_mounter_finish(struct p2k_mounter *m)
{
	char msg[MSG_MAX];
	ssize_t len = 1;
	int fd;

	if (m->sock < 0)
		return;
	/* our end closing is the signal; its end closing, the answer */
	shutdown(m->sock, SHUT_WR);
	while (len > 0)
		if ((fd = recv_fd(m->sock, msg, sizeof(msg), &len)) >= 0)
			close(fd);
	close(m->sock);
	m->sock = -1;
	/* a daemonized server is not the helper's parent: ECHILD */
	while (waitpid(m->pid, NULL, 0) < 0 && errno == EINTR)
		;
}
