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
	  "  -mindepth N  print nothing above level N" },
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
	{ "put", NULL, "", "", "" },
	{ "cp", NULL, "", "", "" },
	{ "mv", NULL, "", "", "" },
	{ "rm", NULL, "", "", "" },
	{ "mkdir", NULL, "", "", "" },
	{ "rmdir", NULL, "", "", "" },
	{ "ln", NULL, "", "", "" },
	{ "chmod", NULL, "", "", "" },
	{ "chown", NULL, "", "", "" },
	{ "touch", NULL, "", "", "" },
	{ "truncate", NULL, "", "", "" },
	{ "fsck", NULL, "", "", "" },
	{ "extract", NULL, "", "", "" },
	{ "import", NULL, "", "", "" },
	{ "mount", NULL, "", "", "" },
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
	if (c->fn == NULL)
		return sess_errmsg(s, NULL, "not supported yet in this version");
	if ((copy = malloc(((size_t)argc + 1) * sizeof(*copy))) == NULL)
		return sess_err(s, NULL, ENOMEM);
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	copy[argc] = NULL;
	st = c->fn(s, argc, copy);
	free(copy);
	return st;
}

static void help_list(void)
{
	size_t i;

	printf("Commands (paths are inside the image):\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].fn != NULL)
			printf("  %-6s %s\n", commands[i].name,
			    commands[i].summary);
	printf("Not supported yet in this version:");
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].fn == NULL)
			printf(" %s", commands[i].name);
	printf("\nRun 'help CMD' for a command's options.\n"
	    "Several commands: separate them with ';' or newlines. Quote with\n"
	    "'...' or \"...\", escape one character with \\, comment with #.\n");
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
	if (c->fn == NULL)
		return sess_errmsg(s, argv[1], "not supported yet in this "
		    "version");
	printf("usage: %s%s%s\n%s\n", c->name, c->usage[0] ? " " : "",
	    c->usage, c->summary);
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
