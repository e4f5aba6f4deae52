/* cmdtab.c: the command table (name, handler, usage, help), dispatch, `help` and `exit`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct command commands[] = {
	{ "help", cmd_help, "[CMD]", "list the commands, or explain one",
	  "Without CMD, lists every command. With CMD, prints its usage and\n"
	  "options." },
	{ "ls", cmd_ls, "[-laRdih1] [PATH...]", "list directory contents",
	  "  -l  long format: mode, links, uid, gid, size, mtime, name\n"
	  "  -a  include entries whose names start with '.', and . and ..\n"
	  "  -R  list subdirectories recursively\n"
	  "  -d  list directories themselves, not their contents\n"
	  "  -i  print each file's inode number\n"
	  "  -h  with -l, sizes like 1.5K, 23M\n"
	  "  -1  one name per line, even on a terminal\n"
	  "Owners are shown as numbers (the image's ids). Entries are sorted\n"
	  "by name; one per line unless stdout is a terminal." },
	{ "cd", cmd_cd, "[DIR]", "change the current directory (default /)",
	  "Paths of every command are relative to the current directory." },
	{ "pwd", cmd_pwd, "", "print the current directory", "" },
	{ "stat", cmd_stat, "PATH...", "show a file's attributes",
	  "Size, blocks, type, inode, links, mode, owner, all four times with\n"
	  "nanoseconds, and the file's extended attributes if it has any.\n"
	  "Symbolic links are not followed." },
	{ "cat", cmd_cat, "FILE...", "write files' contents to stdout",
	  "Binary-safe." },
	{ "find", cmd_find,
	  "[PATH...] [-name GLOB] [-type f|d|l|b|c|p|s] [-size [+-]N[bckwMG]] "
	  "[-maxdepth N] [-mindepth N]",
	  "search for files in a tree",
	  "Prints the path of every file under PATH (default .) that passes\n"
	  "all the tests, as find(1) does:\n"
	  "  -name GLOB   the last component matches the shell pattern\n"
	  "  -type T      f file, d dir, l symlink, b/c device, p fifo, s socket\n"
	  "  -size [+-]N  size in units rounded up: b 512 (default), c bytes,\n"
	  "               w 2 bytes, k KiB, M MiB, G GiB; + more, - less\n"
	  "  -maxdepth N  descend at most N levels below PATH\n"
	  "  -mindepth N  print nothing above level N\n"
	  "  -print       accepted and ignored (printing is the default)" },
	{ "du", cmd_du, "[-sh] [PATH...]", "show disk usage",
	  "Allocated space in KiB of each directory under PATH (default .),\n"
	  "hard-linked files counted once.\n"
	  "  -s  only a total for each PATH\n"
	  "  -h  sizes like 1.5K, 23M" },
	{ "df", cmd_df, "[-hi]", "show free space of the file system",
	  "  -h  sizes like 1.5K, 23M\n"
	  "  -i  inodes instead of blocks" },
	{ "info", cmd_info, "", "describe the file system and the disk",
	  "Prints what the driver knows of the file system (key: value), then\n"
	  "the partition table of the whole disk, if it has one." },
	{ "get", cmd_get, "[-rp] SRC... HOSTDEST", "copy files out to the host",
	  "Copies image files to HOSTDEST on the host; into it if it is an\n"
	  "existing directory. Symbolic links are copied as links, holes in\n"
	  "files are kept, existing host files are overwritten.\n"
	  "  -r  copy directories recursively\n"
	  "  -p  keep mode, owner (when permitted) and times" },
	{ "exit", cmd_exit, "[N]", "end the session (status N, default 0)", "" },
	{ "put", cmd_put, "[-rp] HOSTSRC... DEST", "copy host files into the image",
	  "Copies host files to DEST in the image; into it if it is an existing\n"
	  "directory. Existing files are overwritten. Symbolic links are copied\n"
	  "as links, files with several names in the copied set as hard links.\n"
	  "The holes of a sparse host file are not written, so the copy stays\n"
	  "sparse where the file system keeps holes. A fifo or device named as\n"
	  "HOSTSRC is read like a file unless -p is given.\n"
	  "  -r  copy directories recursively\n"
	  "  -p  keep mode, owner and times (nanoseconds), make fifos and\n"
	  "      device nodes as such, and copy xattrs like cp -a (user.* and\n"
	  "      POSIX ACLs; as root also trusted.* and security.*)\n"
	  "Without -p, new files get the host mode less the umask." },
	{ "cp", cmd_cp, "[-rp] SRC... DEST", "copy files within the image",
	  "Copies to DEST; into it if it is an existing directory. Symbolic\n"
	  "links, fifos and device nodes are copied as they are, hard links in\n"
	  "the copied set stay hard links, holes stay holes.\n"
	  "  -r  copy directories recursively (-R too)\n"
	  "  -p  keep mode, owner and times" },
	{ "mv", cmd_mv, "SRC... DEST", "move or rename files within the image",
	  "Renames SRC to DEST, replacing a file (or an empty directory) there;\n"
	  "moves SRC into DEST if DEST is an existing directory." },
	{ "rm", cmd_rm, "[-rf] PATH...", "remove files",
	  "Symbolic links are removed, not what they point to.\n"
	  "  -r  remove directories and their contents (-R too)\n"
	  "  -f  ignore missing files; no error without operands\n"
	  "The root directory, '.' and '..' are never removed." },
	{ "mkdir", cmd_mkdir, "[-p] [-m MODE] DIR...", "make directories",
	  "  -p       make missing parents too; an existing directory is fine\n"
	  "  -m MODE  the new directories' mode (as chmod), not 0777 less umask" },
	{ "rmdir", cmd_rmdir, "DIR...", "remove empty directories", "" },
	{ "ln", cmd_ln, "[-s] TARGET LINKNAME", "make a hard or symbolic link",
	  "Makes LINKNAME (or LINKNAME/TARGET's name, if LINKNAME is a\n"
	  "directory) a hard link to TARGET, which may not be a directory.\n"
	  "  -s  a symbolic link holding the text TARGET instead" },
	{ "chmod", cmd_chmod, "MODE PATH...", "change files' mode",
	  "MODE is octal (755, 4755) or symbolic as chmod(1): a comma list of\n"
	  "[ugoa][+-=][rwxXst] or [ugoa][+-=][ugo] (u+x,go-w,a=r). Without\n"
	  "u, g, o or a, bits in the umask are left alone. Symbolic links are\n"
	  "followed." },
	{ "chown", cmd_chown, "[-h] UID[:GID] PATH...", "change files' owner",
	  "UID and GID are numbers (the image's ids). A name that is not a\n"
	  "number is looked up in the host's passwd or group database.\n"
	  "UID: or UID alone leaves the group, :GID the user.\n"
	  "  -h  change a symbolic link itself, not what it points to" },
	{ "touch", cmd_touch, "[-acm] [-d DATE|-t STAMP|-r FILE] PATH...",
	  "create files, or set their times",
	  "Creates missing files (empty) and sets access and modification\n"
	  "times to now, or to:\n"
	  "  -d DATE   @SECONDS[.NANOS], or YYYY-MM-DD[ HH:MM[:SS[.FRAC]]]\n"
	  "            (' ' or 'T' before the time), in the zone TZ names\n"
	  "  -t STAMP  [[CC]YY]MMDDhhmm[.ss], as touch(1)\n"
	  "  -r FILE   FILE's times (FILE in the image)\n"
	  "  -a        only the access time\n"
	  "  -m        only the modification time\n"
	  "  -c        do not create missing files" },
	{ "truncate", cmd_truncate, "[-c] -s [+-]SIZE[K|M|G|T] PATH...",
	  "shrink or extend files",
	  "Sets each file's size (creating missing files unless -c). Growing\n"
	  "adds zeros, as a hole where the file system keeps holes.\n"
	  "  -s SIZE  bytes; K, M, G, T are powers of 1024 (KB, MB: of 1000);\n"
	  "           +SIZE grows by, -SIZE shrinks by that much\n"
	  "  -c       do not create missing files" },
	{ "fsck", cmd_fsck, "[-n|-y|-p] [-vf]", "check (and repair) the file system",
	  "Runs the file system's own checker and prints what it finds.\n"
	  "  -n  check only, change nothing (the default without -y or -p)\n"
	  "  -y  repair everything found\n"
	  "  -p  repair what is safe to repair without asking (preen)\n"
	  "  -v  say more\n"
	  "  -f  check even if the file system is marked clean\n"
	  "The status is fsck(8)'s: 0 clean, 1 errors corrected, 4 errors\n"
	  "left, 8 operational error (also: no checker for this file system).\n"
	  "-y and -p open the image read-write. Run alone (rumpsh IMAGE fsck),\n"
	  "it also checks images too damaged for the other commands to open." },
	{ "extract", cmd_extract,
	  "[-f ARCHIVE|-] [-C HOSTDIR] [--format FMT] [--compress C] [-q] "
	  "[PATH...]",
	  "write trees of the image as an archive, or under a host directory",
	  "Writes everything under each PATH (default /) with its type, mode,\n"
	  "numeric owner, times (ns in pax), hard links, devices, extended\n"
	  "attributes and holes. Names are relative: 'extract /' stores\n"
	  "./etc/passwd, 'extract /etc' stores etc/passwd (as bsdtar -C mnt).\n"
	  "  -f ARCHIVE  the archive to write; - or no -f: stdout (not a tty)\n"
	  "  -C HOSTDIR  write the files under HOSTDIR instead (like tar -x),\n"
	  "              never outside it whatever names the image holds\n"
	  "  --format    pax (default), ustar, gnutar, cpio (newc), zip, 7z\n"
	  "  --compress  gzip, bzip2, xz, zstd, none; default from the suffix:\n"
	  "              .tar .tar.gz .tgz .tar.bz2 .tar.xz .tar.zst .cpio\n"
	  "              .zip .7z\n"
	  "  -q          no progress line on a terminal\n"
	  "Sockets are skipped with a note." },
	{ "import", cmd_import, "[-q] ARCHIVE|- [DEST]",
	  "write an archive's members into the image",
	  "Every member of ARCHIVE (- for stdin; any format and compression\n"
	  "libarchive reads) is made below DEST (default /, an existing\n"
	  "directory), with its mode, owner, times, hard links, devices and\n"
	  "extended attributes where the file system keeps them. Directories\n"
	  "are made as needed. Leading '/' is stripped; names with '..', and\n"
	  "names through a symbolic link, are refused. What was at a name is\n"
	  "replaced, except that directories merge.\n"
	  "  -q  no progress line on a terminal" },
	{ "mount", cmd_mount, "[-f] [-o OPT,...] DIR",
	  "serve the image to the kernel at host directory DIR (FUSE)",
	  "Run from the command line, not inside a session:\n"
	  "  rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE mount [-f] DIR\n"
	  "Returns once DIR is mounted (exit status 1 and the reason if not),\n"
	  "leaving a server in the background.\n"
	  "  -f          serve in the foreground\n"
	  "  -o OPT,...  ro, rw, the driver's own (e.g. msdos uid=,gid=,mask=;\n"
	  "              cd9660 norrip), the kernel's nosuid, nodev, noexec,\n"
	  "              noatime, sync, and allow_other (which turns on\n"
	  "              default_permissions) and default_permissions\n"
	  "Read-write unless -r or -o ro, or the driver only reads (cd9660:\n"
	  "mounted read-only with a note). Unmount with umount DIR or\n"
	  "fusermount3 -u DIR: the server then writes everything out, marks\n"
	  "the image clean and exits. Killing the server releases DIR\n"
	  "(auto_unmount).\n"
	  "fstab, through mount.fuse3:\n"
	  "  /srv/disk.img  /mnt/disk  fuse.rumpsh  ro,noauto  0 0\n"
	  "runs `rumpsh IMAGE DIR -o OPTS`, which rumpsh takes as a mount when\n"
	  "DIR is an existing directory and not a command name.\n"
	  "NetBSD style: rump_ext2fs, rump_ffs, rump_msdos, rump_cd9660\n"
	  "[-o OPT,...] IMAGE DIR (links to rumpsh); rump_msdos also takes\n"
	  "-u UID -g GID -m MASK -M DIRMASK -t GMTOFF." },
	{ "complete", cmd_complete, "[PREFIX]", NULL,
	  "Lists the image paths that complete PREFIX, one a line, directories\n"
	  "with a trailing '/'. For the bash and zsh completion scripts:\n"
	  "  rumpsh -r IMAGE complete PREFIX" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct command *cmd_table(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

const struct command *cmd_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * Runs one command; returns its exit status. The command gets its own copy
 * of the argv array (opts_parse reorders it), never the caller's.
 */
