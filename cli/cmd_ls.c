/* cmd_ls.c: ls, in the output formats of coreutils ls (one per line, columns on a tty, -l long). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

struct ls_ctx {
	struct session *s;
	int all, longfmt, recursive, dirself, ino, human, onecol;
	time_t now;
	int printed;            /* output so far: blank line before a header */
	int headers;            /* print "dir:" before each directory */
	int st;
};

/* One line of output: a name and what -l shows about it. */
struct ls_item {
	const char *name;
	struct vattr va;
	char *link;             /* symlink target with -l, or NULL */
};

struct ls_widths {
	int ino, nlink, uid, gid, size, major, minor;
};

#define MAX_W(a, b) ((a) > (b) ? (a) : (b))

static int ulen(unsigned long long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int is_dev(const struct vattr *va)
{
	return S_ISCHR(va->va_mode) || S_ISBLK(va->va_mode);
}

static void size_text(const struct ls_ctx *c, const struct vattr *va,
    char *buf, size_t size)
{
	if (c->human)
		fmt_human(va->va_size, buf, size);
	else
		snprintf(buf, size, "%llu", (unsigned long long)va->va_size);
}

static void widths(const struct ls_ctx *c, const struct ls_item *it,
    size_t n, struct ls_widths *w)
{
	char buf[32];
	size_t i;
	int len;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < n; i++) {
		const struct vattr *va = &it[i].va;
		w->ino = MAX_W(w->ino, ulen(va->va_ino));
		w->nlink = MAX_W(w->nlink, ulen(va->va_nlink));
		w->uid = MAX_W(w->uid, ulen(va->va_uid));
		w->gid = MAX_W(w->gid, ulen(va->va_gid));
		if (is_dev(va)) {
			w->major = MAX_W(w->major, ulen(va->va_rdev_major));
			w->minor = MAX_W(w->minor, ulen(va->va_rdev_minor));
			len = w->major + 2 + w->minor;
		} else {
			size_text(c, va, buf, sizeof(buf));
			len = (int)strlen(buf);
		}
		w->size = MAX_W(w->size, len);
	}
}

static void print_long(const struct ls_ctx *c, const struct ls_item *it,
    const struct ls_widths *w)
{
	const struct vattr *va = &it->va;
	char mode[11], date[64], size[32];

	fmt_mode(va->va_mode, mode);
	fmt_time_ls(&va->va_mtime, c->now, date, sizeof(date));
	if (c->ino)
		printf("%*llu ", w->ino, (unsigned long long)va->va_ino);
	printf("%s %*u %*u %*u ", mode, w->nlink, va->va_nlink, w->uid,
	    va->va_uid, w->gid, va->va_gid);
	if (is_dev(va)) {
		printf("%*s%*u, %*u ", w->size - (w->major + 2 + w->minor), "",
		    w->major, va->va_rdev_major, w->minor, va->va_rdev_minor);
	} else {
		size_text(c, va, size, sizeof(size));
		printf("%*s ", w->size, size);
	}
	printf("%s ", date);
	fmt_name(stdout, it->name, c->s->out_tty);
	if (it->link) {
		fputs(" -> ", stdout);
		fmt_name(stdout, it->link, c->s->out_tty);
	}
	putchar('\n');
}

static int term_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (env && atoi(env) > 0)
		return atoi(env);
	return 80;
}

/*
 * Column widths for n cells in `cols` columns filled top to bottom, as
 * coreutils ls -C: every column but the last is padded by 2; the layout fits
 * if the line is shorter than the terminal.
 */
static int layout_fits(const size_t *cell, size_t n, size_t cols,
    size_t width, size_t *colw)
{
	size_t rows = (n + cols - 1) / cols, i, k, total = 0;

	memset(colw, 0, cols * sizeof(*colw));
	for (i = 0; i < n; i++) {
		k = i / rows;
		if (cell[i] + (k + 1 < cols ? 2 : 0) > colw[k])
			colw[k] = cell[i] + (k + 1 < cols ? 2 : 0);
	}
	for (i = 0; i < cols; i++)
		total += colw[i];
	return total < width;
}

static size_t pick_columns(const size_t *cell, size_t n, size_t *colw)
{
	size_t width = (size_t)term_width(), cols, max = width / 3;

	if (max == 0)
		max = 1;
	for (cols = n < max ? n : max; cols > 1; cols--)
		if (layout_fits(cell, n, cols, width, colw))
			return cols;
	layout_fits(cell, n, 1, width, colw);
	return 1;
}

static void print_cell(const struct ls_ctx *c, const struct ls_item *it,
    int inow)
{
	if (c->ino)
		printf("%*llu ", inow, (unsigned long long)it->va.va_ino);
	fmt_name(stdout, it->name, c->s->out_tty);
}

