/* modestr.c: modes as chmod(1) writes them: octal ("755") or symbolic ("u+x,go-w,a=r"), and the user's umask. */
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* The process umask, without changing it for good. */
mode_t sess_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

static int parse_octal(const char *spec, mode_t *out)
{
	mode_t m = 0;
	size_t n = 0;

	for (; spec[n]; n++) {
		if (spec[n] < '0' || spec[n] > '7' || n >= 4)
			return -1;
		m = m * 8 + (mode_t)(spec[n] - '0');
	}
	*out = m;
	return n > 0 ? 0 : -1;
}

/* The bits "ugoa" letters select; 0 for none given. */
static mode_t parse_who(const char **pp)
{
	mode_t who = 0;

	for (;; (*pp)++) {
		if (**pp == 'u')
			who |= S_ISUID | S_IRWXU;
		else if (**pp == 'g')
			who |= S_ISGID | S_IRWXG;
		else if (**pp == 'o')
			who |= S_ISVTX | S_IRWXO;
		else if (**pp == 'a')
			who |= 07777;
		else
			return who;
	}
}

/* "u", "g" or "o" after an operator: that class's bits, copied to all. */
static mode_t copy_class(char c, mode_t cur)
{
	mode_t b = c == 'u' ? (cur >> 6) & 7 : c == 'g' ? (cur >> 3) & 7 :
	    cur & 7;

	return b * 0111;
}

/* The permission letters after an operator; -1 on a letter that is not one. */
static int parse_perms(const char **pp, mode_t cur, int isdir, mode_t *bits)
{
	const char *p = *pp;

	*bits = 0;
	if (*p == 'u' || *p == 'g' || *p == 'o') {
		*bits = copy_class(*p, cur);
		*pp = p + 1;
		return 0;
	}
	for (; *p && !strchr(",+-=", *p); p++) {
		switch (*p) {
		case 'r': *bits |= 0444; break;
		case 'w': *bits |= 0222; break;
		case 'x': *bits |= 0111; break;
		case 'X': if (isdir || (cur & 0111)) *bits |= 0111; break;
		case 's': *bits |= S_ISUID | S_ISGID; break;
		case 't': *bits |= S_ISVTX; break;
		default: return -1;
		}
	}
	*pp = p;
	return 0;
}

/* One clause "who op perms [op perms...]"; cur is updated. */
static int parse_clause(const char **pp, int isdir, mode_t umask, mode_t *cur)
{
	mode_t who = parse_who(pp), mask, bits;
	char op;

	mask = who ? who : 07777 & ~umask;
	if (!strchr("+-=", **pp) || **pp == '\0')
		return -1;
	while (**pp && strchr("+-=", **pp)) {
		op = *(*pp)++;
		if (parse_perms(pp, *cur, isdir, &bits) != 0)
			return -1;
		bits &= mask;
		if (op == '+')
			*cur |= bits;
		else if (op == '-')
			*cur &= ~bits;
		else
			*cur = (*cur & ~(who ? who : 07777)) | bits;
	}
	return 0;
}

/*
 * Computes the new permission bits from spec and the file's current ones
 * (old). Without "ugoa" a clause leaves the umask's bits alone, as chmod(1)
 * does. Returns 0, or -1 if spec is not a mode.
 */
int mode_parse(const char *spec, mode_t old, int isdir, mode_t umask,
    mode_t *out)
{
	const char *p = spec;
	mode_t cur = old & 07777;

	if (spec[0] >= '0' && spec[0] <= '7')
		return parse_octal(spec, out);
	do {
		if (parse_clause(&p, isdir, umask, &cur) != 0)
			return -1;
	} while (*p == ',' && *++p);
	if (*p != '\0')
		return -1;
	*out = cur;
	return 0;
}
