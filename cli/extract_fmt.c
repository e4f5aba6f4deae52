/* extract_fmt.c: which archive format and compression extract writes, from --format/--compress or the file's suffix. */
#include <stdlib.h>
#include <string.h>

#include "cli/xarchive.h"

/* Written in chunks this large; the last block is not padded (as bsdtar). */
#define XBLOCK (64 * 1024)

struct suffix {
	const char *suffix, *format, *compress;
};

/* Longest first where one suffix ends another. */
static const struct suffix suffixes[] = {
	{ ".tar.gz", "pax", "gzip" },   { ".tgz", "pax", "gzip" },
	{ ".tar.bz2", "pax", "bzip2" }, { ".tbz2", "pax", "bzip2" },
	{ ".tar.xz", "pax", "xz" },     { ".txz", "pax", "xz" },
	{ ".tar.zst", "pax", "zstd" },  { ".tzst", "pax", "zstd" },
	{ ".cpio.gz", "cpio", "gzip" }, { ".cpio.xz", "cpio", "xz" },
	{ ".cpio.zst", "cpio", "zstd" }, { ".cpio.bz2", "cpio", "bzip2" },
	{ ".tar", "pax", "none" },      { ".cpio", "cpio", "none" },
	{ ".zip", "zip", "none" },      { ".7z", "7z", "none" },
};

static const char *const formats[] = {
	"pax", "ustar", "gnutar", "cpio", "newc", "zip", "7z", NULL
};
static const char *const compressors[] = {
	"none", "gzip", "bzip2", "xz", "zstd", NULL
};

static int in_list(const char *const *list, const char *word)
{
	for (; *list; list++)
		if (strcmp(*list, word) == 0)
			return 1;
	return 0;
}

static const struct suffix *by_suffix(const char *file)
{
	size_t i, n = strlen(file), l;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		l = strlen(suffixes[i].suffix);
		if (n > l && strcmp(file + n - l, suffixes[i].suffix) == 0)
			return &suffixes[i];
	}
	return NULL;
}

/*
 * Options win over the suffix; with neither (or "-"), pax uncompressed.
 * zip and 7z compress inside the archive: no outer compression for them.
 */
int xformat_choose(struct session *s, const char *file, const char *fmt,
    const char *comp, struct xformat *xf)
{
	const struct suffix *sf = file ? by_suffix(file) : NULL;

	xf->format = fmt ? fmt : sf ? sf->format : "pax";
	xf->compress = comp ? comp : (sf && !fmt) ? sf->compress : "none";
	if (strcmp(xf->format, "newc") == 0)
		xf->format = "cpio";
	if (!in_list(formats, xf->format))
		return sess_usage(s, "unknown format '%s' (pax, ustar, gnutar, "
		    "cpio, zip, 7z)", xf->format);
	if (!in_list(compressors, xf->compress))
		return sess_usage(s, "unknown compression '%s' (gzip, bzip2, "
		    "xz, zstd, none)", xf->compress);
	if ((strcmp(xf->format, "zip") == 0 || strcmp(xf->format, "7z") == 0)
	    && strcmp(xf->compress, "none") != 0)
		return sess_usage(s, "%s archives compress their own data: no "
		    "--compress", xf->format);
	return ST_OK;
}

/* Only pax records holes (GNU sparse 1.0 in pax headers). */
int xformat_sparse(const struct xformat *xf)
{
	return strcmp(xf->format, "pax") == 0;
}

static int set_format(struct archive *a, const char *f)
{
	if (strcmp(f, "pax") == 0)
		return archive_write_set_format_pax(a);
	if (strcmp(f, "ustar") == 0)
		return archive_write_set_format_ustar(a);
	if (strcmp(f, "gnutar") == 0)
		return archive_write_set_format_gnutar(a);
	if (strcmp(f, "cpio") == 0)
		return archive_write_set_format_cpio_newc(a);
	if (strcmp(f, "zip") == 0)
		return archive_write_set_format_zip(a);
	return archive_write_set_format_7zip(a);
}

static int add_filter(struct archive *a, const char *c)
{
	if (strcmp(c, "gzip") == 0)
		return archive_write_add_filter_gzip(a);
	if (strcmp(c, "bzip2") == 0)
		return archive_write_add_filter_bzip2(a);
	if (strcmp(c, "xz") == 0)
		return archive_write_add_filter_xz(a);
	if (strcmp(c, "zstd") == 0)
		return archive_write_add_filter_zstd(a);
	return archive_write_add_filter_none(a);
}

/* A writer for xf onto fd (which stays the caller's to close). */
int xformat_writer(struct session *s, const struct xformat *xf, int fd,
    struct archive **ap)
{
	struct archive *a = archive_write_new();

	if (a == NULL)
		return sess_errmsg(s, NULL, "out of memory");
	if (set_format(a, xf->format) != ARCHIVE_OK ||
	    add_filter(a, xf->compress) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, XBLOCK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		sess_errmsg(s, NULL, "%s", archive_error_string(a));
		archive_write_free(a);
		return ST_FAIL;
	}
	*ap = a;
	return ST_OK;
}

/*
 * libarchive's 7z writer stages data in a temporary file under $TMPDIR
 * (default /tmp), which the sandbox does not open to it: stage beside the
 * archive, in the directory the user named for output.
 */
void xformat_tmpdir(const struct xformat *xf, const char *file)
{
	char *dir, *slash;

	if (strcmp(xf->format, "7z") != 0 || file == NULL ||
	    (dir = strdup(file)) == NULL)
		return;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	setenv("TMPDIR", slash ? dir : ".", 1);
	free(dir);
}