/* Pads from column `from` to `to` with tabs where a tab fits, as ls does. */
static void indent(size_t from, size_t to)
{
	while (from < to) {
		if (to / 8 > (from + 1) / 8) {
			putchar('\t');
			from += 8 - from % 8;
		} else {
			putchar(' ');
			from++;
		}
	}
}

/* Names in columns, filled top to bottom as ls -C does (a tty). */
static void print_columns(const struct ls_ctx *c, const struct ls_item *it,
    size_t n, int inow)
{
	size_t *cell = calloc(n, sizeof(*cell)), *colw, cols, rows, r, i, k, pos;

	colw = calloc(n, sizeof(*colw));
	if (cell == NULL || colw == NULL) {
		free(cell);
		free(colw);
		for (i = 0; i < n; i++, putchar('\n'))
			print_cell(c, &it[i], inow);
		return;
	}
	for (i = 0; i < n; i++)
		cell[i] = strlen(it[i].name) + (c->ino ? (size_t)inow + 1 : 0);
	cols = pick_columns(cell, n, colw);
	rows = (n + cols - 1) / cols;
	for (r = 0; r < rows; r++, putchar('\n'))
		for (i = r, k = 0, pos = 0; i < n; i += rows, k++) {
			print_cell(c, &it[i], inow);
			if (i + rows >= n)
				break;
			indent(pos + cell[i], pos + colw[k]);
			pos += colw[k];
		}
	free(cell);
	free(colw);
}

/*
 * Prints the first nshow of n items (columns sized over all n, as ls sizes
 * file operands together with the directory operands); total: the
 * "total N" line of a directory.
 */
