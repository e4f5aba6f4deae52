/* p2k.h: what the command line needs of p2k: serving a file-system image to the kernel through FUSE. */
#ifndef RUMPSH_P2K_H
#define RUMPSH_P2K_H

#include <stddef.h>

/*
 * Every entry point returns a program exit status: 0 (served, then cleanly
 * unmounted; or, in the background, mounted), 1 (the image or the mount
 * failed: the reason is on stderr), 2 (usage error). They never return
 * while the file system is mounted in the foreground.
 */

/*
 * A front end's sandbox: confines the process to the image (writable or
 * not) and what a daemon needs, for good. 0 once confined; otherwise an
 * errno, and why says why unless running unconfined needs no warning.
 */
typedef int (*p2k_confine_t)(const char *image, int writable, char *why,
    size_t size);

/* What to serve, and where. */
struct p2k_args {
	const char *progname;   /* for messages: "rumpsh", "rump_ffs", ... */
	const char *image;      /* IMAGE as given (disk.img, disk.img@N, /dev/x) */
	const char *fstype;     /* a driver name, or NULL to probe */
	const char *opts;       /* the -o list: driver, FUSE and fstab keys */
	const char *dir;        /* the mount point */
	int rdonly;             /* -r */
	int foreground;         /* -f: do not daemonize */
	p2k_confine_t confine;  /* run before the image is read; NULL: none */
};

/* Mounts and serves; the whole life of one FUSE server. */
int p2k_run(const struct p2k_args *a);

/* `rumpsh [-t T] [-o O] [-r] IMAGE mount [-f] [-o O] DIR`: argv[0] is "mount". */
int p2k_mount_cmd(const char *image, const char *fstype, const char *opts,
    int rdonly, int argc, char **argv, p2k_confine_t confine);

/* `rump_ffs [-o O] IMAGE DIR` and friends; NULL if name is none of them. */
const char *p2k_rump_driver(const char *progname);
int p2k_rump_main(const char *driver, int argc, char **argv,
    p2k_confine_t confine);

/*
 * mount(8)'s calling form for fstab type fuse.rumpsh, through mount.fuse3:
 * `rumpsh IMAGE DIR -o OPTS`. argv[0] is DIR (an existing directory whose
 * name is no command).
 */
int p2k_fstab_main(const char *image, const char *fstype, const char *opts,
    int rdonly, int argc, char **argv, p2k_confine_t confine);

/* mount(8)'s helper for type rump (/sbin/mount.rump): argv[0] names it. */
int p2k_is_mountrump(const char *progname);
int p2k_mountrump_main(int argc, char **argv, p2k_confine_t confine);

#endif
