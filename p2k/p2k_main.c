/* p2k_main.c: one FUSE server's life: the core mount, the FUSE session and its options, daemonizing, the loop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "p2k/p2k.h"
#include "p2k/p2k_int.h"

#define P2K_TIMEOUT      1.0    /* attr and entry cache, seconds */
#define P2K_IDLE_SYNC_MS 1000   /* sync this long after the last change */
#define P2K_SPIN_US 100         /* busy-poll this long after a request */

static void errx_msg(const struct p2k_args *a, const char *what,
    const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", a->progname, what, why);
}

/*
 * Opens the image read-write unless asked for read-only; a driver or an
 * image that cannot be written (ext2 today, ISO 9660, a read-only file) is
 * mounted read-only instead, with a note, unless "rw" was asked for.
 */
static int core_mount(struct p2k *p, const struct p2k_args *a,
    const struct p2k_optsplit *os)
{
	char errbuf[512];
	unsigned flags = (a->rdonly || os->rdonly) ? MNT_RDONLY : 0;
	struct vnode *root;
	int error;

	error = vfs_mount(a->image, a->fstype, os->driver, flags, &p->mp,
	    errbuf, sizeof(errbuf));
	if ((error == EROFS || error == EACCES) && flags == 0 && !os->rw) {
		fprintf(stderr, "%s: %s: mounting read-only: %s\n",
		    a->progname, a->image, errbuf[0] ? errbuf : strerror(error));
		flags = MNT_RDONLY;
		error = vfs_mount(a->image, a->fstype, os->driver, flags,
		    &p->mp, errbuf, sizeof(errbuf));
	}
	if (error) {
		errx_msg(a, a->image, errbuf[0] ? errbuf : strerror(error));
		return error;
	}
	if ((error = vfs_root(p->mp, &root)) != 0) {
		errx_msg(a, a->image, p->mp->mnt_corrupt[0] ?
		    p->mp->mnt_corrupt : strerror(error));
		vfs_unmount(p->mp);
		return error;
	}
	if ((error = p2k_nodes_init(&p->nodes, root)) != 0) {
		vrele(root);
		vfs_unmount(p->mp);
		return error;
	}
	p->rdonly = (p->mp->mnt_flags & MNT_RDONLY) != 0;
	return 0;
}

