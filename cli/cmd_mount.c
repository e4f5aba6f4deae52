/* cmd_mount.c: `mount` inside a session, which only says where mounting happens (see p2k/). */
#include "cli/cli.h"

/*
 * A FUSE server owns its process for as long as the mount lives, so it is
 * started from the command line (main.c hands `rumpsh IMAGE mount DIR` to
 * p2k before any session opens), never from inside a shell session.
 */
int cmd_mount(struct session *s, int argc, char **argv)
{
	sess_errmsg(s, NULL, "runs from the command line only: rumpsh %s "
	    "mount [-f] DIR", s->image);
	return ST_USAGE;
}
