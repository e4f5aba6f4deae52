/* main.c: rumpsh's command line: options, the image, and which of the three modes runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/confine.h"
#include "p2k/p2k.h"

struct args {
	const char *fstype;     /* -t */
	const char *opts;       /* -o */
	const char *image;
	const char *script;     /* -c */
	int rdonly;             /* -r */
	int no_sandbox;         /* --no-sandbox */
	int argc;               /* a one-shot command, if any */
	char **argv;
};

static void usage_to(FILE *f)
{
	fprintf(f,
	    "usage: rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE\n"
	    "       rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE -c 'CMD; CMD'\n"
	    "       rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE CMD [ARGS...]\n"
	    "       rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE mount [-f] "
	    "[-o OPT,...] DIR\n"
	    "       rumpsh [-t TYPE] IMAGE DIR [-o OPT,...]    (fstab: fuse.rumpsh)\n"
	    "       rump_ext2fs|rump_ffs|rump_msdos|rump_cd9660 [-r] "
	    "[-o OPT,...] IMAGE DIR\n"
	    "Before IMAGE, --no-sandbox runs unconfined (see 'help'); "
	    "--help; --version.\n"
	    "Run 'rumpsh IMAGE help' for the commands.\n");
}

static int usage(void)
{
	usage_to(stderr);
	return ST_USAGE;
}

#ifndef RUMPSH_VERSION
#define RUMPSH_VERSION "unknown"   /* the Makefile passes VERSION's */
#endif

/* --help (usage and commands, on stdout) or --version; status 0. */
static int help_and_version(int help)
{
	int i;

	if (help) {
		usage_to(stdout);
		printf("Commands (rumpsh IMAGE help CMD explains one):\n");
		cmd_summary(stdout);
		return ST_OK;
	}
	printf("rumpsh %s\ndrivers:", RUMPSH_VERSION);
	for (i = 0; vfs_drivers[i]; i++)
		printf(" %s", vfs_drivers[i]->vfs_name);
	printf("\n");
	confine_version();
	return ST_OK;
}

/* Takes the argument of option argv[*i] ("-tTYPE" or "-t TYPE"). */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_flag(int argc, char **argv, int *i, struct args *a)
{
	char c = argv[*i][1];
	const char *v;

	if (c == 'r' && argv[*i][2] == '\0') {
		a->rdonly = 1;
		return 0;
	}
	if (c != 't' && c != 'o' && c != 'c') {
		fprintf(stderr, "rumpsh: unknown option '%s'\n", argv[*i]);
		return -1;
	}
	if ((v = opt_value(argc, argv, i)) == NULL) {
		fprintf(stderr, "rumpsh: option '-%c' needs an argument\n", c);
		return -1;
	}
	if (c == 't')
		a->fstype = v;
	else if (c == 'o')
		a->opts = v;
	else
		a->script = v;
	return 0;
}

/* Options come before IMAGE; after it only "-c STRING" or a command. */
static int parse_args(int argc, char **argv, struct args *a)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--no-sandbox") == 0) {
			a->no_sandbox = 1;
			continue;
		}
		if (parse_flag(argc, argv, &i, a) != 0)
			return -1;
	}
	if (i >= argc)
		return -1;
	a->image = argv[i++];
	if (i < argc && strcmp(argv[i], "-c") == 0) {
		if (a->script != NULL || i + 2 != argc) {
			if (i + 1 >= argc)
				fprintf(stderr, "rumpsh: option '-c' needs an "
				    "argument\n");
			return -1;
		}
		a->script = argv[i + 1];
		return 0;
	}
	if (a->script != NULL && i < argc)
		return -1;
	a->argc = argc - i;
	a->argv = argv + i;
	return 0;
}

static int read_stdin(char **textp)
{
	size_t len = 0, cap = 65536, got;
	char *buf = malloc(cap), *nb;

	while (buf != NULL && (got = fread(buf + len, 1, cap - len - 1,
	    stdin)) > 0) {
		len += got;
		if (cap - len - 1 == 0) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(stdin)) {
		free(buf);
		fprintf(stderr, "rumpsh: cannot read the script on stdin\n");
		return ST_FAIL;
	}
	buf[len] = '\0';
	*textp = buf;
	return ST_OK;
}

