/* sandbox_probe.c: a test-only LD_PRELOAD shim: before the first pread (the driver's first read of the image), try to open $RUMPSH_PROBE and to connect over TCP, and say what happened. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * The release binary has no hook for this: the shim wraps libc's pread,
 * which rumpsh's block device layer calls for every read of the image.
 * The line goes to stderr, with the process id, once per process.
 */
/* 127.0.0.1 port 1: refused when unconfined; Landlock denies it first */
static void probe_tcp(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(1), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return;
	r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	dprintf(2, "probe pid %d: tcp connect: %s\n", (int)getpid(),
	    r == 0 ? "connected" : strerror(errno));
	close(s);
}

static void probe_once(void)
{
	static int done;
	const char *path = getenv("RUMPSH_PROBE");
	int fd;

	if (done || path == NULL)
		return;
	done = 1;
	fd = open(path, O_RDONLY);
	dprintf(2, "probe pid %d: open %s: %s\n", (int)getpid(), path,
	    fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);
	probe_tcp();
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*next)(int, void *, size_t, off_t);

	probe_once();
	if (next == NULL)
		next = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT,
		    "pread64");
	return next(fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return pread64(fd, buf, n, off);
}
