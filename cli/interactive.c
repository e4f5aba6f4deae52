/* interactive.c: the readline session: prompt, history in ~/.rumpsh_history, completion of commands, options, image paths and host paths. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/cli.h"

#define HISTORY_MAX 1000

/*
 * readline calls its completion hooks without a user pointer, so the one
 * session being edited is reachable through this static. It is set only
 * while interactive_run runs and never used for anything else.
 */
static struct session *completing;

/*
 * Ctrl-C at the prompt abandons the line, as in a shell. The handler only
 * records the signal (all a handler may safely do); readline then calls
 * line_interrupted, outside the handler, to clear the line. While a command
 * runs, SIGINT has its default action.
 */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int line_interrupted(void)
{
	if (interrupted) {
		interrupted = 0;
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

/* Reads one line with Ctrl-C handled as above; NULL at EOF. */
static char *read_line(const char *prompt)
{
	struct sigaction sa, old;
	char *line;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	line = readline(prompt);
	sigaction(SIGINT, &old, NULL);
	return line;
}

/* Matches collected for one completion, handed out by the generator. */
struct matches {
	char **v;
	size_t n, next;
};

static void matches_add(struct matches *m, const char *s1, const char *s2)
{
	size_t l1 = strlen(s1), l2 = strlen(s2);
	char **nv = realloc(m->v, (m->n + 1) * sizeof(*nv)), *str;

	if (nv == NULL)
		return;
	m->v = nv;
	if ((str = malloc(l1 + l2 + 1)) == NULL)
		return;
	memcpy(str, s1, l1);
	memcpy(str + l1, s2, l2 + 1);
	m->v[m->n++] = str;
}

static void matches_commands(struct matches *m, const char *text)
{
	const struct command *tab;
	size_t n, i, len = strlen(text);

	tab = cmd_table(&n);
	for (i = 0; i < n; i++)
		if (tab[i].fn && tab[i].summary &&
		    strncmp(tab[i].name, text, len) == 0)
			matches_add(m, tab[i].name, "");
}

/*
 * The options of cmd completing text, read from its `help CMD` text (the
 * lines "  -x ..." and "  --word ..."), so help and completion cannot drift
 * apart.
 */
static void matches_options(struct matches *m, const char *cmd,
    const char *text)
{
	const struct command *c = cmd_lookup(cmd);
	const char *p, *end;
	size_t len = strlen(text);
	char opt[32];

	if (c == NULL || c->help == NULL)
		return;
	for (p = c->help; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (end - p < 4 || p[0] != ' ' || p[1] != ' ' || p[2] != '-' ||
		    p[3] == ' ')
			continue;
		size_t n = strcspn(p + 2, " \n");
		if (n >= sizeof(opt))
			continue;
		memcpy(opt, p + 2, n);
		opt[n] = '\0';
		if (strncmp(opt, text, len) == 0)
			matches_add(m, opt, "");
	}
}

/* Characters the script parser treats specially, escaped in completions. */
static const char special_chars[] = " \t\\'\";#";

/* Is line[i] escaped by an odd run of backslashes before it? */
static int char_is_quoted(char *line, int i)
{
	int n = 0;

	while (i - n - 1 >= 0 && line[i - n - 1] == '\\')
		n++;
	return n % 2;
}

/* The word as the parser will see it: backslash escapes removed. */
static char *unescape(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *text; text++) {
		if (*text == '\\' && text[1] != '\0')
			text++;
		*o++ = *text;
	}
	*o = '\0';
	return out;
}

/* A name as it must be typed: special characters backslash-escaped. */
static char *escape(const char *name)
{
	char *out = malloc(strlen(name) * 2 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *name; name++) {
		if (strchr(special_chars, *name))
			*o++ = '\\';
		*o++ = *name;
	}
	*o = '\0';
	return out;
}

static void add_escaped(void *arg, const char *path, int isdir)
{
	char *esc = escape(path);

	if (esc)
		matches_add(arg, esc, isdir ? "/" : "");
	free(esc);
}

/* Image paths completing text (complete_paths in cmd_complete.c). */
static void matches_paths(struct matches *m, struct session *s,
    const char *text)
{
	complete_paths(s, text, add_escaped, m);
}

/* Host paths completing text, for the operands that name host files. */
static void matches_host(struct matches *m, const char *text)
{
	const char *slash = strrchr(text, '/'), *prefix;
	char *dir, *full, *real;
	struct dirent *e;
	struct stat st;
	size_t plen;
	DIR *d;

	dir = slash ? strndup(text, (size_t)(slash - text + 1)) : strdup("");
	prefix = slash ? slash + 1 : text;
	plen = strlen(prefix);
	real = dir ? tilde_expand(dir[0] ? dir : ".") : NULL;
	if (real == NULL || (d = opendir(real)) == NULL) {
		free(real);
		free(dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, plen) != 0 ||
		    (e->d_name[0] == '.' && prefix[0] != '.') ||
		    (full = path_join(dir, e->d_name)) == NULL)
			continue;
		add_escaped(m, full, fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
		    S_ISDIR(st.st_mode));
		free(full);
	}
	closedir(d);
	free(real);
	free(dir);
}

