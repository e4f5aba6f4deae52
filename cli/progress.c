/* progress.c: one status line on stderr (files, bytes, rate, ETA), redrawn at most 4 times a second. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/xarchive.h"

#define PROGRESS_NS 250000000LL  /* 4 updates a second at most */

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL +
	    (b->tv_nsec - a->tv_nsec);
}

void progress_start(struct progress *p, int quiet, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && isatty(STDERR_FILENO);
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

static void fmt_eta(char *out, size_t size, double secs)
{
	long s = secs > 359999 ? 359999 : (long)secs;

	snprintf(out, size, "  ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60,
	    s % 60);
}

static void draw(struct progress *p, const struct timespec *now)
{
	double el = ns_between(&p->start, now) / 1e9;
	double rate = el > 0 ? p->bytes / el : 0;
	uint64_t pos = p->pos ? p->pos : p->bytes;
	char bytes[32], rt[32], eta[32] = "";

	fmt_human(p->bytes, bytes, sizeof(bytes));
	fmt_human((uint64_t)rate, rt, sizeof(rt));
	if (p->total > 0 && pos > 0 && pos <= p->total && el > 1)
		fmt_eta(eta, sizeof(eta), el * (double)(p->total - pos) / pos);
	fprintf(stderr, "\r%llu files  %sB  %sB/s%s\033[K",
	    (unsigned long long)p->files, bytes, rt, eta);
	fflush(stderr);
	p->drawn = 1;
	p->last = *now;
}

static void maybe_draw(struct progress *p)
{
	struct timespec now;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_between(&p->last, &now) >= PROGRESS_NS)
		draw(p, &now);
}

void progress_add(struct progress *p, uint64_t files, uint64_t bytes)
{
	p->files += files;
	p->bytes += bytes;
	maybe_draw(p);
}

void progress_pos(struct progress *p, uint64_t pos)
{
	p->pos = pos;
	maybe_draw(p);
}

/* Erases the line before a message is printed; the next update redraws it. */
void progress_clear(struct progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		p->drawn = 0;
	}
}

void progress_end(struct progress *p)
{
	progress_clear(p);
	p->on = 0;
}
