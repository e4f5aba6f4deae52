/* cmd_find.c: find with -name, -type, -size, -maxdepth, -mindepth, as find(1) evaluates them. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

#define FIND_MAXTESTS 64

/* One test of the expression; a file is printed if it passes them all. */
struct find_test {
	char kind;              /* 'n' -name, 't' -type, 's' -size */
	const char *name;
	mode_t type;
	int size_cmp;           /* -1 less, 0 equal, +1 more */
	uint64_t size_n, size_unit;
};

struct find_ctx {
	struct session *s;
	struct find_test tests[FIND_MAXTESTS];
	int ntests;
	int maxdepth, mindepth;
};

static mode_t type_of(char c)
{
	switch (c) {
	case 'f': return S_IFREG;
	case 'd': return S_IFDIR;
	case 'l': return S_IFLNK;
	case 'b': return S_IFBLK;
	case 'c': return S_IFCHR;
	case 'p': return S_IFIFO;
	case 's': return S_IFSOCK;
	default:  return 0;
	}
}

static uint64_t unit_of(char c)
{
	switch (c) {
	case 'b': return 512;
	case 'c': return 1;
	case 'w': return 2;
	case 'k': return 1024;
	case 'M': return 1024 * 1024;
	case 'G': return 1024 * 1024 * 1024;
	default:  return 0;
	}
}

/* "[+-]N[bcwkMG]" */
static int parse_size(struct find_test *f, const char *arg)
{
	const char *p = arg;
	char *end;

	f->size_cmp = *p == '+' ? 1 : *p == '-' ? -1 : 0;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	f->size_n = strtoull(p, &end, 10);
	f->size_unit = *end ? unit_of(*end) : 512;
	if (errno || f->size_unit == 0 || (*end && end[1]))
		return -1;
	return 0;
}

static int parse_depth(const char *arg, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_test(struct find_ctx *f, const char *t, const char *arg)
{
	struct find_test *ft = &f->tests[f->ntests];

	if (strcmp(t, "-maxdepth") == 0 || strcmp(t, "-mindepth") == 0) {
		if (parse_depth(arg, t[2] == 'a' ? &f->maxdepth :
		    &f->mindepth) != 0)
			return sess_usage(f->s, "%s: not a depth: '%s'", t, arg);
		return ST_OK;
	}
	if (f->ntests == FIND_MAXTESTS)
		return sess_usage(f->s, "too many tests");
	if (strcmp(t, "-name") == 0) {
		ft->kind = 'n';
		ft->name = arg;
	} else if (strcmp(t, "-type") == 0) {
		ft->kind = 't';
		if (strlen(arg) != 1 || (ft->type = type_of(arg[0])) == 0)
			return sess_usage(f->s, "-type: unknown type '%s'", arg);
	} else if (strcmp(t, "-size") == 0) {
		ft->kind = 's';
		if (parse_size(ft, arg) != 0)
			return sess_usage(f->s, "-size: invalid size '%s'", arg);
	} else {
		return sess_usage(f->s, "unknown predicate '%s'", t);
	}
	f->ntests++;
	return ST_OK;
}

/* Paths come first; then tests, each with one argument. */
static int parse_find(struct find_ctx *f, int argc, char **argv, int *npaths)
{
	int i, st;

	for (i = 1; i < argc && argv[i][0] != '-'; i++)
		;
	*npaths = i - 1;
	for (; i < argc; i += 2) {
		if (argv[i][0] != '-')
			return sess_usage(f->s, "paths must precede the "
			    "expression: '%s'", argv[i]);
		if (strcmp(argv[i], "-print") == 0) {
			i--;
			continue;
		}
		if (i + 1 >= argc)
			return sess_usage(f->s, "missing argument to '%s'",
			    argv[i]);
		if ((st = parse_test(f, argv[i], argv[i + 1])) != ST_OK)
			return st;
	}
	return ST_OK;
}

static int size_matches(const struct find_test *t, uint64_t size)
{
	uint64_t units = size / t->size_unit + (size % t->size_unit != 0);

	if (t->size_cmp > 0)
		return units > t->size_n;
	if (t->size_cmp < 0)
		return units < t->size_n;
	return units == t->size_n;
}

static int passes(const struct find_test *t, const char *name,
    const struct vattr *va)
{
	switch (t->kind) {
	case 'n': return fnmatch(t->name, name, 0) == 0;
	case 't': return (va->va_mode & S_IFMT) == t->type;
	default:  return size_matches(t, va->va_size);
	}
}

static int find_visit(void *arg, const struct walk_node *n)
{
	const struct find_ctx *f = arg;
	char base[VFS_NAME_MAX + 1];
	const char *name = n->depth ? n->name :
	    path_base(n->path, base, sizeof(base));
	int i;

	if (n->depth < f->mindepth)
		return WALK_CONTINUE;
	for (i = 0; i < f->ntests; i++)
		if (!passes(&f->tests[i], name, n->va))
			return WALK_CONTINUE;
	fmt_name(stdout, n->path, f->s->out_tty);
	putchar('\n');
	return WALK_CONTINUE;
}

int cmd_find(struct session *s, int argc, char **argv)
{
	struct find_ctx f = { .s = s, .maxdepth = -1 };
	struct walk_ops ops = { .visit = find_visit, .byino = 1 };
	char *dot[] = { ".", NULL }, **paths;
	struct vnode *vp;
	int i, npaths, st;

	if ((st = parse_find(&f, argc, argv, &npaths)) != ST_OK)
		return st;
	ops.maxdepth = f.maxdepth;
	paths = npaths ? argv + 1 : dot;
	for (i = 0; i < (npaths ? npaths : 1); i++) {
		if (sess_lookup(s, paths[i], 0, &vp, NULL) != ST_OK) {
			st = ST_FAIL;
			continue;
		}
		if (walk(s, paths[i], vp, &ops, &f) != ST_OK)
			st = ST_FAIL;
		vrele(vp);
	}
	return st;
}
