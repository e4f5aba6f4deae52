/* msdosfs_zone.c: -o tz=ZONE: FAT wall-clock times read and written in a named time zone of the tz database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/msdos/msdosfs.h"

/*
 * The C library converts in one zone at a time, the one TZ names. To
 * convert in the mount's zone without changing the zone rumpsh shows times
 * in, TZ is swapped for the length of one conversion and put back after
 * (the shell and the FUSE server are single-threaded). The zone file is
 * checked at mount time, so a mistyped name is refused instead of silently
 * meaning UTC, which is what the C library makes of an unknown zone.
 */

#define ZONE_DIR "/usr/share/zoneinfo"

/* 0 if name is a zone of the tz database that can be read, else an errno. */
int msdosfs_zone_check(const char *name, size_t max)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	unsigned char magic[4];
	FILE *f;
	size_t n;

	if (*name == ':')
		name++;
	if (*name == '\0' || strlen(name) >= max || strstr(name, "..") != NULL)
		return EINVAL;
	if (dir == NULL || *dir == '\0')
		dir = ZONE_DIR;
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return errno;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == sizeof(magic) && memcmp(magic, "TZif", 4) == 0 ? 0 : EINVAL;
}

/* Makes the mount's zone (if it has one) the C library's zone. */
void msdosfs_zone_enter(const struct msdosfs *fs, struct msdosfs_zonesave *sv)
{
	const char *old;

	sv->swapped = fs->zone[0] != '\0';
	if (!sv->swapped)
		return;
	old = getenv("TZ");
	sv->had = old != NULL;
	sv->old = old != NULL ? strdup(old) : NULL;
	if (old != NULL && sv->old == NULL) {
		sv->swapped = 0;   /* out of memory: better local time than none */
		return;
	}
	setenv("TZ", fs->zone, 1);
	tzset();
}

void msdosfs_zone_leave(struct msdosfs_zonesave *sv)
{
	if (!sv->swapped)
		return;
	if (sv->had)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(sv->old);
}
