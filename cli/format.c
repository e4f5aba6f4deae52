/* format.c: how attributes read from an image are written for people: modes, sizes, times, names, paths. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static char type_char(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:  return '-';
	case S_IFDIR:  return 'd';
	case S_IFLNK:  return 'l';
	case S_IFCHR:  return 'c';
	case S_IFBLK:  return 'b';
	case S_IFIFO:  return 'p';
	case S_IFSOCK: return 's';
	default:       return '?';
	}
}

/* "drwxr-sr-t" as ls -l writes it (s/S, t/T for setuid, setgid, sticky). */
void fmt_mode(mode_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = type_char(mode);
	for (i = 0; i < 9; i++)
		out[i + 1] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = (mode & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/* The file type as stat(1) names it. */
const char *fmt_type_name(mode_t mode, uint64_t size)
{
	switch (mode & S_IFMT) {
	case S_IFREG:  return size ? "regular file" : "regular empty file";
	case S_IFDIR:  return "directory";
	case S_IFLNK:  return "symbolic link";
	case S_IFCHR:  return "character special file";
	case S_IFBLK:  return "block special file";
	case S_IFIFO:  return "fifo";
	case S_IFSOCK: return "socket";
	default:       return "weird file";
	}
}

/*
 * Sizes as coreutils' -h writes them: powers of 1024, rounded up, one
 * decimal below 10 ("4.0K", "15K", "1.2M"), plain bytes below 1024.
 */
void fmt_human(uint64_t bytes, char *out, size_t size)
{
	static const char units[] = "KMGTPE";
	unsigned __int128 unit = 1024, tenths, whole;
	int e = 0;

	if (bytes < 1024) {
		snprintf(out, size, "%llu", (unsigned long long)bytes);
		return;
	}
	while (e < 5 && bytes >= unit * 1024) {
		unit *= 1024;
		e++;
	}
	tenths = ((unsigned __int128)bytes * 10 + unit - 1) / unit;
	if (tenths < 100) {
		snprintf(out, size, "%u.%u%c", (unsigned)(tenths / 10),
		    (unsigned)(tenths % 10), units[e]);
		return;
	}
	whole = (bytes + unit - 1) / unit;
	if (whole >= 1024 && e < 5) {
		snprintf(out, size, "1.0%c", units[e + 1]);
		return;
	}
	snprintf(out, size, "%llu%c", (unsigned long long)whole, units[e]);
}

/*
 * ls -l's time: "%b %e %H:%M" within the last six months (and not in the
 * future), else "%b %e  %Y". Local time zone.
 */
void fmt_time_ls(const struct timespec *ts, time_t now, char *out,
    size_t size)
{
	const time_t six_months = 31556952 / 2;
	time_t t = ts->tv_sec;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(out, size, "%lld", (long long)t);
		return;
	}
	if (t > now - six_months && t <= now)
		strftime(out, size, "%b %e %H:%M", &tm);
	else
		strftime(out, size, "%b %e  %Y", &tm);
}

/* stat(1)'s time: "2024-01-02 03:04:05.123456789 +0000", or "-". */
void fmt_time_full(const struct timespec *ts, char *out, size_t size)
{
	time_t t = ts->tv_sec;
	char date[64], zone[16];
	struct tm tm;

	if (ts->tv_sec == VFS_NOTIME || localtime_r(&t, &tm) == NULL) {
		snprintf(out, size, "-");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(out, size, "%s.%09ld %s", date, ts->tv_nsec, zone);
}

/* A name from the image: verbatim to a pipe, control bytes as '?' on a tty. */
void fmt_name(FILE *f, const char *name, int tty)
{
	const unsigned char *p;

	if (!tty) {
		fputs(name, f);
		return;
	}
	for (p = (const unsigned char *)name; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* dir + "/" + name, without doubling a '/' dir already ends with. */
char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] != '/';
	char *p = malloc(dl + slash + nl + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + slash, name, nl + 1);
	return p;
}

/* The last component of path ("a/b/" -> "b"; "/" -> "/"), into buf. */
const char *path_base(const char *path, char *buf, size_t size)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len == 1 && path[0] == '/')
		start = 0;
	if (len - start >= size)
		len = start + size - 1;
	memcpy(buf, path + start, len - start);
	buf[len - start] = '\0';
	return buf;
}
