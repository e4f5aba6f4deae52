/* cmd_truncate.c: truncate, shrinking or extending files (growth is a hole where the driver keeps holes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

struct size_spec {
	int rel;                 /* '+', '-' or 0 */
	uint64_t bytes;
};

/* "[+-]N[K|M|G|T]" (powers of 1024; KB, MB... powers of 1000). */
static int parse_size(const char *str, struct size_spec *sz)
{
	static const char units[] = "KMGTPE";
	const char *u;
	uint64_t mul = 1, base;
	char *end;
	int i;

	sz->rel = *str == '+' || *str == '-' ? *str++ : 0;
	if (*str < '0' || *str > '9')
		return -1;
	errno = 0;
	sz->bytes = strtoull(str, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		if ((u = strchr(units, end[0] & ~0x20)) == NULL)
			return -1;
		base = strcmp(end + 1, "B") == 0 ? 1000 : 1024;
		if (end[1] != '\0' && strcmp(end + 1, "B") != 0 &&
		    strcmp(end + 1, "iB") != 0)
			return -1;
		for (i = 0; i <= u - units; i++)
			mul *= base;
	}
	if (sz->bytes > UINT64_MAX / mul)
		return -1;
	sz->bytes *= mul;
	return 0;
}

static int truncate_one(struct session *s, const char *path,
    const struct size_spec *sz, int nocreate)
{
	struct vnode *vp;
	struct vattr va;
	int error, st;

	if (img_open_or_create(s, path, 0666 & ~sess_umask(), nocreate, &vp) !=
	    ST_OK)
		return ST_FAIL;
	if (vp == NULL)
		return ST_OK;
	if ((error = VOP_GETATTR(vp, &va)) != 0) {
		vrele(vp);
		return sess_err(s, path, error);
	}
	if (sz->rel == '+')
		va.va_size = sz->bytes > UINT64_MAX - va.va_size ? UINT64_MAX :
		    va.va_size + sz->bytes;
	else if (sz->rel == '-')
		va.va_size = sz->bytes > va.va_size ? 0 :
		    va.va_size - sz->bytes;
	else
		va.va_size = sz->bytes;
	st = img_setattr(s, vp, path, &va, VA_SIZE);
	vrele(vp);
	return st;
}

int cmd_truncate(struct session *s, int argc, char **argv)
{
	struct size_spec sz;
	struct opts o;
	int i, st;

	if ((st = opts_parse(s, argc, argv, "cs:", &o)) != ST_OK)
		return st;
	if (o.arg['s'] == NULL)
		return sess_usage(s, "you must specify a size with -s");
	if (o.nargs < 1)
		return sess_usage(s, "missing file operand");
	if (parse_size(o.arg['s'], &sz) != 0)
		return sess_usage(s, "invalid size '%s'", o.arg['s']);
	if (session_writable(s, o.args[0]) != ST_OK)
		return ST_FAIL;
	for (i = 0; i < o.nargs; i++)
		if (truncate_one(s, o.args[i], &sz, o.set['c']) != ST_OK)
			st = ST_FAIL;
	return st;
}