static void print_items(struct ls_ctx *c, const struct ls_item *it,
    size_t n, size_t nshow, int total)
{
	unsigned long long bytes = 0;
	struct ls_widths w;
	char buf[32];
	size_t i;

	widths(c, it, n, &w);
	n = nshow;
	if (c->longfmt && total) {
		for (i = 0; i < n; i++)
			bytes += it[i].va.va_bytes;
		if (c->human)
			fmt_human(bytes, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%llu", (bytes + 1023) / 1024);
		printf("total %s\n", buf);
	}
	if (c->longfmt)
		for (i = 0; i < n; i++)
			print_long(c, &it[i], &w);
	else if (c->s->out_tty && !c->onecol && n > 0)
		print_columns(c, it, n, w.ino);
	else
		for (i = 0; i < n; i++, putchar('\n'))
			print_cell(c, &it[i], w.ino);
	c->printed = 1;
}

static void items_free(struct ls_item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(it[i].link);
	free(it);
}

/* With -l, a symlink's target (NULL if unreadable: reported). */
static char *link_of(struct ls_ctx *c, const char *path, struct vnode *vp)
{
	char *target;
	int error;

	if ((error = sess_readlink(c->s, vp, &target)) != 0) {
		c->st = sess_err(c->s, path, error);
		return NULL;
	}
	return target;
}

/* Lists a directory's entries (already read, with attributes). */
static void list_entries(struct ls_ctx *c, const char *path,
    struct vnode *dvp, const struct dirlist *dl)
{
	struct ls_item *it = calloc(dl->n ? dl->n : 1, sizeof(*it));
	struct vnode *vp;
	size_t i, n = 0;
	char *p;

	if (it == NULL) {
		c->st = sess_err(c->s, path, ENOMEM);
		return;
	}
	for (i = 0; i < dl->n; i++) {
		const struct dirent_rec *e = &dl->ents[i];
		if (e->name[0] == '.' && !c->all)
			continue;
		it[n].name = e->name;
		it[n].va = e->va;
		if (c->longfmt && S_ISLNK(e->va.va_mode) &&
		    VOP_LOOKUP(dvp, e->name, strlen(e->name), &vp) == 0) {
			p = path_join(path, e->name);
			it[n].link = link_of(c, p ? p : e->name, vp);
			free(p);
			vrele(vp);
		}
		n++;
	}
	print_items(c, it, n, n, 1);
	items_free(it, n);
}

static void dir_header(struct ls_ctx *c, const char *path)
{
	if (c->printed)
		putchar('\n');
	if (c->headers) {
		fmt_name(stdout, path, c->s->out_tty);
		printf(":\n");
	}
	c->printed = 1;
}

/* walk callbacks for ls -R */
static int rec_visit(void *arg, const struct walk_node *n)
{
	struct ls_ctx *c = arg;

	return n->depth > 0 && n->name[0] == '.' && !c->all ? WALK_SKIP :
	    WALK_CONTINUE;
}

static void rec_dir(void *arg, const struct walk_node *dir,
    const struct dirlist *dl)
{
	struct ls_ctx *c = arg;

	dir_header(c, dir->path);
	list_entries(c, dir->path, dir->vp, dl);
}

static void list_dir(struct ls_ctx *c, const char *path, struct vnode *vp)
{
	struct walk_ops ops = { .visit = rec_visit, .dir = rec_dir,
	    .maxdepth = -1, .dots = c->all, .attrs = 1 };
	struct dirlist dl;

	if (c->recursive) {
		if (walk(c->s, path, vp, &ops, c) != ST_OK)
			c->st = ST_FAIL;
		return;
	}
	dir_header(c, path);
	if (dirlist_read(c->s, path, vp, c->all, 1, &dl) != ST_OK)
		c->st = ST_FAIL;
	list_entries(c, path, vp, &dl);
	dirlist_free(&dl);
}

/* An operand: looked up without following, unless a plain ls of a link. */
struct ls_operand {
	const char *path;
	struct vnode *vp;
	struct vattr va;
};

static int operand_open(struct ls_ctx *c, const char *path,
    struct ls_operand *op)
{
	struct vnode *vp;
	struct vattr va;

	if (sess_lookup(c->s, path, 0, &op->vp, &op->va) != ST_OK)
		return -1;
	op->path = path;
	if (S_ISLNK(op->va.va_mode) && !c->longfmt && !c->dirself &&
	    namei(c->s->mp, c->s->cwd, path, NAMEI_FOLLOW, &vp) == 0) {
		if (VOP_GETATTR(vp, &va) == 0) {
			vrele(op->vp);
			op->vp = vp;
			op->va = va;
		} else {
			vrele(vp);
		}
	}
	return 0;
}

static int operand_cmp(const void *a, const void *b)
{
	const struct ls_operand *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* Non-directory operands (and all with -d): the first nfiles of n. */
static void list_files(struct ls_ctx *c, struct ls_operand *ops,
    size_t nfiles, size_t n)
{
	struct ls_item *it = calloc(n ? n : 1, sizeof(*it));
	size_t i;

	if (it == NULL) {
		c->st = sess_err(c->s, NULL, ENOMEM);
		return;
	}
	for (i = 0; i < n; i++) {
		it[i].name = ops[i].path;
		it[i].va = ops[i].va;
		if (i < nfiles && c->longfmt && S_ISLNK(ops[i].va.va_mode))
			it[i].link = link_of(c, ops[i].path, ops[i].vp);
	}
	if (nfiles > 0)
		print_items(c, it, n, nfiles, 0);
	items_free(it, n);
}

static int is_listed_dir(const struct ls_ctx *c, const struct ls_operand *op)
{
	return !c->dirself && S_ISDIR(op->va.va_mode) &&
	    op->vp->v_type == VDIR;
}

/* Splits operands into files (listed first) and directories. */
static void list_operands(struct ls_ctx *c, char **paths, int n)
{
	struct ls_operand *ops = calloc((size_t)n, sizeof(*ops));
	size_t nops = 0, nfiles = 0, i;

	if (ops == NULL) {
		c->st = sess_err(c->s, NULL, ENOMEM);
		return;
	}
	for (i = 0; i < (size_t)n; i++)
		if (operand_open(c, paths[i], &ops[nops]) == 0)
			nops++;
		else
			c->st = ST_FAIL;
	qsort(ops, nops, sizeof(*ops), operand_cmp);
	/* stable partition: files first, directories after, both sorted */
	for (i = 0; i < nops; i++)
		if (!is_listed_dir(c, &ops[i])) {
			struct ls_operand t = ops[i];
			memmove(&ops[nfiles + 1], &ops[nfiles],
			    (i - nfiles) * sizeof(*ops));
			ops[nfiles++] = t;
		}
	c->headers = c->recursive || n > 1;
	list_files(c, ops, nfiles, nops);
	for (i = nfiles; i < nops; i++)
		list_dir(c, ops[i].path, ops[i].vp);
	for (i = 0; i < nops; i++)
		vrele(ops[i].vp);
	free(ops);
}

int cmd_ls(struct session *s, int argc, char **argv)
{
	struct ls_ctx c = { .s = s, .now = time(NULL) };
	char *dot[] = { ".", NULL };
	struct opts o;
	int st;

	if ((st = opts_parse(s, argc, argv, "laRdih1", &o)) != ST_OK)
		return st;
	c.longfmt = o.set['l'];
	c.all = o.set['a'];
	c.recursive = o.set['R'] && !o.set['d'];
	c.dirself = o.set['d'];
	c.ino = o.set['i'];
	c.human = o.set['h'];
	c.onecol = o.set['1'];
	if (o.nargs == 0)
		list_operands(&c, dot, 1);
	else
		list_operands(&c, o.args, o.nargs);
	return c.st;
}
