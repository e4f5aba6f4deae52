/* inoset.c: an open-addressing set of inode numbers, so du counts a hard-linked file once. */
#include <stdlib.h>

#include "cli/cli.h"

static size_t slot_of(uint64_t ino, size_t cap)
{
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdULL;
	ino ^= ino >> 33;
	return (size_t)ino & (cap - 1);
}

static int grow(struct inoset *set)
{
	size_t ncap = set->cap ? set->cap * 2 : 256, i, j;
	uint64_t *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < set->cap; i++) {
		if (set->slots[i] == 0)
			continue;
		for (j = slot_of(set->slots[i], ncap); ns[j];
		    j = (j + 1) & (ncap - 1))
			;
		ns[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = ns;
	set->cap = ncap;
	return 0;
}

int inoset_add(struct inoset *set, uint64_t ino)
{
	size_t j;

	if (ino == 0)
		return 1;
	if ((set->n + 1) * 2 > set->cap && grow(set) != 0)
		return -1;
	for (j = slot_of(ino, set->cap); set->slots[j];
	    j = (j + 1) & (set->cap - 1))
		if (set->slots[j] == ino)
			return 0;
	set->slots[j] = ino;
	set->n++;
	return 1;
}

void inoset_free(struct inoset *set)
{
	free(set->slots);
	set->slots = NULL;
	set->cap = set->n = 0;
}
