/* main.c: rumpsh's command line: options, the image, and which of the three modes runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

struct args {
	const char *fstype;     /* -t */
	const char *opts;       /* -o */
	const char *image;
	const char *script;     /* -c */
	int argc;               /* a one-shot command, if any */
	char **argv;
};

static int usage(void)
{
	fprintf(stderr,
	    "usage: rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE\n"
	    "       rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE -c 'CMD; CMD'\n"
	    "       rumpsh [-t TYPE] [-o OPT,...] [-r] IMAGE CMD [ARGS...]\n"
	    "Run 'rumpsh IMAGE help' for the commands.\n");
	return ST_USAGE;
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

	if (c == 'r' && argv[*i][2] == '\0')
		return 0;   /* read-only: every command of this release is */
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

/* Every command of this release only reads: "-o rw" cannot be honoured. */
static int opts_read_only(const char *opts)
{
	const char *p = opts;
	size_t len;

	while (p && *p) {
		len = strcspn(p, ",");
		if (len == 2 && strncmp(p, "rw", 2) == 0) {
			fprintf(stderr, "rumpsh: -o rw: this version opens images "
			    "read-only\n");
			return -1;
		}
		p += len + (p[len] == ',');
	}
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

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct session s;
	int st;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage();
		return ST_OK;
	}
	if (parse_args(argc, argv, &a) != 0)
		return usage();
	if (opts_read_only(a.opts) != 0)
		return ST_USAGE;
	if ((st = session_open(&s, a.image, a.fstype, a.opts)) != ST_OK)
		return st;
	st = run_mode(&s, &a);
	if (s.quit)
		st = s.exit_status;
	session_close(&s);
	if (fflush(stdout) != 0 && st == ST_OK) {
		perror("rumpsh: stdout");
		st = ST_FAIL;
	}
	return st;
}
