/* cmd_import.c: import, an archive's members (any format and compression libarchive reads) written into the image. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/xarchive.h"

#define READ_BLOCK (1024 * 1024)

static int i_open(struct impctx *ic, const char *file, int *fdp)
{
	struct stat st;
	struct archive *a;

	*fdp = strcmp(file, "-") == 0 ? STDIN_FILENO :
	    open(file, O_RDONLY | O_CLOEXEC);
	if (*fdp < 0)
		return sess_errmsg(ic->s, file, "%s", strerror(errno));
	if ((a = archive_read_new()) == NULL)
		return sess_err(ic->s, file, ENOMEM);
	ic->a = a;
	if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
	    archive_read_support_format_all(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, *fdp, READ_BLOCK) != ARCHIVE_OK)
		return sess_errmsg(ic->s, file, "%s", archive_error_string(a));
	if (fstat(*fdp, &st) == 0 && S_ISREG(st.st_mode))
		ic->pg.total = (uint64_t)st.st_size;
	return ST_OK;
}

/* Every member in turn; a damaged archive ends the loop, reported. */
static void i_loop(struct impctx *ic, const char *file)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		r = archive_read_next_header(ic->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN) {
			progress_clear(&ic->pg);
			fprintf(stderr, "rumpsh: import: %s: %s\n",
			    archive_entry_pathname(e) ? archive_entry_pathname(e)
			    : file, archive_error_string(ic->a));
		} else if (r != ARCHIVE_OK) {
			progress_clear(&ic->pg);
			ic->st = sess_errmsg(ic->s, file, "%s",
			    archive_error_string(ic->a));
			if (r == ARCHIVE_FATAL)
				break;
			continue;
		}
		imp_entry(ic, e);
		progress_pos(&ic->pg, (uint64_t)archive_filter_bytes(ic->a, -1));
	}
}

/* DEST: an existing directory of the (now writable) image. */
static int i_dest(struct impctx *ic, const char *dest)
{
	struct vattr va;

	if (sess_lookup(ic->s, dest, 1, &ic->dest, &va) != ST_OK)
		return ST_FAIL;
	if (!S_ISDIR(va.va_mode)) {
		vrele(ic->dest);
		ic->dest = NULL;
		return sess_err(ic->s, dest, ENOTDIR);
	}
	return ST_OK;
}

int cmd_import(struct session *s, int argc, char **argv)
{
	struct impctx ic = { .s = s, .st = ST_OK };
	struct opts o;
	locale_t loc, old;
	int fd = -1, st;

	if ((st = opts_parse(s, argc, argv, "q", &o)) != ST_OK)
		return st;
	if (o.nargs < 1 || o.nargs > 2)
		return sess_usage(s, o.nargs ? "too many arguments" :
		    "missing archive");
	if ((st = session_writable(s, NULL)) != ST_OK)
		return st;
	if (i_dest(&ic, o.nargs > 1 ? o.args[1] : "/") != ST_OK)
		return ST_FAIL;
	ic.umask = sess_umask();
	progress_start(&ic.pg, o.set['q'] > 0, 0);
	loc = xlocale_enter(&old);
	if (i_open(&ic, o.args[0], &fd) == ST_OK)
		i_loop(&ic, o.args[0]);
	else
		ic.st = ST_FAIL;
	imp_fixups(&ic);
	xlocale_leave(loc, old);
	progress_end(&ic.pg);
	imp_forget(&ic);
	if (ic.a)
		archive_read_free(ic.a);
	if (fd > STDIN_FILENO)
		close(fd);
	vrele(ic.dest);
	return ic.st;
}
