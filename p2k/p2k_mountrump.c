/* p2k_mountrump.c: mount.rump, the helper mount(8) runs for file systems of type rump or rump.DRIVER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2k/p2k.h"
#include "p2k/p2k_int.h"

/*
 * `mount -t rump disk.img /mnt`, or an fstab line `disk.img /mnt rump
 * ro,noauto 0 0` and `mount /mnt`, make mount(8) run
 *     /sbin/mount.rump SPEC DIR [-sfnv] [-N NS] [-o OPTS] [-t rump[.DRIVER]]
 * (util-linux's helper convention; options may follow the operands). The
 * type's subtype, if any, forces the driver (rump.ext2); plain "rump"
 * probes. The server runs in the background like mount's other helpers,
 * and the status is mount(8)'s: 0, 1 for bad usage, 32 if the mount failed.
 * umount(8) needs no helper: the kernel unmounts, and the server then
 * writes everything out and ends.
 */

#define MR_USAGE 1
#define MR_FAILED 32

static int mr_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "mount.rump: %s\n", why);
	fprintf(stderr, "usage: mount.rump IMAGE DIR [-sfnv] [-o OPT,...] "
	    "[-t rump[.DRIVER]]\n");
	return MR_USAGE;
}

int p2k_is_mountrump(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	return strcmp(slash ? slash + 1 : progname, "mount.rump") == 0;
}

/* -t's value: the driver its subtype names, NULL for plain "rump". */
static int mr_type(const char *type, const char **driver)
{
	const struct vfsops *d;

	*driver = NULL;
	if (strcmp(type, "rump") == 0)
		return 0;
	if (strncmp(type, "rump.", 5) != 0 ||
	    (d = vfs_driver_named(type + 5)) == NULL)
		return -1;
	*driver = d->vfs_name;
	return 0;
}

int p2k_mountrump_main(int argc, char **argv, p2k_confine_t confine)
{
	struct p2k_args a = { .progname = "mount.rump", .confine = confine };
	const char *operand[2], *val;
	char *opts = NULL;
	int noperands = 0, fake = 0, i, j, st;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (w[0] != '-' || w[1] == '\0') {
			if (noperands == 2)
				goto usage;
			operand[noperands++] = w;
			continue;
		}
		for (j = 1; w[j] != '\0'; j++) {
			if (strchr("snv", w[j]) != NULL)
				continue;   /* sloppy, no mtab, verbose: nothing to do */
			if (w[j] == 'f') {
				fake = 1;
				continue;
			}
			if (strchr("otN", w[j]) == NULL)
				goto usage;
			val = w[j + 1] ? w + j + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (val == NULL)
				goto usage;
			if (w[j] == 'N') {
				free(opts);
				return mr_usage("-N: mounting in another namespace is not "
				    "supported");
			}
			if (w[j] == 't' && mr_type(val, &a.fstype) != 0) {
				free(opts);
				fprintf(stderr, "mount.rump: unknown type '%s'\n", val);
				return mr_usage(NULL);
			}
			if (w[j] == 'o' && p2k_opts_append(&opts, val) != 0) {
				free(opts);
				return MR_FAILED;
			}
			break;
		}
	}
	if (noperands != 2)
		goto usage;
	if (fake) {   /* -f: everything but the mount itself */
		free(opts);
		return 0;
	}
	a.image = operand[0];
	a.dir = operand[1];
	a.opts = opts;
	st = p2k_run(&a);
	free(opts);
	return st == 0 ? 0 : MR_FAILED;
usage:
	free(opts);
	return mr_usage(NULL);
}
