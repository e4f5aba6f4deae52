/* cmd_chmod.c: chmod and chown, changing a file's mode or owner in the image. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* Sets the attributes in `valid` on each path; mode may be relative. */
struct attr_change {
	const char *modespec;    /* chmod: applied to each file's mode */
	mode_t umask;
	struct vattr va;         /* chown: uid and gid */
	unsigned valid;
	int follow;
};

static int change_one(struct session *s, const char *path,
    const struct attr_change *ch)
{
	struct vattr va = ch->va, cur;
	struct vnode *vp;
	mode_t mode;
	int st;

	if (sess_lookup(s, path, ch->follow, &vp, &cur) != ST_OK)
		return ST_FAIL;
	if (ch->modespec != NULL) {
		if (mode_parse(ch->modespec, cur.va_mode, S_ISDIR(cur.va_mode),
		    ch->umask, &mode) != 0) {
			vrele(vp);
			return sess_usage(s, "invalid mode '%s'", ch->modespec);
		}
		va.va_mode = (cur.va_mode & S_IFMT) | mode;
	}
	st = img_setattr(s, vp, path, &va, ch->valid);
	vrele(vp);
	return st;
}

static int change_all(struct session *s, struct opts *o,
    const struct attr_change *ch)
{
	int i, st = ST_OK, r;

	if (session_writable(s, o->args[1]) != ST_OK)
		return ST_FAIL;
	for (i = 1; i < o->nargs; i++) {
		r = change_one(s, o->args[i], ch);
		if (r == ST_USAGE)
			return r;
		if (r != ST_OK)
			st = r;
	}
	return st;
}

int cmd_chmod(struct session *s, int argc, char **argv)
{
	struct attr_change ch = { .valid = VA_MODE, .follow = 1 };
	struct opts o;
	mode_t m;
	int st;

	/* "-w" or "-x" is a mode, not an option, as chmod(1) takes it */
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] &&
	    strspn(argv[1] + 1, "rwxXst") == strlen(argv[1] + 1)) {
		o.args = argv + 1;
		o.nargs = argc - 1;
	} else if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK) {
		return st;
	}
	if (o.nargs < 2)
		return sess_usage(s, o.nargs ? "missing operand after '%s'" :
		    "missing operand", o.nargs ? o.args[0] : "");
	ch.modespec = o.args[0];
	ch.umask = sess_umask();
	if (mode_parse(ch.modespec, 0, 0, ch.umask, &m) != 0)
		return sess_usage(s, "invalid mode '%s'", ch.modespec);
	return change_all(s, &o, &ch);
}

/* A number, or (if it is not one) a name in the host's passwd or group. */
static int parse_id(const char *str, int group, uint32_t *id)
{
	struct passwd *pw;
	struct group *gr;
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(str, &end, 10);
	if (*str >= '0' && *str <= '9' && *end == '\0' && errno == 0 &&
	    v <= UINT32_MAX - 1) {
		*id = (uint32_t)v;
		return 0;
	}
	if (group && (gr = getgrnam(str)) != NULL)
		*id = (uint32_t)gr->gr_gid;
	else if (!group && (pw = getpwnam(str)) != NULL)
		*id = (uint32_t)pw->pw_uid;
	else
		return -1;
	return 0;
}

/* "UID", "UID:GID", "UID:" (group unchanged), ":GID"; '.' for ':' too. */
static int parse_owner(struct session *s, const char *spec,
    struct attr_change *ch)
{
	char *copy = strdup(spec), *sep;
	int st = ST_OK;

	if (copy == NULL)
		return sess_err(s, NULL, ENOMEM);
	sep = strchr(copy, ':');
	if (sep == NULL && getpwnam(copy) == NULL)
		sep = strchr(copy, '.');
	if (sep != NULL)
		*sep++ = '\0';
	if (copy[0] != '\0') {
		if (parse_id(copy, 0, &ch->va.va_uid) != 0)
			st = sess_usage(s, "invalid user '%s'", copy);
		ch->valid |= VA_UID;
	}
	if (st == ST_OK && sep != NULL && sep[0] != '\0') {
		if (parse_id(sep, 1, &ch->va.va_gid) != 0)
			st = sess_usage(s, "invalid group '%s'", sep);
		ch->valid |= VA_GID;
	}
	if (st == ST_OK && ch->valid == 0)
		st = sess_usage(s, "invalid owner '%s'", spec);
	free(copy);
	return st;
}

int cmd_chown(struct session *s, int argc, char **argv)
{
	struct attr_change ch = { .follow = 1 };
	struct opts o;
	int st;

	if ((st = opts_parse(s, argc, argv, "h", &o)) != ST_OK)
		return st;
	if (o.nargs < 2)
		return sess_usage(s, "missing operand");
	ch.follow = !o.set['h'];
	if ((st = parse_owner(s, o.args[0], &ch)) != ST_OK)
		return st;
	return change_all(s, &o, &ch);
}
