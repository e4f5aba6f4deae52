/* msdosfs_zone.c: FAT wall-clock times to and from seconds, in the host's zone or a tz database zone (-o tz=ZONE). */
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
 * meaning UTC, which is what the C library makes of an unknown zone. Each
 * mount remembers offsets per hour, so most conversions need no swap.
 */

#define ZONE_DIR "/usr/share/zoneinfo"

struct zonesave {
	int swapped, had;
	char *old;
};

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
static void zone_enter(const struct msdosfs *fs, struct zonesave *sv)
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

static void zone_leave(struct zonesave *sv)
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

static int64_t floor_hour(int64_t t)
{
	return t >= 0 ? t / 3600 : -((-t + 3599) / 3600);
}

static struct msdosfs_zonememo *memo_slot(struct msdosfs_zonememo *m, int64_t key)
{
	return &m[(uint64_t)key % ZONE_MEMO];
}

/*
 * mktime, except that a wall-clock time that happens twice (the hour
 * repeated when summer time ends) always means the standard-time one, as
 * mtools reads it: with tm_isdst -1, glibc's choice depends on the times it
 * converted before.
 */
static time_t mktime_std(struct tm *tm)
{
	struct tm a = *tm;
	time_t t;

	a.tm_isdst = 0;
	t = mktime(&a);
	if (a.tm_isdst > 0) {   /* summer time (or a skipped hour) */
		a = *tm;
		a.tm_isdst = 1;
		t = mktime(&a);
	}
	*tm = a;
	return t;
}

/* Wall-clock seconds (as if UTC) minus the time they name in the zone. */
static long wall_offset(time_t wall)
{
	struct tm tm;

	gmtime_r(&wall, &tm);
	return (long)(wall - mktime_std(&tm));
}

/*
 * Wall-clock time (tm, normalized by the call) to seconds since 1970, in
 * the host's zone or the mount's. A remembered offset per wall-clock hour
 * saves a zone swap (or the C library's check of /etc/localtime) for most
 * of the times a listing shows.
 * An hour is remembered only when its first and last second have the same
 * offset, so no hour with a transition in it is.
 */
time_t msdosfs_zone_mktime(const struct msdosfs *fs, struct tm *tm)
{
	struct tm w = *tm;
	struct zonesave sv;
	struct msdosfs_zonememo *m = NULL;
	int64_t hour;
	time_t wall, t;
	long off0;

	if (fs->zmemo != NULL) {
		wall = timegm(&w);
		hour = floor_hour(wall);
		m = memo_slot(fs->zmemo->wall, hour);
		if (m->valid && m->key == hour)
			return wall - m->off;
	}
	zone_enter(fs, &sv);
	t = mktime_std(tm);
	if (m != NULL) {
		off0 = wall_offset((time_t)(hour * 3600));
		if (off0 == wall_offset((time_t)(hour * 3600 + 3599)))
			m->valid = 1, m->key = hour, m->off = off0;
	}
	zone_leave(&sv);
	return t;
}

/* Seconds since 1970 to wall-clock time, as msdosfs_zone_mktime. */
void msdosfs_zone_localtime(const struct msdosfs *fs, time_t t, struct tm *tm)
{
	struct zonesave sv;
	struct msdosfs_zonememo *m = NULL;
	struct tm x;
	int64_t hour = floor_hour(t);
	time_t h0, h1, wall;
	long off0;

	if (fs->zmemo != NULL) {
		m = memo_slot(fs->zmemo->utc, hour);
		if (m->valid && m->key == hour) {
			wall = t + m->off;
			gmtime_r(&wall, tm);
			return;
		}
	}
	zone_enter(fs, &sv);
	localtime_r(&t, tm);
	if (m != NULL) {
		h0 = (time_t)(hour * 3600), h1 = h0 + 3599;
		localtime_r(&h0, &x);
		off0 = (long)(timegm(&x) - h0);
		localtime_r(&h1, &x);
		if (off0 == (long)(timegm(&x) - h1))
			m->valid = 1, m->key = hour, m->off = off0;
	}
	zone_leave(&sv);
}
