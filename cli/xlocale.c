/* xlocale.c: a UTF-8 character type while libarchive converts names, so no name is refused for the locale. */
#include <locale.h>

#include "cli/xarchive.h"

/*
 * libarchive converts names between the archive's UTF-8 and the current
 * locale. Under LC_ALL=C that fails for every non-ASCII name, so extract and
 * import switch this thread to C.UTF-8 for character types (bytes then pass
 * through unchanged) and back afterwards. Returns the new locale (0 if
 * C.UTF-8 is missing: the process locale is kept).
 */
locale_t xlocale_enter(locale_t *old)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);

	*old = (locale_t)0;
	if (loc != (locale_t)0)
		*old = uselocale(loc);
	return loc;
}

void xlocale_leave(locale_t loc, locale_t old)
{
	if (loc == (locale_t)0)
		return;
	uselocale(old);
	freelocale(loc);
}
