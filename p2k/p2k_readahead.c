/* p2k_readahead.c: a larger readahead window for the FUSE mount just made, where the system lets us set it. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "p2k/p2k_int.h"

/*
 * The kernel sends FUSE reads no larger than the mount's readahead window,
 * which starts at 128 KiB whatever max_readahead the server offers; only
 * the window's sysfs knob (/sys/class/bdi/MAJ:MIN/read_ahead_kb, root only)
 * raises it. A 1 MiB window means 512 KiB reads (max_read): a quarter of
 * the requests, and of the splices per byte. The knob belongs to this mount
 * alone and goes away with it. Without the right to set it, reads stay at
 * 128 KiB, which is slower but the same data.
 */

/* A mountinfo path field with its octal escapes (\040 for space) undone. */
static void unescape(const char *in, size_t inlen, char *out, size_t outsize)
{
	size_t i = 0, o = 0;

	while (i < inlen && o + 1 < outsize) {
		if (in[i] == '\\' && i + 3 < inlen && in[i + 1] >= '0' &&
		    in[i + 1] <= '3') {
			out[o++] = (char)(((in[i + 1] - '0') << 6) |
			    ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
			i += 4;
		} else
			out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* "MAJ:MIN" of the last mount at dir (the one on top), or 0 if none. */
static int mount_devno(const char *dir, char *devno, size_t size)
{
	char line[8192], point[PATH_MAX];
	int found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT POINT ... */
		char *dev = strchr(line, ' '), *root, *pt, *end;

		if (dev == NULL || (dev = strchr(dev + 1, ' ')) == NULL)
			continue;
		dev++;
		if ((root = strchr(dev, ' ')) == NULL ||
		    (pt = strchr(root + 1, ' ')) == NULL ||
		    (end = strchr(pt + 1, ' ')) == NULL)
			continue;
		unescape(pt + 1, (size_t)(end - pt - 1), point, sizeof(point));
		if (strcmp(point, dir) == 0 && (size_t)(root - dev) < size) {
			memcpy(devno, dev, (size_t)(root - dev));
			devno[root - dev] = '\0';
			found = 1;
		}
	}
	fclose(f);
	return found;
}

void p2k_readahead_raise(const char *dir)
{
	char devno[64], path[128], value[32];
	int fd, n;

	if (!mount_devno(dir, devno, sizeof(devno)))
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", devno);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return;
	n = snprintf(value, sizeof(value), "%u\n", P2K_MAX_IO / 1024);
	if (write(fd, value, (size_t)n) != n) {
		/* not ours to set: reads stay at the default window */
	}
	close(fd);
}
