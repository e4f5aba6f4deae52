/* opts.c: short options of a command ("-la", "-x ARG"), operands in any order, "--" ends options. */
#include <string.h>

#include "cli/cli.h"

/* Handles one "-abc" word; *i may advance past an option's argument. */
static int opts_word(struct session *s, int argc, char **argv, int *i,
    const char *spec, struct opts *o)
{
	const char *w = argv[*i], *p;
	unsigned char c;

	for (w++; *w; w++) {
		c = (unsigned char)*w;
		p = c < 128 && c != ':' ? strchr(spec, c) : NULL;
		if (p == NULL)
			return sess_usage(s, "invalid option -- '%c'", c);
		if (o->set[c] < 255)
			o->set[c]++;
		if (p[1] != ':')
			continue;
		if (w[1] != '\0')
			o->arg[c] = (char *)w + 1;
		else if (*i + 1 < argc)
			o->arg[c] = argv[++*i];
		else
			return sess_usage(s, "option requires an argument -- "
			    "'%c'", c);
		break;
	}
	return ST_OK;
}

/*
 * Fills o from argv[1..]: options may come before or after operands, as in
 * coreutils. Operands are gathered at the front of argv (o->args).
 * Returns ST_OK, or ST_USAGE after printing the problem and usage line.
 */
int opts_parse(struct session *s, int argc, char **argv, const char *spec,
    struct opts *o)
{
	int i, st, only_operands = 0;

	memset(o, 0, sizeof(*o));
	o->args = argv + 1;
	for (i = 1; i < argc; i++) {
		if (only_operands || argv[i][0] != '-' || argv[i][1] == '\0') {
			o->args[o->nargs++] = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			only_operands = 1;
			continue;
		}
		if ((st = opts_word(s, argc, argv, &i, spec, o)) != ST_OK)
			return st;
	}
	return ST_OK;
}