/* readline's form: [0] the longest common prefix, then the matches. */
static char **matches_to_rl(struct matches *m)
{
	char **out = malloc((m->n + 2) * sizeof(*out));
	size_t i, l;

	if (out == NULL)
		goto fail;
	if (m->n == 1) {
		out[0] = m->v[0];
		out[1] = NULL;
		free(m->v);
		return out;
	}
	l = strlen(m->v[0]);
	for (i = 1; i < m->n; i++)
		while (l > 0 && strncmp(m->v[0], m->v[i], l) != 0)
			l--;
	if ((out[0] = strndup(m->v[0], l)) == NULL)
		goto fail;
	memcpy(out + 1, m->v, m->n * sizeof(*out));
	out[m->n + 1] = NULL;
	free(m->v);
	return out;
fail:
	free(out);
	for (i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	return NULL;
}

/* What a word completes to. */
enum word_kind { W_NONE, W_COMMAND, W_IMAGE, W_HOST, W_OPTION };

/* Options that take an argument, by command (the rest take none). */
static const struct { const char *cmd, *letters; } arg_opts[] = {
	{ "mkdir", "m" }, { "touch", "dtr" }, { "truncate", "s" },
	{ "extract", "fC" }, { "mount", "o" },
};

/* The option letter whose argument is the next word after word, or 0. */
static int opt_wants_arg(const char *cmd, const char *word)
{
	const char *letters = "", *w;
	size_t i;

	if (strcmp(cmd, "extract") == 0 && (strcmp(word, "--format") == 0 ||
	    strcmp(word, "--compress") == 0))
		return '-';
	if (word[0] != '-' || word[1] == '-' || word[1] == '\0')
		return 0;
	for (i = 0; i < sizeof(arg_opts) / sizeof(arg_opts[0]); i++)
		if (strcmp(arg_opts[i].cmd, cmd) == 0)
			letters = arg_opts[i].letters;
	for (w = word + 1; *w; w++)
		if (strchr(letters, *w))
			return w[1] == '\0' ? *w : 0;
	return 0;
}

/* Operand k (from 1) of cmd: an image path, a host path, or neither. */
static enum word_kind operand_kind(const char *cmd, int k)
{
	if (strcmp(cmd, "help") == 0)
		return k == 1 ? W_COMMAND : W_NONE;
	if (strcmp(cmd, "get") == 0)
		return k == 1 ? W_IMAGE : W_HOST;
	if (strcmp(cmd, "put") == 0 || strcmp(cmd, "import") == 0)
		return k == 1 ? W_HOST : W_IMAGE;
	if (strcmp(cmd, "mount") == 0)
		return W_HOST;
	if (strcmp(cmd, "chmod") == 0 || strcmp(cmd, "chown") == 0)
		return k == 1 ? W_NONE : W_IMAGE;
	if (strstr(" exit pwd df info fsck ", cmd) && cmd[0] &&
	    !strchr(cmd, ' '))
		return W_NONE;
	return W_IMAGE;
}

/*
 * The kind of the word that follows the words of c, the command being typed
 * (as `rumpsh`'s bash completion decides it: completions/rumpsh.bash).
 */
static enum word_kind next_word_kind(const struct script_cmd *c)
{
	const char *cmd = c->argv[0];
	int i, k = 1, opt = opt_wants_arg(cmd, c->argv[c->argc - 1]);

	if (c->argc > 1 && opt)
		return opt == 'f' || opt == 'C' ? W_HOST :
		    opt == 'r' ? W_IMAGE : W_NONE;
	for (i = 1; i < c->argc; i++) {
		if (c->argv[i][0] == '-' && c->argv[i][1] != '\0')
			i += opt_wants_arg(cmd, c->argv[i]) != 0;
		else
			k++;
	}
	return operand_kind(cmd, k);
}

/*
 * The kind of the word starting at start of the line being edited; *cmd is
 * set (malloc'd) to the command when the word may be one of its options.
 */
static enum word_kind word_kind(int start, char **cmd)
{
	struct script sc = { 0 };
	enum word_kind kind = W_IMAGE;
	char err[128], *head;
	int i, first = 1;

	for (i = 0; i < start; i++)
		if (rl_line_buffer[i] == ';' && !char_is_quoted(rl_line_buffer, i))
			first = 1;
		else if (rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t')
			first = 0;
	if (first)
		return W_COMMAND;
	if ((head = strndup(rl_line_buffer, (size_t)start)) == NULL)
		return W_NONE;
	if (script_parse(head, &sc, err, sizeof(err)) == 0 && sc.ncmds > 0) {
		struct script_cmd *c = &sc.cmds[sc.ncmds - 1];

		kind = next_word_kind(c);
		/* not where an option's argument goes */
		if (c->argc == 1 || !opt_wants_arg(c->argv[0],
		    c->argv[c->argc - 1]))
			*cmd = strdup(c->argv[0]);
	}
	script_free(&sc);
	free(head);
	return kind;
}

/*
 * The first word completes to a command; the others to image paths, or to
 * host paths where the command names host files (put's sources, get's
 * destination, import's archive, extract -f and -C).
 */
static char **complete(const char *text, int start, int end)
{
	struct matches m = { 0 };
	char **out, *word, *cmd = NULL;
	enum word_kind kind = word_kind(start, &cmd);

	(void)end;
	rl_attempted_completion_over = 1;   /* only what is collected here */
	if ((word = unescape(text)) == NULL) {
		free(cmd);
		return NULL;
	}
	/* A word starting with '-' where an operand could go: an option. */
	if (cmd && word[0] == '-')
		kind = W_OPTION;
	if (kind == W_OPTION)
		matches_options(&m, cmd, word);
	else if (kind == W_COMMAND)
		matches_commands(&m, word);
	else if (kind == W_IMAGE)
		matches_paths(&m, completing, word);
	else if (kind == W_HOST)
		matches_host(&m, word);
	free(word);
	free(cmd);
	if (m.n == 0) {
		free(m.v);
		return NULL;
	}
	out = matches_to_rl(&m);
	if (m.n == 1 && out && out[0][0] && out[0][strlen(out[0]) - 1] == '/')
		rl_completion_suppress_append = 1;
	return out;
}

/* Lists path matches by their last component, as a shell does. */
static void display_matches(char **matches, int n, int maxlen)
{
	char **shown = malloc(((size_t)n + 2) * sizeof(*shown));
	const char *p;
	int i, longest = 0;

	if (shown == NULL) {
		rl_display_match_list(matches, n, maxlen);
		rl_forced_update_display();
		return;
	}
	shown[0] = matches[0];
	for (i = 1; i <= n; i++) {
		size_t len = strlen(matches[i]);
		p = matches[i] + len;
		if (len > 1 && p[-1] == '/')
			p--;
		while (p > matches[i] && p[-1] != '/')
			p--;
		shown[i] = (char *)p;
		if ((int)strlen(p) > longest)
			longest = (int)strlen(p);
	}
	shown[n + 1] = NULL;
	rl_display_match_list(shown, n, longest);
	rl_forced_update_display();
	free(shown);
}

static char *history_file(void)
{
	const char *home = getenv("HOME");

	if (home == NULL || home[0] == '\0')
		return NULL;
	return path_join(home, ".rumpsh_history");
}

/* Reads lines until `exit` or EOF; a failing command does not end it. */
int interactive_run(struct session *s)
{
	char *hist = history_file(), *line, *prompt;
	size_t plen;
	int added = 0;

	completing = s;
	rl_readline_name = "rumpsh";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t\n;";
	rl_char_is_quoted_p = char_is_quoted;
	/* readline consults char_is_quoted (an escaped blank does not end
	 * the word) only when it looks for quote characters at all */
	rl_completer_quote_characters = "'\"";
	rl_completion_display_matches_hook = display_matches;
	rl_signal_event_hook = line_interrupted;
	using_history();
	stifle_history(HISTORY_MAX);
	if (hist)
		read_history(hist);
	while (!s->quit) {
		plen = strlen(s->image) + strlen(s->cwdpath) + 16;
		if ((prompt = malloc(plen)) == NULL)
			break;
		snprintf(prompt, plen, "rumpsh %s:%s> ", s->image, s->cwdpath);
		line = read_line(prompt);
		free(prompt);
		if (line == NULL) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")] != '\0') {
			add_history(line);
			added++;
		}
		script_run_text(s, line, 0);
		free(line);
	}
	if (hist) {
		/* appended, not rewritten: the sandbox (confine.c) lets rumpsh
		 * write this one file, not create a temporary beside it */
		if (append_history(added < HISTORY_MAX ? added : HISTORY_MAX,
		    hist) != 0)
			write_history(hist);
		history_truncate_file(hist, HISTORY_MAX);
	}
	free(hist);
	completing = NULL;
	return ST_OK;
}
