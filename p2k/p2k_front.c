/* p2k_front.c: the command lines that start a server: `rumpsh IMAGE mount`, rump_* (NetBSD spelling), mount.fuse3's form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2k/p2k.h"
#include "p2k/p2k_int.h"

/* Joins two -o lists (either may be NULL) into a malloc'd one. */
static char *join_opts(const char *a, const char *b)
{
	char *list = NULL;

	if ((a && *a && p2k_opts_append(&list, a) != 0) ||
	    (b && *b && p2k_opts_append(&list, b) != 0)) {
		free(list);
		return NULL;
	}
	return list ? list : strdup("");
}

static int mount_usage(void)
{
	fprintf(stderr, "usage: rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE "
	    "mount [-f] [-o OPT,...] DIR\n");
	return 2;
}

/* Runs the server with the two -o lists joined. */
static int run_joined(struct p2k_args *a, const char *o1, const char *o2)
{
	char *opts = join_opts(o1, o2);
	int st;

	if (opts == NULL) {
		fprintf(stderr, "%s: %s\n", a->progname, strerror(ENOMEM));
		return 1;
	}
	a->opts = opts;
	st = p2k_run(a);
	free(opts);
	return st;
}

int p2k_mount_cmd(const char *image, const char *fstype, const char *opts,
    int rdonly, int argc, char **argv, p2k_confine_t confine)
{
	struct p2k_args a = { .progname = "rumpsh", .image = image,
	    .fstype = fstype, .rdonly = rdonly, .confine = confine };
	const char *more = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0)
			a.foreground = 1;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !more)
			more = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			return mount_usage();
	}
	if (i + 1 != argc)
		return mount_usage();
	a.dir = argv[i];
	return run_joined(&a, opts, more);
}

/* mount.fuse3 runs `rumpsh IMAGE DIR -o OPTS`: argv[0] is DIR. */
int p2k_fstab_main(const char *image, const char *fstype, const char *opts,
    int rdonly, int argc, char **argv, p2k_confine_t confine)
{
	struct p2k_args a = { .progname = "rumpsh", .image = image,
	    .fstype = fstype, .rdonly = rdonly, .dir = argv[0],
	    .confine = confine };

	if (argc == 3 && strcmp(argv[1], "-o") == 0)
		return run_joined(&a, opts, argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: rumpsh [-t TYPE] [-o OPT,...] IMAGE "
		    "DIR [-o OPT,...]   (the form mount.fuse3 uses)\n");
		return 2;
	}
	return run_joined(&a, opts, NULL);
}

/* The rump_* names, the driver each forces, and its extra flags. */
static const struct rump_front {
	const char *name;
	const char *driver;
	const char *usage;
} rump_fronts[] = {
	{ "rump_ext2fs", "ext2", "[-o OPT,...]" },
	{ "rump_ffs", "ffs", "[-o OPT,...]" },
	{ "rump_msdos", "msdos",
	  "[-o OPT,...] [-u UID] [-g GID] [-m MASK] [-M MASK] [-t GMTOFF]" },
	{ "rump_cd9660", "cd9660", "[-o OPT,...]" },
	{ NULL, NULL, NULL }
};

static const struct rump_front *rump_front(const char *name)
{
	const struct rump_front *f;
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	for (f = rump_fronts; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const char *p2k_rump_driver(const char *progname)
{
	const struct rump_front *f = rump_front(progname);

	return f ? f->driver : NULL;
}

/* mount_msdos's letters as the driver's keys: -u uid, -g gid, -m mask... */
static const char *msdos_key(char c)
{
	switch (c) {
	case 'u': return "uid";
	case 'g': return "gid";
	case 'm': return "mask";
	case 'M': return "dirmask";
	case 't': return "gmtoff";
	}
	return NULL;
}

static void rump_usage_to(FILE *out, const struct rump_front *f)
{
	fprintf(out, "usage: %s [-r] %s IMAGE DIR\n", f->name, f->usage);
}

static int rump_usage(const struct rump_front *f)
{
	rump_usage_to(stderr, f);
	return 2;
}

/* --help: the usage and what the command does, on stdout; status 0. */
static int rump_help(const struct rump_front *f)
{
	rump_usage_to(stdout, f);
	printf("Serves the %s file system of IMAGE at the host directory DIR "
	    "through FUSE,\nin the background, as `rumpsh -t %s IMAGE mount "
	    "DIR` does; -r or -o ro\nmounts it read-only. Unmount with umount "
	    "DIR. See rumpsh(1).\n", f->driver, f->driver);
	return 0;
}

/*
 * mount_msdos -m/-M give the permissions files/directories get (-m 0750:
 * rwxr-x---); the driver's mask=/dirmask= keys take the bits to clear, as
 * a umask (its default is 022). Translated here, in one place.
 */
static int msdos_mask(const char *key, const char *val, char **opts)
{
	char kv[64], *end;
	unsigned long m = strtoul(val, &end, 8);

	if (*val == '\0' || *end != '\0' || m > 0777)
		return -1;
	snprintf(kv, sizeof(kv), "%s=0%03lo", key, ~m & 0777);
	return p2k_opts_append(opts, kv) != 0 ? -1 : 0;
}

/* One option of a rump_* command line, appended to *opts; -1: bad usage. */
static int rump_flag(const struct rump_front *f, int argc, char **argv,
    int *i, char **opts)
{
	char c = argv[*i][1], kv[256];
	const char *key = msdos_key(c), *val;

	if (c != 'o' && (key == NULL || strcmp(f->driver, "msdos") != 0))
		return -1;
	if (argv[*i][2] != '\0')
		val = argv[*i] + 2;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else
		return -1;
	if (c == 'm' || c == 'M')
		return msdos_mask(key, val, opts);
	if (c != 'o') {
		if ((size_t)snprintf(kv, sizeof(kv), "%s=%s", key, val) >=
		    sizeof(kv))
			return -1;
		val = kv;
	}
	return p2k_opts_append(opts, val) != 0 ? -1 : 0;
}

/*
 * `rump_<fs> [-o OPT,...] IMAGE DIR`, as NetBSD's mount_<fs> spells its
 * options (and `-r` for -o ro; `--no-sandbox` as rumpsh's). Serves in the
 * background, like NetBSD's.
 */
int p2k_rump_main(const char *driver, int argc, char **argv,
    p2k_confine_t confine)
{
	const struct rump_front *f = rump_front(argv[0]);
	struct p2k_args a = { .fstype = driver, .confine = confine };
	char *opts = NULL;
	int i, st;

	if (f == NULL)
		return 2;
	a.progname = f->name;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		return rump_help(f);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-r") == 0)
			a.rdonly = 1;
		else if (strcmp(argv[i], "--no-sandbox") == 0)
			a.confine = NULL;
		else if (rump_flag(f, argc, argv, &i, &opts) != 0) {
			free(opts);
			return rump_usage(f);
		}
	}
	if (i + 2 != argc) {
		free(opts);
		return rump_usage(f);
	}
	a.image = argv[i];
	a.dir = argv[i + 1];
	a.opts = opts;
	st = p2k_run(&a);
	free(opts);
	return st;
}
