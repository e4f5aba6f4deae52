/* cmd_info.c: info, the driver's facts about the file system and the disk's partition table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "vfs/blkdev.h"
#include "vfs/part.h"

static void info_line(void *arg, const char *key, const char *value)
{
	(void)arg;
	printf("%s: %s\n", key, value);
}

/*
 * The whole disk under "disk.img@N": the name without "@N", split as
 * vfs_mount does (a file named by the whole spec wins).
 */
static char *disk_path(const char *spec)
{
	const char *at = strrchr(spec, '@');
	struct stat st;
	char *end;
	long n;

	if (at != NULL && at[1] != '\0' && stat(spec, &st) != 0) {
		n = strtol(at + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= PART_MAX)
			return strndup(spec, (size_t)(at - spec));
	}
	return strdup(spec);
}

static void print_table(const struct part_table *pt)
{
	const struct part_entry *e;
	int i;

	if (pt->pt_count == 0) {
		printf("partition table: none\n");
		return;
	}
	printf("partition table: %s\n", pt->pt_scheme);
	printf("%-5s %14s %14s  %-36s  %-20s  %s\n", "index", "start", "size",
	    "type", "description", "name");
	for (i = 0; i < pt->pt_count; i++) {
		e = &pt->pt_entries[i];
		printf("%-5d %14llu %14llu  %-36s  %-20s  %s\n", e->pe_index,
		    (unsigned long long)e->pe_start,
		    (unsigned long long)e->pe_size, e->pe_type,
		    e->pe_desc[0] ? e->pe_desc : "-", e->pe_name);
	}
}

/* Reads the partition table of the disk at path into pt (errbuf: why not). */
static int read_table(const char *path, struct part_table *pt, char *errbuf,
    size_t errbufsize)
{
	struct blkdev *bd = NULL;
	int error = blkdev_open(path, 0, &bd);

	if (error == 0) {
		error = part_scan(bd, pt, errbuf, errbufsize);
		blkdev_close(bd);
	}
	return error;
}

static int info_partitions(struct session *s)
{
	struct part_table *pt = calloc(1, sizeof(*pt));
	char *path = disk_path(s->image), errbuf[256] = "";
	int error;

	error = pt == NULL || path == NULL ? ENOMEM :
	    read_table(path, pt, errbuf, sizeof(errbuf));
	if (error == 0)
		print_table(pt);
	else if (errbuf[0])
		sess_errmsg(s, path, "%s", errbuf);
	else
		sess_err(s, path ? path : s->image, error);
	free(pt);
	free(path);
	return error ? ST_FAIL : ST_OK;
}

int cmd_info(struct session *s, int argc, char **argv)
{
	struct opts o;
	int st, error;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs > 0)
		return sess_usage(s, "too many arguments");
	error = vfs_info(s->mp, info_line, NULL);
	if (error)
		st = sess_err(s, NULL, error);
	if (info_partitions(s) != ST_OK)
		st = ST_FAIL;
	printf("sandbox: %s\n", s->sandbox ? s->sandbox : "off");
	return st;
}

/*
 * `rumpsh DISK info` where DISK holds no file system at its start but a
 * partition table: what info can say of the disk, the table, so the user
 * sees which IMAGE@N to open. ST_FAIL (silently) when there is no table.
 */
int info_unmounted_disk(const char *image, const char *sandbox)
{
	struct part_table *pt = calloc(1, sizeof(*pt));
	char errbuf[128];
	int st = ST_FAIL;

	if (pt != NULL && strchr(image, '@') == NULL &&
	    read_table(image, pt, errbuf, sizeof(errbuf)) == 0 &&
	    pt->pt_count > 0) {
		printf("file system: none at the start of the disk; open a "
		    "partition as %s@N\n", image);
		print_table(pt);
		printf("sandbox: %s\n", sandbox[0] ? sandbox : "off");
		st = ST_OK;
	}
	free(pt);
	return st;
}
