/* cmd_du.c: du, allocated space per directory (post-order), hard-linked files counted once. */
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/cli.h"

struct du_ctx {
	struct session *s;
	int summary, human;
	int all_once;           /* several operands: no inode counted twice */
	struct inoset seen;     /* inodes already counted */
	uint64_t sums[WALK_MAXDEPTH + 2];   /* bytes of each open directory */
	int st;
};

static void du_print(const struct du_ctx *d, uint64_t bytes, const char *path)
{
	char buf[32];

	if (d->human)
		fmt_human(bytes, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)((bytes + 1023) / 1024));
	printf("%s\t", buf);
	fmt_name(stdout, path, d->s->out_tty);
	putchar('\n');
}

/*
 * Is this the first time the inode is met? As coreutils du: files with
 * several links count once; with several operands, nothing counts twice
 * (a directory met again is skipped whole).
 */
static int first_time(struct du_ctx *d, const struct vattr *va)
{
	int r;

	if (!d->all_once && (S_ISDIR(va->va_mode) || va->va_nlink < 2))
		return 1;
	r = inoset_add(&d->seen, va->va_ino);
	if (r < 0)
		d->st = ST_FAIL;
	return r != 0;
}

static int du_visit(void *arg, const struct walk_node *n)
{
	struct du_ctx *d = arg;
	int first = first_time(d, n->va);
	uint64_t bytes = first ? n->va->va_bytes : 0;

	if (!first && S_ISDIR(n->va->va_mode))
		return WALK_SKIP;

	if (S_ISDIR(n->va->va_mode) && n->vp->v_type == VDIR)
		d->sums[n->depth] = bytes;
	else if (n->depth > 0)
		d->sums[n->depth - 1] += bytes;
	else
		du_print(d, bytes, n->path);
	return WALK_CONTINUE;
}

static void du_leave(void *arg, const struct walk_node *n)
{
	struct du_ctx *d = arg;

	if (!d->summary || n->depth == 0)
		du_print(d, d->sums[n->depth], n->path);
	if (n->depth > 0)
		d->sums[n->depth - 1] += d->sums[n->depth];
}

int cmd_du(struct session *s, int argc, char **argv)
{
	struct du_ctx d = { .s = s };
	struct walk_ops ops = { .visit = du_visit, .leave = du_leave,
	    .maxdepth = -1, .byino = 1 };
	char *dot[] = { ".", NULL }, **paths;
	struct vnode *vp;
	struct opts o;
	int i, n, st;

	if ((st = opts_parse(s, argc, argv, "sh", &o)) != ST_OK)
		return st;
	d.summary = o.set['s'];
	d.human = o.set['h'];
	d.all_once = o.nargs > 1;
	paths = o.nargs ? o.args : dot;
	n = o.nargs ? o.nargs : 1;
	for (i = 0; i < n; i++) {
		if (sess_lookup(s, paths[i], 0, &vp, NULL) != ST_OK) {
			d.st = ST_FAIL;
			continue;
		}
		if (walk(s, paths[i], vp, &ops, &d) != ST_OK)
			d.st = ST_FAIL;
		vrele(vp);
	}
	inoset_free(&d.seen);
	return d.st;
}
