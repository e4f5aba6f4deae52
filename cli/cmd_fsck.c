/* cmd_fsck.c: fsck, running the driver's checker; the command's status is its fsck(8) status. */
#include <stdio.h>

#include "cli/cli.h"

#define FSCK_ST_OPERATIONAL 8    /* fsck(8): operational error */

static void fsck_line(void *arg, const char *msg)
{
	(void)arg;
	printf("%s\n", msg);
}

/*
 * -n (and no mode at all) checks without changing anything, on the
 * read-only open; -y and -p repair, which needs the image open read-write.
 */
int cmd_fsck(struct session *s, int argc, char **argv)
{
	unsigned flags = 0;
	struct opts o;
	int st;

	if ((st = opts_parse(s, argc, argv, "nypvf", &o)) != ST_OK)
		return st;
	if (o.nargs > 0)
		return sess_usage(s, "too many arguments");
	if (o.set['n'] + o.set['y'] + o.set['p'] > 1)
		return sess_usage(s, "-n, -y and -p exclude each other");
	if (o.set['y'])
		flags |= FSCK_REPAIR;
	else if (o.set['p'])
		flags |= FSCK_PREEN;
	else
		flags |= FSCK_NOWRITE;
	if (o.set['v'])
		flags |= FSCK_VERBOSE;
	if (o.set['f'])
		flags |= FSCK_FORCE;
	if (!(flags & FSCK_NOWRITE) && session_writable(s, s->image) != ST_OK)
		return FSCK_ST_OPERATIONAL;
	st = vfs_fsck(s->mp, flags, fsck_line, NULL);
	fflush(stdout);
	return st;
}