static int run_mode(struct session *s, const struct args *a)
{
	char *text;
	int st;

	if (a->script != NULL)
		return script_run_text(s, a->script, 1);
	if (a->argc > 0)
		return cmd_run(s, a->argc, a->argv);
	if (isatty(STDIN_FILENO))
		return interactive_run(s);
	if ((st = read_stdin(&text)) != ST_OK)
		return st;
	st = script_run_text(s, text, 1);
	free(text);
	return st;
}

/*
 * mount(8) mounts an fstab line of type fuse.rumpsh through mount.fuse3,
 * which runs `rumpsh IMAGE DIR -o OPTS`. That is told from a command by
 * DIR: no command has its name, and it is an existing host directory
 * (mount(8) passes an absolute path, so `/mnt` is never a command).
 */
static int is_fstab_form(const struct args *a)
{
	struct stat st;

	return a->script == NULL && a->argc > 0 &&
	    cmd_lookup(a->argv[0]) == NULL &&
	    stat(a->argv[0], &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * `rumpsh IMAGE fsck ...`: the only command of the session is the checker,
 * so the image is opened for it (MNT_FSCK): damage that stops a normal
 * open is what fsck is there to report and repair.
 */
static int is_fsck_alone(const struct args *a)
{
	return a->script == NULL && a->argc > 0 &&
	    strcmp(a->argv[0], "fsck") == 0;
}

/*
 * Confines rumpsh before the image is opened (confine.c). A script on stdin
 * is read first, so that its commands' host paths are known.
 */
static int confine(struct args *a, char **text, char *state, size_t size)
{
	struct confine_req r = { 0 };
	int st;

	if (a->script == NULL && a->argc == 0 && !isatty(STDIN_FILENO)) {
		if ((st = read_stdin(text)) != ST_OK)
			return st;
		a->script = *text;
	}
	r.image = a->image;
	r.opts = a->opts;
	r.rdonly = a->rdonly;
	r.no_sandbox = a->no_sandbox;
	r.interactive = a->script == NULL && a->argc == 0;
	r.script = a->script;
	r.argc = a->argc;
	r.argv = a->argv;
	confine_session(&r, state, size);
	return ST_OK;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	char sandbox[256], why[640] = "", *stdin_text = NULL;
	struct session s;
	int st;

	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return help_and_version(0);
	if (p2k_rump_driver(argv[0]) != NULL)
		return p2k_rump_main(p2k_rump_driver(argv[0]), argc, argv,
		    confine_server);
	if (p2k_is_mountrump(argv[0]))
		return p2k_mountrump_main(argc, argv, confine_server);
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		return help_and_version(1);
	if (parse_args(argc, argv, &a) != 0)
		return usage();
	/* the server confines itself (confine_server) once it may no longer
	 * need to mount: see p2k/p2k_mounter.c */
	if (a.argc > 0 && strcmp(a.argv[0], "mount") == 0)
		return p2k_mount_cmd(a.image, a.fstype, a.opts, a.rdonly,
		    a.argc, a.argv, a.no_sandbox ? NULL : confine_server);
	if (is_fstab_form(&a))
		return p2k_fstab_main(a.image, a.fstype, a.opts, a.rdonly,
		    a.argc, a.argv, a.no_sandbox ? NULL : confine_server);
	st = confine(&a, &stdin_text, sandbox, sizeof(sandbox));
	if (st == ST_OK)
		st = session_open(&s, a.image, a.fstype, a.opts, a.rdonly,
		    is_fsck_alone(&a) ? MNT_FSCK : 0, why, sizeof(why));
	if (st != ST_OK) {
		free(stdin_text);
		/* info of a whole partitioned disk: its partition table */
		if (st == ST_FAIL && a.argc == 1 && a.fstype == NULL &&
		    strcmp(a.argv[0], "info") == 0 &&
		    info_unmounted_disk(a.image, sandbox) == ST_OK)
			return fflush(stdout) == 0 ? ST_OK : ST_FAIL;
		if (why[0])
			fprintf(stderr, "rumpsh: %s\n", why);
		/* fsck(8)'s status: the image could not be checked at all */
		return st == ST_FAIL && is_fsck_alone(&a) ? 8 : st;
	}
	s.sandbox = sandbox;
	st = run_mode(&s, &a);
	if (s.quit)
		st = s.exit_status;
	/* a failed write-back fails the session, whatever ran before it */
	if (session_close(&s) != ST_OK && st == ST_OK)
		st = ST_FAIL;
	if (fflush(stdout) != 0 && st == ST_OK) {
		perror("rumpsh: stdout");
		st = ST_FAIL;
	}
	free(stdin_text);
	return st;
}