int cmd_run(struct session *s, int argc, char **argv)
{
	const struct command *c;
	char **copy;
	int st;

	if (argc == 0)
		return ST_OK;
	c = cmd_lookup(argv[0]);
	session_begin(s, argv[0]);
	if (c == NULL) {
		fflush(stdout);
		fprintf(stderr, "rumpsh: %s: unknown command (try 'help')\n",
		    argv[0]);
		return ST_USAGE;
	}
	if ((copy = malloc(((size_t)argc + 1) * sizeof(*copy))) == NULL)
		return sess_err(s, NULL, ENOMEM);
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	copy[argc] = NULL;
	st = c->fn(s, argc, copy);
	free(copy);
	return st;
}

/* One line per command that help lists (rumpsh --help, help). */
void cmd_summary(FILE *f)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].fn != NULL && commands[i].summary != NULL)
			fprintf(f, "  %-8s %s\n", commands[i].name,
			    commands[i].summary);
}

static void help_list(void)
{
	printf("Commands (paths are inside the image):\n");
	cmd_summary(stdout);
	printf("Run 'help CMD' for a command's options.\n"
	    "Several commands: separate them with ';' or newlines. Quote with\n"
	    "'...' or \"...\", escape one character with \\, comment with #.\n");
	printf("Host files: before reading the image, rumpsh confines itself\n"
	    "(Landlock) to the image and the host paths its commands name\n"
	    "(get's HOSTDEST, put's and import's sources, extract's -f and -C);\n"
	    "an interactive session, whose commands are not known in advance,\n"
	    "to the image and the current directory; a FUSE server (mount,\n"
	    "rump_*) to the image. 'info' says whether it is active; start\n"
	    "rumpsh with --no-sandbox to lift it.\n");
}

int cmd_help(struct session *s, int argc, char **argv)
{
	const struct command *c;

	if (argc > 2)
		return sess_usage(s, "too many arguments");
	if (argc == 1) {
		help_list();
		return ST_OK;
	}
	if ((c = cmd_lookup(argv[1])) == NULL)
		return sess_errmsg(s, argv[1], "unknown command"), ST_USAGE;
	printf("usage: %s%s%s\n", c->name, c->usage[0] ? " " : "", c->usage);
	if (c->summary)
		printf("%s\n", c->summary);
	if (c->help[0])
		printf("%s\n", c->help);
	return ST_OK;
}

int cmd_exit(struct session *s, int argc, char **argv)
{
	char *end;
	long n = 0;

	if (argc > 2)
		return sess_usage(s, "too many arguments");
	if (argc == 2) {
		errno = 0;
		n = strtol(argv[1], &end, 10);
		if (*end != '\0' || end == argv[1] || n < 0 || n > 255)
			return sess_usage(s, "%s: not a status (0-255)",
			    argv[1]);
	}
	s->quit = 1;
	s->exit_status = (int)n;
	return ST_OK;
}
