/* script.c: splits a script or -c string into commands (; and newlines, quotes, \ escapes, # comments) and runs them. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/*
 * The grammar is a small part of sh's: words are separated by blanks;
 * commands by ';' or newline. '...' is literal; in "..." a backslash escapes
 * only '"' and '\'; elsewhere a backslash takes the next character literally
 * (backslash-newline joins lines). '#' at the start of a word comments out
 * the rest of the line.
 */

struct parser {
	const char *p;
	char *word;           /* the word being built */
	size_t wlen, wcap;
	struct script_cmd cur;
	size_t argcap;
	struct script *sc;
	char *err;
	size_t errsize;
};

static int word_put(struct parser *ps, char c)
{
	char *nw;

	if (ps->wlen + 2 > ps->wcap) {
		ps->wcap = ps->wcap ? ps->wcap * 2 : 64;
		if ((nw = realloc(ps->word, ps->wcap)) == NULL)
			return -1;
		ps->word = nw;
	}
	ps->word[ps->wlen++] = c;
	ps->word[ps->wlen] = '\0';
	return 0;
}

static int word_end(struct parser *ps)
{
	char **na, *w;

	if (ps->cur.argc + 2 > (int)ps->argcap) {
		ps->argcap = ps->argcap ? ps->argcap * 2 : 8;
		na = realloc(ps->cur.argv, ps->argcap * sizeof(*na));
		if (na == NULL)
			return -1;
		ps->cur.argv = na;
	}
	if ((w = strdup(ps->word ? ps->word : "")) == NULL)
		return -1;
	ps->cur.argv[ps->cur.argc++] = w;
	ps->cur.argv[ps->cur.argc] = NULL;
	ps->wlen = 0;
	if (ps->word)
		ps->word[0] = '\0';
	return 0;
}

static int cmd_end(struct parser *ps)
{
	struct script_cmd *nc;

	if (ps->cur.argc == 0)
		return 0;
	/* the array doubles when full (its room: ncmds rounded up to a power
	 * of two), so a long script is not copied once per command */
	nc = ps->sc->cmds;
	if ((ps->sc->ncmds & (ps->sc->ncmds - 1)) == 0) {
		nc = realloc(nc, (ps->sc->ncmds ? 2 * ps->sc->ncmds : 1) *
		    sizeof(*nc));
		if (nc == NULL)
			return -1;
		ps->sc->cmds = nc;
	}
	nc[ps->sc->ncmds++] = ps->cur;
	memset(&ps->cur, 0, sizeof(ps->cur));
	ps->argcap = 0;
	return 0;
}

/* Reads a quoted part after its opening quote q; leaves p after the close. */
static int quoted(struct parser *ps, char q)
{
	for (; *ps->p && *ps->p != q; ps->p++) {
		if (q == '"' && ps->p[0] == '\\' &&
		    (ps->p[1] == '"' || ps->p[1] == '\\'))
			ps->p++;
		if (word_put(ps, *ps->p) != 0)
			return -1;
	}
	if (*ps->p != q) {
		snprintf(ps->err, ps->errsize, "unterminated %c quote", q);
		return 1;
	}
	ps->p++;
	return 0;
}

/* Reads one word starting at a non-blank; 1 on a syntax error. */
static int word(struct parser *ps)
{
	int r;

	while (*ps->p && !strchr(" \t\r\n;", *ps->p)) {
		char c = *ps->p++;
		if (c == '\'' || c == '"') {
			if ((r = quoted(ps, c)) != 0)
				return r;
		} else if (c == '\\' && *ps->p == '\n') {
			ps->p++;
		} else if (c == '\\' && *ps->p != '\0') {
			if (word_put(ps, *ps->p++) != 0)
				return -1;
		} else if (word_put(ps, c) != 0) {
			return -1;
		}
	}
	return word_end(ps);
}

static int parse_loop(struct parser *ps)
{
	int r;

	while (*ps->p) {
		char c = *ps->p;
		if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else if (c == ';' || c == '\n') {
			ps->p++;
			if (cmd_end(ps) != 0)
				return -1;
		} else if (c == '#') {
			while (*ps->p && *ps->p != '\n')
				ps->p++;
		} else if (c == '\\' && ps->p[1] == '\n') {
			ps->p += 2;
		} else if ((r = word(ps)) != 0) {
			return r;
		}
	}
	return cmd_end(ps);
}

static void cmd_free(struct script_cmd *c)
{
	int i;

	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
}

void script_free(struct script *sc)
{
	size_t i;

	for (i = 0; i < sc->ncmds; i++)
		cmd_free(&sc->cmds[i]);
	free(sc->cmds);
	sc->cmds = NULL;
	sc->ncmds = 0;
}

/* Returns 0, or nonzero with a message in err (syntax or memory). */
int script_parse(const char *text, struct script *sc, char *err,
    size_t errsize)
{
	struct parser ps = { .p = text, .sc = sc, .err = err,
	    .errsize = errsize };
	int r;

	memset(sc, 0, sizeof(*sc));
	r = parse_loop(&ps);
	if (r < 0)
		snprintf(err, errsize, "out of memory");
	free(ps.word);
	cmd_free(&ps.cur);
	if (r != 0)
		script_free(sc);
	return r;
}

/*
 * Parses and runs text. With stop_on_error, stops at the first command that
 * fails and returns its status; otherwise runs all and returns the last.
 */
int script_run_text(struct session *s, const char *text, int stop_on_error)
{
	struct script sc;
	char err[128];
	size_t i;
	int st = ST_OK;

	if (script_parse(text, &sc, err, sizeof(err)) != 0) {
		fflush(stdout);
		fprintf(stderr, "rumpsh: syntax error: %s\n", err);
		return ST_USAGE;
	}
	for (i = 0; i < sc.ncmds && !s->quit; i++) {
		st = cmd_run(s, sc.cmds[i].argc, sc.cmds[i].argv);
		fflush(stdout);
		if (st != ST_OK && stop_on_error)
			break;
	}
	script_free(&sc);
	return st;
}