/* fsname=: the image's absolute path, commas and backslashes escaped. */
static int add_fsname(char **list, const char *image)
{
	char abs[PATH_MAX], *opt, *o;
	const char *s = realpath(image, abs) ? abs : image;
	int error;

	if ((opt = malloc(strlen(s) * 2 + 8)) == NULL)
		return ENOMEM;
	o = opt + sprintf(opt, "fsname=");
	for (; *s; s++) {
		if (*s == ',' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	error = p2k_opts_append(list, opt);
	free(opt);
	return error;
}

/* FUSE's -o: fsname, subtype, auto_unmount, max_read, ro, the user's. */
char *p2k_fuse_optlist(const struct p2k_mountspec *ms, const char *fsname,
    int rdonly)
{
	char *list = NULL, sub[64], maxread[32];
	int error;

	snprintf(sub, sizeof(sub), "subtype=%s", fsname);
	snprintf(maxread, sizeof(maxread), "max_read=%u", P2K_MAX_READ);
	error = add_fsname(&list, ms->image);
	if (error == 0)
		error = p2k_opts_append(&list, sub);
	if (error == 0)
		error = p2k_opts_append(&list, "auto_unmount");
	if (error == 0)
		error = p2k_opts_append(&list, maxread);
	if (error == 0 && rdonly)
		error = p2k_opts_append(&list, "ro");
	/* others may use the mount: the kernel checks their permissions */
	if (error == 0 && ms->os->allow_other)
		error = p2k_opts_append(&list, "default_permissions");
	if (error == 0 && ms->os->fuse)
		error = p2k_opts_append(&list, ms->os->fuse);
	if (error) {
		free(list);
		return NULL;
	}
	return list;
}

struct fuse_session *p2k_session_new(const char *progname, const char *list,
    const struct fuse_lowlevel_ops *ops, size_t opsize, void *userdata)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;

	if (fuse_opt_add_arg(&args, progname) == 0 &&
	    fuse_opt_add_arg(&args, "-o") == 0 &&
	    fuse_opt_add_arg(&args, list) == 0)
		se = fuse_session_new(&args, ops, opsize, userdata);
	fuse_opt_free_args(&args);
	return se;
}

/* A pause in a busy wait: tells the CPU (and a hypervisor) that we spin. */
static void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * The single-threaded loop of fuse_session_loop, plus two things:
 *  - a second after the last change with no request in between, everything
 *    is written to the image (vfs_sync), so a server killed while idle
 *    leaves the image consistent (only its clean flag says it was not
 *    unmounted);
 *  - after each request the server keeps trying the (non-blocking) device
 *    for P2K_SPIN_US before it sleeps in poll(). A busy client's next
 *    request usually comes within that time, and sleeping in between costs
 *    waking an idle CPU once per request, which is slow in a virtual
 *    machine (bsdtar -cf of 5,000 small files: 2.4 s sleeping, 0.8 s
 *    spinning). An idle mount spins once, then sleeps; with one CPU it
 *    never spins.
 */
static int serve(struct fuse_session *se, struct p2k *p)
{
	struct fuse_buf buf = { .mem = NULL };
	struct pollfd pfd = { .fd = fuse_session_fd(se), .events = POLLIN };
	uint64_t spin_until = 0;
	/* with one CPU, spinning would only keep the client off it */
	int spin = sysconf(_SC_NPROCESSORS_ONLN) > 1, res = 0, flags, error;

	flags = fcntl(pfd.fd, F_GETFL);
	if (flags < 0 || fcntl(pfd.fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	while (!fuse_session_exited(se)) {
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EAGAIN) {
			res = 0;
			if (now_us() < spin_until) {
				spin_pause();
				continue;
			}
			/* poll: 0 is the idle timeout, -1 a signal (then check exited) */
			if (poll(&pfd, 1, p->dirty && !p->shut ?
			    P2K_IDLE_SYNC_MS : -1) == 0) {
				p->dirty = 0;
				if ((error = vfs_sync(p->mp)) != 0)
					p2k_log(p, "sync: %s", strerror(error));
			}
			continue;
		}
		if (res == -EINTR) {
			res = 0;   /* a signal asking us to stop is no error */
			continue;
		}
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &buf);
		if (spin)
			spin_until = now_us() + P2K_SPIN_US;
	}
	free(buf.mem);
	fuse_session_reset(se);
	return res < 0 ? -res : 0;
}

/*
 * Attaches se to the descriptor the helper mounted ("/dev/fd/N": libfuse
 * then leaves mounting and unmounting to the helper), daemonizes (unless
 * -f) once the mount is there, serves.
 */
static int attach_and_serve(struct p2k *p, const struct p2k_args *a,
    struct fuse_session *se, const char *fdpath)
{
	int st = 1, error;

	if (fuse_set_signal_handlers(se) != 0) {
		errx_msg(a, a->dir, "cannot install signal handlers");
		return 1;
	}
	if (fuse_session_mount(se, fdpath) != 0) {
		errx_msg(a, a->dir, "FUSE mount failed");
	} else {
		if (fuse_daemonize(a->foreground) == 0 &&
		    (error = serve(se, p)) == 0)
			st = 0;
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
	return st;
}

static int check_dir(const struct p2k_args *a)
{
	struct stat st;

	if (stat(a->dir, &st) != 0) {
		errx_msg(a, a->dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errx_msg(a, a->dir, strerror(ENOTDIR));
		return -1;
	}
	return 0;
}

/* The session for the mounted core, mounted by the helper, served. */
static int serve_mounted(struct p2k *p, const struct p2k_args *a,
    const struct p2k_mountspec *ms, struct p2k_mounter *m)
{
	const char *fsname = p->mp->mnt_op->vfs_name;
	char *list, why[256], fdpath[32];
	struct fuse_session *se;
	int fd, st = 1;

	list = p2k_fuse_optlist(ms, fsname, p->rdonly);
	se = list ? p2k_session_new(a->progname, list, &p2k_ops,
	    sizeof(p2k_ops), p) : NULL;
	free(list);
	if (se == NULL) {
		errx_msg(a, a->dir, "cannot set up the FUSE session");
		return 1;
	}
	if (p2k_mounter_mount(m, fsname, p->rdonly, &fd, why,
	    sizeof(why)) != 0)
		errx_msg(a, a->dir, why);
	else {
		snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
		st = attach_and_serve(p, a, se, fdpath);
	}
	fuse_session_destroy(se);   /* runs destroy if init ran */
	return st;
}

/* The front end's sandbox, before the image is opened; a warning if it failed. */
static void confine(const struct p2k_args *a, const struct p2k_optsplit *os)
{
	char why[256] = "";

	if (a->confine != NULL &&
	    a->confine(a->image, !(a->rdonly || os->rdonly), why,
	    sizeof(why)) != 0 && why[0] != '\0')
		fprintf(stderr, "%s: warning: running unconfined: %s\n",
		    a->progname, why);
}

/*
 * The order is the point: the mount helper is forked while the process
 * may still mount; then the server confines itself; only then does the
 * driver read the image, and the mount appears once it has been read.
 */
int p2k_run(const struct p2k_args *a)
{
	struct p2k p = { .timeout = P2K_TIMEOUT, .foreground = a->foreground,
	    .progname = a->progname, .image = a->image };
	struct p2k_mounter m = { .sock = -1, .pid = -1 };
	struct p2k_mountspec ms = { .progname = a->progname,
	    .image = a->image };
	struct p2k_optsplit os;
	char dir[PATH_MAX];
	int st = 1, error;

	if (check_dir(a) != 0 || p2k_opts_split(a->progname, a->opts, &os))
		return 1;
	ms.dir = realpath(a->dir, dir) ? dir : a->dir;
	ms.rdonly = a->rdonly || os.rdonly;
	ms.os = &os;
	if ((error = p2k_mounter_start(&m, &ms)) != 0)
		errx_msg(a, "mount helper", strerror(error));
	else {
		confine(a, &os);
		p.iobuf = malloc(P2K_IOBUF);
		p.readvec = malloc(sizeof(*p.readvec) +
		    2 * P2K_READ_SEGS * sizeof(p.readvec->buf[0]));
		if (p.iobuf != NULL && p.readvec != NULL &&
		    core_mount(&p, a, &os) == 0) {
			p.iobufsize = P2K_IOBUF;
			st = serve_mounted(&p, a, &ms, &m);
			p2k_shutdown(&p);
			if (p.unmount_error)
				st = 1;
		}
		p2k_mounter_finish(&m);
	}
	p2k_opts_free(&os);
	free(p.iobuf);
	free(p.readvec);
	return st;
}
