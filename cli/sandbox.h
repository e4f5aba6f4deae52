/* sandbox.h: confining the process with Landlock to a list of host paths, before it parses an image. */
#ifndef RUMPSH_SANDBOX_H
#define RUMPSH_SANDBOX_H

#include <stdint.h>

/*
 * How a rule may use a path. On a directory the rights reach everything
 * beneath it; on a file, that file alone.
 *   SB_READ   read files, list directories
 *   SB_WRITE  write and truncate files; beneath a directory also create,
 *             remove and rename files, directories, symlinks and fifos
 *             (never device nodes, never execute)
 *   SB_IOCTL  ioctl on a device file opened after confinement (a terminal)
 */
#define SB_READ  0x1
#define SB_WRITE 0x2
#define SB_IOCTL 0x4

struct sandbox {
	int abi;            /* Landlock ABI of the kernel; 0: unavailable */
	int fd;             /* the ruleset being filled, or -1 */
	int error;          /* first failure while adding rules (errno) */
	char failed[256];   /* the path it failed on */
	char why[160];      /* why confinement is unavailable or failed */
};

/* Prepares an empty ruleset. 0, or an errno with sb->why saying why not. */
int sandbox_init(struct sandbox *sb);
/*
 * Allows `how` on path; returns 0 or why not (ENOENT: no such path). A rule
 * that cannot be added leaves that path denied; the first such failure is
 * kept in error/failed for messages.
 */
int sandbox_allow(struct sandbox *sb, const char *path, unsigned how);
/*
 * Confines the process to the rules, for good. 0, or an errno (sb->why).
 * Where the kernel's ABI allows, TCP bind and connect are denied too, and so
 * are signals and abstract unix sockets aimed outside the sandbox.
 */
int sandbox_enforce(struct sandbox *sb);
/* Drops a ruleset that will not be enforced. */
void sandbox_abandon(struct sandbox *sb);
/*
 * Gives up, for good, every capability not in keep (a mask of 1 << CAP_*
 * bits): what a process running as root no longer needs. 0 or an errno.
 */
int sandbox_drop_caps(uint64_t keep);

#endif
