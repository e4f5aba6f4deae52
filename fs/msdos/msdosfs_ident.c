/* msdosfs_ident.c: inode numbers for a file system that has none, stable while a vnode is cached. */
#include <errno.h>
#include <stdlib.h>

#include "fs/msdos/msdosfs.h"

/*
 * The invariant: a file keeps one inode number for as long as this mount
 * lasts, whatever is renamed, and no two live files ever share one.
 *
 *  - The root directory is MSDOSFS_ROOTINO (1).
 *  - Any other directory is its first cluster (2 .. 2^28). A directory's
 *    first cluster never changes (it always has one: "." lives there), so
 *    its number survives renames, and "." / ".." entries, which hold
 *    cluster numbers, resolve to the very numbers the directory's own entry
 *    gives (".." holding 0 means the root).
 *  - A file is MSDOSFS_FILEINO_BASE + (absolute byte offset of its short
 *    entry) / 32: its "natural" number. A rename moves the entry, so the
 *    renamed file keeps its old number through a record here {ino, loc}
 *    ("moved"). A location whose natural number is held by someone else (a
 *    moved file, or a removed file whose vnode is still cached: "retired")
 *    gets a fresh number from MSDOSFS_FRESHINO_BASE up, recorded the same
 *    way. Records last until the file is removed (moved) or its vnode is
 *    reclaimed (retired).
 *  - A removed directory's cluster is not reused for a new directory while
 *    its vnode is cached (mkdir skips retired numbers), so directory
 *    numbers never need records.
 */

static size_t idhash(uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 40) % IDMAP_HASH;
}

static struct msdosfs_idrec *by_ino(struct msdosfs *fs, uint64_t ino)
{
	struct msdosfs_idrec *r;

	for (r = fs->id_byino[idhash(ino)]; r; r = r->next_ino)
		if (r->ino == ino)
			return r;
	return NULL;
}

static struct msdosfs_idrec *by_loc(struct msdosfs *fs, uint64_t loc)
{
	struct msdosfs_idrec *r;

	for (r = fs->id_byloc[idhash(loc)]; r; r = r->next_loc)
		if (!r->retired && r->loc == loc)
			return r;
	return NULL;
}

static void id_unlink(struct msdosfs *fs, struct msdosfs_idrec *r)
{
	struct msdosfs_idrec **pp;

	for (pp = &fs->id_byino[idhash(r->ino)]; *pp != r;)
		pp = &(*pp)->next_ino;
	*pp = r->next_ino;
	for (pp = &fs->id_byloc[idhash(r->loc)]; *pp != r;)
		pp = &(*pp)->next_loc;
	*pp = r->next_loc;
	free(r);
}

/* Adds a record; without memory the number stays natural (best effort). */
static void id_add(struct msdosfs *fs, uint64_t ino, uint64_t loc, int retired)
{
	struct msdosfs_idrec *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return;
	r->ino = ino, r->loc = loc, r->retired = retired;
	r->next_ino = fs->id_byino[idhash(ino)];
	fs->id_byino[idhash(ino)] = r;
	r->next_loc = fs->id_byloc[idhash(loc)];
	fs->id_byloc[idhash(loc)] = r;
}

uint64_t msdosfs_dirino(const struct msdosfs *fs, uint32_t cl)
{
	if (cl == 0 || (fs->fattype == 32 && cl == fs->rootclus))
		return MSDOSFS_ROOTINO;
	return cl;
}

uint64_t msdosfs_ino_for_loc(struct msdosfs *fs, uint64_t loc)
{
	struct msdosfs_idrec *r = by_loc(fs, loc);
	uint64_t natural = MSDOSFS_FILEINO_BASE + loc / DIR_SIZE, ino;

	if (r != NULL)
		return r->ino;
	if (by_ino(fs, natural) == NULL)
		return natural;
	ino = MSDOSFS_FRESHINO_BASE + fs->nextfresh++;
	id_add(fs, ino, loc, 0);
	return ino;
}

/* Where file ino's entry is now; ENOENT if no live file has that number. */
int msdosfs_loc_for_ino(struct msdosfs *fs, uint64_t ino, uint64_t *loc)
{
	struct msdosfs_idrec *r = by_ino(fs, ino);

	if (r != NULL) {
		if (r->retired)
			return ENOENT;
		*loc = r->loc;
		return 0;
	}
	if (ino < MSDOSFS_FILEINO_BASE || ino >= MSDOSFS_FRESHINO_BASE)
		return ENOENT;
	*loc = (ino - MSDOSFS_FILEINO_BASE) * DIR_SIZE;
	if (by_loc(fs, *loc) != NULL)
		return ENOENT;   /* another file's number lives there now */
	return 0;
}

void msdosfs_id_moved(struct msdosfs *fs, uint64_t ino, uint64_t newloc)
{
	struct msdosfs_idrec *r;

	if ((r = by_loc(fs, newloc)) != NULL)
		id_unlink(fs, r);
	if ((r = by_ino(fs, ino)) != NULL)
		id_unlink(fs, r);
	if (ino != MSDOSFS_FILEINO_BASE + newloc / DIR_SIZE)
		id_add(fs, ino, newloc, 0);
}

/* The file is gone but its vnode may live on: keep its number out of use. */
void msdosfs_id_removed(struct msdosfs *fs, uint64_t ino)
{
	struct msdosfs_idrec *r;

	if ((r = by_ino(fs, ino)) != NULL)
		id_unlink(fs, r);
	id_add(fs, ino, ino, 1);   /* loc unused: spread the chains */
}

void msdosfs_id_reclaimed(struct msdosfs *fs, uint64_t ino)
{
	struct msdosfs_idrec *r = by_ino(fs, ino);

	if (r != NULL && r->retired)
		id_unlink(fs, r);
}

int msdosfs_id_retired(struct msdosfs *fs, uint64_t ino)
{
	struct msdosfs_idrec *r = by_ino(fs, ino);

	return r != NULL && r->retired;
}

void msdosfs_id_free(struct msdosfs *fs)
{
	size_t i;

	for (i = 0; i < IDMAP_HASH; i++)
		while (fs->id_byino[i] != NULL)
			id_unlink(fs, fs->id_byino[i]);
}
