/* fuzz_common.h: what both libFuzzer harnesses share: the input as an image file, and the bounds of one run. */
#ifndef RUMPSH_FUZZ_COMMON_H
#define RUMPSH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfs/vfs.h"

#ifndef FUZZ_FSTYPE
#error "build with -DFUZZ_FSTYPE='\"ext2\"' (or ffs, msdos, cd9660)"
#endif

#define FUZZ_MAXDEPTH   12          /* directory levels walked */
#define FUZZ_MAXNODES   512         /* files looked at per input */
#define FUZZ_MAXDIRENTS 256         /* entries taken from one directory */
#define FUZZ_READMAX    (256u << 10) /* bytes read from one file */
#define FUZZ_CHUNK      (64u << 10)

/*
 * The input becomes an image the VFS opens by path: one memfd, reused for
 * every input, named through /proc/self/fd. Returns 0, or -1 if the
 * machine refuses (then the harness has nothing to test).
 */
static inline int fuzz_image(const uint8_t *data, size_t size,
    char *path, size_t pathsize)
{
	static int fd = -1;
	size_t off = 0;
	ssize_t n;

	if (fd < 0 && (fd = memfd_create("fuzz-image", MFD_CLOEXEC)) < 0)
		return -1;
	if (ftruncate(fd, 0) != 0)
		return -1;
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return 0;
}

static inline void fuzz_info_sink(void *arg, const char *key,
    const char *value)
{
	(void)arg;
	(void)key;
	(void)value;
}

static inline void fuzz_fsck_sink(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

#endif
