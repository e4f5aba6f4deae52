/* cmd_complete.c: completion of image paths, shared by readline (interactive.c) and the hidden `complete` command that the bash and zsh scripts call. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Is entry e of directory dvp a directory? Asks the file system when the entry does not say. */
static int entry_is_dir(struct session *s, struct vnode *dvp,
    const struct dirent_rec *e)
{
	struct vnode *vp;
	int isdir;

	if (e->type != VNON)
		return e->type == VDIR;
	if (namei(s->mp, dvp, e->name, 0, &vp) != 0)
		return 0;
	isdir = vp->v_type == VDIR;
	vrele(vp);
	return isdir;
}

/*
 * Offers the entries of the image directory named by text's part up to its
 * last '/' (the current directory if none) whose names start with the rest
 * of text: add(arg, PATH, ISDIR) with PATH that directory part followed by
 * the name. Names starting with '.' only when the rest does; never . or ..
 * unless typed in full. Errors are not printed: a corrupt entry must not
 * scribble over the line being edited. Returns how many were offered.
 */
size_t complete_paths(struct session *s, const char *text,
    complete_fn add, void *arg)
{
	const char *slash = strrchr(text, '/'), *prefix;
	size_t i, plen, n = 0;
	struct dirlist dl;
	struct vnode *dvp;
	char *dir, *full;
	int quiet = s->quiet;

	dir = slash ? strndup(text, (size_t)(slash - text + 1)) : strdup("");
	prefix = slash ? slash + 1 : text;
	plen = strlen(prefix);
	if (dir == NULL || namei(s->mp, s->cwd, dir[0] ? dir : ".",
	    NAMEI_FOLLOW, &dvp) != 0) {
		free(dir);
		return 0;
	}
	s->quiet = 1;
	dirlist_read(s, dir, dvp, 0, 0, &dl);
	for (i = 0; i < dl.n; i++) {
		const struct dirent_rec *e = &dl.ents[i];
		if (strncmp(e->name, prefix, plen) != 0 ||
		    (e->name[0] == '.' && prefix[0] != '.'))
			continue;
		if ((full = path_join(dir, e->name)) == NULL)
			continue;
		add(arg, full, entry_is_dir(s, dvp, e));
		free(full);
		n++;
	}
	s->quiet = quiet;
	dirlist_free(&dl);
	vrele(dvp);
	free(dir);
	return n;
}

static void print_candidate(void *arg, const char *path, int isdir)
{
	(void)arg;
	if (strchr(path, '\n') == NULL)   /* one candidate a line */
		printf("%s%s\n", path, isdir ? "/" : "");
}

/*
 * complete [PREFIX]: the image paths that complete PREFIX, one a line,
 * directories with a trailing '/'. Not listed by help: the shell completion
 * scripts run `rumpsh -r IMAGE complete PREFIX`.
 */
int cmd_complete(struct session *s, int argc, char **argv)
{
	if (argc > 2)
		return sess_usage(s, "too many arguments");
	complete_paths(s, argc == 2 ? argv[1] : "", print_candidate, NULL);
	return ST_OK;
}
