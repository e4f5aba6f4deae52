/* cmd_touch.c: touch, creating files and setting their access and modification times (with nanoseconds). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* ".123" -> 123000000; at most 9 digits count, the rest must be digits. */
static int parse_frac(const char *p, long *ns)
{
	long v = 0;
	int n = 0;

	*ns = 0;
	if (*p == '\0')
		return 0;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++, n++)
		if (n < 9)
			v = v * 10 + (*p - '0');
	for (; n < 9; n++)
		v *= 10;
	*ns = v;
	return *p == '\0' ? 0 : -1;
}

/* Local time (as TZ says) to seconds; -1 if the fields are not a date. */
static int make_time(struct tm *tm, time_t *t)
{
	struct tm want = *tm;

	tm->tm_isdst = -1;
	*t = mktime(tm);
	if (tm->tm_year != want.tm_year || tm->tm_mon != want.tm_mon ||
	    tm->tm_mday != want.tm_mday || tm->tm_hour != want.tm_hour ||
	    tm->tm_min != want.tm_min)
		return -1;
	return 0;
}

/* "@SECONDS[.NANOS]" or "YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]]". */
static int parse_date(const char *str, struct timespec *ts)
{
	struct tm tm = { 0 };
	const char *rest;
	char *end;
	time_t t;

	if (str[0] == '@') {
		errno = 0;
		ts->tv_sec = strtoll(str + 1, &end, 10);
		if (end == str + 1 || errno != 0)
			return -1;
		return parse_frac(end, &ts->tv_nsec);
	}
	rest = strptime(str, "%Y-%m-%d", &tm);
	if (rest != NULL && (*rest == ' ' || *rest == 'T')) {
		rest = strptime(rest + 1, "%H:%M", &tm);
		if (rest != NULL && *rest == ':')
			rest = strptime(rest + 1, "%S", &tm);
	}
	if (rest == NULL || make_time(&tm, &t) != 0)
		return -1;
	ts->tv_sec = t;
	return parse_frac(rest, &ts->tv_nsec);
}

/* touch -t: [[CC]YY]MMDDhhmm[.ss] */
static int parse_stamp(const char *str, struct timespec *ts)
{
	size_t n = strcspn(str, ".");
	struct tm tm = { 0 }, now;
	time_t t = time(NULL);
	char buf[16];

	if ((n != 8 && n != 10 && n != 12) || strspn(str, "0123456789") != n)
		return -1;
	localtime_r(&t, &now);
	snprintf(buf, sizeof(buf), "%s%.*s", n == 8 ? "" : n == 10 ?
	    (str[0] < '7' ? "20" : "19") : "", (int)n, str);
	if (n == 8)
		tm.tm_year = now.tm_year;
	if (strptime(buf, n == 8 ? "%m%d%H%M" : "%Y%m%d%H%M", &tm) == NULL)
		return -1;
	if (str[n] == '.' && (strlen(str + n) != 3 ||
	    strspn(str + n + 1, "0123456789") != 2))
		return -1;
	if (str[n] == '.')
		tm.tm_sec = atoi(str + n + 1);
	if (make_time(&tm, &t) != 0)
		return -1;
	ts->tv_sec = t;
	ts->tv_nsec = 0;
	return 0;
}

struct touch_opts {
	struct vattr va;
	unsigned valid;          /* VA_ATIME and/or VA_MTIME */
	int nocreate;
	mode_t mode;             /* of a new file */
};

static int touch_one(struct session *s, const char *path,
    const struct touch_opts *t)
{
	struct vnode *vp;
	int st;

	if (img_open_or_create(s, path, t->mode, t->nocreate, &vp) != ST_OK)
		return ST_FAIL;
	if (vp == NULL)
		return ST_OK;
	st = img_setattr(s, vp, path, &t->va, t->valid);
	vrele(vp);
	return st;
}

/* The time to set: -d, -t, -r FILE (in the image), or now. */
static int touch_time(struct session *s, struct opts *o, struct touch_opts *t)
{
	struct timespec ts;
	struct vnode *vp;

	if (o->set['d'] + o->set['t'] + o->set['r'] > 1)
		return sess_usage(s, "cannot specify times from more than one "
		    "source");
	clock_gettime(CLOCK_REALTIME, &ts);
	t->va.va_atime = t->va.va_mtime = ts;
	if (o->arg['d'] && parse_date(o->arg['d'], &ts) != 0)
		return sess_usage(s, "invalid date format '%s'", o->arg['d']);
	if (o->arg['t'] && parse_stamp(o->arg['t'], &ts) != 0)
		return sess_usage(s, "invalid date format '%s'", o->arg['t']);
	t->va.va_atime = t->va.va_mtime = ts;
	if (o->arg['r']) {
		if (sess_lookup(s, o->arg['r'], 1, &vp, &t->va) != ST_OK)
			return ST_FAIL;
		vrele(vp);
	}
	return ST_OK;
}

int cmd_touch(struct session *s, int argc, char **argv)
{
	struct touch_opts t = { .valid = VA_ATIME | VA_MTIME };
	struct opts o;
	int i, st;

	if ((st = opts_parse(s, argc, argv, "camd:t:r:", &o)) != ST_OK)
		return st;
	if (o.nargs < 1)
		return sess_usage(s, "missing file operand");
	if (o.set['a'] && !o.set['m'])
		t.valid = VA_ATIME;
	else if (o.set['m'] && !o.set['a'])
		t.valid = VA_MTIME;
	t.nocreate = o.set['c'];
	t.mode = 0666 & ~sess_umask();
	if ((st = touch_time(s, &o, &t)) != ST_OK)
		return st;
	if (session_writable(s, o.args[0]) != ST_OK)
		return ST_FAIL;
	for (i = 0; i < o.nargs; i++)
		if (touch_one(s, o.args[i], &t) != ST_OK)
			st = ST_FAIL;
	return st;
}
