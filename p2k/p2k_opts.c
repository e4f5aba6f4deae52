/* p2k_opts.c: sorting a mount's -o list into FUSE's options, the driver's options and fstab noise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2k/p2k_int.h"

/*
 * A -o list reaches us from three places: the user (`rumpsh -o`, `rump_*
 * -o`), mount(8) through mount.fuse3 (fstab), and NetBSD habits. Each key
 * goes to one of:
 *  - the kernel's FUSE mount (generic mount flags, allow_other,
 *    default_permissions);
 *  - the driver, through vfs_mount (ro, rw and the keys the driver declares
 *    in vfs_opts: vfs_mount rejects any other, naming it);
 *  - nowhere: fstab's instructions to mount(8) itself, and what p2k sets.
 */

/* Flags of the kernel's mount that FUSE takes as they are. */
static const char *const fuse_keys[] = {
	"allow_other", "default_permissions", "nosuid", "suid", "nodev", "dev",
	"noexec", "exec", "noatime", "nodiratime", "sync", "async", "dirsync",
	"norelatime", "strictatime", "nostrictatime", NULL
};

/* For mount(8) or set by p2k itself: dropped. */
static const char *const drop_keys[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "owner",
	"group", "_netdev", "nofail", "auto_unmount", "fsname", "subtype",
	"rdonly", "comment", "atime", "diratime", "relatime", NULL
};

static int in_list(const char *const *list, const char *key, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, key, len) == 0)
			return 1;
	return 0;
}

/* Appends opt to a malloc'd comma list (*list may be NULL). */
int p2k_opts_append(char **list, const char *opt)
{
	size_t old = *list ? strlen(*list) : 0;
	char *n = realloc(*list, old + strlen(opt) + 2);

	if (n == NULL)
		return ENOMEM;
	if (old)
		n[old++] = ',';
	strcpy(n + old, opt);
	*list = n;
	return 0;
}

/* One key=value (or bare key) of the list. */
static int split_one(const char *progname, const char *tok,
    struct p2k_optsplit *os)
{
	size_t klen = strcspn(tok, "=");

	if (klen == 0)
		return 0;
	if (strcmp(tok, "ro") == 0 || strcmp(tok, "rdonly") == 0)
		os->rdonly = 1, os->rw = 0;
	else if (strcmp(tok, "rw") == 0)
		os->rw = 1, os->rdonly = 0;
	if (strncmp(tok, "x-", 2) == 0 || in_list(drop_keys, tok, klen))
		return 0;
	if (strcmp(tok, "log") == 0) {
		fprintf(stderr, "%s: -o log: this FFS driver has no WAPBL "
		    "journal; mounting without one\n", progname);
		return 0;
	}
	if (strcmp(tok, "allow_other") == 0)
		os->allow_other = 1;
	if (in_list(fuse_keys, tok, klen))
		return p2k_opts_append(&os->fuse, tok);
	if (strcmp(tok, "ro") == 0 || strcmp(tok, "rw") == 0)
		return 0;   /* added once at the end, by p2k_run */
	return p2k_opts_append(&os->driver, tok);
}

int p2k_opts_split(const char *progname, const char *opts,
    struct p2k_optsplit *os)
{
	char *copy, *tok, *save = NULL;
	int error = 0;

	memset(os, 0, sizeof(*os));
	if (opts == NULL || *opts == '\0')
		return 0;
	if ((copy = strdup(opts)) == NULL)
		return ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && error == 0;
	    tok = strtok_r(NULL, ",", &save))
		error = split_one(progname, tok, os);
	free(copy);
	if (error)
		p2k_opts_free(os);
	return error;
}

void p2k_opts_free(struct p2k_optsplit *os)
{
	free(os->driver);
	free(os->fuse);
	os->driver = os->fuse = NULL;
}
